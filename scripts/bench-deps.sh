#!/usr/bin/env bash
# bench-deps.sh: install what `make bench-publish` compares cleanroom
# publish with, from Debian's archive: rclone (`rclone copy`) and awscli
# (`aws s3 sync`); the S3 server itself is tests/publish's s3rver (npm,
# tests/publish/setup.sh) and the request-counting proxy needs
# python3-botocore (scripts/bootstrap.sh check). Idempotent: nothing is
# done when both are installed.
#
# Usage: bench-deps.sh [--check]    --check: exit 0 when both are there
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PKGS=(rclone awscli)

installed() {
	local p
	for p in "${PKGS[@]}"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q ' installed$' || return 1
	done
	# awscli's /usr/bin/aws, not a shim earlier on PATH.
	[[ -x /usr/bin/aws && -x /usr/bin/rclone ]]
}

if [[ ${1:-} == --check ]]; then
	installed
	exit
fi
if ! installed; then
	command -v apt-get >/dev/null || {
		echo "bench-deps: no apt-get: install rclone and awscli (aws s3 sync) by hand" >&2
		exit 1
	}
	sudo=()
	[[ $(id -u) == 0 ]] || sudo=(sudo)
	"${sudo[@]}" apt-get install -y --no-install-recommends "${PKGS[@]}" ||
		{ "${sudo[@]}" apt-get update && "${sudo[@]}" apt-get install -y --no-install-recommends "${PKGS[@]}"; }
fi
bash "$ROOT/tests/publish/setup.sh"
