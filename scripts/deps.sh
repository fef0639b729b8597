#!/usr/bin/env bash
# deps.sh OUTDIR: build cleanroom's libraries (libyaml, libcap, nettle, the
# decompressors zlib, brotli and zstd, and for `cleanroom publish` OpenSSL
# and libcurl, HTTP and HTTPS only) as static musl libraries from Debian
# source packages, once.  The Makefile
# runs it before a static build with DEPS=source (the default on Debian) and
# compiles with `musl-gcc -isystem OUTDIR/uapi -I OUTDIR/include`.
#
# Output, relied on by the Makefile:
#   OUTDIR/include/      yaml.h, sys/capability.h, nettle/*.h, zlib.h,
#                        zconf.h, brotli/*.h, zstd.h, zstd_errors.h,
#                        openssl/*.h, curl/*.h
#   OUTDIR/lib/          libyaml.a libcap.a libnettle.a libz.a
#                        libbrotlidec.a libbrotlicommon.a libzstd.a
#                        libcurl.a libssl.a libcrypto.a (static only)
#   OUTDIR/uapi/         linux/ asm/ asm-generic/ from linux-libc-dev, because
#                        musl ships no kernel headers
#   OUTDIR/versions.mk   LIBYAML_VERSION, LIBCAP_VERSION, NETTLE_VERSION,
#                        ZLIB_VERSION, BROTLI_VERSION, ZSTD_VERSION,
#                        OPENSSL_VERSION, CURL_VERSION (upstream versions of the source packages)
#   OUTDIR/.stamp        written last; when present this script does nothing
# Sources, build trees and logs go to OUTDIR/src.  A run that fails leaves no
# stamp, and the next run starts again from a clean tree.
#
# Debian sources (rather than upstream tarballs) because Debian's archive is
# what this project's machines can reach, its Sources index is signed, and
# Debian's security fixes come with it.  scripts/bootstrap.sh installs the
# tools used here and adds the deb-src entries `apt-get source` needs.
set -euo pipefail

readonly DEP_CC=musl-gcc
readonly DEP_CFLAGS="-O2 -fstack-protector-strong"
readonly JOBS=-j2

OUTDIR=
SRCDIR=
STAGE=
LIBYAML_VERSION=
LIBCAP_VERSION=
NETTLE_VERSION=
ZLIB_VERSION=
BROTLI_VERSION=
ZSTD_VERSION=
OPENSSL_VERSION=
CURL_VERSION=

die() {
	echo "deps: $*" >&2
	exit 1
}

say() {
	echo "deps: $*"
}

now() {
	echo "${EPOCHREALTIME/,/.}"
}

elapsed_since() {
	awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'
}

# run LOG CMD...: run CMD with its output appended to LOG; on failure show
# the end of LOG and stop.
run() {
	local log=$1
	shift
	echo "+ $*" >>"$log"
	if ! "$@" >>"$log" 2>&1; then
		tail -n 25 "$log" >&2
		die "failed: $* (full log: $log)"
	fi
}

