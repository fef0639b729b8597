/*
 * AWS Signature Version 4 (the S3 REST API's authentication), as plain
 * string work on nettle's HMAC-SHA256: the canonical request, the string
 * to sign, the signing key and the Authorization header value. Nothing
 * here does I/O or reads the clock: the caller gives the time, so the
 * unit tests check AWS's published examples byte for byte.
 *
 * The secret key is read during the call only and never copied into a
 * result; the signing key lives on the stack and is wiped before return.
 */
#ifndef CLEANROOM_SIGV4_H
#define CLEANROOM_SIGV4_H

#include <stddef.h>

#include "buf.h"

struct sigv4_creds {
	const char *access_key; /* AWS_ACCESS_KEY_ID */
	const char *secret_key; /* AWS_SECRET_ACCESS_KEY */
};

struct sigv4_header {
	const char *name;  /* any case; lower-cased for signing */
	const char *value; /* trimmed, inner runs of spaces folded */
};

/* One request to sign. path and query are as sent on the wire: path
 * already URI-encoded (sigv4_uri_encode with slashes kept), query the
 * encoded "a=b&c=d" in any order or "" (it is sorted for signing). The
 * headers are those to sign (host and x-amz-date among them: SigV4
 * requires host; x-amz-content-sha256 for S3). payload_sha256 is the
 * lower-case hex SHA-256 of the body, or "UNSIGNED-PAYLOAD".
 * amz_date is the request time as YYYYMMDDTHHMMSSZ (UTC). */
struct sigv4_request {
	const char *method;
	const char *path;
	const char *query;
	const struct sigv4_header *headers;
	size_t nheaders;
	const char *payload_sha256;
	const char *amz_date;
	const char *region;
	const char *service; /* "s3" */
};

/* Appends the Authorization header's value ("AWS4-HMAC-SHA256
 * Credential=..., SignedHeaders=..., Signature=...") to out. When
 * canonical is non-NULL, the canonical request is appended to it too
 * (for tests and -v diagnostics; it holds no secret). Returns 0, or -1
 * (ENOMEM, or EINVAL for a malformed amz_date or a header name that is
 * empty or has a character outside a token). */
int sigv4_authorization(const struct sigv4_creds *c,
			const struct sigv4_request *r, struct buf *out,
			struct buf *canonical);

/* Appends s URI-encoded as SigV4 wants: unreserved characters
 * (A-Z a-z 0-9 - . _ ~) as they are, every other byte as %XX upper case;
 * '/' kept when keep_slash. Returns 0 or -1 (ENOMEM). */
int sigv4_uri_encode(struct buf *out, const char *s, size_t n, int keep_slash);

/* The lower-case hex SHA-256 of n bytes into hex[65]. */
void sigv4_sha256_hex(char hex[65], const void *data, size_t n);

/* Formats t (seconds since the epoch) as YYYYMMDDTHHMMSSZ into out[17]. */
void sigv4_amz_date(char out[17], long long t);

#endif
