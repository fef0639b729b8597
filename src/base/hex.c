/*
 * hex.h: encoding by a table (nettle's base16_encode_update, a call per
 * byte, was a sixth of the time after the hashing in a lock of 100,000
 * small files); decoding over nettle/base16.h. Decoding goes one character at a
 * time through base16_decode_single so that the first bad character can be
 * named, and white space, which nettle accepts and skips, is caught by
 * the digit count: a character that completes no half-byte is refused.
 */
#include "hex.h"

#include <nettle/base16.h>
#include <string.h>

/* The two digits of every byte, "000102...feff": one load and one
 * two-byte copy a byte. */
static const char pairs[513] =
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
	"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
	"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
	"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
	"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
	"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
	"e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

void hex_encode(char *dst, const unsigned char *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		memcpy(dst + 2 * i, pairs + (size_t)2 * src[i], 2);
	dst[2 * n] = '\0';
}

int hex_decode(unsigned char *dst, const char *src, size_t n, size_t *bad)
{
	struct base16_decode_ctx ctx;

	base16_decode_init(&ctx);
	for (size_t i = 0; i < 2 * n; i++) {
		unsigned char before = ctx.bits;
		int got = base16_decode_single(&ctx, dst + i / 2, src[i]);

		/* A digit either starts a byte (bits 0 -> 4, nothing out) or
		 * ends one (one byte out); anything else (-1, or 0 with the
		 * bits unchanged: white space) is not a digit. */
		if (got < 0 || (got == 0 && ctx.bits == before)) {
			if (bad != NULL)
				*bad = i;
			return -1;
		}
	}
	return 0;
}

int hex_is_lower(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}
