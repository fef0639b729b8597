/*
 * The subcommands. Each takes the parsed command line, does its work
 * (printing its own output on stdout) and returns 0, or -1 with e filled;
 * main maps the error to the exit status.
 */
#ifndef CLEANROOM_COMMANDS_H
#define CLEANROOM_COMMANDS_H

#include "cli.h"
#include "err.h"

int cmd_env(const struct cli *c, struct err *e);
int cmd_init(const struct cli *c, struct err *e);
int cmd_run(const struct cli *c, struct err *e);
int cmd_start(const struct cli *c, struct err *e);
int cmd_doctor(const struct cli *c, struct err *e);
int cmd_verify(const struct cli *c, struct err *e);
int cmd_lock(const struct cli *c, struct err *e);
int cmd_diff(const struct cli *c, struct err *e);
int cmd_reproduce(const struct cli *c, struct err *e);

#endif
