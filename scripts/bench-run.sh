#!/usr/bin/env bash
# Benchmark: the cost of the clean room around a trivial build. Compares
# `cleanroom run --network deny -- /bin/sh -c ': > out/t.txt'` (probe,
# plan, every sandbox layer, supervision, verification of a one-file
# output set, lock; an empty set fails since min_files defaults to 1) with
# the same command under `env -i` (no sandbox at all) and under bubblewrap
# with a network and a pid namespace, in one hyperfine run. Prints medians, ratios and cleanroom's
# overhead over a bare exec; asserts nothing.
#
# Usage: scripts/bench-run.sh [CLEANROOM]
set -euo pipefail
cr=$(realpath "${1:-build/cleanroom}")
for tool in hyperfine bwrap; do
	command -v "$tool" >/dev/null ||
		{ echo "bench: $tool is missing (scripts/bootstrap.sh bench)" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# As root the build runs as uid 65534, which must reach the workdir
# (mktemp makes it 0700).
chmod 755 "$work"
cd "$work"
mkdir out
build=": > out/t.txt"
hyperfine -N --warmup 30 --runs 300 --export-csv "$work/h.csv" \
	-n cleanroom "$cr -q run --framework none --network deny --output out -- /bin/sh -c '$build'" \
	-n "env -i" "env -i /bin/sh -c '$build'" \
	-n bwrap "bwrap --ro-bind / / --bind out out --dev /dev --proc /proc --unshare-net --unshare-pid --die-with-parent /bin/sh -c '$build'" >/dev/null 2>&1
# CSV columns: command,mean,stddev,median,user,system,min,max
awk -F, 'NR > 1 { med[$1] = $4 * 1000; order[NR] = $1 }
	END {
		for (i = 2; i <= NR; i++) {
			c = order[i]
			printf "bench: %-10s median %6.2f ms  (%.2fx cleanroom)\n", c, med[c], med[c] / med["cleanroom"]
		}
		printf "bench: cleanroom overhead over a bare exec: %.2f ms\n", med["cleanroom"] - med["env -i"]
	}' "$work/h.csv"
