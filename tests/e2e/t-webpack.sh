#!/usr/bin/env bash
# The webpack example (examples/webpack: webpack 5, mini-css-extract-plugin,
# css-loader, asset modules, webpack-manifest-plugin) built for real by
# `webpack --mode production` under the default sandbox: with the preset
# alone (detected, no spec), then with a cleanroom.yml that reads an
# .aptible.env holding secrets. Each build's manifest.json is checked
# entry by entry and the contenthash names recomputed, the lock passes
# sha256sum -c, verify and a second start pass. Then the failures a user
# meets: a manifest entry's file deleted after the build (verify: 65,
# naming it), and a build that downloads something (a webpack config
# fetching a font, `npm install` in the build command): it fails with the
# network denied, and cleanroom says so.
. "$(dirname "$0")/lib.sh"
need_example webpack

# npm and Node read HOME; the Docker-default harness has none.
mkdir "$SCRATCH/home"
cr() { env -i PATH="$E2E_PATH" HOME="$SCRATCH/home" "$CLEANROOM" "$@"; }

# Whatever a build in examples/webpack left there (gitignored) must not
# count: every copy starts from the sources and the installed packages.
pristine_example webpack dist .cleanroom node_modules/.cache

# The checks every good build must pass, from the app directory.
check_good_build() { # LABEL
	assert_contains "$ERR" "seccomp net-deny" "$1: network denied"
	case "$IN_DOCKER" in
	"" | default*) assert_contains "$ERR" "sandbox: landlock v" \
		"$1: writes restricted by Landlock" ;;
	esac
	assert_contains "$ERR" "manifest     ok       dist/manifest.json (4 entries)" \
		"$1: webpack-manifest-plugin's manifest is the one checked, 4 entries"
	assert_not_contains "$ERR" "no framework manifest found" \
		"$1: not manifest: none"
	assert_contains "$ERR" \
		"fingerprint  ok       4 recomputed from the bytes, 0 mismatched" \
		"$1: every [contenthash] recomputed from the bytes"
	assert_contains "$ERR" "secrets      ok       0 matches" "$1: no secret"
	assert_contains "$ERR" \
		"writes       ok       nothing outside the writable set" \
		"$1: no stray writes"
	assert_contains "$ERR" "lock: dist/cleanroom.lock (5 files)" \
		"$1: lock written, 5 files"
	css=$(ls dist/main.*.css 2>/dev/null)
	assert_contains "$(cat "$css" 2>/dev/null)" "url(/images/stripes." \
		"$1: the extracted CSS points at the hashed image"
	check_after_run "$1" dist/cleanroom.lock "webpack True ok dist/manifest.json" \
		src/greeting.js
}

# ---- the preset alone -----------------------------------------------
cd "$APP" || exit 1
run cr run
assert_rc 0 "preset, no spec: webpack builds in the sandbox"
assert_contains "$ERR" "env: 3 variables for the build, 0 withheld" \
	"preset, no spec: PATH, HOME and the preset's NODE_ENV only"
check_good_build "preset"
assert_contains "$(cat dist/main.*.js)" 'fetch("/api/ping")' \
	"preset: EnvironmentPlugin's default for API_BASE_URL"

# ---- a spec with .aptible.env ---------------------------------------
fresh_copy spec
cat >.aptible.env <<'END'
DATABASE_URL=postgres://u:pw_7d1f9e2c@db.internal/shop
SECRET_KEY_BASE=kb_3e9d8c7b6a5f4e3d2c1b0a99
API_BASE_URL=https://api.shop.example
END
cat >cleanroom.yml <<'END'
framework: webpack
env:
  files: [.aptible.env]
  require: [API_BASE_URL]
outputs:
  require: ["main.*.js", "main.*.css", "manifest.json"]
  min_files: 4
END
run cr run
assert_rc 0 "spec + .aptible.env: builds"
assert_contains "$ERR" "env: 4 variables for the build, 2 withheld" \
	"spec: DATABASE_URL and SECRET_KEY_BASE withheld"
check_good_build "spec"
assert_contains "$(cat dist/main.*.js)" 'fetch("https://api.shop.example/ping")' \
	"spec: API_BASE_URL from .aptible.env is inlined by EnvironmentPlugin"
run grep -rlE "pw_7d1f9e2c|kb_3e9d8c7b6a5f4e3d2c1b0a99" dist
assert_eq "$OUT" "" "spec: no secret value anywhere in dist"

# ---- a manifest entry deleted after the build -------------------------
# (the spec copy, built and locked above)
logo=$(cd dist && ls images/logo.*.svg)
rm "dist/$logo"
run cr verify
assert_rc 65 "a manifest entry's file deleted: verify exits 65"
assert_contains "$ERR" "manifest     failed" "verify: the manifest check fails"
assert_contains "$ERR" \
	"error: manifest: dist/$logo: missing: dist/manifest.json lists it for \"images/logo.svg\"" \
	"verify names the missing file and the manifest entry"
assert_contains "$ERR" "error: lock: dist/$logo: removed since the lock" \
	"verify names it as removed since the lock"
assert_contains "$ERR" "lock         failed" "verify: the lock no longer matches"
run sha256sum -c --quiet dist/cleanroom.lock
assert_rc 1 "sha256sum -c agrees: a file of the lock is gone"

# ---- a build that downloads -----------------------------------------
fresh_copy fetch
mv webpack.config.js webpack.base.js
cat >webpack.config.js <<'END'
// Downloads a font's CSS at build time, as some configs do: needs the
// network, which the clean room denies.
const fs = require('fs')
const base = require('./webpack.base.js')
module.exports = async () => {
  const res = await fetch('https://fonts.googleapis.com/css2?family=Inter')
  fs.writeFileSync('src/fonts.css', await res.text())
  return base
}
END
run cr run
assert_rc 2 "a config that fetches: webpack-cli fails (2)"
assert_contains "$ERR" "TypeError: fetch failed" "Node's own error is relayed"
assert_contains "$ERR" \
	"the network is denied in the clean room (--network deny: seccomp allows no sockets but AF_UNIX pairs)" \
	"cleanroom says the network is denied, and by what"
assert_contains "$ERR" "hint: install dependencies before cleanroom runs" \
	"the hint: install before the clean room"
assert_contains "$ERR" "--network allow" "the hint: or --network allow"
assert_contains "$ERR" "cleanroom: the build failed (exit status 2)" \
	"cleanroom exits with the build's status"
if [ -e dist/cleanroom.lock ]; then fail "no lock after a failed build"; else
	pass "no lock after a failed build"; fi

# npm install in the build command: npm's own retries off, so that it
# fails at the first refused lookup instead of after a minute.
fresh_copy npm --no-deps
run cr run -- npm install left-pad --no-audit --no-fund --fetch-retries=0
assert_rc 1 "npm install in the build: npm fails (1)"
assert_contains "$ERR" "npm error code EAI_AGAIN" "npm's own error is relayed"
assert_contains "$ERR" \
	'its output shows "EAI_AGAIN"), and the network is denied in the clean room (--network deny' \
	"cleanroom says the network is denied"
if [ -e node_modules/left-pad ]; then fail "nothing was installed"; else
	pass "nothing was installed"; fi

finish
