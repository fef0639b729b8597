#!/usr/bin/env bash
# notices.sh DEPDIR OUTFILE: write the third-party notices of the static
# binary: for every library archive scripts/deps.sh left in DEPDIR/lib, the
# Debian source package it was built from (name and exact version, from
# the .dsc in DEPDIR/src), the licence cleanroom takes it under, that
# package's debian/copyright, and the licence texts it points to but does
# not hold. nettle is LGPL: the notice also says how to relink.
#
# The list of archives is read from DEPDIR/lib, not written here: an
# archive with no entry in LIBS below (say libcurl.a, added to deps.sh)
# stops this script, and with it `make dist`, `make install` and the tool
# image, until its notice is added.
set -euo pipefail

die() {
	echo "notices: $*" >&2
	exit 1
}

[[ $# -eq 2 ]] || die "usage: notices.sh DEPDIR OUTFILE"
DEPDIR=$1
OUT=$2
[[ -d $DEPDIR/lib && -d $DEPDIR/src ]] ||
	die "$DEPDIR/lib and $DEPDIR/src missing (run scripts/deps.sh first)"

# archive -> "source-package|licence taken|extra licence files in the source"
declare -A LIBS=(
	[libyaml.a]="libyaml|MIT (Expat)|"
	[libcap.a]="libcap2|BSD-3-Clause (libcap is BSD-3-Clause or GPL-2)|"
	[libnettle.a]="nettle|LGPL-3.0-or-later (nettle is LGPL-3+ or GPL-2+)|COPYING.LESSERv3 COPYINGv3"
	[libz.a]="zlib|Zlib|"
	[libbrotlicommon.a]="brotli|MIT|"
	[libbrotlidec.a]="brotli|MIT|"
	[libzstd.a]="libzstd|BSD-3-Clause (zstd is BSD-3-Clause or GPL-2)|"
	[libcrypto.a]="openssl|Apache-2.0|"
	[libssl.a]="openssl|Apache-2.0|"
	[libcurl.a]="curl|curl (MIT/X derivative)|"
)

shopt -s nullglob
archives=("$DEPDIR"/lib/*.a)
((${#archives[@]})) || die "no libraries in $DEPDIR/lib"
declare -A built_into=()
order=()
for a in "${archives[@]}"; do
	b=${a##*/}
	[[ -n ${LIBS[$b]:-} ]] ||
		die "$DEPDIR/lib/$b has no notice: add its source package and licence to LIBS in scripts/notices.sh"
	pkg=${LIBS[$b]%%|*}
	[[ -n ${built_into[$pkg]:-} ]] || order+=("$pkg")
	built_into[$pkg]="${built_into[$pkg]:-}${built_into[$pkg]:+ }$b"
done

commit=$(git -C "$(dirname "$0")/.." rev-parse HEAD 2>/dev/null) || commit=
tmp=$OUT.tmp
{
	cat <<EOF
Third-party notices for the cleanroom binary
============================================

cleanroom's own code is under the MIT licence (LICENSE). The binary is
linked statically with the libraries below, each compiled with musl-gcc
from the Debian bookworm source package named here by scripts/deps.sh
(run by \`make\`). This file is generated from the libraries that build
actually produced (scripts/notices.sh).

Libraries:
EOF
	for pkg in "${order[@]}"; do
		dsc=$(find "$DEPDIR/src/" -maxdepth 1 -name "${pkg}_*.dsc" -print -quit)
		[[ -n $dsc ]] || die "no ${pkg}_*.dsc in $DEPDIR/src"
		ver=$(awk '$1 == "Version:" { print $2; exit }' "$dsc")
		first=${built_into[$pkg]%% *}
		IFS='|' read -r _ lic _ <<<"${LIBS[$first]}"
		printf '  %s %s (%s): %s\n' "$pkg" "$ver" "${built_into[$pkg]}" "$lic"
	done
	cat <<EOF

Relinking with a modified nettle (LGPL-3.0-or-later, section 4)
---------------------------------------------------------------
nettle is linked statically, so here is how to relink cleanroom with a
version of nettle you have modified:
  1. Get cleanroom's complete source${commit:+ (this binary: commit $commit)}.
     It is MIT-licensed; \`make\` builds the binary from it.
  2. \`make\` runs scripts/deps.sh, which fetches the exact Debian source
     packages listed above (\`apt-get source nettle\`; the versions are
     recorded in build/deps/src/*.dsc and build/deps/versions.mk), builds
     them with the flags written in that script, and installs the
     archives in build/deps/lib. Replace build/deps/lib/libnettle.a (and
     its headers in build/deps/include/nettle) with your build of nettle,
     or change scripts/deps.sh to build your sources.
  3. Run \`make\` again: it relinks build/cleanroom against the archives in
     build/deps/lib. deps.sh clears the caller's compiler flags, so the
     build is the same every time and the result differs from the
     released binary by your change alone.
EOF
	for pkg in "${order[@]}"; do
		dir=$(find "$DEPDIR/src/" -mindepth 1 -maxdepth 1 -type d -name "$pkg-*" -print -quit)
		[[ -n $dir && -f $dir/debian/copyright ]] ||
			die "no $DEPDIR/src/$pkg-*/debian/copyright"
		first=${built_into[$pkg]%% *}
		IFS='|' read -r _ lic extra <<<"${LIBS[$first]}"
		printf '\n\n%s\n%s\n%s\n\n' \
			"========================================================================" \
			"$pkg (${built_into[$pkg]}), taken under $lic: debian/copyright" \
			"========================================================================"
		cat "$dir/debian/copyright"
		for f in $extra; do
			[[ -f $dir/$f ]] || die "$pkg: $f missing in $dir"
			printf '\n---- %s: %s ----\n\n' "$pkg" "$f"
			cat "$dir/$f"
		done
	done
} >"$tmp"
mv -f "$tmp" "$OUT"
