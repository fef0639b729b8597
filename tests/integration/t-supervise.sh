#!/usr/bin/env bash
# Supervision through `cleanroom run`: the build's exit status as DESIGN.md
# maps it (its code, 128+N, 124, 126, 127), the phase line and -q, the
# relay with secrets masked, the withheld-name hint, signals sent to
# cleanroom passed on to the build, stdin, and a reader of cleanroom's
# output going away. The escapes are t-hostile.sh's.
. "$(dirname "$0")/lib.sh"

W=$SCRATCH/app
mkdir -p "$W/public"
cat >"$W/.aptible.env" <<'END'
export SECRET_KEY_BASE=kb_9f8e7d6c5b4a3210
export RAILS_ENV=production
END
cd "$W" || exit 1
# The ctime sweep after a build of uid 0 walks the working tree and an
# empty dir, not the system's dirs (seconds here): these runs time the
# supervision.
mkdir -p "$SCRATCH/no-system"
cr() { run "$CLEANROOM" run --output public --ctime-root "$SCRATCH/no-system" "$@"; }
ms() { date +%s%3N; }
phase() { grep '^cleanroom: build: ' <<<"$ERR"; }

# --- Status and the phase line ----------------------------------------------
cr -- sh -c 'echo out; echo err >&2; echo x >public/a.css'
assert_rc 0 "exit 0: built and verified"
assert_eq "$OUT" "out" "stdout relayed to stdout"
assert_contains "$ERR" $'err\ncleanroom: build: exit 0 in 0.' \
	"stderr relayed to stderr, then the phase line"
assert_contains "$ERR" "verify:" "verification follows a successful build"

cr -- sh -c 'exit 3'
assert_rc 3 "exit 3: cleanroom exits 3"
assert_contains "$(phase)" "cleanroom: build: exit 3 in " "phase line"
assert_not_contains "$ERR" "verify:" "no verification after a failed build"

cr -q -- sh -c 'echo quiet-out; exit 3'
assert_rc 3 "-q: same status"
assert_eq "$(phase)" "" "-q: no phase line"
assert_eq "$OUT" "quiet-out" "-q: the build's output is still relayed"

cr -- sh -c 'kill -USR1 $$'
assert_rc 138 "killed by SIGUSR1: 138"
assert_contains "$(phase)" "cleanroom: build: killed by SIGUSR1 (exit 138) in " "phase line"

cr -- no-such-command-cleanroom
assert_rc 127 "command not found: 127"
assert_contains "$ERR" "cleanroom: build: no-such-command-cleanroom: command not found in PATH (" \
	"says so, with the build's PATH"
cr --set PATH=/nonexistent -- sh -c true
assert_rc 127 "the search uses the build's PATH, not cleanroom's"
assert_contains "$ERR" "sh: command not found in PATH (/nonexistent)" "and names it"

printf 'echo hi\n' >"$W/notexec.sh"
chmod 644 "$W/notexec.sh"
cr -- ./notexec.sh
assert_rc 126 "not executable: 126"
assert_contains "$ERR" "cleanroom: build: ./notexec.sh: Permission denied" "says so"
cr -- /nonexistent/tool
assert_rc 127 "missing by path: 127"

T0=$(ms)
cr --timeout 1s -- sh -c 'echo started; exec sleep 1000'
T1=$(ms)
assert_rc 124 "timeout: 124"
assert_contains "$(phase)" "cleanroom: build: timed out after 1.00 s, killed (exit 124)" "phase line"
assert_contains "$ERR" "the build timed out" "and the error"
assert_eq "$OUT" "started" "output before the timeout relayed"
[ $((T1 - T0)) -ge 1000 ] && [ $((T1 - T0)) -lt 5000 ]
RC=$?
assert_rc 0 "killed at the timeout ($((T1 - T0)) ms)"

# --- stdin is /dev/null -------------------------------------------------------
# cleanroom's stdin is a pipe that stays open; cat as the build must not
# read it.
T0=$(ms)
run "$CLEANROOM" run --output public --ctime-root "$SCRATCH/no-system" -- cat < <(sleep 30)
SLEEPER=$!
T1=$(ms)
kill "$SLEEPER" 2>/dev/null
assert_rc 0 "cat as the build: its stdin is /dev/null, not cleanroom's"
[ $((T1 - T0)) -lt 5000 ]
RC=$?
assert_rc 0 "it did not wait for cleanroom's stdin ($((T1 - T0)) ms)"

# --- Masking and the withheld-name hint --------------------------------------
# A --set value is a placeholder written in the open unless --secret names
# it too (t-public.sh): this one is.
cr --set API_TOKEN=tok_31415926535 --secret API_TOKEN -- sh -c \
	'printf "token=tok_3141"; sleep 0.1; printf "5926535 end\n"; echo "err $API_TOKEN" >&2'
