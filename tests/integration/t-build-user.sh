#!/usr/bin/env bash
# The build's user (issue 13, item 1): as root, with no `user:`, the build
# runs as uid 65534 with no groups; the writable directories are handed
# to it (files already there keep their owner, so that overlayfs copies
# nothing up) and everything is given back after; a path it cannot read
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
CT=$(stat -c %z public/keep.css)
sleep 0.05
cr -- sh -c 'echo a >public/a.css'
assert_rc 0 "a second build"
assert_eq "$(stat -c %z public/keep.css)" "$CT" \
	"a file already there is not chowned (its ctime is unchanged: overlayfs would copy it up)"
cr -- sh -c 'echo more >>public/keep.css'
assert_rc 2 "appending to a file that was in the output root before: refused"
assert_contains "$ERR" "the build cannot write into public/keep.css: it runs as uid 65534 (cleanroom's default build user, no groups)" \
	"the hint says the file was there before and is not the build's"
assert_contains "$ERR" "sandbox: {user: root}" "and names user: root"
assert_eq "$(cat public/keep.css)" "keep" "the file is unchanged"
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

finish
