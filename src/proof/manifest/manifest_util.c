/*
 * The helpers every manifest format uses (manifest_util.h): the names a
 * manifest gives resolved against the walked files by binary search over
 * their sorted view (never outside the root), findings with paths relative
 * to the workdir, digests read only when the view's SHA-256 is not enough,
 * and the fingerprint votes (a mismatch only counts where the framework's
 * scheme demonstrably applies). The dispatcher and the formats call in;
 * nothing here calls out to either.
 */
#include "manifest_util.h"
#include "vec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mf_group {
	char *name;
	const char *scheme;
	size_t match, unverified;
};

struct mf_pending {
	size_t group, idx;
	char *msg;
};

int mf_ctx_init(struct mf_ctx *c, const char *root,
		const struct manifest_file *files, size_t nfiles,
		struct findings *f, struct manifest_result *r, struct err *e)
{
	memset(c, 0, sizeof *c);
	c->root = root;
	c->files = files;
	c->nfiles = nfiles;
	c->f = f;
	c->r = r;
	c->e = e;
	c->seen = calloc(nfiles ? nfiles : 1, 1);
	return c->seen == NULL ? mf_nomem(c) : 0;
}

void mf_ctx_free(struct mf_ctx *c)
{
	/* mf_fp_settle forgets the votes after every manifest; any left
	 * are freed here, so that c can be freed at any point. */
	for (size_t i = 0; i < c->npending; i++)
		free(c->pending[i].msg);
	for (size_t i = 0; i < c->ngroups; i++)
		free(c->groups[i].name);
	free(c->pending);
	free(c->groups);
	free(c->seen);
	buf_free(&c->path);
	buf_free(&c->norm);
	memset(c, 0, sizeof *c);
}

int mf_nomem(struct mf_ctx *c)
{
	return err_sys(c->e, ENOMEM, "manifest check");
}

static int nomem(struct mf_ctx *c)
{
	return mf_nomem(c);
}

/* ---- Paths and lookups ---- */

/* root/rel into c->path, without "./" for a root of "." and without a
 * doubled '/'. */
const char *mf_path(struct mf_ctx *c, const char *rel)
{
	size_t rn = strlen(c->root);

	buf_reset(&c->path);
	/* "." stands for the root itself. */
	if (strcmp(rel, ".") == 0) {
		if (buf_adds(&c->path, rn ? c->root : ".") < 0 ||
		    buf_addc(&c->path, '\0') < 0)
			return NULL;
		c->path.len--;
		return c->path.p;
	}
	if (!(rn == 0 || (rn == 1 && c->root[0] == '.'))) {
		if (buf_add(&c->path, c->root, rn) < 0)
			return NULL;
		if (c->root[rn - 1] != '/' && buf_addc(&c->path, '/') < 0)
			return NULL;
	}
	if (buf_adds(&c->path, rel) < 0 || buf_addc(&c->path, '\0') < 0)
		return NULL;
	c->path.len--;
	return c->path.p;
}

static int cmp_rel(const char *a, const char *b, size_t bn)
{
	size_t an = strlen(a);
	int r = memcmp(a, b, an < bn ? an : bn);

	if (r != 0)
		return r;
	return an < bn ? -1 : an > bn;
}

long mf_lookup(const struct mf_ctx *c, const char *rel, size_t len)
{
	size_t lo = 0, hi = c->nfiles;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = cmp_rel(c->files[mid].rel, rel, len);

		if (r == 0)
			return (long)mid;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

enum mf_res mf_resolve(struct mf_ctx *c, const char *name, size_t len,
		       size_t *idx)
{
	size_t i = 0;
	long at;

	buf_reset(&c->norm);
	/* PATH_MAX: a longer name is no file, and the bound keeps each
	 * resolution cheap. */
	if (len == 0 || len > 4096 || memchr(name, '\0', len) != NULL)
		return MF_BADNAME;
	if (name[0] == '/')
		return MF_OUTSIDE;
	while (i < len) {
		size_t n = 0;

		while (i + n < len && name[i + n] != '/')
			n++;
		if (n == 2 && name[i] == '.' && name[i + 1] == '.')
			return MF_OUTSIDE;
		if (!(n == 0 || (n == 1 && name[i] == '.'))) {
			if ((c->norm.len > 0 && buf_addc(&c->norm, '/') < 0) ||
			    buf_add(&c->norm, name + i, n) < 0)
				return MF_NOMEM;
		}
		i += n + 1;
	}
	if (c->norm.len == 0)
		return MF_BADNAME;
	if (buf_addc(&c->norm, '\0') < 0)
		return MF_NOMEM;
	c->norm.len--;
	at = mf_lookup(c, c->norm.p, c->norm.len);
	if (at < 0)
		return MF_MISSING;
	*idx = (size_t)at;
	return MF_FOUND;
}

void mf_mention(struct mf_ctx *c, size_t idx)
{
	c->r->mentioned[idx] |= MF_ENTRY;
	c->seen[idx] = 1;
}

/* A name as a message quotes it: at most 200 bytes, control characters
 * as '?', so that a hostile manifest cannot drive a terminal. */
static const char *shown(char *out, size_t size, const char *s, size_t len)
{
	size_t n = len < size - 4 ? len : size - 4, i;

	if (n > 200)
		n = 200;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		out[i] = s[i];
		if (ch < 0x20 || ch == 0x7f)
			out[i] = '?';
	}
	if (n < len)
		memcpy(out + i, "...", 4);
	else
		out[i] = '\0';
	return out;
}

