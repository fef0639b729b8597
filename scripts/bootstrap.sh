#!/usr/bin/env bash
# bootstrap.sh: make sure this machine has what cleanroom's build and tests
# need, before anything is built.  The Makefile runs it first, on a fresh
# Debian bookworm machine as root.  It installs missing Debian packages with
# apt-get (printing one line naming them) and makes sure deb-src entries
# exist, because scripts/deps.sh builds libyaml, libcap and nettle from
# Debian source packages.  When everything is present it prints nothing and
# costs one dpkg-query and one apt-cache call.
#
# On a system without apt-get (Alpine, with DEPS=system) it installs nothing:
# it checks that the compiler, headers and static libraries are there and,
# if not, says which packages to add.
#
# Usage: bootstrap.sh [GROUP...]   GROUP: build, check, docker, examples,
#                                   bench, all (default)
#   build     static musl build, deps from Debian sources (and deb-src entries)
#   check     unit/integration tests, the glibc sanitizer build, fuzzing
#   docker    tests/docker: Debian's Docker engine (docker.io: dockerd with
#             BuildKit built in, and a client that drives it without
#             buildx) and debootstrap, which makes the suite's base images;
#             docker.io is left out where another engine package (docker-ce,
#             moby-engine) is installed, since it would replace it
#   examples  the framework example apps' system packages (Rails 6.1 with
#             sprockets and sassc, Django 3.2); Node.js and npm must already
#             be there (scripts/example-deps.sh installs the npm packages)
#   bench     benchmark scripts
set -euo pipefail

readonly DEB_SRC_FILE=/etc/apt/sources.list.d/cleanroom-deb-src.sources
# A source package that deps.sh needs; if apt-cache finds it, deb-src works.
readonly PROBE_SRC=libyaml

die() {
	echo "bootstrap: $*" >&2
	exit 1
}

say() {
	echo "bootstrap: $*"
}

# Packages per group.  m4 is needed by nettle's build (its assembly files go
# through m4); dpkg-dev provides dpkg-source for `apt-get source`.  gcc only
# recommends libc6-dev, and libcap's build compiles a host tool
# (_makenames) with gcc, so a minimal Debian (debootstrap --variant=minbase,
# as the official debian:bookworm image is) needs it named.  The glibc
# sanitizer build links the decompressors dynamically (zlib1g-dev,
# libbrotli-dev, libzstd-dev); the tests make compressed siblings with the
# gzip, brotli and zstd tools. tests/dist lints the man pages with mandoc
# and man-db's `man -l`, and loads the generated completions in zsh and
# fish (bash is there already).
packages_for() {
	case "$1" in
	build) echo musl-tools m4 perl dpkg-dev linux-libc-dev libc6-dev make gcc \
		file binutils ;;
	check) echo make gcc clang libclang-rt-14-dev libyaml-dev libcap-dev runc \
		golang-github-docker-docker-dev python3 \
		nettle-dev zlib1g-dev libbrotli-dev libzstd-dev \
		gzip brotli zstd dash file binutils mandoc zsh fish man-db \
		libcurl4-openssl-dev libssl-dev python3-botocore openssl curl ;;
	docker)
		echo debootstrap
		other_engine || echo docker.io
		;;
	examples) echo ruby-rails ruby-sprockets-rails ruby-sassc-rails \
		python3-django ;;
	bench) echo hyperfine bubblewrap rhash ripgrep time git linux-perf ;;
	*) die "unknown group '$1' (expected build, check, docker, examples, bench or all)" ;;
	esac
}

# An engine from another package (Docker's own docker-ce, moby-engine) is
# kept: docker.io conflicts with it and apt would remove it.
other_engine() {
	dpkg-query -W -f='${Status}\n' docker-ce moby-engine 2>/dev/null |
		grep -q ' installed$'
}

# Print, space separated, those of the given packages that are not
# installed.  One dpkg-query call for all of them keeps the no-op case fast.
missing_packages() {
	local installed
	installed=$(dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null |
		awk '$NF == "installed" { print $1 }') || true
	local p
	for p in "$@"; do
		grep -qxF "$p" <<<"$installed" || printf '%s ' "$p"
	done
}

