/*
 * The secret scanner: each encoding planted and found (expected forms
 * computed with Python's json, urllib.parse and base64 modules, so they do
 * not come from the code under test), matches split across feeds at every
 * position, near misses, short values, shared prefixes, and a randomised
 * comparison with a naive search over many feed splits.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/base64.h>

#include "scan.h"
#include "tap.h"

#define MAX_HITS 4096

struct rec {
	size_t n;
	struct scan_hit h[MAX_HITS];
	int unordered;	   /* a feed reported hits out of order */
	size_t feed_first; /* index of the current feed's first hit */
	int stop_with;	   /* hit() returns this */
};

static int collect(const struct scan_hit *h, void *arg)
{
	struct rec *r = arg;

	if (r->n > r->feed_first) {
		const struct scan_hit *p = &r->h[r->n - 1];

		if (p->offset > h->offset ||
		    (p->offset == h->offset && p->secret > h->secret))
			r->unordered = 1;
	}
	if (r->n < MAX_HITS)
		r->h[r->n++] = *h;
	return r->stop_with;
}

/* Feeds text in pieces cut at the given offsets (ascending). */
static int feed_cuts(const struct scan *s, const void *text, size_t len,
		     const size_t *cuts, size_t ncuts, struct rec *r)
{
	struct scan_state st;
	size_t at = 0;
	int rc = 0;

	scan_state_init(&st);
	for (size_t i = 0; i <= ncuts && rc == 0; i++) {
		size_t end = i < ncuts ? cuts[i] : len;

		r->feed_first = r->n;
		rc = scan_feed(s, &st, (const char *)text + at, end - at,
			       collect, r);
		at = end;
	}
	return rc;
}

static void feed_one(const struct scan *s, const void *text, size_t len,
		     struct rec *r)
{
	memset(r, 0, sizeof *r);
	(void)feed_cuts(s, text, len, NULL, 0, r);
}

static struct scan *make(const struct scan_secret *sec, size_t n)
{
	struct err e = {0};
	struct scan *s = scan_new(sec, n, &e);

	if (s == NULL)
		tap_diag("scan_new: %s", e.msg);
	return s;
}

/* A value with every character JSON and URL encoding treat specially:
 * @ / " \ é (U+00E9, two UTF-8 bytes) and a space. */
#define S1 "p@ss/w\"rd\\\xc3\xa9-1234 x"
/* Control characters: short escapes and one \u escape (hex digits only
 * differ in case for 0x1f). */
#define S2 "line1\nline2\ttab\x1f"
/* An astral character: a surrogate pair in \u form, and a base64url form
 * that differs from the standard one. */
#define S3 "key-\xf0\x9f\x98\x80-value12"

struct form {
	size_t secret;
	const char *text;
	const char *encoding;
};

