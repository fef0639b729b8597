/*
 * The lock: the output set as `sha256sum` text, one line per file, sorted
 * bytewise by path relative to the working directory, so that
 * `sha256sum -c cleanroom.lock` checks it too. Names with a backslash,
 * newline or carriage return are escaped as GNU sha256sum does: the line
 * starts with '\' and the name has `\\`, `\n`, `\r`.
 *
 * Ownership: a struct lock owns its paths, which live in its arena (one
 * allocation per chunk, not per path: a lock of 100,000 files was 100,000
 * mallocs to read and again to build); lock_free releases them. A struct
 * lock may be moved by value; it is then freed once, by its new owner.
 */
#ifndef CLEANROOM_LOCK_H
#define CLEANROOM_LOCK_H

#include <stddef.h>
#include <stdint.h>

#include "names.h"
#include "arena.h"
#include "buf.h"
#include "err.h"

struct lock_entry {
	char *path;
	unsigned char sha256[32];
};

struct lock {
	struct lock_entry *v;
	size_t n, cap;
	/* Every v[i].path but those added by lock_add_borrowed, which the
	 * caller keeps alive as long as the lock. */
	struct arena paths;
};

void lock_init(struct lock *l);
void lock_free(struct lock *l);

/* Adds a copy of path with its digest. Returns 0 or -1 (ENOMEM). */
int lock_add(struct lock *l, const char *path, const unsigned char *sha256);

/* Adds path itself, not a copy: it must outlive the lock (verify's lock
 * of a tree borrows the tree's paths; the two are freed together). */
int lock_add_borrowed(struct lock *l, char *path, const unsigned char *sha256);

/* Makes room for n more entries. Returns 0 or -1 (ENOMEM). */
int lock_reserve(struct lock *l, size_t n);

/* Sorts bytewise by path. Returns the number of duplicate paths (0 for a
 * valid lock). */
size_t lock_sort(struct lock *l);

/* Appends the sha256sum text of a sorted lock to the caller's out.
 * Returns 0 or -1 (ENOMEM). */
int lock_format(const struct lock *l, struct buf *out);

/* A lock file as lock_same_fd found it equal to a lock: enough of its
 * fstat to tell that nothing has written to it since (ctime). */
struct lock_seen {
	int valid; /* 0: not seen equal */
	uint64_t dev, ino, size;
	int64_t mtime_ns, ctime_ns;
};

/* Writes the lock as name in the directory open at dirfd (AT_FDCWD: the
 * cwd), whole or not at all, never through a symlink (beneath.h's
 * beneath_write_file); shown is the path messages name. A lock already
 * there with the same bytes, a regular file of the caller's with mode
 * 0644 and one link, is left as it is (its mtime too): when it is the
 * file seen (lock_same_fd's, or NULL) unchanged since, without reading
 * it again. */
int lock_write_at(int dirfd, const char *name, const char *shown,
		  const struct lock *l, const struct lock_seen *seen,
		  struct err *e);

/* lock_write_at beneath the cwd: path's directories must not be links. */
int lock_write(const char *path, const struct lock *l, struct err *e);

/* Parses sha256sum text (name is used in messages) in any order into the
 * caller's lock_init'ed out, which owns copies of the paths, and sorts
 * it. Errors are ERR_CONFIG: a malformed line or bad escape
 * (name:line:col), a path listed twice; out may then hold some entries,
 * and lock_free releases them. lock_load reads path first (a missing or
 * unreadable file is ERR_CONFIG too). */
int lock_parse(const char *name, const char *buf, size_t len, struct lock *out,
	       struct err *e);
int lock_load(const char *path, struct lock *out, struct err *e);

/* lock_load's first half: path's text into the caller's empty text
 * (made plain; the caller frees it), or ERR_CONFIG, also when path is
 * a symlink (never followed) or not a regular file (a FIFO does not
 * block). */
int lock_read(const char *path, struct buf *text, struct err *e);

/* 1 when the file open at fd (read from where it is to its end) holds
 * exactly what lock_format(l) would write: the lock on disk says what l
 * says, and need not be read whole nor parsed to be compared (it is
 * read 64 KiB at a time). 0 when it differs, or on a read error or out
 * of memory (then read it, parse it and lock_diff). seen (or NULL) is
 * filled for lock_write_at: valid only when 1 is returned. */
int lock_same_fd(const struct lock *l, int fd, struct lock_seen *seen);

/* The differences from a to b (both sorted): each callback gets the path
 * and, for changed files, both digests, borrowed from a and b for the
 * call. Returns the number of differences. */
enum lock_change { LOCK_ADDED, LOCK_REMOVED, LOCK_CHANGED };
size_t lock_diff(const struct lock *a, const struct lock *b,
		 void (*each)(enum lock_change what, const char *path,
			      const unsigned char *old_sha,
			      const unsigned char *new_sha, void *arg),
		 void *arg);

#endif
