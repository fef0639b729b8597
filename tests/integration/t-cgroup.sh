#!/usr/bin/env bash
# The build's own cgroup (README "The sandbox", limits): where this
# process can make a group beside its own, the build runs in one, with
# the processes limit on the whole build even as uid 0 (which RLIMIT_NPROC
# exempts) and the memory limit on all its processes together; the sweep
# empties the group and removes it; a group a killed cleanroom left is
# removed by the next run, with what still ran in it. Where no cgroup is
# writable (the Docker-default harness mounts it read-only, as `docker
# build` does), the sandbox line and doctor say that only the per-process
# rlimits hold.
#
# Whether a group can be made is probed here without cleanroom: a
# directory made and removed beside this shell's own group, in the pids
# hierarchy (v1) or the v2 one.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

chmod 755 "$SCRATCH"
BIN=$SCRATCH/bin
H=$BIN/hostile
mkdir -p "$BIN"
if ! { gcc -O1 -static -o "$H" "$ROOT/tests/hostile/hostile.c" ||
	gcc -O1 -o "$H" "$ROOT/tests/hostile/hostile.c"; } 2>"$SCRATCH/cc.err"; then
	skip "cannot compile tests/hostile/hostile.c: $(cat "$SCRATCH/cc.err")"
	finish
	exit
fi
chmod 755 "$BIN" "$H"

W=$SCRATCH/app
mkdir -p "$W/public"
echo asset >"$W/public/app.css"
cd "$W" || exit 1

# The directory of this shell's group in the hierarchy of controller
# (a v1 controller's name, or "" for v2), from /proc/self/cgroup and the
# mount that shows it; empty when there is none.
group_dir() {
	local want=$1 line path
	if [ -n "$want" ]; then
		line=$(grep -E "^[0-9]+:([^:]*,)?$want(,[^:]*)?:" /proc/self/cgroup | head -n 1)
	else
		line=$(grep -E '^0::' /proc/self/cgroup | head -n 1)
	fi
	[ -n "$line" ] || return 0
	path=${line#*:*:}
	awk -v want="$want" -v path="$path" '{
		for (i = 7; $i != "-"; i++) ;
		fs = $(i + 1); so = "," $(i + 3) ","
		if (want == "" ? fs != "cgroup2" : (fs != "cgroup" || index(so, "," want ",") == 0)) next
		root = $4; rest = path
		if (root != "/") { if (index(path, root) != 1) next; rest = substr(path, length(root) + 1) }
		if (rest == "/") rest = ""
		print $5 rest; exit
	}' /proc/self/mountinfo
}

PIDS_DIR=$(group_dir pids)
V2_DIR=$(group_dir "")
WHERE=
for d in "$PIDS_DIR" "$V2_DIR"; do
	[ -n "$d" ] || continue
	if mkdir "$d/cleanroom-probe-$$" 2>/dev/null; then
		rmdir "$d/cleanroom-probe-$$"
		WHERE=$d
		break
	fi
done

# Live processes whose argv[0] is the hostile program.
leftovers() { procs_of "$H"; }

groups_here() {
	[ -n "$WHERE" ] && ls -d "$WHERE"/cleanroom-[0-9]* 2>/dev/null | sort
}

cr() {
	local before now new left
	before=$(groups_here)
	run env HOME="$SCRATCH" "$CLEANROOM" run --output public "$@"
	left=$(leftovers)
	if [ -n "$left" ]; then
		fail "nothing left running after: ${*: -1}" "alive: $left"
		kill -KILL $left 2>/dev/null
	fi
	now=$(groups_here)
	new=$(comm -13 <(printf '%s\n' "$before") <(printf '%s\n' "$now") | grep .)
	if [ -n "$new" ]; then
		fail "no cgroup left after: ${*: -1}" "new: $new"
	fi
}

if [ -z "$WHERE" ]; then
	cr -- true
	assert_rc 0 "a build without a writable cgroup runs"
	assert_contains "$ERR" "no writable cgroup: per-process rlimits only" \
		"the sandbox line says only the rlimits hold"
	run "$CLEANROOM" doctor
	assert_contains "$OUT" "
  cgroup       off: not privileged; " "doctor: the cgroup layer is off"
	assert_contains "$(printf '%s\n' "$OUT" | tail -n 1)" \
		"no writable cgroup: per-process rlimits only" \
		"doctor's summary says the same"
	why="no writable cgroup here (pids: ${PIDS_DIR:-none}, v2: ${V2_DIR:-none})"
	if [ -n "${CLEANROOM_DOCKER_DEFAULT:-}" ]; then
		# A container's cgroup filesystem is read-only, as in `docker
		# build`: the fallback above is what must hold here.
		absent "the storm and the memory hog need a writable cgroup: $why"
	else
		skip "the storm and the memory hog need a writable cgroup: $why"
	fi
	finish
	exit
