/*
 * Vite manifests (vitejs/vite packages/vite/src/node/plugins/manifest.ts;
 * ManifestChunk in Vite 8's index.d.ts): an object keyed by the source path
 * of each chunk or asset relative to the project root ("index.html",
 * "src/main.js") or by "_" and the file name for chunks without one. A
 * value has file (the output, relative to outDir), and may have src, name,
 * isEntry, isDynamicEntry, isWorker, isWorkerEntry, css[] and assets[]
 * (outputs), imports[] and dynamicImports[] (keys of the manifest). An
 * HTML entry is written to outDir under its key, so the key names an
 * output too. Vite 8 names files with Rolldown's 8-character base64url
 * hash, which (as Rollup's [hash] for chunks) covers a chunk together with
 * its dependencies and is not a plain digest of the bytes written: neither
 * SHA-1, SHA-256, SHA-512 nor MD5 of a real build's outputs give it. Those
 * names are counted as not recomputable, never as verified.
 */
#include "manifest_formats.h"

#include <string.h>

#include "manifest_json.h"
#include "manifest_util.h"

/* Rollup and Rolldown hashes: "-" and 8 characters of [A-Za-z0-9_-] just
 * before the extension. */
static int has_bundler_hash(const char *rel)
{
	const char *base = strrchr(rel, '/'), *dot;

	base = base ? base + 1 : rel;
	dot = strrchr(base, '.');
	if (dot == NULL || dot - base < 10 || dot[-9] != '-')
		return 0;
	for (const char *p = dot - 8; p < dot; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z') || *p == '_' || *p == '-'))
			return 0;
	return 1;
}

/* css[] or assets[]: outputs. */
static int check_files(struct mf_ctx *c, const struct mf_json *j,
		       const struct mf_jnode *e, const char *field)
{
	const struct mf_jnode *list = mf_json_get(j, e, field);
	const char *key = mf_json_key(j, e);
	int rc = 0;

	if (list == NULL)
		return 0;
	if (list->type != MJ_ARR)
		return mf_invalid(c, "%s of \"%.200s\" is not a list", field,
				  key);
	for (const struct mf_jnode *s = mf_json_first(j, list); s && rc >= 0;
	     s = mf_json_next(j, s)) {
		size_t idx;

		if (s->type != MJ_STR)
			rc = mf_invalid(c,
					"%s of \"%.200s\" holds a non-string",
					field, key);
		else
			rc = mf_need(c, key, mf_json_text(j, s), s->len, &idx);
	}
	return rc < 0 ? -1 : 0;
}

/* imports[] or dynamicImports[]: keys. */
static int check_keys(struct mf_ctx *c, const struct mf_json *j,
		      const struct mf_keys *keys, const struct mf_jnode *e,
		      const char *field)
{
	const struct mf_jnode *list = mf_json_get(j, e, field);
	const char *key = mf_json_key(j, e);
	int rc = 0;

	if (list == NULL)
		return 0;
	if (list->type != MJ_ARR)
		return mf_invalid(c, "%s of \"%.200s\" is not a list", field,
				  key);
	for (const struct mf_jnode *s = mf_json_first(j, list); s && rc == 0;
	     s = mf_json_next(j, s)) {
		if (s->type != MJ_STR)
			rc = mf_invalid(c,
					"%s of \"%.200s\" holds a non-string",
					field, key);
		else if (mf_keys_find(keys, mf_json_text(j, s), s->len) == NULL)
			rc = mf_report(c, FIND_ERROR, "manifest", SIZE_MAX,
				       "\"%.200s\" lists \"%.200s\" in %s, "
				       "which is not an entry of the manifest",
				       key, mf_json_text(j, s), field);
	}
	return rc;
}

int mf_check_vite(struct mf_ctx *c, const struct mf_json *j)
{
	const struct mf_jnode *root = &j->v[0];
	struct mf_keys keys;
	size_t hashed = 0;
	int rc = 0;

	c->m->entries = root->n;
	if (mf_keys_init(&keys, j, root) < 0)
		return mf_nomem(c);
	for (const struct mf_jnode *e = mf_json_first(j, root); e && rc == 0;
	     e = mf_json_next(j, e)) {
		const char *key = mf_json_key(j, e), *file;
		const struct mf_jnode *entry;
		size_t len = 0, idx, klen = strlen(key);

		if (e->type != MJ_OBJ ||
		    (file = mf_json_getstr(j, e, "file", &len)) == NULL) {
			rc = mf_invalid(c, "\"%.200s\" has no \"file\"", key);
			continue;
		}
		rc = mf_need(c, key, file, len, &idx);
		if (rc < 0)
			break;
		entry = mf_json_get(j, e, "isEntry");
		if (klen > 5 && strcmp(key + klen - 5, ".html") == 0 &&
		    entry != NULL && entry->type == MJ_BOOL &&
		    mf_json_text(j, entry)[0] == 't' &&
		    mf_resolve(c, key, e->klen, &idx) == MF_FOUND)
			mf_mention(c, idx);
		rc = check_files(c, j, e, "css");
		if (rc == 0)
			rc = check_files(c, j, e, "assets");
		if (rc == 0)
			rc = check_keys(c, j, &keys, e, "imports");
		if (rc == 0)
			rc = check_keys(c, j, &keys, e, "dynamicImports");
	}
	mf_keys_free(&keys);
	if (rc < 0)
		return -1;
	for (size_t i = 0; i < c->nfiles; i++) {
		if (c->seen[i] && has_bundler_hash(c->files[i].rel)) {
			hashed++;
			mf_fp_unverifiable(c);
		}
	}
	if (hashed > 0)
		return mf_report(c, FIND_INFO, "fingerprint", SIZE_MAX,
				 "fingerprints of Vite files cannot be "
				 "recomputed from the output bytes: "
				 "Rolldown's 8-character hashes cover a chunk "
				 "with its dependencies and are not a plain "
				 "digest of the bytes written (%zu name%s not "
				 "recomputed)",
				 hashed, hashed == 1 ? "" : "s");
	return 0;
}
