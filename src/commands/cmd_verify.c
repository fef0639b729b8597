/*
 * `cleanroom verify` and `cleanroom lock`: verification of outputs that
 * already exist, without a build. verify also compares with the existing
 * lock, where any difference is a failure (the outputs should be final);
 * lock writes the lock of the current outputs when every check passes.
 * The secret values to search for come from the same policy a build would
 * use, withheld ones included.
 */
#include "commands.h"
#include "proof.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "io.h"
#include "leftover.h"
#include "msg.h"
#include "policy.h"
#include "provenance.h"
#include "report.h"
#include "verify.h"

/* Every secret's name and value, for the scan; borrowed from the policy. */
static struct scan_secret *policy_secrets(const struct policy *p, size_t *n)
{
	struct scan_secret *s = calloc(p->n + 1, sizeof *s);

	*n = 0;
	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].secret)
			s[(*n)++] = (struct scan_secret){
				p->v[i].name, p->v[i].value, p->v[i].len};
	return s;
}

/* After `lock` wrote a lock: a statement that no longer describes it
 * (it was written for another output set) is removed, so that none
 * contradicts the lock; one that still does is kept. */
static int drop_stale_provenance(const char *path, const char *shown,
				 struct verify_result *vr, struct err *e)
{
	struct findings scratch = {0};
	struct provenance_result pr;

	if (provenance_check(path, shown, &vr->lock, 0, &scratch, &pr, e) < 0) {
		findings_free(&scratch);
		return -1;
	}
	findings_free(&scratch);
	if (!pr.existed || (pr.checked && pr.ndiffering == 0)) {
		vr->provenance = pr;
		return 0;
	}
	if (provenance_remove(path) < 0)
		return err_sys(e, errno, "removing %s", shown);
	if (findings_add(&vr->findings, FIND_INFO, "provenance", shown,
			 "removed: it described another output set than the "
			 "new lock; 'cleanroom run' writes one") < 0)
		return err_sys(e, ENOMEM, "lock");
	return 0;
}

/* The lock, written beneath the root that holds it as it resolves now
 * (no build ran in this invocation), never through a link below it. */
static int write_lock_file(const struct job *j, const char *lock_path,
			   const struct verify_result *vr, struct err *e)
{
	const char *leaf;
	int dfd = tree_out_parent(j->roots, j->nroots, NULL, lock_path, 0,
				  &leaf),
	    rc;

	if (dfd < 0)
		return err_sys(e, errno, "%s", lock_path);
	rc = lock_write_at(dfd, leaf, lock_path, &vr->lock, &vr->lock_seen, e);
	(void)close(dfd);
	return rc;
}

int proof_check(struct job *j, const struct proof_opts *po, struct err *e)
{
	const struct config *cfgp = &j->cfg;
	const struct policy *polp = &j->pol;
	int write_lock = po->write_lock;
	struct buf shown = {0}, pshown = {0};
	struct verify_result vr;
	struct verify_opts vo = {0};
	struct report_info ri = {0};
	struct scan_secret *secrets = NULL;
	struct buf text = {0};
	char *lock_path = NULL, *prov_path = NULL;
	size_t swept = 0;
	int rc = -1, verified = 0;

	memset(&vr, 0, sizeof vr);
	/* Verification needs the secrets, not a complete environment: the
	 * job was loaded with JOB_POLICY_SECRETS. */
	secrets = policy_secrets(polp, &vo.nsecrets);
	lock_path = verify_lock_path(&cfgp->spec);
	if (secrets == NULL || lock_path == NULL) {
		err_sys(e, ENOMEM, "verify");
		goto out;
	}
	if (provenance_path(&cfgp->spec, &prov_path, e) < 0)
		goto out;
	if (po->require_provenance && prov_path == NULL) {
		err_set(e, ERR_USAGE, NULL, 0, 0,
			"--require-provenance, yet the provenance is off "
			"(--no-provenance or provenance: false)");
		goto out;
	}
	if (!write_lock && prov_path != NULL) {
		vo.provenance_path = prov_path;
		vo.provenance_shown = job_shown(j, prov_path, &pshown);
		vo.provenance_required = po->require_provenance;
	}
	vo.spec = &cfgp->spec;
	vo.secrets = secrets;
	vo.lock_path = lock_path;
	vo.strict = cfgp->spec.sandbox.strict == 1;
	vo.lock_must_match = !write_lock;
	vo.lock_optional = po->lock_optional;
	/* What a killed cleanroom left beside the lock goes first
	 * (leftover.h): this is the next run it waited for. */
	if (leftover_sweep_locks(j->roots, j->nroots, NULL, lock_path,
				 &swept) == 0 &&
	    swept > 0)
		msg_info("removed %zu temporary lock%s left by a cleanroom "
			 "that was killed",
			 swept, swept == 1 ? "" : "s");
	if (verify_outputs(&vo, &vr, e) < 0)
		goto out;
	verified = 1;
	ri = (struct report_info){
		.command_name = write_lock ? "lock" : "verify",
		.spec = &cfgp->spec,
		.policy = polp,
		.verify = &vr,
		.strict = vo.strict,
		.lock_path = job_shown(j, lock_path, &shown),
		.provenance_path =
			prov_path ? job_shown(j, prov_path, &pshown) : NULL,
	};
	if (vr.passed && write_lock) {
		if (write_lock_file(j, lock_path, &vr, e) < 0)
			goto out;
		ri.lock_written = 1;
		if (prov_path != NULL &&
		    drop_stale_provenance(prov_path, ri.provenance_path, &vr,
					  e) < 0)
			goto out;
	}
	if (report_human(&ri, &text) < 0) {
		err_sys(e, ENOMEM, "verify");
		goto out;
	}
	if (msg_level() >= MSG_NORMAL || !vr.passed)
		(void)io_write_all(STDERR_FILENO, text.p, text.len);
	if (po->report && report_json(&ri, &j->report) < 0) {
		err_sys(e, ENOMEM, "verify");
		goto out;
	}
	if (!vr.passed) {
		size_t n = findings_count(&vr.findings,
					  vo.strict ? FIND_WARN : FIND_ERROR);

		err_set(e, ERR_VERIFY, NULL, 0, 0,
			"verification failed: %zu finding%s", n,
			n == 1 ? "" : "s");
		if (write_lock)
			err_hint(e, "the lock was not written");
		goto out;
	}
	if (ri.lock_written)
		msg_info("lock: %s (%zu files)", ri.lock_path, vr.lock.n);
	else if (!vr.lock_existed)
		msg_info("no lock at %s (--no-lock): 'cleanroom lock' writes "
			 "one",
			 ri.lock_path);
	rc = 0;
	if (po->keep != NULL) {
		*po->keep = vr;
		verified = 0;
	}
out:
	buf_free(&text);
	if (verified)
		verify_result_free(&vr);
	free(secrets);
	free(lock_path);
	free(prov_path);
	buf_free(&shown);
	buf_free(&pshown);
	return rc;
}

int cmd_verify(struct job *j, const struct cli *c, struct err *e)
{
	struct proof_opts o = {.report = c->report != NULL,
			       .lock_optional = c->no_lock,
			       .require_provenance = c->require_provenance};

	return proof_check(j, &o, e);
}

int cmd_lock(struct job *j, const struct cli *c, struct err *e)
{
	struct proof_opts o = {.write_lock = 1, .report = c->report != NULL};

	return proof_check(j, &o, e);
}
