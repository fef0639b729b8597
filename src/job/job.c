/*
 * Resolving one job (job.h): the spec is read once, the workdir opened
 * once and made the current directory, the configuration merged once and
 * the policy built once.
 */
#include "job.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "msg.h"

static int nomem(struct err *e)
{
	return err_sys(e, ENOMEM, "loading the job");
}

/* The workdir as a path from the start directory: the spec's workdir
 * relative to the spec file's directory. Allocated. */
static char *workdir_path(const char *spec_path, const char *wd)
{
	const char *slash = spec_path ? strrchr(spec_path, '/') : NULL;
	char *out = NULL;
	int n = 0;

	while (wd != NULL && wd[0] == '.' && wd[1] == '/')
		wd += 2;
	if (wd != NULL && (wd[0] == '\0' || strcmp(wd, ".") == 0))
		wd = NULL;
	if (wd != NULL && wd[0] == '/')
		return strdup(wd);
	if (slash == NULL)
		return strdup(wd ? wd : ".");
	if (wd == NULL)
		n = asprintf(&out, "%.*s", (int)(slash - spec_path + 1),
			     spec_path);
	else
		n = asprintf(&out, "%.*s%s", (int)(slash - spec_path + 1),
			     spec_path, wd);
	return n < 0 ? NULL : out;
}

/* "" for ".", else the path with one trailing '/'. */
static char *shown_prefix(const char *wd)
{
	size_t n;
	char *out;

	while (wd[0] == '.' && wd[1] == '/')
		wd += 2;
	if (wd[0] == '\0' || strcmp(wd, ".") == 0)
		return strdup("");
	n = strlen(wd);
	while (n > 1 && wd[n - 1] == '/')
		n--;
	out = malloc(n + 2);
	if (out == NULL)
		return NULL;
	memcpy(out, wd, n);
	out[n] = '/';
	out[n + 1] = '\0';
	return out;
}

/* An error located in a file named from the workdir: name it from the
 * start directory. */
static void locate_from_start(const struct job *j, struct err *e)
{
	char tmp[sizeof e->file];

	if (e->file[0] == '\0' || e->file[0] == '/' || j->wd_shown == NULL ||
	    j->wd_shown[0] == '\0')
		return;
	if (j->cfg.spec.path != NULL && strcmp(e->file, j->cfg.spec.path) == 0)
		return;
	if (snprintf(tmp, sizeof tmp, "%s%s", j->wd_shown, e->file) <
	    (int)sizeof tmp)
		memcpy(e->file, tmp, sizeof tmp);
}

/* A warning for each pass name that matches no variable (policy.h). */
static void warn_unmatched_pass(const struct job *j)
{
	struct buf lines = {0};

	if (policy_unmatched_pass(&j->pol, &j->cfg, &lines) > 0)
		for (char *l = lines.p, *nl; (nl = strchr(l, '\n')) != NULL;
		     l = nl + 1) {
			*nl = '\0';
			if (strncmp(l, "hint: ", 6) == 0)
				msg_hint("%s", l + 6);
			else
				msg_warn("%s", l);
		}
	buf_free(&lines);
}

int job_load(const struct job_request *rq, struct job *j, struct err *e)
{
	struct spec file, none;
	const char *path = rq->spec_path;
	char *wd = NULL, cwd[PATH_MAX];
	int rc = -1;

	memset(j, 0, sizeof *j);
	j->startfd = j->wdfd = -1;
	j->env = rq->env;
	spec_init(&file);
	spec_init(&none);
	j->startfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (j->startfd < 0) {
		err_sys(e, errno, "opening the current directory");
		goto out;
	}
	if (rq->no_spec)
		path = NULL;
	else if (path == NULL && access(CONFIG_SPEC_FILE, F_OK) == 0)
		path = CONFIG_SPEC_FILE;
	if (path != NULL && spec_load_text(path, &file, &j->spec_text, e) < 0)
		goto out;
	wd = workdir_path(path, file.workdir.s);
	if (wd == NULL) {
		nomem(e);
		goto out;
	}
	j->wdfd = open(wd, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (j->wdfd < 0) {
		err_set(e, ERR_CONFIG, path, file.workdir.line,
			file.workdir.col, "workdir %s: %s", wd,
			strerror(errno));
		err_hint(e, "workdir is relative to the spec file's "
			    "directory");
		goto out;
	}
	if (fchdir(j->wdfd) < 0 || getcwd(cwd, sizeof cwd) == NULL) {
		err_sys(e, errno, "entering the workdir %s", wd);
		goto out;
	}
	j->wd_abs = strdup(cwd);
	j->wd_shown = shown_prefix(wd);
	if (j->wd_abs == NULL || j->wd_shown == NULL) {
		nomem(e);
		goto out;
	}
	if (config_merge(&file, path != NULL, rq->over ? rq->over : &none,
			 &j->cfg, e) < 0)
		goto out;
	if (plan_build(&j->cfg, j->wd_abs, &j->plan, e) < 0)
		goto out;
	j->nroots = j->cfg.spec.outputs.roots.n;
	j->roots = calloc(j->nroots + 1, sizeof *j->roots);
	if (j->roots == NULL) {
		nomem(e);
		goto out;
	}
	for (size_t i = 0; i < j->nroots; i++)
		j->roots[i] = j->cfg.spec.outputs.roots.v[i].s;
	if (rq->policy != JOB_POLICY_NONE) {
		j->have_policy = 1;
		if (policy_build(&j->cfg, rq->env, &j->pol, e) < 0 &&
		    (rq->policy == JOB_POLICY_REQUIRED ||
		     j->pol.nmissing == 0)) {
			locate_from_start(j, e);
			goto out;
		}
		warn_unmatched_pass(j);
	}
	rc = 0;
out:
	free(wd);
	spec_free(&file);
	spec_free(&none);
	if (rc < 0)
		job_free(j);
	return rc;
}

void job_free(struct job *j)
{
	if (j->have_policy)
		policy_free(&j->pol);
	free(j->roots);
	plan_free(&j->plan);
	config_free(&j->cfg);
	buf_free(&j->spec_text);
	buf_free(&j->report);
	if (j->startfd >= 0) {
		(void)job_leave(j);
		(void)close(j->startfd);
	}
	if (j->wdfd >= 0)
		(void)close(j->wdfd);
	free(j->wd_abs);
	free(j->wd_shown);
	memset(j, 0, sizeof *j);
	j->startfd = j->wdfd = -1;
}

int job_leave(const struct job *j)
{
	return fchdir(j->startfd);
}

const char *job_shown(const struct job *j, const char *path, struct buf *out)
{
	buf_reset(out);
	if (path[0] == '/' || j->wd_shown == NULL || j->wd_shown[0] == '\0')
		return path;
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	if (buf_printf(out, "%s%s", j->wd_shown, path) < 0)
		return path;
	return out->p;
}
