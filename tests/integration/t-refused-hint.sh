#!/usr/bin/env bash
# The refused-call hint of `cleanroom run`: when seccomp is on and a build
# fails with a refused call in its output ("Operation not permitted",
# EPERM) - a setuid or setgid mode, a file given to another owner - cleanroom
# says what the clean room refuses and how a build step does without; not
# for other failures, not after a success, not when a network sign
# explains the failure. And the network hint, when a unix socket was
# refused, names --allow-unix-sockets.
. "$(dirname "$0")/lib.sh"

W=$SCRATCH/app
mkdir -p "$W/out"
cd "$W" || exit 1
cr() { run env -i PATH=/usr/bin:/bin "$CLEANROOM" run --framework none --output out "$@"; }
hint="the build was refused a call"

cr -- sh -c 'echo ok'
case "$ERR" in
*"seccomp net-deny"*) ;;
*)
	skip "seccomp is off here: no refused-call hint ($(grep -m1 sandbox: <<<"$ERR"))"
	finish
	exit
	;;
esac

# The build's ids: cleanroom's, or the default build user's as root.
if [ "$(id -u)" = 0 ]; then bu=65534 bg=65534; else bu=$(id -u) bg=$(id -g); fi
cr -- sh -c 'echo x >out/tool && chmod u+s out/tool'
assert_rc 1 "chmod u+s in the build fails it (chmod: exit 1)"
assert_eq "$(stat -c %a out/tool)" "644" "the mode is unchanged"
assert_contains "$ERR" "$hint (its output shows \"Operation not permitted\"): in the clean room no file may get a setuid or setgid mode (chmod, open, mkdir, mknod), files may be given to no owner but the build's (uid $bu, gid $bg), and no limit of another process may be set (prlimit)" \
	"the hint names the sign and what the clean room refuses"
assert_contains "$ERR" "hint: an asset build needs none of these, and they cannot be allowed: have the step keep owners and plain modes (tar --no-same-owner --no-same-permissions, cp without -p, chmod without s)" \
	"and how a build step does without"
assert_contains "$ERR" "cleanroom: the build failed (exit status 1)" "the failure line follows"

cr -- sh -c 'echo x >out/owned && chown 4242 out/owned'
assert_rc 1 "chown to another uid fails the build"
assert_contains "$ERR" "$hint" "chown gets the hint"

cr -- sh -c 'echo "compile error" >&2; exit 3'
assert_rc 3 "another failure"
assert_not_contains "$ERR" "$hint" "gets no refused-call hint"

cr -- sh -c 'echo "Operation not permitted, but it is fine"'
assert_rc 0 "a success that prints the words"
assert_not_contains "$ERR" "$hint" "gets no refused-call hint"

# A unix socket the build opens (a daemon's, by path): refused with the
# network, and the network hint says how to allow unix sockets alone.
if [ -x /usr/bin/python3 ]; then
	cr -- /usr/bin/python3 -c 'import socket; socket.socket(socket.AF_UNIX).connect("/run/nothing.sock")'
	assert_rc 1 "socket(AF_UNIX) in the build: python exits 1"
	assert_contains "$ERR" 'its output shows "Address family not supported by protocol"), and the network is denied in the clean room (--network deny: seccomp allows no sockets but AF_UNIX pairs)' \
		"the network hint names the refused socket"
	assert_contains "$ERR" "if it needs only a local daemon's unix socket, --allow-unix-sockets (or sandbox.unix_sockets: true in the spec)" \
		"and how to allow unix sockets alone"
	assert_not_contains "$ERR" "$hint" "not the refused-call hint"
	cr --allow-unix-sockets -- /usr/bin/python3 -c 'import socket; socket.socket(socket.AF_UNIX).connect("/run/nothing.sock")'
	assert_rc 1 "with --allow-unix-sockets the socket opens (the connect finds nothing)"
	assert_contains "$ERR" "No such file or directory" "python says so"
	assert_not_contains "$ERR" "network is denied" "no network hint"
else
	skip "no /usr/bin/python3 to open a unix socket"
fi

cr -- sh -c 'echo "connect ECONNREFUSED 127.0.0.1:9"; echo "Operation not permitted"; exit 1'
assert_rc 1 "a network failure that also says Operation not permitted"
assert_contains "$ERR" "the network is denied in the clean room" "gets the network hint"
assert_not_contains "$ERR" "$hint" "not the refused-call hint"
finish
