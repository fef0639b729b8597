/*
 * Running the build under supervision (supervise.h has the contract).
 *
 * The parent is one poll loop over the build's stdout and stderr pipes, a
 * signalfd and the child's error pipe, with deadlines (timeout, grace,
 * drain) computed from one monotonic clock rather than a timer fd per
 * deadline. Signals are blocked before fork and read from the signalfd,
 * as bubblewrap's monitor does, so none is lost between fork and the
 * loop and no handler runs at an awkward moment; like tini, SIGCHLD is
 * not forwarded but answered by reaping, and the other termination
 * signals are passed to the build.
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
#include "supervise.h"

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
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "io.h"
#include "mask.h"
#include "msg.h"
#include "termsafe.h"
#include "vec.h"

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif
#ifndef __NR_close_range
#define __NR_close_range 436
#endif
#define CLOSE_RANGE_CLOEXEC_FLAG (1U << 2)

/* The sweep gives up on processes that SIGKILL does not end (stuck in
 * uninterruptible sleep, e.g. on a dead network filesystem) after this
 * long; cleanroom then reports them rather than hang. */
#define SWEEP_LIMIT_MS 5000
/* The most bytes relayed in the final drain after the sweep, when every
 * writer should be dead: a pipe end passed to a process outside the
 * build (SCM_RIGHTS) must not keep cleanroom reading forever. */
#define FINAL_DRAIN_MAX (16u << 20)
/* First byte of an exec failure on the error pipe, to tell it from a
 * setup failure (which writes plain text). */
#define EXEC_FAILED_TAG '\001'
#define NEVER		LLONG_MAX

/* One stream's search for the watched strings (opts->watch). The tail
 * keeps the last bytes of the previous reads, so that a string split
 * across two reads is found too; seen and left are shared by both
 * streams. */
struct watch_stream {
	const char *const *s;
	size_t n;
	unsigned char *seen;		  /* 1 where s[i] was found */
	size_t *left;			  /* how many are not found yet */
	char (*line)[SUPERVISE_LINE_MAX]; /* where s[i] was first found */
	/* The current line's last bytes, from earlier reads: a tool may
	 * write a line in pieces (GNU's error() writes the program's name,
	 * the message and the reason separately). */
	char cur[SUPERVISE_LINE_MAX / 2];
	size_t ncur;
	char tail[SUPERVISE_WATCH_MAX - 1];
	size_t ntail;
};

struct relay {
	int fd;	    /* the pipe's read end; -1 after EOF */
	int out;    /* where it goes: 1 or 2 */
	int broken; /* writing there failed (EPIPE): read and drop */
	struct mask_stream ms;
	struct mask_names_stream ns;
	struct watch_stream ws;
	struct termsafe ts;
	struct buf masked; /* the masker's output, for the terminal filter */
	struct buf buf;	   /* what is written out */
};

struct sv {
	const struct supervise_opts *o;
	struct supervise_result *r;
	pid_t self, pid;
	int sfd;   /* signalfd */
	int errfd; /* the child's error pipe; -1 after EOF */
	char errmsg[1024];
	size_t errlen;
	struct relay rl[2];
	struct mask *mask;
	struct mask_names *names;
	unsigned char *seen;
	unsigned char *watch_seen;
	char (*watch_line)[SUPERVISE_LINE_MAX];
	size_t watch_left;
	long long t0, t_exit, timeout_at, grace_at, drain_at;
	int exited;	/* the command has exited */
	int reaped;	/* and was reaped: its pid no longer pins the group
			   id, so the group is not signalled any more */
	int code;	/* its exit code, or -1 */
	int sig;	/* the signal that ended it, or 0 */
	pid_t *counted; /* pids counted as swept */
	size_t ncounted, capcounted;
};

static long long now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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

/* ---- the child --------------------------------------------------------- */

static void child_write(int errw, const char *a, const char *b, const char *c)
{
	char msg[PATH_MAX + 512];
	int n = snprintf(msg, sizeof msg, "%s%s%s", a, b, c);

	if (n > 0)
		(void)io_write_all(errw, msg, strnlen(msg, sizeof msg));
}

/* A setup step failed: say which, and never exec. */
static void child_die(int errw, const char *what, int errnum)
{
	char line[512];
	int n = snprintf(line, sizeof line, "build: %s: %s", what,
			 strerror(errnum));

	if (n > 0)
		(void)io_write_all(errw, line, strnlen(line, sizeof line));
	_exit(EXIT_INTERNAL);
}

