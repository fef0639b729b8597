/*
 * What `cleanroom start` does after the build when it is a container's
 * PID 1 (the usual `CMD ["cleanroom", "start", "--", SERVER...]`): the
 * work of an init, as tini and dumb-init do it, instead of exec'ing the
 * server into PID 1, where a server without a SIGTERM handler ignores
 * `docker stop` and nothing reaps orphaned children.
 */
#ifndef CLEANROOM_INIT1_H
#define CLEANROOM_INIT1_H

#include "err.h"

/* Whether start stays as the server's init: with --init (on) always, with
 * --no-init (off) never, else when pid is 1. Pure. */
int init1_wanted(int on, int off, long pid);

/* Runs argv (argv[0] searched in PATH) as a child with a clean signal mask
 * and dispositions, the fds an exec would have passed on (fds 0-2 and
 * whatever was not close-on-exec: never cleanroom's own, such as start's
 * lock, which is closed here before the fork so that a later start does
 * not block on it) and this process's environment. Until the child exits
 * it forwards SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and
 * SIGWINCH to it and reaps every child that ends, orphans included (when
 * not PID 1, it becomes a child subreaper for that).
 *
 * Returns 0 when the server exited 0; otherwise -1 with e filled:
 * ERR_CHILD with e->status the server's exit status (128+N when signal N
 * ended it; 127 when argv[0] was not found, 126 when it could not be
 * run), or ERR_SYSTEM when no child could be made. */
int init1_run(char *const argv[], struct err *e);

#endif
