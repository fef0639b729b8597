/*
 * An ordered set of environment variables: name, value and where the value
 * came from. Names are unique; assigning an existing name replaces its value
 * and moves it to the end of the order, so iteration (vars_sorted) gives the
 * order of each name's last assignment, as DESIGN.md asks of
 * `env --files-only --format nul`. Lookups are hashed, so parsing a large
 * env file stays linear.
 *
 * Ownership: the set owns copies of every name, value and origin string,
 * kept in an arena (arena.h: one allocation per chunk rather than two per
 * variable). A replaced value is wiped in
 * place. vars_free wipes everything (values may be secrets) and releases
 * the chunks.
 */
#ifndef CLEANROOM_VARS_H
#define CLEANROOM_VARS_H

#include <stddef.h>

#include "arena.h"

struct var {
	char *name;
	char *value;	   /* NUL-terminated; never contains NUL */
	size_t len;	   /* strlen(value) */
	const char *file;  /* origin file (interned in the set), or NULL */
	unsigned line;	   /* origin line, 0 when not from a file */
	unsigned long seq; /* order of the last assignment */
	int tag;	   /* free for the owner (policy: the source) */
};

struct vars {
	struct var *v; /* dense array, not in assignment order */
	size_t n, cap;
	size_t *slots; /* open-addressing index into v; 0 = empty, i+1 */
	size_t nslots;
	unsigned long seq;
	const char **files; /* interned origin file names (in the arena) */
	size_t nfiles, capfiles;
	struct arena arena; /* names, values, origins; wiped when freed */
};

void vars_init(struct vars *vs);
void vars_free(struct vars *vs);

/* Sets name (nlen bytes) to value (vlen bytes). file may be NULL.
 * Returns 0, or -1 with errno ENOMEM. */
int vars_set(struct vars *vs, const char *name, size_t nlen, const char *value,
	     size_t vlen, const char *file, unsigned line);

/* Returns the variable or NULL. The pointer is valid until the next
 * vars_set or vars_free. */
const struct var *vars_get(const struct vars *vs, const char *name,
			   size_t nlen);

/* The same, for changing the tag; valid as long. */
struct var *vars_find(struct vars *vs, const char *name, size_t nlen);

/* Fills a caller-allocated array of vs->n pointers in assignment order;
 * they are valid until the next vars_set or vars_free. */
void vars_sorted(const struct vars *vs, const struct var **out);

/* Adds every "NAME=VALUE" entry of an environ-style array; entries without
 * '=' are skipped. Returns 0 or -1 (ENOMEM). */
int vars_from_environ(struct vars *vs, char *const *envp);

#endif
