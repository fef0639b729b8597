/*
 * The freshness state that lets `cleanroom start` skip a build: the stamp
 * (stamp.h) of what the build would be given now, compared with the one
 * recorded after the last verified build, plus the sizes of the files
 * that build locked. `run` records it too when it builds with the spec's
 * or the preset's command, so that an image built with `RUN cleanroom
 * run` starts fresh under `cleanroom start`.
 *
 * The state lives in .cleanroom/ of the workdir (job.h), where every path
 * here is: the stamp and output sizes (stamp), the stat cache
 * (stamp-cache) and start's lock file (start.lock). It is kept out of the
 * output roots so that it never becomes part of the output set it describes.
 */
#ifndef CLEANROOM_FRESHNESS_H
#define CLEANROOM_FRESHNESS_H

#include "buf.h"
#include "err.h"
#include "job.h"
#include "tree.h"

#define FRESHNESS_STAMP	     JOB_STATE_DIR "/stamp"
#define FRESHNESS_PARTS	     JOB_STATE_DIR "/stamp-parts"
#define FRESHNESS_START_LOCK JOB_STATE_DIR "/start.lock"

/* The stamp of j's build (its spec's bytes, the policy's environment, the
 * command and the inputs), as 64 hex digits, computed in the workdir
 * (the stat cache is read and, when it changed, rewritten). j must hold
 * a policy. Reads neither the spec nor an env file again. The command
 * hashed is the one `start` runs (config.h start_command), also when
 * `run -- ARGV` overrides it with the same words. When parts is not NULL
 * it receives what the stamp was made of (below), for
 * freshness_record and freshness_explain. Returns 0, or -1 with e
 * filled. */
int freshness_stamp(const struct job *j, char hex[65], struct buf *parts,
		    struct err *e);

/* 1 when the recorded stamp is hex and every file it lists is there with
 * its recorded size; 0 otherwise (no state yet included). */
int freshness_fresh(const char *hex);

/* Records hex and the sizes of the files in the lock just written (whole
 * or not at all), and, when parts is not NULL, the stamp's parts (in
 * FRESHNESS_PARTS, tied to hex). Returns 0, or -1 with e filled. */
int freshness_record(const struct job *j, const char *hex,
		     const struct buf *parts, struct err *e);

/*
 * The parts of a stamp: NUL-terminated records "TAG VALUE NAME": H (the
 * stamp, NAME "-"), S (the spec's SHA-256, or "absent"), C (the
 * command's), E per variable given to the build (VALUE the SHA-256 of
 * its value, or "secret": a secret's value leaves no digest behind),
 * then stamp.h's listing of the inputs. Values are digests; a secret's
 * value is never written.
 *
 * freshness_explain says, after freshness_fresh said stale, why: one line
 * into why (no build recorded; which output is missing or changed size;
 * the spec, the command, which variables, or which input path first
 * differs, and how many do), and what the stamp considered into
 * considered (each input root with its counts of files, directories and
 * links, or missing; the number of variables). Both read the recorded
 * state and never fail but for memory: -1.
 */
int freshness_explain(const char *hex, const struct buf *parts,
		      struct buf *why);
int freshness_considered(const struct buf *parts, struct buf *out);

/*
 * The previous verified output set, for `start --serve-stale`:
 * freshness_stash copies the files of the current lock and the lock itself
 * to .cleanroom/previous/ before a build (st->kept is 0 when there is no
 * whole set to keep) and pins where each output root leads (tree_pin);
 * after a failed build freshness_restore puts them back and removes every
 * other file in the output roots (counted in *removed), so that what is
 * served is exactly the set the lock describes; after a successful one
 * freshness_drop_stash removes the copy. Nothing is read, removed or
 * written through a link the build made (beneath.h): a root the build
 * replaced by a link is a directory again afterwards, and a root the spec
 * names through a link must still lead where it did. Return 0, or -1 with
 * e filled. st is the caller's; freshness_drop_stash releases it.
 */
struct freshness_stash {
	int kept;
	struct tree_pin *pins; /* per output root, before the build */
	size_t nroots;
};

void freshness_stash_init(struct freshness_stash *st);
int freshness_stash(const struct job *j, struct freshness_stash *st,
		    struct err *e);
int freshness_restore(const struct job *j, const struct freshness_stash *st,
		      size_t *removed, size_t *restored, struct err *e);
void freshness_drop_stash(struct freshness_stash *st);

#endif
