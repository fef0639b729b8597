/*
 * The build's processes, from the parent: the process tree read from
 * /proc, signals to the command's group, exits noticed and orphans
 * reaped, and the sweep at the end.
 *
 * The command runs in its own session, so its process group id is its pid
 * and one kill(-pid) reaches everything that did not leave the group. The
 * command itself is left a zombie until the very end (its exit is seen
 * with WNOWAIT): while it is unreaped its pid, and with it the group id,
 * cannot be reused, so kill(-pid) can never hit an unrelated group.
 *
 * What left the group (setsid, double fork) is found through the process
 * tree: this process is a child subreaper, so an orphaned descendant is
 * re-parented here rather than to init, and every live descendant has a
 * parent chain leading back here. The sweep kills the whole tree, round
 * after round, until nothing is left. A pid read from /proc can be reused
 * the moment its process is reaped, so only pids that cannot have been
 * reaped are signalled by number (our own unreaped children); deeper ones
 * are pinned with a pidfd and their parent checked again after pinning.
 * Anything that escapes a round is re-parented here when its parent dies
 * and killed in the next one.
 */
#include "supervise_parts.h"

#include "io.h"

#include "vec.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the process tree ------------------------------------------------ */

struct proc {
	pid_t pid, ppid;
	char state; /* from /proc/PID/stat: 'Z' for a zombie */
	int pidfd;  /* pins the process while the sweep works on it; -1 */
};

struct tree {
	struct proc *v;
	size_t n, cap;
};

static void tree_free(struct tree *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].pidfd >= 0)
			close(t->v[i].pidfd);
	free(t->v);
	memset(t, 0, sizeof *t);
}

static int tree_has(const struct tree *t, pid_t pid)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].pid == pid)
			return 1;
	return 0;
}

static int tree_add(struct tree *t, pid_t pid, pid_t ppid, char state)
{
	if (vec_grow((void **)&t->v, &t->cap, t->n + 1, sizeof *t->v) < 0)
		return -1;
	t->v[t->n++] = (struct proc){pid, ppid, state, -1};
	return 0;
}

/* Reads the parent and state of pid: "PID (COMM) S PPID ...", where COMM
 * may hold spaces and parentheses, so the fields start after the last
 * ')'. Returns 0, or -1 when the process is gone. */
static int read_stat(pid_t pid, pid_t *ppid, char *state)
{
	char path[64], b[512];
	const char *p;
	ssize_t n;
	long v;
	int fd;

	(void)snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	do
		n = read(fd, b, sizeof b - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0)
		return -1;
	b[n] = '\0';
	p = memrchr(b, ')', (size_t)n);
	if (p == NULL || p[1] != ' ' || p[2] == '\0' || p[3] != ' ')
		return -1;
	*state = p[2];
	v = strtol(p + 4, NULL, 10);
	if (v < 0 || v > INT_MAX)
		return -1;
	*ppid = (pid_t)v;
	return 0;
}

/* Adds the pids listed in one children file ("12 34 ... ") that are
 * still children of pid. Returns 0 or -1 (out of memory). */
static int add_listed(struct tree *t, pid_t pid, int fd)
{
	struct buf b = {0};
	const char *p;
	int rc = 0;

	/* A read error (the task exited meanwhile) leaves what was read
	 * before it, which is still worth parsing; only memory is fatal. */
	if (io_read_fd(fd, SIZE_MAX, &b) < 0 && errno == ENOMEM) {
		buf_free(&b);
		return -1;
	}
	for (p = b.p; rc == 0 && p != NULL && *p != '\0';) {
		char *end;
		long v = strtol(p, &end, 10);
		pid_t pp;
		char st;

		if (end == p)
			break;
		p = end;
		if (v <= 0 || v > INT_MAX || tree_has(t, (pid_t)v))
			continue;
		/* Re-read: it may have died or been re-parented since. */
		if (read_stat((pid_t)v, &pp, &st) < 0 || pp != pid)
			continue;
		rc = tree_add(t, (pid_t)v, pid, st);
	}
	buf_free(&b);
	return rc;
}

