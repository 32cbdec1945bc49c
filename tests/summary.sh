#!/bin/sh
# summary.sh - after make check: show each test program's result, the logs
# of the failures, and one closing line "N passed, N failed" that counts
# the individual checks (Check cases and integration test functions).
# Usage: tests/summary.sh MAKE_STATUS
cd "$(dirname "$0")/.."
status=${1:-0}
passed=0
failed=0
for trs in $(find tests -name '*.trs' | sort); do
	log=${trs%.trs}.log
	result=$(sed -n 's/^:test-result: //p' "$trs")
	printf '%-6s %s\n' "$result" "${trs%.trs}"
	# Check: "100%: Checks: 12, Failures: 0, Errors: 0"
	line=$(grep -E '^[0-9]+%: Checks: ' "$log" | tail -1)
	if [ -n "$line" ]; then
		n=$(echo "$line" | sed 's/.*Checks: \([0-9]*\).*/\1/')
		f=$(echo "$line" | sed 's/.*Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2/')
		bad=$(( $(echo "$f" | cut -d' ' -f1) + $(echo "$f" | cut -d' ' -f2) ))
		passed=$((passed + n - bad))
		failed=$((failed + bad))
	else
		# ldtest: "N passed, N failed"
		line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
		if [ -n "$line" ]; then
			passed=$((passed + ${line%% *}))
			failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
		elif [ "$result" = PASS ]; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
		fi
	fi
	if [ "$result" != PASS ]; then
		status=1
		echo "---- $log ----"
		tail -60 "$log"
		echo "----"
	fi
done
[ "$passed" -gt 0 ] || { echo "no test ran"; status=1; }
[ "$failed" = 0 ] || status=1
echo "$passed passed, $failed failed"
exit "$status"
