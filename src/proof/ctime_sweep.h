/*
 * The ctime sweep (issue 13, item 4): what a build that kept uid 0 changed
 * outside the writable set without writing a file's contents. Landlock
 * governs writes, not chmod, chown, utimensat or setxattr, so a root build
 * can make a binary in /usr setuid, open up the env file's mode or reset a
 * file's times, and the image layer keeps it. Every such change (and every
 * content write, link or unlink) sets the inode's ctime to the kernel's
 * coarse clock, which no call can set back; so after the build, every
 * inode under the swept roots whose ctime is in the build's window is
 * reported: at or after the build's start, and not after the sweep's own
 * start (the build's processes are gone by then; a later change is some
 * other process's, counted in `after`, and hides whatever the build did
 * to that inode before it: a busy host's churn, not a build's doing).
 *
 * The walk: getdents64 in a 64 KiB buffer and fstatat(AT_SYMLINK_NOFOLLOW)
 * per entry, directories opened beneath their parent's fd with O_NOFOLLOW:
 * no link is ever followed (a link's own ctime is looked at). A root is
 * opened from "/" with no link on the way (beneath_open): a root that is
 * a link itself (/bin -> usr/bin) is looked at, not entered; one with a
 * link further up is counted unswept. The workdir is walked through its
 * fd pinned before the build. Mounts are
 * crossed (the overlay of a `docker build` and bind mounts are the point),
 * except into pseudo filesystems (proc, sysfs, devpts, cgroup, ...), whose
 * ctimes are the kernel's and say nothing of the build. A skipped path
 * (the writable set, the output roots, cleanroom's state dir, given in
 * both the spelled and the resolved form) is neither reported nor
 * entered. With `lenient_ancestors` (Landlock off: a tool may remove and
 * make an output root again, which changes its parent's ctime), an
 * ancestor of a skipped path is reported only when its mode, owner or
 * group differs from what it was at ctime_sweep_begin; with Landlock on
 * the build cannot do that, and an ancestor is reported like any inode
 * (a `touch -d` or an xattr of the workdir).
 *
 * The start time: ctime_sweep_begin waits for the coarse clock to tick
 * (at most a few ms) and takes that tick as the start, so that nothing
 * cleanroom did before it can carry a ctime at or after it.
 *
 * Kernel-touching code, kept out of the pure modules; errors are values.
 * Ownership: ctime_sweep_begin returns a sweep the caller frees with
 * ctime_sweep_free (it copies what it keeps of the options);
 * ctime_sweep_run fills a caller-owned result, freed by
 * ctime_result_free.
 */
#ifndef CLEANROOM_CTIME_SWEEP_H
#define CLEANROOM_CTIME_SWEEP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"

/* The roots swept by default, besides the working tree. */
extern const char *const ctime_default_roots[];
/* Beneath those, never swept (the system's own churn). */
extern const char *const ctime_default_skips[];

struct ctime_sweep_opts {
	/* Absolute directories to sweep; one that does not exist is
	 * skipped, one inside another is swept once. */
	const char *const *roots;
	size_t nroots;
	/* Absolute paths neither reported nor entered. */
	const char *const *skip;
	size_t nskip;
	/* Paths beneath it are shown relative to it (the workdir, itself
	 * shown as "."), or NULL. With pin_base, the root equal to base is
	 * walked through base_fd (the workdir's fd, pinned before the build,
	 * borrowed for the sweep's lifetime), not through its path. */
	const char *base;
	int pin_base, base_fd;
	size_t max_named;      /* how many paths the result keeps (0: 20) */
	int lenient_ancestors; /* see above */
};

struct ctime_change {
	char *path; /* shown: relative to base, else absolute */
	uint32_t mode;
	uint32_t uid, gid;
	int64_t ctime_sec;
};

struct ctime_result {
	struct ctime_change *named; /* the first max_named found */
	size_t nnamed;
	size_t changed;	     /* every inode found, named or not */
	size_t after;	     /* inodes changed after the window */
	size_t inodes;	     /* inodes looked at */
	size_t unswept;	     /* directories that could not be read */
	char *first_unswept; /* "path: strerror", or NULL */
	double ms;
};

struct ctime_sweep;

/* Takes the start time and the ancestors' modes. Returns the sweep, or
 * NULL with e filled (ERR_SYSTEM: out of memory). */
struct ctime_sweep *ctime_sweep_begin(const struct ctime_sweep_opts *o,
				      struct err *e);

/* Sweeps; r is zeroed first. Returns 0, or -1 with e filled (ERR_SYSTEM:
 * out of memory) and r empty. A directory that cannot be read is counted
 * in r->unswept, not an error. */
int ctime_sweep_run(const struct ctime_sweep *s, struct ctime_result *r,
		    struct err *e);

/* Whether path is dir or beneath it, as strings ("/" holds every
 * absolute path; "/usr" does not hold "/usrx"). */
int ctime_beneath(const char *path, const char *dir);

/* 1 when ctime is in [since, until], 0 before since, -1 after until
 * (until NULL: no end). */
int ctime_in_window(const struct timespec *ctime, const struct timespec *since,
		    const struct timespec *until);

/* Whether the sweep neither reports nor enters path: it is, or is
 * beneath, a skipped path (as given, or as it resolved at begin). */
int ctime_sweep_skips(const struct ctime_sweep *s, const char *path);

/* The i-th root the sweep walks, in order (none inside another or inside
 * a skipped path), owned by s; NULL past the last. */
const char *ctime_sweep_root(const struct ctime_sweep *s, size_t i);

/* The start time taken by ctime_sweep_begin. */
struct timespec ctime_sweep_start(const struct ctime_sweep *s);

void ctime_sweep_free(struct ctime_sweep *s);
void ctime_result_free(struct ctime_result *r);

#endif
