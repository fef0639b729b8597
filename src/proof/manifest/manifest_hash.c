/*
 * The digests the manifest checks recompute: one read of a file feeds every
 * hash a check asks for (nettle's MD4, MD5, SHA-1, SHA-2, and XXH64, which
 * nettle lacks and is written here from its specification), plus the two
 * variants two frameworks need: webpack hashes a file that contains its own
 * hash (a sourceMappingURL naming main.<hash>.js.map) with that hash
 * removed, and Propshaft hashes the content followed by the configured
 * version. Reads are chunked through fixed buffers, so memory does not
 * grow with the file. Subresource-integrity values are parsed and compared
 * here too.
 */
#include "manifest_hash.h"
#include "hex.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/base64.h>
#include <nettle/md4.h>
#include <nettle/md5.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>

#define CHUNK 65536
/* Longer fingerprints than this are not webpack hashes (md4 gives 32 hex
 * digits, sha512 128). */
#define STRIP_MAX 128

/* ---- XXH64 ---- */

static const uint64_t P1 = 0x9E3779B185EBCA87u;
static const uint64_t P2 = 0xC2B2AE3D27D4EB4Fu;
static const uint64_t P3 = 0x165667B19E3779F9u;
static const uint64_t P4 = 0x85EBCA77C2B2AE63u;
static const uint64_t P5 = 0x27D4EB2F165667C5u;

static uint64_t rotl(uint64_t x, unsigned r)
{
	return (x << r) | (x >> (64 - r));
}

/* The specification reads lanes little-endian, whatever the machine. */
static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t xround(uint64_t acc, uint64_t lane)
{
	acc += lane * P2;
	acc = rotl(acc, 31);
	return acc * P1;
}

static uint64_t xmerge(uint64_t acc, uint64_t v)
{
	acc ^= xround(0, v);
	return acc * P1 + P4;
}

void mf_xxh64_init(struct mf_xxh64 *s)
{
	memset(s, 0, sizeof *s);
	s->v[0] = P1 + P2;
	s->v[1] = P2;
	s->v[2] = 0;
	s->v[3] = 0 - P1;
}

static void stripe(struct mf_xxh64 *s, const unsigned char *p)
{
	for (size_t i = 0; i < 4; i++)
		s->v[i] = xround(s->v[i], le64(p + 8 * i));
}

void mf_xxh64_update(struct mf_xxh64 *s, const void *data, size_t n)
{
	const unsigned char *p = data;

	s->total += n;
	if (s->nbuf + n < 32) {
		memcpy(s->buf + s->nbuf, p, n);
		s->nbuf += n;
		return;
	}
	if (s->nbuf > 0) {
		size_t take = 32 - s->nbuf;

		memcpy(s->buf + s->nbuf, p, take);
		stripe(s, s->buf);
		p += take;
		n -= take;
		s->nbuf = 0;
	}
	for (; n >= 32; p += 32, n -= 32)
		stripe(s, p);
	memcpy(s->buf, p, n);
	s->nbuf = n;
}

uint64_t mf_xxh64_digest(const struct mf_xxh64 *s)
{
	const unsigned char *p = s->buf;
	size_t n = s->nbuf;
	uint64_t h;

	if (s->total >= 32) {
		h = rotl(s->v[0], 1) + rotl(s->v[1], 7) + rotl(s->v[2], 12) +
		    rotl(s->v[3], 18);
		for (int i = 0; i < 4; i++)
			h = xmerge(h, s->v[i]);
	} else {
		h = P5;
	}
	h += s->total;
	for (; n >= 8; p += 8, n -= 8)
		h = rotl(h ^ xround(0, le64(p)), 27) * P1 + P4;
	if (n >= 4) {
		h = rotl(h ^ ((uint64_t)le32(p) * P1), 23) * P2 + P3;
		p += 4;
		n -= 4;
	}
	for (; n > 0; p++, n--)
		h = rotl(h ^ (*p * P5), 11) * P1;
	h ^= h >> 33;
	h *= P2;
	h ^= h >> 29;
	h *= P3;
	h ^= h >> 32;
	return h;
}

static void be64(unsigned char *dst, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		dst[i] = (unsigned char)v;
		v >>= 8;
	}
}

/* ---- One read, many digests ---- */

struct hashers {
	unsigned want;
	struct md4_ctx md4, md4s;
	struct md5_ctx md5;
	struct sha1_ctx sha1, sha1x;
	struct sha256_ctx sha256;
	struct sha512_ctx sha384, sha512;
	struct mf_xxh64 xxh, xxhs;
	/* The stripped stream: bytes that might begin an occurrence of the
	 * needle wait in carry until the next chunk decides. */
	const char *needle;
	size_t nlen;
	unsigned char *work; /* CHUNK + STRIP_MAX */
	size_t carry;
};

