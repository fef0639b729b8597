#!/usr/bin/env bash
# The Vite example (examples/vite: Vite 8, a JS entry importing CSS and
# SVGs, build.manifest) built for real by `vite build` under the default
# sandbox: with the preset alone (detected, no spec), then with a
# cleanroom.yml that reads an .aptible.env holding secrets. Each build's
# .vite/manifest.json is checked, its lock passes sha256sum -c, verify and
# a second start pass. Then the leak a user meets: a VITE_* secret the
# bundle uses is withheld (the bundle gets undefined), and once passed it
# is inlined into the bundle, which cleanroom refuses (65) naming the
# variable and the file; the same through a `define` in vite.config.js.
. "$(dirname "$0")/lib.sh"
need_example vite

assert_dir() { # PATH DESC
	if [ -d "$1" ]; then pass "$2"; else fail "$2" "$1 is not a directory"; fi
}

# npm and Node read HOME; the Docker-default harness has none.
mkdir "$SCRATCH/home"
cr() { env -i PATH="$E2E_PATH" HOME="$SCRATCH/home" "$CLEANROOM" "$@"; }

# Whatever a build in examples/vite left there (gitignored) must not
# count: every copy starts from the sources and the installed packages.
pristine_example vite dist .cleanroom node_modules/.vite node_modules/.vite-temp

# The checks every good build must pass, from the app directory.
check_good_build() { # LABEL
	assert_contains "$ERR" "seccomp net-deny" "$1: network denied"
	case "$IN_DOCKER" in
	"" | default*) assert_contains "$ERR" "sandbox: landlock v" \
		"$1: writes restricted by Landlock" ;;
	esac
	assert_contains "$ERR" \
		"manifest     ok       dist/.vite/manifest.json (3 entries)" \
		"$1: Vite's manifest is the one checked, 3 entries"
	assert_contains "$ERR" \
		"info: manifest: dist: 1 file no manifest mentions is byte for byte the same as in public/" \
		"$1: public/favicon.svg, copied as is, checked against public/"
	assert_not_contains "$ERR" "warning:" "$1: no warnings"
	assert_not_contains "$ERR" "no framework manifest found" \
		"$1: not manifest: none"
	assert_contains "$ERR" "4 cannot be recomputed" \
		"$1: Rolldown's hashes are counted as not recomputable"
	assert_contains "$ERR" "secrets      ok       0 matches" "$1: no secret"
	assert_contains "$ERR" \
		"writes       ok       nothing outside the writable set" \
		"$1: no stray writes"
	assert_contains "$ERR" "lock: dist/cleanroom.lock (7 files)" \
		"$1: lock written, 7 files"
	js=$(ls dist/assets/index-*.js 2>/dev/null)
	assert_contains "$(cat "$js" 2>/dev/null)" "Built in a clean room: " \
		"$1: the entry chunk holds the app's code"
	css=$(ls dist/assets/index-*.css 2>/dev/null)
	assert_contains "$(cat "$css" 2>/dev/null)" "url(/assets/stripes-" \
		"$1: the CSS url() points at the hashed SVG"
	check_after_run "$1" dist/cleanroom.lock "vite True ok dist/.vite/manifest.json" \
		src/greeting.js
}

# ---- the preset alone -----------------------------------------------
cd "$APP" || exit 1
run cr run
assert_rc 0 "preset, no spec: vite build builds in the sandbox"
assert_contains "$ERR" "env: 3 variables for the build, 0 withheld" \
	"preset, no spec: PATH, HOME and the preset's NODE_ENV only"
check_good_build "preset"
assert_dir node_modules/.vite-temp \
	"the ES-module config was bundled in the writable node_modules/.vite-temp"

# ---- a spec with .aptible.env ---------------------------------------
fresh_copy spec
cat >.aptible.env <<'END'
DATABASE_URL=postgres://u:pw_7d1f9e2c@db.internal/shop
SECRET_KEY_BASE=kb_3e9d8c7b6a5f4e3d2c1b0a99
VITE_APP_TITLE='Shop at the corner'
END
cat >cleanroom.yml <<'END'
framework: vite
env:
  files: [.aptible.env]
  require: [VITE_APP_TITLE]
outputs:
  require: ["assets/index-*.js", "assets/index-*.css", ".vite/manifest.json"]
  min_files: 5
END
run cr run
assert_rc 0 "spec + .aptible.env: builds"
assert_contains "$ERR" "env: 4 variables for the build, 2 withheld" \
	"spec: DATABASE_URL and SECRET_KEY_BASE withheld"
