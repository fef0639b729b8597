#!/usr/bin/env bash
# `cleanroom start -- SERVER`: builds when the stamp changed (input
# content, new or deleted input, environment, spec, command), execs the
# server at once when fresh, with the caller's full environment and
# cleanroom's pid; a failed build starts nothing unless --serve-stale; two
# starts at once build once.
. "$(dirname "$0")/lib.sh"
REPO=$(cd "$(dirname "$0")/../.." && pwd)
# The app is a subdirectory: run's capture files in $SCRATCH must not
# count as writes outside the writable set when Landlock is off.
mkdir "$SCRATCH/app" && cd "$SCRATCH/app" || exit 1
mkdir src
echo 'a{}' >src/app.css
cat >cleanroom.yml <<'END'
framework: none
command: "mkdir -p out && for f in src/*; do n=$(basename $f); s=$(sha256sum $f | cut -c1-8); cp $f out/${n%.*}-$s.${n##*.}; done; echo built >>builds.log"
sandbox: {writable: [logs]}
outputs: {root: out, manifest: none}
inputs: [src]
END
# The build may write its counter only where it is allowed to.
sed -i 's|builds.log|logs/builds.log|' cleanroom.yml
mkdir -p logs
cr() { env -i PATH=/usr/bin:/bin HOME=/root ONLY_FOR_SERVER=yes "$CLEANROOM" "$@"; }
builds() { wc -l <logs/builds.log 2>/dev/null || echo 0; }

run cr start -- sh -c 'echo "served $ONLY_FOR_SERVER"'
assert_rc 0 "first start builds and serves"
assert_eq "$OUT" "served yes" "the server has the caller's full environment"
assert_contains "$ERR" "start: stale" "says it builds"
assert_eq "$(builds)" 1 "one build"
run cr start -- sh -c 'echo served'
assert_contains "$ERR" "start: fresh" "second start is fresh"
assert_eq "$(builds)" 1 "no second build"
run cr start -- sh -c 'echo other server'
assert_eq "$(builds)" 1 "the server command is not part of the stamp"

stale_after() { # DESC: the next start must build
	local before
	before=$(builds)
	run cr start "$@" -- true
	if [ "$(builds)" -gt "$before" ]; then pass "$DESC: rebuilt"; else
		fail "$DESC: not rebuilt" "$ERR"; fi
	run cr start "$@" -- true
	assert_contains "$ERR" "start: fresh" "$DESC: then fresh"
}
echo 'b{}' >src/app.css
DESC="content change" stale_after
echo 'c{}' >src/new.css
DESC="new input file" stale_after
rm src/new.css
DESC="deleted input file" stale_after
DESC="environment change" stale_after --set FEATURE=1
sed -i 's/manifest: none/manifest: none, min_files: 1/' cleanroom.yml
DESC="spec change" stale_after
sed -i 's|>>logs/builds.log"|>>logs/builds.log; true"|' cleanroom.yml
DESC="command change" stale_after

# -v says what the stamp covered and why start is stale: the first input
# path that differs, the variables, the spec, an output. (An old mtime
# keeps the file out of the stat cache's racy window: the second start
# reuses its hash.)
touch -d '2001-01-01' src/app.css
run cr start -- true
cache_id=$(stat -c '%i %y' .cleanroom/stamp-cache)
run cr start -v -- true
assert_contains "$ERR" "start: the stamp covers the spec, the command, " "-v: what the stamp covers"
assert_contains "$ERR" "; src (1 file, 1 directory)" "-v: each input root with its counts"
assert_contains "$ERR" "stamp: 0 input files read, 1 unchanged by the stat cache" "-v: the stat cache's work"
assert_contains "$ERR" "stamp: 2 paths in 1 directory: cache loaded in " "-v: the walk's phases"
assert_contains "$ERR" "cache left as it was in " "-v: a fresh start leaves the stat cache as it was"
assert_eq "$(stat -c '%i %y' .cleanroom/stamp-cache)" "$cache_id" "  unwritten: the same inode and mtime"
echo 'j{}' >src/app.css
run cr start -v -- true
assert_contains "$ERR" "start: stale because input src/app.css (file): content changed" "-v: content change"
echo 'k{}' >src/new.css
echo 'k{}' >src/new2.css
run cr start -v -- true
assert_contains "$ERR" "stale because input src/new.css (file): new; 2 input paths differ in all" \
	"-v: a new file, the first of two"
