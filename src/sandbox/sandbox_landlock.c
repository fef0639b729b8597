/*
 * The filesystem layer: Landlock (Documentation/userspace-api/landlock.rst),
 * called through raw system calls because libc has no wrappers, with the
 * constants of ABI 1 to 7 defined here because the build's uapi headers
 * (Debian's, from Linux 6.1) stop at ABI 2. The ruleset is built in the
 * parent, with cleanroom's own identity and before anything irreversible;
 * the child only calls landlock_restrict_self on the inherited fd.
 *
 * What the build may do: read and execute everything except the env
 * files and /dev; write, create, remove, rename and truncate beneath the
 * writable paths; read and write the harmless character devices, which
 * are all it may open in /dev (by entry: see devices[]). Landlock rules
 * only ever grant, beneath a directory, so an exception cannot be carved
 * out of a granted tree: instead, along the path to each env file, every
 * directory gets READ_DIR (it stays listable) and each of its entries but
 * the next component of the path gets the read rights beneath it. The env
 * file itself is granted nothing. Because REFER (moving a file to another
 * directory) is granted only beneath the writable paths, linking or
 * renaming the env file into a writable (hence readable) directory is
 * refused: the destination would grant more than the source
 * (security/landlock/fs.c, current_check_refer_path).
 *
 * Limits of the method, by design of Landlock: rules attach to inodes, so
 * a second path to the env file that does not pass through the directories
 * above (another bind mount of the same directory, a hard link made before
 * cleanroom ran) is not covered; and entries created after the ruleset
 * was built in a directory on the path to an env file are not readable.
 * Likewise a device node outside /dev (another mount of devtmpfs, a node
 * left in the image by an earlier step) is read-granted like any file:
 * the build itself cannot make one (MAKE_CHAR and MAKE_BLOCK are never
 * granted, and its capabilities are dropped).
 */
#include "sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule	     445
#define __NR_landlock_restrict_self  446
#endif

/* Access rights (include/uapi/linux/landlock.h), with the ABI that
 * introduced each. */
#define FS_EXECUTE     (1ULL << 0)
#define FS_WRITE_FILE  (1ULL << 1)
#define FS_READ_FILE   (1ULL << 2)
#define FS_READ_DIR    (1ULL << 3)
#define FS_REMOVE_DIR  (1ULL << 4)
#define FS_REMOVE_FILE (1ULL << 5)
#define FS_MAKE_CHAR   (1ULL << 6)
#define FS_MAKE_DIR    (1ULL << 7)
#define FS_MAKE_REG    (1ULL << 8)
#define FS_MAKE_SOCK   (1ULL << 9)
#define FS_MAKE_FIFO   (1ULL << 10)
#define FS_MAKE_BLOCK  (1ULL << 11)
#define FS_MAKE_SYM    (1ULL << 12)
#define FS_REFER       (1ULL << 13) /* ABI 2 */
#define FS_TRUNCATE    (1ULL << 14) /* ABI 3 */
#define FS_IOCTL_DEV   (1ULL << 15) /* ABI 5 */
#define FS_ABI1	       ((1ULL << 13) - 1)

#define NET_BIND_TCP	(1ULL << 0) /* ABI 4 */
#define NET_CONNECT_TCP (1ULL << 1)

#define SCOPE_ABSTRACT_UNIX (1ULL << 0) /* ABI 6 */
#define SCOPE_SIGNAL	    (1ULL << 1)

#define CREATE_RULESET_VERSION (1U << 0)
#define RULE_PATH_BENEATH      1

/* Rights that apply to a file that is not a directory; the kernel refuses
 * a rule on such a file with any other right (EINVAL). */
#define FS_FILE_RIGHTS                                                         \
	(FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV)
#define FS_READ (FS_EXECUTE | FS_READ_FILE | FS_READ_DIR)
#define FS_WRITE                                                               \
	(FS_READ | FS_WRITE_FILE | FS_REMOVE_DIR | FS_REMOVE_FILE |            \
	 FS_MAKE_DIR | FS_MAKE_REG | FS_MAKE_SOCK | FS_MAKE_FIFO |             \
	 FS_MAKE_SYM | FS_REFER | FS_TRUNCATE)
#define FS_DEVICE (FS_READ_FILE | FS_WRITE_FILE | FS_TRUNCATE | FS_IOCTL_DEV)

/* The kernel accepts a larger struct than it knows when the extra bytes
 * are zero, so one struct serves every ABI. */
