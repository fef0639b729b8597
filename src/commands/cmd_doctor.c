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
 *
 * `--format json` prints the same facts as one JSON object instead (README
 * "doctor --format json"), through report.h's writer, with the exit
 * status and its reason inside; the status is the same.
 */
#include "commands.h"

#include <errno.h>
#include <glob.h>
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
#include "envfmt.h"
#include "imagebuild.h"
#include "io.h"
#include "policy.h"
#include "report.h"
#include "sandbox.h"
#include "vars.h"

/* Everything doctor found, and what it printed them into. */
struct doctor {
	struct buf out;
	struct err first; /* the first lint error */
	unsigned findings;
	/* --format json: the lint's arrays, each element with its leading
	 * ",\n" but the first; the environment's counts (-1: not built) */
	struct buf jfindings, jenv, jwarnings;
	long env_build, env_withheld;
};

static int jstr(struct buf *b, const char *s)
{
	if (s == NULL)
		return buf_adds(b, "null");
	return envfmt_json_string(b, s, strlen(s));
}

static int jsep(struct buf *b)
{
	return b->len > 0 ? buf_adds(b, ",\n    ") : buf_adds(b, "\n    ");
}

static int finding(struct doctor *d, const struct err *e)
{
	char where[sizeof e->msg + sizeof e->file + 32];

	if (jsep(&d->jfindings) < 0 ||
	    buf_adds(&d->jfindings, "{\"file\": ") < 0 ||
	    jstr(&d->jfindings, e->file[0] ? e->file : NULL) < 0 ||
	    buf_printf(&d->jfindings,
		       ", \"line\": %u, \"column\": %u, "
		       "\"message\": ",
		       e->line, e->col) < 0 ||
	    jstr(&d->jfindings, e->msg) < 0 ||
	    buf_adds(&d->jfindings, ", \"hint\": ") < 0 ||
	    jstr(&d->jfindings, e->hint[0] ? e->hint : NULL) < 0 ||
	    buf_adds(&d->jfindings, "}") < 0)
		return -1;
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
			const char *f = job_shown(j, files->v[i].s, &shown);

			rc = buf_printf(&d->out, "  %s: ok, %zu variables\n", f,
					defined.n - before);
			if (rc == 0 &&
			    (jsep(&d->jenv) < 0 ||
			     buf_adds(&d->jenv, "{\"file\": ") < 0 ||
			     jstr(&d->jenv, f) < 0 ||
			     buf_printf(&d->jenv, ", \"variables\": %zu}",
					defined.n - before) < 0))
				rc = -1;
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
	d->env_build = (long)(pol.n - withheld);
	d->env_withheld = (long)withheld;
	rc = buf_printf(&d->out,
			"  environment: %zu variables for the build, %zu "
			"withheld\n",
			pol.n - withheld, withheld);
	if (rc == 0) {
		struct buf w = {0};

		rc = policy_unmatched_pass(&pol, &j->cfg, &w) < 0 ? -1 : 0;
		for (char *l = w.p, *nl;
		     rc == 0 && l != NULL && (nl = strchr(l, '\n')) != NULL;
		     l = nl + 1) {
			const char *hint = NULL;

			*nl = '\0';
			if (strncmp(nl + 1, "hint: ", 6) == 0) {
				hint = nl + 1;
				nl = strchr(nl + 1, '\n');
				if (nl == NULL)
					break;
				*nl = '\0';
			}
			if (buf_printf(&d->out, "  warning: %s\n", l) < 0 ||
			    (hint != NULL &&
			     buf_printf(&d->out, "    %s\n", hint) < 0) ||
			    jsep(&d->jwarnings) < 0 ||
			    buf_adds(&d->jwarnings, "{\"message\": ") < 0 ||
			    jstr(&d->jwarnings, l) < 0 ||
			    buf_adds(&d->jwarnings, ", \"hint\": ") < 0 ||
			    jstr(&d->jwarnings, hint ? hint + 6 : NULL) < 0 ||
			    buf_addc(&d->jwarnings, '}') < 0)
				rc = -1;
		}
		buf_free(&w);
	}
	policy_free(&pol);
	return rc;
}

/* Django: the folders of STATICFILES_DIRS are start's inputs only when
 * the preset's patterns (static, *\/static) cover them or the spec lists
 * them; doctor cannot run the settings, so when they name
 * STATICFILES_DIRS and the spec keeps the preset's inputs it says which
 * key to add (`cleanroom init` learns them by running manage.py in the
 * sandbox). */
