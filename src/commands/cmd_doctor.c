/*
 * `cleanroom doctor`: what the sandbox can do here and whether the spec and
 * env files are sound, without running anything. It prints the kernel and
 * process facts the layers depend on (kernel, Landlock ABI, seccomp,
 * capabilities, user namespaces), each layer's state with the reason, the
 * lint findings (every error job_load, the env-file parser, policy_build
 * and sandbox_prepare report, each with FILE:LINE:COL where known), and as
 * its last line the summary `run` would print here.
 *
 * The plan is the job's, as `run` uses it (plan.h): the output roots,
 * writable dirs and env files relative to the workdir, made absolute. Exit
 * status: EXIT_SANDBOX (ERR_SANDBOX) with --strict or `sandbox.strict`
 * when a layer the plan needs is unavailable; else EXIT_CONFIG
 * (ERR_CONFIG, the first finding) when the lint found an error; else 0.
 */
#include "commands.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "job.h"
#include "overrides.h"
#include "envfile.h"
#include "imagebuild.h"
#include "io.h"
#include "policy.h"
#include "sandbox.h"
#include "vars.h"

/* Everything doctor found, and what it printed them into. */
struct doctor {
	struct buf out;
	struct err first; /* the first lint error */
	unsigned findings;
};

static int finding(struct doctor *d, const struct err *e)
{
	char where[sizeof e->msg + sizeof e->file + 32];

	if (d->findings++ == 0)
		d->first = *e;
	err_format(e, where, sizeof where);
	if (buf_printf(&d->out, "  %s\n", where) < 0)
		return -1;
	if (e->hint[0] != '\0' &&
	    buf_printf(&d->out, "    hint: %s\n", e->hint) < 0)
		return -1;
	return 0;
}

static int facts(struct buf *o, const struct sandbox_status *st)
{
	const char *sc = st->seccomp_mode == 2	 ? "a filter is already on "
						   "cleanroom (the "
						   "container's profile)"
			 : st->seccomp_mode == 0 ? "no filter on cleanroom now"
						 : "not in this kernel";

	if (buf_printf(o, "kernel         Linux %s\n", st->kernel) < 0 ||
	    buf_printf(o, "running as     uid %ld, gid %ld\n", (long)getuid(),
		       (long)getgid()) < 0)
		return -1;
	if (st->landlock_abi > 0 &&
	    buf_printf(o, "landlock       ABI %d\n", st->landlock_abi) < 0)
		return -1;
	if (st->landlock_abi == 0 &&
	    buf_adds(o, "landlock       unavailable (see below)\n") < 0)
		return -1;
	if (buf_printf(o, "seccomp        %s\n", sc) < 0 ||
	    buf_printf(o,
		       "capabilities   %d held (effective %#lx), bounding set "
		       "%#lx\n",
		       __builtin_popcountl(st->caps_held), st->caps_held,
		       st->caps_bound) < 0 ||
	    buf_printf(o, "no_new_privs   %s now\n",
		       st->nnp_now ? "on" : "off") < 0)
		return -1;
	if (st->userns)
		return buf_adds(o, "user ns        an unprivileged process may "
				   "create user namespaces here\n");
	return buf_printf(o, "user ns        not available (%s)\n",
			  sandbox_errno_name(st->userns_err));
}

static int layers(struct buf *o, const struct sandbox_status *st)
{
	if (buf_adds(o, "\nlayers:\n") < 0)
		return -1;
	for (size_t i = 0; i < st->n; i++) {
		const struct sandbox_layer *l = &st->layer[i];

		if (buf_printf(o, "  %-12s %s", l->name,
			       sandbox_state_text(l->state)) < 0 ||
		    (l->err > 0 &&
		     buf_printf(o, " (%s)", sandbox_errno_name(l->err)) < 0) ||
		    (l->detail[0] != '\0' &&
		     buf_printf(o, "; %s", l->detail) < 0) ||
		    buf_addc(o, '\n') < 0)
			return -1;
	}
	return 0;
}

