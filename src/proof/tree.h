/*
 * One pass over the output tree: walk the roots (openat/fstatat on
 * directory fds, never following a symlink out of its root), then on all
 * cores hash every regular file with SHA-256 and scan its bytes for
 * secrets in the same pass (files over 1 MiB last and largest first, so
 * that no thread is left with a big file at the end). Memory is a 256 KiB
 * buffer per thread plus the list itself, whatever the file sizes. With
 * hash = 0 it is a stat-only snapshot of a tree (the before/after
 * comparison of the working directory). A caller that must see the
 * sizes before any file is read (tree_opts.admit) has the walk stat every
 * regular file and may refuse the set there; a walk past max_files stops;
 * a file reached through several names (hard links, links to it) is read
 * once. A deadline stops the pass wherever it is, and a progress callback
 * is told how far it got. Problems with the tree are findings,
 * not errors; nothing here prints. The tree owns every string in it;
 * tree_free releases them.
 */
#ifndef CLEANROOM_TREE_H
#define CLEANROOM_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "scan.h"

/* Hits kept per file and secret: a file holding a secret more often than
 * this is reported with this many offsets. Bounds memory for a file made
 * of one secret repeated. */
#define TREE_HITS_PER_SECRET 8

struct tree_file {
	/* Relative to the cwd: root + "/" + rel ("public/assets/app.css"),
	 * or rel alone for the root "." (a trailing "/" or a leading "./"
	 * of a root is dropped). Any bytes but "/" and NUL in names. */
	char *path;
	const char *rel; /* relative to its root (points into path) */
	size_t root;	 /* index into tree_opts.roots */
	/* In a snapshot, from fstatat (AT_SYMLINK_NOFOLLOW). When hashing,
	 * from fstat on the opened file (for a symlink listed with its
	 * target's bytes, the target's), or from fstatat for a file that
	 * would not open (a dangling or looping symlink: mode S_IFLNK, size
	 * 0); size is then the number of bytes hashed. */
	uint64_t size;
	uint32_t mode;
	/* Listed through a symlink that resolves inside its root: size, mode
	 * and bytes are its target's (or it is a dangling or looping link:
	 * error set, mode S_IFLNK). */
	unsigned char symlink;
	int64_t mtime_ns, ctime_ns;
	uint64_t dev, ino;
	uint64_t nlink;
	/* 0, or 1 + the index of another file with the same (dev, ino): a
	 * hard link, or a link to that file (a real file is preferred to a
	 * link, then path order). The inode was read once, under that file;
	 * sha256, hashed, size and error are copied from there, and its
	 * secret hits are reported under this name too. */
	size_t alias;
	unsigned char sha256[32];
	int hashed; /* sha256 valid */
	int error;  /* 0, or the errno that kept it from being read */
};

/* A directory walked (hash = 1), the roots included, with its mode from
 * fstat on the open directory. */
struct tree_dir {
	const char *path; /* like tree_file.path; a root's is its name */
	size_t root;
	uint32_t mode;
};

/* A symlink inside a root that resolves to a directory inside the same
 * root (hash = 1). Its files are listed under their real paths, not
 * again under the link. */
struct tree_link {
	const char *path;   /* the link, like tree_file.path */
	const char *target; /* the directory, relative to the root ("" is the
			       root itself) */
	size_t root;
};

/* Why a pass ended before its end. */
enum tree_stop {
	TREE_COMPLETE = 0,
	TREE_STOP_FILES, /* more than max_files entries: the walk stopped */
	TREE_STOP_ADMIT, /* admit refused the walked set: nothing read */
	TREE_STOP_TIME,	 /* the deadline passed */
};

enum tree_finding_kind {
	/* A symlink whose target leaves its root: an absolute target, or
	 * ".." above the root, at any step of the resolution. Not followed;
	 * detail is the link's text. */
	TREE_SYMLINK_OUTSIDE,
	/* A file or directory that could not be read (a file is also in
	 * files, with error set); detail is strerror(errno). Covers dangling
	 * symlinks (ENOENT) and symlink loops (ELOOP). */
	TREE_UNREADABLE,
	/* A socket, FIFO or device: never opened. detail: "socket", "fifo",
	 * "character device" or "block device". */
	TREE_SPECIAL,
	TREE_ROOT_MISSING, /* a root does not exist; path is the root */
	TREE_ROOT_NOT_DIR, /* a root is not a directory */
	/* A root that leads through a symlink (or "..") it did not lead
	 * through before the build, or to another directory than then:
	 * never walked. detail says which. */
	TREE_ROOT_LINK,
};

struct tree_finding {
	enum tree_finding_kind kind;
	char *path; /* relative to the cwd, like tree_file.path */
	char *detail;
};

struct tree_hit {
	size_t file;   /* index into files */
	size_t secret; /* index into the secrets given to scan_new */
	uint64_t offset;
	const char *encoding; /* static, from struct scan_hit */
};

struct arena;

/* How far a pass is, for a progress display. */
struct tree_progress {
	int hashing;	   /* 0: walking; 1: reading */
	size_t entries;	   /* walking: entries met so far */
	size_t files;	   /* reading: files read (or skipped) so far */
	size_t nfiles;	   /* reading: files to read */
	uint64_t bytes;	   /* reading: bytes read so far */
	uint64_t total;	   /* reading: their apparent sizes, from the walk
			      (admit set), or 0: not known */
	double elapsed_ms; /* since the pass started */
	double reading_ms; /* reading: since reading started */
};

