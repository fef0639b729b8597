#!/usr/bin/env bash
# Lint: every C file is clang-format clean (.clang-format), every product
# source is clang-tidy clean (.clang-tidy), no file includes a header of a
# layer after its own (the Makefile's LAYERS), and no manifest format
# module includes the dispatcher's header. One result per file; the last
# line is `N passed, N failed`.
set -u
cd "$(dirname "$0")/.." || exit 1
gen=${1:-build/asan/gen}
pass=0
fail=0
# The layers, in order, as the Makefile lists them.
read -r -a layers < <(sed -n '/^LAYERS :=/,/[^\\]$/p' Makefile |
	sed 's/^LAYERS :=//; s/\\$//' | tr '\n' ' ')
incs=()
for l in "${layers[@]}"; do incs+=("-Isrc/$l"); done
mapfile -t sources < <(for l in "${layers[@]}"; do
	ls "src/$l"/*.c "src/$l"/*.h 2>/dev/null; done)
for f in "${sources[@]}" cmd/*/*.c tests/unit/*.c tests/unit/*.h \
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
for f in "${sources[@]}" cmd/*/*.c; do
	case $f in *.h) continue ;; esac
	if out=$(clang-tidy --quiet "$f" -- -std=c11 -D_GNU_SOURCE "${incs[@]}" \
		-I"$gen" 2>&1); then
		pass=$((pass + 1))
		echo "ok - clang-tidy $f"
	else
		fail=$((fail + 1))
		echo "not ok - clang-tidy $f"
		echo "$out" | grep -E 'error|warning' | head -n 6 | sed 's/^/#   /'
	fi
done
# Layers: every folder below src/ is one, and a file includes headers of
# its own layer or of earlier ones only (base before input before secret,
# job, sandbox, run, proof/manifest, proof, start, publish, report,
# commands), so the code reads in the order data flows. Header names are unique, since
# includes name the header alone.
declare -A rank_of
for i in "${!layers[@]}"; do
	for h in "src/${layers[$i]}"/*.h; do
		[ -e "$h" ] || continue
		b=${h##*/}
		if [ -n "${rank_of[$b]:-}" ]; then
			fail=$((fail + 1))
			echo "not ok - two headers are named $b"
		fi
		rank_of[$b]=$i
	done
done
while IFS= read -r d; do
	d=${d#src/}
	known=0
	for l in "${layers[@]}"; do [ "$l" = "$d" ] && known=1; done
	if [ "$known" = 1 ]; then
		pass=$((pass + 1))
		echo "ok - src/$d is a layer"
	else
		fail=$((fail + 1))
		echo "not ok - src/$d is not in the Makefile's LAYERS"
	fi
done < <(find src -mindepth 1 -type d -exec sh -c 'ls "$1"/*.[ch] >/dev/null 2>&1' _ {} \; -print | sort)
for i in "${!layers[@]}"; do
	for f in "src/${layers[$i]}"/*.[ch]; do
		[ -e "$f" ] || continue
		bad=
		while IFS= read -r inc; do
			r=${rank_of[$inc]:-}
			if [ -n "$r" ] && [ "$r" -gt "$i" ]; then
				bad+=" $inc (${layers[$r]})"
			fi
		done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
		if [ -z "$bad" ]; then
			pass=$((pass + 1))
			echo "ok - $f includes no later layer"
		else
			fail=$((fail + 1))
			echo "not ok - $f (layer ${layers[$i]}) includes a later layer:$bad"
		fi
	done
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