/* Each env file parsed on its own line of findings, in order, as the
 * policy reads them (later files see the earlier ones' variables). */
static int lint_env_files(struct doctor *d, const struct job *j)
{
	const struct spec_list *files = &j->cfg.spec.env.files;
	struct vars base, defined;
	struct buf shown = {0};
	int rc = 0;

	vars_init(&base);
	vars_init(&defined);
	if (vars_from_environ(&base, j->env) < 0) {
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < files->n && rc == 0; i++) {
		struct err e = {0};
		size_t before = defined.n;

		if (envfile_load(files->v[i].s, &base, &defined, &e) < 0) {
			/* Named from where doctor was started. */
			if (e.file[0] != '\0' && e.file[0] != '/')
				(void)snprintf(
					e.file, sizeof e.file, "%s",
					job_shown(j, files->v[i].s, &shown));
			rc = finding(d, &e);
		} else {
			rc = buf_printf(&d->out, "  %s: ok, %zu variables\n",
					job_shown(j, files->v[i].s, &shown),
					defined.n - before);
		}
	}
	if (files->n == 0 && rc == 0)
		rc = buf_adds(&d->out, "  no env file\n");
out:
	buf_free(&shown);
	vars_free(&defined);
	vars_free(&base);
	return rc;
}

static int lint_policy(struct doctor *d, const struct job *j, unsigned before)
{
	struct policy pol;
	struct err e = {0};
	size_t withheld = 0;
	int rc;

	if (policy_build(&j->cfg, j->env, &pol, &e) < 0) {
		/* An env file error was reported above, file by file. */
		rc = d->findings > before ? 0 : finding(d, &e);
		policy_free(&pol);
		return rc;
	}
	for (size_t i = 0; i < pol.n; i++)
		withheld += pol.v[i].withheld != 0;
	rc = buf_printf(&d->out,
			"  environment: %zu variables for the build, %zu "
			"withheld\n",
			pol.n - withheld, withheld);
	policy_free(&pol);
	return rc;
}

static int plan_lines(struct buf *o, const struct sandbox_plan *p)
{
	struct stat sb;

	if (buf_printf(o, "\nplan:\n  workdir      %s\n", p->workdir) < 0)
		return -1;
	for (size_t i = 0; i < p->nwritable; i++)
		if (buf_printf(o, "  writable     %s%s\n", p->writable[i],
			       stat(p->writable[i], &sb) == 0
				       ? ""
				       : " (not there yet: run makes it)") < 0)
			return -1;
	if (buf_adds(o, "  writable     a private TMPDIR (made by run)\n") < 0)
		return -1;
	for (size_t i = 0; i < p->nhidden; i++)
		if (buf_printf(o, "  hidden       %s%s\n", p->hidden[i],
			       stat(p->hidden[i], &sb) == 0
				       ? ""
				       : " (not there)") < 0)
			return -1;
	return buf_printf(o, "  network      %s\n",
			  !p->deny_network	  ? "allowed"
			  : p->allow_unix_sockets ? "denied (unix sockets "
						    "allowed)"
						  : "denied");
}

/* sandbox_prepare on the paths that exist, for the errors it finds in the
 * plan (an env file inside a writable dir, an unknown user). */
static int lint_prepare(struct doctor *d, const struct sandbox_plan *p,
			const struct sandbox_status *st)
{
	struct sandbox_plan q = *p;
	const char **w = calloc(p->nwritable + 1, sizeof *w);
	struct sandbox_prepared *sp = NULL;
	struct err e = {0};
	struct stat sb;
	int rc = 0;

	if (w == NULL)
		return -1;
	q.nwritable = 0;
	for (size_t i = 0; i < p->nwritable; i++)
		if (stat(p->writable[i], &sb) == 0)
			w[q.nwritable++] = p->writable[i];
	q.writable = w;
	if (sandbox_prepare(&q, st, &sp, &e) < 0)
		rc = finding(d, &e);
	sandbox_prepared_free(sp);
	free(w);
	return rc;
}

