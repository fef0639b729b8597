/*
 * The build's control group (cgroup.h has the contract): the choice of
 * where it goes, from the text of /proc/self/cgroup and mountinfo, then
 * the writes that make it, put the build in it, kill what is in it and
 * remove it.
 *
 * The group is a child of the group cleanroom is in, never a group of
 * its own choosing elsewhere: under systemd, Docker or another
 * supervisor, the limits of the surroundings still hold over it. The
 * child joins by writing "0" (itself) to cgroup.procs between fork and
 * exec, before it gives up root, through an fd the parent opened; v1 and
 * v2 both read 0 as the writer (kernel/cgroup/cgroup.c,
 * cgroup_procs_write_start). clone3's CLONE_INTO_CGROUP would save the
 * write on v2, but supervise forks, and the write costs a syscall.
 *
 * A build cannot leave the group or raise its limits: the files are
 * root's (0644), the default build user is not, and a build that keeps
 * uid 0 has no capability and may write only where Landlock lets it (not
 * /sys). Without Landlock, a uid-0 build could write its pid into
 * another group: the sweep then still finds it through the process tree
 * (supervise_procs.c), but the limits no longer bind it.
 */
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "io.h"
#include "kabi.h"

/* ---- the pure part ------------------------------------------------------ */

/* The length of the line at p, without its newline. */
static size_t line_len(const char *p)
{
	const char *nl = strchr(p, '\n');

	return nl ? (size_t)(nl - p) : strlen(p);
}

/* Whether the comma-separated list [p, p+n) holds word. */
static int list_has(const char *p, size_t n, const char *word)
{
	size_t wl = strlen(word);
	const char *end = p + n;

	while (p < end) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		size_t len = c ? (size_t)(c - p) : (size_t)(end - p);

		if (len == wl && memcmp(p, word, wl) == 0)
			return 1;
		p += len + 1;
	}
	return 0;
}

int cgroup_self_path(const char *self_cgroup, const char *controller,
		     char *path, size_t size)
{
	for (const char *p = self_cgroup; p != NULL && *p != '\0';) {
		size_t n = line_len(p);
		const char *c1 = memchr(p, ':', n), *c2;

		if (c1 != NULL &&
		    (c2 = memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - p)))) {
			const char *cs = c1 + 1, *path_at = c2 + 1;
			size_t clen = (size_t)(c2 - cs);
			size_t plen = n - (size_t)(path_at - p);
			int match = controller == NULL
					    ? (clen == 0 && c1 - p == 1 &&
					       p[0] == '0')
					    : list_has(cs, clen, controller);

			/* A path outside this process's cgroup namespace
			 * shows as "/.."; no group can be made there. */
			if (match && plen > 0 && path_at[0] == '/' &&
			    plen < size &&
			    memmem(path_at, plen, "/..", 3) == NULL) {
				memcpy(path, path_at, plen);
				path[plen] = '\0';
				return 0;
			}
			if (match)
				return -1;
		}
		p += n;
		if (*p == '\n')
			p++;
	}
	return -1;
}

/* Copies the mountinfo field [p, p+n) into out, undoing the octal
 * escapes (\040 for a space, \011, \012, \134). Returns 0, or -1 when it
 * does not fit. */
static int unescape(const char *p, size_t n, char *out, size_t size)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		char c = p[i];

		if (c == '\\' && i + 3 < n && p[i + 1] >= '0' &&
		    p[i + 1] <= '3' && p[i + 2] >= '0' && p[i + 2] <= '7' &&
		    p[i + 3] >= '0' && p[i + 3] <= '7') {
			c = (char)((p[i + 1] - '0') * 64 +
				   (p[i + 2] - '0') * 8 + (p[i + 3] - '0'));
			i += 3;
		}
		if (k + 1 >= size)
			return -1;
		out[k++] = c;
	}
	out[k] = '\0';
	return 0;
}

/* The fields of one mountinfo line: up to 16 before the "-", 3 after. */
struct mline {
	const char *f[16];
	size_t len[16], nf;
	const char *fs, *super;
	size_t fslen, superlen;
};