# Run an apt-get command quietly; on failure show the tail of its output.
apt_quiet() {
	local log
	log=$(mktemp)
	# Wait for another apt-get (an unattended upgrade, a second make) to
	# finish instead of failing on its lock.
	if ! DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
		"$@" >"$log" 2>&1; then
		tail -n 20 "$log" >&2
		rm -f "$log"
		die "apt-get $* failed"
	fi
	rm -f "$log"
}

apt_update() {
	say "running apt-get update"
	apt_quiet update
}

have_deb_src() {
	apt-cache showsrc "$PROBE_SRC" 2>/dev/null | grep -q "^Package: $PROBE_SRC\$"
}

# Turn the deb822 stanzas of a .sources file into deb-src stanzas.  Only
# Debian archives are mirrored (a third-party repository may have no
# sources), and disabled stanzas are skipped.
deb822_to_src() {
	awk '
	function flush() {
		if (types ~ /(^|[ \t])deb([ \t]|$)/ && uris ~ /debian/ && enabled != "no") {
			print "Types: deb-src"
			print "URIs: " uris
			print "Suites: " suites
			if (comps != "") print "Components: " comps
			if (signed != "") print "Signed-By: " signed
			print ""
		}
		types = uris = suites = comps = signed = enabled = ""
	}
	/^[ \t]*#/ { next }
	/^[ \t]*$/ { flush(); next }
	/^[ \t]/ {
		# A continuation line: only an inline Signed-By key block has them.
		if (key == "signed-by") signed = signed "\n" $0
		next
	}
	{
		key = tolower($1); sub(/:$/, "", key)
		val = $0; sub(/^[^:]*:[ \t]*/, "", val)
		if (key == "types") types = val
		else if (key == "uris") uris = val
		else if (key == "suites") suites = val
		else if (key == "components") comps = val
		else if (key == "signed-by") signed = val
		else if (key == "enabled") enabled = tolower(val)
	}
	END { flush() }
	' "$1"
}

