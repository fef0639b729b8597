/*
 * The streaming masker and the withheld-name matcher. Every masking case
 * is checked against a naive reference (mark every byte inside any
 * occurrence, print each marked run as ***) for the whole input at once,
 * split at every position, and one byte per read, so that holding back
 * and releasing across reads can never change what comes out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mask.h"
#include "tap.h"

/* The reference: every occurrence of every value, one value at a time. */
static void naive(const char *const *v, size_t nv, const unsigned char *p,
		  size_t n, struct buf *out)
{
	unsigned char *cov = calloc(n + 1, 1);
	int run = 0;

	for (size_t k = 0; k < nv; k++) {
		size_t len = strlen(v[k]);

		const unsigned char *at = p;

		if (len < MASK_MIN_LEN || len > n)
			continue;
		while ((at = memmem(at, n - (size_t)(at - p), v[k], len)) !=
		       NULL) {
			memset(cov + (at - p), 1, len);
			at++;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (cov[i]) {
			if (!run)
				(void)buf_adds(out, "***");
			run = 1;
		} else {
			(void)buf_addc(out, (char)p[i]);
			run = 0;
		}
	}
	free(cov);
}

/* Feeds p in pieces of the given sizes (cycled), then finishes. */
static int streamed(const struct mask *m, const unsigned char *p, size_t n,
		    const size_t *sizes, size_t nsizes, struct buf *out)
{
	struct mask_stream s;
	size_t off = 0, k = 0;
	int rc = 0;

	mask_stream_init(&s, m);
	while (off < n && rc == 0) {
		size_t take = sizes[k++ % nsizes];

		if (take > n - off)
			take = n - off;
		rc = mask_stream_feed(&s, p + off, take, out);
		off += take;
	}
	if (rc == 0)
		rc = mask_stream_finish(&s, out);
	mask_stream_free(&s);
	return rc;
}

/* Checks one case every way; returns 1 when all agree. */
static int check_case(const char *what, const char *const *v, size_t nv,
		      const void *pv, size_t n, const char *want,
		      size_t wantlen)
{
	const unsigned char *p = pv;
	struct mask *m = NULL;
	struct err e = {0};
	struct buf ref = {0}, got = {0};
	int ok = 1;
	char label[256];

	if (mask_new(v, nv, &m, &e) < 0)
		return T_OK(0, "%s: mask_new: %s", what, e.msg);
	naive(v, nv, p, n, &ref);
	if (want != NULL) {
		snprintf(label, sizeof label, "%s: reference", what);
		ok &= T_MEM(ref.p, ref.len, want, wantlen, label);
	}
	if (mask_apply(m, p, n, &got) < 0)
		ok = 0;
	snprintf(label, sizeof label, "%s: whole", what);
	ok &= T_MEM(got.p, got.len, ref.p, ref.len, label);
	buf_free(&got);

	/* Every split into two reads. */
	for (size_t cut = 0; cut <= n && ok; cut++) {
		size_t sizes[2] = {cut ? cut : n, n};
		struct buf b = {0};

		(void)streamed(m, p, n, sizes, 2, &b);
		if (b.len != ref.len || (b.len && memcmp(b.p, ref.p, b.len))) {
			snprintf(label, sizeof label, "%s: split at %zu", what,
				 cut);
			ok &= T_MEM(b.p, b.len, ref.p, ref.len, label);
		}
		buf_free(&b);
	}
	/* One byte per read, and three-byte reads. */
	for (size_t sz = 1; sz <= 3 && ok; sz += 2) {
		struct buf b = {0};

		(void)streamed(m, p, n, &sz, 1, &b);
		snprintf(label, sizeof label, "%s: %zu-byte reads", what, sz);
		ok &= T_MEM(b.p, b.len, ref.p, ref.len, label);
		buf_free(&b);
	}
	buf_free(&ref);
	mask_free(m);
	return ok;
}

#define STR(s) s, sizeof(s) - 1
#define NOWANT NULL, 0

TAP_SUITE(mask_cases)
{
	static const char *const hunter[] = {"hunter22"};
	static const char *const none[] = {"x"};
	static const char *const overlap[] = {"abcdef", "defghi"};
	static const char *const prefix[] = {"secret", "secret123"};
	static const char *const adjacent[] = {"AAAA", "BBBB"};
	static const char *const selfover[] = {"abab"};
	static const char *const shortv[] = {"abc", "abcd"};
	static const char *const binary[] = {"\xff\x01\x80zz",
					     "\x7f\x7f\x7f\x7f"};
	static const char *const tricky[] = {"aaab", "aab!", "baaa"};

	check_case("no values", none, 0, STR("plain text\n"),
		   STR("plain text\n"));
	check_case("one secret", hunter, 1, STR("pw=hunter22 ok\n"),
		   STR("pw=*** ok\n"));
	check_case("secret twice and at the ends", hunter, 1,
		   STR("hunter22 and hunter22hunter22\nhunter22"),
		   STR("*** and ***\n***"));
	check_case("partial secret at EOF is released", hunter, 1,
		   STR("x hunte"), STR("x hunte"));
	check_case("near misses", hunter, 1, STR("hunter2 hunter23 hunteR22"),
		   STR("hunter2 hunter23 hunteR22"));
	check_case("overlapping values mask the union", overlap, 2,
		   STR("xxabcdefghixx abcdefg defghi"),
		   STR("xx***xx ***g ***"));
	check_case("a value that is a prefix of another", prefix, 2,
		   STR("a secret123 b secret c secret12"),
		   STR("a *** b *** c ***12"));
	check_case("adjacent values merge", adjacent, 2,
		   STR("AAAABBBB AAAA BBBBAAA"), STR("*** *** ***AAA"));
	check_case("self-overlapping value", selfover, 1, STR("abababa aba"),
		   STR("***a aba"));
	check_case("values under MASK_MIN_LEN are not masked", shortv, 2,
		   STR("abc abcd abcde"), STR("abc *** ***e"));
	check_case("binary data", binary, 2,
		   STR("\x00\xff\x01\x80zz\x00\x7f\x7f\x7f\x7f\x7f\xff\x01"),
		   STR("\x00***\x00***\xff\x01"));
	check_case("failure links", tricky, 3, STR("aaaab! aabaaa aaaaab!"),
		   STR("a*** aa*** aa***"));
	{
		static const char *const nul[] = {"ab\x01z"};

		check_case("NUL bytes around", nul, 1, STR("\0ab\x01z\0ab\x01"),
			   STR("\0***\0ab\x01"));
	}
}

TAP_SUITE(mask_stream_holds_back_only_what_it_must)
{
	static const char *const v[] = {"hunter22"};
	struct mask *m = NULL;
	struct err e = {0};
	struct mask_stream s;
	struct buf out = {0};

	T_OK(mask_new(v, 1, &m, &e) == 0, "mask_new");
	T_INT(mask_count(m), 1, "one value");
	mask_stream_init(&s, m);
	(void)mask_stream_feed(&s, "hello hun", 9, &out);
	T_MEM(out.p, out.len, "hello ", 6, "released all but 'hun'");
	(void)mask_stream_feed(&s, "g", 1, &out);
	T_MEM(out.p, out.len, "hello hung", 10,
	      "'hung' cannot start the value: released at once");
	(void)mask_stream_feed(&s, "\nhunter2", 8, &out);
	T_MEM(out.p, out.len, "hello hung\n", 11, "'hunter2' held back");
	(void)mask_stream_feed(&s, "2", 1, &out);
	T_MEM(out.p, out.len, "hello hung\n***", 14,
	      "completed value masked at once");
	(void)mask_stream_feed(&s, "hunter22", 8, &out);
	T_MEM(out.p, out.len, "hello hung\n***", 14,
	      "an adjacent second occurrence continues the run");
	(void)mask_stream_feed(&s, "!", 1, &out);
	T_MEM(out.p, out.len, "hello hung\n***!", 15, "run ended");
	(void)mask_stream_finish(&s, &out);
	T_MEM(out.p, out.len, "hello hung\n***!", 15, "finish adds nothing");
	(void)mask_stream_feed(&s, "progress 50%\r", 13, &out);
	T_MEM(out.p, out.len, "hello hung\n***!progress 50%\r", 28,
	      "a line without newline is not delayed");
	mask_stream_free(&s);
	buf_free(&out);
	mask_free(m);

	{
		static const char *const dup[] = {"same", "same", "abc", "",
						  "other"};

		T_OK(mask_new(dup, 5, &m, &e) == 0, "mask_new with dups");
		T_INT(mask_count(m), 2, "duplicates and short values ignored");
		mask_free(m);
	}
	/* A NULL matcher copies. */
	mask_stream_init(&s, NULL);
	(void)mask_stream_feed(&s, "abc", 3, &out);
	(void)mask_stream_finish(&s, &out);
	T_MEM(out.p, out.len, "abc", 3, "NULL matcher copies");
	mask_stream_free(&s);
	buf_free(&out);
}

/* A deterministic generator, so failures reproduce. */
static unsigned long long rng_state = 0x9e3779b97f4a7c15ULL;

static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

TAP_SUITE(mask_random_against_reference)
{
	/* Small alphabets make overlaps, prefixes and failure chains
	 * common. */
	int bad = 0;

	for (int round = 0; round < 300 && !bad; round++) {
		char vals[6][12];
		const char *v[6];
		unsigned char text[200];
		size_t nv = 1 + rnd(6), n = rnd(sizeof text);
		unsigned alpha = 2 + rnd(3);
		struct mask *m = NULL;
		struct err e = {0};
		struct buf ref = {0};

		for (size_t k = 0; k < nv; k++) {
			size_t len = 2 + rnd(9);

			for (size_t i = 0; i < len; i++)
				vals[k][i] = (char)('a' + rnd(alpha));
			vals[k][len] = '\0';
			v[k] = vals[k];
		}
		for (size_t i = 0; i < n; i++)
			text[i] = (unsigned char)('a' + rnd(alpha + 1));
		if (mask_new(v, nv, &m, &e) < 0) {
			bad = 1;
			break;
		}
		naive(v, nv, text, n, &ref);
		for (size_t sz = 1; sz <= 7 && !bad; sz++) {
			size_t sizes[3] = {sz, 1 + rnd(20), 1 + rnd(3)};
			struct buf got = {0};

			(void)streamed(m, text, n, sizes, 3, &got);
			if (got.len != ref.len ||
			    (got.len && memcmp(got.p, ref.p, got.len))) {
				bad = 1;
				tap_diag("round %d, values:", round);
				for (size_t k = 0; k < nv; k++)
					tap_diag("  %s", v[k]);
				T_MEM(got.p, got.len, ref.p, ref.len,
				      "random case");
			}
			buf_free(&got);
		}
		buf_free(&ref);
		mask_free(m);
	}
	T_OK(!bad, "300 random value sets agree with the reference");
}

TAP_SUITE(mask_long_lines_and_many_values)
{
	size_t n = 1 << 20;
	unsigned char *text = malloc(n);
	static char vals[1000][24];
	const char *v[1000];
	struct mask *m = NULL;
	struct err e = {0};
	struct buf ref = {0}, got = {0};
	size_t sizes[] = {4096, 65536, 1, 333};

	for (size_t k = 0; k < 1000; k++) {
		snprintf(vals[k], sizeof vals[k], "sk_%08x%04zu", rnd(1u << 31),
			 k);
		v[k] = vals[k];
	}
	/* A megabyte without a newline, secrets scattered inside. */
	for (size_t i = 0; i < n; i++)
		text[i] = (unsigned char)(' ' + rnd(90));
	for (size_t k = 0; k < 50; k++) {
		size_t at = rnd((unsigned)(n - 40));

		memcpy(text + at, v[rnd(1000)], strlen(v[0]));
	}
	memcpy(text + n - strlen(v[7]), v[7], strlen(v[7]));
	T_OK(mask_new(v, 1000, &m, &e) == 0, "1000 values compiled");
	naive(v, 1000, text, n, &ref);
	(void)streamed(m, text, n, sizes, 4, &got);
	T_OK(got.len == ref.len && memcmp(got.p, ref.p, got.len) == 0,
	     "1 MiB line with 50 secrets, mixed read sizes: same as reference");
	T_OK(memmem(got.p, got.len, v[7], strlen(v[7])) == NULL,
	     "secret at the very end masked");
	buf_free(&ref);
	buf_free(&got);
	mask_free(m);

	/* A multi-line value (a PEM key) of 3 KiB. */
	{
		char *pem = malloc(3200);
		const char *pv[1];
		struct buf b = {0};
		size_t one = 1;

		strcpy(pem, "-----BEGIN PRIVATE KEY-----\n");
		for (int l = 0; l < 48; l++) {
			size_t at = strlen(pem);

			for (int i = 0; i < 64; i++)
				pem[at + (size_t)i] = (char)('A' + rnd(26));
			pem[at + 64] = '\n';
			pem[at + 65] = '\0';
		}
		strcat(pem, "-----END PRIVATE KEY-----");
		pv[0] = pem;
		T_OK(mask_new(pv, 1, &m, &e) == 0, "3 KiB value compiled");
		memcpy(text, "key: ", 5);
		memcpy(text + 5, pem, strlen(pem));
		memcpy(text + 5 + strlen(pem), "\ndone\n", 6);
		(void)streamed(m, text, 5 + strlen(pem) + 6, &one, 1, &b);
		T_MEM(b.p, b.len, "key: ***\ndone\n", 14,
		      "multi-line value masked with 1-byte reads");
		buf_free(&b);
		mask_free(m);
		free(pem);
	}
	free(text);
}

/* Runs the name matcher over text split at cut; returns the seen bits as
 * a string of 0/1. */
static void names_run(const struct mask_names *m, size_t n, const char *text,
		      size_t cut, char *bits)
{
	unsigned char seen[8] = {0};
	struct mask_names_stream s;
	size_t len = strlen(text);

	if (cut > len)
		cut = len;
	mask_names_stream_init(&s, m, seen);
	mask_names_feed(&s, text, cut);
	mask_names_feed(&s, text + cut, len - cut);
	mask_names_finish(&s);
	for (size_t i = 0; i < n; i++)
		bits[i] = seen[i] ? '1' : '0';
	bits[n] = '\0';
}

TAP_SUITE(mask_names)
{
	static const char *const names[] = {"SECRET_KEY_BASE", "TOKEN",
					    "API_TOKEN", "DATABASE_URL"};
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"key not found: \"SECRET_KEY_BASE\"\n", "1000"},
		{"SECRET_KEY_BASE", "1000"},
		{"MY_SECRET_KEY_BASE=1 SECRET_KEY_BASE2", "0000"},
		{"Missing `secret_key_base` for 'production'", "1000"},
		{"Secret_Key_Base", "0000"},
		{"invalid token; TOKEN unset", "0100"},
		{"ENV['API_TOKEN'] ENV.fetch(\"DATABASE_URL\")", "0011"},
		{"api_token database_url", "0011"},
		{"API_TOKENS TOKEN_X X_TOKEN", "0000"},
		{"TOKEN\nTOKEN", "0100"},
		{"", "0000"},
	};
	struct mask_names *m = NULL;
	struct err e = {0};

	T_OK(mask_names_new(names, 4, &m, &e) == 0, "mask_names_new");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t len = strlen(cases[i].text);
		int ok = 1;
		char bits[8];

		for (size_t cut = 0; cut <= len && ok; cut++) {
			names_run(m, 4, cases[i].text, cut, bits);
			ok = strcmp(bits, cases[i].want) == 0;
			if (!ok)
				tap_diag("split at %zu: got %s", cut, bits);
		}
		T_OK(ok, "names case %zu -> %s at every split", i,
		     cases[i].want);
	}
	mask_names_free(m);
}

