/*
 * Private to the three files of the supervise module: supervise.c (the
 * parent's relay loop and supervise_run), supervise_child.c (the child
 * between fork and exec) and supervise_procs.c (the build's processes:
 * their tree, signals, exits and the sweep). Not a contract for any other
 * file: supervise.h is.
 */
#ifndef CLEANROOM_SUPERVISE_PARTS_H
#define CLEANROOM_SUPERVISE_PARTS_H

#include "supervise.h"

#include "buf.h"
#include "kabi.h"
#include "mask.h"
#include "termsafe.h"

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

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
	struct cgroup cg; /* the build's group; cg.n == 0: none */
};

static inline long long now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- supervise_child.c ---- */

/* What the build's child is given: the fds for 0-2 and the error pipe. */
struct sv_child_args {
	const struct sv *sv;
	int null_fd, out_w, err_w, errw;
};

/* The build's child, started by vclone with a struct sv_child_args: a
 * clean slate (signals, session, fds 0-2 from null_fd, out_w, err_w, the
 * workdir), the caller's child_setup, then the exec. It shares the
 * parent's memory until the exec: system calls and stack buffers only.
 * Never returns; a failure is written to errw and ends the child. */
int sv_child_main(void *args);

/* ---- supervise_procs.c ---- */

/* Signals the command's process group (the command alone before its
 * setsid); nothing once the command is reaped. */
void sv_signal_group(const struct sv *sv, int sig);

/* Reads the signalfd: with act, reaps, notes the command's exit and
 * forwards the others to the build; without, only records what came. */
void sv_read_signals(struct sv *sv, int act);

/* Kills every process left of the build, round after round, until none
 * is left or SWEEP_LIMIT_MS has passed (then r->unkillable). */
void sv_sweep(struct sv *sv);

/* Reaps the command (once; its exit was seen with WNOWAIT). */
void sv_reap_command(struct sv *sv);

/* Whether this process has a child left. */
int sv_has_children(void);

#endif
