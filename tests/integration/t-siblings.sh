#!/usr/bin/env bash
# Compressed siblings (issue 11, item 3) through the binary: X.gz, X.br
# and X.zst made by the gzip, brotli and zstd tools are decompressed,
# compared with X and scanned. A sibling with other bytes, one hiding a
# secret the plain file does not hold, one without its plain file, one
# that is not a stream, and decompression bombs (zstd and gzip): each
# named, with the exit status; the siblings line in the summary and the
# JSON report.
. "$(dirname "$0")/lib.sh"
# The app in a directory of its own: lib.sh's run keeps its captures in
# $SCRATCH, which a build's writes check without Landlock would see.
mkdir "$SCRATCH/app" && cd "$SCRATCH/app" || exit 1
cr() { env -i PATH=/usr/bin:/bin HOME=/root "$CLEANROOM" "$@"; }
for tool in gzip brotli zstd; do
	command -v "$tool" >/dev/null || {
		skip "$tool is missing (scripts/bootstrap.sh check installs it)"
		finish
		exit
	}
done
TOKEN=tok_4f9a8b7c6d5e4f3a2b1c
printf 'export DEPLOY_TOKEN=%s\n' "$TOKEN" >.aptible.env

# A build that writes what Sprockets and vite-plugin-compression write:
# each asset with its .gz, .br and .zst.
cat >build.sh <<'EOF'
set -e
mkdir -p out/assets
for i in $(seq 1 400); do echo "function f$i(){return $i*2}"; done >out/assets/app.js
printf 'body{color:red}\n%.0s' $(seq 1 200) >out/assets/app.css
for f in out/assets/app.js out/assets/app.css; do
	gzip -9 -k "$f"
	brotli -k "$f"
	zstd -q -k "$f"
done
EOF
run cr run --framework none --output out -- sh build.sh
assert_rc 0 "run: siblings that are their plain files pass"
assert_contains "$ERR" "siblings     ok       6 checked (2 gzip, 2 brotli, 2 zstd), $((2 * ($(wc -c <out/assets/app.js) + $(wc -c <out/assets/app.css)) * 3 / 2)) bytes decompressed" \
	"the siblings line counts them per format and the bytes decompressed"
run cr verify --framework none --output out --report report.json
assert_rc 0 "verify passes"
assert_contains "$(cat report.json)" '"check": "siblings", "result": "ok", "note": "6 checked (2 gzip, 2 brotli, 2 zstd)' \
	"the JSON report has the siblings check"
assert_contains "$(cat report.json)" '"siblings": {"checked": 6, "without_plain": 0' \
	"and its figures"

# A .gz with other bytes than its file (the lock is updated first, so
# that only the sibling check speaks).
echo 'function evil(){}' | gzip -9 >out/assets/app.js.gz
run cr lock --framework none --output out
assert_rc 65 "a .gz with other bytes: lock refuses"
assert_contains "$ERR" "error: siblings: out/assets/app.js.gz: decompresses to other bytes than out/assets/app.js (first difference at byte 9)" \
	"names the sibling, its file and the first difference"
assert_contains "$ERR" "siblings     failed   6 checked" "the siblings line fails"
gzip -9 -c out/assets/app.js >out/assets/app.js.gz

# A .gz that hides the secret: the plain file does not hold it, and the
# gzip stream's bytes do not show it.
{ cat out/assets/app.js; echo "var t='$TOKEN';"; } | gzip -9 >out/assets/app.js.gz
run grep -c "$TOKEN" out/assets/app.js.gz
assert_eq "$OUT" 0 "(the compressed bytes do not show the secret)"
run cr verify --framework none --output out
assert_rc 65 "a .gz hiding the secret: 65"
assert_contains "$ERR" "error: secrets: out/assets/app.js.gz: contains the value of DEPLOY_TOKEN at offset $(($(wc -c <out/assets/app.js) + 7)) of its decompressed bytes (raw)" \
	"the secret is found in the decompressed bytes"
assert_contains "$ERR" "error: siblings: out/assets/app.js.gz: decompresses to $(($(wc -c <out/assets/app.js) + 34)) bytes, out/assets/app.js has $(wc -c <out/assets/app.js): not the same file" \
	"and the sibling is not its file"
assert_not_contains "$ERR" "$TOKEN" "the value is never printed"
gzip -9 -c out/assets/app.js >out/assets/app.js.gz

# The same with .br and .zst.
{ cat out/assets/app.css; echo "/* $TOKEN */"; } | brotli -c >out/assets/app.css.br
{ sed 's/red/blue/' out/assets/app.css; } | zstd -q -c >out/assets/app.css.zst
run cr verify --framework none --output out
assert_rc 65 "a .br hiding the secret, a .zst with other bytes: 65"
assert_contains "$ERR" "error: secrets: out/assets/app.css.br: contains the value of DEPLOY_TOKEN" \
	"the secret in the .br"
assert_contains "$ERR" "error: siblings: out/assets/app.css.zst: decompresses to other bytes than out/assets/app.css (first difference at byte 11)" \
	"the .zst that differs"
brotli -f -k out/assets/app.css
zstd -q -f -k out/assets/app.css

# A compressed file without its plain file is scanned and reported; one
# that is not a stream of its format fails.
{ echo "export const t = '$TOKEN';"; } | gzip >out/assets/alone.js.gz
echo 'not brotli' >out/assets/broken.css.br
run cr verify --framework none --output out
assert_rc 65 "a secret in a lone .gz, a broken .br: 65"
assert_contains "$ERR" "info: siblings: out/assets/alone.js.gz: no out/assets/alone.js beside it: decompressed (45 bytes) and scanned, compared with nothing" \
	"the lone .gz is said"
assert_contains "$ERR" "error: secrets: out/assets/alone.js.gz: contains the value of DEPLOY_TOKEN at offset 18 of its decompressed bytes (raw)" \
	"and scanned"
assert_contains "$ERR" "error: siblings: out/assets/broken.css.br: not a valid brotli stream" \
	"the broken .br"
assert_contains "$ERR" "2 without a plain file" "the siblings line counts the lone ones"
rm out/assets/alone.js.gz out/assets/broken.css.br

# Decompression bombs: 512 MiB of zeros in 16 KiB of zstd, 200 MiB in
# 200 KiB of gzip (deflate's limit is about 1030:1). Stopped at 1000
# times their size, in well under the time a full decompression takes.
head -c 512M /dev/zero | zstd -q -c >out/assets/bomb.bin.zst
zsize=$(wc -c <out/assets/bomb.bin.zst)
head -c 200M /dev/zero | gzip -9 -c >out/assets/zeros.bin.gz
gsize=$(wc -c <out/assets/zeros.bin.gz)
run cr verify --framework none --output out
assert_rc 65 "decompression bombs: 65"
assert_contains "$ERR" "error: siblings: out/assets/bomb.bin.zst: decompresses to more than $((zsize * 1000)) bytes, over the ratio cap of 1000 times its $zsize bytes (a decompression bomb?): stopped there, the rest is unchecked" \
	"the zstd bomb names the file and the cap"
assert_contains "$ERR" "error: siblings: out/assets/zeros.bin.gz: decompresses to more than $((gsize * 1000)) bytes, over the ratio cap" \
	"the gzip bomb too"
rm out/assets/bomb.bin.zst out/assets/zeros.bin.gz
run cr verify --framework none --output out
assert_rc 0 "all siblings restored: verify passes again"
finish
