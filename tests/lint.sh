#!/usr/bin/env bash
# Lint: every C file is clang-format clean (.clang-format), every product
# source is clang-tidy clean (.clang-tidy), and no manifest format module
# includes the dispatcher's header. One result per file; the last line is
# `N passed, N failed`.
set -u
cd "$(dirname "$0")/.." || exit 1
gen=${1:-build/asan/gen}
pass=0
fail=0
for f in src/*.c src/*.h cmd/cleanroom/*.c tests/unit/*.c tests/unit/*.h \
	tests/fuzz/*.c tests/diff/*.c tests/tools/*.c; do
	if out=$(clang-format --dry-run --Werror "$f" 2>&1); then
		pass=$((pass + 1))
		echo "ok - clang-format $f"
	else
		fail=$((fail + 1))
		echo "not ok - clang-format $f"
		echo "$out" | head -n 6 | sed 's/^/#   /'
	fi
done
for f in src/*.c cmd/cleanroom/*.c; do
	if out=$(clang-tidy --quiet "$f" -- -std=c11 -D_GNU_SOURCE -Isrc \
		-I"$gen" 2>&1); then
		pass=$((pass + 1))
		echo "ok - clang-tidy $f"
	else
		fail=$((fail + 1))
		echo "not ok - clang-tidy $f"
		echo "$out" | grep -E 'error|warning' | head -n 6 | sed 's/^/#   /'
	fi
done
# The manifest formats, their helpers and the JSON reader never include
# the dispatcher's manifest.h: the dispatcher calls them through its table
# of formats, never the reverse (they once formed an include and call
# cycle). Found by name, so the check follows the files into folders.
while IFS= read -r f; do
	if grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]*/)?manifest\.h"' \
		"$f" >/dev/null; then
		fail=$((fail + 1))
		echo "not ok - $f includes the dispatcher's manifest.h"
		echo "#   include manifest_util.h, manifest_formats.h or manifest_types.h"
	else
		pass=$((pass + 1))
		echo "ok - $f does not include the dispatcher's manifest.h"
	fi
done < <(find src -name 'manifest_*.[ch]' | sort)
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