/* Appends the children of pid listed in /proc/pid/task/ * /children.
 * Returns 0, -1 with errno ENOENT when the kernel has no such files
 * (CONFIG_PROC_CHILDREN off) or the process is gone, -1 otherwise. */
static int children_from_task_files(pid_t pid, struct tree *t)
{
	char path[64];
	DIR *d;
	const struct dirent *de;
	int found = 0, rc = 0;

	(void)snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (d == NULL)
		return -1;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		char cpath[80];
		int fd;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		(void)snprintf(cpath, sizeof cpath,
			       "/proc/%d/task/%ld/children", (int)pid,
			       strtol(de->d_name, NULL, 10));
		fd = open(cpath, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		found = 1;
		rc = add_listed(t, pid, fd);
		close(fd);
	}
	closedir(d);
	if (rc == 0 && !found) {
		errno = ENOENT;
		return -1;
	}
	return rc;
}

static int tree_from_task_files(struct tree *t, pid_t self)
{
	if (children_from_task_files(self, t) < 0)
		return -1;
	/* Breadth-first: parents stay before their children. */
	for (size_t i = 0; i < t->n && t->n < 65536; i++)
		if (children_from_task_files(t->v[i].pid, t) < 0 &&
		    errno != ENOENT)
			return -1;
	return 0;
}

/* Without CONFIG_PROC_CHILDREN (this is common: it is a checkpoint/restore
 * option), read every process's parent once and walk down from self. */
static int tree_from_scan(struct tree *t, pid_t self)
{
	struct tree all = {0};
	DIR *d = opendir("/proc");
	const struct dirent *de;
	int rc = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		char *end;
		long v;
		pid_t pp;
		char st;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		v = strtol(de->d_name, &end, 10);
		if (*end != '\0' || v > INT_MAX || v == self)
			continue;
		if (read_stat((pid_t)v, &pp, &st) < 0)
			continue;
		if (tree_add(&all, (pid_t)v, pp, st) < 0) {
			rc = -1;
			break;
		}
	}
	closedir(d);
	/* Each process is taken at most once, so even a listing made
	 * inconsistent by pid reuse cannot loop. */
	for (size_t i = 0; rc == 0 && i < all.n; i++)
		if (all.v[i].ppid == self &&
		    tree_add(t, all.v[i].pid, self, all.v[i].state) < 0)
			rc = -1;
	for (size_t k = 0; rc == 0 && k < t->n; k++)
		for (size_t i = 0; rc == 0 && i < all.n; i++)
			if (all.v[i].ppid == t->v[k].pid &&
			    !tree_has(t, all.v[i].pid) &&
			    tree_add(t, all.v[i].pid, t->v[k].pid,
				     all.v[i].state) < 0)
				rc = -1;
	tree_free(&all);
	return rc;
}

static int tree_list(struct tree *t, pid_t self, int force_scan)
{
	int saved;

	if (!force_scan) {
		if (tree_from_task_files(t, self) == 0)
			return 0;
		saved = errno;
		tree_free(t);
		if (saved != ENOENT) {
			errno = saved;
			return -1;
		}
	}
	if (tree_from_scan(t, self) == 0)
		return 0;
	saved = errno;
	tree_free(t);
	errno = saved;
	return -1;
}

int supervise_descendants(pid_t *pid, pid_t *ppid, size_t cap, size_t *n,
			  int force_scan)
{
	struct tree t = {0};
	size_t k = 0;

	if (tree_list(&t, getpid(), force_scan) < 0)
		return -1;
	for (size_t i = 0; i < t.n; i++) {
		if (t.v[i].state == 'Z')
			continue;
		if (k < cap) {
			pid[k] = t.v[i].pid;
			ppid[k] = t.v[i].ppid;
		}
		k++;
	}
	*n = k;
	tree_free(&t);
	return 0;
}

/* ---- signals and exits ------------------------------------------------ */

/* The command, while its pid is still its own (unreaped). */
static int is_command(const struct sv *sv, pid_t pid)
{
	return !sv->reaped && pid == sv->pid;
}

/* Signals the command's process group; before the child's setsid the
 * group does not exist yet, and the child itself is signalled. */
