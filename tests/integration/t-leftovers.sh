#!/usr/bin/env bash
# Leftovers (issue 13, item 8): a failed or timed-out run leaves no
# scratch directory (/tmp/cleanroom-build.*) and no temporary lock, even
# when the build made its scratch unreadable; what a SIGKILLed cleanroom
# left is removed by the next run (only when its maker is gone); and a
# temporary lock in an output root is never counted as an output.
. "$(dirname "$0")/lib.sh"

W=$SCRATCH/app
mkdir -p "$W/public"
cd "$W" || exit 1
cr() { run "$CLEANROOM" run --output public --min-files 0 "$@"; }
# The pid of a process that has exited: nothing runs under it now.
dead_pid() { sh -c 'echo $$'; }
temps() { find public -maxdepth 1 -name '*cleanroom.lock.tmp.*' | sort; }
# A build that records its TMPDIR and leaves it hard to remove: a
# directory with no permissions and one with no write permission, each
# with a file in it.
HOSTILE_TMP='echo "$TMPDIR" >public/tmpdir
mkdir -p "$TMPDIR/locked/in" "$TMPDIR/ro"
echo x >"$TMPDIR/locked/in/f"; echo x >"$TMPDIR/ro/f"
chmod 0 "$TMPDIR/locked"; chmod 500 "$TMPDIR/ro"'

# --- Failed and timed-out runs ----------------------------------------------
cr -- sh -c "$HOSTILE_TMP; exit 3"
assert_rc 3 "a failed build"
T=$(cat public/tmpdir)
assert_contains "$T" "/tmp/cleanroom-build." "its TMPDIR is a cleanroom-build directory"
[ -e "$T" ] && fail "a failed run leaves no scratch directory" "$T is there" ||
	pass "a failed run leaves no scratch directory"
assert_eq "$(temps)" "" "and no temporary lock"

cr --timeout 1s -- sh -c "$HOSTILE_TMP; exec sleep 30"
assert_rc 124 "a timed-out build"
T=$(cat public/tmpdir)
[ -e "$T" ] && fail "a timed-out run leaves no scratch directory" "$T is there" ||
	pass "a timed-out run leaves no scratch directory"
assert_eq "$(temps)" "" "and no temporary lock"

