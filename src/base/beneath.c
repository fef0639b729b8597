/*
 * Resolution beneath a directory fd with no symlink followed (beneath.h).
 * openat2 does it in one call; where the kernel lacks it (before 5.6, or a
 * seccomp profile that answers ENOSYS), the walk below opens one component
 * at a time with O_NOFOLLOW, each relative to the fd of the one before, so
 * a component swapped for a link between two steps is refused as well.
 */
#include "beneath.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define COMPONENT_MAX 255

/* Whether openat2 is worth trying; cleared on the first ENOSYS. */
static int have_openat2 = 1;

void beneath_use_openat2(int on)
{
	have_openat2 = on;
}

static int close_keep_errno(int fd)
{
	int saved = errno;

	if (fd >= 0 && fd != AT_FDCWD)
		(void)close(fd);
	errno = saved;
	return -1;
}

/* The start of resolution: dirfd for a relative path, "/" for an
 * absolute one (with *path advanced past its slashes). */
static int start_fd(int dirfd, const char **path, int *owned)
{
	*owned = 0;
	if (**path != '/')
		return dirfd;
	while (**path == '/')
		(*path)++;
	*owned = 1;
	return open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static int try_openat2(int fd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC | O_NOFOLLOW),
		.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS,
	};
	int r;

	do
		r = (int)syscall(SYS_openat2, fd, *path ? path : ".", &how,
				 sizeof how);
	while (r < 0 && errno == EINTR);
	if (r < 0 && (errno == ENOSYS || errno == EPERM)) {
		/* EPERM: a seccomp profile that predates openat2. */
		have_openat2 = 0;
		errno = ENOSYS;
	}
	return r;
}

/* Copies the next component of *p into name and advances *p past it and
 * its slashes. Returns its length, 0 at the end, -1 (ENAMETOOLONG). */
static int next_component(const char **p, char name[COMPONENT_MAX + 1])
{
	size_t n = 0;

	while (**p == '/')
		(*p)++;
	while ((*p)[n] != '\0' && (*p)[n] != '/')
		n++;
	if (n > COMPONENT_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(name, *p, n);
	name[n] = '\0';
	*p += n;
	while (**p == '/')
		(*p)++;
	return (int)n;
}

/* One step of the walk: the directory name below fd, never a link. */
static int open_dir_step(int fd, const char *name, int create)
{
	int r;

	for (;;) {
		r = openat(fd, name,
			   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (r >= 0 || errno != ENOENT || !create)
			break;
		if (mkdirat(fd, name, 0755) < 0 && errno != EEXIST)
			return -1;
		create = 0; /* made it, or someone else did: open it now */
	}
	if (r < 0 && errno == ENOTDIR) {
		struct stat st;

		/* O_NOFOLLOW | O_DIRECTORY on a link says ENOTDIR on some
		 * kernels: name the real reason. */
		if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode))
			errno = ELOOP;
		else
			errno = ENOTDIR;
	}
	return r;
}

/* The fd-by-fd walk: every component but the last must be a directory;
 * returns the fd of the directory holding the last component, with
 * *leaf at it (an empty leaf: the path named fd itself). */
static int walk_to_parent(int fd, const char *path, int create,
			  const char **leaf)
{
	char name[COMPONENT_MAX + 1];
	int cur = fd;

	for (;;) {
		const char *before = path;
		int n = next_component(&path, name);

		if (n < 0)
			return close_keep_errno(cur == fd ? -1 : cur);
		if (*path == '\0') {
			*leaf = before;
			while (**leaf == '/')
				(*leaf)++;
			break;
		}
		if (strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			/* Climbing is refused outright: a walk that never
			 * goes up cannot leave the start directory. */
			if (cur != fd)
				(void)close(cur);
			errno = EXDEV;
			return -1;
		}
		int next = open_dir_step(cur, name, create);

		if (cur != fd)
			close_keep_errno(cur);
		if (next < 0)
			return -1;
		cur = next;
	}
	if (cur == fd) {
		/* The path has one component: its parent is fd itself. */
		return fd == AT_FDCWD
			       ? open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
			       : fcntl(fd, F_DUPFD_CLOEXEC, 3);
	}
	return cur;
}

static int open_beneath(int dirfd, const char *path, int flags, mode_t mode);

