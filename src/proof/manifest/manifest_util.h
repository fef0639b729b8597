/*
 * What every manifest format shares (manifest_util.c): the context of one
 * check, resolving the names a manifest gives against the walked files
 * (never outside the root), findings with workdir-relative paths, the
 * digests a check needs, and the fingerprint votes. The dispatcher
 * (manifest.c) and the format modules (manifest_<format>.c) both build on
 * it; it calls neither, so no format depends on the dispatcher. Pure: no
 * printing, no exiting; the only system calls are reads of files whose
 * digests are recomputed.
 *
 * Ownership: struct mf_ctx is the dispatcher's (mf_ctx_init,
 * mf_ctx_free). It borrows the root, the files, the findings, the result
 * and the error from manifest_check's caller for the duration of the
 * check; what it allocates itself (seen, the scratch buffers, pending
 * fingerprint votes) it frees in mf_ctx_free. Findings are added to c->f,
 * which owns copies of their texts.
 */
#ifndef CLEANROOM_MANIFEST_UTIL_H
#define CLEANROOM_MANIFEST_UTIL_H

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "findings.h"
#include "manifest_hash.h"
#include "manifest_types.h"

struct mf_group; /* fingerprint votes, private to manifest_util.c */
struct mf_pending;

struct mf_ctx {
	const char *root;
	const struct manifest_file *files;
	size_t nfiles;
	struct findings *f;
	struct manifest_result *r;
	struct err *e;
	const char *name;	 /* the format being checked, as spec.c
				    spells it: "invalid <name> manifest" */
	struct manifest_seen *m; /* the manifest being checked */
	size_t mfile;		 /* its index in files */
	unsigned char *seen;	 /* nfiles: mentioned by this manifest */
	struct mf_group *groups;
	size_t ngroups, capgroups;
	struct mf_pending *pending;
	size_t npending, cappending;
	int broken;	 /* the manifest could not be read as a whole: no
			    unmentioned-file warnings then */
	struct buf path; /* scratch for root/rel */
	struct buf norm; /* scratch for normalized names */
};

/* Fills c for one check of files[0..nfiles) (sorted bytewise by rel) in
 * root; every pointer is borrowed until mf_ctx_free. Returns 0, or -1
 * with e filled (ENOMEM). c must be freed with mf_ctx_free either way. */
int mf_ctx_init(struct mf_ctx *c, const char *root,
		const struct manifest_file *files, size_t nfiles,
		struct findings *f, struct manifest_result *r, struct err *e);
/* Frees what c allocated, not what it borrowed. */
void mf_ctx_free(struct mf_ctx *c);

/* Fills c->e for an allocation failure; returns -1. */
int mf_nomem(struct mf_ctx *c);

/* root/rel as a path relative to the workdir ("." for the root itself),
 * or NULL (ENOMEM). The text is in c->path: valid until the next call
 * into this module with c. */
const char *mf_path(struct mf_ctx *c, const char *rel);

/* How mf_resolve found a name. */
enum mf_res { MF_FOUND, MF_MISSING, MF_OUTSIDE, MF_BADNAME, MF_NOMEM };

/* Normalizes name (len bytes) as a path relative to the root: "." and
 * empty components are dropped; "..", a leading "/" and NUL bytes are
 * refused. MF_FOUND sets *idx. The normalized name is in c->norm until the
 * next resolution. */
enum mf_res mf_resolve(struct mf_ctx *c, const char *name, size_t len,
		       size_t *idx);
/* Resolves name as a file an entry `key` names and marks it mentioned;
 * otherwise reports it (missing, outside the root, not a file name).
 * Returns 1 with *idx when found, 0 when reported, -1 on ENOMEM. */
int mf_need(struct mf_ctx *c, const char *key, const char *name, size_t len,
	    size_t *idx);
/* The index of rel (len bytes) among the files, or -1. */
long mf_lookup(const struct mf_ctx *c, const char *rel, size_t len);
/* Marks files[idx] as named by an entry. */
void mf_mention(struct mf_ctx *c, size_t idx);

/* Adds a finding about files[idx] (SIZE_MAX: about the manifest itself,
 * or pass rel for another path under the root). Returns 0 or -1 (ENOMEM,
 * e filled). */
int mf_report(struct mf_ctx *c, enum finding_level level, const char *check,
	      size_t idx, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
int mf_report_rel(struct mf_ctx *c, enum finding_level level, const char *check,
		  const char *rel, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* "invalid <kind> manifest: ..." about the manifest (FIND_ERROR): one
 * entry is wrong. */
int mf_invalid(struct mf_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The same for a manifest the framework itself would refuse as a whole:
 * then no file counts as unmentioned. */
int mf_reject(struct mf_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Fills d for files[idx] (d->want and the strip/suffix set by the
 * caller); the view's SHA-256 is used when it has one and nothing else is
 * wanted. Returns 1 when filled, 0 when the file could not be read (then
 * reported as a finding), -1 on an internal failure (e filled). */
int mf_digests(struct mf_ctx *c, size_t idx, struct mf_digests *d);
/* Checks an integrity value of files[idx]; a mismatch is appended to
 * `problems` (the caller's buffer; "; "-separated) for one finding per
 * entry. Returns 0, or -1 on an internal failure. */
int mf_check_integrity(struct mf_ctx *c, size_t idx, const char *sri,
		       struct buf *problems);

/*
 * Fingerprint votes. Within one manifest, names of one group (a scheme and
 * a kind of file, e.g. "webpack .js") either match the scheme or not. A
 * mismatch is an error only if some name of the same group matched:
 * otherwise the scheme is evidently not the default one (a custom version,
 * salt or hash function) and the names are counted as not recomputable,
 * with one FIND_INFO. Django's scheme is fixed, so its mismatches are
 * errors at once (mf_fp_error). group is copied; scheme must be a static
 * string (it is kept until the votes are settled).
 */
int mf_fp_match(struct mf_ctx *c, const char *group);
int mf_fp_mismatch(struct mf_ctx *c, const char *group, const char *scheme,
		   size_t idx, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
int mf_fp_error(struct mf_ctx *c, size_t idx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Counts a name as not recomputable (its reason said once by the caller). */
void mf_fp_unverifiable(struct mf_ctx *c);
/* After one manifest: turns its pending mismatches into errors or counts
 * and forgets its votes. Returns 0, or -1 (ENOMEM, e filled); the votes
 * are forgotten either way. */
int mf_fp_settle(struct mf_ctx *c);

#endif
