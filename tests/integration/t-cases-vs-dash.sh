#!/usr/bin/env bash
# Every accepted case of the unit table (tests/unit/test_envfile.c) is
# checked against dash itself: what `set -a; . FILE` exports must equal the
# table's expected variables, and cleanroom must print the same.
. "$(dirname "$0")/lib.sh"
: "${UNIT:?UNIT must name the unit-test binary}"

cases=$SCRATCH/cases
mkdir -p "$cases"
ENVFILE_CASES_DIR=$cases "$UNIT" envfile_accepted >/dev/null
base=(HOME=/home/u PATH=/usr/bin:/bin FOO=foo EMPTY= "SPACED=a  b" COLON=x:y)
n=0
for f in "$cases"/*.env; do
	n=$((n + 1))
	want=${f%.env}.want
	# dash's exported environment minus the base and PWD, in NUL records,
	# compared as sorted sets (dash's env order is not assignment order).
	got_dash=$(cd "$cases" && env -i "${base[@]}" dash -c \
		'set -a; . "$1"; env -0' sh "$f" | tr '\0' '\n' | sort)
	base_dash=$(cd "$cases" && env -i "${base[@]}" dash -c 'env -0' |
		tr '\0' '\n' | sort)
	added=$(comm -13 <(echo "$base_dash") <(echo "$got_dash"))
	expected=$(tr '\0' '\n' <"$want" | sort)
	# Only names whose value the file changed show up in `added`.
	expected_changed=$(comm -13 <(echo "$base_dash") <(echo "$expected"))
	if [ "$added" != "$expected_changed" ]; then
		fail "case $(basename "$f"): dash disagrees with the table" \
			"dash: $added" "table: $expected_changed"
		continue
	fi
	got_cr=$(env -i "${base[@]}" "$CLEANROOM" env --files-only --env "$f" \
		--format nul | tr '\0' '\n' | sort)
	if [ "$got_cr" != "$expected" ]; then
		fail "case $(basename "$f"): cleanroom differs" \
			"cleanroom: $got_cr" "table: $expected"
		continue
	fi
	pass "case $(basename "$f") agrees with dash"
done
[ "$n" -gt 80 ] && pass "$n accepted cases checked" ||
	fail "only $n accepted cases found"
finish
