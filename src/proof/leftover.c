/*
 * Finding and removing what a killed cleanroom left (leftover.h). Names
 * are parsed strictly - a pid is decimal digits only, in range, with no
 * sign or leading zero - so that no other file is ever taken for a
 * leftover.
 */
#include "leftover.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "beneath.h"
#include "plan.h"
#include "vec.h"

int leftover_scratch_template(char *out, size_t size)
{
	int n = snprintf(out, size, "%s/%s%ld.XXXXXX", LEFTOVER_SCRATCH_DIR,
			 LEFTOVER_SCRATCH_PREFIX, (long)getpid());

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Parses the pid that starts at s. Returns the character after its
 * digits, or NULL when s does not start with one. */
static const char *parse_pid(const char *s, pid_t *pid)
{
	long v = 0;
	const char *p = s;

	if (*p < '1' || *p > '9')
		return NULL;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v > INT_MAX)
			return NULL;
	}
	*pid = (pid_t)v;
	return p;
}

int leftover_is_scratch(const char *name, pid_t *pid)
{
	size_t plen = strlen(LEFTOVER_SCRATCH_PREFIX);
	const char *p;

	if (strncmp(name, LEFTOVER_SCRATCH_PREFIX, plen) != 0)
		return 0;
	p = parse_pid(name + plen, pid);
	/* mkdtemp's six characters follow. */
	return p != NULL && p[0] == '.' && strlen(p + 1) == 6;
}

int leftover_is_lock_temp(const char *name, const char *leaf, pid_t *pid)
{
	size_t llen = strlen(leaf);
	const char *p;

	if (name[0] == '.' && strncmp(name + 1, leaf, llen) == 0)
		name++;
	if (strncmp(name, leaf, llen) != 0 ||
	    strncmp(name + llen, ".tmp.", 5) != 0)
		return 0;
	p = parse_pid(name + llen + 5, pid);
	return p != NULL && *p == '\0';
}

int leftover_owner_gone(pid_t pid)
{
	if (pid == getpid())
		return 1;
	return kill(pid, 0) < 0 && errno == ESRCH;
}

typedef int match_fn(const char *name, const void *arg, pid_t *pid);

/* Removes the entries of the directory open at dfd that match and whose
 * maker is gone; with uid >= 0, only entries of that owner. */
static int sweep(int dfd, match_fn *match, const void *arg, long uid,
		 size_t *removed)
{
	int fd = dup(dfd), saved = 0;
	DIR *d;
	struct dirent *de;

	*removed = 0;
	if (fd < 0)
		return -1;
	d = fdopendir(fd);
	if (d == NULL) {
		saved = errno;
		(void)close(fd);
		errno = saved;
		return -1;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		struct stat st;
		pid_t pid;

		if (!match(de->d_name, arg, &pid) || !leftover_owner_gone(pid))
			continue;
		if (uid >= 0 &&
		    (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		     ((long)st.st_uid != uid &&
		      !(uid == 0 && st.st_uid == PLAN_BUILD_UID))))
			continue;
		if (beneath_remove_tree(dfd, de->d_name) < 0)
			saved = errno;
		else
			(*removed)++;
	}
	if (errno != 0)
		saved = errno;
	(void)closedir(d);
	errno = saved;
	return saved ? -1 : 0;
}

/* sweep, then closes dfd, keeping sweep's errno. */
static int sweep_close(int dfd, match_fn *match, const void *arg, long uid,
		       size_t *removed)
{
	int rc = sweep(dfd, match, arg, uid, removed), saved = errno;

	(void)close(dfd);
	errno = saved;
	return rc;
}

static int match_scratch(const char *name, const void *arg, pid_t *pid)
{
	(void)arg;
	return leftover_is_scratch(name, pid);
}

static int match_lock(const char *name, const void *arg, pid_t *pid)
{
	return leftover_is_lock_temp(name, arg, pid);
}

int leftover_is_state_temp(const char *name, pid_t *pid)
{
	const char *t = strstr(name, ".tmp.");
	char *end;
	long v;

	/* The last ".tmp." in the name, then digits to its end. */
	while (t != NULL && strstr(t + 1, ".tmp.") != NULL)
		t = strstr(t + 1, ".tmp.");
	if (t == NULL || t == name || t[5] < '1' || t[5] > '9')
		return 0;
	errno = 0;
	v = strtol(t + 5, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0 || v > INT_MAX)
		return 0;
	*pid = (pid_t)v;
	return 1;
}

static int match_state(const char *name, const void *arg, pid_t *pid)
{
	(void)arg;
	return leftover_is_state_temp(name, pid);
}

int leftover_sweep_state(int dirfd, const char *dir, size_t *removed)
{
	int dfd = beneath_open(dirfd, dir, O_RDONLY | O_DIRECTORY, 0);

	*removed = 0;
	if (dfd < 0)
		return errno == ENOENT ? 0 : -1;
	return sweep_close(dfd, match_state, NULL, -1, removed);
}

int leftover_sweep_scratch(size_t *removed)
{
	int dfd =
		open(LEFTOVER_SCRATCH_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	*removed = 0;
	if (dfd < 0)
		return -1;
	/* /tmp is shared: another user's directory of that name is not
	 * ours to judge. As root, one of the default build user's is: a
	 * killed run's TMPDIR was handed to it (plan.h). */
	return sweep_close(dfd, match_scratch, NULL, (long)geteuid(), removed);
}

int leftover_sweep_locks(const char *const *roots, size_t nroots,
			 const struct tree_pin *pins, const char *lock_path,
			 size_t *removed)
{
	const char *leaf;
	int dfd = tree_out_parent(roots, nroots, pins, lock_path, 0, &leaf);

	*removed = 0;
	if (dfd < 0)
		return errno == ENOENT ? 0 : -1;
	return sweep_close(dfd, match_lock, leaf, -1, removed);
}

void leftover_temps_free(struct leftover_temp *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		free(v[i].path);
	free(v);
}

int leftover_lock_temps(const char *lock_path, struct leftover_temp **out,
			size_t *n)
{
	const char *slash = strrchr(lock_path, '/');
	const char *leaf = slash ? slash + 1 : lock_path;
	size_t dlen = slash ? (size_t)(slash - lock_path) + 1 : 0, cap = 0;
	char *dir = slash ? strndup(lock_path, dlen) : strdup(".");
	DIR *d;
	struct dirent *de;
	int saved = 0;

	*out = NULL;
	*n = 0;
	if (dir == NULL)
		return -1;
	d = opendir(dir);
	free(dir);
	if (d == NULL)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
	while ((errno = 0, de = readdir(d)) != NULL) {
		pid_t pid;
		char *path;

		if (!leftover_is_lock_temp(de->d_name, leaf, &pid))
			continue;
		if (vec_grow((void **)out, &cap, *n + 1, sizeof **out) < 0)
			goto fail;
		if (asprintf(&path, "%.*s%s", (int)dlen, lock_path,
			     de->d_name) < 0)
			goto fail;
		(*out)[(*n)++] = (struct leftover_temp){
			path, pid, leftover_owner_gone(pid)};
	}
	if (errno == 0) {
		(void)closedir(d);
		return 0;
	}
fail:
	saved = errno ? errno : ENOMEM;
	(void)closedir(d);
	leftover_temps_free(*out, *n);
	*out = NULL;
	*n = 0;
	errno = saved;
	return -1;
}
