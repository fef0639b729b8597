#!/usr/bin/env bash
# setup.sh: the Django example needs only Debian's python3-django (Django
# 3.2, installed by `scripts/bootstrap.sh examples`), seen by Debian's
# /usr/bin/python3. There is nothing of the app's own to install: this
# checks, and says what to run when it is missing.
#
# Usage: setup.sh           exit 0 when ready, 1 with a hint when not
#        setup.sh --check   exit 0 iff ready
set -euo pipefail

ready() {
	/usr/bin/python3 -c 'import django' >/dev/null 2>&1
}

case "${1:-}" in
--check) ready; exit ;;
"") ;;
*) echo "usage: setup.sh [--check]" >&2; exit 2 ;;
esac
ready && exit 0
echo "setup.sh: /usr/bin/python3 cannot import django (bash scripts/bootstrap.sh examples installs python3-django)" >&2
exit 1
