/*
 * `cleanroom start [OPTIONS] -- SERVER [ARG...]`: the Procfile wrapper.
 * Under an exclusive flock (two starts in one directory build once), the
 * stamp over the spec, the build's environment, the command and the
 * declared inputs is compared with the one recorded by the last successful
 * build. Fresh, and every output it recorded still there with its size
 * (all hashes too with --verify full): exec SERVER at once. Stale: build,
 * verify and lock as `run` does (run records the stamp, written whole or
 * not at all), then exec SERVER. The server gets cleanroom's own, full
 * environment, not the build's, and cleanroom's pid. The state is
 * freshness.h's.
 */
#include "commands.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "freshness.h"
#include "io.h"
#include "msg.h"

/* --verify full: every check and the lock, as `cleanroom verify`. */
static int verify_full(const struct cli *c, struct err *e)
{
	struct cli vc = *c;

	vc.cmd = CMD_VERIFY;
	return cmd_verify(&vc, e);
}

static int exec_server(const struct cli *c, struct err *e)
{
	/* The lock fd is close-on-exec: the next start may proceed. */
	execvp(c->argv[0], c->argv);
	err_set(e, ERR_CHILD, NULL, 0, 0, "cannot run %s: %s", c->argv[0],
		strerror(errno));
	e->status = errno == ENOENT ? 127 : 126;
	return -1;
}

int cmd_start(const struct cli *server, struct err *e)
{
	/* The command after -- is the server's; the build's comes from the
	 * spec or the preset, in everything but exec_server. */
	struct cli bc = *server, *c = &bc;
	struct freshness_stash stash;
	char hex[65];
	int fd, rc, full = c->verify != NULL && strcmp(c->verify, "full") == 0;
	double t0 = io_now_ms();

	bc.argv = NULL;
	bc.argc = 0;
	if (mkdir(FRESHNESS_DIR, 0755) < 0 && errno != EEXIST)
		return err_sys(e, errno, "%s", FRESHNESS_DIR);
	fd = open(FRESHNESS_START_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_sys(e, errno, "%s", FRESHNESS_START_LOCK);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return err_sys(e, errno, "locking %s",
				       FRESHNESS_START_LOCK);
	if (freshness_stamp(c, hex, e) < 0)
		return -1;
	if (freshness_fresh(hex) && (!full || verify_full(c, e) == 0)) {
		msg_info("start: fresh (stamp %.12s, %.1f ms): starting %s",
			 hex, io_now_ms() - t0, server->argv[0]);
		return exec_server(server, e);
	}
	msg_info("start: stale (stamp %.12s): building", hex);
	/* The build is run's, with the spec's or the preset's command: the
	 * command after -- is the server's. */
	bc.cmd = CMD_RUN;
	/* Keep a copy of the previous verified set while the build runs: a
	 * build may empty its output directory (Vite, webpack) or leave
	 * files that fail verification, and after a failure the previous set
	 * must still be there, whole, and nothing unverified beside it. */
	freshness_stash_init(&stash);
	if (access(FRESHNESS_STAMP, F_OK) == 0 &&
	    freshness_stash(c, &stash, e) < 0)
		return -1;
	if (cmd_run(&bc, e) < 0) {
		struct err why = *e;
		size_t removed, restored;

		if (!stash.kept || why.kind == ERR_USAGE) {
			freshness_drop_stash(&stash);
			return -1;
		}
		rc = freshness_restore(c, &stash, &removed, &restored, e);
		freshness_drop_stash(&stash);
		if (rc < 0 || verify_full(c, e) < 0) {
			err_hint(e,
				 "the build failed (%s), and the previous "
				 "output set could not be restored whole",
				 why.msg);
			return -1;
		}
		msg_warn("start: the build failed; the previous verified set "
			 "is back (%zu files restored and checked against its "
			 "lock, %zu files of the failed build removed)",
			 restored, removed);
		if (!c->serve_stale) {
			*e = why;
			return -1;
		}
		msg_warn("the build failed (%s); serving the previous "
			 "verified outputs (--serve-stale)",
			 why.msg);
		return exec_server(server, e);
	}
	freshness_drop_stash(&stash);
	msg_info("start: built and recorded in %.2f s: starting %s",
		 (io_now_ms() - t0) / 1e3, server->argv[0]);
	return exec_server(server, e);
}