check_tools() {
	local t missing=()
	for t in "$DEP_CC" gcc make ar ranlib m4 perl apt-get dpkg-source readelf; do
		command -v "$t" >/dev/null || missing+=("$t")
	done
	((${#missing[@]} == 0)) ||
		die "missing tools: ${missing[*]} (run scripts/bootstrap.sh build)"
}

# The environment of a calling make (MAKEFLAGS carries its command-line
# variables and jobserver) and the user's compiler flags must not leak into
# the libraries' own builds: they are built the same way every time.
clean_environment() {
	unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES GNUMAKEFLAGS
	unset CC CFLAGS CPPFLAGS LDFLAGS LIBS CPATH C_INCLUDE_PATH LIBRARY_PATH
	export LC_ALL=C
}

# Remove whatever an earlier, failed run left; only our own entries, never
# OUTDIR itself (it might hold something else).
clean_partial() {
	rm -rf "${OUTDIR:?}/src" "${OUTDIR:?}/include" "${OUTDIR:?}/lib" \
		"${OUTDIR:?}/uapi" "${OUTDIR:?}/versions.mk" "${OUTDIR:?}/.stamp.tmp"
	mkdir -p "$SRCDIR" "$STAGE" "$OUTDIR/include" "$OUTDIR/lib"
}

# Debian's linux-libc-dev headers, which musl-gcc does not search.
install_uapi() {
	local multiarch d
	multiarch=$(gcc -print-multiarch 2>/dev/null) || multiarch=
	[[ -n $multiarch ]] || multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
	for d in /usr/include/linux /usr/include/asm-generic \
		"/usr/include/$multiarch/asm"; do
		[[ -d $d ]] || die "$d missing (install linux-libc-dev)"
	done
	mkdir -p "$OUTDIR/uapi"
	cp -a /usr/include/linux /usr/include/asm-generic "$OUTDIR/uapi/"
	cp -a "/usr/include/$multiarch/asm" "$OUTDIR/uapi/asm"
}

# try LOG CMD...: like run, but a failure only returns non-zero.
try() {
	local log=$1
	shift
	echo "+ $*" >>"$log"
	"$@" >>"$log" 2>&1
}

# fetch SRCPKG: download and unpack a Debian source package into SRCDIR
# (Debian's patches applied) and print "DEBIAN_VERSION DIRECTORY".  The
# newest version apt knows may be a security update whose files the
# mirror does not carry (a 404 from debian-security): then the release's
# own version (SRCPKG/CODENAME), said on stderr.
fetch() {
	local pkg=$1 log="$SRCDIR/$1.log" dsc version upstream codename
	if ! (cd "$SRCDIR" && try "$log" apt-get -q -o APT::Sandbox::User=root \
		source "$pkg"); then
		# shellcheck disable=SC1091 # the machine's own file
		codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
		[[ -n $codename ]] ||
			die "apt-get source $pkg failed (see $log; run scripts/bootstrap.sh build: it adds deb-src entries)"
		rm -rf "$SRCDIR/${pkg}_"* "$SRCDIR/$pkg-"*
		echo "deps: apt-get source $pkg failed (see $log); using $pkg/$codename, without later security updates" >&2
		(cd "$SRCDIR" && run "$log" apt-get -q -o APT::Sandbox::User=root \
			source "$pkg/$codename") ||
			die "apt-get source $pkg/$codename failed (run scripts/bootstrap.sh build: it adds deb-src entries)"
	fi
	dsc=$(find "$SRCDIR" -maxdepth 1 -name "${pkg}_*.dsc" -print -quit)
	[[ -n $dsc ]] || die "no .dsc for $pkg in $SRCDIR"
	version=$(awk '$1 == "Version:" { print $2; exit }' "$dsc")
	[[ -n $version ]] || die "no Version in $dsc"
	upstream=${version#*:}
	upstream=${upstream%-*}
	[[ -d "$SRCDIR/$pkg-$upstream" ]] ||
		die "expected $SRCDIR/$pkg-$upstream after apt-get source $pkg"
	echo "$version $SRCDIR/$pkg-$upstream"
}

# Upstream version from a Debian version: no epoch, no Debian revision, no
# repack suffix (1:2.66-4+deb12u3 -> 2.66).
upstream_version() {
	local v=${1#*:}
	v=${v%-*}
	v=${v%%+dfsg*}
	v=${v%%.dfsg*}
	v=${v%%+ds*}
	echo "$v"
}

# libyaml's Debian source is the upstream git tag: no configure script, only
# configure.ac and a CMakeLists.txt.  Rather than pull in autotools or cmake,
# compile its eight C files the way CMakeLists.txt does: config.h holds just
# the version numbers (from cmake/config.h.in).
build_libyaml() {
	local fetched version dir log="$SRCDIR/libyaml.log"
	fetched=$(fetch libyaml)
	read -r version dir <<<"$fetched"
	LIBYAML_VERSION=$(upstream_version "$version")

	local major minor patch
	major=$(sed -n 's/^m4_define(\[YAML_MAJOR\], *\([0-9]*\))/\1/p' "$dir/configure.ac")
	minor=$(sed -n 's/^m4_define(\[YAML_MINOR\], *\([0-9]*\))/\1/p' "$dir/configure.ac")
	patch=$(sed -n 's/^m4_define(\[YAML_PATCH\], *\([0-9]*\))/\1/p' "$dir/configure.ac")
	[[ "$major.$minor.$patch" == "$LIBYAML_VERSION" ]] ||
		die "libyaml: configure.ac says '$major.$minor.$patch', package says '$LIBYAML_VERSION'"

	local obj="$dir/build" f
	mkdir -p "$obj"
	sed -e "s/@YAML_VERSION_MAJOR@/$major/" -e "s/@YAML_VERSION_MINOR@/$minor/" \
		-e "s/@YAML_VERSION_PATCH@/$patch/" \
		-e "s/@YAML_VERSION_STRING@/$LIBYAML_VERSION/" \
		"$dir/cmake/config.h.in" >"$obj/config.h"
	for f in "$dir"/src/*.c; do
		# shellcheck disable=SC2086 # DEP_CFLAGS is a list of flags
		run "$log" "$DEP_CC" $DEP_CFLAGS -DHAVE_CONFIG_H -I"$obj" \
			-I"$dir/include" -c "$f" -o "$obj/$(basename "${f%.c}").o"
	done
	run "$log" ar rcs "$obj/libyaml.a" "$obj"/*.o
	install -m 0644 "$dir/include/yaml.h" "$OUTDIR/include/yaml.h"
	install -m 0644 "$obj/libyaml.a" "$OUTDIR/lib/libyaml.a"
}

# libcap has plain Makefiles; build only libcap.a.  SHARED/PTHREADS/GOLANG/
# PAM_CAP=no leave out the shared library, libpsx, Go and the PAM module;
# USE_GPERF=no keeps the build from depending on whether gperf is installed.
# The library's own sources use libcap's bundled linux/capability.h, and
# _makenames (run at build time) is compiled by the host gcc.  COPTS, not
# CFLAGS: Make.Rules appends its warnings and -fPIC to CFLAGS.
build_libcap() {
	local fetched version dir log="$SRCDIR/libcap2.log"
	fetched=$(fetch libcap2)
	read -r version dir <<<"$fetched"
	LIBCAP_VERSION=$(upstream_version "$version")
	run "$log" make -C "$dir/libcap" $JOBS CC="$DEP_CC" BUILD_CC=gcc \
		AR=ar RANLIB=ranlib COPTS="$DEP_CFLAGS" SHARED=no PTHREADS=no \
		GOLANG=no PAM_CAP=no USE_GPERF=no lib=lib prefix="$STAGE" libcap.a
	mkdir -p "$OUTDIR/include/sys"
	install -m 0644 "$dir/libcap/include/sys/capability.h" \
		"$OUTDIR/include/sys/capability.h"
	install -m 0644 "$dir/libcap/libcap.a" "$OUTDIR/lib/libcap.a"
}

# nettle ships a configure script.  --enable-fat picks the x86-64 code
# (SHA-NI, AES-NI, ...) at run time from cpuid in a constructor (nettle does
# not use ifunc, which a static musl binary could not resolve).  No GMP, so
# no libhogweed.  Debian's patch touches aclocal.m4 and configure after the
# other autotools outputs, which makes nettle's Makefile want to rerun
# autoheader: give the generated files configure.ac's time first.
# configure always appends -ggdb3 and warnings to CFLAGS; setting CFLAGS on
# make's command line builds nettle with the same flags as the other two.
build_nettle() {
	local fetched version dir log="$SRCDIR/nettle.log" f
	fetched=$(fetch nettle)
	read -r version dir <<<"$fetched"
	NETTLE_VERSION=$(upstream_version "$version")
	for f in aclocal.m4 configure config.h.in stamp-h.in Makefile.in; do
		[[ ! -e $dir/$f ]] || touch -r "$dir/configure.ac" "$dir/$f"
	done
	(
		cd "$dir"
		run "$log" ./configure CC="$DEP_CC" CFLAGS="$DEP_CFLAGS" \
			--prefix="$STAGE" --libdir="$STAGE/lib" --enable-fat \
			--disable-public-key --disable-shared --disable-openssl \
			--disable-documentation
		run "$log" make $JOBS CFLAGS="$DEP_CFLAGS" libnettle.a
		run "$log" make install-headers install-static
	)
	[[ -f $STAGE/lib/libnettle.a && -f $STAGE/include/nettle/sha2.h ]] ||
		die "nettle: install did not produce libnettle.a and nettle/sha2.h"
	cp -a "$STAGE/include/nettle" "$OUTDIR/include/nettle"
	install -m 0644 "$STAGE/lib/libnettle.a" "$OUTDIR/lib/libnettle.a"
}

# zlib ships its own configure script (not autoconf); --static builds
# libz.a alone.  Only inflate is used (gzip siblings), but the library is
# small and built whole, as upstream ships it.
build_zlib() {
	local fetched version dir log="$SRCDIR/zlib.log"
	fetched=$(fetch zlib)
	read -r version dir <<<"$fetched"
	ZLIB_VERSION=$(upstream_version "$version")
	(
		cd "$dir"
		run "$log" env CC="$DEP_CC" CFLAGS="$DEP_CFLAGS" ./configure \
			--static --prefix="$STAGE"
		run "$log" make $JOBS libz.a
	)
	grep -q "^#define ZLIB_VERSION \"$ZLIB_VERSION\"" "$dir/zlib.h" ||
		die "zlib: zlib.h does not say version $ZLIB_VERSION"
	install -m 0644 "$dir/zlib.h" "$dir/zconf.h" "$OUTDIR/include/"
	install -m 0644 "$dir/libz.a" "$OUTDIR/lib/libz.a"
}

# brotli: only the decoder and the code it shares with the encoder
# (c/dec, c/common), compiled file by file as upstream's CMakeLists.txt
# does, into its two usual archives; no cmake needed.
build_brotli() {
	local fetched version dir log="$SRCDIR/brotli.log" obj f
	fetched=$(fetch brotli)
	read -r version dir <<<"$fetched"
	BROTLI_VERSION=$(upstream_version "$version")
	obj="$dir/build"
	mkdir -p "$obj/common" "$obj/dec"
	for f in "$dir"/c/common/*.c "$dir"/c/dec/*.c; do
		# shellcheck disable=SC2086 # DEP_CFLAGS is a list of flags
		run "$log" "$DEP_CC" $DEP_CFLAGS -I"$dir/c/include" -c "$f" \
			-o "$obj/$(basename "$(dirname "$f")")/$(basename "${f%.c}").o"
	done
	run "$log" ar rcs "$obj/libbrotlicommon.a" "$obj"/common/*.o
	run "$log" ar rcs "$obj/libbrotlidec.a" "$obj"/dec/*.o
	mkdir -p "$OUTDIR/include/brotli"
	install -m 0644 "$dir"/c/include/brotli/decode.h \
		"$dir"/c/include/brotli/port.h "$dir"/c/include/brotli/types.h \
		"$OUTDIR/include/brotli/"
	install -m 0644 "$obj/libbrotlicommon.a" "$obj/libbrotlidec.a" \
		"$OUTDIR/lib/"
}

# zstd: the decompressor alone (ZSTD_LIB_COMPRESSION=0), without the
# legacy formats of zstd before 0.8 (ZSTD_LEGACY_SUPPORT=0): less code
# facing a build's output.  Single-threaded, as lib/Makefile builds
# libzstd.a by default.
build_zstd() {
	local fetched version dir log="$SRCDIR/libzstd.log"
	fetched=$(fetch libzstd)
	read -r version dir <<<"$fetched"
	ZSTD_VERSION=$(upstream_version "$version")
	run "$log" make -C "$dir/lib" $JOBS CC="$DEP_CC" CFLAGS="$DEP_CFLAGS" \
		ZSTD_LIB_COMPRESSION=0 ZSTD_LIB_DICTBUILDER=0 \
		ZSTD_LIB_DEPRECATED=0 ZSTD_LEGACY_SUPPORT=0 libzstd.a
	install -m 0644 "$dir/lib/zstd.h" "$dir/lib/zstd_errors.h" \
		"$OUTDIR/include/"
	install -m 0644 "$dir/lib/libzstd.a" "$OUTDIR/lib/libzstd.a"
}

# OpenSSL 3.0 (bookworm's, with Debian's security fixes), for libcurl's
# TLS: libcrypto and libssl only (build_libs: no openssl program, no
# tests, no docs).  Everything a TLS 1.2/1.3 client of an object store
# does not need is configured out, which also shortens the build: no
# shared library, engines, loadable modules or DSO (a static binary loads
# nothing), no async, no legacy provider, no SSL 3 / TLS 1.0 / 1.1 / DTLS,
# no SRP/PSK/SRTP/SCTP, no CMS/TS/OCSP/CT/CMP (curl does not need them
# here), none of the old or national ciphers, no compression (CRIME), no
# deprecated API (curl 7.88 builds without it), and no openssl.cnf read at
# start (no-autoload-config: the machine's OpenSSL configuration does not
# change cleanroom's TLS).  Assembly is kept (AES-NI, SHA extensions).
build_openssl() {
	local fetched version dir log="$SRCDIR/openssl.log" target
	fetched=$(fetch openssl)
	read -r version dir <<<"$fetched"
	OPENSSL_VERSION=$(upstream_version "$version")
	case "$(uname -m)" in
	x86_64) target=linux-x86_64 ;;
	aarch64) target=linux-aarch64 ;;
	i?86) target=linux-x86 ;;
	*) target=linux-generic64 ;;
	esac
	(
		cd "$dir"
		run "$log" ./Configure "$target" CC="$DEP_CC" \
			CFLAGS="$DEP_CFLAGS -isystem $OUTDIR/uapi" \
			--prefix="$STAGE" --libdir=lib --openssldir=/etc/ssl \
			no-shared no-module no-dso no-engine no-async no-tests \
			no-legacy no-comp no-autoload-config no-ui-console \
			no-afalgeng no-deprecated no-filenames \
			no-ssl3 no-tls1 no-tls1_1 no-dtls no-srp no-psk no-srtp \
			no-sctp no-nextprotoneg no-cms no-ts no-ocsp no-ct no-cmp \
			no-rfc3779 no-idea no-mdc2 no-rc2 no-rc4 no-rc5 no-md4 \
			no-seed no-cast no-camellia no-aria no-sm2 no-sm3 no-sm4 \
			no-whirlpool no-bf no-des no-dsa no-scrypt no-siphash \
			no-ec2m no-ocb no-gost
		run "$log" make $JOBS build_libs
	)
	grep -q "^# *define OPENSSL_VERSION_STR \"$OPENSSL_VERSION\"" \
		"$dir/include/openssl/opensslv.h" ||
		die "openssl: opensslv.h does not say version $OPENSSL_VERSION"
	mkdir -p "$STAGE/include" "$STAGE/lib"
	cp -a "$dir/include/openssl" "$STAGE/include/"
	install -m 0644 "$dir/libssl.a" "$dir/libcrypto.a" "$STAGE/lib/"
	cp -a "$dir/include/openssl" "$OUTDIR/include/"
	install -m 0644 "$dir/libssl.a" "$dir/libcrypto.a" "$OUTDIR/lib/"
}

# libcurl on that OpenSSL: HTTP and HTTPS only.  Every other protocol,
# every optional library (zlib, brotli, zstd, nghttp2, libidn2, libpsl,
# libssh, LDAP, GSSAPI), NTLM, Kerberos, cookies, netrc, alt-svc, HSTS
# files, DoH and MIME are left out; no built-in CA bundle or path (cleanroom
# picks the bundle itself and says so).  Kept: IPv6, proxies (CI behind
# HTTPS_PROXY, with Basic auth), the threaded resolver (DNS under a
# timeout).  Only lib/ is built: no curl program, no manual.
build_curl() {
	local fetched version dir log="$SRCDIR/curl.log"
	fetched=$(fetch curl)
	read -r version dir <<<"$fetched"
	CURL_VERSION=$(upstream_version "$version")
	(
		cd "$dir"
		run "$log" ./configure CC="$DEP_CC" CFLAGS="$DEP_CFLAGS" \
			CPPFLAGS="-isystem $OUTDIR/uapi" \
			LDFLAGS="-L$STAGE/lib" \
			--disable-shared --enable-static --disable-dependency-tracking \
			--with-openssl="$STAGE" --disable-openssl-auto-load-config \
			--without-ca-bundle --without-ca-path --without-ca-fallback \
			--without-zlib --without-brotli --without-zstd \
			--without-nghttp2 --without-libidn2 --without-libpsl \
			--without-libssh2 --without-libssh --without-librtmp \
			--without-libgsasl --without-gssapi \
			--enable-http --disable-ftp --disable-file --disable-ldap \
			--disable-ldaps --disable-rtsp --disable-dict \
			--disable-telnet --disable-tftp --disable-pop3 \
			--disable-imap --disable-smb --disable-smtp \
			--disable-gopher --disable-mqtt --disable-manual \
			--disable-ntlm --disable-ntlm-wb --disable-tls-srp \
			--disable-cookies --disable-netrc --disable-alt-svc \
			--disable-hsts --disable-doh --disable-mime \
			--disable-unix-sockets \
			--disable-websockets --disable-libcurl-option \
			--disable-progress-meter --disable-dnsshuffle \
			--disable-get-easy-options --disable-headers-api \
			--enable-ipv6 --enable-proxy --enable-threaded-resolver \
			--enable-symbol-hiding
		run "$log" make -C lib $JOBS libcurl.la
	)
	[[ -f $dir/lib/.libs/libcurl.a ]] || die "curl: no lib/.libs/libcurl.a"
	grep -q "^#define LIBCURL_VERSION \"$CURL_VERSION" \
		"$dir/include/curl/curlver.h" ||
		die "curl: curlver.h does not say version $CURL_VERSION"
	mkdir -p "$OUTDIR/include/curl"
	install -m 0644 "$dir"/include/curl/*.h "$OUTDIR/include/curl/"
	install -m 0644 "$dir/lib/.libs/libcurl.a" "$OUTDIR/lib/libcurl.a"
}

write_versions() {
	local f v
	for v in "$LIBYAML_VERSION" "$LIBCAP_VERSION" "$NETTLE_VERSION" \
		"$ZLIB_VERSION" "$BROTLI_VERSION" "$ZSTD_VERSION" \
		"$OPENSSL_VERSION" "$CURL_VERSION"; do
		[[ $v =~ ^[0-9][0-9A-Za-z.~]*$ ]] || die "odd upstream version '$v'"
	done
	f="$OUTDIR/versions.mk.tmp"
	{
		echo "# Written by scripts/deps.sh: upstream versions of the Debian source packages."
		echo "LIBYAML_VERSION = $LIBYAML_VERSION"
		echo "LIBCAP_VERSION = $LIBCAP_VERSION"
		echo "NETTLE_VERSION = $NETTLE_VERSION"
		echo "ZLIB_VERSION = $ZLIB_VERSION"
		echo "BROTLI_VERSION = $BROTLI_VERSION"
		echo "ZSTD_VERSION = $ZSTD_VERSION"
		echo "OPENSSL_VERSION = $OPENSSL_VERSION"
		echo "CURL_VERSION = $CURL_VERSION"
	} >"$f"
	mv -f "$f" "$OUTDIR/versions.mk"
}

# Link one static program against all the libraries the way the Makefile
# does, run it, and check that it is static (no program interpreter) and
# that each decompressor reports the version it was built from.
verify() {
	local dir="$SRCDIR/verify" log="$SRCDIR/verify.log" out
	mkdir -p "$dir"
	cat >"$dir/check.c" <<'EOF'
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <nettle/sha2.h>
#include <yaml.h>
#include <brotli/decode.h>
#include <zlib.h>
#include <zstd.h>
#include <curl/curl.h>
#include <openssl/opensslv.h>

int main(void)
{
	/* SHA-256("abc") starts with ba 78 16 bf (FIPS 180-2, appendix B.1). */
	static const uint8_t want[4] = { 0xba, 0x78, 0x16, 0xbf };
	struct sha256_ctx ctx;
	uint8_t d[SHA256_DIGEST_SIZE];
	cap_t caps;
	int i;

	sha256_init(&ctx);
	sha256_update(&ctx, 3, (const uint8_t *)"abc");
	sha256_digest(&ctx, sizeof d, d);
	for (i = 0; i < 4; i++)
		if (d[i] != want[i])
			return 2;
	caps = cap_get_proc();
	if (caps == NULL)
		return 3;
	cap_free(caps);
	uint32_t b = BrotliDecoderVersion();
	curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
	/* HTTPS must be there, and no protocol but http and https. */
	if (!(cv->features & CURL_VERSION_SSL))
		return 4;
	for (i = 0; cv->protocols[i] != NULL; i++)
		if (strcmp(cv->protocols[i], "http") != 0 &&
		    strcmp(cv->protocols[i], "https") != 0)
			return 5;
	printf("%s %s %u.%u.%u %s %s %s\n", yaml_get_version_string(),
	       zlibVersion(), b >> 24, b >> 12 & 0xfff, b & 0xfff,
	       ZSTD_versionString(), cv->version, cv->ssl_version);
	return 0;
}
EOF
	# shellcheck disable=SC2086 # DEP_CFLAGS is a list of flags
	run "$log" "$DEP_CC" -static $DEP_CFLAGS -isystem "$OUTDIR/uapi" \
		-I "$OUTDIR/include" "$dir/check.c" -o "$dir/check" \
		-L "$OUTDIR/lib" -lyaml -lcap -lnettle -lz -lbrotlidec \
		-lbrotlicommon -lzstd -lcurl -lssl -lcrypto
	out=$("$dir/check") || die "verify: $dir/check failed with status $?"
	local want="$LIBYAML_VERSION $ZLIB_VERSION $BROTLI_VERSION $ZSTD_VERSION $CURL_VERSION OpenSSL/$OPENSSL_VERSION"
	[[ $out == "$want" ]] ||
		die "verify: libyaml, zlib, brotli, zstd, curl and openssl report '$out', expected '$want'"
	if readelf -l "$dir/check" | grep -q INTERP; then
		die "verify: $dir/check has a program interpreter (not static)"
	fi
	if command -v file >/dev/null; then
		file "$dir/check" | grep -q 'statically linked' ||
			die "verify: file does not call $dir/check statically linked"
	fi
}

# step NAME FUNCTION: run one step and print how long it took.
step() {
	local start
	start=$(now)
	"$2"
	local extra=
	case "$1" in
	libyaml) extra=" $LIBYAML_VERSION" ;;
	libcap) extra=" $LIBCAP_VERSION" ;;
	nettle) extra=" $NETTLE_VERSION" ;;
	zlib) extra=" $ZLIB_VERSION" ;;
	brotli) extra=" $BROTLI_VERSION" ;;
	zstd) extra=" $ZSTD_VERSION" ;;
	openssl) extra=" $OPENSSL_VERSION" ;;
	curl) extra=" $CURL_VERSION" ;;
	esac
	say "$1$extra ok ($(elapsed_since "$start"))"
}

