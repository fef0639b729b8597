/*
 * The freshness stamp: a canonical, length-prefixed encoding of the spec,
 * the build's environment, the command and the declared inputs, fed to
 * SHA-256 (nettle). Every variable-length field is preceded by its length
 * as 8 big-endian bytes and every record by a one-letter tag, so no two
 * different inputs encode to the same bytes. Inputs are walked on
 * directory fds without following symlinks; a symlink is hashed as its
 * target text.
 *
 * The walk has three phases, so that the part that costs (a stat per
 * input, a read per changed file) runs on every CPU while the digest
 * keeps its one order:
 *  1. directories: each declared path is stat'ed, and each directory met
 *     is opened (O_NOFOLLOW) and read with getdents64 into a flat table
 *     of nodes, its entries sorted bytewise and kept together, their
 *     kinds from d_type (a stat where the file system gives none); the
 *     cache entry of each node is matched here, by a linear scan;
 *  2. stat and hash: the entries, in chunks of one directory, are
 *     stat'ed (fstatat on the directory's fd, never following) by up to
 *     STAMP_THREADS threads, and a regular file whose cache entry does
 *     not hold is read and hashed by the thread that stat'ed it. It
 *     overlaps phase 1: a directory's chunks are handed over (publish)
 *     as soon as it and every directory below it are read, and the
 *     calling thread joins in when phase 1 is done;
 *  3. digest: the calling thread walks the table depth first, each
 *     directory's entries in order, and feeds the records to SHA-256.
 * The records are the ones a one-pass walk fed (the stamp is the same as
 * before the walk was split). A node whose kind changed between phases
 * 1 and 2 (a file where a directory was read, or the reverse) is hashed
 * as a record no stable tree gives, so a walk that raced a change never
 * says "fresh".
 *
 * The stat cache works like git's index: a regular file whose device,
 * inode, size, mtime and ctime all match its entry reuses the entry's
 * content hash. Its weak spot is the racy timestamp: a file hashed and
 * then rewritten with the same size within one timestamp granule keeps
 * its mtime (and, within one kernel clock tick, its ctime), so the stat
 * match would lie. Git treats an entry as "racily clean", and rehashes
 * it, when its mtime is not older than the index file's mtime. We keep
 * the same idea with two changes, both towards rehashing more:
 *  - the reference time is CLOCK_REALTIME read at the *start* of the
 *    stamp_compute that recorded the entries, not the time the cache was
 *    written: a rewrite between hashing and saving is then covered too,
 *    where git's index-mtime rule misses it when the save falls in a
 *    later granule;
 *  - the comparison allows RACY_WINDOW_NS of slack, because file
 *    timestamps come from the kernel's coarse clock (current_time(),
 *    up to a jiffy behind CLOCK_REALTIME) and are truncated to the file
 *    system's granularity (1 s on ext3 or HFS+, 2 s on FAT).
 * So an entry is racy, and rehashed, when mtime >= time - RACY_WINDOW_NS.
 * Entries not seen by a walk are dropped, so every entry in a cache was
 * taken at the cache's one reference time.
 *
 * A walk that finds every entry as it was leaves the cache as it is
 * (stamp_cache.dirty 0): rewriting it would cost a write on every start
 * and change nothing. The exception is a racy entry whose content was
 * unchanged and whose window has passed since: saved with this walk's
 * time it is no longer racy, and the next start reuses its hash instead
 * of reading it again. One still inside its window would be racy under
 * the new time too, so it alone does not make the cache dirty.
 */
#include "stamp.h"
#include "stamp_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "arena.h"
#include "beneath.h"
#include "buf.h"
#include "hex.h"
#include "io.h"
#include "kabi.h"
#include "vec.h"

#define RACY_WINDOW_NS (3LL * 1000000000LL)
#define READ_CHUNK     (64u << 10)
#define DENTS_BUF      (32u << 10)
/* Nodes per chunk of the stat phase: a whole directory, unless it is
 * larger. Two threads that stat in one directory share its dentry, whose
 * reference count each lookup takes and drops (lockref), and the cache
 * line bouncing between CPUs cost more than the second CPU gave: with
 * 64-node chunks two threads used 50% more CPU than one. The threshold
 * is the nodes per thread before a second thread pays for itself (git's
 * preload-index takes 500 per thread). */
#define STAT_CHUNK  1024
#define PER_THREAD  500
#define MAX_THREADS 16

/* ---- The canonical encoding ----
 *
 * Records are small (a tag, a length, a path, a mode), so they are
 * gathered in a buffer and fed to SHA-256 in large updates: the digest is
 * the same, and a 10,000-file walk makes a few hundred updates instead of
 * 70,000. */

struct hasher {
	struct sha256_ctx ctx;
	size_t n;
	uint8_t buf[8192];
};

static void h_flush(struct hasher *h)
{
	if (h->n)
		sha256_update(&h->ctx, h->n, h->buf);
	h->n = 0;
}

/* The buffer's next n bytes (n <= its size), flushed first if needed.
 * The digest feeds some 70 bytes per input file through these, on the
 * calling thread after the parallel phase: each is written in place. */
static uint8_t *h_room(struct hasher *h, size_t n)
{
	if (h->n + n > sizeof h->buf)
		h_flush(h);
	return h->buf + h->n;
}

static void h_put(struct hasher *h, const void *p, size_t n)
{
	if (n > sizeof h->buf) {
		h_flush(h);
		sha256_update(&h->ctx, n, p);
		return;
	}
	memcpy(h_room(h, n), p, n);
	h->n += n;
}

