/*
 * The hashing pass behind tree_hash_scan, on every CPU: each thread reads
 * into its own buffer with read(2), feeds each chunk to SHA-256 (nettle;
 * its fat build uses the SHA extensions where the CPU has them) and then
 * to the secret scanner while the chunk is still in cache, so memory
 * stays at one buffer per thread whatever the file sizes.
 */
#include "tree_pass.h"

#include "beneath.h"
#include "io.h"
#include "kabi.h"
#include "vec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/openat2.h>
#include <nettle/sha2.h>

static int copy_aliases(struct walk *w);

/*
 * The hashing pass, in two rounds. The walk did not stat regular files
 * unless admit needed their sizes (fstat on the open file is cheaper than
 * a second path lookup), so sizes are taken from the open file: round one
 * takes the files in walk order, a batch at a time, opens and fstats
 * each, hashes it at once when it is small and sets it aside when it is
 * big, or when it has more than one link (another name may share its
 * inode); round two hashes the big ones largest first, then the first
 * name of each inode set aside (read_linked). Either round's tail is
 * then short: a batch of small files, or the smallest of the big ones.
 *
 * Round one may begin while the walk still runs (tree_hash_begin with
 * early): the walk lists files into a table that does not move and
 * publishes how many are whole (ready); readers take batches below that
 * and wait for more. The walk of many small files is a fifth of the
 * pass; overlapped, the other CPUs read meanwhile. Files listed through a
 * symlink wait for round 1b: their targets' paths are the walk's until it
 * ends.
 */
struct run {
	struct tree *t;
	const struct tree_opts *o;
	const int *rootfd; /* by tree_opts root index */
	const struct target *targets;
	size_t ntargets;
	const size_t *big; /* round two: indexes of big files, largest first */
	size_t nbig;
	/* Round 1b: the files round one set aside for being listed through
	 * a symlink; NULL in round one, which takes files by index. */
	const size_t *list;
	int round;
	struct shared *sh;
	atomic_size_t next;
	/* Round one takes files below ready; walked: ready is final. Before
	 * that, a reader short of files waits on cv (counted in waiting). */
	atomic_size_t ready;
	atomic_int walked;
	atomic_int waiting;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	atomic_int noatime;	/* O_NOATIME allowed so far */
	atomic_int openat2;	/* the kernel has openat2 */
	atomic_int nowait;	/* preadv2 takes RWF_NOWAIT on these files */
	atomic_int close_range; /* the kernel (and seccomp) allow it */
};

/* Round one claims this many files at once: fewer atomic operations,
 * threads write to different cache lines of the files array, and this
 * many reads per thread are in flight on a cold cache (see round_one). At
 * most this many small files make up a thread's last batch. */
#define BATCH 32
/* A file bigger than this waits for round two. */
#define BIG_FILE ((uint64_t)4 * READ_BUF)
/* An early pass starts its threads once the walk has listed this many
 * files: a smaller tree is read after its walk, as fast, without them. */
#define EARLY_MIN 1024

struct worker {
	struct run *r;
	pthread_t thread;
	unsigned char *buf;
	struct tree_hit *hits;
	size_t nhits, caphits;
	struct tree_finding *find;
	size_t nfind, capfind;
	size_t *big;
	size_t nbig, capbig;
	size_t *linked; /* regular files with more than one link */
	size_t nlinked, caplinked;
	size_t *later; /* files listed through a symlink, for round 1b */
	size_t nlater, caplater;
	size_t file, file_hits; /* the file being read, its first hit */
	int dirfd;		/* the directory of the last file opened */
	size_t dir_root;
	struct buf dir;
	int spawned; /* runs on a thread of its own */
	uint64_t bytes;
	int oom;
	struct scan_state st;
};

/* One more file done with, for the progress display. */
static void done_one(struct run *r)
{
	atomic_fetch_add_explicit(&r->sh->files, 1, memory_order_relaxed);
}

static int on_hit(const struct scan_hit *h, void *arg)
{
	struct worker *w = arg;
	size_t same = 0;

	for (size_t k = w->file_hits; k < w->nhits; k++)
		same += w->hits[k].secret == h->secret;
	if (same >= TREE_HITS_PER_SECRET)
		return 0;
	if (vec_grow((void **)&w->hits, &w->caphits, w->nhits + 1,
		     sizeof *w->hits) < 0) {
		w->oom = 1;
		return 1;
	}
	w->hits[w->nhits++] =
		(struct tree_hit){w->file, h->secret, h->offset, h->encoding};
	return 0;
}

/*
 * Opens a file below a root for reading. openat2 with RESOLVE_BENEATH
 * and RESOLVE_NO_SYMLINKS makes the walk's check hold at open time too:
 * no component may have become a symlink since (Linux 5.6; older
 * kernels get openat with O_NOFOLLOW, which guards the last component).
 * O_NONBLOCK: a FIFO swapped in after the walk must not block the open.
 * O_NOATIME spares an inode update per file where we may use it (as the
 * owner or with CAP_FOWNER); EPERM turns it off for the run.
 */
