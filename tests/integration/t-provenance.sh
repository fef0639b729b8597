#!/usr/bin/env bash
# The provenance statement through the binary: `run` writes it beside the
# lock, outside the output roots; its subjects are the lock's entries; it
# is not an output; the values of variables never appear in it (the names
# do); the dependency lock files' digests are in it; `verify` fails (65)
# when the statement or the lock is altered, passes without one unless
# --require-provenance; `lock` drops a statement of another output set;
# `reproduce` still finds the builds identical; a place inside an output
# root is refused (78).
. "$(dirname "$0")/lib.sh"
cd "$SCRATCH" || exit 1
cr() { env -i PATH=/usr/bin:/bin HOME=/root "$CLEANROOM" "$@"; }
SECRET=pv_secret_7d41c0ffee9a8b
PLAINV=plain_value_5e6f7a8b9c

mkdir app && cd app || exit 1
printf 'export DEPLOY_TOKEN=%s\nexport MODE_FLAG=%s\n' "$SECRET" "$PLAINV" >.aptible.env
printf '{"lockfileVersion": 3}\n' >package-lock.json
printf 'GEM\n  specs:\n' >Gemfile.lock
printf 'flask==3.0\n' >requirements-prod.txt
cat >cleanroom.yml <<'YML'
framework: none
command: mkdir -p out/js && printf 'a()' > out/js/app-1a2b.js && printf 'body{}' > out/site.css && printf 'x' > 'out/we"ird name.txt'
outputs:
  root: out
  manifest: none
YML
run cr run
assert_rc 0 "run with a spec"
assert_contains "$ERR" "provenance   ok       3 subjects written to cleanroom.provenance.json" "the summary names it"
P=cleanroom.provenance.json
if [ -f "$P" ]; then pass "written beside the workdir (the lock is in the output root)"; else fail "no $P"; fi
if [ -e out/$P ]; then fail "a statement inside the output root"; else pass "none inside the output root"; fi
run grep -c "$P" out/cleanroom.lock
assert_eq "$OUT" "0" "not in the lock's file list"

# What it says, read by Python's JSON parser.
run python3 - "$P" out/cleanroom.lock <<'PY'
import json, sys, hashlib
st = json.load(open(sys.argv[1]))
lock = {}
for line in open(sys.argv[2]):
    h, name = line.rstrip("\n").split("  ", 1)
    lock[name] = h
subj = {s["name"]: s["digest"]["sha256"] for s in st["subject"]}
print("type", st["_type"], st["predicateType"])
print("subjects-equal", subj == lock, len(subj))
bd = st["predicate"]["buildDefinition"]
ep = bd["externalParameters"]
print("withheld", ",".join(ep["environment"]["withheld"]))
print("given-has-mode", "MODE_FLAG" in ep["environment"]["given"])
spec = hashlib.sha256(open("cleanroom.yml", "rb").read()).hexdigest()
print("spec", ep["spec"]["name"], ep["spec"]["digest"]["sha256"] == spec)
for d in bd["resolvedDependencies"]:
    ok = hashlib.sha256(open(d["name"], "rb").read()).hexdigest() == d["digest"]["sha256"]
    print("dep", d["name"], ok)
