/*
 * The encoders behind forms.h. Each writes one form into a caller's
 * buffer; forms_each runs them all in a fixed order, simple forms first.
 */
#include "forms.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/base64.h>

#include "buf.h"
#include "hex.h"
#include "url.h"

static int add_hex(struct buf *out, const char *lead, unsigned v, int upper)
{
	static const char lower_digits[] = "0123456789abcdef";
	static const char upper_digits[] = "0123456789ABCDEF";
	const char *d = upper ? upper_digits : lower_digits;
	int rc = buf_adds(out, lead);

	for (int shift = lead[0] == '%' ? 4 : 12; rc == 0 && shift >= 0;
	     shift -= 4)
		rc = buf_addc(out, d[(v >> shift) & 15]);
	return rc;
}

/* Decodes one UTF-8 sequence strictly (no overlong forms, surrogates or
 * values past U+10FFFF). Returns its length, or 0 when s does not start
 * with a valid sequence. */
static size_t utf8_decode(const unsigned char *s, size_t n, unsigned *cp)
{
	unsigned c = s[0], v, min;
	size_t len;

	if (c < 0xc2 || c > 0xf4)
		return 0;
	if (c < 0xe0) {
		len = 2;
		v = c & 0x1f;
		min = 0x80;
	} else if (c < 0xf0) {
		len = 3;
		v = c & 0x0f;
		min = 0x800;
	} else {
		len = 4;
		v = c & 0x07;
		min = 0x10000;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

/*
 * How a printer writes a string literal's body. A JSON printer and a JS
 * minifier differ in which quote they escape (esbuild and terser pick the
 * quote that needs the fewest escapes, so a value holding `"` is written
 * in single quotes or a template literal with only `'` or `` ` `` and `\`
 * escaped: `wh\4kQ"z` becomes 'wh\\4kQ"z'), in the case of \u hex, in
 * whether non-ASCII is escaped, and in which ASCII characters they write
 * as \u00XX so that the literal is safe inside HTML.
 */
struct js_style {
	char quote;	   /* '"', '\'' or '`': escaped as \" \' \`; 0: none */
	unsigned slash;	   /* `/` as `\/` (PHP's json_encode, some minifiers) */
	unsigned upper;	   /* upper-case hex in \u escapes of non-ASCII and
			      control characters (esbuild, terser) */
	unsigned unicode;  /* non-ASCII as \u escapes (esbuild's ASCII output,
			      terser's ascii_only, Python's json.dumps) */
	const char *hexed; /* ASCII written as \u00XX, NULL: none; with
			      them U+2028 and U+2029 */
	unsigned hexed_upper; /* their hex in upper case (Django) */
	unsigned ctl_hexed;   /* control characters as \u00XX in that case
				 too, never as \n \t ... (escapejs) */
};

/* HTML-safe JSON: what Rails' to_json (\u003c, lower case) and Django's
 * json_script (\u003C, upper case) escape so that a JSON text cannot end
 * a <script> element or start an entity; Go's encoding/json does the
 * same. U+2028 and U+2029 are escaped with them (js_encode). */
static const char html_safe_json[] = "<>&";
/* Django's escapejs: every character that could end a JS string or an
 * HTML attribute or script, as \u00XX in upper case; control characters
 * too, and U+2028 and U+2029. */
static const char escapejs_chars[] = "\\'\"<>&=-;`";

static int js_encode(struct buf *out, const unsigned char *v, size_t n,
		     const struct js_style *st)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < n; i++) {
		unsigned c = v[i], cp;
		size_t k;

		if ((c != 0 && c < 0x80 && st->hexed != NULL &&
		     strchr(st->hexed, (int)c) != NULL) ||
		    (c < 0x20 && st->ctl_hexed)) {
			rc = add_hex(out, "\\u", c, (int)st->hexed_upper);
			continue;
		}
		if (c != 0 && c == (unsigned char)st->quote) {
			rc = buf_addc(out, '\\');
			if (rc == 0)
				rc = buf_addc(out, (char)c);
			continue;
		}
		switch (c) {
		case '\\': rc = buf_adds(out, "\\\\"); continue;
		case '/': rc = buf_adds(out, st->slash ? "\\/" : "/"); continue;
		case '\b': rc = buf_adds(out, "\\b"); continue;
		case '\f': rc = buf_adds(out, "\\f"); continue;
		/* A template literal holds a newline as it is; minifiers
		 * write it so, one byte shorter than \n. */
		case '\n':
			rc = buf_adds(out, st->quote == '`' ? "\n" : "\\n");
			continue;
		case '\r': rc = buf_adds(out, "\\r"); continue;
		case '\t': rc = buf_adds(out, "\\t"); continue;
		case '$':
			/* In a template literal "${" would start a
			 * substitution. */
			rc = buf_adds(out, st->quote == '`' && i + 1 < n &&
							   v[i + 1] == '{'
						   ? "\\$"
						   : "$");
			continue;
		default: break;
		}
		if (c < 0x20) {
			rc = add_hex(out, "\\u", c, (int)st->upper);
		} else if (c >= 0x80 &&
			   (k = utf8_decode(v + i, n - i, &cp)) > 0 &&
			   (st->unicode || (st->hexed != NULL &&
					    (cp == 0x2028 || cp == 0x2029)))) {
			int up = (int)(st->unicode ? st->upper
						   : st->hexed_upper);

			if (cp > 0xffff) {
				cp -= 0x10000;
				rc = add_hex(out, "\\u", 0xd800 | cp >> 10, up);
				if (rc == 0)
					rc = add_hex(out, "\\u",
						     0xdc00 | (cp & 0x3ff), up);
			} else {
				rc = add_hex(out, "\\u", cp, up);
			}
			i += k - 1;
		} else {
			/* Bytes that are not valid UTF-8 have no \u form:
			 * a printer passes them through. */
			rc = buf_addc(out, (char)c);
		}
	}
	return rc;
}

