#!/bin/sh
# summary.sh - after make check: show each test program's result, the logs
# of the failures, and one closing line "N passed, N failed" that counts
# the individual checks (Check cases and integration test functions).
# Usage: tests/summary.sh MAKE_STATUS [BUILDDIR]
# (BUILDDIR: where make check ran, by default the source tree.)
cd "${2:-$(dirname "$0")/..}"
status=${1:-0}
passed=0
failed=0
# Why each failing program failed, in a few lines, repeated just above
# the closing line: a long log's tail (a screen dump, a nested suite's
# own list) may hide its first lines, and CI shows the end of the output.
whys=$(mktemp)
trap 'rm -f "$whys"' EXIT
for trs in $(find tests -name '*.trs' | sort); do
	log=${trs%.trs}.log
	result=$(sed -n 's/^:test-result: //p' "$trs")
	printf '%-6s %s\n' "$result" "${trs%.trs}"
	# ldtest, and a step that ran a whole suite: "N passed, N failed"
	# (first: such a step's log may quote a Check log); Check: "100%:
	# Checks: 12, Failures: 0, Errors: 0"; else the program is one check.
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
	check=$(grep -E '^[0-9]+%: Checks: ' "$log" | tail -1)
	if [ -n "$line" ]; then
		n=$(( ${line%% *} + $(echo "$line" | cut -d' ' -f3) ))
		bad=$(echo "$line" | cut -d' ' -f3)
	elif [ -n "$check" ]; then
		n=$(echo "$check" | sed 's/.*Checks: \([0-9]*\).*/\1/')
		f=$(echo "$check" | sed 's/.*Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2/')
		bad=$(( $(echo "$f" | cut -d' ' -f1) + $(echo "$f" | cut -d' ' -f2) ))
	else
		n=1
		bad=0
	fi
	# A program that failed counts one failure at least, whatever its
	# log says (it may have died after printing its count).
	[ "$result" = PASS ] || [ "$bad" -gt 0 ] || { bad=1; [ "$n" -gt 0 ] || n=1; }
	passed=$((passed + n - bad))
	failed=$((failed + bad))
	if [ "$result" != PASS ]; then
		status=1
		echo "---- $log ----"
		tail -60 "$log"
		echo "----"
		{
			echo "${trs%.trs}"
			# A step that ran a whole suite: its own block; ldtest:
			# "FAIL name" and the exception's line; Check:
			# "file:line:F:case:test:...".
			if grep -q '^---- what failed ----$' "$log"; then
				sed -n '/^---- what failed ----$/,$p' "$log" |
				    sed '1d;$d'
			else
				grep -E '^(FAIL |[A-Za-z_.]*(Failure|Error|Exception): |[^ ]+:[0-9]+:[EF]:)' "$log"
			fi | head -20 | sed 's/^/  /'
		} >>"$whys"
	fi
done
if [ -s "$whys" ]; then
	echo "---- what failed ----"
	cat "$whys"
fi
[ "$passed" -gt 0 ] || { echo "no test ran"; status=1; }
[ "$failed" = 0 ] || status=1
echo "$passed passed, $failed failed"
exit "$status"
