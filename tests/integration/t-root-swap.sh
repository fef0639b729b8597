#!/usr/bin/env bash
# A build that swaps an output root (or a directory above it) for a link
# out of the tree: nothing outside is read into the set, removed, restored
# into or locked, as root; verification fails naming the root. A root the
# build re-creates as a directory is fine; a root the spec names through a
# link is followed only to where it led before the build.
. "$(dirname "$0")/lib.sh"
mkdir "$SCRATCH/app" "$SCRATCH/victim" && cd "$SCRATCH/app" || exit 1
victim=$SCRATCH/victim
for f in keep1.txt keep2.txt; do echo "precious $f" >"$victim/$f"; done
victim_state() { (cd "$victim" && find . -printf '%p %s %m\n' | sort | sha256sum); }
before=$(victim_state)
mkdir -p src pub
echo 'a{}' >src/app.css
# The root's parent is writable: the build may replace the root itself.
cat >cleanroom.yml <<'END'
framework: none
command: "mkdir -p pub/assets && cp src/app.css pub/assets/app-1.css"
sandbox: {writable: [pub]}
outputs: {root: pub/assets, manifest: none}
inputs: [src]
END
cr() { env -i PATH=/usr/bin:/bin HOME=/root "$CLEANROOM" "$@"; }

run cr start -- true
assert_rc 0 "the first start builds"
assert_eq "$(ls pub/assets)" "app-1.css
cleanroom.lock" "and locks"

# A failing build swaps the root for a link to the victim.
echo 'b{}' >src/app.css
sed -i "s|command: \".*\"|command: \"rm -rf pub/assets \&\& ln -s $victim pub/assets \&\& exit 3\"|" cleanroom.yml
run cr start -- true
assert_rc 3 "the failing build's status"
assert_eq "$(victim_state)" "$before" "start's restore removed nothing outside and wrote nothing there"
assert_eq "$(ls "$victim")" "keep1.txt
keep2.txt" "no app-1.css, no cleanroom.lock outside"
if [ -d pub/assets ] && [ ! -L pub/assets ]; then
	pass "the root is a real directory again"
else
	fail "the root is a real directory again" "$(ls -la pub)"
fi
assert_eq "$(ls pub/assets)" "app-1.css
cleanroom.lock" "holding the previous verified set"
run sha256sum -c --quiet pub/assets/cleanroom.lock
assert_rc 0 "which passes sha256sum -c"
run cr verify
assert_rc 0 "verify passes on the restored set"

# The same swap in a build that succeeds: verification fails (65),
# naming the root, and no lock is written through the link.
sed -i "s|exit 3|true|" cleanroom.yml
run cr run
assert_rc 65 "a root swapped for a link fails verification"
assert_contains "$ERR" "pub/assets" "naming the root"
assert_contains "$ERR" "not the real directory it was" "saying why"
assert_eq "$(victim_state)" "$before" "nothing written outside"
rm -f pub/assets

# A directory above the root swapped for a link (writable: [.] lets the
# build replace pub itself).
sed -i 's|writable: \[pub\]|writable: [pub, "."]|' cleanroom.yml
mkdir -p "$victim/assets-dir"
cp "$victim/keep1.txt" "$victim/assets-dir/"
before=$(victim_state)
sed -i "s|command: \".*\"|command: \"rm -rf pub \&\& ln -s $victim/. pub\"|" cleanroom.yml
rm -rf pub && mkdir pub
run cr run --output pub/assets-dir
assert_rc 65 "a parent of the root swapped for a link fails verification"
assert_eq "$(victim_state)" "$before" "nothing written outside"
rm -f pub && mkdir -p pub
sed -i 's|writable: \[pub, "."\]|writable: [pub]|' cleanroom.yml

# rm -rf and re-create, as `rm -rf dist && vite build` does: fine.
sed -i "s|command: \".*\"|command: \"rm -rf pub/assets \&\& mkdir pub/assets \&\& cp src/app.css pub/assets/app-2.css\"|" cleanroom.yml
run cr run
assert_rc 0 "a root deleted and re-created as a directory passes"

# A root the spec names through a link: followed to where it led
# before the build, and no further.
mkdir -p real/assets
rm -rf pub/assets
ln -s ../real/assets pub/assets
sed -i "s|command: \".*\"|command: \"cp src/app.css pub/assets/app-3.css\"|" cleanroom.yml
run cr run
assert_rc 0 "a root named through a link passes"
if [ -f real/assets/cleanroom.lock ] && [ -L pub/assets ]; then
	pass "its lock is written where the link led"
else
	fail "its lock is written where the link led" "$(ls -la pub real/assets)"
fi
before=$(victim_state)
sed -i "s|command: \".*\"|command: \"ln -sfn $victim pub/assets\"|" cleanroom.yml
run cr run
assert_rc 65 "a link repointed by the build fails verification"
assert_contains "$ERR" "another directory than before the build" "saying so"
assert_eq "$(victim_state)" "$before" "nothing written outside"
finish
