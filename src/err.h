/*
 * Errors as values. A failing function fills a caller-owned struct err and
 * returns -1; only main turns the error's kind into an exit status
 * (DESIGN.md "Exit status"). Nothing in here prints.
 */
#ifndef CLEANROOM_ERR_H
#define CLEANROOM_ERR_H

#include <stddef.h>

enum err_kind {
	ERR_NONE = 0,
	ERR_USAGE,   /* bad command line: exit 64 */
	ERR_CONFIG,  /* bad spec or env file: exit 78 */
	ERR_SYSTEM,  /* cleanroom itself failed: exit 125 */
	ERR_VERIFY,  /* outputs rejected, or lock/output sets differ: 65 */
	ERR_SANDBOX, /* a layer required by --strict is missing: 71 */
	ERR_CHILD,   /* the build failed: exit with its status */
	ERR_TIMEOUT, /* verification ran out of time: exit 124 */
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
 * `return err_set(e, ...)`. file may be NULL. */
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

#endif
