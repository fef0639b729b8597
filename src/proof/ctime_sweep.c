/*
 * The ctime sweep: see ctime_sweep.h.
 */
#include "ctime_sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "beneath.h"
#include "kabi.h"
#include "buf.h"
#include "io.h"

const char *const ctime_default_roots[] = {
	"/usr",	   "/etc", "/bin",  "/sbin", "/lib", "/lib32", "/lib64",
	"/libx32", "/opt", "/root", "/home", "/var", NULL,
};

const char *const ctime_default_skips[] = {
	"/var/tmp", "/var/log", "/var/cache", "/var/run", "/var/lock", NULL,
};

/* A directory deeper than this below its root is counted as unswept:
 * each level holds one fd. */
#define MAX_DEPTH 256
#define DENTS_BUF ((size_t)64 * 1024)

struct ancestor {
	char *path;
	int found; /* lstat succeeded at begin */
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

struct ctime_sweep {
	char **roots;
	size_t nroots;
	char **skip; /* sorted, distinct */
	size_t nskip;
	struct ancestor *anc;
	size_t nanc;
	char *base;
	int base_fd; /* not owned */
	size_t max_named;
	int lenient_ancestors;
	struct timespec since;
};

/* The window of one run: [since, until]. */
struct window {
	struct timespec since, until;
};

struct walker {
	const struct ctime_sweep *s;
	struct window win;
	struct ctime_result *r;
	struct buf path;
	char *dents;
	int nomem;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_skipped(const struct ctime_sweep *s, const char *path)
{
	return s->nskip > 0 && bsearch(&path, s->skip, s->nskip,
				       sizeof *s->skip, cmp_str) != NULL;
}

int ctime_sweep_skips(const struct ctime_sweep *s, const char *path)
{
	for (size_t i = 0; i < s->nskip; i++)
		if (ctime_beneath(path, s->skip[i]))
			return 1;
	return 0;
}

const char *ctime_sweep_root(const struct ctime_sweep *s, size_t i)
{
	return i < s->nroots ? s->roots[i] : NULL;
}

/* Whether path is below (or is) dir, as strings. */
int ctime_beneath(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (n == 1 && dir[0] == '/')
		return 1;
	return strncmp(path, dir, n) == 0 &&
	       (path[n] == '\0' || path[n] == '/');
}

static int push(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof **v);

	if (nv == NULL)
		return -1;
	*v = nv;
	if ((nv[*n] = strdup(s)) == NULL)
		return -1;
	(*n)++;
	return 0;
}

static int add_ancestors(struct ctime_sweep *s, const char *path)
{
	char *p = strdup(path), *slash;

	if (p == NULL)
		return -1;
	while ((slash = strrchr(p, '/')) != NULL && slash != p) {
		struct stat st;
		struct ancestor *na;
		int dup = 0;

		*slash = '\0';
		for (size_t i = 0; i < s->nanc; i++)
			dup |= strcmp(s->anc[i].path, p) == 0;
		if (dup)
			continue;
		na = realloc(s->anc, (s->nanc + 1) * sizeof *s->anc);
		if (na == NULL)
			goto fail;
		s->anc = na;
		memset(&na[s->nanc], 0, sizeof *na);
		if ((na[s->nanc].path = strdup(p)) == NULL)
			goto fail;
		if (lstat(p, &st) == 0) {
			na[s->nanc].found = 1;
			na[s->nanc].mode = st.st_mode;
			na[s->nanc].uid = st.st_uid;
			na[s->nanc].gid = st.st_gid;
		}
		s->nanc++;
	}
	free(p);
	return 0;
fail:
	free(p);
	return -1;
}

/* The first tick of the coarse clock after now: everything done before
 * the call has a ctime before it. The wait is at most one tick (1 to 10
 * ms by CONFIG_HZ); bounded at 50 ms in case the clock does not move. */
static struct timespec next_tick(void)
{
	struct timespec t0, t;

