/*
 * Compressed siblings (DESIGN.md "Verification", check 4): X.gz, X.br and
 * X.zst beside X, which Sprockets, whitenoise, vite-plugin-compression
 * and nginx's gzip_static serve in X's place to every client that accepts
 * the encoding. What such a client gets must be proven as X is: each
 * sibling is decompressed as a stream (never whole in memory) through the
 * secret scanner and compared byte for byte with X; a compressed file
 * without X is decompressed and scanned all the same. Its compressed
 * bytes are scanned as any file's by the tree pass, which covers what a
 * decoder skips (gzip's name and comment fields, zstd's skippable
 * frames).
 *
 * Decompression is bounded, since a build can write a few kilobytes that
 * expand to terabytes: it stops past a size cap and past a ratio cap
 * (decompressed bytes per compressed byte, beyond a first stretch that is
 * never capped), and a sibling stopped there fails. With X beside it, it
 * also stops comparing once past X's size (it differs), but goes on
 * scanning up to the caps.
 *
 * Decoders: zlib (gzip, every member of a multi-member file, as gzip -d
 * reads it), brotli's decoder, zstd's decompressor (every frame; windows
 * up to zstd's default limit of 2^27 bytes, larger ones refused). Nothing
 * here prints; problems are findings.
 */
#ifndef CLEANROOM_SIBLING_H
#define CLEANROOM_SIBLING_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "findings.h"
#include "scan.h"
#include "tree.h"

enum sibling_format {
	SIBLING_NONE = 0,
	SIBLING_GZIP,	/* .gz */
	SIBLING_BROTLI, /* .br */
	SIBLING_ZSTD,	/* .zst */
	SIBLING_NFORMATS,
};

/* The format path's suffix names (as servers look it up: lower case),
 * SIBLING_NONE for any other name or a bare suffix. *plain_len is the
 * length of the plain file's path (path without the suffix). */
enum sibling_format sibling_format_of(const char *path, size_t *plain_len);

/* "gzip", "brotli", "zstd" (static). */
const char *sibling_format_name(enum sibling_format f);

/* Defaults: 1 GiB decompressed per file, and no more than 1000 times the
 * compressed size past the first MiB. Web assets compress 3 to 20 times;
 * deflate cannot exceed 1032 to 1 at all, brotli and zstd reach millions
 * only on data made to. */
#define SIBLING_MAX_BYTES   ((uint64_t)1 << 30)
#define SIBLING_MAX_RATIO   1000
#define SIBLING_RATIO_FLOOR ((uint64_t)1 << 20)

struct sibling_limits {
	uint64_t max_bytes;   /* decompressed bytes per file */
	uint64_t max_ratio;   /* decompressed per compressed byte ... */
	uint64_t ratio_floor; /* ... once past this many bytes */
};

enum sibling_outcome {
	SIBLING_SAME,	    /* decompressed whole, byte for byte X */
	SIBLING_ALONE,	    /* decompressed whole; no X to compare with */
	SIBLING_DIFFERS,    /* decompressed whole; not X (differs_at) */
	SIBLING_CORRUPT,    /* not a valid stream (detail) */
	SIBLING_SIZE_CAP,   /* stopped past max_bytes */
	SIBLING_RATIO_CAP,  /* stopped past the ratio cap */
	SIBLING_UNREADABLE, /* a read failed (detail: strerror) */
};

struct sibling_result {
	enum sibling_outcome outcome;
	uint64_t in_bytes;  /* compressed size */
	uint64_t out_bytes; /* decompressed, scanned (and compared) */
	uint64_t cap;	    /* the cap crossed (SIZE_CAP, RATIO_CAP) */
	/* With X: the first offset where the decompressed bytes and X
	 * differ, or where the shorter of the two ends; set even when the
	 * outcome is a cap or corrupt (differs is then 1). */
	int differs;
	uint64_t differs_at;
	uint64_t plain_bytes;
	char detail[128]; /* the decoder's or the system's word */
};

typedef int sibling_hit_fn(const struct scan_hit *h, void *arg);

/*
 * Decompresses fd (a regular file, read from its start; format f) as a
 * stream, feeds every decompressed byte to sc (NULL: no scan) with hit,
 * and compares them with plain_fd (read from its start; -1: no X). lim
 * NULL: the defaults. Returns 0 with *res filled; the non-zero return of
 * hit (the scan stopped: *res is partial); or -1 with e for an internal
 * failure (out of memory).
 */
int sibling_check_fd(int fd, enum sibling_format f, int plain_fd,
		     const struct scan *sc, sibling_hit_fn *hit, void *arg,
		     const struct sibling_limits *lim,
		     struct sibling_result *res, struct err *e);

struct sibling_stats {
	size_t checked;			    /* siblings decompressed */
	size_t by_format[SIBLING_NFORMATS]; /* of them, per format */
	size_t alone;			    /* without their X */
	uint64_t in_bytes, out_bytes;	    /* compressed, decompressed */
};

/*
 * Every sibling among t's files (read and hashed without error), checked
 * as above with X looked up in t, in path order. Findings: for check
 * "siblings" an error for a sibling that is not X, is not a valid stream,
 * crosses a cap or cannot be read, and an info for one without X; for
 * check "secrets" an error per secret value found in its decompressed
 * bytes (at most TREE_HITS_PER_SECRET per file and secret), naming
 * secrets[i].name. *st is filled. Returns 0, or -1 with e (out of
 * memory).
 */
int sibling_check_tree(const struct tree *t, const struct scan *sc,
		       const struct scan_secret *secrets, size_t nsecrets,
		       const struct sibling_limits *lim, struct findings *f,
		       struct sibling_stats *st, struct err *e);

#endif
