#!/usr/bin/env bash
# example-deps.sh: install what the framework example apps need before they
# are built in the clean room, as a Dockerfile's earlier `RUN apt-get
# install` / `RUN npm ci` would: the Debian packages (scripts/bootstrap.sh
# examples), then each app's own examples/NAME/setup.sh (npm ci from the
# committed lock file, bundle install --local, ...). Never run inside the
# clean room: the builds there have no network.
#
# Usage: example-deps.sh [NAME...]    NAME: rails, django, vite, webpack,
#                                     all (default)
#        example-deps.sh --check NAME  exit 0 if NAME's deps are installed
#
# Each setup.sh is idempotent and cheap when nothing changed, so `make
# check` can call this every time; on a fresh machine it installs.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ALL=(rails django vite webpack)

die() {
	echo "example-deps: $*" >&2
	exit 1
}

if [[ ${1:-} == --check ]]; then
	[[ -n ${2:-} && -x $ROOT/examples/$2/setup.sh ]] || exit 1
	exec "$ROOT/examples/$2/setup.sh" --check
fi

names=()
for n in "${@:-all}"; do
	case "$n" in
	all) names+=("${ALL[@]}") ;;
	rails | django | vite | webpack) names+=("$n") ;;
	*) die "unknown example '$n' (expected rails, django, vite, webpack or all)" ;;
	esac
done

bash "$ROOT/scripts/bootstrap.sh" examples
for n in "${names[@]}"; do
	[[ -x $ROOT/examples/$n/setup.sh ]] || die "examples/$n/setup.sh missing"
	"$ROOT/examples/$n/setup.sh" || die "examples/$n/setup.sh failed"
done
# The S3 server of the publish tests (tests/integration/t-publish.sh).
"$ROOT/tests/publish/setup.sh" || die "tests/publish/setup.sh failed"
