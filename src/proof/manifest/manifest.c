/*
 * The manifest dispatcher: finds an output root's manifests among the
 * walked files through a table of formats, reads and parses each, hands it
 * to its format's check function (manifest_<format>.c), and finally reports
 * the files no manifest mentions. What the formats share (resolving names,
 * findings, digests, fingerprint votes) is manifest_util.c, which both
 * sides call; no format calls back in here. Pure: no printing, no exiting;
 * the only system calls are the reads of the manifests and, through the
 * formats, of files whose digests are recomputed.
 */
#include "manifest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "manifest_formats.h"
#include "manifest_hash.h"
#include "manifest_json.h"
#include "manifest_util.h"
#include "vec.h"
#include "hex.h"

/* More unmentioned files than this are summed up in one finding. */
#define UNMENTIONED_MAX 50

/* Three build tools write a manifest of this one name: Sprockets 2, Vite
 * before 5 and webpack-manifest-plugin. Which of them wrote it is read from
 * its shape (sniff). */
#define SHARED_NAME "manifest.json"

/*
 * The formats, in the order MF_AUTO checks them. files[] are the names of a
 * format's manifest relative to the root, in order of preference; '#'
 * stands for 32 lower-case hex digits, and of several files that match,
 * the first by name is the manifest (as Sprockets picks it), with the
 * warning `several` when the format's first name matched more than one.
 * SHARED_NAME is the format's when its shape says so, or when it cannot be
 * parsed and this format was asked for (the check then says why). With
 * `all`, every file found is one of the format's manifests (webpack's two
 * plugins write one each); otherwise only the first found.
 */
struct format {
	enum manifest_kind kind;
	int all;
	const char *name;     /* as spec.c spells it (outputs.manifest) */
	const char *files[4]; /* ends at the first NULL */
	const char *expected; /* "no <name> manifest: expected ..." */
	const char *several;  /* "%zu" is the count */
	int (*check)(struct mf_ctx *c, const struct mf_json *j);
};

static const struct format formats[] = {
	{
		.kind = MF_SPROCKETS,
		.name = "sprockets",
		.files = {".sprockets-manifest-#.json", "manifest-#.json",
			  SHARED_NAME},
		.expected = ".sprockets-manifest-<hex>.json (or "
			    "manifest-<hex>.json)",
		.several = "%zu Sprockets manifests in the root; Sprockets "
			   "reads the first by name, this one",
		.check = mf_check_sprockets,
	},
	{
		.kind = MF_PROPSHAFT,
		.name = "propshaft",
		.files = {".manifest.json"},
		.expected = ".manifest.json",
		.check = mf_check_propshaft,
	},
	{
		.kind = MF_DJANGO,
		.name = "django",
		.files = {"staticfiles.json"},
		.expected = "staticfiles.json (written by "
			    "ManifestStaticFilesStorage; with "
			    "StaticFilesStorage set outputs.manifest to none)",
		.check = mf_check_django,
	},
	{
		.kind = MF_VITE,
		.name = "vite",
		.files = {".vite/manifest.json", SHARED_NAME},
		.expected = ".vite/manifest.json (written with build.manifest: "
			    "true) or manifest.json",
		.check = mf_check_vite,
	},
	{
		.kind = MF_WEBPACK,
		.name = "webpack",
		.files = {SHARED_NAME, "assets-manifest.json"},
		.all = 1,
		.expected = "manifest.json (webpack-manifest-plugin) or "
			    "assets-manifest.json (webpack-assets-manifest)",
		.check = mf_check_webpack,
	},
};

#define NFORMATS  (sizeof formats / sizeof formats[0])
#define NAMES_MAX (sizeof formats[0].files / sizeof formats[0].files[0] - 1)

static const struct format *format_of(enum manifest_kind kind)
{
	for (size_t i = 0; i < NFORMATS; i++)
		if (formats[i].kind == kind)
			return &formats[i];
	return NULL;
}