struct ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net; /* ABI 4 */
	uint64_t scoped;	     /* ABI 6 */
};

struct path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

/*
 * The entries of /dev the build may open, by name, read-write: writing to
 * them is harmless (null, zero, full discard; random and urandom mix the
 * bytes in without crediting entropy, which takes CAP_SYS_ADMIN). Each
 * gets READ_FILE and WRITE_FILE (every ABI), TRUNCATE (ABI 3: a shell's
 * `> /dev/null` opens with O_TRUNC) and IOCTL_DEV (ABI 5: isatty's
 * TCGETS answers ENOTTY rather than EACCES; what else they answer needs
 * CAP_SYS_ADMIN). fd, stdin, stdout and stderr are symlinks into
 * /proc/self/fd: following a link needs no right, and what it leads to
 * (the build's own pipes, /proc) is checked where it is, so they need no
 * rule. Not here: tty (no controlling terminal after setsid, and it
 * would be the caller's with one), console, ptmx and /dev/pts (a
 * terminal's keystrokes), kmsg, mem, port, block devices, and /dev/shm:
 * none of the four example builds, nor npm, pip or bundler, opens it
 * (POSIX semaphores of Python's multiprocessing do: they fail with
 * EACCES), and on the host it is shared with every other process.
 */
static const char *const devices[] = {
	"null", "zero", "full", "random", "urandom",
};
#define NDEVICES (sizeof devices / sizeof devices[0])

const char *sandbox_landlock_devices(void)
{
	return "null, zero, full, random, urandom";
}

int sandbox_landlock_abi(int *errnum)
{
	long v = syscall(__NR_landlock_create_ruleset, NULL, 0,
			 CREATE_RULESET_VERSION);

	if (v < 0) {
		*errnum = errno;
		return 0;
	}
	*errnum = 0;
	return (int)v;
}

static uint64_t handled_fs(int abi)
{
	uint64_t fs = FS_ABI1;

	if (abi >= 2)
		fs |= FS_REFER;
	if (abi >= 3)
		fs |= FS_TRUNCATE;
	if (abi >= 5)
		fs |= FS_IOCTL_DEV;
	return fs;
}

const char *sandbox_landlock_covers(int abi, int deny_network)
{
	return deny_network && abi >= 4 ? "fs+tcp" : "fs";
}

int sandbox_landlock_restrict(int fd)
{
	if (syscall(__NR_landlock_restrict_self, fd, 0) < 0)
		return errno;
	return 0;
}

int sandbox_landlock_trial(void)
{
	struct ruleset_attr attr = {.handled_access_fs = FS_MAKE_BLOCK};
	int fd = (int)syscall(__NR_landlock_create_ruleset, &attr,
			      sizeof attr.handled_access_fs, 0);
	int rc;

	if (fd < 0)
		return errno;
	rc = sandbox_landlock_restrict(fd);
	(void)close(fd);
	return rc;
}

struct builder {
	int ruleset;
	uint64_t handled;
	char **hidden; /* canonical paths of the files to hide */
	size_t nhidden;
	/* The canonical path of /dev, granted by entry (devices[]); NULL
	 * when there is none. */
	char *devdir;
	size_t ndevices; /* devices granted */
	struct err *e;
};

/* Adds one rule beneath fd, keeping only the rights the ruleset handles
 * and that apply to the file's type. */
static int add_rule(struct builder *b, int fd, uint64_t rights, int is_dir,
		    const char *what)
{
	struct path_beneath_attr pb = {0};

	pb.allowed_access = rights & b->handled;
	if (!is_dir)
		pb.allowed_access &= FS_FILE_RIGHTS;
	pb.parent_fd = fd;
	if (pb.allowed_access == 0)
		return 0;
	if (syscall(__NR_landlock_add_rule, b->ruleset, RULE_PATH_BENEATH, &pb,
		    0) < 0) {
		/* Internal filesystems (nsfs, pipefs) cannot carry rules;
		 * they are not reached by path anyway. */
		if (errno == EBADFD)
			return 0;
		return err_sys(b->e, errno, "landlock: rule for %s", what);
	}
	return 0;
}

/* Where path (canonical) lies relative to dir (canonical): NULL when not
 * beneath it, else the rest after "dir/". */
static const char *beneath(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return path + 1;
	if (strncmp(path, dir, n) != 0 || path[n] != '/')
		return NULL;
	return path + n + 1;
}

