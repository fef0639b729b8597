#!/usr/bin/env python3
"""The benchmarks' generated trees, deterministic (seeded) so figures
compare across runs and machines.

  A: 20,000 files, 1 GiB, log-normal sizes 200 B - 2 MiB (median ~16 KB),
     55% random bytes, 45% minified-JS-like text, six of the 200 secrets
     planted (raw, JSON-escaped, URL-encoded, base64, base64url);
  B: 100,000 files, ~50 MiB (median ~480 B).
Also secrets.txt (one value a line) and bench.env (BENCH_SECRET_NNN='v').

Usage: bench-trees.py DIR
"""
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
