/*
 * Path resolution that never follows a link a build could have made. As
 * root, cleanroom deletes, restores, copies and writes files in trees a
 * build wrote to; resolving such a path the usual way would follow a
 * symlink the build put in place of a directory and act on whatever it
 * points at (a directory outside, as root). Every path here is resolved
 * beneath a directory fd, one component at a time, and a symlink or ".."
 * anywhere on the way fails the call instead of being followed: openat2
 * with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS
 * (Linux 5.6), else a walk of openat(O_NOFOLLOW) calls, one fd per
 * component, which holds the same way against a swap between two steps.
 *
 * An absolute path is resolved from "/" with the same rule (no symlink
 * anywhere): an output root or lock the user gave as an absolute path.
 *
 * Errors: -1 with errno set; ELOOP for a symlink on the way, EXDEV for
 * ".." that would climb above dirfd, ENOTDIR for a non-directory where a
 * directory must be. Every fd returned is O_CLOEXEC and owned by the
 * caller.
 */
#ifndef CLEANROOM_BENEATH_H
#define CLEANROOM_BENEATH_H

#include <stddef.h>
#include <sys/types.h>

/* Opens path beneath dirfd (AT_FDCWD: the current directory) with flags
 * (O_CLOEXEC and O_NOFOLLOW are added) and mode for O_CREAT. Returns the
 * fd, or -1 with errno set. */
int beneath_open(int dirfd, const char *path, int flags, mode_t mode);

/* Opens the directory that holds path's last component, creating the
 * missing directories on the way with mode 0755 when create is set.
 * *leaf points into path at that last component (never empty: a path
 * ending in "/" or naming "." or ".." fails with EINVAL). Returns an
 * O_RDONLY | O_DIRECTORY fd, or -1 with errno set. */
int beneath_parent(int dirfd, const char *path, int create, const char **leaf);

/* mkdir -p beneath dirfd; returns the directory's fd as beneath_parent
 * does, or -1 with errno set. */
int beneath_mkdirs(int dirfd, const char *path);

/* Replaces the file at path beneath dirfd with len bytes, whole or not
 * at all: a temporary file beside it (O_EXCL), fsync, renameat, fsync of
 * the directory. The parent must exist. A symlink at path itself is
 * replaced, never followed. Returns 0, or -1 with errno set (the
 * temporary file is removed). */
int beneath_write_file(int dirfd, const char *path, const void *p, size_t len);

/* beneath_write_file in two halves, for a caller that has other durable
 * work to overlap with the first (run writes the lock in one thread while
 * the provenance statement is staged in another) and must decide after
 * both whether the second happens. */
struct beneath_staged {
	int parent; /* the directory's fd; -1: nothing staged */
	char tmp[255 + 32];
	char name[255 + 1];
};
/* The first half: the temporary file beside path written whole and
 * fsynced; path itself untouched. Returns 0 with s filled, or -1 with
 * errno set and nothing left behind (s->parent == -1). */
int beneath_stage_file(int dirfd, const char *path, const void *p, size_t len,
		       struct beneath_staged *s);
/* The second: renameat over path, fsync of the directory. Returns 0, or
 * -1 with errno set (the temporary file is removed). s is released
 * either way. */
int beneath_commit_file(struct beneath_staged *s);
/* Or instead: the temporary file removed, path untouched, s released.
 * Nothing if nothing is staged. Keeps errno. */
void beneath_unstage_file(struct beneath_staged *s);

/* chown -R uid:gid of the directory at path beneath dirfd, never
 * following a link: one in the directory's place is given over itself,
 * alone. An entry that has uid:gid already is not touched: on
 * overlayfs even a chown that changes nothing copies the file up into
 * the image's layer. A missing path is not an error. Returns 0, or -1
 * with errno set after giving over what it could. */
int beneath_chown_tree(int dirfd, const char *path, uid_t uid, gid_t gid);

/* rm -rf of the entry at path beneath dirfd, never following a link: a
 * link anywhere below, or in path's own place, is removed itself. A
 * directory of the caller's that the build left unreadable or
 * unwritable (chmod 0, chmod 500) is made 0700 first, so what a build
 * left in its scratch directory goes too; the chmod goes through an
 * O_PATH handle (fchmodat with AT_SYMLINK_NOFOLLOW), never through a
 * link. A missing path is not an error. Returns 0, or -1 with errno set
 * after removing what it could. */
int beneath_remove_tree(int dirfd, const char *path);

/* Tests only: 0 makes every call take the fd-by-fd walk, as on a kernel
 * without openat2; 1 tries openat2 again. */
void beneath_use_openat2(int on);

#endif
