#!/usr/bin/env bash
# cleanroom publish against a real S3 server on 127.0.0.1: s3rver (npm,
# tests/publish/package.json, installed by scripts/example-deps.sh) behind
# tests/publish/s3check.py, which checks every request's SigV4 signature
# with botocore's signer and its payload hash, refusing the request when
# either differs, and injects 503s and dropped connections on demand.
# Cases: release 1 then release 2, every object of both still served; the
# same release again uploads nothing; a tampered output is refused before
# any request; 503s and a dropped connection are retried; a wrong secret
# exits 77; prune keeps what the last release references; TLS with a
# self-signed CA; the build never sees the store's credentials; a link or
# another inode swapped in after the verification is not read; region
# redirects name the region to set; publish.timeout gives 69 and how far
# it got; --content-encoding br puts X.br's bytes under X's key.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
S3RVER=$ROOT/tests/publish/node_modules/.bin/s3rver
PY=/usr/bin/python3

if ! command -v node >/dev/null || [ ! -x "$S3RVER" ]; then
	skip "node or s3rver missing (scripts/example-deps.sh installs tests/publish)"
	finish
	exit $?
fi
if ! "$PY" -c 'import botocore' 2>/dev/null; then
	skip "python3-botocore missing (scripts/bootstrap.sh check)"
	finish
	exit $?
fi

