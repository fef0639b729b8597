/*
 * Framework manifests against the output files (DESIGN.md "Verification",
 * checks 2 and 3). A build tool's manifest says which files it wrote, with
 * sizes, integrity values and fingerprinted names; manifest_check reads the
 * manifest of one output root and holds it against the files a walk of
 * that root found: every entry must name an existing file inside the root,
 * sizes and integrity values must match the bytes, and wherever the
 * framework's naming scheme allows, the fingerprint in a file name is
 * recomputed from the bytes. Everything found about the outputs is a
 * finding (findings.h); only internal failures (allocation, an I/O error
 * that is not about the outputs) return -1. The module never prints and
 * never exits.
 *
 * The checker takes a minimal view of the walked tree rather than struct
 * tree itself, so that it can be tested (and fuzzed) without the walker:
 * the caller passes, for one output root, an array of struct manifest_file
 * sorted bytewise by rel. With tree.h: for each tree_file whose root is
 * this root, { tf->rel, tf->size, tf->hashed && !tf->error ? tf->sha256 :
 * NULL }, leaving out the files cleanroom itself writes into the root (the
 * lock and the stamp), which no manifest can know. Files are read here only
 * when a digest other than the view's SHA-256 is needed: files whose names
 * carry a fingerprint, and integrity values in SHA-384 or SHA-512.
 *
 * Formats, as the frameworks write them (each manifest_<format>.c names
 * the framework source it follows):
 *   sprockets  .sprockets-manifest-<32 hex>.json (legacy manifest-<32
 *              hex>.json): files{name: {logical_path, mtime, size, digest,
 *              integrity}}, assets{logical: name}
 *   propshaft  .manifest.json: {logical: digested} (0.x) or {logical:
 *              {digested_path, integrity}} (1.x)
 *   django     staticfiles.json: {paths: {name: hashed}, version, hash}
 *   vite       .vite/manifest.json (Vite 5+) or manifest.json: {key: {file,
 *              src, name, isEntry, css[], assets[], imports[],
 *              dynamicImports[]}}
 *   webpack    manifest.json (webpack-manifest-plugin: {name: publicPath +
 *              file}) and assets-manifest.json (webpack-assets-manifest:
 *              {name: file or {src, integrity}}, entrypoints{})
 */
#ifndef CLEANROOM_MANIFEST_H
#define CLEANROOM_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "findings.h"
#include "manifest_hash.h"
#include "manifest_json.h"
#include "spec.h"

/* Manifests larger than this are refused (a finding), never read. */
#define MANIFEST_MAX ((size_t)64 << 20)

/* One file of the output root, as the walk found it. */
struct manifest_file {
	const char *rel;	     /* relative to the root, '/'-separated */
	uint64_t size;		     /* bytes */
	const unsigned char *sha256; /* 32 bytes, or NULL: then computed here
					when an integrity value needs it */
	int public_copy;	     /* byte for byte the file public/REL of the
					workdir: copied verbatim by the build tool
					(Vite's publicDir), which lists it nowhere */
};

/* Bits of manifest_result.mentioned. */
enum {
	MF_ENTRY = 1,	  /* named by a manifest entry */
	MF_MANIFEST = 2,  /* is a manifest that was checked */
	MF_COMPANION = 4, /* X.gz, X.br, X.map or X.LICENSE.txt of an X
			     named by an entry: written beside it by the
			     framework or a compression step */
	MF_PUBLIC = 8,	  /* a verbatim copy of public/ (public_copy) */
};

/* A manifest file that was checked. */
struct manifest_seen {
	enum manifest_kind kind;
	char *path;	   /* relative to the workdir: root/rel */
	size_t entries;	   /* top-level entries (files, paths, keys) */
	char *public_path; /* webpack: the prefix stripped from every value
			      to find its file ("/static/"), "" when none;
			      NULL for the other formats */
};

/*
 * What manifest_check found besides the findings. Owned by the caller,
 * zeroed before the call, released with manifest_result_free.
 */
struct manifest_result {
	struct manifest_seen *v; /* the manifests checked, in order */
	size_t n;
	size_t entries;		  /* sum of v[i].entries */
	size_t fp_recomputed;	  /* names whose fingerprint was recomputed from
				     the bytes and matched */
	size_t fp_mismatched;	  /* recomputed and different: each is also a
				     FIND_ERROR of check "fingerprint" */
	size_t fp_unverifiable;	  /* names that carry a fingerprint which cannot
				     be recomputed from the bytes (Vite, a
				     non-default version or hash function) */
	size_t unmentioned;	  /* files no manifest mentions (FIND_WARN) */
	size_t public_copies;	  /* unmentioned, but verbatim copies of
				     public/ (FIND_INFO) */
	unsigned char *mentioned; /* nfiles flags (MF_ENTRY, ...), parallel to
				     the files given; NULL when no manifest was
				     checked */
	size_t nfiles;
};

