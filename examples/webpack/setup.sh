#!/usr/bin/env bash
# setup.sh: install the webpack example's dependencies from the committed
# package-lock.json, as a Dockerfile's `RUN npm ci` would before the clean
# room (which has no network). Run by scripts/example-deps.sh.
#
# Usage: setup.sh          install when node_modules is missing or older
#                          than package-lock.json; otherwise do nothing
#        setup.sh --check  exit 0 iff the dependencies are installed and
#                          current (nothing is installed)
set -euo pipefail
cd "$(dirname "$0")"
NAME=webpack
BIN=node_modules/.bin/webpack

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