/* A manifest file found in the root, and its format. */
struct found {
	size_t idx;
	const struct format *fmt;
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

/* Which format a manifest.json is, by its shape: MF_SPROCKETS ("files"
 * and "assets" objects), MF_NONE for a web app manifest ("icons",
 * "start_url", "short_name", "display", "theme_color" or
 * "background_color"), MF_VITE (values are objects with "file"), else
 * MF_WEBPACK. */
static enum manifest_kind sniff(const struct mf_json *j)
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

/* Reads, parses and checks one manifest. */
static int check_one(struct mf_ctx *c, const struct found *fd)
{
	struct manifest_result *r = c->r;
	const struct manifest_file *mf = &c->files[fd->idx];
	struct manifest_seen *m;
	struct buf data = {0};
	struct mf_json j;
	char msg[256];
	unsigned line, col;
	const char *path;
	int rc = -1;

	if (vec_grow((void **)&r->v, &r->cap, r->n + 1, sizeof *r->v) < 0)
		return mf_nomem(c);
	m = &r->v[r->n];
	memset(m, 0, sizeof *m);
	m->kind = fd->fmt->kind;
	path = mf_path(c, mf->rel);
	if (path == NULL || (m->path = strdup(path)) == NULL)
		return mf_nomem(c);
	r->n++;
	c->m = m;
	c->name = fd->fmt->name;
	c->mfile = fd->idx;
	r->mentioned[fd->idx] |= MF_MANIFEST;
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
			return mf_nomem(c);
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
			return mf_nomem(c);
		return mf_report(c, FIND_ERROR, "manifest", SIZE_MAX,
				 "invalid JSON at line %u, column %u: %s", line,
				 col, msg);
	}
	buf_free(&data);
	c->broken = 0;
	if (j.v[0].type != MJ_OBJ)
		rc = mf_reject(c, "the top level is not an object");
	else
		rc = fd->fmt->check(c, &j);
	mf_json_free(&j);
	r->entries += m->entries;
	if (rc == 0)
		rc = mf_fp_settle(c);
	else
		(void)mf_fp_settle(c);
	return rc;
}

/* What kind of manifest files[idx] (a manifest.json) looks like:
 * MF_UNSET when it cannot be read or parsed (check_one then says why),
 * MF_NOMEM_KIND on an internal failure. */
#define MF_NOMEM_KIND ((enum manifest_kind) - 1)
static enum manifest_kind sniff_file(struct mf_ctx *c, size_t idx)
{
	enum manifest_kind kind = MF_UNSET;
	const char *path = mf_path(c, c->files[idx].rel);
	struct buf data = {0};
	struct mf_json j;
	char msg[16];
	unsigned line, col;

	if (path == NULL) {
		mf_nomem(c);
		return MF_NOMEM_KIND;
	}
	if (c->files[idx].size > MANIFEST_MAX)
		return MF_UNSET;
	if (io_read_file(path, MANIFEST_MAX, &data) < 0) {
		int saved = errno;

		buf_free(&data);
		if (saved != ENOMEM)
			return MF_UNSET;
		mf_nomem(c);
		return MF_NOMEM_KIND;
	}
	if (mf_json_parse(data.p ? data.p : "", data.len, &j, msg, sizeof msg,
			  &line, &col) == 0) {
		kind = sniff(&j);
		mf_json_free(&j);
	} else if (errno == ENOMEM) {
		mf_nomem(c);
		kind = MF_NOMEM_KIND;
	}
	buf_free(&data);
	return kind;
}

/* The first file, by name, that a name of formats[].files stands for, or
 * -1; *count says how many match. */
static long find_name(const struct mf_ctx *c, const char *name, size_t *count)
{
	const char *hash = strchr(name, '#');
	size_t pn, sn;
	long first = -1;

	*count = 0;
	if (hash == NULL) {
		first = mf_lookup(c, name, strlen(name));
		*count = first >= 0;
		return first;
	}
	pn = (size_t)(hash - name);
	sn = strlen(hash + 1);
	for (size_t i = 0; i < c->nfiles; i++) {
		const char *rel = c->files[i].rel;

		if (strlen(rel) != pn + 32 + sn ||
		    strncmp(rel, name, pn) != 0 ||
		    !hex_is_lower(rel + pn, 32) ||
		    strcmp(rel + pn + 32, hash + 1) != 0)
			continue;
		if (first < 0)
			first = (long)i;
		(*count)++;
	}
	return first;
}

/* 1 when fm looks for a file of that name. */
static int looks_for(const struct format *fm, const char *name)
{
	for (size_t k = 0; fm->files[k] != NULL; k++)
		if (strcmp(fm->files[k], name) == 0)
			return 1;
	return 0;
}

/*
 * Whether SHARED_NAME, which looked like mj_kind, is the manifest of
 * formats[f] when looking for kind. An unparsable one (MF_UNSET) is the
 * named format's, so that its check says why it cannot be read; looking
 * for every format, it is the last such format's (webpack's) unless
 * known_elsewhere: a format that could have written it found its manifest
 * under another name, so the build tool is known and this file is not its
 * record.
 */
