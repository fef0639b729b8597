/*
 * Hexadecimal: read through nettle's base16 (STYLE.md: no hand-written
 * code where a well-kept library does it), written by a 16-entry table
 * (a lock writes 100,000 digests; nettle's encoder was a sixth of the
 * time after the hashing): digests are written in lower case,
 * as sha256sum writes them, and read back in either case. Decoding is
 * strict where nettle's is lenient: nettle skips white space between
 * digits, which would let "ab cd" pass for two bytes in a lock line.
 * Nothing here allocates.
 */
#ifndef CLEANROOM_HEX_H
#define CLEANROOM_HEX_H

#include <stddef.h>

/* The 2n lower-case digits of the n bytes at src, then a NUL: dst holds
 * 2n + 1 bytes. */
void hex_encode(char *dst, const unsigned char *src, size_t n);

/* The n bytes spelled by the 2n digits at src (either case) into dst.
 * Returns 0, or -1 with *bad (when not NULL) set to the offset in src of
 * the first character that is not a hex digit; dst is then partly
 * written. */
int hex_decode(unsigned char *dst, const char *src, size_t n, size_t *bad);

/* 1 when the n characters at s are all lower-case hex digits, as every
 * fingerprint in a file name is; 0 otherwise. */
int hex_is_lower(const char *s, size_t n);

#endif