free_port() {
	"$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

UP=$(free_port)
PORT=$(free_port)
AK=AKIACLEANROOMTEST01
SK=cleanroom/test/secret+key0123456789abcdef
LOG=$SCRATCH/requests.log
CTL=$SCRATCH/faults
: >"$LOG"
: >"$CTL"
mkdir -p "$SCRATCH/s3data"
# s3rver's ListObjectsV2 continuation tokens use DES: Node 17+ has it
# only with OpenSSL's legacy provider (a listing past 1,000 keys fails
# without it).
NODE_OPTIONS=--openssl-legacy-provider "$S3RVER" -d "$SCRATCH/s3data" \
	-a 127.0.0.1 -p "$UP" -s --configure-bucket assets >"$SCRATCH/s3rver.log" 2>&1 &
S3PID=$!
"$PY" "$ROOT/tests/publish/s3check.py" "$PORT" "$UP" "$AK" "$SK" "$LOG" \
	"$CTL" >"$SCRATCH/proxy.log" 2>&1 &
PXPID=$!
PIDS="$S3PID $PXPID"
trap 'kill $PIDS 2>/dev/null; wait 2>/dev/null; rm -rf "$SCRATCH"' EXIT
for _ in $(seq 100); do
	if curl -s -o /dev/null "http://127.0.0.1:$UP/" &&
		grep -q ready "$SCRATCH/proxy.log"; then
		break
	fi
	sleep 0.2
done

W=$SCRATCH/app
mkdir -p "$W/dist/assets" "$W/dist/.vite"
cat >"$W/cleanroom.yml" <<EOF
framework: none
outputs:
  root: dist
  manifest: vite
publish:
  to: s3://assets/app
  endpoint: http://127.0.0.1:$PORT
  connections: 4
EOF
export AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK
unset AWS_SESSION_TOKEN AWS_REGION AWS_DEFAULT_REGION SSL_CERT_FILE

release() { # MAINHASH: write the outputs of one release and lock them
	rm -rf "$W/dist/assets"/* "$W/dist/.vite/manifest.json"
	echo "console.log('$1')" >"$W/dist/assets/main-$1.js"
	echo "body{color:red}" >"$W/dist/assets/style-Bq7c2DkA.css"
	echo "User-agent: *" >"$W/dist/robots.txt"
	cat >"$W/dist/.vite/manifest.json" <<EOF
{"main.js": {"file": "assets/main-$1.js", "src": "main.js", "isEntry": true, "css": ["assets/style-Bq7c2DkA.css"]}}
EOF
	rm -f "$W/dist/cleanroom.lock"
	(cd "$W" && "$CLEANROOM" -q lock) || fail "cleanroom lock for $1"
}

served() { # KEY: the object straight from s3rver
	curl -s -f "http://127.0.0.1:$UP/assets/app/$1"
}

count() { # METHOD: requests of that method logged so far
	grep -c "^$1 " "$LOG" || true
}

# Release 1.
release D8xk2Lq1
run "$CLEANROOM" -C "$W" publish
assert_rc 0 "release 1 published"
assert_eq "$(served assets/main-D8xk2Lq1.js)" "console.log('D8xk2Lq1')" \
	"release 1's script is served"
assert_eq "$(count PUT)" 6 "4 files + the keys and the lock of the record"
assert_not_contains "$(cat "$LOG")" "SignatureDoesNotMatch" \
	"every request's signature is botocore's"
assert_not_contains "$ERR$OUT" "$SK" "the secret is never printed"
hdrs=$(curl -s -I "http://127.0.0.1:$UP/assets/app/assets/main-D8xk2Lq1.js")
assert_contains "$hdrs" "immutable" "a fingerprinted name is immutable"
assert_contains "$hdrs" "text/javascript" "scripts are text/javascript"
assert_contains "$(curl -s -I "http://127.0.0.1:$UP/assets/app/robots.txt")" \
	"max-age=300" "robots.txt gets the short Cache-Control"
assert_contains "$(curl -s "http://127.0.0.1:$UP/assets?prefix=app/.cleanroom/releases/")" \
	".lock</Key>" "the release record is under .cleanroom/releases/"

# The same release again: nothing uploaded.
before=$(count PUT)
run "$CLEANROOM" -C "$W" publish
assert_rc 0 "the same release again"
assert_eq "$(count PUT)" "$before" "a second publish uploads nothing"

# Release 2: a changed script; release 1's objects stay.
release Zq3mN7aa
before=$(count PUT)
run "$CLEANROOM" -C "$W" publish
assert_rc 0 "release 2 published"
assert_eq "$(served assets/main-Zq3mN7aa.js)" "console.log('Zq3mN7aa')" \
	"release 2's script is served"
assert_eq "$(served assets/main-D8xk2Lq1.js)" "console.log('D8xk2Lq1')" \
	"release 1's script is still served"
# The new script, the changed manifest and the record (keys, lock): the
# style sheet and robots.txt are in the last release already.
assert_eq "$(($(count PUT) - before))" 4 "only what changed is uploaded"

# A tampered output: refused before any request.
echo "evil()" >>"$W/dist/assets/main-Zq3mN7aa.js"
before=$(wc -l <"$LOG")
run "$CLEANROOM" -C "$W" publish
assert_rc 65 "a tampered output is refused (65)"
assert_eq "$(wc -l <"$LOG")" "$before" "no request was sent"
assert_contains "$ERR" "nothing was published" "the message says so"

# A dry run prints the plan and writes nothing.
release Zq3mN7aa
echo "new" >"$W/dist/extra.txt"
rm -f "$W/dist/cleanroom.lock"
(cd "$W" && "$CLEANROOM" -q lock)
before=$(count PUT)
run "$CLEANROOM" -C "$W" publish --dry-run
assert_rc 0 "--dry-run"
assert_contains "$OUT" "upload app/extra.txt" "the plan lists the new file"
assert_contains "$OUT" "skip   app/assets/main-Zq3mN7aa.js" \
	"and what is in the store"
assert_eq "$(count PUT)" "$before" "--dry-run uploads nothing"

# Injected 503s and a dropped connection are retried.
printf '503 3\ndrop 1\n' >"$CTL"
run "$CLEANROOM" -C "$W" publish
assert_rc 0 "published through 503s and a dropped connection"
assert_contains "$(cat "$LOG")" " 503 SlowDown" "503s were answered"
assert_contains "$(cat "$LOG")" " DROP" "a connection was dropped"
assert_eq "$(served extra.txt)" "new" "the new file arrived"
assert_contains "$ERR" "retries" "the summary counts the retries"

# The store unavailable: 69.
printf '503 1000\n' >"$CTL"
echo "more" >"$W/dist/extra2.txt"
rm -f "$W/dist/cleanroom.lock"
(cd "$W" && "$CLEANROOM" -q lock)
run env AWS_SECRET_ACCESS_KEY="$SK" "$CLEANROOM" -C "$W" publish
assert_rc 69 "a store that stays unavailable gives 69"
: >"$CTL"

# A wrong secret: 77 and which credential to check.
run env AWS_SECRET_ACCESS_KEY=wrong "$CLEANROOM" -C "$W" publish
assert_rc 77 "a wrong secret gives 77"
assert_contains "$ERR" "AWS_SECRET_ACCESS_KEY" "the hint names the secret"
assert_not_contains "$ERR" "wrong" "the secret is not printed"

# Prune keeping the last release: release 1's script goes, the rest stays.
run "$CLEANROOM" -C "$W" publish --prune --keep 1 --older-than 0s
assert_rc 0 "publish --prune --keep 1"
if served assets/main-D8xk2Lq1.js >/dev/null; then
	fail "release 1's script is pruned"
else
	pass "release 1's script is pruned"
fi
assert_eq "$(served assets/main-Zq3mN7aa.js)" "console.log('Zq3mN7aa')" \
	"the last release's script is kept"
assert_eq "$(served extra2.txt)" "more" "and its new file"

# TLS with a self-signed CA.
if command -v openssl >/dev/null; then
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=test CA" \
		-keyout "$SCRATCH/ca.key" -out "$SCRATCH/ca.pem" \
		-addext basicConstraints=critical,CA:TRUE 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
		-keyout "$SCRATCH/srv.key" -out "$SCRATCH/srv.csr" 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1\n' >"$SCRATCH/ext"
	openssl x509 -req -in "$SCRATCH/srv.csr" -CA "$SCRATCH/ca.pem" \
		-CAkey "$SCRATCH/ca.key" -CAcreateserial -days 2 \
		-extfile "$SCRATCH/ext" -out "$SCRATCH/srv.pem" 2>/dev/null
	TPORT=$(free_port)
	"$PY" "$ROOT/tests/publish/s3check.py" "$TPORT" "$UP" "$AK" "$SK" \
		"$LOG" "$CTL" "$SCRATCH/srv.pem" "$SCRATCH/srv.key" \
		>"$SCRATCH/tproxy.log" 2>&1 &
	PIDS="$PIDS $!"
	for _ in $(seq 50); do
		grep -q ready "$SCRATCH/tproxy.log" && break
		sleep 0.2
	done
	echo "tls" >"$W/dist/tls.txt"
	rm -f "$W/dist/cleanroom.lock"
	(cd "$W" && "$CLEANROOM" -q lock)
	run "$CLEANROOM" -C "$W" publish --endpoint "https://127.0.0.1:$TPORT"
	assert_rc 125 "TLS: a certificate the system bundle does not know is refused"
	assert_contains "$ERR" "--ca-file" "the hint says --ca-file"
	run "$CLEANROOM" -C "$W" publish --endpoint "https://127.0.0.1:$TPORT" \
		--ca-file "$SCRATCH/ca.pem"
	assert_rc 0 "TLS with --ca-file"
	assert_eq "$(served tls.txt)" "tls" "uploaded over TLS"
	run env SSL_CERT_FILE="$SCRATCH/nope.pem" "$CLEANROOM" -C "$W" publish \
		--endpoint "https://127.0.0.1:$TPORT"
	assert_rc 78 "a missing SSL_CERT_FILE is a config error"
else
	skip "openssl missing: no TLS case"
fi

# The build never sees the store's credentials from an env file.
printf 'AWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\nAWS_SESSION_TOKEN=tok123456789\nAPP=1\n' \
	"$AK" "$SK" >"$W/.aptible.env"
run env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$CLEANROOM" -C "$W" env
assert_rc 0 "cleanroom env"
assert_contains "$OUT" "APP=" "the env file is read"
assert_not_contains "$OUT" "$AK" "the build does not see the key id"
assert_not_contains "$OUT" "AWS_SECRET_ACCESS_KEY=" "nor the secret"
assert_not_contains "$OUT" "AWS_SESSION_TOKEN=" "nor the session token"
# ... while publish takes them from that env file.
echo "envfile" >"$W/dist/envfile.txt"
rm -f "$W/dist/cleanroom.lock"
(cd "$W" && "$CLEANROOM" -q lock)
run env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$CLEANROOM" -C "$W" \
	publish --env .aptible.env
assert_rc 0 "publish with the credentials from the env file"
assert_eq "$(served envfile.txt)" "envfile" "uploaded"
rm -f "$W/.aptible.env"

# A second app under its own prefix for the cases below.
W2=$SCRATCH/app2
mkdir -p "$W2/dist/assets" "$W2/dist/.vite" "$SCRATCH/outside/assets"
cat >"$W2/cleanroom.yml" <<EOF
framework: none
outputs:
  root: dist
  manifest: vite
publish:
  to: s3://assets/app2
  endpoint: http://127.0.0.1:$PORT
  connections: 4
EOF
release2() { # write app2's outputs and lock them
	rm -rf "$W2/dist/assets" "$W2/dist/cleanroom.lock"
	mkdir -p "$W2/dist/assets"
	for i in 1 2 3 4 5 6; do
		printf 'export const v%s = "%s";\n' "$i" "$(seq -s, 1 200)" \
			>"$W2/dist/assets/app-Ab12Cd3$i.js"
	done
	printf '{"main.js": {"file": "assets/app-Ab12Cd31.js", "src": "main.js", "isEntry": true}}\n' \
		>"$W2/dist/.vite/manifest.json"
	(cd "$W2" && "$CLEANROOM" -q lock) || fail "cleanroom lock for app2"
}
puts_of() { # KEY-PART: PUT requests logged for keys containing it
	grep -c "^PUT [^ ]*$1" "$LOG" || true
}
records2() {
	curl -s "http://127.0.0.1:$UP/assets?prefix=app2/.cleanroom/releases/"
}

# A directory swapped for a link to another tree after the verification:
# the link is not followed, nothing of the other tree is sent, no record.
release2
# The other tree's files have the sizes of the verified ones, other bytes.
for i in 1 2 3 4 5 6; do
	tr , ';' <"$W2/dist/assets/app-Ab12Cd3$i.js" \
		>"$SCRATCH/outside/assets/app-Ab12Cd3$i.js"
done
printf '#!/bin/sh\nrm -rf "%s/dist/assets" && ln -s "%s/outside/assets" "%s/dist/assets"\n' \
	"$W2" "$SCRATCH" "$W2" >"$CTL.hook"
chmod +x "$CTL.hook"
printf 'hook 1\n' >"$CTL"
run "$CLEANROOM" -C "$W2" publish
assert_rc 65 "a link swapped in after the verification: refused (65)"
assert_contains "$ERR" "changed since it was verified" "the message says the file changed"
assert_contains "$ERR" "symbolic link" "and that a link is on its path"
assert_eq "$(puts_of app2/assets/)" 0 "no byte of the link's target was sent"
assert_not_contains "$(cat "$LOG")" "XAmzContentSHA256Mismatch" \
	"the store never saw a body other than the lock's"
assert_not_contains "$(records2)" ".lock</Key>" "no release record was written"

# A file replaced by another inode with the same bytes after the
# verification: the upload reads the inode that was verified, or nothing.
: >"$CTL"
rm -f "$W2/dist/assets"
release2
printf '#!/bin/sh\ncp "%s" "%s.x" && mv "%s.x" "%s"\n' \
	"$W2/dist/assets/app-Ab12Cd32.js" "$W2/dist/assets/app-Ab12Cd32.js" \
	"$W2/dist/assets/app-Ab12Cd32.js" "$W2/dist/assets/app-Ab12Cd32.js" \
	>"$CTL.hook"
printf 'hook 1\n' >"$CTL"
run "$CLEANROOM" -C "$W2" publish
assert_rc 65 "another inode at a verified path: refused (65)"
assert_contains "$ERR" "another file is now at its path" "the message says so"
assert_eq "$(puts_of app2/assets/)" 0 "nothing was uploaded"
: >"$CTL"

# A region redirect (301 PermanentRedirect, x-amz-bucket-region) and a
# request signed for the wrong region (400 AuthorizationHeaderMalformed):
# the message names the bucket's region and the key and flag to set.
release2
printf 'redirect 1\n' >"$CTL"
run "$CLEANROOM" -C "$W2" publish
assert_rc 78 "a 301 to another region: 78"
assert_contains "$ERR" "eu-west-3" "the message names the bucket's region"
assert_contains "$ERR" "publish.region (--region) to eu-west-3" "and what to set"
printf 'badregion 1\n' >"$CTL"
run "$CLEANROOM" -C "$W2" publish
assert_rc 78 "AuthorizationHeaderMalformed: 78"
assert_contains "$ERR" "publish.region (--region) to eu-central-1" \
	"the message names the region S3 expects and what to set"
: >"$CTL"

# publish.timeout: the store stalls; publish gives up with 69, says how
# far it got, and writes no record. Requests: the records' listing, the
# prefix's listing, one PUT, then the store stalls.
printf 'pass 3\nstall 1000\n' >"$CTL"
run "$CLEANROOM" -C "$W2" publish --timeout 3s --connections 1
assert_rc 69 "publish.timeout passed: 69"
assert_contains "$ERR" "gave up after 0m03s (publish.timeout) while uploading" \
	"the message says where it was"
assert_contains "$ERR" "1 of 7 files uploaded" "and how far it got"
assert_not_contains "$(records2)" ".lock</Key>" "no release record was written"
: >"$CTL"
run "$CLEANROOM" -C "$W2" publish
assert_rc 0 "published once the store answers again"
assert_contains "$(records2)" ".lock</Key>" "the release record is written"

# Without a release record under --records, one listing of the prefix,
# page after page (the proxy makes s3rver answer 2 keys a page): every
# object is found by its ETag and nothing but the record is uploaded.
printf 'page 1000\n' >"$CTL"
before=$(count PUT)
lists=$(grep -c '^GET [^ ]*list-type=2' "$LOG" || true)
run "$CLEANROOM" -C "$W2" publish --records app2/.other-records/
assert_rc 0 "publish with no release record: a paginated listing"
assert_eq "$(($(count PUT) - before))" 2 "only the record (keys, lock) is uploaded"
assert_eq "$(($(grep -c '^GET [^ ]*list-type=2' "$LOG") - lists > 4))" 1 \
	"the listing took several pages"
: >"$CTL"

# --content-encoding br: X's key holds X.br's bytes with Content-Encoding:
# br, X.br is published too; a file with no locked sibling is sent plain.
W3=$SCRATCH/app3
mkdir -p "$W3/dist/assets"
cat >"$W3/cleanroom.yml" <<EOF
framework: none
outputs:
  root: dist
publish:
  to: s3://assets/app3
  endpoint: http://127.0.0.1:$PORT
  content_encoding: br
EOF
seq 1 3000 >"$W3/dist/assets/big-Qw3r7y11.js"
brotli -k -q 11 "$W3/dist/assets/big-Qw3r7y11.js"
gzip -k -n -9 "$W3/dist/assets/big-Qw3r7y11.js"
echo "plain" >"$W3/dist/assets/small-Zx9c8v77.css"
(cd "$W3" && "$CLEANROOM" -q lock) || fail "cleanroom lock for app3"
obj3() { # KEY: app3's object straight from s3rver, to a file
	curl -s -o "$SCRATCH/obj" "http://127.0.0.1:$UP/assets/app3/$1"
}
run "$CLEANROOM" -C "$W3" publish
assert_rc 0 "publish with content_encoding: br (from the spec)"
obj3 assets/big-Qw3r7y11.js
if cmp -s "$SCRATCH/obj" "$W3/dist/assets/big-Qw3r7y11.js.br"; then
	pass "the plain key holds the .br sibling's bytes"
else
	fail "the plain key holds the .br sibling's bytes"
fi
hdrs=$(curl -s -I "http://127.0.0.1:$UP/assets/app3/assets/big-Qw3r7y11.js" |
	tr A-Z a-z)
assert_contains "$hdrs" "content-encoding: br" "with Content-Encoding: br"
assert_contains "$hdrs" "text/javascript" "and the plain name's Content-Type"
obj3 assets/big-Qw3r7y11.js.br
if cmp -s "$SCRATCH/obj" "$W3/dist/assets/big-Qw3r7y11.js.br"; then
	pass "the .br key is published as it is"
else
	fail "the .br key is published as it is"
fi
hdrs=$(curl -s -I "http://127.0.0.1:$UP/assets/app3/assets/small-Zx9c8v77.css" |
	tr A-Z a-z)
assert_contains "$hdrs" "200 ok" "a file with no locked sibling is published"
assert_not_contains "$hdrs" "content-encoding" "and sent plain"
run "$CLEANROOM" -C "$W3" publish --content-encoding gzip --dry-run
assert_contains "$OUT" "Content-Encoding gzip" "--content-encoding gzip: the plan says so"
before=$(count PUT)
run "$CLEANROOM" -C "$W3" publish
assert_rc 0 "the same release again"
assert_eq "$(count PUT)" "$before" "uploads nothing"

# A sibling that does not decompress to X fails the verification, so its
# bytes never go out under X's key.
echo "other" | brotli -c >"$W3/dist/assets/small-Zx9c8v77.css.br"
rm -f "$W3/dist/cleanroom.lock"
(cd "$W3" && "$CLEANROOM" -q lock 2>/dev/null)
before=$(count PUT)
run "$CLEANROOM" -C "$W3" publish
assert_rc 65 "a sibling that is not X: refused (65)"
assert_eq "$(count PUT)" "$before" "before any upload"

finish
