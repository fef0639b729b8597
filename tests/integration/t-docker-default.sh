#!/usr/bin/env bash
# The Docker-default harness (scripts/docker-default.sh) reproduces what a
# process gets inside `docker run` / a `docker build` RUN step with Docker
# 20.10's defaults, independently of cleanroom's own features: Docker's 14
# capabilities, its seccomp profile (filter mode 2, no_new_privs off), no
# user namespaces, no mounts, read-only system dirs, a writable work dir,
# a network namespace with only loopback, and Landlock allowed by the
# default profile but refused (EPERM) by the no-landlock one and ENOSYS
# (runc's stub) by the pre-20.10.18 one.  The static cleanroom runs inside.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DD=$ROOT/scripts/docker-default.sh
GEN=$ROOT/scripts/docker-seccomp.py
W=$SCRATCH/work
mkdir -p "$W/allowed" "$W/denied" "$W/m" "$SCRATCH/tmp"
# Bundles go under the scratch dir, so that leftovers can be counted.
export TMPDIR=$SCRATCH/tmp

# Already inside the harness (a suite run in it): there is nothing to nest.
if [ -n "${CLEANROOM_DOCKER_DEFAULT:-}" ]; then
	echo "# inside the Docker-default harness ($CLEANROOM_DOCKER_DEFAULT): not nested"
	finish
	exit
fi

run "$DD" --check
if [ "$RC" != 0 ]; then
	skip "Docker-default harness unavailable: $OUT$ERR"
	finish
	exit
fi
pass "harness works here: ${OUT#docker-default: works }"

# ctr [HARNESS-OPTION...] -- CMD...: run CMD in the container, cwd $W.
ctr() { run "$DD" --workdir "$W" --ro "$CLEANROOM" "$@"; }

# --- The conversion of Docker's profile (docker-seccomp.py) ----------------
facts() { # PROFILE: one fact per line about the converted seccomp section
	/usr/bin/python3 "$GEN" seccomp --profile "$1" | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)
print("arches", " ".join(s["architectures"]))
print("default", s["defaultAction"], s.get("defaultErrnoRet"))
allowed = set()
for g in s["syscalls"]:
    if g["action"] == "SCMP_ACT_ALLOW" and not g.get("args"):
        allowed.update(g["names"])
    if g["action"] == "SCMP_ACT_ERRNO":
        print("errno", ",".join(g["names"]), g.get("errnoRet"))
    if g.get("args"):
        print("args", ",".join(g["names"]))
for n in ("landlock_create_ruleset", "landlock_add_rule",
          "landlock_restrict_self", "futex_waitv", "ptrace", "mount",
          "unshare", "bpf", "io_uring_setup", "chroot", "arch_prctl"):
    print(n, "allowed" if n in allowed else "not-allowed")
'
}
F=$(facts default)
assert_contains "$F" "arches SCMP_ARCH_X86_64 SCMP_ARCH_X86 SCMP_ARCH_X32" \
	"profile: amd64 archMap entry (x86_64, x86, x32)"
assert_contains "$F" "default SCMP_ACT_ERRNO None" \
	"profile: default action ERRNO without errnoRet (runc: EPERM)"
assert_contains "$F" "errno clone3 38" "profile: clone3 -> ENOSYS (no CAP_SYS_ADMIN)"
assert_contains "$F" "args clone" "profile: clone allowed only without namespace flags"
for n in landlock_create_ruleset landlock_add_rule landlock_restrict_self \
	futex_waitv chroot arch_prctl ptrace io_uring_setup; do
	assert_contains "$F" "$n allowed" "profile: $n allowed by Docker 20.10.24"
done
for n in mount unshare bpf; do
	assert_contains "$F" "$n not-allowed" "profile: $n needs CAP_SYS_ADMIN, not granted"
done
F=$(facts no-landlock)
assert_contains "$F" "landlock_create_ruleset not-allowed" "no-landlock: landlock_* removed"
assert_contains "$F" "futex_waitv allowed" "no-landlock: futex_waitv (449) kept"
F=$(facts pre-20.10.18)
assert_contains "$F" "landlock_restrict_self not-allowed" "pre-20.10.18: landlock_* removed"
assert_contains "$F" "futex_waitv not-allowed" "pre-20.10.18: the 5.12-5.16 syscalls removed"

# --- Inside the default container ------------------------------------------
HAVE_PROBE=0
if command -v gcc >/dev/null 2>&1 &&
	gcc -O1 -o "$W/probe" "$ROOT/tests/docker/probe.c" 2>"$SCRATCH/gcc.err"; then
	HAVE_PROBE=1
else
	skip "cannot compile tests/docker/probe.c: $(cat "$SCRATCH/gcc.err" 2>/dev/null)"
fi

# A TCP listener on the host's 127.0.0.1: reachable from here, not from
# the container's own network namespace.
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
print(s.getsockname()[1], flush=True)
time.sleep(60)
' >"$SCRATCH/port" &
LISTENER=$!
trap 'kill $LISTENER 2>/dev/null; rm -rf "$SCRATCH"' EXIT
for _ in $(seq 50); do [ -s "$SCRATCH/port" ] && break; sleep 0.05; done
PORT=$(cat "$SCRATCH/port")