main() {
	[[ $# -eq 1 && -n $1 ]] || die "usage: deps.sh OUTDIR"
	mkdir -p "$1" || die "cannot create $1"
	OUTDIR=$(cd "$1" && pwd)
	[[ ! -f $OUTDIR/.stamp ]] || exit 0

	# Two builds started at once (make -j) build the libraries once.
	if command -v flock >/dev/null; then
		exec 9>"$OUTDIR/.lock"
		flock 9
		[[ ! -f $OUTDIR/.stamp ]] || exit 0
	fi

	SRCDIR="$OUTDIR/src"
	STAGE="$SRCDIR/stage"
	check_tools
	clean_environment
	clean_partial
	say "building libyaml, libcap, nettle, zlib, brotli, zstd, openssl and curl with $DEP_CC into $OUTDIR"
	local start
	start=$(now)
	step uapi install_uapi
	step libyaml build_libyaml
	step libcap build_libcap
	step nettle build_nettle
	step zlib build_zlib
	step brotli build_brotli
	step zstd build_zstd
	step openssl build_openssl
	step curl build_curl
	write_versions
	step verify verify
	date -u +%Y-%m-%dT%H:%M:%SZ >"$OUTDIR/.stamp.tmp"
	mv -f "$OUTDIR/.stamp.tmp" "$OUTDIR/.stamp"
	say "done in $(elapsed_since "$start")"
}

main "$@"
