/*
 * Shell completions for bash, zsh and fish, generated from the one option
 * table of cli.c (cli_option_at) and its list of commands, so that a new
 * option or command is completed without anyone editing a script. The
 * scripts are plain text; `make dist` writes them with the cleanroom-gen
 * tool (cmd/cleanroom-gen) and installs them.
 */
#ifndef CLEANROOM_COMPLETE_H
#define CLEANROOM_COMPLETE_H

#include "buf.h"
#include "err.h"

/* Appends the completion script for shell ("bash", "zsh" or "fish") to
 * the caller's out. Returns 0, or -1 with e filled: ERR_USAGE for another
 * shell, ERR_SYSTEM on allocation failure. */
int complete_script(struct buf *out, const char *shell, struct err *e);

#endif
