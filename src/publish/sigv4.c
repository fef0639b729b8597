/*
 * SigV4 as AWS documents it ("Create a canonical request", "Create a
 * string to sign", "Calculate the signature"): header names lower-cased
 * and sorted, values trimmed with inner spaces folded, the query's
 * parameters sorted by name then value, the key derived date → region →
 * service → "aws4_request" with HMAC-SHA256.
 */
#include "sigv4.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nettle/hmac.h>
#include <nettle/sha2.h>

#include "hex.h"

void sigv4_sha256_hex(char hex[65], const void *data, size_t n)
{
	struct sha256_ctx ctx;
	unsigned char d[SHA256_DIGEST_SIZE];

	sha256_init(&ctx);
	sha256_update(&ctx, n, data);
	sha256_digest(&ctx, sizeof d, d);
	hex_encode(hex, d, sizeof d);
}

void sigv4_amz_date(char out[17], long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	if (strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) != 16)
		out[0] = '\0';
}

static int unreserved(unsigned char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	       (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
	       ch == '_' || ch == '~';
}

int sigv4_uri_encode(struct buf *out, const char *s, size_t n, int keep_slash)
{
	static const char digits[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (unreserved(ch) || (keep_slash && ch == '/')) {
			if (buf_addc(out, (char)ch) < 0)
				return -1;
			continue;
		}
		char pct[3] = {'%', digits[ch >> 4], digits[ch & 15]};

		if (buf_add(out, pct, 3) < 0)
			return -1;
	}
	return 0;
}

static void hmac(unsigned char out[SHA256_DIGEST_SIZE], const void *key,
		 size_t klen, const void *msg, size_t mlen)
{
	struct hmac_sha256_ctx ctx;

	hmac_sha256_set_key(&ctx, klen, key);
	hmac_sha256_update(&ctx, mlen, msg);
	hmac_sha256_digest(&ctx, SHA256_DIGEST_SIZE, out);
	explicit_bzero(&ctx, sizeof ctx);
}

static int token_char(unsigned char ch)
{
	return ch > 0x20 && ch < 0x7f &&
	       strchr("()<>@,;:\\\"/[]?={}", ch) == NULL;
}

struct hdr {
	char *name; /* lower case, owned */
	const char *value;
};

static int hdr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct hdr *)a)->name,
		      ((const struct hdr *)b)->name);
}

/* A value trimmed, runs of spaces and tabs folded to one space. */
static int add_value(struct buf *out, const char *v)
{
	while (*v == ' ' || *v == '\t')
		v++;
	size_t n = strlen(v);

	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	for (size_t i = 0; i < n; i++) {
		if (v[i] == ' ' || v[i] == '\t') {
			while (i + 1 < n &&
			       (v[i + 1] == ' ' || v[i + 1] == '\t'))
				i++;
			if (buf_addc(out, ' ') < 0)
				return -1;
			continue;
		}
		if (buf_addc(out, v[i]) < 0)
			return -1;
	}
	return 0;
}

struct qparam {
	const char *s;
	size_t n;    /* whole "name=value" */
	size_t name; /* length of name */
};

static int qparam_cmp(const void *a, const void *b)
{
	const struct qparam *x = a, *y = b;
	size_t m = x->name < y->name ? x->name : y->name;
	int c = memcmp(x->s, y->s, m);

	if (c != 0 || x->name != y->name)
		return c != 0 ? c : (x->name < y->name ? -1 : 1);
	/* equal names: by value */
	size_t xv = x->n - x->name, yv = y->n - y->name;
	size_t mv = xv < yv ? xv : yv;

	c = memcmp(x->s + x->name, y->s + y->name, mv);
	return c != 0 ? c : (xv < yv ? -1 : xv > yv);
}

/* The query's parameters sorted; a parameter without '=' gets one. */
static int canonical_query(struct buf *out, const char *q)
{
	struct qparam *v = NULL;
	size_t n = 0, cap = 0;
	int rc = -1;

	for (const char *p = q; *p != '\0';) {
		size_t len = strcspn(p, "&");

		if (len > 0) {
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 8;
				struct qparam *nv = realloc(v, nc * sizeof *v);

				if (nv == NULL)
					goto out;
				v = nv;
				cap = nc;
			}
			const char *eq = memchr(p, '=', len);

			v[n++] = (struct qparam){p, len,
						 eq ? (size_t)(eq - p) : len};
		}
		p += len;
		p += *p == '&';
	}
	if (n > 1)
		qsort(v, n, sizeof *v, qparam_cmp);
	for (size_t i = 0; i < n; i++) {
		if ((i > 0 && buf_addc(out, '&') < 0) ||
		    buf_add(out, v[i].s, v[i].n) < 0 ||
		    (v[i].name == v[i].n && buf_addc(out, '=') < 0))
			goto out;
	}
	rc = 0;
