/*
 * cleanroom-gen: writes what is generated from cleanroom's own tables for
 * `make dist` and the tests that keep the documentation honest. Not
 * installed.
 *
 *   cleanroom-gen bash|zsh|fish   the completion script (complete.h)
 *   cleanroom-gen options         every option of cli.c's table, a line
 *                                 each: --name, then -x when it has one
 *   cleanroom-gen commands        every command name, a line each
 *   cleanroom-gen spec-keys       every spec key's dotted path (spec.h)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "complete.h"
#include "err.h"
#include "io.h"
#include "msg.h"
#include "spec.h"

static int fill(struct buf *out, const char *what, struct err *e)
{
	struct cli_option o;

	if (strcmp(what, "options") == 0) {
		for (size_t i = 0; cli_option_at(i, &o) == 0; i++)
			if (buf_printf(out, "--%s\n", o.name) < 0 ||
			    (o.shrt && buf_printf(out, "-%c\n", o.shrt) < 0))
				return err_sys(e, ENOMEM, "listing options");
		return 0;
	}
	if (strcmp(what, "commands") == 0) {
		for (int c = CMD_NONE + 1; c < CMD_COUNT; c++)
			if (buf_printf(out, "%s\n", cli_cmd_name((enum cmd)c)) <
			    0)
				return err_sys(e, ENOMEM, "listing commands");
		return 0;
	}
	if (strcmp(what, "spec-keys") == 0) {
		if (spec_key_paths(out) < 0)
			return err_sys(e, ENOMEM, "listing spec keys");
		return 0;
	}
	return complete_script(out, what, e);
}

int main(int argc, char **argv)
{
	struct err e = {0};
	struct buf out = {0};
	int rc = 0;

	if (argc != 2) {
		(void)fprintf(stderr, "usage: cleanroom-gen "
				      "bash|zsh|fish|options|commands|"
				      "spec-keys\n");
		return EXIT_USAGE;
	}
	if (fill(&out, argv[1], &e) < 0)
		rc = -1;
	else if (io_write_all(STDOUT_FILENO, out.p, out.len) < 0)
		rc = err_sys(&e, errno, "writing to standard output");
	buf_free(&out);
	if (rc < 0) {
		msg_error(&e);
		return err_exit_status(&e);
	}
	return EXIT_OK;
}