static const struct form forms[] = {
	{0, S1, "raw"},
	{0, "p@ss/w\\\"rd\\\\\xc3\xa9-1234 x", "json"},
	{0, "p@ss\\/w\\\"rd\\\\\xc3\xa9-1234 x", "json"},
	{0, "p@ss/w\\\"rd\\\\\\u00e9-1234 x", "json"},
	{0, "p@ss/w\\\"rd\\\\\\u00E9-1234 x", "json"},
	{0, "p@ss\\/w\\\"rd\\\\\\u00e9-1234 x", "json"},
	{0, "p@ss\\/w\\\"rd\\\\\\u00E9-1234 x", "json"},
	{0, "p%40ss%2Fw%22rd%5C%C3%A9-1234%20x", "url"},
	{0, "p%40ss%2Fw%22rd%5C%C3%A9-1234+x", "url"},
	{0, "cEBzcy93InJkXMOpLTEyMzQge", "base64"},
	{0, "BAc3MvdyJyZFzDqS0xMjM0IH", "base64"},
	{0, "wQHNzL3cicmRcw6ktMTIzNCB4", "base64"},
	{1, S2, "raw"},
	{1, "line1\\nline2\\ttab\\u001f", "json"},
	{1, "line1\\nline2\\ttab\\u001F", "json"},
	{1, "line1%0Aline2%09tab%1F", "url"},
	{1, "bGluZTEKbGluZTIJdGFiH", "base64"},
	{1, "xpbmUxCmxpbmUyCXRhYh", "base64"},
	{1, "saW5lMQpsaW5lMgl0YWIf", "base64"},
	{2, S3, "raw"},
	{2, "key-\\ud83d\\ude00-value12", "json"},
	{2, "key-\\uD83D\\uDE00-value12", "json"},
	{2, "key-%F0%9F%98%80-value12", "url"},
	{2, "a2V5LfCfmIAtdmFsdWUxM", "base64"},
	{2, "tleS3wn5iALXZhbHVlMT", "base64"},
	{2, "rZXkt8J+YgC12YWx1ZTEy", "base64"},
	{2, "rZXkt8J-YgC12YWx1ZTEy", "base64"},
	{3, "abcdefgh", "raw"},
	{3, "YWJjZGVmZ2", "base64"},
	{3, "FiY2RlZmdo", "base64"},
	{3, "hYmNkZWZna", "base64"},
	/* RFC 3986 keeps ~ where the form encoding escapes it, and the form
	 * encoding keeps * where RFC 3986 escapes it. */
	{4, "tilde~and*star", "raw"},
	{4, "tilde~and%2Astar", "url"},
	{4, "tilde%7Eand*star", "url"},
};

static const struct scan_secret secrets[] = {
	{"S1", S1, sizeof S1 - 1},    {"S2", S2, sizeof S2 - 1},
	{"S3", S3, sizeof S3 - 1},    {"S4", "abcdefgh", 8},
	{"S5", "tilde~and*star", 14},
};

TAP_SUITE(scan_counts)
{
	/* Distinct forms per value. S1: 1 raw, 6 json, 1 escapejs, 3 js
	 * string (single quotes with é raw, \u00e9, \u00E9), 2 json in a js
	 * string, 2 json in html and 2 html (&quot; and &#34;), 2 url and 1
	 * encodeURI, 3 base64 (its base64url forms equal the standard ones),
	 * 2 hex. S2: 1 + 2 json + 1 escapejs + 2 template literals (a raw
	 * newline) + 1 json in a js string + 1 url + 3 base64 + 2 hex. S3:
	 * 1 + 2 json + 1 escapejs + 1 url + 4 base64 + 2 hex. S4: 1 + 3
	 * base64 + 1 hex (digits only: both cases alike). */
	static const size_t want[] = {25, 13, 11, 5};

	for (size_t i = 0; i < 4; i++) {
		struct scan *s = make(&secrets[i], 1);
		char what[64];

		snprintf(what, sizeof what, "patterns of %s", secrets[i].name);
		T_INT(s ? scan_patterns(s) : 0, want[i], what);
		scan_free(s);
	}
	struct scan *s = make(NULL, 0);
	struct rec r;

	T_OK(s != NULL, "no secrets: a scanner that finds nothing");
	T_INT(scan_patterns(s), 0, "no secrets: no patterns");
	feed_one(s, S1, sizeof S1 - 1, &r);
	T_INT(r.n, 0, "no secrets: no hits");
	scan_free(s);
}

TAP_SUITE(scan_encodings)
{
	struct scan *s = make(secrets, 5);
	static struct rec r;

	if (!T_OK(s != NULL, "scanner built"))
		return;
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		const struct form *f = &forms[i];
		char text[256], what[160];
		int pre = (int)(i % 7);
		int n = snprintf(text, sizeof text, "%.*s%s<<", pre,
				 "=======", f->text);

		feed_one(s, text, (size_t)n, &r);
		snprintf(what, sizeof what, "form %zu (%s of %s) found once", i,
			 f->encoding, secrets[f->secret].name);
		if (!T_INT(r.n, 1, what))
			continue;
		snprintf(what, sizeof what,
			 "form %zu: secret, offset, encoding", i);
		T_OK(r.h[0].secret == f->secret &&
			     r.h[0].offset == (uint64_t)pre &&
			     strcmp(r.h[0].encoding, f->encoding) == 0,
		     "%s (got %zu at %llu as %s)", what, r.h[0].secret,
		     (unsigned long long)r.h[0].offset, r.h[0].encoding);
	}
	scan_free(s);
}

