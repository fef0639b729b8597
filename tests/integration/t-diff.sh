#!/usr/bin/env bash
# `cleanroom diff A.lock B.lock`: reads sha256sum output in any order,
# lists added/removed/changed files, exits 0 when identical and 65 when
# not; a malformed lock is a config error (78) with its position.
. "$(dirname "$0")/lib.sh"
cd "$SCRATCH" || exit 1
mkdir out
printf a >out/app.css
printf b >"out/sp ace.js"
printf c >"out/$(printf 'new\nline')"
(cd out && sha256sum -- * >../a.lock)
printf changed >>out/app.css
printf d >out/added.js
rm "out/sp ace.js"
(cd out && sha256sum -- * >../b.lock)

run "$CLEANROOM" diff a.lock a.lock
assert_rc 0 "identical locks: 0"
assert_contains "$OUT" "0 added, 0 removed, 0 changed (3 and 3 files)" "summary"
run "$CLEANROOM" diff a.lock b.lock
assert_rc 65 "different locks: 65"
assert_contains "$OUT" "added    added.js  " "added file"
assert_contains "$OUT" "removed  sp ace.js  " "removed file"
assert_contains "$OUT" "changed  app.css  ca978112ca1bbdca -> " "changed file with digests"
assert_contains "$OUT" "1 added, 1 removed, 1 changed (3 and 3 files)" "counts"
assert_contains "$ERR" "the output sets differ in 3 files" "message on stderr"
printf 'not a lock\n' >bad.lock
run "$CLEANROOM" diff a.lock bad.lock
assert_rc 78 "malformed lock: 78"
assert_contains "$ERR" "bad.lock:1:1: line too short" "position of the problem"
run "$CLEANROOM" diff a.lock missing.lock
assert_rc 78 "missing lock: 78"
finish
