#!/usr/bin/env bash
# Nothing misleading in messages (issue 11, item 7): a file name or a
# manifest entry holding a newline or a terminal escape is printed
# escaped, so it can neither forge a "cleanroom:" line nor drive the
# terminal; a manifest that is not UTF-8 is reported where it stops being
# UTF-8; the default forbid globs ignore case and cover private keys.
. "$(dirname "$0")/lib.sh"
cd "$SCRATCH" || exit 1
cr() { env -i PATH=/usr/bin:/bin HOME=/root "$CLEANROOM" "$@"; }
V=(--framework none --manifest none --output out)
ESC=$'\033'

# A name with a newline and an escape sequence, added after the lock.
mkdir forge && cd forge || exit 1
run cr run "${V[@]}" -- sh -c 'echo a >out/a.js'
assert_rc 0 "a clean build is locked"
touch "out/x"$'\n'"cleanroom: ok"
touch "out/red${ESC}[31mpaint${ESC}[0m.js"
run cr verify "${V[@]}"
assert_rc 65 "two files added since the lock: 65"
assert_contains "$ERR" 'error: lock: out/x\ncleanroom: ok: added since the lock' \
	"the newline is printed as \\n, on the finding's own line"
assert_eq "$(printf '%s\n' "$ERR" | grep -c '^cleanroom: ok')" 0 \
	"no line of its own starts with the forged text"
assert_contains "$ERR" 'out/red\x1b[31mpaint\x1b[0m.js: added since the lock' \
	"the escape sequence is shown as \\x1b"
assert_not_contains "$ERR" "$ESC" "no raw escape byte reaches the terminal"
run cr verify "${V[@]}" --report r.json
assert_contains "$(cat r.json)" '"path": "out/x\ncleanroom: ok"' "the JSON report escapes it as JSON"
cp out/cleanroom.lock a.lock
run cr lock "${V[@]}"
run cr diff a.lock out/cleanroom.lock
assert_rc 65 "diff of the two locks: 65"
assert_contains "$OUT" 'added    out/red\x1b[31mpaint\x1b[0m.js' "diff escapes the escape too"
assert_contains "$OUT" 'added    out/x\ncleanroom: ok' "and the newline, as before"
assert_not_contains "$OUT" "$ESC" "no raw escape byte in diff's output"
cd "$SCRATCH" || exit 1

# A manifest entry with control characters (JSON escapes), missing.
mkdir entry && cd entry || exit 1
mkdir -p dist/.vite dist/assets
echo 'x' >dist/assets/main-1.js
printf '{"main.js": {"file": "assets/main-1.js", "src": "main.js", "isEntry": true},\n "evil\\u001b[2J.js": {"file": "assets/evil\\n\\u001b[2J.js", "src": "evil.js"}}\n' \
	>dist/.vite/manifest.json
run cr verify --framework none --manifest vite --output dist
assert_rc 65 "a manifest entry that does not exist: 65"
assert_contains "$ERR" 'dist/assets/evil\n\x1b[2J.js' "the entry escaped"
assert_not_contains "$ERR" "$ESC" "no raw escape byte"
cd "$SCRATCH" || exit 1

# A manifest that is not UTF-8: the line and byte column of the bad byte.
mkdir utf8 && cd utf8 || exit 1
mkdir -p dist/.vite dist/assets
echo 'x' >dist/assets/main-1.js
printf '{\n  "main.js": {"file": "assets/main-1.js", "src": "m\xc3\xa9\xff.js"}\n}\n' \
	>dist/.vite/manifest.json
run cr verify --framework none --manifest vite --output dist
assert_rc 65 "a manifest with a byte 0xff: 65"
assert_contains "$ERR" "invalid JSON at line 2, column 54: invalid UTF-8 in a string (byte 0xff)" \
	"the real line and column (libyaml said 1:1)"
cd "$SCRATCH" || exit 1

# The default forbid globs, in any case, and private keys.
mkdir keys && cd keys || exit 1
run cr run "${V[@]}" -- sh -c 'echo a >out/a.js; echo e >out/.ENV; echo k >out/server.PEM;
	echo k >out/id_rsa; echo p >out/id_rsa.pub; echo k >out/id_ed25519; echo k >out/cert.p12; echo k >out/site.PFX'
assert_rc 65 "key material in the outputs: 65"
assert_contains "$ERR" "out/.ENV: forbidden in outputs (.env*)" ".ENV, whatever the case"
assert_contains "$ERR" "out/server.PEM: forbidden in outputs (*.pem)" "server.PEM"
assert_contains "$ERR" "out/id_rsa: forbidden in outputs (id_rsa)" "an OpenSSH private key"
assert_contains "$ERR" "out/id_ed25519: forbidden in outputs (id_ed25519)" "an Ed25519 key"
assert_contains "$ERR" "out/cert.p12: forbidden in outputs (*.p12)" "a PKCS#12 bundle"
assert_contains "$ERR" "out/site.PFX: forbidden in outputs (*.pfx)" "a .PFX"
assert_not_contains "$ERR" "out/id_rsa.pub" "the public half is allowed"
finish
