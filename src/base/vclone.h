/*
 * A child that shares our memory until it execs or exits:
 * clone(CLONE_VM | CLONE_VFORK) on a stack of its own, the way
 * posix_spawn starts a program. It spares the copy of cleanroom's page
 * tables that fork makes (and the child's exit tearing them down, and
 * the parent's copy-on-write faults after it), which is most of what a
 * fork of a big static binary costs.
 *
 * The price is what the child may do: it runs on memory the suspended
 * parent owns, so it may not allocate, take a lock or call a libc
 * wrapper that reaches other threads (musl's set*id and setrlimit do,
 * through __synccall); system calls, stack buffers and snprintf only,
 * then execve or _exit. The stack is owned here and freed once the
 * child has left it.
 */
#ifndef CLEANROOM_VCLONE_H
#define CLEANROOM_VCLONE_H

#include <sys/types.h>

/* Runs fn(arg) in a new child and returns its pid once the child has
 * execed or exited, or -errno. SIGCHLD is its exit signal, as with fork.
 * Every signal is blocked in the child when fn starts (a handler of
 * ours must not run on shared memory): fn resets dispositions and the
 * mask before unblocking. If fn returns, the child exits with that
 * status. */
pid_t vclone(int (*fn)(void *), void *arg);

/* Ends a vclone child at once (exit_group, as _exit). Not declared
 * noreturn on purpose: ASan instruments every call of a noreturn
 * function (__asan_handle_no_return) and warns on stderr when the stack
 * is one it did not make, as the child's is. */
void vclone_exit(int status);

#endif
