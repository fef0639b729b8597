/*
 * webpack manifests, of the two plugins that write them.
 * webpack-manifest-plugin (shellscape/webpack-manifest-plugin src/hooks.ts)
 * writes manifest.json as {name: publicPath + file}, where a publicPath of
 * "auto" counts as none and any other gets a '/' appended when it lacks
 * one (older versions glued "auto" on as "auto/"); the public path is
 * inferred here as the prefix that makes the values files of the root
 * (public_path) and said in the result.
 * webpack-assets-manifest (webdeveric/webpack-assets-manifest src/plugin.ts)
 * writes assets-manifest.json as {name: file}, or {name: {src, integrity}}
 * with integrity on (several space-separated SRI hashes; "" for assets it
 * has none for), and with entrypoints on an "entrypoints" object of lists
 * of files per entry and extension.
 *
 * Fingerprints: webpack 5's realContentHash renames every [contenthash] to
 * the hash of the final bytes (lib/optimize/RealContentHashPlugin.js): the
 * hex digest of output.hashFunction (md4 by default, xxhash64 with
 * futureDefaults) cut to the original length (hashDigestLength, 20), taken
 * over the bytes with the file's own hash removed when it names itself (a
 * sourceMappingURL). Both functions are tried, with and without that
 * removal. [chunkhash] names are not rewritten and cannot be recomputed, so
 * a mismatch counts only where a name of the same kind (JavaScript, or
 * anything else) matched. Source maps, license files and compressed copies
 * carry the hash of the file they belong to and are skipped.
 */
#include "manifest_formats.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "manifest_hash.h"
#include "manifest_json.h"
#include "manifest_util.h"
#include "vec.h"
#include "hex.h"

struct item {
	const char *key;
	const char *path;
	size_t len;
	const char *sri;
};

struct items {
	struct item *v;
	size_t n, cap;
};

static int add_item(struct items *it, const char *key, const char *path,
		    size_t len, const char *sri)
{
	if (vec_grow((void **)&it->v, &it->cap, it->n + 1, sizeof *it->v) < 0)
		return -1;
	it->v[it->n++] = (struct item){key, path, len, sri};
	return 0;
}

/* An entry value: a file name or {src, integrity}. 1 when added, 0 when
 * it is neither. */
static int add_value(struct items *it, const struct mf_json *j, const char *key,
		     const struct mf_jnode *v)
{
	const char *src;
	size_t len = 0;

	if (v->type == MJ_STR)
		return add_item(it, key, mf_json_text(j, v), v->len, NULL) < 0
			       ? -1
			       : 1;
	if (v->type == MJ_OBJ &&
	    (src = mf_json_getstr(j, v, "src", &len)) != NULL)
		return add_item(it, key, src, len,
				mf_json_getstr(j, v, "integrity", NULL)) < 0
			       ? -1
			       : 1;
	return 0;
}

/* Every file the entrypoints object lists, however deep (entry, then
 * "assets"/"prefetch"/"preload", then extension, in version 6). The depth
 * is bounded by the JSON reader's. */
static int add_entrypoints(struct mf_ctx *c, struct items *it,
			   const struct mf_json *j, const struct mf_jnode *n)
{
	for (const struct mf_jnode *v = mf_json_first(j, n); v;
	     v = mf_json_next(j, v)) {
		int rc = add_value(it, j, "entrypoints", v);

		if (rc < 0)
			return mf_nomem(c);
		if (rc == 1)
			continue;
		if (v->type == MJ_OBJ || v->type == MJ_ARR) {
			if (add_entrypoints(c, it, j, v) < 0)
				return -1;
		} else if (mf_invalid(c,
				      "\"entrypoints\" holds a value that is "
				      "not a file name") < 0) {
			return -1;
		}
	}
	return 0;
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t sn = strlen(suffix);

	return n > sn && strcmp(s + n - sn, suffix) == 0;
}