assert_rc 0 "a secret set with --set and --secret reaches the build"
assert_eq "$OUT" "token=*** end" "and is masked on stdout, even split across writes"
assert_contains "$ERR" "err ***" "and on stderr"
assert_not_contains "$OUT$ERR" "tok_3141" "no piece of it shows"

cr -- sh -c 'echo "KeyError: key not found: \"SECRET_KEY_BASE\"" >&2; exit 1'
assert_rc 1 "a build failing for a withheld variable"
assert_contains "$ERR" "the build's output names SECRET_KEY_BASE, which is withheld (secret from .aptible.env:1)" \
	"names the withheld variable and where it comes from"
assert_contains "$ERR" "--pass SECRET_KEY_BASE" "hint: --pass"
assert_contains "$ERR" "--set SECRET_KEY_BASE=placeholder" "hint: --set a placeholder"

cr -- sh -c 'echo "Missing secret_key_base for production" >&2; exit 1'
assert_contains "$ERR" "names SECRET_KEY_BASE, which is withheld" \
	"the lower-case config key spelling counts too"

cr -- sh -c 'echo "MY_SECRET_KEY_BASE_X is unset" >&2; exit 1'
assert_not_contains "$ERR" "which is withheld" "a longer identifier containing the name does not"

cr -- sh -c 'echo "SECRET_KEY_BASE not needed"; echo y >public/a.css'
assert_rc 0 "a successful build naming it"
assert_not_contains "$ERR" "which is withheld" "gets no hint"

# --- Signals to cleanroom reach the build ----------------------------------
# bg_run SIGNAL SCRIPT: runs cleanroom in the background, waits until the
# build printed "ready", signals cleanroom, and collects the result.
bg_run() {
	local sig=$1 script=$2 pid i
	rm -f "$SCRATCH/bg.out" "$SCRATCH/bg.err"
	"$CLEANROOM" run --output public -- sh -c "$script" \
		>"$SCRATCH/bg.out" 2>"$SCRATCH/bg.err" &
	pid=$!
	for i in $(seq 200); do
		grep -q ready "$SCRATCH/bg.out" 2>/dev/null && break
		sleep 0.025
	done
	kill -"$sig" "$pid"
	wait "$pid"
	RC=$?
	OUT=$(cat "$SCRATCH/bg.out")
	ERR=$(cat "$SCRATCH/bg.err")
}
bg_run TERM 'trap "echo got TERM; exit 7" TERM; echo ready; while :; do sleep 0.05; done'
assert_rc 7 "SIGTERM to cleanroom: the build's trap ran and its status is cleanroom's"
assert_contains "$OUT" "got TERM" "the build saw SIGTERM"
assert_contains "$(phase)" "; SIGTERM was passed on to it" "phase line says so"

bg_run INT 'echo ready; exec sleep 1000'
assert_rc 130 "SIGINT to cleanroom: the build dies of it (130)"

bg_run HUP 'sleep 1000 & echo pid=$!; echo ready; wait'
assert_rc 129 "SIGHUP to cleanroom: the build dies of it (129)"
P=$(sed -n 's/^pid=//p' <<<"$OUT")
[ -n "$P" ] && [ ! -d "/proc/$P" ]
RC=$?
assert_rc 0 "the whole process group got it"

# --- Output that outlives the build, and a reader that goes away -------------
T0=$(ms)
cr -- sh -c 'setsid sleep 1000 & echo pid=$!; echo y >public/a.css'
T1=$(ms)
assert_rc 0 "a leftover process holding the output: still exit 0"
P=$(sed -n 's/^pid=//p' <<<"$OUT")
[ -n "$P" ] && [ ! -d "/proc/$P" ]
RC=$?
assert_rc 0 "it is killed"
assert_contains "$(phase)" "its output was still held open after it exited, and was cut off; killed 1 process it left running" \
	"the phase line says so"
[ $((T1 - T0)) -lt 5000 ]
RC=$?
assert_rc 0 "after the drain window ($((T1 - T0)) ms)"

run bash -c "\"$CLEANROOM\" run --output public -- sh -c 'i=0; while [ \$i -lt 20000 ]; do echo line \$i; i=\$((i+1)); done; echo z >public/a.css' | head -n 1; echo \"status=\${PIPESTATUS[0]}\""
assert_contains "$OUT" "line 0"$'\n'"status=0" \
	"cleanroom | head -n 1: no SIGPIPE death; the build ran to its end and was verified"

finish
