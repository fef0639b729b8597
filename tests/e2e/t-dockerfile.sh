#!/usr/bin/env bash
# Dockerfile.example, executed: no Docker engine runs here, so this test
# reads the file, finds every application stage (a stage that copies the
# binary in with `COPY --from=tool` or `COPY --from=builder`), and runs that stage's RUN lines,
# as `/bin/sh -c LINE` the way Docker's shell form does, against a copy of
# the example app the stage copies in (`COPY examples/NAME/ ./`). Run by
# tests/run-integration.sh on the host and inside the Docker-default
# harness, whose seccomp profile and capabilities are a RUN step's.
#
# How the Dockerfile's world is mapped onto this machine (nothing else is
# rewritten; every other word of a RUN line runs as written):
#   WORKDIR            the copy of examples/NAME ($APP) is the cwd
#   COPY --from=builder ... DEST
#                      DEST's name is a link to $CLEANROOM in a directory
#                      first on PATH, and DEST itself, where a line names
#                      it, is replaced by $CLEANROOM
#   COPY SRC...        each SRC must exist in the repository (the build
#                      context), except .aptible.env, which Aptible writes
#                      into the context: the test writes one into $APP
#   RUN --mount=type=secret,id=ID[,target=T]
#                      the flag is dropped; T (default /run/secrets/ID) is
#                      replaced by a file the test writes for ID
#   RUN --mount=type=bind,source=S,target=T
#                      T must lie under WORKDIR: S (from the repository, or
#                      the test's .aptible.env) is put at T's place in the
#                      app's copy for that RUN line only, and removed after
#   ENV NAME=VALUE     set for the lines after it, on top of a Docker-like
#                      environment: PATH (as above) and HOME
#   RUN lines that only install dependencies (apt-get, apk, npm ci|install,
#                      bundle install, pip install) are not run: they need
#                      the network. scripts/example-deps.sh ran the same
#                      installs (examples/NAME/setup.sh) before the suite,
#                      and need_example NAME checks they are current.
#   CMD ["cleanroom", "start", "--", SERVER...]
#                      run twice: with SERVER replaced by
#                      `sh -c 'echo served'` (must print served and say
#                      `start: fresh`: the RUN line recorded the stamp), and
#                      as written with PORT set, answering HTTP on it.
# Each stage must build, its lock must pass sha256sum -c, and the three
# ways must all be there: .aptible.env, a BuildKit secret, a Procfile CMD.
# DOCKERFILE=FILE runs the same checks on another file (to see this test
# fail on a broken one).
. "$(dirname "$0")/lib.sh"
DOCKERFILE=${DOCKERFILE:-$ROOT/Dockerfile.example}

