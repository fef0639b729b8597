#!/usr/bin/env bash
# example-npm.sh: install an npm example app's dependencies from its
# committed package-lock.json, as a Dockerfile's `RUN npm ci` would before
# the clean room (which has no network). examples/vite/setup.sh and
# examples/webpack/setup.sh call it; scripts/example-deps.sh calls those.
#
# Usage: example-npm.sh NAME BIN          install in examples/NAME when
#                                         node_modules is missing or older
#                                         than package-lock.json
#        example-npm.sh NAME BIN --check  exit 0 iff installed and current
# BIN is the tool the preset runs (node_modules/.bin/vite), relative to
# the app.
set -euo pipefail
NAME=$1 BIN=$2
shift 2
cd "$(dirname "$0")/../examples/$NAME"

die() {
	echo "examples/$NAME/setup.sh: $*" >&2
	exit 1
}

# npm ci writes node_modules/.package-lock.json last: when it is there and
# not older than package-lock.json, the install finished from this lock.
current() {
	[[ -x $BIN && -f node_modules/.package-lock.json &&
		! package-lock.json -nt node_modules/.package-lock.json ]]
}

if [[ ${1:-} == --check ]]; then
	current
	exit
fi
[[ $# == 0 ]] || die "usage: setup.sh [--check]"
current && exit 0

command -v node >/dev/null 2>&1 ||
	die "node not found in PATH: install Node.js 20 or later (apt-get install nodejs)"
command -v npm >/dev/null 2>&1 ||
	die "npm not found in PATH: install npm (apt-get install npm, or Node.js from nodejs.org)"
echo "examples/$NAME: npm ci (package-lock.json)" >&2
# --prefer-offline: use npm's cache without revalidating, so a second
# machine with a warm cache installs without the registry.
npm ci --prefer-offline --no-audit --no-fund --loglevel=error >&2 ||
	die "npm ci failed (no network and no cached packages?)"
current || die "npm ci finished but $BIN is missing"
