#!/usr/bin/env bash
# `cleanroom doctor`: the facts (kernel, Landlock ABI, seccomp,
# capabilities, user namespaces), every layer with its state, the plan,
# the lint findings with FILE:LINE:COL, and as its last line the summary
# `run` would print. Exit 0; 71 with --strict when a layer is missing
# (here: Landlock in the no-landlock harness profile, or a processes limit
# for uid 0, which the kernel does not enforce); 78 for a lint error.
. "$(dirname "$0")/lib.sh"
FIX=$(cd "$(dirname "$0")/../fixtures/apps" && pwd) || exit 1
cd "$SCRATCH" || exit 1

cr() { env -i HOME=/home/u PATH=/usr/bin:/bin "$CLEANROOM" "$@"; }
MID=$(printf '\xc2\xb7')

# Where we run: the Docker-default harness names its profile; without
# Landlock there, it must be reported off (EPERM or ENOSYS), not skipped.
case "${CLEANROOM_DOCKER_DEFAULT:-}" in
no-landlock*) landlock=blocked ;;
pre-20.10.18*) landlock=enosys ;;
*) landlock=on ;;
esac
major=$(uname -r | cut -d. -f1)
minor=$(uname -r | cut -d. -f2)

rm -rf app && cp -R "$FIX/rails-sprockets" app && cd app || exit 1
printf 'RAILS_ENV=production\nSECRET_KEY_BASE=abcdefgh12345678\n' >.aptible.env

# --- The report -------------------------------------------------------------
run cr doctor
assert_rc 0 "doctor: exit 0"
assert_eq "$(printf '%s\n' "$OUT" | head -n 1)" "cleanroom doctor" "title"
assert_contains "$OUT" "
kernel         Linux $(uname -r) $(uname -m)
" "kernel line"
assert_contains "$OUT" "
seccomp        " "seccomp line"
assert_contains "$OUT" "
capabilities   " "capabilities line"
assert_contains "$OUT" "
user ns        " "user namespaces line"
for layer in fds identity limits caps nnp landlock seccomp session \
	environment netns; do
	case "$OUT" in
	*"
  $(printf '%-12s' "$layer") "*) pass "layer $layer listed" ;;
	*) fail "layer $layer listed" "$OUT" ;;
	esac
done
assert_contains "$OUT" "
  hidden       $PWD/.aptible.env
" "the env file is in the plan, hidden"
assert_contains "$OUT" "
  writable     $PWD/public/assets (not there yet: run makes it)
" "the output root is writable"
assert_contains "$OUT" "
  .aptible.env: ok, 2 variables
" "env file linted"
assert_contains "$OUT" "
  no problems found
" "no findings"
last=$(printf '%s\n' "$OUT" | tail -n 1)
case "$last" in
"sandbox: "*) pass "the last line is the summary" ;;
*) fail "the last line is the summary" "$last" ;;
esac
# As root the build runs as the default build user, 65534.
BUILD_UID=$(id -u)
[ "$BUILD_UID" = 0 ] && BUILD_UID=65534
assert_contains "$last" "seccomp net-deny $MID caps 0 $MID nnp $MID uid $BUILD_UID" \
	"summary: seccomp, caps, nnp, uid"

case $landlock in
on)
	if [ "$major" -gt 6 ] || { [ "$major" = 6 ] && [ "$minor" -ge 15 ]; }; then
		abi=7
	else
		abi=$(printf '%s\n' "$OUT" | sed -n 's/^landlock       ABI //p')
	fi
	if printf '%s\n' "$OUT" | grep -q '^  landlock     on'; then
		assert_contains "$OUT" "
landlock       ABI $abi
" "Landlock ABI $abi"
		# Last, the build's cgroup or that there is none
		# (t-cgroup.sh checks which against the machine).
		case "$last" in
		"sandbox: landlock v$abi fs+tcp $MID seccomp net-deny $MID caps 0 $MID nnp $MID uid $BUILD_UID $MID cgroup v"*" ("*")" | \
			"sandbox: landlock v$abi fs+tcp $MID seccomp net-deny $MID caps 0 $MID nnp $MID uid $BUILD_UID $MID no writable cgroup: per-process rlimits only")
			pass "summary, everything on" ;;
		*) fail "summary, everything on" "got: $last" ;;
		esac
	else
		skip "Landlock is off on this machine: $(printf '%s\n' "$OUT" | grep '^  landlock')"
	fi
	;;
blocked)
	assert_contains "$OUT" "
  landlock     off: blocked by the container's seccomp (EPERM); env files stay readable; /dev is not restricted
" "no-landlock profile: Landlock blocked, EPERM"
	assert_contains "$last" "landlock off (blocked by the container's seccomp: EPERM): env files stay readable" \
		"no-landlock profile: named in the summary"
	;;
