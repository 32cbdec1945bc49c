#!/bin/sh
# sanitized.sh - the whole test suite (unit and integration) once more, on
# a build with AddressSanitizer, LeakSanitizer and UBSan (./configure
# --enable-sanitizers; make check makes every finding fatal). It builds
# the sources of a make dist tarball in a directory of its own, configured
# from a separate build directory (VPATH), so the normal build is left as
# it is. Ends with summary.sh's lines, "N passed, N failed" last.
# Usage: tests/sanitized.sh TARBALL [DIR]   (DIR: build-san)
set -eu
tarball=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
dir=${2:-build-san}
rm -rf "$dir"
mkdir -p "$dir/build"
cd "$dir"
tar -xzf "$tarball"
src=$(basename "$tarball" .tar.gz)
cd build
if ! { "../$src/configure" --quiet --enable-sanitizers &&
	make -j"$(nproc)"; } >build.log 2>&1; then
	tail -40 build.log
	echo "the sanitized build failed"
	exit 1
fi
# The sanitizers make everything slower: Check's per-test timeouts (4 s
# by default) get ten times as long.
CK_TIMEOUT_MULTIPLIER=10
export CK_TIMEOUT_MULTIPLIER
status=0
make -j2 check >/dev/null 2>&1 || status=1
exec sh "../$src/tests/summary.sh" "$status" .