static int lint_static_dirs(struct doctor *d, const struct job *j)
{
	static const char static_hint[] =
		"add the other folders to inputs: (`cleanroom init` learns "
		"them by running manage.py in the sandbox)";
	const struct config *cfg = &j->cfg;
	const struct spec_list *in = &cfg->spec.inputs;
	static const char *const pats[] = {"*/settings.py", "*/settings/*.py",
					   "settings.py", NULL};
	size_t n = 0;
	int rc = 0, said = 0;

	if (cfg->preset == NULL || cfg->preset->framework != FW_DJANGO)
		return 0;
	while (cfg->preset->inputs[n] != NULL)
		n++;
	if (in->n != n)
		return 0; /* the spec lists its own inputs */
	for (size_t i = 0; i < n; i++)
		if (strcmp(in->v[i].s, cfg->preset->inputs[i]) != 0)
			return 0;
	for (size_t k = 0; pats[k] != NULL && rc == 0 && !said; k++) {
		glob_t g;

		if (glob(pats[k], 0, NULL, &g) != 0)
			continue;
		for (size_t i = 0; i < g.gl_pathc && rc == 0 && !said; i++) {
			struct buf text = {0};

			if (io_read_file(g.gl_pathv[i], 1u << 20, &text) == 0 &&
			    text.p != NULL &&
			    strstr(text.p, "STATICFILES_DIRS") != NULL) {
				struct buf msg = {0};

				rc = buf_printf(
					&msg,
					"%s sets STATICFILES_DIRS: start "
					"rebuilds on a change there only "
					"for folders named static (the "
					"preset's static and */static) or "
					"listed under inputs: in the spec",
					g.gl_pathv[i]);
				if (rc == 0 &&
				    (buf_printf(&d->out,
						"  note: %s\n    hint: %s\n",
						msg.p, static_hint) < 0 ||
				     jsep(&d->jwarnings) < 0 ||
				     buf_adds(&d->jwarnings, "{\"message\": ") <
					     0 ||
				     jstr(&d->jwarnings, msg.p) < 0 ||
				     buf_adds(&d->jwarnings, ", \"hint\": ") <
					     0 ||
				     jstr(&d->jwarnings, static_hint) < 0 ||
				     buf_addc(&d->jwarnings, '}') < 0))
					rc = -1;
				buf_free(&msg);
				said = 1;
			}
			buf_free(&text);
		}
		globfree(&g);
	}
	return rc < 0 ? -1 : 0;
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
	if (p->private_home &&
	    buf_printf(o,
		       "  home         %s, private and empty (made by run)\n",
		       PLAN_HOME) < 0)
		return -1;
	if (p->default_user &&
	    buf_printf(o,
		       "  user         uid %d, gid %d, no groups (the "
		       "default; `user: root` keeps uid 0)\n",
		       PLAN_BUILD_UID, PLAN_BUILD_GID) < 0)
		return -1;
	if (p->user != NULL &&
	    buf_printf(o, "  user         %s%s\n", p->user,
		       plan_user_is_root(p->user)
			       ? ": uid 0 kept, the processes limit does not "
				 "hold and modes and owners outside are not "
				 "confined"
			       : "") < 0)
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

static int jarray(struct buf *m, const char *name, const struct buf *items)
{
	if (buf_printf(m, ",\n  \"%s\": [", name) < 0 ||
	    buf_add(m, items->p ? items->p : "", items->len) < 0)
		return -1;
	return buf_adds(m, items->len ? "\n  ]" : "]");
}

static int jlist(struct buf *m, const char *const *v, size_t n)
{
	if (buf_addc(m, '[') < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((i > 0 && buf_adds(m, ", ") < 0) || jstr(m, v[i]) < 0)
			return -1;
	return buf_addc(m, ']');
}

/* The members of the JSON object after exit_status, reason and hint. */
static int doctor_json(struct buf *m, const struct doctor *d,
		       const struct sandbox_status *st,
		       const struct sandbox_plan *p, const struct job *j,
		       int have_cfg)
{
	struct buf sum = {0}, layers_j = {0};
	int rc = -1;

	for (size_t i = 0; i < st->n; i++) {
		const struct sandbox_layer *l = &st->layer[i];

		if (jsep(&layers_j) < 0 ||
		    buf_adds(&layers_j, "{\"name\": ") < 0 ||
		    jstr(&layers_j, l->name) < 0 ||
		    buf_adds(&layers_j, ", \"state\": ") < 0 ||
		    jstr(&layers_j, sandbox_state_text(l->state)) < 0 ||
		    buf_adds(&layers_j, ", \"errno\": ") < 0 ||
		    jstr(&layers_j,
			 l->err > 0 ? sandbox_errno_name(l->err) : NULL) < 0 ||
		    buf_adds(&layers_j, ", \"detail\": ") < 0 ||
		    jstr(&layers_j, l->detail[0] ? l->detail : NULL) < 0 ||
		    buf_addc(&layers_j, '}') < 0)
			goto out;
	}
	if (sandbox_summary(st, p, &sum) < 0 ||
	    buf_adds(m, ",\n  \"kernel\": ") < 0 || jstr(m, st->kernel) < 0 ||
	    buf_printf(m,
		       ",\n  \"uid\": %ld, \"gid\": %ld,\n  "
		       "\"landlock_abi\": %d,\n  \"seccomp\": \"%s\",\n  "
		       "\"capabilities_held\": %d,\n  \"no_new_privs\": %s,"
		       "\n  \"user_namespaces\": %s",
		       (long)getuid(), (long)getgid(), st->landlock_abi,
		       st->seccomp_mode == 2   ? "filtered"
		       : st->seccomp_mode == 0 ? "available"
					       : "unsupported",
		       __builtin_popcountl(st->caps_held),
		       st->nnp_now ? "true" : "false",
		       st->userns ? "true" : "false") < 0 ||
	    jarray(m, "layers", &layers_j) < 0 ||
	    buf_adds(m, ",\n  \"plan\": {\"workdir\": ") < 0 ||
	    jstr(m, p->workdir) < 0 || buf_adds(m, ", \"writable\": ") < 0 ||
	    jlist(m, p->writable, p->nwritable) < 0 ||
	    buf_adds(m, ", \"hidden\": ") < 0 ||
	    jlist(m, p->hidden, p->nhidden) < 0 ||
	    buf_printf(m, ", \"network\": \"%s\", \"unix_sockets\": %s}",
		       p->deny_network ? "deny" : "allow",
		       p->allow_unix_sockets ? "true" : "false") < 0 ||
	    buf_adds(m, ",\n  \"spec\": ") < 0 ||
	    jstr(m, have_cfg && j->cfg.spec_found ? j->cfg.spec.path : NULL) <
		    0 ||
	    buf_adds(m, ",\n  \"framework\": ") < 0 ||
	    jstr(m, have_cfg ? spec_framework_name(j->cfg.spec.framework)
			     : NULL) < 0 ||
	    buf_adds(m, ", \"framework_detected\": ") < 0 ||
	    jstr(m, have_cfg && j->cfg.framework_detected
			    ? j->cfg.detection.reason
			    : NULL) < 0 ||
	    jarray(m, "env_files", &d->jenv) < 0)
		goto out;
	if (d->env_build >= 0
		    ? buf_printf(m,
				 ",\n  \"environment\": {\"build\": %ld, "
				 "\"withheld\": %ld}",
				 d->env_build, d->env_withheld) < 0
		    : buf_adds(m, ",\n  \"environment\": null") < 0)
		goto out;
	if (jarray(m, "findings", &d->jfindings) < 0 ||
	    jarray(m, "warnings", &d->jwarnings) < 0 ||
	    buf_adds(m, ",\n  \"summary\": ") < 0 || jstr(m, sum.p) < 0)
		goto out;
	rc = 0;
out:
	buf_free(&sum);
	buf_free(&layers_j);
	return rc;
}

int cmd_doctor(const struct cli *c, char *const *env, struct err *e)
{
	struct doctor d = {.env_build = -1};
	struct spec ov;
	struct job job, *j = &job;
	struct job_request rq = {.spec_path = c->spec, .over = &ov, .env = env};
	struct sandbox_plan plan;
	struct sandbox_status st;
	struct err ce = {0}, user_err = {0}, why = {0};
	struct buf members = {0};
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
		plan.default_user = geteuid() == 0;
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
		if (lint_env_files(&d, j) < 0 ||
		    lint_policy(&d, j, before) < 0 ||
		    lint_static_dirs(&d, j) < 0)
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
	if (plan.strict && sandbox_missing(&st, &which)) {
		err_set(&why, ERR_SANDBOX, NULL, 0, 0,
			"sandbox: %s is unavailable here and --strict "
			"requires every layer",
			which);
		err_hint(&why, "see the layers above; without --strict, run "
			       "goes on with the layers that work");
	} else if (d.findings > 0) {
		why = d.first;
	}
	if (c->format != NULL && strcmp(c->format, "json") == 0) {
		if (doctor_json(&members, &d, &st, &plan, j, have_cfg) < 0)
			goto nomem;
		if (report_write("-", "doctor",
				 why.kind != ERR_NONE ? err_exit_status(&why)
						      : 0,
				 why.kind != ERR_NONE ? &why : NULL, &members,
				 e) < 0)
			goto out;
	} else if (io_write_all(STDOUT_FILENO, d.out.p, d.out.len) < 0) {
		err_sys(e, errno, "writing to standard output");
		goto out;
	}
	if (why.kind != ERR_NONE) {
		*e = why;
		goto out;
	}
	rc = 0;
	goto out;
nomem:
	err_sys(e, ENOMEM, "doctor");
out:
	buf_free(&d.out);
	buf_free(&d.jfindings);
	buf_free(&d.jenv);
	buf_free(&d.jwarnings);
	buf_free(&members);
	if (have_job)
		job_free(j);
	spec_free(&ov);
	return rc;
}
