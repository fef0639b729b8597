# Helpers for the end-to-end tests on the real framework apps in examples/:
# everything of tests/integration/lib.sh, plus
#   need_example NAME  skip the whole script (a failure under MUST_WORK=1)
#                      unless scripts/example-deps.sh installed NAME's deps
#   copy_example NAME  copy examples/NAME (with its installed deps, e.g.
#                      node_modules) to $SCRATCH/NAME and set APP to it
#   pristine_example, fresh_copy: that copy without an earlier build's
#                      leftovers, and fresh copies of it (below)
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

# pristine_example NAME [LEFTOVER...]: copy_example NAME, without what a
# build in examples/NAME left there (the LEFTOVER paths, gitignored, and
# any __pycache__), and keep a pristine copy of that for fresh_copy. The
# installed packages (node_modules) are hard links: no build writes into
# an existing file there, only into the preset's writable directories,
# which the pristine copy does not have.
pristine_example() {
	local name=$1 p
	shift
	copy_example "$name"
	for p in "$@"; do rm -rf "${APP:?}/$p"; done
	find "$APP" -name __pycache__ -prune -exec rm -rf {} +
	PRISTINE=$SCRATCH/$name-pristine
	mkdir "$PRISTINE" || exit 1
	find "$APP" -mindepth 1 -maxdepth 1 ! -name node_modules \
		-exec cp -a {} "$PRISTINE" \;
	if [ -d "$APP/node_modules" ]; then
		cp -al "$APP/node_modules" "$PRISTINE" || exit 1
	fi
}

# fresh_copy NAME [--no-deps]: a copy of the pristine app at $SCRATCH/NAME,
# made the cwd; --no-deps leaves the installed packages out.
fresh_copy() {
	mkdir "$SCRATCH/$1" && cd "$SCRATCH/$1" || exit 1
	find "$PRISTINE" -mindepth 1 -maxdepth 1 ! -name node_modules \
		-exec cp -a {} . \;
	if [ "${2:-}" != --no-deps ] && [ -d "$PRISTINE/node_modules" ]; then
		cp -al "$PRISTINE/node_modules" . || exit 1
	fi
}

# check_after_run DESC LOCK WANT INPUT: what every framework's build must
# give after `cleanroom run` in the current directory (`cr` is the test's
# cleanroom command): LOCK passes sha256sum -c from the app directory; a
# second verify passes with nothing changed since the lock, and its JSON
# report reads WANT ("FRAMEWORK True ok MANIFEST..."); the first start is
# fresh (run recorded the stamp); a change to INPUT (a CSS or JS file the
# preset counts as an input) makes the next start build, and the one
# after is fresh again.
check_after_run() {
	local d=$1 lock=$2 want=$3 input=$4
	run sha256sum -c --quiet "$lock"
	assert_rc 0 "$d: the lock passes sha256sum -c from the app directory"
	run cr verify --report "$SCRATCH/report.json"
	assert_rc 0 "$d: a second cleanroom verify passes"
	assert_contains "$ERR" "lock         ok       0 added, 0 removed, 0 changed" \
		"$d: verify: nothing changed since the lock"
	run /usr/bin/python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
m = [c for c in r["verification"]["checks"] if c["check"] == "manifest"][0]
print(r["framework"], r["verification"]["passed"], m["result"], m["note"])' \
		"$SCRATCH/report.json"
	assert_contains "$OUT" "$want" \
		"$d: the report: framework manifest checked, passed"
	run cr start -- sh -c 'echo served'
	assert_rc 0 "$d: start after run serves"
	assert_contains "$ERR" "start: fresh" "$d: start after run: fresh"
	assert_eq "$OUT" "served" "$d: start after run: the server ran"
	printf '\n/* changed */\n' >>"$input"
	run cr start -- sh -c 'echo served'
	assert_rc 0 "$d: start after an input changed serves"
	assert_contains "$ERR" "start: stale" "$d: an input changed: stale, builds"
	assert_eq "${OUT##*$'\n'}" "served" "$d: the server ran after the build"
	run cr start -- sh -c 'echo served'
	assert_contains "$ERR" "start: fresh" "$d: then fresh again"
	assert_eq "$OUT" "served" "$d: the server ran again"
}
