#!/usr/bin/env bash
# `cleanroom start -- SERVER`: builds when the stamp changed (input
# content, new or deleted input, environment, spec, command), execs the
# server at once when fresh, with the caller's full environment and
# cleanroom's pid; a failed build starts nothing unless --serve-stale; two
# starts at once build once.
. "$(dirname "$0")/lib.sh"
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

# The server replaces cleanroom: same pid.
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
assert_contains "$ERR" "serving the previous verified outputs" "with a warning"
sed -i 's|command: "exit 3; |command: "sleep 1; |' cleanroom.yml

# Two starts at once build once.
before=$(builds)
cr start -- true 2>/dev/null &
cr start -- true 2>/dev/null &
wait
assert_eq "$(( $(builds) - before ))" 1 "two concurrent starts build once"
finish