out:
	free(v);
	return rc;
}

static int valid_date(const char *d)
{
	if (d == NULL || strlen(d) != 16 || d[8] != 'T' || d[15] != 'Z')
		return 0;
	for (int i = 0; i < 15; i++)
		if (i != 8 && (d[i] < '0' || d[i] > '9'))
			return 0;
	return 1;
}

int sigv4_authorization(const struct sigv4_creds *c,
			const struct sigv4_request *r, struct buf *out,
			struct buf *canonical)
{
	struct hdr *h;
	struct buf creq = {0}, sts = {0}, signed_names = {0}, k = {0};
	unsigned char key[SHA256_DIGEST_SIZE], sig[SHA256_DIGEST_SIZE];
	char hash[65], sighex[65];
	int rc = -1;

	if (!valid_date(r->amz_date)) {
		errno = EINVAL;
		return -1;
	}
	h = calloc(r->nheaders ? r->nheaders : 1, sizeof *h);
	if (h == NULL)
		return -1;
	for (size_t i = 0; i < r->nheaders; i++) {
		const char *nm = r->headers[i].name;
		size_t len = strlen(nm);

		h[i].value = r->headers[i].value;
		h[i].name = malloc(len + 1);
		if (h[i].name == NULL)
			goto out;
		for (size_t j = 0; j <= len; j++) {
			unsigned char ch = (unsigned char)nm[j];

			h[i].name[j] =
				(char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
			if (j < len && !token_char(ch)) {
				errno = EINVAL;
				goto out;
			}
		}
		if (len == 0) {
			errno = EINVAL;
			goto out;
		}
	}
	qsort(h, r->nheaders, sizeof *h, hdr_cmp);

	/* The canonical request. */
	if (buf_printf(&creq, "%s\n%s\n", r->method, r->path) < 0 ||
	    canonical_query(&creq, r->query ? r->query : "") < 0 ||
	    buf_addc(&creq, '\n') < 0)
		goto out;
	for (size_t i = 0; i < r->nheaders; i++) {
		if (buf_printf(&creq, "%s:", h[i].name) < 0 ||
		    add_value(&creq, h[i].value) < 0 ||
		    buf_addc(&creq, '\n') < 0)
			goto out;
		if ((i > 0 && buf_addc(&signed_names, ';') < 0) ||
		    buf_adds(&signed_names, h[i].name) < 0)
			goto out;
	}
	if (buf_addc(&signed_names, '\0') < 0 ||
	    buf_printf(&creq, "\n%s\n%s", signed_names.p, r->payload_sha256) <
		    0)
		goto out;

	/* The string to sign. */
	sigv4_sha256_hex(hash, creq.p, creq.len);
	if (buf_printf(
		    &sts, "AWS4-HMAC-SHA256\n%s\n%.8s/%s/%s/aws4_request\n%s",
		    r->amz_date, r->amz_date, r->region, r->service, hash) < 0)
		goto out;

	/* The signing key and the signature. */
	if (buf_printf(&k, "AWS4%s", c->secret_key) < 0)
		goto out;
	hmac(key, k.p, k.len, r->amz_date, 8);
	hmac(key, key, sizeof key, r->region, strlen(r->region));
	hmac(key, key, sizeof key, r->service, strlen(r->service));
	hmac(key, key, sizeof key, "aws4_request", 12);
	hmac(sig, key, sizeof key, sts.p, sts.len);
	hex_encode(sighex, sig, sizeof sig);

	if (buf_printf(
		    out,
		    "AWS4-HMAC-SHA256 Credential=%s/%.8s/%s/%s/aws4_request, "
		    "SignedHeaders=%s, Signature=%s",
		    c->access_key, r->amz_date, r->region, r->service,
		    signed_names.p, sighex) < 0)
		goto out;
	if (canonical != NULL && buf_add(canonical, creq.p, creq.len) < 0)
		goto out;
	rc = 0;
out:
	explicit_bzero(key, sizeof key);
	for (size_t i = 0; i < r->nheaders; i++)
		free(h[i].name);
	free(h);
	buf_free(&creq);
	buf_free(&sts);
	buf_free(&signed_names);
	buf_free(&k); /* buf_free wipes: it held the secret */
	return rc;
}