static int split_line(const char *p, size_t n, struct mline *m)
{
	const char *end = p + n;
	int after = 0;
	size_t na = 0;

	memset(m, 0, sizeof *m);
	while (p < end) {
		const char *sp = memchr(p, ' ', (size_t)(end - p));
		size_t len = sp ? (size_t)(sp - p) : (size_t)(end - p);

		if (!after && len == 1 && *p == '-') {
			after = 1;
		} else if (!after) {
			if (m->nf == 16)
				return -1;
			m->f[m->nf] = p;
			m->len[m->nf++] = len;
		} else {
			if (na == 0) {
				m->fs = p;
				m->fslen = len;
			} else if (na == 2) {
				m->super = p;
				m->superlen = len;
			}
			na++;
		}
		p += len + 1;
	}
	return after && na >= 3 && m->nf >= 6 ? 0 : -1;
}

int cgroup_mount_dir(const char *mountinfo, const char *controller,
		     const char *path, char *dir, size_t size, int *ro)
{
	for (const char *p = mountinfo; p != NULL && *p != '\0';) {
		size_t n = line_len(p);
		struct mline m;
		char root[CGROUP_PATH_MAX], mnt[CGROUP_PATH_MAX];
		const char *want = controller ? "cgroup" : "cgroup2";
		size_t rl;

		if (split_line(p, n, &m) == 0 && m.fslen == strlen(want) &&
		    memcmp(m.fs, want, m.fslen) == 0 &&
		    (controller == NULL ||
		     list_has(m.super, m.superlen, controller)) &&
		    unescape(m.f[3], m.len[3], root, sizeof root) == 0 &&
		    unescape(m.f[4], m.len[4], mnt, sizeof mnt) == 0) {
			rl = strlen(root);
			if (strcmp(root, "/") == 0)
				rl = 0;
			if (strncmp(path, root, rl) == 0 &&
			    (path[rl] == '/' || path[rl] == '\0')) {
				const char *rest = path + rl;
				int k;

				if (strcmp(rest, "/") == 0)
					rest = "";
				k = snprintf(dir, size, "%s%s",
					     strcmp(mnt, "/") == 0 && *rest
						     ? ""
						     : mnt,
					     rest);
				if (k < 0 || (size_t)k >= size)
					return -1;
				*ro = list_has(m.f[5], m.len[5], "ro") ||
				      list_has(m.super, m.superlen, "ro");
				return 0;
			}
		}
		p += n;
		if (*p == '\n')
			p++;
	}
	return -1;
}

unsigned cgroup_v2_controllers(const char *text)
{
	unsigned bits = 0;

	for (const char *p = text; p != NULL && *p != '\0';) {
		size_t n = strcspn(p, " \t\n");

		if (n == 4 && memcmp(p, "pids", 4) == 0)
			bits |= CG_PIDS;
		if (n == 6 && memcmp(p, "memory", 6) == 0)
			bits |= CG_MEMORY;
		p += n;
		p += strspn(p, " \t\n");
	}
	return bits;
}

static void add_place(struct cgroup_where *w, int version, unsigned bits,
		      const char *dir)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->place[i].version == version &&
		    strcmp(w->place[i].dir, dir) == 0) {
			w->place[i].controllers |= bits;
			w->controllers |= bits;
			return;
		}
	if (w->n == CGROUP_DIRS_MAX)
		return;
	w->place[w->n].version = version;
	w->place[w->n].controllers = bits;
	(void)snprintf(w->place[w->n].dir, sizeof w->place[w->n].dir, "%s",
		       dir);
	w->n++;
	w->controllers |= bits;
}

void cgroup_choose(const char *self_cgroup, const char *mountinfo,
		   const char *v2_available, int (*writable)(const char *dir),
		   struct cgroup_where *w)
{
	static const struct {
		const char *name;
		unsigned bit;
	} v1[] = {{"pids", CG_PIDS}, {"memory", CG_MEMORY}};
	char path[CGROUP_PATH_MAX], dir[CGROUP_PATH_MAX];
	int ro, err, any = 0, ro_seen = 0, err_seen = 0;

