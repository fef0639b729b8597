/*
 * arena.h: strings packed one after another, a chunk of its own for a
 * large request that leaves the current chunk filling, adopted blocks and
 * moved chunks freed with the arena (ASan checks the frees), reuse after
 * arena_free, and sizes that would overflow refused.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "tap.h"

TAP_SUITE(arena_strings)
{
	struct arena a = {0};
	char *s[1000];
	char want[32];
	int ok = 1;

	a.chunk = 256; /* small chunks: many of them */
	for (int i = 0; i < 1000; i++) {
		int n = snprintf(want, sizeof want, "path/%d", i);

		s[i] = arena_strndup(&a, want, (size_t)n);
		ok &= s[i] != NULL;
	}
	T_OK(ok, "1000 strings across many chunks");
	for (int i = 0; i < 1000 && ok; i++) {
		(void)snprintf(want, sizeof want, "path/%d", i);
		ok &= strcmp(s[i], want) == 0;
	}
	T_OK(ok, "each string intact and NUL-terminated");
	T_OK(s[1] == s[0] + strlen(s[0]) + 1, "packed one after another");

	char *before = arena_strndup(&a, "x", 1);
	char *big = arena_alloc(&a, 1000);
	char *after = arena_strndup(&a, "y", 1);

	T_OK(big != NULL, "a request larger than a chunk");
	memset(big, 'b', 1000);
	T_OK(after == before + 2,
	     "the current chunk keeps filling after a large request");
	T_STR(before, "x", "x kept");
	T_STR(after, "y", "y kept");
	arena_free(&a);
	T_OK(a.head == NULL, "empty after arena_free");
	T_INT(a.chunk, 256, "settings kept");

	char *again = arena_strndup(&a, "again", 5);

	T_STR(again, "again", "usable after arena_free");
	arena_free(&a);
}

TAP_SUITE(arena_adopt_take)
{
	struct arena a = {0}, b = {0};
	char *mem = malloc(16);
	char *s, *t;

	if (mem == NULL)
		abort();
	memcpy(mem, "adopted\0block", 14);
	s = arena_strndup(&a, "first", 5);
	T_INT(arena_adopt(&a, mem, 14), 0, "a malloc'd block adopted");
	t = arena_strndup(&a, "second", 6);
	T_OK(t == s + 6, "the adopted block does not interrupt the chunk");
	T_STR(mem, "adopted", "the adopted bytes stay in place");

	struct arena e = {0};
	char *only = malloc(4);

	if (only == NULL)
		abort();
	T_INT(arena_adopt(&e, only, 4), 0, "adopted into an empty arena");
	T_OK(arena_strndup(&e, "z", 1) != NULL, "then allocated from");
	arena_free(&e);

	char *u = arena_strndup(&b, "moved", 5);

	arena_take(&a, &b);
	T_OK(b.head == NULL, "the source is empty after arena_take");
	T_STR(u, "moved", "what it held lives on in the target");
	T_STR(s, "first", "the target's own strings kept");
	arena_free(&b);
	T_STR(u, "moved", "freeing the emptied source frees nothing");
	arena_free(&a);

	struct arena w = {0};

	w.wipe = 1;
	T_OK(arena_strndup(&w, "secret", 6) != NULL, "a wiping arena");
	arena_free(&w);
	T_OK(w.head == NULL && w.wipe == 1, "freed, still wiping");
}

TAP_SUITE(arena_overflow)
{
	struct arena a = {0};

	errno = 0;
	T_OK(arena_alloc(&a, SIZE_MAX) == NULL, "SIZE_MAX bytes refused");
	T_INT(errno, ENOMEM, "with ENOMEM");
	errno = 0;
	T_OK(arena_alloc(&a, SIZE_MAX - 8) == NULL,
	     "a size whose chunk header would wrap refused");
	T_INT(errno, ENOMEM, "with ENOMEM");
	errno = 0;
	T_OK(arena_strndup(&a, "", SIZE_MAX) == NULL,
	     "a string whose NUL would wrap refused");
	T_INT(errno, ENOMEM, "with ENOMEM");
	T_OK(a.head == NULL, "nothing allocated");
	arena_free(&a);
}

/* The first chunk is ARENA_FIRST bytes, the next twice that: a job of a
 * few names maps and zeroes 8 KiB, not 64. */
TAP_SUITE(arena_growth)
{
	struct arena a = {0};
	char *p = arena_alloc(&a, 100);
	char *q = arena_alloc(&a, ARENA_FIRST - 100);
	char *r = arena_alloc(&a, 1);
	char *s = arena_alloc(&a, 2 * ARENA_FIRST - 1);

	T_OK(p != NULL && q == p + 100, "the first chunk holds ARENA_FIRST");
	T_OK(r != NULL && r != q + (ARENA_FIRST - 100),
	     "the next byte starts a new chunk");
	T_OK(s == r + 1, "which holds twice as much");
	arena_free(&a);
	T_INT(a.grown, 0, "arena_free starts small again");
}
