/*
 * Whole-file reads and full writes with EINTR retried, the two I/O loops
 * every command needs.
 */
#ifndef CLEANROOM_IO_H
#define CLEANROOM_IO_H

#include <stddef.h>

#include "buf.h"

/* Appends the file at path to the caller's out, refusing files larger
 * than max bytes. Returns 0, or -1 with errno set (EFBIG past max, EISDIR
 * for a directory); out may then hold part of the file. This is the one
 * whole-file reader: callers that must open the file themselves (beneath
 * a directory fd, or with O_NONBLOCK) use io_read_fd. */
int io_read_file(const char *path, size_t max, struct buf *out);

/* The same for what remains to be read from fd, which stays open and
 * owned by the caller. On failure out holds what was read before it. */
int io_read_fd(int fd, size_t max, struct buf *out);

/* Writes all len bytes to fd. Returns 0, or -1 with errno set. */
int io_write_all(int fd, const void *p, size_t len);

/* Replaces the file at path with len bytes, whole or not at all: a
 * temporary file in the same directory, fsync, rename, fsync of the
 * directory. Returns 0, or -1 with errno set (the temporary file is
 * removed). */
int io_write_file_atomic(const char *path, const void *p, size_t len);

/* The entry names of a directory ("." and ".." left out), sorted
 * bytewise: pointers into one block, so a directory costs two
 * allocations, not one per name. Owned by the struct; io_names_free. */
struct io_names {
	char **v;
	size_t n;
	struct buf block;
};

/* Reads the names of the directory open at fd (left open, its offset
 * rewound; the caller still owns it) into out. Returns 0, or -1 with
 * errno set. */
int io_dir_names(int fd, struct io_names *out);
void io_names_free(struct io_names *ns);

/* Removes the tree at path, never following symlinks, as much of it as
 * it can. Returns 0 when nothing is left (a missing path included), or -1
 * with errno set (ENOTEMPTY when something could not be removed). */
int io_remove_tree(const char *path);

/* Milliseconds of CLOCK_MONOTONIC, for phase timings. */
double io_now_ms(void);

/* The CPUs this process may run on (its affinity mask; else the online
 * count; at least 1): how many threads a parallel pass starts. */
unsigned io_cpus(void);

#endif
