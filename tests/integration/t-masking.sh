#!/usr/bin/env bash
# Masking without gaps (issue 13, item 7), asserted on the bytes cleanroom
# relays: the caller's secret values, however they reach the build; a URL
# secret's password alone; the URL-encoded, base64 and hex forms of a
# secret; and terminal control sequences, which a build could otherwise
# use to rewrite cleanroom's own lines.
. "$(dirname "$0")/lib.sh"

W=$SCRATCH/app
mkdir -p "$W/public"
cd "$W" || exit 1
# The relayed bytes, stdout and stderr kept apart and exact.
relay() {
	"$CLEANROOM" run --output public --min-files 0 "$@" \
		>"$SCRATCH/r.out" 2>"$SCRATCH/r.err"
	RC=$?
	ERR=$(cat "$SCRATCH/r.err")
}
hexes() { od -An -v -tx1 | tr -s ' \n' '  '; echo; }
has_bytes() { # FILE BYTES: 0 when FILE holds BYTES (printf-escaped)
	local want
	want=$(printf "$2" | hexes)
	hexes <"$1" | grep -qF -- "${want% }"
}

# --- The caller's secret values ---------------------------------------------
# A secret-named variable of the caller that reaches the build through an
# env file's expansion under a name that is no secret's.
cat >.aptible.env <<'END'
STRIPE_CONFIG="key=${STRIPE_SECRET_KEY} mode=live"
END
STRIPE_SECRET_KEY=sk_live_51Hc9xQeZvKYlo2C0aBcD relay -- \
	sh -c 'echo "config: $STRIPE_CONFIG"'
assert_rc 0 "a build printing an inherited secret's value"
assert_eq "$(cat "$SCRATCH/r.out")" "config: key=*** mode=live" \
	"the caller's STRIPE_SECRET_KEY is masked though it came by another name"
STRIPE_SECRET_KEY=sk_live_51Hc9xQeZvKYlo2C0aBcD relay \
	--inherit STRIPE_SECRET_KEY -- sh -c 'echo "k=$STRIPE_SECRET_KEY"'
assert_eq "$(cat "$SCRATCH/r.out")" "k=***" \
	"and when inherited under its own name"
MY_PLAIN=sk_live_51Hc9xQeZvKYlo2C0aBcD relay --inherit MY_PLAIN -- \
	sh -c 'echo "p=$MY_PLAIN"'
assert_eq "$(cat "$SCRATCH/r.out")" "p=sk_live_51Hc9xQeZvKYlo2C0aBcD" \
	"a caller's variable with no secret name or value is not masked"
rm .aptible.env

# --- A URL secret's password alone, and encoded forms ------------------------
cat >.aptible.env <<'END'
DATABASE_URL=postgres://app:Tr0ub4dor%263xq@db.internal:5432/app
API_TOKEN='tok/9f+e d=c'
END
relay --pass DATABASE_URL --pass API_TOKEN -- sh -c '
	echo "decoded: Tr0ub4dor&3xq"
	echo "written: Tr0ub4dor%263xq"
	echo "b64: $(printf %s "$API_TOKEN" | base64)"
	echo "b64+1: $(printf x%s "$API_TOKEN" | base64)"
	echo "b64+2: $(printf xy%s "$API_TOKEN" | base64)"
	echo "hex: $(printf %s "$API_TOKEN" | od -An -tx1 | tr -d " \n")"
	echo "url: tok%2F9f%2Be%20d%3Dc"
	echo "form: tok%2F9f%2Be+d%3Dc"'
assert_rc 0 "a build printing a URL password and encoded secrets"
O=$(cat "$SCRATCH/r.out")
assert_eq "$(sed -n 1,2p <<<"$O")" "decoded: ***
written: ***" "a URL secret's password alone is masked, decoded and as written"
assert_eq "$(sed -n 3,5p <<<"$O")" "b64: ***
b64+1: eH***w==
b64+2: eHl***M=" "base64 in all three alignments is masked"
assert_eq "$(sed -n 6p <<<"$O")" "hex: ***" "hex is masked"
assert_eq "$(sed -n 7,8p <<<"$O")" "url: ***
form: ***" "URL-encoded forms are masked"

# --- Control sequences --------------------------------------------------------
# The build tries to erase and overwrite cleanroom's sandbox line with a
# fake verdict: on stderr, where cleanroom's lines are.
relay -- sh -c 'printf "\r\033[2K\033[1A\033[2Kcleanroom: verified\n\033]0;pwned\007\033c\033[31mred\033[0m\n" >&2'
assert_rc 0 "a build printing control sequences"
if has_bytes "$SCRATCH/r.err" '\033[2K' || has_bytes "$SCRATCH/r.err" '\033[1A' ||
	has_bytes "$SCRATCH/r.err" '\033]' || has_bytes "$SCRATCH/r.err" '\033c' ||
	has_bytes "$SCRATCH/r.err" '\r' || has_bytes "$SCRATCH/r.err" '\007'; then
	fail "no cursor movement, erase, OSC, reset or carriage return is relayed" \
		"$(od -c "$SCRATCH/r.err" | head -20)"
else
	pass "no cursor movement, erase, OSC, reset or carriage return is relayed"
fi
assert_contains "$ERR" $'\n\\x1b[2K\\x1b[1A\\x1b[2Kcleanroom: verified\n' \
	"the sequences are shown as text, the fake line on a line of its own"
assert_contains "$ERR" '\x1b]0;pwned\x07\x1bc' "OSC and reset shown as text"
if has_bytes "$SCRATCH/r.err" '\033[31mred\033[0m'; then
	pass "colours pass"
else
	fail "colours pass" "$(od -c "$SCRATCH/r.err" | head)"
fi
line=$(grep -n '^cleanroom: sandbox: ' "$SCRATCH/r.err" | cut -d: -f1)
fake=$(grep -n 'cleanroom: verified' "$SCRATCH/r.err" | cut -d: -f1)
if [ -n "$line" ] && [ -n "$fake" ] && [ "$fake" -gt "$line" ]; then
	pass "cleanroom's sandbox line stands before the build's output"
else
	fail "cleanroom's sandbox line stands before the build's output" "$ERR"
fi
# A sequence split across two writes is judged whole.
relay -- sh -c 'printf "a\033" >&2; sleep 0.2; printf "[1Ab\n" >&2'
assert_contains "$ERR" 'a\x1b[1Ab' "a sequence split across reads is neutralised"
relay -- sh -c 'printf "50%%\r"; sleep 0.1; printf "100%%\r\n"'
assert_eq "$(od -An -c "$SCRATCH/r.out" | tr -s ' ')" \
	" 5 0 % \n 1 0 0 % \n" "a lone \\r is a newline, \\r\\n one newline"
finish
