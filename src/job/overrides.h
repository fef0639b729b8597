/*
 * The command line's spec flags as a spec of overrides: the one place
 * where a flag's value is parsed (a duration, a size, a count, NAME=VALUE,
 * X=VALUE). What comes out is plain data that config_merge lays over the
 * preset and the spec file, so nothing below the command layer sees the
 * command line (STYLE.md: never pass the cli struct down).
 *
 * Meaning of the fields, against config_merge's rules: a scalar that is
 * set replaces; a list that is set adds to the spec's, except
 * outputs.roots, which replaces (naming an output directory means "this
 * one", not "this one too"); env.set holds --set NAME=VALUE; command holds
 * the words after `--` of commands whose words are the build's.
 *
 * Ownership: overrides_from_cli fills a caller-owned struct spec (which
 * it spec_init's first); spec_free releases it.
 */
#ifndef CLEANROOM_OVERRIDES_H
#define CLEANROOM_OVERRIDES_H

#include "cli.h"
#include "err.h"
#include "spec.h"

/* with_command: the words after `--` are the build's (run, reproduce),
 * not a server's (start). ov owns copies of every string; c is only read
 * during the call. Returns 0, or -1 with e filled: ERR_USAGE
 * naming the flag (`--timeout 5x: bad duration`), ERR_SYSTEM on
 * allocation failure. */
int overrides_from_cli(const struct cli *c, int with_command, struct spec *ov,
		       struct err *e);

#endif
