/*
 * The walk behind tree_hash_scan: one thread, depth-first on directory
 * fds (getdents64; fstatat without following for every entry in a
 * snapshot, and when hashing for entries without a d_type and, when the
 * caller's admit is to see their sizes before anything is read, for
 * regular files; a directory is fstat'ed once open), each directory's
 * entries sorted with a "/" after directory names so that the files come
 * out already in bytewise path order and no global sort is needed.
 * Symlinks are resolved in user space one component at a time from the
 * directory that holds the link, the way RESOLVE_BENEATH would, so that a
 * link leaving its root is found without ever opening what it points at.
 */
#include "tree_pass.h"

#include "arena.h"
#include "vec.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel's limit on symlinks followed in one lookup (MAXSYMLINKS). */
#define MAX_LINKS 40

int tree_add_finding(struct tree_finding **v, size_t *n, size_t *cap,
		     enum tree_finding_kind kind, const char *path,
		     const char *detail)
{
	if (vec_grow((void **)v, cap, *n + 1, sizeof **v) < 0)
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

void tree_fill_stat(struct tree_file *f, const struct stat *st)
{
	f->size = (uint64_t)st->st_size;
	f->mode = (uint32_t)st->st_mode;
	f->mtime_ns = ns(st->st_mtim);
	f->ctime_ns = ns(st->st_ctim);
	f->dev = (uint64_t)st->st_dev;
	f->ino = (uint64_t)st->st_ino;
	f->nlink = (uint64_t)st->st_nlink;
}

char *tree_walk_normalise(const char *p)
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

void tree_walk_finding(struct walk *w, enum tree_finding_kind kind,
		       const char *path, const char *detail)
{
	if (tree_add_finding(&w->t->findings, &w->t->nfindings, &w->capfind,
			     kind, path, detail) < 0)
		w->oom = 1;
}

/* Appends the current path as a file; returns it, or NULL (out of
 * memory). */
static struct tree_file *add_file(struct walk *w, const struct stat *st)
{
	struct tree *t = w->t;

	/* A table the readers already read from never moves (it was sized
	 * for max_files, which the walk stops at). */
	if (w->fixed_files && t->nfiles == w->capfiles)
		goto oom;
	if (vec_grow((void **)&t->files, &w->capfiles, t->nfiles + 1,
		     sizeof *t->files) < 0)
		goto oom;
	char *p = arena_strndup(t->arena, w->path.p, w->path.len);

	if (p == NULL)
		goto oom;
	struct tree_file *f = &t->files[t->nfiles++];

	memset(f, 0, sizeof *f);
	f->path = p;
	f->rel = p + w->root->len;
	f->root = w->root->index;
	if (st != NULL)
		tree_fill_stat(f, st);
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
		tree_walk_finding(w, TREE_UNREADABLE, w->path.p,
				  strerror(errno));
		return;
	}
	if (vec_grow((void **)&t->dirs, &w->capdirs, t->ndirs + 1,
		     sizeof *t->dirs) < 0 ||
	    (p = arena_strndup(t->arena, w->path.p, w->path.len)) == NULL) {
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

	if (vec_grow((void **)&w->lv, &w->caplv, w->nlv + 1, sizeof *w->lv) <
	    0) {
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

	if (vec_grow((void **)&w->rs, &w->caprs, n + 1, sizeof *w->rs) < 0)
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
		if (vec_grow((void **)&w->rs, &w->caprs, n + 1, sizeof *w->rs) <
		    0) {
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

const char *tree_special_kind(mode_t m)
{
	return special_kind(mode_type(m));
}

/* A symlink met while hashing: listed with its target's bytes, listed
 * as a directory link, or reported. dfd and name locate the link. */
static void walk_symlink(struct walk *w, int dfd, const char *name)
{
	/* Set by resolve_link when it returns 0 (zeroed for the analyser,
	 * which cannot see through vec_grow's failure paths). */
	struct stat st = {0};
	int rc = resolve_link(w, dfd, name, &st);

	if (rc == ENOMEM) {
		w->oom = 1;
		return;
	}
	if (rc == EXDEV) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(dfd, name, target, sizeof target - 1);

		target[n < 0 ? 0 : n] = '\0';
		tree_walk_finding(w, TREE_SYMLINK_OUTSIDE, w->path.p, target);
		return;
	}
	if (rc != 0) {
		struct tree_file *f = add_file(w, NULL);

		if (f != NULL) {
			f->error = rc;
			f->mode = S_IFLNK | 0777;
			f->symlink = 1;
		}
		tree_walk_finding(w, TREE_UNREADABLE, w->path.p, strerror(rc));
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		struct tree *t = w->t;
		const char *p = arena_strndup(t->arena, w->path.p, w->path.len);
		const char *tr =
			p ? arena_strndup(t->arena, w->res.p, w->res.len)
			  : NULL;

		if (tr == NULL ||
		    vec_grow((void **)&t->links, &w->caplinks, t->nlinks + 1,
			     sizeof *t->links) < 0) {
			w->oom = 1;
			return;
		}
		t->links[t->nlinks++] =
			(struct tree_link){p, tr, w->root->index};
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		tree_walk_finding(w, TREE_SPECIAL, w->path.p,
				  special_kind(mode_type(st.st_mode)));
		return;
	}
	struct tree_file *f = add_file(w, &st);
	const char *tr =
		f ? arena_strndup(w->t->arena, w->res.p, w->res.len) : NULL;

	if (f != NULL)
		f->symlink = 1;

	if (tr == NULL || vec_grow((void **)&w->targets, &w->captargets,
				   w->ntargets + 1, sizeof *w->targets) < 0) {
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
			if (vec_grow((void **)&w->ents, &w->capents,
				     w->nents + 1, sizeof *w->ents) < 0)
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
			tree_walk_finding(w, TREE_UNREADABLE, w->path.p,
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
			tree_walk_finding(w, TREE_UNREADABLE, w->path.p,
					  strerror(errno));
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
	tree_walk_finding(w, TREE_SPECIAL, w->path.p, special_kind(d->type));
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
			tree_walk_finding(w, TREE_UNREADABLE, dir,
					  strerror(rc));
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
		if (vec_grow((void **)&w->stats, &w->capstats, w->nstats + 1,
			     sizeof *w->stats) < 0) {
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
	if (vec_grow((void **)&w->order, &w->caporder, w->nents + 1,
		     sizeof *w->order) < 0 ||
	    vec_grow((void **)&w->scratch, &w->capscratch, w->nents - base + 1,
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
			/* Whole entries only: walk_entry has finished this
			 * one. */
			if (w->pass != NULL &&
			    w->t->nfiles - w->published >= PUBLISH_EVERY)
				tree_hash_publish(w, 0);
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

void tree_walk_root(struct walk *w, const struct root *r)
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

		tree_walk_finding(
			w,
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
int tree_walk_sort(struct walk *w)
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

int tree_walk_root_cmp(const void *pa, const void *pb)
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

void tree_walk_free(struct walk *w)
{
	for (size_t i = 0; i < w->nexcl; i++)
		free(w->excl[i]);
	free(w->excl);
	free(w->dirbuf);
	free(w->ents);
	free(w->order);
	free(w->scratch);
	free(w->stats);
	free(w->targets);
	free(w->lv);
	free(w->rs);
	buf_free(&w->path);
	buf_free(&w->names);
	buf_free(&w->res);
	buf_free(&w->todo);
	buf_free(&w->tmp);
}