int cmd_doctor(const struct cli *c, char *const *env, struct err *e)
{
	struct doctor d = {0};
	struct spec ov;
	struct job job, *j = &job;
	struct job_request rq = {.spec_path = c->spec, .over = &ov, .env = env};
	struct sandbox_plan plan;
	struct sandbox_status st;
	struct err ce = {0}, user_err = {0};
	const char *which = NULL;
	int have_cfg, have_job = 0, rc = -1;
	unsigned before;

	if (overrides_from_cli(c, 0, &ov, e) < 0) {
		spec_free(&ov);
		return -1;
	}
	/* A spec or workdir that will not load is a finding; the plan then
	 * comes from the flags alone, with the same path rules. */
	have_cfg = job_load(&rq, j, &ce) == 0;
	if (!have_cfg && ce.kind != ERR_CONFIG) {
		*e = ce; /* usage errors and system failures */
		goto out;
	}
	rq.no_spec = 1;
	if (!have_cfg && job_load(&rq, j, e) < 0)
		goto out;
	have_job = 1;
	plan = j->plan.sb;
	if (sandbox_probe(&plan, &st, &ce) < 0) {
		if (ce.kind != ERR_CONFIG) {
			*e = ce;
			goto out;
		}
		/* An unknown user: probe again without it, and lint it. */
		user_err = ce;
		plan.user = NULL;
		if (sandbox_probe(&plan, &st, e) < 0)
			goto out;
	}
	if (buf_adds(&d.out, "cleanroom doctor\n\n") < 0 ||
	    facts(&d.out, &st) < 0 || layers(&d.out, &st) < 0 ||
	    plan_lines(&d.out, &plan) < 0 || buf_adds(&d.out, "\nlint:\n") < 0)
		goto nomem;
	if (!have_cfg) {
		if (finding(&d, &ce) < 0)
			goto nomem;
	} else {
		const struct config *cfg = &j->cfg;

		if (buf_printf(&d.out, "  %s: %s\n",
			       cfg->spec_found ? cfg->spec.path : "spec",
			       cfg->spec_found ? "ok" : "none (defaults)") <
			    0 ||
		    buf_printf(&d.out, "  framework: %s%s%s\n",
			       spec_framework_name(cfg->spec.framework),
			       cfg->framework_detected ? ", detected: " : "",
			       cfg->framework_detected ? cfg->detection.reason
						       : "") < 0)
			goto nomem;
		before = d.findings;
		imagebuild_warn_env_files(&cfg->spec.env.files);
		if (lint_env_files(&d, j) < 0 || lint_policy(&d, j, before) < 0)
			goto nomem;
	}
	if ((user_err.kind != ERR_NONE && finding(&d, &user_err) < 0) ||
	    lint_prepare(&d, &plan, &st) < 0)
		goto nomem;
	if (d.findings == 0 && buf_adds(&d.out, "  no problems found\n") < 0)
		goto nomem;
	if (buf_addc(&d.out, '\n') < 0 ||
	    sandbox_summary(&st, &plan, &d.out) < 0 ||
	    buf_addc(&d.out, '\n') < 0)
		goto nomem;
	if (io_write_all(STDOUT_FILENO, d.out.p, d.out.len) < 0) {
		err_sys(e, errno, "writing to standard output");
		goto out;
	}
	if (plan.strict && sandbox_missing(&st, &which)) {
		err_set(e, ERR_SANDBOX, NULL, 0, 0,
			"sandbox: %s is unavailable here and --strict "
			"requires every layer",
			which);
		err_hint(e, "see the layers above; without --strict, run "
			    "goes on with the layers that work");
		goto out;
	}
	if (d.findings > 0) {
		*e = d.first;
		goto out;
	}
	rc = 0;
	goto out;
nomem:
	err_sys(e, ENOMEM, "doctor");
out:
	buf_free(&d.out);
	if (have_job)
		job_free(j);
	spec_free(&ov);
	return rc;
}