/* Does an env file lie at name, or below it, in dir? 2: it is the file
 * itself (or a hidden directory), 1: it is below name, 0: neither. */
static int hidden_at(const struct builder *b, const char *dir, const char *name)
{
	size_t len = strlen(name);
	int found = 0;

	if (b->devdir != NULL) {
		const char *rest = beneath(b->devdir, dir);

		if (rest != NULL && strncmp(rest, name, len) == 0 &&
		    (rest[len] == '\0' || rest[len] == '/'))
			found = 1;
	}
	for (size_t i = 0; i < b->nhidden; i++) {
		const char *rest = beneath(b->hidden[i], dir);

		if (rest == NULL || strncmp(rest, name, len) != 0)
			continue;
		if (rest[len] == '\0')
			return 2;
		if (rest[len] == '/')
			found = 1;
	}
	return found;
}

static int has_hidden_below(const struct builder *b, const char *dir)
{
	if (b->devdir != NULL && beneath(b->devdir, dir) != NULL)
		return 1;
	for (size_t i = 0; i < b->nhidden; i++)
		if (beneath(b->hidden[i], dir) != NULL)
			return 1;
	return 0;
}

/* /dev, open as dirfd: a rule on each allowed device that is there and
 * is a character device, nothing else. */
static int grant_devices(struct builder *b, int dirfd)
{
	for (size_t i = 0; i < NDEVICES; i++) {
		struct stat sb;
		int fd = openat(dirfd, devices[i],
				O_PATH | O_NOFOLLOW | O_CLOEXEC);
		int rc = 0;

		if (fd < 0) {
			if (errno == ENOENT || errno == ELOOP)
				continue;
			return err_sys(b->e, errno, "landlock: %s/%s",
				       b->devdir, devices[i]);
		}
		if (fstat(fd, &sb) < 0)
			rc = err_sys(b->e, errno, "landlock: %s/%s", b->devdir,
				     devices[i]);
		else if (S_ISCHR(sb.st_mode)) {
			rc = add_rule(b, fd, FS_DEVICE, 0, devices[i]);
			b->ndevices += rc == 0;
		}
		(void)close(fd);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Grants read beneath the directory dirfd (at canonical path dir), except
 * the env files below it and /dev, which gets its devices alone. */
static int grant_read(struct builder *b, int dirfd, const char *dir)
{
	DIR *d;
	struct dirent *de;
	int lfd, rc = 0;

	if (b->devdir != NULL && strcmp(dir, b->devdir) == 0)
		return grant_devices(b, dirfd);
	if (!has_hidden_below(b, dir))
		return add_rule(b, dirfd, FS_READ, 1, dir);
	if (add_rule(b, dirfd, FS_READ_DIR, 1, dir) < 0)
		return -1;
	lfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lfd < 0)
		return err_sys(b->e, errno, "landlock: listing %s", dir);
	d = fdopendir(lfd);
	if (d == NULL) {
		(void)close(lfd);
		return err_sys(b->e, errno, "landlock: listing %s", dir);
	}
	while (rc == 0 && (errno = 0, de = readdir(d)) != NULL) {
		const char *name = de->d_name;
		int at, fd;
		struct stat sb;
		char sub[PATH_MAX];

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		at = hidden_at(b, dir, name);
		if (at == 2)
			continue;
		fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT) /* gone since readdir */
				continue;
			rc = err_sys(b->e, errno, "landlock: %s/%s", dir, name);
			break;
		}
		if (fstat(fd, &sb) < 0) {
			rc = err_sys(b->e, errno, "landlock: %s/%s", dir, name);
		} else if (S_ISLNK(sb.st_mode)) {
			/* A symlink grants nothing: what it points to is
			 * checked when it is followed. Granting its target
			 * here could reach an env file. */
		} else if (at == 1) {
			if ((size_t)snprintf(sub, sizeof sub, "%s%s%s", dir,
					     strcmp(dir, "/") ? "/" : "",
					     name) >= sizeof sub)
				rc = err_set(b->e, ERR_SYSTEM, NULL, 0, 0,
					     "landlock: path too long: %s",
					     dir);
			else
				rc = grant_read(b, fd, sub);
		} else {
			rc = add_rule(b, fd, FS_READ, S_ISDIR(sb.st_mode),
				      name);
		}
		(void)close(fd);
	}
	if (rc == 0 && de == NULL && errno != 0)
		rc = err_sys(b->e, errno, "landlock: listing %s", dir);
	(void)closedir(d);
	return rc;
}

