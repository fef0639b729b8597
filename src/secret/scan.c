/*
 * The secret scanner. scan_new expands every value into the byte patterns
 * a bundler could emit for it and indexes them; scan_feed finds them. The
 * matcher is a sampled q-gram filter with exact verification: every
 * pattern is at least m >= 8 bytes long, so with a step s = m - 7 every
 * occurrence fully covers the 8 bytes at some stream offset p that is a
 * multiple of s, and at exactly one such p with p - start < s. Indexing,
 * for each pattern, the 8-byte grams at its offsets 0 .. s-1 therefore
 * finds each occurrence exactly once, by looking at one position in s. A
 * bit filter over those grams (about 1/64 full) rejects almost every
 * position with one multiply and one load; the rare survivors are looked
 * up in a table of the grams and verified with memcmp. With secrets of 20
 * or more bytes this reads one 8-byte word per 13 or more bytes: measured
 * here with 200 secrets (840 patterns), SHA-256 of cached bytes runs at
 * 3.6 GB/s on two cores and SHA-256 plus the scan at 3.1 GB/s, where a
 * byte-at-a-time automaton (Aho-Corasick) would cost as much as the hash.
 */
#include "scan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/base64.h>

#include "buf.h"
#include "url.h"

/* The gram width: one 64-bit load. */
#define GRAM 8
/* A longer step saves little (the filter is already a small part of the
 * cost) but multiplies the index: s entries per pattern. */
#define STEP_MAX 32
/* Filter bits per indexed gram, as a power of two: 2^6 keeps the filter
 * about 1/64 full, so few positions need the table. */
#define FILTER_SPARSITY 6
#define FILTER_MAX_BITS 24
/* Fibonacci hashing: the top bits of gram * 2^64/phi. */
#define HASH_MUL 0x9E3779B97F4A7C15ULL

/* scan_feed stitches the kept tail (< SCAN_MAX_PATTERN bytes) to the next
 * step + SCAN_MAX_PATTERN bytes of a feed. */
_Static_assert(sizeof(((struct scan_state *)0)->buf) >=
		       2 * SCAN_MAX_PATTERN + STEP_MAX,
	       "scan_state.buf holds a tail and a head");

struct pattern {
	size_t off, len;      /* in blob */
	size_t secret;	      /* index given to scan_new */
	const char *encoding; /* static */
};

struct entry {
	uint64_t gram;
	uint32_t pattern;
	uint32_t j; /* offset of the gram in the pattern, < step */
};

struct scan {
	struct pattern *pat;
	size_t npat;
	unsigned char *blob;
	size_t bloblen;
	size_t minlen, maxlen, step;
	unsigned shift;	 /* 64 - filter bits */
	unsigned bshift; /* filter bits - bucket bits */
	uint64_t *filter;
	size_t filter_words;
	uint32_t *bucket; /* nbucket + 1 offsets into ent */
	size_t nbucket;
	struct entry *ent;
	size_t nent;
};

static uint64_t load64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof v);
	return v;
}

/* The pattern list under construction. */
struct builder {
	struct pattern *pat;
	size_t npat, cap;
	struct buf blob;
};

/* Adds a pattern unless the same secret already has an identical one. */
static int add_pattern(struct builder *b, const struct buf *enc, size_t secret,
		       const char *encoding, size_t first)
{
	size_t len = enc->len < SCAN_MAX_PATTERN ? enc->len : SCAN_MAX_PATTERN;

	for (size_t i = first; i < b->npat; i++)
		if (b->pat[i].len == len &&
		    memcmp(b->blob.p + b->pat[i].off, enc->p, len) == 0)
			return 0;
	if (b->npat == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct pattern *p = realloc(b->pat, cap * sizeof *p);

		if (p == NULL)
			return -1;
		b->pat = p;
		b->cap = cap;
	}
	b->pat[b->npat++] =
		(struct pattern){b->blob.len, len, secret, encoding};
	return buf_add(&b->blob, enc->p, len);
}

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

