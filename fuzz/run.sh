#!/bin/sh
# run.sh - run one libFuzzer target (fuzz/fuzz.am): run.sh CORPUSDIR
# SECONDS TIMEOUT NAME. Reads the seed corpus CORPUSDIR/NAME, keeps what it
# finds in fuzz/work-NAME, writes a crash to fuzz/crash-NAME-*, the whole
# output to fuzz/fuzz-NAME.log and prints the final figures.
corpus=$1 seconds=$2 timeout=$3 name=$4
mkdir -p "fuzz/work-$name"
echo "fuzz-$name: ${seconds}s from $corpus/$name"
"./fuzz/fuzz_$name" -max_total_time="$seconds" -timeout="$timeout" \
	-print_final_stats=1 -artifact_prefix="fuzz/crash-$name-" \
	"fuzz/work-$name" "$corpus/$name" >"fuzz/fuzz-$name.log" 2>&1
rc=$?
grep -a -E '^#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|SUMMARY' \
	"fuzz/fuzz-$name.log" | sed "s/^/fuzz-$name: /"
[ $rc -eq 0 ] || echo "fuzz-$name: FAILED (exit $rc), see fuzz/fuzz-$name.log"
exit $rc