# The same as a user without root's override of permissions: the
# unreadable directories would stop a plain recursive removal.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	U=$SCRATCH/user
	mkdir -p "$U/public"
	cp "$CLEANROOM" "$SCRATCH/cleanroom"
	chmod 711 "$SCRATCH"
	chmod 755 "$SCRATCH/cleanroom"
	chown -R 65534:65534 "$U"
	(cd "$U" && setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$SCRATCH/cleanroom" run -q --output public --min-files 0 \
		-- sh -c "$HOSTILE_TMP; exit 3" >/dev/null 2>&1)
	RC=$?
	assert_rc 3 "a failed build as an unprivileged user"
	T=$(cat "$U/public/tmpdir")
	if [ -e "$T" ]; then
		fail "an unprivileged run removes an unreadable scratch too" "$T is there"
		chmod -R u+rwx "$T"
		rm -rf "$T"
	else
		pass "an unprivileged run removes an unreadable scratch too"
	fi
else
	pass "unprivileged removal: not root here, the runs above were unprivileged"
fi

# --- What a SIGKILLed cleanroom left -----------------------------------------
rm -f public/tmpdir public/pid
"$CLEANROOM" run -q --output public --min-files 0 -- \
	sh -c 'echo "$TMPDIR" >public/tmpdir; echo $$ >public/pid; exec sleep 30' \
	>/dev/null 2>&1 &
CR=$!
for _ in $(seq 100); do [ -s public/pid ] && break; sleep 0.05; done
T=$(cat public/tmpdir)
kill -KILL "$CR"
wait "$CR" 2>/dev/null
kill -KILL "$(cat public/pid)" 2>/dev/null
assert_contains "$T" "/tmp/cleanroom-build.$CR." \
	"the scratch directory carries its cleanroom's pid"
[ -d "$T" ] && pass "a SIGKILLed cleanroom leaves its scratch directory" ||
	fail "a SIGKILLed cleanroom leaves its scratch directory" "$T"
GONE=$(dead_pid)
echo partial >"public/.cleanroom.lock.tmp.$GONE"
echo partial >"public/cleanroom.lock.tmp.$GONE"
rm -f public/tmpdir public/pid
cr -- sh -c 'echo x >public/a.css'
assert_rc 0 "the next run"
[ -e "$T" ] && fail "the next run removes the killed run's scratch directory" "$T" ||
	pass "the next run removes the killed run's scratch directory"
assert_contains "$ERR" "removed 1 scratch directory left by a cleanroom that was killed" \
	"and says so"
assert_eq "$(temps)" "" "it removes temporary locks of gone cleanrooms"
assert_contains "$ERR" "removed 2 temporary locks left by a cleanroom that was killed" \
	"and says so"
assert_eq "$(cut -d' ' -f3- public/cleanroom.lock)" "public/a.css" \
	"the lock lists the one output"

# A scratch directory whose cleanroom is alive is not touched.
LIVE=/tmp/cleanroom-build.$$.t3stme
mkdir "$LIVE"
cr -- sh -c 'echo x >public/a.css'
[ -d "$LIVE" ] && pass "a live cleanroom's scratch directory stays" ||
	fail "a live cleanroom's scratch directory stays"
rmdir "$LIVE"

# --- A temporary lock is never an output --------------------------------------
# Pid 123 may be alive here or not: either way the file is no output
# (removed when its maker is gone, reported when not).
echo planted >public/cleanroom.lock.tmp.123
run "$CLEANROOM" verify --output public
assert_not_contains "$ERR" "public/cleanroom.lock.tmp.123: added" \
	"verify does not count a planted cleanroom.lock.tmp.123 as an output"
assert_contains "$(grep '^cleanroom:   outputs ' <<<"$ERR")" " 1 files, " \
	"one output counted"
rm -f public/cleanroom.lock.tmp.123

echo planted >"public/.cleanroom.lock.tmp.$$"
run "$CLEANROOM" lock --output public
assert_rc 65 "a temporary lock of a live process: verification fails"
assert_contains "$ERR" "public/.cleanroom.lock.tmp.$$: a temporary lock of pid $$, which is running" \
	"naming it"
assert_contains "$ERR" "outputs      failed   1 files" "and it is not counted"
rm -f "public/.cleanroom.lock.tmp.$$"

# A build that plants one under a gone pid gets it removed before the
# outputs are verified: nothing by that name ships unverified.
G=$(dead_pid)
cr -- sh -c "echo x >public/a.css; echo secret >public/.cleanroom.lock.tmp.$G"
assert_rc 0 "a build planting a temporary lock"
assert_eq "$(temps)" "" "it is removed before verification"
assert_eq "$(cut -d' ' -f3- public/cleanroom.lock)" "public/a.css" \
	"and not in the lock"

# --- start's state files ------------------------------------------------------
# A start killed while it wrote its stamp or stat cache left NAME.tmp.PID
# in .cleanroom/: the next start removes it under its lock, and keeps one
# of a live process.
mkdir -p "$SCRATCH/st" && cd "$SCRATCH/st" || exit 1
printf 'framework: none\ncommand: "mkdir -p out && echo x >out/x.txt"\noutputs: {root: out, manifest: none}\n' >cleanroom.yml
G=$(dead_pid)
run env -i PATH=/usr/bin:/bin HOME=/root "$CLEANROOM" start -- true
assert_rc 0 "a start that builds"
echo half >".cleanroom/stamp.tmp.$G"
echo half >".cleanroom/stat-cache.tmp.$$"
run env -i PATH=/usr/bin:/bin HOME=/root "$CLEANROOM" start -- true
assert_rc 0 "a start after a killed one"
assert_eq "$(ls -A .cleanroom | grep -c "stamp.tmp.$G")" 0 "the gone start's temporary stamp is removed"
assert_contains "$ERR" "start: removed 1 temporary file a killed cleanroom left in .cleanroom" "and says so"
assert_eq "$(ls -A .cleanroom | grep -c "stat-cache.tmp.$$")" 1 "a live process's is kept"
finish
