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

void hex_encode(char *dst, const unsigned char *src, size_t n)
{
	static const char digit[16] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		dst[2 * i] = digit[src[i] >> 4];
		dst[2 * i + 1] = digit[src[i] & 15];
	}
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
