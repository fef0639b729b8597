/*
 * cleanroom's entry point: parse the command line, dispatch to the
 * command, and turn its error value into the exit status (err.h's table,
 * err_exit_status). Nothing else lives here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "err.h"
#include "io.h"
#include "job.h"
#include "msg.h"
#include "overrides.h"
#include "report.h"
#include "version.h"

/* The one place the caller's environment is read: the job borrows it. */
extern char **environ;

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

/* The commands that run on a job: what its policy must be, and whether
 * the words after `--` are the build's (for start they are the server's). */
struct job_command {
	enum cmd cmd;
	int (*fn)(struct job *j, const struct cli *c, struct err *e);
	enum job_policy policy;
	int build_words;
};

static const struct job_command job_commands[] = {
	{CMD_RUN, cmd_run, JOB_POLICY_REQUIRED, 1},
	{CMD_START, cmd_start, JOB_POLICY_REQUIRED, 0},
	{CMD_VERIFY, cmd_verify, JOB_POLICY_SECRETS, 0},
	{CMD_LOCK, cmd_lock, JOB_POLICY_SECRETS, 0},
	{CMD_ENV, cmd_env, JOB_POLICY_REQUIRED, 0},
	{CMD_REPRODUCE, cmd_reproduce, JOB_POLICY_REQUIRED, 1},
	{CMD_PUBLISH, cmd_publish, JOB_POLICY_SECRETS, 0},
};

/* Loads the job the command line describes, once, and runs the command
 * on it. */
static int run_on_job(const struct job_command *jc, const struct cli *c,
		      struct err *e)
{
	struct spec ov;
	struct job j;
	struct job_request rq = {.spec_path = c->spec,
				 .over = &ov,
				 .policy = jc->policy,
				 .env = environ};
	struct buf report = {0};
	int rc = -1;

	/* env --files-only reads the files it names, nothing else. */
	if (jc->cmd == CMD_ENV && c->files_only)
		rq.policy = JOB_POLICY_NONE;
	/* A report that could not be written is known before the build. */
	if (c->report != NULL && report_path_check(c->report, e) < 0)
		return -1;
	if (overrides_from_cli(c, jc->build_words, &ov, e) == 0 &&
	    job_load(&rq, &j, e) == 0) {
		rc = jc->fn(&j, c, e);
		report = j.report;
		j.report = (struct buf){0};
		job_free(&j);
	}
	spec_free(&ov);
	/* Written also on failure, with the status main exits with; from
	 * the start directory, where the path was typed. */
	if (c->report != NULL) {
		struct err werr = {0};

		if (report_write(c->report, cli_cmd_name(c->cmd),
				 rc < 0 ? err_exit_status(e) : EXIT_OK,
				 rc < 0 ? e : NULL, &report, &werr) < 0) {
			/* The command's own failure keeps the exit status. */
			if (rc < 0)
				msg_error(&werr);
			else
				*e = werr;
			rc = -1;
		}
	}
	buf_free(&report);
	return rc;
}

static int dispatch(const struct cli *c, struct err *e)
{
	for (size_t i = 0; i < sizeof job_commands / sizeof *job_commands; i++)
		if (job_commands[i].cmd == c->cmd)
			return run_on_job(&job_commands[i], c, e);
	switch (c->cmd) {
	case CMD_INIT: return cmd_init(c, e);
	case CMD_DIFF: return cmd_diff(c, e);
	case CMD_DOCTOR: return cmd_doctor(c, environ, e);
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
		return err_exit_status(&e);
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
	return rc < 0 ? err_exit_status(&e) : EXIT_OK;
}
