#!/usr/bin/env bash
# Benchmark: the verification pass (hash + secret scan + lock) over two
# generated output trees, against what a user would otherwise run, all in
# one run on the same cache state:
#   A: 20,000 files, 1 GiB, log-normal sizes 200 B - 2 MiB (median ~16 KB),
#      55% random bytes, 45% text, 200 secrets of 20-40 characters, six of
#      them planted (raw, JSON-escaped, URL-encoded, base64);
#   B: 100,000 files, ~50 MiB.
# Compared: `find -print0 | xargs -0 sha256sum`, the same with -P2,
# `rhash --sha256 -r`, `grep -rF -f secrets`, `rg -F -f secrets` (which
# stops reading a file at its first NUL byte) and `rg -aF` (which does not).
# grep and rg look for the raw values only; cleanroom also for their
# encodings. Warm cache first (hyperfine, median of several runs), then one
# cold-cache run of cleanroom and of find|xargs sha256sum when
# /proc/sys/vm/drop_caches is writable (it drops the whole machine's page
# cache). Peak RSS with /usr/bin/time -v. Prints figures and ratios;
# asserts nothing.
#
# The timed command is `cleanroom verify` when `CLEANROOM verify --help`
# succeeds (VERIFY_ARGS and VERIFY_ARGS_B override its arguments), and
# otherwise a small driver compiled here against src/proof/tree.c and src/secret/scan.c
# (the same code, the same musl/nettle build) that runs the pass and
# writes the lock. The driver also measures the ceiling (SHA-256 and the
# scan with no I/O), checks A's lock against sha256sum, and is what
# PERF=1 profiles.
#
# Usage: scripts/bench-verify.sh [CLEANROOM]
#   BENCH_DIR=DIR   generate the trees there and keep them (reused when
#                   already generated); default: a temporary directory
#   RUNS=N          hyperfine runs per command (default 5)
#   COLD=0          skip the cold-cache runs
#   PERF=1          also print the pass's profile (perf record)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
cr=${1:-build/cleanroom}
[ -x "$cr" ] && cr=$(realpath "$cr")
runs=${RUNS:-5}
for tool in hyperfine rhash rg python3 /usr/bin/time; do
	command -v "$tool" >/dev/null ||
		{ echo "bench: $tool is missing (scripts/bootstrap.sh bench)" >&2; exit 1; }
done

if [ -n "${BENCH_DIR:-}" ]; then
	work=$(realpath -m "$BENCH_DIR")
	mkdir -p "$work"
else
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
fi

# The trees: deterministic (seeded), so figures compare across runs.
cat >"$work/gen.py" <<'PY'
import base64, json, math, os, random, sys, urllib.parse

work = sys.argv[1]
rng = random.Random(20240611)
GiB = 1 << 30

# 200 secrets of 20-40 characters; every tenth has characters that JSON
# and URL encoding change.
alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
secrets = []
for i in range(200):
    n = rng.randint(20, 40)
    s = "".join(rng.choice(alnum + "_-") for _ in range(n))
    if i % 10 == 0:
        s = s[:5] + "/" + s[6:10] + "+" + s[11:15] + "=" + s[16:]
    secrets.append(s)
with open(os.path.join(work, "secrets.txt"), "w") as f:
    f.write("".join(s + "\n" for s in secrets))
# The same as an env file: names matching *SECRET* are secrets.
with open(os.path.join(work, "bench.env"), "w") as f:
    f.write("".join("BENCH_SECRET_%03d='%s'\n" % (i + 1, s)
                    for i, s in enumerate(secrets)))

# Pools the files are cut from: random bytes, and minified-JS-like text.
rand_pool = rng.randbytes(64 << 20)
words = ["function", "return", "const", "let", "var", "this", "props",
         "state", "render", "export", "default", "import", "from", "class",
         "extends", "null", "undefined", "true", "false", "new", "Promise",
         "async", "await", "document", "window", "querySelector", "style",
         "color", "margin", "padding", "display", "flex", "none", "px"]
words += ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(
    rng.randint(2, 9))) for _ in range(400)]
punct = ["(", ")", "{", "}", ";", ",", ".", "=", "=>", ":", "&&", "||",
         "?", "!", "+", "-", "*", "[", "]", " ", " ", "\n", '"', "'"]
parts, size = [], 0
while size < (8 << 20):
    w = rng.choice(words) + rng.choice(punct)
    parts.append(w)
    size += len(w)
text_pool = "".join(parts).encode()


def cut(pool, n):
    at = rng.randrange(0, len(pool) - n)
    return pool[at:at + n]


