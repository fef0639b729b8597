#!/usr/bin/env bash
# `cleanroom reproduce`: the build twice in fresh copies under varied
# conditions. A deterministic build is reproducible (0); one that embeds
# the time zone, a random value, the build path or the umask is not (65),
# and the report names the file and its first differing line, pairing a
# fingerprinted file whose name changed with its content. The copies leave
# out the outputs, a failed build passes its status on, and nothing is left
# behind either way.
. "$(dirname "$0")/lib.sh"

APP=$SCRATCH/app
mkdir -p "$APP/src" "$APP/public/assets"
printf 'body{color:red}\n' >"$APP/src/site.css"
printf 'export const a = 1;\n' >"$APP/src/main.js"
printf 'stale output of an earlier build\n' >"$APP/public/assets/stale.txt"
# Fingerprinted copies of src/, plus whatever WHAT asks to embed.
cat >"$APP/build.sh" <<'EOF'
#!/bin/sh
set -e
mkdir -p public/assets
for f in src/*; do
	b=$(basename "$f")
	h=$(sha256sum "$f" | cut -c1-12)
	cp "$f" "public/assets/${b%.*}-$h.${b##*.}"
done
embed() {
	printf 'const a = 1;\nconst built = "%s";\n' "$1" >public/assets/app.js
	h=$(sha256sum public/assets/app.js | cut -c1-12)
	mv public/assets/app.js "public/assets/app-$h.js"
}
case "${WHAT:-}" in
tz) embed "$(date +%z)" ;;
random) embed "$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')" ;;
path) printf '%s\n' "$PWD" >public/assets/where.txt ;;
umask) : >public/assets/x; stat -c %a public/assets/x >public/assets/mode.txt; rm public/assets/x ;;
epoch) printf '%s\n' "${SOURCE_DATE_EPOCH:-now}" >public/assets/epoch.txt ;;
locale) printf '%s\n' "$LC_ALL" >public/assets/locale.txt ;;
binary) { printf 'BIN\0'; head -c 64 /dev/urandom; } >public/assets/blob.bin ;;
fail) echo "compile error" >&2; exit 3 ;;
slow) sleep 30.417 ;;
esac
if [ -e public/assets/stale.txt ]; then echo "stale output copied" >&2; exit 9; fi
EOF
chmod +x "$APP/build.sh"
cd "$APP" || exit 1

cr() { env -i PATH=/usr/bin:/bin HOME=/root "$CLEANROOM" "$@"; }
repro() { cr reproduce --framework none --output public/assets "$@" -- ./build.sh; }
leftovers() { find "$APP/.cleanroom" -mindepth 1 -maxdepth 1 -name 'reproduce.*' | wc -l; }

run repro
assert_rc 0 "a deterministic build is reproducible"
assert_contains "$OUT" "reproducible: both builds made the same 2 files" \
	"says so, with the file count (stale outputs not copied)"
for row in "build path" "directory order" "umask              0022  |  0077" \
	"TZ                 UTC  |  " "LANG               C  |  C.UTF-8" \
	"LC_ALL             C  |  C.UTF-8" "SOURCE_DATE_EPOCH  315532800  |  unset"; do
	assert_contains "$OUT" "$row" "reports what varied: $row"
done
assert_contains "$ERR" "reproduce: build 2 of 2: 2 files in" "phase lines with timings"
assert_eq "$(leftovers)" 0 "the copies are removed"
assert_eq "$(cat public/assets/stale.txt)" "stale output of an earlier build" \
	"the working tree's outputs are untouched"
assert_eq "$(ls public/assets)" "stale.txt" "nothing is built in the working tree"

run repro --set WHAT=tz --report "$SCRATCH/r.json"
assert_rc 65 "a build that embeds the time zone: 65"
assert_contains "$OUT" "differs: public/assets/app-" "names the file"
assert_contains "$OUT" "(build 1) vs public/assets/app-" \
	"pairs the fingerprinted names that changed with the content"
assert_contains "$OUT" "line 2, column 17:" "the first differing line and column"
assert_contains "$OUT" 'build 1: const built = "+0000";' "build 1's line"
assert_contains "$OUT" 'build 2: const built = "+1' "build 2's line (far time zone)"
assert_contains "$ERR" "the two builds differ in 1 file" "the error says how many"
assert_contains "$ERR" "hint: " "with a hint"
if /usr/bin/python3 - "$SCRATCH/r.json" <<'EOF'; then
import json, sys
r = json.load(open(sys.argv[1]))
assert r["reproducible"] is False
d = r["differences"]
assert len(d) == 1 and d[0]["kind"] == "renamed", d
assert d[0]["path1"].startswith("public/assets/app-") and d[0]["line"] == 2
assert r["varied"]["umask"] == ["0022", "0077"]
assert r["varied"]["SOURCE_DATE_EPOCH"] == ["315532800", "unset"]
assert len(r["builds"]) == 2 and r["builds"][0]["files"] == 3
EOF
	pass "--report writes the JSON report"
else
	fail "--report writes the JSON report" "$(cat "$SCRATCH/r.json")"
fi

run repro --set WHAT=random
assert_rc 65 "a build that embeds a random value: 65"
assert_contains "$OUT" "differs: public/assets/app-" "names the file"

run repro --set WHAT=path
assert_rc 65 "a build that records its path: 65"
assert_contains "$OUT" "differs: public/assets/where.txt" "names the file"
assert_contains "$OUT" "/2-other-build-path/app" "the second build path in the line"

run repro --set WHAT=umask
assert_rc 65 "a build whose output depends on the umask: 65"
assert_contains "$OUT" "build 1: 644" "umask 022 in build 1"
assert_contains "$OUT" "build 2: 600" "umask 077 in build 2"

run repro --set WHAT=epoch
assert_rc 65 "SOURCE_DATE_EPOCH set in one build only"
assert_contains "$OUT" "build 1: 315532800" "set in build 1"
assert_contains "$OUT" "build 2: now" "unset in build 2"

# What the configuration fixes is not varied, and the report says so.
run repro --set WHAT=epoch --set SOURCE_DATE_EPOCH=1700000000 --set LC_ALL=C
assert_rc 0 "fixed by the configuration: the same in both"
assert_contains "$OUT" "SOURCE_DATE_EPOCH  1700000000  (in both: fixed by the configuration)" \
	"says SOURCE_DATE_EPOCH was not varied"
assert_contains "$OUT" "LC_ALL             C  (in both" "nor LC_ALL"

run repro --set WHAT=locale
assert_rc 65 "a build that records its locale"

run repro --set WHAT=binary
assert_rc 65 "a binary output that differs"
assert_contains "$OUT" "binary: differs from byte " "reported as binary with the offset"
assert_contains "$OUT" "(sizes 68 and 68)" "and the sizes"

run repro --set WHAT=fail
assert_rc 3 "a failed build: its exit status"
assert_contains "$ERR" "the build failed (exit status 3)" "run's message"
assert_contains "$ERR" "reproduce: build 1 of 2 failed" "says which build"
assert_eq "$(leftovers)" 0 "a failed build leaves no copies"

# Stopped from outside: the build's tree is killed, nothing is left.
# (env directly, not the cr function: $! must be cleanroom itself.)
env -i PATH=/usr/bin:/bin HOME=/root "$CLEANROOM" reproduce --framework none \
	--output public/assets --set WHAT=slow \
	-- ./build.sh >"$SCRATCH/slow.out" 2>"$SCRATCH/slow.err" &
pid=$!
for _ in $(seq 100); do
	pgrep -fx "sleep 30.417" >/dev/null && break
	sleep 0.05
done
kill -TERM "$pid"
wait "$pid"
RC=$?
ERR=$(cat "$SCRATCH/slow.err")
assert_rc 143 "SIGTERM during a build: 128+15"
assert_contains "$ERR" "interrupted by signal 15" "says it was interrupted"
# A duration no other test uses: other suites may be running.
sleep 0.1
assert_eq "$(pgrep -fxc 'sleep 30.417')" 0 "the build's processes are gone"
assert_eq "$(leftovers)" 0 "no copies are left"

finish
