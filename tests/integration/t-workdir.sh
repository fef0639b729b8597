#!/usr/bin/env bash
# The spec's workdir, defined once: it is relative to the spec file's
# directory; the env files, outputs, inputs, writable paths, the lock and
# .cleanroom/ are relative to it; messages name files as the user would
# type them from where cleanroom started; every command honours it the
# same way. Also: one stale start reads the spec once and each env file
# once, and the server it starts after a build is not a subreaper.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$SCRATCH/top/sub/src" && cd "$SCRATCH/top" || exit 1
echo 'a{}' >sub/src/app.css
# Only sub/ has an env file: a ./.aptible.env must not be needed.
printf 'FOO=from-sub\nSECRET_KEY=s3cr3t-value-123\n' >sub/.aptible.env
cat >cleanroom.yml <<'END'
framework: none
workdir: sub
command: "mkdir -p out && cp src/app.css out/app-1.css && printf %s \"$FOO\" >out/foo.txt"
env: {inherit: [PATH]}
outputs: {root: out, manifest: none}
inputs: [src]
END
cr() { env -i PATH=/usr/bin:/bin HOME=/root "$CLEANROOM" "$@"; }

run cr run
assert_rc 0 "run with workdir: sub"
assert_eq "$(cat sub/out/foo.txt 2>/dev/null)" "from-sub" "run reads sub/.aptible.env"
assert_contains "$ERR" "sub/out/cleanroom.lock" "the lock is named from where cleanroom started"
run cr verify
assert_rc 0 "verify after run finds the workdir's outputs"
run cr env
assert_contains "$OUT" "FOO=from-sub" "env reads sub/.aptible.env"
assert_contains "$OUT" "SECRET_KEY" "and names its withheld secret"
run cr doctor
assert_contains "$OUT" "sub/.aptible.env: ok, 2 variables" "doctor lints sub/.aptible.env"
assert_contains "$OUT" "$SCRATCH/top/sub/.aptible.env" "and hides it in the plan"

# An error in the env file is located from the start directory.
printf 'FOO=from-sub\nBAD=$(date)\n' >sub/.aptible.env
run cr run
assert_rc 78 "run: a bad sub/.aptible.env is a config error"
assert_contains "$ERR" "sub/.aptible.env:2:" "located as sub/.aptible.env:LINE"
run cr doctor
assert_rc 78 "doctor: the same finding"
assert_contains "$OUT" "sub/.aptible.env:2:" "located the same way"
printf 'FOO=from-sub\nSECRET_KEY=s3cr3t-value-123\n' >sub/.aptible.env

# start: the state is the workdir's, and an edited env file is seen.
run cr start -- true
assert_rc 0 "start builds (or finds the run fresh)"
run cr start -- true
assert_contains "$ERR" "start: fresh" "start is then fresh"
printf 'FOO=changed\nSECRET_KEY=s3cr3t-value-123\n' >sub/.aptible.env
run cr start -- true
assert_contains "$ERR" "start: stale" "editing sub/.aptible.env makes start stale"
assert_eq "$(cat sub/out/foo.txt)" "changed" "and the build sees the new value"
run cr reproduce
assert_rc 0 "reproduce with workdir: sub"
assert_contains "$OUT" "reproducible" "says the builds match"

# -C DIR then the spec's workdir, relative to the spec file's directory.
cd "$SCRATCH" || exit 1
run cr -C top verify
assert_rc 0 "-C top: verify"
mkdir -p conf && mv top/cleanroom.yml conf/ && sed -i 's|workdir: sub|workdir: ../top/sub|' conf/cleanroom.yml
run cr verify -f conf/cleanroom.yml
assert_rc 0 "workdir is relative to the spec file's directory"
mv conf/cleanroom.yml top/ && sed -i 's|workdir: ../top/sub|workdir: sub|' top/cleanroom.yml
cd "$SCRATCH/top" || exit 1

# The server of a start that built is not a subreaper.
TS=${TRY_SYSCALL:-$ROOT/build/tools/try-syscall}
if [ -x "$TS" ]; then
	echo '# a spec change makes start build' >>cleanroom.yml
	run cr start -- "$TS" subreaper
	assert_contains "$ERR" "start: stale" "a start that builds"
	assert_eq "$OUT" "ok 0" "starts a server that is not a subreaper"
else
	skip "no try-syscall at $TS (make build/tools/try-syscall)"
fi

# One stale start reads the spec once and each env file once (opens for
# reading; Landlock's O_PATH opens do not count).
if command -v strace >/dev/null && strace -f -o /dev/null true 2>/dev/null; then
	echo 'c{}' >sub/src/app.css
	env -i PATH=/usr/bin:/bin HOME=/root strace -f -qq -e trace=open,openat,openat2 \
		-o "$SCRATCH/trace" "$CLEANROOM" start -- true 2>"$SCRATCH/err"
	grep -q "start: stale" "$SCRATCH/err" && pass "strace: a stale start" ||
		fail "strace: a stale start" "$(cat "$SCRATCH/err")"
	reads() { grep -F "$1" "$SCRATCH/trace" | grep -v O_PATH | grep -vc ENOENT; }
	assert_eq "$(reads '"cleanroom.yml"')" 1 "the spec is read once"
	assert_eq "$(reads '.aptible.env"')" 1 "the env file is read once"
else
	skip "strace cannot trace here"
fi
finish
