/*
 * The forms of a secret: every byte string a web build could write a
 * secret's value as, raw and encoded - JSON and JS string literals
 * (double, single and template quotes, escaped as JSON.stringify, esbuild
 * and terser write them), HTML-safe JSON (Rails' to_json, Django's
 * json_script), Django's escapejs, HTML character references, JSON inside
 * a JS string or an HTML attribute, URL encodings (RFC 3986, forms,
 * encodeURIComponent, encodeURI), base64 in all three alignments and both
 * alphabets, and hex in both cases - and, for a value that is a URL with a
 * password, the same forms of the password alone (decoded, and as written
 * when that differs), since a build may inline just that component.
 *
 * One generator for the two places that look for secrets: the scanner of
 * the outputs (scan.c) and the masker of the relayed log (mask.c), so
 * that the log hides every form verification would find in a file. Pure:
 * nothing printed; the working copies of the encodings are wiped.
 */
#ifndef CLEANROOM_FORMS_H
#define CLEANROOM_FORMS_H

#include <stddef.h>

/* Called once per form: p[0 .. n) is valid for the call only (it holds
 * the secret, encoded). encoding is static: "raw", "json", "html-safe
 * json", "escapejs", "js string", "json in a js string", "html", "json in
 * html", "url", "encodeURI", "base64" or "hex"; for a URL's password the
 * same prefixed with "URL password, ". A non-zero return stops the
 * generator and is returned. */
typedef int forms_fn(const void *p, size_t n, const char *encoding, void *arg);

/*
 * Calls fn for every form of value[0 .. len) when len >= min, then, when
 * the value is a URL with a password (url.h) whose decoded length is >=
 * min, for every form of the password decoded and, when its escapes make
 * it differ, as written. Simple forms come first, so that a form two
 * encodings share is first named by the simpler; the same bytes may come
 * more than once (a value with no character to escape is its own JSON),
 * and callers that index forms drop repeats. Returns 0, fn's non-zero
 * return, or -1 when out of memory (errno ENOMEM).
 */
int forms_each(const char *value, size_t len, size_t min, forms_fn *fn,
	       void *arg);

#endif