static void put_u64(struct hasher *h, uint64_t v)
{
	uint8_t *b = h_room(h, 8);

	for (int i = 7; i >= 0; i--) {
		b[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
	h->n += 8;
}

static void put_tag(struct hasher *h, char tag)
{
	*h_room(h, 1) = (uint8_t)tag;
	h->n++;
}

static void put_bytes(struct hasher *h, const void *p, size_t n)
{
	put_u64(h, n);
	if (n)
		h_put(h, p, n);
}

static void put_str(struct hasher *h, const char *s)
{
	put_bytes(h, s, strlen(s));
}

/* Environment strings by name, then "no value" before any value, then
 * value; all bytewise. */
static int env_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a;
	const char *y = *(const char *const *)b;
	const char *xe = strchr(x, '=');
	const char *ye = strchr(y, '=');
	size_t xn = xe ? (size_t)(xe - x) : strlen(x);
	size_t yn = ye ? (size_t)(ye - y) : strlen(y);
	int c = memcmp(x, y, xn < yn ? xn : yn);

	if (c)
		return c;
	if (xn != yn)
		return xn < yn ? -1 : 1;
	if (!xe || !ye)
		return (xe != NULL) - (ye != NULL);
	return strcmp(xe + 1, ye + 1);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int hash_env(struct hasher *h, char *const *env, struct err *e)
{
	size_t n = 0;
	const char **v;

	while (env && env[n])
		n++;
	v = malloc((n ? n : 1) * sizeof *v);
	if (v == NULL)
		return err_sys(e, errno, "stamp: environment");
	for (size_t i = 0; i < n; i++)
		v[i] = env[i];
	if (n > 1)
		qsort(v, n, sizeof *v, env_cmp);
	put_tag(h, 'E');
	put_u64(h, n);
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(v[i], '=');

		if (eq) {
			put_bytes(h, v[i], (size_t)(eq - v[i]));
			put_tag(h, '=');
			put_str(h, eq + 1);
		} else {
			put_str(h, v[i]);
			put_tag(h, '-');
		}
	}
	free(v);
	return 0;
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

/* ---- The walk ---- */

#define NONE	    UINT32_MAX
#define BLOCK_SHIFT 12
#define BLOCK_NODES ((size_t)1 << BLOCK_SHIFT)
#define MAX_BLOCKS  16384 /* 67 million nodes */
#define NODE(w, i)  (&(w)->blocks[(i) >> BLOCK_SHIFT][(i) & (BLOCK_NODES - 1)])
#define CHUNK(w, i) (&(w)->cblocks[(i) >> BLOCK_SHIFT][(i) & (BLOCK_NODES - 1)])

/* What the stat phase did with a regular file. */
enum took {
	TOOK_NOTHING,
	TOOK_REUSED,	  /* the entry's hash, its stat matching, not racy */
	TOOK_RACY_SAME,	  /* racy, read again: as cached, still racy now */
	TOOK_RACY_PASSED, /* the same, but its window has passed since */
	TOOK_HASHED,	  /* read: no entry, or one that no longer holds */
};

/* One node of the walk: a declared path or an entry of a directory. */
struct node {
	const char *path; /* in the walk's arena, NUL-terminated */
	uint32_t plen;
	uint32_t leaf;	 /* the name's offset in path (0: a declared path) */
	uint32_t parent; /* the directory's node; NONE: a declared path */
	uint32_t root;	 /* the declared path's node */
	uint32_t first, count;	 /* a directory read: its entries */
	long cached;		 /* the cache entry matched; -1: none */
	int fd;			 /* a directory kept open; -1: none */
	unsigned char type;	 /* DT_* from getdents64 */
	unsigned char read;	 /* a directory whose entries were read */
	unsigned char statted;	 /* stat taken (in phase 1 or 2) */
	unsigned char took;	 /* enum took */
	unsigned char cacheable; /* a regular file the cache may keep */
	atomic_uint chunks_left; /* a directory's chunks not yet done */
	int serr;		 /* errno of its stat; 0 */
	int err;		 /* errno of its open, read or readlink; 0 */
	uint32_t mode;
	uint64_t dev, ino, size, rdev;
	int64_t mtime_ns, ctime_ns;
	uint64_t hsize;	    /* a regular file: the bytes its hash covers */
	const char *target; /* a symlink: its target (a worker's arena) */
	uint32_t tlen;
	unsigned char sha[32];
};

/* One piece of the stat phase: nodes [first, end), all entries of the
 * directory dir (NONE: declared paths, from the workdir). */
struct chunk {
	uint32_t dir, first, end;
};

/* An entry as getdents64 gave it, before the directory's are sorted. */
struct ent {
	const char *path;
	uint32_t plen, leaf;
	unsigned char type;
};

struct worker;

struct walk {
	/* The node table, in blocks that never move: threads of phase 2
	 * read and fill the nodes of directories phase 1 has finished while
	 * it appends more. */
	struct node *blocks[MAX_BLOCKS];
	size_t n;
	struct arena names; /* the nodes' paths */
	struct ent *ents;   /* one directory's entries, reused */
	size_t cap_ents;
	/* The chunks of phase 2, in blocks that never move: phase 1
	 * publishes a directory's chunks once it is read, with every
	 * directory below it (nready, release); threads take them in
	 * order (next) until phase 1 is done and none is left. */
	struct chunk *cblocks[MAX_BLOCKS];
	size_t nchunks;
	atomic_size_t nready;
	atomic_size_t next;
	atomic_int done;
	atomic_int waiting; /* threads asleep on cv for work */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* The threads of phase 2 but the calling one, started as phase 1
	 * publishes enough work for them. */
	struct worker *ks;
	unsigned nks, want;
	size_t per_thread;	   /* nodes published per thread started */
	size_t published;	   /* nodes in published chunks */
	struct stamp_cache *cache; /* NULL: no cache */
	size_t cursor;		   /* the cache entry the scan expects next */
	int64_t now_ns;		   /* this walk's reference time */
	long fds_left;		   /* directory fds it may still keep open */
	unsigned long ndirs;
	unsigned char *dents;
	struct hasher *h;
	struct buf *listing; /* stamp_input.listing */
	struct err *e;
};

/* A thread of the stat phase; the calling thread is the first. */
struct worker {
	struct walk *w;
	pthread_t thread;
	unsigned char *chunk; /* READ_CHUNK bytes */
	struct arena links;   /* symlink targets */
	unsigned long hashed, reused;
	int dirfd; /* a directory reopened (past the fd budget) */
	uint32_t dirfd_of;
};

/* One listing record (stamp.h) for nd; 0, or -1 with w->e filled. */
static int list_rec(struct walk *w, const struct node *nd, char tag,
		    const char *value)
{
	if (w->listing == NULL)
		return 0;
	if (buf_printf(w->listing, "%c %s ", tag, value) < 0 ||
	    buf_add(w->listing, nd->path, nd->plen) < 0 ||
	    buf_addc(w->listing, '\0') < 0)
		return err_sys(w->e, ENOMEM, "stamp: listing");
	return 0;
}

/* The racy rule of the header comment. */
static int racy(const struct stamp_cache *cache,
		const struct stamp_cache_entry *ce)
{
	return cache->time_ns == 0 ||
	       ce->mtime_ns >= cache->time_ns - RACY_WINDOW_NS;
}

static void take_stat(struct node *nd, const struct stat *st)
{
	nd->statted = 1;
	nd->mode = (uint32_t)st->st_mode;
	nd->dev = (uint64_t)st->st_dev;
	nd->ino = (uint64_t)st->st_ino;
	nd->size = (uint64_t)st->st_size;
	nd->rdev = (uint64_t)st->st_rdev;
	nd->mtime_ns = ts_ns(&st->st_mtim);
	nd->ctime_ns = ts_ns(&st->st_ctim);
}

static int stat_matches(const struct stamp_cache_entry *ce,
			const struct node *nd)
{
	return ce->dev == nd->dev && ce->ino == nd->ino &&
	       ce->size == nd->size && ce->mtime_ns == nd->mtime_ns &&
	       ce->ctime_ns == nd->ctime_ns;
}

/* The cache entry of path (len bytes): the one the scan expects, or the
 * one after it (a file removed), else a lookup. */
static long cache_match(struct walk *w, const char *path, size_t len)
{
	struct stamp_cache *c = w->cache;
	long i;

	for (size_t k = w->cursor; k < c->n && k < w->cursor + 2; k++) {
		const struct stamp_cache_entry *ce = &c->v[k];

		if (ce->path_len == len &&
		    memcmp(stamp_cache_path(c, ce), path, len) == 0) {
			w->cursor = k + 1;
			return (long)k;
		}
	}
	i = stamp_cache_lookup(c, path, len);
	if (i >= 0)
		w->cursor = (size_t)i + 1;
	return i;
}

/* Appends a node; returns its index, or NONE (ENOMEM). */
static uint32_t node_push(struct walk *w, const char *path, size_t plen,
			  uint32_t leaf, uint32_t parent, unsigned char type)
{
	struct node *nd;

	if (w->n >= MAX_BLOCKS * BLOCK_NODES || plen >= NONE)
		return NONE;
	if ((w->n & (BLOCK_NODES - 1)) == 0 &&
	    (w->blocks[w->n >> BLOCK_SHIFT] =
		     malloc(BLOCK_NODES * sizeof(struct node))) == NULL)
		return NONE;
	nd = NODE(w, w->n);
	memset(nd, 0, sizeof *nd);
	nd->path = path;
	nd->plen = (uint32_t)plen;
	nd->leaf = leaf;
	nd->parent = parent;
	nd->root = parent == NONE ? (uint32_t)w->n : NODE(w, parent)->root;
	atomic_init(&nd->chunks_left, 0);
	nd->cached = -1;
	nd->fd = -1;
	nd->type = type;
	/* Only a regular file has an entry (a kind the file system did not
	 * give is known by now: the caller stat'ed it). */
	if (w->cache != NULL && type == DT_REG)
		nd->cached = cache_match(w, path, plen);
	return (uint32_t)w->n++;
}

static int ent_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;

	return strcmp(x->path + x->leaf, y->path + y->leaf);
}

static int read_dir(struct walk *w, uint32_t i);
static int publish(struct walk *w, uint32_t dir, uint32_t first,
		   uint32_t count);

/* Reads the entries of the open directory fd (node i) into w->ents. */
static int read_ents(struct walk *w, uint32_t i, int fd, size_t *nents)
{
	const struct node *d = NODE(w, i);
	size_t n = 0;

	for (;;) {
		long r = syscall(SYS_getdents64, fd, w->dents, DENTS_BUF);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return err_sys(w->e, errno, "%s", d->path);
		if (r == 0)
			break;
		for (long off = 0; off < r;) {
			const struct linux_dirent64 *de =
				(const void *)(w->dents + off);
			const char *nm = de->d_name;
			size_t nlen;
			char *p;

			off += de->d_reclen;
			if (nm[0] == '.' &&
			    (nm[1] == '\0' || (nm[1] == '.' && nm[2] == '\0')))
				continue;
			nlen = strlen(nm);
			if (vec_grow((void **)&w->ents, &w->cap_ents, n + 1,
				     sizeof *w->ents) < 0 ||
			    (p = arena_alloc(&w->names, d->plen + nlen + 2)) ==
				    NULL)
				return err_sys(w->e, ENOMEM, "stamp: walk");
			memcpy(p, d->path, d->plen);
			p[d->plen] = '/';
			memcpy(p + d->plen + 1, nm, nlen + 1);
			w->ents[n].path = p;
			w->ents[n].plen = d->plen + 1 + (uint32_t)nlen;
			w->ents[n].leaf = d->plen + 1;
			w->ents[n].type = de->d_type;
			n++;
		}
	}
	*nents = n;
	return 0;
}

/* Phase 1 for the directory of node i, and for every directory below
 * it: its entries, sorted, become nodes together. */
static int read_dir(struct walk *w, uint32_t i)
{
	struct node *d = NODE(w, i);
	int pfd = d->parent == NONE ? AT_FDCWD : NODE(w, d->parent)->fd;
	size_t n = 0;
	uint32_t first;
	int fd, rc = 0;

	fd = openat(pfd, d->path + d->leaf,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		/* No longer a directory since its kind was read: phase 3
		 * sees what it is now (a directory it did not read makes a
		 * record that says so). */
		if (errno == ENOTDIR || errno == ELOOP || errno == ENOENT)
			return 0;
		return err_sys(w->e, errno, "%s", d->path);
	}
	if (read_ents(w, i, fd, &n) < 0) {
		(void)close(fd);
		return -1;
	}
	w->ndirs++;
	if (n > 1)
		qsort(w->ents, n, sizeof *w->ents, ent_cmp);
	/* A name without a kind (DT_UNKNOWN: some file systems) is stat'ed
	 * now, to know whether to read it and to match it with the cache in
	 * order. */
	first = (uint32_t)w->n;
	for (size_t k = 0; k < n; k++) {
		struct ent *en = &w->ents[k];
		struct stat st;
		int serr = 0, statted = 0;
		uint32_t c;

		if (en->type == DT_UNKNOWN) {
			statted = 1;
			if (fstatat(fd, en->path + en->leaf, &st,
				    AT_SYMLINK_NOFOLLOW) < 0)
				serr = errno;
			else
				en->type = IFTODT(st.st_mode);
		}
		c = node_push(w, en->path, en->plen, en->leaf, i, en->type);
		if (c == NONE) {
			(void)close(fd);
			return err_sys(w->e, ENOMEM, "stamp: walk");
		}
		if (serr != 0) {
			NODE(w, c)->statted = 1;
			NODE(w, c)->serr = serr;
		} else if (statted) {
			take_stat(NODE(w, c), &st);
		}
	}
	d = NODE(w, i);
	d->first = first;
	d->count = (uint32_t)n;
	d->read = 1;
	d->fd = fd;
	for (uint32_t k = first; k < first + n && rc == 0; k++)
		if (NODE(w, k)->type == DT_DIR)
			rc = read_dir(w, k);
	/* Past the fd budget, a directory is opened again by the thread
	 * that stats its entries; a declared one always stays open. */
	d = NODE(w, i);
	if (d->parent != NONE && w->fds_left <= 0) {
		(void)close(fd);
		d->fd = -1;
	} else {
		w->fds_left--;
	}
	/* Its entries, and every directory below, are final: phase 2 may
	 * have them. */
	if (rc == 0)
		rc = publish(w, i, first, (uint32_t)n);
	return rc;
}

/* Reads and hashes the regular file dfd/name of nd, or reuses the cached
 * hash. */
static void file_take(struct worker *k, int dfd, const char *name,
		      struct node *nd)
{
	const struct stamp_cache *c = k->w->cache;
	const struct stamp_cache_entry *ce =
		c != NULL && nd->cached >= 0 ? &c->v[nd->cached] : NULL;
	int match = ce != NULL && stat_matches(ce, nd);
	struct sha256_ctx fh;
	struct stat st;
	uint64_t total = 0;
	int fd;

	if (match && !racy(c, ce)) {
		buf_copy(nd->sha, ce->sha256, 32);
		nd->hsize = ce->size;
		nd->took = TOOK_REUSED;
		nd->cacheable = 1;
		k->reused++;
		return;
	}
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		nd->err = errno;
		return;
	}
	/* The stat recorded is the one taken before reading, as git does: a
	 * write during the read changes it, so the next run rehashes. */
	if (fstat(fd, &st) < 0) {
		nd->err = errno;
		(void)close(fd);
		return;
	}
	sha256_init(&fh);
	for (;;) {
		ssize_t r = read(fd, k->chunk, READ_CHUNK);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			nd->err = errno;
			(void)close(fd);
			return;
		}
		if (r == 0)
			break;
		sha256_update(&fh, (size_t)r, k->chunk);
		total += (uint64_t)r;
	}
	(void)close(fd);
	sha256_digest(&fh, 32, nd->sha);
	k->hashed++;
	nd->hsize = total;
	/* A file that changed size while read is hashed as read but not
	 * cached: its recorded stat would not describe those bytes. */
	nd->cacheable = total == (uint64_t)st.st_size && S_ISREG(st.st_mode);
	nd->dev = (uint64_t)st.st_dev;
	nd->ino = (uint64_t)st.st_ino;
	nd->size = (uint64_t)st.st_size;
	nd->mtime_ns = ts_ns(&st.st_mtim);
	nd->ctime_ns = ts_ns(&st.st_ctim);
	nd->took = TOOK_HASHED;
	if (match && nd->cacheable && stat_matches(ce, nd) &&
	    memcmp(nd->sha, ce->sha256, 32) == 0)
		nd->took = nd->mtime_ns < k->w->now_ns - RACY_WINDOW_NS
				   ? TOOK_RACY_PASSED
				   : TOOK_RACY_SAME;
}