/* Masks text with mask_new_secrets, whole and split at every position
 * and one byte per read; returns 1 when every way gives want. */
static int secrets_case(const char *what, const char *const *v, size_t nv,
			const char *text, const char *want)
{
	struct mask *m = NULL;
	struct err e = {0};
	size_t n = strlen(text);
	int ok = 1;

	if (mask_new_secrets(v, nv, &m, &e) < 0)
		return T_OK(0, "%s: mask_new_secrets: %s", what, e.msg);
	for (size_t cut = 0; cut <= n && ok; cut++) {
		size_t sizes[2] = {cut ? cut : n, n};
		struct buf b = {0};

		(void)streamed(m, (const unsigned char *)text, n, sizes, 2, &b);
		if (b.len != strlen(want) || memcmp(b.p, want, b.len) != 0) {
			tap_diag("%s: split at %zu: got %s", what, cut,
				 b.p ? b.p : "");
			ok = 0;
		}
		buf_free(&b);
	}
	{
		size_t one = 1;
		struct buf b = {0};

		(void)streamed(m, (const unsigned char *)text, n, &one, 1, &b);
		ok &= b.len == strlen(want) && memcmp(b.p, want, b.len) == 0;
		buf_free(&b);
	}
	mask_free(m);
	return T_OK(ok, "%s", what);
}

