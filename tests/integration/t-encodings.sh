#!/usr/bin/env bash
# Every encoding a web build writes a secret in (issue 11, item 4),
# through the binary: a Vite bundle as esbuild's minifier writes a value
# holding \ and " (single quotes, only \ escaped), a template literal,
# HTML-safe JSON (\u0026 as Rails and Django write it), Django's
# escapejs, HTML character references, encodeURI, hex, a secret in a
# file name and in a directory name, a URL's password alone; a 4-byte
# value and a short URL password named as not searched, in the summary
# and the JSON report. Never a value printed.
. "$(dirname "$0")/lib.sh"
cd "$SCRATCH" || exit 1
cr() { env -i PATH=/usr/bin:/bin HOME=/root "$CLEANROOM" "$@"; }

# Values: VITE_SECRET holds \ and " (Aptible's writer escapes them with
# backslashes); HTML_SECRET holds & < > and '.
cat >.aptible.env <<'EOF'
export VITE_SECRET=wh\\4kQ\"z-9Lp
export HTML_SECRET=a\&b\<c\>d\'e-77x
export PIN_SECRET=4711
export DATABASE_URL=postgres://shop:Pg-pass-2718@db.internal/shop
export REDIS_URL=redis://:pw@cache:6379/0
EOF

# found NAME FILE CONTENT ENCODING: a verification of one file holding
# CONTENT fails and names NAME in FILE as ENCODING.
found() {
	rm -rf out
	mkdir -p out/assets
	printf '%s' "$3" >"out/$2"
	run cr verify --framework none --output out
	assert_rc 65 "$4 of $1: verify exits 65"
	assert_contains "$ERR" "error: secrets: out/$2: contains the value of $1 at offset" \
		"$4 of $1: found in $2"
	assert_contains "$ERR" "($4)" "$4 of $1: named as $4"
}

# esbuild (Vite's minifier) picks the quote that needs fewest escapes:
# for wh\4kQ"z-9Lp that is ' , with only the backslash doubled.
found VITE_SECRET assets/index-B2x9.js \
	"const e='wh\\\\4kQ\"z-9Lp';export{e as k};" "js string"
found VITE_SECRET assets/tpl-1.js 'const e=`wh\\4kQ"z-9Lp`;' "js string"
found VITE_SECRET assets/data.json '{"k":"wh\\4kQ\"z-9Lp"}' "json"
found VITE_SECRET assets/mod.js 'JSON.parse("{\"k\":\"wh\\\\4kQ\\\"z-9Lp\"}")' \
	"json in a js string"
found VITE_SECRET index.html '<div data-k="wh\4kQ&quot;z-9Lp"></div>' "html"
found VITE_SECRET assets/hex.txt "$(printf '%s' 'wh\4kQ"z-9Lp' | od -An -tx1 | tr -d ' \n')" "hex"
# Rails' to_json and Django's json_script: & < > as \u0026 \u003c \u003e,
# in lower and upper case.
found HTML_SECRET index.html \
	'<script>window.c={"k":"a\u0026b\u003cc\u003ed'"'"'e-77x"}</script>' \
	"html-safe json"
found HTML_SECRET page.html \
	'<script type="application/json">{"k": "a\u0026b\u003Cc\u003Ed'"'"'e-77x"}</script>' \
	"html-safe json"
# Django's escapejs.
found HTML_SECRET page2.html \
	"var k = 'a\\u0026b\\u003Cc\\u003Ed\\u0027e\\u002D77x';" "escapejs"
found HTML_SECRET page3.html '<p title="a&amp;b&lt;c&gt;d&#x27;e-77x">' "html"
found HTML_SECRET page4.html '<p>a&amp;b&lt;c&gt;d&#39;e-77x</p>' "html"
# encodeURI leaves & = + / : and the like as they are.
found DATABASE_URL assets/link.js \
	'location.href="https://x/?db=postgres://shop:Pg-pass-2718@db.internal/shop%20x"' \
	"raw"
found HTML_SECRET assets/uri.js 'a="https://x/a&b%3Cc%3Ed'"'"'e-77x"' "encodeURI"
# A URL's password alone.
found DATABASE_URL assets/pw.js 'const p="Pg-pass-2718";' "URL password, raw"

# Names: a file and a directory named after a value.
rm -rf out
mkdir -p out/Pg-pass-2718/css
echo a >out/Pg-pass-2718/css/a.css
echo b >out/Pg-pass-2718/b.css
echo c >out/x-77685c346b5122"$(printf '%s' 'z-9Lp' | od -An -tx1 | tr -d ' \n')".png
run cr verify --framework none --output out
assert_rc 65 "secrets in names: 65"
assert_contains "$ERR" "error: secrets: out/Pg-pass-2718: directory name contains the value of DATABASE_URL (URL password, raw)" \
	"a directory named after the password, once"
assert_contains "$ERR" "file name contains the value of VITE_SECRET (hex)" \
	"a file named with the hex of a value"
run grep -c "directory name contains" <<<"$ERR"
assert_eq "$OUT" 1 "once for the directory, not per file below it"

# Too short to search: named, in the line and the JSON report.
rm -rf out
mkdir out
echo 'pin=4711 pw=pw' >out/app.js
run cr verify --framework none --output out --no-lock --report report.json
assert_rc 0 "short values do not fail verification"
assert_contains "$ERR" "secrets      ok       0 matches; not searched: too short: PIN_SECRET (4 bytes), REDIS_URL's URL password (2 bytes)" \
	"the secrets line names them"
assert_contains "$ERR" "info: secrets: PIN_SECRET: not searched: too short (4 bytes; values of 8 bytes or more are searched)" \
	"an info per value"
assert_contains "$(cat report.json)" '"note": "0 matches; not searched: too short: PIN_SECRET (4 bytes)' \
	"the JSON report's note"
assert_contains "$(cat report.json)" '"message": "PIN_SECRET: not searched: too short (4 bytes' \
	"and its finding"
assert_contains "$(cat report.json)" '"secrets_not_searched": 2' "and the count"
# An info, not a warning: presets set short values under secret names
# (Rails' SECRET_KEY_BASE_DUMMY=1), which --strict must not fail on.
run cr verify --framework none --output out --strict --no-lock
assert_rc 0 "--strict: named, not failed"

# No value in any output of this script.
for v in 'wh\4kQ"z-9Lp' "a&b<c>d'e-77x" Pg-pass-2718; do
	run grep -rF --include='*.json' -- "$v" "$SCRATCH"
	assert_eq "$OUT" "" "the report holds no value"
done
finish
