#!/usr/bin/env bash
# Django's STATICFILES_DIRS as start's inputs: `cleanroom init` runs
# manage.py once in the sandbox, writes the folders the preset's
# patterns (static, */static) miss into `inputs:`, and says what it could
# not learn (a folder outside the workdir, settings that fail); start then
# rebuilds when a file there changes. With the preset's inputs, doctor
# names STATICFILES_DIRS and the key to add.
. "$(dirname "$0")/lib.sh"
if ! /usr/bin/python3 -c 'import django' 2>/dev/null; then
	skip "python3 cannot import django (scripts/example-deps.sh installs python3-django)"
	finish
fi
mkdir -p "$SCRATCH/app/proj/static" "$SCRATCH/app/assets" "$SCRATCH/app/third/css" \
	"$SCRATCH/elsewhere"
cd "$SCRATCH/app" || exit 1
cr() { env -i PATH=/usr/bin:/bin HOME=/root "$CLEANROOM" "$@"; }
cat >manage.py <<'END'
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")
from django.core.management import execute_from_command_line
execute_from_command_line(sys.argv)
END
: >proj/__init__.py
cat >proj/settings.py <<END
from pathlib import Path
BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "not-a-secret"
INSTALLED_APPS = ["django.contrib.staticfiles"]
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_STORAGE = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
STATICFILES_DIRS = [BASE_DIR / "assets", ("vendor", BASE_DIR / "third" / "css"),
                    BASE_DIR / "proj" / "static", "$SCRATCH/elsewhere"]
try:
    open(BASE_DIR / "written-by-settings", "w").write("x")
except OSError:
    pass
END
echo 'a{}' >assets/a.css
echo 'v{}' >third/css/v.css
echo 'p{}' >proj/static/p.css
echo 'e{}' >"$SCRATCH/elsewhere/e.css"

# ---- the preset's inputs: the bug, and doctor's note ------------------
run cr start -- true
assert_rc 0 "preset inputs: the first start builds"
echo 'a2{}' >assets/a.css
run cr start -- true
assert_contains "$ERR" "start: fresh" \
	"preset inputs: a change in a STATICFILES_DIRS folder outside */static goes unseen"
run cr doctor
assert_contains "$OUT$ERR" "note: proj/settings.py sets STATICFILES_DIRS" "doctor names the setting"
assert_contains "$OUT$ERR" "add the other folders to inputs:" "doctor names the spec key"
cr doctor --format json >"$SCRATCH/doctor.json" 2>/dev/null
assert_eq "$(python3 -c 'import json,sys; print(any("STATICFILES_DIRS" in w["message"] and "inputs:" in w["hint"] for w in json.load(open(sys.argv[1]))["warnings"]))' "$SCRATCH/doctor.json")" \
	True "doctor --format json: the note is among the warnings, with its hint"
rm -rf .cleanroom staticfiles

# ---- init learns them ----------------------------------------------
run cr init
assert_rc 0 "init: exit 0"
assert_contains "$ERR" "init: STATICFILES_DIRS has assets: added to inputs" "init: learned assets"
assert_contains "$ERR" "init: STATICFILES_DIRS has third/css: added to inputs" "init: learned a (prefix, path) pair"
assert_not_contains "$ERR" "has proj/static" "init: not what */static covers"
assert_contains "$ERR" "not learned: $SCRATCH/elsewhere (outside the workdir)" "init: says what it cannot learn"
assert_contains "$(cat cleanroom.yml)" "uv.lock, assets, third/css]" "init: the folders in the spec's inputs"
assert_contains "$(tr '\n' ' ' <cleanroom.yml)" "# Not learned: $SCRATCH/elsewhere" "init: and the rest as a comment"
# Landlock refuses the write; without it (the no-landlock profile), as
# root, the build user's modes do (the workdir is root's).
case "$(cr doctor 2>&1)" in
*"landlock     on"* | *"identity     on"*)
	if [ -e written-by-settings ]; then fail "init: manage.py ran in the sandbox (no write outside)"
	else pass "init: manage.py ran in the sandbox (no write outside)"; fi ;;
*) absent "init: the sandbox's write restriction: neither Landlock nor a build user here" ;;
esac
if [ -e staticfiles ]; then fail "init: leaves no output directory behind"; else pass "init: leaves no output directory behind"; fi
run cr doctor
assert_not_contains "$OUT$ERR" "sets STATICFILES_DIRS" "doctor: quiet once the spec lists inputs"

run cr start -- true
assert_rc 0 "learned inputs: start builds"
echo 'a3{}' >assets/a.css
run cr start -v -- true
assert_contains "$ERR" "start: stale because input assets/a.css (file): content changed" \
	"learned inputs: a change in a STATICFILES_DIRS folder rebuilds"
echo 'v2{}' >third/css/v.css
run cr start -- true
assert_contains "$ERR" "start: stale" "learned inputs: so does one in the pair's folder"

# ---- settings that fail: said, and the spec is still written ----------
rm cleanroom.yml
sed -i 's|^SECRET_KEY = .*|import os; SECRET_KEY = os.environ["SECRET_KEY"]|' proj/settings.py
run cr init
assert_rc 0 "failing settings: init still writes the spec"
assert_contains "$ERR" "not learned: manage.py failed in the sandbox" "failing settings: said"
assert_contains "$(tr '\n' ' ' <cleanroom.yml)" "# Not learned: manage.py failed in the sandbox" \
	"failing settings: and in the spec"

finish