static int is_delim(char ch)
{
	return ch == '.' || ch == '-' || ch == '_';
}

/* The last run of 8 to 32 lower-case hex digits, with a digit among them,
 * delimited by '.', '-', '_' or the ends, before the extension of the
 * base name. */
static const char *hash_run(const char *rel, size_t *n)
{
	const char *base = strrchr(rel, '/'), *end, *found = NULL;

	base = base ? base + 1 : rel;
	end = strrchr(base, '.');
	if (end == NULL)
		end = base + strlen(base);
	for (const char *p = base; p < end;) {
		const char *q = p;
		int digit = 0, hex = 1;

		while (q < end && !is_delim(*q)) {
			if (*q >= '0' && *q <= '9')
				digit = 1;
			else if (!(*q >= 'a' && *q <= 'f'))
				hex = 0;
			q++;
		}
		if (hex && digit && q - p >= 8 && q - p <= 32) {
			found = p;
			*n = (size_t)(q - p);
		}
		p = q + 1;
	}
	return found;
}

static int check_name(struct mf_ctx *c, size_t idx)
{
	const char *rel = c->files[idx].rel, *run, *group;
	size_t len = strlen(rel), n = 0;
	char md4[33], md4s[33], xxh[17], xxhs[17];
	struct mf_digests d;
	int rc;

	if (ends_with(rel, len, ".map") ||
	    ends_with(rel, len, ".LICENSE.txt") || ends_with(rel, len, ".gz") ||
	    ends_with(rel, len, ".br"))
		return 0;
	run = hash_run(rel, &n);
	if (run == NULL)
		return 0;
	memset(&d, 0, sizeof d);
	d.want = MF_MD4 | (n <= 16 ? MF_XXH64 : 0);
	d.strip = run;
	d.striplen = n;
	rc = mf_digests(c, idx, &d);
	if (rc <= 0)
		return rc;
	hex_encode(md4, d.md4, 16);
	hex_encode(md4s, d.md4_strip, 16);
	hex_encode(xxh, d.xxh64, 8);
	hex_encode(xxhs, d.xxh64_strip, 8);
	group = ends_with(rel, len, ".js") || ends_with(rel, len, ".mjs") ||
				ends_with(rel, len, ".cjs")
			? "webpack JavaScript"
			: "webpack non-JavaScript";
	if (memcmp(run, md4, n) == 0 || memcmp(run, md4s, n) == 0 ||
	    (n <= 16 &&
	     (memcmp(run, xxh, n) == 0 || memcmp(run, xxhs, n) == 0)))
		return mf_fp_match(c, group);
	if (n <= 16)
		return mf_fp_mismatch(
			c, group, "MD4 or XXH64 of the bytes", idx,
			"the name carries fingerprint %.*s, but MD4 of the "
			"bytes begins %.*s and XXH64 is %.*s: the file changed "
			"after webpack named it",
			(int)n, run, (int)n, md4, (int)n, xxh);
	return mf_fp_mismatch(c, group, "MD4 or XXH64 of the bytes", idx,
			      "the name carries fingerprint %.*s, but MD4 of "
			      "the bytes begins %.*s: the file changed after "
			      "webpack named it",
			      (int)n, run, (int)n, md4);
}

/* How many names are files of the root once cand bytes are cut. */
static size_t resolved(struct mf_ctx *c, const char *const *names, size_t n,
		       size_t cand)
{
	size_t count = 0, idx;

	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]);

		if (len > cand && mf_resolve(c, names[i] + cand, len - cand,
					     &idx) == MF_FOUND)
			count++;
	}
	return count;
}

/* The prefix every value carries and that makes the most of them files of
 * the root (webpack's publicPath): "" when none. names[i] are the values.
 * Returns the prefix length. */
