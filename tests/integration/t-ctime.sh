#!/usr/bin/env bash
# The ctime sweep (issue 13 item 4): a build that keeps uid 0 changes
# metadata outside the writable set - chmod u+s of a root-owned file, the
# env file's mode, a file's times, an xattr, a hard link - which Landlock
# does not govern; verification must fail (65) naming each path, with
# the hint. A clean build of the envfile example (framework none) must
# not trip it, and a build of another uid is not swept.
#
# The system roots are narrowed with --ctime-root (sandbox.ctime_roots):
# a scratch "system" directory, /etc for one case. /root, /home and /var
# are left out on purpose: on a shared host other processes change them
# while the build runs, and the sweep cannot tell their changes from the
# build's (inside `docker build` nothing else runs).
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

if [ "$(id -u)" != 0 ]; then
	skip "needs root: the sweep runs only for builds of uid 0"
	finish
	exit
fi
chmod 755 "$SCRATCH"
W=$SCRATCH/app
SYS=$SCRATCH/sys
mkdir -p "$W/public" "$SYS/bin"
cat >"$W/.aptible.env" <<'END'
export SECRET_KEY_BASE=kb_9f8e7d6c5b4a3210
END
chmod 600 "$W/.aptible.env"
echo "source" >"$W/Gemfile"
echo "asset" >"$W/public/app.css"
printf '#!/bin/sh\necho tool\n' >"$SYS/bin/tool"
chmod 755 "$SYS/bin/tool"
cd "$W" || exit 1

# cr [RUN-OPTION...] -- CMD...: run in the app, sweeping the app and $SYS.
cr() { run "$CLEANROOM" run --output public --ctime-root "$SYS" "$@"; }

# caught DESC PATH: the run failed verification naming PATH (as shown).
caught() {
	assert_rc 65 "$1: verification fails"
	assert_contains "$ERR" "error: metadata: $2: changed during the build" \
		"$1: the finding names $2"
	assert_contains "$ERR" "hint: the build, running as uid 0, changed" \
		"$1: the hint says what the build did"
	assert_contains "$ERR" "metadata     failed" "$1: the metadata row fails"
}

# The default build user is not uid 0: no sweep.
cr -- true
assert_rc 0 "a harmless build as the default user"
if grep -q "· uid 0$" <<<"$ERR"; then
	echo "# the default build user is uid 0 here: swept"
else
	assert_not_contains "$ERR" "ctime sweep of" "the default (unprivileged) build user is not swept"
fi
# The sandbox's layers here.
cr --user root -- true
assert_rc 0 "a harmless build of uid 0 passes the sweep"
assert_contains "$ERR" "cleanroom: metadata: ctime sweep of " \
	"the sweep's phase line"
assert_contains "$ERR" "changed during the build" "the phase line counts changes"
assert_contains "$ERR" "metadata     ok" "the metadata row is ok"
case "$ERR" in
*"landlock v"*) LL=1 ;;
*) LL=0 ;;
esac

# 1. chmod u+s of a root-owned file outside the writable set: seccomp
# refuses setuid modes (issue 13 item 2) and the build fails; where it
# gets through, the sweep must catch it. A plain chmod gets through.
cr --user root -- chmod u+s "$SYS/bin/tool"
if [ -u "$SYS/bin/tool" ]; then
	caught "chmod u+s outside" "$SYS/bin/tool"
	chmod u-s "$SYS/bin/tool"
else
	assert_contains "$ERR" "the build failed" "chmod u+s outside: refused, the build fails"
fi
cr --user root -- chmod 777 "$SYS/bin/tool"
assert_eq "$(stat -c %a "$SYS/bin/tool")" 777 "chmod 777 outside went through"
caught "chmod 777 of a root-owned file outside" "$SYS/bin/tool"
chmod 755 "$SYS/bin/tool"

# 2. chmod 644 of the env file (hidden from reads, not from chmod).
cr --user root -- chmod 644 .aptible.env
assert_eq "$(stat -c %a .aptible.env)" 644 "the env file's mode was changed"
caught "chmod of the env file" ".aptible.env"
chmod 600 .aptible.env

# 3. touch -d: a working-tree file, then a file in /etc (the real root).
cr --user root -- touch -d 2001-01-01 Gemfile
caught "touch -d in the working tree" "Gemfile"
ETCF=/etc/cleanroom-t-ctime.$$
cleanup_etc() { rm -f "$ETCF"; }
trap 'cleanup_etc; rm -rf "$SCRATCH"' EXIT
if echo x 2>/dev/null >"$ETCF"; then
	run "$CLEANROOM" run --output public --ctime-root /etc --user root -- touch -d 2001-01-01 "$ETCF"
	caught "touch -d in /etc" "$ETCF"
	cleanup_etc
else
	# The Docker-default harness mounts the host's /etc read-only.
	absent "/etc is read-only here: no file of /etc to touch"
fi

# The working tree itself (the parent of the output root): its times.
cr --user root -- touch -d 2001-01-01 .
if [ "$LL" = 1 ]; then
	caught "touch -d of the working tree itself" "."
