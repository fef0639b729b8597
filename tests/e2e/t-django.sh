#!/usr/bin/env bash
# The Django example (examples/django: Django 3.2 from Debian's
# python3-django, ManifestStaticFilesStorage) built for real by
# `manage.py collectstatic` under the default sandbox: with the preset
# alone (detected, no spec), then with a cleanroom.yml that reads an
# .aptible.env holding secrets. staticfiles.json is checked, the lock
# passes sha256sum -c, verify and a second start pass. Then the failures a
# user meets: settings that need a secret cleanroom withholds, and a
# collected file deleted after the build.
. "$(dirname "$0")/lib.sh"
need_example django

assert_absent() { # PATH DESC
	if [ -e "$1" ]; then fail "$2" "$1 exists"; else pass "$2"; fi
}

# E2E_PATH puts Debian's python3 (which sees python3-django) first.
mkdir "$SCRATCH/home"
cr() { env -i PATH="$E2E_PATH" HOME="$SCRATCH/home" "$CLEANROOM" "$@"; }

pristine_example django staticfiles .cleanroom

# ---- the preset alone -----------------------------------------------
cd "$APP" || exit 1
run cr run
assert_rc 0 "preset, no spec: collectstatic builds in the sandbox"
case "$IN_DOCKER" in
"" | default*) assert_contains "$ERR" "sandbox: landlock v" "writes restricted by Landlock" ;;
esac
assert_contains "$ERR" "seccomp net-deny" "network denied"
assert_contains "$ERR" "manifest     ok       staticfiles/staticfiles.json (5 entries)" \
	"staticfiles.json is the manifest checked, all 5 entries"
assert_not_contains "$ERR" "no framework manifest found" "not manifest: none"
assert_contains "$ERR" "fingerprint  ok       5 recomputed from the bytes, 0 mismatched" \
	"every fingerprint recomputed from the bytes"
assert_contains "$ERR" "writes       ok       nothing outside the writable set" \
	"no stray writes (no __pycache__ in the sources)"
