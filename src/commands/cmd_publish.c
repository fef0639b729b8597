/*
 * `cleanroom publish`: the outputs re-verified in full against the lock
 * (proof_check, as `cleanroom verify` does: any difference refuses the
 * whole publish before the first request), then publish_run (publish.h).
 * The store's credentials come from the caller's environment or the env
 * files; they are never printed.
 */
#include "commands.h"
#include "proof.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "io.h"
#include "msg.h"
#include "policy.h"
#include "publish.h"
#include "verify.h"
#include "provenance.h"

/* The caller's NAME, else an env file's. */
static const char *lookup(const struct job *j, const char *name)
{
	size_t n = strlen(name);

	for (char *const *p = j->env; p != NULL && *p != NULL; p++)
		if (strncmp(*p, name, n) == 0 && (*p)[n] == '=')
			return *p + n + 1;
	for (size_t i = 0; j->have_policy && i < j->pol.n; i++)
		if (strcmp(j->pol.v[i].name, name) == 0 &&
		    j->pol.v[i].value != NULL)
			return j->pol.v[i].value;
	return NULL;
}

/* The provenance statement (provenance.h decides where), when it exists
 * as a regular file; NULL otherwise. */
static char *statement_path(const struct spec *spec)
{
	struct err e = {0};
	struct stat st;
	char *p = NULL;

	if (provenance_path(spec, &p, &e) < 0 || p == NULL)
		return NULL;
	if (lstat(p, &st) < 0 || !S_ISREG(st.st_mode)) {
		free(p);
		return NULL;
	}
	return p;
}

int cmd_publish(struct job *j, const struct cli *c, struct err *e)
{
	struct verify_result vr;
	struct proof_opts po = {.report = c->report != NULL, .keep = &vr};
	char *lock_path = NULL, *prov = NULL;
	int rc = -1;
	double start_ms = io_now_ms();

	memset(&vr, 0, sizeof vr);
	/* A bad destination is known before the outputs are read. */
	char bucket[64], prefix[1024];

	if (publish_parse_to(j->cfg.spec.publish.to.s, bucket, sizeof bucket,
			     prefix, sizeof prefix, e) < 0)
		return -1;
	if (proof_check(j, &po, e) < 0) {
		if (e->kind == ERR_VERIFY)
			err_hint(e, "nothing was published: the outputs must "
				    "match the lock (run 'cleanroom run' or "
				    "'cleanroom verify')");
		return -1;
	}
	if (!vr.lock_existed) {
		err_set(e, ERR_VERIFY, NULL, 0, 0,
			"publish: no lock to publish");
		err_hint(e, "'cleanroom run' writes it");
		goto out;
	}
	lock_path = verify_lock_path(&j->cfg.spec);
	if (lock_path == NULL) {
		err_set(e, ERR_SYSTEM, NULL, 0, 0, "out of memory");
		goto out;
	}
	prov = statement_path(&j->cfg.spec);
	const char *region = lookup(j, "AWS_REGION");

	if (region == NULL)
		region = lookup(j, "AWS_DEFAULT_REGION");
	struct publish_opts o = {
		.spec = &j->cfg.spec,
		.vr = &vr,
		.lock_path = lock_path,
		.provenance_path = prov,
		.access_key = lookup(j, "AWS_ACCESS_KEY_ID"),
		.secret_key = lookup(j, "AWS_SECRET_ACCESS_KEY"),
		.session_token = lookup(j, "AWS_SESSION_TOKEN"),
		.region_env = region,
		.ssl_cert_file = lookup(j, "SSL_CERT_FILE"),
		.dry_run = c->dry_run,
		.prune = c->prune,
		.now = (long long)time(NULL),
		.start_ms = start_ms,
	};

	rc = publish_run(&o, e);
out:
	verify_result_free(&vr);
	free(lock_path);
	free(prov);
	return rc;
}
