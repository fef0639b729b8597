#!/usr/bin/env bash
# Bounded verification (issue 11, item 5): hard links read once,
# max_bytes refused from the walk's apparent sizes before anything is
# read, max_files stopping the walk (spec key and flag), verification's
# own time limit (exit 124, saying it was verification), and what a long
# verification shows: a phase line without a terminal, a line redrawn in
# place on one.
. "$(dirname "$0")/lib.sh"
cd "$SCRATCH" || exit 1
cr() { env -i PATH=/usr/bin:/bin HOME=/root "$CLEANROOM" "$@"; }
V=(--framework none --manifest none --output out)

# Hard links: every name in the lock, the inode read once.
mkdir hard && cd hard || exit 1
run cr run "${V[@]}" --report r.json -- sh -c \
	'head -c 1048576 /dev/zero >out/a.bin; ln out/a.bin out/b.bin; mkdir out/d; ln out/a.bin out/d/c.bin; echo x >out/x.js'
assert_rc 0 "run with a file under three names"
assert_contains "$ERR" "outputs      ok       4 files, 3145730 bytes (2 read once under another name)" \
	"apparent sizes count every name; two names read through the first"
assert_contains "$(cat r.json)" '"bytes": 3145730, "bytes_read": 1048578, "read_once": 2' \
	"the report: 3 MiB apparent, 1 MiB read"
assert_eq "$(grep -c '30e14955ebf1352266dc2ff8067e68104607e750abb9d3b36582b8af909fcb58' out/cleanroom.lock)" 3 \
	"the lock lists all three names with the same digest"
run sha256sum -c --quiet out/cleanroom.lock
assert_rc 0 "and sha256sum -c agrees"
cd "$SCRATCH" || exit 1

# max_files: flag and spec key; the walk stops, nothing is read.
mkdir many && cd many || exit 1
mkdir out
for i in $(seq 1 20); do echo "$i" >"out/f$i.js"; done
run cr verify "${V[@]}" --max-files 5
assert_rc 65 "20 files over --max-files 5: 65"
assert_contains "$ERR" "error: outputs: more than max_files 5 files, directories and links: the walk stopped there and nothing was read" \
	"says the walk stopped"
assert_contains "$ERR" "secrets      skipped  not checked: the outputs are over max_files" \
	"contents not checked, and said so"
printf 'framework: none\noutputs:\n  root: out\n  manifest: none\n  max_files: 10\n' >cleanroom.yml
run cr lock
assert_rc 65 "outputs.max_files: 10 in the spec: lock refuses"
assert_contains "$ERR" "more than max_files 10" "the spec's bound"
[ ! -e out/cleanroom.lock ] && pass "no lock written" || fail "a lock was written"
run cr lock --max-files 20
assert_rc 0 "--max-files 20 overrides the spec: 20 files pass"
rm cleanroom.yml
cd "$SCRATCH" || exit 1

# max_bytes from the walk's sizes: a 1 TiB sparse file is refused at
# once, never read (timeout makes a read of it fail rather than hang).
mkdir huge && cd huge || exit 1
mkdir out && echo x >out/a.js && truncate -s 1T out/huge.bin
run timeout 60 env -i PATH=/usr/bin:/bin HOME=/root "$CLEANROOM" verify "${V[@]}" --max-bytes 1M
assert_rc 65 "1 TiB of apparent size over --max-bytes 1M: 65, at once"
assert_contains "$ERR" "error: outputs: 1099511627778 bytes of outputs (apparent sizes), more than max_bytes 1048576: nothing was read" \
	"refused from the walk's sizes"
assert_contains "$ERR" "verify: 2 files, 0.0 MB in" "nothing read"
cd "$SCRATCH" || exit 1

# The verification timeout: 124, said to be verification's; no lock.
mkdir slow && cd slow || exit 1
run cr run "${V[@]}" --verify-timeout 1s -- sh -c 'echo a >out/a.js; truncate -s 64G out/zeros.bin'
assert_rc 124 "run: verification past --verify-timeout 1s exits 124"
assert_contains "$ERR" "cleanroom: verification timed out after 1s (outputs.verify_timeout):" \
	"says it was verification"
assert_contains "$ERR" "hint: raise outputs.verify_timeout" "and how to raise it"
assert_not_contains "$ERR" "the build timed out" "not the build's timeout"
[ ! -e out/cleanroom.lock ] && pass "no lock written" || fail "a lock was written"
run cr verify "${V[@]}" --verify-timeout 2s
assert_rc 124 "verify --verify-timeout 2s: 124"
# Without a terminal: a phase line once verification has taken a second
# (files and bytes read; no total: without max_bytes the walk does not
# stat the files).
assert_contains "$ERR" "cleanroom: verify: reading 2 files (" "a phase line on a pipe"
# With max_bytes the walk has the sizes, and the line the total.
printf 'framework: none\noutputs:\n  root: out\n  manifest: none\n  verify_timeout: 2s\n  max_bytes: 1T\n' >cleanroom.yml
run cr verify
assert_rc 124 "verify: outputs.verify_timeout: 2s in the spec, 124"
assert_contains "$ERR" "verification timed out after 2s" "the spec's limit"
assert_contains "$ERR" "cleanroom: verify: reading 2 files, 68719 MB (" \
	"the phase line with the total"
assert_not_contains "$ERR" $'\r' "no carriage return on a pipe"
# On a terminal: one line redrawn in place, erased at the end.
if command -v script >/dev/null && script -qec true /dev/null >/dev/null 2>&1; then
	script -qec "env -i PATH=/usr/bin:/bin HOME=/root '$CLEANROOM' verify" \
		/dev/null >tty.out 2>&1
	T=$(cat tty.out)
	assert_contains "$T" $'\r\033[K'"cleanroom: verify: " "a status line drawn in place on a terminal"
	assert_contains "$T" " of 2 files, " "with files,"
	assert_contains "$T" " of 68719 MB, " "bytes"
	assert_contains "$T" " MB/s" "and the rate"
	assert_contains "$T" $'\r\033[K'"cleanroom: verification timed out" "erased before the next message"
else
	skip "no pseudo-terminal here (script -qec)"
fi
rm cleanroom.yml
cd "$SCRATCH" || exit 1
finish
