/*
 * The JSON string escaper. Control characters and DEL are escaped
 * because these strings reach terminals (the report, `cleanroom env`) and
 * other tools' parsers; bytes that are not UTF-8 (a file name a build
 * chose) are written as the Latin-1 code point of the byte, the one
 * mapping that keeps every byte and stays valid JSON.
 */
#include "json.h"

#include <string.h>

#include "utf8.h"

int json_string(struct buf *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;

	if (buf_addc(out, '"') < 0)
		return -1;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_decode(s + i, len - i, NULL);
		int rc;

		if (n == 0 || s[i] < 0x20 || s[i] == 0x7f) {
			switch (s[i]) {
			case '\n': rc = buf_add(out, "\\n", 2); break;
			case '\t': rc = buf_add(out, "\\t", 2); break;
			case '\r': rc = buf_add(out, "\\r", 2); break;
			default: rc = buf_printf(out, "\\u%04x", s[i]);
			}
			n = 1;
		} else if (s[i] == '"' || s[i] == '\\') {
			rc = buf_addc(out, '\\') < 0
				     ? -1
				     : buf_addc(out, (char)s[i]);
		} else {
			rc = buf_add(out, s + i, n);
		}
		if (rc < 0)
			return -1;
		i += n;
	}
	return buf_addc(out, '"');
}

int json_cstr(struct buf *out, const char *s)
{
	if (s == NULL)
		return buf_adds(out, "null");
	return json_string(out, s, strlen(s));
}

int json_roundtrip(struct buf *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;

	for (size_t i = 0; i < len;) {
		size_t n = utf8_decode(s + i, len - i, NULL);

		if (n == 0) {
			/* U+0080..U+00FF in UTF-8: two bytes. */
			if (buf_addc(out, (char)(0xc0 | (s[i] >> 6))) < 0 ||
			    buf_addc(out, (char)(0x80 | (s[i] & 0x3f))) < 0)
				return -1;
			n = 1;
		} else if (buf_add(out, s + i, n) < 0) {
			return -1;
		}
		i += n;
	}
	if (buf_addc(out, '\0') < 0)
		return -1;
	out->len--;
	return 0;
}
