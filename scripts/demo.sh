#!/usr/bin/env bash
# make demo: cleanroom end to end on the bundled example (examples/envfile):
# the Aptible-style env file read without a shell, the environment the build
# gets (secrets withheld), a sandboxed build with its phases and sandbox
# line, verification and the lock, the lock checked by sha256sum, and a
# hostile env file refused. The framework examples come with a later issue.
set -euo pipefail
cr=$(realpath "${1:-build/cleanroom}")
src=$(cd "$(dirname "$0")/../examples/envfile" && pwd)
app=$(mktemp -d "${TMPDIR:-/tmp}/cleanroom-demo.XXXXXX")
trap 'rm -rf "$app"' EXIT
cp -r "$src/." "$app"
cd "$app"

step() { printf '\n== %s\n' "$*"; }
step "cleanroom --version"
"$cr" --version
step "what 'set -a; . .aptible.env' would export (cleanroom env --files-only)"
"$cr" env --files-only --format json
step "the build's environment (cleanroom env --framework none)"
"$cr" env --framework none 2>&1
step "cleanroom run --framework none --output public/assets -- ./build.sh"
"$cr" run --framework none --output public/assets -- ./build.sh 2>&1
step "sha256sum -c public/assets/cleanroom.lock"
sha256sum -c public/assets/cleanroom.lock
step "cleanroom verify (the outputs should be final)"
"$cr" verify --framework none --output public/assets 2>&1
step "a file that would run a command is refused, never executed"
set +e
"$cr" env --files-only --env hostile.env 2>&1
echo "exit status: $?"
