/*
 * Tree copies for `cleanroom reproduce` (see copytree.h). The walk is on
 * directory fds with *at() calls and O_NOFOLLOW, so a symlink in the
 * source is copied as a link and never leads the copy elsewhere.
 */
#include "copytree.h"
#include "io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef FICLONE
#define FICLONE _IOW(0x94, 9, int)
#endif

struct walk {
	const char *const *exclude;
	enum copy_order order;
	struct copy_stats *st;
	struct err *e;
	char rel[PATH_MAX]; /* the path being copied, relative to src */
	int root;	    /* running as root: keep owners */
};

static int fail(struct walk *w, int errnum, const char *what)
{
	return err_sys(w->e, errnum, "copying %s: %s", w->rel[0] ? w->rel : ".",
		       what);
}

static int excluded(const struct walk *w)
{
	for (const char *const *x = w->exclude; x && *x; x++)
		if (strcmp(*x, w->rel) == 0)
			return 1;
	return 0;
}

/* Mode, owner and times of st onto fd (a file or directory). */
static int keep_meta(struct walk *w, int fd, const struct stat *st)
{
	struct timespec ts[2] = {st->st_atim, st->st_mtim};

	if (w->root && fchown(fd, st->st_uid, st->st_gid) < 0)
		return fail(w, errno, "fchown");
	if (fchmod(fd, st->st_mode & 07777) < 0)
		return fail(w, errno, "fchmod");
	if (futimens(fd, ts) < 0)
		return fail(w, errno, "futimens");
	return 0;
}

/* The bytes of in to out: a clone, else the kernel's copy, else a loop. */
static int copy_bytes(struct walk *w, int in, int out, off_t size)
{
	static char chunk[1 << 16];
	off_t done = 0;

	if (size > 0 && ioctl(out, FICLONE, in) == 0) {
		w->st->reflinked++;
		return 0;
	}
	while (done < size) {
		ssize_t k = copy_file_range(in, NULL, out, NULL,
					    (size_t)(size - done), 0);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break; /* EXDEV, ENOSYS, EINVAL, or a file that shrank:
				  the read loop below finishes. */
		done += k;
	}
	if (done > 0 && lseek(in, done, SEEK_SET) < 0)
		return fail(w, errno, "lseek");
	for (;;) {
		ssize_t k = read(in, chunk, sizeof chunk);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return fail(w, errno, "read");
		if (k == 0)
			return 0;
		for (ssize_t off = 0; off < k;) {
			ssize_t m = write(out, chunk + off, (size_t)(k - off));

			if (m < 0 && errno == EINTR)
				continue;
			if (m < 0)
				return fail(w, errno, "write");
			off += m;
		}
	}
}

static int copy_file(struct walk *w, int sdir, const char *sname, int ddir,
		     const char *dname, const struct stat *st)
{
	int in = openat(sdir, sname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int out = -1, rc = -1;

	if (in < 0)
		return fail(w, errno, "open");
	out = openat(ddir, dname, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		     0600);
	if (out < 0) {
		fail(w, errno, "create");
		goto out;
	}
	if (copy_bytes(w, in, out, st->st_size) < 0 ||
	    keep_meta(w, out, st) < 0)
		goto out;
	w->st->files++;
	w->st->bytes += (unsigned long long)st->st_size;
	rc = 0;
out:
	if (out >= 0 && close(out) < 0 && rc == 0)
		rc = fail(w, errno, "close");
	close(in);
	return rc;
}

static int copy_link(struct walk *w, int sdir, int ddir, const char *name,
		     const struct stat *st)
{
	char target[PATH_MAX];
	ssize_t k = readlinkat(sdir, name, target, sizeof target - 1);
	struct timespec ts[2] = {st->st_atim, st->st_mtim};

	if (k < 0)
		return fail(w, errno, "readlink");
	target[k] = '\0';
	if (symlinkat(target, ddir, name) < 0)
		return fail(w, errno, "symlink");
	if (w->root && fchownat(ddir, name, st->st_uid, st->st_gid,
				AT_SYMLINK_NOFOLLOW) < 0)
		return fail(w, errno, "lchown");
	/* Link times are kept where the filesystem allows it. */
	(void)utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW);
	w->st->symlinks++;
	return 0;
}

