/*
 * Reading and writing whole buffers. Reads go through a stack chunk that is
 * wiped afterwards, since the files read here may hold secrets.
 */
#include "io.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <fcntl.h>
#include <libgen.h>
#include <sched.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

int io_read_file(const char *path, size_t max, struct buf *out)
{
	int fd, rc, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	rc = io_read_fd(fd, max, out);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int io_read_fd(int fd, size_t max, struct buf *out)
{
	char chunk[65536];
	size_t dirty = 0; /* bytes of chunk that held file data */
	struct stat st;
	int saved = 0;

	if (fstat(fd, &st) < 0) {
		saved = errno;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		saved = EISDIR;
		goto out;
	}
	/* One allocation of the right size for a regular file: growing by
	 * doubling would touch (and fault in) twice the memory. */
	if (S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (size_t)st.st_size <= max &&
	    buf_reserve(out, (size_t)st.st_size) < 0) {
		saved = ENOMEM;
		goto out;
	}
	for (;;) {
		/* Straight into the buffer while it has room (it was sized
		 * from fstat), through the chunk only past that. */
		size_t room =
			out->cap > out->len + 1 ? out->cap - out->len - 1 : 0;
		char *dst = room > 0 ? out->p + out->len : chunk;
		size_t want = room > 0 ? room : sizeof chunk;
		ssize_t n = read(fd, dst, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			saved = errno;
			break;
		}
		if (n == 0)
			break;
		if (dst == chunk && (size_t)n > dirty)
			dirty = (size_t)n;
		if ((size_t)n > max || out->len > max - (size_t)n) {
			saved = EFBIG;
			break;
		}
		if (dst != chunk) {
			out->len += (size_t)n;
			out->p[out->len] = '\0';
		} else if (buf_add(out, chunk, (size_t)n) < 0) {
			saved = ENOMEM;
			break;
		}
	}
out:
	/* Only what was read into it: the file may be a secret, and
	 * wiping all 64 KiB for a small file read straight into the
	 * buffer would be wasted. */
	if (dirty > 0)
		explicit_bzero(chunk, dirty);
	errno = saved;
	return saved ? -1 : 0;
}

int io_write_all(int fd, const void *p, size_t len)
{
	const char *c = p;

	while (len > 0) {
		ssize_t n = write(fd, c, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

int io_write_file_atomic(const char *path, const void *p, size_t len)
{
	char *tmp = NULL, *dircopy = NULL;
	int fd = -1, dfd, saved = 0;

	if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0)
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		  0644);
	if (fd < 0 || io_write_all(fd, p, len) < 0 || fsync(fd) < 0) {
		saved = errno;
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		saved = errno;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		saved = errno;
		goto out;
	}
	/* The rename is durable once the directory is synced. */
	dircopy = strdup(path);
	if (dircopy != NULL) {
		dfd = open(dirname(dircopy),
			   O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			(void)fsync(dfd);
			close(dfd);
		}
	}
out:
	if (fd >= 0)
		close(fd);
	if (saved != 0)
		(void)unlink(tmp);
	free(dircopy);
	free(tmp);
	errno = saved;
	return saved ? -1 : 0;
}

double io_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void io_names_free(struct io_names *ns)
{
	free(ns->v);
	free(ns->block.p); /* names, not secrets: no need to wipe */
	memset(ns, 0, sizeof *ns);
}

int io_dir_names(int fd, struct io_names *ns)
{
	int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	char *p;

	memset(ns, 0, sizeof *ns);
	if (d == NULL) {
		int saved = errno;

		if (dfd >= 0)
			close(dfd);
		errno = saved;
		return -1;
	}
	/* The duplicate shares the offset with fd: start from the top. */
	rewinddir(d);
	for (;;) {
		struct dirent *de;
		const char *nm;

		errno = 0;
		de = readdir(d);
		if (de == NULL) {
			if (errno == 0)
				break;
			goto fail;
		}
		nm = de->d_name;
		if (nm[0] == '.' &&
		    (nm[1] == '\0' || (nm[1] == '.' && nm[2] == '\0')))
			continue;
		if (buf_add(&ns->block, nm, strlen(nm) + 1) < 0)
			goto fail;
		ns->n++;
	}
	closedir(d);
	d = NULL;
	/* The block holds the names one after another, each with its NUL. */
	ns->v = malloc((ns->n ? ns->n : 1) * sizeof *ns->v);
	if (ns->v == NULL)
		goto fail;
	p = ns->block.p;
	for (size_t i = 0; i < ns->n; i++) {
		ns->v[i] = p;
		p += strlen(p) + 1;
	}
	if (ns->n > 1)
		qsort(ns->v, ns->n, sizeof *ns->v, name_cmp);
	return 0;
fail : {
	int saved = errno ? errno : ENOMEM;

	if (d != NULL)
		closedir(d);
	io_names_free(ns);
	errno = saved;
	return -1;
}
}

static int remove_cb(const char *path, const struct stat *st, int type,
		     struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	(void)remove(path); /* what stays is found below */
	return 0;
}

int io_remove_tree(const char *path)
{
	struct stat st;

	if (nftw(path, remove_cb, 32, FTW_DEPTH | FTW_PHYS) < 0 &&
	    errno != ENOENT)
		return -1;
	if (lstat(path, &st) == 0) {
		errno = ENOTEMPTY;
		return -1;
	}
	return 0;
}

unsigned io_cpus(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
		return (unsigned)CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}
