#!/usr/bin/env bash
# Runs every tests/integration/t-*.sh (but t-static.sh) against one binary
# and prints the summed `N passed, N failed` last. Used by tests/check.sh on
# the host and inside the Docker-default harness.
#
# Usage: tests/run-integration.sh CLEANROOM UNIT
set -u
cd "$(dirname "$0")/.." || exit 125
binary=$1 unit=$2
p=0 f=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for t in tests/integration/t-*.sh; do
	[ "$(basename "$t")" = t-static.sh ] && continue
	CLEANROOM=$binary UNIT=$unit bash "$t" >"$out" 2>&1
	cat "$out"
	s=$(tail -n 1 "$out")
	case "$s" in
	*" passed, "*" failed") ;;
	*) s="0 passed, 1 failed"; echo "not ok - $t: no summary line" ;;
	esac
	p=$((p + ${s%% passed*}))
	s=${s#*passed, }
	f=$((f + ${s%% failed*}))
done
echo "$p passed, $f failed"
[ "$f" = 0 ]