static void feed_plain(struct hashers *h, const unsigned char *p, size_t n)
{
	if (h->want & MF_MD4)
		md4_update(&h->md4, n, p);
	if (h->want & MF_MD5)
		md5_update(&h->md5, n, p);
	if (h->want & MF_SHA1) {
		sha1_update(&h->sha1, n, p);
		sha1_update(&h->sha1x, n, p);
	}
	if (h->want & MF_SHA256)
		sha256_update(&h->sha256, n, p);
	if (h->want & MF_SHA384)
		sha384_update(&h->sha384, n, p);
	if (h->want & MF_SHA512)
		sha512_update(&h->sha512, n, p);
	if (h->want & MF_XXH64)
		mf_xxh64_update(&h->xxh, p, n);
}

static void feed_stripped(struct hashers *h, const unsigned char *p, size_t n)
{
	if (h->want & MF_MD4)
		md4_update(&h->md4s, n, p);
	if (h->want & MF_XXH64)
		mf_xxh64_update(&h->xxhs, p, n);
}

/* Feeds carry + p to the stripped hashers, leaving out every occurrence of
 * the needle (leftmost first, not overlapping, as String.replace does). At
 * the end (last), the carry is fed as it is. */
static void strip_chunk(struct hashers *h, const unsigned char *p, size_t n,
			int last)
{
	unsigned char *w = h->work;
	size_t len = h->carry + n, from = 0, pos = 0, keep;

	if (n > 0)
		memcpy(w + h->carry, p, n);
	for (;;) {
		const unsigned char *m = pos < len ? memmem(w + pos, len - pos,
							    h->needle, h->nlen)
						   : NULL;

		if (m == NULL)
			break;
		pos = (size_t)(m - w);
		feed_stripped(h, w + from, pos - from);
		pos += h->nlen;
		from = pos;
	}
	/* An occurrence may begin in the last nlen - 1 bytes. */
	keep = last ? 0 : h->nlen - 1;
	if (len - from < keep)
		keep = len - from;
	feed_stripped(h, w + from, len - keep - from);
	memmove(w, w + len - keep, keep);
	h->carry = keep;
}

static void hashers_init(struct hashers *h, const struct mf_digests *d)
{
	memset(h, 0, sizeof *h);
	h->want = d->want;
	md4_init(&h->md4);
	md4_init(&h->md4s);
	md5_init(&h->md5);
	sha1_init(&h->sha1);
	sha1_init(&h->sha1x);
	sha256_init(&h->sha256);
	sha384_init(&h->sha384);
	sha512_init(&h->sha512);
	mf_xxh64_init(&h->xxh);
	mf_xxh64_init(&h->xxhs);
	if (d->strip != NULL && d->striplen > 0 && d->striplen <= STRIP_MAX &&
	    (d->want & (MF_MD4 | MF_XXH64))) {
		h->needle = d->strip;
		h->nlen = d->striplen;
	}
}

static void hashers_done(struct hashers *h, struct mf_digests *d)
{
	if (h->needle != NULL)
		strip_chunk(h, NULL, 0, 1);
	if (h->want & MF_MD4) {
		md4_digest(&h->md4, sizeof d->md4, d->md4);
		md4_digest(&h->md4s, sizeof d->md4_strip, d->md4_strip);
	}
	if (h->want & MF_MD5)
		md5_digest(&h->md5, sizeof d->md5, d->md5);
	if (h->want & MF_SHA1) {
		sha1_digest(&h->sha1, sizeof d->sha1, d->sha1);
		if (d->suffix != NULL)
			sha1_update(&h->sha1x, d->suffixlen,
				    (const uint8_t *)d->suffix);
		sha1_digest(&h->sha1x, sizeof d->sha1_suffix, d->sha1_suffix);
	}
	if (h->want & MF_SHA256)
		sha256_digest(&h->sha256, sizeof d->sha256, d->sha256);
	if (h->want & MF_SHA384)
		sha384_digest(&h->sha384, sizeof d->sha384, d->sha384);
	if (h->want & MF_SHA512)
		sha512_digest(&h->sha512, sizeof d->sha512, d->sha512);
	if (h->want & MF_XXH64) {
		be64(d->xxh64, mf_xxh64_digest(&h->xxh));
		be64(d->xxh64_strip, mf_xxh64_digest(&h->xxhs));
	}
	/* Without a needle the stripped digests are the plain ones. */
	if (h->needle == NULL) {
		memcpy(d->md4_strip, d->md4, sizeof d->md4);
		memcpy(d->xxh64_strip, d->xxh64, sizeof d->xxh64);
	}
}