else
	# Without Landlock a tool may make an output root again, which
	# changes its parent's ctime: only the parent's mode or owner counts.
	assert_rc 0 "touch -d of the working tree: not told from a remade output root without Landlock"
fi

# 4. An extended attribute (user.*: the owner may set it, Landlock does
# not see it).
if command -v setfattr >/dev/null && setfattr -n user.probe -v 1 "$SCRATCH/sys" 2>/dev/null; then
	SETX=(setfattr -n user.planted -v 1)
elif command -v python3 >/dev/null &&
	python3 -c 'import os,sys; os.setxattr(sys.argv[1], "user.probe", b"1")' "$SCRATCH/sys" 2>/dev/null; then
	SETX=(python3 -c 'import os,sys; os.setxattr(sys.argv[1], "user.planted", b"1")')
else
	SETX=()
fi
if [ ${#SETX[@]} = 0 ]; then
	skip "no setfattr or python3 with user xattrs on $SCRATCH: setxattr case not run"
else
	cr --user root -- "${SETX[@]}" "$SYS/bin/tool"
	caught "setxattr outside" "$SYS/bin/tool"
fi

# 5. A hard link to a file outside (its link count changes). Landlock
# refuses links across its rules (EXDEV) and between mounts: the sweep is
# what catches it where Landlock is off (the no-landlock Docker profile).
cr --user root -- ln Gemfile public/Gemfile.link
if [ -e public/Gemfile.link ]; then
	caught "hard link of a working-tree file" "Gemfile"
	rm -f public/Gemfile.link
elif [ "$LL" = 1 ]; then
	assert_contains "$OUT$ERR" "cross-device link" "hard link refused by Landlock (EXDEV)"
	DD=$ROOT/scripts/docker-default.sh
	if [ -n "${CLEANROOM_DOCKER_DEFAULT:-}" ]; then
		# Inside the harness: its no-landlock run makes the link.
		echo "# inside the Docker-default harness ($CLEANROOM_DOCKER_DEFAULT): not nested"
	elif "$DD" --check >/dev/null 2>&1; then
		# The same without Landlock, in the Docker-default harness.
		run "$DD" --profile no-landlock --workdir "$W" --ro "$CLEANROOM" -- \
			"$CLEANROOM" run --output public --ctime-root /etc --user root -- \
			ln Gemfile public/Gemfile.link
		rm -f public/Gemfile.link
		caught "hard link without Landlock (docker-default no-landlock)" "Gemfile"
	else
		skip "Landlock refuses the link here and the Docker-default harness is unavailable"
	fi
else
	fail "the hard link was neither made nor refused" "stderr: $ERR"
fi

# 6. More changes than are named: the first 20, then the count.
mkdir -p "$SYS/many"
for i in $(seq 1 25); do echo "$i" >"$SYS/many/f$i"; done
cr --user root -- sh -c 'chmod 600 "$0"/f*' "$SYS/many"
assert_rc 65 "25 changed files: verification fails"
assert_eq "$(grep -c 'error: metadata: .*/many/f[0-9]*: changed during the build' <<<"$ERR")" 20 \
	"the first 20 are named"
assert_contains "$ERR" "error: metadata: 5 more inodes changed during the build" \
	"the rest are counted"

# 7. `user: root` in the spec keeps uid 0: swept.
cat >"$W/root.yml" <<END
framework: none
command: [chmod, "0640", Gemfile]
sandbox:
  user: root
  ctime_roots: ["$SYS"]
outputs:
  root: public
END
run "$CLEANROOM" run -f "$W/root.yml"
caught "user: root in the spec" "Gemfile"
chmod 644 Gemfile

# 8. A build of another uid is not swept (it cannot chmod root's files).
run "$CLEANROOM" run --output public --ctime-root "$SYS" --user nobody -- true
chown -R "$(id -u):$(id -g)" public
assert_rc 0 "a build as nobody passes"
assert_not_contains "$ERR" "ctime sweep of" "no sweep for a build of another uid"
assert_contains "$ERR" "metadata     skipped  not needed: the build did not run as uid 0" \
	"the metadata row says why"

# 9. No false positives: an output root cleanroom creates, a writable
# dir, and the envfile example built as it is (framework none), with
# the system roots that nothing else on this host changes.
cr --user root --output dist --allow-write tmp -- sh -c 'echo a >dist/a.js; echo t >tmp/x'
assert_rc 0 "a new output root and a writable dir are not reported"
assert_contains "$ERR" "metadata     ok" "metadata ok with new dirs"
EX=$SCRATCH/example
cp -a "$ROOT/examples/envfile" "$EX"
SYSROOTS=()
for d in /usr /etc /bin /sbin /lib /lib32 /lib64 /libx32 /opt; do
	[ -e "$d" ] && SYSROOTS+=(--ctime-root "$d")
done
run "$CLEANROOM" -C "$EX" run --user root --framework none --output public "${SYSROOTS[@]}" -- ./build.sh
assert_rc 0 "the envfile example builds, verifies and locks"
assert_contains "$ERR" "metadata     ok" "the example trips no metadata finding"
assert_not_contains "$ERR" "error: metadata" "no metadata error for the example"

finish