/*
 * The forms a web build writes besides JSON, URL and base64 (issue 11,
 * item 4). Expected texts from Python: json.dumps, html.escape (with and
 * without quote=), Django's escapejs table (django.utils.html._js_escapes)
 * and json_script's, ActiveSupport's to_json escapes, urllib.parse.quote
 * with encodeURI's safe set, bytes.hex; the JS quote forms by replacing
 * only the backslash and the one quote, as esbuild and terser do.
 */
#define W1 "wh\\4kQ\"z"		       /* the Vite case */
#define W2 "a&b<c>d'e\"f"	       /* HTML's five */
#define W3 "say \"hi\" \\ now"	       /* JSON inside JSON */
#define W4 "ab`c${d}e\nf"	       /* template literal */
#define W5 "k=v&x/y?z#w;a,b:c@d$e+f g" /* encodeURI keeps all but " " */

static const struct scan_secret web[] = {
	{"W1", W1, sizeof W1 - 1}, {"W2", W2, sizeof W2 - 1},
	{"W3", W3, sizeof W3 - 1}, {"W4", W4, sizeof W4 - 1},
	{"W5", W5, sizeof W5 - 1},
};

static const struct form web_forms[] = {
	{0, "wh\\\\4kQ\"z", "js string"},
	{0, "wh\\\\4kQ\\\"z", "json"},
	{0, "wh\\4kQ&quot;z", "html"},
	{0, "wh\\4kQ&#34;z", "html"},
	{0, "wh\\u005C4kQ\\u0022z", "escapejs"},
	{0, "77685c346b51227a", "hex"},
	{0, "77685C346B51227A", "hex"},
	{0, "wh%5C4kQ%22z", "url"},
	{1, "a\\u0026b\\u003cc\\u003ed'e\\\"f", "html-safe json"},
	{1, "a\\u0026b\\u003Cc\\u003Ed'e\\\"f", "html-safe json"},
	{1, "a\\u0026b\\u003Cc\\u003Ed\\u0027e\\u0022f", "escapejs"},
	{1, "a&amp;b&lt;c&gt;d&#x27;e&quot;f", "html"},
	{1, "a&amp;b&lt;c&gt;d&#39;e&quot;f", "html"},
	{1, "a&amp;b&lt;c&gt;d&#39;e&#34;f", "html"},
	{1, "a&amp;b&lt;c&gt;d'e\"f", "html"},
	{1, "a&b<c>d\\'e\"f", "js string"},
	{2, "say \\\\\\\"hi\\\\\\\" \\\\\\\\ now", "json in a js string"},
	{2, "say \\\\\"hi\\\\\" \\\\\\\\ now", "json in a js string"},
	{2, "say \\&quot;hi\\&quot; \\\\ now", "json in html"},
	{2, "7361792022686922205c206e6f77", "hex"},
	{3, "ab\\`c\\${d}e\nf", "js string"},
	{3, "ab`c${d}e\\nf", "json"},
	{4, "k=v&x/y?z#w;a,b:c@d$e+f%20g", "encodeURI"},
};

