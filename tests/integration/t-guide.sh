#!/usr/bin/env bash
# The CLI that guides, at the command line: `doctor --format json` and
# `diff --format json` print one JSON document with the documented keys
# (parsed by python3's json module, and by jq where installed), and a
# mistyped command, option or framework name gets a did-you-mean hint.
. "$(dirname "$0")/lib.sh"

mkdir -p "$SCRATCH/app" && cd "$SCRATCH/app" || exit 1
cr() { env -i PATH=/usr/bin:/bin HOME=/root "$CLEANROOM" "$@"; }

# keys FILE KEY...: the top-level object of FILE has every KEY.
keys() {
	python3 - "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
missing = [k for k in sys.argv[2:] if k not in d]
print("missing: " + " ".join(missing) if missing else "ok")
PY
}

# ---- doctor --format json --------------------------------------------
cr doctor --format json --framework none >"$SCRATCH/doctor.json" 2>"$SCRATCH/doctor.err"
assert_rc_of=$?
assert_eq "$assert_rc_of" 0 "doctor --format json: exit 0"
run python3 -m json.tool "$SCRATCH/doctor.json"
assert_rc 0 "doctor --format json parses (python3 -m json.tool)"
assert_eq "$(keys "$SCRATCH/doctor.json" cleanroom exit_status reason hint kernel layers plan environment findings)" \
	ok "doctor --format json: the documented keys"
assert_eq "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["cleanroom"], d["exit_status"], all("name" in l and "state" in l for l in d["layers"]))' "$SCRATCH/doctor.json")" \
	"doctor 0 True" "doctor --format json: its command, status and each layer's name and state"
echo 'cleanroom: {bogus: 1}' >cleanroom.yml
cr doctor --format json >"$SCRATCH/doctor-bad.json" 2>/dev/null
rc=$?
assert_eq "$rc" 78 "doctor --format json with a bad spec: 78"
assert_eq "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["exit_status"], len(d["findings"]) > 0)' "$SCRATCH/doctor-bad.json")" \
	"78 True" "doctor --format json: the status and the findings in the document"
rm cleanroom.yml

# ---- diff --format json ----------------------------------------------
mkdir -p one/out two/out
echo 1 >one/out/a.txt; echo 2 >one/out/b.txt
echo 1 >two/out/a.txt; echo 3 >two/out/b.txt; echo 4 >two/out/c.txt
(cd one && cr lock --output out 2>/dev/null)
(cd two && cr lock --output out 2>/dev/null)
cr diff --format json one/out/cleanroom.lock two/out/cleanroom.lock >"$SCRATCH/diff.json" 2>/dev/null
assert_eq "$?" 65 "diff --format json of two sets that differ: 65"
run python3 -m json.tool "$SCRATCH/diff.json"
assert_rc 0 "diff --format json parses"
assert_eq "$(keys "$SCRATCH/diff.json" cleanroom exit_status reason hint a b identical counts added removed changed)" \
	ok "diff --format json: the documented keys"
assert_eq "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["identical"], d["counts"], [x["path"] for x in d["added"]], [x["path"] for x in d["changed"]])' "$SCRATCH/diff.json")" \
	"False {'added': 1, 'removed': 0, 'changed': 1} ['out/c.txt'] ['out/b.txt']" \
	"diff --format json: what was added and changed"
cr diff --format json one/out/cleanroom.lock one/out/cleanroom.lock >"$SCRATCH/same.json" 2>/dev/null
assert_eq "$?" 0 "diff --format json of one set with itself: 0"
assert_eq "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["identical"])' "$SCRATCH/same.json")" \
	True "diff --format json: identical"
if command -v jq >/dev/null; then
	assert_eq "$(jq -r '.counts.changed' "$SCRATCH/diff.json")" 1 "diff --format json parses with jq"
	assert_eq "$(jq -r '.cleanroom' "$SCRATCH/doctor.json")" doctor "doctor --format json parses with jq"
else
	absent "jq is not installed: python3 parsed both documents"
fi

# ---- did you mean ----------------------------------------------------
run cr doctr
assert_rc 64 "a mistyped command: usage error"
assert_contains "$ERR" "unknown command 'doctr'" "a mistyped command: named"
assert_contains "$ERR" "hint: did you mean 'doctor'?" "a mistyped command: did you mean"
run cr strat -- true
assert_contains "$ERR" "did you mean 'start'?" "another mistyped command"
run cr run --outptu out -- true
assert_rc 64 "a mistyped option: usage error"
assert_contains "$ERR" "unknown option '--outptu'" "a mistyped option: named"
assert_contains "$ERR" "hint: did you mean '--output'?" "a mistyped option: did you mean"
run cr run --framework djngo -- true
assert_rc 64 "a mistyped framework: usage error"
assert_contains "$ERR" "hint: did you mean 'django'?" "a mistyped framework: did you mean"
run cr init --framework vtie
assert_contains "$ERR" "did you mean 'vite'?" "init: a mistyped framework: did you mean"
run cr run --frobnicate -- true
assert_not_contains "$ERR" "did you mean" "nothing near: no guess"

finish
