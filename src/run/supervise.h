/*
 * Supervision of the build (DESIGN.md "The sandbox", Supervision): run the
 * command in its own session under the sandbox, relay its output with the
 * secrets masked, forward termination signals to it, enforce the timeout,
 * and leave nothing of it running - not even processes that called setsid
 * or double-forked - before returning its status.
 *
 * The calling process becomes a child subreaper (orphans of the build are
 * re-parented to it, so every descendant stays findable and killable) and
 * non-dumpable (so a build running as the same uid cannot read its memory
 * or environment through /proc, nor ptrace it, once the build's
 * capabilities are gone). Both stay set after supervise_run returns: the
 * parent still holds the secrets.
 *
 * Preconditions: the caller is single-threaded (the child runs code
 * between fork and exec) and has no other children (every child of the
 * caller is treated as part of the build and reaped). Fds 0-2 should be
 * open; the relay writes to 1 and 2.
 *
 * Ownership: the options and everything they point to are the caller's
 * and must outlive the call. supervise_run fills the caller's result;
 * supervise_result_free releases what it allocated in it.
 */
#ifndef CLEANROOM_SUPERVISE_H
#define CLEANROOM_SUPERVISE_H

#include <stddef.h>
#include <sys/types.h>

#include "cgroup.h"
#include "err.h"

#define SUPERVISE_GRACE_MS  10000 /* SIGTERM to SIGKILL after a timeout */
#define SUPERVISE_DRAIN_MS  1000  /* output left open after the exit */
#define SUPERVISE_WATCH_MAX 64	  /* longest string opts.watch may hold */
#define SUPERVISE_LINE_MAX  512	  /* a watched string's line, kept */

struct supervise_opts {
	/* argv[0] without a slash is searched in the PATH of envp (not
	 * cleanroom's), as execvpe does: EXIT_NOTFOUND when not found,
	 * EXIT_NOEXEC when found but not executable (err.h); a file without
	 * a #! line runs under /bin/sh. */
	char *const *argv;
	char *const *envp;   /* the child's whole environment */
	const char *workdir; /* chdir there in the child; NULL: stay */
	/*
	 * Called in the child after setsid, fds 0-2 and the chdir, just
	 * before the PATH search and execve; the integrator points it at
	 * sandbox_apply. On failure it writes one line to errfd and returns
	 * -1; the child then _exits EXIT_INTERNAL and supervise_run fails
	 * (ERR_SYSTEM, with that line). The child shares cleanroom's memory
	 * (vclone.h): it must not allocate, take a lock or call a libc
	 * wrapper that reaches other threads (set*id, setrlimit). NULL:
	 * none.
	 */
	int (*child_setup)(void *arg, int errfd);
	void *child_setup_arg;
	long timeout_ms; /* < 0: none */
	long grace_ms;	 /* < 0: SUPERVISE_GRACE_MS */
	/* After the command exits, how long output that something else still
	 * holds open is relayed before the rest of the build is killed.
	 * < 0: SUPERVISE_DRAIN_MS. */
	long drain_ms;
	/* Secret values, masked in the relay (mask.h: length >= 4). */
	const char *const *masks;
	size_t nmasks;
	/* Names of withheld variables, searched for in the output. */
	const char *const *withheld;
	size_t nwithheld;
	/* Byte strings searched for in the output (either stream, before
	 * masking), exactly as given, anywhere - also across reads - e.g.
	 * the messages of a refused network access. Each is 1 to
	 * SUPERVISE_WATCH_MAX bytes; longer or empty ones never match. */
	const char *const *watch;
	size_t nwatch;
	int quiet; /* no phase line (errors are still printed) */
	/* The command's standard output is relayed to stderr, keeping
	 * cleanroom's standard output for itself (--report -). */
	int stdout_to_stderr;
	/* The build runs as another user (sandbox_user_ids): the pipes its
	 * standard output and error go to are given to these ids, so that
	 * it can open /dev/stdout and /dev/stderr (a pipe's inode is mode
	 * 0600, its creator's). 0: they stay cleanroom's. */
	int pipes_to_build;
	uid_t build_uid;
	gid_t build_gid;
	/* Where the build's own cgroup goes (cgroup.h, from the sandbox
	 * probe), and its limits (< 0: none). The group is made before the
	 * fork and joined by the child before child_setup (while it is
	 * still root); the sweep empties it, and it is removed before
	 * supervise_run returns. NULL, or no place: no group. */
	const struct cgroup_where *cgroup;
	int64_t cgroup_memory, cgroup_processes;
};

