#!/bin/sh
# build.sh - build one libFuzzer target (fuzz/fuzz.am): build.sh SRCDIR
# COMPILER NAME SOURCES... -- LIBS...; sources are relative to SRCDIR,
# headers among them are skipped, fuzz/fuzz_NAME is written in the current
# (build) directory.
set -e
srcdir=$1 cc=$2 name=$3
shift 3
srcs=
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	case $1 in
	*.c) srcs="$srcs $srcdir/$1" ;;
	esac
	shift
done
[ $# -gt 0 ] && shift
mkdir -p fuzz
echo "  FUZZ     fuzz/fuzz_$name"
# shellcheck disable=SC2086 # the compiler line and lists are words
exec $cc $srcs "$@" -o "fuzz/fuzz_$name"
