#!/usr/bin/env bash
# setup.sh [--check]: install the S3 server of the publish tests (s3rver,
# from the npm registry, as tests/publish/package-lock.json pins it) into
# tests/publish/node_modules. Idempotent: nothing is done when the lock
# file has not changed since the last install. --check: exit 0 when it
# is installed.
set -euo pipefail
cd "$(dirname "$0")"
stamp=node_modules/.cleanroom-installed
if [[ ${1:-} == --check ]]; then
	[[ -x node_modules/.bin/s3rver && $stamp -nt package-lock.json ]]
	exit
fi
[[ -x node_modules/.bin/s3rver && $stamp -nt package-lock.json ]] && exit 0
command -v npm >/dev/null || {
	echo "tests/publish/setup.sh: npm missing (install nodejs and npm)" >&2
	exit 1
}
npm ci --no-audit --no-fund --ignore-scripts >/dev/null
touch "$stamp"
