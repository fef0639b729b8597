# Shared helpers for the integration tests: assertions that count, a
# scratch directory removed on exit, and the final `N passed, N failed`.
# Each test script sources this, calls the assertions, and ends with
# `finish`. CLEANROOM names the binary under test.
set -u

: "${CLEANROOM:?CLEANROOM must name the binary under test}"
CLEANROOM=$(realpath "$CLEANROOM")
[ -z "${UNIT:-}" ] || UNIT=$(realpath "$UNIT")
T_PASS=0
T_FAIL=0
T_NAME=$(basename "$0" .sh)
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/cleanroom-it.XXXXXX")
# As an app's directory in an image (/app, /rails): the build runs as an
# unprivileged user, which must be able to reach the workdir.
chmod 755 "$SCRATCH"
trap 'rm -rf "$SCRATCH"' EXIT

pass() {
	T_PASS=$((T_PASS + 1))
	echo "ok - $T_NAME: $1"
}

fail() {
	T_FAIL=$((T_FAIL + 1))
	echo "not ok - $T_NAME: $1"
	shift
	for line in "$@"; do echo "#   $line"; done
}

# skip REASON: a failure under MUST_WORK=1 (CI), otherwise noted.
skip() {
	if [ "${MUST_WORK:-0}" = 1 ]; then
		fail "skipped but MUST_WORK=1: $1"
	else
		echo "ok - $T_NAME: # SKIP $1"
	fi
}

# absent REASON: what this machine does not have and need not have (a
# device node a container or a kernel leaves out): noted, never a failure,
# since MUST_WORK is about features the machine is known to have.
absent() {
	echo "ok - $T_NAME: # SKIP $1"
}

# procs_of PROGRAM [PID...]: the pids (space-separated) of live processes
# whose argv[0] is PROGRAM, but the PIDs given and zombies; builtins only,
# so that the scan itself starts no process but grep.
procs_of() {
	local prog=$1 p a st
	shift
	for p in /proc/[0-9]*; do
		a=
		IFS= read -r -d '' a 2>/dev/null <"$p/cmdline"
		[ "$a" = "$prog" ] || continue
		st=$(grep -m1 '^State:' "$p/status" 2>/dev/null)
		case "$st" in *Z*) continue ;; esac
		case " $* " in *" ${p#/proc/} "*) continue ;; esac
		printf '%s ' "${p#/proc/}"
	done
}

# run CMD...: runs it, capturing stdout, stderr and the status in
# $OUT, $ERR, $RC.
run() {
	"$@" >"$SCRATCH/.out" 2>"$SCRATCH/.err"
	RC=$?
	OUT=$(tr -d '\0' <"$SCRATCH/.out")
	ERR=$(cat "$SCRATCH/.err")
}

assert_rc() { # WANT DESC
	if [ "$RC" = "$1" ]; then pass "$2"; else
		fail "$2" "exit status $RC, want $1" "stderr: $ERR"; fi
}

assert_eq() { # GOT WANT DESC
	if [ "$1" = "$2" ]; then pass "$3"; else
		fail "$3" "got:  $(printf '%q' "$1")" "want: $(printf '%q' "$2")"
	fi
}

assert_contains() { # HAYSTACK NEEDLE DESC
	case "$1" in
	*"$2"*) pass "$3" ;;
	*) fail "$3" "missing: $2" "in: $1" ;;
	esac
}

assert_not_contains() { # HAYSTACK NEEDLE DESC
	case "$1" in
	*"$2"*) fail "$3" "unexpected: $2" "in: $1" ;;
	*) pass "$3" ;;
	esac
}

finish() {
	echo "$T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" = 0 ]
}
