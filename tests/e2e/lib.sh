# Helpers for the end-to-end tests on the real framework apps in examples/:
# everything of tests/integration/lib.sh, plus
#   need_example NAME  skip the whole script (a failure under MUST_WORK=1)
#                      unless scripts/example-deps.sh installed NAME's deps
#   copy_example NAME  copy examples/NAME (with its installed deps, e.g.
#                      node_modules) to $SCRATCH/NAME and set APP to it
#   IN_DOCKER          non-empty inside the Docker-default harness
#   E2E_PATH           /usr/bin first: Debian's python3/ruby, not pyenv's
# shellcheck source=../integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
IN_DOCKER=${CLEANROOM_DOCKER_DEFAULT:-}
E2E_PATH=/usr/local/bin:/usr/bin:/bin

need_example() {
	if ! bash "$ROOT/scripts/example-deps.sh" --check "$1" >/dev/null 2>&1; then
		skip "examples/$1: deps not installed (bash scripts/example-deps.sh $1)"
		finish
		exit
	fi
}

copy_example() {
	APP=$SCRATCH/$1
	cp -a --reflink=auto "$ROOT/examples/$1" "$APP"
}
