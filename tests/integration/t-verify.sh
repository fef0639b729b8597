#!/usr/bin/env bash
# Verification through the binary: `run` with a build that produces a real
# Vite or Django output set, `verify`, `lock`, the lock through
# sha256sum -c, and the failures: a tampered file, a deleted manifest
# entry, a planted secret in several encodings, a forbidden file, a write
# outside the writable set without Landlock, the JSON report.
. "$(dirname "$0")/lib.sh"
FIX=$(cd "$(dirname "$0")/../fixtures/manifests" && pwd)
cd "$SCRATCH" || exit 1
cr() { env -i PATH=/usr/bin:/bin HOME=/root "$CLEANROOM" "$@"; }

# A Vite app whose "build" copies a real Vite 8 output into dist/.
mkdir vite && cd vite || exit 1
printf 'export DEPLOY_TOKEN=tok_4f9a8b7c6d5e4f3a2b1c\nexport MODE=prod\n' >.aptible.env
run cr run --framework none --manifest vite --output dist -- sh -c "cp -r '$FIX/vite/.' dist/"
assert_rc 0 "run with a real Vite output set"
assert_contains "$ERR" "manifest     ok       dist/.vite/manifest.json (4 entries)" "Vite manifest checked"
assert_contains "$ERR" "lock: dist/cleanroom.lock (7 files)" "lock written"
run sha256sum -c --quiet dist/cleanroom.lock
assert_rc 0 "the lock passes sha256sum -c from the app directory"
run cr verify --framework none --manifest vite --output dist
assert_rc 0 "a second verify passes"

# Tampering after the build.
printf 'x' >>dist/assets/index-DGYizq8C.css
run cr verify --framework none --manifest vite --output dist
assert_rc 65 "a changed file: verify exits 65"
assert_contains "$ERR" "error: lock: dist/assets/index-DGYizq8C.css: changed since the lock" "names the changed file"
cp "$FIX/vite/assets/index-DGYizq8C.css" dist/assets/
rm dist/assets/logo-D4Ymtcdf.png
run cr verify --framework none --manifest vite --output dist
assert_rc 65 "a manifest entry deleted: 65"
assert_contains "$ERR" "error: manifest: dist/assets/logo-D4Ymtcdf.png: missing" "names the missing entry"
cd "$SCRATCH" || exit 1

# Secrets inlined by a build, raw and encoded: named, never shown.
mkdir leak && cd leak || exit 1
printf 'export DEPLOY_TOKEN=tok_4f9a8b7c6d5e4f3a2b1c\nexport API_SECRET=s3cr3t/p@ss+word=42\n' >.aptible.env
run cr run --framework none --output out --pass DEPLOY_TOKEN -- sh -c \
	'printf "const t=\"%s\";" "$DEPLOY_TOKEN" >out/app-1.js'
assert_rc 65 "a secret inlined into the bundle: 65"
assert_contains "$ERR" "error: secrets: out/app-1.js: contains the value of DEPLOY_TOKEN at offset 9 (raw)" \
	"names the variable, the file and the offset"
assert_not_contains "$ERR" "tok_4f9a8b7c6d5e4f3a2b1c" "never prints the value"
[ ! -e out/cleanroom.lock ] && pass "no lock written after a failed verification" ||
	fail "a lock was written"
printf '%s' 'tok_4f9a8b7c6d5e4f3a2b1c' | base64 >out/b64.txt
printf 'https://x/?k=%s' 's3cr3t%2Fp%40ss%2Bword%3D42' >out/url.txt
rm out/app-1.js
run cr verify --framework none --output out
assert_rc 65 "encoded secrets found by verify"
assert_contains "$ERR" "out/b64.txt: contains the value of DEPLOY_TOKEN" "base64 form found"
assert_contains "$ERR" "out/url.txt: contains the value of API_SECRET at offset 13 (url)" "URL-encoded form found"
run cr verify --framework none --output out --report report.json
assert_contains "$(cat report.json)" '"check": "secrets", "result": "failed"' "report has the failed check"
assert_not_contains "$(cat report.json)" "tok_4f9a8b7c6d5e4f3a2b1c" "report holds no value"
assert_contains "$(cat report.json)" '"name": "DEPLOY_TOKEN", "source": "env file"' "report names the variable"
cd "$SCRATCH" || exit 1

# Forbidden files and bounds.
mkdir forbid && cd forbid || exit 1
run cr run --framework none --output out --min-files 5 -- sh -c \
	'echo a >out/a.js; echo k >out/server.pem; echo e >out/.env.production'
assert_rc 65 "forbidden outputs: 65"
assert_contains "$ERR" "out/server.pem: forbidden in outputs (*.pem)" "*.pem forbidden"
assert_contains "$ERR" "out/.env.production: forbidden in outputs (.env*)" ".env* forbidden"
assert_contains "$ERR" "3 output files, fewer than min_files 5" "min_files bound"
cd "$SCRATCH" || exit 1

# A build that fails exits with its own status, and names a withheld
# variable its output mentions.
mkdir fails && cd fails || exit 1
printf 'export SECRET_KEY_BASE=skb_0123456789abcdef\n' >.aptible.env
run cr run --framework none --output out -- sh -c 'echo "Missing SECRET_KEY_BASE" >&2; exit 3'
assert_rc 3 "the build's exit status is cleanroom's"
assert_contains "$ERR" "the build's output names SECRET_KEY_BASE, which is withheld (secret from .aptible.env:1)" \
	"names the withheld variable"
assert_contains "$ERR" "--pass SECRET_KEY_BASE" "shows the flag"
cd "$SCRATCH" || exit 1

# A real Django output set through lock/verify.
mkdir dj && cp -r "$FIX/django" dj/static && cd dj || exit 1
run cr lock --framework none --manifest django --output static
assert_rc 0 "lock of a real Django collectstatic output"
assert_contains "$ERR" "manifest     ok       static/staticfiles.json" "Django manifest checked"
run cr verify --framework none --manifest django --output static
assert_rc 0 "verify passes"
finish