static int claims_shared(size_t f, enum manifest_kind kind,
			 enum manifest_kind mj_kind, int known_elsewhere)
{
	const struct format *fm = &formats[f];
	int last = 1;

	if (mj_kind == fm->kind)
		return 1;
	if (mj_kind != MF_UNSET)
		return 0;
	if (kind == fm->kind)
		return 1;
	for (size_t g = f + 1; g < NFORMATS; g++)
		if (looks_for(&formats[g], SHARED_NAME))
			last = 0;
	return kind == MF_AUTO && last && !known_elsewhere;
}

/*
 * Looks for the manifests of kind (MF_AUTO: of every format) and appends
 * them to out in checking order, warning where a format's first name
 * matched several files. SHARED_NAME is parsed to tell which format it
 * is; *mj_kind says what it looked like: MF_AUTO when there is none,
 * MF_UNSET when it is not valid JSON, MF_NONE when it is a web app
 * manifest. Returns 0, or -1 on an internal failure (e filled).
 */
static int find_manifests(struct mf_ctx *c, enum manifest_kind kind,
			  struct found *out, size_t *nout,
			  enum manifest_kind *mj_kind)
{
	long mj = mf_lookup(c, SHARED_NAME, strlen(SHARED_NAME));
	size_t n = 0;
	int known_elsewhere = 0;

	*mj_kind = MF_AUTO;
	if (mj >= 0) {
		*mj_kind = sniff_file(c, (size_t)mj);
		if (*mj_kind == MF_NOMEM_KIND)
			return -1;
	}
	for (size_t f = 0; f < NFORMATS; f++) {
		const struct format *fm = &formats[f];

		if (kind != MF_AUTO && kind != fm->kind)
			continue;
		for (size_t k = 0; fm->files[k] != NULL; k++) {
			size_t count = 0;
			long at = -1;

			if (strcmp(fm->files[k], SHARED_NAME) != 0) {
				at = find_name(c, fm->files[k], &count);
				if (at >= 0 && looks_for(fm, SHARED_NAME))
					known_elsewhere = 1;
			} else if (mj >= 0 && claims_shared(f, kind, *mj_kind,
							    known_elsewhere)) {
				at = mj;
			}
			if (at < 0)
				continue;
			if (k == 0 && count > 1 && fm->several != NULL &&
			    mf_report(c, FIND_WARN, "manifest", (size_t)at,
				      fm->several, count) < 0)
				return -1;
			out[n++] = (struct found){(size_t)at, fm};
			if (!fm->all)
				break;
		}
	}
	*nout = n;
	return 0;
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
	struct found found[NFORMATS * NAMES_MAX];
	const struct format *named = format_of(kind);
	enum manifest_kind mj_kind;
	size_t nfound = 0;
	int rc = -1, broken = 0;

	if (kind == MF_NONE || kind == MF_UNSET)
		return 0;
	if (kind != MF_AUTO && named == NULL)
		return err_set(e, ERR_SYSTEM, NULL, 0, 0,
			       "manifest check: unknown kind %d", (int)kind);
	for (size_t i = 1; i < nfiles; i++)
		if (strcmp(files[i - 1].rel, files[i].rel) >= 0)
			return err_set(e, ERR_SYSTEM, NULL, 0, 0,
				       "manifest check: files are not sorted "
				       "(\"%s\" before \"%s\")",
				       files[i - 1].rel, files[i].rel);
	r->nfiles = nfiles;
	if (mf_ctx_init(&c, root, files, nfiles, f, r, e) < 0)
		goto out;
	r->mentioned = calloc(nfiles ? nfiles : 1, 1);
	if (r->mentioned == NULL) {
		mf_nomem(&c);
		goto out;
	}
	if (find_manifests(&c, kind, found, &nfound, &mj_kind) < 0)
		goto out;
	if (nfound == 0) {
		if (kind == MF_AUTO)
			rc = mf_report_rel(&c, FIND_INFO, "manifest", ".",
					   "no framework manifest found");
		else
			rc = mf_report_rel(
				&c, FIND_ERROR, "manifest", ".",
				"no %s manifest: expected %s%s", named->name,
				named->expected,
				mj_kind != MF_AUTO && mj_kind != MF_UNSET
					? "; " SHARED_NAME " here is not one"
					: "");
		free(r->mentioned);
		r->mentioned = NULL;
		goto out;
	}
	for (size_t i = 0; i < nfound; i++) {
		if (check_one(&c, &found[i]) < 0)
			goto out;
		broken |= c.broken;
	}
	rc = broken ? 0 : unmentioned(&c);
out:
	mf_ctx_free(&c);
	return rc;
}
