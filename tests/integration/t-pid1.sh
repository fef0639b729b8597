#!/usr/bin/env bash
# `cleanroom start` as PID 1 (a container's CMD): it stays PID 1 and runs
# the server as its child, forwarding SIGTERM, SIGINT, SIGHUP, SIGQUIT,
# SIGUSR1, SIGUSR2 and SIGWINCH, reaping every zombie and exiting with the
# server's status (128+N for signal N); --no-init execs as before, --init
# does an init's work when not PID 1. PID 1 comes from `unshare --pid
# --fork --mount-proc` (a new pid namespace, as `docker run` makes). In the
# Docker-default harness, which has no CAP_SYS_ADMIN for unshare, the same
# checks run with --init instead (cleanroom a child subreaper, not PID 1),
# but for those that need PID 1 itself.
. "$(dirname "$0")/lib.sh"
if unshare --pid --fork --mount-proc true 2>/dev/null; then
	PIDNS=1
elif [ -n "${CLEANROOM_DOCKER_DEFAULT:-}" ]; then
	PIDNS=0
	echo "# no pid namespace in the harness: --init instead of PID 1"
else
	skip "unshare --pid --fork --mount-proc does not work here (not root, or no pid namespaces)"
	finish
	exit
fi
mkdir "$SCRATCH/app" && cd "$SCRATCH/app" || exit 1
cat >cleanroom.yml <<'END'
framework: none
command: "mkdir -p out && echo built >out/a.txt"
outputs: {root: out, manifest: none}
inputs: [cleanroom.yml]
END
clean_env() { env -i PATH=/usr/bin:/bin HOME=/root ONLY_FOR_SERVER=yes "$@"; }
cr() { clean_env "$CLEANROOM" "$@"; }
# pid1 start [OPTIONS] -- SERVER...: cleanroom start as PID 1 (or --init).
pid1() {
	if [ "$PIDNS" = 1 ]; then
		clean_env unshare --pid --fork --mount-proc "$CLEANROOM" "$@"
	else
		local c=$1
		shift
		clean_env "$CLEANROOM" "$c" --init "$@"
	fi
}
run cr start -- true
assert_rc 0 "the first start builds"

# As PID 1: the server is its child, with the caller's environment.
if [ "$PIDNS" = 1 ]; then
	run pid1 start -- sh -c 'echo "$$ $PPID $ONLY_FOR_SERVER"'
	assert_rc 0 "as PID 1: starts"
	assert_eq "$OUT" "2 1 yes" "as PID 1: the server is pid 2, cleanroom's child, with the caller's environment"
	run pid1 start --no-init -- sh -c 'echo $$'
	assert_eq "$OUT" "1" "--no-init: the server is exec'd into PID 1"
fi
run clean_env sh -c 'echo $$; exec "$0" start --init -- sh -c "echo \$PPID"' "$CLEANROOM"
assert_eq "$(echo "$OUT" | sort -u | wc -l)" 1 "--init elsewhere: the server's parent is cleanroom"
run cr start --init --no-init -- true
assert_rc 64 "--init with --no-init: a usage error"

# Exit statuses pass through.
run pid1 start -- sh -c 'exit 7'
assert_rc 7 "the server's exit status"
assert_contains "$ERR" "server sh exited with status 7" "and says so"
run pid1 start -- sh -c 'kill -KILL $$'
assert_rc 137 "a server killed by SIGKILL: 137"
run pid1 start -- /nonexistent/server
assert_rc 127 "a server that is not there: 127"
assert_contains "$ERR" "cannot run /nonexistent/server: No such file or directory" "named"

# A clean signal mask and dispositions, even when the caller ignored
# some (SIG_IGN survives execve), and none of cleanroom's fds.
if [ "$PIDNS" = 1 ]; then
	as_init=(unshare --pid --fork --mount-proc "$CLEANROOM" start)
else
	as_init=("$CLEANROOM" start --init)
fi
# The caller ignores USR1 and HUP, and real-time signals 33 and 34, which
# the libc keeps for itself and its sigaction will not touch (python3 sets
# them with the raw rt_sigaction).
ignore_all='import ctypes, os, signal, sys
signal.signal(signal.SIGUSR1, signal.SIG_IGN)
signal.signal(signal.SIGHUP, signal.SIG_IGN)
k = (ctypes.c_ulong * 4)(1, 0, 0, 0)  # SIG_IGN, no flags, restorer or mask
for s in (33, 34):
    ctypes.CDLL(None, use_errno=True).syscall(13, s, k, None, 8)
os.execvp(sys.argv[1], sys.argv[1:])'
run clean_env /usr/bin/python3 -c "$ignore_all" "${as_init[@]}" -- \
	sh -c 'grep -E "^Sig(Blk|Ign)" /proc/self/status; ls -l /proc/self/fd/'
