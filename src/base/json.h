/*
 * JSON text written by cleanroom: the one string escaper (the env
 * formats, the report and the provenance statement use it) and a few
 * pieces of canonical output. Pure: it appends to a growable buffer and
 * keeps no pointer to its arguments.
 */
#ifndef CLEANROOM_JSON_H
#define CLEANROOM_JSON_H

#include <stddef.h>

#include "buf.h"

/*
 * Appends len bytes of s as one JSON string. '"' and '\\' are escaped
 * with a backslash; newline, tab and carriage return as \n, \t, \r; every
 * other control character and DEL as \u00xx (lower-case hex); a byte that
 * is not part of valid UTF-8 as the code point of the same number
 * (\u00XX), so that no byte is dropped and the text stays valid UTF-8.
 * Valid UTF-8 is copied as it is. The same bytes always give the same
 * text. Returns 0 or -1 (ENOMEM).
 */
int json_string(struct buf *out, const char *s, size_t len);

/* json_string of a NUL-terminated string, or `null` for NULL. */
int json_cstr(struct buf *out, const char *s);

/* What a JSON reader gives back for s after json_string: s with every
 * byte that is not part of valid UTF-8 replaced by the UTF-8 form of the
 * code point of the same number. Appended to out, NUL-terminated.
 * Returns 0 or -1 (ENOMEM). */
int json_roundtrip(struct buf *out, const char *s, size_t len);

#endif