rm src/new.css src/new2.css
run cr start -v -- true
assert_contains "$ERR" "stale because input src/new.css was deleted" "-v: a deleted file"
chmod 600 src/app.css
run cr start -v -- true
assert_contains "$ERR" "stale because input src/app.css (file): mode changed" "-v: a mode change"
run cr start -v --set FEATURE=2 -- true
assert_contains "$ERR" "stale because the build's environment changed: FEATURE (new)" "-v: a new variable"
run cr start -v --set FEATURE=3 -- true
assert_contains "$ERR" "stale because the build's environment changed: FEATURE" "-v: a changed variable"
assert_not_contains "$ERR" "FEATURE (new)" "-v: changed, not new"
run cr start -v -- true
assert_contains "$ERR" "stale because the build's environment changed: FEATURE (gone)" "-v: a variable gone"
sec() { env -i PATH=/usr/bin:/bin HOME=/root API_TOKEN="$1" "$CLEANROOM" start -v --inherit API_TOKEN -- true; }
run sec tok-one-1234567890
run sec tok-two-1234567890
assert_contains "$ERR" "stale because the value of a secret variable changed (one of API_TOKEN" \
	"-v: a secret's change is named, not shown"
assert_not_contains "$(tr '\0' '\n' <.cleanroom/stamp-parts)" "$(printf 'API_TOKEN=tok-two-1234567890' | sha256sum | cut -c1-64)" \
	"-v: no digest of a secret's value is kept"
assert_not_contains "$(tr '\0' '\n' <.cleanroom/stamp-parts)" "tok-two" "-v: nor the value"
run cr start -v -- true
sed -i 's/min_files: 1/min_files: 2/' cleanroom.yml
run cr start -v -- true
assert_contains "$ERR" "stale because the spec changed" "-v: the spec"
gone=$(cd out && ls app-*.css | head -1)
rm "out/$gone"
run cr start -v -- true
assert_contains "$ERR" "stale because output out/$gone is missing" "-v: an output missing"
run cr start -v -- true
assert_contains "$ERR" "start: fresh" "-v: then fresh"
rm -rf .cleanroom
run cr start -v -- true
assert_contains "$ERR" "stale because no build recorded yet" "-v: no state"

# Not PID 1 and no --init: the server replaces cleanroom, same pid
# (t-pid1.sh: as PID 1 it runs as cleanroom's child).
run cr sh -c 'echo $$; exec "$0" start -- sh -c "echo \$\$"' "$CLEANROOM"
assert_eq "$(echo "$OUT" | sort -u | wc -l)" 1 "the server has cleanroom's pid"

# A failed build starts nothing; --serve-stale starts the previous set.
echo 'd{}' >src/app.css
sed -i 's|command: "|command: "exit 3; |' cleanroom.yml
run cr start -- sh -c 'echo served'
assert_rc 3 "a failed build: the build's status"
assert_not_contains "$OUT" "served" "the server is not started"
run cr start --serve-stale -- sh -c 'echo served stale'
assert_rc 0 "--serve-stale starts the server"
assert_eq "$OUT" "served stale" "on the previous outputs"
assert_contains "$ERR" "the build failed (exit status 3); the previous verified set is back" "with one warning"
assert_contains "$ERR" "serving it (--serve-stale)" "that says it serves it"
assert_eq "$(grep -c 'the build failed' <<<"$ERR")" 1 "the failure said once"
assert_not_contains "$ERR" "failed (the build failed" "not nested"
sed -i 's|command: "exit 3; |command: "sleep 1; |' cleanroom.yml

# Two starts at once build once.
before=$(builds)
cr start -- true 2>/dev/null &
cr start -- true 2>/dev/null &
wait
assert_eq "$(( $(builds) - before ))" 1 "two concurrent starts build once"
sed -i 's|command: "sleep 1; |command: "|' cleanroom.yml

