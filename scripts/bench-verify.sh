#!/usr/bin/env bash
# Benchmark: the verification pass (hash + secret scan + lock) over two
# generated output trees, against what a user would otherwise run, all in
# one run on the same cache state:
#   A: 20,000 files, 1 GiB, log-normal sizes 200 B - 2 MiB (median ~16 KB),
#      55% random bytes, 45% text, 200 secrets of 20-40 characters, six of
#      them planted (raw, JSON-escaped, URL-encoded, base64);
#   B: 100,000 files, ~50 MiB.
# Compared: `find -print0 | xargs -0 sha256sum`, the same with -P2,
# `rhash --sha256 -r`, `grep -rF -f secrets`, `rg -F -f secrets` (which
# stops reading a file at its first NUL byte) and `rg -aF` (which does not).
# grep and rg look for the raw values only; cleanroom also for their
# encodings. Warm cache first (hyperfine, median of several runs), then one
# cold-cache run of cleanroom and of find|xargs sha256sum when
# /proc/sys/vm/drop_caches is writable (it drops the whole machine's page
# cache). Peak RSS with /usr/bin/time -v. Prints figures and ratios;
# asserts nothing.
#
# The timed command is `cleanroom verify` when `CLEANROOM verify --help`
# succeeds (VERIFY_ARGS and VERIFY_ARGS_B override its arguments), and
# otherwise a small driver compiled here against src/proof/tree.c and src/secret/scan.c
# (the same code, the same musl/nettle build) that runs the pass and
# writes the lock. The driver also measures the ceiling (SHA-256 and the
# scan with no I/O), checks A's lock against sha256sum, and is what
# PERF=1 profiles.
#
# Usage: scripts/bench-verify.sh [CLEANROOM]
#   BENCH_DIR=DIR   generate the trees there and keep them (reused when
#                   already generated); default: a temporary directory
#   RUNS=N          hyperfine runs per command (default 5)
#   COLD=0          skip the cold-cache runs
#   PERF=1          also print the pass's profile (perf record)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
cr=${1:-build/cleanroom}
[ -x "$cr" ] && cr=$(realpath "$cr")
runs=${RUNS:-5}
for tool in hyperfine rhash rg python3 /usr/bin/time; do
	command -v "$tool" >/dev/null ||
		{ echo "bench: $tool is missing (scripts/bootstrap.sh bench)" >&2; exit 1; }
done

if [ -n "${BENCH_DIR:-}" ]; then
	work=$(realpath -m "$BENCH_DIR")
	mkdir -p "$work"
else
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
fi

# The trees (scripts/bench-trees.py) and the driver (scripts/bench-driver.c).
REPO=$repo
. "$repo/scripts/bench-lib.sh"
bench_trees "$work"
bench_driver "$work/driver"
drv_a="$work/driver $work/secrets.txt $work/A.lock A"
drv_b="$work/driver $work/secrets.txt $work/B.lock B"
if "$cr" verify --help >/dev/null 2>&1; then
	mode="cleanroom verify"
	# verify exits 65 on A: the planted secrets are findings.
	# Both pass the whole set through every check: A without a lock
	# (--no-lock), B against the lock written below, untimed.
	run_a="$cr -C $work verify ${VERIFY_ARGS:---output A --env bench.env --manifest none --no-lock}"
	run_b="$cr -C $work verify ${VERIFY_ARGS_B:---output B --manifest none}"
	"$cr" -q -C "$work" lock ${VERIFY_ARGS_B:---output B --manifest none}
else
	mode="the tree_hash_scan driver (no cleanroom verify yet)"
	run_a=$drv_a
	run_b=$drv_b
fi
cd "$work"
echo "bench: timing $mode; $(nproc) CPUs, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"

# The ceiling: SHA-256 (and the scan) with no I/O, from a cache-resident
# buffer: no pass over files can beat it.
echo "bench: ceiling, no I/O: $("$work/driver" "$work/secrets.txt" --ceiling)"

# One untimed run of the driver per tree: the cache is warm, the planted
# secrets show, and A's lock is checked against sha256sum.
$drv_a | sed 's/^/bench: A: /'
$drv_b | sed 's/^/bench: B: /'
find A -type f -print0 | xargs -0 sha256sum | LC_ALL=C sort -k2 >A.ref
if cmp -s A.ref A.lock; then
	echo "bench: A's lock equals find | xargs sha256sum | sort"
else
	echo "bench: A's lock DIFFERS from sha256sum's output"
fi

