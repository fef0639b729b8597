/*
 * Growable buffers. Growth follows vec.h's rule (doubling), so appending n
 * bytes one at a time costs O(n); the trailing NUL is kept in the
 * capacity but not in len.
 */
#include "buf.h"

#include "vec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void wipe(void *p, size_t n)
{
	/* explicit_bzero is in musl and glibc; it is not optimised away. */
	if (p != NULL && n > 0)
		explicit_bzero(p, n);
}

void buf_free(struct buf *b)
{
	if (!b->plain)
		wipe(b->p, b->cap);
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void buf_reset(struct buf *b)
{
	if (!b->plain)
		wipe(b->p, b->len);
	b->len = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
}

static int grow(struct buf *b, size_t extra)
{
	if (extra > (size_t)-1 - b->len - 1) {
		errno = ENOMEM;
		return -1;
	}
	if (b->len + extra + 1 <= b->cap)
		return 0;
	if (b->plain)
		return vec_grow((void **)&b->p, &b->cap, b->len + extra + 1, 1);
	/* Wiped, not realloc'd: the old block may hold a secret. */
	return vec_grow_wiped((void **)&b->p, &b->cap, b->len,
			      b->len + extra + 1, 1);
}

int buf_reserve(struct buf *b, size_t extra)
{
	return grow(b, extra);
}

int buf_add(struct buf *b, const void *data, size_t len)
{
	if (grow(b, len) < 0)
		return -1;
	if (len > 0)
		buf_copy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
	return 0;
}

int buf_addc(struct buf *b, char c)
{
	if (b->len + 1 < b->cap) {
		b->p[b->len++] = c;
		b->p[b->len] = '\0';
		return 0;
	}
	return buf_add(b, &c, 1);
}

int buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || grow(b, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	(void)vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}
