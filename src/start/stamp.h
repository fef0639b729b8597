/*
 * The freshness stamp of `cleanroom start` (issue 6): one SHA-256 over the
 * spec, the environment given to the build, the build command and the
 * declared inputs, so that a start whose stamp matches the last build's
 * can skip the build. A stat cache, like git's index, lets an unchanged
 * file's content hash be reused without reading it; its racy-timestamp
 * rule (see stamp.c) keeps a same-size rewrite within one timestamp
 * granule from being mistaken for "unchanged". Nothing here prints or
 * exits; nothing here runs a command.
 */
#ifndef CLEANROOM_STAMP_H
#define CLEANROOM_STAMP_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "err.h"

/* Everything the stamp covers. All of it is borrowed for the call. */
struct stamp_input {
	/* The spec file's bytes; NULL when there is no spec file (hashed as
	 * "absent", which differs from an empty spec). */
	const void *spec;
	size_t spec_len;
	/* The build's environment: NULL-terminated "NAME=VALUE" strings
	 * (NULL: empty). Names and values are hashed after sorting, so the
	 * order does not matter; a string without '=' is a name without a
	 * value, which differs from "NAME=". */
	char *const *env;
	/* The build command: NULL-terminated argv (NULL: empty), and whether
	 * it is the shell form (`sh -c argv[0]`) rather than exec form. */
	char *const *argv;
	int shell;
	/* Declared input paths, relative to the current directory: files,
	 * symlinks (hashed as their target text, never followed) or
	 * directories (walked recursively, entries in bytewise order).
	 * Trailing slashes are ignored. Globs are not expanded yet: a path
	 * is taken literally, so a '*' in it names a file with a '*' in its
	 * name. A path that does not exist is hashed as "missing", so
	 * creating it later changes the stamp. */
	const char *const *inputs;
	size_t ninputs;
	/* When not NULL, what the walk met is appended to it, for `start -v`
	 * to say which input changed: one NUL-terminated record per node,
	 * "TAG VALUE PATH", in walk order. TAG: P (a declared path as
	 * matched, VALUE "-", before its own node), F (a regular file, VALUE
	 * its SHA-256 in hex, ':', its mode in octal), D (a directory, VALUE
	 * its mode), L (a symlink, VALUE the SHA-256 of its target text), M
	 * (missing, VALUE "-"), O (another kind, VALUE mode ':' rdev). PATH
	 * may hold any byte but NUL. The caller owns the buffer. */
	struct buf *listing;
	/* The most threads the stat and hash phase may use; 0: automatic
	 * (stamp_compute). */
	unsigned threads;
};

/* One cached file, as the cache file lays it out (80 bytes, this
 * machine's byte order): the stat fields that, all unchanged, let its
 * content hash be reused, and where its path is in the cache's paths. */
struct stamp_cache_entry {
	uint64_t dev, ino, size;
	int64_t mtime_ns, ctime_ns;
	uint32_t path_off, path_len; /* in stamp_cache.paths */
	unsigned char sha256[32];
};

struct stamp_stats {
	unsigned long hashed; /* regular files read and hashed */
	unsigned long reused; /* regular files whose cached hash was used */
	/* Of the last stamp_compute (for `start -v`): what the walk met,
	 * the threads that took the stat and hash phase, and each phase's
	 * wall time in milliseconds. */
	unsigned long nodes, dirs;
	unsigned threads;
	double dirs_ms, stat_ms, digest_ms;
};

/*
 * Zero-initialize (`struct stamp_cache c = {0};`) for an empty cache.
 * Entries are in the order the walk meets the files (each directory's
 * entries together, bytewise by name, directories in the order they are
 * read), so that an unchanged tree is matched by one linear scan; a path
 * that is not where the scan expects it is looked up (stamp_cache_find).
 * The entries and paths live in one block, mem, laid out as the cache file
 * is: what was read is used in place, and what is saved is written
 * whole.
 */
struct stamp_cache {
	struct stamp_cache_entry *v; /* in mem */
	size_t n;
	const char *paths; /* in mem: each entry's path, NUL after it */
	size_t paths_len;
	char *mem; /* owned; NULL: empty */
	size_t mem_len;
	/* CLOCK_REALTIME in nanoseconds when the entries were taken: the
	 * start of the stamp_compute that produced them. 0: never, and then
	 * every entry is racy. */
	int64_t time_ns;
	/* Set by stamp_compute when the cache no longer says what the walk
	 * met (a file new, gone or changed) or when a racy entry's window
	 * has passed (saving it then spares the next start its rehash); 0
	 * when the loaded cache is still right as it is, and saving it
	 * would only cost a write. */
	int dirty;
	struct stamp_stats stats; /* counted since the cache was loaded */
	uint32_t *by_path;	  /* stamp_cache_find's index, made on need */
};

/* Computes the stamp of in into out. cache may be NULL (every file is
 * read); otherwise its entries are used where the racy rule allows, and
 * when it is dirty afterwards it holds exactly the regular files of this
 * walk, taken at this call's start time (when it is not, it is as it
 * was). in->threads bounds the threads of the stat and hash phase (0:
 * up to STAMP_THREADS, fewer for a small walk; 1: the calling thread
 * alone); the stamp, the listing and the cache do not depend on it.
 * Returns 0, or -1 with e filled (ERR_SYSTEM: an input could not be
 * read; ERR_USAGE: an empty input path). */
int stamp_compute(const struct stamp_input *in, struct stamp_cache *cache,
		  unsigned char out[32], struct err *e);

#define STAMP_THREADS 3

/* Loads the cache at path beneath dirfd (beneath.h: never through a
 * link) into cache, with one read(2) into one buffer (not a mapping: a
 * file truncated while in use would fault). A missing file, a link, a
 * file that is not a cache of this version (an older format included),
 * truncated or corrupt gives an empty cache and returns 0: the cache can
 * only save work, never change a stamp. Returns -1 with e filled when
 * the file exists but cannot be read. */
int stamp_cache_load(int dirfd, const char *path, struct stamp_cache *cache,
		     struct err *e);

/* Writes the cache to path beneath dirfd, whole or not at all
 * (beneath_write_file). Returns 0, or -1 with e filled. */
int stamp_cache_save(int dirfd, const char *path,
		     const struct stamp_cache *cache, struct err *e);

/* The path of entry ce of cache (NUL-terminated). */
const char *stamp_cache_path(const struct stamp_cache *cache,
			     const struct stamp_cache_entry *ce);

/* The entry for path, or NULL. The pointer is valid until the cache
 * changes. */
struct stamp_cache_entry *stamp_cache_find(struct stamp_cache *cache,
					   const char *path);

/* Copies the counters and timings, for tests and for --verbose. */
void stamp_cache_stats(const struct stamp_cache *cache,
		       struct stamp_stats *out);

/* Frees the entries and leaves an empty cache. */
void stamp_cache_free(struct stamp_cache *cache);

#endif
