#!/usr/bin/env bash
# `cleanroom init`: on copies of the fixture apps it writes a starter
# cleanroom.yml with the preset's framework, command, output root and
# manifest; a second init refuses (78) and leaves the file as it was;
# --framework settles ambiguity and works on an empty directory; an
# ambiguous tree and a tree with no framework are refused (78) with the
# exact message and hint; an unknown framework is a usage error (64).
. "$(dirname "$0")/lib.sh"
FIX=$(cd "$(dirname "$0")/../fixtures/apps" && pwd) || exit 1
cd "$SCRATCH" || exit 1

cr() { env -i HOME=/home/u PATH=/usr/bin:/bin "$CLEANROOM" "$@"; }

# app NAME: a fresh copy of fixture NAME; prints its physical path.
app() {
	rm -rf "$SCRATCH/$1"
	cp -R "$FIX/$1" "$SCRATCH/$1" && (cd "$SCRATCH/$1" && pwd -P)
}

# check_app NAME FRAMEWORK REASON COMMAND ROOT MANIFEST
check_app() {
	local dir
	dir=$(app "$1")
	run cr -C "$dir" init
	assert_rc 0 "$1: init"
	assert_eq "$ERR" "cleanroom: wrote cleanroom.yml for $2 ($3)" \
		"$1: one line on stderr"
	assert_eq "$OUT" "" "$1: nothing on stdout"
	local yml
	yml=$(cat "$dir/cleanroom.yml")
	assert_contains "$yml" "
framework: $2
" "$1: framework line"
	assert_contains "$yml" "
command: $4
" "$1: command line"
	assert_contains "$yml" "
outputs:
" "$1: outputs section"
	assert_contains "$yml" "
  root: $5
" "$1: root line"
	assert_contains "$yml" "
  manifest: $6
" "$1: manifest line"
	assert_eq "$(awk 'length > 80' "$dir/cleanroom.yml")" "" \
		"$1: no line over 80 columns"
	assert_eq "$(tail -c 1 "$dir/cleanroom.yml" | od -An -c | tr -d ' ')" \
		'\n' "$1: ends with a newline"

	cp "$dir/cleanroom.yml" "$SCRATCH/before.yml"
	run cr -C "$dir" init --framework django
	assert_rc 78 "$1: a second init refuses"
	assert_eq "$ERR" "cleanroom: cleanroom.yml already exists
hint: edit it, or remove it and run 'cleanroom init' again" \
		"$1: refusal message and hint"
	if cmp -s "$SCRATCH/before.yml" "$dir/cleanroom.yml"; then
		pass "$1: the existing file is unchanged"
	else
		fail "$1: the existing file is unchanged"
	fi
	assert_eq "$(cd "$dir" && ls -A | grep -c '^\.cleanroom\.yml\.')" 0 \
		"$1: no temporary file left behind"
}

check_app rails-sprockets rails \
	"Gemfile and config/application.rb; sprockets in Gemfile.lock" \
	"bundle exec rake assets:precompile" public/assets sprockets
check_app rails-propshaft rails \
	"Gemfile and config/application.rb; propshaft in Gemfile.lock" \
	"bundle exec rake assets:precompile" public/assets propshaft
check_app rails-nolock rails \
	"Gemfile and config/application.rb; no Gemfile.lock: sprockets assumed" \
	"bundle exec rake assets:precompile" public/assets sprockets
check_app django django manage.py \
	"python3 manage.py collectstatic --noinput" staticfiles django
check_app vite vite vite.config.ts "node_modules/.bin/vite build" dist vite
check_app webpack webpack webpack.config.js \
	"node_modules/.bin/webpack --mode production" dist webpack

# The preset's reasons reach the file as comments.
yml=$(cat "$SCRATCH/rails-sprockets/cleanroom.yml")
assert_contains "$yml" "    # Sprockets caches compiled assets in tmp/cache/assets" \
	"rails: each writable directory says why"
assert_contains "$yml" "  writable:
" "rails: writable is a list"
assert_contains "$yml" '    SECRET_KEY_BASE_DUMMY: "1"' \
	"rails: env defaults, quoted where YAML would type them"