TAP_SUITE(mask_secrets_forms)
{
	static const char *const pw[] = {"p@ss w/rd+1"};
	static const char *const url[] = {
		"postgres://app:s3cr%21t-pass@db.internal:5432/app"};
	static const char *const shortpw[] = {"redis://u:ab@cache:6379"};
	struct mask *m = NULL;
	struct err e = {0};

	secrets_case("raw", pw, 1, "v=p@ss w/rd+1\n", "v=***\n");
	secrets_case("encodeURIComponent form", pw, 1,
		     "q=p%40ss%20w%2Frd%2B1&x", "q=***&x");
	secrets_case("form encoding", pw, 1, "q=p%40ss+w%2Frd%2B1&x",
		     "q=***&x");
	/* base64 of the value 0, 1 and 2 bytes into a 3-byte group: the
	 * characters the value alone determines are masked; the last one,
	 * which mixes in padding bits, and the padding stay. */
	secrets_case("base64, aligned", pw, 1, "b=cEBzcyB3L3JkKzE=\n",
		     "b=***E=\n");
	secrets_case("base64, one byte in", pw, 1, "b=eHBAc3Mgdy9yZCsx\n",
		     "b=eH***\n");
	secrets_case("base64, two bytes in", pw, 1, "b=eHlwQHNzIHcvcmQrMQ==\n",
		     "b=eHl***Q==\n");
	secrets_case("base64url", pw, 1, "b=cEBzcyB3L3JkKzE\n", "b=***E\n");
	secrets_case("hex, both cases", pw, 1,
		     "h=7040737320772f72642b31 H=7040737320772F72642B31\n",
		     "h=*** H=***\n");
	secrets_case("JSON string", pw, 1, "{\"k\":\"p@ss w\\/rd+1\"}",
		     "{\"k\":\"***\"}");
	secrets_case("a URL's password alone, decoded and as written", url, 1,
		     "pw=s3cr!t-pass or s3cr%21t-pass; url=postgres://app:"
		     "s3cr%21t-pass@db.internal:5432/app",
		     "pw=*** or ***; url=***");
	secrets_case("a URL's password under MASK_MIN_LEN stays", shortpw, 1,
		     "ab redis://u:ab@cache:6379", "ab ***");
	secrets_case("near misses of encoded forms stay", pw, 1,
		     "7040737320772f72642b3 cEBzcyB3L3JkKx",
		     "7040737320772f72642b3 cEBzcyB3L3JkKx");

	T_OK(mask_new_secrets(pw, 1, &m, &e) == 0, "mask_new_secrets");
	T_INT(mask_count(m), 1, "one value, however many forms");
	mask_free(m);
	/* mask_new stays raw: the same hex passes it. */
	T_OK(mask_new(pw, 1, &m, &e) == 0, "mask_new");
	{
		struct buf b = {0};

		(void)mask_apply(m, STR("7040737320772f72642b31"), &b);
		T_STR(b.p, "7040737320772f72642b31", "mask_new masks raw only");
		buf_free(&b);
	}
	mask_free(m);
}