static size_t public_path(struct mf_ctx *c, const char *const *names, size_t n)
{
	size_t lcp, best = 0, best_count = 0;

	if (n == 0)
		return 0;
	lcp = strlen(names[0]);
	for (size_t i = 1; i < n; i++) {
		size_t k = 0;

		while (k < lcp && names[i][k] == names[0][k])
			k++;
		lcp = k;
	}
	/* Candidates: nothing, then every prefix of the common part that
	 * ends in '/' ("/static/", or "auto/" that old versions of
	 * webpack-manifest-plugin wrote); only when those leave names
	 * unresolved, every other prefix (a publicPath without its '/').
	 * The shortest of equally good candidates wins: it assumes least. */
	for (int pass = 0; pass < 2 && best_count < n; pass++) {
		size_t tried = 0;

		/* Bounded, like the 32 candidates of each pass: a hostile
		 * manifest must not make this quadratic. */
		if (pass == 1 && (lcp > 64 || n > ((size_t)1 << 16)))
			break;

		for (size_t cand = 0; cand <= lcp && tried < 32; cand++) {
			int slash = cand == 0 || names[0][cand - 1] == '/';
			size_t count;

			if (slash != (pass == 0))
				continue;
			tried++;
			count = resolved(c, names, n, cand);
			if (count > best_count ||
			    (count == best_count && count > 0 && cand < best)) {
				best = cand;
				best_count = count;
			}
		}
	}
	return best;
}

int mf_check_webpack(struct mf_ctx *c, const struct mf_json *j)
{
	const struct mf_jnode *root = &j->v[0];
	struct items it = {0};
	const char **names = NULL;
	size_t pre;
	int rc = 0;

	for (const struct mf_jnode *e = mf_json_first(j, root); e && rc == 0;
	     e = mf_json_next(j, e)) {
		const char *key = mf_json_key(j, e);

		if (strcmp(key, "entrypoints") == 0 && e->type == MJ_OBJ) {
			rc = add_entrypoints(c, &it, j, e);
			continue;
		}
		c->m->entries++;
		rc = add_value(&it, j, key, e);
		if (rc < 0)
			rc = mf_nomem(c);
		else if (rc == 0)
			rc = mf_invalid(
				c,
				"\"%.200s\" maps to neither a file name "
				"nor {src, integrity}",
				key);
		else
			rc = 0;
	}
	if (rc < 0)
		goto out;
	names = calloc(it.n ? it.n : 1, sizeof *names);
	if (names == NULL) {
		rc = mf_nomem(c);
		goto out;
	}
	for (size_t i = 0; i < it.n; i++)
		names[i] = it.v[i].path;
	pre = public_path(c, names, it.n);
	c->m->public_path = strndup(it.n ? it.v[0].path : "", pre);
	if (c->m->public_path == NULL) {
		rc = mf_nomem(c);
		goto out;
	}
	if (pre > 0 &&
	    (rc = mf_report(c, FIND_INFO, "manifest", SIZE_MAX,
			    "stripped the publicPath \"%.200s\" from every "
			    "value to find the files",
			    c->m->public_path)) < 0)
		goto out;
	for (size_t i = 0; i < it.n && rc >= 0; i++) {
		const struct item *t = &it.v[i];
		struct buf problems = {0};
		size_t idx;

		rc = mf_need(c, t->key, t->path + (t->len > pre ? pre : t->len),
			     t->len > pre ? t->len - pre : 0, &idx);
		if (rc <= 0 || t->sri == NULL || t->sri[0] == '\0')
			continue;
		rc = mf_check_integrity(c, idx, t->sri, &problems);
		if (rc == 0 && problems.len > 0)
			rc = mf_report(c, FIND_ERROR, "manifest", idx, "%s",
				       problems.p);
		buf_free(&problems);
	}
	for (size_t i = 0; i < c->nfiles && rc >= 0; i++)
		if (c->seen[i])
			rc = check_name(c, i);
	rc = rc < 0 ? -1 : 0;
out:
	free(names);
	free(it.v);
	return rc;
}