	memset(w, 0, sizeof *w);
	for (size_t i = 0; i < sizeof v1 / sizeof v1[0]; i++) {
		if (cgroup_self_path(self_cgroup, v1[i].name, path,
				     sizeof path) < 0 ||
		    cgroup_mount_dir(mountinfo, v1[i].name, path, dir,
				     sizeof dir, &ro) < 0)
			continue;
		any = 1;
		if (ro) {
			ro_seen = 1;
			continue;
		}
		if ((err = writable(dir)) != 0) {
			err_seen = err;
			continue;
		}
		add_place(w, 1, v1[i].bit, dir);
	}
	if (cgroup_self_path(self_cgroup, NULL, path, sizeof path) == 0 &&
	    cgroup_mount_dir(mountinfo, NULL, path, dir, sizeof dir, &ro) ==
		    0) {
		unsigned use = v2_available
				       ? cgroup_v2_controllers(v2_available) &
						 ~w->controllers
				       : 0;

		any = 1;
		if (ro)
			ro_seen = 1;
		else if ((err = writable(dir)) != 0)
			err_seen = err;
		else if (use != 0 || w->n == 0)
			add_place(w, 2, use, dir);
	}
	if (w->n > 0)
		return;
	if (!any)
		(void)snprintf(w->why, sizeof w->why,
			       "no cgroup hierarchy of this process is "
			       "mounted");
	else if (ro_seen)
		(void)snprintf(w->why, sizeof w->why,
			       "the cgroup filesystem is read-only");
	else
		(void)snprintf(w->why, sizeof w->why,
			       "the cgroup directories are not writable (%s)",
			       strerror(err_seen));
}

static int names(char *b, size_t size, unsigned bits)
{
	return snprintf(b, size, "%s%s%s", bits & CG_PIDS ? "pids" : "",
			(bits & CG_PIDS) && (bits & CG_MEMORY) ? ", " : "",
			bits & CG_MEMORY ? "memory" : "");
}

void cgroup_describe(const struct cgroup_where *w, char *buf, size_t size)
{
	unsigned b1 = 0, b2 = 0;
	int has1 = 0, has2 = 0;
	char n1[32], n2[32];

	for (size_t i = 0; i < w->n; i++) {
		if (w->place[i].version == 1) {
			has1 = 1;
			b1 |= w->place[i].controllers;
		} else {
			has2 = 1;
			b2 |= w->place[i].controllers;
		}
	}
	(void)names(n1, sizeof n1, b1);
	(void)names(n2, sizeof n2, b2);
	if (!has1 && !has2)
		(void)snprintf(buf, size,
			       "no writable cgroup: per-process rlimits only");
	else if (has1 && has2 && b2 != 0)
		(void)snprintf(buf, size, "cgroup v1 (%s) + v2 (%s)", n1, n2);
	else if (has1)
		(void)snprintf(buf, size, "cgroup v1 (%s)", n1);
	else
		(void)snprintf(buf, size, "cgroup v2 (%s)",
			       b2 ? n2 : "no controllers");
}

/* ---- the kernel ------------------------------------------------------- */

static int access_w(const char *dir)
{
	return access(dir, W_OK) == 0 ? 0 : errno;
}

void cgroup_probe(struct cgroup_where *w)
{
	struct buf self = {0}, mi = {0}, sub = {0};
	char path[CGROUP_PATH_MAX], dir[CGROUP_PATH_MAX + 32];
	int ro;

	if (io_read_file("/proc/self/cgroup", 1u << 20, &self) < 0 ||
	    io_read_file("/proc/self/mountinfo", 16u << 20, &mi) < 0) {
		memset(w, 0, sizeof *w);
		(void)snprintf(w->why, sizeof w->why,
			       "/proc/self/cgroup or mountinfo unreadable "
			       "(%s)",
			       strerror(errno));
		goto out;
	}
	if (cgroup_self_path(self.p, NULL, path, sizeof path) == 0 &&
	    cgroup_mount_dir(mi.p, NULL, path, dir, CGROUP_PATH_MAX, &ro) ==
		    0) {
		size_t l = strlen(dir);

		(void)snprintf(dir + l, sizeof dir - l,
			       "/cgroup.subtree_control");
		if (io_read_file(dir, 4096, &sub) < 0)
			buf_free(&sub);
	}
	cgroup_choose(self.p, mi.p, sub.p ? sub.p : NULL, access_w, w);
out:
	buf_free(&self);
	buf_free(&mi);
	buf_free(&sub);
}

