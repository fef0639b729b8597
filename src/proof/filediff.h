/*
 * Where two versions of an output file part: the first differing byte and,
 * for text, its line and column and an excerpt of that line from each
 * side; and which file of one output set corresponds to which of the
 * other when their fingerprinted names differ (application-3f9a.js vs
 * application-77c1.js). Pure functions over memory: `cleanroom
 * reproduce` reads the files and prints.
 */
#ifndef CLEANROOM_FILEDIFF_H
#define CLEANROOM_FILEDIFF_H

#include <stddef.h>

#include "buf.h"

struct filediff {
	int same;      /* the contents are equal */
	int text;      /* neither side has a NUL byte */
	size_t offset; /* first differing byte (the shorter length when one
			  is a prefix of the other) */
	size_t line;   /* text: 1-based line of offset */
	size_t col;    /* text: 1-based byte column of offset in that line */
	const char *a_line, *b_line; /* text: that line on each side (no
					newline), pointing into a and b */
	size_t a_len, b_len;
};

/* Fills the caller's d; its a_line and b_line point into a and b and are
 * valid as long as they are. */
void filediff_first(const char *a, size_t alen, const char *b, size_t blen,
		    struct filediff *d);

/*
 * Appends an excerpt of line (len bytes) around byte column col (1-based):
 * at most `width` bytes before and after it, "..." where cut, bytes
 * outside printable ASCII as \xNN. Returns 0 or -1 (ENOMEM).
 */
int filediff_excerpt(const char *line, size_t len, size_t col, size_t width,
		     struct buf *out);

/*
 * The name of path with its fingerprint generalized, so that two builds'
 * versions of one asset get the same key: the directory, the base name up
 * to its first '-' or '.' after the first byte, '*', and the extension
 * (the last one, or the last two when the last is gz, br or map). Two
 * files pair only when their key is unique on both sides. Appends to out;
 * returns 0 or -1 (ENOMEM).
 */
int filediff_name_key(const char *path, struct buf *out);

#endif
