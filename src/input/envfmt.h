/*
 * Formats a set of variables for output: `nul` (NAME=VALUE\0 records),
 * `sh` (one `export NAME='VALUE'` line per variable, itself a valid env
 * file that cleanroom and sh read back to the same values) and `json`
 * (an object in assignment order). Pure: writes into a growable buffer,
 * never to a file descriptor.
 *
 * Ownership: every function appends to the caller's buffer and keeps no
 * pointer to its arguments.
 */
#ifndef CLEANROOM_ENVFMT_H
#define CLEANROOM_ENVFMT_H

#include <stddef.h>

#include "buf.h"
#include "vars.h"

enum envfmt { ENVFMT_NUL, ENVFMT_SH, ENVFMT_JSON };

/* Parses "nul" | "sh" | "json"; returns 0 or -1. */
int envfmt_parse(const char *s, enum envfmt *out);

/* Appends the formatted variables (assignment order) to out. A variable
 * whose value should be hidden is printed as `***` when mask(v, arg)
 * returns non-zero; mask may be NULL. Returns 0 or -1 (ENOMEM). */
int envfmt_write(struct buf *out, enum envfmt fmt, const struct vars *vs,
		 int (*mask)(const struct var *v, void *arg), void *arg);

/* One value as an sh word (quoted when needed), and one JSON string
 * (json.h's json_string), for callers that lay out their own output.
 * Return 0 or -1 (ENOMEM). */
int envfmt_sh_word(struct buf *out, const char *v, size_t len);
int envfmt_json_string(struct buf *out, const char *s, size_t len);

#endif