TAP_SUITE(scan_web_encodings)
{
	struct scan *s = make(web, 5);
	static struct rec r;

	if (!T_OK(s != NULL, "scanner built"))
		return;
	for (size_t i = 0; i < sizeof web_forms / sizeof web_forms[0]; i++) {
		const struct form *f = &web_forms[i];
		char text[256], what[160];
		int n = snprintf(text, sizeof text, "x='%s';", f->text);

		feed_one(s, text, (size_t)n, &r);
		snprintf(what, sizeof what, "%s of %s found once as %s",
			 f->text, web[f->secret].name, f->encoding);
		if (!T_INT(r.n, 1, what))
			continue;
		T_OK(r.h[0].secret == f->secret && r.h[0].offset == 3 &&
			     strcmp(r.h[0].encoding, f->encoding) == 0,
		     "%s (got %s at %llu as %s)", what, web[r.h[0].secret].name,
		     (unsigned long long)r.h[0].offset, r.h[0].encoding);
	}
	/* A minifier's single-quoted form is not the JSON one: the scanner
	 * finds each only in its own spelling. */
	feed_one(s, "wh\\4kQ\\\"z", 10, &r);
	T_INT(r.n, 0, "a half-escaped spelling is no form of W1");
	scan_free(s);
}

/* A URL-valued secret is also searched by its password, as written and
 * decoded; one shorter than the minimum is not, and is said to be. */
TAP_SUITE(scan_url_passwords)
{
	static const struct scan_secret sec[] = {
		{"DATABASE_URL", "postgres://app:Pa55w0rd!x@db:5432/app", 37},
		{"REDIS_URL", "redis://:p%40ssw0rd%21@cache:6379/0", 35},
		{"SHORT_URL", "postgres://u:pw@h/db", 20},
		{"ENCODED_SHORT", "postgresql://app:s3cr3t%21@db/x", 31},
	};
	struct scan *s = make(sec, 4);
	static struct rec r;
	size_t len;

	if (!T_OK(s != NULL, "scanner built"))
		return;
	feed_one(s, "pw='Pa55w0rd!x'", 15, &r);
	T_OK(r.n == 1 && r.h[0].secret == 0 && r.h[0].offset == 4 &&
		     strcmp(r.h[0].encoding, "URL password, raw") == 0,
	     "the password alone is found");
	feed_one(s, "{\"pw\":\"p@ssw0rd!\"}", 18, &r);
	T_OK(r.n == 1 && r.h[0].secret == 1 && r.h[0].offset == 7,
	     "a percent-encoded password is found decoded");
	feed_one(s, "p%40ssw0rd%21", 13, &r);
	T_OK(r.n == 1 && r.h[0].secret == 1, "and as written in the URL");
	feed_one(s, "UGE1NXcwcmQheA==", 16, &r);
	T_OK(r.n >= 1 && r.h[0].secret == 0 &&
		     strcmp(r.h[0].encoding, "URL password, base64") == 0,
	     "the password's encodings too");
	feed_one(s, "x pw s3cr3t! x", 14, &r);
	T_INT(r.n, 0, "passwords under 8 bytes are not searched");
	feed_one(s, "postgres://u:pw@h/db", 20, &r);
	T_OK(r.n == 1 && r.h[0].secret == 2 &&
		     strcmp(r.h[0].encoding, "raw") == 0,
	     "while their URL is");
	scan_free(s);

	T_INT(scan_too_short(&sec[0], &len), SCAN_SEARCHED, "long password");
	T_INT(scan_too_short(&sec[2], &len), SCAN_SHORT_PASSWORD,
	      "a 2-byte password is too short");
	T_INT(len, 2, "its length");
	T_INT(scan_too_short(&sec[3], &len), SCAN_SHORT_PASSWORD,
	      "s3cr3t%21 is a 7-byte password");
	T_INT(len, 7, "counted decoded");
	static const struct scan_secret four = {"PIN", "4711", 4};
	T_INT(scan_too_short(&four, &len), SCAN_SHORT_VALUE,
	      "a 4-byte value is too short");
	T_INT(len, 4, "its length");
	static const struct scan_secret eight = {"K", "12345678", 8};
	T_INT(scan_too_short(&eight, &len), SCAN_SEARCHED,
	      "8 bytes are searched");
}

