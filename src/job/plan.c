/*
 * The sandbox plan of a job (plan.h).
 */
#include "plan.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "beneath.h"

static int nomem(struct err *e)
{
	return err_sys(e, ENOMEM, "planning the sandbox");
}

/* p made absolute against wd; owned by the plan. */
static const char *own(struct plan *pl, const char *wd, const char *p)
{
	char *out = NULL;

	if (pl->npaths == pl->cap)
		return NULL;
	if (p[0] == '/')
		out = strdup(p);
	else if (asprintf(&out, "%s/%s", wd, p) < 0)
		out = NULL;
	if (out != NULL)
		pl->paths[pl->npaths++] = out;
	return out;
}

int plan_user_is_root(const char *user)
{
	return user != NULL &&
	       (strcmp(user, "root") == 0 || strcmp(user, "0") == 0);
}

int plan_build(const struct config *cfg, const char *wd_abs, struct plan *p,
	       struct err *e)
{
	const struct spec *s = &cfg->spec;
	size_t nw = s->outputs.roots.n + s->sandbox.writable.n;
	size_t nh = s->env.files.n;

	memset(p, 0, sizeof *p);
	/* Room for run's TMPDIR besides the configuration's paths. */
	p->cap = nw + nh + 2;
	p->paths = calloc(p->cap, sizeof *p->paths);
	p->writable = calloc(nw + 2, sizeof *p->writable);
	p->hidden = calloc(nh + 1, sizeof *p->hidden);
	if (p->paths == NULL || p->writable == NULL || p->hidden == NULL)
		return nomem(e);
	for (size_t i = 0; i < s->outputs.roots.n; i++)
		if ((p->writable[p->sb.nwritable++] =
			     own(p, wd_abs, s->outputs.roots.v[i].s)) == NULL)
			return nomem(e);
	for (size_t i = 0; i < s->sandbox.writable.n; i++)
		if ((p->writable[p->sb.nwritable++] = own(
			     p, wd_abs, s->sandbox.writable.v[i].s)) == NULL)
			return nomem(e);
	for (size_t i = 0; i < nh; i++)
		if ((p->hidden[p->sb.nhidden++] =
			     own(p, wd_abs, s->env.files.v[i].s)) == NULL)
			return nomem(e);
	p->sb.workdir = wd_abs;
	p->sb.writable = p->writable;
	p->sb.hidden = p->hidden;
	p->sb.deny_network = s->sandbox.network != NET_ALLOW;
	p->sb.allow_unix_sockets = s->sandbox.unix_sockets == 1;
	p->sb.limits = s->sandbox.limits;
	p->sb.user = s->sandbox.user.s;
	p->sb.default_user = p->sb.user == NULL && geteuid() == 0;
	p->sb.private_home = geteuid() == 0 && !plan_user_is_root(p->sb.user);
	p->sb.strict = s->sandbox.strict == 1;
	return 0;
}

int plan_add_writable(struct plan *p, const char *abs, struct err *e)
{
	const char *a = own(p, "/", abs);

	if (a == NULL)
		return nomem(e);
	p->writable[p->sb.nwritable++] = a;
	return 0;
}

static int make_dir(const char *path, struct err *e)
{
	int fd;

	if (strcmp(path, ".") == 0 || strcmp(path, "./") == 0)
		return 0;
	fd = beneath_mkdirs(AT_FDCWD, path);
	if (fd >= 0) {
		(void)close(fd);
		return 0;
	}
	if (errno == ELOOP || errno == EXDEV) {
		struct stat st;

		/* Named through a link (public -> /srv/public): fine when it
		 * leads to a directory now; verification pins it there. */
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			return 0;
		return err_set(e, ERR_CONFIG, NULL, 0, 0,
			       "%s leads through a symlink to no directory",
			       path);
	}
	if (errno == EINVAL || errno == ENAMETOOLONG)
		return err_set(e, ERR_CONFIG, NULL, 0, 0, "bad path '%s'",
			       path);
	return err_sys(e, errno, "creating %s", path);
}

int plan_make_dirs(const struct config *cfg, struct err *e)
{
	const struct spec *s = &cfg->spec;

	for (size_t i = 0; i < s->outputs.roots.n; i++)
		if (make_dir(s->outputs.roots.v[i].s, e) < 0)
			return -1;
	for (size_t i = 0; i < s->sandbox.writable.n; i++)
		if (make_dir(s->sandbox.writable.v[i].s, e) < 0)
			return -1;
	return 0;
}

void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->npaths; i++)
		free(p->paths[i]);
	free(p->paths);
	free(p->writable);
	free(p->hidden);
	memset(p, 0, sizeof *p);
}
