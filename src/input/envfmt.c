/*
 * Output formats for variable sets. The sh format is written so that
 * cleanroom's own parser and any POSIX sh read it back to the same bytes:
 * values go in single quotes (a quote as '\''), and a carriage return is
 * never left directly before a newline, since the parser takes CR-LF for a
 * Windows file.
 */
#include "envfmt.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"

int envfmt_parse(const char *s, enum envfmt *out)
{
	if (strcmp(s, "nul") == 0)
		*out = ENVFMT_NUL;
	else if (strcmp(s, "sh") == 0)
		*out = ENVFMT_SH;
	else if (strcmp(s, "json") == 0)
		*out = ENVFMT_JSON;
	else
		return -1;
	return 0;
}

/* Bytes that need no quoting anywhere in an unquoted sh word. */
static int sh_plain(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || strchr("_./:@%+,-=", c) != NULL;
}

int envfmt_sh_word(struct buf *out, const char *v, size_t len)
{
	size_t i;

	for (i = 0; i < len && sh_plain((unsigned char)v[i]); i++)
		;
	if (len > 0 && i == len)
		return buf_add(out, v, len);
	if (buf_addc(out, '\'') < 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (v[i] == '\'') {
			if (buf_add(out, "'\\''", 4) < 0)
				return -1;
			continue;
		}
		if (buf_addc(out, v[i]) < 0)
			return -1;
		if (v[i] == '\r' && i + 1 < len && v[i + 1] == '\n' &&
		    buf_add(out, "''", 2) < 0)
			return -1;
	}
	return buf_addc(out, '\'');
}

/* The env formats' JSON strings are json.h's. */
int envfmt_json_string(struct buf *out, const char *str, size_t len)
{
	return json_string(out, str, len);
}

static int write_one(struct buf *out, enum envfmt fmt, const struct var *v,
		     int masked, int first)
{
	const char *val = masked ? "***" : v->value;
	size_t len = masked ? 3 : v->len;

	switch (fmt) {
	case ENVFMT_NUL:
		if (buf_adds(out, v->name) < 0 || buf_addc(out, '=') < 0 ||
		    buf_add(out, val, len) < 0)
			return -1;
		return buf_addc(out, '\0');
	case ENVFMT_SH:
		if (buf_printf(out, "export %s=", v->name) < 0 ||
		    envfmt_sh_word(out, val, len) < 0)
			return -1;
		return buf_addc(out, '\n');
	case ENVFMT_JSON:
		if (buf_adds(out, first ? "\n  " : ",\n  ") < 0 ||
		    envfmt_json_string(out, v->name, strlen(v->name)) < 0 ||
		    buf_add(out, ": ", 2) < 0)
			return -1;
		return envfmt_json_string(out, val, len);
	}
	return -1;
}

int envfmt_write(struct buf *out, enum envfmt fmt, const struct vars *vs,
		 int (*mask)(const struct var *v, void *arg), void *arg)
{
	const struct var **order = NULL;
	int rc = -1;

	if (vs->n > 0) {
		order = malloc(vs->n * sizeof *order);
		if (order == NULL)
			return -1;
		vars_sorted(vs, order);
	}
	if (fmt == ENVFMT_JSON && buf_addc(out, '{') < 0)
		goto out;
	for (size_t i = 0; i < vs->n; i++) {
		int masked = mask != NULL && mask(order[i], arg);

		if (write_one(out, fmt, order[i], masked, i == 0) < 0)
			goto out;
	}
	if (fmt == ENVFMT_JSON &&
	    buf_adds(out, vs->n > 0 ? "\n}\n" : "}\n") < 0)
		goto out;
	rc = 0;
out:
	free(order);
	return rc;
}
