#!/usr/bin/env bash
# Values that look secret but are not (issue 16, "Hints that never
# mislead"): a browser-public key listed under env.public (--public) is
# passed, neither masked nor searched for, and the hint for a withheld
# VITE_ variable names that option rather than --pass (which would fail
# verification: the key is in the bundle); a value set with --set or
# set: is a placeholder written in the open, not a secret unless secret:
# names it, and gets one note.
. "$(dirname "$0")/lib.sh"

W=$SCRATCH/app
mkdir -p "$W/public"
cd "$W" || exit 1
cr() { env -i PATH=/usr/bin:/bin HOME="$SCRATCH" "$CLEANROOM" "$@"; }
pk=pk_live_51HqLyjWDarjtT1zdp7dc0a9
cat >.aptible.env <<END
VITE_STRIPE_PUBLISHABLE_KEY=$pk
STRIPE_SECRET_KEY=sk_live_0123456789abcdef
END
# What `vite build` does with it: the value goes into the bundle.
build=(sh -c 'test -n "$VITE_STRIPE_PUBLISHABLE_KEY" ||
	{ echo "VITE_STRIPE_PUBLISHABLE_KEY is not set" >&2; exit 1; }
	echo "const k=\"$VITE_STRIPE_PUBLISHABLE_KEY\";" >public/app.js
	echo "bundled $VITE_STRIPE_PUBLISHABLE_KEY"')

run cr run --output public --manifest none -- "${build[@]}"
assert_rc 1 "withheld VITE_ key: the build fails"
assert_contains "$ERR" "the build's output names VITE_STRIPE_PUBLISHABLE_KEY, which is withheld (secret from .aptible.env:1)" \
	"the withheld variable is named"
assert_contains "$ERR" "hint: a VITE_ variable goes into the browser bundle, so its value is public by design: --public VITE_STRIPE_PUBLISHABLE_KEY (env.public in the spec)" \
	"the hint names --public"
assert_not_contains "$ERR" "--pass VITE_STRIPE_PUBLISHABLE_KEY" \
	"and not --pass, which would fail verification"

# Why not --pass: the value is then a secret found in the outputs.
run cr run --output public --manifest none \
	--pass VITE_STRIPE_PUBLISHABLE_KEY -- "${build[@]}"
assert_rc 65 "--pass: the key is found in the bundle, verification fails"

run cr run --output public --manifest none \
	--public VITE_STRIPE_PUBLISHABLE_KEY -- "${build[@]}"
assert_rc 0 "--public: builds and verifies"
assert_eq "$OUT" "bundled $pk" "a public value is not masked in the output"
assert_contains "$(cat public/app.js)" "$pk" "and is in the bundle"
assert_contains "$ERR" "1 withheld" "the real secret is still withheld"

rm -f public/*
cat >cleanroom.yml <<'END'
framework: none
env:
  public: ["VITE_*_PUBLISHABLE_KEY"]
outputs: {root: public, manifest: none}
END
run cr run -- "${build[@]}"
assert_rc 0 "env.public with a glob in the spec: builds and verifies"
run cr env
assert_contains "$OUT" "export VITE_STRIPE_PUBLISHABLE_KEY=$pk  # .aptible.env:1; public (env.public), not secret" \
	"env shows the public value and why"
rm cleanroom.yml
run cr env
assert_contains "$OUT" "#   VITE_STRIPE_PUBLISHABLE_KEY  .aptible.env:1  (*_KEY)  --public VITE_STRIPE_PUBLISHABLE_KEY gives it to the build" \
	"env's withheld list names --public for a VITE_ variable"
assert_contains "$OUT" "--pass STRIPE_SECRET_KEY gives it to the build" \
	"and --pass for another secret"
run cr env --require VITE_STRIPE_PUBLISHABLE_KEY
assert_rc 78 "a required VITE_ variable withheld: 78"
assert_contains "$ERR" "--public VITE_STRIPE_PUBLISHABLE_KEY (env.public)" \
	"its hint names --public"

# --- --set and set: are placeholders written in the open ---------------------
# Stock Django's admin CSS says "placeholder" (select2.css): the hint's own
# --set SECRET_KEY=placeholder must not make the scan find it.
rm -f .aptible.env public/*
say=(sh -c 'echo "key is $SECRET_KEY"; echo ".select2 .placeholder{}" >public/admin.css')
run cr run --output public --manifest none --set SECRET_KEY=placeholder \
	-- "${say[@]}"
assert_rc 0 "--set SECRET_KEY=placeholder, output saying placeholder: passes"
assert_eq "$OUT" "key is placeholder" "the value set in the open is not masked"
assert_eq "$(grep -c 'note: SECRET_KEY looks secret' <<<"$ERR")" 1 \
	"one note for the secret-named variable"
assert_contains "$ERR" "note: SECRET_KEY looks secret (*SECRET*) but is given with --set, in the open: its value is taken as a placeholder, neither masked nor searched for in the outputs (--secret SECRET_KEY if it is real)" \
	"the note says so and how to keep it secret"
assert_contains "$ERR" "secrets      ok" "nothing searched for it"
run cr run --output public --manifest none --set SECRET_KEY=placeholder \
	--secret SECRET_KEY -- "${say[@]}"
assert_rc 65 "also named under secret: it is a secret again, found, 65"
assert_eq "$OUT" "key is ***" "and masked"
assert_not_contains "$ERR" "note: SECRET_KEY" "without the note"

cat >cleanroom.yml <<'END'
framework: none
env:
  set:
    API_TOKEN: placeholder
outputs: {root: public, manifest: none}
END
run cr run -- sh -c 'echo "t=$API_TOKEN"; echo placeholder >public/a.css'
assert_rc 0 "set: in the spec is a placeholder too"
assert_contains "$ERR" "note: API_TOKEN looks secret (*TOKEN*) but is set in cleanroom.yml:4, in the open" \
	"its note names the spec line"
assert_eq "$OUT" "t=placeholder" "not masked"
finish