static int open_file(struct run *r, int dirfd, const char *rel)
{
	int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW;

	if (atomic_load_explicit(&r->noatime, memory_order_relaxed))
		flags |= O_NOATIME;
	for (;;) {
		int fd;

		if (atomic_load_explicit(&r->openat2, memory_order_relaxed)) {
			struct open_how how = {
				.flags = (uint64_t)flags,
				.resolve = RESOLVE_BENEATH |
					   RESOLVE_NO_SYMLINKS |
					   RESOLVE_NO_MAGICLINKS,
			};

			fd = (int)syscall(SYS_openat2, dirfd, rel, &how,
					  sizeof how);
			if (fd < 0 && errno == ENOSYS) {
				atomic_store(&r->openat2, 0);
				continue;
			}
		} else {
			fd = openat(dirfd, rel, flags);
		}
		if (fd >= 0)
			return fd;
		if (errno == EINTR)
			continue;
		if (errno == EPERM && (flags & O_NOATIME)) {
			flags &= ~O_NOATIME;
			atomic_store(&r->noatime, 0);
			continue;
		}
		return -1;
	}
}

static const char *target_of(const struct run *r, size_t file)
{
	size_t lo = 0, hi = r->ntargets;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->targets[mid].file < file)
			lo = mid + 1;
		else if (r->targets[mid].file > file)
			hi = mid;
		else
			return r->targets[mid].rel;
	}
	return NULL;
}

static void unreadable(struct worker *w, struct tree_file *f, int err)
{
	f->error = err;
	if (tree_add_finding(&w->find, &w->nfind, &w->capfind, TREE_UNREADABLE,
			     f->path, strerror(err)) < 0)
		w->oom = 1;
}

/* Feeds len bytes through SHA-256 and the scanner. Returns non-zero when
 * the scanner stopped (out of memory). */
static int feed(struct worker *w, struct sha256_ctx *ctx,
		const unsigned char *p, size_t len)
{
	const struct scan *sc = w->r->o->scan;

	sha256_update(ctx, len, p);
	return sc != NULL && scan_feed(sc, &w->st, p, len, on_hit, w) != 0;
}

/*
 * Where the hole at off ends (off itself when off holds data) and where
 * the data after it ends, from SEEK_DATA and SEEK_HOLE. Returns -1 when
 * the file system cannot say; then the caller just reads.
 */
static int find_hole(int fd, uint64_t off, uint64_t size, uint64_t *hole_end,
		     uint64_t *data_end)
{
	off_t d = lseek(fd, (off_t)off, SEEK_DATA), h;

	if (d < 0) {
		if (errno != ENXIO)
			return -1;
		/* No data past off: a hole up to the size fstat gave. */
		*hole_end = off > size ? off : size;
		*data_end = UINT64_MAX;
		return 0;
	}
	h = lseek(fd, d, SEEK_HOLE);
	if (h < 0)
		return -1;
	*hole_end = (uint64_t)d;
	*data_end = (uint64_t)h;
	return 0;
}

/*
 * The first read of a small file in round one: preadv2 with RWF_NOWAIT,
 * which reads what the page cache holds and never waits for the disk.
 * Returns the bytes read, or -1 with errno; EAGAIN (nothing cached) and
 * a short read before the size fstat gave both tell the caller the cache
 * is cold. A kernel or file system without RWF_NOWAIT for buffered reads
 * (EOPNOTSUPP, EINVAL, ENOSYS, or a seccomp EPERM) turns it off for the
 * run and is taken for cold once, so the batch still gets its advice.
 */
static ssize_t read_cached(struct run *r, int fd, void *buf, size_t len)
{
	struct iovec iov = {buf, len};
	ssize_t n;

	do
		n = (ssize_t)syscall(__NR_preadv2, fd, &iov, 1, 0L, 0L,
				     RWF_NOWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno != EAGAIN) {
		atomic_store(&r->nowait, 0);
		errno = EAGAIN;
	}
	return n;
}

/*
 * Reads fd to its end through SHA-256 and the scanner, with pread at
 * explicit offsets. With sparse set (big files), holes are not read but
 * hashed as the zeros they are: a 4 GiB sparse file then costs the hash
 * alone, not 4 GiB of zero-filled page cache pushing out what is cached.
 * With cold set (round one's batches), the first read is read_cached's:
 * *cold becomes 1 when it finds the file's pages missing, 0 otherwise.
 */