int mf_need(struct mf_ctx *c, const char *key, const char *name, size_t len,
	    size_t *idx)
{
	char k[210], v[210];
	enum mf_res res = mf_resolve(c, name, len, idx);

	switch (res) {
	case MF_FOUND: mf_mention(c, *idx); return 1;
	case MF_MISSING:
		return mf_report_rel(c, FIND_ERROR, "manifest", c->norm.p,
				     "missing: %s lists it for \"%s\"",
				     c->m->path,
				     shown(k, sizeof k, key, strlen(key)));
	case MF_OUTSIDE:
		return mf_report(
			c, FIND_ERROR, "manifest", SIZE_MAX,
			"entry \"%s\" names \"%s\", outside the output "
			"root",
			shown(k, sizeof k, key, strlen(key)),
			shown(v, sizeof v, name, len));
	case MF_BADNAME:
		return mf_report(c, FIND_ERROR, "manifest", SIZE_MAX,
				 "entry \"%s\" names \"%s\", which is not a "
				 "file name",
				 shown(k, sizeof k, key, strlen(key)),
				 shown(v, sizeof v, name, len));
	case MF_NOMEM: return nomem(c);
	}
	return nomem(c);
}

/* ---- Findings ---- */

static int vreport(struct mf_ctx *c, enum finding_level level,
		   const char *check, const char *rel, const char *fmt,
		   va_list ap)
{
	const char *path = NULL;
	char *msg = NULL;
	int rc;

	if (vasprintf(&msg, fmt, ap) < 0)
		return nomem(c);
	if (rel != NULL && (path = mf_path(c, rel)) == NULL) {
		free(msg);
		return nomem(c);
	}
	rc = findings_add(c->f, level, check, path, "%s", msg);
	free(msg);
	return rc < 0 ? nomem(c) : 0;
}

int mf_report(struct mf_ctx *c, enum finding_level level, const char *check,
	      size_t idx, const char *fmt, ...)
{
	const char *rel =
		idx == SIZE_MAX ? c->files[c->mfile].rel : c->files[idx].rel;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vreport(c, level, check, rel, fmt, ap);
	va_end(ap);
	return rc;
}

int mf_report_rel(struct mf_ctx *c, enum finding_level level, const char *check,
		  const char *rel, const char *fmt, ...)
{
	char *copy = rel ? strdup(rel) : NULL; /* rel may be c->norm */
	va_list ap;
	int rc;

	if (rel != NULL && copy == NULL)
		return nomem(c);
	va_start(ap, fmt);
	rc = vreport(c, level, check, copy, fmt, ap);
	va_end(ap);
	free(copy);
	return rc;
}

int mf_reject(struct mf_ctx *c, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;
	int rc;

	c->broken = 1;
	va_start(ap, fmt);
	rc = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return nomem(c);
	rc = mf_invalid(c, "%s", msg);
	free(msg);
	return rc;
}

int mf_invalid(struct mf_ctx *c, const char *fmt, ...)
{
	struct buf b = {0};
	va_list ap;
	int rc, n;

	if (buf_printf(&b, "invalid %s manifest: ", c->name) < 0) {
		buf_free(&b);
		return nomem(c);
	}
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(&b, (size_t)n + 1) < 0) {
		buf_free(&b);
		return nomem(c);
	}
	va_start(ap, fmt);
	(void)vsnprintf(b.p + b.len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b.len += (size_t)n;
	rc = mf_report(c, FIND_ERROR, "manifest", SIZE_MAX, "%s", b.p);
	buf_free(&b);
	return rc;
}

/* ---- Digests ---- */

int mf_digests(struct mf_ctx *c, size_t idx, struct mf_digests *d)
{
	const struct manifest_file *mf = &c->files[idx];
	const char *path;

	if (d->want == MF_SHA256 && mf->sha256 != NULL) {
		memcpy(d->sha256, mf->sha256, sizeof d->sha256);
		d->size = mf->size;
		return 1;
	}
	path = mf_path(c, mf->rel);
	if (path == NULL)
		return nomem(c);
	if (mf_digest_file(path, d) == 0)
		return 1;
	switch (errno) {
	case ENOMEM: return nomem(c);
	case ENOENT:
	case ELOOP:
	case EACCES:
	case EPERM:
	case EISDIR:
	case EINVAL:
	case ENXIO:
		if (mf_report(c, FIND_ERROR, "manifest", idx,
			      "cannot read it to check the manifest: %s",
			      errno == EINVAL ? "not a regular file"
					      : strerror(errno)) < 0)
			return -1;
		return 0;
	default: return err_sys(c->e, errno, "%s", path);
	}
}