static int add_path(struct builder *b, const char *path, uint64_t rights,
		    int missing_ok)
{
	struct stat sb;
	int fd = open(path, O_PATH | O_CLOEXEC);
	int rc;

	if (fd < 0) {
		if (missing_ok && errno == ENOENT)
			return 0;
		return err_sys(b->e, errno, "landlock: %s", path);
	}
	if (fstat(fd, &sb) < 0)
		rc = err_sys(b->e, errno, "landlock: %s", path);
	else
		rc = add_rule(b, fd, rights, S_ISDIR(sb.st_mode), path);
	(void)close(fd);
	return rc;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Canonical paths of the env files that exist; an env file inside a
 * writable path cannot be hidden (the writable tree is granted read). */
static int canonical_hidden(const struct sandbox_plan *p, struct builder *b,
			    struct err *e)
{
	b->hidden = calloc(p->nhidden + 1, sizeof *b->hidden);
	if (b->hidden == NULL)
		return err_sys(e, ENOMEM, "landlock");
	for (size_t i = 0; i < p->nhidden; i++) {
		char *c = realpath(p->hidden[i], NULL);

		if (c == NULL) {
			if (errno == ENOENT)
				continue;
			return err_sys(e, errno, "landlock: env file %s",
				       p->hidden[i]);
		}
		b->hidden[b->nhidden++] = c;
		for (size_t w = 0; w < p->nwritable; w++) {
			char wc[PATH_MAX];

			if (realpath(p->writable[w], wc) == NULL)
				return err_sys(e, errno,
					       "landlock: writable path %s",
					       p->writable[w]);
			if (strcmp(c, wc) != 0 && beneath(c, wc) == NULL)
				continue;
			err_set(e, ERR_CONFIG, NULL, 0, 0,
				"the env file %s is inside the writable path "
				"%s: the build could read it",
				p->hidden[i], p->writable[w]);
			err_hint(e, "keep env files out of the outputs and "
				    "writable dirs, or narrow --allow-write");
			return -1;
		}
	}
	return 0;
}

int sandbox_landlock_ruleset(const struct sandbox_plan *p, int abi, int *fd,
			     struct err *e)
{
	struct ruleset_attr attr = {0};
	struct builder b = {.ruleset = -1, .e = e};
	int root = -1, rc = -1;

	*fd = -1;
	attr.handled_access_fs = handled_fs(abi);
	/* No rule grants TCP: with the network denied every bind and
	 * connect is refused (EACCES), besides seccomp's socket check. */
	if (abi >= 4 && p->deny_network)
		attr.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP;
	/* Signals to processes outside the build's domain are refused, so
	 * the build cannot kill cleanroom (which enforces the timeout) or
	 * anything else in the container; abstract unix sockets bound
	 * outside (a desktop's bus, X11) are unreachable with the network
	 * denied. */
	if (abi >= 6)
		attr.scoped = SCOPE_SIGNAL |
			      (p->deny_network ? SCOPE_ABSTRACT_UNIX : 0);
	b.handled = attr.handled_access_fs;
	if (canonical_hidden(p, &b, e) < 0)
		goto out;
	/* /dev as it resolves (a link to a tmpfs is followed once, here,
	 * by cleanroom); none: nothing to grant there. */
	b.devdir = realpath("/dev", NULL);
	if (b.devdir == NULL && errno != ENOENT) {
		err_sys(e, errno, "landlock: /dev");
		goto out;
	}
	if (b.devdir != NULL && strcmp(b.devdir, "/") == 0) {
		free(b.devdir);
		b.devdir = NULL;
	}
	b.ruleset = (int)syscall(__NR_landlock_create_ruleset, &attr,
				 sizeof attr, 0);
	if (b.ruleset < 0) {
		err_sys(e, errno, "landlock: creating the ruleset");
		goto out;
	}
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) {
		err_sys(e, errno, "landlock: /");
		goto out;
	}
	if (grant_read(&b, root, "/") < 0)
		goto out;
	for (size_t i = 0; i < p->nwritable; i++)
		if (add_path(&b, p->writable[i], FS_WRITE, 0) < 0)
			goto out;
	*fd = b.ruleset;
	b.ruleset = -1;
	rc = 0;
out:
	if (root >= 0)
		(void)close(root);
	if (b.ruleset >= 0)
		(void)close(b.ruleset);
	free_list(b.hidden, b.nhidden);
	free(b.devdir);
	return rc;
}
