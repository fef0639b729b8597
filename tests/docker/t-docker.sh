#!/usr/bin/env bash
# tests/docker: Dockerfile.example with a real Docker engine. Builds every
# Debian-based stage with BuildKit (the builder on a minimal Debian, the
# three app stages) and the tool image (the top-level Dockerfile), runs
# the app-procfile image and inspects the images:
#   - the tool image holds only the binary and its notices (docker export
#     | tar t), runs, and an app's `COPY --from=` it builds;
#   - the builder stage builds on a debootstrap --variant=minbase bookworm
#     (as the official debian:bookworm is), and cleanroom runs inside the
#     real BuildKit RUN with its sandbox;
#   - no secret value of .aptible.env (in the context, bind-mounted, and
#     given as a BuildKit secret) is in any layer or config of any image
#     (`docker save`, every file searched);
#   - staticfiles/cleanroom.lock passes `sha256sum -c` in the Django image;
#   - app-procfile serves, its first start is fresh, `docker stop` returns
#     within 2 s with the server's status (143: node has no SIGTERM
#     handler), and a server's orphan is reaped (no zombie);
#   - run and doctor warn about a COPY'd env file during the build, not
#     about a bind-mounted one, and not in `docker run`.
#
# Docker: /usr/bin/docker (Debian's docker.io client drives BuildKit
# without buildx; DOCKER=PATH to use another). A running engine is used as
# it is; otherwise dockerd is started for the suite and stopped at its end.
# No image registry is needed: the base images are made here, under
# cleanroom-test/ names so no real image is replaced, and kept between
# runs (the minbase root file system also as build/docker/*.tar):
#   cleanroom-test/debian:bookworm     debootstrap --variant=minbase bookworm
#                                      from the machine's apt mirror, imported
#   cleanroom-test/node:20-bookworm    that, plus this machine's Node.js, npm
#                                      and CA bundle (NODE_EXTRA_CA_CERTS set:
#                                      npm may be behind a TLS proxy)
# Dockerfile.example takes them through its ARGs. It has no `# syntax=`
# line (BuildKit's built-in frontend builds it), so the file is built as
# it is, from a copy of the working tree with .aptible.env added.
#
# Usage: tests/docker/t-docker.sh   (as root; CLEANROOM names any built
# binary, for the shared test helpers; BUILD=build by default). Skips, with
# the reason, where no engine can run (a failure under MUST_WORK=1).
# To see the suite fail on other code: SOURCE_REF=COMMIT builds the
# context from that commit (git archive) instead of the working tree, and
# DOCKERFILE=FILE builds FILE as Dockerfile.example.
: "${CLEANROOM:=build/cleanroom}"
. "$(dirname "$0")/../integration/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${BUILD:=build}"
BUILD=$(cd "$ROOT" && mkdir -p "$BUILD" && cd "$BUILD" && pwd)
CACHE=$BUILD/docker
LOGS=$CACHE/logs
mkdir -p "$LOGS"
DOCKER=${DOCKER:-/usr/bin/docker}
DEBIAN_IMG=cleanroom-test/debian:bookworm
NODE_IMG=cleanroom-test/node:20-bookworm
APP=cleanroom-test/app
STARTED_DOCKERD=""
CONTAINERS=()
SUITE_T0=$(date +%s)

now() { date +%s.%N; }
phase() { echo "# $1: $(awk -v a="$2" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }') s"; }

cleanup() {
	local c
	for c in "${CONTAINERS[@]}"; do
		"$DOCKER" rm -f "$c" >/dev/null 2>&1
	done
	if [ -n "$STARTED_DOCKERD" ]; then
		# Only the daemon this suite started is stopped.
		kill -TERM "$STARTED_DOCKERD" 2>/dev/null
		for _ in $(seq 100); do
			kill -0 "$STARTED_DOCKERD" 2>/dev/null || break
			sleep 0.2
		done
		echo "# dockerd (pid $STARTED_DOCKERD, started by the suite) stopped"
	fi
	rm -rf "$SCRATCH"
}
trap cleanup EXIT

give_up() { # REASON: skip the whole suite
	skip "$1"
	finish
	exit
}