static int hex_encode(struct buf *out, const unsigned char *v, size_t n,
		      int upper)
{
	const char *d = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < n; i++) {
		rc = buf_addc(out, d[v[i] >> 4]);
		if (rc == 0)
			rc = buf_addc(out, d[v[i] & 15]);
	}
	return rc;
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

/* The encodings, by the names hits carry. */
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

/* Row 0: the value; row 1: a URL value's password searched alone. */
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
	struct builder *b;
	size_t index, first; /* the secret, its first pattern */
	const char *const *names;
	struct buf enc, tmp;
};

static int add(struct expansion *x, enum enc e)
{
	return add_pattern(x->b, &x->enc, x->index, x->names[e], x->first);
}

/* Every form of the bytes v[0 .. n), each added unless the same secret
 * has it already: one pass of the scan then finds any of them. Simple
 * forms come first, so that a form two encodings share is named by the
 * simpler (a value without quotes or backslashes is "html", not "json in
 * html"). */
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
		rc = hex_encode(enc, v, n, f);
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

enum scan_short scan_too_short(const struct scan_secret *sec, size_t *len)
{
	size_t off, plen;

	*len = sec->len;
	if (sec->len < SCAN_MIN_SECRET)
		return SCAN_SHORT_VALUE;
	if (!url_password(sec->value, sec->len, &off, &plen) || plen == 0)
		return SCAN_SEARCHED;
	/* The password's own length, its escapes decoded: "s3cr3t%21" is
	 * a 7-byte password. */
	*len = url_unescape(sec->value + off, plen, NULL);
	return *len < SCAN_MIN_SECRET ? SCAN_SHORT_PASSWORD : SCAN_SEARCHED;
}

static int expand(struct builder *b, const struct scan_secret *sec,
		  size_t index)
{
	struct expansion x = {b, index, b->npat, enc_names[0], {0}, {0}};
	size_t off, plen, dlen;
	char *pw = NULL;
	int rc = 0;

	if (sec->len < SCAN_MIN_SECRET)
		return 0;
	rc = expand_value(&x, (const unsigned char *)sec->value, sec->len);
	/* A URL's password alone, as written in the URL and decoded: a
	 * build may inline just that component, in either form. */
	if (rc == 0 && url_password(sec->value, sec->len, &off, &plen) &&
	    plen > 0) {
		pw = malloc(plen);
		if (pw == NULL)
			rc = -1;
	}
	if (pw != NULL) {
		dlen = url_unescape(sec->value + off, plen, pw);
		x.names = enc_names[1];
		if (dlen >= SCAN_MIN_SECRET) {
			rc = expand_value(&x, (const unsigned char *)pw, dlen);
			if (rc == 0 && dlen != plen)
				rc = expand_value(
					&x,
					(const unsigned char *)sec->value + off,
					plen);
		}
		explicit_bzero(pw, plen);
		free(pw);
	}
	buf_free(&x.enc);
	buf_free(&x.tmp);
	return rc;
}

static unsigned log2_ceil(size_t n)
{
	unsigned b = 0;

	while (b < 63 && ((size_t)1 << b) < n)
		b++;
	return b;
}

static uint64_t filter_hash(const struct scan *s, uint64_t gram)
{
	return (gram * HASH_MUL) >> s->shift;
}

/*
 * The table is a bucket array over the top bits of the filter hash, each
 * bucket's entries in order of descending offset in the pattern and then
 * of pattern (patterns are numbered in the order of their secrets): at one
 * sampled position that is ascending match start, then secret, the order
 * scan_feed promises. A counting sort over entries generated in that order
 * builds it without a comparator.
 */