enosys)
	assert_contains "$OUT" "
  landlock     off: blocked by the container's seccomp (ENOSYS)" \
		"pre-20.10.18 profile: Landlock blocked, ENOSYS"
	;;
esac

# --- --strict ----------------------------------------------------------------
run cr doctor --strict
if [ "$landlock" = on ]; then
	assert_rc 0 "--strict: every layer is on here"
	assert_eq "$ERR" "" "--strict: nothing on stderr"
else
	assert_rc 71 "--strict without Landlock: 71"
	assert_eq "$(printf '%s\n' "$ERR" | head -n 1)" \
		"cleanroom: sandbox: landlock is unavailable here and --strict requires every layer" \
		"--strict: names the layer"
fi

# A processes limit for uid 0 (`user: root`) is not enforced by the
# kernel: named, and a missing layer for --strict.
if [ "$(id -u)" = 0 ]; then
	run cr doctor --limit processes=64 --user root
	assert_rc 0 "processes limit as root: exit 0"
	if grep -q '^  cgroup       on; .*pids' <<<"$OUT"; then
		# The build's cgroup holds it (pids.max binds uid 0).
		assert_not_contains "$OUT" "processes limit off" \
			"processes limit as root: held by the cgroup"
		run cr doctor --strict --limit processes=64 --user root
		[ "$landlock" = on ] && assert_rc 0 \
			"processes limit as root in a cgroup, --strict: 0"
	else
		assert_contains "$(printf '%s\n' "$OUT" | tail -n 1)" \
			"processes limit off (uid 0 is exempt): drop sandbox.user: root" \
			"processes limit as root: named in the summary"
	fi
	if [ "$landlock" = on ] && ! grep -q '^  cgroup       on; .*pids' <<<"$OUT"; then
		run cr doctor --strict --limit processes=64 --user root
		assert_rc 71 "processes limit as root, --strict: 71"
		assert_contains "$ERR" "sandbox: limits is unavailable" \
			"--strict names limits"
	fi
	run cr doctor --strict --limit processes=64 --user nobody
	assert_contains "$(printf '%s\n' "$OUT" | tail -n 1)" \
		"uid $(id -u nobody)" "--user nobody: the build's uid"
	assert_not_contains "$OUT" "processes limit off" \
		"--user nobody: the processes limit holds"
	[ "$landlock" = on ] && assert_rc 0 "--user nobody --strict: 0"
else
	skip "not root: no identity checks"
fi

# --- --network allow ---------------------------------------------------------
run cr doctor --network allow
assert_rc 0 "--network allow: exit 0"
last=$(printf '%s\n' "$OUT" | tail -n 1)
assert_contains "$last" "seccomp $MID caps 0" "--network allow: seccomp without net-deny"
[ "$landlock" = on ] && assert_contains "$last" " fs $MID seccomp" \
	"--network allow: Landlock without tcp"

# --- Lint ------------------------------------------------------------------
printf 'RAILS_ENV=production\nA=$(whoami)\n' >.aptible.env
run cr doctor
assert_rc 78 "bad env file: 78"
assert_contains "$OUT" "
  .aptible.env:2:3: command substitution \$(...) would run a command
    hint: " "bad env file: file:line:col in the report"
assert_eq "$(printf '%s\n' "$ERR" | head -n 1)" \
	'cleanroom: .aptible.env:2:3: command substitution $(...) would run a command' \
	"bad env file: file:line:col on stderr"
assert_contains "$(printf '%s\n' "$OUT" | tail -n 1)" "sandbox: " \
	"bad env file: the summary is still printed"

printf 'RAILS_ENV=production\n' >.aptible.env
printf 'sandbox:\n  netwrk: deny\n' >cleanroom.yml
run cr doctor
assert_rc 78 "bad spec: 78"
assert_contains "$OUT" "
  cleanroom.yml:2:3: unknown key 'netwrk' in sandbox
" "bad spec: file:line:col"
rm -f cleanroom.yml

run cr doctor --user no-such-user-here
assert_rc 78 "unknown user: 78"
assert_contains "$OUT" "
  user no-such-user-here: no such user in /etc/passwd
" "unknown user: a finding"

if [ "$landlock" = on ]; then
	run cr doctor --allow-write .
	assert_rc 78 "env file inside a writable dir: 78"
	assert_contains "$OUT" "
  the env file $PWD/.aptible.env is inside the writable path $PWD/.: the build could read it
" "env file inside a writable dir: a finding"
fi

run cr doctor --env missing.env
assert_rc 78 "missing env file: 78"
assert_contains "$OUT" "missing.env" "missing env file: named"

finish
