#!/usr/bin/env bash
# `make check`: every suite, against the static product and the ASan/UBSan
# build. Each suite's output goes to build/test-logs/; its summary line is
# shown, and the failures of a failing suite are printed. The last line is
# the total, `N passed, N failed`, and the exit status is non-zero when
# anything failed.
set -u
cd "$(dirname "$0")/.." || exit 125

: "${BUILD:=build}"
LOGS=$BUILD/test-logs
rm -rf "$LOGS"
mkdir -p "$LOGS"
export MUST_WORK=${MUST_WORK:-${CI:+1}}
TOTAL_PASS=0
TOTAL_FAIL=0
FAILED_SUITES=()

# suite NAME CMD...: runs CMD, whose last line is `N passed, N failed`.
suite() {
	local name=$1 log=$LOGS/$1.log start end summary p f
	shift
	start=$(date +%s.%N)
	"$@" >"$log" 2>&1
	local rc=$?
	end=$(date +%s.%N)
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -z "$summary" ]; then
		summary="0 passed, 1 failed"
		echo "# $name: no summary line (exit $rc); see $log"
	fi
	p=${summary%% passed*}
	f=${summary#*passed, }
	f=${f%% failed*}
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1
		echo "# $name: exit status $rc with no failed test"
	fi
	TOTAL_PASS=$((TOTAL_PASS + p))
	TOTAL_FAIL=$((TOTAL_FAIL + f))
	printf '%-28s %6s passed, %s failed  (%.1fs)\n' "$name" "$p" "$f" \
		"$(awk "BEGIN{print $end - $start}")"
	if [ "$f" != 0 ]; then
		FAILED_SUITES+=("$name")
		grep -E -A4 '^not ok' "$log" | head -n 60
	fi
}

suite unit "$UNIT"
suite unit-asan "$ASAN_UNIT"
suite integration bash tests/run-integration.sh "$CLEANROOM" "$UNIT"
suite integration-asan bash tests/run-integration.sh "$ASAN_CLEANROOM" \
	"$ASAN_UNIT"
# The real framework apps of examples/ (their deps installed by
# scripts/example-deps.sh, which the Makefile runs first).
suite e2e bash tests/run-integration.sh "$CLEANROOM" "$UNIT" tests/e2e
# The same suites inside a container with Docker's default seccomp profile,
# capabilities and namespaces (scripts/docker-default.sh), and inside one
# whose profile predates Landlock.
if bash scripts/docker-default.sh --check >/dev/null 2>&1; then
	for profile in default no-landlock; do
		suite "docker-$profile" bash scripts/docker-default.sh \
			--profile "$profile" --workdir "$PWD" -e MUST_WORK -e CI \
			-- bash tests/run-integration.sh "$CLEANROOM" "$UNIT"
	done
	suite e2e-docker-default bash scripts/docker-default.sh \
		--profile default --workdir "$PWD" -e MUST_WORK -e CI \
		-- bash tests/run-integration.sh "$CLEANROOM" "$UNIT" tests/e2e
elif [ "${MUST_WORK:-0}" = 1 ]; then
	suite docker-default bash -c 'bash scripts/docker-default.sh --check;
		echo "0 passed, 1 failed"; exit 1'
else
	echo "# docker-default harness unavailable here: skipped"
fi
# Dockerfile.example with a real Docker engine (tests/docker/t-docker.sh): the
# suite skips, saying why, where no engine can run, and under MUST_WORK=1
# that is a failure.
suite docker env CLEANROOM="$CLEANROOM" BUILD="$BUILD" bash tests/docker/t-docker.sh
suite static-binary env CLEANROOM="$CLEANROOM" bash tests/integration/t-static.sh
# make dist and make install, the man pages and the completions
# (tests/dist/t-dist.sh).
suite dist env CLEANROOM="$CLEANROOM" BUILD="$BUILD" bash tests/dist/t-dist.sh
if [ -n "${DIFF_RUN:-}" ] && [ -x "$DIFF_RUN" ]; then
	suite differential "$DIFF_RUN" "$CLEANROOM" "${DIFF_FILES:-10000}"
fi
if [ -n "${FUZZ_ENVFILE:-}" ] && [ -x "$FUZZ_ENVFILE" ]; then
	suite fuzz-envfile bash tests/fuzz/smoke.sh "$FUZZ_ENVFILE" \
		tests/fuzz/corpus/envfile "${FUZZ_SECONDS:-30}"
fi

if [ -n "${FUZZ_SPEC:-}" ] && [ -x "$FUZZ_SPEC" ]; then
	suite fuzz-spec bash tests/fuzz/smoke.sh "$FUZZ_SPEC" \
		tests/fuzz/corpus/spec "${FUZZ_SECONDS:-30}"
fi

if [ -n "${FUZZ_MANIFEST:-}" ] && [ -x "$FUZZ_MANIFEST" ]; then
	suite fuzz-manifest bash tests/fuzz/smoke.sh "$FUZZ_MANIFEST" \
		tests/fuzz/corpus/manifest "${FUZZ_SECONDS:-30}"
fi
suite lint bash tests/lint.sh "$BUILD/asan/gen"

if [ "${#FAILED_SUITES[@]}" -gt 0 ]; then
	echo "# failed suites: ${FAILED_SUITES[*]} (logs in $LOGS)"
fi
echo "$TOTAL_PASS passed, $TOTAL_FAIL failed"
[ "$TOTAL_FAIL" = 0 ]
