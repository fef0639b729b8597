/*
 * The walk and the hashing pass behind tree_hash_scan. The walk is one
 * thread, depth-first on directory fds (getdents64; fstatat without
 * following for every entry in a snapshot, and when hashing for entries
 * without a d_type and, when the caller's admit is to see their sizes
 * before anything is read, for regular files; a directory is fstat'ed
 * once open), each directory's entries sorted with
 * a "/" after directory names so that the files come out already in
 * bytewise path order and no global sort is needed. Symlinks are resolved
 * in user space one component at a time from the directory that holds
 * the link, the way RESOLVE_BENEATH would, so that a link leaving its
 * root is found without ever opening what it points at. The hashing pass
 * (see "The hashing pass" below) runs on every CPU; each thread reads
 * into its own buffer with read(2), feeds each chunk to SHA-256 (nettle;
 * its fat build uses the SHA extensions where the CPU has them) and then
 * to the secret scanner while the chunk is still in cache, so memory
 * stays at one buffer per thread whatever the file sizes. A monitor
 * thread, when a deadline or a progress callback asks for one, watches
 * the clock: the walk and the readers look at one flag it sets.
 */
#include "tree.h"

#include "beneath.h"
#include "io.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/openat2.h>
#include <nettle/sha2.h>

#include "buf.h"

/* Per-thread read buffer. Large enough that a big file costs few
 * syscalls, small enough to stay in L2 between the hash and the scan. */
#define READ_BUF (256u << 10)
/* getdents64 buffer: a few hundred entries per call. */
#define DIR_BUF	    (32u << 10)
#define ARENA_CHUNK (256u << 10)
/* The kernel's limit on symlinks followed in one lookup (MAXSYMLINKS). */
#define MAX_LINKS 40

struct tree_arena {
	struct tree_arena *next;
	size_t used, cap;
	max_align_t data[];
};

static char *arena_dup(struct tree *t, const char *s, size_t n)
{
	struct tree_arena *a = t->arena;

	if (a == NULL || a->cap - a->used < n + 1) {
		size_t cap = n + 1 > ARENA_CHUNK ? n + 1 : ARENA_CHUNK;
		struct tree_arena *na = malloc(sizeof *na + cap);

		if (na == NULL)
			return NULL;
		na->used = 0;
		na->cap = cap;
		na->next = a;
		t->arena = a = na;
	}
	char *p = (char *)a->data + a->used;

	memcpy(p, s, n);
	p[n] = '\0';
	a->used += n + 1;
	return p;
}

/* Grows *v (of *cap elements of size sz) to hold at least n + 1. */
static int grow(void *vp, size_t *cap, size_t n, size_t sz)
{
	void **v = vp;

	if (n < *cap)
		return 0;
	size_t nc = *cap ? *cap : 64;

	while (nc <= n) {
		if (nc > SIZE_MAX / 2 / sz) {
			errno = ENOMEM;
			return -1;
		}
		nc *= 2;
	}
	void *p = realloc(*v, nc * sz);

	if (p == NULL)
		return -1;
	*v = p;
	*cap = nc;
	return 0;
}

static int add_finding(struct tree_finding **v, size_t *n, size_t *cap,
		       enum tree_finding_kind kind, const char *path,
		       const char *detail)
{
	if (grow(v, cap, *n, sizeof **v) < 0)
		return -1;
	char *p = strdup(path);
	char *d = strdup(detail ? detail : "");

	if (p == NULL || d == NULL) {
		free(p);
		free(d);
		return -1;
	}
	(*v)[(*n)++] = (struct tree_finding){kind, p, d};
	return 0;
}

static int64_t ns(struct timespec ts)
{
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void fill_stat(struct tree_file *f, const struct stat *st)
{
	f->size = (uint64_t)st->st_size;
	f->mode = (uint32_t)st->st_mode;
	f->mtime_ns = ns(st->st_mtim);
	f->ctime_ns = ns(st->st_ctim);
	f->dev = (uint64_t)st->st_dev;
	f->ino = (uint64_t)st->st_ino;
	f->nlink = (uint64_t)st->st_nlink;
}

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

static int stopped(struct shared *sh)
{
	return atomic_load_explicit(&sh->stop, memory_order_relaxed) != 0;
}

static void stop(struct shared *sh, enum tree_stop why)
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
	struct shared *sh;
	char *dirbuf;
	int oom;
};

/* Strips "./" prefixes and trailing slashes: "./public/" is "public", ""
 * and "./" are ".". "/" stays "/". */
static char *normalise(const char *p)
{
	size_t n;

	while (p[0] == '.' && p[1] == '/') {
		p += 2;
		while (*p == '/' && p[1] != '\0')
			p++;
	}
	n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		n--;
	if (n == 0)
		return strdup(".");
	return strndup(p, n);
}

static int excluded(const struct walk *w)
{
	for (size_t i = 0; i < w->nexcl; i++)
		if (strcmp(w->excl[i], w->path.p) == 0)
			return 1;
	return 0;
}

static void finding(struct walk *w, enum tree_finding_kind kind,
		    const char *path, const char *detail)
{
	if (add_finding(&w->t->findings, &w->t->nfindings, &w->capfind, kind,
			path, detail) < 0)
		w->oom = 1;
}

/* Appends the current path as a file; returns it, or NULL (out of
 * memory). */
static struct tree_file *add_file(struct walk *w, const struct stat *st)
{
	struct tree *t = w->t;

	if (grow(&t->files, &w->capfiles, t->nfiles, sizeof *t->files) < 0)
		goto oom;
	char *p = arena_dup(t, w->path.p, w->path.len);

	if (p == NULL)
		goto oom;
	struct tree_file *f = &t->files[t->nfiles++];

	memset(f, 0, sizeof *f);
	f->path = p;
	f->rel = p + w->root->len;
	f->root = w->root->index;
	if (st != NULL)
		fill_stat(f, st);
	if (st != NULL && S_ISREG(st->st_mode))
		t->walk_bytes += f->size;
	return f;
oom:
	w->oom = 1;
	return NULL;
}

/* Counts an entry met; past max_files, stops the walk. Returns non-zero
 * when the walk is to stop (that, the deadline, or out of memory). */
