/*
 * `cleanroom publish` after verification: the proven output set (the
 * verify result of a full re-verification that passed) uploaded to an S3
 * bucket, only what the store lacks, then the release record (the lock,
 * a keys file mapping object keys to SHA-256, and the provenance
 * statement when there is one) uploaded last, so that a release is listed
 * only when all of its objects are in place. Optionally, pruning of what
 * none of the last N releases references.
 *
 * Ownership: everything in struct publish_opts is borrowed for the call.
 * Output: progress and the plan go to stderr (the plan of --dry-run to
 * stdout); the credentials are never printed.
 */
#ifndef CLEANROOM_PUBLISH_H
#define CLEANROOM_PUBLISH_H

#include <stddef.h>

#include "err.h"
#include "spec.h"
#include "verify.h"

/* The single-PUT limit of S3: larger files are refused. */
#define PUBLISH_MAX_OBJECT (5LL * 1024 * 1024 * 1024)

struct publish_opts {
	const struct spec *spec;	/* merged: publish.*, outputs.roots */
	const struct verify_result *vr; /* a full verification that passed */
	const char *lock_path;		/* relative to the cwd */
	const char *provenance_path;	/* or NULL when there is none */
	const char *access_key, *secret_key, *session_token;
	const char *region_env;	   /* AWS_REGION / AWS_DEFAULT_REGION or NULL */
	const char *ssl_cert_file; /* SSL_CERT_FILE or NULL */
	int dry_run, prune;
	long long now; /* seconds since the epoch */
	/* io_now_ms() when the command started: publish.timeout counts
	 * from there (0: from publish_run's start). */
	double start_ms;
};

/* Parses "s3://BUCKET/PREFIX" into bucket (size bsize) and prefix (psize;
 * "" or ending in '/'). Returns 0, or -1 with e filled (ERR_CONFIG). */
int publish_parse_to(const char *to, char *bucket, size_t bsize, char *prefix,
		     size_t psize, struct err *e);

/* Publishes. Returns 0, or -1 with e filled: ERR_CONFIG (bad publish
 * keys, missing credentials, no CA bundle, a file over 5 GB, a
 * fingerprinted key already in the store with other bytes, a bucket in
 * another region), ERR_VERIFY (a file changed since the verification:
 * another inode at its path, a symlink on its way, other bytes),
 * ERR_PERMISSION, ERR_UNAVAILABLE (the store, or publish.timeout passed:
 * the message says how far it got), ERR_SYSTEM.
 *
 * Every file sent is opened beneath its output root's fd (beneath.h: no
 * symlink, no "..") and must be the inode the verification read; its
 * SHA-256 is computed from that fd and must be the lock's, and the PUT
 * reads the same fd. With publish.content_encoding (gzip, br), a plain
 * file X whose sibling X.gz / X.br is locked is published under X's key
 * with the sibling's bytes and Content-Encoding, after the sibling is
 * decompressed again (from the fd sent) and found byte for byte X. */
int publish_run(const struct publish_opts *o, struct err *e);

#endif