static const char *env_get(char *const *envp, const char *name)
{
	size_t len = strlen(name);

	for (; envp != NULL && *envp != NULL; envp++)
		if (strncmp(*envp, name, len) == 0 && (*envp)[len] == '=')
			return *envp + len + 1;
	return NULL;
}

/* execve, and for a file the kernel cannot execute (no #! line) a retry
 * under /bin/sh, as execvp does. Returns the errno. */
static int try_exec(char *path, char *const *argv, char *const *envp)
{
	static char sh_name[] = "sh";
	char *sh_argv[256];
	size_t n = 0;

	execve(path, argv, envp);
	if (errno != ENOEXEC)
		return errno;
	while (argv[n] != NULL)
		n++;
	if (n + 2 > sizeof sh_argv / sizeof sh_argv[0] || n == 0)
		return ENOEXEC;
	sh_argv[0] = sh_name;
	sh_argv[1] = path;
	memcpy(sh_argv + 2, argv + 1, n * sizeof *argv); /* with the NULL */
	execve("/bin/sh", sh_argv, envp);
	return ENOEXEC;
}

/* execvpe's search over the child's PATH, without allocating:
 * EXIT_NOTFOUND when nothing was found, EXIT_NOEXEC when something was
 * found but would not run. */
static void exec_search(char *const *argv, char *const *envp, int errw)
{
	char *file = argv[0];
	const char *path, *p;
	char cand[PATH_MAX];
	size_t flen = strlen(file);
	int eacces = 0, err;

	if (flen == 0) {
		child_write(errw, "\001", "build: the command is empty", "");
		_exit(EXIT_NOTFOUND);
	}
	if (strchr(file, '/') != NULL) {
		err = try_exec(file, argv, envp);
		child_write(errw, "\001build: ", file, ": ");
		child_write(errw, "", strerror(err), "");
		_exit(err == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC);
	}
	path = env_get(envp, "PATH");
	if (path == NULL)
		path = "/usr/local/bin:/bin:/usr/bin";
	for (p = path;; p++) {
		const char *colon = strchrnul(p, ':');
		size_t dlen = (size_t)(colon - p);

		/* An empty element means the current directory. */
		if (dlen + flen + 2 <= sizeof cand) {
			if (dlen > 0) {
				memcpy(cand, p, dlen);
				cand[dlen++] = '/';
			}
			memcpy(cand + dlen, file, flen + 1);
			err = try_exec(cand, argv, envp);
			switch (err) {
			case EACCES: eacces = 1; break;
			case ENOENT:
			case ENOTDIR:
			case ESTALE:
			case ENODEV:
			case ETIMEDOUT: break;
			default:
				child_write(errw, "\001build: ", cand, ": ");
				child_write(errw, "", strerror(err), "");
				_exit(EXIT_NOEXEC);
			}
		}
		p = colon;
		if (*p == '\0')
			break;
	}
	if (eacces) {
		child_write(errw, "\001build: ", file,
			    ": found in PATH but not executable (Permission "
			    "denied)");
		_exit(EXIT_NOEXEC);
	}
	child_write(errw, "\001build: ", file, ": command not found in PATH ");
	child_write(errw, "(", path, ")");
	_exit(EXIT_NOTFOUND);
}

/* Puts fd on target, even when the two are equal or the source sits
 * on another target (the fds are moved above 2 first by the caller). */
static int move_fd(int fd, int target)
{
	if (fd == target)
		return fcntl(fd, F_SETFD, 0);
	return dup2(fd, target) < 0 ? -1 : 0;
}

static void run_child(const struct sv *sv, int null_fd, int out_w, int err_w,
		      int errw)
{
	const struct supervise_opts *o = sv->o;
	struct sigaction dfl;
	sigset_t none;
	int fds[3] = {null_fd, out_w, err_w};

	/* A clean slate for the build: no signal cleanroom's caller ignored
	 * or blocked, and none cleanroom blocked for its signalfd. A signal
	 * forwarded before this point is delivered here and ends the child
	 * before it execs, as it should. */
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			(void)sigaction(s, &dfl, NULL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);

	if (setsid() < 0)
		child_die(errw, "setsid", errno);
	/* Nothing but 0-2 may reach the build, whatever the caller left
	 * open (the sandbox closes them too; this also covers a run without
	 * it). Best effort: close_range is Linux 5.9. */
	(void)syscall(__NR_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC_FLAG);
	for (int i = 0; i < 3; i++) {
		if (fds[i] > 2)
			continue;
		fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
		if (fds[i] < 0)
			child_die(errw, "dup", errno);
	}
	for (int i = 0; i < 3; i++)
		if (move_fd(fds[i], i) < 0)
			child_die(errw, "dup2", errno);
	if (o->workdir != NULL && chdir(o->workdir) < 0) {
		char what[PATH_MAX + 16];

		(void)snprintf(what, sizeof what, "chdir %s", o->workdir);
		child_die(errw, what, errno);
	}
	if (o->child_setup != NULL &&
	    o->child_setup(o->child_setup_arg, errw) < 0)
		_exit(EXIT_INTERNAL);
	/* If cleanroom itself is killed, the command goes with it. Set after
	 * the setup: a change of uid clears it. */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != sv->self)
		_exit(EXIT_INTERNAL);
	exec_search(o->argv, o->envp, errw);
}