def sizes(count, total, lo, hi, median, sigma):
    v = [median * math.exp(rng.gauss(0, sigma)) for _ in range(count)]
    for _ in range(50):
        v = [min(hi, max(lo, x)) for x in v]
        scale = total / sum(v)
        if abs(scale - 1) < 1e-6:
            break
        v = [x * scale for x in v]
    v = [int(min(hi, max(lo, x))) for x in v]
    # Land exactly on the total, spreading the rest over files with room.
    diff, i = total - sum(v), 0
    while diff != 0:
        step = max(-diff, -(v[i] - lo)) if diff < 0 else min(diff, hi - v[i])
        v[i] += step
        diff -= step
        i = (i + 1) % count
    return v


def tree(root, count, total, lo, hi, median, sigma, per_dir, plant):
    sz = sizes(count, total, lo, hi, median, sigma)
    kinds = [rng.random() < 0.55 for _ in range(count)]  # True: random
    for i in range(count):
        d = os.path.join(work, root, "d%03d" % (i // per_dir))
        if i % per_dir == 0:
            os.makedirs(d, exist_ok=True)
        name = ("img-%08x.bin" if kinds[i] else "chunk-%08x.js") % rng.getrandbits(32)
        data = cut(rand_pool if kinds[i] else text_pool, sz[i])
        if i in plant:
            p = plant[i]
            data = data[:len(data) // 2] + p + data[len(data) // 2 + len(p):]
            data = data[:sz[i]]
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    return sz


s = secrets
planted = {
    101: s[3].encode(),                                        # raw, text
    202: s[10].encode(),                                       # raw, random
    303: json.dumps(s[20]).encode()[1:-1].replace(b"/", b"\\/"),  # json
    404: urllib.parse.quote(s[30], safe="").encode(),          # url
    505: base64.b64encode(b"k=" + s[44].encode()),             # base64
    606: base64.urlsafe_b64encode(s[57].encode()),             # base64url
}
a = tree("A", 20000, GiB, 200, 2 << 20, 16384, 1.6, 200, planted)
b = tree("B", 100000, 50 << 20, 50, 4096, 480, 0.5, 100, {})
a.sort()
print("bench: A: %d files, %d bytes, median %d B; B: %d files, %d bytes"
      % (len(a), sum(a), a[len(a) // 2], len(b), sum(b)))
PY

if [ ! -e "$work/.generated" ]; then
	echo "bench: generating the trees in $work"
	python3 "$work/gen.py" "$work"
	touch "$work/.generated"
fi

# The driver: the verification pass as `cleanroom verify` will run it
# (scan_new over the 200 values, tree_hash_scan on all CPUs, the lock
# written in sha256sum format).
cat >"$work/driver.c" <<'C'
#include <nettle/sha2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "scan.h"
#include "tree.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The ceiling: what the CPUs do with no I/O at all, each thread hashing
 * (and scanning) a 256 KiB buffer that stays in cache, 1 GiB in all. */
struct ceil_arg {
	const struct scan *s;
	size_t bytes;
};

static int no_hit(const struct scan_hit *h, void *arg)
{
	(void)h;
	(void)arg;
	return 0;
}

static void *ceil_thread(void *p)
{
	struct ceil_arg *a = p;
	static __thread unsigned char buf[256 << 10];
	struct sha256_ctx c;
	struct scan_state st;
	unsigned char d[32];

	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (unsigned char)(i * 2654435761u >> 11);
	sha256_init(&c);
	scan_state_init(&st);
	for (size_t done = 0; done < a->bytes; done += sizeof buf) {
		sha256_update(&c, sizeof buf, buf);
		if (a->s)
			scan_feed(a->s, &st, buf, sizeof buf, no_hit, NULL);
	}
	sha256_digest(&c, 32, d);
	return NULL;
}

static double ceiling(const struct scan *s, unsigned n)
{
	pthread_t th[64];
	struct ceil_arg a = {s, ((size_t)1 << 30) / n};
	double t0 = now_ms();

	for (unsigned i = 0; i < n; i++)
		pthread_create(&th[i], NULL, ceil_thread, &a);
	for (unsigned i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	return (double)(1u << 30) / ((now_ms() - t0) / 1e3) / 1e9;
}

int main(int argc, char **argv)
{
	static struct scan_secret sec[1024];
	static char names[1024][32];
	static char line[4096];
	size_t n = 0;
	struct err e = {0};
	struct tree t;

	if (argc < 3) {
		fprintf(stderr, "usage: driver SECRETS LOCK ROOT...\n"
				"       driver SECRETS --ceiling\n");
		return 2;
	}
	double t0 = now_ms();
	FILE *f = fopen(argv[1], "r");

	while (f && n < 1024 && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		snprintf(names[n], sizeof names[n], "BENCH_SECRET_%03zu", n + 1);
		sec[n] = (struct scan_secret){names[n], strdup(line),
					      strlen(line)};
		n++;
	}
	if (f)
		fclose(f);
	struct scan *s = scan_new(sec, n, &e);

	if (strcmp(argv[2], "--ceiling") == 0) {
		unsigned cpus = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);

		printf("sha256 alone: %.2f GB/s on 1 thread, %.2f GB/s on %u; "
		       "sha256 + scan: %.2f GB/s on %u\n",
		       ceiling(NULL, 1), ceiling(NULL, cpus), cpus,
		       ceiling(s, cpus), cpus);
		return 0;
	}
	struct tree_opts o = {.roots = (const char *const *)argv + 3,
			      .nroots = (size_t)argc - 3,
			      .scan = s,
			      .hash = 1};

	if (s == NULL || tree_hash_scan(&o, &t, &e) < 0) {
		fprintf(stderr, "driver: %s\n", e.msg);
		return 1;
	}
	FILE *lock = fopen(argv[2], "w");

	for (size_t i = 0; lock && i < t.nfiles; i++) {
		char hex[65];

		for (int k = 0; k < 32; k++) {
			hex[2 * k] = "0123456789abcdef"[t.files[i].sha256[k] >> 4];
			hex[2 * k + 1] = "0123456789abcdef"[t.files[i].sha256[k] & 15];
		}
		hex[64] = '\0';
		fputs(hex, lock);
		fputs("  ", lock);
		fputs(t.files[i].path, lock);
		fputc('\n', lock);
	}
	if (lock)
		fclose(lock);
	double total = now_ms() - t0;

	printf("files %zu bytes %llu patterns %zu threads %u walk_ms %.1f "
	       "hash_ms %.1f total_ms %.1f hits %zu findings %zu\n",
	       t.nfiles, (unsigned long long)t.bytes, scan_patterns(s),
	       t.threads, t.walk_ms, t.hash_ms, total, t.nhits, t.nfindings);
	for (size_t i = 0; i < t.nhits; i++)
		printf("hit %s %s offset %llu %s\n", sec[t.hits[i].secret].name,
		       t.files[t.hits[i].file].path,
		       (unsigned long long)t.hits[i].offset,
		       t.hits[i].encoding);
	tree_free(&t);
	scan_free(s);
	return 0;
}
C

deps=$repo/build/deps
s=$repo/src
musl-gcc -std=c11 -O2 -g -D_GNU_SOURCE -static -isystem "$deps/uapi" \
	-I"$deps/include" -I"$s/base" -I"$s/input" -I"$s/secret" -I"$s/proof" \
	-o "$work/driver" "$work/driver.c" \
	"$s/proof/tree.c" "$s/proof/tree_walk.c" "$s/proof/tree_hash.c" "$s/secret/scan.c" "$s/secret/forms.c" "$s/base/buf.c" \
	"$s/base/beneath.c" "$s/base/io.c" "$s/input/url.c" "$s/base/hex.c" \
	"$s/base/vec.c" "$s/base/arena.c" "$s/base/err.c" "$deps/lib/libnettle.a"
drv_a="$work/driver $work/secrets.txt $work/A.lock A"
drv_b="$work/driver $work/secrets.txt $work/B.lock B"
if "$cr" verify --help >/dev/null 2>&1; then
	mode="cleanroom verify"
	# verify exits 65 on A: the planted secrets are findings.
	# Both pass the whole set through every check: A without a lock
	# (--no-lock), B against the lock written below, untimed.
	run_a="$cr -C $work verify ${VERIFY_ARGS:---output A --env bench.env --manifest none --no-lock}"
	run_b="$cr -C $work verify ${VERIFY_ARGS_B:---output B --manifest none}"
	"$cr" -q -C "$work" lock ${VERIFY_ARGS_B:---output B --manifest none}
else
	mode="the tree_hash_scan driver (no cleanroom verify yet)"
	run_a=$drv_a
	run_b=$drv_b
fi
cd "$work"
echo "bench: timing $mode; $(nproc) CPUs, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"

# The ceiling: SHA-256 (and the scan) with no I/O, from a cache-resident
# buffer: no pass over files can beat it.
echo "bench: ceiling, no I/O: $("$work/driver" "$work/secrets.txt" --ceiling)"

# One untimed run of the driver per tree: the cache is warm, the planted
# secrets show, and A's lock is checked against sha256sum.
$drv_a | sed 's/^/bench: A: /'
$drv_b | sed 's/^/bench: B: /'
find A -type f -print0 | xargs -0 sha256sum | LC_ALL=C sort -k2 >A.ref
if cmp -s A.ref A.lock; then
	echo "bench: A's lock equals find | xargs sha256sum | sort"
else
	echo "bench: A's lock DIFFERS from sha256sum's output"
fi

# hyperfine, one JSON per group; figures are medians. grep and rg are slow
# on A (seconds to tens of seconds a run): fewer runs, no warm-up (the
# cache is warm by then).
hf() {
	local out=$1 n=$2 w=$3
	shift 3
	hyperfine --warmup "$w" --runs "$n" -i --export-json "$out" "$@" \
		>/dev/null 2>"$out.log" || { cat "$out.log" >&2; exit 1; }
}
slow=$((runs < 3 ? runs : 3))
hf a.json "$runs" 1 -n cleanroom "$run_a" \
	-n 'find|xargs sha256sum' 'find A -type f -print0 | xargs -0 sha256sum >/dev/null' \
	-n 'find|xargs -P2 sha256sum' 'find A -type f -print0 | xargs -0 -P2 -n 2000 sha256sum >/dev/null' \
	-n 'rhash --sha256 -r' 'rhash --sha256 -r A >/dev/null'
hf a2.json "$slow" 0 -n 'rg -F -f secrets' 'rg -F -f secrets.txt A >/dev/null' \
	-n 'rg -aF -f secrets' 'rg -a -F -f secrets.txt A >/dev/null' \
	-n 'grep -rF -f secrets' 'grep -rF -f secrets.txt A >/dev/null'
hf b.json "$runs" 1 -n cleanroom "$run_b" \
	-n 'find|xargs sha256sum' 'find B -type f -print0 | xargs -0 sha256sum >/dev/null' \
	-n 'find|xargs -P2 sha256sum' 'find B -type f -print0 | xargs -0 -P2 -n 2000 sha256sum >/dev/null' \
	-n 'rhash --sha256 -r' 'rhash --sha256 -r B >/dev/null'

python3 - "$work" <<'PY'
import json, os, sys
work = sys.argv[1]
def load(*names):
    rows = []
    for name in names:
        for x in json.load(open(os.path.join(work, name)))["results"]:
            t = sorted(x["times"])
            rows.append((x["command"], t[len(t) // 2], t[0]))
    return rows
abytes = sum(os.path.getsize(os.path.join(d, f))
             for d, _, fs in os.walk(os.path.join(work, "A")) for f in fs)
for tree, names, files in (("A", ("a.json", "a2.json"), 20000),
                           ("B", ("b.json",), 100000)):
    rows = load(*names)
    base = rows[0][1]
    for cmd, med, mn in rows:
        extra = ("%5.2f GB/s" % (abytes / med / 1e9)) if tree == "A" else \
            ("%7.0f files/s" % (files / med))
        print("bench: %s %-24s median %7.3f s  min %7.3f s  %s  %6.2fx"
              % (tree, cmd, med, mn, extra, med / base))
PY

# Peak memory.
for t in A B; do
	run=$run_a
	[ "$t" = B ] && run=$run_b
	rss=$({ /usr/bin/time -v $run 2>&1 >/dev/null || true; } |
		sed -n 's/.*Maximum resident set size (kbytes): //p')
	echo "bench: $t peak RSS ${rss} KiB ($((rss / 1024)) MiB)"
done

# Where the time goes (PERF=1): the driver's profile by symbol, warm cache.
if [ "${PERF:-0}" != 0 ] && command -v perf >/dev/null; then
	for t in A B; do
		run=$drv_a
		[ "$t" = B ] && run=$drv_b
		perf record -q -o "$work/perf-$t.data" $run >/dev/null 2>&1 || continue
		perf report -i "$work/perf-$t.data" --stdio --no-children \
			--sort dso,symbol 2>/dev/null | grep '%' | head -n 12 |
			sed "s/^/bench: $t perf: /"
	done
fi

# Cold cache: one run each right after dropping the page cache (of the
# whole machine).
if [ "${COLD:-1}" != 0 ] && { echo 3 >/proc/sys/vm/drop_caches; } 2>/dev/null; then
	cold() {
		local s e
		sync
		echo 3 >/proc/sys/vm/drop_caches
		s=$(date +%s.%N)
		eval "$1" >/dev/null 2>&1 || true
		e=$(date +%s.%N)
		awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", e - s }'
	}
	a=$(cold "$run_a")
	b=$(cold 'find A -type f -print0 | xargs -0 sha256sum')
	awk -v a="$a" -v b="$b" 'BEGIN {
		printf "bench: A cold cache: cleanroom %.3f s (%.2f GB/s), find|xargs sha256sum %.3f s (%.2fx)\n", a, 1073741824 / a / 1e9, b, b / a }'
else
	echo "bench: cold cache not measured (/proc/sys/vm/drop_caches is not writable, or COLD=0)"
fi