	if (clock_gettime(CLOCK_REALTIME_COARSE, &t0) < 0)
		(void)clock_gettime(CLOCK_REALTIME, &t0);
	for (int i = 0; i < 200; i++) {
		struct timespec nap = {0, 250L * 1000};

		if (clock_gettime(CLOCK_REALTIME_COARSE, &t) < 0)
			break;
		if (t.tv_sec != t0.tv_sec || t.tv_nsec != t0.tv_nsec)
			return t;
		(void)nanosleep(&nap, NULL);
	}
	return t0;
}

void ctime_sweep_free(struct ctime_sweep *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nroots; i++)
		free(s->roots[i]);
	for (size_t i = 0; i < s->nskip; i++)
		free(s->skip[i]);
	for (size_t i = 0; i < s->nanc; i++)
		free(s->anc[i].path);
	free(s->roots);
	free(s->skip);
	free(s->anc);
	free(s->base);
	free(s);
}

struct ctime_sweep *ctime_sweep_begin(const struct ctime_sweep_opts *o,
				      struct err *e)
{
	struct ctime_sweep *s = calloc(1, sizeof *s);
	char real[PATH_MAX];

	if (s == NULL)
		goto nomem;
	s->max_named = o->max_named ? o->max_named : 20;
	s->base_fd = o->pin_base ? o->base_fd : -1;
	s->lenient_ancestors = o->lenient_ancestors;
	if (o->base != NULL && (s->base = strdup(o->base)) == NULL)
		goto nomem;
	/* Each skipped path as spelled and as resolved now (an output root
	 * may be a link to a directory inside a swept root). */
	for (size_t i = 0; i < o->nskip; i++) {
		if (push(&s->skip, &s->nskip, o->skip[i]) < 0 ||
		    add_ancestors(s, o->skip[i]) < 0)
			goto nomem;
		if (realpath(o->skip[i], real) != NULL &&
		    strcmp(real, o->skip[i]) != 0 &&
		    (push(&s->skip, &s->nskip, real) < 0 ||
		     add_ancestors(s, real) < 0))
			goto nomem;
	}
	if (s->nskip > 0)
		qsort(s->skip, s->nskip, sizeof *s->skip, cmp_str);
	{
		size_t k = 0;

		for (size_t i = 0; i < s->nskip; i++) {
			if (k > 0 && strcmp(s->skip[k - 1], s->skip[i]) == 0) {
				free(s->skip[i]);
				continue;
			}
			s->skip[k++] = s->skip[i];
		}
		s->nskip = k;
	}
	/* Roots: distinct, none beneath another or beneath a skipped
	 * path. */
	for (size_t i = 0; i < o->nroots; i++) {
		int inside = 0;

		for (size_t k = 0; k < o->nroots; k++)
			if (k != i && ctime_beneath(o->roots[i], o->roots[k]) &&
			    (strcmp(o->roots[i], o->roots[k]) != 0 || k < i))
				inside = 1;
		for (size_t k = 0; k < s->nskip; k++)
			inside |= ctime_beneath(o->roots[i], s->skip[k]);
		if (!inside && push(&s->roots, &s->nroots, o->roots[i]) < 0)
			goto nomem;
	}
	s->since = next_tick();
	return s;
nomem:
	ctime_sweep_free(s);
	err_sys(e, ENOMEM, "ctime sweep");
	return NULL;
}

struct timespec ctime_sweep_start(const struct ctime_sweep *s)
{
	return s->since;
}

static int ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

int ctime_in_window(const struct timespec *ctime, const struct timespec *since,
		    const struct timespec *until)
{
	if (ts_before(ctime, since))
		return 0;
	return until == NULL || !ts_before(until, ctime) ? 1 : -1;
}

/* An ancestor of a skipped path: reported only when its mode or owner
 * changed (cleanroom's own mkdir of the output roots, or a tool that
 * recreates one where Landlock is off, changes its ctime). */
static int ancestor_unchanged(const struct ctime_sweep *s, const char *path,
			      const struct stat *st)
{
	for (size_t i = 0; i < s->nanc; i++)
		if (strcmp(s->anc[i].path, path) == 0)
			return s->anc[i].found &&
			       s->anc[i].mode == st->st_mode &&
			       s->anc[i].uid == st->st_uid &&
			       s->anc[i].gid == st->st_gid;
	return 0;
}

