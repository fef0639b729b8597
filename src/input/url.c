/*
 * URL passwords (url.h). Written against RFC 3986's generic syntax rather
 * than any one database driver's: every scheme that carries a password
 * (postgres, mysql, redis, amqp, s3+https, ...) puts it in the userinfo.
 */
#include "url.h"

#include <string.h>

#include "hex.h"

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_scheme_char(char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
	       c == '.';
}

int url_password(const char *v, size_t n, size_t *off, size_t *len)
{
	size_t i = 0, auth, end, at = 0, colon;
	int have_at = 0;

	/* scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
	if (n == 0 || !is_alpha(v[0]))
		return 0;
	while (i < n && is_scheme_char(v[i]))
		i++;
	if (n - i < 3 || memcmp(v + i, "://", 3) != 0)
		return 0;
	auth = i + 3;
	end = auth;
	while (end < n && v[end] != '/' && v[end] != '?' && v[end] != '#')
		end++;
	/* The userinfo ends at the last '@' of the authority: a password
	 * may hold an unescaped '@' (p@ss), a host never does. */
	for (size_t k = auth; k < end; k++)
		if (v[k] == '@') {
			at = k;
			have_at = 1;
		}
	if (!have_at)
		return 0;
	for (colon = auth; colon < at && v[colon] != ':'; colon++)
		;
	if (colon == at)
		return 0;
	*off = colon + 1;
	*len = at - colon - 1;
	return 1;
}

size_t url_unescape(const char *s, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char byte;

		if (s[i] == '%' && n - i >= 3 &&
		    hex_decode(&byte, s + i + 1, 1, NULL) == 0) {
			if (out != NULL)
				out[o] = (char)byte;
			o++;
			i += 2;
		} else {
			if (out != NULL)
				out[o] = s[i];
			o++;
		}
	}
	return o;
}