static int copy_dir(struct walk *w, int sdir, int ddir);

static int copy_entry(struct walk *w, int sdir, int ddir, const char *name)
{
	struct stat st;
	int rc = -1;

	if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return fail(w, errno, "stat");
	if (S_ISREG(st.st_mode))
		return copy_file(w, sdir, name, ddir, name, &st);
	if (S_ISLNK(st.st_mode))
		return copy_link(w, sdir, ddir, name, &st);
	if (!S_ISDIR(st.st_mode)) {
		w->st->skipped++;
		return 0;
	}
	int s = openat(sdir, name,
		       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int d = -1;

	if (s < 0)
		return fail(w, errno, "open");
	if (mkdirat(ddir, name, 0700) < 0) {
		fail(w, errno, "mkdir");
		goto out;
	}
	d = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d < 0) {
		fail(w, errno, "open copy");
		goto out;
	}
	/* Contents first, then the mode (a read-only directory must still be
	 * filled) and the times (filling it changed them). */
	if (copy_dir(w, s, d) < 0 || keep_meta(w, d, &st) < 0)
		goto out;
	w->st->dirs++;
	rc = 0;
out:
	if (d >= 0)
		close(d);
	close(s);
	return rc;
}

static int copy_dir(struct walk *w, int sdir, int ddir)
{
	size_t len = strlen(w->rel);
	struct io_names ns;
	int rc = 0;

	if (io_dir_names(sdir, &ns) < 0)
		return fail(w, errno, "reading the directory");
	for (size_t k = 0; k < ns.n && rc == 0; k++) {
		const char *name =
			ns.v[w->order == COPY_NAME_ORDER ? k : ns.n - 1 - k];
		int m = snprintf(w->rel + len, sizeof w->rel - len, "%s%s",
				 len ? "/" : "", name);

		if (m < 0 || (size_t)m >= sizeof w->rel - len) {
			w->rel[len] = '\0';
			rc = fail(w, ENAMETOOLONG, name);
			break;
		}
		if (!excluded(w))
			rc = copy_entry(w, sdir, ddir, name);
		w->rel[len] = '\0';
	}
	io_names_free(&ns);
	return rc;
}

int copytree(const char *src, const char *dst, const char *const *exclude,
	     enum copy_order order, struct copy_stats *stats, struct err *e)
{
	struct walk w = {.exclude = exclude,
			 .order = order,
			 .st = stats,
			 .e = e,
			 .root = geteuid() == 0};
	struct stat st;
	int s, d = -1, rc = -1;

	memset(stats, 0, sizeof *stats);
	s = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s < 0)
		return err_sys(e, errno, "%s", src);
	if (fstat(s, &st) < 0) {
		err_sys(e, errno, "%s", src);
		goto out;
	}
	if (mkdir(dst, 0700) < 0) {
		err_sys(e, errno, "%s", dst);
		goto out;
	}
	d = open(dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d < 0) {
		err_sys(e, errno, "%s", dst);
		goto out;
	}
	if (copy_dir(&w, s, d) < 0 || keep_meta(&w, d, &st) < 0)
		goto out;
	rc = 0;
out:
	if (d >= 0)
		close(d);
	close(s);
	return rc;
}

int copytree_file_at(int sdir, const char *sname, int ddir, const char *dname,
		     const char *shown, struct err *e)
{
	struct copy_stats stats = {0};
	struct walk w = {.st = &stats, .e = e, .root = geteuid() == 0};
	struct stat st;

	(void)snprintf(w.rel, sizeof w.rel, "%s", shown);
	if (fstatat(sdir, sname, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return fail(&w, errno, "stat");
	if (!S_ISREG(st.st_mode))
		return fail(&w, EINVAL, "not a regular file");
	return copy_file(&w, sdir, sname, ddir, dname, &st);
}

long copytree_readdir_order(const char *dir, char *out, size_t max)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t len = 0;

	if (d == NULL)
		return -1;
	while ((errno = 0, de = readdir(d)) != NULL) {
		size_t k = strlen(de->d_name);

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (len + k + 1 > max)
			break;
		memcpy(out + len, de->d_name, k);
		len += k;
		out[len++] = '\n';
	}
	closedir(d);
	return (long)len;
}
