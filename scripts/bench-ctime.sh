#!/usr/bin/env bash
# bench-ctime.sh: the cost of the ctime sweep (issue 13 item 4) on a
# generated tree of N files (default 200000: 200 dirs of 1000), against
# `find TREE -cnewer STAMP` on the same tree, warm cache, the median of
# RUNS runs (default 3) each.
#
# Usage: scripts/bench-ctime.sh [CLEANROOM] (default build/cleanroom)
#   FILES=N RUNS=N BENCH_DIR=DIR (default ${TMPDIR:-/tmp}) override.
# Needs root (the sweep runs only for builds of uid 0). Prints one line
# per run and a summary: ms, inodes/s, and the ratio sweep/find.
set -eu
CR=$(realpath "${1:-build/cleanroom}")
FILES=${FILES:-200000}
RUNS=${RUNS:-3}
PER=1000
[ "$(id -u)" = 0 ] || { echo "bench-ctime: needs root" >&2; exit 1; }
TOP=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/cleanroom-bench-ctime.XXXXXX")
trap 'rm -rf "$TOP"' EXIT
TREE=$TOP/tree
APP=$TOP/app
mkdir -p "$TREE" "$APP/public"
echo a >"$APP/public/a.css"
ndirs=$(((FILES + PER - 1) / PER))
for ((d = 0; d < ndirs; d++)); do
	mkdir "$TREE/d$d"
	n=$((FILES - d * PER))
	[ "$n" -gt "$PER" ] && n=$PER
	(cd "$TREE/d$d" && seq -f 'f%g' 1 "$n" | xargs touch)
done
touch "$TOP/stamp"
sleep 0.05
find "$TREE" -cnewer "$TOP/stamp" >/dev/null # warm the cache

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
now_ms() { date +%s%3N; }

: >"$TOP/sweep.ms"
: >"$TOP/find.ms"
inodes=0
for ((i = 1; i <= RUNS; i++)); do
	(cd "$APP" && "$CR" run --framework none --output public \
		--ctime-root "$TREE" -- true) 2>"$TOP/err" >/dev/null ||
		{ cat "$TOP/err" >&2; exit 1; }
	line=$(grep -m1 'metadata: ctime sweep of' "$TOP/err")
	inodes=$(sed -E 's/.*sweep of ([0-9]+) inodes.*/\1/' <<<"$line")
	ms=$(sed -E 's/.* in ([0-9]+) ms.*/\1/' <<<"$line")
	echo "$ms" >>"$TOP/sweep.ms"
	t0=$(now_ms)
	find "$APP" "$TREE" -cnewer "$TOP/stamp" >/dev/null
	t1=$(now_ms)
	echo $((t1 - t0)) >>"$TOP/find.ms"
	echo "run $i: sweep $ms ms ($inodes inodes), find -cnewer $((t1 - t0)) ms"
done
s=$(median <"$TOP/sweep.ms")
f=$(median <"$TOP/find.ms")
awk -v s="$s" -v f="$f" -v n="$inodes" -v files="$FILES" 'BEGIN {
	printf "ctime sweep of %d files (%d inodes): %d ms median, %.0f inodes/s; find -cnewer: %d ms; sweep/find %.2f\n",
		files, n, s, (s > 0 ? n / (s / 1000) : 0), f, (f > 0 ? s / f : 0)
}'