# ---- an engine ---------------------------------------------------------------
[ "$(id -u)" = 0 ] || give_up "not root: the suite starts dockerd and builds images"
[ -x "$DOCKER" ] || give_up "$DOCKER missing (scripts/bootstrap.sh docker installs docker.io)"
command -v debootstrap >/dev/null || give_up "debootstrap missing (scripts/bootstrap.sh docker)"
if ! "$DOCKER" info >/dev/null 2>&1; then
	command -v dockerd >/dev/null || give_up "no Docker engine runs and dockerd is missing"
	setsid dockerd >"$LOGS/dockerd.log" 2>&1 </dev/null &
	STARTED_DOCKERD=$!
	for _ in $(seq 150); do
		"$DOCKER" info >/dev/null 2>&1 && break
		kill -0 "$STARTED_DOCKERD" 2>/dev/null || break
		sleep 0.2
	done
	"$DOCKER" info >/dev/null 2>&1 ||
		give_up "dockerd does not start here: $(tail -n 3 "$LOGS/dockerd.log" | tr '\n' ' ')"
	echo "# started dockerd (pid $STARTED_DOCKERD) for the suite"
fi
export DOCKER_BUILDKIT=1
echo "# $("$DOCKER" version --format 'client {{.Client.Version}}, engine {{.Server.Version}}' 2>&1)"

# ---- base images, made here, cached ------------------------------------------
# The machine's Debian mirror, from apt's own sources (the archive this
# machine reaches).
debian_mirror() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk 'tolower($1) == "types:" { deb = ($0 ~ /[ \t]deb([ \t]|$)/) }
			tolower($1) == "uris:" && deb && $2 ~ /debian\/?$/ { print $2; exit }' "$f"
	done
	[ -f /etc/apt/sources.list ] &&
		awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\// && $i ~ /debian\/?$/) { print $i; exit } }' \
			/etc/apt/sources.list
}

