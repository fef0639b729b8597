/*
 * hex.h: lower-case encoding (the digest form of the lock and the stamp),
 * decoding in either case, and strict refusal of what nettle's base16
 * would skip or reject, with the offset of the first bad character.
 */
#include <string.h>

#include <nettle/base16.h>

#include "hex.h"
#include "tap.h"

TAP_SUITE(hex_encode)
{
	unsigned char b[32];
	char hex[65];

	for (int i = 0; i < 32; i++)
		b[i] = (unsigned char)(i * 8 + 7);
	hex_encode(hex, b, 32);
	T_STR(hex,
	      "070f171f272f373f474f575f676f777f878f979fa7afb7bfc7cfd7dfe7eff7f"
	      "f",
	      "32 bytes, lower case, NUL-terminated");
	hex_encode(hex, b, 0);
	T_STR(hex, "", "no bytes: an empty string");
}

TAP_SUITE(hex_decode)
{
	unsigned char out[4];
	size_t bad = 99;

	T_INT(hex_decode(out, "00ff7Fa0", 4, &bad), 0, "either case");
	T_MEM(out, 4, "\x00\xff\x7f\xa0", 4, "the bytes");
	T_INT(hex_decode(out, "00ff7Fa0zz", 4, NULL), 0,
	      "only 2n digits are read");

	static const struct {
		const char *s;
		size_t bad;
		const char *what;
	} refused[] = {
		{"0g000000", 1, "a letter past f"},
		{"g0000000", 0, "a bad first digit"},
		{"00 00000", 2, "a space starting a byte (nettle skips it)"},
		{"0 000000", 1, "a space inside a byte"},
		{"000000\n0", 6, "a newline (nettle skips it)"},
		{"0000\xc3\xa9"
		 "00",
		 4, "a byte past ASCII"},
		{"000000", 6, "a NUL before 2n digits"},
	};
	for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
		bad = 99;
		T_INT(hex_decode(out, refused[i].s, 4, &bad), -1,
		      refused[i].what);
		T_INT(bad, refused[i].bad, "offset of the first bad character");
	}
}

TAP_SUITE(hex_is_lower)
{
	T_INT(hex_is_lower("0123456789abcdef", 16), 1, "every lower digit");
	T_INT(hex_is_lower("", 0), 1, "nothing: vacuously hex");
	T_INT(hex_is_lower("abcdeF", 6), 0, "an upper-case digit");
	T_INT(hex_is_lower("abcdeg", 6), 0, "a letter past f");
	T_INT(hex_is_lower("ab cd", 5), 0, "a space");
	T_INT(hex_is_lower("abcd/", 4), 1, "only n characters are looked at");
}

/* Every byte value encodes as nettle's base16 does, and decodes back. */
TAP_SUITE(hex_every_byte)
{
	unsigned char b[256], back[256];
	char mine[513], theirs[513];
	size_t bad = 0;

	for (int i = 0; i < 256; i++)
		b[i] = (unsigned char)i;
	hex_encode(mine, b, 256);
	base16_encode_update(theirs, 256, b);
	theirs[512] = '\0';
	T_STR(mine, theirs, "all 256 bytes as nettle encodes them");
	T_INT(hex_decode(back, mine, 256, &bad), 0, "decoded");
	T_OK(memcmp(back, b, 256) == 0, "back to the same bytes");
}