/* ---- the parent's loop ------------------------------------------------- */

/* Looks for the strings not found yet in the n bytes at p, and in the
 * bytes where the previous read and this one meet. A string of L bytes
 * split across the two has at most L-1 bytes on either side, so the tail
 * and the head of this read, SUPERVISE_WATCH_MAX - 1 bytes each, hold
 * every such occurrence. */
/* The line that holds at, one of the n bytes at p: from at most
 * SUPERVISE_LINE_MAX / 2 bytes before at (in w->cur for the part that
 * came in earlier reads) to the line's end, SUPERVISE_LINE_MAX - 1 bytes
 * at most. */
static void keep_line(const struct watch_stream *w, char *line, const char *p,
		      size_t n, const char *at)
{
	const size_t half = SUPERVISE_LINE_MAX / 2;
	const char *start = at, *end;
	size_t len = 0;

	while (start > p && start[-1] != '\n' && (size_t)(at - start) < half)
		start--;
	if (start == p) {
		size_t want = half - (size_t)(at - start);
		size_t take = w->ncur < want ? w->ncur : want;

		memcpy(line, w->cur + w->ncur - take, take);
		len = take;
	}
	end = start;
	while (end < p + n && *end != '\n' &&
	       len + (size_t)(end - start) < SUPERVISE_LINE_MAX - 1)
		end++;
	memcpy(line + len, start, (size_t)(end - start));
	line[len + (size_t)(end - start)] = '\0';
}

/* w->cur after the n bytes at p: the current line's last bytes. */
static void track_line(struct watch_stream *w, const char *p, size_t n)
{
	const char *nl = memrchr(p, '\n', n);

	if (nl != NULL) {
		w->ncur = 0;
		n -= (size_t)(nl + 1 - p);
		p = nl + 1;
	}
	if (n >= sizeof w->cur) {
		memcpy(w->cur, p + n - sizeof w->cur, sizeof w->cur);
		w->ncur = sizeof w->cur;
		return;
	}
	if (w->ncur + n > sizeof w->cur) {
		size_t drop = w->ncur + n - sizeof w->cur;

		memmove(w->cur, w->cur + drop, w->ncur - drop);
		w->ncur -= drop;
	}
	memcpy(w->cur + w->ncur, p, n);
	w->ncur += n;
}

static void watch_feed(struct watch_stream *w, const char *p, size_t n)
{
	char win[2 * sizeof w->tail];
	size_t head, keep;

	if (w->n == 0 || *w->left == 0 || n == 0)
		return;
	head = n < sizeof w->tail ? n : sizeof w->tail;
	memcpy(win, w->tail, w->ntail);
	memcpy(win + w->ntail, p, head);
	for (size_t i = 0; i < w->n; i++) {
		size_t len = strlen(w->s[i]);

		if (w->seen[i] || len == 0 || len > SUPERVISE_WATCH_MAX)
			continue;
		const char *at = memmem(p, n, w->s[i], len);

		if (at == NULL && memmem(win, w->ntail + head, w->s[i], len))
			at = p; /* across the reads: on the line p continues */
		if (at != NULL) {
			w->seen[i] = 1;
			(*w->left)--;
			keep_line(w, w->line[i], p, n, at);
		}
	}
	explicit_bzero(win, sizeof win);
	track_line(w, p, n);
	if (n >= sizeof w->tail) {
		memcpy(w->tail, p + n - sizeof w->tail, sizeof w->tail);
		w->ntail = sizeof w->tail;
		return;
	}
	keep = w->ntail + n > sizeof w->tail ? sizeof w->tail - n : w->ntail;
	memmove(w->tail, w->tail + w->ntail - keep, keep);
	memcpy(w->tail + keep, p, n);
	w->ntail = keep + n;
}

