/*
 * The stat cache of the stamp (stamp.h) and its file, for this machine only (a
 * file that does not parse is simply an empty cache): a header (the magic line
 * with the format's version, a byte-order mark, the entry size, the reference
 * time, the entry count and the length of the paths), the entries (struct
 * stamp_cache_entry, fixed size), then the paths, each with a NUL after
 * it. In memory the cache is that same block, so a load is one read and
 * a save one write.
 */
#include "stamp.h"
#include "stamp_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "beneath.h"

#define CACHE_MAGIC "cleanroom-stamp-cache 3\n"
#define CACHE_MAX   ((size_t)1 << 30)

struct cache_header {
	char magic[sizeof CACHE_MAGIC - 1];
	uint32_t bom;
	uint32_t entry_size;
	int64_t time_ns;
	uint64_t count;
	uint64_t paths_len;
};

#define BOM 0x01020304u

_Static_assert(sizeof(struct stamp_cache_entry) == 80,
	       "the cache entry is the file's fixed 80 bytes");
_Static_assert(sizeof(struct cache_header) == 56, "the header has no padding");

const char *stamp_cache_path(const struct stamp_cache *cache,
			     const struct stamp_cache_entry *ce)
{
	return cache->paths + ce->path_off;
}

void stamp_cache_free(struct stamp_cache *cache)
{
	free(cache->mem);
	free(cache->by_path);
	memset(cache, 0, sizeof *cache);
}

void stamp_cache_stats(const struct stamp_cache *cache, struct stamp_stats *out)
{
	*out = cache->stats;
}

/* Entries by path, bytewise, for the index. */
static int by_path_cmp(const void *a, const void *b, void *cache)
{
	const struct stamp_cache *c = cache;
	const struct stamp_cache_entry *x = &c->v[*(const uint32_t *)a];
	const struct stamp_cache_entry *y = &c->v[*(const uint32_t *)b];

	return strcmp(stamp_cache_path(c, x), stamp_cache_path(c, y));
}

/* The index of the entry of path (len bytes), or -1. The index is made
 * the first time a walk misses its linear scan. */
