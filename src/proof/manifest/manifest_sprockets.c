/*
 * Sprockets manifests (rails/sprockets lib/sprockets/manifest.rb, 2.x to
 * 4.x): "files" maps each written name to {logical_path, mtime, size,
 * digest, integrity} and "assets" maps logical paths to names in "files".
 * digest is the hex SHA-256 of the file (Sprockets 3 and 4; 2.x wrote an
 * MD5 that mixes in the Sprockets version, which cannot be recomputed, so a
 * 32-digit digest is left alone), integrity its SRI form. The name carries
 * the asset's etag before the extension (asset.rb digest_path): through
 * 4.0.1 the digest itself; from 4.0.2 SHA-256 of config.assets.version
 * followed by the raw digest when a version is set, which Rails' generated
 * config/initializers/assets.rb does ("1.0"). Both are tried; a name that
 * matches neither counts as a mismatch only if another name of the same
 * manifest matched (the version is one per manifest).
 */
#include "manifest_formats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/sha2.h>

#include "buf.h"
#include "manifest_hash.h"
#include "manifest_json.h"
#include "manifest_util.h"
#include "hex.h"

/* The default version of Rails' generated assets initializer. */
#define RAILS_ASSETS_VERSION "1.0"

/* The 64-digit fingerprint before the last extension of name, or NULL. */
static const char *name_fingerprint(const char *name)
{
	const char *base = strrchr(name, '/');
	const char *dot;

	base = base ? base + 1 : name;
	dot = strrchr(base, '.');
	if (dot == NULL || dot - base < 65 || dot[-65] != '-' ||
	    !hex_is_lower(dot - 64, 64))
		return NULL;
	return dot - 64;
}

/* A non-negative JSON integer. */
static int json_uint(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 19)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Checks the name's fingerprint against the bytes' SHA-256. */
static int check_name(struct mf_ctx *c, size_t idx, const char *fp,
		      const unsigned char sha[32])
{
	unsigned char salted[32];
	char plain_hex[65], salted_hex[65];
	struct sha256_ctx ctx;

	hex_encode(plain_hex, sha, 32);
	if (memcmp(fp, plain_hex, 64) == 0)
		return mf_fp_match(c, "Sprockets");
	sha256_init(&ctx);
	sha256_update(&ctx, strlen(RAILS_ASSETS_VERSION),
		      (const uint8_t *)RAILS_ASSETS_VERSION);
	sha256_update(&ctx, 32, sha);
	sha256_digest(&ctx, sizeof salted, salted);
	hex_encode(salted_hex, salted, 32);
	if (memcmp(fp, salted_hex, 64) == 0)
		return mf_fp_match(c, "Sprockets");
	return mf_fp_mismatch(
		c, "Sprockets",
		"SHA-256 of the bytes (Sprockets 3), nor SHA-256 of "
		"config.assets.version \"" RAILS_ASSETS_VERSION
		"\" and that digest (Sprockets 4)",
		idx,
		"the name carries fingerprint %.12s..., but SHA-256 of the "
		"bytes is %.12s... (%.12s... with config.assets.version "
		"\"%s\"): "
		"the file changed after Sprockets named it",
		fp, plain_hex, salted_hex, RAILS_ASSETS_VERSION);
}

