/*
 * The command line: DESIGN.md "Command line" as one table of options, each
 * with the commands that accept it, parsed into a plain struct. Global
 * options may stand before or after the command name; `--` ends the options
 * and starts the build or server command. Nothing here touches the files
 * the options name: that is the commands' job.
 */
#ifndef CLEANROOM_CLI_H
#define CLEANROOM_CLI_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

enum cmd {
	CMD_NONE = 0,
	CMD_RUN,
	CMD_START,
	CMD_VERIFY,
	CMD_LOCK,
	CMD_DIFF,
	CMD_ENV,
	CMD_DOCTOR,
	CMD_INIT,
	CMD_REPRODUCE,
	CMD_PUBLISH,
	CMD_HELP,
	CMD_COUNT
};

/* A list of option values in command-line order; it points into argv. */
struct strlist {
	const char **v;
	size_t n, cap;
};

struct cli {
	enum cmd cmd;
	int help;	   /* --help, or `help` with no topic */
	int version;	   /* --version */
	enum cmd help_for; /* `help COMMAND` or `COMMAND --help` */
	int quiet, verbose;
	const char *dir;  /* -C */
	const char *spec; /* -f */

	/* spec keys (DESIGN.md's flag table); NULL or empty when not given */
	const char *framework, *network, *timeout, *user, *manifest, *lock,
		*min_files, *max_bytes, *max_files, *verify_timeout,
		*provenance, *sourcemaps;
	int strict, allow_unix_sockets, no_provenance;
	struct strlist env_files, inherit, pass, set, require, secret, public,
		allow_write, ctime_roots, limits, outputs, require_files,
		forbid, inputs;

	/* command-specific */
	const char *report; /* run, verify, reproduce: --report FILE */
	const char *format; /* env (sh json nul), diff, doctor (text json) */
	const char *verify; /* start: --verify sizes|full */
	int files_only;	    /* env */
	int show_secrets;   /* env */
	int expect_lock;    /* run */
	int no_lock;	    /* verify: pass without a lock */
	int require_provenance; /* verify: a missing provenance fails */
	int serve_stale;	/* start */
	int init, no_init; /* start: --init, --no-init (neither: when PID 1) */

	/* publish: the spec's publish keys, and what this run does */
	const char *to, *endpoint, *region, *addressing, *ca_file, *records,
		*connections, *keep, *older_than, *content_encoding;
	struct strlist cache_control;
	int dry_run, prune;

	struct strlist positional; /* diff: A.lock B.lock */
	char **argv;		   /* after `--`: the build or server command */
	int argc;
};

/* Parses argv (argv[0] is the program). Returns 0, or -1 with e filled
 * (ERR_USAGE, or ERR_SYSTEM on allocation failure). The struct points into
 * argv; cli_free releases the lists. */
int cli_parse(int argc, char **argv, struct cli *c, struct err *e);
void cli_free(struct cli *c);

/* The command's name, a static string ("cleanroom" for none). */
const char *cli_cmd_name(enum cmd cmd);

/* The long flag (without "--") that overrides the spec key at the dotted
 * path ("outputs.sourcemaps"), or NULL when none does; the README's flag
 * table and a unit test keep every key covered. */
const char *cli_flag_for_key(const char *path);

/* The command's examples: lines "  cleanroom ...\n" (empty for none), a
 * static string; cli_usage prints them after the options. */
const char *cli_examples(enum cmd cmd);

/* Appends the usage text to the caller's out: the overview when cmd is
 * CMD_NONE, else that command's synopsis and every option it accepts.
 * Returns 0 or -1 (ENOMEM). */
int cli_usage(struct buf *out, enum cmd cmd);

/* One row of the option table, as documentation and the generated shell
 * completions see it. The strings are static. */
struct cli_option {
	const char *name;    /* long name without "--" */
	char shrt;	     /* short letter or 0 */
	int takes_value;     /* needs an argument */
	int repeatable;	     /* adds to a list */
	unsigned cmds;	     /* bit (1u << cmd) for each command taking it */
	const char *arg;     /* argument name (FILE, DIR, ...) or NULL */
	const char *help;    /* one line */
	const char *choices; /* space-separated allowed values, or NULL */
};

/* Fills *o with the i-th option of the table. Returns 0, or -1 past the
 * last one. */
int cli_option_at(size_t i, struct cli_option *o);

/* The command's synopsis and one-line summary, static strings ("" for
 * CMD_NONE). */
const char *cli_cmd_synopsis(enum cmd cmd);
const char *cli_cmd_summary(enum cmd cmd);

#endif