/*
 * Checks the manifest of kind `kind` in the output root `root` (a path
 * relative to the workdir, or absolute; findings name files as root/rel)
 * against files[0..nfiles), which must be sorted bytewise by rel.
 *
 *   MF_NONE (or MF_UNSET)  does nothing and returns 0.
 *   MF_AUTO                checks every manifest found in the root, in the
 *                          order sprockets, propshaft, django, vite,
 *                          webpack; finding none is a FIND_INFO.
 *   a named kind           checks that format's manifest; its absence is
 *                          a FIND_ERROR.
 *
 * Findings (check "manifest" unless said otherwise): FIND_ERROR for a
 * missing, unreadable, oversized or invalid manifest, an entry whose file
 * is missing or lies outside the root, a wrong size, integrity or digest,
 * a reference to an entry that does not exist; check "fingerprint":
 * FIND_ERROR for a name whose fingerprint differs from the one recomputed
 * from its bytes, FIND_INFO for names that cannot be recomputed (once per
 * manifest and kind of name, with the count); FIND_WARN for each file no
 * manifest mentions (at most 50, then one with the count; not when a
 * manifest could not be read as a whole), FIND_INFO for the publicPath
 * stripped from webpack values.
 *
 * Returns 0, or -1 with e filled (ERR_SYSTEM) on allocation failure, an
 * I/O error reading a file that exists (EIO and the like), or files that
 * are not sorted. Findings added before a failure stay in f.
 */
int manifest_check(enum manifest_kind kind, const char *root,
		   const struct manifest_file *files, size_t nfiles,
		   struct findings *f, struct manifest_result *r,
		   struct err *e);

void manifest_result_free(struct manifest_result *r);

/* ------------------------------------------------------------------------
 * Internal: shared by manifest.c and the format modules (manifest_*.c),
 * and called directly by their unit tests. Not for other callers. The JSON
 * reader (manifest_json.h) and the digests (manifest_hash.h) have headers
 * of their own.
 */

/* ---- The check's context (manifest.c) ---- */

struct mf_group; /* fingerprint votes, private to manifest.c */
struct mf_pending;

struct mf_ctx {
	const char *root;
	const struct manifest_file *files;
	size_t nfiles;
	struct findings *f;
	struct manifest_result *r;
	struct err *e;
	struct manifest_seen *m; /* the manifest being checked */
	size_t mfile;		 /* its index in files */
	unsigned char *seen;	 /* nfiles: mentioned by this manifest */
	struct mf_group *groups;
	size_t ngroups;
	struct mf_pending *pending;
	size_t npending, cappending;
	int broken;	 /* the manifest could not be read as a whole: no
			    unmentioned-file warnings then */
	struct buf path; /* scratch for root/rel */
	struct buf norm; /* scratch for normalized names */
};

/* Fills c->e for an allocation failure; returns -1. */
int mf_nomem(struct mf_ctx *c);

/* How mf_resolve found a name. */
enum mf_res { MF_FOUND, MF_MISSING, MF_OUTSIDE, MF_BADNAME, MF_NOMEM };

/* Normalizes name (len bytes) as a path relative to the root: "." and
 * empty components are dropped; "..", a leading "/" and NUL bytes are
 * refused. MF_FOUND sets *idx. The normalized name is in c->norm. */
enum mf_res mf_resolve(struct mf_ctx *c, const char *name, size_t len,
		       size_t *idx);
/* Resolves name as a file an entry `key` names and marks it mentioned;
 * otherwise reports it (missing, outside the root, not a file name).
 * Returns 1 with *idx when found, 0 when reported, -1 on ENOMEM. */
int mf_need(struct mf_ctx *c, const char *key, const char *name, size_t len,
	    size_t *idx);
/* The index of rel among the files, or -1. */
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
 * `problems` ("; "-separated) for one finding per entry. Returns 0, or -1
 * on an internal failure. */
int mf_check_integrity(struct mf_ctx *c, size_t idx, const char *sri,
		       struct buf *problems);

/*
 * Fingerprint votes. Within one manifest, names of one group (a scheme and
 * a kind of file, e.g. "webpack .js") either match the scheme or not. A
 * mismatch is an error only if some name of the same group matched:
 * otherwise the scheme is evidently not the default one (a custom version,
 * salt or hash function) and the names are counted as not recomputable,
 * with one FIND_INFO. Django's scheme is fixed, so its mismatches are
 * errors at once (mf_fp_error).
 */
int mf_fp_match(struct mf_ctx *c, const char *group);
int mf_fp_mismatch(struct mf_ctx *c, const char *group, const char *scheme,
		   size_t idx, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
int mf_fp_error(struct mf_ctx *c, size_t idx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Counts a name as not recomputable (its reason said once by the caller). */
void mf_fp_unverifiable(struct mf_ctx *c);

/* The format checkers: the manifest parsed, c->m set. 0 or -1. */
int mf_check_sprockets(struct mf_ctx *c, const struct mf_json *j);
int mf_check_propshaft(struct mf_ctx *c, const struct mf_json *j);
int mf_check_django(struct mf_ctx *c, const struct mf_json *j);
int mf_check_vite(struct mf_ctx *c, const struct mf_json *j);
int mf_check_webpack(struct mf_ctx *c, const struct mf_json *j);

/* Which format a manifest.json is, by its shape: MF_SPROCKETS ("files"
 * and "assets" objects), MF_NONE for a web app manifest ("icons",
 * "start_url", "short_name", "display", "theme_color" or
 * "background_color"), MF_VITE (values are objects with "file"), else
 * MF_WEBPACK. */
enum manifest_kind mf_sniff(const struct mf_json *j);

/* Django's manifest hash: the first 12 hex digits of MD5 of Python's
 * json.dumps(sorted(paths.items())). dst: 13 bytes. 0 or -1 (ENOMEM). */
int mf_django_hash(const struct mf_json *j, const struct mf_jnode *paths,
		   char *dst);

/* The prefix every value carries and that makes the most of them files of
 * the root (webpack's publicPath): "" when none. names[i] are the values.
 * Returns the prefix length. */
size_t mf_public_path(struct mf_ctx *c, const char *const *names, size_t n);

#endif