static int met(struct walk *w)
{
	w->entries++;
	atomic_store_explicit(&w->sh->entries, w->entries,
			      memory_order_relaxed);
	if (w->o->max_files > 0 && w->entries > w->o->max_files)
		stop(w->sh, TREE_STOP_FILES);
	return w->oom || stopped(w->sh);
}

/* Records the directory at the current path (without its trailing "/"),
 * open as fd, with its mode. */
static void add_dir(struct walk *w, int fd)
{
	struct tree *t = w->t;
	struct stat st;
	const char *p;

	if (fstat(fd, &st) < 0) {
		finding(w, TREE_UNREADABLE, w->path.p, strerror(errno));
		return;
	}
	if (grow(&t->dirs, &w->capdirs, t->ndirs, sizeof *t->dirs) < 0 ||
	    (p = arena_dup(t, w->path.p, w->path.len)) == NULL) {
		w->oom = 1;
		return;
	}
	t->dirs[t->ndirs++] =
		(struct tree_dir){p, w->root->index, (uint32_t)st.st_mode};
}

/* Pushes the directory being walked (fd, its path in w->path with a
 * trailing "/", or empty) onto the level stack. */
static int push_level(struct walk *w, int fd)
{
	size_t plen = w->path.len, rl = w->root->len;

	if (grow(&w->lv, &w->caplv, w->nlv, sizeof *w->lv) < 0) {
		w->oom = 1;
		return -1;
	}
	w->lv[w->nlv++] = (struct level){fd, plen > rl ? plen - rl - 1 : 0, 0};
	return 0;
}

/* Closes the directories a resolution opened itself. */
static void drop_levels(struct walk *w, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (w->rs[k].own)
			(void)close(w->rs[k].fd);
}

/* The number of bytes of the component at c (up to a "/" or the end). */
static size_t comp_len(const struct buf *b, size_t pos)
{
	const char *slash = memchr(b->p + pos, '/', b->len - pos);

	return slash ? (size_t)(slash - (b->p + pos)) : b->len - pos;
}

/*
 * Resolves the symlink name in the directory dfd (the one being walked,
 * the top of w->lv), following symlinks the way the kernel does but
 * failing with EXDEV as soon as the resolution would leave the root: an
 * absolute target, or ".." above it. It starts from the directories the
 * walk has open (w->lv, copied: a ".." pops one without a lookup) and
 * looks up one name at a time in the directory reached so far (fstatat,
 * and openat of each directory it goes through), so every step costs the
 * same whatever the depth: resolving a target of n components is n
 * lookups, not the 1 + 2 + ... + n that resolving each prefix from the
 * root would be. Every level kept is a real directory, so ".." is lexical.
 * Returns 0 with the symlink-free path relative to the root in w->res
 * ("" is the root itself) and its stat in *st, or an errno value.
 */
static int resolve_link(struct walk *w, int dfd, const char *name,
			struct stat *st)
{
	struct buf *res = &w->res, *todo = &w->todo, *tmp = &w->tmp;
	const char *rel = w->path.p + w->root->len;
	char target[PATH_MAX], comp[NAME_MAX + 1];
	size_t pos = 0, n = w->nlv;
	int links = 1, rc = 0, fd;
	ssize_t tl;

	if (grow(&w->rs, &w->caprs, n, sizeof *w->rs) < 0)
		return ENOMEM;
	memcpy(w->rs, w->lv, n * sizeof *w->rs);
	buf_reset(res);
	buf_reset(todo);
	if (buf_add(res, rel, w->lv[n - 1].len) < 0)
		return ENOMEM;
	tl = readlinkat(dfd, name, target, sizeof target);
	if (tl < 0)
		return errno;
	if ((size_t)tl == sizeof target)
		return ENAMETOOLONG;
	if (tl == 0)
		return ENOENT;
	if (target[0] == '/')
		return EXDEV;
	if (buf_add(todo, target, (size_t)tl) < 0)
		return ENOMEM;
	while (pos < todo->len) {
		size_t clen = comp_len(todo, pos);
		int more = pos + clen < todo->len;
		size_t next = pos + clen + (size_t)more;
		const char *c = todo->p + pos;
		struct stat sb;

		if (clen == 0 || (clen == 1 && c[0] == '.')) {
			pos = next;
			continue;
		}
		if (clen == 2 && c[0] == '.' && c[1] == '.') {
			if (n == 1) {
				rc = EXDEV;
				break;
			}
			n--;
			if (w->rs[n].own)
				(void)close(w->rs[n].fd);
			res->len = w->rs[n - 1].len;
			res->p[res->len] = '\0';
			pos = next;
			continue;
		}
		if (clen > NAME_MAX) {
			rc = ENAMETOOLONG;
			break;
		}
		memcpy(comp, c, clen);
		comp[clen] = '\0';
		fd = w->rs[n - 1].fd;
		if (fstatat(fd, comp, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
			rc = errno;
			break;
		}
		if (S_ISLNK(sb.st_mode)) {
			if (++links > MAX_LINKS) {
				rc = ELOOP;
				break;
			}
			tl = readlinkat(fd, comp, target, sizeof target);
			rc = tl < 0			   ? errno
			     : (size_t)tl == sizeof target ? ENAMETOOLONG
			     : tl == 0			   ? ENOENT
			     : target[0] == '/'		   ? EXDEV
							   : 0;
			if (rc != 0)
				break;
			/* The rest of the path now follows the target. */
			buf_reset(tmp);
			if (buf_add(tmp, target, (size_t)tl) < 0 ||
			    (more && (buf_addc(tmp, '/') < 0 ||
				      buf_add(tmp, todo->p + next,
					      todo->len - next) < 0))) {
				rc = ENOMEM;
				break;
			}
			{
				struct buf swap = *todo;

				*todo = *tmp;
				*tmp = swap;
			}
			pos = 0;
			continue;
		}
		if ((res->len > 0 && buf_addc(res, '/') < 0) ||
		    buf_add(res, c, clen) < 0) {
			rc = ENOMEM;
			break;
		}
		if (!more) {
			*st = sb;
			drop_levels(w, n);
			return 0;
		}
		if (!S_ISDIR(sb.st_mode)) {
			rc = ENOTDIR;
			break;
		}
		if (grow(&w->rs, &w->caprs, n, sizeof *w->rs) < 0) {
			rc = ENOMEM;
			break;
		}
		do
			fd = openat(w->rs[n - 1].fd, comp,
				    O_PATH | O_DIRECTORY | O_NOFOLLOW |
					    O_CLOEXEC);
		while (fd < 0 && errno == EINTR);
		if (fd < 0) {
			rc = errno;
			break;
		}
		w->rs[n++] = (struct level){fd, res->len, 1};
		pos = next;
	}
	/* Ended on a directory: a trailing "/", ".", or "..". */
	if (rc == 0 && fstat(w->rs[n - 1].fd, st) < 0)
		rc = errno;
	drop_levels(w, n);
	return rc;
}

/* The d_type of a mode (IFTODT, spelt out: not every libc has it). */
static unsigned char mode_type(mode_t m)
{
	return (unsigned char)((m >> 12) & 017);
}

static const char *special_kind(unsigned char type)
{
	switch (type) {
	case DT_SOCK: return "socket";
	case DT_FIFO: return "fifo";
	case DT_CHR: return "character device";
	case DT_BLK: return "block device";
	default: return "unknown file type";
	}
}

/* A symlink met while hashing: listed with its target's bytes, listed
 * as a directory link, or reported. dfd and name locate the link. */
static void walk_symlink(struct walk *w, int dfd, const char *name)
{
	struct stat st;
	int rc = resolve_link(w, dfd, name, &st);

	if (rc == ENOMEM) {
		w->oom = 1;
		return;
	}
	if (rc == EXDEV) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(dfd, name, target, sizeof target - 1);

		target[n < 0 ? 0 : n] = '\0';
		finding(w, TREE_SYMLINK_OUTSIDE, w->path.p, target);
		return;
	}
	if (rc != 0) {
		struct tree_file *f = add_file(w, NULL);

		if (f != NULL) {
			f->error = rc;
			f->mode = S_IFLNK | 0777;
		}
		finding(w, TREE_UNREADABLE, w->path.p, strerror(rc));
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		struct tree *t = w->t;
		const char *p = arena_dup(t, w->path.p, w->path.len);
		const char *tr = p ? arena_dup(t, w->res.p, w->res.len) : NULL;

		if (tr == NULL || grow(&t->links, &w->caplinks, t->nlinks,
				       sizeof *t->links) < 0) {
			w->oom = 1;
			return;
		}
		t->links[t->nlinks++] =
			(struct tree_link){p, tr, w->root->index};
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		finding(w, TREE_SPECIAL, w->path.p,
			special_kind(mode_type(st.st_mode)));
		return;
	}
	struct tree_file *f = add_file(w, &st);
	const char *tr = f ? arena_dup(w->t, w->res.p, w->res.len) : NULL;