static void hash_fd(struct worker *w, size_t i, int fd, int sparse, int *cold)
{
	struct tree_file *f = &w->r->t->files[i];
	struct sha256_ctx ctx;
	uint64_t total = 0, data_end = sparse ? 0 : UINT64_MAX, hole_end;

	sha256_init(&ctx);
	scan_state_init(&w->st);
	w->file = i;
	w->file_hits = w->nhits;
	for (;;) {
		size_t want = READ_BUF;
		ssize_t n;

		if (total >= data_end) {
			if (find_hole(fd, total, f->size, &hole_end,
				      &data_end) < 0) {
				data_end = UINT64_MAX;
			} else if (hole_end > total) {
				memset(w->buf, 0, READ_BUF);
				while (total < hole_end) {
					size_t k = hole_end - total < READ_BUF
							   ? hole_end - total
							   : READ_BUF;

					if (feed(w, &ctx, w->buf, k) ||
					    stopped(w->r->sh))
						return;
					total += k;
					atomic_fetch_add_explicit(
						&w->r->sh->bytes, k,
						memory_order_relaxed);
				}
			}
		}
		if (data_end - total < want)
			want = data_end - total;
		if (cold != NULL && total == 0) {
			n = read_cached(w->r, fd, w->buf, want);
			*cold = n < 0 ||
				((size_t)n < want && (uint64_t)n < f->size);
			cold = NULL;
			/* Nothing cached, or nothing read where fstat saw
			 * bytes: the plain read says what is there. */
			if (n < 0 || (n == 0 && f->size > 0))
				continue;
		} else {
			n = pread(fd, w->buf, want, (off_t)total);
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			unreadable(w, f, errno);
			return;
		}
		if (n == 0)
			break;
		if (feed(w, &ctx, w->buf, (size_t)n))
			return;
		total += (uint64_t)n;
		atomic_fetch_add_explicit(&w->r->sh->bytes, (uint64_t)n,
					  memory_order_relaxed);
		/* The deadline is looked at between chunks: a file that
		 * grows without end cannot hold the pass past it. */
		if (stopped(w->r->sh))
			return;
		/* A short read that reaches the size fstat gave is the end of
		 * a regular file; skip the read that would say so. */
		if ((size_t)n < want && total >= f->size)
			break;
	}
	sha256_digest(&ctx, sizeof f->sha256, f->sha256);
	f->hashed = 1;
	f->size = total;
	w->bytes += total;
}

/* A directory below a root, as an O_PATH fd to open files against. */
static int open_dir(int rootfd, const char *rel)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	do
		fd = (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof how);
	while (fd < 0 && errno == EINTR);
	return fd;
}

/*
 * Opens file i. Files come in walk order, so consecutive ones mostly share
 * a directory: the worker keeps that directory open and opens each file
 * against it, which spares the kernel the lookup of every leading
 * component per file. Without openat2, or when the directory will not
 * open, the file is opened from its root.
 */
static int open_entry(struct worker *w, size_t i)
{
	struct run *r = w->r;
	const struct tree_file *f = &r->t->files[i];
	const char *tr = f->symlink ? target_of(r, i) : NULL;
	const char *rel = tr ? tr : f->rel;
	const char *slash = strrchr(rel, '/');
	int rootfd = r->rootfd[f->root];
	size_t dl = slash ? (size_t)(slash - rel) : 0;

	if (slash == NULL ||
	    !atomic_load_explicit(&r->openat2, memory_order_relaxed))
		return open_file(r, rootfd, rel);
	if (w->dirfd < 0 || w->dir_root != f->root || w->dir.len != dl ||
	    memcmp(w->dir.p, rel, dl) != 0) {
		if (w->dirfd >= 0)
			(void)close(w->dirfd);
		buf_reset(&w->dir);
		w->dirfd = -1;
		if (buf_add(&w->dir, rel, dl) < 0)
			return open_file(r, rootfd, rel);
		w->dirfd = open_dir(rootfd, w->dir.p);
		w->dir_root = f->root;
	}
	if (w->dirfd < 0)
		return open_file(r, rootfd, rel);
	return open_file(r, w->dirfd, slash + 1);
}

/* Round one, first half: opens and fstats file i. Returns the open fd of
 * a small regular file, or -1 when the file is done with: reported, or
 * set aside for round two; or -2 when out of file descriptors and retry
 * is set (nothing reported: the caller closes some and asks again). */