/* Writes all of b, waiting when the output is non-blocking. */
static int write_out(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pf = {.fd = fd, .events = POLLOUT};

			(void)poll(&pf, 1, 1000);
			continue;
		}
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void relay_flush(struct relay *rl)
{
	if (rl->buf.len > 0 && !rl->broken &&
	    write_out(rl->out, rl->buf.p, rl->buf.len) < 0)
		rl->broken = 1; /* EPIPE: nobody reads; keep draining */
	buf_reset(&rl->buf);
}

/* The masked bytes, made safe for a terminal (termsafe.h): secrets are
 * masked in what the build wrote, then control sequences neutralised in
 * what is shown. Out of memory: drop rather than print unmasked or
 * unfiltered. */
static void relay_show(struct relay *rl, int end)
{
	if (termsafe_feed(&rl->ts, rl->masked.p, rl->masked.len, &rl->buf) <
		    0 ||
	    (end && termsafe_finish(&rl->ts, &rl->buf) < 0)) {
		buf_reset(&rl->buf);
		(void)buf_adds(&rl->buf, "\n" MASK_TEXT " (output lost: out of "
					 "memory)\n");
	}
	buf_reset(&rl->masked);
}

static void relay_eof(struct relay *rl)
{
	close(rl->fd);
	rl->fd = -1;
	if (mask_stream_finish(&rl->ms, &rl->masked) < 0)
		buf_reset(&rl->masked);
	mask_names_finish(&rl->ns);
	relay_show(rl, 1);
	relay_flush(rl);
}

/* Reads what is there (at most max bytes). Returns the bytes read. */
static size_t relay_read(struct relay *rl, size_t max)
{
	char chunk[65536];
	size_t total = 0;

	while (rl->fd >= 0 && total < max) {
		ssize_t n = read(rl->fd, chunk, sizeof chunk);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			relay_eof(rl);
			break;
		}
		total += (size_t)n;
		mask_names_feed(&rl->ns, chunk, (size_t)n);
		watch_feed(&rl->ws, chunk, (size_t)n);
		if (mask_stream_feed(&rl->ms, chunk, (size_t)n, &rl->masked) <
		    0) {
			/* Out of memory: drop rather than print unmasked. */
			buf_reset(&rl->masked);
			(void)buf_adds(&rl->masked,
				       "\n" MASK_TEXT " (output lost: out of "
				       "memory)\n");
		}
		relay_show(rl, 0);
		relay_flush(rl);
		if ((size_t)n < sizeof chunk)
			break;
	}
	explicit_bzero(chunk, sizeof chunk);
	return total;
}

static void read_errfd(struct sv *sv)
{
	while (sv->errfd >= 0) {
		ssize_t n;

		if (sv->errlen + 1 >= sizeof sv->errmsg) {
			char sink[256];

			n = read(sv->errfd, sink, sizeof sink);
		} else {
			n = read(sv->errfd, sv->errmsg + sv->errlen,
				 sizeof sv->errmsg - 1 - sv->errlen);
			if (n > 0)
				sv->errlen += (size_t)n;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			close(sv->errfd);
			sv->errfd = -1;
		}
	}
	sv->errmsg[sv->errlen] = '\0';
}

/* The command, while its pid is still its own (unreaped). */
static int is_command(const struct sv *sv, pid_t pid)
{
	return !sv->reaped && pid == sv->pid;
}

/* Signals the command's process group; before the child's setsid the
 * group does not exist yet, and the child itself is signalled. */
static void signal_group(const struct sv *sv, int sig)
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
	signal_group(sv, sig);
	/* An interrupted build gets the grace period to clean up, then is
	 * killed like a timed-out one. */
	if (sv->grace_at == NEVER)
		sv->grace_at = now + grace;
}

static void read_signals(struct sv *sv, int act)
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

static int poll_timeout(const struct sv *sv, long long now)
{
	long long at = sv->grace_at;

	if (!sv->exited && !sv->r->timed_out && sv->timeout_at < at)
		at = sv->timeout_at;
	if (sv->exited && sv->drain_at < at)
		at = sv->drain_at;
	if (at == NEVER)
		return -1;
	if (at <= now)
		return 0;
	return at - now > INT_MAX ? INT_MAX : (int)(at - now);
}

/* Relays and reacts until the command has exited and its output is
 * closed, the drain window after its exit has passed, or the grace period
 * after a timeout or a forwarded signal is over. */
