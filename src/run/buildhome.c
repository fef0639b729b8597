/*
 * The build's private HOME (buildhome.h).
 */
#include "buildhome.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "beneath.h"
#include "plan.h"

/* PLAN_HOME as its parent and its name. */
static const char *home_leaf(char *parent, size_t size)
{
	const char *slash = strrchr(PLAN_HOME, '/');
	size_t n = (size_t)(slash - PLAN_HOME);

	if (n == 0)
		n = 1;
	if (n >= size)
		n = size - 1;
	memcpy(parent, PLAN_HOME, n);
	parent[n] = '\0';
	return slash + 1;
}

/* Removes every entry of the directory open at fd, never following a
 * link. Returns 0, or -1 with errno set. */
static int empty_dir(int fd)
{
	int dup_fd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (dup_fd < 0)
		return -1;
	d = fdopendir(dup_fd);
	if (d == NULL) {
		(void)close(dup_fd);
		return -1;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (beneath_remove_tree(fd, de->d_name) < 0)
			rc = -1;
	}
	if (errno != 0)
		rc = -1;
	(void)closedir(d);
	return rc;
}

/* 1 when the entry leaf in pfd is still the directory open at fd. */
static int still_there(int pfd, const char *leaf, int fd)
{
	struct stat a, b;

	return fstatat(pfd, leaf, &a, AT_SYMLINK_NOFOLLOW) == 0 &&
	       fstat(fd, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* Takes PLAN_HOME: 1 when it is ours (h->fd locked), 0 when another
 * cleanroom holds it, -1 on an error. */
static int take_stable(struct build_home *h, int pfd, const char *leaf)
{
	for (int attempt = 0; attempt < 3; attempt++) {
		int fd;

		if (mkdirat(pfd, leaf, 0700) < 0 && errno != EEXIST)
			return -1;
		fd = openat(pfd, leaf,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			/* A link or a file in its place: whoever made it,
			 * it goes, and the directory is made anew. */
			if (errno != ELOOP && errno != ENOTDIR)
				return -1;
			if (beneath_remove_tree(pfd, leaf) < 0)
				return -1;
			continue;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			int saved = errno;

			(void)close(fd);
			if (saved == EWOULDBLOCK)
				return 0;
			errno = saved;
			return -1;
		}
		/* Removed (and perhaps made again) by the cleanroom that held
		 * the lock before this one opened it: start over. */
		if (!still_there(pfd, leaf, fd)) {
			(void)close(fd);
			continue;
		}
		h->fd = fd;
		return 1;
	}
	errno = EAGAIN;
	return -1;
}

int build_home_make(struct build_home *h, const char *tmpdir, struct err *e)
{
	char parent[64];
	const char *leaf = home_leaf(parent, sizeof parent);
	int pfd, got;

	memset(h, 0, sizeof *h);
	h->fd = -1;
	pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return err_sys(e, errno, "%s", parent);
	got = take_stable(h, pfd, leaf);
	(void)close(pfd);
	if (got < 0)
		return err_sys(e, errno, "the build's HOME %s", PLAN_HOME);
	if (got == 1) {
		(void)snprintf(h->path, sizeof h->path, "%s", PLAN_HOME);
		h->stable = 1;
		h->made = 1;
		/* What a killed cleanroom's build left, or another user
		 * of /tmp put there before the directory was ours. */
		if (empty_dir(h->fd) < 0 || fchown(h->fd, 0, 0) < 0 ||
		    fchmod(h->fd, 0700) < 0)
			return err_sys(e, errno, "the build's HOME %s",
				       PLAN_HOME);
		return 0;
	}
	if ((size_t)snprintf(h->path, sizeof h->path, "%s/home", tmpdir) >=
	    sizeof h->path)
		return err_sys(e, ENAMETOOLONG, "the build's HOME");
	if (mkdir(h->path, 0700) < 0)
		return err_sys(e, errno, "the build's HOME %s", h->path);
	h->made = 1;
	return 0;
}

void build_home_remove(struct build_home *h)
{
	char parent[64];
	const char *leaf = home_leaf(parent, sizeof parent);
	int pfd;

	if (h->fd < 0)
		return;
	pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* Only the directory this run held: a build without Landlock owns
	 * it and could have moved it and put a link in its place. */
	if (empty_dir(h->fd) == 0 && pfd >= 0 && still_there(pfd, leaf, h->fd))
		(void)unlinkat(pfd, leaf, AT_REMOVEDIR);
	if (pfd >= 0)
		(void)close(pfd);
	(void)close(h->fd);
	h->fd = -1;
	h->made = 0;
}
