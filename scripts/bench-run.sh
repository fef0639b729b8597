#!/usr/bin/env bash
# Benchmark: the cost of the clean room around a trivial build. Compares
# `cleanroom run --network deny -- /bin/true` (probe, plan, every sandbox
# layer, supervision, verification of an empty output set, lock) with
# `env -i /bin/true` (no sandbox at all) and bubblewrap with a network
# namespace, in one hyperfine run. Prints medians, ratios and cleanroom's
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
cd "$work"
hyperfine -N --warmup 30 --runs 300 --export-csv "$work/h.csv" \
	-n cleanroom "$cr -q run --framework none --network deny --output out -- /bin/true" \
	-n "env -i" "env -i /bin/true" \
	-n bwrap "bwrap --ro-bind / / --unshare-net /bin/true" >/dev/null 2>&1
# CSV columns: command,mean,stddev,median,user,system,min,max
awk -F, 'NR > 1 { med[$1] = $4 * 1000; order[NR] = $1 }
	END {
		for (i = 2; i <= NR; i++) {
			c = order[i]
			printf "bench: %-10s median %6.2f ms  (%.2fx cleanroom)\n", c, med[c], med[c] / med["cleanroom"]
		}
		printf "bench: cleanroom overhead over a bare exec: %.2f ms\n", med["cleanroom"] - med["env -i"]
	}' "$work/h.csv"
