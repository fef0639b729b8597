#!/usr/bin/env bash
# bench-publish.sh CLEANROOM: `cleanroom publish` against `rclone copy` and
# `aws s3 sync` (Debian's rclone and awscli, scripts/bench-deps.sh), on the
# same tree (2,000 files, 50 MB) and the same local S3 server (s3rver from
# tests/publish, behind tests/publish/s3check.py in counting mode, which
# logs every request): the first run (everything uploaded) and the second
# (nothing changed), wall time and requests of each, and the ratios.
# Prints, asserts nothing. Each tool writes under its own prefix of one
# bucket; all use 8 parallel transfers.
#
# cleanroom's time includes its full re-verification of the outputs (every
# byte hashed and scanned) before the first request; the others check
# nothing. rclone and aws compare sizes and modification times (rclone
# with a HEAD per object for the time it keeps in metadata; aws from the
# listing); cleanroom compares with its last release record.
#
# Env: FILES (2000), MB (50), CONNECTIONS (8).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CLEANROOM=$(realpath "${1:?usage: bench-publish.sh CLEANROOM}")
FILES=${FILES:-2000}
MB=${MB:-50}
CONN=${CONNECTIONS:-8}
S3RVER=$ROOT/tests/publish/node_modules/.bin/s3rver
PY=/usr/bin/python3
RCLONE=/usr/bin/rclone
AWS=/usr/bin/aws

for t in "$S3RVER" "$RCLONE" "$AWS" node; do
	command -v "$t" >/dev/null || {
		echo "bench-publish: $t missing: run scripts/bench-deps.sh" >&2
		exit 1
	}
done

T=$(mktemp -d "${TMPDIR:-/tmp}/cleanroom-bench-publish.XXXXXX")
PIDS=
trap 'kill $PIDS 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT

free_port() {
	"$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The tree: FILES files in 20 directories, sizes spread from 1 KB to about
# twice the mean, MB megabytes in all, random bytes.
W=$T/app
mkdir -p "$W/dist"
"$PY" - "$W/dist" "$FILES" "$MB" <<'PY'
import os, random, sys
root, n, mb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(1)
total = mb * 1000 * 1000
weights = [rng.uniform(0.05, 1.95) for _ in range(n)]
scale = total / sum(weights)
for i, w in enumerate(weights):
    d = os.path.join(root, "assets", "d%02d" % (i % 20))
    os.makedirs(d, exist_ok=True)
    name = "f%04d-%08x.js" % (i, rng.getrandbits(32))
    with open(os.path.join(d, name), "wb") as f:
        f.write(rng.randbytes(max(1000, int(w * scale))))
PY
cat >"$W/cleanroom.yml" <<EOF
framework: none
outputs:
  root: dist
  manifest: none
  max_bytes: 1G
EOF
(cd "$W" && "$CLEANROOM" -q lock)
nfiles=$(find "$W/dist" -type f ! -name cleanroom.lock | wc -l)
bytes=$(find "$W/dist" -type f ! -name cleanroom.lock -printf '%s\n' |
	awk '{s+=$1} END {print s}')

UP=$(free_port)
PORT=$(free_port)
AK=AKIACLEANROOMBENCH01
SK=cleanroom/bench/secret+key0123456789abcdef
LOG=$T/requests.log
: >"$LOG"
: >"$T/faults"
mkdir -p "$T/s3data"
# s3rver's ListObjectsV2 continuation tokens use DES, which Node 17+
# only has with OpenSSL's legacy provider: without it a listing past
# 1,000 keys fails with 500 InternalError.
NODE_OPTIONS=--openssl-legacy-provider "$S3RVER" -d "$T/s3data" \
	-a 127.0.0.1 -p "$UP" -s --configure-bucket bench >"$T/s3rver.log" 2>&1 &
PIDS="$PIDS $!"
S3CHECK_COUNT_ONLY=1 "$PY" "$ROOT/tests/publish/s3check.py" "$PORT" "$UP" \
	"$AK" "$SK" "$LOG" "$T/faults" >"$T/proxy.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 100); do
	if curl -s -o /dev/null "http://127.0.0.1:$UP/" &&
		grep -q ready "$T/proxy.log"; then
		break
	fi
	sleep 0.2
done

# Only this script's AWS settings (a CA bundle from the caller's
# environment breaks rclone's plain-HTTP client).
for v in $(compgen -e | grep '^AWS_' || true); do unset "$v"; done
export AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK
unset SSL_CERT_FILE
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=$T/aws-config AWS_SHARED_CREDENTIALS_FILE=$T/aws-creds
export AWS_PAGER=
printf '[default]\nregion = us-east-1\ns3 =\n  addressing_style = path\n  max_concurrent_requests = %s\n' \
	"$CONN" >"$AWS_CONFIG_FILE"
: >"$AWS_SHARED_CREDENTIALS_FILE"
export RCLONE_CONFIG=$T/rclone.conf
: >"$RCLONE_CONFIG"
export RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Other
export RCLONE_CONFIG_BENCH_ENDPOINT=http://127.0.0.1:$PORT
export RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=$AK
export RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=$SK
export RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true
export RCLONE_CONFIG_BENCH_REGION=us-east-1

declare -A SECS REQS KINDS
# measure NAME CMD...: wall time and requests logged at the proxy.
measure() {
	local name=$1 before t0 t1
	shift
	before=$(wc -l <"$LOG")
	t0=$(date +%s.%N)
	if ! "$@" >"$T/$name.out" 2>&1; then
		echo "bench-publish: $name failed:" >&2
		tail -5 "$T/$name.out" >&2
		exit 1
	fi
	t1=$(date +%s.%N)
	SECS[$name]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
	REQS[$name]=$(($(wc -l <"$LOG") - before))
	KINDS[$name]=$(tail -n +"$((before + 1))" "$LOG" |
		awk '{ k = $1 ($2 ~ /[?&]list-type=2|[?]prefix=|[?&]delimiter=/ ? " (list)" : "") ; n[k]++ }
		     END { for (k in n) printf "%s %s, ", n[k], k }' | sed 's/, $//')
}

cr() {
	"$CLEANROOM" -q -C "$W" publish --to s3://bench/cleanroom \
		--endpoint "http://127.0.0.1:$PORT" --connections "$CONN"
}
rc_copy() {
	"$RCLONE" copy "$W/dist" bench:bench/rclone --transfers "$CONN" \
		--checkers "$CONN" --exclude cleanroom.lock
}
aws_sync() {
	"$AWS" s3 sync "$W/dist" s3://bench/aws --only-show-errors \
		--endpoint-url "http://127.0.0.1:$PORT" --exclude cleanroom.lock
}

for run in 1 2; do
	measure "cleanroom$run" cr
	measure "rclone$run" rc_copy
	measure "aws$run" aws_sync
done

echo "bench-publish: $nfiles files, $((bytes / 1000000)) MB, to s3rver on 127.0.0.1 through a counting proxy; $CONN parallel transfers each"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $("$RCLONE" version | head -1), $("$AWS" --version 2>&1 | cut -d' ' -f1)"
printf '%-22s %10s %10s %10s %10s\n' "" "1st: s" "requests" "2nd: s" "requests"
for t in cleanroom rclone aws; do
	printf '%-22s %10.2f %10s %10.2f %10s\n' "$t" "${SECS[${t}1]}" \
		"${REQS[${t}1]}" "${SECS[${t}2]}" "${REQS[${t}2]}"
done
for t in cleanroom rclone aws; do
	for run in 1 2; do
		printf '%-22s %s\n' "$t, run $run:" "${KINDS[$t$run]}"
	done
done
for t in rclone aws; do
	printf 'cleanroom / %-9s %10.2fx %10s %10.2fx\n' "$t" \
		"$(awk -v a="${SECS[cleanroom1]}" -v b="${SECS[${t}1]}" 'BEGIN { print a / b }')" "" \
		"$(awk -v a="${SECS[cleanroom2]}" -v b="${SECS[${t}2]}" 'BEGIN { print a / b }')"
done
