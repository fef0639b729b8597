#!/usr/bin/env bash
# The build's user (issue 13, item 1): as root, with no `user:`, the build
# runs as uid 65534 with no groups; the writable directories are handed
# to it whole (a build writes over outputs that are already there) and
# everything is given back after; an entry that has the ids already is
# not touched; a path it cannot read
# or run fails with a hint naming the path and `user: root`; `user: root`
# keeps uid 0 and says what it costs; HOME is private and out of start's
# stamp.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
	skip "the build user needs cleanroom to run as root"
	finish
	exit
fi

W=$SCRATCH/app
mkdir -p "$W/public/old" "$W/config" "$W/logs"
echo "old" >"$W/public/old/app.css"
echo "k3y" >"$W/config/master.key"
chmod 600 "$W/config/master.key"
echo "x" >"$W/logs/build.log"
cd "$W" || exit 1
cr() { run env -i PATH=/usr/bin:/bin HOME=/root "$CLEANROOM" run --output public "$@"; }

# --- Handing over: directories to the build, back to root afterwards ---------
CT=$(stat -c %Z.%z "$W/public/old/app.css")
cr -- sh -c 'id -u; id -g; id -G; mkdir -p public/new/deep && echo n >public/new/deep/n.css && rm public/old/app.css && echo r >public/old/app.css'
assert_rc 0 "the default user builds into its output root"
assert_eq "$OUT" "65534
65534
65534" "as uid 65534, gid 65534, no supplementary group"
assert_contains "$ERR" "uid 65534" "the sandbox line says uid 65534"
assert_eq "$(find public -not -user 0 -o -not -group 0 | wc -l)" 0 \
	"everything in the output root is root's again after the run"
assert_eq "$(cat public/old/app.css)" "r" "a file that was there could be replaced"
echo "keep" >public/keep.css
cr -- sh -c 'echo more >>public/keep.css'
assert_rc 0 "writing into a file that was in the output root before (webpack writes its manifest over the old one)"
assert_eq "$(cat public/keep.css)" "$(printf 'keep\nmore')" "the file was written in place"
assert_eq "$(stat -c %u:%g public/keep.css)" "0:0" "and is root's again"
# An entry that has the ids already is not touched (overlayfs would copy
# it up): a file the build user owns before the run keeps its ctime.
mkdir -p public/owned && echo o >public/owned/o.css && chown -R 65534:65534 public/owned
CT=$(stat -c %z public/owned/o.css)
sleep 0.05
cr --output public -- sh -c 'echo b >public/b.css; stat -c %z public/owned/o.css'
assert_rc 0 "a build beside it"
assert_eq "$OUT" "$CT" "an entry that has the build's ids already is not chowned (its ctime in the build is unchanged)"
assert_eq "$(stat -c %u public/owned/o.css)" "0" "given back to root after the run"
# A scratch directory is given over whole: caches there are updated in
# place.
cr --allow-write logs -- sh -c 'echo more >>logs/build.log && touch -d @0 logs/build.log'
assert_rc 0 "appending to (and setting the times of) a file of a scratch dir"
assert_eq "$(stat -c %U:%G logs/build.log)" "root:root" "given back to root after the run"

# --- A path the build cannot read -------------------------------------------
cr -- cat config/master.key
assert_rc 1 "reading a 0600 file of root's fails"
assert_contains "$ERR" "the build cannot read config/master.key: it runs as uid 65534 (cleanroom's default build user, no groups), and $W/config/master.key is mode 0600, owner uid 0" \
	"the hint names the file, its mode and owner"
assert_contains "$ERR" "keep the build as root with \`sandbox: {user: root}\` in the spec (--user root)" \
	"and the key that grants it"
assert_not_contains "$ERR" "refused a write" "no write hint for a read"
cr --user root -- cat config/master.key
assert_rc 0 "with --user root the build reads it, as before"
assert_eq "$OUT" "k3y" "(its content)"
assert_contains "$ERR" "uid 0" "the sandbox line says uid 0"
assert_contains "$ERR" "user root: chmod/chown/utimes outside not confined" \
	"and what keeping root costs"

# A tool under a 0700 directory (pyenv under /root): found before the build.
mkdir -p "$SCRATCH/rootdir/bin"
chmod 700 "$SCRATCH/rootdir"
printf '#!/bin/sh\necho tool\n' >"$SCRATCH/rootdir/bin/tool"
chmod 755 "$SCRATCH/rootdir/bin/tool"
cr -- "$SCRATCH/rootdir/bin/tool"
assert_rc 78 "a command the build user cannot reach: 78, before the build"
assert_contains "$ERR" "the build cannot run $SCRATCH/rootdir/bin/tool: it runs as uid 65534" \
	"the error names the command"