check_good_build "spec"
assert_contains "$(cat dist/assets/index-*.js)" "Shop at the corner" \
	"spec: VITE_APP_TITLE from .aptible.env is inlined into the bundle"
run grep -rlE "pw_7d1f9e2c|kb_3e9d8c7b6a5f4e3d2c1b0a99" dist
assert_eq "$OUT" "" "spec: no secret value anywhere in dist"

# ---- a VITE_ secret inlined into the bundle --------------------------
fresh_copy leak
cat >.aptible.env <<'END'
VITE_API_TOKEN=tok_live_4f9a8b7c6d5e3a2b
END
cat >src/api.js <<'END'
// Calls the shop's API with a token Vite inlines at build time.
export const api = (path) =>
  fetch(`/api${path}`, {
    headers: { Authorization: `Bearer ${import.meta.env.VITE_API_TOKEN}` },
  })
END
echo "import { api } from './api.js'; api('/ping')" >>src/main.js
run cr run
assert_rc 0 "withheld VITE_API_TOKEN: the build succeeds"
assert_contains "$ERR" "env: 3 variables for the build, 1 withheld" \
	"withheld VITE_API_TOKEN: *TOKEN* is a secret, not given to the build"
assert_contains "$(cat dist/assets/index-*.js)" 'Bearer undefined' \
	"withheld VITE_API_TOKEN: the bundle gets undefined, not the token"

run cr run --pass VITE_API_TOKEN
assert_rc 65 "--pass VITE_API_TOKEN: Vite inlines it, verification fails (65)"
js=$(cd dist && ls assets/index-*.js)
assert_contains "$ERR" \
	"error: secrets: dist/$js: contains the value of VITE_API_TOKEN at offset" \
	"the leak names the variable and the file"
assert_contains "$ERR" "secrets      failed   1 matches" "one match"
assert_contains "$ERR" "verification failed: 1 finding; the lock was not written" \
	"the lock is not written"
assert_not_contains "$ERR$OUT" "tok_live_4f9a8b7c6d5e3a2b" \
	"the token itself is never printed"
run sha256sum -c --quiet dist/cleanroom.lock
assert_rc 1 "no lock of the leaking set: sha256sum -c finds none to check"

# The same leak through vite.config.js's define, with the secret passed
# by the spec: env.pass is an explicit choice, the output check still
# stands.
fresh_copy define
cat >.aptible.env <<'END'
STRIPE_SECRET_KEY=sk_live_51HxQ2eLkdIwHu7ix
END
cat >cleanroom.yml <<'END'
env:
  pass: [STRIPE_SECRET_KEY]
END
sed -i 's|^  build: {|  define: { __STRIPE_KEY__: JSON.stringify(process.env.STRIPE_SECRET_KEY) },\n&|' \
	vite.config.js
echo "console.log('stripe', __STRIPE_KEY__)" >>src/main.js
run cr run
assert_rc 65 "define from process.env: verification fails (65)"
js=$(cd dist && ls assets/index-*.js)
assert_contains "$ERR" \
	"error: secrets: dist/$js: contains the value of STRIPE_SECRET_KEY at offset" \
	"define: the leak names the variable and the file"

# Files Vite copies from public/ are in no manifest: verification checks
# them byte for byte against public/ instead, so --strict passes.
fresh_copy strict
run cr run
assert_rc 0 "public/: the build"
assert_contains "$ERR" "info: manifest: dist: 1 file no manifest mentions is byte for byte the same as in public/" \
	"the public/ copy is reported as an info"
assert_not_contains "$ERR" "warning: manifest" "and not as a warning"
# (verify --strict: run --strict would also need every sandbox layer.)
run cr verify --strict
assert_rc 0 "--strict: a Vite app with a public/ directory passes"
printf 'changed' >>dist/favicon.svg
run cr verify --strict
assert_rc 65 "a public/ copy changed after the build: --strict verify fails"
assert_contains "$ERR" "dist/favicon.svg: no manifest mentions this file" \
	"it is no longer taken for a copy"

# Vite empties dist/ before it writes, deleting the lock: --expect-lock
# still compares with the lock as it was before the build.
fresh_copy expect
run cr run
assert_rc 0 "expect-lock: first build"
printf 'body { margin: 1px }\n' >>src/style.css
run cr run --expect-lock
assert_rc 65 "expect-lock: changed outputs after emptyOutDir: 65"
assert_contains "$ERR" "changed since the lock" "names what changed"
assert_contains "$ERR" "the lock was not written" "and keeps the old lock out"

finish