static int round_one_open(struct worker *w, size_t i, int retry)
{
	struct tree_file *f = &w->r->t->files[i];
	struct stat st;
	uint64_t dev = f->dev, ino = f->ino;
	int fd;

	/* A dangling symlink or a loop (reported), or a name whose inode is
	 * read under another name. */
	if (f->error != 0 || f->alias != 0) {
		done_one(w->r);
		return -1;
	}
	if (f->symlink && w->r->list == NULL) {
		if (vec_grow((void **)&w->later, &w->caplater, w->nlater + 1,
			     sizeof *w->later) < 0)
			w->oom = 1;
		else
			w->later[w->nlater++] = i;
		return -1;
	}
	fd = open_entry(w, i);
	if (fd < 0 && retry && (errno == EMFILE || errno == ENFILE))
		return -2;
	if (fd < 0) {
		int err = errno;

		/* Still say what it is, where stat can. */
		if (fstatat(w->r->rootfd[f->root], f->rel, &st,
			    AT_SYMLINK_NOFOLLOW) == 0)
			tree_fill_stat(f, &st);
		unreadable(w, f, err);
		done_one(w->r);
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		unreadable(w, f, errno);
	} else if (S_ISREG(st.st_mode) && ino != 0 &&
		   ((uint64_t)st.st_dev != dev || (uint64_t)st.st_ino != ino)) {
		/* Another file than the walk saw (and may have counted in
		 * max_bytes, or taken for a hard link of another name). */
		f->error = ESTALE;
		if (tree_add_finding(&w->find, &w->nfind, &w->capfind,
				     TREE_UNREADABLE, f->path,
				     "replaced while it was being verified") <
		    0)
			w->oom = 1;
	} else if (!S_ISREG(st.st_mode)) {
		/* Replaced since the walk: report what it is now. */
		f->error = EINVAL;
		if (tree_add_finding(&w->find, &w->nfind, &w->capfind,
				     TREE_SPECIAL, f->path,
				     tree_special_kind(st.st_mode)) < 0)
			w->oom = 1;
	} else {
		tree_fill_stat(f, &st);
		/* Another name may lead to the same inode: read it once,
		 * after this round has seen every name (read_linked). */
		if (f->nlink > 1) {
			if (vec_grow((void **)&w->linked, &w->caplinked,
				     w->nlinked + 1, sizeof *w->linked) < 0)
				w->oom = 1;
			else
				w->linked[w->nlinked++] = i;
			(void)close(fd);
			return -1;
		}
		if (f->size <= BIG_FILE)
			return fd;
		if (vec_grow((void **)&w->big, &w->capbig, w->nbig + 1,
			     sizeof *w->big) < 0)
			w->oom = 1;
		else
			w->big[w->nbig++] = i;
		(void)close(fd);
		return -1;
	}
	done_one(w->r);
	(void)close(fd);
	return -1;
}

/* Closes n fds: each run of consecutive numbers (a batch opened in a
 * row mostly is one) with one close_range, where the kernel allows it. */
static void close_fds(struct run *r, const int *fds, size_t n)
{
	for (size_t k = 0; k < n;) {
		size_t e = k + 1;

		while (e < n && fds[e] == fds[e - 1] + 1)
			e++;
		if (e - k > 1 && atomic_load_explicit(&r->close_range,
						      memory_order_relaxed)) {
			if (syscall(__NR_close_range, (unsigned)fds[k],
				    (unsigned)fds[e - 1], 0U) == 0) {
				k = e;
				continue;
			}
			/* Linux < 5.9, or a seccomp profile that refuses it. */
			atomic_store(&r->close_range, 0);
		}
		for (; k < e; k++)
			(void)close(fds[k]);
	}
}

/* Reads the files a batch has open, then closes them. The first read of
 * each looks only in the page cache (read_cached); once one finds it
 * cold, the rest of the batch is advised (POSIX_FADV_WILLNEED) so the
 * disk gets the batch's reads at once, not one at a time. */
static void flush_batch(struct worker *w, const int *fds, const size_t *idx,
			size_t *n)
{
	int cold = 0;

	for (size_t k = 0; k < *n; k++) {
		if (!w->oom && !stopped(w->r->sh)) {
			int probe = 0;

			hash_fd(w, idx[k], fds[k], 0, cold ? NULL : &probe);
			if (!cold && probe) {
				cold = 1;
				for (size_t j = k + 1; j < *n; j++)
					(void)posix_fadvise(
						fds[j], 0, 0,
						POSIX_FADV_WILLNEED);
			}
		}
		done_one(w->r);
	}
	close_fds(w->r, fds, *n);
	*n = 0;
}

/*
 * Round one takes a batch at a time: it opens and fstats the whole batch,
 * then reads it (flush_batch). On a cold cache the first read that finds
 * no pages has the rest of the batch advised, so the disk has a batch of
 * reads per thread in flight rather than one (measured here, on a virtio
 * disk: 1 GiB in 20,000 files read cold in 0.9 s rather than 2.5 s); on a
 * warm one, that costs no syscall at all (it used to cost one advice per
 * file). Out of file descriptors, the batch is read so far and the open
 * retried.
 */
static void round_one(struct worker *w, size_t from, size_t to)
{
	const size_t *list = w->r->list;
	int fds[BATCH];
	size_t idx[BATCH], n = 0;

	for (size_t k = from; k < to && !stopped(w->r->sh); k++) {
		size_t i = list != NULL ? list[k] : k;
		int fd = round_one_open(w, i, n > 0);

		if (fd == -2) {
			flush_batch(w, fds, idx, &n);
			fd = round_one_open(w, i, 0);
		}
		if (fd < 0)
			continue;
		fds[n] = fd;
		idx[n++] = i;
	}
	flush_batch(w, fds, idx, &n);
}