struct tree {
	struct tree_file *files; /* sorted bytewise (strcmp) by path */
	size_t nfiles;
	struct tree_dir *dirs; /* in walk order */
	size_t ndirs;
	struct tree_link *links; /* in walk order */
	size_t nlinks;
	struct tree_finding *findings; /* sorted by path, then kind */
	size_t nfindings;
	struct tree_hit *hits; /* sorted by file, offset, secret */
	size_t nhits;
	/* Read and hashed, each inode once; for a snapshot, the regular
	 * files' sizes. */
	uint64_t bytes;
	/* The apparent sizes (st_size) of the files listed: once per name,
	 * a sparse file at its full size, a link to a file at its target's.
	 * From the walk, before any file is read, when admit is set; from
	 * the reading pass otherwise. */
	uint64_t walk_bytes;
	size_t aliases; /* files with alias set */
	size_t entries; /* met by the walk: files, directories, links */
	enum tree_stop stopped;
	/* The walk's time, and reading's from its start to its end: the two
	 * overlap when reading began during the walk (early). */
	double walk_ms, hash_ms;
	unsigned threads; /* hashing threads used */
	/* Files the readers took while the walk still ran (one root, no
	 * admit, more than a thousand files, two threads or more), for a
	 * look at the overlap; 0 when reading began after the walk. */
	size_t early;
	/* Private: storage of the paths. NULL in a tree built by hand, whose
	 * paths tree_free then frees one by one. */
	struct arena *arena;
};

/*
 * What an output root was before the build, so that a build cannot swap
 * it for a link: link = 0, it must then resolve beneath the cwd with no
 * symlink and no ".." (a real directory, or none yet); link = 1, the spec
 * itself named it through a link, which is followed only to the
 * directory (dev, ino) it led to then.
 */
struct tree_pin {
	int link;
	uint64_t dev, ino;
};

/* Fills the caller's pins[i] for each of the n roots as they resolve
 * now. */
void tree_pin_roots(const char *const *roots, size_t n, struct tree_pin *pins);

/* Opens root as a directory (O_RDONLY) under pin's rule (pin NULL: as
 * it resolves now, links followed). Returns the fd, the caller's to
 * close, or -1 with errno set:
 * ELOOP when the root leads through a link it may not, ESTALE when a
 * pinned link now leads to another directory. */
int tree_open_root(const char *root, const struct tree_pin *pin);

/*
 * The directory that holds path (spelt as tree_file.path), opened to
 * write or remove there: through the root that holds it (the longest
 * whose name is a prefix at a '/'), opened under its pin, then beneath
 * that root with no symlink; a path under no root is resolved beneath
 * the cwd the same way. create makes missing directories below. *leaf
 * points into path. Returns an O_DIRECTORY fd (the caller's), or -1 with
 * errno set
 * (ELOOP, ESTALE, EXDEV: see beneath.h and tree_open_root).
 */
int tree_out_parent(const char *const *roots, size_t nroots,
		    const struct tree_pin *pins, const char *path, int create,
		    const char **leaf);

struct tree_opts {
	const char *const *roots; /* relative to the cwd */
	size_t nroots;
	/* Per root, from before the build (tree_pin_roots), or NULL: roots
	 * are taken as they resolve now (verify, with no build between). */
	const struct tree_pin *pins;
	/* Paths (relative to the cwd, spelt like tree_file.path) whose
	 * subtrees are skipped; a file's own path excludes that file. */
	const char *const *exclude;
	size_t nexclude;
	const struct scan *scan; /* NULL (or hash = 0): no secret scan */
	unsigned threads;	 /* 0: the CPUs this process may run on */
	/* 0: walk and stat only (a snapshot). A snapshot lists every entry
	 * below the roots as fstatat sees it, directories included (a
	 * created directory is a write), symlinks unresolved and special
	 * files by their mode; its only findings are missing, non-directory
	 * and unreadable roots and unreadable directories. */
	int hash;
	/* The walk stops (TREE_STOP_FILES) once it has met more than this
	 * many entries: files, directories and links. 0: no bound. */
	size_t max_files;
	/* Called after the walk, before any file is opened for reading,
	 * with the tree as walked: non-zero stops there (TREE_STOP_ADMIT).
	 * Set, it has the walk fstatat every regular file, so that sizes
	 * (walk_bytes), modes and inodes are known then: a syscall per file
	 * the pass otherwise spares. NULL: everything is read. */
	int (*admit)(const struct tree *t, const void *arg);
	const void *admit_arg;
	/* io_now_ms() time at which the pass stops where it is
	 * (TREE_STOP_TIME); 0: none. */
	double deadline_ms;
	/* Called about every progress_ms (default 250) from a thread of its
	 * own while the pass runs; NULL: none. */
	void (*progress)(const struct tree_progress *p, void *arg);
	void *progress_arg;
	unsigned progress_ms;
};

/*
 * Walks, hashes and scans. Symlinks (hash = 1): one that resolves inside
 * its root to a regular file is listed under its own path with the
 * target's bytes, as `sha256sum -c` would read them; one that resolves to
 * a directory inside the root is listed in links (its files are listed
 * under their real paths); one that leaves the root is a finding. A link
 * is resolved one component at a time from the directory that holds it,
 * each step one lookup of one name, so its cost is linear in the length
 * of its target. A pass that stopped early (out->stopped) still returns
 * 0, with what it had: after TREE_STOP_FILES and TREE_STOP_ADMIT nothing
 * was read; after TREE_STOP_TIME some files may be unread (hashed 0).
 * Returns 0, or -1 with e (ERR_SYSTEM) for internal failures only (out of
 * memory); *out is then empty. Call tree_free on *out either way.
 */
int tree_hash_scan(const struct tree_opts *o, struct tree *out, struct err *e);
void tree_free(struct tree *t);

/* Binary search on path; NULL when absent. The file is t's, valid until
 * tree_free. */
const struct tree_file *tree_find(const struct tree *t, const char *path);

#endif
