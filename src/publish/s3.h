/*
 * A small S3 client over libcurl: PUT (from a file or from memory), HEAD,
 * GET (ListObjectsV2 pages) and DELETE, each signed with SigV4 (sigv4.h)
 * at the moment it is sent, run as a batch over up to `connections`
 * parallel transfers (curl multi), with retries, backoff and jitter on
 * what a store says or does when it is busy or down: 5xx, 429, SlowDown,
 * RequestTimeout, timeouts, refused or dropped connections. Nothing here
 * prints; progress is a callback.
 *
 * The credentials are borrowed from the caller for the client's life and
 * never copied into an error, a URL or a log line.
 */
#ifndef CLEANROOM_S3_H
#define CLEANROOM_S3_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "err.h"

struct s3_config {
	const char *bucket;
	const char *endpoint;	   /* "https://host[:port]", or NULL: AWS */
	const char *region;	   /* e.g. "us-east-1" */
	int path_style;		   /* 1: host/bucket/key; 0: bucket.host/key */
	const char *ca_file;	   /* PEM bundle (cabundle.h) */
	const char *access_key;	   /* borrowed */
	const char *secret_key;	   /* borrowed */
	const char *session_token; /* borrowed; NULL or "" when none */
	int connections;	   /* parallel transfers, >= 1 */
	int max_attempts;	   /* per request, >= 1 */
	long backoff_ms;	   /* first retry's base delay */
	long stall_seconds;	   /* a transfer idle this long is retried */
	/* CLOCK_MONOTONIC milliseconds (io_now_ms) past which s3_run stops
	 * whatever is in flight and fails (ERR_UNAVAILABLE, s3_timed_out
	 * then true); 0: none. */
	double deadline_ms;
};

struct s3_client;

/* A request and, after s3_run, its outcome. The caller fills the first
 * group and owns every pointer in it for the call. */
struct s3_req {
	const char *method; /* PUT, HEAD, GET, DELETE */
	const char *key;    /* object key, unencoded; "" for the bucket */
	const char *query;  /* encoded query or NULL */
	int fd;		    /* PUT body from this fd (pread), or -1 */
	off_t size;	    /* its size */
	const void *mem;    /* PUT body from memory when fd is -1 */
	size_t memlen;
	const char *sha256;	      /* hex SHA-256 of the body (signed) */
	const char *content_type;     /* or NULL */
	const char *cache_control;    /* or NULL */
	const char *content_encoding; /* or NULL */
	const char *meta_sha256;      /* x-amz-meta-sha256, or NULL */

	/* Outcome. */
	long status;		/* HTTP status of the last attempt; 0: none */
	int curl_code;		/* CURLcode of the last attempt */
	int attempts;		/* how many were made */
	struct buf body;	/* the response body (GET, errors), capped */
	char etag[80];		/* ETag without quotes */
	char got_sha256[65];	/* x-amz-meta-sha256 of a HEAD */
	char bucket_region[64]; /* x-amz-bucket-region */
	long long length;	/* Content-Length of a HEAD, or -1 */
	char curl_error[256];	/* libcurl's message for a transfer error */
};

struct s3_stats {
	unsigned long long requests; /* attempts sent */
	unsigned long long retries;
	unsigned long long bytes_sent;
};

/* Called after each finished request (done of total), from s3_run. */
typedef void (*s3_progress_fn)(void *arg, const struct s3_req *r, size_t done,
			       size_t total);

/* Creates a client; cfg (and its strings) must outlive it. Returns 0, or
 * -1 with e filled. */
int s3_open(const struct s3_config *cfg, struct s3_client **out, struct err *e);
void s3_close(struct s3_client *c);
const struct s3_stats *s3_stats(const struct s3_client *c);
/* 1 when an s3_run failed because cfg.deadline_ms passed. */
int s3_timed_out(const struct s3_client *c);

/* Runs n requests, up to cfg.connections at a time, each retried as the
 * header says. Returns 0 when every request got an HTTP answer that is
 * final (2xx, 3xx, 4xx other than 429/408), whatever its status: the
 * caller judges it (s3_check). Returns -1 with e filled (ERR_UNAVAILABLE)
 * when a request was still failing after max_attempts or the deadline
 * passed (requests not finished then have status 0), or ERR_SYSTEM. */
int s3_run(struct s3_client *c, struct s3_req *reqs, size_t n,
	   s3_progress_fn progress, void *arg, struct err *e);

/* Frees what s3_run put in r's outcome. */
void s3_req_free(struct s3_req *r);

/* Judges a finished request: 0 when its status is one of ok (a list of
 * statuses ending with 0, e.g. {200, 0}), else -1 with e filled, S3's
 * error code translated: SignatureDoesNotMatch, InvalidAccessKeyId,
 * AccessDenied and other 403s → ERR_PERMISSION naming the credential to
 * check; NoSuchBucket, a redirect to another region → ERR_CONFIG; the
 * rest → ERR_SYSTEM with S3's code and message. */
int s3_check(const struct s3_client *c, const struct s3_req *r, const long *ok,
	     struct err *e);

/* One object of a listing. */
struct s3_object {
	char *key;
	char etag[80];
	long long size;
	long long mtime; /* LastModified, seconds since the epoch */
};

struct s3_listing {
	struct s3_object *v;
	size_t n, cap;
};

/* Lists every object under prefix (ListObjectsV2, page after page).
 * Returns 0, or -1 with e filled. */
int s3_list(struct s3_client *c, const char *prefix, struct s3_listing *out,
	    struct err *e);
void s3_listing_free(struct s3_listing *l);

/* The first <tag>value</tag> in an XML body, entities decoded, into out.
 * Returns 1 when found, 0 when not. For tests and the listing. */
int s3_xml_value(const char *xml, size_t len, const char *tag, char *out,
		 size_t size);

#endif
