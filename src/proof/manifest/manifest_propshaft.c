/*
 * Propshaft manifests (rails/propshaft lib/propshaft/manifest.rb): one
 * object from logical path to the digested path (0.x), or to
 * {digested_path, integrity} (1.2 and later; integrity is null unless
 * config.assets.integrity_hash_algorithm is set, and an "app" flag may
 * follow). The digest in a name (asset.rb) is SHA-1 of the source, of the
 * sources it references and of config.assets.version ("1" by default),
 * cut to 8 hex digits since 0.9 and 40 before. Only files no compiler
 * touches and that reference nothing can be recomputed from their bytes:
 * for those (everything but CSS and JavaScript) SHA-1 of the bytes and of
 * the bytes followed by "1" are tried, and a mismatch counts where another
 * such name matched. A CSS or JavaScript file whose name matches counts as
 * recomputed; one that does not is not recomputable (Propshaft rewrote its
 * url()s or digested its references too).
 */
#include "manifest_formats.h"

#include <string.h>

#include "buf.h"
#include "manifest_hash.h"
#include "manifest_json.h"
#include "manifest_util.h"
#include "hex.h"

#define PROPSHAFT_VERSION "1"

static int is_word(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c == '_';
}

/* Start of the extension Propshaft splices the digest before: the last
 * ".\w+", with ".map" after it for source maps. NULL when none. */
static const char *extension(const char *base)
{
	const char *dot = strrchr(base, '.'), *p;
	size_t len = strlen(base);

	if (dot == NULL || dot[1] == '\0')
		return NULL;
	for (p = dot + 1; *p; p++)
		if (!is_word(*p))
			return NULL;
	if (len > 4 && strcmp(base + len - 4, ".map") == 0 && dot > base) {
		const char *prev = dot - 1;

		while (prev > base && is_word(*prev))
			prev--;
		if (*prev == '.' && prev < dot - 1)
			return prev;
	}
	return dot;
}

/* The 8- or 40-digit digest in a digested name; sets *n. */
static const char *name_digest(const char *rel, size_t *n)
{
	const char *base = strrchr(rel, '/');
	const char *ext;

	base = base ? base + 1 : rel;
	ext = extension(base);
	if (ext == NULL)
		return NULL;
	for (size_t k = 40;; k = 8) {
		if ((size_t)(ext - base) > k && ext[-(long)k - 1] == '-' &&
		    hex_is_lower(ext - k, k)) {
			*n = k;
			return ext - k;
		}
		if (k == 8)
			return NULL;
	}
}

static int compiled(const char *rel)
{
	size_t n = strlen(rel);

	return (n > 4 && strcmp(rel + n - 4, ".css") == 0) ||
	       (n > 3 && strcmp(rel + n - 3, ".js") == 0) ||
	       (n > 4 && strcmp(rel + n - 4, ".map") == 0);
}

static int check_name(struct mf_ctx *c, size_t idx, size_t *not_recomputed)
{
	const char *rel = c->files[idx].rel, *fp;
	char plain[41], salted[41];
	struct mf_digests d;
	size_t n = 0;
	int rc;

	fp = name_digest(rel, &n);
	if (fp == NULL)
		return 0;
	memset(&d, 0, sizeof d);
	d.want = MF_SHA1;
	d.suffix = PROPSHAFT_VERSION;
	d.suffixlen = strlen(PROPSHAFT_VERSION);
	rc = mf_digests(c, idx, &d);
	if (rc <= 0)
		return rc;
	hex_encode(plain, d.sha1, 20);
	hex_encode(salted, d.sha1_suffix, 20);
	if (memcmp(fp, salted, n) == 0 || memcmp(fp, plain, n) == 0)
		return mf_fp_match(c, compiled(rel) ? "Propshaft CSS/JS"
						    : "Propshaft");
	if (compiled(rel)) {
		(*not_recomputed)++;
		mf_fp_unverifiable(c);
		return 0;
	}
	return mf_fp_mismatch(
		c, "Propshaft",
		"SHA-1 of the bytes and config.assets.version "
		"\"" PROPSHAFT_VERSION "\"",
		idx,
		"the name carries digest %.*s, but SHA-1 of the bytes and "
		"config.assets.version \"%s\" begins %.*s: the file changed "
		"after Propshaft named it",
		(int)n, fp, PROPSHAFT_VERSION, (int)n, salted);
}

int mf_check_propshaft(struct mf_ctx *c, const struct mf_json *j)
{
	const struct mf_jnode *root = &j->v[0];
	size_t not_recomputed = 0;
	int rc = 0;

	c->m->entries = root->n;
	for (const struct mf_jnode *e = mf_json_first(j, root); e && rc == 0;
	     e = mf_json_next(j, e)) {
		const char *logical = mf_json_key(j, e), *path, *sri = NULL;
		struct buf problems = {0};
		size_t len = 0, idx;

		if (e->type == MJ_STR) {
			path = mf_json_text(j, e);
			len = e->len;
		} else if (e->type == MJ_OBJ &&
			   (path = mf_json_getstr(j, e, "digested_path",
						  &len)) != NULL) {
			sri = mf_json_getstr(j, e, "integrity", NULL);
		} else {
			rc = mf_invalid(c,
					"\"%.200s\" maps to neither a path nor "
					"{digested_path, integrity}",
					logical);
			continue;
		}
		rc = mf_need(c, logical, path, len, &idx);
		if (rc <= 0)
			continue;
		rc = 0;
		if (sri != NULL)
			rc = mf_check_integrity(c, idx, sri, &problems);
		if (rc == 0 && problems.len > 0)
			rc = mf_report(c, FIND_ERROR, "manifest", idx, "%s",
				       problems.p);
		buf_free(&problems);
		if (rc == 0)
			rc = check_name(c, idx, &not_recomputed);
		if (rc > 0)
			rc = 0;
	}
	if (rc == 0 && not_recomputed > 0)
		rc = mf_report(c, FIND_INFO, "fingerprint", SIZE_MAX,
			       "%zu Propshaft CSS/JavaScript name%s not "
			       "recomputed: Propshaft digests the source and "
			       "the files it references, and rewrites url()s, "
			       "so the output bytes do not give the digest",
			       not_recomputed,
			       not_recomputed == 1 ? " was" : "s were");
	return rc;
}