# The racy case: a same-size rewrite that keeps the mtime to the
# nanosecond, right after a build, must still be seen. (Here the ctime
# gives it away; a rewrite within one kernel clock tick keeps even that,
# which the racy rule covers: test_stamp.c's stamp_racy forges it.)
echo 'e{}' >src/app.css
run cr start -- true
assert_contains "$ERR" "start: stale" "racy: built"
touch -r src/app.css "$SCRATCH/mtime-ref"
echo 'f{}' >src/app.css
touch -r "$SCRATCH/mtime-ref" src/app.css
assert_eq "$(stat -c %y src/app.css)" "$(stat -c %y "$SCRATCH/mtime-ref")" \
	"racy: the mtime is the one hashed, to the nanosecond"
assert_eq "$(stat -c %s src/app.css)" 4 "racy: and so is the size"
before=$(builds)
run cr start -- true
assert_eq "$(( $(builds) - before ))" 1 "racy: the same-second rewrite rebuilds"

# SIGTERM while start builds (docker stop): the build's group gets it,
# no server, no stamp or lock half-written, and the next start builds.
echo 'g{}' >src/app.css
stamp_before=$(cat .cleanroom/stamp)
lock_before=$(cat out/cleanroom.lock)
sed -i 's|command: "|command: "sleep 30.613; |' cleanroom.yml
env -i PATH=/usr/bin:/bin HOME=/root "$CLEANROOM" start -- sh -c 'echo served' \
	>"$SCRATCH/term.out" 2>"$SCRATCH/term.err" &
pid=$!
for _ in $(seq 100); do
	pgrep -fx "sleep 30.613" >/dev/null && break
	sleep 0.05
done
kill -TERM "$pid"
wait "$pid"
RC=$? ERR=$(cat "$SCRATCH/term.err")
assert_rc 143 "SIGTERM during the build: 128+15"
assert_not_contains "$(cat "$SCRATCH/term.out")" "served" "the server is not started"
assert_contains "$ERR" "interrupted by signal 15" "says so"
assert_eq "$(pgrep -fxc 'sleep 30.613')" 0 "the build's processes are gone"
assert_eq "$(cat .cleanroom/stamp)" "$stamp_before" "the stamp is the previous one, whole"
assert_eq "$(cat out/cleanroom.lock)" "$lock_before" "the lock is the previous one, whole"
assert_eq "$(find .cleanroom out -name '*.tmp*' | wc -l)" 0 "no temporary files left"
sed -i 's|command: "sleep 30.613; |command: "|' cleanroom.yml
run cr start -- true
assert_contains "$ERR" "start: stale" "the next start builds"

# An image built with `cleanroom run` (the spec's command) starts fresh;
# a run with its own command after -- records nothing for start.
echo 'h{}' >src/app.css
rm -rf .cleanroom
run cr run
assert_rc 0 "run with the spec's command"
run cr start -- sh -c 'echo served'
assert_contains "$ERR" "start: fresh" "start after run is fresh"
assert_eq "$OUT" "served" "and serves"
echo 'i{}' >src/app.css
run cr run -- sh -c 'mkdir -p out; cp src/app.css out/'
run cr start -- true
assert_contains "$ERR" "start: stale" "after run -- CMD, start builds its own command"

# `run -- WORDS` with the words of the spec's command string, or of the
# preset's (the README's `RUN cleanroom run -- bundle exec rake
# assets:precompile`), is the build start runs: start is fresh after it.
mkdir -p "$SCRATCH/words/src" && cd "$SCRATCH/words" || exit 1
echo 'w{}' >src/a.css
printf 'mkdir -p out && cp src/a.css out/a-1.css\n' >build.sh
cat >cleanroom.yml <<'END'
framework: none
command: "sh build.sh"
outputs: {root: out, manifest: none}
inputs: [src]
END
run cr run -- sh build.sh
assert_rc 0 "run -- the spec command's words"
run cr start -- true
assert_contains "$ERR" "start: fresh" "start after run -- the same words is fresh"
echo 'v{}' >src/a.css
run cr run -- sh ./build.sh
run cr start -- true
assert_contains "$ERR" "start: stale" "other words record nothing"
if /usr/bin/python3 -c 'import django' 2>/dev/null; then
	cp -a "$REPO/examples/django" "$SCRATCH/dj"
	cd "$SCRATCH/dj" && rm -rf staticfiles .cleanroom cleanroom.yml
	djr() { env -i PATH=/usr/bin:/bin HOME=/root "$CLEANROOM" "$@"; }
	run djr run -- python3 manage.py collectstatic --noinput
	assert_rc 0 "django: run -- the preset's command"
	run djr start -- true
	assert_contains "$ERR" "start: fresh" "django: the first start after it does not rebuild"
