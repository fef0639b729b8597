/*
 * What the walk (stamp.c) and the cache file (stamp_cache.c) share and
 * nothing else uses: a lookup by path, and a cache block of the file's
 * layout for the walk to fill. Private to src/start.
 */
#ifndef CLEANROOM_STAMP_FILE_H
#define CLEANROOM_STAMP_FILE_H

#include <stddef.h>

#include "stamp.h"

/* The index of the entry of path (len bytes, no NUL needed) in c, or -1.
 * The lookup index is made on the first call (sorted entry numbers);
 * failing to make it only costs a rehash (-1). */
long stamp_cache_lookup(struct stamp_cache *c, const char *path, size_t len);

/* Makes c (empty) a zeroed block for n entries and paths_len bytes of
 * paths, laid out as the file is: c->v and c->paths point into it, c->n
 * is 0 for the caller to count up to n, c->paths_len is paths_len.
 * Returns the paths' bytes, for the caller to fill, or NULL (ENOMEM). */
char *stamp_cache_alloc(struct stamp_cache *c, size_t n, size_t paths_len);

#endif
