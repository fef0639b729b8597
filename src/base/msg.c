/*
 * Message output. Each message is formatted into one buffer, escaped (no
 * name it carries can end the line or drive the terminal) and written
 * with a single write(2), so lines from cleanroom and the relayed build do
 * not interleave mid-line. A status line (a progress display on a
 * terminal) is redrawn in place with a carriage return and cleared before
 * any other message.
 */
#include "msg.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "utf8.h"

/* A formatted message; longer ones are cut (as before escaping). */
#define LINE 2048
/* Room for a message escaped: at most 6 bytes ("\u009b") per byte in. */
#define ESCAPED (6 * LINE + 64)

static enum msg_level level = MSG_NORMAL;
/* A status line is on the screen. The monitor thread of a verification
 * draws it while the main thread waits. */
static atomic_int status_shown;

void msg_set_level(enum msg_level l)
{
	level = l;
}

enum msg_level msg_level(void)
{
	return level;
}

/* Code points shown as \uXXXX: C1 controls, and the invisible ones that
 * reorder text or break a line. */
static int hidden(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x61c ||
	       (cp >= 0x200e && cp <= 0x200f) ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Escapes the character at s (n > 0 bytes left) into out (room for 7
 * bytes); returns the bytes consumed and sets *olen. */
static size_t escape_one(const unsigned char *s, size_t n, int flags, char *out,
			 size_t *olen)
{
	static const char hex[] = "0123456789abcdef";
	uint32_t cp = 0;
	size_t len = utf8_decode(s, n, &cp);

	if (len == 0 || s[0] < 0x20 || s[0] == 0x7f) {
		out[0] = '\\';
		*olen = 2;
		switch (s[0]) {
		case '\n': out[1] = 'n'; break;
		case '\r': out[1] = 'r'; break;
		case '\t': out[1] = 't'; break;
		default:
			out[1] = 'x';
			out[2] = hex[s[0] >> 4];
			out[3] = hex[s[0] & 15];
			*olen = 4;
		}
		return 1;
	}
	if (hidden(cp)) {
		out[0] = '\\';
		out[1] = 'u';
		for (int k = 0; k < 4; k++)
			out[2 + k] = hex[(cp >> (12 - 4 * k)) & 15];
		*olen = 6;
		return len;
	}
	if (s[0] == '\\' && (flags & MSG_ESC_BACKSLASH)) {
		out[0] = out[1] = '\\';
		*olen = 2;
		return 1;
	}
	memcpy(out, s, len);
	*olen = len;
	return len;
}

int msg_escape(struct buf *out, const char *s, size_t n, int flags)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		size_t plain = i, olen;
		char e[8];

		/* Printable ASCII goes in runs. */
		while (plain < n && u[plain] >= 0x20 && u[plain] < 0x7f &&
		       (u[plain] != '\\' || !(flags & MSG_ESC_BACKSLASH)))
			plain++;
		if (plain > i && buf_add(out, s + i, plain - i) < 0)
			return -1;
		i = plain;
		if (i == n)
			break;
		i += escape_one(u + i, n - i, flags, e, &olen);
		if (buf_add(out, e, olen) < 0)
			return -1;
	}
	return 0;
}

/* Escapes src into dst (of cap bytes), without allocating: messages are
 * also written when memory has run out. Returns the length. */
static size_t escape_line(char *dst, size_t cap, const char *src, size_t n)
{
	const unsigned char *u = (const unsigned char *)src;
	size_t i = 0, o = 0;

	while (i < n && o + 8 < cap) {
		size_t olen;

		if (u[i] >= 0x20 && u[i] < 0x7f) {
			dst[o++] = src[i++];
			continue;
		}
		i += escape_one(u + i, n - i, 0, dst + o, &olen);
		o += olen;
	}
	return o;
}

/* "\r" and erase to the end of the line: where a status line stood. */
static const char clear_line[] = "\r\033[K";

struct line {
	char p[ESCAPED];
	size_t n;
};

/* Starts a write: clears a status line first. */
static void line_start(struct line *l)
{
	l->n = 0;
	if (atomic_exchange(&status_shown, 0)) {
		memcpy(l->p, clear_line, sizeof clear_line - 1);
		l->n = sizeof clear_line - 1;
	}
}

/* Appends prefix, the text escaped and a newline, as room allows. */
static void line_add(struct line *l, const char *prefix, const char *text,
		     size_t n)
{
	size_t pl = strlen(prefix);

	if (l->n + pl + 16 > sizeof l->p)
		return;
	memcpy(l->p + l->n, prefix, pl);
	l->n += pl;
	l->n += escape_line(l->p + l->n, sizeof l->p - l->n - 1, text, n);
	l->p[l->n++] = '\n';
}

static void emit(const char *prefix, const char *fmt, va_list ap)
{
	char text[LINE];
	struct line l;
	int n = vsnprintf(text, sizeof text, fmt, ap);

	if (n < 0)
		return;
	if ((size_t)n >= sizeof text)
		n = (int)sizeof text - 1;
	/* The newline is the message's end, not part of it. */
	if (n > 0 && text[n - 1] == '\n')
		n--;
	line_start(&l);
	line_add(&l, prefix, text, (size_t)n);
	(void)io_write_all(STDERR_FILENO, l.p, l.n);
}

void msg_error(const struct err *e)
{
	char where[sizeof e->msg + sizeof e->file + 32];
	struct line l;

	err_format(e, where, sizeof where);
	line_start(&l);
	line_add(&l, "cleanroom: ", where, strnlen(where, sizeof where));
	if (e->hint[0] != '\0')
		line_add(&l, "hint: ", e->hint,
			 strnlen(e->hint, sizeof e->hint));
	(void)io_write_all(STDERR_FILENO, l.p, l.n);
}

void msg_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("cleanroom: warning: ", fmt, ap);
	va_end(ap);
}

void msg_hint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("hint: ", fmt, ap);
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

int msg_tty(void)
{
	return level >= MSG_NORMAL && isatty(STDERR_FILENO);
}

void msg_status(const char *fmt, ...)
{
	char line[512], out[sizeof clear_line + 16 + 6 * sizeof line];
	size_t o = sizeof clear_line - 1;
	va_list ap;
	int n;

	if (!msg_tty())
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof line)
		n = (int)sizeof line - 1;
	memcpy(out, clear_line, o);
	o += (size_t)snprintf(out + o, sizeof out - o, "cleanroom: ");
	o += escape_line(out + o, sizeof out - o, line, (size_t)n);
	atomic_store(&status_shown, 1);
	(void)io_write_all(STDERR_FILENO, out, o);
}

void msg_status_clear(void)
{
	if (atomic_exchange(&status_shown, 0))
		(void)io_write_all(STDERR_FILENO, clear_line,
				   sizeof clear_line - 1);
}
