/*
 * One build of a job, start to lock: the build's environment and command,
 * the sandbox (probed, prepared, applied in the child), the supervised
 * build, the verification of its outputs and, when every check passed,
 * the lock. `cleanroom run` is this; `start` calls it when its stamp is
 * stale and `reproduce` once per copy, each with its own job. Phases are
 * timed on stderr.
 */
#ifndef CLEANROOM_RUN_H
#define CLEANROOM_RUN_H

#include "err.h"
#include "job.h"

struct run_opts {
	int expect_lock; /* the outputs must match the existing lock */
	int report;	 /* render the JSON report's members in j->report */
	/* The build's standard output is relayed to stderr (--report -
	 * has standard output). */
	int stdout_to_stderr;
	/* The build is the spec's or the preset's command: take start's
	 * stamp before it and record it after a verified build, so that an
	 * image built with `cleanroom run` starts fresh. */
	int record_stamp;
	/* Learning, not building (`cleanroom init`): the command runs in the
	 * sandbox as a build would and writes what it learned to
	 * $TMPDIR/RUN_LEARN_FILE; nothing is verified, locked or recorded,
	 * and that file's bytes (at most 1 MiB, a regular file, never
	 * through a link) go into *learn. NULL: a build. */
	struct buf *learn;
};

#define RUN_LEARN_FILE "cleanroom-learn"

/* j must have been loaded with JOB_POLICY_REQUIRED. Adds run's private
 * TMPDIR to j's plan (j owns it from then on; job_free releases it); o is
 * only read during the call. Returns 0, or -1 with e filled: ERR_CHILD with the
 * build's status, ERR_VERIFY when the outputs failed, ERR_SANDBOX,
 * ERR_USAGE (no command), ERR_SYSTEM. */
int run_build(struct job *j, const struct run_opts *o, struct err *e);

#endif