/* Writes the string s to dir/file. Returns 0 or an errno. */
static int put(const char *dir, const char *file, const char *s)
{
	char p[CGROUP_PATH_MAX + 64];
	int fd, err = 0;

	(void)snprintf(p, sizeof p, "%s/%s", dir, file);
	fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (io_write_all(fd, s, strlen(s)) < 0)
		err = errno;
	(void)close(fd);
	return err;
}

/* The pids listed in dir/cgroup.procs, into *v (malloc'd, the caller's
 * to free). Returns how many, or -1. */
static long list_procs(const char *dir, pid_t **v)
{
	char p[CGROUP_PATH_MAX + 32];
	struct buf b = {0};
	size_t n = 0, cap = 0;

	*v = NULL;
	(void)snprintf(p, sizeof p, "%s/cgroup.procs", dir);
	if (io_read_file(p, 64u << 20, &b) < 0)
		return -1;
	for (const char *s = b.p; s != NULL && *s != '\0';) {
		char *end;
		long pid = strtol(s, &end, 10);

		if (end == s)
			break;
		s = end;
		while (*s == '\n' || *s == ' ')
			s++;
		if (pid <= 0 || pid > INT_MAX)
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			pid_t *nv = realloc(*v, nc * sizeof **v);

			if (nv == NULL)
				break;
			*v = nv;
			cap = nc;
		}
		(*v)[n++] = (pid_t)pid;
	}
	buf_free(&b);
	return (long)n;
}

static int listed(const pid_t *v, long n, pid_t pid)
{
	for (long i = 0; i < n; i++)
		if (v[i] == pid)
			return 1;
	return 0;
}

/* 1 when pid is a zombie (or gone): nothing to kill. */
static int dead(pid_t pid)
{
	char p[64], b[512];
	const char *r;
	ssize_t n;
	int fd;

	(void)snprintf(p, sizeof p, "/proc/%d/stat", (int)pid);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	n = read(fd, b, sizeof b - 1);
	(void)close(fd);
	if (n <= 0)
		return 1;
	b[n] = '\0';
	r = strrchr(b, ')');
	return r == NULL || r[1] != ' ' || r[2] == 'Z' || r[2] == 'X';
}

/* One round over the group at dir: lists it, pins each member with a
 * pidfd, lists it again and kills the pinned members still listed (a pid
 * listed twice around its pinning is the same process, or a new member).
 * Returns the live members of the first listing but skip. */
static size_t kill_dir(const char *dir, int kill_fd, pid_t skip)
{
	pid_t *a = NULL, *b = NULL;
	int *fds = NULL;
	long na, nb;
	size_t live = 0;

	if (kill_fd >= 0)
		(void)io_write_all(kill_fd, "1", 1);
	na = list_procs(dir, &a);
	if (na <= 0)
		goto out;
	fds = malloc((size_t)na * sizeof *fds);
	if (fds == NULL)
		goto out;
	for (long i = 0; i < na; i++) {
		fds[i] = (int)syscall(__NR_pidfd_open, a[i], 0);
		if (a[i] != skip && !dead(a[i]))
			live++;
	}
	nb = list_procs(dir, &b);
	for (long i = 0; i < na; i++) {
		if (listed(b, nb, a[i])) {
			if (fds[i] >= 0)
				(void)syscall(__NR_pidfd_send_signal, fds[i],
					      SIGKILL, NULL, 0);
			else if (errno == ENOSYS)
				(void)kill(a[i], SIGKILL); /* before 5.3 */
		}
		if (fds[i] >= 0)
			(void)close(fds[i]);
	}
out:
	free(fds);
	free(a);
	free(b);
	return live;
}

