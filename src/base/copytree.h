/*
 * Copies of a working tree for `cleanroom reproduce`: each build gets a
 * fresh copy made without running anything, with chosen paths left out
 * (the outputs, whatever the build may write, cleanroom's own state).
 * Regular files are reflinked where the filesystem allows (FICLONE), else
 * copied in the kernel (copy_file_range), else read and written; modes and
 * times are kept, and owners too when running as root. Each directory's
 * entries are created in name order or in reverse, so that a filesystem
 * that lists entries in creation order (tmpfs, btrfs) gives the two copies
 * opposite readdir orders.
 */
#ifndef CLEANROOM_COPYTREE_H
#define CLEANROOM_COPYTREE_H

#include <stddef.h>

#include "err.h"

enum copy_order { COPY_NAME_ORDER, COPY_REVERSE_ORDER };

struct copy_stats {
	size_t files, dirs, symlinks;
	size_t reflinked; /* files cloned rather than copied */
	size_t skipped;	  /* sockets, fifos, devices: not copied */
	unsigned long long bytes;
};

/*
 * Copies the directory src to dst, which must not exist (its parent
 * must). exclude is a NULL-terminated list of paths relative to src
 * (normalized: no "./", no trailing '/'); an excluded directory is left
 * out whole. Symlinks are copied as links, never followed. stats is
 * filled. Returns 0, or -1 with e filled (ERR_SYSTEM naming the path
 * relative to src).
 */
int copytree(const char *src, const char *dst, const char *const *exclude,
	     enum copy_order order, struct copy_stats *stats, struct err *e);

/* Copies the regular file sname in the directory open at sdir to dname
 * in ddir (which must not exist) as copytree copies a file: a reflink
 * where possible, mode and times kept; neither name is followed if it is
 * a link. shown names the file in messages. Returns 0, or -1 with e
 * filled. */
int copytree_file_at(int sdir, const char *sname, int ddir, const char *dname,
		     const char *shown, struct err *e);

/* The names of directory dir in the order readdir returns them, '\n'
 * separated, into the caller's out (at most max bytes; "." and ".." left
 * out). Returns the length, or -1 with errno set. */
long copytree_readdir_order(const char *dir, char *out, size_t max);

#endif
