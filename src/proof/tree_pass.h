/*
 * Private to the three files of the tree module: tree.c (tree_hash_scan,
 * the monitor, root pins), tree_walk.c (the walk) and tree_hash.c (the
 * parallel hashing pass). Not a contract for any other file: tree.h is.
 *
 * The walk fills a struct tree and a struct walk; the hashing pass reads
 * both (the files to read, the targets of listed links, the shared stop
 * flag and counters) and adds digests, hits and findings to the tree.
 */
#ifndef CLEANROOM_TREE_PASS_H
#define CLEANROOM_TREE_PASS_H

#include "tree.h"

#include "buf.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/* Per-thread read buffer. Large enough that a big file costs few
 * syscalls, small enough to stay in L2 between the hash and the scan. */
#define READ_BUF (256u << 10)
/* getdents64 buffer: a few hundred entries per call. */
#define DIR_BUF (32u << 10)
/* The arena chunk for the tree's paths. */
#define PATH_CHUNK ((size_t)256 << 10)
/* While the walk runs, it hands its files to the readers this many at a
 * time (see tree_hash_publish). */
#define PUBLISH_EVERY 32

/*
 * What the walk, the readers and the monitor share: the stop flag (a
 * enum tree_stop, set once) and the counters a progress display reads.
 * Relaxed atomics: nothing is published through them but themselves.
 */
struct shared {
	atomic_int stop;
	atomic_int hashing;
	atomic_size_t entries;	     /* met by the walk */
	atomic_size_t files;	     /* read, or done with, by the readers */
	atomic_uint_least64_t bytes; /* read by the readers */
	size_t nfiles;		     /* to read; set before reading starts */
	uint64_t total;		     /* their apparent sizes */
	double read_t0;		     /* when reading started */
};

static inline int stopped(struct shared *sh)
{
	return atomic_load_explicit(&sh->stop, memory_order_relaxed) != 0;
}

static inline void stop(struct shared *sh, enum tree_stop why)
{
	int none = TREE_COMPLETE;

	(void)atomic_compare_exchange_strong(&sh->stop, &none, (int)why);
}

/* A symlink listed with its target's bytes: the file, and the target's
 * path relative to the root, which the hashing pass opens instead. */
struct target {
	size_t file;
	const char *rel;
};

/* A directory entry of the level being walked; names live in walk.names
 * and are found by offset, since deeper levels may move the buffer. */
struct dent {
	size_t name;
	size_t len;
	size_t st;	    /* index into walk.stats; SIZE_MAX: none */
	int err;	    /* fstatat's errno, or 0 */
	unsigned char type; /* DT_* */
};

struct root {
	char *name;   /* normalised; "." for the cwd */
	size_t len;   /* of the prefix: name + "/", or 0 for "." */
	size_t index; /* into tree_opts.roots */
	int fd;
};

/* A directory on the way from a root to where a walk or a resolution
 * stands: its fd, the length of its path relative to the root, and
 * whether the resolution opened it (and so closes it). */
struct level {
	int fd;
	size_t len;
	int own;
};

struct walk {
	const struct tree_opts *o;
	struct tree *t;
	size_t capfiles, capfind;
	struct target *targets;
	size_t ntargets, captargets;
	char **excl;
	size_t nexcl;
	const struct root *root;
	struct buf path;   /* the current entry's path, cwd-relative */
	struct dent *ents; /* a stack of levels */
	size_t nents, capents;
	size_t *order; /* the same, sorted: indexes into ents */
	size_t caporder;
	size_t *scratch; /* for sorting one level */
	size_t capscratch;
	struct stat *stats; /* the same, for the entries fstatat was asked */
	size_t nstats, capstats;
	struct buf names;
	struct buf res, todo, tmp; /* symlink resolution */
	struct level *lv;	   /* the directories being walked */
	size_t nlv, caplv;
	struct level *rs; /* a resolution's directories */
	size_t caprs;
	size_t capdirs, caplinks;
	size_t entries; /* met so far, for max_files */
	/* Set: t->files was allocated for max_files entries before the walk
	 * and must not move, since readers work on it while the walk runs. */
	int fixed_files;
	struct pass *pass; /* the hashing pass (tree_hash_begin), or NULL */
	size_t published;  /* files handed to the pass so far */
	double read_t0;	   /* io_now_ms() when readers began early, or 0 */
	struct shared *sh;
	char *dirbuf;
	int oom;
};

/* ---- tree_walk.c ---- */

/* Strips "./" prefixes and trailing slashes: "./public/" is "public", ""
 * and "./" are ".". "/" stays "/". Returns a malloc'ed copy, or NULL. */
char *tree_walk_normalise(const char *p);

/* Walks one root into w->t, in bytewise path order. */
void tree_walk_root(struct walk *w, const struct root *r);

/* Sorts w->t's files by path (and the link targets with them), for roots
 * that overlap or nest. Returns 0, or -1 (out of memory). */
int tree_walk_sort(struct walk *w);

/* Orders roots by the prefix their paths will carry. */
int tree_walk_root_cmp(const void *pa, const void *pb);

/* Adds a finding to the tree; out of memory sets w->oom. */
void tree_walk_finding(struct walk *w, enum tree_finding_kind kind,
		       const char *path, const char *detail);

/* Appends a finding (path and detail copied) to *v of *n elements and
 * capacity *cap. Returns 0, or -1 (out of memory). */
int tree_add_finding(struct tree_finding **v, size_t *n, size_t *cap,
		     enum tree_finding_kind kind, const char *path,
		     const char *detail);

/* What a file of mode m that is not regular, a directory or a link is,
 * in words ("fifo", "block device"): static text. */
const char *tree_special_kind(mode_t m);

/* Copies what the tree keeps of a stat into f. */
void tree_fill_stat(struct tree_file *f, const struct stat *st);

/* Frees what the walk holds (not the tree). */
void tree_walk_free(struct walk *w);

/* ---- tree_hash.c ---- */

struct pass;

/*
 * Sets up the hashing pass before the walk (rootfd: each root's fd, by
 * tree_opts root index). With w->fixed_files (one root, no admit, a file
 * table that does not move) and two threads or more, readers start on
 * the files the walk has listed while it goes on: tree_hash_publish hands
 * them over, and the first call past a thousand files starts the
 * threads. Returns 0, or -1 (out of memory).
 */
int tree_hash_begin(struct walk *w, const int *rootfd);

/* Hands the readers the files the walk has listed so far; done: the walk
 * has ended (stopped or not), and the list is final. */
void tree_hash_publish(struct walk *w, int done);

/* Makes a listed link whose target is listed too an alias of it, so that
 * the target is read once. Returns 0, or -1 (out of memory). */
int tree_link_aliases(struct walk *w);

/* After the walk: reads, hashes and scans every file of w->t not read
 * yet, on the threads the options ask for, then gives every alias its
 * inode's digest, errors and hits. A pass that began early is waited
 * for here whether or not the walk stopped: after TREE_STOP_FILES what
 * it read is dropped (no digest, hit or read finding), after
 * TREE_STOP_TIME kept. Returns 0, or -1 (out of memory). */
int tree_hash_all(struct walk *w);

/* Waits for readers still running and frees the pass (NULL: none). */
void tree_hash_end(struct walk *w);

#endif