static void note(struct walker *w, const struct stat *st)
{
	const struct ctime_sweep *s = w->s;
	struct ctime_result *r = w->r;
	const char *p = w->path.p;
	struct ctime_change *c;

	switch (ctime_in_window(&st->st_ctim, &w->win.since, &w->win.until)) {
	case 0: return;
	case -1: r->after++; return;
	default: break;
	}
	if (s->lenient_ancestors && ancestor_unchanged(s, p, st))
		return;
	r->changed++;
	if (r->nnamed >= s->max_named)
		return;
	if (r->named == NULL &&
	    (r->named = calloc(s->max_named, sizeof *r->named)) == NULL) {
		w->nomem = 1;
		return;
	}
	c = &r->named[r->nnamed];
	if (s->base != NULL && strcmp(p, s->base) == 0)
		p = ".";
	else if (s->base != NULL && ctime_beneath(p, s->base))
		p += strlen(s->base) + (strcmp(s->base, "/") != 0);
	if ((c->path = strdup(p)) == NULL) {
		w->nomem = 1;
		return;
	}
	c->mode = st->st_mode;
	c->uid = st->st_uid;
	c->gid = st->st_gid;
	c->ctime_sec = st->st_ctim.tv_sec;
	r->nnamed++;
}

static void unswept(struct walker *w, int errnum)
{
	w->r->unswept++;
	if (w->r->first_unswept == NULL) {
		struct buf b = {0};

		if (buf_printf(&b, "%s: %s", w->path.p, strerror(errnum)) < 0) {
			w->nomem = 1;
			return;
		}
		w->r->first_unswept = b.p;
	}
}

/* Filesystems whose inodes are the kernel's: never entered. */
static int pseudo_fs(int fd)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0)
		return 0;
	switch ((unsigned long)sf.f_type) {
	case PROC_SUPER_MAGIC:
	case SYSFS_MAGIC:
	case DEVPTS_SUPER_MAGIC:
	case CGROUP_SUPER_MAGIC:
	case CGROUP2_SUPER_MAGIC:
	case DEBUGFS_MAGIC:
	case TRACEFS_MAGIC:
	case SECURITYFS_MAGIC:
	case BPF_FS_MAGIC:
	case PSTOREFS_MAGIC:
	case 0x65735543: /* fusectl */
	case 0x62656570: /* configfs */
	case 0x6e736673: /* nsfs */ return 1;
	default: return 0;
	}
}

/* Walks the directory open as dfd (the path is w->path, whose stat is
 * dst) at depth: each entry stat'ed, subdirectories entered after the
 * directory is read through, so that one getdents buffer serves all. */
static void walk(struct walker *w, int dfd, const struct stat *dst,
		 size_t depth)
{
	struct buf subdirs = {0}; /* NUL-separated names */
	size_t plen = w->path.len;

	for (;;) {
		long n = syscall(SYS_getdents64, dfd, w->dents, DENTS_BUF);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			unswept(w, errno);
			break;
		}
		if (n == 0)
			break;
		for (long off = 0; off < n;) {
			const struct linux_dirent64 *d =
				(const void *)(w->dents + off);
			const char *name = d->d_name;
			struct stat st;

			off += d->d_reclen;
			if (name[0] == '.' &&
			    (name[1] == '\0' ||
			     (name[1] == '.' && name[2] == '\0')))
				continue;
			w->path.len = plen;
			if ((plen > 1 && buf_addc(&w->path, '/') < 0) ||
			    buf_adds(&w->path, name) < 0) {
				w->nomem = 1;
				goto out;
			}
			if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue; /* gone meanwhile */
			w->r->inodes++;
			if (is_skipped(w->s, w->path.p))
				continue;
			if (S_ISDIR(st.st_mode)) {
				if (buf_add(&subdirs, name, strlen(name) + 1) <
				    0) {
					w->nomem = 1;
					goto out;
				}
				if (st.st_dev != dst->st_dev)
					continue; /* noted once entered */
			}
			note(w, &st);
			if (w->nomem)
				goto out;
		}
	}
	for (size_t off = 0; subdirs.p != NULL && off < subdirs.len;) {
		const char *name = subdirs.p + off;
		struct stat st;
		int fd;

		off += strlen(name) + 1;
		w->path.len = plen;
		if ((plen > 1 && buf_addc(&w->path, '/') < 0) ||
		    buf_adds(&w->path, name) < 0) {
			w->nomem = 1;
			goto out;
		}
		if (depth + 1 >= MAX_DEPTH) {
			unswept(w, ELOOP);
			continue;
		}
		fd = openat(dfd, name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			if (errno != ENOENT)
				unswept(w, errno);
			continue;
		}
		if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (st.st_dev != dst->st_dev) {
				/* A mount: its root is noted here, unless it
				 * is a pseudo filesystem. */
				if (pseudo_fs(fd)) {
					(void)close(fd);
					continue;
				}
				note(w, &st);
			}
			if (!w->nomem)
				walk(w, fd, &st, depth + 1);
		}
		(void)close(fd);
		if (w->nomem)
			goto out;
	}