long stamp_cache_lookup(struct stamp_cache *c, const char *path, size_t len)
{
	size_t lo = 0, hi = c->n;

	if (c->n == 0)
		return -1;
	if (c->by_path == NULL) {
		c->by_path = malloc(c->n * sizeof *c->by_path);
		if (c->by_path == NULL)
			return -1; /* only costs a rehash */
		for (size_t i = 0; i < c->n; i++)
			c->by_path[i] = (uint32_t)i;
		qsort_r(c->by_path, c->n, sizeof *c->by_path, by_path_cmp, c);
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct stamp_cache_entry *ce = &c->v[c->by_path[mid]];
		int d = memcmp(path, stamp_cache_path(c, ce),
			       len < ce->path_len ? len : ce->path_len);

		if (d == 0)
			d = len < ce->path_len ? -1 : len > ce->path_len;
		if (d == 0)
			return (long)c->by_path[mid];
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

struct stamp_cache_entry *stamp_cache_find(struct stamp_cache *cache,
					   const char *path)
{
	long i = stamp_cache_lookup(cache, path, strlen(path));

	return i < 0 ? NULL : &cache->v[i];
}

/* Points cache's fields into its block mem (mem_len bytes) when the block
 * is a whole, valid cache file; -1 otherwise. */
static int cache_parse(struct stamp_cache *c)
{
	struct cache_header h;
	size_t body;

	if (c->mem_len < sizeof h)
		return -1;
	memcpy(&h, c->mem, sizeof h);
	body = c->mem_len - sizeof h;
	if (memcmp(h.magic, CACHE_MAGIC, sizeof h.magic) != 0 || h.bom != BOM ||
	    h.entry_size != sizeof *c->v || h.count > body / sizeof *c->v ||
	    h.count > UINT32_MAX ||
	    h.paths_len != body - h.count * sizeof *c->v)
		return -1;
	c->v = (struct stamp_cache_entry *)(void *)(c->mem + sizeof h);
	c->n = (size_t)h.count;
	c->paths = c->mem + sizeof h + c->n * sizeof *c->v;
	c->paths_len = (size_t)h.paths_len;
	c->time_ns = h.time_ns;
	for (size_t i = 0; i < c->n; i++) {
		const struct stamp_cache_entry *ce = &c->v[i];

		if (ce->path_len == 0 || ce->path_off >= c->paths_len ||
		    c->paths_len - ce->path_off <= ce->path_len ||
		    c->paths[ce->path_off + ce->path_len] != '\0')
			return -1;
	}
	return 0;
}

int stamp_cache_load(int dirfd, const char *path, struct stamp_cache *cache,
		     struct err *e)
{
	struct stat st;
	size_t got = 0;
	int fd;

	stamp_cache_free(cache);
	/* O_NONBLOCK: a FIFO put in its place must not hang the open. */
	fd = beneath_open(dirfd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0);
	if (fd < 0) {
		if (errno == ENOENT || errno == ELOOP || errno == ENOTDIR ||
		    errno == ENXIO)
			return 0;
		return err_sys(e, errno, "%s", path);
	}
	if (fstat(fd, &st) < 0) {
		int saved = errno;

		(void)close(fd);
		return err_sys(e, saved, "%s", path);
	}
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > CACHE_MAX)
		goto miss;
	cache->mem_len = (size_t)st.st_size;
	cache->mem = malloc(cache->mem_len);
	if (cache->mem == NULL)
		goto miss; /* only costs a rehash */
	while (got < cache->mem_len) {
		ssize_t r = read(fd, cache->mem + got, cache->mem_len - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int saved = errno;

			(void)close(fd);
			stamp_cache_free(cache);
			return err_sys(e, saved, "%s", path);
		}
		if (r == 0)
			break; /* truncated since the fstat: a miss */
		got += (size_t)r;
	}
	if (got != cache->mem_len || cache_parse(cache) < 0)
		goto miss;
	(void)close(fd);
	return 0;
miss:
	(void)close(fd);
	stamp_cache_free(cache);
	return 0;
}

int stamp_cache_save(int dirfd, const char *path,
		     const struct stamp_cache *cache, struct err *e)
{
	struct cache_header h;
	char *mem = NULL;
	size_t len;
	int rc = 0;

	memset(&h, 0, sizeof h);
	memcpy(h.magic, CACHE_MAGIC, sizeof h.magic);
	h.bom = BOM;
	h.entry_size = sizeof *cache->v;
	h.time_ns = cache->time_ns;
	h.count = cache->n;
	h.paths_len = cache->paths_len;
	len = sizeof h + cache->n * sizeof *cache->v + cache->paths_len;
	mem = malloc(len);
	if (mem == NULL)
		return err_sys(e, ENOMEM, "%s", path);
	memcpy(mem, &h, sizeof h);
	if (cache->n)
		memcpy(mem + sizeof h, cache->v, cache->n * sizeof *cache->v);
	if (cache->paths_len)
		memcpy(mem + sizeof h + cache->n * sizeof *cache->v,
		       cache->paths, cache->paths_len);
	if (beneath_write_file(dirfd, path, mem, len) < 0)
		rc = err_sys(e, errno, "%s", path);
	free(mem);
	return rc;
}

char *stamp_cache_alloc(struct stamp_cache *c, size_t n, size_t paths_len)
{
	char *paths;

	memset(c, 0, sizeof *c);
	c->mem_len = sizeof(struct cache_header) + n * sizeof *c->v + paths_len;
	c->mem = calloc(1, c->mem_len);
	if (c->mem == NULL)
		return NULL;
	c->v = (struct stamp_cache_entry
			*)(void *)(c->mem + sizeof(struct cache_header));
	paths = c->mem + sizeof(struct cache_header) + n * sizeof *c->v;
	c->paths = paths;
	c->paths_len = paths_len;
	return paths;
}