assert_contains "$ERR" "$SCRATCH/rootdir is mode 0700, owner uid 0" "and the directory that refuses it"
assert_not_contains "$ERR" "build: exit" "the build never started"
run env -i PATH="$SCRATCH/rootdir/bin:/usr/bin:/bin" HOME=/root "$CLEANROOM" run --output public -- tool
assert_rc 78 "the same command found through PATH: 78"
assert_contains "$ERR" "the build cannot run tool:" "the error names it as given"
cr --user root -- "$SCRATCH/rootdir/bin/tool"
assert_rc 0 "--user root runs it"

# A workdir the build user cannot enter.
mkdir -p "$SCRATCH/private/app/public"
chmod 700 "$SCRATCH/private"
run env -i PATH=/usr/bin:/bin "$CLEANROOM" -C "$SCRATCH/private/app" run --output public -- true
assert_rc 78 "a workdir under a 0700 directory: 78"
assert_contains "$ERR" "the build cannot enter the workdir $SCRATCH/private/app" "the error says so"

# --- doctor -----------------------------------------------------------------
run env -i PATH=/usr/bin:/bin "$CLEANROOM" doctor --output public
assert_contains "$OUT" "user         uid 65534, gid 65534, no groups" "doctor: the default user"
assert_contains "$OUT" "home         /tmp/cleanroom-home, private and empty" "doctor: the private HOME"
assert_contains "$OUT" "the default user 65534: uid 65534, gid 65534, 0 groups" "doctor: the identity layer"
run env -i PATH=/usr/bin:/bin "$CLEANROOM" doctor --output public --user root
assert_contains "$OUT" "user root: the build keeps uid 0: processes limit off (uid 0 is exempt); chmod, chown, utimes of the image's files not confined" \
	"doctor --user root: what it costs"
assert_contains "$OUT" "user         root: uid 0 kept" "doctor --user root: the plan line"

# --- start: the private HOME is not part of the stamp ------------------------
mkdir -p "$SCRATCH/st/src" && cd "$SCRATCH/st" || exit 1
echo 'a{}' >src/a.css
cat >cleanroom.yml <<'END'
framework: none
command: "mkdir -p out && cp src/a.css out/ && echo $HOME >out/home.txt"
outputs: {root: out, manifest: none}
inputs: [src]
END
run env -i PATH=/usr/bin:/bin HOME=/root "$CLEANROOM" run
assert_rc 0 "run with HOME=/root"
# Another cleanroom running now (a parallel test) holds the stable path;
# the build then gets one in its TMPDIR, and the line says which.
WANT_HOME=/tmp/cleanroom-home
case "$ERR" in *"another cleanroom holds /tmp/cleanroom-home: the build's HOME is "*)
	WANT_HOME=$(sed -n "s/.*the build's HOME is //p" <<<"$ERR") ;;
esac
assert_eq "$(cat out/home.txt)" "$WANT_HOME" "the build saw the private HOME"
run env -i PATH=/usr/bin:/bin HOME=/elsewhere "$CLEANROOM" start -- true
assert_contains "$ERR" "start: fresh" "start with another caller's HOME is fresh after run"

# A PATH directory the build user may not search (a 0700 /root/.local/bin)
# is not "found but not executable": the command was not found, and the
# directory is named.
mkdir -p "$SCRATCH/private/bin" && chmod 700 "$SCRATCH/private"
run env -i PATH="$SCRATCH/private/bin:/usr/bin:/bin" HOME=/root "$CLEANROOM" run --output public -- no-such-tool-cleanroom
assert_rc 127 "a command in no readable PATH directory: 127"
assert_contains "$ERR" "no-such-tool-cleanroom: command not found in PATH" "says not found"
assert_contains "$ERR" "the build may not search $SCRATCH/private/bin (Permission denied)" "and names the directory it may not search"
# A script no one may run (mode 0644) is not the build user's doing: the
# build runs and fails as it would as root.
printf 'echo hi\n' >noexec.sh && chmod 644 noexec.sh
cr -- ./noexec.sh
assert_rc 126 "a script of mode 0644: 126, from the build"
assert_not_contains "$ERR" "the build cannot run" "no build-user hint"
assert_contains "$ERR" "build: ./noexec.sh: Permission denied" "the exec error as before"
# Its standard output and error are pipes made by cleanroom: given to the
# build user, so that /dev/stdout and /dev/stderr open (a pipe's inode is
# its creator's, mode 0600).
cr -- sh -c 'echo to-stdout >/dev/stdout; echo to-stderr >/dev/stderr; echo s >public/s.css'
assert_rc 0 "a build writing to /dev/stdout and /dev/stderr"
assert_contains "$OUT" "to-stdout" "/dev/stdout reaches cleanroom's output"
assert_contains "$ERR" "to-stderr" "/dev/stderr too"
finish