static int build_index(struct scan *s)
{
	unsigned fbits, cbits;

	s->step = s->minlen - (GRAM - 1);
	if (s->step > STEP_MAX)
		s->step = STEP_MAX;
	if (s->npat > UINT32_MAX / s->step) {
		errno = ENOMEM;
		return -1;
	}
	s->nent = s->npat * s->step;
	cbits = log2_ceil(s->nent);
	fbits = cbits + FILTER_SPARSITY;
	if (fbits > FILTER_MAX_BITS)
		fbits = FILTER_MAX_BITS;
	if (cbits > fbits)
		cbits = fbits;
	s->shift = 64 - fbits;
	s->bshift = fbits - cbits;
	s->filter_words = ((size_t)1 << fbits) / 64;
	s->nbucket = (size_t)1 << cbits;
	s->ent = calloc(s->nent, sizeof *s->ent);
	s->filter = calloc(s->filter_words, sizeof *s->filter);
	s->bucket = calloc(s->nbucket + 1, sizeof *s->bucket);
	if (s->ent == NULL || s->filter == NULL || s->bucket == NULL)
		return -1;

	for (size_t i = 0; i < s->npat; i++)
		for (size_t j = 0; j < s->step; j++) {
			uint64_t h = filter_hash(
				s, load64(s->blob + s->pat[i].off + j));

			s->filter[h >> 6] |= (uint64_t)1 << (h & 63);
			s->bucket[(h >> s->bshift) + 1]++;
		}
	for (size_t b = 0; b < s->nbucket; b++)
		s->bucket[b + 1] += s->bucket[b];
	/* Fill each bucket from its start; bucket[b] ends up at its end,
	 * which the shift below turns back into starts. */
	for (size_t j = s->step; j-- > 0;)
		for (size_t i = 0; i < s->npat; i++) {
			uint64_t g = load64(s->blob + s->pat[i].off + j);
			size_t b = (size_t)(filter_hash(s, g) >> s->bshift);

			s->ent[s->bucket[b]++] =
				(struct entry){g, (uint32_t)i, (uint32_t)j};
		}
	memmove(s->bucket + 1, s->bucket, s->nbucket * sizeof *s->bucket);
	s->bucket[0] = 0;
	return 0;
}

struct scan *scan_new(const struct scan_secret *secrets, size_t n,
		      struct err *e)
{
	struct scan *s = calloc(1, sizeof *s);
	struct builder b = {0};

	if (s == NULL)
		goto nomem;
	for (size_t i = 0; i < n; i++)
		if (expand(&b, &secrets[i], i) < 0)
			goto nomem;
	s->pat = b.pat;
	s->npat = b.npat;
	s->bloblen = b.blob.len;
	/* The scanner takes the buf's storage over. */
	s->blob = (unsigned char *)b.blob.p;
	b = (struct builder){0};
	if (s->npat == 0)
		return s;
	s->minlen = SIZE_MAX;
	for (size_t i = 0; i < s->npat; i++) {
		if (s->pat[i].len < s->minlen)
			s->minlen = s->pat[i].len;
		if (s->pat[i].len > s->maxlen)
			s->maxlen = s->pat[i].len;
	}
	if (build_index(s) < 0)
		goto nomem;
	return s;
nomem:
	free(b.pat);
	buf_free(&b.blob);
	scan_free(s);
	err_sys(e, ENOMEM, "building the secret scanner");
	return NULL;
}

void scan_free(struct scan *s)
{
	if (s == NULL)
		return;
	/* Patterns and grams are the secrets, encoded: wipe them. */
	if (s->blob != NULL)
		explicit_bzero(s->blob, s->bloblen);
	if (s->ent != NULL)
		explicit_bzero(s->ent, s->nent * sizeof *s->ent);
	if (s->filter != NULL)
		explicit_bzero(s->filter, s->filter_words * sizeof *s->filter);
	free(s->blob);
	free(s->ent);
	free(s->filter);
	free(s->bucket);
	free(s->pat);
	free(s);
}

size_t scan_patterns(const struct scan *s)
{
	return s->npat;
}

void scan_state_init(struct scan_state *st)
{
	st->pos = 0;
	st->tail = 0;
}

typedef int hit_fn(const struct scan_hit *h, void *arg);

