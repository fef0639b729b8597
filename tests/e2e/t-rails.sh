#!/usr/bin/env bash
# The Rails example (examples/rails: Rails 6.1, Sprockets 3, SassC, from
# Debian's gems) built for real by `rake assets:precompile` under the
# default sandbox: with the preset alone (detected, no spec), then with a
# cleanroom.yml that reads an .aptible.env holding secrets. Each build's
# Sprockets manifest is checked, its lock passes sha256sum -c, verify and a
# second start pass. Then the failures a user meets: an asset deleted
# after the build, a full-stack Rails 6.1 app whose secret_key_base is
# withheld, and a precompile that writes outside the writable set (refused
# by Landlock, or reported as a write outside it without Landlock).
. "$(dirname "$0")/lib.sh"
need_example rails

assert_absent() { # PATH DESC
	if [ -e "$1" ]; then fail "$2" "$1 exists"; else pass "$2"; fi
}
assert_file() { # PATH DESC
	if [ -f "$1" ]; then pass "$2"; else fail "$2" "$1 is not a file"; fi
}

# Bundler and Ruby read HOME; the Docker-default harness has none.
mkdir "$SCRATCH/home"
cr() { env -i PATH="$E2E_PATH" HOME="$SCRATCH/home" "$CLEANROOM" "$@"; }

# Whatever a build in examples/rails left there (gitignored) must not
# count: every copy starts from the sources.
pristine_example rails public/assets log tmp app/assets/builds .cleanroom

# ---- the preset alone -----------------------------------------------
cd "$APP" || exit 1
run cr run
assert_rc 0 "preset, no spec: the precompile builds in the sandbox"
case "$IN_DOCKER" in
"" | default*) assert_contains "$ERR" "sandbox: landlock v" "writes restricted by Landlock" ;;
esac
assert_contains "$ERR" "seccomp net-deny" "network denied"
assert_contains "$ERR" "manifest     ok       public/assets/.sprockets-manifest-" \
	"the Sprockets manifest is the one checked"
assert_not_contains "$ERR" "no framework manifest found" "not manifest: none"
if [[ $ERR =~ fingerprint\ +ok\ +([1-9][0-9]*)\ recomputed\ from\ the\ bytes,\ 0\ mismatched ]]; then
	pass "fingerprints recomputed from the bytes (${BASH_REMATCH[1]})"
else
	fail "fingerprints recomputed from the bytes" "$ERR"
fi
assert_contains "$ERR" "writes       ok       nothing outside the writable set" "no stray writes"
assert_contains "$ERR" "lock: public/assets/cleanroom.lock (" "lock written"
css=$(ls public/assets/application-*.css 2>/dev/null)
assert_contains "$(cat "$css" 2>/dev/null)" "header .card{padding:1.5rem" \
	"SassC compiled theme.scss into application.css, compressed"
assert_contains "$(cat "$css" 2>/dev/null)" "url(/assets/logo-" \
	"image-url() points at the fingerprinted logo"
check_after_run "preset" public/assets/cleanroom.lock \
	"rails True ok public/assets/.sprockets-manifest-" \
	app/assets/stylesheets/application.css

# An asset the manifest lists, deleted after the build.
logo=$(cd public/assets && ls logo-*.png)
rm "public/assets/$logo"
run cr verify
assert_rc 65 "a manifest entry deleted: verify exits 65"
assert_contains "$ERR" "error: manifest: public/assets/$logo: missing" "names the missing file"
# start does not serve an incomplete set: it builds again, which brings
# the file back, then serves.
run cr start -- sh -c 'echo served'
assert_rc 0 "start with a recorded file gone: rebuilds and serves"
assert_contains "$ERR" "start: stale" "the incomplete set counts as stale"
assert_eq "$OUT" "served" "served after the rebuild"
assert_file "public/assets/$logo" "the rebuild restored $logo"

# ---- a spec and an .aptible.env ------------------------------------
fresh_copy rails-spec
cat >.aptible.env <<'END'
RAILS_ENV=production
SECRET_KEY_BASE=5f0b7c1e9d2a4b6c8e0f1a3b5c7d9e1f2a4b6c8d0e2f4a6b
DATABASE_URL=postgres://u:pw@h/db
APP_NAME='Shop from .aptible.env'
END
cat >cleanroom.yml <<'END'
framework: rails
env:
  files: [.aptible.env]
  require: [APP_NAME]
outputs:
  root: public/assets
  manifest: sprockets
  require: ["application-*.css", "application-*.js"]
  min_files: 4
inputs: [app/assets, config, Gemfile.lock]
END
run cr run
assert_rc 0 "spec with .aptible.env: builds"
assert_contains "$ERR" "2 withheld" "SECRET_KEY_BASE and DATABASE_URL are withheld"
assert_contains "$ERR" "manifest     ok       public/assets/.sprockets-manifest-" \
	"the Sprockets manifest is checked"
# postgres://u:pw@h/db: the URL is searched, its 2-byte password alone
# is not, and the secrets line says so.
assert_contains "$ERR" "secrets      ok       0 matches; not searched: too short: SECRET_KEY_BASE_DUMMY (1 byte), DATABASE_URL's URL password (2 bytes)" \
	"no secret in the outputs; the short password named as not searched"
