/*
 * Django's staticfiles.json (django/contrib/staticfiles/storage.py,
 * ManifestFilesMixin): {"paths": {name: hashed_name}, "version": "1.0" or
 * "1.1", "hash": ...}; Django refuses any other version. hashed_name
 * inserts ".<12 hex>" before the extension (os.path.splitext) of name, in
 * the same directory ("LICENSE" becomes "LICENSE.<hash>", ".htaccess"
 * ".htaccess.<hash>"): the first 12 hex digits of MD5 of the content that
 * was saved under it. For files post_process rewrites (CSS url()s, JS
 * imports), that is the final, rewritten content, which is also what is
 * stored, so every hashed name is recomputed from the stored bytes; the
 * scheme is fixed, so a mismatch is an error at once. collectstatic also
 * stores every file under its original name (the keys). Version 1.1 adds
 * "hash": the first 12 hex digits of MD5 of json.dumps(sorted(paths.items())),
 * which is recomputed here too.
 */
#include "manifest_formats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/md5.h>

#include "buf.h"
#include "manifest_hash.h"
#include "manifest_json.h"
#include "manifest_util.h"
#include "hex.h"

/* Python's os.path.splitext on a base name: the extension starts at the
 * last dot, unless only dots precede it. Returns its offset (len when
 * there is none). */
static size_t splitext(const char *base, size_t len)
{
	size_t dot = len, lead = 0;

	while (lead < len && base[lead] == '.')
		lead++;
	for (size_t i = len; i > lead; i--) {
		if (base[i - 1] == '.') {
			dot = i - 1;
			break;
		}
	}
	return dot;
}

/* Where splitext puts the extension of a path's base name, as an offset
 * into the whole path. */
static size_t ext_at(const char *name, size_t len)
{
	const char *slash = NULL;
	size_t b;

	for (size_t i = 0; i < len; i++)
		if (name[i] == '/')
			slash = name + i;
	b = slash ? (size_t)(slash - name) + 1 : 0;
	return b + splitext(name + b, len - b);
}

/* Where the ".<12 hex>" of hashed starts when hashed is name with it
 * spliced in before the extension, as hashed_name() does; else SIZE_MAX. */
static size_t spliced_at(const char *name, size_t nlen, const char *hashed,
			 size_t hlen)
{
	size_t at = ext_at(name, nlen);

	if (hlen != nlen + 13 || memcmp(hashed, name, at) != 0 ||
	    hashed[at] != '.' || !hex_is_lower(hashed + at + 1, 12) ||
	    memcmp(hashed + at + 13, name + at, nlen - at) != 0)
		return SIZE_MAX;
	return at;
}

/* A ".<12 hex>" just before the extension of hashed (or ending it), for a
 * name that is not what hashed_name() would make; or SIZE_MAX. */
static size_t any_hash_at(const char *hashed, size_t len)
{
	size_t at = ext_at(hashed, len);

	if (at >= 13 && hashed[at - 13] == '.' &&
	    hex_is_lower(hashed + at - 12, 12))
		return at - 13;
	if (len >= 13 && hashed[len - 13] == '.' &&
	    hex_is_lower(hashed + len - 12, 12))
		return len - 13;
	return SIZE_MAX;
}

/* Python's json.dumps escaping of one string (ensure_ascii: everything
 * outside ' '..'~' as \uXXXX, characters beyond the BMP as a surrogate
 * pair). The text is valid UTF-8: libyaml checked it. */
static int py_string(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	int rc = buf_addc(b, '"');

	for (size_t i = 0; i < n && rc == 0;) {
		unsigned long cp = p[i];
		size_t k = 1;

		if (cp >= 0xF0)
			cp &= 0x07, k = 4;
		else if (cp >= 0xE0)
			cp &= 0x0F, k = 3;
		else if (cp >= 0xC0)
			cp &= 0x1F, k = 2;
		for (size_t m = 1; m < k && i + m < n; m++)
			cp = (cp << 6) | (p[i + m] & 0x3F);
		i += k;
		if (cp == '"' || cp == '\\')
			rc = buf_printf(b, "\\%c", (char)cp);
		else if (cp == '\n')
			rc = buf_adds(b, "\\n");
		else if (cp == '\r')
			rc = buf_adds(b, "\\r");
		else if (cp == '\t')
			rc = buf_adds(b, "\\t");
		else if (cp == '\b')
			rc = buf_adds(b, "\\b");
		else if (cp == '\f')
			rc = buf_adds(b, "\\f");
		else if (cp >= 0x20 && cp <= 0x7e)
			rc = buf_addc(b, (char)cp);
		else if (cp < 0x10000)
			rc = buf_printf(b, "\\u%04lx", cp);
		else
			rc = buf_printf(b, "\\u%04lx\\u%04lx",
					0xD800 + ((cp - 0x10000) >> 10),
					0xDC00 + ((cp - 0x10000) & 0x3FF));
	}
	if (rc == 0)
		rc = buf_addc(b, '"');
	return rc;
}

