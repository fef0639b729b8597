#!/usr/bin/env bash
# `cleanroom env --files-only`: formats, several files, error messages with
# file:line:column and hint (exit 78), and nothing is ever executed.
. "$(dirname "$0")/lib.sh"
cd "$SCRATCH" || exit 1

cr() { env -i HOME=/home/u PATH=/usr/bin:/bin FOO=foo "$CLEANROOM" "$@"; }

printf 'A=1\nexport B="two words"\nC=$FOO:~\n' >one.env
printf 'D=$A$B\nA=again\n' >two.env

run cr env --files-only --env one.env --env two.env --format nul
assert_rc 0 "two files"
assert_eq "$(tr '\0' '|' <"$SCRATCH/.out")" \
	"B=two words|C=foo:/home/u|D=1two words|A=again|" \
	"nul records in order of last assignment"

run cr env --files-only --env one.env --format json
assert_eq "$OUT" '{
  "A": "1",
  "B": "two words",
  "C": "foo:/home/u"
}' "json format"

run cr env --files-only --env one.env --env two.env
assert_eq "$OUT" "export B='two words'
export C=foo:/home/u
export D='1two words'
export A=again" "sh format is the default"

# The sh output is itself an env file and a shell script with the same
# meaning: source it in dash and compare with what the files define.
cat >three.env <<'END'
Q=it\'s\ \$x
N='l1
l2'
R="a\"b"
END
printf 'U=caf\\\xc3\\\xa9\n' >>three.env
run cr env --files-only --env three.env --format sh
assert_rc 0 "quotes, newlines, non-ASCII"
cr env --files-only --env three.env --format sh >three.sh
run cr env --files-only --env three.sh --format nul
assert_eq "$(tr '\0' '|' <"$SCRATCH/.out")" "$(cr env --files-only \
	--env three.env --format nul | tr '\0' '|')" \
	"sh output round-trips through cleanroom"
got=$(env -i dash -c 'set -a; . ./three.sh; unset PWD; env -0' | sort -z |
	tr '\0' '|')
want=$(cr env --files-only --env three.env --format nul | sort -z |
	tr '\0' '|')
assert_eq "$got" "$want" "sh output round-trips through dash"

# What Aptible writes for a value that ends with a carriage return
# (Shellwords.escape: backslash-CR, so the line ends \<CR><LF>): accepted
# with the CR kept, as dash reads it. An unescaped CR before the newline
# (after an escaped backslash) is still a CRLF line ending.
printf 'export TOKEN=tok3n\\\r\nexport B=two\\ words\n' >aptible.env
run cr env --files-only --env aptible.env --format nul
assert_rc 0 "a value ending with an escaped CR is accepted"
got=$(env -i dash -c 'set -a; . ./aptible.env; unset PWD; env -0' | sort -z |
	od -An -c)
want=$(cr env --files-only --env aptible.env --format nul | sort -z |
	od -An -c)
assert_eq "$want" "$got" "the escaped CR is kept in the value, as dash keeps it"
assert_contains "$(cr env --files-only --env aptible.env --format json)" \
	'"TOKEN": "tok3n\r"' "the value ends with the CR"
printf 'A=a\\\\\r\nB=1\n' >crlf.env
run cr env --files-only --env crlf.env
assert_rc 78 "an unescaped CR before the newline: 78"
assert_contains "$ERR" "crlf.env:1:6: CRLF line ending" "is a CRLF line ending"

# Errors: exact message, file:line:column, hint, exit 78.
printf 'A=1\nB=$(touch pwned)\n' >bad.env
run cr env --files-only --env bad.env
assert_rc 78 "command substitution: 78"
assert_eq "$ERR" "cleanroom: bad.env:2:3: command substitution \$(...) would run a command
hint: write the value itself; cleanroom never runs commands" \
	"message with file:line:column and hint"
assert_eq "$OUT" "" "nothing printed on stdout after an error"
[ ! -e pwned ] && pass "nothing was executed" || fail "a command ran"

printf 'A=`touch pwned2`\n' >bad2.env
run cr env --files-only --env one.env --env bad2.env
assert_rc 78 "an error in the second file: 78"
assert_contains "$ERR" "bad2.env:1:3:" "names the second file"
[ ! -e pwned2 ] && pass "backticks not executed" || fail "a command ran"

printf 'touch pwned3\n' >bad3.env
run cr env --files-only --env bad3.env
assert_rc 78 "a command line: 78"
[ ! -e pwned3 ] && pass "command line not executed" || fail "a command ran"

run cr env --files-only --env missing.env
assert_rc 78 "missing env file: 78"
assert_eq "$ERR" "cleanroom: missing.env: cannot read env file: No such file or directory
hint: check the path given with --env or env.files" "missing file message"

run cr env --files-only --env "$SCRATCH"
assert_rc 78 "a directory as env file: 78"

run cr env --files-only
assert_rc 64 "no env file at all: 64"

# An unreadable file (not as root: root reads everything).
printf 'A=1\n' >empty.env
: >empty.env
run cr env --files-only --env empty.env --format json
assert_rc 0 "empty file"
assert_eq "$OUT" "{}" "empty file defines nothing"

finish
