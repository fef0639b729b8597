#!/usr/bin/env bash
# Benchmark: reading a 10,000-line env file. Compares cleanroom against what
# users run today (`set -a; . FILE` in dash and in bash) with hyperfine,
# and prints cleanroom's own parse time (-v), all in one run. Prints
# figures and ratios; asserts nothing.
#
# Usage: scripts/bench-envfile.sh [CLEANROOM] [LINES]
set -euo pipefail
cr=$(realpath "${1:-build/cleanroom}")
lines=${2:-10000}
command -v hyperfine >/dev/null || { echo "bench: hyperfine is missing (scripts/bootstrap.sh bench)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
f=$work/bench.env

# A realistic mix in Aptible's escaping: plain words, escaped spaces and
# punctuation, URLs with passwords, multi-line keys, references.
cat >"$work/gen.awk" <<'AWK'
BEGIN {
	for (i = 0; i < n; i++) {
		k = i % 6
		if (k == 0) printf "APP_SETTING_%d=value_%d\n", i, i
		else if (k == 1) printf "export GREETING_%d=hello\\ world\\ %d\\!\n", i, i
		else if (k == 2) printf "DATABASE_URL_%d=postgresql://user:p\\%%40ss@db%d.internal:5432/app\n", i, i
		else if (k == 3) printf "QUOTED_%d=\"a $APP_SETTING_%d b\"\n", i, i - 3
		else if (k == 4) printf "MULTI_%d=line1'\n'line2\n", i
		else printf "SINGLE_%d='single quoted %d' # comment\n", i, i
	}
}
AWK
awk -v n="$lines" -f "$work/gen.awk" >"$f"
echo "bench: $lines assignments, $(wc -l <"$f") lines, $(wc -c <"$f") bytes"
"$cr" env --files-only --env "$f" --format nul >/dev/null

# cleanroom's own measurement of reading and parsing the file (excludes
# process start-up and output), over 31 runs.
for _ in $(seq 31); do
	"$cr" -v env --files-only --env "$f" --format nul 2>&1 >/dev/null |
		sed -n 's/.* in \([0-9.]*\) ms$/\1/p'
done | sort -n | awk '{ t[NR] = $1 }
	END { printf "bench: cleanroom read+parse time (its own clock, 31 runs): min %.2f ms, median %.2f ms\n", t[1], t[16] }'

cd "$work"
hyperfine -N --warmup 5 --runs 50 --export-csv "$work/h.csv" \
	-n cleanroom "$cr env --files-only --env $f --format nul" \
	-n dash "dash -c 'set -a; . ./bench.env'" \
	-n bash "bash -c 'set -a; . ./bench.env'" >/dev/null
# CSV columns: command,mean,stddev,median,user,system,min,max
awk -F, 'NR > 1 { med[$1] = $4 * 1000; order[NR] = $1 }
	END {
		for (i = 2; i <= NR; i++) {
			c = order[i]
			printf "bench: %-10s median %7.2f ms  (%.2fx cleanroom)\n", c, med[c], med[c] / med["cleanroom"]
		}
	}' "$work/h.csv"