/* One secret planted twice (raw and base64) in 200 bytes, the text cut
 * into two feeds at every position and into single bytes. */
TAP_SUITE(scan_split)
{
	struct scan *s = make(secrets, 5);
	static struct rec r;
	char text[200];
	int bad = 0, unordered = 0;

	if (!T_OK(s != NULL, "scanner built"))
		return;
	memset(text, '.', sizeof text);
	memcpy(text + 37, S1, sizeof S1 - 1);
	memcpy(text + 120, "wQHNzL3cicmRcw6ktMTIzNCB4", 25);
	for (size_t cut = 0; cut <= sizeof text; cut++) {
		memset(&r, 0, sizeof r);
		(void)feed_cuts(s, text, sizeof text, &cut, 1, &r);
		if (r.n != 2 || r.h[0].offset + r.h[1].offset != 157 ||
		    r.h[0].secret != 0 || r.h[1].secret != 0)
			bad++;
		unordered |= r.unordered;
	}
	T_INT(bad, 0, "two feeds, cut at each of 201 positions: both found");
	T_INT(unordered, 0, "hits of one feed in order");

	size_t cuts[sizeof text - 1];

	for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++)
		cuts[i] = i + 1;
	memset(&r, 0, sizeof r);
	(void)feed_cuts(s, text, sizeof text, cuts, sizeof text - 1, &r);
	T_OK(r.n == 2 && r.h[0].offset == 37 && r.h[1].offset == 120,
	     "one byte per feed: both found, at 37 and 120");
	T_STR(r.n == 2 ? r.h[1].encoding : NULL, "base64",
	      "one byte per feed: encoding");
	scan_free(s);
}

/* Base64 (standard alphabet) of v behind align zero bytes, trimmed the
 * way the scanner trims: for near misses computed from modified values. */
static size_t b64(char *out, const char *v, size_t n, unsigned align)
{
	struct base64_encode_ctx ctx;
	static const uint8_t zeros[2];
	size_t skip = (8 * align + 5) / 6, done;

	base64_encode_init(&ctx);
	done = base64_encode_update(&ctx, out, align, zeros);
	done += base64_encode_update(&ctx, out + done, n, (const uint8_t *)v);
	memmove(out, out + skip, done - skip);
	return done - skip;
}

TAP_SUITE(scan_near_misses)
{
	static const char v[] = "correct-horse/battery staple";
	struct scan_secret sec = {"PW", v, sizeof v - 1};
	struct scan *s = make(&sec, 1);
	static struct rec r;
	char t[256], m[64];
	size_t n = sizeof v - 1;
	size_t found = 0;

	if (!T_OK(s != NULL, "scanner built"))
		return;
	/* Every single-byte change, at every position, in raw form; and in
	 * base64 for positions whose bits all land in kept characters (the
	 * first and last byte share a character with their neighbours). */
	for (size_t i = 0; i < n; i++) {
		memcpy(m, v, n);
		m[i] ^= 0x20;
		feed_one(s, m, n, &r);
		found += r.n;
		for (unsigned a = 0; a < 3 && i > 0 && i < n - 1; a++) {
			size_t k = b64(t, m, n, a);

			feed_one(s, t, k, &r);
			found += r.n;
		}
	}
	T_INT(found, 0, "one byte changed: no match in raw or base64");

	feed_one(s, v, n - 1, &r);
	T_INT(r.n, 0, "the value without its last byte");
	feed_one(s, v + 1, n - 1, &r);
	T_INT(r.n, 0, "the value without its first byte");
	n = b64(t, v, n - 1, 1);
	feed_one(s, t, n, &r);
	T_INT(r.n, 0, "base64 of a prefix");
	feed_one(s, "correct-horse\\/battery+staple", 29, &r);
	T_INT(r.n, 0, "mixed encodings (\\/ with + for space)");
	feed_one(s, "correct-horse%2fbattery%20staple", 32, &r);
	T_INT(r.n, 0, "lower-case percent hex");
	feed_one(s, "correct-horse%2Fbattery%20staple", 32, &r);
	T_INT(r.n, 1, "while the upper-case form matches");
	scan_free(s);
}