/* The character references an HTML escaper writes for & < > " '. */
struct html_style {
	const char *quot; /* NULL: `"` left as it is (text content) */
	const char *apos; /* NULL: `'` left as it is */
};

static const struct html_style html_styles[] = {
	/* Rails' ERB::Util.html_escape, lodash's escape. */
	{"&quot;", "&#39;"},
	/* Django's escape, Python's html.escape, React's server renderer. */
	{"&quot;", "&#x27;"},
	/* Go's html/template, MarkupSafe (Jinja). */
	{"&#34;", "&#39;"},
	/* Text content: only & < > need escaping. */
	{NULL, NULL},
};

static int html_encode(struct buf *out, const unsigned char *v, size_t n,
		       const struct html_style *st)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < n; i++) {
		switch (v[i]) {
		case '&': rc = buf_adds(out, "&amp;"); break;
		case '<': rc = buf_adds(out, "&lt;"); break;
		case '>': rc = buf_adds(out, "&gt;"); break;
		case '"':
			rc = st->quot ? buf_adds(out, st->quot)
				      : buf_addc(out, '"');
			break;
		case '\'':
			rc = st->apos ? buf_adds(out, st->apos)
				      : buf_addc(out, '\'');
			break;
		default: rc = buf_addc(out, (char)v[i]); break;
		}
	}
	return rc;
}

/* The hex form of a value, in either case (hex_encode writes lower case;
 * a build may write either). */
static int hex_form(struct buf *out, const unsigned char *v, size_t n,
		    int upper)
{
	size_t at = out->len;

	if (n > (SIZE_MAX - 1) / 2 || buf_reserve(out, 2 * n + 1) < 0)
		return -1;
	hex_encode(out->p + at, v, n);
	out->len = at + 2 * n;
	if (upper)
		for (size_t i = at; i < out->len; i++)
			if (out->p[i] >= 'a' && out->p[i] <= 'f')
				out->p[i] = (char)(out->p[i] - 'a' + 'A');
	return 0;
}

enum url_form {
	URL_RFC3986,	  /* unreserved: ALPHA DIGIT - . _ ~ */
	URL_RFC3986_PLUS, /* the same with + for space */
	URL_COMPONENT,	  /* encodeURIComponent: also ! ' ( ) * */
	URL_FORM,	  /* application/x-www-form-urlencoded (WHATWG): * - .
			     _ kept, + for space */
	URL_URI,	  /* encodeURI: also ! ' ( ) * and the reserved
			     characters of a whole URI ; , / ? : @ & = + $ # */
};