size_t cgroup_kill_round(const struct cgroup *cg, pid_t skip)
{
	if (cg->n == 0)
		return 0;
	/* Every group holds the same processes: one is enough, the one
	 * with cgroup.kill if any. */
	for (size_t i = 0; i < cg->n; i++)
		if (cg->d[i].kill_fd >= 0)
			return kill_dir(cg->d[i].path, cg->d[i].kill_fd, skip);
	return kill_dir(cg->d[0].path, -1, skip);
}

static void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* rmdir, retrying for a while on EBUSY: a task that was just killed is
 * counted in the group until the kernel has finished its exit. */
static int remove_dir(const char *path)
{
	for (int i = 0; i < 200; i++) {
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -1;
		nap_ms(10);
	}
	return -1;
}

/* 1 when the group of pid is stale: no such process, or this one. */
static int owner_gone(pid_t pid)
{
	return pid == getpid() || (kill(pid, 0) < 0 && errno == ESRCH);
}

int cgroup_sweep_stale(const struct cgroup_where *w, size_t *groups,
		       size_t *killed)
{
	int rc = 0;

	*groups = 0;
	*killed = 0;
	for (size_t i = 0; i < w->n; i++) {
		DIR *d = opendir(w->place[i].dir);
		const struct dirent *de;
		size_t plen = strlen(CGROUP_PREFIX);

		if (d == NULL) {
			rc = -1;
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			char path[CGROUP_PATH_MAX + 64], *end;
			long pid;
			int kfd = -1;

			if (strncmp(de->d_name, CGROUP_PREFIX, plen) != 0)
				continue;
			pid = strtol(de->d_name + plen, &end, 10);
			if (end == de->d_name + plen || *end != '\0' ||
			    pid <= 0 || pid > INT_MAX ||
			    !owner_gone((pid_t)pid))
				continue;
			(void)snprintf(path, sizeof path, "%s/%s",
				       w->place[i].dir, de->d_name);
			if (w->place[i].version == 2) {
				char kp[sizeof path + 16];

				(void)snprintf(kp, sizeof kp, "%s/cgroup.kill",
					       path);
				kfd = open(kp, O_WRONLY | O_CLOEXEC);
			}
			for (int round = 0; round < 500; round++) {
				size_t live = kill_dir(path, kfd, 0);

				if (round == 0)
					*killed += live;
				if (live == 0)
					break;
				nap_ms(10);
			}
			if (kfd >= 0)
				(void)close(kfd);
			if (remove_dir(path) == 0)
				(*groups)++;
		}
		(void)closedir(d);
	}
	return rc;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
	*fd = -1;
}