int mf_digest_file(const char *path, struct mf_digests *d)
{
	struct hashers h;
	unsigned char *in;
	struct stat st;
	int fd, saved = 0;

	hashers_init(&h, d);
	d->size = 0;
	/* O_NONBLOCK: a FIFO among the outputs must not hang the check; a
	 * regular file ignores the flag. Symbolic links are followed: the
	 * walk (tree.h) keeps only those that resolve inside their root. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		return -1;
	}
	in = malloc(CHUNK + (h.needle ? CHUNK + STRIP_MAX : 0));
	if (in == NULL) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	h.work = in + CHUNK;
	for (;;) {
		ssize_t n = read(fd, in, CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			saved = errno;
			break;
		}
		if (n == 0)
			break;
		d->size += (uint64_t)n;
		feed_plain(&h, in, (size_t)n);
		if (h.needle != NULL)
			strip_chunk(&h, in, (size_t)n, 0);
	}
	close(fd);
	if (saved == 0)
		hashers_done(&h, d);
	free(in);
	errno = saved;
	return saved ? -1 : 0;
}

/* ---- Subresource integrity ---- */

static const struct {
	const char *name;
	unsigned bit;
	size_t size;
} sri_algs[] = {
	{"sha256", MF_SHA256, 32},
	{"sha384", MF_SHA384, 48},
	{"sha512", MF_SHA512, 64},
};

/* The next whitespace-separated token of *s, or 0 at the end. */
static size_t token(const char **s)
{
	const char *p = *s;
	size_t n = 0;

	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	while (p[n] != '\0' && p[n] != ' ' && p[n] != '\t' && p[n] != '\n' &&
	       p[n] != '\r')
		n++;
	*s = p;
	return n;
}

/* The algorithm a token names, or -1. */
static int token_alg(const char *t, size_t n)
{
	for (size_t i = 0; i < sizeof sri_algs / sizeof sri_algs[0]; i++) {
		size_t an = strlen(sri_algs[i].name);

		if (n > an && t[an] == '-' &&
		    strncasecmp(t, sri_algs[i].name, an) == 0)
			return (int)i;
	}
	return -1;
}

unsigned mf_sri_algorithms(const char *sri)
{
	unsigned mask = 0;
	size_t n;

	while ((n = token(&sri)) > 0) {
		int a = token_alg(sri, n);

		if (a >= 0)
			mask |= sri_algs[a].bit;
		sri += n;
	}
	return mask;
}

/* Decodes base64 (or base64url, which the SRI grammar also allows), with
 * or without padding, of exactly want bytes. */
static int decode64(const char *s, size_t n, unsigned char *out, size_t want)
{
	uint8_t tmp[BASE64_DECODE_LENGTH(104)];
	char padded[104];
	struct base64_decode_ctx ctx;
	size_t got;

	if (n > 100)
		return -1;
	memcpy(padded, s, n);
	while (n % 4 != 0)
		padded[n++] = '=';
	for (int url = 0; url < 2; url++) {
		if (url)
			base64url_decode_init(&ctx);
		else
			base64_decode_init(&ctx);
		got = sizeof tmp;
		if (base64_decode_update(&ctx, &got, tmp, n, padded) &&
		    base64_decode_final(&ctx) && got == want) {
			memcpy(out, tmp, want);
			return 0;
		}
	}
	return -1;
}

enum mf_sri mf_sri_check(const char *sri, const struct mf_digests *d)
{
	enum mf_sri rc = MF_SRI_NONE;
	size_t n;

	while ((n = token(&sri)) > 0) {
		int a = token_alg(sri, n);
		unsigned char want[64];
		const unsigned char *have;
		size_t b64, an;

		if (a < 0) {
			sri += n;
			continue;
		}
		an = strlen(sri_algs[a].name) + 1;
		/* Options after '?' are not part of the digest. */
		for (b64 = 0; an + b64 < n && sri[an + b64] != '?'; b64++)
			;
		if (decode64(sri + an, b64, want, sri_algs[a].size) < 0)
			return MF_SRI_BAD;
		have = sri_algs[a].bit == MF_SHA256   ? d->sha256
		       : sri_algs[a].bit == MF_SHA384 ? d->sha384
						      : d->sha512;
		if (memcmp(want, have, sri_algs[a].size) != 0)
			rc = MF_SRI_MISMATCH;
		else if (rc == MF_SRI_NONE)
			rc = MF_SRI_MATCH;
		sri += n;
	}
	return rc;
}

void mf_sri_format(char *dst, const char *alg, const unsigned char *p, size_t n)
{
	size_t an = strlen(alg);

	memcpy(dst, alg, an);
	dst[an] = '-';
	base64_encode_raw(dst + an + 1, n, p);
	dst[an + 1 + BASE64_ENCODE_RAW_LENGTH(n)] = '\0';
}
