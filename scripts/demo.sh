#!/usr/bin/env bash
# make demo: what this build of cleanroom can show end to end today. The
# sandboxed build of a bundled example app arrives with the examples issue;
# until then the demo runs the part that exists — reading an Aptible-style
# env file exactly as sh would, without a shell — and says plainly what is
# not built yet instead of pretending.
set -euo pipefail
cr=$(realpath "${1:-build/cleanroom}")
app=$(cd "$(dirname "$0")/../examples/envfile" && pwd)

echo "== cleanroom --version"
"$cr" --version 2>&1
echo
echo "== $app/.aptible.env (as Aptible writes it)"
cat "$app/.aptible.env"
echo
echo "== cleanroom env --files-only --format json (what 'set -a; . .aptible.env' would export)"
"$cr" -C "$app" -v env --files-only --format json 2>&1
echo
echo "== a file that would run a command is refused, not executed (exit 78)"
set +e
"$cr" -C "$app" env --files-only --env hostile.env 2>&1
echo "exit status: $?"
set -e
echo
echo "== cleanroom run (the sandboxed build) in this build:"
set +e
"$cr" -C "$app" run -- true 2>&1
echo "exit status: $?"
