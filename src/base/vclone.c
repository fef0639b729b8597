/*
 * clone(CLONE_VM | CLONE_VFORK) with a child stack and every signal
 * blocked across the call (vclone.h says why and what the child may do).
 */
#include "vclone.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The child runs cleanroom's setup code (snprintf into PATH_MAX buffers,
 * the PATH search): a few pages; 256 KiB leaves room, and the guard page
 * below turns an overflow into a fault instead of a write into the
 * parent's heap. Pages never touched are never backed. */
#define CHILD_STACK ((size_t)256 << 10)
#define GUARD	    ((size_t)4096)

pid_t vclone(int (*fn)(void *), void *arg)
{
	/* All 64 signals, the libc's own (musl 32-34) too: a raw
	 * rt_sigprocmask, since the libc's sigprocmask leaves those out. */
	unsigned long all = ~0UL, old = 0;
	char *map;
	pid_t pid;
	int saved = 0;

	map = mmap(NULL, GUARD + CHILD_STACK, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (map == MAP_FAILED)
		return -errno;
	if (mprotect(map + GUARD, CHILD_STACK, PROT_READ | PROT_WRITE) < 0) {
		saved = errno;
		(void)munmap(map, GUARD + CHILD_STACK);
		return -saved;
	}
	if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, sizeof all) <
	    0) {
		saved = errno;
		(void)munmap(map, GUARD + CHILD_STACK);
		return -saved;
	}
	/* The stack grows down: its top is the end of the mapping. The
	 * parent resumes when the child execs or exits, so the stack is
	 * free to go when clone returns. */
	pid = clone(fn, map + GUARD + CHILD_STACK,
		    CLONE_VM | CLONE_VFORK | SIGCHLD, arg);
	if (pid < 0)
		saved = errno;
	(void)syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, sizeof old);
	(void)munmap(map, GUARD + CHILD_STACK);
	return pid < 0 ? -saved : pid;
}

void vclone_exit(int status)
{
	for (;;)
		(void)syscall(SYS_exit_group, status);
}