int cgroup_create(const struct cgroup_where *w, int64_t memory,
		  int64_t processes, struct cgroup *cg, struct err *e)
{
	char num[32];
	int err = 0;
	size_t at = 0;
	const char *what = "";

	memset(cg, 0, sizeof *cg);
	cg->memory = -1;
	cg->processes = -1;
	for (size_t i = 0; i < w->n; i++) {
		const struct cgroup_place *pl = &w->place[i];
		char p[CGROUP_PATH_MAX + 64];
		int v1 = pl->version == 1;

		at = i;
		cg->d[i].procs_fd = -1;
		cg->d[i].kill_fd = -1;
		cg->d[i].version = pl->version;
		if (snprintf(cg->d[i].path, sizeof cg->d[i].path, "%s/%s%ld",
			     pl->dir, CGROUP_PREFIX,
			     (long)getpid()) >= (int)sizeof cg->d[i].path) {
			err = ENAMETOOLONG;
			what = "its path";
			goto fail;
		}
		if (mkdir(cg->d[i].path, 0755) < 0) {
			err = errno;
			what = "mkdir";
			goto fail;
		}
		cg->n = i + 1;
		if ((pl->controllers & CG_MEMORY) && memory >= 0) {
			(void)snprintf(num, sizeof num, "%lld",
				       (long long)memory);
			what = v1 ? "memory.limit_in_bytes" : "memory.max";
			if ((err = put(cg->d[i].path, what, num)) != 0)
				goto fail;
			/* Swap counts too: a limit that could spill into
			 * swap would only slow the machine down. The file
			 * is absent where swap is not accounted. */
			what = v1 ? "memory.memsw.limit_in_bytes"
				  : "memory.swap.max";
			err = put(cg->d[i].path, what, v1 ? num : "0");
			if (err != 0 && err != ENOENT)
				goto fail;
			/* v2: one OOM kill ends the whole build, rather
			 * than leave it half killed. */
			if (!v1 &&
			    (err = put(cg->d[i].path, "memory.oom.group",
				       "1")) != 0 &&
			    err != ENOENT) {
				what = "memory.oom.group";
				goto fail;
			}
			cg->d[i].controllers |= CG_MEMORY;
			cg->limited |= CG_MEMORY;
			cg->memory = memory;
		}
		if ((pl->controllers & CG_PIDS) && processes >= 0) {
			(void)snprintf(num, sizeof num, "%lld",
				       (long long)processes);
			what = "pids.max";
			if ((err = put(cg->d[i].path, what, num)) != 0)
				goto fail;
			cg->d[i].controllers |= CG_PIDS;
			cg->limited |= CG_PIDS;
			cg->processes = processes;
		}
		(void)snprintf(p, sizeof p, "%s/cgroup.procs", cg->d[i].path);
		cg->d[i].procs_fd = open(p, O_WRONLY | O_CLOEXEC);
		if (cg->d[i].procs_fd < 0) {
			err = errno;
			what = "cgroup.procs";
			goto fail;
		}
		if (!v1) {
			(void)snprintf(p, sizeof p, "%s/cgroup.kill",
				       cg->d[i].path);
			cg->d[i].kill_fd = open(p, O_WRONLY | O_CLOEXEC);
		}
	}
	return 0;
fail : {
	char path[CGROUP_PATH_MAX];

	(void)snprintf(path, sizeof path, "%s", cg->d[at].path);
	(void)cgroup_destroy(cg);
	return err_sys(e, err, "cgroup %s: %s", path, what);
}
}

int cgroup_enter(const struct cgroup *cg)
{
	for (size_t i = 0; i < cg->n; i++) {
		ssize_t n;

		do
			n = write(cg->d[i].procs_fd, "0", 1);
		while (n < 0 && errno == EINTR);
		if (n != 1)
			return n < 0 ? errno : EIO;
	}
	return 0;
}

void cgroup_close_join(struct cgroup *cg)
{
	for (size_t i = 0; i < cg->n; i++)
		close_fd(&cg->d[i].procs_fd);
}

/* The number after "key " on a line of dir/file, or -1. */
static long event(const char *dir, const char *file, const char *key)
{
	char p[CGROUP_PATH_MAX + 64];
	struct buf b = {0};
	size_t kl = strlen(key);
	long v = -1;

	(void)snprintf(p, sizeof p, "%s/%s", dir, file);
	if (io_read_file(p, 1u << 16, &b) < 0)
		return -1;
	for (const char *s = b.p; s != NULL && *s != '\0';) {
		size_t n = line_len(s);

		if (n > kl && memcmp(s, key, kl) == 0 && s[kl] == ' ') {
			v = strtol(s + kl + 1, NULL, 10);
			break;
		}
		s += n;
		if (*s == '\n')
			s++;
	}
	buf_free(&b);
	return v;
}

void cgroup_events(const struct cgroup *cg, long *oom_kills, long *fork_refused)
{
	*oom_kills = -1;
	*fork_refused = -1;
	for (size_t i = 0; i < cg->n; i++) {
		const char *d = cg->d[i].path;

		if (cg->d[i].controllers & CG_MEMORY)
			*oom_kills = event(d,
					   cg->d[i].version == 1
						   ? "memory.oom_control"
						   : "memory.events",
					   "oom_kill");
		if (cg->d[i].controllers & CG_PIDS)
			*fork_refused = event(d, "pids.events", "max");
	}
}

int cgroup_destroy(struct cgroup *cg)
{
	int rc = 0, saved = 0;

	for (size_t i = cg->n; i-- > 0;) {
		close_fd(&cg->d[i].procs_fd);
		close_fd(&cg->d[i].kill_fd);
		if (remove_dir(cg->d[i].path) < 0 && rc == 0) {
			rc = -1;
			saved = errno;
		}
	}
	cg->n = 0;
	errno = saved;
	return rc;
}
