/*
 * Resource limits and the file descriptors the build inherits. The
 * rlimits are computed in the parent (clamped to the hard limits this
 * process has, since raising a hard limit needs CAP_SYS_RESOURCE) and set
 * in the child with soft and hard equal, so the build cannot raise them
 * back. Closing the fds runs in the child and must not allocate:
 * close_range(2) when the kernel and the container allow it, else a walk
 * of /proc/self/fd with getdents64 into a stack buffer, else a loop up to
 * RLIMIT_NOFILE.
 *
 * RLIMIT_NPROC counts the processes of the build's real uid across the
 * whole system, and the kernel does not enforce it for uid 0 at all
 * (kernel/fork.c, copy_process: the check is skipped for INIT_USER, and
 * for CAP_SYS_RESOURCE or CAP_SYS_ADMIN). A processes limit therefore
 * only holds when the build runs as another user (`user:`); the status
 * says so when it does not.
 */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kabi.h"

/* The grace between RLIMIT_CPU's soft limit (SIGXCPU, which a build may
 * catch to say what it was doing) and its hard limit (SIGKILL). */
#define CPU_GRACE_S 5

static void add(struct sandbox_rlimit *out, size_t *n, int resource,
		rlim_t value, rlim_t hard_extra)
{
	struct rlimit cur;
	rlim_t soft = value, hard = value + hard_extra;

	if (getrlimit(resource, &cur) == 0 && cur.rlim_max != RLIM_INFINITY) {
		if (hard > cur.rlim_max)
			hard = cur.rlim_max;
		if (soft > hard)
			soft = hard;
	}
	out[*n].resource = resource;
	out[*n].lim.rlim_cur = soft;
	out[*n].lim.rlim_max = hard;
	(*n)++;
}

size_t sandbox_limits_plan(const struct spec_limits *l,
			   struct sandbox_rlimit out[SANDBOX_RLIMITS_MAX])
{
	size_t n = 0;

	/* No core files: a crashing build would write its memory, with
	 * the secrets it was given, into the working tree. */
	add(out, &n, RLIMIT_CORE, 0, 0);
	if (l->cpu_ms >= 0)
		add(out, &n, RLIMIT_CPU, (rlim_t)((l->cpu_ms + 999) / 1000),
		    CPU_GRACE_S);
	if (l->memory >= 0)
		add(out, &n, RLIMIT_AS, (rlim_t)l->memory, 0);
	if (l->files >= 0)
		add(out, &n, RLIMIT_NOFILE, (rlim_t)l->files, 0);
	if (l->processes >= 0)
		add(out, &n, RLIMIT_NPROC, (rlim_t)l->processes, 0);
	if (l->file_size >= 0)
		add(out, &n, RLIMIT_FSIZE, (rlim_t)l->file_size, 0);
	return n;
}

int sandbox_limits_apply(const struct sandbox_rlimit *v, size_t n,
			 size_t *failed)
{
	for (size_t i = 0; i < n; i++) {
		/* prlimit64 for this task, not musl's setrlimit: that one
		 * applies the limit to every thread through __synccall, which
		 * a vclone child sharing the parent's memory must not run. */
		if (syscall(SYS_prlimit64, 0, v[i].resource, &v[i].lim, NULL) <
		    0) {
			*failed = i;
			return errno;
		}
	}
	return 0;
}

const char *sandbox_rlimit_name(int resource)
{
	switch (resource) {
	case RLIMIT_CORE: return "RLIMIT_CORE";
	case RLIMIT_CPU: return "RLIMIT_CPU";
	case RLIMIT_AS: return "RLIMIT_AS";
	case RLIMIT_NOFILE: return "RLIMIT_NOFILE";
	case RLIMIT_NPROC: return "RLIMIT_NPROC";
	case RLIMIT_FSIZE: return "RLIMIT_FSIZE";
	default: return "rlimit";
	}
}

static int kept(int fd, const int *keep, size_t nkeep)
{
	for (size_t i = 0; i < nkeep; i++)
		if (keep[i] == fd)
			return 1;
	return 0;
}

/* close_range over [3, ~0] minus the kept fds. */
static int close_ranges(const int *keep, size_t nkeep)
{
	unsigned lo = 3;

	for (;;) {
		unsigned next = ~0U; /* the smallest kept fd >= lo */

		for (size_t i = 0; i < nkeep; i++)
			if (keep[i] >= (int)lo && (unsigned)keep[i] < next)
				next = (unsigned)keep[i];
		if (next == ~0U)
			return syscall(__NR_close_range, lo, ~0U, 0) < 0 ? errno
									 : 0;
		if (next > lo && syscall(__NR_close_range, lo, next - 1, 0) < 0)
			return errno;
		lo = next + 1;
	}
}

/* One pass over /proc/self/fd. Returns how many fds it closed, or -errno
 * when /proc cannot be read. */
static int close_proc_pass(const int *keep, size_t nkeep)
{
	/* Aligned for the records the kernel writes into it. */
	_Alignas(8) char buf[4096];
	int dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int closed = 0;
	long n;

	if (dfd < 0)
		return -errno;
	while ((n = syscall(SYS_getdents64, dfd, buf, sizeof buf)) > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 *de =
				(struct linux_dirent64 *)(void *)(buf + off);
			int fd = 0;
			const char *p = de->d_name;

			off += de->d_reclen;
			if (*p < '0' || *p > '9')
				continue;
			for (; *p >= '0' && *p <= '9'; p++)
				fd = fd * 10 + (*p - '0');
			if (fd > 2 && fd != dfd && !kept(fd, keep, nkeep) &&
			    close(fd) == 0)
				closed++;
		}
	}
	(void)close(dfd);
	return n < 0 ? -errno : closed;
}

int sandbox_close_fds(const int *keep, size_t nkeep)
{
	struct rlimit rl;
	int n;

	if (close_ranges(keep, nkeep) == 0)
		return 0;
	/* close_range is Linux 5.9, and older container profiles refuse
	 * it (EPERM). Closing while listing may skip entries, so repeat
	 * until a pass closes nothing. */
	while ((n = close_proc_pass(keep, nkeep)) > 0)
		;
	if (n == 0)
		return 0;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return errno;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (1U << 20))
		rl.rlim_cur = 1U << 20;
	for (int fd = 3; fd < (int)rl.rlim_cur; fd++)
		if (!kept(fd, keep, nkeep))
			(void)close(fd);
	return 0;
}
