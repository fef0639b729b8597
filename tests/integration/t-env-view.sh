#!/usr/bin/env bash
# `cleanroom env` (the policy view) on fixture apps: the build's
# environment with sources, secrets masked, withheld names with their
# file:line, and no withheld value ever printed; a spec with every key;
# required names; spec and flag errors.
. "$(dirname "$0")/lib.sh"
FIX=$(cd "$(dirname "$0")/../fixtures" && pwd)

app=$SCRATCH/rails
cp -r "$FIX/apps/rails-sprockets" "$app"
cat >"$app/.aptible.env" <<'END'
export RAILS_ENV=production
export SECRET_KEY_BASE=kb_9f8e7d6c5b4a3210
export DATABASE_URL=postgres://app:pg_pass_2718@db/app
export REDIS_URL=redis://:redis_pw_31415@cache:6379
export RAILS_MASTER_KEY=mk_0123456789abcdef
export APP_NAME=Shop
END
cd "$app" || exit 1
cr() { env -i PATH=/usr/bin:/bin HOME=/home/u LANG=C.UTF-8 TERM=xterm \
	GITHUB_TOKEN=ghp_caller_token "$CLEANROOM" "$@"; }

run cr env
assert_rc 0 "rails app without a spec"
assert_contains "$OUT" "# the build's environment: framework rails" "names the framework"
assert_contains "$OUT" "export RAILS_ENV=production  # .aptible.env:1" "file source with line"
assert_contains "$OUT" "export PATH=/usr/bin:/bin  # inherited" "inherited PATH"
assert_not_contains "$OUT" "TERM=" "TERM is not inherited"
assert_not_contains "$OUT" "GITHUB_TOKEN" "an un-inherited caller variable is absent"
assert_contains "$OUT" "#   SECRET_KEY_BASE  .aptible.env:2  (*SECRET*)  --pass SECRET_KEY_BASE gives it to the build" \
	"withheld secret listed with file:line, reason and flag"
assert_contains "$OUT" "#   DATABASE_URL  .aptible.env:3  (DATABASE_URL)" "DATABASE_URL withheld"
assert_contains "$OUT" "#   REDIS_URL  .aptible.env:4  (URL with a password)" "URL with a password withheld"
for secret in kb_9f8e7d6c5b4a3210 pg_pass_2718 redis_pw_31415 mk_0123456789abcdef; do
	assert_not_contains "$OUT" "$secret" "default view hides $secret"
done

# --pass gives a secret to the build; it stays masked unless
# --show-secrets, and withheld values are never shown.
run cr env --pass RAILS_MASTER_KEY --show-secrets
assert_contains "$OUT" "export RAILS_MASTER_KEY=mk_0123456789abcdef  # .aptible.env:5; secret (*_KEY)" \
	"--show-secrets shows a passed secret"
for fmt in sh json nul; do
	run cr env --pass RAILS_MASTER_KEY --show-secrets --format $fmt
	assert_rc 0 "--format $fmt"
	for secret in kb_9f8e7d6c5b4a3210 pg_pass_2718 redis_pw_31415; do
		assert_not_contains "$OUT" "$secret" "withheld $secret never printed ($fmt, --show-secrets)"
	done
done
run cr env --pass RAILS_MASTER_KEY
assert_contains "$OUT" "export RAILS_MASTER_KEY='***'" "passed secret masked by default"

run cr env --format json
assert_contains "$OUT" '{"name": "RAILS_ENV", "value": "production", "source": "env file", "file": ".aptible.env", "line": 1, "secret": false, "reason": null}' \
	"json entry with source"
assert_contains "$OUT" '{"name": "SECRET_KEY_BASE", "source": "env file", "file": ".aptible.env", "line": 2, "secret": true, "reason": "*SECRET*"}' \
	"json withheld entry has no value"

run cr env --format nul --set EXTRA=1 --inherit TERM
assert_eq "$(tr '\0' '\n' <"$SCRATCH/.out" | grep -E '^(TERM|EXTRA)=')" "TERM=xterm
EXTRA=1" "nul format, --inherit and --set"

# Required names.
run cr env --require APP_NAME --require SECRET_KEY_BASE --require TERM --require NOPE
assert_rc 78 "missing required names: 78"
assert_contains "$ERR" "cleanroom: required variables missing: SECRET_KEY_BASE, TERM, NOPE" \
	"every missing name listed"
assert_contains "$ERR" "SECRET_KEY_BASE is a secret from .aptible.env:2 and is withheld: --pass SECRET_KEY_BASE" \
	"withheld required name: the flag that passes it"
assert_contains "$ERR" "the caller has TERM: --inherit TERM" "caller has it: --inherit"
run cr env --require SECRET_KEY_BASE --pass SECRET_KEY_BASE
assert_rc 0 "a passed secret satisfies require"

# A spec with every key.
cp "$FIX/spec/full.yml" cleanroom.yml
run cr env
assert_rc 0 "spec with every key"
assert_contains "$OUT" "framework rails, spec cleanroom.yml" "names the spec"
assert_contains "$OUT" "export PORT=3000  # cleanroom.yml:" "spec set value with its line"
run cr env --set PORT=4000 --format nul
assert_contains "$(tr '\0' '\n' <"$SCRATCH/.out")" "PORT=4000" "--set beats the spec"
run cr -f cleanroom.yml env --framework none --format json
assert_contains "$OUT" '"framework": "none"' "--framework beats the spec"

# Errors.
printf 'framework: rails\nsandbox:\n  timout: 5m\n' >bad.yml
run cr env -f bad.yml
assert_rc 78 "unknown spec key: 78"
assert_contains "$ERR" "cleanroom: bad.yml:3:3:" "spec error with file:line:column"
run cr env -f missing.yml
assert_rc 78 "missing -f file: 78"
run cr env --set 1BAD=x
assert_rc 64 "--set with a bad name: 64"
assert_contains "$ERR" "--set 1BAD=x: expected NAME=VALUE" "--set message"
run cr env --timeout forever
assert_rc 64 "--timeout with a bad duration: 64"
run cr env --limit memory=lots
assert_rc 64 "--limit with a bad size: 64"

# Framework detection without a spec.
rm cleanroom.yml
amb=$SCRATCH/amb
cp -r "$FIX/apps/ambiguous" "$amb"
run cr -C "$amb" env
assert_rc 78 "two frameworks: 78"
assert_contains "$ERR" "--framework" "ambiguity names the flag"
run cr -C "$amb" env --framework vite
assert_rc 0 "--framework resolves the ambiguity"
for fw in django vite webpack; do
	d=$SCRATCH/$fw
	cp -r "$FIX/apps/$fw" "$d"
	run cr -C "$d" env
	assert_rc 0 "$fw fixture"
	assert_contains "$OUT" "framework $fw" "$fw detected"
done
run cr -C "$SCRATCH/vite" env --format nul
assert_contains "$(tr '\0' '\n' <"$SCRATCH/.out")" "NODE_ENV=production" "vite preset sets NODE_ENV"
finish