void sv_signal_group(const struct sv *sv, int sig)
{
	if (sv->reaped)
		return;
	if (kill(-sv->pid, sig) < 0 && errno == ESRCH && !sv->exited)
		(void)kill(sv->pid, sig);
}

static void note_exit(struct sv *sv, const siginfo_t *si)
{
	sv->exited = 1;
	sv->t_exit = now_ms();
	if (si->si_code == CLD_EXITED) {
		sv->code = si->si_status;
		sv->sig = 0;
	} else {
		sv->code = -1;
		sv->sig = si->si_status;
	}
	sv->drain_at = sv->t_exit + (sv->o->drain_ms < 0 ? SUPERVISE_DRAIN_MS
							 : sv->o->drain_ms);
}

/* Reaps orphans that died and notices the command's exit, leaving the
 * command itself unreaped (see the top of the file). */
static void check_children(struct sv *sv)
{
	for (;;) {
		siginfo_t si;

		memset(&si, 0, sizeof si);
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (si.si_pid == 0)
			return;
		if (is_command(sv, si.si_pid)) {
			if (!sv->exited)
				note_exit(sv, &si);
			return;
		}
		while (waitpid(si.si_pid, NULL, WNOHANG) < 0 && errno == EINTR)
			;
	}
}

static void on_signal(struct sv *sv, int sig, long long now)
{
	long grace = sv->o->grace_ms < 0 ? SUPERVISE_GRACE_MS : sv->o->grace_ms;

	if (sig == SIGCHLD) {
		check_children(sv);
		return;
	}
	sv->r->forwarded = sig;
	sv_signal_group(sv, sig);
	/* An interrupted build gets the grace period to clean up, then is
	 * killed like a timed-out one. */
	if (sv->grace_at == NEVER)
		sv->grace_at = now + grace;
}

void sv_read_signals(struct sv *sv, int act)
{
	struct signalfd_siginfo si;

	for (;;) {
		ssize_t n = read(sv->sfd, &si, sizeof si);

		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof si)
			break;
		if (act)
			on_signal(sv, (int)si.ssi_signo, now_ms());
		else if (si.ssi_signo != SIGCHLD)
			sv->r->forwarded = (int)si.ssi_signo;
	}
}

/* ---- the sweep ---------------------------------------------------------- */

static void count_swept(struct sv *sv, pid_t pid)
{
	for (size_t i = 0; i < sv->ncounted; i++)
		if (sv->counted[i] == pid)
			return;
	if (vec_grow((void **)&sv->counted, &sv->capcounted, sv->ncounted + 1,
		     sizeof *sv->counted) < 0) {
		sv->r->swept++; /* counted, perhaps twice */
		return;
	}
	sv->counted[sv->ncounted++] = pid;
	sv->r->swept++;
}

static int pidfd_alive(int fd)
{
	return syscall(__NR_pidfd_send_signal, fd, 0, NULL, 0) == 0;
}

/* One round: pin and check every descendant top-down, then kill them
 * bottom-up (children first, so that none is re-parented mid-round).
 * Returns how many descendants besides the command are still present. */
