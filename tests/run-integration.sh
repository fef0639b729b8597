#!/usr/bin/env bash
# Runs every DIR/t-*.sh (but t-static.sh) against one binary and prints the
# summed `N passed, N failed` last. Used by tests/check.sh on the host and
# inside the Docker-default harness, for tests/integration (the default)
# and tests/e2e.
#
# Usage: tests/run-integration.sh CLEANROOM UNIT [DIR]
set -u
cd "$(dirname "$0")/.." || exit 125
binary=$1 unit=$2 dir=${3:-tests/integration}
p=0 f=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for t in "$dir"/t-*.sh; do
	[ -e "$t" ] || continue
	[ "$(basename "$t")" = t-static.sh ] && continue
	start=$(date +%s)
	CLEANROOM=$binary UNIT=$unit bash "$t" >"$out" 2>&1
	cat "$out"
	echo "# $t: $(($(date +%s) - start)) s"
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