static void loop(struct sv *sv)
{
	long grace = sv->o->grace_ms < 0 ? SUPERVISE_GRACE_MS : sv->o->grace_ms;

	for (;;) {
		long long now = now_ms();
		struct pollfd pf[4];
		int np = 0, ip[2] = {-1, -1}, ie = -1;

		if (!sv->exited && !sv->r->timed_out && now >= sv->timeout_at) {
			sv->r->timed_out = 1;
			signal_group(sv, SIGTERM);
			/* A stopped process would keep SIGTERM pending. */
			signal_group(sv, SIGCONT);
			if (now + grace < sv->grace_at)
				sv->grace_at = now + grace;
		}
		if (sv->exited && sv->rl[0].fd < 0 && sv->rl[1].fd < 0 &&
		    sv->errfd < 0)
			return;
		if (sv->exited && now >= sv->drain_at) {
			sv->r->output_cut =
				sv->rl[0].fd >= 0 || sv->rl[1].fd >= 0;
			return;
		}
		if (now >= sv->grace_at)
			return;

		pf[np++] = (struct pollfd){.fd = sv->sfd, .events = POLLIN};
		if (sv->errfd >= 0) {
			ie = np;
			pf[np++] = (struct pollfd){.fd = sv->errfd,
						   .events = POLLIN};
		}
		for (int i = 0; i < 2; i++)
			if (sv->rl[i].fd >= 0) {
				ip[i] = np;
				pf[np++] = (struct pollfd){.fd = sv->rl[i].fd,
							   .events = POLLIN};
			}
		if (poll(pf, (nfds_t)np, poll_timeout(sv, now)) < 0) {
			if (errno == EINTR)
				continue;
			/* Cannot happen with valid fds; do not spin. */
			return;
		}
		if (pf[0].revents)
			read_signals(sv, 1);
		if (ie >= 0 && pf[ie].revents)
			read_errfd(sv);
		/* A bounded read per turn: a build writing without pause must
		 * not keep the loop from its signals and deadlines. */
		for (int i = 0; i < 2; i++)
			if (ip[i] >= 0 && pf[ip[i]].revents)
				(void)relay_read(&sv->rl[i], 1u << 20);
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
		signal_group(sv, SIGKILL);
		return 1; /* try again */
	}
	for (size_t i = 0; i < t.n; i++) {
		if (is_command(sv, t.v[i].pid))
			continue;
		left++;
		if (t.v[i].state != 'Z')
			count_swept(sv, t.v[i].pid);
	}
	signal_group(sv, SIGKILL);
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
			read_signals(sv, 0);
	}
}

/* Kills everything that is left of the build, the command included, and
 * reaps it all but the command. */
static void sweep(struct sv *sv)
{
	long long give_up = now_ms() + SWEEP_LIMIT_MS;

	if (sv->exited)
		settle(sv);

	for (;;) {
		size_t left = sweep_round(sv);

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
				read_signals(sv, 0);
		}
	}
}

/* Reaps the command, once it has exited. */
static void reap_command(struct sv *sv)
{
	if (sv->reaped)
		return;
	while (waitpid(sv->pid, NULL, 0) < 0 && errno == EINTR)
		;
	sv->reaped = 1;
}

/* 1 when this process has any child, live or not yet reaped. */
static int has_children(void)
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

/* ---- putting it together ------------------------------------------------ */

static const char *sig_name(int sig)
{
	static const struct {
		int sig;
		const char *name;
	} names[] = {
		{SIGHUP, "SIGHUP"},   {SIGINT, "SIGINT"},
		{SIGQUIT, "SIGQUIT"}, {SIGILL, "SIGILL"},
		{SIGTRAP, "SIGTRAP"}, {SIGABRT, "SIGABRT"},
		{SIGBUS, "SIGBUS"},   {SIGFPE, "SIGFPE"},
		{SIGKILL, "SIGKILL"}, {SIGUSR1, "SIGUSR1"},
		{SIGSEGV, "SIGSEGV"}, {SIGUSR2, "SIGUSR2"},
		{SIGPIPE, "SIGPIPE"}, {SIGALRM, "SIGALRM"},
		{SIGTERM, "SIGTERM"}, {SIGXCPU, "SIGXCPU"},
		{SIGXFSZ, "SIGXFSZ"}, {SIGSYS, "SIGSYS"},
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].sig == sig)
			return names[i].name;
	return NULL;
}

static void secs(char *b, size_t size, long ms)
{
	(void)snprintf(b, size, "%ld.%02ld s", ms / 1000, (ms % 1000) / 10);
}

