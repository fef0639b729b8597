/*
 * vclone.h: the child shares our memory, starts with every signal
 * blocked, runs to its exec or exit before vclone returns, and leaves the
 * parent's signal mask as it was.
 */
#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "vclone.h"

struct shared {
	int wrote;
	unsigned long mask;
	int done;
};

static int child_writes(void *arg)
{
	struct shared *s = arg;
	struct timespec ts = {0, 20 * 1000 * 1000};

	s->wrote = 42;
	(void)syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &s->mask,
		      sizeof s->mask);
	/* Late on purpose: with CLONE_VFORK the parent still waits. */
	(void)nanosleep(&ts, NULL);
	s->done = 1;
	return 7;
}

static int child_execs(void *arg)
{
	char *const argv[] = {(char *)"true", NULL};
	char *const envp[] = {NULL};

	(void)arg;
	execve("/bin/true", argv, envp);
	vclone_exit(127);
	return 127;
}

TAP_SUITE(vclone)
{
	struct shared s = {0, 0, 0};
	unsigned long before = 0, after = 1;
	int status = -1;
	pid_t pid;

	(void)syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &before,
		      sizeof before);
	pid = vclone(child_writes, &s);
	T_OK(pid > 0, "a child is started");
	T_INT(s.done, 1, "vclone returns once the child has exited");
	T_INT(s.wrote, 42, "the child wrote into the parent's memory");
	/* All but SIGKILL and SIGSTOP, which the kernel never blocks. */
	T_OK(s.mask ==
		     (~0UL & ~(1UL << (SIGKILL - 1)) & ~(1UL << (SIGSTOP - 1))),
	     "every signal is blocked in the child (%#lx)", s.mask);
	(void)syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &after,
		      sizeof after);
	T_OK(before == after, "the parent's mask is given back");
	T_INT(waitpid(pid, &status, 0), pid, "it is our child (SIGCHLD)");
	T_OK(WIFEXITED(status) && WEXITSTATUS(status) == 7,
	     "fn's return value is its exit status");

	pid = vclone(child_execs, NULL);
	T_OK(pid > 0, "a child that execs");
	status = -1;
	T_INT(waitpid(pid, &status, 0), pid, "reaped");
	T_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	     "the exec ran /bin/true");
}