static void link_take(struct worker *k, int dfd, const char *name,
		      struct node *nd)
{
	char target[4096];
	ssize_t r = readlinkat(dfd, name, target, sizeof target);
	char *p;

	if (r < 0) {
		nd->err = errno;
		return;
	}
	if ((size_t)r == sizeof target) {
		nd->err = ENAMETOOLONG;
		return;
	}
	p = arena_alloc(&k->links, (size_t)r + 1);
	if (p == NULL) {
		nd->err = ENOMEM;
		return;
	}
	memcpy(p, target, (size_t)r);
	p[r] = '\0';
	nd->target = p;
	nd->tlen = (uint32_t)r;
}

/* The fd of directory node dir for k: its own, or opened again beneath
 * its declared path's (which stays open). -1 with errno set. */
static int dir_fd(struct worker *k, uint32_t dir)
{
	const struct node *d = NODE(k->w, dir);
	const struct node *r = NODE(k->w, d->root);

	if (d->fd >= 0)
		return d->fd;
	if (k->dirfd >= 0 && k->dirfd_of == dir)
		return k->dirfd;
	if (k->dirfd >= 0)
		(void)close(k->dirfd);
	k->dirfd = beneath_open(r->fd, d->path + r->plen + 1,
				O_RDONLY | O_DIRECTORY, 0);
	k->dirfd_of = dir;
	return k->dirfd;
}

