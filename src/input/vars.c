/*
 * The variable set: a dense array plus an open-addressing hash index
 * (FNV-1a, linear probing, load factor below 1/2). Names are never removed,
 * so no tombstones are needed.
 */
#include "vars.h"

#include "arena.h"
#include "vec.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

void vars_init(struct vars *vs)
{
	memset(vs, 0, sizeof *vs);
	vs->arena.wipe = 1; /* values may be secrets */
}

void vars_free(struct vars *vs)
{
	arena_free(&vs->arena);
	free(vs->files);
	free(vs->v);
	free(vs->slots);
	vars_init(vs);
}

/* Returns the slot holding name, or the empty slot where it would go. */
static size_t find_slot(const struct vars *vs, const char *name, size_t nlen)
{
	size_t mask = vs->nslots - 1;
	size_t i = hash(name, nlen) & mask;

	for (;;) {
		size_t k = vs->slots[i];

		if (k == 0)
			return i;
		const struct var *v = &vs->v[k - 1];
		if (strncmp(v->name, name, nlen) == 0 && v->name[nlen] == '\0')
			return i;
		i = (i + 1) & mask;
	}
}

static int rehash(struct vars *vs)
{
	size_t nslots = vs->nslots ? vs->nslots * 2 : 64;
	size_t *old = vs->slots;
	size_t oldn = vs->nslots;

	vs->slots = calloc(nslots, sizeof *vs->slots);
	if (vs->slots == NULL) {
		vs->slots = old;
		return -1;
	}
	vs->nslots = nslots;
	for (size_t i = 0; i < oldn; i++) {
		if (old[i] == 0)
			continue;
		const struct var *v = &vs->v[old[i] - 1];
		vs->slots[find_slot(vs, v->name, strlen(v->name))] = old[i];
	}
	free(old);
	return 0;
}

static const char *intern_file(struct vars *vs, const char *file)
{
	const char *copy;

	for (size_t i = vs->nfiles; i-- > 0;)
		if (strcmp(vs->files[i], file) == 0)
			return vs->files[i];
	if (vec_grow((void **)&vs->files, &vs->capfiles, vs->nfiles + 1,
		     sizeof *vs->files) < 0)
		return NULL;
	copy = arena_strndup(&vs->arena, file, strlen(file));
	if (copy == NULL)
		return NULL;
	vs->files[vs->nfiles++] = copy;
	return copy;
}

int vars_set(struct vars *vs, const char *name, size_t nlen, const char *value,
	     size_t vlen, const char *file, unsigned line)
{
	const char *origin = NULL;
	char *val;
	size_t slot;
	struct var *v;

	if (file != NULL && (origin = intern_file(vs, file)) == NULL)
		return -1;
	if ((vs->n + 1) * 2 > vs->nslots && rehash(vs) < 0)
		return -1;
	slot = find_slot(vs, name, nlen);
	if (vs->slots[slot] == 0 &&
	    vec_grow((void **)&vs->v, &vs->cap, vs->n + 1, sizeof *vs->v) < 0)
		return -1;
	val = arena_strndup(&vs->arena, value, vlen);
	if (val == NULL)
		return -1;
	if (vs->slots[slot] != 0) {
		v = &vs->v[vs->slots[slot] - 1];
		/* The old value stays in the arena until vars_free; wipe it
		 * now, it may be a secret. */
		explicit_bzero(v->value, v->len);
	} else {
		v = &vs->v[vs->n];
		v->name = arena_strndup(&vs->arena, name, nlen);
		if (v->name == NULL)
			return -1;
		vs->slots[slot] = ++vs->n;
	}
	v->value = val;
	v->len = vlen;
	v->file = origin;
	v->line = line;
	v->seq = ++vs->seq;
	v->tag = 0;
	return 0;
}

const struct var *vars_get(const struct vars *vs, const char *name, size_t nlen)
{
	size_t k;

	if (vs == NULL || vs->nslots == 0)
		return NULL;
	k = vs->slots[find_slot(vs, name, nlen)];
	return k ? &vs->v[k - 1] : NULL;
}

struct var *vars_find(struct vars *vs, const char *name, size_t nlen)
{
	size_t k;

	if (vs->nslots == 0)
		return NULL;
	k = vs->slots[find_slot(vs, name, nlen)];
	return k ? &vs->v[k - 1] : NULL;
}

static int by_seq(const void *a, const void *b)
{
	const struct var *x = *(const struct var *const *)a;
	const struct var *y = *(const struct var *const *)b;

	return (x->seq > y->seq) - (x->seq < y->seq);
}

void vars_sorted(const struct vars *vs, const struct var **out)
{
	for (size_t i = 0; i < vs->n; i++)
		out[i] = &vs->v[i];
	if (vs->n > 1)
		qsort(out, vs->n, sizeof *out, by_seq);
}

int vars_from_environ(struct vars *vs, char *const *envp)
{
	for (; envp != NULL && *envp != NULL; envp++) {
		const char *eq = strchr(*envp, '=');

		if (eq == NULL)
			continue;
		if (vars_set(vs, *envp, (size_t)(eq - *envp), eq + 1,
			     strlen(eq + 1), NULL, 0) < 0)
			return -1;
	}
	return 0;
}
