/*
 * The build's HOME when it runs as another user than cleanroom's (plan.h,
 * private_home): an empty directory of its own, at one stable path
 * (PLAN_HOME) so that a tool that writes HOME into what it builds writes
 * the same bytes on every run, and emptied before every build so that
 * nothing a build cached there reaches the next one. The path is
 * cleanroom's only while it holds a lock on the directory (flock on its
 * fd): a second cleanroom running at the same time finds it locked and
 * gives its build a HOME inside its private TMPDIR instead, and says so.
 * A killed cleanroom's lock dies with it, and the next one empties what
 * it left. Everything is done beneath an fd of /tmp, never through a link
 * the build (or another user of /tmp) could have put in the path's place.
 *
 * Ownership: the caller's struct build_home; build_home_remove empties
 * and removes the directory and closes the fd (it holds the lock).
 */
#ifndef CLEANROOM_BUILDHOME_H
#define CLEANROOM_BUILDHOME_H

#include <sys/types.h>

#include "err.h"

struct build_home {
	char path[96]; /* the HOME the build gets */
	int fd;	       /* the stable directory, locked; -1 otherwise */
	int stable;    /* path is PLAN_HOME */
	int made;      /* there is a directory to remove */
};

/* Makes the build's HOME, empty, 0700, cleanroom's: PLAN_HOME, or
 * tmpdir/home when another cleanroom holds PLAN_HOME. Returns 0, or -1
 * with e filled (ERR_SYSTEM). */
int build_home_make(struct build_home *h, const char *tmpdir, struct err *e);

/* Removes what build_home_make made (a HOME inside tmpdir goes with the
 * tmpdir: only the lock is let go). Safe on a zeroed or failed h. */
void build_home_remove(struct build_home *h);

#endif