static void take_chunk(struct worker *k, const struct chunk *ch)
{
	struct walk *w = k->w;
	int dfd = ch->dir == NONE ? AT_FDCWD : dir_fd(k, ch->dir);

	for (uint32_t i = ch->first; i < ch->end; i++) {
		struct node *nd = NODE(w, i);
		const char *name = nd->path + nd->leaf;
		struct stat st;

		if (dfd < 0 && dfd != AT_FDCWD) {
			nd->statted = 1;
			nd->serr = errno;
			continue;
		}
		if (!nd->statted) {
			if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
				nd->statted = 1;
				nd->serr = errno;
				continue;
			}
			take_stat(nd, &st);
		}
		if (nd->serr != 0)
			continue;
		if (S_ISREG(nd->mode))
			file_take(k, dfd, name, nd);
		else if (S_ISLNK(nd->mode))
			link_take(k, dfd, name, nd);
	}
	/* The last chunk of a directory closes it, on this thread: closing
	 * an ext4 directory frees the hash tree its reading built, which
	 * the calling thread would otherwise do for every directory at the
	 * end. Nothing uses its fd after its entries are stat'ed (a
	 * directory below opened again goes through its declared path's). A
	 * declared path's stays open for that. */
	if (ch->dir != NONE) {
		struct node *d = NODE(w, ch->dir);

		if (atomic_fetch_sub_explicit(&d->chunks_left, 1,
					      memory_order_acq_rel) == 1 &&
		    d->parent != NONE && d->fd >= 0) {
			(void)close(d->fd);
			d->fd = -1;
		}
	}
}

