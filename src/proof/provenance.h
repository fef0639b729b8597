/*
 * The provenance statement `cleanroom run` writes beside the lock: an
 * in-toto Statement (v1) whose predicate is SLSA provenance (v1). Its
 * subjects are the locked files with their SHA-256, named as the lock
 * names them; the build definition holds the command, the framework, the
 * spec's digest, the digests of the dependency lock files in the workdir
 * and the names (never the values) of the variables the build was given
 * and of those withheld; the run details hold cleanroom's version, the
 * sandbox layers and the start and finish times (README "Provenance").
 *
 * The statement lies outside every output root, so that it is never an
 * output, never changes the lock (which `reproduce` compares) and is never
 * served with the assets: it names the variables withheld from the build.
 * Its place is derived from the lock's by provenance_path_for_lock, the
 * one function `run`, `verify`, `lock`, `reproduce` and `publish` use.
 *
 * The text is canonical: members in bytewise order of their names at
 * every level, no white space, one escaping (json.h), a newline at the
 * end; the same build facts give the same bytes. Signing it is left to
 * existing tools (cosign, in-toto).
 *
 * Ownership: every function here fills caller-owned buffers or structs;
 * provenance_deps_free releases what provenance_deps_read filled. Nothing
 * prints.
 */
#ifndef CLEANROOM_PROVENANCE_H
#define CLEANROOM_PROVENANCE_H

#include <stddef.h>
#include <time.h>

#include "beneath.h"
#include "buf.h"
#include "err.h"
#include "findings.h"
#include "lock.h"
#include "sandbox.h"
#include "spec.h"

#define PROVENANCE_STATEMENT_TYPE "https://in-toto.io/Statement/v1"
#define PROVENANCE_PREDICATE_TYPE "https://slsa.dev/provenance/v1"
/* What cleanroom calls itself in the statement: the builder (the trust
 * boundary is this binary on the machine that ran it) and the template
 * of its builds. Policies match on these. */
#define PROVENANCE_URI_BASE   "https://cleanroom.invalid"
#define PROVENANCE_BUILDER_ID PROVENANCE_URI_BASE "/builder/run"
#define PROVENANCE_BUILD_TYPE PROVENANCE_URI_BASE "/buildtypes/run/v1"

/*
 * The statement's place for a lock at lock_path (relative to the workdir
 * or absolute) with the given output roots: the lock's name with ".lock"
 * replaced by PROVENANCE_SUFFIX (or the suffix appended), beside the lock
 * when the lock lies outside every root, else in the workdir itself (the
 * default lock, cleanroom.lock in the first root, gives
 * cleanroom.provenance.json in the workdir). Returns a string the caller
 * frees, or NULL (ENOMEM).
 */
char *provenance_path_for_lock(const char *lock_path, const char *const *roots,
			       size_t nroots);

/*
 * The statement's place for a configuration: outputs.provenance when it
 * names a path, else provenance_path_for_lock of the lock's place
 * (verify.h's verify_lock_path). *out is NULL when outputs.provenance is
 * false (no statement); otherwise the caller frees it. Returns 0, or -1
 * with e filled: ERR_CONFIG when the path lies inside an output root (it
 * would be an output and served), ERR_SYSTEM on allocation failure.
 */
int provenance_path(const struct spec *spec, char **out, struct err *e);

/* Whether path (relative to the workdir, or absolute) names a place
 * inside one of the roots, by their names: "./" and empty or "."
 * components are ignored, ".." is resolved by name. */
int provenance_inside_roots(const char *path, const char *const *roots,
			    size_t nroots);

/* A dependency lock file of the workdir and its SHA-256. */
struct provenance_dep {
	char *name;
	unsigned char sha256[32];
};

struct provenance_deps {
	struct provenance_dep *v;
	size_t n, cap;
};

/* The file names read as dependency lock files, in the workdir itself
 * (fnmatch patterns), NULL-terminated. */
extern const char *const provenance_dep_patterns[];

/* Reads and hashes the dependency lock files in the directory open at
 * dirfd (the workdir; left open), in bytewise order of their names, each
 * opened beneath it with no link followed. A name that matches but is not
 * a regular file (a link, a directory) is left out and named in *skipped
 * (appended, one name per line) when skipped is not NULL. Returns 0, or
 * -1 with e filled (ERR_SYSTEM); out then holds what was read, and
 * provenance_deps_free releases it. */
