/*
 * Manifest checks: finding an output root's manifests among the walked
 * files, reading and parsing them, handing each to its format's checker
 * (manifest_<format>.c), and what all formats share: resolving the names a
 * manifest gives against the files (never outside the root), reporting
 * findings with workdir-relative paths, reading digests a check needs,
 * weighing fingerprint mismatches (a mismatch only counts where the
 * framework's scheme demonstrably applies), and finally reporting the
 * files no manifest mentions. Pure: no printing, no exiting; the only
 * system calls are the reads of the manifests and of files whose digests
 * are recomputed.
 */
#include "manifest.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"

/* More unmentioned files than this are summed up in one finding. */
#define UNMENTIONED_MAX 50

struct mf_group {
	char *name;
	const char *scheme;
	size_t match, unverified;
};

struct mf_pending {
	size_t group, idx;
	char *msg;
};

void manifest_result_free(struct manifest_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].path);
		free(r->v[i].public_path);
	}
	free(r->v);
	free(r->mentioned);
	memset(r, 0, sizeof *r);
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
static const char *full_path(struct mf_ctx *c, const char *rel)
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
	if (rel != NULL && (path = full_path(c, rel)) == NULL) {
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

	if (buf_printf(&b, "invalid %s manifest: ",
		       spec_manifest_name(c->m->kind)) < 0) {
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
	path = full_path(c, mf->rel);
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
	g = realloc(c->groups, (c->ngroups + 1) * sizeof *g);
	if (g == NULL)
		return nomem(c);
	c->groups = g;
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
	if (c->npending == c->cappending) {
		size_t cap = c->cappending ? c->cappending * 2 : 16;
		struct mf_pending *p = realloc(c->pending, cap * sizeof *p);

		if (p == NULL)
			return nomem(c);
		c->pending = p;
		c->cappending = cap;
	}
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

/* Turns the pending mismatches of one manifest into errors or counts. */
static int settle(struct mf_ctx *c)
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

/* ---- Public paths (webpack) ---- */

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

size_t mf_public_path(struct mf_ctx *c, const char *const *names, size_t n)
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

/* ---- Finding and reading manifests ---- */

static int is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* prefix<32 hex>.json, as Sprockets names its manifests. */
static int sprockets_name(const char *rel, const char *prefix)
{
	size_t pn = strlen(prefix);

	return strncmp(rel, prefix, pn) == 0 && strlen(rel) == pn + 32 + 5 &&
	       is_hex(rel + pn, 32) && strcmp(rel + pn + 32, ".json") == 0;
}

enum manifest_kind mf_sniff(const struct mf_json *j)
{
	const struct mf_jnode *root = &j->v[0];
	const struct mf_jnode *files = mf_json_get(j, root, "files");
	const struct mf_jnode *assets = mf_json_get(j, root, "assets");

	static const char *const webapp[] = {"icons",	    "start_url",
					     "short_name",  "display",
					     "theme_color", "background_color"};

	if (root->type != MJ_OBJ)
		return MF_WEBPACK;
	if (files && assets && files->type == MJ_OBJ && assets->type == MJ_OBJ)
		return MF_SPROCKETS;
	/* A web app manifest (W3C appmanifest), which PWAs keep in public/
	 * and bundlers copy into the output as it is: no build's record. */
	for (size_t i = 0; i < sizeof webapp / sizeof webapp[0]; i++)
		if (mf_json_get(j, root, webapp[i]) != NULL)
			return MF_NONE;
	for (const struct mf_jnode *v = mf_json_first(j, root); v;
	     v = mf_json_next(j, v))
		if (v->type == MJ_OBJ && mf_json_getstr(j, v, "file", NULL))
			return MF_VITE;
	return MF_WEBPACK;
}

/* A manifest file found in the root, for one kind. */
struct found {
	size_t idx;
	enum manifest_kind kind;
};

static int run_checker(struct mf_ctx *c, const struct mf_json *j)
{
	switch (c->m->kind) {
	case MF_SPROCKETS: return mf_check_sprockets(c, j);
	case MF_PROPSHAFT: return mf_check_propshaft(c, j);
	case MF_DJANGO: return mf_check_django(c, j);
	case MF_VITE: return mf_check_vite(c, j);
	default: return mf_check_webpack(c, j);
	}
}

/* Reads, parses and checks one manifest. */
static int check_one(struct mf_ctx *c, struct found fd)
{
	struct manifest_result *r = c->r;
	const struct manifest_file *mf = &c->files[fd.idx];
	struct manifest_seen *m, *v;
	struct buf data = {0};
	struct mf_json j;
	char msg[256];
	unsigned line, col;
	const char *path;
	int rc = -1;

	v = realloc(r->v, (r->n + 1) * sizeof *v);
	if (v == NULL)
		return nomem(c);
	r->v = v;
	m = &r->v[r->n];
	memset(m, 0, sizeof *m);
	m->kind = fd.kind;
	path = full_path(c, mf->rel);
	if (path == NULL || (m->path = strdup(path)) == NULL)
		return nomem(c);
	r->n++;
	c->m = m;
	c->mfile = fd.idx;
	r->mentioned[fd.idx] |= MF_MANIFEST;
	memset(c->seen, 0, c->nfiles);
	/* Until it is read and parsed, nothing can be said about the files
	 * it does not mention. */
	c->broken = 1;
	if (mf->size > MANIFEST_MAX)
		return mf_report(
			c, FIND_ERROR, "manifest", SIZE_MAX,
			"the manifest is larger than 64 MiB; not read");
	if (io_read_file(m->path, MANIFEST_MAX, &data) < 0) {
		int saved = errno;

		buf_free(&data);
		if (saved == ENOMEM)
			return nomem(c);
		if (saved == EFBIG)
			return mf_report(c, FIND_ERROR, "manifest", SIZE_MAX,
					 "the manifest is larger than 64 MiB; "
					 "not read");
		if (saved == ENOENT || saved == EACCES || saved == EISDIR ||
		    saved == ELOOP)
			return mf_report(c, FIND_ERROR, "manifest", SIZE_MAX,
					 "cannot read the manifest: %s",
					 strerror(saved));
		return err_sys(c->e, saved, "%s", m->path);
	}
	if (mf_json_parse(data.p ? data.p : "", data.len, &j, msg, sizeof msg,
			  &line, &col) < 0) {
		int saved = errno;

		buf_free(&data);
		if (saved != EINVAL)
			return nomem(c);
		return mf_report(c, FIND_ERROR, "manifest", SIZE_MAX,
				 "invalid JSON at line %u, column %u: %s", line,
				 col, msg);
	}
	buf_free(&data);
	c->broken = 0;
	if (j.v[0].type != MJ_OBJ)
		rc = mf_reject(c, "the top level is not an object");
	else
		rc = run_checker(c, &j);
	mf_json_free(&j);
	r->entries += m->entries;
	if (rc == 0)
		rc = settle(c);
	else
		(void)settle(c);
	return rc;
}

/* What kind of manifest files[idx] (a manifest.json) looks like:
 * MF_UNSET when it cannot be read or parsed (check_one then says why),
 * MF_NOMEM_KIND on an internal failure. */
#define MF_NOMEM_KIND ((enum manifest_kind) - 1)
static enum manifest_kind sniff_file(struct mf_ctx *c, size_t idx)
{
	enum manifest_kind kind = MF_UNSET;
	const char *path = full_path(c, c->files[idx].rel);
	struct buf data = {0};
	struct mf_json j;
	char msg[16];
	unsigned line, col;

	if (path == NULL) {
		nomem(c);
		return MF_NOMEM_KIND;
	}
	if (c->files[idx].size > MANIFEST_MAX)
		return MF_UNSET;
	if (io_read_file(path, MANIFEST_MAX, &data) < 0) {
		int saved = errno;

		buf_free(&data);
		if (saved != ENOMEM)
			return MF_UNSET;
		nomem(c);
		return MF_NOMEM_KIND;
	}
	if (mf_json_parse(data.p ? data.p : "", data.len, &j, msg, sizeof msg,
			  &line, &col) == 0) {
		kind = mf_sniff(&j);
		mf_json_free(&j);
	} else if (errno == ENOMEM) {
		nomem(c);
		kind = MF_NOMEM_KIND;
	}
	buf_free(&data);
	return kind;
}

/* Looks for the manifests of kind (MF_AUTO: of every kind) and appends
 * them to out in checking order. manifest.json is parsed to tell which
 * format it is; *mj_kind says what it looked like: MF_AUTO when there is
 * none, MF_UNSET when it is not valid JSON, MF_NONE when it is a web app
 * manifest. */
static int find_manifests(struct mf_ctx *c, enum manifest_kind kind,
			  struct found *out, size_t *nout,
			  enum manifest_kind *mj_kind, size_t *nsprockets)
{
	long sp = -1, legacy = -1, mj, at;
	size_t n = 0;

	*nsprockets = 0;
	*mj_kind = MF_AUTO;
	for (size_t i = 0; i < c->nfiles; i++) {
		const char *rel = c->files[i].rel;

		if (sprockets_name(rel, ".sprockets-manifest-")) {
			if (sp < 0)
				sp = (long)i;
			(*nsprockets)++;
		} else if (legacy < 0 && sprockets_name(rel, "manifest-")) {
			legacy = (long)i;
		}
	}
	mj = mf_lookup(c, "manifest.json", 13);
	if (mj >= 0) {
		*mj_kind = sniff_file(c, (size_t)mj);
		if (*mj_kind == MF_NOMEM_KIND)
			return -1;
	}
#define FOUND(i, k) (out[n++] = (struct found){(size_t)(i), (k)})
	if (kind == MF_AUTO || kind == MF_SPROCKETS) {
		if (sp >= 0)
			FOUND(sp, MF_SPROCKETS);
		else if (legacy >= 0)
			FOUND(legacy, MF_SPROCKETS);
		else if (mj >= 0 &&
			 (*mj_kind == MF_SPROCKETS ||
			  (kind == MF_SPROCKETS && *mj_kind == MF_UNSET)))
			FOUND(mj, MF_SPROCKETS);
	}
	if ((kind == MF_AUTO || kind == MF_PROPSHAFT) &&
	    (at = mf_lookup(c, ".manifest.json", 14)) >= 0)
		FOUND(at, MF_PROPSHAFT);
	if ((kind == MF_AUTO || kind == MF_DJANGO) &&
	    (at = mf_lookup(c, "staticfiles.json", 16)) >= 0)
		FOUND(at, MF_DJANGO);
	if (kind == MF_AUTO || kind == MF_VITE) {
		at = mf_lookup(c, ".vite/manifest.json", 19);
		if (at >= 0)
			FOUND(at, MF_VITE);
		else if (mj >= 0 && (*mj_kind == MF_VITE ||
				     (kind == MF_VITE && *mj_kind == MF_UNSET)))
			FOUND(mj, MF_VITE);
	}
	if (kind == MF_AUTO || kind == MF_WEBPACK) {
		/* An unparsable manifest.json that nothing else claimed is
		 * still reported when looking for every kind. */
		if (mj >= 0 &&
		    (*mj_kind == MF_WEBPACK ||
		     (*mj_kind == MF_UNSET &&
		      (kind == MF_WEBPACK ||
		       (sp < 0 && legacy < 0 &&
			mf_lookup(c, ".vite/manifest.json", 19) < 0)))))
			FOUND(mj, MF_WEBPACK);
		at = mf_lookup(c, "assets-manifest.json", 20);
		if (at >= 0)
			FOUND(at, MF_WEBPACK);
	}
#undef FOUND
	*nout = n;
	return 0;
}

static const char *where(enum manifest_kind kind)
{
	switch (kind) {
	case MF_SPROCKETS:
		return ".sprockets-manifest-<hex>.json (or "
		       "manifest-<hex>.json)";
	case MF_PROPSHAFT: return ".manifest.json";
	case MF_DJANGO:
		return "staticfiles.json (written by "
		       "ManifestStaticFilesStorage; with StaticFilesStorage "
		       "set outputs.manifest to none)";
	case MF_VITE:
		return ".vite/manifest.json (written with build.manifest: "
		       "true) or manifest.json";
	default:
		return "manifest.json (webpack-manifest-plugin) or "
		       "assets-manifest.json (webpack-assets-manifest)";
	}
}

/* ---- Files no manifest mentions ---- */

static int unmentioned(struct mf_ctx *c)
{
	static const char *const companions[] = {".gz", ".br", ".map",
						 ".LICENSE.txt"};
	unsigned char *fl = c->r->mentioned;
	size_t extra = 0;

	for (size_t i = 0; i < c->nfiles; i++) {
		const char *rel = c->files[i].rel;
		size_t len = strlen(rel);
		int companion = 0;

		if (fl[i] != 0)
			continue;
		for (size_t k = 0; k < sizeof companions / sizeof companions[0];
		     k++) {
			size_t sn = strlen(companions[k]);
			long base;

			if (len <= sn ||
			    strcmp(rel + len - sn, companions[k]) != 0)
				continue;
			base = mf_lookup(c, rel, len - sn);
			if (base >= 0 && (fl[base] & (MF_ENTRY | MF_COMPANION)))
				companion = 1;
		}
		if (companion) {
			fl[i] |= MF_COMPANION;
			continue;
		}
		if (c->files[i].public_copy) {
			fl[i] |= MF_PUBLIC;
			c->r->public_copies++;
			continue;
		}
		c->r->unmentioned++;
		if (c->r->unmentioned > UNMENTIONED_MAX) {
			extra++;
			continue;
		}
		if (mf_report_rel(c, FIND_WARN, "manifest", rel,
				  "no manifest mentions this file") < 0)
			return -1;
	}
	if (extra > 0 &&
	    mf_report_rel(c, FIND_WARN, "manifest", ".",
			  "and %zu more file%s no manifest mentions", extra,
			  extra == 1 ? "" : "s") < 0)
		return -1;
	if (c->r->public_copies > 0)
		return mf_report_rel(c, FIND_INFO, "manifest", ".",
				     "%zu file%s no manifest mentions %s byte "
				     "for byte the same as in public/, copied "
				     "verbatim by the build tool",
				     c->r->public_copies,
				     c->r->public_copies == 1 ? "" : "s",
				     c->r->public_copies == 1 ? "is" : "are");
	return 0;
}

int manifest_check(enum manifest_kind kind, const char *root,
		   const struct manifest_file *files, size_t nfiles,
		   struct findings *f, struct manifest_result *r, struct err *e)
{
	struct mf_ctx c;
	struct found found[8];
	enum manifest_kind mj_kind;
	size_t nfound = 0, nsp = 0;
	int rc = -1, broken = 0;

	if (kind == MF_NONE || kind == MF_UNSET)
		return 0;
	for (size_t i = 1; i < nfiles; i++)
		if (strcmp(files[i - 1].rel, files[i].rel) >= 0)
			return err_set(e, ERR_SYSTEM, NULL, 0, 0,
				       "manifest check: files are not sorted "
				       "(\"%s\" before \"%s\")",
				       files[i - 1].rel, files[i].rel);
	memset(&c, 0, sizeof c);
	c.root = root;
	c.files = files;
	c.nfiles = nfiles;
	c.f = f;
	c.r = r;
	c.e = e;
	r->nfiles = nfiles;
	r->mentioned = calloc(nfiles ? nfiles : 1, 1);
	c.seen = calloc(nfiles ? nfiles : 1, 1);
	if (r->mentioned == NULL || c.seen == NULL) {
		nomem(&c);
		goto out;
	}
	if (find_manifests(&c, kind, found, &nfound, &mj_kind, &nsp) < 0)
		goto out;
	if (nfound == 0) {
		if (kind == MF_AUTO)
			rc = mf_report_rel(&c, FIND_INFO, "manifest", ".",
					   "no framework manifest found");
		else
			rc = mf_report_rel(
				&c, FIND_ERROR, "manifest", ".",
				"no %s manifest: expected %s%s",
				spec_manifest_name(kind), where(kind),
				mj_kind != MF_AUTO && mj_kind != MF_UNSET
					? "; manifest.json here is not one"
					: "");
		free(r->mentioned);
		r->mentioned = NULL;
		goto out;
	}
	if (nsp > 1 &&
	    mf_report_rel(&c, FIND_WARN, "manifest", files[found[0].idx].rel,
			  "%zu Sprockets manifests in the root; "
			  "Sprockets reads the first by name, "
			  "this one",
			  nsp) < 0)
		goto out;
	for (size_t i = 0; i < nfound; i++) {
		if (check_one(&c, found[i]) < 0)
			goto out;
		broken |= c.broken;
	}
	rc = broken ? 0 : unmentioned(&c);
out:
	free(c.seen);
	buf_free(&c.path);
	buf_free(&c.norm);
	return rc;
}