HOSTNAME_HOST=$(cat /proc/sys/kernel/hostname)
ctr -- /bin/sh -c '
grep -E "^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp):" /proc/self/status
echo "uid=$(id -u) pid=$$ cwd=$(pwd)"
echo "hostname=$(cat /proc/sys/kernel/hostname)"
unshare -U true 2>&1; echo "unshare_rc=$?"
mkdir -p /mnt && mount -t tmpfs x /mnt 2>&1; echo "mount_rc=$?"
touch /usr/cleanroom-dd-test 2>&1; echo "usr_rc=$?"
touch /etc/cleanroom-dd-test 2>&1; echo "etc_rc=$?"
echo "written inside" >written; echo "work_rc=$?"
echo "root_rc=$(touch /cleanroom-dd-test 2>&1; echo $?)"
echo "net=$(ls /sys/class/net | tr "\n" " ")"
echo "netdev=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\n" " ")"
echo "proc_mounts=$(cut -d" " -f5 /proc/self/mountinfo | grep -E "^/(proc|sys)/" | tr "\n" " ")"
echo "keys_size=$(cat /proc/keys | wc -c)"
echo "sys=$( (echo x >/proc/sys/kernel/domainname) 2>&1)"
[ -x ./probe ] && ./probe landlock userns mount "$PWD/m" clone3 bpf keyctl \
	loopback connect '"$PORT"' landlock-enforce "$PWD"
"$0" --version | head -n 1' "$CLEANROOM"
assert_rc 0 "a shell runs in the default container"
S=$OUT
assert_contains "$S" $'CapBnd:\t00000000a80425fb' "CapBnd is Docker's 14 capabilities"
assert_contains "$S" $'CapEff:\t00000000a80425fb' "CapEff is Docker's 14 capabilities"
assert_contains "$S" $'CapPrm:\t00000000a80425fb' "CapPrm is Docker's 14 capabilities"
assert_contains "$S" $'CapInh:\t0000000000000000' "no inheritable capabilities"
assert_contains "$S" $'CapAmb:\t0000000000000000' "no ambient capabilities"
assert_contains "$S" $'NoNewPrivs:\t0' "no_new_privs off, as Docker"
assert_contains "$S" $'Seccomp:\t2' "a seccomp filter is on (mode 2)"
assert_contains "$S" "uid=0 pid=1 cwd=$W" "root, PID 1 of a new PID namespace, cwd the work dir"
assert_not_contains "$S" "hostname=$HOSTNAME_HOST"$'\n' "own UTS namespace"
assert_contains "$S" "Operation not permitted"$'\nunshare_rc=1' \
	"unshare -U fails with EPERM: no user namespaces"
assert_contains "$S" "permission denied."$'\n'"$(printf '%s' "$S" | grep -A1 'permission denied' | tail -n 1)" \
	"mount -t tmpfs says permission denied"
assert_contains "$S" "mount_rc=32" "mount -t tmpfs fails (exit 32)"
assert_contains "$S" "Read-only file system"$'\nusr_rc=1' "/usr is read-only"
assert_contains "$S" "Read-only file system"$'\netc_rc=1' "/etc is read-only"
assert_contains "$S" "work_rc=0" "the work dir is writable inside"
assert_eq "$(cat "$W/written" 2>/dev/null)" "written inside" "and the write lands in the host's work dir"
assert_contains "$S" "root_rc=0" "the rootfs itself is writable (as Docker's overlay)"
assert_eq "$(ls "$W")" "$(printf '%s\n' allowed denied m probe written)" \
	"nothing but the work dir reaches the host"
assert_contains "$S" "net=lo "$'\n' "only lo in /sys/class/net"
assert_contains "$S" "netdev=lo "$'\n' "only lo in /proc/net/dev"
PM=" $(grep '^proc_mounts=' <<<"$S" | cut -d= -f2-)"
for p in /proc/keys /proc/timer_list /sys/firmware /proc/bus /proc/sys; do
	[ -e "$p" ] || continue
	assert_contains "$PM" " $p " "$p masked or read-only (Docker's defaults)"
done
assert_contains "$S" "keys_size=0" "/proc/keys reads as empty"
assert_contains "$(grep '^sys=' <<<"$S")" "Read-only file system" "/proc/sys is read-only"
if [ "$HAVE_PROBE" = 1 ]; then
	assert_contains "$S" "landlock=ok " "default profile: landlock_create_ruleset succeeds"
	assert_contains "$S" "landlock-enforce=ok allowed=ok denied=EACCES" \
		"default profile: a Landlock ruleset can be built and enforced"
	assert_contains "$S" "userns=EPERM" "unshare(CLONE_NEWUSER): EPERM"
	assert_contains "$S" "mount=EPERM" "mount(2): EPERM"
	assert_contains "$S" "clone3=ENOSYS" "clone3: ENOSYS (Docker's rule)"
	assert_contains "$S" "bpf=EPERM" "bpf: EPERM"
	assert_contains "$S" "keyctl=EPERM" "keyctl: EPERM"
	assert_contains "$S" "loopback=ok 0" "loopback is up: TCP to a listener inside works"
	assert_contains "$S" "connect=ECONNREFUSED" \
		"the host's 127.0.0.1 listener is unreachable (own network namespace)"
	run "$W/probe" connect "$PORT"
	assert_eq "$OUT" "connect=ok 0" "(that listener is reachable from the host)"