void supervise_describe(const struct supervise_result *r, long timeout_ms,
			char *buf, size_t size)
{
	struct buf b = {0};
	char d[48];
	const char *sn = sig_name(r->signal);

	secs(d, sizeof d, r->duration_ms);
	if (r->timed_out) {
		char t[48];

		secs(t, sizeof t, timeout_ms);
		(void)buf_printf(&b,
				 "build: timed out after %s, killed (exit %d)",
				 t, EXIT_TIMEOUT);
	} else if (r->signal != 0 && sn != NULL) {
		(void)buf_printf(&b, "build: killed by %s (exit %d) in %s", sn,
				 r->status, d);
	} else if (r->signal != 0) {
		(void)buf_printf(&b,
				 "build: killed by signal %d (exit %d) in "
				 "%s",
				 r->signal, r->status, d);
	} else {
		(void)buf_printf(&b, "build: exit %d in %s", r->status, d);
	}
	if (r->forwarded != 0 && sig_name(r->forwarded) != NULL)
		(void)buf_printf(&b, "; %s was passed on to it",
				 sig_name(r->forwarded));
	if (r->output_cut)
		(void)buf_adds(&b, "; its output was still held open after it "
				   "exited, and was cut off");
	/* After an exit, what is left was left running by the build; after
	 * a timeout or an interruption it was part of the running build. */
	if (r->swept > 0 && !r->timed_out && r->forwarded == 0)
		(void)buf_printf(&b, "; killed %u process%s it left running",
				 r->swept, r->swept == 1 ? "" : "es");
	else if (r->swept > 0)
		(void)buf_printf(&b, "; %u more process%s killed", r->swept,
				 r->swept == 1 ? "" : "es");
	if (r->unkillable > 0)
		(void)buf_printf(&b, "; %u processes would not die",
				 r->unkillable);
	if (size > 0) {
		size_t n = b.len < size - 1 ? b.len : size - 1;

		if (n > 0)
			memcpy(buf, b.p, n);
		buf[n] = '\0';
	}
	buf_free(&b);
}

void supervise_result_free(struct supervise_result *r)
{
	free(r->named);
	r->named = NULL;
	r->nnamed = 0;
	free(r->watched);
	r->watched = NULL;
	free(r->watched_line);
	r->watched_line = NULL;
	r->nwatched = 0;
}

static void relays_free(struct sv *sv)
{
	for (int i = 0; i < 2; i++) {
		if (sv->rl[i].fd >= 0)
			close(sv->rl[i].fd);
		mask_stream_free(&sv->rl[i].ms);
		explicit_bzero(sv->rl[i].ws.tail, sizeof sv->rl[i].ws.tail);
		explicit_bzero(sv->rl[i].ws.cur, sizeof sv->rl[i].ws.cur);
		buf_free(&sv->rl[i].masked);
		buf_free(&sv->rl[i].buf);
	}
	mask_free(sv->mask);
	mask_names_free(sv->names);
	free(sv->seen);
	free(sv->watch_seen);
	if (sv->watch_line != NULL)
		explicit_bzero(sv->watch_line,
			       (sv->o->nwatch + 1) * sizeof *sv->watch_line);
	free(sv->watch_line);
	free(sv->counted);
}