# Sprockets writes a .gz beside each text asset: each is decompressed and
# compared with its asset.
assert_contains "$ERR" "siblings     ok       3 checked (3 gzip)" \
	"Sprockets' .gz siblings are the assets they compress"
assert_not_contains "$ERR$OUT" "postgres://u:pw@h/db" "the secret is never printed"
js=$(ls public/assets/application-*.js 2>/dev/null)
assert_contains "$(cat "$js" 2>/dev/null)" '"Shop from .aptible.env"' \
	"brand.js.erb got APP_NAME from .aptible.env"
run sha256sum -c --quiet public/assets/cleanroom.lock
assert_rc 0 "spec: the lock passes sha256sum -c"
run cr verify
assert_rc 0 "spec: a second verify passes"
run cr start -- sh -c 'echo served'
assert_rc 0 "spec: start serves"
run cr start -- sh -c 'echo served'
assert_contains "$ERR" "start: fresh" "spec: second start is fresh"
assert_eq "$OUT" "served" "spec: the server ran"

# ---- Rails before 7.1 needs secret_key_base at boot ------------------
# With every framework loaded (Active Storage builds a message verifier at
# boot), Rails 6.1 stops without secret_key_base; SECRET_KEY_BASE_DUMMY is
# 7.1's. The real one in .aptible.env is withheld; cleanroom says so, and
# its hint's stand-in value is all the precompile needs.
fresh_copy rails-full
sed -i 's|^require "rails"$|require "rails/all"|' config/application.rb
printf 'SECRET_KEY_BASE=5f0b7c1e9d2a4b6c8e0f1a3b5c7d9e1f2a4b6c8d0e2f4a6b\n' >.aptible.env
run cr run
assert_rc 1 "rails/all without secret_key_base: rake's exit status"
assert_contains "$ERR" "Missing \`secret_key_base\` for 'production' environment" "Rails' error is relayed"
assert_contains "$ERR" "cleanroom: the build's output names SECRET_KEY_BASE, which is withheld (secret from .aptible.env:1)" \
	"cleanroom names the withheld variable"
assert_contains "$ERR" "hint: --pass SECRET_KEY_BASE gives it to the build, or --set SECRET_KEY_BASE=placeholder gives it a stand-in value" \
	"and the fix"
run cr run --set SECRET_KEY_BASE=placeholder
assert_rc 0 "with the hint's --set SECRET_KEY_BASE=placeholder: builds"
assert_contains "$ERR" "manifest     ok       public/assets/.sprockets-manifest-" "and verifies"

# ---- a precompile that writes outside its outputs -------------------
# log/ and tmp/ are the preset's (Rails' log file, Sprockets' cache), so
# the stray write goes to config/, as a careless rake hook would.
fresh_copy rails-leak
mkdir -p lib/tasks
cat >lib/tasks/leak.rake <<'END'
Rake::Task["assets:precompile"].enhance do
  File.write(Rails.root.join("config", "leak.txt"), "written by the precompile")
end
END
run cr run
case "$ERR" in
*"sandbox: landlock v"*)
	assert_rc 1 "a write to config/: refused, rake's exit status"
	assert_contains "$ERR" "Errno::EACCES: Permission denied @ rb_sysopen - $PWD/config/leak.txt" \
		"the relayed error names the refused path"
	assert_contains "$ERR" "cleanroom: the build failed (exit status 1)" "cleanroom reports the failure"
	assert_contains "$ERR" 'the build was refused a write to config/leak.txt (its output shows "EACCES"): in the clean room it may write only to public/assets, tmp, log, app/assets/builds and its own TMPDIR' \
		"cleanroom's hint lists where the precompile may write"
	assert_absent config/leak.txt "config/leak.txt was not written"
	;;
*)
	if [ "$(id -u)" = 0 ]; then
		# As root the build runs as uid 65534: config/ is root's, so
		# the modes refuse the write even without Landlock; kept as
		# root (--user root), the write happens and is detected.
		assert_rc 1 "a write to config/ without Landlock, as the build user: refused by the modes"
		assert_contains "$ERR" "Errno::EACCES: Permission denied @ rb_sysopen - $PWD/config/leak.txt" \
			"the relayed error names the refused path"
		assert_absent config/leak.txt "config/leak.txt was not written"
		run cr run --user root
	fi
	assert_rc 65 "a write to config/ without Landlock: detected, 65"
	assert_contains "$ERR" "error: writes: config/leak.txt: created outside the outputs and writable dirs" \
		"the write is named"
	;;
esac
assert_absent public/assets/cleanroom.lock "no lock for a refused build"
# Where the preset lets the precompile write, and why: doctor lists the
# set, init writes the reason for each into the starter spec.
run cr doctor
assert_contains "$OUT" "writable     $PWD/log" "doctor: log/ is writable"
assert_contains "$OUT" "writable     $PWD/tmp" "doctor: tmp/ is writable"
assert_not_contains "$OUT" "writable     $PWD/config" "doctor: config/ is not"
run cr init
assert_rc 0 "init writes a starter spec"
assert_contains "$(cat cleanroom.yml)" "Rails opens log/production.log" "the spec says why log/ is writable"
assert_contains "$(cat cleanroom.yml)" "Sprockets caches compiled assets in tmp/cache/assets" \
	"and why tmp/ is"
finish
