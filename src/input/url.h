/*
 * The one reader of a URL's password, shared by the secret classification
 * (a value that is a URL with a password is a secret) and the scanner (a
 * URL-valued secret is also searched by its password alone, since a build
 * may inline just that component). Pure: no allocation, nothing printed.
 */
#ifndef CLEANROOM_URL_H
#define CLEANROOM_URL_H

#include <stddef.h>

/* When v[0 .. n) looks like scheme://user:password@host... (RFC 3986: the
 * scheme starts with a letter; the authority ends at the first "/", "?"
 * or "#"; the userinfo ends at the authority's last "@"; the password
 * follows the userinfo's first ":"), sets *off and *len to the password
 * as written (still percent-encoded) and returns 1; else returns 0. The
 * password may be empty (*len 0). */
int url_password(const char *v, size_t n, size_t *off, size_t *len);

/* Decodes the percent escapes of s[0 .. n) into out (room for n bytes;
 * NULL: only count); a "%" not followed by two hex digits stays as it
 * is. Returns the decoded length. */
size_t url_unescape(const char *s, size_t n, char *out);

#endif