/* One window of the stream: bytes b[0 .. n) at stream offset base. */
struct window {
	const unsigned char *b;
	size_t n;
	uint64_t base;
	uint64_t reported; /* matches ending at or before this were reported
			      by an earlier feed */
};

/* Verifies the table entries for the gram at b[p]. */
static int verify(const struct scan *s, const struct window *w, size_t p,
		  uint64_t gram, uint64_t h, hit_fn *hit, void *arg)
{
	size_t bk = (size_t)(h >> s->bshift);

	for (uint32_t i = s->bucket[bk]; i < s->bucket[bk + 1]; i++) {
		const struct entry *en = &s->ent[i];
		const struct pattern *pt;
		size_t t;

		if (en->gram != gram || en->j > p)
			continue;
		t = p - en->j;
		pt = &s->pat[en->pattern];
		if (pt->len > w->n - t || w->base + t + pt->len <= w->reported)
			continue;
		if (memcmp(w->b + t, s->blob + pt->off, pt->len) != 0)
			continue;
		struct scan_hit sh = {pt->secret, w->base + t, pt->encoding};
		int rc = hit(&sh, arg);

		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Looks at the sampled positions p in [from, to) of the window, from a
 * multiple of the step on. */
static int run(const struct scan *s, const struct window *w, uint64_t from,
	       uint64_t to, hit_fn *hit, void *arg)
{
	const uint64_t *filter = s->filter;
	const unsigned shift = s->shift;
	const size_t step = s->step;
	size_t p, end;

	if (w->n < GRAM)
		return 0;
	if (from < w->base)
		from = w->base;
	from += (step - from % step) % step;
	if (to > w->base + w->n - (GRAM - 1))
		to = w->base + w->n - (GRAM - 1);
	if (from >= to)
		return 0;
	p = (size_t)(from - w->base);
	end = (size_t)(to - w->base);
	for (; p < end; p += step) {
		uint64_t g = load64(w->b + p);
		uint64_t h = (g * HASH_MUL) >> shift;

		/* Almost always clear: the filter is about 1/64 full. */
		if (__builtin_expect(((filter[h >> 6] >> (h & 63)) & 1) != 0,
				     0)) {
			int rc = verify(s, w, p, g, h, hit, arg);

			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

/*
 * A feed covers stream offsets [a, a + len). A match ending in it starts
 * at most maxlen - 1 bytes before a, and its sampled position lies at
 * most step - 1 bytes after its start; so positions before a + step are
 * looked at in a stitched copy of the kept tail (maxlen - 1 bytes) and
 * the first step + maxlen new bytes, and the rest in the caller's buffer,
 * where every candidate starts after a. Candidates that end past the feed
 * are dropped; the next feed finds them again through its tail.
 */
int scan_feed(const struct scan *s, struct scan_state *st, const void *buf,
	      size_t len, hit_fn *hit, void *arg)
{
	const unsigned char *d = buf;
	uint64_t a = st->pos;
	size_t keep, t = st->tail, newt;
	int stitched_all = 0;
	int rc;

	if (s->npat == 0 || len == 0) {
		st->pos += len;
		return 0;
	}
	keep = s->maxlen - 1;
	if (t > 0) {
		size_t room = s->step + s->maxlen;
		size_t h = len < room ? len : room;
		struct window w = {st->buf, t + h, a - t, a};

		memcpy(st->buf + t, d, h);
		stitched_all = h == len;
		rc = run(s, &w, w.base, stitched_all ? UINT64_MAX : a + s->step,
			 hit, arg);
		if (rc != 0)
			return rc;
	}
	if (!stitched_all) {
		struct window w = {d, len, a, a};

		rc = run(s, &w, t > 0 ? a + s->step : a, UINT64_MAX, hit, arg);
		if (rc != 0)
			return rc;
	}
	st->pos = a + len;
	newt = st->pos < keep ? (size_t)st->pos : keep;
	if (stitched_all)
		memmove(st->buf, st->buf + t + len - newt, newt);
	else
		memcpy(st->buf, d + len - newt, newt);
	st->tail = newt;
	return 0;
}
