#!/usr/bin/env bash
# Benchmark: the cost of the clean room around a trivial build. Compares
# `cleanroom run --network deny -- /bin/sh -c ': > out/t.txt'` (probe,
# plan, every sandbox layer, supervision, verification of a one-file
# output set, lock; an empty set fails since min_files defaults to 1) with
# the same command under `env -i` (no sandbox at all) and under bubblewrap
# with a network and a pid namespace, in one hyperfine run. Prints medians, ratios and cleanroom's
# overhead over a bare exec; asserts nothing. The ctime sweep of a build
# of uid 0 walks only the working tree and an empty dir here
# (--ctime-root): the system's dirs are seconds of fstatat, measured on
# their own by scripts/bench-ctime.sh.
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
mkdir out empty
build=": > out/t.txt"
hyperfine -N --warmup 30 --runs 300 --export-csv "$work/h.csv" \
	-n cleanroom "$cr -q run --framework none --network deny --output out --ctime-root $work/empty -- /bin/sh -c '$build'" \
	-n "env -i" "env -i /bin/sh -c '$build'" \
	-n bwrap "bwrap --ro-bind / / --bind out $work/out --dev /dev --proc /proc --unshare-net --unshare-pid --die-with-parent /bin/sh -c '$build'" \
	>/dev/null 2>"$work/h.err" || { cat "$work/h.err" >&2; exit 1; }
# CSV columns: command,mean,stddev,median,user,system,min,max
awk -F, 'NR > 1 { med[$1] = $4 * 1000; order[NR] = $1 }
	END {
		for (i = 2; i <= NR; i++) {
			c = order[i]
			printf "bench: %-10s median %6.2f ms  (%.2fx cleanroom)\n", c, med[c], med[c] / med["cleanroom"]
		}
		printf "bench: cleanroom overhead over a bare exec: %.2f ms\n", med["cleanroom"] - med["env -i"]
	}' "$work/h.csv"
