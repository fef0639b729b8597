/*
 * termsafe.c: what the relay lets through to a terminal. Every case is
 * fed whole, split at every position and one byte at a time, so that a
 * sequence split across reads is judged as one.
 */
#include <string.h>

#include "buf.h"
#include "tap.h"
#include "termsafe.h"

static int filtered(const char *in, size_t n, const size_t *sizes,
		    size_t nsizes, struct buf *out)
{
	struct termsafe t;
	size_t off = 0, k = 0;

	termsafe_init(&t);
	while (off < n) {
		size_t take = sizes[k++ % nsizes];

		if (take > n - off)
			take = n - off;
		if (termsafe_feed(&t, in + off, take, out) < 0)
			return -1;
		off += take;
	}
	return termsafe_finish(&t, out);
}

static void check(const char *what, const char *in, size_t n, const char *want,
		  size_t wlen)
{
	int ok = 1;

	for (size_t cut = 0; cut <= n && ok; cut++) {
		size_t sizes[2] = {cut ? cut : n, n ? n : 1};
		struct buf b = {0};

		ok = filtered(in, n, sizes, 2, &b) == 0 && b.len == wlen &&
		     memcmp(b.p ? b.p : "", want, wlen) == 0;
		if (!ok)
			T_MEM(b.p, b.len, want, wlen, what);
		buf_free(&b);
	}
	{
		size_t one = 1;
		struct buf b = {0};

		ok &= filtered(in, n, &one, 1, &b) == 0 && b.len == wlen &&
		      memcmp(b.p ? b.p : "", want, wlen) == 0;
		buf_free(&b);
	}
	T_OK(ok, "%s", what);
}

#define S(s) s, sizeof(s) - 1

TAP_SUITE(termsafe_sequences)
{
	check("plain text and UTF-8 pass", S("caf\xc3\xa9 \xe2\x82\xac\tok\n"),
	      S("caf\xc3\xa9 \xe2\x82\xac\tok\n"));
	check("colours pass, and are reset at the end",
	      S("\033[1;31mred\033[0m \033[38:5:208mo\n"),
	      S("\033[1;31mred\033[0m \033[38:5:208mo\n\033[0m"));
	check("a lone carriage return is a newline", S("50%\r100%\n"),
	      S("50%\n100%\n"));
	check("CRLF is one newline", S("a\r\nb\r\n\r\n"), S("a\nb\n\n"));
	check("erase line and cursor up are shown, not obeyed",
	      S("x\033[2K\033[1Acleanroom: verified\n"),
	      S("x\\x1b[2K\\x1b[1Acleanroom: verified\n"));
	check("a private-mode CSI is not a colour", S("\033[?1049h\033[?25l"),
	      S("\\x1b[?1049h\\x1b[?25l"));
	check("a CSI that is not m is text", S("\033[31;1H"), S("\\x1b[31;1H"));
	check("OSC title and hyperlink",
	      S("\033]0;pwned\007\033]8;;http://x\033\\"),
	      S("\\x1b]0;pwned\\x07\\x1b]8;;http://x\\x1b\\"));
	check("reset and save/restore cursor", S("\033c\0337\0338"),
	      S("\\x1bc\\x1b7\\x1b8"));
	check("other controls in caret notation", S("a\bb\x7f\x00\x0e\x0c"),
	      S("a\\x08b\\x7f\\x00\\x0e\\x0c"));
	check("ESC ESC [ m: the second starts a colour", S("\033\033[0m"),
	      S("\\x1b\033[0m\033[0m"));
	check("C1 controls in UTF-8 (CSI, OSC, NEL)",
	      S("\xc2\x9b"
		"2K\xc2\x9d"
		"0;t\xc2\x85"),
	      S("\\u009b2K\\u009d0;t\\u0085"));
	check("other U+0080.. characters pass", S("\xc2\xa9 \xc2\xa0"),
	      S("\xc2\xa9 \xc2\xa0"));
	check("a held ESC or lead byte at the end is released", S("x\033"),
	      S("x\\x1b"));
	check("a partial colour at the end is text", S("x\033[31"),
	      S("x\\x1b[31"));
	check("a lone 0xC2 at the end passes", S("x\xc2"), S("x\xc2"));
	{
		/* A colour longer than TERMSAFE_SGR_MAX is not one. */
		char in[64], want[80];
		size_t n = 0, w = 0;

		in[n++] = '\033';
		in[n++] = '[';
		memcpy(want, "\\x1b[", 5);
		w = 5;
		for (int i = 0; i < TERMSAFE_SGR_MAX + 4; i++) {
			in[n++] = '1';
			want[w++] = '1';
		}
		in[n++] = 'm';
		want[w++] = 'm';
		check("an overlong colour is text", in, n, want, w);
	}
}
