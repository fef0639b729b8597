/*
 * libFuzzer target for the env-file parser (src/envfile.c). Any input must
 * parse or fail with a located message, never crash, read out of bounds
 * or leak (ASan/UBSan catch those). What is checked beyond that is what
 * later stages rely on: every accepted name is a shell name and no value
 * holds a NUL; a rejection names a line and a column and says what is
 * wrong; and the `sh` output format, which envfmt.h promises is itself an
 * env file that reads back to the same values, does so: the variables of
 * an accepted input, written with ENVFMT_SH and parsed again, are exactly
 * the same names, values and order.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "envfile.h"
#include "envfmt.h"
#include "err.h"
#include "vars.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ROUND_TRIP_MAX (1u << 20)

/*
 * Every `$` or `~` can multiply a value (`A=$A$A`, `HOME=~:~`), and the
 * parser does not bound value sizes yet: an input of a few KiB can ask for
 * gigabytes, which libFuzzer reports as out-of-memory. Inputs with more
 * expansions than this are skipped (at most about 1.44^28 = 27000 times
 * the input). Remove once envfile.c rejects over-long values.
 */
#define EXPANSIONS_MAX 28

static int too_many_expansions(const uint8_t *data, size_t size)
{
	unsigned n = 0;
	for (size_t i = 0; i < size; i++)
		if ((data[i] == '$' || data[i] == '~') && ++n > EXPANSIONS_MAX)
			return 1;
	return 0;
}

/* The caller's environment expansions fall back to: HOME for tildes, a
 * few set names (one empty) for $NAME and ${NAME:-w}. */
static char *const base_env[] = {
	"HOME=/home/u", "PATH=/usr/bin:/bin", "LANG=C",		"FOO=foo",
	"EMPTY=",	"SPACES=a  b",	      "QUOTES='\"\\$`", NULL,
};

/* A violated invariant is a finding: abort so libFuzzer keeps the input. */
static void require(int ok)
{
	if (!ok)
		abort();
}

static int name_ok(const char *s)
{
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
	      *s == '_'))
		return 0;
	for (s++; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

/* The variables in assignment order; the caller frees the array. */
static const struct var **ordered(const struct vars *vs)
{
	const struct var **v = calloc(vs->n ? vs->n : 1, sizeof(*v));
	require(v != NULL);
	vars_sorted(vs, v);
	return v;
}

/* Checks the variables; returns the bytes their values hold. */
static size_t check_accepted(const struct vars *vs)
{
	const struct var **v = ordered(vs);
	size_t total = 0;
	for (size_t i = 0; i < vs->n; i++) {
		total += v[i]->len;
		require(v[i]->name != NULL && v[i]->value != NULL);
		require(name_ok(v[i]->name));
		require(strlen(v[i]->value) == v[i]->len);
		require(vars_get(vs, v[i]->name, strlen(v[i]->name)) == v[i]);
	}
	free(v);
	return total;
}

static void check_rejected(const struct err *e)
{
	if (e->kind == ERR_SYSTEM)
		return; /* out of memory: no location to give */
	require(e->kind == ERR_CONFIG);
	require(e->line >= 1 && e->col >= 1);
	require(e->msg[0] != '\0');
	require(strcmp(e->file, "fuzz.env") == 0);
}

/* Writes vs as `sh`, parses that text again and compares. */
static void check_round_trip(const struct vars *vs, const struct vars *base)
{
	struct buf text = {0};
	struct vars again;
	struct err e;
	memset(&e, 0, sizeof(e));
	vars_init(&again);
	require(envfmt_write(&text, ENVFMT_SH, vs, NULL, NULL) == 0);
	if (envfile_parse("fuzz.sh", text.p ? text.p : "", text.len, base,
			  &again, &e) != 0) {
		require(e.kind == ERR_SYSTEM);
		goto out;
	}
	require(again.n == vs->n);
	const struct var **a = ordered(vs), **b = ordered(&again);
	for (size_t i = 0; i < vs->n; i++) {
		require(strcmp(a[i]->name, b[i]->name) == 0);
		require(a[i]->len == b[i]->len);
		require(memcmp(a[i]->value, b[i]->value, a[i]->len) == 0);
	}
	free(a);
	free(b);
out:
	vars_free(&again);
	buf_free(&text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vars base, defined;
	struct err e;
	if (too_many_expansions(data, size))
		return 0;
	memset(&e, 0, sizeof(e));
	vars_init(&base);
	vars_init(&defined);
	require(vars_from_environ(&base, base_env) == 0);
	if (envfile_parse("fuzz.env", (const char *)data, size, &base, &defined,
			  &e) == 0) {
		/* `A=$A$A` on a few lines makes values of hundreds of MiB
		 * from a small input; writing and re-reading those only
		 * times out, and quoting does not depend on length. */
		if (check_accepted(&defined) <= ROUND_TRIP_MAX)
			check_round_trip(&defined, &base);
	} else {
		check_rejected(&e);
	}
	vars_free(&defined);
	vars_free(&base);
	return 0;
}
