/*
 * Message output. Each message is formatted into one buffer and written
 * with a single write(2), so lines from cleanroom and the relayed build do
 * not interleave mid-line.
 */
#include "msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "io.h"

static enum msg_level level = MSG_NORMAL;

void msg_set_level(enum msg_level l)
{
	level = l;
}

enum msg_level msg_level(void)
{
	return level;
}

static void emit(const char *prefix, const char *fmt, va_list ap)
{
	char line[2048];
	int n = snprintf(line, sizeof line, "%s", prefix);

	if (n < 0)
		return;
	(void)vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	n = (int)strlen(line);
	if (n > 0 && line[n - 1] != '\n' && (size_t)n + 1 < sizeof line) {
		line[n++] = '\n';
		line[n] = '\0';
	}
	(void)io_write_all(STDERR_FILENO, line, (size_t)n);
}

void msg_error(const struct err *e)
{
	char where[sizeof e->msg + sizeof e->file + 32];
	char line[sizeof where + sizeof e->hint + 32];
	int n;

	err_format(e, where, sizeof where);
	if (e->hint[0] != '\0')
		n = snprintf(line, sizeof line, "cleanroom: %s\nhint: %s\n",
			     where, e->hint);
	else
		n = snprintf(line, sizeof line, "cleanroom: %s\n", where);
	if (n > 0)
		(void)io_write_all(STDERR_FILENO, line,
				   strnlen(line, sizeof line));
}

void msg_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("cleanroom: warning: ", fmt, ap);
	va_end(ap);
}

void msg_info(const char *fmt, ...)
{
	va_list ap;

	if (level < MSG_NORMAL)
		return;
	va_start(ap, fmt);
	emit("cleanroom: ", fmt, ap);
	va_end(ap);
}

void msg_debug(const char *fmt, ...)
{
	va_list ap;

	if (level < MSG_VERBOSE)
		return;
	va_start(ap, fmt);
	emit("cleanroom: ", fmt, ap);
	va_end(ap);
}