TAP_SUITE(scan_short_values)
{
	static const struct scan_secret sec[] = {
		{"EMPTY", "", 0},	 {"ONE", "x", 1},
		{"SEVEN", "1234567", 7}, {"EIGHT", "12345678", 8},
		{"SIX", "abcdef", 6},
	};
	struct scan *s = make(sec, 3);
	static struct rec r;

	T_INT(s ? scan_patterns(s) : 99, 0, "values under 8 bytes: skipped");
	feed_one(s, "x 1234567 x", 11, &r);
	T_INT(r.n, 0, "a 7-byte value is not searched for");
	scan_free(s);

	s = make(sec, 5);
	feed_one(s, "abcdef 12345678 1234567", 23, &r);
	T_OK(r.n == 1 && r.h[0].secret == 3 && r.h[0].offset == 7,
	     "the 8-byte value is found with its own index among short ones");
	scan_free(s);
}

TAP_SUITE(scan_shared_prefixes)
{
	static const struct scan_secret sec[] = {
		{"A", "sk_live_0123456789abcdef", 24},
		{"B", "sk_live_0123456789abcdeg", 24},
		{"C", "sk_live_0123456789abcd", 22},
		{"D", "sk_live_0123456789abcdefXYZ", 27},
		{"E", "0123456789abcdefXYZ", 19},
	};
	struct scan *s = make(sec, 5);
	static struct rec r;
	static const char text[] = "x=sk_live_0123456789abcdefXYZ;";

	if (!T_OK(s != NULL, "scanner built"))
		return;
	feed_one(s, text, sizeof text - 1, &r);
	T_INT(r.n, 4, "A, C, D and E found, B not");
	T_OK(r.n == 4 && r.h[0].secret == 0 && r.h[1].secret == 2 &&
		     r.h[2].secret == 3 && r.h[3].secret == 4,
	     "in order of offset, then of secret");
	T_OK(r.n == 4 && r.h[0].offset == 2 && r.h[2].offset == 2 &&
		     r.h[3].offset == 10,
	     "offsets of the match starts");
	scan_free(s);
}

/* xorshift64*: deterministic, so a failure reproduces. */
static uint64_t rng_state = 0x2545F4914F6CDD1DULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

TAP_SUITE(scan_long_values)
{
	static char v[5000], text[6000];
	struct scan_secret sec = {"PEM", v, sizeof v};
	static struct rec r;
	size_t cuts[5];

	for (size_t i = 0; i < sizeof v; i++)
		v[i] = (char)('A' + rnd() % 26);
	struct scan *s = make(&sec, 1);

	if (!T_OK(s != NULL, "scanner built"))
		return;
	memset(text, ' ', sizeof text);
	memcpy(text + 500, v, sizeof v);
	for (size_t i = 0; i < 5; i++)
		cuts[i] = 1000 * (i + 1);
	memset(&r, 0, sizeof r);
	(void)feed_cuts(s, text, sizeof text, cuts, 5, &r);
	T_OK(r.n == 1 && r.h[0].offset == 500,
	     "a 5000-byte value across six feeds");
	memset(text + 500 + SCAN_MAX_PATTERN, ' ', sizeof v - SCAN_MAX_PATTERN);
	feed_one(s, text, sizeof text, &r);
	T_INT(r.n, 1, "its first SCAN_MAX_PATTERN bytes are a match");
	text[500 + SCAN_MAX_PATTERN - 1] = ' ';
	feed_one(s, text, sizeof text, &r);
	T_INT(r.n, 0, "one byte fewer is not");
	scan_free(s);
}

