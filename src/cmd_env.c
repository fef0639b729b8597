/*
 * `cleanroom env`. With --files-only it prints exactly what the env files
 * assign after expansion against cleanroom's own environment, which is
 * what `set -a; . FILE` would add. The policy view (the child's
 * environment with secrets masked) needs the spec and policy modules and
 * is reported as not implemented until they exist.
 */
#include "commands.h"

#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "envfile.h"
#include "envfmt.h"
#include "io.h"
#include "msg.h"

extern char **environ;

#define DEFAULT_ENV_FILE ".aptible.env"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Loads one env file, reporting its size and parse time with -v. */
static int load_timed(const char *path, const struct vars *base,
		      struct vars *defined, struct err *e)
{
	double t0 = now_ms();
	size_t before = defined->n;

	if (envfile_load(path, base, defined, e) < 0)
		return -1;
	msg_debug("env: %s: %zu new variables (%zu in all) in %.3f ms", path,
		  defined->n - before, defined->n, now_ms() - t0);
	return 0;
}

int cmd_env(const struct cli *c, struct err *e)
{
	struct vars base, defined;
	struct buf out = {0};
	enum envfmt fmt = ENVFMT_SH;
	int rc = -1;

	if (!c->files_only)
		return cmd_unimplemented(c, e);
	if (c->format != NULL && envfmt_parse(c->format, &fmt) < 0)
		return err_set(e, ERR_USAGE, NULL, 0, 0,
			       "--format: unknown format '%s'", c->format);
	vars_init(&base);
	vars_init(&defined);
	if (vars_from_environ(&base, environ) < 0) {
		err_sys(e, errno, "reading the environment");
		goto out;
	}
	if (c->env_files.n == 0) {
		if (access(DEFAULT_ENV_FILE, F_OK) != 0) {
			err_set(e, ERR_USAGE, NULL, 0, 0,
				"no env file: %s is not here and no --env was "
				"given",
				DEFAULT_ENV_FILE);
			err_hint(e, "cleanroom env --files-only --env FILE");
			goto out;
		}
		if (load_timed(DEFAULT_ENV_FILE, &base, &defined, e) < 0)
			goto out;
	}
	for (size_t i = 0; i < c->env_files.n; i++)
		if (load_timed(c->env_files.v[i], &base, &defined, e) < 0)
			goto out;
	if (envfmt_write(&out, fmt, &defined, NULL, NULL) < 0) {
		err_sys(e, errno, "formatting the environment");
		goto out;
	}
	if (io_write_all(STDOUT_FILENO, out.p, out.len) < 0) {
		err_sys(e, errno, "writing to standard output");
		goto out;
	}
	rc = 0;
out:
	buf_free(&out);
	vars_free(&defined);
	vars_free(&base);
	return rc;
}

int cmd_unimplemented(const struct cli *c, struct err *e)
{
	err_set(e, ERR_UNIMPL, NULL, 0, 0,
		"'%s%s' is not implemented in this build yet",
		cli_cmd_name(c->cmd),
		c->cmd == CMD_ENV ? "' without '--files-only" : "");
	err_hint(e, "this build implements: env --files-only; see "
		    "'cleanroom help'");
	return -1;
}