static void *stat_work(void *arg)
{
	struct worker *k = arg;
	struct walk *w = k->w;

	for (;;) {
		size_t c = atomic_load_explicit(&w->next, memory_order_relaxed);
		size_t r =
			atomic_load_explicit(&w->nready, memory_order_acquire);

		if (c < r) {
			if (atomic_compare_exchange_weak_explicit(
				    &w->next, &c, c + 1, memory_order_relaxed,
				    memory_order_relaxed))
				take_chunk(k, CHUNK(w, c));
			continue;
		}
		if (atomic_load_explicit(&w->done, memory_order_acquire) &&
		    c >= atomic_load_explicit(&w->nready, memory_order_acquire))
			break;
		/* Nothing ready while phase 1 reads on: sleep until it
		 * publishes (or is done) rather than spin on a CPU it may
		 * need. waiting, then nready, both sequentially consistent,
		 * against publish's nready, then waiting: one of the two
		 * sees the other, so no wakeup is lost. */
		pthread_mutex_lock(&w->mu);
		atomic_fetch_add(&w->waiting, 1);
		while (atomic_load(&w->next) >= atomic_load(&w->nready) &&
		       !atomic_load(&w->done))
			pthread_cond_wait(&w->cv, &w->mu);
		atomic_fetch_sub(&w->waiting, 1);
		pthread_mutex_unlock(&w->mu);
	}
	if (k->dirfd >= 0)
		(void)close(k->dirfd);
	k->dirfd = -1;
	return NULL;
}

static int chunk_push(struct walk *w, uint32_t dir, uint32_t first,
		      uint32_t end)
{
	if (w->nchunks >= MAX_BLOCKS * BLOCK_NODES)
		return -1;
	if ((w->nchunks & (BLOCK_NODES - 1)) == 0 &&
	    (w->cblocks[w->nchunks >> BLOCK_SHIFT] =
		     malloc(BLOCK_NODES * sizeof(struct chunk))) == NULL)
		return -1;
	*CHUNK(w, w->nchunks) = (struct chunk){dir, first, end};
	w->nchunks++;
	return 0;
}

static int worker_init(struct worker *k, struct walk *w)
{
	memset(k, 0, sizeof *k);
	k->w = w;
	k->dirfd = -1;
	k->chunk = malloc(READ_CHUNK);
	return k->chunk == NULL ? -1 : 0;
}

