#!/usr/bin/env bash
# make demo: cleanroom end to end on the Vite example (examples/vite), in a
# copy under a temporary directory: the Aptible-style .aptible.env read
# without a shell, the environment the build gets (secrets withheld), a
# sandboxed `vite build` with its phases, sandbox line, verification summary
# and lock path, the lock checked by sha256sum, `cleanroom verify`, a
# `cleanroom start` that finds the outputs fresh, and a hostile env file
# refused.
#
# Usage: demo.sh [CLEANROOM]   (the Makefile passes $(B)/cleanroom)
#
# On a fresh machine it first installs the example's npm packages with
# examples/vite/setup.sh (`npm ci` from the committed lock file, what
# `bash scripts/example-deps.sh vite` runs for Vite; the Debian packages that
# script also installs are for the Rails and Django examples, which the demo
# does not need). Node.js 20 or later and npm must be on PATH.
set -euo pipefail
cr=$(realpath "${1:-build/cleanroom}")
root=$(cd "$(dirname "$0")/.." && pwd)

step() { printf '\n== %s\n' "$*"; }
# Show a command, then run it; its stderr (cleanroom's report) goes to
# stdout so the transcript keeps the order a terminal shows.
show() {
	local a line='$'
	for a in "$@"; do
		case "$a" in
		*[!A-Za-z0-9_./=:,+*-]* | "") line+=" '$a'" ;;
		*) line+=" $a" ;;
		esac
	done
	printf '%s\n' "$line"
	"$@" 2>&1
}
# Shown as `cleanroom ...`, run as the binary under test.
cleanroom() { "$cr" "$@"; }

if ! "$root/examples/vite/setup.sh" --check; then
	step "installing the Vite example's dependencies (examples/vite/setup.sh: npm ci)"
	"$root/examples/vite/setup.sh"
fi

app=$(mktemp -d "${TMPDIR:-/tmp}/cleanroom-demo.XXXXXX")
trap 'rm -rf "$app"' EXIT
# The sources and the installed packages; not what a build in
# examples/vite may have left (dist/, .cleanroom/, Vite's temp files).
cp -a --reflink=auto "$root/examples/vite/." "$app"
rm -rf "$app/dist" "$app/.cleanroom" "$app/node_modules/.vite" \
	"$app/node_modules/.vite-temp"
cp "$root/examples/envfile/hostile.env" "$app/"
# What Aptible writes into the build context: the app's configuration,
# secrets included (these are made up).
cat >"$app/.aptible.env" <<'END'
VITE_APP_TITLE='Shop at the corner'
SECRET_KEY_BASE=kb_3e9d8c7b6a5f4e3d2c1b0a99
DATABASE_URL=postgres://shop:pw_7d1f9e2c@db.internal/shop
END
cd "$app"

step "cleanroom --version"
show cleanroom --version
step "the app: examples/vite (Vite 8, build.manifest), copied to $app"
echo "with the .aptible.env Aptible would write into the build context:"
show cat .aptible.env
step "what 'set -a; . ./.aptible.env' would export, read without a shell"
show cleanroom env --files-only
step "the build's environment: preset vite detected, secrets withheld"
show cleanroom env
step "the build: vite build in the sandbox, verified, locked"
show cleanroom run
step "the lock is in sha256sum format"
show sha256sum -c dist/cleanroom.lock
step "no secret value reached the outputs"
if grep -rlE 'kb_3e9d8c7b|pw_7d1f9e2c' dist; then
	echo "a secret value is in dist/"
	exit 1
fi
echo "grep -r finds neither SECRET_KEY_BASE's nor DATABASE_URL's value in dist/"
show grep -o 'Shop at the corner' dist/assets/index-*.js
step "cleanroom verify: the outputs should be final"
show cleanroom verify
step "cleanroom start: the run recorded the stamp, so the server starts at once"
show cleanroom start -- sh -c 'echo served'
step "a file that would run a command is refused, never executed"
show cat hostile.env
set +e
show cleanroom env --files-only --env hostile.env
echo "exit status: $?"
