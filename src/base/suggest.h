/*
 * Did-you-mean: the closest of a set of known names to a mistyped one, by
 * optimal string alignment distance (one edit or one adjacent swap is a
 * step). Used for commands, options, option values, framework names, spec
 * keys and variable names, so every "did you mean" agrees.
 *
 * Nothing is allocated: a struct suggest points at the caller's strings,
 * which must outlive it.
 */
#ifndef CLEANROOM_SUGGEST_H
#define CLEANROOM_SUGGEST_H

#include <stddef.h>

/* Names longer than this are never compared (no suggestion). */
#define SUGGEST_MAX_LEN 64

/* Distance between a and b, or (size_t)-1 when either is longer than
 * SUGGEST_MAX_LEN. */
size_t suggest_distance(const char *a, const char *b);

struct suggest {
	const char *got;  /* the mistyped name */
	const char *best; /* the closest name offered so far, or NULL */
	size_t bestd;
};

/* Starts a search for names close to got. */
void suggest_init(struct suggest *s, const char *got);

/* Offers one known name. A name is kept when it is within 2 steps of got,
 * fewer steps than got has characters (so "ab" never suggests "xy"), and
 * closer than every name offered before (ties: the first). A name equal to
 * got is never suggested. NULL is ignored. */
void suggest_offer(struct suggest *s, const char *name);

/* The best name, or NULL when none was close enough. */
const char *suggest_best(const struct suggest *s);

#endif
