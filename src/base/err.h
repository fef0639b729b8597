/*
 * Errors as values. A failing function fills a caller-owned struct err and
 * returns -1; only main turns the error's kind into an exit status, with
 * err_exit_status. Nothing in here prints.
 *
 * The exit statuses are defined here and nowhere else: the constants
 * below, err_exit_status's mapping, and err_exit_table, from which the
 * help text's "exit status:" paragraph is generated and against which a
 * unit test checks the README's table.
 */
#ifndef CLEANROOM_ERR_H
#define CLEANROOM_ERR_H

#include <stddef.h>

/* Macros rather than an enum, so that help strings can spell them: the
 * EXIT_X_S below are the string literals of those the help texts use. */
#define EXIT_OK		 0
#define EXIT_USAGE	 64 /* bad command line */
#define EXIT_VERIFY	 65 /* the outputs were rejected */
#define EXIT_UNAVAILABLE 69 /* publish: the store stayed unavailable */
#define EXIT_SANDBOX	 71 /* a sandbox layer required by --strict is missing */
#define EXIT_NOPERM	 77  /* publish: the store refused the credentials */
#define EXIT_CONFIG	 78  /* bad spec or env file */
#define EXIT_TIMEOUT	 124 /* the build timed out and was killed */
#define EXIT_INTERNAL	 125 /* cleanroom itself failed */
#define EXIT_NOEXEC	 126 /* the command was found but would not run */
#define EXIT_NOTFOUND	 127 /* the command was not found */
#define EXIT_SIGNAL	 128 /* + N: the build was killed by signal N */

#define EXIT_STR_(status) #status
#define EXIT_STR(status)  EXIT_STR_(status)
#define EXIT_VERIFY_S	  EXIT_STR(EXIT_VERIFY)
#define EXIT_SANDBOX_S	  EXIT_STR(EXIT_SANDBOX)
#define EXIT_CONFIG_S	  EXIT_STR(EXIT_CONFIG)
#define EXIT_TIMEOUT_S	  EXIT_STR(EXIT_TIMEOUT)
#define EXIT_SIGNAL_S	  EXIT_STR(EXIT_SIGNAL)

enum err_kind {
	ERR_NONE = 0,
	ERR_USAGE,  /* bad command line: EXIT_USAGE */
	ERR_CONFIG, /* bad spec or env file: EXIT_CONFIG */
	ERR_SYSTEM, /* cleanroom itself failed: EXIT_INTERNAL */
	ERR_VERIFY, /* outputs rejected, lock/output sets differ: EXIT_VERIFY */
	ERR_SANDBOX, /* a layer required by --strict is missing: EXIT_SANDBOX */
	ERR_CHILD,   /* the build failed: exit with its status (.status) */
	ERR_TIMEOUT, /* verification ran out of time: EXIT_TIMEOUT */
	ERR_UNAVAILABLE, /* the store stayed unavailable: EXIT_UNAVAILABLE */
	ERR_PERMISSION,	 /* the store refused the request: EXIT_NOPERM */
};

struct err {
	enum err_kind kind;
	char file[512]; /* empty when the error has no location */
	unsigned line;	/* 1-based; 0 when unknown */
	unsigned col;	/* 1-based byte column; 0 when unknown */
	char msg[512];
	char hint[512]; /* empty when there is nothing useful to add */
	int status;	/* ERR_CHILD: the exit status to pass on */
};

/* Fills e (when non-NULL) and returns -1, so callers can write
 * `return err_set(e, ...)`. file may be NULL. Texts are copied (cut to
 * the fixed buffers), so a struct err holds no pointer and needs no
 * freeing. */
int err_set(struct err *e, enum err_kind kind, const char *file, unsigned line,
	    unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* Sets the hint of an error already filled by err_set. */
void err_hint(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Like err_set with ERR_SYSTEM, appending ": strerror(errnum)". */
int err_sys(struct err *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Formats "FILE:LINE:COL: msg" (the location parts that are known) into
 * buf, without the program name or the hint. */
void err_format(const struct err *e, char *buf, size_t size);

/* The exit status for e: its kind's constant above, e->status for
 * ERR_CHILD, EXIT_INTERNAL for ERR_SYSTEM and ERR_NONE. */
int err_exit_status(const struct err *e);

/* One row of the exit-status table: statuses first..last (126/127 share
 * a row) and what they mean, in the help text's words. The row with
 * first = -1 is the build's own status, which any other value may be. */
struct err_exit {
	int first, last;
	const char *meaning;
};

/* The rows in the help text's order; err_exit_rows of them. Static. */
extern const struct err_exit err_exit_table[];
extern const size_t err_exit_rows;

#endif
