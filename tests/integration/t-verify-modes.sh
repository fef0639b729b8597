#!/usr/bin/env bash
# Modes are part of the proof (issue 11, item 2): no output may be setuid,
# setgid or world-writable, files and directories alike, at `run` and at
# every `verify` (a chmod after the lock is caught); the lock's format
# does not change. Devices, FIFOs and links out of a root still fail, and
# a link to a directory inside a root is listed in the report.
. "$(dirname "$0")/lib.sh"
cd "$SCRATCH" || exit 1
cr() { env -i PATH=/usr/bin:/bin HOME=/root "$CLEANROOM" "$@"; }
V=(--framework none --manifest none --output out)

# A build that leaves a world-writable directory.
mkdir ww && cd ww || exit 1
run cr run "${V[@]}" -- sh -c 'echo a >out/a.js; mkdir out/up; chmod 777 out/up'
assert_rc 65 "run: a world-writable directory in the outputs: 65"
assert_contains "$ERR" "error: outputs: out/up: directory is world-writable (mode 0777)" \
	"names the directory and its mode"
[ ! -e out/cleanroom.lock ] && pass "no lock written" || fail "a lock was written"
cd "$SCRATCH" || exit 1

# A build that makes a setuid file: seccomp refuses the mode (issue 13),
# where the filter is on; where it is off (no seccomp here), a build
# running as uid 0 keeps the bit and verification refuses it, and one
# given to a build user of its own has it cleared when the outputs are
# handed back. No setuid output is locked either way.
mkdir suid && cd suid || exit 1
run cr run "${V[@]}" -- sh -c 'echo a >out/a.js; chmod 4755 out/a.js'
if [ -u out/a.js ]; then
	assert_rc 65 "run: a setuid file in the outputs: 65"
	assert_contains "$ERR" "error: outputs: out/a.js: file is setuid (mode 4755)" \
		"names the file and its mode"
elif [ "$RC" = 1 ]; then
	assert_contains "$ERR" "chmod: changing permissions of 'out/a.js': Operation not permitted" \
		"run: the setuid chmod is refused in the build"
else
	assert_rc 0 "run: the setuid bit was cleared with the hand-back"
fi
assert_not_contains "$(stat -c %a out/a.js)" "4755" "not setuid"
if [ "$RC" != 0 ]; then
	[ ! -e out/cleanroom.lock ] && pass "no lock written" ||
		fail "a lock was written"
fi
cd "$SCRATCH" || exit 1

# chmod after the lock: verify catches each, the lock unchanged.
mkdir later && cd later || exit 1
run cr run "${V[@]}" -- sh -c 'mkdir -p out/js; echo a >out/js/a.js; echo b >out/b.css'
assert_rc 0 "a clean build is locked"
lock=$(cat out/cleanroom.lock)
run cr verify "${V[@]}"
assert_rc 0 "verify passes"
chmod u+s out/b.css
run cr verify "${V[@]}"
assert_rc 65 "chmod u+s after the lock: verify 65"
assert_contains "$ERR" "error: outputs: out/b.css: file is setuid (mode 4644)" "names it"
assert_contains "$ERR" "lock         ok       0 added, 0 removed, 0 changed" \
	"the bytes still match the lock"
chmod u-s out/b.css
chmod g+s out/b.css
run cr verify "${V[@]}"
assert_rc 65 "chmod g+s: 65"
assert_contains "$ERR" "out/b.css: file is setgid (mode 2644)" "setgid named"
chmod g-s out/b.css
chmod o+w out/js/a.js
run cr verify "${V[@]}"
assert_rc 65 "chmod o+w on a file: 65"
assert_contains "$ERR" "out/js/a.js: file is world-writable (mode 0646)" "world-writable file named"
chmod o-w out/js/a.js
chmod g+s out/js
run cr verify "${V[@]}"
assert_rc 65 "chmod g+s on a directory: 65"
assert_contains "$ERR" "out/js: directory is setgid (mode 2755)" "setgid directory named"
chmod g-s out/js
chmod 1777 out
run cr verify "${V[@]}"
assert_rc 65 "a world-writable root, sticky or not: 65"
assert_contains "$ERR" "error: outputs: out: directory is world-writable (mode 1777)" "the root named"
chmod 755 out
run cr verify "${V[@]}"
assert_rc 0 "modes put back: verify passes again"
run cr lock "${V[@]}"
assert_rc 0 "lock rewrites the lock"
assert_eq "$(cat out/cleanroom.lock)" "$lock" "the lock's format did not change (modes are not in it)"

# Still refused: a FIFO, a link out of the root.
mkfifo out/pipe
run cr verify "${V[@]}"
assert_rc 65 "a FIFO: 65"
assert_contains "$ERR" "out/pipe: not a regular file or directory: fifo" "the FIFO named"
rm out/pipe
ln -s /etc out/etc
run cr verify "${V[@]}"
assert_rc 65 "a directory link out of the root: 65"
assert_contains "$ERR" "out/etc: symlink pointing outside the output root: /etc" "named"
rm out/etc

# A link to a directory inside the root: listed, its files verified
# under their real paths, the report lists it.
ln -s js out/current
run cr verify "${V[@]}" --report r.json
assert_rc 0 "a directory link inside the root passes"
assert_contains "$ERR" "info: outputs: out/current: a link to the directory out/js, whose files are verified there" \
	"listed on stderr"
assert_contains "$ERR" "1 directory link" "counted in the outputs line"
assert_contains "$(cat r.json)" '"links": [{"path": "out/current", "target": "js"}]' \
	"listed in the JSON report"
ln -s ../.. out/js/escape
run cr verify "${V[@]}"
assert_rc 65 "a directory link that leaves the root: 65"
assert_contains "$ERR" "out/js/escape: symlink pointing outside the output root: ../.." \
	"checked like a file link"
finish