static int results(struct sv *sv, struct err *e)
{
	struct supervise_result *r = sv->r;
	int rc = 0;

	r->exit_code = sv->code;
	r->signal = sv->sig;
	r->duration_ms = (long)(sv->t_exit - sv->t0);
	if (sv->errlen > 0 && sv->errmsg[0] == EXEC_FAILED_TAG &&
	    (sv->code == EXIT_NOEXEC || sv->code == EXIT_NOTFOUND)) {
		struct err x = {0};

		r->exec_failed = 1;
		(void)err_set(&x, ERR_SYSTEM, NULL, 0, 0, "%s", sv->errmsg + 1);
		msg_error(&x);
	} else if (sv->errlen > 0 && sv->code == EXIT_INTERNAL) {
		const char *m = sv->errmsg;
		size_t len = strlen(m);

		while (len > 0 && m[len - 1] == '\n')
			sv->errmsg[--len] = '\0';
		if (strncmp(m, "cleanroom: ", 11) == 0)
			m += 11;
		rc = err_set(e, ERR_SYSTEM, NULL, 0, 0, "%s", m);
	}
	if (!sv->exited && rc == 0)
		rc = err_set(e, ERR_SYSTEM, NULL, 0, 0,
			     "build: the command would not die (stuck in the "
			     "kernel); it is left behind");
	if (r->timed_out)
		r->status = EXIT_TIMEOUT;
	else if (rc < 0)
		r->status = EXIT_INTERNAL;
	else if (sv->sig != 0)
		r->status = EXIT_SIGNAL + sv->sig;
	else
		r->status = sv->code;
	for (size_t i = 0; sv->seen != NULL && i < sv->o->nwithheld; i++)
		if (sv->seen[i])
			r->nnamed++;
	if (r->nnamed > 0 && sv->seen != NULL) {
		r->named = calloc(r->nnamed, sizeof *r->named);
		if (r->named == NULL) {
			r->nnamed = 0;
		} else {
			size_t k = 0;

			for (size_t i = 0; i < sv->o->nwithheld; i++)
				if (sv->seen[i])
					r->named[k++] = sv->o->withheld[i];
		}
	}
	r->nwatched = sv->o->nwatch - sv->watch_left;
	if (r->nwatched > 0) {
		r->watched = calloc(r->nwatched, sizeof *r->watched);
		r->watched_line = calloc(r->nwatched, sizeof *r->watched_line);
		if (r->watched == NULL || r->watched_line == NULL) {
			free(r->watched);
			free(r->watched_line);
			r->watched = NULL;
			r->watched_line = NULL;
			r->nwatched = 0;
		} else {
			size_t k = 0;

			for (size_t i = 0; i < sv->o->nwatch; i++)
				if (sv->watch_seen[i]) {
					memcpy(r->watched_line[k],
					       sv->watch_line[i],
					       SUPERVISE_LINE_MAX);
					r->watched[k++] = sv->o->watch[i];
				}
		}
	}
	return rc;
}

/* Blocks the signals the loop reads, makes SIGCHLD reapable whatever the
 * caller set (SIG_IGN or SA_NOCLDWAIT would make the kernel reap children
 * itself) and ignores SIGPIPE, so that a reader of cleanroom's output
 * going away ends the relay, not cleanroom with the build still running. */
struct saved_signals {
	sigset_t mask;
	struct sigaction chld, pipe;
};

static int signals_save(struct saved_signals *s)
{
	if (sigprocmask(SIG_BLOCK, NULL, &s->mask) < 0 ||
	    sigaction(SIGCHLD, NULL, &s->chld) < 0 ||
	    sigaction(SIGPIPE, NULL, &s->pipe) < 0)
		return -1;
	return 0;
}

/* After signals_save, so that a failure half way can be undone exactly. */
static int signals_take(int *sfd)
{
	struct sigaction act;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	memset(&act, 0, sizeof act);
	act.sa_handler = SIG_DFL;
	if (sigaction(SIGCHLD, &act, NULL) < 0)
		return -1;
	act.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &act, NULL) < 0)
		return -1;
	*sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return *sfd < 0 ? -1 : 0;
}

