/*
 * The subcommands. main parses the command line, loads the job (job.h)
 * for every command that has one, and dispatches; each command does its
 * work (printing its own output on stdout) and returns 0, or -1 with e
 * filled; main maps the error to the exit status. No command calls
 * another's entry point: what two commands share is a function of its
 * own module (run.h's run_build, proof.h's proof_check).
 *
 * init and diff read no spec; doctor loads its job itself, because a
 * spec or env file that will not load is one of its findings.
 *
 * Ownership: the job, the command line and env (doctor: the caller's
 * environment) are main's; a command may add to the job (run's TMPDIR)
 * but frees nothing of it.
 */
#ifndef CLEANROOM_COMMANDS_H
#define CLEANROOM_COMMANDS_H

#include "cli.h"
#include "err.h"
#include "job.h"

int cmd_env(struct job *j, const struct cli *c, struct err *e);
int cmd_run(struct job *j, const struct cli *c, struct err *e);
int cmd_start(struct job *j, const struct cli *c, struct err *e);
int cmd_verify(struct job *j, const struct cli *c, struct err *e);
int cmd_lock(struct job *j, const struct cli *c, struct err *e);
int cmd_reproduce(struct job *j, const struct cli *c, struct err *e);
int cmd_publish(struct job *j, const struct cli *c, struct err *e);

int cmd_init(const struct cli *c, struct err *e);
int cmd_diff(const struct cli *c, struct err *e);
int cmd_doctor(const struct cli *c, char *const *env, struct err *e);

#endif