static void round_two(struct worker *w, size_t i)
{
	struct tree_file *f = &w->r->t->files[i];
	int fd = open_entry(w, i);

	if (fd < 0) {
		unreadable(w, f, errno);
		done_one(w->r);
		return;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	hash_fd(w, i, fd, 1, NULL);
	(void)close(fd);
	done_one(w->r);
}

/*
 * How many files round one may take, once at least need are (or the walk
 * has ended, or the pass stopped: then what there is). The walk stores
 * ready before it looks at waiting, a reader counts itself in waiting
 * before it looks at ready (both sequentially consistent), so either the
 * walk sees the reader and wakes it, or the reader sees the files.
 */
static size_t ready_for(struct run *r, size_t need)
{
	if (atomic_load(&r->ready) >= need || atomic_load(&r->walked))
		return atomic_load(&r->ready);
	(void)pthread_mutex_lock(&r->mu);
	atomic_fetch_add(&r->waiting, 1);
	while (atomic_load(&r->ready) < need && !atomic_load(&r->walked) &&
	       !stopped(r->sh))
		(void)pthread_cond_wait(&r->cv, &r->mu);
	atomic_fetch_sub(&r->waiting, 1);
	(void)pthread_mutex_unlock(&r->mu);
	return atomic_load(&r->ready);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct run *r = w->r;
	size_t batch = r->round == 1 ? BATCH : 1;

	if (w->buf == NULL) {
		w->buf = aligned_alloc(4096, READ_BUF);
		if (w->buf == NULL) {
			w->oom = 1;
			return NULL;
		}
	}
	/* A thread of our own gets its own file table: every open and close
	 * takes the table's lock, which threads sharing it contend for.
	 * Failure costs only that contention. */
	if (w->spawned)
		(void)unshare(CLONE_FILES);
	w->dirfd = -1;
	for (;;) {
		size_t k = atomic_fetch_add_explicit(&r->next, batch,
						     memory_order_relaxed);
		size_t n = r->round == 1 ? ready_for(r, k + batch) : r->nbig;

		if (k >= n || w->oom || stopped(r->sh))
			break;
		size_t end = k + batch < n ? k + batch : n;

		if (r->round == 1)
			round_one(w, k, end);
		else
			for (; k < end; k++)
				round_two(w, r->big[k]);
	}
	if (w->dirfd >= 0)
		(void)close(w->dirfd);
	w->dirfd = -1;
	return NULL;
}

/* Starts workers 1 .. nw - 1 on a round; a thread that cannot be created
 * leaves its share to the others. Returns the number of workers, the
 * calling thread's (worker 0) included. */
static unsigned spawn(struct run *r, struct worker *ws, unsigned nw, int round)
{
	unsigned started = 1;

	r->round = round;
	atomic_store(&r->next, 0);
	for (unsigned k = 1; k < nw; k++) {
		ws[k].spawned = 1;
		if (pthread_create(&ws[k].thread, NULL, work, &ws[k]) != 0)
			break;
		started = k + 1;
	}
	return started;
}

static void join(struct worker *ws, unsigned started)
{
	for (unsigned k = 1; k < started; k++)
		(void)pthread_join(ws[k].thread, NULL);
}

/* Runs one round on nw workers, the calling thread as worker 0. Returns
 * the number of threads that ran. */
static unsigned run_round(struct run *r, struct worker *ws, unsigned nw,
			  int round)
{
	unsigned started = spawn(r, ws, nw, round);

	(void)work(&ws[0]);
	join(ws, started);
	return started;
}

static int big_cmp(const void *pa, const void *pb, void *files)
{
	const struct tree_file *f = files;
	size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;

	if (f[ia].size != f[ib].size)
		return f[ia].size > f[ib].size ? -1 : 1;
	return ia < ib ? -1 : ia > ib;
}

static int hit_cmp(const void *pa, const void *pb)
{
	const struct tree_hit *a = pa, *b = pb;

	if (a->file != b->file)
		return a->file < b->file ? -1 : 1;
	if (a->offset != b->offset)
		return a->offset < b->offset ? -1 : 1;
	return a->secret < b->secret ? -1 : a->secret > b->secret;
}

/* The first hit on file, or nhits. */
static size_t first_hit(const struct tree *t, size_t file)
{
	size_t lo = 0, hi = t->nhits;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->hits[mid].file < file)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The file whose bytes were read for file i: aliases chain at most twice
 * (a link to a hard link of another name). */
static size_t root_of(const struct tree *t, size_t i)
{
	while (t->files[i].alias != 0)
		i = t->files[i].alias - 1;
	return i;
}

/* Gives every alias what its inode's first name got: the digest, the
 * size read, an error, and the secret hits (each name is reported). */
static int copy_aliases(struct walk *w)
{
	struct tree *t = w->t;
	size_t extra = 0, nh = t->nhits;

	for (size_t i = 0; i < t->nfiles; i++) {
		struct tree_file *f = &t->files[i];
		const struct tree_file *p;

		if (f->alias == 0)
			continue;
		p = &t->files[root_of(t, i)];
		memcpy(f->sha256, p->sha256, sizeof f->sha256);
		f->hashed = p->hashed;
		if (p->hashed)
			f->size = p->size;
		if (p->error != 0 && f->error == 0) {
			char *d = NULL;

			f->error = p->error;
			if (asprintf(&d,
				     "the same file as %s, which could not "
				     "be read",
				     p->path) < 0)
				return -1;
			tree_walk_finding(w, TREE_UNREADABLE, f->path, d);
			free(d);
		}
		for (size_t k = first_hit(t, root_of(t, i));
		     k < nh && t->hits[k].file == root_of(t, i); k++)
			extra++;
	}
	if (extra == 0)
		return w->oom ? -1 : 0;
	struct tree_hit *h = realloc(t->hits, (nh + extra) * sizeof *h);

	if (h == NULL)
		return -1;
	t->hits = h;
	for (size_t i = 0; i < t->nfiles; i++) {
		size_t a;

		if (t->files[i].alias == 0)
			continue;
		a = root_of(t, i);
		for (size_t k = first_hit(t, a); k < nh && t->hits[k].file == a;
		     k++) {
			t->hits[t->nhits] = t->hits[k];
			t->hits[t->nhits++].file = i;
		}
	}
	qsort(t->hits, t->nhits, sizeof *t->hits, hit_cmp);
	return w->oom ? -1 : 0;
}

/* Moves the workers' hits and findings into the tree. */
static int collect(struct walk *w, struct worker *ws, unsigned nw)
{
	struct tree *t = w->t;
	size_t nh = 0;
	int rc = 0;

	for (unsigned k = 0; k < nw; k++)
		nh += ws[k].nhits;
	if (nh > 0) {
		t->hits = malloc(nh * sizeof *t->hits);
		if (t->hits == NULL)
			rc = -1;
	}
	for (unsigned k = 0; k < nw; k++) {
		struct worker *wk = &ws[k];

		if (wk->oom)
			rc = -1;
		t->bytes += wk->bytes;
		if (rc == 0 && wk->nhits > 0) {
			memcpy(t->hits + t->nhits, wk->hits,
			       wk->nhits * sizeof *wk->hits);
			t->nhits += wk->nhits;
		}
		for (size_t j = 0; j < wk->nfind; j++) {
			struct tree_finding *fd = &wk->find[j];

			if (rc == 0 &&
			    vec_grow((void **)&t->findings, &w->capfind,
				     t->nfindings + 1, sizeof *fd) < 0)
				rc = -1;
			if (rc == 0) {
				t->findings[t->nfindings++] = *fd;
			} else {
				free(fd->path);
				free(fd->detail);
			}
		}
		wk->nfind = 0; /* the tree's now, or freed */
	}
	if (t->hits != NULL && t->nhits > 1)
		qsort(t->hits, t->nhits, sizeof *t->hits, hit_cmp);
	return rc;
}

/* ---- Names that share an inode ---- */

struct inode {
	uint64_t dev, ino;
	int link; /* listed through a symlink */
	size_t file;
};

static int inode_cmp(const void *pa, const void *pb)
{
	const struct inode *a = pa, *b = pb;

	if (a->dev != b->dev)
		return a->dev < b->dev ? -1 : 1;
	if (a->ino != b->ino)
		return a->ino < b->ino ? -1 : 1;
	if (a->link != b->link)
		return a->link - b->link;
	return a->file < b->file ? -1 : a->file > b->file;
}

/*
 * The files round one set aside for having more than one link: grouped
 * by inode, every one but the first of a group (a real file before a
 * link, then path order) becomes an alias of it, and the first of each
 * is read, largest first, as round two reads. Only these names are
 * sorted, so a set without hard links pays nothing.
 */
static int read_linked(struct run *r, struct worker *ws, unsigned nw)
{
	struct tree *t = r->t;
	struct inode *v;
	size_t *first;
	size_t n = 0, np = 0;

	for (unsigned k = 0; k < nw; k++)
		n += ws[k].nlinked;
	if (n == 0 || stopped(r->sh))
		return 0;
	v = malloc(n * sizeof *v);
	first = malloc(n * sizeof *first);
	if (v == NULL || first == NULL) {
		free(v);
		free(first);
		return -1;
	}
	for (unsigned k = 0; k < nw; k++)
		for (size_t j = 0; j < ws[k].nlinked; j++) {
			size_t i = ws[k].linked[j];
			const struct tree_file *f = &t->files[i];

			v[np++] = (struct inode){f->dev, f->ino, f->symlink, i};
		}
	qsort(v, n, sizeof *v, inode_cmp);
	np = 0;
	for (size_t g = 0; g < n;) {
		size_t end = g + 1;

		while (end < n && v[end].dev == v[g].dev &&
		       v[end].ino == v[g].ino) {
			t->files[v[end].file].alias = v[g].file + 1;
			t->aliases++;
			done_one(r);
			end++;
		}
		first[np++] = v[g].file;
		g = end;
	}
	qsort_r(first, np, sizeof *first, big_cmp, t->files);
	r->big = first;
	r->nbig = np;
	(void)run_round(r, ws, nw < np ? nw : (unsigned)np, 2);
	r->big = NULL;
	r->nbig = 0;
	free(v);
	free(first);
	return 0;
}

/*
 * A link listed with its target's bytes whose target is listed too (in
 * the same root, by its real path) is an alias of it from the walk on:
 * the target is read once, under its own name.
 */
int tree_link_aliases(struct walk *w)
{
	struct tree *t = w->t;
	struct buf p = {0};
	int rc = 0;

	for (size_t k = 0; k < w->ntargets; k++) {
		struct tree_file *f = &t->files[w->targets[k].file];
		const struct tree_file *to;

		if (f->error != 0)
			continue;
		buf_reset(&p);
		if (buf_add(&p, f->path, (size_t)(f->rel - f->path)) < 0 ||
		    buf_adds(&p, w->targets[k].rel) < 0) {
			rc = -1;
			break;
		}
		to = tree_find(t, p.p);
		if (to != NULL && to != f && to->error == 0 && to->alias == 0) {
			f->alias = (size_t)(to - t->files) + 1;
			t->aliases++;
		}
	}
	buf_free(&p);
	return rc;
}

/* What tree_hash_begin sets up for the whole pass. */
struct pass {
	struct run r;
	struct worker *ws;
	unsigned nw;
	int early;	  /* round one may start during the walk */
	unsigned started; /* early workers running (worker 0 included), or 0 */
	size_t taken;	  /* files they had claimed when the walk ended */
};

int tree_hash_begin(struct walk *w, const int *rootfd)
{
	struct pass *p = calloc(1, sizeof *p);
	unsigned nw = w->o->threads ? w->o->threads : io_cpus();

	if (p == NULL)
		return -1;
	p->r = (struct run){
		.t = w->t,
		.o = w->o,
		.rootfd = rootfd,
		.sh = w->sh,
	};
	atomic_init(&p->r.next, 0);
	atomic_init(&p->r.ready, 0);
	atomic_init(&p->r.walked, 0);
	atomic_init(&p->r.waiting, 0);
	atomic_init(&p->r.noatime, 1);
	atomic_init(&p->r.openat2, 1);
	atomic_init(&p->r.nowait, 1);
	atomic_init(&p->r.close_range, 1);
	p->nw = nw > 0 ? nw : 1;
	p->ws = calloc(p->nw, sizeof *p->ws);
	if (p->ws == NULL) {
		free(p);
		return -1;
	}
	for (unsigned k = 0; k < p->nw; k++)
		p->ws[k].r = &p->r;
	p->early = w->fixed_files && p->nw > 1 &&
		   pthread_mutex_init(&p->r.mu, NULL) == 0;
	if (p->early && pthread_cond_init(&p->r.cv, NULL) != 0) {
		(void)pthread_mutex_destroy(&p->r.mu);
		p->early = 0;
	}
	w->pass = p;
	return 0;
}

void tree_hash_publish(struct walk *w, int done)
{
	struct pass *p = w->pass;
	struct run *r;

	/* Counted whether or not readers take them: the walk calls this
	 * only every PUBLISH_EVERY files. */
	w->published = w->t->nfiles;
	if (p == NULL || !p->early)
		return;
	r = &p->r;
	atomic_store(&r->ready, w->published);
	if (done) {
		atomic_store(&r->walked, 1);
		if (p->started > 0 && p->taken == 0)
			p->taken = atomic_load(&r->next);
	} else if (p->started == 0 && w->published >= EARLY_MIN &&
		   !stopped(r->sh)) {
		/* Worker 0 is the walk's thread: it joins after the walk. */
		w->read_t0 = io_now_ms();
		p->started = spawn(r, p->ws, p->nw, 1);
	}
	if (atomic_load(&r->waiting) > 0) {
		(void)pthread_mutex_lock(&r->mu);
		(void)pthread_cond_broadcast(&r->cv);
		(void)pthread_mutex_unlock(&r->mu);
	}
}

/* Frees the findings a worker holds (not collected into the tree). */
static void drop_findings(struct worker *wk)
{
	for (size_t j = 0; j < wk->nfind; j++) {
		free(wk->find[j].path);
		free(wk->find[j].detail);
	}
	wk->nfind = 0;
}

/* After TREE_STOP_FILES nothing counts as read: what the early readers
 * did is dropped (a file listed through a symlink was never read). */
static void drop_reads(struct pass *p)
{
	struct tree *t = p->r.t;

	for (size_t i = 0; i < t->nfiles; i++) {
		struct tree_file *f = &t->files[i];

		if (f->symlink)
			continue;
		f->hashed = 0;
		f->error = 0;
		memset(f->sha256, 0, sizeof f->sha256);
	}
	for (unsigned k = 0; k < p->nw; k++) {
		struct worker *wk = &p->ws[k];

		drop_findings(wk);
		wk->nhits = wk->nbig = wk->nlinked = 0;
		wk->nlater = 0;
		wk->bytes = 0;
	}
}

/* Concatenates the workers' lists of big files (later 0) or of files
 * listed through a symlink (later 1) into *out. Returns the length, or
 * SIZE_MAX (out of memory). */
static size_t gather(const struct worker *ws, unsigned nw, int later,
		     size_t **out)
{
	size_t n = 0;
	size_t *v;

	for (unsigned k = 0; k < nw; k++)
		n += later ? ws[k].nlater : ws[k].nbig;
	*out = NULL;
	if (n == 0)
		return 0;
	v = malloc(n * sizeof *v);
	if (v == NULL)
		return SIZE_MAX;
	n = 0;
	for (unsigned k = 0; k < nw; k++) {
		size_t len = later ? ws[k].nlater : ws[k].nbig;

		if (len > 0)
			memcpy(v + n, later ? ws[k].later : ws[k].big,
			       len * sizeof *v);
		n += len;
	}
	*out = v;
	return n;
}

int tree_hash_all(struct walk *w)
{
	struct pass *p = w->pass;
	struct tree *t = w->t;
	struct run *r = &p->r;
	struct worker *ws = p->ws;
	/* No more threads than files. */
	unsigned nw = p->nw > t->nfiles ? (t->nfiles ? (unsigned)t->nfiles : 1)
					: p->nw;
	size_t *big = NULL, *later = NULL, nbig, nlater;
	int rc = 0;

	/* The walk has ended: its list of targets is final. */
	r->targets = w->targets;
	r->ntargets = w->ntargets;
	atomic_store(&r->ready, t->nfiles);
	atomic_store(&r->walked, 1);
	if (p->started > 0) {
		t->early = p->taken < t->nfiles ? p->taken : t->nfiles;
		(void)work(&ws[0]);
		join(ws, p->started);
		t->threads = p->started;
		p->started = 0;
	} else {
		t->threads = run_round(r, ws, nw, 1);
	}
	if (atomic_load(&r->sh->stop) == TREE_STOP_FILES)
		drop_reads(p);
	/* Early, the links were not matched with their targets before
	 * reading (tree.c does it after the walk otherwise). */
	if (w->fixed_files && tree_link_aliases(w) < 0)
		rc = -1;
	for (unsigned k = 0; k < p->nw; k++)
		if (ws[k].oom)
			rc = -1;
	nlater = rc == 0 ? gather(ws, p->nw, 1, &later) : 0;
	if (nlater == SIZE_MAX)
		rc = -1;
	if (rc == 0 && nlater > 0) {
		r->list = later;
		atomic_store(&r->ready, nlater);
		(void)run_round(r, ws, nw < nlater ? nw : (unsigned)nlater, 1);
		r->list = NULL;
	}
	nbig = rc == 0 ? gather(ws, p->nw, 0, &big) : 0;
	if (nbig == SIZE_MAX)
		rc = -1;
	if (rc == 0 && nbig > 0) {
		qsort_r(big, nbig, sizeof *big, big_cmp, t->files);
		r->big = big;
		r->nbig = nbig;
		(void)run_round(r, ws, nw < nbig ? nw : (unsigned)nbig, 2);
		r->big = NULL;
		r->nbig = 0;
	}
	if (rc == 0 && read_linked(r, ws, p->nw) < 0)
		rc = -1;
	if (collect(w, ws, p->nw) < 0)
		rc = -1;
	if (rc == 0 && copy_aliases(w) < 0)
		rc = -1;
	free(big);
	free(later);
	return rc;
}

void tree_hash_end(struct walk *w)
{
	struct pass *p = w->pass;

	if (p == NULL)
		return;
	if (p->started > 0) {
		/* The walk failed (out of memory): let the readers finish
		 * what was listed, and wait for them. */
		tree_hash_publish(w, 1);
		join(p->ws, p->started);
	}
	if (p->early) {
		(void)pthread_mutex_destroy(&p->r.mu);
		(void)pthread_cond_destroy(&p->r.cv);
	}
	for (unsigned k = 0; k < p->nw; k++) {
		struct worker *wk = &p->ws[k];

		drop_findings(wk);
		free(wk->find);
		free(wk->hits);
		free(wk->big);
		free(wk->linked);
		free(wk->later);
		free(wk->buf);
		buf_free(&wk->dir);
	}
	free(p->ws);
	free(p);
	w->pass = NULL;
}
