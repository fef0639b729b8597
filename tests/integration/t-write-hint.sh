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
assert_contains "$ERR" 'the build was refused a write to config/leak.txt (its output shows "Permission denied"): in the clean room it may write only to out, cache and its own TMPDIR' \
	"the hint names the path, the sign and where the build may write"
assert_contains "$ERR" "if config/leak.txt is a cache or scratch file that the image does not serve, --allow-write with its directory (sandbox.writable)" \
	"a file that is no asset: how to make its place writable"
assert_contains "$ERR" "cleanroom: the build failed (exit status 2)" "the failure line follows"

# Assets written outside the outputs: the hint names the output root to
# add, never --allow-write (which would ship them unverified).
mkdir -p public
cr -- sh -c 'mkdir -p out && echo x >out/a.txt && mkdir -p public/build/assets'
assert_rc 1 "mkdir of an asset directory outside the outputs fails"
assert_contains "$ERR" "the build was refused a write to public/build" "mkdir's path"
assert_contains "$ERR" "if the build's assets go to public/build, make it an output root, so that they are verified and locked: --output public/build (outputs.root in the spec)" \
	"the output root to add"
assert_not_contains "$ERR" "allow-write" "and not --allow-write"
cr -- sh -c "echo \"Error: EACCES: permission denied, open '\$PWD/dist/assets/index-4f2a.js'\" >&2; exit 1"
assert_rc 1 "Node's refused open"
assert_contains "$ERR" "refused a write to dist/assets/index-4f2a.js" "the path, relative to the workdir"
assert_contains "$ERR" "--output dist (outputs.root in the spec)" "dist as the root"
assert_not_contains "$ERR" "allow-write" "and not --allow-write"
cr -- sh -c 'echo "Permission denied" >&2; exit 1'
assert_rc 1 "a refusal that names no path"
assert_contains "$ERR" "if the build writes its assets elsewhere, make that directory an output root (--output DIR, outputs.root)" \
	"the output root comes first"
echo TOKEN_SECRET=assets-s3cr3t-v4lue >.aptible.env
cr -- sh -c "echo \"EACCES: permission denied, open 'dist/assets-s3cr3t-v4lue.js'\"; exit 1"
assert_rc 1 "a refused path holding a secret"
assert_not_contains "$ERR" "s3cr3t" "is not printed"
assert_contains "$ERR" "the build was refused a write (its output shows" "the hint says it without the path"
rm .aptible.env

cr -- sh -c 'echo "compile error" >&2; exit 3'
assert_rc 3 "another failure"
assert_not_contains "$ERR" "$hint" "gets no write hint"

cr -- sh -c 'echo "Permission denied, but it is fine"; mkdir -p out; echo x >out/a.txt'
assert_rc 0 "a success that prints the words"
assert_not_contains "$ERR" "$hint" "gets no write hint"

cr -- sh -c 'echo "connect EACCES 104.16.0.1:443"; echo "Permission denied"; exit 1'
assert_rc 1 "a network failure that also says Permission denied"
assert_contains "$ERR" "the network is denied in the clean room" "gets the network hint"
assert_not_contains "$ERR" "$hint" "not the write hint"
finish
