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
