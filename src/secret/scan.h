/*
 * The secret scanner: finds secret values in a byte stream, raw and in
 * every form a web build writes a string in: JSON and JS string literals
 * (double, single and template quotes, escaped as JSON.stringify, esbuild
 * and terser write them), HTML-safe JSON (Rails' to_json, Django's
 * json_script), Django's escapejs, HTML character references, JSON inside
 * a JS string or an HTML attribute, URL encodings (RFC 3986, forms,
 * encodeURIComponent, encodeURI), base64 in all three alignments and both
 * alphabets, and hex in both cases. A URL-valued secret is also searched
 * by its password alone. The forms come from forms.h, which the masker
 * of the relayed log uses too. A scan is built once from the values and is then
 * immutable, so any number of threads share it, each feeding its own
 * streams with its own struct scan_state. The matcher samples the stream
 * every few bytes through a bit filter of the patterns' 8-byte grams and
 * verifies candidates exactly, so it costs a fraction of a byte's worth
 * of work per byte (scan.c explains why that finds every occurrence).
 * Nothing in here prints; a hit carries the secret's index, never its
 * value.
 */
#ifndef CLEANROOM_SCAN_H
#define CLEANROOM_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* An encoded form longer than this is matched by its first
 * SCAN_MAX_PATTERN bytes: a stream holding that many bytes of a secret's
 * encoding in a row leaks it. The bound keeps struct scan_state a fixed
 * size that needs no freeing. */
#define SCAN_MAX_PATTERN 4096

/* Secret values (not NUL-terminated: len counts the bytes). name is for
 * the caller's messages; the scanner never reads it. */
struct scan_secret {
	const char *name;
	const char *value;
	size_t len;
};

/* Immutable once built: shared by threads. Holds copies of the values'
 * encodings, wiped by scan_free. */
struct scan;

struct scan_hit {
	size_t secret;	 /* index into the secrets given to scan_new */
	uint64_t offset; /* of the match start, from the start of the stream */
	/* Static: "raw", "json", "html-safe json", "escapejs", "js string",
	 * "json in a js string", "html", "json in html", "url",
	 * "encodeURI", "base64" or "hex"; for a URL's password the same
	 * prefixed with "URL password, ". */
	const char *encoding;
};

/* Per stream; embed it anywhere (about 8 KiB), no freeing needed. Use one
 * state with one scan only. */
struct scan_state {
	uint64_t pos; /* bytes fed so far */
	size_t tail;  /* of them, the last ones kept at the start of buf */
	unsigned char buf[2 * SCAN_MAX_PATTERN + 64];
};

/* Values shorter than this are not searched (DESIGN.md): a shorter
 * string turns up in minified code and binary files by chance. The
 * caller names them (scan_too_short). */
#define SCAN_MIN_SECRET 8

enum scan_short {
	SCAN_SEARCHED,	     /* the value (and its URL password) searched */
	SCAN_SHORT_VALUE,    /* the value is too short: nothing searched */
	SCAN_SHORT_PASSWORD, /* the URL's password is too short: the value
				is searched, the password alone is not */
};

/* What scan_new leaves unsearched of one secret; *len is the length of
 * that part (the value, or the password with its %XX escapes decoded). */
enum scan_short scan_too_short(const struct scan_secret *sec, size_t *len);

/* Builds the scanner. Values shorter than SCAN_MIN_SECRET bytes are
 * skipped, as are URL passwords that short and every encoded form
 * identical to one already present for the same secret. secrets is only
 * read during the call; scan_free wipes and frees the copies. Returns NULL and
 * fills e (ERR_SYSTEM) when out of memory; never NULL otherwise, even
 * with no usable secret (it then finds nothing). */
struct scan *scan_new(const struct scan_secret *secrets, size_t n,
		      struct err *e);
void scan_free(struct scan *s);

/* Number of distinct byte patterns after expansion. */
size_t scan_patterns(const struct scan *s);

/* Starts a stream. Cheap: it touches two words, not the buffer. */
void scan_state_init(struct scan_state *st);

/* Feeds the next len bytes of a stream (read during the call only) and
 * calls hit() once per match (every occurrence of every pattern,
 * overlapping ones included; h is valid for that call only). A match
 * is reported by the feed that supplies its last byte, so matches spanning
 * feeds are found; within one feed, hits come in order of their offset,
 * then of the secret's index. A non-zero return from hit() stops the feed
 * and is returned; the state must then be initialised again before reuse.
 * Returns 0 otherwise. */
int scan_feed(const struct scan *s, struct scan_state *st, const void *buf,
	      size_t len, int (*hit)(const struct scan_hit *h, void *arg),
	      void *arg);

#endif