TAP_SUITE(scan_stop)
{
	struct scan *s = make(secrets, 5);
	static struct rec r;
	struct scan_state st;
	static const char text[] = "abcdefgh abcdefgh abcdefgh";

	memset(&r, 0, sizeof r);
	r.stop_with = 7;
	scan_state_init(&st);
	T_INT(scan_feed(s, &st, text, sizeof text - 1, collect, &r), 7,
	      "a non-zero return from hit() is returned");
	T_INT(r.n, 1, "and stops the feed");
	scan_free(s);
}

static int hit_cmp(const void *pa, const void *pb)
{
	const struct scan_hit *a = pa, *b = pb;

	if (a->offset != b->offset)
		return a->offset < b->offset ? -1 : 1;
	return a->secret < b->secret ? -1 : a->secret > b->secret;
}

static int size_cmp(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;

	return a < b ? -1 : a > b;
}

/*
 * Secrets and text over the alphabet {a, b}: every JSON and URL form is
 * the raw one, and no base64 form can occur, so a naive search for the
 * raw values is the complete answer. Short alphabets give many
 * overlapping occurrences; lengths from 8 to 60 vary the step.
 */
TAP_SUITE(scan_random)
{
	enum { NSEC = 12, LEN = 6000, ROUNDS = 200 };
	static char vals[NSEC][64], text[LEN];
	static struct scan_hit want[MAX_HITS];
	static struct rec r;
	struct scan_secret sec[NSEC];
	int bad = 0, unordered = 0;

	for (int round = 0; round < ROUNDS; round++) {
		size_t minlen = 8 + rnd() % 20, nwant = 0;

		for (size_t i = 0; i < NSEC; i++) {
			size_t len = minlen + rnd() % 33;

			for (size_t k = 0; k < len; k++)
				vals[i][k] = (char)('a' + (rnd() & 1));
			sec[i] = (struct scan_secret){"V", vals[i], len};
		}
		for (size_t k = 0; k < LEN; k++)
			text[k] = (char)('a' + (rnd() % 8 == 0));
		for (int k = 0; k < 20; k++) {
			const struct scan_secret *v = &sec[rnd() % NSEC];

			memcpy(text + rnd() % (LEN - 64), v->value, v->len);
		}
		for (size_t i = 0; i < NSEC; i++)
			for (size_t at = 0; at + sec[i].len <= LEN; at++)
				if (memcmp(text + at, sec[i].value,
					   sec[i].len) == 0 &&
				    nwant < MAX_HITS)
					want[nwant++] =
						(struct scan_hit){i, at, "raw"};
		qsort(want, nwant, sizeof *want, hit_cmp);

		struct scan *s = make(sec, NSEC);
		static size_t cuts[LEN];
		size_t ncuts = 0;

		/* Even rounds: up to 15 feeds of any size; odd rounds: feeds
		 * of 1 to 100 bytes, shorter than many of the values. */
		if (round % 2 == 0) {
			ncuts = rnd() % 16;
			for (size_t k = 0; k < ncuts; k++)
				cuts[k] = rnd() % (LEN + 1);
			qsort(cuts, ncuts, sizeof *cuts, size_cmp);
		} else {
			for (size_t at = 1 + rnd() % 100; at < LEN;
			     at += 1 + rnd() % 100)
				cuts[ncuts++] = at;
		}
		memset(&r, 0, sizeof r);
		(void)feed_cuts(s, text, LEN, cuts, ncuts, &r);
		unordered |= r.unordered;
		qsort(r.h, r.n, sizeof *r.h, hit_cmp);
		if (r.n != nwant) {
			bad++;
			tap_diag("round %d: %zu hits, want %zu", round, r.n,
				 nwant);
		} else {
			for (size_t k = 0; k < r.n; k++)
				if (hit_cmp(&r.h[k], &want[k]) != 0) {
					bad++;
					tap_diag("round %d: hit %zu differs",
						 round, k);
					break;
				}
		}
		scan_free(s);
	}
	T_INT(bad, 0, "200 rounds against a naive search, random feed cuts");
	T_INT(unordered, 0, "hits of each feed in order");
}