# hyperfine, one JSON per group; figures are medians. grep and rg are slow
# on A (seconds to tens of seconds a run): fewer runs, no warm-up (the
# cache is warm by then).
hf() {
	local out=$1 n=$2 w=$3
	shift 3
	hyperfine --warmup "$w" --runs "$n" -i --export-json "$out" "$@" \
		>/dev/null 2>"$out.log" || { cat "$out.log" >&2; exit 1; }
}
slow=$((runs < 3 ? runs : 3))
hf a.json "$runs" 1 -n cleanroom "$run_a" \
	-n 'find|xargs sha256sum' 'find A -type f -print0 | xargs -0 sha256sum >/dev/null' \
	-n 'find|xargs -P2 sha256sum' 'find A -type f -print0 | xargs -0 -P2 -n 2000 sha256sum >/dev/null' \
	-n 'rhash --sha256 -r' 'rhash --sha256 -r A >/dev/null'
hf a2.json "$slow" 0 -n 'rg -F -f secrets' 'rg -F -f secrets.txt A >/dev/null' \
	-n 'rg -aF -f secrets' 'rg -a -F -f secrets.txt A >/dev/null' \
	-n 'grep -rF -f secrets' 'grep -rF -f secrets.txt A >/dev/null'
hf b.json "$runs" 1 -n cleanroom "$run_b" \
	-n 'find|xargs sha256sum' 'find B -type f -print0 | xargs -0 sha256sum >/dev/null' \
	-n 'find|xargs -P2 sha256sum' 'find B -type f -print0 | xargs -0 -P2 -n 2000 sha256sum >/dev/null' \
	-n 'rhash --sha256 -r' 'rhash --sha256 -r B >/dev/null'

python3 - "$work" <<'PY'
import json, os, sys
work = sys.argv[1]
def load(*names):
    rows = []
    for name in names:
        for x in json.load(open(os.path.join(work, name)))["results"]:
            t = sorted(x["times"])
            rows.append((x["command"], t[len(t) // 2], t[0]))
    return rows
abytes = sum(os.path.getsize(os.path.join(d, f))
             for d, _, fs in os.walk(os.path.join(work, "A")) for f in fs)
for tree, names, files in (("A", ("a.json", "a2.json"), 20000),
                           ("B", ("b.json",), 100000)):
    rows = load(*names)
    base = rows[0][1]
    for cmd, med, mn in rows:
        extra = ("%5.2f GB/s" % (abytes / med / 1e9)) if tree == "A" else \
            ("%7.0f files/s" % (files / med))
        print("bench: %s %-24s median %7.3f s  min %7.3f s  %s  %6.2fx"
              % (tree, cmd, med, mn, extra, med / base))
PY

# Peak memory.
for t in A B; do
	run=$run_a
	[ "$t" = B ] && run=$run_b
	rss=$({ /usr/bin/time -v $run 2>&1 >/dev/null || true; } |
		sed -n 's/.*Maximum resident set size (kbytes): //p')
	echo "bench: $t peak RSS ${rss} KiB ($((rss / 1024)) MiB)"
done

# Where the time goes (PERF=1): the driver's profile by symbol, warm cache.
if [ "${PERF:-0}" != 0 ] && command -v perf >/dev/null; then
	for t in A B; do
		run=$drv_a
		[ "$t" = B ] && run=$drv_b
		perf record -q -o "$work/perf-$t.data" $run >/dev/null 2>&1 || continue
		perf report -i "$work/perf-$t.data" --stdio --no-children \
			--sort dso,symbol 2>/dev/null | grep '%' | head -n 12 |
			sed "s/^/bench: $t perf: /"
	done
fi

# Cold cache: one run each right after dropping the page cache (of the
# whole machine).
if [ "${COLD:-1}" != 0 ] && { echo 3 >/proc/sys/vm/drop_caches; } 2>/dev/null; then
	cold() {
		local s e
		sync
		echo 3 >/proc/sys/vm/drop_caches
		s=$(date +%s.%N)
		eval "$1" >/dev/null 2>&1 || true
		e=$(date +%s.%N)
		awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", e - s }'
	}
	a=$(cold "$run_a")
	b=$(cold 'find A -type f -print0 | xargs -0 sha256sum')
	awk -v a="$a" -v b="$b" 'BEGIN {
		printf "bench: A cold cache: cleanroom %.3f s (%.2f GB/s), find|xargs sha256sum %.3f s (%.2fx)\n", a, 1073741824 / a / 1e9, b, b / a }'
else
	echo "bench: cold cache not measured (/proc/sys/vm/drop_caches is not writable, or COLD=0)"
fi
