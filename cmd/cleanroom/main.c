/*
 * cleanroom's entry point: parse the command line, dispatch to the
 * command, and turn its error value into the exit status of DESIGN.md's
 * table. Nothing else lives here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "err.h"
#include "io.h"
#include "msg.h"
#include "version.h"

enum {
	EXIT_USAGE = 64,
	EXIT_VERIFY = 65,
	EXIT_SANDBOX = 71,
	EXIT_CONFIG = 78,
	EXIT_TIMEOUT = 124,
	EXIT_INTERNAL = 125,
};

static int exit_status(const struct err *e)
{
	switch (e->kind) {
	case ERR_USAGE: return EXIT_USAGE;
	case ERR_CONFIG: return EXIT_CONFIG;
	case ERR_VERIFY: return EXIT_VERIFY;
	case ERR_SANDBOX: return EXIT_SANDBOX;
	case ERR_CHILD: return e->status;
	case ERR_TIMEOUT: return EXIT_TIMEOUT;
	case ERR_NONE:
	case ERR_SYSTEM: break;
	}
	return EXIT_INTERNAL;
}

static int print_buf(int (*fill)(struct buf *, int), int arg, struct err *e)
{
	struct buf out = {0};
	int rc = 0;

	if (fill(&out, arg) < 0)
		rc = err_sys(e, ENOMEM, "formatting output");
	else if (io_write_all(STDOUT_FILENO, out.p, out.len) < 0)
		rc = err_sys(e, errno, "writing to standard output");
	buf_free(&out);
	return rc;
}

static int fill_usage(struct buf *out, int cmd)
{
	return cli_usage(out, (enum cmd)cmd);
}

static int fill_version(struct buf *out, int unused)
{
	(void)unused;
	return version_text(out);
}

static int dispatch(const struct cli *c, struct err *e)
{
	switch (c->cmd) {
	case CMD_ENV: return cmd_env(c, e);
	case CMD_INIT: return cmd_init(c, e);
	case CMD_DIFF: return cmd_diff(c, e);
	case CMD_VERIFY: return cmd_verify(c, e);
	case CMD_LOCK: return cmd_lock(c, e);
	case CMD_RUN: return cmd_run(c, e);
	case CMD_START: return cmd_start(c, e);
	case CMD_DOCTOR: return cmd_doctor(c, e);
	case CMD_REPRODUCE: return cmd_reproduce(c, e);
	default: return err_set(e, ERR_SYSTEM, NULL, 0, 0, "no such command");
	}
}

int main(int argc, char **argv)
{
	struct err e = {0};
	struct cli c;
	int rc;

	if (cli_parse(argc, argv, &c, &e) < 0) {
		msg_error(&e);
		cli_free(&c);
		return exit_status(&e);
	}
	msg_set_level(c.quiet	  ? MSG_QUIET
		      : c.verbose ? MSG_VERBOSE
				  : MSG_NORMAL);
	if (c.help)
		rc = print_buf(fill_usage, (int)c.help_for, &e);
	else if (c.version)
		rc = print_buf(fill_version, 0, &e);
	else if (c.dir != NULL && chdir(c.dir) < 0)
		rc = err_set(&e, ERR_USAGE, NULL, 0, 0, "-C %s: %s", c.dir,
			     strerror(errno));
	else
		rc = dispatch(&c, &e);
	if (rc < 0)
		msg_error(&e);
	cli_free(&c);
	return rc < 0 ? exit_status(&e) : 0;
}