out:
	w->path.len = plen;
	if (w->path.p != NULL)
		w->path.p[plen] = '\0';
	buf_free(&subdirs);
}

static void sweep_root(struct walker *w, const char *root)
{
	struct stat st;
	int fd;

	buf_reset(&w->path);
	if (buf_adds(&w->path, root) < 0) {
		w->nomem = 1;
		return;
	}
	/* The workdir through the fd pinned before the build, any other
	 * root from "/" with no link anywhere on the way (beneath.h). */
	if (w->s->base_fd >= 0 && w->s->base != NULL &&
	    strcmp(root, w->s->base) == 0)
		fd = openat(w->s->base_fd, ".",
			    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	else
		fd = beneath_open(AT_FDCWD, root, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0) {
		int errnum = errno;

		if (errnum == ENOENT)
			return;
		/* A root that is itself a link (/bin -> usr/bin) or a
		 * file: its own ctime only. A link further up: not
		 * followed, not swept. */
		if (lstat(root, &st) == 0 && !S_ISDIR(st.st_mode)) {
			w->r->inodes++;
			note(w, &st);
		} else
			unswept(w, errnum);
		return;
	}
	if (fstat(fd, &st) < 0) {
		unswept(w, errno);
		(void)close(fd);
		return;
	}
	w->r->inodes++;
	note(w, &st);
	if (!w->nomem && !pseudo_fs(fd))
		walk(w, fd, &st, 0);
	(void)close(fd);
}

int ctime_sweep_run(const struct ctime_sweep *s, struct ctime_result *r,
		    struct err *e)
{
	struct walker w = {.s = s, .r = r};
	double t0 = io_now_ms();

	memset(r, 0, sizeof *r);
	w.win.since = s->since;
	/* Whatever happens from now on is not the build's: its processes
	 * are gone. The fine clock, not the coarse one: a multigrain
	 * filesystem (ext4, xfs, btrfs, tmpfs since Linux 6.13) stamps a
	 * change to an inode whose ctime was looked at with the fine clock,
	 * ahead of the coarse one; a build's last chmod must not land after
	 * the end of its own window. */
	(void)clock_gettime(CLOCK_REALTIME, &w.win.until);
	w.dents = malloc(DENTS_BUF);
	if (w.dents == NULL)
		return err_sys(e, ENOMEM, "ctime sweep");
	for (size_t i = 0; i < s->nroots && !w.nomem; i++)
		sweep_root(&w, s->roots[i]);
	free(w.dents);
	buf_free(&w.path);
	r->ms = io_now_ms() - t0;
	if (w.nomem) {
		ctime_result_free(r);
		return err_sys(e, ENOMEM, "ctime sweep");
	}
	return 0;
}

void ctime_result_free(struct ctime_result *r)
{
	for (size_t i = 0; i < r->nnamed; i++)
		free(r->named[i].path);
	free(r->named);
	free(r->first_unswept);
	memset(r, 0, sizeof *r);
}
