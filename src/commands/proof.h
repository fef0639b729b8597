/*
 * The proof of an output set as it stands, with no build: every check of
 * verification (verify.h) against the job's configuration and secrets,
 * the report on stderr (and as JSON where asked), and the lock compared
 * or, for `cleanroom lock`, written. `verify` and `lock` are this; `start`
 * calls it for --verify full and after restoring a previous set.
 */
#ifndef CLEANROOM_PROOF_H
#define CLEANROOM_PROOF_H

#include "err.h"
#include "job.h"
#include "verify.h"

struct proof_opts {
	int write_lock;	   /* lock: write it; verify: it must match */
	int lock_optional; /* verify --no-lock: no lock passes */
	int report;	   /* render the JSON report's members in j->report */
	int require_provenance; /* verify: a missing statement fails */
	/* When non-NULL: a verification that passed is moved here (the
	 * caller frees it with verify_result_free), for publish. */
	struct verify_result *keep;
};

/* j must hold a policy (JOB_POLICY_SECRETS at least); j and o are the
 * caller's, used during the call only. Returns 0, or -1 with e filled
 * (ERR_VERIFY when a check failed). */
int proof_check(struct job *j, const struct proof_opts *o, struct err *e);

#endif
