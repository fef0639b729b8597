/*
 * What a run or a verification says: the human summary on stderr and the
 * JSON report (--report FILE). The report holds the environment's names
 * and where each came from, never a value; the sandbox layers; the
 * command, its status and duration; each check with its findings; and the
 * output totals. Pure: both are built in buffers.
 */
#ifndef CLEANROOM_REPORT_H
#define CLEANROOM_REPORT_H

#include "buf.h"
#include "policy.h"
#include "sandbox.h"
#include "spec.h"
#include "verify.h"

struct report_info {
	const char *command_name;	      /* "run" or "verify" */
	const struct spec *spec;	      /* effective configuration */
	const struct policy *policy;	      /* NULL when not built */
	const struct sandbox_status *sandbox; /* NULL when no build ran */
	int built;			      /* a build ran */
	int build_status;		      /* its exit status */
	long build_ms;
	const struct verify_result *verify; /* NULL when not verified */
	int strict;
	const char *lock_path;
	int lock_written;
	const char *provenance_path; /* NULL: none (outputs.provenance
					false) */
	int provenance_written;
};

/* The per-check summary and every finding, for stderr, appended to the
 * caller's out; ri->verify must not be NULL. ri and what it points at
 * are only read during the call. Returns 0 or -1 (ENOMEM). */
int report_human(const struct report_info *ri, struct buf *out);

/* The JSON report's members after the command's name and the exit status
 * (each with its leading ",\n "), appended to the caller's out. Returns
 * 0 or -1 (ENOMEM). */
int report_json(const struct report_info *ri, struct buf *out);

/* Whether the report path means standard output ("-"). */
int report_is_stdout(const char *path);

/* Whether path may receive the report: "-" (standard output), a path
 * that does not exist, or a regular file, never a link, a device or a
 * FIFO. Returns 0, or -1 with e filled (ERR_USAGE). */
int report_path_check(const char *path, struct err *e);

/* Writes the whole report: {"cleanroom": command, "exit_status": status,
 * "reason": why's message or null, "hint": why's hint or null, then
 * members (report_json's, or a command's own; may be empty)}. To
 * standard output for "-"; otherwise whole or not at all (io.h's atomic
 * write), replacing only a regular file (report_path_check). why is NULL
 * on success. Returns 0, or -1 with e filled. */
int report_write(const char *path, const char *command, int status,
		 const struct err *why, const struct buf *members,
		 struct err *e);

#endif
