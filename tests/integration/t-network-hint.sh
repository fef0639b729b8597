#!/usr/bin/env bash
# The network hint of `cleanroom run`: when a build fails and its output
# shows a refused network access (npm's EAI_AGAIN, curl's "Could not
# resolve host", strerror's "Address family not supported by protocol"
# for a socket seccomp refused, ...), cleanroom says the network is denied
# in the clean room and what to do instead; only then (not after a
# success, not for other failures, not with --network allow).
. "$(dirname "$0")/lib.sh"

W=$SCRATCH/app
mkdir -p "$W"
cd "$W" || exit 1
cr() { run env -i PATH=/usr/bin:/bin "$CLEANROOM" run --output out "$@"; }
denied="the network is denied in the clean room (--network deny"

# A real connect: bash's /dev/tcp asks for an AF_INET socket.
cr -- bash -c ': 3<>/dev/tcp/127.0.0.1/9 && echo connected'
assert_rc 1 "a TCP connect in the build fails: exit 1"
assert_not_contains "$OUT" "connected" "the connect did not succeed"
assert_contains "$ERR" "$denied" "the hint says the network is denied"
assert_contains "$ERR" "install dependencies before cleanroom runs" \
	"the hint says to install dependencies first"
assert_contains "$ERR" "--network allow" "the hint names --network allow"
case "$ERR" in
*"seccomp net-deny"*)
	assert_contains "$ERR" \
		'its output shows "Address family not supported by protocol"), and the network is denied in the clean room (--network deny: seccomp allows no sockets but AF_UNIX pairs)' \
		"seccomp on: the hint quotes strerror(EAFNOSUPPORT) and names seccomp"
	;;
esac
assert_contains "$ERR" "cleanroom: the build failed (exit status 1)" \
	"the failure line follows"

# Split across writes and reads, as a slow tool prints it.
cr -- sh -c "printf 'npm error request to https://registry.npmjs.org/x failed, reason: getaddr'; sleep 0.1; printf 'info EAI_'; sleep 0.1; echo 'AGAIN registry.npmjs.org' >&1; exit 1"
assert_rc 1 "split message: exit 1"
assert_contains "$ERR" 'its output shows "EAI_AGAIN")' \
	"split message: the first sign in cleanroom's order is named"

# No hint where it would be wrong.
cr -- sh -c 'echo "Error: EACCES: permission denied, open /etc/x" >&2; exit 2'
assert_rc 2 "a file error: exit 2"
assert_not_contains "$ERR" "network" "a file error gets no network hint"

cr -- sh -c 'echo "retrying after ECONNREFUSED" >&2; echo x >out/a.txt'
assert_rc 0 "a build that recovers from a network error: exit 0"
assert_not_contains "$ERR" "network is denied" "no hint after a success"

cr --network allow -- sh -c 'echo "connect ECONNREFUSED 127.0.0.1:9" >&2; exit 1'
assert_rc 1 "--network allow: exit 1"
assert_not_contains "$ERR" "network is denied" \
	"--network allow: the clean room did not deny it, so no hint"

finish
