# Shared by the benchmark scripts (sourced, not run): the generated trees
# and the driver. REPO must be the repository's root.

# bench_trees DIR: generate scripts/bench-trees.py's trees in DIR unless
# they are there already (DIR/.generated).
bench_trees() {
	if [ ! -e "$1/.generated" ]; then
		echo "bench: generating the trees in $1 (1 GiB; kept for the next run)" >&2
		python3 "$REPO/scripts/bench-trees.py" "$1" >&2
		touch "$1/.generated"
	fi
}

# bench_driver OUT: build scripts/bench-driver.c against src/ (the same
# code, the same musl/nettle build as the binary) as OUT.
bench_driver() {
	local deps=$REPO/build/deps s=$REPO/src
	musl-gcc -std=c11 -O2 -g -D_GNU_SOURCE -static -isystem "$deps/uapi" \
		-I"$deps/include" -I"$s/base" -I"$s/input" -I"$s/secret" -I"$s/proof" \
		-o "$1" "$REPO/scripts/bench-driver.c" \
		"$s/proof/tree.c" "$s/proof/tree_walk.c" "$s/proof/tree_hash.c" \
		"$s/secret/scan.c" "$s/secret/forms.c" "$s/base/buf.c" \
		"$s/base/beneath.c" "$s/base/io.c" "$s/input/url.c" "$s/base/hex.c" \
		"$s/base/vec.c" "$s/base/arena.c" "$s/base/err.c" "$deps/lib/libnettle.a"
}