static size_t sweep_round(struct sv *sv)
{
	struct tree t = {0};
	size_t left = 0;

	/* Listed (and counted) before the group is killed, so that what the
	 * group kill ends is counted too. */
	if (tree_list(&t, sv->self, 0) < 0) {
		sv_signal_group(sv, SIGKILL);
		return 1; /* try again */
	}
	for (size_t i = 0; i < t.n; i++) {
		if (is_command(sv, t.v[i].pid))
			continue;
		left++;
		if (t.v[i].state != 'Z')
			count_swept(sv, t.v[i].pid);
	}
	sv_signal_group(sv, SIGKILL);
	if (!sv->exited)
		(void)kill(sv->pid, SIGKILL);
	for (size_t i = 0; i < t.n; i++) {
		struct proc *p = &t.v[i];
		const struct proc *parent = NULL;
		pid_t pp;
		char st;

		if (p->ppid == sv->self)
			continue; /* unreaped child: its pid is stable */
		for (size_t k = 0; k < i; k++)
			if (t.v[k].pid == p->ppid)
				parent = &t.v[k];
		if (parent == NULL ||
		    (parent->ppid != sv->self && parent->pidfd < 0))
			continue;
		p->pidfd = (int)syscall(__NR_pidfd_open, p->pid, 0);
		if (p->pidfd < 0)
			continue;
		/* Pinned; now check that the pinned process is the one we
		 * listed: still the child of a parent that is itself still
		 * there (alive or a zombie, so its pid was not reused). */
		if (read_stat(p->pid, &pp, &st) < 0 || pp != p->ppid ||
		    (parent->ppid != sv->self && !pidfd_alive(parent->pidfd))) {
			close(p->pidfd);
			p->pidfd = -1;
		}
	}
	for (size_t i = t.n; i-- > 0;) {
		const struct proc *p = &t.v[i];

		if (is_command(sv, p->pid))
			continue;
		if (p->ppid == sv->self)
			(void)kill(p->pid, SIGKILL);
		else if (p->pidfd >= 0)
			(void)syscall(__NR_pidfd_send_signal, p->pidfd, SIGKILL,
				      NULL, 0);
	}
	/* Reap our children that are done, except the command. */
	for (size_t i = 0; i < t.n; i++)
		if (t.v[i].ppid == sv->self && !is_command(sv, t.v[i].pid))
			while (waitpid(t.v[i].pid, NULL, WNOHANG) < 0 &&
			       errno == EINTR)
				;
	tree_free(&t);
	return left;
}

/* Live descendants other than the command, or 0 when they cannot be
 * listed. */
static size_t live_others(const struct sv *sv)
{
	struct tree t = {0};
	size_t n = 0;

	if (tree_list(&t, sv->self, 0) < 0)
		return 0;
	for (size_t i = 0; i < t.n; i++)
		if (!is_command(sv, t.v[i].pid) && t.v[i].state != 'Z')
			n++;
	tree_free(&t);
	return n;
}

/* Processes already on their way out (a forwarded signal reached them,
 * or they closed the output and are exiting) show as running for a
 * moment. Give them SETTLE_MS to finish, so that the sweep counts only
 * what it had to kill; with nothing left, this costs one listing. */
#define SETTLE_MS 20
static void settle(struct sv *sv)
{
	long long until = now_ms() + SETTLE_MS;

	while (live_others(sv) > 0 && now_ms() < until) {
		struct pollfd pf = {.fd = sv->sfd, .events = POLLIN};

		if (poll(&pf, 1, 5) > 0)
			sv_read_signals(sv, 0);
	}
}

/* Kills everything that is left of the build, the command included, and
 * reaps it all but the command. */
void sv_sweep(struct sv *sv)
{
	long long give_up = now_ms() + SWEEP_LIMIT_MS;

	if (sv->exited)
		settle(sv);

	for (;;) {
		size_t left = sweep_round(sv);

		/* The group holds what the tree may miss for a moment (a
		 * child forked while the round was listing); on v2 its
		 * cgroup.kill ends it all at once. The command is not
		 * counted: it is left unreaped on purpose. */
		if (sv->cg.n > 0)
			left += cgroup_kill_round(
				&sv->cg, is_command(sv, sv->pid) ? sv->pid : 0);
		check_children(sv);
		if (left == 0 && sv->exited)
			return;
		if (now_ms() >= give_up) {
			sv->r->unkillable = (unsigned)left;
			return;
		}
		/* Wait for the next death (SIGCHLD), briefly. */
		{
			struct pollfd pf = {.fd = sv->sfd, .events = POLLIN};

			if (poll(&pf, 1, 10) > 0)
				sv_read_signals(sv, 0);
		}
	}
}

/* Reaps the command, once it has exited. */
void sv_reap_command(struct sv *sv)
{
	if (sv->reaped)
		return;
	while (waitpid(sv->pid, NULL, 0) < 0 && errno == EINTR)
		;
	sv->reaped = 1;
}

/* 1 when this process has any child, live or not yet reaped. */
int sv_has_children(void)
{
	siginfo_t si;

	memset(&si, 0, sizeof si);
	while (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0) {
		if (errno == ECHILD)
			return 0;
		if (errno != EINTR)
			return 1;
	}
	return 1;
}
