/*
 * Numbers with units, as a spec (spec.c) and the command line
 * (overrides.c) write them: durations, sizes and plain counts. Pure: no
 * allocation, no locale, no printing.
 *
 * Ownership: text is only read during the call; the result is written to
 * the caller's int64_t, and only on success (on failure it is left as it
 * was). Each returns 0, or -1 with errno EINVAL (not a value of its kind)
 * or ERANGE (does not fit in an int64_t), so that a message can say which.
 */
#ifndef CLEANROOM_UNITS_H
#define CLEANROOM_UNITS_H

#include <stdint.h>

/* "90s", "15m", "1h", "1h30m", "500ms", a bare number of seconds: units in
 * decreasing order, each at most once. The milliseconds in *ms. */
int units_parse_duration(const char *text, int64_t *ms);

/* "512M", "4G", "1024", "64K", "2T" (binary units, either case; an
 * optional trailing "B", or "iB" after a unit, is accepted). The bytes in
 * *bytes. */
int units_parse_size(const char *text, int64_t *bytes);

/* A plain decimal integer >= 0, without sign or leading zeros (YAML 1.1
 * would read 010 as octal; refusing it avoids guessing). Also EDOM for a
 * negative integer. The value in *n. */
int units_parse_count(const char *text, int64_t *n);

#endif