# ---- the Dockerfile as records -------------------------------------------
# One python3 pass (Debian's: the harness needs it anyway) turns the file
# into NUL-separated records: `stage NAME`, `copyfrom STAGE SRC DEST`,
# `copy SRC...`, `workdir DIR`, `env NAME=VALUE`, `run SECRETS BINDS CMD`
# (SECRETS: space-separated ID=TARGET; BINDS: space-separated
# SOURCE=TARGET), `cmd SHELL-QUOTED-ARGV`, `bad WHY`. Line
# continuations are joined and comment lines inside them dropped, as
# Docker does; exec-form RUN is shell-quoted back into one command.
plan() {
	/usr/bin/python3 - "$1" <<'PY'
import json, re, shlex, sys
out = sys.stdout
def rec(*f):
    for x in f:
        out.write(x + "\0")
text = open(sys.argv[1]).read()
lines, cur = [], ""
for raw in text.split("\n"):
    s = raw.strip()
    if cur == "" and (s == "" or s.startswith("#")):
        continue
    if cur != "" and s.startswith("#"):
        continue                      # a comment inside a continuation
    if raw.rstrip().endswith("\\"):
        cur += raw.rstrip()[:-1] + " "
        continue
    lines.append(cur + raw)
    cur = ""
if cur:
    rec("bad", "the file ends in a line continuation")
for line in lines:
    m = re.match(r"\s*(\w+)\s+(.*)$", line, re.S)
    if not m:
        rec("bad", "not an instruction: " + line)
        continue
    ins, arg = m.group(1).upper(), m.group(2).strip()
    if "<<" in arg and ins in ("RUN", "COPY"):
        rec("bad", "heredocs are not handled: " + line)
    elif ins == "FROM":
        w = arg.split()
        rec("stage", w[2] if len(w) >= 3 and w[1].upper() == "AS" else "")
    elif ins == "COPY":
        w = shlex.split(arg)
        frm = [x[7:] for x in w if x.startswith("--from=")]
        w = [x for x in w if not x.startswith("--")]
        if frm:
            rec("copyfrom", frm[0], w[0], w[-1])
        else:
            rec("copy", " ".join(w[:-1]))
    elif ins == "WORKDIR":
        rec("workdir", arg)
    elif ins == "ENV":
        for kv in shlex.split(arg):
            rec("env", kv)
    elif ins == "RUN":
        secrets, binds = [], []
        while arg.startswith("--"):
            flag, _, arg = arg.partition(" ")
            arg = arg.strip()
            if flag.startswith("--mount="):
                o = dict(p.partition("=")[::2] for p in flag[8:].split(","))
                if o.get("type") == "secret":
                    sid = o.get("id") or o.get("target", "").rsplit("/", 1)[-1]
                    secrets.append(sid + "=" + (o.get("target") or o.get("dst") or "/run/secrets/" + sid))
                elif o.get("type") == "bind":
                    binds.append((o.get("source") or o.get("src") or ".") + "=" + (o.get("target") or o.get("dst") or ""))
        if arg.startswith("["):
            arg = shlex.join(json.loads(arg))
        rec("run", " ".join(secrets), " ".join(binds), arg)
    elif ins == "CMD":
        if not arg.startswith("["):
            rec("bad", "CMD in shell form: `cleanroom start` must be PID 1's exec")
        else:
            rec("cmd", shlex.join(json.loads(arg)))
PY
}

# ---- what the test supplies in place of the build context's secrets ------
mkdir -p "$SCRATCH/home" "$SCRATCH/bin" "$SCRATCH/secrets"
# What Aptible writes into the build context as .aptible.env.
APTIBLE_SECRET=dj4ng0-k3y-from-aptible-8c1f0e7a9b2d
APTIBLE_ENV="DJANGO_SETTINGS_MODULE=shop.settings
SECRET_KEY=$APTIBLE_SECRET
DATABASE_URL=postgres://shop:pw_e41c9a7b@db.internal:5432/shop
ALLOWED_HOSTS=shop.example.com"
# The BuildKit secret `appenv` (docker build --secret id=appenv,src=FILE).
SECRET_TOKEN=tok_live_9b8a7c6d5e4f3a2b1c0d
printf '%s\n' "VITE_APP_TITLE='Shop at the corner'" \
	"STRIPE_SECRET_KEY=$SECRET_TOKEN" \
	"DATABASE_URL=postgres://shop:pw_e41c9a7b@db.internal:5432/shop" \
	>"$SCRATCH/secrets/appenv"