make_debian_image() {
	"$DOCKER" image inspect "$DEBIAN_IMG" >/dev/null 2>&1 && return 0
	local tar=$CACHE/debian-bookworm-minbase.tar t0
	t0=$(now)
	if [ ! -s "$tar" ]; then
		local mirror rootfs=$CACHE/rootfs.tmp
		mirror=$(debian_mirror | head -n 1)
		[ -n "$mirror" ] || { echo "# no Debian mirror in /etc/apt"; return 1; }
		rm -rf "$rootfs"
		echo "# debootstrap --variant=minbase bookworm from $mirror"
		debootstrap --variant=minbase bookworm "$rootfs" "$mirror" \
			>"$LOGS/debootstrap.log" 2>&1 || {
			tail -n 5 "$LOGS/debootstrap.log"
			rm -rf "$rootfs"
			return 1
		}
		# What the official image leaves out too: downloaded packages
		# and package lists.
		rm -rf "$rootfs"/var/cache/apt/archives/*.deb \
			"$rootfs"/var/lib/apt/lists/*
		tar -C "$rootfs" --numeric-owner -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
		rm -rf "$rootfs"
	fi
	"$DOCKER" import "$tar" "$DEBIAN_IMG" >/dev/null || return 1
	phase "image $DEBIAN_IMG" "$t0"
}

# Node.js as the official image lays it out (/usr/local), from this
# machine; remade when the Node.js, npm or the CA bundle here changed.
make_node_image() {
	local node npm ca key ctx=$SCRATCH/node-image t0
	node=$(readlink -f "$(command -v node)") || return 1
	npm=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
	ca=/etc/ssl/certs/ca-certificates.crt
	[ -x "$node" ] && [ -f "$npm/package.json" ] && [ -f "$ca" ] || {
		echo "# need node, npm and $ca on this machine"
		return 1
	}
	key=$(cat "$node" "$npm/package.json" "$ca" | sha256sum | cut -c1-16)
	[ "$("$DOCKER" image inspect -f '{{index .Config.Labels "cleanroom-test.key"}}' \
		"$NODE_IMG" 2>/dev/null)" = "$key" ] && return 0
	t0=$(now)
	mkdir -p "$ctx"
	cp "$node" "$ctx/node" && cp -a "$npm" "$ctx/npm" && cp "$ca" "$ctx/ca.crt" || return 1
	cat >"$ctx/Dockerfile" <<EOF
FROM $DEBIAN_IMG
COPY node /usr/local/bin/node
COPY npm/ /usr/local/lib/node_modules/npm/
COPY ca.crt /etc/ssl/certs/ca-certificates.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && node --version && npm --version
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
LABEL cleanroom-test.key=$key
EOF
	"$DOCKER" build -q -t "$NODE_IMG" "$ctx" >"$LOGS/node-image.log" 2>&1 || {
		tail -n 5 "$LOGS/node-image.log"
		return 1
	}
	rm -rf "$ctx"
	phase "image $NODE_IMG" "$t0"
}

if make_debian_image; then pass "base image $DEBIAN_IMG (minbase)"; else
	fail "base image $DEBIAN_IMG (minbase)" "see $LOGS/debootstrap.log"
	finish
	exit
fi
if make_node_image; then pass "base image $NODE_IMG"; else
	fail "base image $NODE_IMG" "see $LOGS/node-image.log"
	finish
	exit
fi

# ---- the build context: the working tree, and what Aptible writes ------------
CTX=$SCRATCH/context
mkdir -p "$CTX"
if [ -n "${SOURCE_REF:-}" ]; then
	git -C "$ROOT" archive "$SOURCE_REF" | tar -C "$CTX" -xf -
else
	(cd "$ROOT" && git ls-files -z -co --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		tar --null -T - -cf -) | tar -C "$CTX" -xf -
fi || {
	fail "copy ${SOURCE_REF:-the working tree} as the build context"
	finish
	exit
}
if [ -n "${DOCKERFILE:-}" ]; then
	cp "$DOCKERFILE" "$CTX/Dockerfile.example" &&
		cp "$ROOT/Dockerfile.example.dockerignore" "$CTX/" || exit 1
	echo "# building $DOCKERFILE${SOURCE_REF:+ on $SOURCE_REF}"
fi
# The values are fixed (not random per run) so that a layer built on any
# earlier run with a leaking Dockerfile would still be caught.
SECRET_KEY=crdock-dj4ng0-9f3e1c7a5b2d4e6f8a0c
DB_PASSWORD=crdock_pw_5d7c9e1b3a
STRIPE_KEY=crdock_sk_live_0a9b8c7d6e5f4a3b2c1d
cat >"$CTX/.aptible.env" <<EOF
DJANGO_SETTINGS_MODULE=shop.settings
VITE_APP_TITLE='Shop at the corner'
SECRET_KEY=$SECRET_KEY
DATABASE_URL=postgres://shop:$DB_PASSWORD@db.internal:5432/shop
STRIPE_SECRET_KEY=$STRIPE_KEY
EOF
printf '%s\n' "$SECRET_KEY" "$DB_PASSWORD" "$STRIPE_KEY" >"$SCRATCH/secrets"
# A file naming this run in each app: its COPY changes every run, so the
# cleanroom RUN lines after it run every time (their output is what the
# suite reads; a cached step prints nothing), while the dependency layers
# before it (apt-get, npm ci) stay cached.
for a in django vite webpack; do
	echo "tests/docker run $$ at $(date -u +%FT%T.%NZ)" >"$CTX/examples/$a/.cleanroom-test-run"
done

# All four builds start at once: BuildKit runs the builder stage they
# share once, and the app stages' apt-get and npm ci (network and disk)
# overlap with its compiling. Each build's status is in $LOGS/TARGET.rc.
TARGETS=(builder app-aptible-env app-buildkit-secret app-procfile)
start_build() { # TARGET
	(
		timeout 1200 "$DOCKER" build --progress=plain -f "$CTX/Dockerfile.example" \
			--target "$1" -t "$APP-$1" \
			--build-arg DEBIAN_IMAGE="$DEBIAN_IMG" \
			--build-arg DEBIAN_SLIM_IMAGE="$DEBIAN_IMG" \
			--build-arg NODE_IMAGE="$NODE_IMG" \
			--secret id=appenv,src="$CTX/.aptible.env" \
			"$CTX" >"$LOGS/$1.log" 2>&1
		echo $? >"$LOGS/$1.rc"
		phase "build $1" "$BUILDS_T0" >"$LOGS/$1.time"
	) &
	BUILD_PIDS+=($!)
}
build() { # TARGET: the result of its build, asserted
	RC=$(cat "$LOGS/$1.rc" 2>/dev/null || echo none) ERR=$(tail -n 25 "$LOGS/$1.log")
	cat "$LOGS/$1.time" 2>/dev/null
	assert_rc 0 "docker build --target $1 (BuildKit, built-in frontend)"
	[ "$RC" = 0 ]
}
# The tool image (the top-level Dockerfile) builds alongside: its builder
# stage is Dockerfile.example's, so BuildKit runs it once for both.
TOOL_IMG=cleanroom-test/cleanroom
start_tool_build() {
	(
		timeout 1200 "$DOCKER" build --progress=plain -f "$CTX/Dockerfile" \
			-t "$TOOL_IMG" --build-arg DEBIAN_IMAGE="$DEBIAN_IMG" \
			"$CTX" >"$LOGS/tool.log" 2>&1
		echo $? >"$LOGS/tool.rc"
		phase "build tool" "$BUILDS_T0" >"$LOGS/tool.time"
	) &
	BUILD_PIDS+=($!)
}
BUILDS_T0=$(now)
rm -f "$LOGS"/*.rc
BUILD_PIDS=()
for t in "${TARGETS[@]}"; do start_build "$t"; done
start_tool_build
# The builds only: a dockerd started above is a child of this shell too.
wait "${BUILD_PIDS[@]}"
phase "the five builds, at once" "$BUILDS_T0"

# ---- builder: a minimal Debian, make bootstraps itself -----------------------
IMAGES=()
if build builder; then
	IMAGES+=("$APP-builder")
	run "$DOCKER" run --rm "$APP-builder" build/cleanroom --version
	assert_contains "$OUT" "cleanroom " "the builder's binary runs"
else
	echo "# the builder failed: the app stages need it"
	finish
	exit
fi

# ---- the tool image: FROM scratch, the binary and its notices alone ----------
# What a container of it holds (docker export), less the stubs the engine
# itself puts in every container's root (mount points and /etc files it
# bind-mounts, /.dockerenv).
if build tool; then
	c=cleanroom-test-tool-$$
	CONTAINERS+=("$c")
	"$DOCKER" create --name "$c" "$TOOL_IMG" >/dev/null
	run sh -c "'$DOCKER' export '$c' | tar -tf - | sed 's,^\./,,' | grep -vxE '\.dockerenv|dev/|dev/(console|pts/|shm/)|etc/|etc/(hostname|hosts|mtab|resolv\.conf)|proc/|sys/' | sort"
	assert_eq "$OUT" "usr/
usr/local/
usr/local/bin/
usr/local/bin/cleanroom
usr/local/share/
usr/local/share/doc/
usr/local/share/doc/cleanroom/
usr/local/share/doc/cleanroom/LICENSE
usr/local/share/doc/cleanroom/THIRD-PARTY-NOTICES" \
		"the tool image holds only the binary and its notices (docker export | tar t)"
	assert_eq "$("$DOCKER" image inspect -f '{{len .RootFS.Layers}}' "$TOOL_IMG")" 1 \
		"in one layer, on no base image"
	run "$DOCKER" run --rm --network none "$TOOL_IMG" --version
	assert_contains "$OUT" "cleanroom " "its entrypoint is the binary, which runs alone"
	run sh -c "'$DOCKER' cp '$c:/usr/local/share/doc/cleanroom/THIRD-PARTY-NOTICES' - | tar -xOf -"
	assert_contains "$OUT" "Relinking with a modified nettle" "its notices carry nettle's relinking terms"
	# The README's first way in: an app's Dockerfile takes the binary
	# with COPY --from= the tool image.
	u=$SCRATCH/use-tool
	mkdir -p "$u"
	{
		echo "FROM $DEBIAN_IMG"
		echo "COPY --from=$TOOL_IMG /usr/local/bin/cleanroom /usr/local/bin/cleanroom"
		echo "WORKDIR /app"
		echo "RUN cleanroom run --framework none --output out -- sh -c 'mkdir -p out && echo hi >out/a.txt' && sha256sum -c out/cleanroom.lock"
	} >"$u/Dockerfile"
	run "$DOCKER" build --progress=plain -t "$APP-use-tool" "$u"
	assert_rc 0 "an app's Dockerfile with COPY --from=$TOOL_IMG builds and runs cleanroom"
	"$DOCKER" rmi "$APP-use-tool" >/dev/null 2>&1
fi

# ---- app-aptible-env: the env file bind-mounted, secrets withheld ------------
if build app-aptible-env; then
	IMAGES+=("$APP-app-aptible-env")
	log=$(grep -a 'cleanroom: ' "$LOGS/app-aptible-env.log")
	assert_contains "$log" "landlock v" "cleanroom ran in the BuildKit RUN with Landlock"
	assert_contains "$log" "seccomp net-deny" "and the network denied"
	assert_contains "$log" "withheld" "SECRET_KEY and DATABASE_URL withheld"
	assert_contains "$log" "secrets      ok       0 matches" "no secret in the outputs"
	assert_not_contains "$log" "is part of the image being built" \
		"no env-file warning for a bind-mounted .aptible.env"
	run "$DOCKER" run --rm "$APP-app-aptible-env" sha256sum -c --quiet staticfiles/cleanroom.lock
	assert_rc 0 "sha256sum -c staticfiles/cleanroom.lock inside the Django image"
	run "$DOCKER" run --rm "$APP-app-aptible-env" sh -c 'test -s staticfiles/staticfiles.json && ls -A /app'
	assert_rc 0 "the Django image has staticfiles.json"
	assert_not_contains "$OUT" ".aptible.env" "and no .aptible.env, not even the mount's stub"
fi

# ---- app-buildkit-secret: the env file as a BuildKit secret ------------------
if build app-buildkit-secret; then
	IMAGES+=("$APP-app-buildkit-secret")
	log=$(grep -a 'cleanroom: ' "$LOGS/app-buildkit-secret.log")
	assert_contains "$log" "withheld" "the secret file's secrets withheld"
	assert_contains "$log" "secrets      ok       0 matches" "no secret in the Vite outputs"
	run "$DOCKER" run --rm "$APP-app-buildkit-secret" sh -c \
		'grep -rl "Shop at the corner" dist >/dev/null && sha256sum -c --quiet dist/cleanroom.lock'
	assert_rc 0 "VITE_APP_TITLE from the secret reached the bundle, and the lock verifies"
fi

# ---- app-procfile: cleanroom start as the container's PID 1 ------------------
http_get() { # CONTAINER: GET / on the container's own loopback, with its node
	"$DOCKER" exec "$1" node -e '
require("http").get("http://127.0.0.1:3000/", r => {
  let b = ""; r.on("data", d => b += d); r.on("end", () => console.log(b))
}).on("error", () => process.exit(1))'
}
stop_timed() { # CONTAINER: docker stop; sets STOP_S and STATUS
	local t0
	t0=$(now)
	"$DOCKER" stop -t 10 "$1" >/dev/null
	STOP_S=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
	STATUS=$("$DOCKER" inspect -f '{{.State.ExitCode}}' "$1")
}
if build app-procfile; then
	IMAGES+=("$APP-app-procfile")
	c=cleanroom-test-procfile-$$
	CONTAINERS+=("$c" "$c-z")
	# No network but loopback: the page is fetched from inside.
	"$DOCKER" run -d --name "$c" --network none "$APP-app-procfile" >/dev/null
	body=""
	for _ in $(seq 50); do
		body=$(http_get "$c" 2>/dev/null) && break
		sleep 0.2
	done
	js=$("$DOCKER" exec "$c" sh -c 'cd dist && ls main.*.js')
	assert_contains "$body" "src=\"/$js\"" "app-procfile serves the verified bundle ($js)"
	logs=$("$DOCKER" logs "$c" 2>&1)
	assert_contains "$logs" "start: fresh" "its first start is fresh (the RUN line recorded the stamp)"
	run "$DOCKER" exec "$c" sh -c 'tr "\0" " " </proc/1/cmdline'
	assert_contains "$OUT" "cleanroom start -- node server.js" "PID 1 is cleanroom start"
	stop_timed "$c"
	if awk -v s="$STOP_S" 'BEGIN { exit !(s < 2) }'; then
		pass "docker stop returns in $STOP_S s (< 2 s)"
	else
		fail "docker stop returns within 2 s" "took $STOP_S s (the stop timeout is 10 s)"
	fi
	assert_eq "$STATUS" 143 "the container's status is the server's: node ended by SIGTERM, 128+15"

	# A server that leaves an orphan (a double fork) and never waits for
	# it: the orphan is reparented to PID 1, which must reap it.
	"$DOCKER" run -d --name "$c-z" --network none "$APP-app-procfile" \
		cleanroom start -- node -e '
require("child_process").spawn("sh", ["-c", "sleep 0.3 &"], { stdio: "ignore" })
setInterval(() => {}, 1000)' >/dev/null
	sleep 2
	run "$DOCKER" exec "$c-z" sh -c 'cat /proc/[0-9]*/stat 2>/dev/null | sed "s/^.*) //" | cut -d" " -f1 | grep -c Z'
	assert_eq "$OUT" 0 "no zombie left after a server's orphan ends"
	run "$DOCKER" logs "$c-z"
	assert_contains "$ERR" "start: fresh" "a different server command: still fresh"
	stop_timed "$c-z"
	assert_eq "$STATUS" 143 "stopped at once too ($STOP_S s, status $STATUS)"
fi

# ---- the env-file warning in a real BuildKit RUN -----------------------------
# A file COPY'd into the image: run and doctor warn; the same file bound
# for the line: no warning; `docker run` of the image: no warning. The
# file holds no secret (this image is not searched below).
if [ "${#IMAGES[@]}" -gt 0 ] && [ "${IMAGES[0]}" = "$APP-builder" ]; then
	w=$SCRATCH/warn
	mkdir -p "$w"
	echo "WARN_TEST=1" >"$w/warn.env"
	cat >"$w/Dockerfile" <<EOF
FROM $DEBIAN_IMG
COPY --from=$APP-builder /src/build/cleanroom /usr/local/bin/cleanroom
WORKDIR /app
COPY warn.env ./
RUN cleanroom doctor --env warn.env >/doctor-copy.txt 2>&1; \\
    cleanroom run --env warn.env --framework none --output out -- sh -c 'mkdir -p out && echo x >out/a.txt' >/run-copy.txt 2>&1; \\
    echo "run exit \$?" >>/run-copy.txt
RUN --mount=type=bind,source=warn.env,target=/app/bound.env \\
    cleanroom doctor --env bound.env >/doctor-bind.txt 2>&1; true
EOF
	t0=$(now)
	"$DOCKER" build --progress=plain -t "$APP-warn" "$w" >"$LOGS/warn.log" 2>&1
	RC=$? ERR=$(tail -n 10 "$LOGS/warn.log")
	phase "build warn" "$t0"
	assert_rc 0 "docker build of the env-file warning image"
	show() { "$DOCKER" run --rm "$APP-warn" "$@" 2>&1; }
	d_copy=$(show cat /doctor-copy.txt)
	r_copy=$(show cat /run-copy.txt)
	d_bind=$(show cat /doctor-bind.txt)
	d_run=$(show cleanroom doctor --env warn.env)
	want="warning: warn.env is part of the image being built (BuildKit)"
	assert_contains "$d_copy" "$want" "doctor warns in the build about a COPY'd env file"
	assert_contains "$r_copy" "$want" "run warns in the build about a COPY'd env file"
	assert_contains "$r_copy" "hint: drop the COPY and bind the file for this RUN line only: RUN --mount=type=bind,source=warn.env,target=/app/warn.env" \
		"with the mount line as the fix"
	assert_contains "$r_copy" "run exit 0" "a warning, not a failure"
	assert_not_contains "$d_bind" "is part of the image" "no warning for a bind-mounted env file"
	assert_contains "$d_bind" "bound.env: ok" "which doctor read"
	assert_not_contains "$d_run" "is part of the image" "no warning in docker run (not a build)"
	assert_contains "$d_run" "warn.env: ok" "which doctor read"
	"$DOCKER" rmi "$APP-warn" >/dev/null 2>&1
fi

# ---- every layer of every image, searched for the secrets --------------------
if [ "${#IMAGES[@]}" -gt 0 ]; then
	t0=$(now)
	# A saved image is a tar of uncompressed tars (each layer, each
	# config, the manifests): a fixed-string search of the stream finds a
	# value in any file of any layer. Only on a hit is it unpacked, to
	# name the layers and configs that hold one.
	nlayers=0
	for i in "${IMAGES[@]}"; do
		nlayers=$((nlayers + $("$DOCKER" image inspect -f '{{len .RootFS.Layers}}' "$i")))
	done
	"$DOCKER" save "${IMAGES[@]}" | grep -caF -f "$SCRATCH/secrets" >"$SCRATCH/hits"
	saved=${PIPESTATUS[0]} hits=$(cat "$SCRATCH/hits")
	if [ "$saved" != 0 ]; then
		fail "docker save of ${IMAGES[*]}"
	else
		pass "docker save: ${#IMAGES[@]} images, $nlayers layers, searched whole"
		where=""
		if [ "$hits" != 0 ]; then
			save=$SCRATCH/save
			mkdir -p "$save"
			"$DOCKER" save "${IMAGES[@]}" | tar -C "$save" -xf -
			while IFS= read -r -d '' f; do
				grep -qaF -f "$SCRATCH/secrets" "$f" &&
					printf '%s ' "${f#"$save"/}"
			done < <(find "$save" -type f -print0) >"$SCRATCH/where"
			where=$(cat "$SCRATCH/where")
			rm -rf "$save"
		fi
		assert_eq "$hits${where:+: $where}" 0 \
			"no secret value of .aptible.env in any layer, config or manifest"
	fi
	phase "docker save and search" "$t0"
fi
echo "# docker suite: $(($(date +%s) - SUITE_T0)) s"
finish