/* Wakes the threads waiting for work. */
static void wake(struct walk *w)
{
	pthread_mutex_lock(&w->mu);
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

/* Hands phase 2 the chunks of nodes [first, first + count) of directory
 * dir (NONE: one declared path), and starts another thread when the
 * published work is enough for one more (PER_THREAD nodes each). A
 * thread that cannot be made leaves its share to the others. */
static int publish(struct walk *w, uint32_t dir, uint32_t first, uint32_t count)
{
	if (dir != NONE)
		atomic_store_explicit(&NODE(w, dir)->chunks_left,
				      (count + STAT_CHUNK - 1) / STAT_CHUNK,
				      memory_order_relaxed);
	for (uint32_t k = first; k < first + count; k += STAT_CHUNK) {
		uint32_t end = first + count - k > STAT_CHUNK ? k + STAT_CHUNK
							      : first + count;

		if (chunk_push(w, dir, k, end) < 0)
			return err_sys(w->e, ENOMEM, "stamp: walk");
	}
	atomic_store(&w->nready, w->nchunks);
	if (atomic_load(&w->waiting) > 0)
		wake(w);
	w->published += count;
	if (w->nks + 1 < w->want &&
	    w->published > w->per_thread * (w->nks + 1)) {
		struct worker *k = &w->ks[w->nks];

		if (worker_init(k, w) < 0 ||
		    pthread_create(&k->thread, NULL, stat_work, k) != 0) {
			free(k->chunk);
			w->want = w->nks + 1;
		} else {
			w->nks++;
		}
	}
	return 0;
}

/* Phase 2 on nthreads threads (the calling one included; a thread that
 * cannot be made leaves its share to the others). Returns the number
 * of threads that ran, or 0 (ENOMEM). */
/* Phase 2's end: the calling thread takes what is left, then waits
 * for the others. Returns the number of threads that ran, or 0
 * (ENOMEM). */
static unsigned stat_phase(struct walk *w, unsigned long *hashed,
			   unsigned long *reused)
{
	struct worker me;
	unsigned ran = 0;

	atomic_store(&w->done, 1);
	wake(w);
	if (worker_init(&me, w) == 0) {
		(void)stat_work(&me);
		ran = 1;
	}
	*hashed = me.hashed;
	*reused = me.reused;
	free(me.chunk);
	arena_take(&w->names, &me.links);
	for (unsigned t = 0; t < w->nks; t++) {
		(void)pthread_join(w->ks[t].thread, NULL);
		*hashed += w->ks[t].hashed;
		*reused += w->ks[t].reused;
		free(w->ks[t].chunk);
		/* The link targets stay until the digest. */
		arena_take(&w->names, &w->ks[t].links);
	}
	ran = ran ? ran + w->nks : 0;
	w->nks = 0;
	return ran;
}

/* Phase 3: the records of node i, depth first. */
static int emit(struct walk *w, uint32_t i)
{
	const struct node *nd = NODE(w, i);
	struct hasher *h = w->h;

	if (nd->serr != 0) {
		if (nd->serr != ENOENT && nd->serr != ENOTDIR)
			return err_sys(w->e, nd->serr, "%s", nd->path);
		put_tag(h, 'M');
		put_bytes(h, nd->path, nd->plen);
		return list_rec(w, nd, 'M', "-");
	}
	if (nd->err != 0)
		return err_sys(w->e, nd->err, "%s", nd->path);
	if (S_ISREG(nd->mode)) {
		put_tag(h, 'F');
		put_bytes(h, nd->path, nd->plen);
		put_u64(h, (uint64_t)(nd->mode & 07777));
		put_u64(h, nd->hsize);
		h_put(h, nd->sha, 32);
		if (w->listing != NULL) {
			char v[64 + 16];

			hex_encode(v, nd->sha, 32);
			(void)snprintf(v + 64, sizeof v - 64, ":%o",
				       (unsigned)(nd->mode & 07777));
			return list_rec(w, nd, 'F', v);
		}
		return 0;
	}
	if (S_ISLNK(nd->mode)) {
		put_tag(h, 'L');
		put_bytes(h, nd->path, nd->plen);
		put_bytes(h, nd->target, nd->tlen);
		if (w->listing != NULL) {
			unsigned char sha[32];
			char v[65];
			struct sha256_ctx th;

			sha256_init(&th);
			sha256_update(&th, nd->tlen,
				      (const uint8_t *)nd->target);
			sha256_digest(&th, 32, sha);
			hex_encode(v, sha, 32);
			return list_rec(w, nd, 'L', v);
		}
		return 0;
	}
	if (S_ISDIR(nd->mode) && nd->read) {
		char mode[16];
		int rc;

		put_tag(h, 'D');
		put_bytes(h, nd->path, nd->plen);
		put_u64(h, (uint64_t)(nd->mode & 07777));
		put_u64(h, nd->count);
		(void)snprintf(mode, sizeof mode, "%o",
			       (unsigned)(nd->mode & 07777));
		rc = list_rec(w, nd, 'D', mode);
		for (uint32_t k = nd->first;
		     rc == 0 && k < nd->first + nd->count; k++)
			rc = emit(w, k);
		return rc;
	}
	if (S_ISDIR(nd->mode)) {
		/* A directory where phase 1 met another kind, or that it
		 * could not open: the tree changed during the walk. No
		 * stable tree gives this record, so the stamp is stale. */
		put_tag(h, 'X');
		put_bytes(h, nd->path, nd->plen);
		put_u64(h, (uint64_t)nd->mode);
		return list_rec(w, nd, 'O', "changed-during-the-walk");
	}
	/* FIFOs, sockets and devices: their kind and mode, never opened. */
	put_tag(h, 'O');
	put_bytes(h, nd->path, nd->plen);
	put_u64(h, (uint64_t)nd->mode);
	put_u64(h, nd->rdev);
	{
		char v[48];

		(void)snprintf(v, sizeof v, "%o:%llx", (unsigned)nd->mode,
			       (unsigned long long)nd->rdev);
		return list_rec(w, nd, 'O', v);
	}
}

/* Whether the cache, as loaded, no longer says what this walk met (or a
 * racy entry's window passed): its entries, in order, are exactly the
 * walk's regular files, each as it was. */
static int cache_dirty(const struct walk *w)
{
	size_t expect = 0;

	for (size_t i = 0; i < w->n; i++) {
		const struct node *nd = NODE(w, i);
		int file = nd->serr == 0 && nd->err == 0 && S_ISREG(nd->mode);

		if (!file) {
			if (nd->cached >= 0)
				return 1;
			continue;
		}
		if (!nd->cacheable || nd->cached != (long)expect ||
		    (nd->took != TOOK_REUSED && nd->took != TOOK_RACY_SAME))
			return 1;
		expect++;
	}
	return expect != w->cache->n;
}

/* The walk's regular files as the new cache, taken at w->now_ns. */
static int cache_build(const struct walk *w, struct stamp_cache *out)
{
	size_t n = 0, plen = 0, at = 0;
	char *paths;

	for (size_t i = 0; i < w->n; i++) {
		const struct node *nd = NODE(w, i);

		if (nd->serr == 0 && nd->err == 0 && S_ISREG(nd->mode) &&
		    nd->cacheable) {
			n++;
			plen += nd->plen + 1;
		}
	}
	memset(out, 0, sizeof *out);
	if (n > UINT32_MAX || plen > UINT32_MAX)
		return -1;
	paths = stamp_cache_alloc(out, n, plen);
	if (paths == NULL)
		return -1;
	for (size_t i = 0; i < w->n; i++) {
		const struct node *nd = NODE(w, i);
		struct stamp_cache_entry *ce;

		if (nd->serr != 0 || nd->err != 0 || !S_ISREG(nd->mode) ||
		    !nd->cacheable)
			continue;
		ce = &out->v[out->n++];
		ce->dev = nd->dev;
		ce->ino = nd->ino;
		ce->size = nd->hsize;
		ce->mtime_ns = nd->mtime_ns;
		ce->ctime_ns = nd->ctime_ns;
		ce->path_off = (uint32_t)at;
		ce->path_len = nd->plen;
		buf_copy(ce->sha256, nd->sha, 32);
		memcpy(paths + at, nd->path, nd->plen + 1);
		at += nd->plen + 1;
	}
	out->time_ns = w->now_ns;
	return 0;
}

/* How many directory fds the walk may keep open: half of what is left
 * under RLIMIT_NOFILE, at most 4096. */
static long fd_budget(void)
{
	struct rlimit rl;
	long b;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return 1024;
	b = rl.rlim_cur > 128 ? (long)(rl.rlim_cur - 64) / 2 : 0;
	return b < 4096 ? b : 4096;
}

static void names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* A directory the pattern passes through that does not exist is no
 * match (musl and glibc differ here); any other error stops the glob. */
static int glob_error(const char *path, int errnum)
{
	(void)path;
	return errnum != ENOENT && errnum != ENOTDIR;
}

/* Appends path (its first len bytes) to *v, growing it. */
static int push_path(char ***v, size_t *n, size_t *cap, const char *path,
		     size_t len)
{
	if (vec_grow((void **)v, cap, *n + 1, sizeof **v) < 0)
		return -1;
	(*v)[*n] = strndup(path, len);
	if ((*v)[*n] == NULL)
		return -1;
	(*n)++;
	return 0;
}

/* Declared paths without trailing slashes, sorted and deduplicated. An
 * input with glob characters (Django's preset names every app's static
 * directory as a star followed by "/static"; Vite's "vite.config.*")
 * stands for the paths glob(3) matches now, relative to the workdir; one
 * that matches nothing is kept as written, so that a first match later
 * changes the stamp. */
static int inputs_sorted(const struct stamp_input *in, char ***out,
			 size_t *nout, struct err *e)
{
	char **v = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < in->ninputs; i++) {
		const char *p = in->inputs[i];
		size_t len = strlen(p);
		glob_t g;
		int grc;

		while (len > 1 && p[len - 1] == '/')
			len--;
		if (len == 0) {
			names_free(v, n);
			return err_set(e, ERR_USAGE, NULL, 0, 0,
				       "stamp: an input path is empty");
		}
		if (strpbrk(p, "*?[") == NULL) {
			if (push_path(&v, &n, &cap, p, len) < 0)
				goto nomem;
			continue;
		}
		grc = glob(p, 0, glob_error, &g);
		if (grc == GLOB_NOMATCH) {
			if (push_path(&v, &n, &cap, p, len) < 0)
				goto nomem;
			continue;
		}
		if (grc != 0) {
			if (grc != GLOB_NOSPACE)
				globfree(&g);
			names_free(v, n);
			if (grc == GLOB_NOSPACE)
				return err_sys(e, ENOMEM, "stamp: inputs");
			return err_sys(e, errno, "stamp: input %s", p);
		}
		for (size_t k = 0; k < g.gl_pathc; k++) {
			const char *m = g.gl_pathv[k];
			size_t ml = strlen(m);

			while (ml > 1 && m[ml - 1] == '/')
				ml--;
			if (push_path(&v, &n, &cap, m, ml) < 0) {
				globfree(&g);
				goto nomem;
			}
		}
		globfree(&g);
	}
	if (v == NULL && (v = calloc(1, sizeof *v)) == NULL)
		goto nomem;
	if (n > 1)
		qsort(v, n, sizeof *v, str_cmp);
	for (size_t i = 1; i < n;) {
		if (strcmp(v[i], v[i - 1]) == 0) {
			free(v[i]);
			memmove(&v[i], &v[i + 1], (n - i - 1) * sizeof *v);
			n--;
		} else {
			i++;
		}
	}
	*out = v;
	*nout = n;
	return 0;
nomem:
	names_free(v, n);
	return err_sys(e, ENOMEM, "stamp: inputs");
}

