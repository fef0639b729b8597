#!/usr/bin/env bash
# Hints after a failed build that name the fix and never a wrong one:
# Django's collectstatic without STATIC_ROOT (set it in the settings); a
# Node project without node_modules (install before cleanroom: the
# network is denied inside); several words quoted as one program name
# (give them unquoted after --). Each only when its cause is there.
. "$(dirname "$0")/lib.sh"

mkdir -p "$SCRATCH/app" && cd "$SCRATCH/app" || exit 1
cr() { env -i PATH="$PATH_FOR" HOME=/root "$CLEANROOM" run "$@"; }
PATH_FOR=/usr/bin:/bin

# ---- Django: STATIC_ROOT unset --------------------------------------
msg="django.core.exceptions.ImproperlyConfigured: You're using the staticfiles app without having set the STATIC_ROOT setting to a filesystem path."
run cr --output staticfiles -- sh -c "echo \"$msg\" >&2; exit 1"
assert_rc 1 "STATIC_ROOT: the build's status"
assert_contains "$ERR" "Django's collectstatic needs STATIC_ROOT, and the settings do not set it" \
	"STATIC_ROOT: said"
assert_contains "$ERR" 'hint: set it in settings.py to the output root cleanroom verifies: STATIC_ROOT = BASE_DIR / "staticfiles"' \
	"STATIC_ROOT: the hint names the setting and the output root"
run cr --output staticfiles -- sh -c "echo 'STATIC_ROOT is fine' >&2; exit 1"
assert_not_contains "$ERR" "needs STATIC_ROOT" "STATIC_ROOT: not for another failure that mentions it"
if /usr/bin/python3 -c 'import django' 2>/dev/null; then
	mkdir -p "$SCRATCH/dj/proj" && cd "$SCRATCH/dj" || exit 1
	cat >manage.py <<'END'
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")
from django.core.management import execute_from_command_line
execute_from_command_line(sys.argv)
END
	: >proj/__init__.py
	cat >proj/settings.py <<'END'
SECRET_KEY = "x"
INSTALLED_APPS = ["django.contrib.staticfiles"]
STATIC_URL = "/static/"
import pathlib
STATICFILES_DIRS = [pathlib.Path(__file__).resolve().parent.parent / "assets"]
END
	mkdir assets && echo 'a{}' >assets/a.css
	run cr --framework django --output public
	assert_rc 1 "real Django without STATIC_ROOT: collectstatic fails"
	assert_contains "$ERR" 'STATIC_ROOT = BASE_DIR / "public"' \
		"real Django: the hint, with the output root given"
	cd "$SCRATCH/app" || exit 1
else
	skip "real Django without STATIC_ROOT: python3 cannot import django (scripts/example-deps.sh)"
fi

# ---- Node: no node_modules ------------------------------------------
mkdir -p "$SCRATCH/vite" && cd "$SCRATCH/vite" || exit 1
echo '{"name":"a","private":true,"devDependencies":{"vite":"^5"}}' >package.json
echo 'export default {}' >vite.config.js
run cr --framework vite
assert_contains "$ERR" "there is a package.json but no package in node_modules" "node: said"
assert_contains "$ERR" "run \`npm ci\` (or yarn install, pnpm install) before cleanroom" \
	"node: install first"
assert_contains "$ERR" "the network is denied inside the clean room" "node: and why"
run cr --framework vite
assert_contains "$ERR" "there is a package.json but no package in node_modules" \
	"node: again, with only the preset's node_modules/.vite made by the first run"
mkdir -p node_modules/vite
run cr --framework vite
assert_not_contains "$ERR" "no package in node_modules" "node: not when a package is installed"
rm -rf node_modules
run cr --framework vite -- sh -c 'echo "npm ERR! getaddrinfo EAI_AGAIN registry.npmjs.org" >&2; exit 1'
assert_not_contains "$ERR" "no package in node_modules" "node: the network hint says it better"
cd "$SCRATCH/app" || exit 1

# ---- several words quoted as one program name -----------------------
run cr --output out -- 'yarn build'
assert_rc 64 "quoted words: a usage error (64)"
assert_contains "$ERR" "'yarn build' is taken as one program name" "quoted words: said"
assert_contains "$ERR" "cleanroom run -- yarn build" "quoted words: the unquoted form"
mkdir -p bin
printf '#!/bin/sh\nmkdir -p out && echo x >out/x.txt\n' >"bin/my tool"
chmod +x "bin/my tool"
PATH_FOR=$PWD/bin:/usr/bin:/bin run cr --output out -- 'my tool'
assert_rc 0 "a program whose name has a blank runs"
assert_not_contains "$ERR" "taken as one program name" "and is not taken for quoted words"

finish
