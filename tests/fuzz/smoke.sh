#!/usr/bin/env bash
# Runs a libFuzzer target for a fixed time on a scratch copy of its seed
# corpus (libFuzzer writes new inputs into its first corpus directory).
# Prints `1 passed, 0 failed` when it found nothing, else the crash input.
set -u
target=$1 seeds=$2 seconds=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/cleanroom-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
"$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix="$work/artifacts/" -print_final_stats=1 \
	"$work/corpus" "$seeds" 2>&1 | tail -n 25
rc=${PIPESTATUS[0]}
if [ "$rc" = 0 ] && [ -z "$(ls -A "$work/artifacts")" ]; then
	echo "1 passed, 0 failed"
	exit 0
fi
for a in "$work"/artifacts/*; do
	[ -e "$a" ] || continue
	echo "not ok - $(basename "$target"): $(basename "$a")"
	od -c "$a" | head -n 20
done
echo "0 passed, 1 failed"
exit 1
