#!/usr/bin/env bash
# Benchmark: what `cleanroom start` costs a container start, against what
# the Procfile line it replaces costs (`web: BUILD && exec SERVER`, which
# rebuilds at every start).
#
#  1. Synthetic: a 10,000-file input tree (100 directories of 100 files)
#     and a shell build. Fresh start (stamp over the spec, environment,
#     command and every input, stat cache, output sizes, then exec) vs the
#     same start forced stale (one input touched before each run: build,
#     verify, lock, record) vs `sh -c 'BUILD && exec true'`.
#  2. When examples/vite's deps are installed (scripts/example-deps.sh
#     vite): a fresh start of the real Vite app vs `vite build && exec
#     true`, the rebuild-at-start line that Procfiles use.
#
# One hyperfine run per part; prints medians and ratios, asserts nothing.
#
# Usage: scripts/bench-start.sh [CLEANROOM]
set -euo pipefail
cr=$(realpath "${1:-build/cleanroom}")
root=$(cd "$(dirname "$0")/.." && pwd)
command -v hyperfine >/dev/null ||
	{ echo "bench: hyperfine is missing (scripts/bootstrap.sh bench)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# As root the build runs as uid 65534, which must reach the workdir
# (mktemp makes it 0700).
chmod 755 "$work"

# ratios CSV BASE: one line per command, with its ratio to BASE.
ratios() {
	awk -F, -v base="$2" 'NR > 1 { med[$1] = $4 * 1000; order[NR] = $1 }
	END {
		for (i = 2; i <= NR; i++) {
			c = order[i]
			printf "bench: %-28s median %8.2f ms  (%.1fx %s)\n", c, med[c], med[c] / med[base], base
		}
	}' "$1"
}

app=$work/app
mkdir -p "$app/src"
for d in $(seq 0 99); do
	mkdir "$app/src/d$d"
	for f in $(seq 0 99); do echo "file $d $f" >"$app/src/d$d/f$f.css"; done
done
cat >"$app/build.sh" <<'EOF'
#!/bin/sh
set -e
mkdir -p public/assets
cat src/d*/f0.css >public/assets/app.css
h=$(sha256sum public/assets/app.css | cut -c1-12)
mv public/assets/app.css "public/assets/app-$h.css"
EOF
chmod +x "$app/build.sh"
# The ctime sweep covers the working tree only (ctime_roots: []): the
# system's dirs are seconds of fstatat per rebuild, scripts/bench-ctime.sh.
printf 'framework: none\ncommand: ./build.sh\nsandbox: {ctime_roots: []}\noutputs: {root: public/assets}\ninputs: [src, build.sh]\n' \
	>"$app/cleanroom.yml"
# Sources older than the racy window, as files COPY'd into an image are:
# a file changed within 3 s of the last stamp is always rehashed.
find "$app" -exec touch -h -d '1 hour ago' {} +
cd "$app"
env -i PATH=/usr/bin:/bin "$cr" -q run
echo "bench: 10,000 input files: $(find src -type f | wc -l)"
hyperfine -N --warmup 5 --runs 60 --export-csv "$work/a.csv" \
	-n "start fresh" "env -i PATH=/usr/bin:/bin $cr -q start -- /bin/true" >/dev/null 2>&1
hyperfine --warmup 2 --runs 20 --export-csv "$work/b.csv" \
	--prepare "echo x >>$app/src/d0/f0.css" \
	-n "start stale (rebuild)" "env -i PATH=/usr/bin:/bin $cr -q start -- /bin/true" \
	-n "sh: build && exec true" "sh -c './build.sh && exec true'" >/dev/null 2>&1
cat "$work/a.csv" <(tail -n +2 "$work/b.csv") >"$work/ab.csv"
ratios "$work/ab.csv" "start fresh"
# cleanroom's own clock for the fresh path (stamp + checks, before exec),
# once the input touched by the stale runs is out of the racy window.
sleep 3.5
for _ in 1 2 3 4 5 6 7 8 9 10 11; do
	env -i PATH=/usr/bin:/bin "$cr" start -- /bin/true 2>&1 |
		sed -n 's/.*start: fresh (stamp [0-9a-f]*, \([0-9.]*\) ms).*/\1/p'
done | sort -n | awk '{ v[NR] = $1 } END { printf "bench: fresh path by cleanroom'"'"'s clock: median %.1f ms (of %d)\n", v[int((NR + 1) / 2)], NR }'

if bash "$root/scripts/example-deps.sh" --check vite >/dev/null 2>&1; then
	cp -a "$root/examples/vite" "$work/vite"
	find "$work/vite" -exec touch -h -d '1 hour ago' {} +
	cd "$work/vite"
	env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$work" "$cr" -q run >/dev/null
	hyperfine -N --warmup 3 --runs 30 --export-csv "$work/v.csv" \
		-n "vite: start fresh" "env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=$work $cr -q start -- /bin/true" \
		-n "vite: build && exec true" "sh -c 'node_modules/.bin/vite build --logLevel silent && exec true'" \
		>/dev/null 2>&1
	ratios "$work/v.csv" "vite: start fresh"
else
	echo "bench: examples/vite deps not installed (scripts/example-deps.sh vite): real-app part skipped"
fi
