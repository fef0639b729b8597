/*
 * Streaming matchers over the build's output, used by the relay in
 * supervise.c. Pure code: no I/O, no printing.
 *
 * The masker replaces every occurrence of a secret value with "***" as the
 * bytes stream through, including a value split across reads: it holds back
 * exactly the bytes that could still be the start of a match (the longest
 * suffix of what it has seen that is a prefix of some value) and releases
 * everything before them at once. Bytes that can no longer be part of a
 * match are never delayed, so output without secrets flows through at the
 * pace the build writes it (a progress line without a newline included).
 *
 * What is replaced: every byte covered by any occurrence of any value; a
 * run of covered bytes (overlapping or adjacent occurrences) becomes one
 * "***". So with overlapping values the longest match wins, a value that is
 * a prefix of another never leaves the longer one's tail visible, and two
 * overlapping secrets never leak each other's ends.
 *
 * Only values of at least MASK_MIN_LEN bytes are masked: shorter ones
 * ("1", "true", "dev") occur everywhere in build output, and replacing
 * them would garble the log while hiding nothing worth hiding. Callers that
 * want to say so can compare lengths against MASK_MIN_LEN themselves.
 *
 * The name matcher finds withheld variable NAMES in the output (for the
 * "the build's output names SECRET_KEY_BASE, which is withheld" hint). A
 * name matches as a whole identifier only (not inside MY_SECRET_KEY_BASE2),
 * exactly as written, and - for names with an underscore - also in all
 * lower case, since frameworks report config keys that way (Rails:
 * "Missing `secret_key_base` for 'production' environment").
 *
 * Both are Aho-Corasick automata: one pass per byte however many values,
 * with a table lookup that lets bytes which cannot start a value pass
 * without entering the automaton.
 *
 * Ownership: mask_new/mask_names_new allocate a compiled, immutable
 * matcher that any number of streams may share; the caller frees it with
 * mask_free/mask_names_free after the streams. The matcher keeps its own
 * copy of the values and wipes it when freed; a stream wipes its held-back
 * bytes when freed.
 */
#ifndef CLEANROOM_MASK_H
#define CLEANROOM_MASK_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

#define MASK_MIN_LEN 4
#define MASK_TEXT    "***"

struct mask;

/*
 * Compiles the values (NUL-terminated; values shorter than MASK_MIN_LEN
 * and duplicates are ignored). n may be 0: the matcher then copies its
 * input unchanged. Returns 0, or -1 with e filled (ERR_SYSTEM: out of
 * memory).
 */
int mask_new(const char *const *values, size_t n, struct mask **out,
	     struct err *e);
/*
 * The relay's masker: like mask_new, but every value is masked in each of
 * its forms (forms.h: raw, JSON and JS strings, HTML, URL-encoded, base64
 * in three alignments and both alphabets, hex), and a value that is a URL
 * with a password also by the password alone, decoded and as written -
 * the forms verification finds in the outputs. The MASK_MIN_LEN rule
 * applies to a value (or a password, decoded) and to each form. Returns
 * 0, or -1 with e filled (ERR_SYSTEM: out of memory).
 */
int mask_new_secrets(const char *const *values, size_t n, struct mask **out,
		     struct err *e);
void mask_free(struct mask *m);
/* How many distinct values the matcher masks (mask_new_secrets: values
 * with at least one form masked). */
size_t mask_count(const struct mask *m);

/* One output stream being masked. Zero-initialised by mask_stream_init;
 * the fields are private. */
struct mask_stream {
	const struct mask *m;
	unsigned state;
	unsigned char *win; /* held-back bytes */
	unsigned char *cov; /* 1 where win's byte is inside a match */
	size_t len, cap;
	int in_run; /* the last byte released was masked */
};

/* m may be NULL: the stream then copies its input unchanged. The stream
 * borrows m, which must outlive it; mask_stream_free wipes and frees
 * what it holds back. */
void mask_stream_init(struct mask_stream *s, const struct mask *m);
/* Appends to out the masked bytes that are final after n more input
 * bytes. Returns 0, or -1 (out of memory; errno ENOMEM). */
int mask_stream_feed(struct mask_stream *s, const void *p, size_t n,
		     struct buf *out);
/* End of input: appends everything still held back. The stream can then
 * be fed again as a new stream. Returns 0 or -1 (ENOMEM). */
int mask_stream_finish(struct mask_stream *s, struct buf *out);
void mask_stream_free(struct mask_stream *s);

/* Masks one whole buffer (feed + finish). Returns 0 or -1 (ENOMEM). */
int mask_apply(const struct mask *m, const void *p, size_t n, struct buf *out);

struct mask_names;

/* Compiles the names (variable names, [A-Za-z_][A-Za-z0-9_]*; an empty
 * one is ignored). Returns 0, or -1 with e filled (out of memory). */
int mask_names_new(const char *const *names, size_t n, struct mask_names **out,
		   struct err *e);
void mask_names_free(struct mask_names *m);

/* One stream being searched; seen is the caller's array of as many
 * bytes as there were names, shared by every stream of one build: a name
 * found sets its byte to 1. */
struct mask_names_stream {
	const struct mask_names *m;
	unsigned state;
	unsigned char *seen;
};

/* The stream borrows m and seen; both must outlive it. It holds nothing
 * to free. */
void mask_names_stream_init(struct mask_names_stream *s,
			    const struct mask_names *m, unsigned char *seen);
void mask_names_feed(struct mask_names_stream *s, const void *p, size_t n);
/* End of input: a name at the very end counts. */
void mask_names_finish(struct mask_names_stream *s);

#endif
