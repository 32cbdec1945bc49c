#!/bin/sh
# valgrind.sh - follow mode and the server under valgrind's memcheck (make
# valgrind): the integration tests below run with every logdeck and
# logdeck-server they start wrapped in valgrind (tests/integration/ldtest.py
# reads LOGDECK_VALGRIND), their deadlines multiplied by LDTEST_TIME_SCALE.
# A test fails when a process it started reports a memory error or a
# definite or indirect leak (tests/valgrind.supp: third-party noise only).
# The reports stay in tests/valgrind/FILE/{checked,bad}/vg-PID.log.
# Ends with how many processes were checked and "N passed, N failed".
# Usage: tests/valgrind.sh [TEST.py[:K/N]...]   (from the build directory,
# in make check's environment: make valgrind sets it; by default the
# follow mode and server tests below, VALGRIND_JOBS (3) at a time; :K/N
# runs the K-th of every N tests of the file, a shard, so that a long file
# runs in N parts at once)
set -u
srcdir=${LOGDECK_SRCDIR:?run it through make valgrind}
command -v valgrind >/dev/null 2>&1 || {
	echo "valgrind.sh: valgrind is not installed (apt-get install valgrind)"
	exit 1
}
# Follow mode (plain, with token renewal, rules and --new-errors) and the
# server (API, limits, auth, operations, the PostgreSQL store).
# The longest first, test_follow.py in three shards, so that the jobs end
# together.
TESTS_DEFAULT="test_follow.py:1/3 test_follow.py:2/3 test_follow.py:3/3
test_server_api.py test_rules.py test_server_config.py test_newerr.py
test_follow_auth.py test_server_auth.py test_server_pg.py
test_server_limits.py test_server_ops.py"
LDTEST_TIME_SCALE=${LDTEST_TIME_SCALE:-10}
export LDTEST_TIME_SCALE
out=$(pwd)/tests/valgrind

# The name of a test entry FILE[:K/N]: the file's, with -KofN for a shard.
name_of() {
	case $1 in
	*:*) echo "$(basename "${1%%:*}" .py)-$(echo "${1#*:}" | sed "s|/|of|")" ;;
	*) basename "$1" .py ;;
	esac
}

# Internal: xargs below runs "valgrind.sh --one ENTRY" for each entry,
# which writes the output to $out/NAME.log and the result to NAME.result.
if [ "${1:-}" = --one ]; then
	name=$(name_of "$2")
	shard=1/1
	case $2 in *:*) shard=${2#*:} ;; esac
	if LOGDECK_VALGRIND="$out/$name" LDTEST_SHARD=$shard ${PYTHON3:-python3} \
		"$srcdir/tests/integration/${2%%:*}" >"$out/$name.log" 2>&1; then
		echo PASS >"$out/$name.result"
	else
		echo FAIL >"$out/$name.result"
	fi
	exit 0
fi

rm -rf "$out"
mkdir -p "$out"
t0=$(date +%s)
tests=${*:-$TESTS_DEFAULT}
# VALGRIND_JOBS files at a time (3 by default on two cores: memcheck runs
# one thread, and the tests spend much of their time waiting).
printf '%s\n' $tests | xargs -P "${VALGRIND_JOBS:-3}" -n 1 sh "$0" --one

status=0
passed=0
failed=0
for t in $tests; do
	name=$(name_of "$t")
	result=$(cat "$out/$name.result" 2>/dev/null || echo FAIL)
	printf '%-6s %s\n' "$result" "$name"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out/$name.log" | tail -1)
	if [ -n "$line" ]; then
		p=${line%% *}
		f=$(echo "$line" | cut -d' ' -f3)
	else
		p=0
		f=0
	fi
	[ "$result" = PASS ] || [ "$f" -gt 0 ] || f=1
	passed=$((passed + p))
	failed=$((failed + f))
	grep '^skip ' "$out/$name.log"
	if [ "$result" != PASS ]; then
		status=1
		echo "---- $out/$name.log ----"
		tail -80 "$out/$name.log"
		echo "----"
	fi
done
checked=$(find "$out" -path '*/checked/vg-*.log' | wc -l)
bad=$(find "$out" -path '*/bad/vg-*.log' | wc -l)
# A report without valgrind's closing summary: a process killed with
# SIGKILL (or one still running), which valgrind could not check.
unchecked=$(find "$out" -mindepth 2 -maxdepth 2 -name 'vg-*.log' | wc -l)
for f in $(find "$out" -mindepth 2 -maxdepth 2 -name 'vg-*.log'); do
	echo "unchecked: $f: $(sed -n 's/^==[0-9]*== Command: //p' "$f")"
done
[ "$bad" = 0 ] || status=1
[ "$passed" -gt 0 ] || { echo "no test ran"; status=1; }
[ "$failed" = 0 ] || status=1
echo "valgrind: $checked processes checked, $bad with errors or leaks," \
	"$unchecked unchecked, $(($(date +%s) - t0)) s"
echo "$passed passed, $failed failed"
exit "$status"
