#!/usr/bin/env bash
# docker-default.sh: run a command under the conditions of a Docker 20.10
# container with Docker's defaults (what `docker run` and a `docker build`
# RUN step get), without a Docker engine: runc, an OCI bundle whose
# config.json scripts/docker-seccomp.py writes from Docker's own default
# seccomp profile (Debian's golang-github-docker-docker-dev), Docker's 14
# default capabilities, no_new_privs off, uid 0, namespaces
# pid/net/ipc/uts/mount and no user namespace, Docker's masked and
# read-only /proc paths, a network namespace with only loopback.
#
# The rootfs is an empty directory with the host's /usr, /etc, /lib* bind
# mounted read-only (merged-/usr symlinks recreated), /tmp a tmpfs, and
# the work directory bind mounted read-write at its own path.  With
# --overlay, /usr and /etc are writable overlays instead, as a Docker
# rootfs is (writes land in the bundle and are thrown away).
#
# Usage:
#   docker-default.sh [--profile P] [--overlay] --workdir DIR [--ro PATH]...
#                     [-e NAME[=VALUE]]... -- CMD [ARG...]
#       Run CMD in the container, cwd DIR; stdin/stdout/stderr and the exit
#       status pass through (128+N when CMD dies of signal N).
#       P: default (Docker 20.10.24), no-landlock (the same without the
#       landlock_* syscalls: they fail with EPERM), pre-20.10.18 (what Docker
#       shipped before Landlock was allowed: runc's -ENOSYS stub makes them
#       fail with ENOSYS).  --ro adds a host path, read-only, at its own
#       path.  -e NAME passes NAME from this environment, -e NAME=VALUE sets
#       it; otherwise the environment is Docker's (PATH, HOSTNAME, HOME)
#       plus CLEANROOM_DOCKER_DEFAULT=P (P+overlay with --overlay), so that
#       tests know where they run.
#       A forwarded INT/TERM/HUP the command ignores (it is PID 1) ends in
#       SIGKILL after DOCKER_DEFAULT_GRACE seconds (10), as `docker stop`.
#   docker-default.sh --check
#       Say whether the harness works here (runc, the profile, a `true`
#       run); exit 0 if it does, 1 if not.
#
# Needs root, runc, golang-github-docker-docker-dev (or DOCKER_SECCOMP_JSON)
# and /usr/bin/python3.
# It installs nothing (scripts/bootstrap.sh does).
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
GEN=$HERE/docker-seccomp.py
# Docker's profile: Debian's copy, or DOCKER_SECCOMP_JSON (a copy taken out
# of the same .deb, say).
PROFILE_JSON=${DOCKER_SECCOMP_JSON:-/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json}
RUNC=${RUNC:-runc}

usage() {
	sed -n '/^# Usage:/,/^# Needs/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

die() {
	echo "docker-default: $*" >&2
	exit 125
}

# The reasons the harness cannot work here, one per line; empty if none.
problems() {
	[ "$(id -u)" = 0 ] || echo "not root"
	command -v "$RUNC" >/dev/null 2>&1 || echo "runc not found (apt-get install runc)"
	[ -x "$PY" ] || echo "$PY not found (apt-get install python3)"
	[ -r "$PROFILE_JSON" ] ||
		echo "$PROFILE_JSON missing (apt-get install golang-github-docker-docker-dev)"
	grep -q '^Seccomp:' /proc/self/status 2>/dev/null || echo "kernel without seccomp"
}

check() {
	local why out rc
	why=$(problems)
	if [ -n "$why" ]; then
		echo "docker-default: not available: ${why//$'\n'/; }"
		return 1
	fi
	out=$("$BASH" "$0" --workdir /tmp -- /bin/true 2>&1 </dev/null)
	rc=$?
	if [ "$rc" != 0 ]; then
		echo "docker-default: not available: running true failed (exit $rc): $out"
		return 1
	fi
	local from
	if [ -n "${DOCKER_SECCOMP_JSON:-}" ]; then
		from=$DOCKER_SECCOMP_JSON
	else
		from="Docker $(dpkg-query -W -f='${Version}' golang-github-docker-docker-dev 2>/dev/null)"
	fi
	echo "docker-default: works ($("$RUNC" --version | head -n 1), $from default seccomp profile)"
	return 0
}

PROFILE=default
OVERLAY=()
WORKDIR=
RO=()
ENVS=()
while [ $# -gt 0 ]; do
	case "$1" in
	--check) check; exit $? ;;
	--profile) [ $# -ge 2 ] || usage; PROFILE=$2; shift 2 ;;
	--profile=*) PROFILE=${1#*=}; shift ;;
	--overlay) OVERLAY=(--overlay); shift ;;
	--workdir) [ $# -ge 2 ] || usage; WORKDIR=$2; shift 2 ;;
	--workdir=*) WORKDIR=${1#*=}; shift ;;
	--ro) [ $# -ge 2 ] || usage; RO+=(--ro "$(realpath -e -- "$2")") || exit 125; shift 2 ;;
	-e | --env)
		[ $# -ge 2 ] || usage
		case "$2" in
		*=*) ENVS+=(--env "$2") ;;
		*) [ -n "${!2+x}" ] && ENVS+=(--env "$2=${!2}") ;;
		esac
		shift 2
		;;
	--) shift; break ;;
	-h | --help) usage ;;
	*) echo "docker-default: unknown argument '$1'" >&2; usage ;;
	esac