int provenance_deps_read(int dirfd, struct provenance_deps *out,
			 struct buf *skipped, struct err *e);
void provenance_deps_free(struct provenance_deps *d);

/* What one build's statement says. Everything is borrowed for the call. */
struct provenance_info {
	const struct lock *lock; /* the subjects (sorted, as written) */
	const char *const *command;
	size_t ncommand;
	int shell;	       /* the command runs under /bin/sh -c */
	const char *framework; /* "rails", ..., "none" */
	const char *spec_name; /* the spec file as named, or NULL: none */
	const unsigned char *spec_sha256; /* its bytes' digest */
	const struct provenance_deps *deps;
	/* Names of the variables given to the build and withheld from it,
	 * in any order (sorted and deduplicated in the statement). */
	const char *const *given;
	size_t ngiven;
	const char *const *withheld;
	size_t nwithheld;
	const char *version;		      /* cleanroom's */
	const char *sandbox_summary;	      /* sandbox_summary's line */
	const struct sandbox_status *sandbox; /* its layers */
	time_t started, finished;
};

/* Appends the canonical statement (and a newline) to the caller's out.
 * Returns 0, or -1 (ENOMEM, or EOVERFLOW for a time past year 9999). */
int provenance_format(const struct provenance_info *pi, struct buf *out);

/* An RFC 3339 UTC time ("2026-12-05T21:07:43Z") into out (21 bytes).
 * Returns 0, or -1 when t cannot be written so. */
int provenance_time(time_t t, char out[21]);

/* Writes text as the statement at path (relative to the cwd, the
 * workdir, or absolute), whole or not at all, creating missing
 * directories, never through a link (beneath.h). The directory it goes
 * into must not be, or lie below, one of the roots as they resolve now
 * (a root reached through a link included): ERR_CONFIG, nothing written.
 * shown names the file in messages. Returns 0, or -1 with e filled. */
int provenance_write(const char *path, const char *shown,
		     const char *const *roots, size_t nroots,
		     const struct buf *text, struct err *e);

/* provenance_write in two steps, so that run can stage the statement
 * while its lock is being written and put it in place only once the lock
 * is: provenance_stage does every check above and writes the temporary
 * file beside path (fsynced), leaving path as it was; then
 * provenance_commit renames it over path, or provenance_unstage removes
 * it. Each returns 0, or -1 with e filled (nothing staged after a failed
 * stage or commit). The staged state is the caller's, released by
 * commit or unstage. */
struct provenance_staged {
	struct beneath_staged file;
};
int provenance_stage(const char *path, const char *shown,
		     const char *const *roots, size_t nroots,
		     const struct buf *text, struct provenance_staged *ps,
		     struct err *e);
int provenance_commit(struct provenance_staged *ps, const char *shown,
		      struct err *e);
void provenance_unstage(struct provenance_staged *ps);

/* Removes the statement at path (no link followed; a missing one is not
 * an error). Returns 0, or -1 with errno set. */
int provenance_remove(const char *path);

/* What provenance_check found. */
struct provenance_result {
	int existed;	   /* a statement was there */
	int checked;	   /* and was compared */
	size_t nsubjects;  /* subjects it lists */
	size_t ndiffering; /* subjects added, removed or changed */
};

/*
 * Checks the statement at path (shown: the path findings name) against
 * the lock l: a well-formed statement of the two types above whose
 * subjects are exactly l's entries (names and SHA-256). Each difference
 * is a FIND_ERROR finding of the check "provenance" naming the file and
 * what differs; a statement that cannot be read as one is one finding. A
 * missing statement is a FIND_ERROR finding when required, else nothing.
 * Returns 0 with r filled, or -1 with e filled (ERR_SYSTEM: allocation,
 * an I/O error other than a missing file).
 */
int provenance_check(const char *path, const char *shown, const struct lock *l,
		     int required, struct findings *f,
		     struct provenance_result *r, struct err *e);

/* The same comparison, on text already read (name is used in findings). */
int provenance_check_text(const char *name, const char *text, size_t len,
			  const struct lock *l, struct findings *f,
			  struct provenance_result *r, struct err *e);

#endif
