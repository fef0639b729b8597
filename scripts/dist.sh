#!/usr/bin/env bash
# dist.sh STAGE NAME OUTDIR: pack STAGE/NAME (what `make install` put
# there) into OUTDIR/NAME.tar.gz and write OUTDIR/SHA256SUMS. The same tree
# gives the same bytes: entries in name order, owner and group 0, modes
# normalised (0755 for directories and executables, 0644 otherwise),
# every mtime SOURCE_DATE_EPOCH (default: the last commit's time, else
# 1980-01-01), ustar headers (no atime or ctime), and gzip -n (no name or
# time in the gzip header).
set -euo pipefail

[[ $# -eq 3 ]] || {
	echo "usage: dist.sh STAGE NAME OUTDIR" >&2
	exit 64
}
stage=$1 name=$2 out=$3
[[ -d $stage/$name ]] || {
	echo "dist: $stage/$name missing" >&2
	exit 1
}
if [[ -z ${SOURCE_DATE_EPOCH:-} ]]; then
	SOURCE_DATE_EPOCH=$(git -C "$(dirname "$0")/.." log -1 --format=%ct 2>/dev/null) ||
		SOURCE_DATE_EPOCH=
	: "${SOURCE_DATE_EPOCH:=315532800}"
fi
export LC_ALL=C
tar --format=ustar --sort=name --mtime="@$SOURCE_DATE_EPOCH" \
	--owner=0 --group=0 --numeric-owner --mode='u=rwX,go=rX' \
	-C "$stage" -cf - "$name" | gzip -9 -n >"$out/$name.tar.gz.tmp"
mv -f "$out/$name.tar.gz.tmp" "$out/$name.tar.gz"
(cd "$out" && sha256sum "$name.tar.gz" >SHA256SUMS)
rm -rf "$stage"
echo "dist: $out/$name.tar.gz"
cat "$out/SHA256SUMS"