int beneath_open(int dirfd, const char *path, int flags, mode_t mode)
{
	const char *leaf;
	struct stat st;
	int r = open_beneath(dirfd, path, flags, mode), parent;

	if (r >= 0 || errno != ENOTDIR || !(flags & O_DIRECTORY))
		return r;
	/* O_DIRECTORY | O_NOFOLLOW on a link at the end says ENOTDIR: name
	 * the real reason. */
	parent = beneath_parent(dirfd, path, 0, &leaf);
	if (parent < 0) {
		errno = ENOTDIR;
		return -1;
	}
	errno = fstatat(parent, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
				S_ISLNK(st.st_mode)
			? ELOOP
			: ENOTDIR;
	return close_keep_errno(parent);
}

static int open_beneath(int dirfd, const char *path, int flags, mode_t mode)
{
	const char *leaf;
	int owned, fd, parent, r;

	fd = start_fd(dirfd, &path, &owned);
	if (owned && fd < 0)
		return -1;
	if (have_openat2) {
		r = try_openat2(fd, path, flags, mode);
		if (r >= 0 || errno != ENOSYS) {
			if (owned)
				close_keep_errno(fd);
			return r;
		}
	}
	if (*path == '\0') {
		r = openat(fd, ".", flags | O_CLOEXEC, mode);
		if (owned)
			close_keep_errno(fd);
		return r;
	}
	parent = walk_to_parent(fd, path, 0, &leaf);
	if (owned)
		close_keep_errno(fd);
	if (parent < 0)
		return -1;
	if (strcmp(leaf, "..") == 0) {
		errno = EXDEV;
		return close_keep_errno(parent);
	}
	do
		r = openat(parent, *leaf ? leaf : ".",
			   flags | O_CLOEXEC | O_NOFOLLOW, mode);
	while (r < 0 && errno == EINTR);
	close_keep_errno(parent);
	return r;
}

/* The leaf of a path: its last component, which must name an entry. */
static int leaf_ok(const char *leaf)
{
	size_t n = strcspn(leaf, "/");

	if (n == 0 || (n == 1 && leaf[0] == '.') ||
	    (n == 2 && leaf[0] == '.' && leaf[1] == '.'))
		return 0;
	return 1;
}

int beneath_parent(int dirfd, const char *path, int create, const char **leaf)
{
	int owned, fd, r;

	fd = start_fd(dirfd, &path, &owned);
	if (owned && fd < 0)
		return -1;
	r = walk_to_parent(fd, path, create, leaf);
	if (owned)
		close_keep_errno(fd);
	if (r >= 0 && !leaf_ok(*leaf)) {
		errno = EINVAL;
		return close_keep_errno(r);
	}
	return r;
}

int beneath_mkdirs(int dirfd, const char *path)
{
	const char *leaf;
	int parent = beneath_parent(dirfd, path, 1, &leaf), r;
	char name[COMPONENT_MAX + 1];

	if (parent < 0)
		return -1;
	if (next_component(&leaf, name) < 0)
		return close_keep_errno(parent);
	r = open_dir_step(parent, name, 1);
	close_keep_errno(parent);
	return r;
}

int beneath_stage_file(int dirfd, const char *path, const void *p, size_t len,
		       struct beneath_staged *s)
{
	const char *leaf, *c = p;
	int fd = -1, saved = 0;

	_Static_assert(sizeof s->name == COMPONENT_MAX + 1,
		       "beneath_staged holds one component");
	s->parent = beneath_parent(dirfd, path, 0, &leaf);
	if (s->parent < 0)
		return -1;
	if (next_component(&leaf, s->name) < 0) {
		(void)close_keep_errno(s->parent);
		s->parent = -1;
		return -1;
	}
	(void)snprintf(s->tmp, sizeof s->tmp, ".%.200s.tmp.%ld", s->name,
		       (long)getpid());
	fd = openat(s->parent, s->tmp,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		saved = errno;
		(void)close(s->parent);
		s->parent = -1;
		errno = saved;
		return -1;
	}
	while (len > 0) {
		ssize_t n = write(fd, c, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			saved = errno;
			goto fail;
		}
		c += n;
		len -= (size_t)n;
	}
	if (fsync(fd) < 0) {
		saved = errno;
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		saved = errno;
		goto fail;
	}
	return 0;
fail:
	if (fd >= 0)
		(void)close(fd);
	beneath_unstage_file(s);
	errno = saved;
	return -1;
}

int beneath_commit_file(struct beneath_staged *s)
{
	int saved = 0;

	/* renameat replaces a link at name itself, never what it points
	 * at. */
	if (renameat(s->parent, s->tmp, s->parent, s->name) < 0) {
		saved = errno;
		beneath_unstage_file(s);
		errno = saved;
		return -1;
	}
	(void)fsync(s->parent);
	(void)close(s->parent);
	s->parent = -1;
	return 0;
}

void beneath_unstage_file(struct beneath_staged *s)
{
	int saved = errno;

	if (s->parent < 0)
		return;
	(void)unlinkat(s->parent, s->tmp, 0);
	(void)close(s->parent);
	s->parent = -1;
	errno = saved;
}

int beneath_write_file(int dirfd, const char *path, const void *p, size_t len)
{
	struct beneath_staged s;

	if (beneath_stage_file(dirfd, path, p, len, &s) < 0)
		return -1;
	return beneath_commit_file(&s);
}

/* Opens the directory name in fd to remove what is in it: O_NOFOLLOW, and
 * made rwx for its owner first when it is not (0700: it is about to go).
 * Returns the fd, or -1 with errno set (ENOTDIR, ELOOP: not a
 * directory). */
static int open_to_empty(int fd, const char *name, const struct stat *st)
{
	if ((st->st_mode & S_IRWXU) != S_IRWXU)
		(void)fchmodat(fd, name, S_IRWXU, AT_SYMLINK_NOFOLLOW);
	return openat(fd, name,
		      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static int remove_entry(int fd, const char *name, int depth);

/* Removes every entry of the directory open at fd; closes fd. Names are
 * removed while the directory is read, so it is read again until a pass
 * removes nothing. */
static int remove_below(int fd, int depth)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	int saved = 0, removed;

	if (d == NULL)
		return close_keep_errno(fd);
	do {
		removed = 0;
		rewinddir(d);
		while ((errno = 0, de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			if (remove_entry(fd, de->d_name, depth + 1) < 0)
				saved = errno;
			else
				removed = 1;
		}
		if (errno != 0)
			saved = errno;
	} while (removed && saved == 0);
	(void)closedir(d);
	errno = saved;
	return saved ? -1 : 0;
}

/* Each level holds one fd: a tree deeper than this is left, with
 * EMFILE, rather than run the process out of descriptors. */
#define REMOVE_DEPTH_MAX 256

static int remove_entry(int fd, const char *name, int depth)
{
	struct stat st;
	int sub;

	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (S_ISDIR(st.st_mode)) {
		if (depth >= REMOVE_DEPTH_MAX) {
			errno = EMFILE;
			return -1;
		}
		sub = open_to_empty(fd, name, &st);
		if (sub < 0 || remove_below(sub, depth) < 0)
			return -1;
		if (unlinkat(fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
			return -1;
		return 0;
	}
	if (unlinkat(fd, name, 0) < 0 && errno != ENOENT)
		return -1;
	return 0;
}

int beneath_remove_tree(int dirfd, const char *path)
{
	const char *leaf;
	char name[COMPONENT_MAX + 1];
	int parent = beneath_parent(dirfd, path, 0, &leaf), rc;

	if (parent < 0)
		return errno == ENOENT ? 0 : -1;
	if (next_component(&leaf, name) < 0)
		return close_keep_errno(parent);
	rc = remove_entry(parent, name, 0);
	close_keep_errno(parent);
	return rc;
}

/* Gives the entry name in fd to uid:gid, never following a link, unless
 * it has them already: on overlayfs a chown copies the file up, data and
 * all, into the image's layer, even when it changes nothing. *isdir
 * tells whether to descend. */
static int chown_entry(int fd, const char *name, uid_t uid, gid_t gid,
		       int *isdir)
{
	struct stat st;

	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	*isdir = S_ISDIR(st.st_mode);
	if (st.st_uid == uid && st.st_gid == gid)
		return 0;
	return fchownat(fd, name, uid, gid, AT_SYMLINK_NOFOLLOW);
}

/* Gives every entry below the directory open at fd to uid:gid, never
 * following a link; closes fd. */
static int chown_below(int fd, uid_t uid, gid_t gid)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	int rc = 0, saved = 0;

	if (d == NULL)
		return close_keep_errno(fd);
	while ((errno = 0, de = readdir(d)) != NULL) {
		int sub, isdir = 0;

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (chown_entry(fd, de->d_name, uid, gid, &isdir) < 0) {
			saved = errno;
			rc = -1;
			continue;
		}
		if (!isdir)
			continue;
		sub = openat(fd, de->d_name,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0) {
			if (errno != ENOTDIR && errno != ELOOP &&
			    errno != ENOENT) {
				saved = errno;
				rc = -1;
			}
			continue;
		}
		if (chown_below(sub, uid, gid) < 0) {
			saved = errno;
			rc = -1;
		}
	}
	if (errno != 0) {
		saved = errno;
		rc = -1;
	}
	(void)closedir(d);
	errno = saved;
	return rc;
}

int beneath_chown_tree(int dirfd, const char *path, uid_t uid, gid_t gid)
{
	const char *leaf;
	int fd = beneath_open(dirfd, path, O_RDONLY | O_DIRECTORY, 0), parent;
	struct stat st;

	if (fd >= 0) {
		if (fstat(fd, &st) < 0)
			return close_keep_errno(fd);
		if ((st.st_uid != uid || st.st_gid != gid) &&
		    fchown(fd, uid, gid) < 0)
			return close_keep_errno(fd);
		return chown_below(fd, uid, gid);
	}
	if (errno != ELOOP && errno != ENOTDIR)
		return errno == ENOENT ? 0 : -1;
	/* A link (or a file) in the directory's place: the entry itself,
	 * never what it leads to. */
	parent = beneath_parent(dirfd, path, 0, &leaf);
	if (parent < 0)
		return -1;
	if (fchownat(parent, leaf, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return close_keep_errno(parent);
	(void)close(parent);
	return 0;
}