	if (tr == NULL || grow(&w->targets, &w->captargets, w->ntargets,
			       sizeof *w->targets) < 0) {
		w->oom = 1;
		return;
	}
	w->targets[w->ntargets++] = (struct target){w->t->nfiles - 1, tr};
}

struct dirent64_raw {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* The byte at i of a name as it sorts: with "/" after a directory's
 * name, -1 past the end. */
static int key_at(const char *name, const struct dent *d, size_t i)
{
	if (i < d->len)
		return (unsigned char)name[i];
	if (i == d->len && d->type == DT_DIR)
		return '/';
	return -1;
}

/* Directories sort as if their names ended in "/": then a depth-first
 * walk emits whole paths in bytewise order ("a-b" < "a/c"). */
static int dent_cmp(const struct walk *w, size_t ia, size_t ib)
{
	const struct dent *a = &w->ents[ia];
	const struct dent *b = &w->ents[ib];
	const char *na = w->names.p + a->name;
	const char *nb = w->names.p + b->name;
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(na, nb, n), ka, kb;

	if (c != 0)
		return c;
	ka = key_at(na, a, n);
	kb = key_at(nb, b, n);
	return ka < kb ? -1 : ka > kb;
}

/*
 * Sorts v[0 .. n) (indexes into w->ents) with tmp as scratch: a merge
 * sort, insertion sort below 16. Not qsort: musl's moves elements through
 * memcpy calls, which made sorting most of the walk's own time, and a
 * merge sort keeps n log n whatever names a build chooses.
 */
static void sort_dents(const struct walk *w, size_t *v, size_t *tmp, size_t n)
{
	if (n < 16) {
		for (size_t i = 1; i < n; i++) {
			size_t x = v[i], j = i;

			for (; j > 0 && dent_cmp(w, v[j - 1], x) > 0; j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
		return;
	}
	size_t h = n / 2, i = 0, j = h, k = 0;

	sort_dents(w, v, tmp, h);
	sort_dents(w, v + h, tmp, n - h);
	if (dent_cmp(w, v[h - 1], v[h]) <= 0)
		return;
	while (i < h && j < n)
		tmp[k++] = dent_cmp(w, v[i], v[j]) <= 0 ? v[i++] : v[j++];
	while (i < h)
		tmp[k++] = v[i++];
	memcpy(v, tmp, k * sizeof *v);
}

static void walk_dir(struct walk *w, int dfd);

/* Reads a directory's entries onto the level stack. Returns 0, or an
 * errno value. */
static int read_dir(struct walk *w, int dfd)
{
	size_t base = w->nents;

	for (;;) {
		long n;

		/* A directory of more entries than max_files is not read to
		 * its end: that alone would be unbounded. */
		if (w->o->max_files > 0 &&
		    w->entries + (w->nents - base) > w->o->max_files)
			stop(w->sh, TREE_STOP_FILES);
		if (stopped(w->sh))
			return 0;
		n = syscall(SYS_getdents64, dfd, w->dirbuf, DIR_BUF);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			return 0;
		for (long off = 0; off < n;) {
			const struct dirent64_raw *d =
				(const void *)(w->dirbuf + off);
			const char *nm = d->d_name;
			size_t len = strlen(nm);

			off += d->d_reclen;
			if (nm[0] == '.' &&
			    (nm[1] == '\0' || (nm[1] == '.' && nm[2] == '\0')))
				continue;
			if (grow(&w->ents, &w->capents, w->nents,
				 sizeof *w->ents) < 0)
				return ENOMEM;
			w->ents[w->nents++] = (struct dent){
				w->names.len, len, SIZE_MAX, 0, d->d_type};
			if (buf_add(&w->names, nm, len + 1) < 0)
				return ENOMEM;
		}
	}
}

static void walk_entry(struct walk *w, int dfd, size_t k)
{
	const struct dent *d = &w->ents[k];
	const char *name = w->names.p + d->name;
	const struct stat *st = d->st == SIZE_MAX ? NULL : &w->stats[d->st];

	if (met(w))
		return;
	if (d->err != 0) {
		/* Listed but not statable: a directory without search
		 * permission, or an entry removed since it was listed. */
		if (d->err != ENOENT)
			finding(w, TREE_UNREADABLE, w->path.p,
				strerror(d->err));
		return;
	}
	if (d->type == DT_DIR) {
		int fd;

		if (!w->o->hash && add_file(w, st) == NULL)
			return;
		do
			fd = openat(dfd, name,
				    O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					    O_CLOEXEC);
		while (fd < 0 && errno == EINTR);
		if (fd < 0) {
			finding(w, TREE_UNREADABLE, w->path.p, strerror(errno));
			return;
		}
		if (w->o->hash)
			add_dir(w, fd);
		if (buf_addc(&w->path, '/') < 0)
			w->oom = 1;
		else
			walk_dir(w, fd);
		(void)close(fd);
		return;
	}
	if (d->type == DT_REG || !w->o->hash) {
		struct tree_file *f = add_file(w, st);

		if (f != NULL && d->type == DT_REG && !w->o->hash)
			w->t->bytes += f->size;
		return;
	}
	if (d->type == DT_LNK) {
		walk_symlink(w, dfd, name);
		return;
	}
	finding(w, TREE_SPECIAL, w->path.p, special_kind(d->type));
}

/* Walks the directory dfd, whose path (with a trailing "/", or empty for
 * the root ".") is in w->path. Leaves w->path as it found it. */
static void walk_dir(struct walk *w, int dfd)
{
	size_t base = w->nents, names = w->names.len, plen = w->path.len;
	size_t stats = w->nstats;
	int rc = read_dir(w, dfd);

	if (rc == ENOMEM) {
		w->oom = 1;
	} else if (rc != 0) {
		/* Report the directory by its path, without the slash. */
		char *dir = plen == 0 ? strdup(".")
				      : strndup(w->path.p,
						plen > 1 ? plen - 1 : plen);

		if (dir == NULL)
			w->oom = 1;
		else
			finding(w, TREE_UNREADABLE, dir, strerror(rc));
		free(dir);
	}
	/* A snapshot needs every entry's stat; hashing, that of entries
	 * whose type the file system did not give (DT_UNKNOWN), and of
	 * regular files only when admit is to see their sizes before
	 * anything is read: otherwise fstat on the open file is one path
	 * lookup fewer per file (a syscall that costs a few per cent of the
	 * whole pass). Directories are fstat'ed once open, links once
	 * resolved. */
	for (size_t k = base; k < w->nents && !w->oom && !stopped(w->sh); k++) {
		struct dent *d = &w->ents[k];

		if (w->o->hash && d->type != DT_UNKNOWN &&
		    (d->type != DT_REG || w->o->admit == NULL))
			continue;
		if (grow(&w->stats, &w->capstats, w->nstats, sizeof *w->stats) <
		    0) {
			w->oom = 1;
			break;
		}
		do
			rc = fstatat(dfd, w->names.p + d->name,
				     &w->stats[w->nstats], AT_SYMLINK_NOFOLLOW);
		while (rc < 0 && errno == EINTR);
		if (rc < 0) {
			d->err = errno;
			continue;
		}
		d->type = mode_type(w->stats[w->nstats].st_mode);
		d->st = w->nstats++;
	}
	/* Sorting indexes moves 8 bytes rather than a dent. */
	if (grow(&w->order, &w->caporder, w->nents, sizeof *w->order) < 0 ||
	    grow(&w->scratch, &w->capscratch, w->nents - base,
		 sizeof *w->scratch) < 0)
		w->oom = 1;
	for (size_t k = base; k < w->nents && !w->oom; k++)
		w->order[k] = k;
	if (!w->oom)
		sort_dents(w, w->order + base, w->scratch, w->nents - base);
	if (!w->oom && push_level(w, dfd) == 0) {
		for (size_t i = base;
		     i < w->nents && !w->oom && !stopped(w->sh); i++) {
			size_t k = w->order[i];
			const struct dent *d = &w->ents[k];

			w->path.len = plen;
			if (buf_add(&w->path, w->names.p + d->name, d->len) <
			    0) {
				w->oom = 1;
				break;
			}
			if (w->nexcl > 0 && excluded(w))
				continue;
			walk_entry(w, dfd, k);
		}
		w->nlv--;
	}
	w->nents = base;
	w->nstats = stats;
	w->names.len = names;
	w->path.len = plen;
	if (w->path.p != NULL)
		w->path.p[plen] = '\0';
}

static void walk_root(struct walk *w, const struct root *r)
{
	w->root = r;
	buf_reset(&w->path);
	if (buf_adds(&w->path, r->name) < 0) {
		w->oom = 1;
		return;
	}
	if (w->nexcl > 0 && excluded(w))
		return;
	if (r->fd < 0) {
		int err = -r->fd;

		finding(w,
			err == ENOENT	 ? TREE_ROOT_MISSING
			: err == ENOTDIR ? TREE_ROOT_NOT_DIR
			: err == ELOOP || err == ESTALE || err == EXDEV
				? TREE_ROOT_LINK
				: TREE_UNREADABLE,
			r->name,
			err == ESTALE ? "it leads to another directory than "
					"before the build"
			: err == ELOOP || err == EXDEV
				? "it leads through a symlink it did not "
				  "lead through before the build"
				: strerror(err));
		return;
	}
	if (w->o->hash)
		add_dir(w, r->fd);
	if (r->len == 0)
		buf_reset(&w->path);
	else if (strcmp(r->name, "/") != 0 && buf_addc(&w->path, '/') < 0) {
		w->oom = 1;
		return;
	}
	walk_dir(w, r->fd);
}

static int path_cmp(const void *pa, const void *pb, void *files)
{
	const struct tree_file *f = files;
	const struct tree_file *a = &f[*(const size_t *)pa];
	const struct tree_file *b = &f[*(const size_t *)pb];
	int c = strcmp(a->path, b->path);

	if (c != 0)
		return c;
	return a->root < b->root ? -1 : a->root > b->root;
}

static int target_cmp(const void *pa, const void *pb)
{
	const struct target *a = pa, *b = pb;

	return a->file < b->file ? -1 : a->file > b->file;
}

/*
 * Roots that overlap ("." and "public") or nest list some files twice and
 * interleave: sort by path, keep each path once (under its first root),
 * and renumber the symlink targets. Disjoint roots never get here.
 */
static int sort_files(struct walk *w)
{
	struct tree *t = w->t;
	size_t n = t->nfiles, m = 0;
	size_t *idx = malloc(n * sizeof *idx);
	size_t *map = malloc(n * sizeof *map);
	struct tree_file *nf = malloc(n * sizeof *nf);

	if (idx == NULL || map == NULL || nf == NULL) {
		free(idx);
		free(map);
		free(nf);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof *idx, path_cmp, t->files);
	for (size_t k = 0; k < n; k++) {
		const struct tree_file *f = &t->files[idx[k]];

		if (m > 0 && strcmp(nf[m - 1].path, f->path) == 0) {
			map[idx[k]] = SIZE_MAX;
			continue;
		}
		map[idx[k]] = m;
		nf[m++] = *f;
	}
	size_t nt = 0;

	for (size_t k = 0; k < w->ntargets; k++)
		if (map[w->targets[k].file] != SIZE_MAX)
			w->targets[nt++] = (struct target){
				map[w->targets[k].file], w->targets[k].rel};
	w->ntargets = nt;
	if (nt > 1)
		qsort(w->targets, nt, sizeof *w->targets, target_cmp);
	free(t->files);
	t->files = nf;
	t->nfiles = m;
	w->capfiles = n;
	free(idx);
	free(map);
	return 0;
}

static int root_cmp(const void *pa, const void *pb)
{
	const struct root *a = pa, *b = pb;
	/* Compare the prefixes the paths will carry: "x/" or "". */
	const char *na = a->len ? a->name : "";
	const char *nb = b->len ? b->name : "";
	size_t la = strlen(na), lb = strlen(nb), n = la < lb ? la : lb;
	int c = memcmp(na, nb, n);

	if (c != 0)
		return c;
	int ka = la > n ? (unsigned char)na[n] : la ? '/' : -1;
	int kb = lb > n ? (unsigned char)nb[n] : lb ? '/' : -1;

	if (ka != kb)
		return ka < kb ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

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
 */
struct run {
	struct tree *t;
	const struct tree_opts *o;
	const int *rootfd; /* by tree_opts root index */
	const struct target *targets;
	size_t ntargets;
	const size_t *big; /* round two: indexes of big files, largest first */
	size_t nbig;
	int round;
	struct shared *sh;
	atomic_size_t next;
	atomic_int noatime; /* O_NOATIME allowed so far */
	atomic_int openat2; /* the kernel has openat2 */
};

/* Round one claims this many files at once: fewer atomic operations,
 * threads write to different cache lines of the files array, and this
 * many reads per thread are in flight on a cold cache (see round_one). At
 * most this many small files make up a thread's last batch. */
#define BATCH 32
/* A file bigger than this waits for round two. */
#define BIG_FILE ((uint64_t)4 * READ_BUF)

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
	if (grow(&w->hits, &w->caphits, w->nhits, sizeof *w->hits) < 0) {
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
	if (add_finding(&w->find, &w->nfind, &w->capfind, TREE_UNREADABLE,
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
 * Reads fd to its end through SHA-256 and the scanner, with pread at
 * explicit offsets. With sparse set (big files), holes are not read but
 * hashed as the zeros they are: a 4 GiB sparse file then costs the hash
 * alone, not 4 GiB of zero-filled page cache pushing out what is cached.
 */
static void hash_fd(struct worker *w, size_t i, int fd, int sparse)
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
		n = pread(fd, w->buf, want, (off_t)total);
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
	const char *tr = r->ntargets ? target_of(r, i) : NULL;
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
	fd = open_entry(w, i);
	if (fd < 0 && retry && (errno == EMFILE || errno == ENFILE))
		return -2;
	if (fd < 0) {
		int err = errno;

		/* Still say what it is, where stat can. */
		if (fstatat(w->r->rootfd[f->root], f->rel, &st,
			    AT_SYMLINK_NOFOLLOW) == 0)
			fill_stat(f, &st);
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
		if (add_finding(&w->find, &w->nfind, &w->capfind,
				TREE_UNREADABLE, f->path,
				"replaced while it was being verified") < 0)
			w->oom = 1;
	} else if (!S_ISREG(st.st_mode)) {
		/* Replaced since the walk: report what it is now. */
		f->error = EINVAL;
		if (add_finding(&w->find, &w->nfind, &w->capfind, TREE_SPECIAL,
				f->path,
				special_kind(mode_type(st.st_mode))) < 0)
			w->oom = 1;
	} else {
		fill_stat(f, &st);
		/* Another name may lead to the same inode: read it once,
		 * after this round has seen every name (read_linked). */
		if (f->nlink > 1) {
			if (grow(&w->linked, &w->caplinked, w->nlinked,
				 sizeof *w->linked) < 0)
				w->oom = 1;
			else
				w->linked[w->nlinked++] = i;
			(void)close(fd);
			return -1;
		}
		if (f->size <= BIG_FILE)
			return fd;
		if (grow(&w->big, &w->capbig, w->nbig, sizeof *w->big) < 0)
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

/* Reads and closes the files a batch has open. */
static void flush_batch(struct worker *w, const int *fds, const size_t *idx,
			size_t *n)
{
	for (size_t k = 0; k < *n; k++) {
		if (!w->oom && !stopped(w->r->sh))
			hash_fd(w, idx[k], fds[k], 0);
		(void)close(fds[k]);
		done_one(w->r);
	}
	*n = 0;
}

/*
 * Round one takes a batch at a time: it opens the whole batch and asks
 * for each file's pages (POSIX_FADV_WILLNEED) before reading the first,
 * so that on a cold cache the disk has a batch of reads per thread in
 * flight rather than one (measured here, on a virtio disk: 1 GiB in
 * 20,000 files read cold in 0.9 s rather than 2.5 s). With the pages
 * cached the advice costs one syscall that finds them there. Out of file
 * descriptors, the batch is read so far and the open retried.
 */
static void round_one(struct worker *w, size_t from, size_t to)
{
	int fds[BATCH];
	size_t idx[BATCH], n = 0;

	for (size_t i = from; i < to && !stopped(w->r->sh); i++) {
		int fd = round_one_open(w, i, n > 0);

		if (fd == -2) {
			flush_batch(w, fds, idx, &n);
			fd = round_one_open(w, i, 0);
		}
		if (fd < 0)
			continue;
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED);
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
	hash_fd(w, i, fd, 1);
	(void)close(fd);
	done_one(w->r);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct run *r = w->r;
	size_t n = r->round == 1 ? r->t->nfiles : r->nbig;
	size_t batch = r->round == 1 ? BATCH : 1;

	/* A thread of our own gets its own file table: every open and close
	 * takes the table's lock, which threads sharing it contend for.
	 * Failure costs only that contention. */
	if (w->spawned)
		(void)unshare(CLONE_FILES);
	w->dirfd = -1;
	for (;;) {
		size_t k = atomic_fetch_add_explicit(&r->next, batch,
						     memory_order_relaxed);

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

static unsigned cpus(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
		return (unsigned)CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

/* Runs one round on nw workers: the calling thread is worker 0; a thread
 * that cannot be created leaves its share to the others. Returns the
 * number of threads that ran. */
static unsigned run_round(struct run *r, struct worker *ws, unsigned nw,
			  int round)
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
	(void)work(&ws[0]);
	for (unsigned k = 1; k < started; k++)
		(void)pthread_join(ws[k].thread, NULL);
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

static int finding_cmp(const void *pa, const void *pb)
{
	const struct tree_finding *a = pa, *b = pb;
	int c = strcmp(a->path, b->path);

	if (c != 0)
		return c;
	return a->kind < b->kind ? -1 : a->kind > b->kind;
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

			if (rc == 0 && grow(&t->findings, &w->capfind,
					    t->nfindings, sizeof *fd) < 0)
				rc = -1;
			if (rc == 0) {
				t->findings[t->nfindings++] = *fd;
			} else {
				free(fd->path);
				free(fd->detail);
			}
		}
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

			v[np++] = (struct inode){
				f->dev, f->ino,
				r->ntargets > 0 && target_of(r, i) != NULL, i};
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
static int link_aliases(struct walk *w)
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

static int hash_all(struct walk *w, const int *rootfd)
{
	struct tree *t = w->t;
	struct run r = {
		.t = t,
		.o = w->o,
		.rootfd = rootfd,
		.targets = w->targets,
		.ntargets = w->ntargets,
		.sh = w->sh,
	};
	unsigned nw = w->o->threads ? w->o->threads : cpus();
	size_t *big = NULL, nbig = 0;
	struct worker *ws;
	int rc = 0;

	atomic_init(&r.next, 0);
	atomic_init(&r.noatime, 1);
	atomic_init(&r.openat2, 1);
	if (nw > t->nfiles)
		nw = t->nfiles ? (unsigned)t->nfiles : 1;
	ws = calloc(nw, sizeof *ws);
	if (ws == NULL)
		return -1;
	for (unsigned k = 0; k < nw; k++) {
		ws[k].r = &r;
		ws[k].buf = aligned_alloc(4096, READ_BUF);
		if (ws[k].buf == NULL)
			rc = -1;
	}
	if (rc == 0)
		t->threads = run_round(&r, ws, nw, 1);
	for (unsigned k = 0; k < nw; k++) {
		if (ws[k].oom)
			rc = -1;
		nbig += ws[k].nbig;
	}
	if (rc == 0 && nbig > 0) {
		big = malloc(nbig * sizeof *big);
		if (big == NULL)
			rc = -1;
	}
	if (rc == 0 && nbig > 0) {
		nbig = 0;
		for (unsigned k = 0; k < nw; k++) {
			if (ws[k].nbig > 0)
				memcpy(big + nbig, ws[k].big,
				       ws[k].nbig * sizeof *big);
			nbig += ws[k].nbig;
		}
		qsort_r(big, nbig, sizeof *big, big_cmp, t->files);
		r.big = big;
		r.nbig = nbig;
		(void)run_round(&r, ws, nw < nbig ? nw : (unsigned)nbig, 2);
	}
	if (rc == 0 && read_linked(&r, ws, nw) < 0)
		rc = -1;
	if (collect(w, ws, nw) < 0)
		rc = -1;
	for (unsigned k = 0; k < nw; k++) {
		free(ws[k].find);
		free(ws[k].hits);
		free(ws[k].big);
		free(ws[k].linked);
		free(ws[k].buf);
		buf_free(&ws[k].dir);
	}
	free(ws);
	free(big);
	return rc;
}

void tree_pin_roots(const char *const *roots, size_t n, struct tree_pin *pins)
{
	for (size_t i = 0; i < n; i++) {
		int fd = beneath_open(AT_FDCWD, roots[i], O_PATH | O_DIRECTORY,
				      0);
		struct stat st;

		memset(&pins[i], 0, sizeof pins[i]);
		if (fd >= 0) {
			(void)close(fd);
			continue;
		}
		if (errno != ELOOP && errno != EXDEV)
			continue; /* missing or not a directory yet */
		/* Named through a link: pinned to where it leads now. */
		if (stat(roots[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			pins[i].link = 1;
			pins[i].dev = (uint64_t)st.st_dev;
			pins[i].ino = (uint64_t)st.st_ino;
		}
	}
}

int tree_open_root(const char *root, const struct tree_pin *pin)
{
	struct stat st;
	int fd;

	if (pin == NULL || pin->link) {
		do
			fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		while (fd < 0 && errno == EINTR);
		if (fd < 0 || pin == NULL)
			return fd;
		if (fstat(fd, &st) < 0 || (uint64_t)st.st_dev != pin->dev ||
		    (uint64_t)st.st_ino != pin->ino) {
			(void)close(fd);
			errno = ESTALE;
			return -1;
		}
		return fd;
	}
	return beneath_open(AT_FDCWD, root, O_RDONLY | O_DIRECTORY, 0);
}

/* Length of root's name as a prefix of path, or -1: "." holds every
 * relative path; "./" and trailing slashes are not part of the name. */
static long root_prefix(const char *root, const char *path)
{
	size_t n;

	while (root[0] == '.' && root[1] == '/') {
		root += 2;
		while (*root == '/')
			root++;
	}
	n = strlen(root);
	while (n > 1 && root[n - 1] == '/')
		n--;
	if (n == 0 || (n == 1 && root[0] == '.'))
		return path[0] == '/' ? -1 : 0;
	if (strncmp(root, path, n) != 0 || path[n] != '/')
		return -1;
	return (long)n + 1;
}

int tree_out_parent(const char *const *roots, size_t nroots,
		    const struct tree_pin *pins, const char *path, int create,
		    const char **leaf)
{
	long best = -1;
	size_t k = 0;
	int rootfd, fd;

	for (size_t i = 0; i < nroots; i++) {
		long n = root_prefix(roots[i], path);

		if (n > best) {
			best = n;
			k = i;
		}
	}
	if (best < 0)
		return beneath_parent(AT_FDCWD, path, create, leaf);
	rootfd = tree_open_root(roots[k], pins ? &pins[k] : NULL);
	if (rootfd < 0)
		return -1;
	fd = beneath_parent(rootfd, path + best, create, leaf);
	if (fd < 0) {
		int saved = errno;

		(void)close(rootfd);
		errno = saved;
		return -1;
	}
	(void)close(rootfd);
	return fd;
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
			finding(w, TREE_UNREADABLE, f->path, d);
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

/* walk_bytes when the walk did not stat the files: the sizes fstat gave
 * the reading pass, every name counted. */
static void apparent_sizes(struct tree *t)
{
	t->walk_bytes = 0;
	for (size_t i = 0; i < t->nfiles; i++)
		if (t->files[i].error == 0 && S_ISREG(t->files[i].mode))
			t->walk_bytes += t->files[i].size;
}

/* ---- The monitor: the deadline and the progress display ---- */

struct monitor {
	const struct tree_opts *o;
	struct shared *sh;
	double t0;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	int done, running;
};

static struct timespec abs_time(double ms)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ms / 1e3);
	ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1e3) * 1e6);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static void *monitor_run(void *arg)
{
	struct monitor *m = arg;
	const struct tree_opts *o = m->o;
	double every = o->progress_ms ? o->progress_ms : 250;
	double next = m->t0 + every;

	(void)pthread_mutex_lock(&m->mu);
	while (!m->done) {
		double now = io_now_ms(), wake = now + 60e3;
		struct timespec ts;

		if (o->deadline_ms > 0 && !stopped(m->sh)) {
			if (now >= o->deadline_ms)
				stop(m->sh, TREE_STOP_TIME);
			else if (o->deadline_ms < wake)
				wake = o->deadline_ms;
		}
		if (o->progress != NULL && now >= next) {
			struct tree_progress p = {0};
			struct shared *sh = m->sh;

			p.hashing = atomic_load_explicit(&sh->hashing,
							 memory_order_acquire);
			p.entries = atomic_load_explicit(&sh->entries,
							 memory_order_relaxed);
			p.files = atomic_load_explicit(&sh->files,
						       memory_order_relaxed);
			p.bytes = atomic_load_explicit(&sh->bytes,
						       memory_order_relaxed);
			if (p.hashing) {
				p.nfiles = sh->nfiles;
				p.total = sh->total;
				p.reading_ms = now - sh->read_t0;
			}
			p.elapsed_ms = now - m->t0;
			(void)pthread_mutex_unlock(&m->mu);
			o->progress(&p, o->progress_arg);
			(void)pthread_mutex_lock(&m->mu);
			next = now + every;
			continue;
		}
		if (o->progress != NULL && next < wake)
			wake = next;
		ts = abs_time(wake);
		(void)pthread_cond_timedwait(&m->cv, &m->mu, &ts);
	}
	(void)pthread_mutex_unlock(&m->mu);
	return NULL;
}

/* Starts the monitor when a deadline or a progress display needs one.
 * Returns 0, or -1 (no thread: the caller cannot keep the deadline). */
static int monitor_start(struct monitor *m)
{
	pthread_condattr_t ca;

	if (m->o->deadline_ms <= 0 && m->o->progress == NULL)
		return 0;
	if (pthread_condattr_init(&ca) != 0)
		return -1;
	/* The deadline is on io_now_ms's clock. */
	if (pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&m->cv, &ca) != 0) {
		(void)pthread_condattr_destroy(&ca);
		return -1;
	}
	(void)pthread_condattr_destroy(&ca);
	if (pthread_mutex_init(&m->mu, NULL) != 0) {
		(void)pthread_cond_destroy(&m->cv);
		return -1;
	}
	if (pthread_create(&m->thread, NULL, monitor_run, m) != 0) {
		(void)pthread_mutex_destroy(&m->mu);
		(void)pthread_cond_destroy(&m->cv);
		return -1;
	}
	m->running = 1;
	return 0;
}

static void monitor_stop(struct monitor *m)
{
	if (!m->running)
		return;
	(void)pthread_mutex_lock(&m->mu);
	m->done = 1;
	(void)pthread_cond_signal(&m->cv);
	(void)pthread_mutex_unlock(&m->mu);
	(void)pthread_join(m->thread, NULL);
	(void)pthread_mutex_destroy(&m->mu);
	(void)pthread_cond_destroy(&m->cv);
	m->running = 0;
}

/* Roots that overlap or nest record some directories and links twice:
 * each path is kept once. */
static int dir_cmp(const void *pa, const void *pb)
{
	return strcmp(((const struct tree_dir *)pa)->path,
		      ((const struct tree_dir *)pb)->path);
}

static int link_cmp(const void *pa, const void *pb)
{
	return strcmp(((const struct tree_link *)pa)->path,
		      ((const struct tree_link *)pb)->path);
}

static void unique_dirs_links(struct tree *t)
{
	size_t m = 0;

	if (t->ndirs > 1)
		qsort(t->dirs, t->ndirs, sizeof *t->dirs, dir_cmp);
	for (size_t i = 0; i < t->ndirs; i++)
		if (m == 0 || strcmp(t->dirs[m - 1].path, t->dirs[i].path) != 0)
			t->dirs[m++] = t->dirs[i];
	t->ndirs = m;
	m = 0;
	if (t->nlinks > 1)
		qsort(t->links, t->nlinks, sizeof *t->links, link_cmp);
	for (size_t i = 0; i < t->nlinks; i++)
		if (m == 0 ||
		    strcmp(t->links[m - 1].path, t->links[i].path) != 0)
			t->links[m++] = t->links[i];
	t->nlinks = m;
}

int tree_hash_scan(const struct tree_opts *o, struct tree *out, struct err *e)
{
	struct walk w = {.o = o, .t = out};
	struct shared sh;
	struct monitor mon = {.o = o, .sh = &sh};
	struct root *roots = NULL;
	int *rootfd = NULL;
	int rc = -1;
	double t0 = io_now_ms();

	memset(out, 0, sizeof *out);
	atomic_init(&sh.stop, TREE_COMPLETE);
	atomic_init(&sh.hashing, 0);
	atomic_init(&sh.entries, 0);
	atomic_init(&sh.files, 0);
	atomic_init(&sh.bytes, 0);
	sh.nfiles = 0;
	sh.total = 0;
	sh.read_t0 = 0;
	w.sh = &sh;
	mon.t0 = t0;
	/* A deadline already passed stops the pass before it starts, even
	 * before the monitor has looked at the clock. */
	if (o->deadline_ms > 0 && t0 >= o->deadline_ms)
		stop(&sh, TREE_STOP_TIME);
	if (monitor_start(&mon) < 0)
		goto out;
	w.dirbuf = malloc(DIR_BUF);
	w.excl = calloc(o->nexclude ? o->nexclude : 1, sizeof *w.excl);
	roots = calloc(o->nroots ? o->nroots : 1, sizeof *roots);
	rootfd = malloc((o->nroots ? o->nroots : 1) * sizeof *rootfd);
	if (w.dirbuf == NULL || w.excl == NULL || roots == NULL ||
	    rootfd == NULL)
		goto out;
	for (size_t i = 0; i < o->nroots; i++)
		roots[i].fd = rootfd[i] = -1;
	for (size_t i = 0; i < o->nexclude; i++) {
		w.excl[i] = normalise(o->exclude[i]);
		if (w.excl[i] == NULL)
			goto out;
		w.nexcl = i + 1;
	}
	for (size_t i = 0; i < o->nroots; i++) {
		struct root *r = &roots[i];
		char *name = normalise(o->roots[i]);

		if (name == NULL)
			goto out;
		r->name = name;
		r->index = i;
		r->len = strcmp(name, ".") == 0	  ? 0
			 : strcmp(name, "/") == 0 ? 1
						  : strlen(name) + 1;
		/* A root may be a symlink where the spec named it so; one
		 * the build made is never followed. */
		r->fd = tree_open_root(name, o->pins ? &o->pins[i] : NULL);
		if (r->fd < 0)
			r->fd = -errno;
		rootfd[i] = r->fd;
	}
	qsort(roots, o->nroots, sizeof *roots, root_cmp);
	for (size_t i = 0; i < o->nroots && !w.oom; i++)
		walk_root(&w, &roots[i]);
	if (w.oom)
		goto out;
	/* One root's walk is in order by construction; several may overlap
	 * or nest. */
	for (size_t i = 1; o->nroots > 1 && i < out->nfiles; i++)
		if (strcmp(out->files[i - 1].path, out->files[i].path) >= 0) {
			if (sort_files(&w) < 0)
				goto out;
			break;
		}
	if (o->nroots > 1 && (out->ndirs > 1 || out->nlinks > 1))
		unique_dirs_links(out);
	out->walk_ms = io_now_ms() - t0;
	if (o->hash && !stopped(&sh)) {
		if (link_aliases(&w) < 0)
			goto out;
		if (o->admit != NULL && o->admit(out, o->admit_arg) != 0)
			stop(&sh, TREE_STOP_ADMIT);
		if (o->deadline_ms > 0 && io_now_ms() >= o->deadline_ms)
			stop(&sh, TREE_STOP_TIME);
	}
	if (o->hash && !stopped(&sh)) {
		t0 = io_now_ms();
		sh.nfiles = out->nfiles;
		/* Known only when the walk stat'ed the files (admit). */
		sh.total = o->admit != NULL ? out->walk_bytes : 0;
		sh.read_t0 = t0;
		atomic_store_explicit(&sh.hashing, 1, memory_order_release);
		if (hash_all(&w, rootfd) < 0 || copy_aliases(&w) < 0)
			goto out;
		if (o->admit == NULL)
			apparent_sizes(out);
		out->hash_ms = io_now_ms() - t0;
	}
	out->stopped = (enum tree_stop)atomic_load(&sh.stop);
	out->entries = w.entries;
	if (out->nfindings > 1)
		qsort(out->findings, out->nfindings, sizeof *out->findings,
		      finding_cmp);
	rc = 0;
out:
	monitor_stop(&mon);
	for (size_t i = 0; i < o->nroots && roots != NULL; i++) {
		if (roots[i].fd >= 0)
			(void)close(roots[i].fd);
		free(roots[i].name);
	}
	for (size_t i = 0; i < w.nexcl; i++)
		free(w.excl[i]);
	free(w.excl);
	free(roots);
	free(rootfd);
	free(w.dirbuf);
	free(w.ents);
	free(w.order);
	free(w.scratch);
	free(w.stats);
	free(w.targets);
	free(w.lv);
	free(w.rs);
	buf_free(&w.path);
	buf_free(&w.names);
	buf_free(&w.res);
	buf_free(&w.todo);
	buf_free(&w.tmp);
	if (rc < 0) {
		tree_free(out);
		err_sys(e, ENOMEM, "walking the output tree");
	}
	return rc;
}

void tree_free(struct tree *t)
{
	if (t->arena == NULL)
		for (size_t i = 0; i < t->nfiles; i++)
			free(t->files[i].path);
	for (struct tree_arena *a = t->arena, *next; a != NULL; a = next) {
		next = a->next;
		free(a);
	}
	for (size_t i = 0; i < t->nfindings; i++) {
		free(t->findings[i].path);
		free(t->findings[i].detail);
	}
	free(t->files);
	free(t->dirs);
	free(t->links);
	free(t->findings);
	free(t->hits);
	memset(t, 0, sizeof *t);
}

const struct tree_file *tree_find(const struct tree *t, const char *path)
{
	size_t lo = 0, hi = t->nfiles;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(t->files[mid].path, path);

		if (c == 0)
			return &t->files[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
