#!/usr/bin/env bash
# The command line: version, help for every command and option of
# DESIGN.md, usage errors (64), commands not built yet (125), global options
# on either side of the command name.
. "$(dirname "$0")/lib.sh"

run "$CLEANROOM" --version
assert_rc 0 "--version exits 0"
assert_contains "$OUT" "cleanroom 0.1.0" "--version names cleanroom"
for lib in libyaml libcap nettle zlib brotli zstd curl; do
	assert_contains "$OUT" "$lib " "--version names $lib"
done
# The library versions are the ones built against and the ones reported by
# the linked code itself.
assert_contains "$OUT" "(runtime " "--version shows run-time versions"

run "$CLEANROOM" --help
assert_rc 0 "--help exits 0"
for cmd in run start verify lock diff env doctor init reproduce help; do
	assert_contains "$OUT" "  $cmd " "--help lists $cmd"
done
for opt in -q -v -C -f --env --pass --set --network --allow-write \
	--timeout --user --strict --output --lock --report --framework \
	--limit --manifest --require-file --forbid --min-files --max-bytes \
	--inherit --require --secret --input --files-only --format \
	--show-secrets --expect-lock --serve-stale --verify; do
	assert_contains "$OUT" "$opt" "--help lists $opt"
done
assert_contains "$OUT" "78 bad spec or env file" "--help lists exit statuses"

run "$CLEANROOM" help env
assert_rc 0 "help env exits 0"
assert_contains "$OUT" "usage: cleanroom env" "help env shows the synopsis"
assert_contains "$OUT" "--files-only" "help env lists --files-only"
assert_not_contains "$OUT" "--serve-stale" "help env omits start's options"
run "$CLEANROOM" start --help
assert_contains "$OUT" "--serve-stale" "start --help lists --serve-stale"
run "$CLEANROOM" help nosuch
assert_rc 64 "help for an unknown command is a usage error"

run "$CLEANROOM"
assert_rc 64 "no command is a usage error"
run "$CLEANROOM" frobnicate
assert_rc 64 "unknown command: 64"
assert_eq "$ERR" "cleanroom: unknown command 'frobnicate'
hint: see 'cleanroom help'" "unknown command message"
run "$CLEANROOM" env --bogus
assert_rc 64 "unknown option: 64"
assert_contains "$ERR" "hint: see 'cleanroom help env'" "hint names the command"
run "$CLEANROOM" env --format xml --files-only
assert_rc 64 "bad --format value: 64"
assert_contains "$ERR" "'xml' is not one of: sh json nul" "lists the formats"
run "$CLEANROOM" env --files-only --serve-stale
assert_rc 64 "option of another command: 64"
assert_contains "$ERR" "does not apply to 'env'" "says it does not apply"
run "$CLEANROOM" diff a.lock
assert_rc 64 "diff needs two locks"
run "$CLEANROOM" start
assert_rc 64 "start needs a server command"
run "$CLEANROOM" env --env
assert_rc 64 "option without its value"
assert_contains "$ERR" "option '--env' needs FILE" "names the missing value"

# reproduce refuses an output root both builds would share.
run "$CLEANROOM" reproduce --framework none --output /tmp/shared-out -- true
assert_rc 78 "reproduce with an output root outside the tree: 78"
assert_contains "$ERR" "outside the working tree" "says why"

# Global options before or after the command; -C changes directory.
mkdir -p "$SCRATCH/app"
printf 'A=1\n' >"$SCRATCH/app/.aptible.env"
run "$CLEANROOM" -q -C "$SCRATCH/app" env --files-only
assert_rc 0 "-q -C before the command"
assert_eq "$OUT" "export A=1" "default env file .aptible.env in -C DIR"
run "$CLEANROOM" env --files-only -C "$SCRATCH/app" --format=nul -q
assert_rc 0 "options after the command, --opt=value"
run "$CLEANROOM" env --files-only -C "$SCRATCH/nope"
assert_rc 64 "-C to a missing directory: 64"

finish
