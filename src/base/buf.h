/*
 * A growable byte buffer, always NUL-terminated after its data so that text
 * can be handed to C string functions. buf_free wipes the bytes before
 * freeing them: buffers carry env values, which may be secrets.
 */
#ifndef CLEANROOM_BUF_H
#define CLEANROOM_BUF_H

#include <stddef.h>
#include <string.h>

/* Copies n bytes. Short copies, the common case when parsing, go byte by
 * byte: musl's memcpy starts with `rep movs`, whose start-up cost
 * dominated profiles of a 10,000-line env file. */
static inline void buf_copy(void *dst, const void *src, size_t n)
{
	if (n > 32) {
		memcpy(dst, src, n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		((unsigned char *)dst)[i] = ((const unsigned char *)src)[i];
}

struct buf {
	char *p; /* NULL until the first byte is added */
	size_t len, cap;
	/* Set by the owner of a buffer that can hold nothing secret (a lock's
	 * digests and paths): its bytes are freed, and moved when it grows,
	 * without being wiped first. Megabytes of lock text were wiped
	 * for nothing at each lock. */
	int plain;
};

/* A struct buf owns p; buf_free wipes (unless plain) and frees it and
 * leaves the buffer empty and reusable (plain stays as it was). Pointers
 * into p are valid until the next call on the buffer. */
void buf_free(struct buf *b);
/* Empties the buffer, keeping (and wiping) its storage. */
void buf_reset(struct buf *b);
/* Makes room for extra more bytes without appending. Returns 0 or -1. */
int buf_reserve(struct buf *b, size_t extra);
/* Appends len bytes. Returns 0, or -1 with errno ENOMEM. */
int buf_add(struct buf *b, const void *data, size_t len);
int buf_addc(struct buf *b, char c);
int buf_adds(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
