/*
 * Arenas: many small strings (paths, names, values) allocated one after
 * another in large chunks and released together. One allocation per
 * chunk instead of one or two per string: with musl's allocator the
 * per-string allocations dominated the parse of a large env file and the
 * walk of a large tree.
 *
 * Chunks are anonymous mappings, populated when made: faulting their
 * pages in one at a time cost more than the parse they serve. The first
 * chunks are smaller (ARENA_FIRST, doubling up to the chunk size): a job
 * of a few names or a tree of one file should not map and zero 64 or
 * 256 KiB it never uses, and a large one pays a few more mappings. A request
 * larger than a chunk gets a chunk of its own, placed behind the current
 * one so that the current one keeps filling.
 *
 * Memory handed out is byte-aligned (the arena holds text) and stays
 * valid until arena_free. Nothing is freed alone.
 *
 * Ownership: a zero-initialized struct arena is an empty arena with the
 * default chunk size that does not wipe; set .chunk and .wipe before the
 * first allocation to change either. The arena owns its chunks, blocks
 * given to it by arena_adopt, and chunks moved into it by arena_take;
 * arena_free releases them all.
 */
#ifndef CLEANROOM_ARENA_H
#define CLEANROOM_ARENA_H

#include <stddef.h>

#define ARENA_CHUNK ((size_t)64 << 10)
#define ARENA_FIRST ((size_t)8 << 10)

struct arena_chunk;

struct arena {
	struct arena_chunk *head; /* the chunk being filled; NULL: none */
	size_t chunk;		  /* bytes per chunk; 0: ARENA_CHUNK */
	int wipe;     /* arena_free wipes what was handed out (secrets) */
	size_t grown; /* the last chunk's size while growing; 0: none yet */
};

/* n bytes, uninitialised. Returns NULL with errno ENOMEM on failure. */
char *arena_alloc(struct arena *a, size_t n);

/* A copy of the n bytes at s with a NUL after them. Returns NULL with
 * errno ENOMEM on failure. */
char *arena_strndup(struct arena *a, const char *s, size_t n);

/* Makes the len bytes at mem, a block from malloc, part of the arena
 * (as already used: nothing more is allocated from it), to be freed with
 * it; what it holds stays where it is. Returns 0, or -1 with errno
 * ENOMEM, and then mem is still the caller's. */
int arena_adopt(struct arena *a, char *mem, size_t len);

/* Moves every chunk of from into to, leaving from empty: what was
 * allocated from from now lives until arena_free(to). to's .wipe then
 * decides for them all. */
void arena_take(struct arena *to, struct arena *from);

/* Releases every chunk (wiping first when .wipe is set). The arena is
 * then empty and may be used again, with the same settings. */
void arena_free(struct arena *a);

#endif
