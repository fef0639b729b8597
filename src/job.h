/*
 * One resolved job per invocation. job_load reads what one cleanroom
 * command is about, once: the spec file (-f FILE, else cleanroom.yml in
 * the directory cleanroom started in), the workdir it names, the merged
 * configuration (preset < spec < the command line's overrides), the
 * sandbox plan (plan.h), and, when asked, the policy (the build's environment,
 * from the env files and the caller's environment). Every later stage takes the
 * job; none reads the spec, the env files or `environ` again.
 *
 * Directories, defined once:
 * - the start directory is where cleanroom started, after -C DIR (main
 *   changes to DIR before anything is looked for);
 * - `workdir:` is relative to the spec file's directory (the start
 *   directory when there is no spec file);
 * - env files, outputs, inputs, writable paths, the lock and .cleanroom/
 *   are relative to the workdir. From job_load to job_free the process's
 *   current directory *is* the workdir (wdfd), so every relative path in
 *   the configuration is opened beneath it; job_shown() spells such a
 *   path as the user would type it from the start directory;
 * - the server `start` runs keeps the start directory (job_leave).
 *
 * Ownership: job_load fills a caller-owned struct job; job_free releases
 * it, closes its fds and returns to the start directory. The job borrows
 * env (the caller's environment) for its lifetime.
 */
#ifndef CLEANROOM_JOB_H
#define CLEANROOM_JOB_H

#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "plan.h"
#include "policy.h"
#include "spec.h"

/* cleanroom's own state beneath the workdir (freshness.h's stamp and
 * cache, start's lock and kept outputs, reproduce's copies): the one
 * spelling of the name. */
#define JOB_STATE_DIR ".cleanroom"

enum job_policy {
	JOB_POLICY_NONE,     /* no policy (the env files are not read) */
	JOB_POLICY_REQUIRED, /* a missing required name is an error */
	JOB_POLICY_SECRETS,  /* the secrets only: missing names are not */
};

struct job_request {
	const char *spec_path;	 /* -f, or NULL: cleanroom.yml if present */
	const struct spec *over; /* overrides.h; NULL for none */
	enum job_policy policy;
	char *const *env; /* the caller's environment (environ-style) */
	int no_spec;	  /* read no spec file (doctor, when it will not
			     load): the overrides alone */
};

struct job {
	int startfd;	/* the start directory */
	int wdfd;	/* the workdir, and the current directory */
	char *wd_abs;	/* the workdir's absolute path (the sandbox plan) */
	char *wd_shown; /* "" or "sub/": the workdir from the start */
	struct config cfg;
	struct buf spec_text; /* the spec file's bytes (start's stamp) */
	struct policy pol;
	int have_policy;
	struct plan plan; /* the sandbox plan (pure data, plan.h) */
	/* The output roots' names as the configuration spells them (for
	 * tree.h's pins and tree_out_parent), NULL-terminated; the strings
	 * are the configuration's. */
	const char **roots;
	size_t nroots;
	char *const *env; /* borrowed: the caller's environment */
	/* The JSON report's members as the command rendered them (run,
	 * verify, reproduce: report.h); empty when it rendered none. The
	 * caller writes the report with the exit status (report_write). */
	struct buf report;
};

/* Returns 0, or -1 with e filled (ERR_CONFIG for a bad, unreadable or
 * missing spec, workdir or env file, located as the user would type the
 * path). On failure nothing is held and the current
 * directory is the start directory. */
int job_load(const struct job_request *rq, struct job *j, struct err *e);
void job_free(struct job *j);

/* Back to the start directory (for `start`'s server and for messages
 * that name files from there). Returns 0, or -1 with errno set. */
int job_leave(const struct job *j);

/* path (relative to the workdir, or absolute) as the user would type it
 * from the start directory. Returns a pointer into out (reset first), or
 * path itself when no prefix is needed or on allocation failure. */
const char *job_shown(const struct job *j, const char *path, struct buf *out);

#endif