fi
assert_contains "$S" "cleanroom $(sed -n 's/^VERSION := //p' "$ROOT/Makefile")" \
	"the cleanroom binary under test runs inside"
kill "$LISTENER" 2>/dev/null

# --- The Landlock-less profiles --------------------------------------------
if [ "$HAVE_PROBE" = 1 ]; then
	ctr --profile no-landlock -- ./probe landlock landlock-enforce "$W" clone3
	assert_contains "$OUT" "landlock=EPERM" "no-landlock: landlock_create_ruleset fails with EPERM"
	assert_contains "$OUT" "landlock-enforce=EPERM" "no-landlock: no ruleset can be made"
	assert_contains "$OUT" "clone3=ENOSYS" "no-landlock: the rest of the profile unchanged"
	ctr --profile pre-20.10.18 -- ./probe landlock landlock-enforce "$W"
	assert_contains "$OUT" "landlock=ENOSYS" \
		"pre-20.10.18: landlock_create_ruleset fails with ENOSYS (runc's -ENOSYS stub)"
fi
ctr --profile no-landlock -- "$CLEANROOM" --version
assert_rc 0 "cleanroom runs under the no-landlock profile"

# --overlay: /etc and /usr writable as in a Docker rootfs, thrown away.
MARK=cleanroom-dd-$$-$RANDOM
run "$DD" --overlay --workdir "$W" -- /bin/sh -c \
	"echo x >/etc/$MARK && touch /usr/$MARK && cat /etc/$MARK"
assert_eq "$RC:$OUT" "0:x" "--overlay: /etc and /usr are writable inside"
[ ! -e "/etc/$MARK" ] && [ ! -e "/usr/$MARK" ]
RC=$?
assert_rc 0 "--overlay: and nothing written there reaches the host"

# --- Pass-through and clean-up ----------------------------------------------
printf 'from stdin\n' >"$SCRATCH/in"
run "$DD" --workdir "$W" -- /bin/sh -c 'cat; echo to stderr >&2; exit 7' <"$SCRATCH/in"
assert_rc 7 "exit status passes through"
assert_eq "$OUT" "from stdin" "stdin and stdout pass through"
assert_eq "$ERR" "to stderr" "stderr passes through"
run "$DD" --workdir "$W" -e CR_DD_SET=1 -e CR_DD_UNSET -- /bin/sh -c 'env | sort'
assert_eq "$OUT" "$(printf '%s\n' CLEANROOM_DOCKER_DEFAULT=default CR_DD_SET=1 HOME=/root \
	"$(grep ^HOSTNAME= <<<"$OUT")" \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin PWD="$W")" \
	"Docker's environment plus -e, nothing else from the caller"

# A signal is forwarded (the command, PID 1, sees it); one it ignores, as PID
# 1 ignores unhandled signals, ends in a kill after the grace period.
DOCKER_DEFAULT_GRACE=1 "$DD" --workdir "$W" -- /bin/sh -c \
	'trap "echo got TERM; exit 5" TERM; echo up; while :; do sleep 0.1; done' \
	>"$SCRATCH/sig.out" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q up "$SCRATCH/sig.out" && break; sleep 0.05; done
kill -TERM "$pid"
wait "$pid"
RC=$?
assert_rc 5 "SIGTERM is forwarded to the container's command"
assert_contains "$(cat "$SCRATCH/sig.out")" "got TERM" "which handles it"
DOCKER_DEFAULT_GRACE=1 "$DD" --workdir "$W" -- sleep 127.31 >/dev/null 2>&1 &
pid=$!
# Until the container's command runs (a loaded machine takes seconds to
# start the container): a TERM before it would end the harness itself.
for _ in $(seq 200); do
	pgrep -f "^sleep 127.31" >/dev/null && break
	sleep 0.05
done
kill -TERM "$pid"
wait "$pid"
RC=$?
ERR=
assert_rc 137 "an ignored SIGTERM ends in SIGKILL after the grace period"
left=$(grep -l '127[.]31' /proc/[0-9]*/cmdline 2>/dev/null | grep -v "^/proc/$$/" | wc -l)
assert_eq "$left" 0 "nothing of the container is left running"
assert_eq "$(ls -A "$SCRATCH/tmp")" "" "no bundle or runc state is left behind"

# --- Overhead (printed, not asserted) ---------------------------------------
start=$(date +%s%N)
for _ in 1 2 3 4 5; do "$DD" --workdir "$W" -- /bin/true; done
end=$(date +%s%N)
echo "# docker-default: $(((end - start) / 5000000)) ms per run of /bin/true"
finish