# A stage's copy of examples/NAME: the committed sources and the installed
# dependencies, without what earlier builds left there (the paths the
# example's .gitignore names, but node_modules).
copy_app() { # NAME STAGE
	APP=$SCRATCH/$2
	cp -a --reflink=auto "$ROOT/examples/$1" "$APP" || return 1
	local p
	while read -r p; do
		case "$p" in "" | "#"* | node_modules* | /node_modules*) continue ;; esac
		p=${p%/}
		case "$p" in
		*/*) rm -rf "${APP:?}/${p#/}" ;;
		*) find "$APP" -path "$APP/node_modules" -prune -o \
			-name "$p" -prune -exec rm -rf {} + ;;
		esac
	done <"$ROOT/examples/$1/.gitignore"
	rm -rf "$APP/node_modules/.vite" "$APP/node_modules/.vite-temp" \
		"$APP/node_modules/.cache"
}

# Replace every occurrence of $2 in $1 by $3 (literal strings).
subst() { local s=$1; printf '%s' "${s//"$2"/"$3"}"; }

# ---- run one stage ---------------------------------------------------------
# Globals per stage, set by the record loop below.
S_NAME="" S_EXAMPLE="" S_DEST="" S_FROMOK=0 S_ENV=() S_RUNS=() S_SECRETS=()
S_BINDS=() S_CMD="" S_COPIES=() S_BAD=()
SEEN_APTIBLE="" SEEN_SECRET="" SEEN_PROCFILE="" BUILDER_WORKDIR=""

is_install() { # CMD: only installs dependencies (and never runs cleanroom)
	case " $1 " in *[\ /]cleanroom\ *) return 1 ;; esac
	case "$1" in
	apt-get\ * | apk\ * | "npm ci"* | "npm install"* | "bundle install"* | \
		"pip install"* | "pip3 install"* | "yarn install"*) return 0 ;;
	esac
	return 1
}

run_stage() {
	[ -n "$S_DEST" ] || return 0 # not an application stage
	local st=$S_NAME
	if [ -z "$S_EXAMPLE" ]; then
		fail "$st: copies examples/NAME/" "no COPY examples/NAME/ line: which app?"
		return
	fi
	for b in "${S_BAD[@]}"; do fail "$st: $b"; done
	local srcs src missing=0
	for srcs in "${S_COPIES[@]}"; do
		for src in $srcs; do
			if [ "$src" = .aptible.env ]; then
				printf '%s\n' "$APTIBLE_ENV" >"$SCRATCH/$st.aptible.env"
			elif [ -e "$ROOT/$src" ]; then
				pass "$st: COPY $src: exists in the build context"
			else
				fail "$st: COPY $src: exists in the build context" "$ROOT/$src missing"
				missing=1
			fi
		done
	done
	[ "$missing" = 0 ] || return
	if ! bash "$ROOT/scripts/example-deps.sh" --check "$S_EXAMPLE" >/dev/null 2>&1; then
		skip "$st: examples/$S_EXAMPLE: deps not installed (bash scripts/example-deps.sh $S_EXAMPLE)"
		return
	fi
	if [ "$S_FROMOK" = 1 ]; then
		pass "$st: copies the binary the builder stage makes"
	else
		fail "$st: copies the binary the builder stage makes" \
			"neither COPY --from=tool /usr/local/bin/cleanroom nor COPY --from=builder \$WORKDIR/build/cleanroom ($BUILDER_WORKDIR)"
	fi
	copy_app "$S_EXAMPLE" "$st" || { fail "$st: copy examples/$S_EXAMPLE"; return; }
	[ -f "$SCRATCH/$st.aptible.env" ] && mv "$SCRATCH/$st.aptible.env" "$APP/.aptible.env"
	ln -sfn "$CLEANROOM" "$SCRATCH/bin/$(basename "$S_DEST")"
	local envv=(PATH="$SCRATCH/bin:$E2E_PATH" HOME="$SCRATCH/home" "${S_ENV[@]}")
	local i cmd sec id target bind bsrc bound ran=0 lock=""
	for i in "${!S_RUNS[@]}"; do
		cmd=$(subst "${S_RUNS[$i]}" "$S_DEST" "$CLEANROOM")
		if is_install "$cmd"; then
			echo "# $st: not run (dependencies, installed by examples/$S_EXAMPLE/setup.sh): ${S_RUNS[$i]}"
			continue
		fi
		for sec in ${S_SECRETS[$i]}; do
			id=${sec%%=*} target=${sec#*=}
			if [ ! -f "$SCRATCH/secrets/$id" ]; then
				fail "$st: secret $id" "the test has no content for secret id '$id'"
				continue
			fi
			cmd=$(subst "$cmd" "$target" "$SCRATCH/secrets/$id")
			[ "$id" = appenv ] && SEEN_SECRET=$st
		done
		bound=()
		for bind in ${S_BINDS[$i]}; do
			bsrc=${bind%%=*} target=${bind#*=}
			if [ -z "$S_WORKDIR" ] || [[ $target != "$S_WORKDIR"/* ]]; then
				fail "$st: bind mount $bsrc" "target $target is not under WORKDIR $S_WORKDIR"
				continue
			fi
			target=$APP/${target#"$S_WORKDIR"/}
			if [ "$bsrc" = .aptible.env ]; then
				printf '%s\n' "$APTIBLE_ENV" >"$target"
			elif [ -e "$ROOT/$bsrc" ]; then
				cp -a "$ROOT/$bsrc" "$target"
			else
				fail "$st: bind mount $bsrc: exists in the build context"
				continue
			fi
			bound+=("$target")
		done
		run_in "$APP" env -i "${envv[@]}" /bin/sh -c "$cmd"
		assert_rc 0 "$st: RUN ${S_RUNS[$i]}"
		[ "$RC" = 0 ] || { echo "# stdout: $OUT" | tail -n 20; return; }
		local envfile_seen=0
		[ -f "$APP/.aptible.env" ] && envfile_seen=1
		# A bind mount lasts for its RUN line only.
		((${#bound[@]} == 0)) || rm -f "${bound[@]}"
		ran=$((ran + 1))
		case "$cmd" in *cleanroom*" run"*) ;; *) continue ;; esac
		local berr=$ERR bout=$OUT
		assert_contains "$berr" "seccomp net-deny" "$st: the build ran with the network denied"
		assert_contains "$berr" "secrets      ok       0 matches" "$st: no secret value in the outputs"
		lock=$(sed -n 's/^cleanroom: lock: \(.*\) ([0-9]* files)$/\1/p' <<<"$berr")
		if [ -n "$lock" ]; then
			pass "$st: the outputs were verified and locked ($lock)"
			run_in "$APP" sha256sum -c --quiet "$lock"
			assert_rc 0 "$st: sha256sum -c $lock"
		else
			fail "$st: the outputs were verified and locked" "$berr"
		fi
		if [ "$envfile_seen" = 1 ] && [ -z "${S_SECRETS[$i]}" ] &&
			[[ $cmd != *--env* ]]; then
			SEEN_APTIBLE=$st
			assert_contains "$berr" "2 withheld" \
				"$st: SECRET_KEY and DATABASE_URL from .aptible.env withheld"
		fi
		if [ -n "${S_SECRETS[$i]}" ]; then
			assert_contains "$berr" "2 withheld" \
				"$st: the secret file's STRIPE_SECRET_KEY and DATABASE_URL withheld"
			run grep -rl "Shop at the corner" "$APP/${lock%/*}"
			assert_rc 0 "$st: VITE_APP_TITLE from the secret file reached the build"
		fi
		if [ -n "$lock" ]; then
			run grep -rlE "$APTIBLE_SECRET|$SECRET_TOKEN|pw_e41c9a7b" "$APP/${lock%/*}"
			assert_eq "$OUT" "" "$st: grep finds no secret value in the outputs either"
		fi
		assert_not_contains "$bout$berr" "$APTIBLE_SECRET" "$st: no secret value printed"
	done
	[ "$ran" -gt 0 ] || fail "$st: runs cleanroom" "no RUN line was run"
	[ -n "$S_CMD" ] || return 0
	check_procfile "$st" "${envv[@]}"
}

run_in() { # DIR CMD...: run, in DIR
	local d=$1
	shift
	cd "$d" || return
	run "$@"
	cd "$SCRATCH" || return
}

check_procfile() { # STAGE ENV...
	local st=$1
	shift
	local -a argv
	eval "argv=($S_CMD)"
	if [ "${argv[1]:-}" != start ] || [ "$(basename "${argv[0]}")" != cleanroom ]; then
		fail "$st: CMD runs cleanroom start" "CMD: $S_CMD"
		return
	fi
	local k pre=()
	for k in "${!argv[@]}"; do
		pre+=("${argv[$k]}")
		[ "${argv[$k]}" = -- ] && break
	done
	[ "${pre[-1]}" = -- ] || { fail "$st: CMD has -- before the server" "$S_CMD"; return; }
	pre[0]=$CLEANROOM
	SEEN_PROCFILE=$st
	run_in "$APP" env -i "$@" "${pre[@]}" sh -c 'echo served'
	assert_rc 0 "$st: CMD with the server replaced: starts"
	assert_eq "$OUT" "served" "$st: the server ran, nothing built on stdout"
	assert_contains "$ERR" "start: fresh" \
		"$st: the first start after the RUN line is fresh (run recorded the stamp)"
	if [ -f "$APP/Procfile" ]; then
		local web
		web=$(sed -n 's/^web:[[:space:]]*//p' "$APP/Procfile")
		assert_eq "$web" "$S_CMD" "$st: the Procfile's web: line is the CMD"
	fi
	# The CMD as written: the real server on a free port answers.
	local port=$((20000 + RANDOM % 20000)) pid body=""
	(cd "$APP" && exec env -i "$@" PORT=$port "$CLEANROOM" "${argv[@]:1}") \
		>"$SCRATCH/server.out" 2>"$SCRATCH/server.err" </dev/null &
	pid=$!
	for _ in $(seq 50); do
		body=$(cd "$SCRATCH" && /usr/bin/python3 -c 'import sys, urllib.request
print(urllib.request.urlopen("http://127.0.0.1:" + sys.argv[1] + "/", timeout=2).read().decode())' \
			"$port" 2>/dev/null) && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	local js
	js=$(cd "$APP/dist" && ls main.*.js 2>/dev/null)
	assert_contains "$body" "src=\"/$js\"" \
		"$st: the real CMD serves a page naming the verified bundle ($js)"
	[ -n "$body" ] || echo "# server stderr: $(cat "$SCRATCH/server.err")"
}

