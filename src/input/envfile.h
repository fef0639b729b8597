/*
 * The env-file parser: what `set -a; . FILE` would assign, computed without
 * a shell (DESIGN.md "Env-file grammar"; dash is the reference). Anything a
 * shell would run, or whose result cleanroom refuses to guess, is rejected
 * with FILE:LINE:COL and a message of its own. Nothing is executed and
 * nothing is printed.
 *
 * Ownership: `defined` is the caller's and owns copies of every name,
 * value and origin added to it (vars.h); buf, name and base are only read
 * during the call.
 */
#ifndef CLEANROOM_ENVFILE_H
#define CLEANROOM_ENVFILE_H

#include <stddef.h>

#include "err.h"
#include "vars.h"

/*
 * Parses buf (len bytes; NULs are rejected) as the env file named `name`
 * (used in messages and as the variables' origin). Expansions look up
 * `defined` first (earlier lines and earlier files), then `base` (the
 * caller's environment; may be NULL). Every assignment is added to
 * `defined`. Returns 0, or -1 with e filled (kind ERR_CONFIG, or ERR_SYSTEM
 * on allocation failure); `defined` may then hold part of the file and
 * should be discarded.
 */
int envfile_parse(const char *name, const char *buf, size_t len,
		  const struct vars *base, struct vars *defined, struct err *e);

/* Reads the file at path and parses it as above. I/O errors are
 * ERR_CONFIG with the file named (a missing env file is the user's). */
int envfile_load(const char *path, const struct vars *base,
		 struct vars *defined, struct err *e);

#endif