# Turn classic one-line `deb [opts] URI SUITE COMPONENT...` entries into
# deb-src stanzas, keeping a signed-by option if there is one.
list_to_src() {
	awk '
	$1 != "deb" { next }
	{
		signed = ""; i = 2
		if ($2 ~ /^\[/) {
			while (i <= NF) {
				opt = $i; gsub(/[\[\]]/, "", opt)
				if (opt ~ /^signed-by=/) { sub(/^signed-by=/, "", opt); signed = opt }
				if ($i ~ /\]$/) { i++; break }
				i++
			}
		}
		uri = $i; suite = $(i + 1); comps = ""
		for (j = i + 2; j <= NF && $j !~ /^#/; j++) comps = comps (comps == "" ? "" : " ") $j
		if (uri !~ /debian/ || suite == "") next
		print "Types: deb-src"
		print "URIs: " uri
		print "Suites: " suite
		if (comps != "") print "Components: " comps
		if (signed != "") print "Signed-By: " signed
		print ""
	}
	' "$1"
}

# Add deb-src entries that mirror the existing Debian deb entries, unless
# some deb-src entry is configured already (then only the lists are stale).
add_deb_src_entries() {
	if grep -rqsE '^[[:space:]]*(deb-src|Types:.*deb-src)' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources; then
		return 0
	fi
	local tmp
	tmp=$(mktemp)
	if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
		deb822_to_src /etc/apt/sources.list.d/debian.sources >>"$tmp"
	fi
	if [[ -f /etc/apt/sources.list ]]; then
		list_to_src /etc/apt/sources.list >>"$tmp"
	fi
	if [[ ! -s $tmp ]]; then
		rm -f "$tmp"
		die "no Debian 'deb' entries found in /etc/apt/sources.list or" \
			"/etc/apt/sources.list.d/debian.sources to mirror as deb-src"
	fi
	say "adding deb-src entries in $DEB_SRC_FILE"
	install -m 0644 "$tmp" "$DEB_SRC_FILE"
	rm -f "$tmp"
}

# Install what the groups need and make `apt-get source` work for the build
# group, with at most one apt-get update.
install_debian() {
	local pkgs=() g want_src=0
	for g in "$@"; do
		# shellcheck disable=SC2207 # package names have no spaces
		pkgs+=($(packages_for "$g"))
		[[ $g != build ]] || want_src=1
	done
	local missing need_src=0
	missing=$(missing_packages "${pkgs[@]}")
	missing=${missing% }
	if ((want_src)) && ! have_deb_src; then
		need_src=1
	fi
	[[ -n $missing ]] || ((need_src)) || return 0

	[[ $(id -u) -eq 0 ]] ||
		die "need root to install packages or add deb-src entries (${missing:-deb-src})"
	((need_src == 0)) || add_deb_src_entries
	apt_update
	if [[ -n $missing ]]; then
		say "installing $missing"
		# shellcheck disable=SC2086 # word splitting wanted
		apt_quiet install -y -q --no-install-recommends $missing
	fi
	if ((need_src)) && ! have_deb_src; then
		die "apt-get source still cannot find '$PROBE_SRC'; check the deb-src entries in /etc/apt"
	fi
}

# Check that the C compiler can find a header and a static library.
have_header() {
	printf '#include <%s>\n' "$1" | "${CC:-cc}" -E -x c - >/dev/null 2>&1
}

have_static_lib() {
	local path
	path=$("${CC:-cc}" -print-file-name="$1" 2>/dev/null) || return 1
	[[ $path == /* && -f $path ]]
}

# Without apt-get (Alpine and other musl systems) the build uses DEPS=system:
# the distribution's static libraries.  Check, never install.
check_system() {
	local groups=("$@") missing=() g
	for g in "${groups[@]}"; do
		case "$g" in
		build)
			command -v "${CC:-cc}" >/dev/null || missing+=("compiler ${CC:-cc}")
			command -v make >/dev/null || missing+=(make)
			local h l
			for h in yaml.h sys/capability.h nettle/sha2.h linux/landlock.h \
				zlib.h brotli/decode.h zstd.h; do
				have_header "$h" || missing+=("<$h>")
			done
			for l in libyaml.a libcap.a libnettle.a libz.a libbrotlidec.a \
				libbrotlicommon.a libzstd.a; do
				have_static_lib "$l" || missing+=("$l")
			done
			;;
		check)
			local t
			for t in clang dash file readelf gzip brotli zstd; do
				command -v "$t" >/dev/null || missing+=("$t")
			done
			;;
		bench) command -v hyperfine >/dev/null || missing+=(hyperfine) ;;
		*) packages_for "$g" >/dev/null ;;
		esac
	done
	if ((${#missing[@]})); then
		echo "bootstrap: no apt-get here, so nothing is installed; missing: ${missing[*]}" >&2
		echo "bootstrap: on Alpine: apk add build-base musl-dev linux-headers" \
			"yaml-static yaml-dev libcap-static libcap-dev nettle-static" \
			"nettle-dev zlib-static zlib-dev brotli-static brotli-dev" \
			"zstd-static zstd-dev (and clang file binutils dash gzip brotli zstd" \
			"hyperfine for check/bench)," \
			"then build with make DEPS=system" >&2
		exit 1
	fi
}

main() {
	local groups=()
	local g
	for g in "${@:-all}"; do
		case "$g" in
		all) groups+=(build check docker examples bench) ;;
		build | check | docker | examples | bench) groups+=("$g") ;;
		*) die "unknown group '$g' (expected build, check, docker, examples, bench or all)" ;;
		esac
	done
	if command -v apt-get >/dev/null && command -v dpkg-query >/dev/null; then
		# `make -j` runs the build and check groups at once: one apt-get
		# at a time (apt's own lock makes the second one fail, not wait).
		if [[ $(id -u) -eq 0 ]] && command -v flock >/dev/null; then
			exec 9>/run/cleanroom-bootstrap.lock
			flock 9
		fi
		install_debian "${groups[@]}"
	else
		check_system "${groups[@]}"
	fi
}

main "$@"