assert_contains "$ERR" "lock: staticfiles/cleanroom.lock (" "lock written"
css=$(cat staticfiles/shop/css/site.[0-9a-f]*.css 2>/dev/null)
if [[ $css =~ url\(\"\.\./img/logo\.[0-9a-f]{12}\.png\"\) ]]; then
	pass "the image reference in site.css is rewritten to the hashed name"
else
	fail "the image reference in site.css is rewritten to the hashed name" "$css"
fi
if [[ $css =~ url\(\"\.\./fonts/shop-sans\.[0-9a-f]{12}\.woff2\"\) ]]; then
	pass "the font reference is rewritten"
else
	fail "the font reference is rewritten" "$css"
fi
# The preset's inputs are globs (*/static, */settings.py): the CSS change
# is in an app's static directory.
check_after_run "preset" staticfiles/cleanroom.lock \
	"django True ok staticfiles/staticfiles.json (5 entries)" \
	shop/static/shop/css/base.css

# A file staticfiles.json lists, deleted after the build.
logo=$(cd staticfiles/shop/img && ls logo.[0-9a-f]*.png)
rm "staticfiles/shop/img/$logo"
run cr verify
assert_rc 65 "a manifest entry deleted: verify exits 65"
assert_contains "$ERR" "error: manifest: staticfiles/shop/img/$logo: missing" "names the missing file"

# ---- a spec and an .aptible.env ------------------------------------
fresh_copy django-spec
cat >.aptible.env <<'END'
DJANGO_SETTINGS_MODULE=shop.settings
SECRET_KEY=dj4ng0-pr0d-k3y-8c1f0e7a9b2d4c6e
DATABASE_URL=postgres://u:pw@h/db
ALLOWED_HOSTS=shop.example.com
END
cat >cleanroom.yml <<'END'
framework: django
env:
  files: [.aptible.env]
  require: [DJANGO_SETTINGS_MODULE]
outputs:
  root: staticfiles
  manifest: django
  require: ["shop/css/site.*.css", "staticfiles.json"]
  min_files: 5
inputs: [shop, catalog, manage.py]
END
run cr run
assert_rc 0 "spec with .aptible.env: builds"
assert_contains "$ERR" "2 withheld" "SECRET_KEY and DATABASE_URL are withheld"
assert_contains "$ERR" "manifest     ok       staticfiles/staticfiles.json (5 entries)" \
	"staticfiles.json is checked"
# postgres://u:pw@h/db: the URL is searched, its 2-byte password alone
# is not, and the secrets line says so.
assert_contains "$ERR" "secrets      ok       0 matches; not searched: too short: DATABASE_URL's URL password (2 bytes)" \
	"no secret in the outputs; the short password named as not searched"
assert_not_contains "$ERR$OUT" "dj4ng0-pr0d-k3y" "the secret is never printed"
run sha256sum -c --quiet staticfiles/cleanroom.lock
assert_rc 0 "spec: the lock passes sha256sum -c"
run cr verify
assert_rc 0 "spec: a second verify passes"
run cr start -- sh -c 'echo served'
assert_rc 0 "spec: start serves"
run cr start -- sh -c 'echo served'
assert_contains "$ERR" "start: fresh" "spec: second start is fresh"
assert_eq "$OUT" "served" "spec: only the server's output"

# ---- settings that need a withheld secret ----------------------------
fresh_copy django-stripe
cat >>shop/settings.py <<'END'

# Read at import: every management command needs it, collectstatic too.
STRIPE_SECRET_KEY = os.environ["STRIPE_SECRET_KEY"]
END
printf 'APP_NAME=Shop\nSTRIPE_SECRET_KEY=sk_live_51HqLyjWDarjtT1zdp7dc\n' >.aptible.env
run cr run
assert_rc 1 "a withheld secret read at import: the build fails, python's status"
assert_contains "$ERR" "KeyError: 'STRIPE_SECRET_KEY'" "the traceback is relayed"
assert_contains "$ERR" "cleanroom: the build's output names STRIPE_SECRET_KEY, which is withheld (secret from .aptible.env:2)" \
	"cleanroom names the withheld variable and where it is defined"
assert_contains "$ERR" "hint: --pass STRIPE_SECRET_KEY gives it to the build, or --set STRIPE_SECRET_KEY=placeholder gives it a stand-in value" \
	"and the flags that fix it"
assert_contains "$ERR" "cleanroom: the build failed (exit status 1)" "then the failure"
assert_not_contains "$ERR$OUT" "sk_live_51HqLyjWDarjtT1zdp7dc" "the secret's value is never shown"
assert_absent staticfiles/cleanroom.lock "no lock for a failed build"
# The hint works: a stand-in value is all collectstatic needs.
run cr run --set STRIPE_SECRET_KEY=placeholder
assert_rc 0 "with the hint's --set STRIPE_SECRET_KEY=placeholder: builds"
assert_contains "$ERR" "manifest     ok       staticfiles/staticfiles.json (5 entries)" \
	"and verifies"

# ---- the hint's placeholder on stock Django, admin included ------------
# django.contrib.admin's CSS (select2) holds the word "placeholder": a
# value set with --set is written in the open and is no secret, so the
# scan does not look for it (issue 16).
fresh_copy django-admin
python3 - shop/settings.py <<'END'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace('"django.contrib.staticfiles",', '"django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.staticfiles",')
s += '\nSECRET_KEY = os.environ["SECRET_KEY"]\n'
open(p, "w").write(s)
END
printf 'SECRET_KEY=dj4ng0-pr0d-k3y-8c1f0e7a9b2d4c6e\n' >.aptible.env
run cr run
assert_rc 1 "SECRET_KEY read at import and withheld: the build fails"
assert_contains "$ERR" "hint: --pass SECRET_KEY gives it to the build, or --set SECRET_KEY=placeholder gives it a stand-in value" \
	"the hint offers --set SECRET_KEY=placeholder"
run cr run --set SECRET_KEY=placeholder
assert_rc 0 "with the hint's --set SECRET_KEY=placeholder and admin's CSS: builds and verifies"
assert_contains "$ERR" "note: SECRET_KEY looks secret (*SECRET*) but is given with --set" \
	"with one note that the value is a placeholder"
run grep -rl placeholder staticfiles/admin/css
assert_rc 0 "admin's collected CSS does say placeholder"
finish