assert_contains "$yml" '  inherit: [PATH, HOME, LANG, "LC_*", TZ, RAILS_ENV,' \
	"rails: inherit starts with the defaults"
yml=$(cat "$SCRATCH/vite/cleanroom.yml")
assert_not_contains "$yml" 'VITE_*"' "vite: VITE_* is not inherited"
assert_contains "$yml" "    - node_modules/.vite-temp" "vite: .vite-temp writable"
yml=$(cat "$SCRATCH/django/cleanroom.yml")
assert_contains "$yml" "
# sandbox:
" "django: no writable dirs, so the sandbox section is commented out"

# --framework on an empty directory, and with -q.
mkdir -p "$SCRATCH/empty"
run cr -C "$SCRATCH/empty" init --framework django
assert_rc 0 "--framework django on an empty directory"
assert_eq "$ERR" "cleanroom: wrote cleanroom.yml for django (as named)" \
	"--framework: the reason says so"
assert_contains "$(cat "$SCRATCH/empty/cleanroom.yml")" "
framework: django
" "--framework django: framework line"
rm -f "$SCRATCH/empty/cleanroom.yml"
run cr -q -C "$SCRATCH/empty" init --framework webpack
assert_rc 0 "-q init"
assert_eq "$ERR" "" "-q: nothing on stderr"
rm -f "$SCRATCH/empty/cleanroom.yml"

# --framework none: a generic template with the command to fill in.
run cr -C "$SCRATCH/empty" init --framework none
assert_rc 0 "--framework none"
assert_eq "$ERR" "cleanroom: wrote cleanroom.yml with no framework preset: fill in the command and outputs.root" \
	"none: says what to fill in"
yml=$(cat "$SCRATCH/empty/cleanroom.yml")
assert_contains "$yml" "
framework: none
" "none: framework line"
assert_contains "$yml" "
# command: npm run build
" "none: the command is a placeholder comment"
assert_contains "$yml" "
#   root: dist
" "none: the root is a placeholder comment"
rm -f "$SCRATCH/empty/cleanroom.yml"

# -f names the file to write.
mkdir -p "$SCRATCH/empty/conf"
run cr -C "$SCRATCH/empty" -f conf/build.yml init --framework vite
assert_rc 0 "-f FILE"
assert_eq "$ERR" "cleanroom: wrote conf/build.yml for vite (as named)" \
	"-f: the message names the file"
assert_contains "$(cat "$SCRATCH/empty/conf/build.yml")" "
framework: vite
" "-f: written there"
assert_eq "$(ls -A "$SCRATCH/empty/conf")" "build.yml" \
	"-f: no temporary file left behind"

# Ambiguity: both names, the flag and the key; --framework settles it.
dir=$(app ambiguous)
run cr -C "$dir" init
assert_rc 78 "ambiguous tree: 78"
assert_eq "$ERR" "cleanroom: two frameworks match in $dir: rails (Gemfile and config/application.rb) and vite (vite.config.ts)
hint: choose one with --framework rails|vite, or with the \`framework:\` key of cleanroom.yml" \
	"ambiguous tree: message names both, hint names the flag"
assert_eq "$(ls -A "$dir" | grep -c cleanroom)" 0 \
	"ambiguous tree: nothing written"
run cr -C "$dir" init --framework rails
assert_rc 0 "ambiguous tree with --framework rails"
assert_eq "$ERR" "cleanroom: wrote cleanroom.yml for rails (as named; sprockets in Gemfile.lock)" \
	"--framework rails still reads Gemfile.lock"

# No framework.
dir=$(app none)
run cr -C "$dir" init
assert_rc 78 "no framework: 78"
assert_eq "$ERR" "cleanroom: no framework detected in $dir
hint: found no Gemfile with config/application.rb, manage.py, vite.config.* or webpack.config.*; name one with --framework rails|django|vite|webpack|none" \
	"no framework: message and hint"
assert_eq "$(ls -A "$dir" | grep -c cleanroom)" 0 "no framework: nothing written"

# An unknown framework is a usage error.
run cr -C "$SCRATCH/empty" init --framework rials
assert_rc 64 "unknown framework: 64"
assert_contains "$ERR" "rials" "unknown framework: named"

finish