/* One entry of "files". */
static int check_file(struct mf_ctx *c, const struct mf_json *j,
		      const struct mf_jnode *e)
{
	const char *name = mf_json_key(j, e), *digest, *sri, *fp;
	const struct mf_jnode *size;
	struct buf problems = {0};
	struct mf_digests d;
	size_t idx, dlen = 0;
	uint64_t want;
	int rc;

	if (e->type != MJ_OBJ)
		return mf_invalid(c, "files[\"%.200s\"] is not an object",
				  name);
	rc = mf_need(c, name, name, e->klen, &idx);
	if (rc <= 0)
		return rc;
	size = mf_json_get(j, e, "size");
	digest = mf_json_getstr(j, e, "digest", &dlen);
	sri = mf_json_getstr(j, e, "integrity", NULL);
	if (size != NULL && size->type != MJ_NULL) {
		if (size->type != MJ_NUM ||
		    json_uint(mf_json_text(j, size), size->len, &want) < 0)
			rc = buf_printf(&problems, "size is not a byte count");
		else if (want != c->files[idx].size)
			rc = buf_printf(&problems,
					"size %llu in the manifest, %llu on "
					"disk",
					(unsigned long long)want,
					(unsigned long long)c->files[idx].size);
		if (rc < 0)
			goto nomem;
	}
	memset(&d, 0, sizeof d);
	d.want = MF_SHA256 | (sri ? mf_sri_algorithms(sri) : 0);
	rc = mf_digests(c, idx, &d);
	if (rc <= 0) {
		buf_free(&problems);
		return rc;
	}
	if (sri != NULL && sri[0] != '\0') {
		char got[128];

		switch (mf_sri_check(sri, &d)) {
		case MF_SRI_MISMATCH:
			mf_sri_format(got, "sha256", d.sha256, 32);
			rc = buf_printf(&problems,
					"%sintegrity does not match the bytes "
					"(they are %s)",
					problems.len ? "; " : "", got);
			break;
		case MF_SRI_BAD:
			rc = buf_printf(&problems,
					"%sintegrity \"%.100s\" is malformed",
					problems.len ? "; " : "", sri);
			break;
		default: rc = 0;
		}
		if (rc < 0)
			goto nomem;
	}
	if (digest != NULL && dlen == 64) {
		char hex[65];

		hex_encode(hex, d.sha256, 32);
		if (strcmp(digest, hex) != 0 &&
		    buf_printf(&problems,
			       "%sdigest %.12s... is not SHA-256 of the bytes "
			       "(%.12s...)",
			       problems.len ? "; " : "", digest, hex) < 0)
			goto nomem;
	} else if (digest != NULL && dlen != 32) {
		if (buf_printf(&problems, "%sdigest is not a hex SHA-256",
			       problems.len ? "; " : "") < 0)
			goto nomem;
	}
	rc = 0;
	if (problems.len > 0)
		rc = mf_report(c, FIND_ERROR, "manifest", idx, "%s",
			       problems.p);
	buf_free(&problems);
	if (rc < 0)
		return -1;
	fp = name_fingerprint(c->files[idx].rel);
	return fp ? check_name(c, idx, fp, d.sha256) : 0;
nomem:
	buf_free(&problems);
	return mf_nomem(c);
}

int mf_check_sprockets(struct mf_ctx *c, const struct mf_json *j)
{
	const struct mf_jnode *root = &j->v[0];
	const struct mf_jnode *files = mf_json_get(j, root, "files");
	const struct mf_jnode *assets = mf_json_get(j, root, "assets");
	struct mf_keys keys;
	int rc = 0;

	if (files != NULL && files->type != MJ_OBJ)
		return mf_reject(c, "\"files\" is not an object");
	if (assets != NULL && assets->type != MJ_OBJ)
		return mf_reject(c, "\"assets\" is not an object");
	if (files == NULL && assets == NULL)
		return mf_reject(c, "it has neither \"files\" nor \"assets\"");
	c->m->entries = files ? files->n : 0;
	for (const struct mf_jnode *e = files ? mf_json_first(j, files) : NULL;
	     e && rc == 0; e = mf_json_next(j, e))
		rc = check_file(c, j, e);
	if (rc < 0 || assets == NULL)
		return rc;
	if (mf_keys_init(&keys, j, files) < 0)
		return mf_nomem(c);
	for (const struct mf_jnode *a = mf_json_first(j, assets); a && rc == 0;
	     a = mf_json_next(j, a)) {
		const char *logical = mf_json_key(j, a);

		if (a->type != MJ_STR) {
			rc = mf_invalid(c, "assets[\"%.200s\"] is not a string",
					logical);
			continue;
		}
		if (mf_keys_find(&keys, mf_json_text(j, a), a->len) == NULL)
			rc = mf_report(c, FIND_ERROR, "manifest", SIZE_MAX,
				       "assets maps \"%.200s\" to \"%.200s\", "
				       "which \"files\" does not list",
				       logical, mf_json_text(j, a));
	}
	mf_keys_free(&keys);
	return rc;
}
