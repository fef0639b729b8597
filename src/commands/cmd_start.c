/*
 * `cleanroom start [OPTIONS] -- SERVER [ARG...]`: the Procfile wrapper.
 * Under an exclusive flock (two starts in one directory build once), the
 * stamp over the spec, the build's environment, the command and the
 * declared inputs is compared with the one recorded by the last successful
 * build. Fresh, and every output it recorded still there with its size
 * (all hashes too with --verify full): exec SERVER at once. Stale: build,
 * verify and lock as `run` does (run_build records the stamp, written
 * whole or not at all), then exec SERVER. One job serves the whole start:
 * the spec and each env file are read once. The server gets cleanroom's
 * own, full environment, not the build's, cleanroom's pid, and the
 * directory start was started in; it is not a subreaper even when a build
 * made cleanroom one. The state is freshness.h's.
 */
#include "commands.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "freshness.h"
#include "init1.h"
#include "io.h"
#include "msg.h"
#include "proof.h"
#include "run.h"

/* --verify full, and the check of a restored set: every check and the
 * lock, as `cleanroom verify`. */
static int verify_full(struct job *j, struct err *e)
{
	struct proof_opts o = {0};

	return proof_check(j, &o, e);
}

/* The server replaces cleanroom, in the directory start was started in,
 * with nothing of the build's state: the start lock is released (every
 * later start would block on it) and the subreaper flag a build set is
 * cleared (the server's orphans are not its to collect). */
static int exec_server(struct job *j, int lockfd, const struct cli *c,
		       struct err *e)
{
	if (lockfd >= 0)
		(void)close(lockfd);
	if (prctl(PR_SET_CHILD_SUBREAPER, 0) < 0)
		return err_sys(e, errno, "start: clearing the subreaper flag");
	if (job_leave(j) < 0)
		return err_sys(e, errno, "returning to the starting directory");
	/* As PID 1 the server runs as cleanroom's child (init1.h). */
	if (init1_wanted(c->init, c->no_init, getpid()))
		return init1_run(c->argv, e);
	execvp(c->argv[0], c->argv);
	err_set(e, ERR_CHILD, NULL, 0, 0, "cannot run %s: %s", c->argv[0],
		strerror(errno));
	e->status = errno == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC;
	return -1;
}

/* After a failed build: the previous verified set back, checked. */
/* One warning says it all: what failed, what is back, and whether it is
 * served (why->msg already says "the build failed ..."). */
static int after_failure(struct job *j, const struct freshness_stash *stash,
			 const struct err *why, int serve, struct err *e)
{
	size_t removed, restored;

	if (freshness_restore(j, stash, &removed, &restored, e) < 0 ||
	    verify_full(j, e) < 0) {
		err_hint(e,
			 "%s, and the previous output set could not be "
			 "restored whole",
			 why->msg);
		return -1;
	}
	msg_warn("start: %s; the previous verified set is back (%zu files "
		 "restored and checked against its lock, %zu files of the "
		 "failed build removed)%s",
		 why->msg, restored, removed,
		 serve ? ": serving it (--serve-stale)" : "");
	return 0;
}

/* -v: what the stamp covered, and why it is stale. */
static void say_considered(const struct buf *parts)
{
	struct buf b = {0};

	if (freshness_considered(parts, &b) == 0 && b.p != NULL)
		msg_debug("start: the stamp covers %s", b.p);
	buf_free(&b);
}

static void say_why(const char *hex, const struct buf *parts)
{
	struct buf b = {0};

	if (freshness_explain(hex, parts, &b) == 0 && b.p != NULL)
		msg_debug("start: stale because %s", b.p);
	buf_free(&b);
}

int cmd_start(struct job *j, const struct cli *c, struct err *e)
{
	struct freshness_stash stash;
	struct run_opts ro = {.record_stamp = 1};
	char hex[65];
	int fd, rc = -1,
		full = c->verify != NULL && strcmp(c->verify, "full") == 0;
	double t0 = io_now_ms();
	int verbose = msg_level() >= MSG_VERBOSE;
	struct buf parts = {0};

	if (mkdir(JOB_STATE_DIR, 0755) < 0 && errno != EEXIST)
		return err_sys(e, errno, "%s", JOB_STATE_DIR);
	fd = open(FRESHNESS_START_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_sys(e, errno, "%s", FRESHNESS_START_LOCK);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			err_sys(e, errno, "locking %s", FRESHNESS_START_LOCK);
			goto out;
		}
	if (freshness_stamp(j, hex, verbose ? &parts : NULL, e) < 0)
		goto out;
	if (verbose)
		say_considered(&parts);
	if (freshness_fresh(hex) && (!full || verify_full(j, e) == 0)) {
		buf_free(&parts);
		msg_info("start: fresh (stamp %.12s, %.1f ms): starting %s",
			 hex, io_now_ms() - t0, c->argv[0]);
		return exec_server(j, fd, c, e);
	}
	msg_info("start: stale (stamp %.12s): building", hex);
	if (verbose)
		say_why(hex, &parts);
	buf_free(&parts);
	/* Keep a copy of the previous verified set while the build runs: a
	 * build may empty its output directory (Vite, webpack) or leave
	 * files that fail verification, and after a failure the previous set
	 * must still be there, whole, and nothing unverified beside it. */
	freshness_stash_init(&stash);
	if (access(FRESHNESS_STAMP, F_OK) == 0 &&
	    freshness_stash(j, &stash, e) < 0)
		goto out;
	if (run_build(j, &ro, e) < 0) {
		struct err why = *e;

		if (!stash.kept || why.kind == ERR_USAGE) {
			freshness_drop_stash(&stash);
			goto out;
		}
		rc = after_failure(j, &stash, &why, c->serve_stale, e);
		freshness_drop_stash(&stash);
		if (rc < 0)
			goto out;
		rc = -1;
		if (!c->serve_stale) {
			*e = why;
			goto out;
		}
		return exec_server(j, fd, c, e);
	}
	freshness_drop_stash(&stash);
	msg_info("start: built and recorded in %.2f s: starting %s",
		 (io_now_ms() - t0) / 1e3, c->argv[0]);
	return exec_server(j, fd, c, e);
out:
	buf_free(&parts);
	(void)close(fd);
	return rc;
}