int mf_check_integrity(struct mf_ctx *c, size_t idx, const char *sri,
		       struct buf *problems)
{
	struct mf_digests d;
	char got[128];
	int rc;

	memset(&d, 0, sizeof d);
	d.want = mf_sri_algorithms(sri);
	/* Browsers ignore algorithms they do not know, and so does this. */
	if (d.want == 0)
		return 0;
	rc = mf_digests(c, idx, &d);
	if (rc <= 0)
		return rc;
	switch (mf_sri_check(sri, &d)) {
	case MF_SRI_MATCH:
	case MF_SRI_NONE: return 0;
	case MF_SRI_BAD:
		rc = buf_printf(problems, "%sintegrity \"%.100s\" is malformed",
				problems->len ? "; " : "", sri);
		break;
	default:
		if (d.want & MF_SHA512)
			mf_sri_format(got, "sha512", d.sha512, 64);
		else if (d.want & MF_SHA384)
			mf_sri_format(got, "sha384", d.sha384, 48);
		else
			mf_sri_format(got, "sha256", d.sha256, 32);
		rc = buf_printf(problems,
				"%sintegrity does not match the bytes (they "
				"are %s)",
				problems->len ? "; " : "", got);
	}
	return rc < 0 ? nomem(c) : 0;
}

/* ---- Fingerprint votes ---- */

static long group_of(struct mf_ctx *c, const char *name, const char *scheme)
{
	struct mf_group *g;

	for (size_t i = 0; i < c->ngroups; i++)
		if (strcmp(c->groups[i].name, name) == 0)
			return (long)i;
	if (vec_grow((void **)&c->groups, &c->capgroups, c->ngroups + 1,
		     sizeof *c->groups) < 0)
		return nomem(c);
	g = c->groups;
	g[c->ngroups] = (struct mf_group){strdup(name), scheme, 0, 0};
	if (g[c->ngroups].name == NULL)
		return nomem(c);
	return (long)c->ngroups++;
}

int mf_fp_match(struct mf_ctx *c, const char *group)
{
	long g = group_of(c, group, NULL);

	if (g < 0)
		return -1;
	c->groups[g].match++;
	c->r->fp_recomputed++;
	return 0;
}

int mf_fp_mismatch(struct mf_ctx *c, const char *group, const char *scheme,
		   size_t idx, const char *fmt, ...)
{
	long g = group_of(c, group, scheme);
	char *msg = NULL;
	va_list ap;
	int n;

	if (g < 0)
		return -1;
	if (c->groups[g].scheme == NULL)
		c->groups[g].scheme = scheme;
	if (vec_grow((void **)&c->pending, &c->cappending, c->npending + 1,
		     sizeof *c->pending) < 0)
		return nomem(c);
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return nomem(c);
	c->pending[c->npending++] = (struct mf_pending){(size_t)g, idx, msg};
	return 0;
}

int mf_fp_error(struct mf_ctx *c, size_t idx, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vreport(c, FIND_ERROR, "fingerprint", c->files[idx].rel, fmt, ap);
	va_end(ap);
	c->r->fp_mismatched++;
	return rc;
}

void mf_fp_unverifiable(struct mf_ctx *c)
{
	c->r->fp_unverifiable++;
}

int mf_fp_settle(struct mf_ctx *c)
{
	int rc = 0;

	for (size_t i = 0; i < c->npending && rc == 0; i++) {
		struct mf_pending *p = &c->pending[i];
		struct mf_group *g = &c->groups[p->group];

		if (g->match > 0) {
			rc = mf_report(c, FIND_ERROR, "fingerprint", p->idx,
				       "%s", p->msg);
			c->r->fp_mismatched++;
		} else {
			g->unverified++;
			c->r->fp_unverifiable++;
		}
	}
	for (size_t i = 0; i < c->ngroups && rc == 0; i++) {
		struct mf_group *g = &c->groups[i];

		if (g->unverified == 0)
			continue;
		rc = mf_report(c, FIND_INFO, "fingerprint", SIZE_MAX,
			       "%zu %s file name%s carr%s a fingerprint that "
			       "is not %s, and no such file here matches it: "
			       "the build uses another version, salt or hash "
			       "function, so %s not recomputed",
			       g->unverified, g->name,
			       g->unverified == 1 ? "" : "s",
			       g->unverified == 1 ? "ies" : "y", g->scheme,
			       g->unverified == 1 ? "it was" : "they were");
	}
	for (size_t i = 0; i < c->npending; i++)
		free(c->pending[i].msg);
	for (size_t i = 0; i < c->ngroups; i++)
		free(c->groups[i].name);
	free(c->pending);
	free(c->groups);
	c->pending = NULL;
	c->groups = NULL;
	c->npending = c->cappending = c->ngroups = 0;
	return rc;
}