done
if [ -z "$WORKDIR" ] || [ $# = 0 ]; then usage; fi
case "$PROFILE" in
default | no-landlock | pre-20.10.18) ;;
*) die "unknown profile '$PROFILE' (default, no-landlock, pre-20.10.18)" ;;
esac
WORKDIR=$(realpath -e -- "$WORKDIR") || die "no such work dir"
[ -d "$WORKDIR" ] || die "$WORKDIR is not a directory"
case "$WORKDIR" in
/ | /usr | /usr/* | /etc | /etc/* | /proc | /proc/* | /dev | /dev/* | /sys | /sys/*)
	die "$WORKDIR cannot be the work dir (it is part of the container's system)" ;;
esac
why=$(problems)
[ -z "$why" ] || die "${why//$'\n'/; }"

# The bundle and runc's state live in one directory, removed on the way
# out whatever happens; the container id is its unique name.
BUNDLE=$(mktemp -d "${TMPDIR:-/tmp}/cleanroom-docker.XXXXXX") || die "mktemp failed"
ID=$(basename "$BUNDLE" | tr '[:upper:]' '[:lower:]')
ID=cr-${ID#cleanroom-docker.}-$$
STATE=$BUNDLE/state
RUNC_PID=
cleanup() {
	trap - EXIT INT TERM HUP
	if [ -n "$RUNC_PID" ] && kill -0 "$RUNC_PID" 2>/dev/null; then
		kill -KILL "$RUNC_PID" 2>/dev/null
	fi
	if [ -d "$STATE/$ID" ]; then
		"$RUNC" --root "$STATE" kill "$ID" KILL >/dev/null 2>&1
		"$RUNC" --root "$STATE" delete --force "$ID" >/dev/null 2>&1
	fi
	rm -rf "$BUNDLE"
}
trap cleanup EXIT
# Until runc runs, a signal just ends this script (cleaning up).
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

"$PY" "$GEN" bundle "$BUNDLE" --workdir "$WORKDIR" --profile "$PROFILE" \
	--id "$ID" "${OVERLAY[@]}" "${RO[@]}" "${ENVS[@]}" -- "$@" || die "writing the bundle failed"

# runc runs in the background so that this shell can forward signals to it
# (runc forwards them to the container's process) and still clean up; an
# asynchronous command's stdin would be /dev/null, so hand it ours as fd 3.
# As in a container, the command is PID 1 of its namespace: a signal it has
# no handler for is ignored.  So, like `docker stop`, the first forwarded
# signal starts a grace period (DOCKER_DEFAULT_GRACE seconds, default 10)
# after which the container is killed.
GRACE=${DOCKER_DEFAULT_GRACE:-10}
KILLER_PID=
on_signal() {
	[ -n "$RUNC_PID" ] || return
	kill -"$1" "$RUNC_PID" 2>/dev/null
	if [ -z "$KILLER_PID" ]; then
		(
			trap - INT HUP
			sleep "$GRACE" &
			sp=$!
			trap 'kill "$sp" 2>/dev/null; exit 0' TERM
			wait "$sp"
			"$RUNC" --root "$STATE" kill "$ID" KILL >/dev/null 2>&1
		) &
		KILLER_PID=$!
	fi
}
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP
exec 3<&0
"$RUNC" --root "$STATE" run --bundle "$BUNDLE" "$ID" <&3 3<&- &
RUNC_PID=$!
exec 3<&-
# wait returns early (>128) when a trapped signal arrives: wait again until
# runc itself has exited.
while :; do
	wait "$RUNC_PID"
	rc=$?
	kill -0 "$RUNC_PID" 2>/dev/null || break
done
RUNC_PID=
if [ -n "$KILLER_PID" ]; then
	kill "$KILLER_PID" 2>/dev/null
	wait "$KILLER_PID" 2>/dev/null
fi
exit "$rc"