rd = st["predicate"]["runDetails"]
print("builder", rd["builder"]["version"]["cleanroom"] != "")
print("times", rd["metadata"]["startedOn"] <= rd["metadata"]["finishedOn"], rd["metadata"]["startedOn"].endswith("Z"))
print("sandbox", rd["byproducts"][0]["annotations"]["summary"].startswith("sandbox: "))
canon = json.dumps(st, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
print("canonical", canon == open(sys.argv[1]).read())
PY
assert_rc 0 "the statement parses as JSON"
assert_contains "$OUT" "type https://in-toto.io/Statement/v1 https://slsa.dev/provenance/v1" "in-toto v1, SLSA provenance v1"
assert_contains "$OUT" "subjects-equal True 3" "subjects are the lock's entries"
assert_contains "$OUT" "withheld DEPLOY_TOKEN" "the withheld name"
assert_contains "$OUT" "given-has-mode True" "a given name"
assert_contains "$OUT" "spec cleanroom.yml True" "the spec's digest"
assert_contains "$OUT" "dep Gemfile.lock True" "Gemfile.lock's digest"
assert_contains "$OUT" "dep package-lock.json True" "package-lock.json's digest"
assert_contains "$OUT" "dep requirements-prod.txt True" "requirements*.txt's digest"
assert_contains "$OUT" "times True True" "RFC 3339 UTC times in order"
assert_contains "$OUT" "sandbox True" "the sandbox line"
assert_contains "$OUT" "canonical True" "sorted keys, no white space"
run grep -c -e "$SECRET" -e "$PLAINV" "$P"
assert_eq "$OUT" "0" "no variable's value in the statement"

run cr verify
assert_rc 0 "verify passes"
assert_contains "$ERR" "provenance   ok       3 subjects match the lock" "and says the statement matches"
cp "$P" "$SCRATCH/good.json"
cp out/cleanroom.lock "$SCRATCH/good.lock"

# A subject's digest changed in the statement.
H=$(sha256sum out/site.css | cut -c1-64)
sed "s/$H/$(printf '0%.0s' $(seq 64))/" "$SCRATCH/good.json" >"$P"
run cr verify
assert_rc 65 "a subject digest changed: 65"
assert_contains "$ERR" "error: provenance: out/site.css: SHA-256 differs: 0000" "names the file and both digests"
# A subject added, one removed (renamed).
sed 's#"name":"out/site.css"#"name":"out/other.css"#' "$SCRATCH/good.json" >"$P"
run cr verify
assert_rc 65 "a subject renamed: 65"
assert_contains "$ERR" "out/other.css: a subject of the provenance statement, not in the lock" "the added subject"
assert_contains "$ERR" "out/site.css: in the lock, not a subject of the provenance statement" "the removed one"
# Not a statement.
printf '{"_type":"x"}\n' >"$P"
run cr verify
assert_rc 65 "another _type: 65"
assert_contains "$ERR" "not a provenance statement cleanroom can check: _type" "says why"
cp "$SCRATCH/good.json" "$P"

# The lock altered (and the output with it): the lock check passes, the
# statement no longer matches.
printf 'body{color:red}' >out/site.css
sha256sum out/js/app-1a2b.js out/site.css 'out/we"ird name.txt' | sort -k2 >out/cleanroom.lock
run cr verify
assert_rc 65 "a lock rewritten by hand: 65"
assert_contains "$ERR" "error: provenance: out/site.css: SHA-256 differs" "names the file"
assert_not_contains "$ERR" "error: lock:" "the lock itself matches the outputs"
run cr verify --no-provenance
assert_rc 0 "--no-provenance: not checked"
assert_contains "$ERR" "provenance   skipped  off (provenance: false)" "and says so"

# `lock` drops the statement of another output set.
run cr lock
assert_rc 0 "lock"
assert_contains "$ERR" "removed: it described another output set" "says it removed the statement"
if [ -e "$P" ]; then fail "stale statement kept"; else pass "stale statement removed"; fi
run cr verify
assert_rc 0 "verify without a statement passes (older locks)"
assert_contains "$ERR" "provenance   skipped  no statement at cleanroom.provenance.json" "and says none was there"
run cr verify --require-provenance
assert_rc 65 "--require-provenance without one: 65"
run cr verify --require-provenance --no-provenance
assert_rc 64 "--require-provenance with --no-provenance: 64"
run cr run --provenance x.json --no-provenance
assert_rc 64 "--provenance with --no-provenance: 64"

# `lock` keeps a statement that still describes the set.
run cr run
assert_rc 0 "run again"
run cr lock
assert_not_contains "$ERR" "removed:" "lock keeps a matching statement"
if [ -f "$P" ]; then pass "still there"; else fail "matching statement removed"; fi

# --no-provenance: none written; the old one is left alone.
rm -f "$P"
run cr run --no-provenance
assert_rc 0 "run --no-provenance"
if [ -e "$P" ]; then fail "written despite --no-provenance"; else pass "not written"; fi

# A place inside an output root is refused before the build.
run cr run --provenance out/p.json
assert_rc 78 "inside an output root: 78"
assert_contains "$ERR" "is inside an output root" "says why"
mkdir -p real && ln -s ../out real/link
run cr run --provenance real/link/p.json
assert_rc 78 "through a link (into an output root): 78"
assert_contains "$ERR" "a symbolic link on the way" "says why"
if [ -e out/p.json ]; then fail "written into the root"; else pass "nothing written into the root"; fi
# A place of the user's choosing, outside.
run cr run --provenance release/app.json
assert_rc 0 "--provenance release/app.json"
if [ -f release/app.json ]; then pass "written there"; else fail "not at release/app.json"; fi
run cr verify --provenance release/app.json
assert_rc 0 "verify reads it there"
# outputs.lock outside the roots: the statement beside it.
mkdir meta
run cr run --lock meta/assets.lock
assert_rc 0 "run with the lock outside the roots"
if [ -f meta/assets.provenance.json ]; then pass "beside the lock"; else fail "not beside meta/assets.lock"; fi
# A link at the statement's place is replaced, never followed.
echo keep >"$SCRATCH/target"
rm -f "$P" && ln -s "$SCRATCH/target" "$P"
run cr run
assert_rc 0 "run over a link at the statement's place"
assert_eq "$(cat "$SCRATCH/target")" "keep" "the link's target is untouched"
if [ -L "$P" ]; then fail "still a link"; else pass "the link was replaced"; fi

# reproduce compares locks: still identical with statements written.
run cr reproduce
assert_rc 0 "reproduce with provenance on"
assert_contains "$OUT$ERR" "reproducible: both builds made the same 3 files" "identical"
finish
