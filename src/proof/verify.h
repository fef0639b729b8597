/*
 * Verification (DESIGN.md "Verification"): one pass over the output tree
 * (hash and secret scan, tree.c), then the checks: outputs present and
 * within bounds, no output setuid, setgid or world-writable, the
 * framework manifest and fingerprints (manifest.c), no secret value in any
 * output, its name or its decompressed bytes, each compressed sibling the
 * same as its plain file (sibling.c), the writable (scratch) dirs held to
 * the mode rule and the secret scan of outputs (they ship in the image
 * layer too), nothing written outside the writable set, no inode outside
 * it changed by a build that kept uid 0 (the ctime sweep's result, taken
 * by the caller: ctime_sweep.h), and the comparison
 * with an existing lock. Every problem is a
 * finding; the result says whether the output set passed. The pass is
 * bounded: outputs.max_files stops the walk, outputs.max_bytes refuses the
 * set before anything is read, and outputs.verify_timeout ends
 * verification as ERR_TIMEOUT. A verification that takes long says how far
 * it is (msg_status on a terminal, a phase line otherwise).
 *
 * Ownership: verify_outputs fills a caller-owned struct verify_result;
 * verify_result_free releases it. Secret values are only borrowed.
 */
#ifndef CLEANROOM_VERIFY_H
#define CLEANROOM_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "ctime_sweep.h"
#include "err.h"
#include "findings.h"
#include "lock.h"
#include "manifest.h"
#include "provenance.h"
#include "scan.h"
#include "sibling.h"
#include "spec.h"
#include "tree.h"

struct verify_opts {
	const struct spec *spec;	   /* effective: outputs.*, env.files */
	const struct scan_secret *secrets; /* every secret value */
	size_t nsecrets;
	const char *lock_path; /* the lock (excluded from the set) */
	/* run: the lock as it was before the build, read then because a
	 * build tool that empties its output directory (Vite's emptyOutDir,
	 * webpack's output.clean) deletes it. previous_set with previous
	 * NULL: there was none. Otherwise lock_path is read now. */
	int previous_set;
	const struct lock *previous;
	int strict;	     /* warnings fail */
	int lock_must_match; /* verify, or run --expect-lock */
	int lock_optional;   /* lock_must_match, yet no lock passes */
	/* Per output root, what it was before the build (run), or NULL
	 * (verify: taken as found). */
	const struct tree_pin *pins;
	/* Per writable dir of the spec (sandbox.writable), what it was
	 * before the build (run), or NULL (verify: taken as found). */
	const struct tree_pin *scratch_pins;
	const struct tree *before; /* workdir snapshot before the build,
				      or NULL (check 5) */
	int landlock;		   /* writes were enforced by Landlock */
	/* The ctime sweep after a build that kept uid 0 (ctime_sweep.h),
	 * or NULL: not swept (ctime_off says why, a static string, or NULL
	 * when no build ran). */
	const struct ctime_result *ctime;
	const char *ctime_off;
	/* The provenance statement to check against the lock (against the
	 * outputs when there is no lock), or NULL: not checked. shown is
	 * the name findings give it; required: a missing one fails. */
	const char *provenance_path, *provenance_shown;
	int provenance_required;
	unsigned threads; /* 0: online CPUs */
};

struct verify_result {
	struct findings findings;
	struct tree tree;
	struct lock lock; /* of the current outputs */
	int lock_existed;
	/* The lock file, when it said exactly what lock says (for
	 * lock_write_at, which then need not compare it again). */
	struct lock_seen lock_seen;
	size_t lock_added, lock_removed, lock_changed;
	struct manifest_result *manifests; /* one per output root, when a
					      manifest kind applies */
	size_t nmanifests;
	size_t writes_outside; /* check 5 */
	/* The metadata check (the ctime sweep): whether it ran, the inodes
	 * looked at and changed, its time; why not (static, or NULL). */
	int metadata_swept;
	size_t metadata_inodes, metadata_changed;
	double metadata_ms;
	const char *metadata_off;
	/* The scratch check: the writable dirs walked (those not inside an
	 * output root), the files found in them and their bytes read. */
	size_t scratch_roots, scratch_files;
	uint64_t scratch_bytes;
	/* Check 4: secrets too short to search, and their names with the
	 * lengths for the report ("PIN (4 bytes), ..."; NULL: none). */
	size_t secrets_unsearched;
	char *unsearched;
	struct sibling_stats siblings;	     /* check 4: X.gz, X.br, X.zst */
	struct provenance_result provenance; /* check 8 */
	/* Why the checks of contents (secrets, manifest, fingerprints, lock)
	 * did not run: the set was refused before it was read. Static;
	 * NULL when they ran. */
	const char *unchecked;
	double ms;
	int passed;
};

/* The lock path: outputs.lock, else cleanroom.lock in the first root. The
 * returned string is owned by the caller (free). */
char *verify_lock_path(const struct spec *spec);

/* Snapshot of the working directory (stat only), excluding the output
 * roots (and, for a root pinned as a link, the directory it leads to
 * when that is below the cwd) and writable dirs, for check 5. pins: per
 * root, or NULL. Fills the caller's out, which tree_free releases.
 * Returns 0, or -1 with e filled. */
int verify_snapshot(const struct spec *spec, const struct tree_pin *pins,
		    struct tree *out, struct err *e);

/* outputs.max_files and outputs.verify_timeout, or their defaults
 * (1,000,000 entries; 10 minutes). */
int64_t verify_max_files(const struct spec *spec);
int64_t verify_timeout_ms(const struct spec *spec);

/* Runs every check. o and what it points at are only read during the
 * call; r is the caller's and owns everything put in it. Returns 0 with r
 * filled (r->passed says whether the set passed), or -1 with e filled and
 * r empty: ERR_TIMEOUT when verification ran past its deadline,
 * ERR_CONFIG with no root, ERR_SYSTEM. */
int verify_outputs(const struct verify_opts *o, struct verify_result *r,
		   struct err *e);
void verify_result_free(struct verify_result *r);

#endif