/* Phase 1 for the declared paths; then the chunks of phase 2. */
/* Phase 1 for the declared paths, each handed to phase 2 as it is
 * done. */
static int dirs_phase(struct walk *w, char **paths, size_t npaths)
{
	for (size_t i = 0; i < npaths; i++) {
		struct stat st;
		int serr = 0;
		uint32_t r;

		if (fstatat(AT_FDCWD, paths[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT && errno != ENOTDIR)
				return err_sys(w->e, errno, "%s", paths[i]);
			serr = errno;
		}
		r = node_push(w, paths[i], strlen(paths[i]), 0, NONE,
			      serr ? DT_UNKNOWN : IFTODT(st.st_mode));
		if (r == NONE)
			return err_sys(w->e, ENOMEM, "stamp: walk");
		if (serr != 0) {
			NODE(w, r)->statted = 1;
			NODE(w, r)->serr = serr;
		} else {
			take_stat(NODE(w, r), &st);
			if (S_ISDIR(st.st_mode) && read_dir(w, r) < 0)
				return -1;
		}
		if (publish(w, NONE, r, 1) < 0)
			return -1;
	}
	return 0;
}

/* The threads of phase 2: what the caller asked for, else up to
 * STAMP_THREADS and the CPUs there are (publish starts them one by one
 * as the walk finds work for them). */
static unsigned threads_for(const struct stamp_input *in)
{
	unsigned t;

	if (in->threads > 0)
		return in->threads < MAX_THREADS ? in->threads : MAX_THREADS;
	t = io_cpus();
	return t < STAMP_THREADS ? t : STAMP_THREADS;
}

/* The records before the inputs: the spec, the environment, the
 * command. */
static int hash_head(struct hasher *h, const struct stamp_input *in,
		     struct err *e)
{
	size_t argc = 0;

	sha256_init(&h->ctx);
	h->n = 0;
	put_str(h, "cleanroom-stamp-v1");

	put_tag(h, 'S');
	put_tag(h, in->spec ? '+' : '-');
	if (in->spec)
		put_bytes(h, in->spec, in->spec_len);

	if (hash_env(h, in->env, e) < 0)
		return -1;

	while (in->argv && in->argv[argc])
		argc++;
	put_tag(h, 'C');
	put_tag(h, in->shell ? 's' : 'x');
	put_u64(h, argc);
	for (size_t i = 0; i < argc; i++)
		put_str(h, in->argv[i]);
	return 0;
}

/* Sets the cache from the walk (stamp.h): rebuilt when dirty. */
static int cache_update(struct walk *w, struct stamp_cache *cache,
			const struct stamp_stats *stats)
{
	if (cache_dirty(w)) {
		struct stamp_cache next;

		if (cache_build(w, &next) < 0)
			return -1;
		stamp_cache_free(cache);
		*cache = next;
		cache->dirty = 1;
	} else {
		cache->dirty = 0;
	}
	cache->stats = *stats;
	return 0;
}

int stamp_compute(const struct stamp_input *in, struct stamp_cache *cache,
		  unsigned char out[32], struct err *e)
{
	struct hasher *h = malloc(sizeof *h);
	struct walk *w = calloc(1, sizeof *w);
	struct stamp_stats stats = {0};
	struct timespec now;
	char **paths = NULL;
	size_t npaths = 0;
	unsigned long hashed = 0, reused = 0;
	double t0, t1, t2;
	int rc = -1;

	if (h == NULL || w == NULL ||
	    (w->ks = calloc(MAX_THREADS, sizeof *w->ks)) == NULL) {
		err_sys(e, ENOMEM, "stamp");
		goto out;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->h = h;
	w->cache = cache;
	w->listing = in->listing;
	w->e = e;
	w->want = threads_for(in);
	/* Threads asked for are started at once. */
	w->per_thread = in->threads > 0 ? 0 : PER_THREAD;
	/* Taken before any stat: the reference time of the racy rule. */
	if (clock_gettime(CLOCK_REALTIME, &now) < 0) {
		err_sys(e, errno, "stamp: clock_gettime");
		goto out;
	}
	w->now_ns = ts_ns(&now);
	w->fds_left = fd_budget();
	if (hash_head(h, in, e) < 0 ||
	    inputs_sorted(in, &paths, &npaths, e) < 0)
		goto out;
	w->dents = malloc(DENTS_BUF);
	if (w->dents == NULL) {
		err_sys(e, errno, "stamp: directory buffer");
		goto out;
	}
	t0 = io_now_ms();
	if (dirs_phase(w, paths, npaths) < 0)
		goto out;
	t1 = io_now_ms();
	stats.threads = stat_phase(w, &hashed, &reused);
	if (stats.threads == 0) {
		err_sys(e, ENOMEM, "stamp: threads");
		goto out;
	}
	t2 = io_now_ms();
	put_tag(h, 'I');
	put_u64(h, npaths);
	for (size_t i = 0, r = 0; i < npaths; i++) {
		/* The declared paths are the nodes without a parent, in
		 * order. */
		while (NODE(w, r)->parent != NONE)
			r++;
		put_tag(h, 'P');
		put_str(h, paths[i]);
		if (list_rec(w, NODE(w, r), 'P', "-") < 0 ||
		    emit(w, (uint32_t)r) < 0)
			goto out;
		r++;
	}
	h_flush(h);
	sha256_digest(&h->ctx, 32, out);
	stats.nodes = w->n;
	stats.dirs = w->ndirs;
	stats.dirs_ms = t1 - t0;
	stats.stat_ms = t2 - t1;
	stats.digest_ms = io_now_ms() - t2;
	if (cache) {
		stats.hashed = cache->stats.hashed + hashed;
		stats.reused = cache->stats.reused + reused;
		if (cache_update(w, cache, &stats) < 0) {
			err_sys(e, ENOMEM, "stamp: cache");
			goto out;
		}
	}
	rc = 0;
out:
	if (w != NULL) {
		/* After a failed phase 1 the threads it started finish
		 * what it published before anything is freed. */
		if (w->nks > 0)
			(void)stat_phase(w, &hashed, &reused);
		for (size_t i = 0; i < w->n; i++)
			if (NODE(w, i)->fd >= 0)
				(void)close(NODE(w, i)->fd);
		for (size_t b = 0; b < MAX_BLOCKS && w->blocks[b] != NULL; b++)
			free(w->blocks[b]);
		for (size_t b = 0; b < MAX_BLOCKS && w->cblocks[b] != NULL; b++)
			free(w->cblocks[b]);
		free(w->ents);
		free(w->dents);
		free(w->ks);
		arena_free(&w->names);
		free(w);
	}
	free(h);
	names_free(paths, npaths);
	return rc;
}