static int url_keeps(enum url_form form, unsigned c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	switch (form) {
	case URL_RFC3986:
	case URL_RFC3986_PLUS: return c != 0 && strchr("-._~", (int)c) != NULL;
	case URL_COMPONENT:
		return c != 0 && strchr("-._~!'()*", (int)c) != NULL;
	case URL_FORM: return c != 0 && strchr("*-._", (int)c) != NULL;
	case URL_URI:
		return c != 0 && strchr("-._~!'()*;,/?:@&=+$#", (int)c) != NULL;
	}
	return 0;
}

static int encode_url(struct buf *out, const unsigned char *v, size_t n,
		      enum url_form form)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (url_keeps(form, v[i]))
			rc = buf_addc(out, (char)v[i]);
		else if (v[i] == ' ' &&
			 (form == URL_RFC3986_PLUS || form == URL_FORM))
			rc = buf_addc(out, '+');
		else
			rc = add_hex(out, "%", v[i], 1);
	}
	return rc;
}

/* The base64 characters determined by the value alone when it starts
 * `align` bytes into a 3-byte group: encode it behind `align` zero bytes
 * and keep the characters whose 6 bits all come from the value.
 * base64_encode_update emits only complete characters, so the last,
 * partial one is already left out. */
static int encode_base64(struct buf *out, const unsigned char *v, size_t n,
			 unsigned align, int url)
{
	struct base64_encode_ctx ctx;
	static const uint8_t zeros[2];
	size_t skip = (8 * align + 5) / 6;
	size_t done;

	if (buf_reserve(out, BASE64_ENCODE_LENGTH(n + align)) < 0)
		return -1;
	if (url)
		base64url_encode_init(&ctx);
	else
		base64_encode_init(&ctx);
	done = base64_encode_update(&ctx, out->p + out->len, align, zeros);
	done += base64_encode_update(&ctx, out->p + out->len + done, n, v);
	if (done > skip)
		memmove(out->p + out->len, out->p + out->len + skip,
			done - skip);
	out->len += done > skip ? done - skip : 0;
	out->p[out->len] = '\0';
	return 0;
}

/* The encodings, by the names the callback gets. */
enum enc {
	ENC_RAW,
	ENC_JSON,
	ENC_HTML_JSON,
	ENC_ESCAPEJS,
	ENC_JS,
	ENC_JSON_IN_JS,
	ENC_HTML,
	ENC_JSON_IN_HTML,
	ENC_URL,
	ENC_ENCODEURI,
	ENC_BASE64,
	ENC_HEX,
	NENC,
};

/* Row 0: the value; row 1: a URL value's password alone. */
static const char *const enc_names[2][NENC] = {
	{"raw", "json", "html-safe json", "escapejs", "js string",
	 "json in a js string", "html", "json in html", "url", "encodeURI",
	 "base64", "hex"},
	{"URL password, raw", "URL password, json",
	 "URL password, html-safe json", "URL password, escapejs",
	 "URL password, js string", "URL password, json in a js string",
	 "URL password, html", "URL password, json in html",
	 "URL password, url", "URL password, encodeURI", "URL password, base64",
	 "URL password, hex"},
};

struct expansion {
	forms_fn *fn;
	void *arg;
	const char *const *names;
	struct buf enc, tmp;
};

static int add(struct expansion *x, enum enc e)
{
	return x->fn(x->enc.p ? x->enc.p : "", x->enc.len, x->names[e], x->arg);
}

/* Every form of the bytes v[0 .. n), simple forms first, so that a form
 * two encodings share is first named by the simpler (a value without
 * quotes or backslashes is "html", not "json in html"). */
