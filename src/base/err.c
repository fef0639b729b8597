/*
 * Filling and formatting error values. Messages are truncated, never
 * overflowed; a truncated message still names the place.
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void copy(char *dst, size_t size, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= size)
		n = size - 1;
	if (n > 0)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

int err_set(struct err *e, enum err_kind kind, const char *file, unsigned line,
	    unsigned col, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	e->kind = kind;
	copy(e->file, sizeof e->file, file);
	e->line = line;
	e->col = col;
	e->hint[0] = '\0';
	va_start(ap, fmt);
	(void)vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

void err_hint(struct err *e, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(e->hint, sizeof e->hint, fmt, ap);
	va_end(ap);
}

int err_sys(struct err *e, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (e == NULL)
		return -1;
	e->kind = ERR_SYSTEM;
	e->file[0] = '\0';
	e->line = e->col = 0;
	e->hint[0] = '\0';
	va_start(ap, fmt);
	(void)vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	(void)snprintf(e->msg + n, sizeof e->msg - n, ": %s", strerror(errnum));
	return -1;
}

const struct err_exit err_exit_table[] = {
	{EXIT_OK, EXIT_OK, "ok"},
	{EXIT_USAGE, EXIT_USAGE, "usage"},
	{EXIT_VERIFY, EXIT_VERIFY, "verification failed"},
	{EXIT_UNAVAILABLE, EXIT_UNAVAILABLE, "object store unavailable"},
	{EXIT_SANDBOX, EXIT_SANDBOX, "sandbox layer missing (--strict)"},
	{EXIT_NOPERM, EXIT_NOPERM, "object store refused the credentials"},
	{EXIT_CONFIG, EXIT_CONFIG, "bad spec or env file"},
	{EXIT_TIMEOUT, EXIT_TIMEOUT, "timeout"},
	{EXIT_INTERNAL, EXIT_INTERNAL, "cleanroom failed"},
	{EXIT_NOEXEC, EXIT_NOTFOUND, "command not executable/found"},
	{-1, -1,
	 "otherwise the build's own status (" EXIT_SIGNAL_S "+N for signal N)"},
};

const size_t err_exit_rows = sizeof err_exit_table / sizeof *err_exit_table;

int err_exit_status(const struct err *e)
{
	switch (e->kind) {
	case ERR_USAGE: return EXIT_USAGE;
	case ERR_CONFIG: return EXIT_CONFIG;
	case ERR_VERIFY: return EXIT_VERIFY;
	case ERR_SANDBOX: return EXIT_SANDBOX;
	case ERR_CHILD: return e->status;
	case ERR_TIMEOUT: return EXIT_TIMEOUT;
	case ERR_UNAVAILABLE: return EXIT_UNAVAILABLE;
	case ERR_PERMISSION: return EXIT_NOPERM;
	case ERR_NONE:
	case ERR_SYSTEM: break;
	}
	return EXIT_INTERNAL;
}

void err_format(const struct err *e, char *buf, size_t size)
{
	if (e->file[0] == '\0')
		(void)snprintf(buf, size, "%s", e->msg);
	else if (e->line == 0)
		(void)snprintf(buf, size, "%s: %s", e->file, e->msg);
	else if (e->col == 0)
		(void)snprintf(buf, size, "%s:%u: %s", e->file, e->line,
			       e->msg);
	else
		(void)snprintf(buf, size, "%s:%u:%u: %s", e->file, e->line,
			       e->col, e->msg);
}