# ---- walk the records ------------------------------------------------------
PLAN=$SCRATCH/plan
if ! plan "$DOCKERFILE" >"$PLAN"; then
	fail "Dockerfile parsed" "$DOCKERFILE"
	finish
	exit
fi
new_stage() {
	S_NAME=$1 S_EXAMPLE="" S_DEST="" S_FROMOK=0 S_ENV=() S_RUNS=() S_SECRETS=()
	S_BINDS=() S_CMD="" S_COPIES=() S_BAD=() S_WORKDIR=""
}
new_stage ""
while IFS= read -r -d '' kind; do
	case "$kind" in
	stage)
		IFS= read -r -d '' name
		run_stage
		new_stage "$name"
		;;
	workdir)
		IFS= read -r -d '' S_WORKDIR
		[ "$S_NAME" = builder ] && BUILDER_WORKDIR=$S_WORKDIR
		;;
	copyfrom)
		IFS= read -r -d '' from
		IFS= read -r -d '' src
		IFS= read -r -d '' dest
		# The tool stage (FROM scratch, the tool image's) copies the
		# builder's /out/ whole; it runs nothing.
		[ "$S_NAME" = tool ] && continue
		S_DEST=$dest
		[ "$from" = builder ] && [ "$src" = "$BUILDER_WORKDIR/build/cleanroom" ] && S_FROMOK=1
		[ "$from" = tool ] && [ "$src" = /usr/local/bin/cleanroom ] && S_FROMOK=1
		;;
	copy)
		IFS= read -r -d '' srcs
		S_COPIES+=("$srcs")
		for s in $srcs; do
			[[ $s =~ ^examples/([a-z]+)/?$ ]] && S_EXAMPLE=${BASH_REMATCH[1]}
		done
		;;
	env)
		IFS= read -r -d '' kv
		S_ENV+=("$kv")
		;;
	run)
		IFS= read -r -d '' sec
		IFS= read -r -d '' binds
		IFS= read -r -d '' cmd
		S_SECRETS+=("$sec")
		S_BINDS+=("$binds")
		S_RUNS+=("$cmd")
		;;
	cmd) IFS= read -r -d '' S_CMD ;;
	bad)
		IFS= read -r -d '' why
		S_BAD+=("$why")
		;;
	esac
done <"$PLAN"
run_stage

seen() { # VALUE DESC
	if [ -n "$1" ]; then pass "$2 ($1)"; else fail "$2" "no such stage in $DOCKERFILE"; fi
}
seen "$SEEN_APTIBLE" "a stage builds with .aptible.env from the context"
seen "$SEEN_SECRET" "a stage builds with the BuildKit secret appenv"
seen "$SEEN_PROCFILE" "a stage serves with cleanroom start"
finish