static int expand_value(struct expansion *x, const unsigned char *v, size_t n)
{
	struct buf *enc = &x->enc;
	int rc;

	buf_reset(enc);
	rc = buf_add(enc, v, n);
	if (rc == 0)
		rc = add(x, ENC_RAW);
	/* JSON.stringify and the double-quoted JS string of every printer. */
	for (unsigned f = 0; rc == 0 && f < 8; f++) {
		struct js_style st = {.quote = '"',
				      .slash = f & 1,
				      .upper = f >> 1 & 1,
				      .unicode = f >> 2 & 1};

		buf_reset(enc);
		rc = js_encode(enc, v, n, &st);
		if (rc == 0)
			rc = add(x, ENC_JSON);
	}
	for (unsigned f = 0; rc == 0 && f < 8; f++) {
		struct js_style st = {.quote = '"',
				      .upper = f & 1,
				      .unicode = f >> 1 & 1,
				      .hexed = html_safe_json,
				      .hexed_upper = f >> 2 & 1};

		buf_reset(enc);
		rc = js_encode(enc, v, n, &st);
		if (rc == 0)
			rc = add(x, ENC_HTML_JSON);
	}
	if (rc == 0) {
		struct js_style st = {.hexed = escapejs_chars,
				      .hexed_upper = 1,
				      .ctl_hexed = 1};

		buf_reset(enc);
		rc = js_encode(enc, v, n, &st);
		if (rc == 0)
			rc = add(x, ENC_ESCAPEJS);
	}
	for (unsigned f = 0; rc == 0 && f < 8; f++) {
		struct js_style st = {.quote = f & 1 ? '`' : '\'',
				      .upper = f >> 1 & 1,
				      .unicode = f >> 2 & 1};

		buf_reset(enc);
		rc = js_encode(enc, v, n, &st);
		if (rc == 0)
			rc = add(x, ENC_JS);
	}
	for (size_t f = 0;
	     rc == 0 && f < sizeof html_styles / sizeof html_styles[0]; f++) {
		buf_reset(enc);
		rc = html_encode(enc, v, n, &html_styles[f]);
		if (rc == 0)
			rc = add(x, ENC_HTML);
	}
	for (unsigned f = URL_RFC3986; rc == 0 && f <= URL_URI; f++) {
		buf_reset(enc);
		rc = encode_url(enc, v, n, (enum url_form)f);
		if (rc == 0)
			rc = add(x, f == URL_URI ? ENC_ENCODEURI : ENC_URL);
	}
	for (unsigned f = 0; rc == 0 && f < 6; f++) {
		buf_reset(enc);
		rc = encode_base64(enc, v, n, f % 3, f >= 3);
		if (rc == 0)
			rc = add(x, ENC_BASE64);
	}
	for (int f = 0; rc == 0 && f < 2; f++) {
		buf_reset(enc);
		rc = hex_form(enc, v, n, f);
		if (rc == 0)
			rc = add(x, ENC_HEX);
	}
	/* JSON.stringify's text inside a JS string: what Vite writes for a
	 * JSON module as JSON.parse("..."), and what a minifier turns that
	 * into with single quotes. Then the same text in an HTML attribute
	 * (data-props="{&quot;key&quot;: ...}"). */
	if (rc == 0) {
		struct js_style json = {.quote = '"'};

		buf_reset(&x->tmp);
		rc = js_encode(&x->tmp, v, n, &json);
	}
	for (unsigned f = 0; rc == 0 && f < 2; f++) {
		struct js_style st = {.quote = f ? '\'' : '"'};

		buf_reset(enc);
		rc = js_encode(enc, (const unsigned char *)x->tmp.p, x->tmp.len,
			       &st);
		if (rc == 0)
			rc = add(x, ENC_JSON_IN_JS);
	}
	for (size_t f = 0; rc == 0 && f < 3; f++) {
		buf_reset(enc);
		rc = html_encode(enc, (const unsigned char *)x->tmp.p,
				 x->tmp.len, &html_styles[f]);
		if (rc == 0)
			rc = add(x, ENC_JSON_IN_HTML);
	}
	return rc;
}

int forms_each(const char *value, size_t len, size_t min, forms_fn *fn,
	       void *arg)
{
	struct expansion x = {fn, arg, enc_names[0], {0}, {0}};
	size_t off, plen, dlen;
	char *pw = NULL;
	int rc = 0;

	if (len >= min)
		rc = expand_value(&x, (const unsigned char *)value, len);
	/* A URL's password alone, as written in the URL and decoded: a
	 * build may inline just that component, in either form. */
	if (rc == 0 && url_password(value, len, &off, &plen) && plen > 0) {
		pw = malloc(plen);
		if (pw == NULL) {
			errno = ENOMEM;
			rc = -1;
		}
	}
	if (pw != NULL) {
		dlen = url_unescape(value + off, plen, pw);
		x.names = enc_names[1];
		if (dlen >= min) {
			rc = expand_value(&x, (const unsigned char *)pw, dlen);
			if (rc == 0 && dlen != plen)
				rc = expand_value(
					&x, (const unsigned char *)value + off,
					plen);
		}
		explicit_bzero(pw, plen);
		free(pw);
	}
	buf_free(&x.enc);
	buf_free(&x.tmp);
	return rc;
}