assert_contains "$OUT" "SigBlk:	0000000000000000" "the server's signal mask is empty"
assert_contains "$OUT" "SigIgn:	0000000000000000" "the server ignores no signal"
assert_not_contains "$OUT" "start.lock" "the server does not hold start's lock"
# The init itself has let go of the lock: a second start in the same
# directory, from inside the server, does not wait for it.
run pid1 start -- sh -c 'ls -l /proc/$PPID/fd/; timeout 5 "$0" -q start --no-init -- echo inner-started' "$CLEANROOM"
assert_eq "$(grep -c 'start.lock' <<<"$OUT")" 0 "the init holds no fd of start's lock"
assert_contains "$OUT" "inner-started" "a later start in the same directory does not block"

# Signals: each forwarded one reaches the server's handler; the server's
# exit status is cleanroom's. A running PID 1 in the namespace is
# signalled from outside, as `docker kill -s` does.
start_pid1() { # SERVER-SCRIPT: starts it as PID 1's server in the background
	local cmd=(env -i PATH=/usr/bin:/bin HOME=/root)
	if [ "$PIDNS" = 1 ]; then
		cmd+=(unshare --pid --fork --mount-proc "$CLEANROOM" -q start)
	else
		cmd+=("$CLEANROOM" -q start --init)
	fi
	"${cmd[@]}" -- sh -c "$1" >"$SCRATCH/sig.out" 2>"$SCRATCH/sig.err" &
	UNSHARE=$!
	INIT=""
	for _ in $(seq 100); do
		if [ "$PIDNS" = 1 ]; then
			INIT=$(pgrep -P "$UNSHARE" | head -n 1)
		else
			INIT=$UNSHARE
		fi
		[ -n "$INIT" ] && grep -q ready "$SCRATCH/sig.out" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
wait_exit() { # the status of the background unshare, within 3 s
	for _ in $(seq 60); do
		kill -0 "$UNSHARE" 2>/dev/null || break
		sleep 0.05
	done
	local late=0
	if kill -0 "$UNSHARE" 2>/dev/null; then
		kill -KILL "$INIT" "$UNSHARE" 2>/dev/null
		late=1
	fi
	wait "$UNSHARE"
	RC=$?
	[ "$late" = 0 ] || RC="still running after 3 s"
}
handlers='for s in HUP INT QUIT USR1 USR2 WINCH; do trap "echo got $s" $s; done
trap "echo got TERM; exit 9" TERM; echo ready; while :; do sleep 0.05; done'
if start_pid1 "$handlers"; then
	for s in HUP INT QUIT USR1 USR2 WINCH; do
		kill -s "$s" "$INIT"
		for _ in $(seq 40); do
			grep -q "got $s" "$SCRATCH/sig.out" && break
			sleep 0.05
		done
	done
	kill -TERM "$INIT" && wait_exit
	got=$(grep -o 'got [A-Z0-9]*' "$SCRATCH/sig.out" | tr '\n' ' ')
	assert_eq "$got" "got HUP got INT got QUIT got USR1 got USR2 got WINCH got TERM " \
		"every forwarded signal reaches the server"
	assert_rc 9 "the server's status after its TERM handler"
else
	fail "a server with handlers starts" "$(cat "$SCRATCH/sig.err")"
fi
# docker stop's case: a server with no SIGTERM handler. Exec'd into PID 1
# it would ignore SIGTERM; as cleanroom's child it dies of it (143).
if start_pid1 'echo ready; exec sleep 30'; then
	kill -TERM "$INIT" && wait_exit
	assert_rc 143 "SIGTERM ends a server without a handler: 128+15, at once"
else
	fail "a server without handlers starts" "$(cat "$SCRATCH/sig.err")"
fi

# Zombies: the server leaves an orphan (a double fork, as a daemonizing
# helper does) and never waits for anything itself; the orphan is
# reparented to PID 1 and must be reaped when it ends. The server is
# python3, which waits only for its own children (dash would reap them).
if [ -x /usr/bin/python3 ]; then
	zombie_check='import os, time
os.system("sleep 0.1 &")
time.sleep(0.6)
z = []
for p in os.listdir("/proc"):
    if p.isdigit():
        try:
            st = open("/proc/%s/stat" % p).read()
        except OSError:
            continue
        f = st.rsplit(")", 1)[1].split()
        if f[0] == "Z" and int(f[1]) in (os.getpid(), os.getppid()):
            z.append(st.split()[1])
print("zombies:", " ".join(z) or "none")'
	run pid1 start -- /usr/bin/python3 -c "$zombie_check"
	assert_eq "$OUT" "zombies: none" "as PID 1: the server's orphan is reaped"
	if [ "$PIDNS" = 1 ]; then
		run pid1 start --no-init -- /usr/bin/python3 -c "$zombie_check"
		assert_eq "$OUT" "zombies: (sleep)" "--no-init: the orphan stays a zombie (what init mode fixes)"
	fi
else
	skip "/usr/bin/python3 missing: no zombie check"
fi
finish