static void signals_give_back(const struct saved_signals *s)
{
	(void)sigaction(SIGCHLD, &s->chld, NULL);
	(void)sigaction(SIGPIPE, &s->pipe, NULL);
	(void)sigprocmask(SIG_SETMASK, &s->mask, NULL);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int supervise_run(const struct supervise_opts *o, struct supervise_result *r,
		  struct err *e)
{
	struct sv sv;
	struct saved_signals saved;
	int outp[2] = {-1, -1}, errp[2] = {-1, -1}, ctlp[2] = {-1, -1};
	int null_fd = -1, rc = -1, have_signals = 0;

	memset(r, 0, sizeof *r);
	r->exit_code = -1;
	r->status = EXIT_INTERNAL;
	memset(&sv, 0, sizeof sv);
	sv.o = o;
	sv.r = r;
	sv.sfd = -1;
	sv.errfd = -1;
	sv.code = -1;
	sv.rl[0].fd = sv.rl[1].fd = -1;
	sv.self = getpid();
	if (o->argv == NULL || o->argv[0] == NULL)
		return err_set(e, ERR_SYSTEM, NULL, 0, 0, "build: no command");

	/* Orphans of the build must come to us, not to init, or the sweep
	 * could not find them. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return err_sys(e, errno, "build: PR_SET_CHILD_SUBREAPER");
	/* Non-dumpable: /proc/PID/{environ,mem,maps,...} and ptrace then
	 * need CAP_SYS_PTRACE over us (ptrace_may_access), which the build
	 * never has, even as the same uid. */
	if (prctl(PR_SET_DUMPABLE, 0) < 0)
		return err_sys(e, errno, "build: PR_SET_DUMPABLE");

	if (mask_new_secrets(o->masks, o->nmasks, &sv.mask, e) < 0 ||
	    mask_names_new(o->withheld, o->nwithheld, &sv.names, e) < 0)
		goto out;
	sv.seen = calloc(o->nwithheld + 1, 1);
	sv.watch_seen = calloc(o->nwatch + 1, 1);
	sv.watch_line = calloc(o->nwatch + 1, sizeof *sv.watch_line);
	sv.watch_left = o->nwatch;
	if (sv.seen == NULL || sv.watch_seen == NULL || sv.watch_line == NULL) {
		err_sys(e, ENOMEM, "build");
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		sv.rl[i].out = o->stdout_to_stderr ? 2 : i + 1;
		mask_stream_init(&sv.rl[i].ms, sv.mask);
		termsafe_init(&sv.rl[i].ts);
		mask_names_stream_init(&sv.rl[i].ns, sv.names, sv.seen);
		sv.rl[i].ws = (struct watch_stream){
			.s = o->watch,
			.n = o->nwatch,
			.seen = sv.watch_seen,
			.line = sv.watch_line,
			.left = &sv.watch_left,
		};
	}
	if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
	    pipe2(ctlp, O_CLOEXEC) < 0) {
		err_sys(e, errno, "build: pipe");
		goto out;
	}
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null_fd < 0) {
		err_sys(e, errno, "build: /dev/null");
		goto out;
	}
	if (signals_save(&saved) < 0) {
		err_sys(e, errno, "build: signals");
		goto out;
	}
	have_signals = 1;
	if (signals_take(&sv.sfd) < 0) {
		err_sys(e, errno, "build: signals");
		goto out;
	}

	sv.t0 = now_ms();
	sv.pid = fork();
	if (sv.pid < 0) {
		err_sys(e, errno, "build: fork");
		goto out;
	}
	if (sv.pid == 0)
		run_child(&sv, null_fd, outp[1], errp[1], ctlp[1]);

	close_fd(&outp[1]);
	close_fd(&errp[1]);
	close_fd(&ctlp[1]);
	close_fd(&null_fd);
	sv.rl[0].fd = outp[0];
	sv.rl[1].fd = errp[0];
	sv.errfd = ctlp[0];
	outp[0] = errp[0] = ctlp[0] = -1;
	for (int i = 0; i < 2; i++)
		(void)fcntl(sv.rl[i].fd, F_SETFL, O_NONBLOCK);
	(void)fcntl(sv.errfd, F_SETFL, O_NONBLOCK);
	sv.timeout_at = o->timeout_ms < 0 ? NEVER : sv.t0 + o->timeout_ms;
	sv.grace_at = NEVER;
	sv.drain_at = NEVER;

	loop(&sv);
	/* The usual end: the command exited and left nothing behind. Then
	 * it is our only child, and reaping it leaves none - no sweep, no
	 * reading of /proc. Anything still running of the build would be our
	 * child now (re-parented when the command died, or its own parent is
	 * ours), so "no child left" is "no process left". */
	if (sv.exited)
		reap_command(&sv);
	if (!sv.exited || has_children())
		sweep(&sv);
	/* Every writer is dead now: what is left in the pipes is the end of
	 * the output. */
	for (int i = 0; i < 2; i++) {
		if (sv.rl[i].fd >= 0)
			(void)relay_read(&sv.rl[i], FINAL_DRAIN_MAX);
		if (sv.rl[i].fd >= 0)
			relay_eof(&sv.rl[i]);
	}
	read_errfd(&sv);
	close_fd(&sv.errfd);
	if (sv.exited)
		reap_command(&sv);
	rc = results(&sv, e);
	if (!o->quiet) {
		char line[512];

		supervise_describe(r, o->timeout_ms, line, sizeof line);
		msg_info("%s", line);
	}
	if (r->unkillable > 0)
		msg_warn("build: %u processes of the build did not die; they "
			 "are left behind",
			 r->unkillable);
out:
	if (have_signals) {
		/* What arrived during the sweep is recorded, not left pending
		 * to hit cleanroom once unblocked. */
		read_signals(&sv, 0);
		close_fd(&sv.sfd);
		signals_give_back(&saved);
	}
	close_fd(&outp[0]);
	close_fd(&outp[1]);
	close_fd(&errp[0]);
	close_fd(&errp[1]);
	close_fd(&ctlp[0]);
	close_fd(&ctlp[1]);
	close_fd(&null_fd);
	close_fd(&sv.errfd);
	relays_free(&sv);
	return rc;
}
