/*
 * start's init (init1.h): the server runs as a child of cleanroom, which
 * stays PID 1 and does what the kernel expects of an init. Two kernel
 * rules force this. A PID 1 receives only the signals it has a handler for
 * (pid_namespaces(7)), so a server exec'd into PID 1 without a SIGTERM
 * handler never sees `docker stop`'s SIGTERM and is SIGKILLed after the
 * timeout (137). And orphans are reparented to PID 1, which must wait for
 * them, or they stay zombies. Written after tini: every signal handled is
 * blocked and taken with sigwaitinfo (a blocked signal is queued for PID 1
 * even without a handler), and each SIGCHLD reaps with WNOHANG until
 * nothing is left.
 */
#include "init1.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io.h"
#include "kabi.h"
#include "msg.h"

/* What `docker stop`, `docker kill -s`, a terminal and process managers
 * send that a server is expected to act on. */
static const int forwarded[] = {SIGTERM, SIGINT,  SIGHUP,  SIGQUIT,
				SIGUSR1, SIGUSR2, SIGWINCH};

int init1_wanted(int on, int off, long pid)
{
	if (on)
		return 1;
	if (off)
		return 0;
	return pid == 1;
}

/* The fds marked close-on-exec are cleanroom's own (it opens everything
 * O_CLOEXEC, start's lock among them): an exec would have dropped them, so
 * the server must not get them, and the init closes them too, since it
 * outlives the exec that would have released the lock. Fds the caller
 * passed on without the flag stay, as they would through exec. */
static void close_own_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int self, fds[1024];
	size_t n = 0;

	if (d == NULL) {
		/* No /proc: everything above 2 goes, the lock with it. */
		(void)syscall(__NR_close_range, 3U, ~0U, 0U);
		return;
	}
	self = dirfd(d);
	while ((de = readdir(d)) != NULL && n < sizeof fds / sizeof fds[0]) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);

		if (*end == '\0' && end != de->d_name && fd > 2 && fd != self)
			fds[n++] = (int)fd;
	}
	(void)closedir(d);
	for (size_t i = 0; i < n; i++) {
		int flags = fcntl(fds[i], F_GETFD);

		if (flags >= 0 && (flags & FD_CLOEXEC))
			(void)close(fds[i]);
	}
}

/* The libc keeps a few real-time signals for itself (musl 32-34, glibc
 * 32-33) and its sigaction refuses them, but a caller may have left them
 * ignored, and an ignored signal survives execve: the kernel's own call
 * resets them. Its struct is the kernel's (handler, flags, restorer,
 * mask); SIG_DFL needs no restorer. */
static void default_reserved(int sig)
{
	struct kabi_sigaction k = {SIG_DFL, 0, NULL, 0};

	(void)syscall(SYS_rt_sigaction, sig, &k, NULL, sizeof k.mask);
}

/* In the child, before exec: its own process group, given the terminal
 * when there is one (so a terminal's ^C reaches the server once, not also
 * through the forwarding), then every disposition back to SIG_DFL and an
 * empty mask: a handler or an ignored signal of cleanroom's must not
 * survive into the server (ignored ones would survive execve). A signal
 * forwarded before this point is pending and ends the child here. */
static _Noreturn void child_exec(char *const argv[], int errw)
{
	struct sigaction dfl;
	sigset_t set;
	int err;

	if (setpgid(0, 0) == 0 && isatty(STDIN_FILENO)) {
		/* From a background group tcsetpgrp raises SIGTTOU unless it
		 * is blocked. */
		sigemptyset(&set);
		sigaddset(&set, SIGTTOU);
		(void)sigprocmask(SIG_BLOCK, &set, NULL);
		(void)tcsetpgrp(STDIN_FILENO, getpgrp());
	}
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP &&
		    sigaction(s, &dfl, NULL) < 0 && errno == EINVAL)
			default_reserved(s);
	sigemptyset(&set);
	(void)sigprocmask(SIG_SETMASK, &set, NULL);
	execvp(argv[0], argv);
	err = errno;
	/* The parent reads it from the close-on-exec pipe: exec failed. */
	(void)io_write_all(errw, &err, sizeof err);
	_exit(127);
}

/* Reads the child's exec errno: 0 when the pipe closed on a good exec. */
static int exec_result(int errr)
{
	int err = 0;
	ssize_t r;

	do
		r = read(errr, &err, sizeof err);
	while (r < 0 && errno == EINTR);
	return r == (ssize_t)sizeof err ? err : 0;
}

static int status_of(int wstatus)
{
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return WEXITSTATUS(wstatus);
}

/* Waits for every child that has ended; returns 1 when server was one of
 * them, with its wait status in *wstatus. */
static int reap(pid_t server, int *wstatus)
{
	int found = 0, st;
	pid_t p;

	while ((p = waitpid(-1, &st, WNOHANG)) != 0) {
		if (p < 0) {
			if (errno == EINTR)
				continue;
			break; /* ECHILD: nothing left */
		}
		if (p == server) {
			*wstatus = st;
			found = 1;
		} else {
			msg_debug("start: init: reaped pid %ld", (long)p);
		}
	}
	return found;
}

int init1_run(char *const argv[], struct err *e)
{
	struct sigaction dfl;
	sigset_t set, old;
	siginfo_t si;
	int pipefd[2], err, wstatus = 0, status;
	pid_t server;

	close_own_fds();
	/* Orphans of the server come to us to be reaped: the kernel does it
	 * for PID 1, a subreaper asks for it (--init elsewhere). */
	if (getpid() != 1)
		(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
		sigaddset(&set, forwarded[i]);
	/* SIGCHLD at SIG_DFL: with SIG_IGN the kernel would reap the server
	 * itself and its status would be lost. */
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	if (sigprocmask(SIG_BLOCK, &set, &old) < 0 ||
	    sigaction(SIGCHLD, &dfl, NULL) < 0)
		return err_sys(e, errno, "start: init: signals");
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return err_sys(e, errno, "start: init: pipe");
	server = fork();
	if (server < 0) {
		err = errno;
		(void)close(pipefd[0]);
		(void)close(pipefd[1]);
		(void)sigprocmask(SIG_SETMASK, &old, NULL);
		return err_sys(e, err, "start: init: fork");
	}
	if (server == 0)
		child_exec(argv, pipefd[1]);
	(void)close(pipefd[1]);
	err = exec_result(pipefd[0]);
	(void)close(pipefd[0]);
	if (err != 0) {
		(void)waitpid(server, NULL, 0);
		err_set(e, ERR_CHILD, NULL, 0, 0, "cannot run %s: %s", argv[0],
			strerror(err));
		e->status = err == ENOENT ? 127 : 126;
		return -1;
	}
	msg_debug("start: init: %s is pid %ld; forwarding signals to it",
		  argv[0], (long)server);
	for (;;) {
		int sig = sigwaitinfo(&set, &si);

		if (sig < 0)
			continue; /* EINTR: a stop and continue */
		if (sig == SIGCHLD) {
			if (reap(server, &wstatus))
				break;
			continue;
		}
		/* ESRCH: the server is gone and SIGCHLD is on its way. */
		(void)kill(server, sig);
	}
	status = status_of(wstatus);
	if (status == 0)
		return 0;
	if (WIFSIGNALED(wstatus))
		err_set(e, ERR_CHILD, NULL, 0, 0,
			"server %s was ended by signal %d (%s)", argv[0],
			WTERMSIG(wstatus), strsignal(WTERMSIG(wstatus)));
	else
		err_set(e, ERR_CHILD, NULL, 0, 0,
			"server %s exited with status %d", argv[0], status);
	e->status = status;
	return -1;
}
