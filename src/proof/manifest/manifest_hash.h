/*
 * The digests the manifest checks recompute (manifest_hash.c): every hash
 * a check asks for from one read of a file, XXH64 (which nettle lacks),
 * lower-case hex, and subresource-integrity values. It knows nothing of
 * manifests or of the check's context, so the format modules and the unit
 * tests use it directly. Never prints.
 *
 * Ownership: nothing here allocates anything the caller must free; every
 * result is written into caller-owned memory (struct mf_digests, dst
 * buffers of the stated sizes). Pointers the caller puts into struct
 * mf_digests (strip, suffix) are only read during mf_digest_file.
 */
#ifndef CLEANROOM_MANIFEST_HASH_H
#define CLEANROOM_MANIFEST_HASH_H

#include <stddef.h>
#include <stdint.h>

enum {
	MF_MD4 = 1,
	MF_MD5 = 2,
	MF_SHA1 = 4,
	MF_SHA256 = 8,
	MF_SHA384 = 16,
	MF_SHA512 = 32,
	MF_XXH64 = 64,
};

struct mf_digests {
	unsigned want; /* MF_* */
	/* MD4 and XXH64 are also taken over the bytes with every occurrence
	 * of strip removed: webpack hashes a file that names itself (its
	 * sourceMappingURL) without its own hash. NULL for none. */
	const char *strip;
	size_t striplen;
	/* SHA-1 is also taken over the bytes followed by suffix: Propshaft
	 * appends config.assets.version. NULL for none. */
	const char *suffix;
	size_t suffixlen;
	uint64_t size;
	unsigned char md4[16], md4_strip[16], md5[16], sha1[20],
		sha1_suffix[20], sha256[32], sha384[48], sha512[64];
	unsigned char xxh64[8], xxh64_strip[8]; /* big-endian, as printed */
};

/* Reads the regular file at path (following a symbolic link, which the
 * walk has confined to its root) once in 64 KiB chunks and fills the
 * digests d->want asks for. Returns 0, or -1 with errno set (EISDIR for a
 * directory, EINVAL for a FIFO, socket or device, which is never read). */
int mf_digest_file(const char *path, struct mf_digests *d);

/* XXH64 with seed 0, written from the specification (xxhash.com, "xxHash
 * fast digest algorithm", XXH64), streaming. The state is the caller's;
 * update only reads p during the call. */
struct mf_xxh64 {
	uint64_t v[4];
	uint64_t total;
	unsigned char buf[32];
	size_t nbuf;
};
void mf_xxh64_init(struct mf_xxh64 *s);
void mf_xxh64_update(struct mf_xxh64 *s, const void *p, size_t n);
uint64_t mf_xxh64_digest(const struct mf_xxh64 *s);

/* Subresource integrity: the MF_SHA* algorithms an integrity value (one or
 * more space-separated "alg-base64" tokens) uses, or 0. */
unsigned mf_sri_algorithms(const char *sri);
enum mf_sri {
	MF_SRI_MATCH,	 /* every sha256/384/512 token matches */
	MF_SRI_MISMATCH, /* some token does not */
	MF_SRI_NONE,	 /* no token cleanroom can check */
	MF_SRI_BAD,	 /* a token's base64 is malformed or the wrong size */
};
/* Compares sri with d, which must hold the algorithms sri uses. */
enum mf_sri mf_sri_check(const char *sri, const struct mf_digests *d);
/* "sha256-<base64>" of a digest into dst (at least 100 bytes). */
void mf_sri_format(char *dst, const char *alg, const unsigned char *p,
		   size_t n);

#endif