struct supervise_result {
	/* The exit status (err.h): the command's exit code; EXIT_SIGNAL + N
	 * when killed by signal N; EXIT_TIMEOUT on timeout; EXIT_NOEXEC or
	 * EXIT_NOTFOUND when it could not be executed. */
	int status;
	int exit_code;	 /* the command's own exit code, or -1 */
	int signal;	 /* the signal that ended the command, or 0 */
	int timed_out;	 /* the timeout fired (EXIT_TIMEOUT) */
	int exec_failed; /* execve failed: EXIT_NOEXEC or EXIT_NOTFOUND */
	int forwarded;	 /* the last of SIGINT/SIGTERM/SIGHUP cleanroom got and
			    passed on, or 0: the caller was interrupted */
	unsigned swept;	 /* live processes of the build killed after the
			    command had exited or timed out */
	unsigned unkillable; /* processes still present when the sweep gave
				up (stuck in the kernel); normally 0 */
	int output_cut;	     /* output was still open when it was cut off after
				the drain window */
	int in_cgroup;	     /* the build ran in its own cgroup */
	long oom_kills;	     /* processes of the build the kernel killed at
				the cgroup's memory limit; -1: unknown */
	long fork_refused;   /* forks refused at its processes limit; -1 */
	long duration_ms;    /* from the start to the command's exit */
	/* Withheld names that appeared in the output (in either stream),
	 * in the order of opts->withheld; the strings are opts'. */
	const char **named;
	size_t nnamed;
	/* The strings of opts->watch that appeared in the output, in the
	 * order of opts->watch; the strings are opts'. watched_line[k] is
	 * the output line where watched[k] was first seen, unmasked and
	 * NUL-terminated: from at most SUPERVISE_LINE_MAX / 2 bytes before
	 * the string to the line's end, SUPERVISE_LINE_MAX - 1 bytes at
	 * most; the array is the result's. */
	const char **watched;
	char (*watched_line)[SUPERVISE_LINE_MAX];
	size_t nwatched;
};

/*
 * Runs the build and waits until it and everything it started are gone.
 * Returns 0 with r filled - whatever the build's status, including
 * EXIT_TIMEOUT, EXIT_NOEXEC and EXIT_NOTFOUND - or -1 with e filled
 * (ERR_SYSTEM: cleanroom could not run it, or the child setup failed;
 * r->status is EXIT_INTERNAL then) and nothing of
 * the build left running. Prints the phase line ("cleanroom: build: exit
 * 0 in 1.23 s") on stderr unless quiet, and an exec failure ("cleanroom:
 * build: bundle: command not found in PATH ...") always.
 */
int supervise_run(const struct supervise_opts *o, struct supervise_result *r,
		  struct err *e);
void supervise_result_free(struct supervise_result *r);

/* The phase line's text without the "cleanroom: " prefix or a newline,
 * e.g. "build: exit 3 in 0.02 s" or "build: timed out after 15m, killed
 * (exit 124); 2 leftover processes swept". */
void supervise_describe(const struct supervise_result *r, long timeout_ms,
			char *buf, size_t size);

/*
 * Exposed for the tests. Lists the live descendants of the calling
 * process (pid and parent pid, parents before children) into the caller's
 * arrays of cap entries; *n gets how many there are, which may exceed
 * cap. From /proc/self/task/ * /children where the kernel offers it
 * (CONFIG_PROC_CHILDREN), otherwise by reading every /proc/PID/stat;
 * force_scan takes the second way. Returns 0 or -1 with errno.
 */
int supervise_descendants(pid_t *pid, pid_t *ppid, size_t cap, size_t *n,
			  int force_scan);

#endif