fi

# --- the sandbox line and doctor ----------------------------------------------
cr -- true
assert_rc 0 "a build in its own cgroup: exit 0"
line=$(grep '^cleanroom: sandbox: ' <<<"$ERR")
assert_contains "$line" " · cgroup v" "the sandbox line names the cgroup"
assert_not_contains "$line" "no writable cgroup" "and does not say it is missing"
run "$CLEANROOM" doctor --limit processes=100
assert_contains "$OUT" "
  cgroup       on; cgroup v" "doctor: the cgroup layer is on"
assert_contains "$OUT" "processes limited for the whole build" \
	"doctor: the processes limit is on the whole build"
if [ "$(id -u)" = 0 ]; then
	assert_not_contains "$OUT" "processes limit off" \
		"doctor: as root, the processes limit is not said to be off"
fi

# --- a 3,000-process storm under processes: 100 --------------------------------
# As uid 0, which RLIMIT_NPROC exempts: only the group can stop it.
cr --user root --limit processes=100 -- "$H" fork-bomb 3000
N=$(sed -n 's/^fork: errno EAGAIN after //p' <<<"$OUT")
if [ -n "$N" ] && [ "$N" -ge 90 ] && [ "$N" -lt 100 ]; then
	pass "storm: fork fails with EAGAIN after $N processes (limit 100, uid 0)"
else
	fail "storm stopped at about 100 by the cgroup" "stdout: $OUT" "stderr: $ERR"
fi
assert_contains "$ERR" "processes it left running" "the storm's processes were swept"

# The same from a shell loop: it dies when fork fails; what it started is
# killed and the group removed (cr checks both). The timeout only bounds
# a run where nothing stops the storm (then the loop's wait never ends).
cr --user root --limit processes=100 --timeout 60s -- sh -c \
	'i=0; while [ $i -lt 3000 ]; do "$0" sleep & i=$((i+1)); done; wait' "$H"
assert_contains "$ERR" "the build was refused" "a shell storm: the refused forks are named"
assert_contains "$ERR" "at its processes limit (100 processes and threads together" \
	"with the limit"

# --- memory: several processes, each under its rlimit, over the limit together --
cr --limit memory=256M -- "$H" hog-many 4 40
assert_rc 0 "four processes of 40 MiB under a 256M limit: exit 0"
assert_contains "$OUT" "held 4 x 40 MiB" "they hold their memory together"
cr --limit memory=96M -- "$H" hog-many 4 40
assert_rc 3 "four processes of 40 MiB under a 96M limit: one is killed (exit 3)"
assert_contains "$OUT" "child killed by signal 9" "by SIGKILL"
assert_contains "$ERR" "the kernel killed " "the OOM kill is named"
assert_contains "$ERR" "more than the memory limit of the whole build (100663296 bytes" \
	"with the limit"
assert_contains "$ERR" "hint: raise sandbox.limits.memory" "and the hint"

# --- a group left by a killed cleanroom ---------------------------------------
true &
DEAD=$!
wait "$DEAD"
STALE=$WHERE/cleanroom-$DEAD
mkdir "$STALE"
"$H" sleep &
SLEEPER=$!
echo "$SLEEPER" >"$STALE/cgroup.procs"
cr -- true
assert_rc 0 "a run after a killed cleanroom"
assert_contains "$ERR" "removed 1 cgroup left by a cleanroom that was killed (1 process still running in it killed)" \
	"its group and the process in it are removed"
[ ! -e "$STALE" ]
RC=$?
assert_rc 0 "the group is gone"
if [ -e "$STALE" ]; then
	kill -KILL "$SLEEPER"
	rmdir "$STALE"
fi
wait "$SLEEPER" 2>/dev/null
assert_eq "$?" 137 "the process in it was killed"
# A live cleanroom's group is left alone: this shell's own pid stands in.
mkdir "$WHERE/cleanroom-$$"
cr -- true
[ -d "$WHERE/cleanroom-$$" ]
RC=$?
assert_rc 0 "a group whose cleanroom is alive is kept"
rmdir "$WHERE/cleanroom-$$"

finish
