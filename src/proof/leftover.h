/*
 * What a killed cleanroom leaves, and how the next one knows it. A run
 * makes two kinds of temporary: its private scratch directory (TMPDIR,
 * /tmp/cleanroom-build.PID.XXXXXX) and, while it writes the lock, a
 * temporary file beside it (.LEAF.tmp.PID, beneath_write_file's name).
 * Both are removed by the run itself however it ends - a failed build, a
 * timeout, a signal it forwards - but SIGKILL (the OOM killer, `docker
 * kill`, a CI runner's timeout) ends it where it stands. Each name carries
 * the pid of the cleanroom that made it, so the next cleanroom can decide
 * whether its maker is gone: the pid names no live process (kill(pid, 0)
 * fails with ESRCH), or it names this very process (pids are reused; in a
 * container every `RUN` line's cleanroom may have the same pid, and this
 * process sweeps before it makes its own temporaries). A live process
 * with that pid keeps the leftover: never removed when unsure. Leftovers
 * are removed beneath a directory fd without following any link
 * (beneath.h).
 *
 * start's state files (.cleanroom/) are written the same way, as
 * NAME.tmp.PID, and swept by the next start under its lock.
 *
 * A temporary lock in an output root is never an output: verification
 * leaves out every name of that shape beside the lock, and reports each
 * one still there (leftover_lock_temps).
 */
#ifndef CLEANROOM_LEFTOVER_H
#define CLEANROOM_LEFTOVER_H

#include <stddef.h>
#include <sys/types.h>

#include "tree.h"

/* The scratch directories' parent and name prefix. */
#define LEFTOVER_SCRATCH_DIR	"/tmp"
#define LEFTOVER_SCRATCH_PREFIX "cleanroom-build."

/* Writes mkdtemp's template for this process's scratch directory,
 * "/tmp/cleanroom-build.PID.XXXXXX", into out. Returns 0, or -1 when
 * size is too small. */
int leftover_scratch_template(char *out, size_t size);

/* 1 when name is a scratch directory's name, "cleanroom-build.PID.SUFFIX"
 * (sets *pid); 0 otherwise (the older "cleanroom-build.XXXXXX" names no
 * pid and is never taken for a leftover). */
int leftover_is_scratch(const char *name, pid_t *pid);

/* 1 when name is a temporary of the lock named leaf: ".LEAF.tmp.PID"
 * (beneath_write_file's name) or "LEAF.tmp.PID" (the name cleanroom gave
 * it before it wrote beneath a directory fd); sets *pid. 0 otherwise. */
int leftover_is_lock_temp(const char *name, const char *leaf, pid_t *pid);

/* 1 when the cleanroom that made a leftover with this pid is gone (see
 * above), 0 when a process with that pid is alive. */
int leftover_owner_gone(pid_t pid);

/* Removes the scratch directories of gone cleanrooms that belong to this
 * process's euid from LEFTOVER_SCRATCH_DIR. *removed gets how many went.
 * Returns 0, or -1 with errno set when the directory cannot be read or
 * one could not be removed (after removing what it could). */
int leftover_sweep_scratch(size_t *removed);

/* Removes the temporary locks of gone cleanrooms beside lock_path, in
 * its directory as tree_out_parent opens it (through the output root
 * that holds it, under its pin; pins NULL: as the roots resolve now). A
 * directory that does not exist holds none. Returns as
 * leftover_sweep_scratch. */
int leftover_sweep_locks(const char *const *roots, size_t nroots,
			 const struct tree_pin *pins, const char *lock_path,
			 size_t *removed);

/* 1 when name is a temporary of io_write_file_atomic, "NAME.tmp.PID"
 * (start's stamp and stat cache in the state dir); sets *pid. */
int leftover_is_state_temp(const char *name, pid_t *pid);

/* Removes the temporaries of gone cleanrooms (leftover_is_state_temp)
 * from the state directory dir beneath dirfd (.cleanroom). The caller
 * holds start's lock, so no live start is writing one. A missing
 * directory holds none. Returns as leftover_sweep_scratch. */
int leftover_sweep_state(int dirfd, const char *dir, size_t *removed);

/* One temporary lock found beside a lock. */
struct leftover_temp {
	char *path; /* spelt as the lock path is, with the temp's name */
	pid_t pid;
	int gone; /* its maker is gone (leftover_owner_gone) */
};

/* The temporary locks in the directory of lock_path (as it resolves now;
 * a missing directory has none), any maker. *out is an array the caller
 * frees with leftover_temps_free. Returns 0, or -1 with errno set. */
int leftover_lock_temps(const char *lock_path, struct leftover_temp **out,
			size_t *n);
void leftover_temps_free(struct leftover_temp *v, size_t n);

#endif
