#!/usr/bin/env bash
# The write hint of `cleanroom run`: when Landlock restricts writes and a
# build fails with a refused write in its output ("Permission denied",
# EACCES, EROFS), cleanroom says where the build may write and how to add
# a directory; not for other failures, not after a success, not when a
# network sign explains the failure, not without Landlock.
. "$(dirname "$0")/lib.sh"

W=$SCRATCH/app
mkdir -p "$W/config"
cd "$W" || exit 1
cr() { run env -i PATH=/usr/bin:/bin "$CLEANROOM" run --framework none --output out "$@"; }
hint="the build was refused a write"

cr -- sh -c 'echo ok'
case "$ERR" in
*"sandbox: landlock v"*) ;;
*)
	cr -- sh -c 'echo leak >config/leak.txt'
	assert_not_contains "$ERR" "$hint" "without Landlock: no write hint"
	finish
	exit
	;;
esac

cr --allow-write cache -- sh -c 'mkdir -p out && echo leak >config/leak.txt'
assert_rc 2 "a write outside the writable set fails the build (sh: exit 2)"
assert_eq "$(ls config)" "" "nothing was written"
assert_contains "$ERR" 'the build was refused a write (its output shows "Permission denied"): in the clean room it may write only to out, cache and its own TMPDIR' \
	"the hint names the sign and where the build may write"
assert_contains "$ERR" "--allow-write PATH (or sandbox.writable in the spec) adds a directory" \
	"and how to add a directory"
assert_contains "$ERR" "cleanroom: the build failed (exit status 2)" "the failure line follows"

cr -- sh -c 'echo "compile error" >&2; exit 3'
assert_rc 3 "another failure"
assert_not_contains "$ERR" "$hint" "gets no write hint"

cr -- sh -c 'echo "Permission denied, but it is fine"; mkdir -p out'
assert_rc 0 "a success that prints the words"
assert_not_contains "$ERR" "$hint" "gets no write hint"

cr -- sh -c 'echo "connect EACCES 104.16.0.1:443"; echo "Permission denied"; exit 1'
assert_rc 1 "a network failure that also says Permission denied"
assert_contains "$ERR" "the network is denied in the clean room" "gets the network hint"
assert_not_contains "$ERR" "$hint" "not the write hint"
finish