else
	skip "django: run -- the preset's command: python3 cannot import django (scripts/example-deps.sh)"
fi

# A spec workdir: inputs, outputs, the lock and the state are the
# workdir's; the server runs where start was started.
mkdir -p "$SCRATCH/top/web/src" && cd "$SCRATCH/top" || exit 1
echo 'w{}' >web/src/site.css
cat >cleanroom.yml <<'END'
framework: none
workdir: web
command: "mkdir -p out && cp src/site.css out/site-1.css"
outputs: {root: out, manifest: none}
inputs: [src]
END
run cr start -- pwd
assert_rc 0 "workdir: first start builds"
assert_eq "$OUT" "$SCRATCH/top" "the server runs where start was started"
run cr start -- pwd
assert_contains "$ERR" "start: fresh" "workdir: then fresh"
assert_eq "$OUT" "$SCRATCH/top" "in the same directory"
assert_eq "$(ls -A web/.cleanroom | grep -cxE 'stamp|stamp-cache|stamp-parts')" 3 "the state is the workdir's"
echo 'x{}' >web/src/site.css
run cr start -- true
assert_contains "$ERR" "start: stale" "workdir: an input of the workdir changed"
rm web/out/site-1.css
run cr start -- true
assert_contains "$ERR" "start: stale" "workdir: a missing output makes it stale"
# After a failed build the previous verified set is back, whole, even when
# the build emptied its output directory (as Vite and webpack do) and left
# files that fail verification; --serve-stale serves exactly that set.
mkdir -p "$SCRATCH/clean/src" && cd "$SCRATCH/clean" || exit 1
echo 'a{}' >src/a.css
cat >cleanroom.yml <<'END'
framework: none
command: "rm -rf out/* && mkdir -p out && h=$(sha256sum src/a.css | cut -c1-8) && cp src/a.css out/a-$h.css && if [ -e src/fail ]; then echo debug >out/a.map; fi"
outputs: {root: out, manifest: none, forbid: ["*.map"]}
inputs: [src]
END
run cr start -- true
assert_rc 0 "serve-stale: the first build"
first=$(ls out)
lock=$(cat out/cleanroom.lock)
echo 'b{}' >src/a.css
touch src/fail
run cr start -- ls out
assert_rc 65 "without --serve-stale: verification fails, 65"
assert_not_contains "$OUT" "a-" "and the server is not started"
assert_eq "$(ls out)" "$first" "the previous set is back"
assert_eq "$(cat out/cleanroom.lock)" "$lock" "with its lock"
assert_contains "$ERR" "error: outputs: out/a.map: forbidden" "the failure is reported"
echo 'c{}' >src/a.css
run cr start --serve-stale -- ls out
assert_rc 0 "--serve-stale after an emptying build that failed verification"
assert_eq "$OUT" "$first" "the server sees exactly the previous set"
assert_eq "$(cat out/cleanroom.lock)" "$lock" "with its lock"
assert_contains "$ERR" "files restored and checked against its lock" \
	"says it restored and checked them"
assert_contains "$ERR" "2 files of the failed build removed" "and removed the failed build's files"
run sha256sum -c out/cleanroom.lock
assert_rc 0 "the restored set passes sha256sum -c"
assert_eq "$(ls -A .cleanroom | grep -c previous)" 0 "the kept copy is gone"
rm src/fail
run cr start --serve-stale -- true
assert_contains "$ERR" "start: stale" "the next start builds"
assert_rc 0 "and succeeds"
assert_eq "$(ls -A .cleanroom | grep -c previous)" 0 "leaving no kept copy"

finish