int mf_django_hash(const struct mf_json *j, const struct mf_jnode *paths,
		   char *dst)
{
	struct mf_keys keys;
	struct buf b = {0};
	struct md5_ctx ctx;
	unsigned char md[16];
	char hex[33];
	int rc = 0;

	if (mf_keys_init(&keys, j, paths) < 0)
		return -1;
	rc = buf_addc(&b, '[');
	for (size_t i = 0; i < keys.n && rc == 0; i++) {
		const struct mf_jnode *v = keys.v[i].node;

		/* A duplicate key: Python kept only the last. */
		if (i + 1 < keys.n && keys.v[i + 1].len == keys.v[i].len &&
		    memcmp(keys.v[i + 1].key, keys.v[i].key, keys.v[i].len) ==
			    0)
			continue;
		if ((b.len > 1 && buf_adds(&b, ", ") < 0) ||
		    buf_addc(&b, '[') < 0 ||
		    py_string(&b, keys.v[i].key, keys.v[i].len) < 0 ||
		    buf_adds(&b, ", ") < 0 ||
		    py_string(&b, mf_json_text(j, v), v->len) < 0 ||
		    buf_addc(&b, ']') < 0)
			rc = -1;
	}
	if (rc == 0)
		rc = buf_addc(&b, ']');
	if (rc == 0) {
		md5_init(&ctx);
		md5_update(&ctx, b.len, (const uint8_t *)b.p);
		md5_digest(&ctx, sizeof md, md);
		hex_encode(hex, md, sizeof md);
		memcpy(dst, hex, 12);
		dst[12] = '\0';
	}
	buf_free(&b);
	mf_keys_free(&keys);
	return rc;
}

/* One name: hashed entry of "paths". */
static int check_path(struct mf_ctx *c, const struct mf_json *j,
		      const struct mf_jnode *e, int *all_strings)
{
	const char *name = mf_json_key(j, e), *hashed = mf_json_text(j, e);
	size_t idx, at, klen = e->klen;
	struct mf_digests d;
	char hex[33];
	int rc;

	if (e->type != MJ_STR) {
		*all_strings = 0;
		return mf_invalid(c, "paths[\"%.200s\"] is not a string", name);
	}
	/* The original is stored too; it is no error if it is not. */
	if (mf_resolve(c, name, klen, &idx) == MF_FOUND)
		mf_mention(c, idx);
	rc = mf_need(c, name, hashed, e->len, &idx);
	if (rc <= 0)
		return rc;
	if (e->len == klen && memcmp(hashed, name, klen) == 0) {
		/* A storage whose file_hash() gives nothing. */
		mf_fp_unverifiable(c);
		return mf_report(c, FIND_INFO, "fingerprint", idx,
				 "the name carries no fingerprint; not "
				 "recomputed");
	}
	at = spliced_at(name, klen, hashed, e->len);
	if (at == SIZE_MAX) {
		rc = mf_report(c, FIND_ERROR, "manifest", idx,
			       "%s maps \"%.200s\" to this file, whose name is "
			       "not that name with a fingerprint",
			       c->m->path, name);
		at = any_hash_at(hashed, e->len);
		if (rc < 0 || at == SIZE_MAX)
			return rc;
	}
	memset(&d, 0, sizeof d);
	d.want = MF_MD5;
	rc = mf_digests(c, idx, &d);
	if (rc <= 0)
		return rc;
	hex_encode(hex, d.md5, 16);
	if (memcmp(hex, hashed + at + 1, 12) == 0) {
		c->r->fp_recomputed++;
		return 0;
	}
	return mf_fp_error(c, idx,
			   "the name carries fingerprint %.12s, but MD5 of "
			   "the bytes begins %.12s: the file changed after "
			   "collectstatic named it",
			   hashed + at + 1, hex);
}

int mf_check_django(struct mf_ctx *c, const struct mf_json *j)
{
	const struct mf_jnode *root = &j->v[0];
	const struct mf_jnode *paths = mf_json_get(j, root, "paths");
	const char *version = mf_json_getstr(j, root, "version", NULL);
	const char *hash = mf_json_getstr(j, root, "hash", NULL);
	int rc = 0, all_strings = 1;
	char want[13];

	if (version == NULL ||
	    (strcmp(version, "1.0") != 0 && strcmp(version, "1.1") != 0))
		return mf_reject(c, "\"version\" is not \"1.0\" or \"1.1\", "
				    "so Django would refuse it");
	if (paths == NULL || paths->type != MJ_OBJ)
		return mf_reject(c, "\"paths\" is missing or not an object");
	c->m->entries = paths->n;
	for (const struct mf_jnode *e = mf_json_first(j, paths); e && rc >= 0;
	     e = mf_json_next(j, e))
		rc = check_path(c, j, e, &all_strings);
	if (rc < 0 || hash == NULL || hash[0] == '\0' || !all_strings)
		return rc < 0 ? -1 : 0;
	if (mf_django_hash(j, paths, want) < 0)
		return mf_nomem(c);
	if (strcmp(hash, want) != 0)
		return mf_report(
			c, FIND_ERROR, "manifest", SIZE_MAX,
			"\"hash\" is %.20s, but the paths hash to %s: "
			"the manifest was edited after Django wrote it",
			hash, want);
	return 0;
}
