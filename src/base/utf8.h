/*
 * UTF-8 decoding, the one place it is written: the JSON writer, the
 * manifest reader (which must say where a file stops being UTF-8) and the
 * escaping of names in messages all ask the same question of a byte
 * string. Pure; nothing here allocates.
 */
#ifndef CLEANROOM_UTF8_H
#define CLEANROOM_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* The length (1 to 4) of the valid UTF-8 sequence at s, reading at most n
 * (> 0) bytes, with its code point in *cp when cp is not NULL; 0 when the
 * bytes there are not valid UTF-8: a stray continuation byte, a truncated
 * sequence, an overlong form, a surrogate or a code point past U+10FFFF. */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

#endif
