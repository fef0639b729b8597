/*
 * The S3 client: one curl multi handle, one easy handle per transfer
 * slot, each request signed again at each attempt (a retried request
 * gets a fresh x-amz-date). A slot whose request must be retried waits
 * out its backoff (exponential, capped, with full jitter) without
 * holding a connection.
 */
#include "s3.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "io.h"
#include "sigv4.h"
#include "vec.h"

/* Response bodies kept (errors, listings): a listing page of 1,000 keys
 * is about 300 KB. */
#define BODY_MAX       (4u << 20)
#define BACKOFF_CAP_MS 20000L

struct s3_client {
	const struct s3_config *cfg;
	CURLM *multi;
	char host[640]; /* the Host header: host[:port], or bucket.host[:port]
			 */
	char scheme[8]; /* "https" or "http" */
	char hostport[512]; /* host[:port] of the endpoint */
	struct s3_stats stats;
	unsigned rng;
	int timed_out;
};

struct slot {
	CURL *easy;
	struct s3_req *r;
	struct curl_slist *headers;
	off_t offset;	      /* next body byte to send */
	long long not_before; /* ms: when a retry may start */
	char errbuf[CURL_ERROR_SIZE];
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int global_init(struct err *e)
{
	static int done;

	if (done)
		return 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return err_set(e, ERR_SYSTEM, NULL, 0, 0,
			       "libcurl failed to initialise");
	done = 1;
	return 0;
}

int s3_open(const struct s3_config *cfg, struct s3_client **out, struct err *e)
{
	struct s3_client *c;
	const char *ep = cfg->endpoint;
	char aws[128];

	if (global_init(e) < 0)
		return -1;
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return err_sys(e, ENOMEM, "s3 client");
	c->cfg = cfg;
	c->rng = (unsigned)now_ms() ^ (unsigned)getpid();
	if (ep == NULL || ep[0] == '\0') {
		(void)snprintf(aws, sizeof aws, "https://s3.%s.amazonaws.com",
			       cfg->region);
		ep = aws;
	}
	const char *rest;

	if (strncmp(ep, "https://", 8) == 0) {
		strcpy(c->scheme, "https");
		rest = ep + 8;
	} else if (strncmp(ep, "http://", 7) == 0) {
		strcpy(c->scheme, "http");
		rest = ep + 7;
	} else {
		free(c);
		err_set(e, ERR_CONFIG, NULL, 0, 0,
			"endpoint '%s': not an http:// or https:// URL", ep);
		return -1;
	}
	size_t n = strcspn(rest, "/");

	if (n == 0 || n >= sizeof c->hostport ||
	    rest[n + (rest[n] == '/')] != '\0') {
		free(c);
		err_set(e, ERR_CONFIG, NULL, 0, 0,
			"endpoint '%s': expected scheme://host[:port] only",
			ep);
		return -1;
	}
	memcpy(c->hostport, rest, n);
	c->hostport[n] = '\0';
	if (cfg->path_style)
		(void)snprintf(c->host, sizeof c->host, "%s", c->hostport);
	else
		(void)snprintf(c->host, sizeof c->host, "%s.%s", cfg->bucket,
			       c->hostport);
	c->multi = curl_multi_init();
	if (c->multi == NULL) {
		free(c);
		return err_set(e, ERR_SYSTEM, NULL, 0, 0,
			       "curl_multi_init failed");
	}
	curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
			  (long)cfg->connections);
	*out = c;
	return 0;
}

void s3_close(struct s3_client *c)
{
	if (c == NULL)
		return;
	curl_multi_cleanup(c->multi);
	free(c);
}

const struct s3_stats *s3_stats(const struct s3_client *c)
{
	return &c->stats;
}

int s3_timed_out(const struct s3_client *c)
{
	return c->timed_out;
}

void s3_req_free(struct s3_req *r)
{
	buf_free(&r->body);
}

static size_t on_read(char *p, size_t size, size_t nmemb, void *arg)
{
	struct slot *s = arg;
	struct s3_req *r = s->r;
	size_t want = size * nmemb;

	if (r->fd < 0) {
		size_t left = r->memlen - (size_t)s->offset;

		if (want > left)
			want = left;
		memcpy(p, (const char *)r->mem + s->offset, want);
		s->offset += (off_t)want;
		return want;
	}
	if ((off_t)want > r->size - s->offset)
		want = (size_t)(r->size - s->offset);
	if (want == 0)
		return 0;
	for (;;) {
		ssize_t got = pread(r->fd, p, want, s->offset);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return CURL_READFUNC_ABORT;
		s->offset += got;
		return (size_t)got;
	}
}

static int on_seek(void *arg, curl_off_t off, int origin)
{
	struct slot *s = arg;

	if (origin != SEEK_SET)
		return CURL_SEEKFUNC_CANTSEEK;
	s->offset = (off_t)off;
	return CURL_SEEKFUNC_OK;
}

static size_t on_write(char *p, size_t size, size_t nmemb, void *arg)
{
	struct slot *s = arg;
	size_t n = size * nmemb;

	if (s->r->body.len + n > BODY_MAX)
		return 0; /* CURLE_WRITE_ERROR */
	if (buf_add(&s->r->body, p, n) < 0)
		return 0;
	return n;
}

/* Copies a header's value (trimmed, quotes dropped) when its name
 * matches. */
static void header_value(const char *line, size_t n, const char *name,
			 char *out, size_t size)
{
	size_t nl = strlen(name);

	if (n <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return;
	const char *v = line + nl + 1, *end = line + n;

	while (v < end && (*v == ' ' || *v == '\t' || *v == '"'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' ||
			   end[-1] == ' ' || end[-1] == '"'))
		end--;
	size_t len = (size_t)(end - v);

	if (len >= size)
		len = size - 1;
	memcpy(out, v, len);
	out[len] = '\0';
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *arg)
{
	struct slot *s = arg;
	size_t n = size * nmemb;
	char len[32] = "";

	header_value(p, n, "etag", s->r->etag, sizeof s->r->etag);
	header_value(p, n, "x-amz-meta-sha256", s->r->got_sha256,
		     sizeof s->r->got_sha256);
	header_value(p, n, "x-amz-bucket-region", s->r->bucket_region,
		     sizeof s->r->bucket_region);
	header_value(p, n, "content-length", len, sizeof len);
	if (len[0] != '\0')
		s->r->length = strtoll(len, NULL, 10);
	return n;
}

static int add_header(struct curl_slist **l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int add_header(struct curl_slist **l, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	struct curl_slist *n;

	va_start(ap, fmt);
	int len = vsnprintf(line, sizeof line, fmt, ap);

	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof line)
		return -1;
	n = curl_slist_append(*l, line);
	if (n == NULL)
		return -1;
	*l = n;
	return 0;
}

static const char EMPTY_SHA256[] =
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/* Prepares the slot's easy handle for one attempt of its request. */
static int prepare(struct s3_client *c, struct slot *s, struct err *e)
{
	const struct s3_config *cfg = c->cfg;
	struct s3_req *r = s->r;
	struct buf path = {0}, url = {0}, auth = {0};
	char date[17];
	const char *sha = r->sha256 ? r->sha256 : EMPTY_SHA256;
	struct sigv4_header h[8];
	size_t nh = 0;
	int rc = -1;

	buf_reset(&r->body);
	r->etag[0] = r->got_sha256[0] = r->bucket_region[0] = '\0';
	r->length = -1;
	r->status = 0;
	s->offset = 0;
	s->errbuf[0] = '\0';
	curl_slist_free_all(s->headers);
	s->headers = NULL;

	if ((cfg->path_style &&
	     (buf_addc(&path, '/') < 0 ||
	      sigv4_uri_encode(&path, cfg->bucket, strlen(cfg->bucket), 0) <
		      0)) ||
	    buf_addc(&path, '/') < 0 ||
	    sigv4_uri_encode(&path, r->key, strlen(r->key), 1) < 0 ||
	    buf_addc(&path, '\0') < 0)
		goto nomem;
	if (buf_printf(&url, "%s://%s%s%s%s", c->scheme, c->host, path.p,
		       r->query && r->query[0] ? "?" : "",
		       r->query ? r->query : "") < 0)
		goto nomem;
	sigv4_amz_date(date, (long long)time(NULL));
	h[nh++] = (struct sigv4_header){"host", c->host};
	h[nh++] = (struct sigv4_header){"x-amz-content-sha256", sha};
	h[nh++] = (struct sigv4_header){"x-amz-date", date};
	if (cfg->session_token && cfg->session_token[0])
		h[nh++] = (struct sigv4_header){"x-amz-security-token",
						cfg->session_token};
	if (r->meta_sha256)
		h[nh++] = (struct sigv4_header){"x-amz-meta-sha256",
						r->meta_sha256};
	struct sigv4_creds cr = {cfg->access_key, cfg->secret_key};
	struct sigv4_request sr = {
		r->method,   path.p, r->query ? r->query : "", h, nh, sha, date,
		cfg->region, "s3"};

	if (sigv4_authorization(&cr, &sr, &auth, NULL) < 0 ||
	    buf_addc(&auth, '\0') < 0)
		goto nomem;
	for (size_t i = 0; i < nh; i++)
		if (add_header(&s->headers, "%s: %s", h[i].name, h[i].value) <
		    0)
			goto nomem;
	if (add_header(&s->headers, "Authorization: %s", auth.p) < 0 ||
	    add_header(&s->headers, "Expect:") < 0 ||
	    (r->content_type && add_header(&s->headers, "Content-Type: %s",
					   r->content_type) < 0) ||
	    (r->cache_control && add_header(&s->headers, "Cache-Control: %s",
					    r->cache_control) < 0) ||
	    (r->content_encoding &&
	     add_header(&s->headers, "Content-Encoding: %s",
			r->content_encoding) < 0))
		goto nomem;

	CURL *h2 = s->easy;

	curl_easy_reset(h2);
	curl_easy_setopt(h2, CURLOPT_URL, url.p);
	curl_easy_setopt(h2, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(h2, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h2, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h2, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(h2, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h2, CURLOPT_LOW_SPEED_TIME, cfg->stall_seconds);
	curl_easy_setopt(h2, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(h2, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(h2, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(h2, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h2, CURLOPT_HEADERDATA, s);
	curl_easy_setopt(h2, CURLOPT_PRIVATE, s);
	if (cfg->ca_file != NULL)
		curl_easy_setopt(h2, CURLOPT_CAINFO, cfg->ca_file);
	curl_easy_setopt(h2, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h2, CURLOPT_SSL_VERIFYHOST, 2L);
	if (strcmp(r->method, "PUT") == 0) {
		curl_easy_setopt(h2, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h2, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(h2, CURLOPT_READDATA, s);
		curl_easy_setopt(h2, CURLOPT_SEEKFUNCTION, on_seek);
		curl_easy_setopt(h2, CURLOPT_SEEKDATA, s);
		curl_easy_setopt(
			h2, CURLOPT_INFILESIZE_LARGE,
			(curl_off_t)(r->fd >= 0 ? r->size : (off_t)r->memlen));
	} else if (strcmp(r->method, "HEAD") == 0) {
		curl_easy_setopt(h2, CURLOPT_NOBODY, 1L);
	} else if (strcmp(r->method, "DELETE") == 0) {
		curl_easy_setopt(h2, CURLOPT_CUSTOMREQUEST, "DELETE");
	}
	rc = 0;
	goto out;
nomem:
	err_sys(e, ENOMEM, "preparing a request");
out:
	buf_free(&path);
	buf_free(&url);
	buf_free(&auth);
	return rc;
}

/* What the store said, when it is a reason to try again. */
static int retryable(const struct s3_req *r)
{
	char code[64];

	switch (r->curl_code) {
	case CURLE_OK: break;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR: return 1;
	default: return 0;
	}
	if (r->status >= 500 || r->status == 429 || r->status == 408)
		return 1;
	if (r->status == 400 &&
	    s3_xml_value(r->body.p, r->body.len, "Code", code, sizeof code) &&
	    (strcmp(code, "RequestTimeout") == 0 ||
	     strcmp(code, "SlowDown") == 0))
		return 1;
	return 0;
}

static unsigned rnd(struct s3_client *c)
{
	c->rng = c->rng * 1103515245u + 12345u;
	return c->rng >> 8;
}

/* Full jitter: a delay drawn from [0, min(cap, base * 2^(attempt-1))]. */
static long long backoff(struct s3_client *c, int attempt)
{
	long long d = c->cfg->backoff_ms;

	for (int i = 1; i < attempt && d < BACKOFF_CAP_MS; i++)
		d *= 2;
	if (d > BACKOFF_CAP_MS)
		d = BACKOFF_CAP_MS;
	return d <= 0 ? 0 : (long long)(rnd(c) % (unsigned)(d + 1));
}

static int unavailable(const struct s3_client *c, const struct s3_req *r,
		       struct err *e)
{
	char code[64] = "";

	if (r->curl_code != CURLE_OK)
		err_set(e, ERR_UNAVAILABLE, NULL, 0, 0,
			"%s %s: %s after %d attempts", r->method,
			r->key[0] ? r->key : "(bucket)",
			r->curl_error[0]
				? r->curl_error
				: curl_easy_strerror((CURLcode)r->curl_code),
			r->attempts);
	else {
		(void)s3_xml_value(r->body.p, r->body.len, "Code", code,
				   sizeof code);
		err_set(e, ERR_UNAVAILABLE, NULL, 0, 0,
			"%s %s: HTTP %ld%s%s after %d attempts", r->method,
			r->key[0] ? r->key : "(bucket)", r->status,
			code[0] ? " " : "", code, r->attempts);
	}
	err_hint(e,
		 "the store at %s://%s stayed unavailable; try again "
		 "later (nothing was recorded as released)",
		 c->scheme, c->hostport);
	return -1;
}

int s3_run(struct s3_client *c, struct s3_req *reqs, size_t n,
	   s3_progress_fn progress, void *arg, struct err *e)
{
	size_t nslots =
		(size_t)(c->cfg->connections > 0 ? c->cfg->connections : 1);
	struct slot *slots;
	size_t next = 0, done = 0;
	int rc = -1;

	if (n == 0)
		return 0;
	if (nslots > n)
		nslots = n;
	slots = calloc(nslots, sizeof *slots);
	if (slots == NULL)
		return err_sys(e, ENOMEM, "s3 transfers");
	for (size_t i = 0; i < nslots; i++) {
		slots[i].easy = curl_easy_init();
		if (slots[i].easy == NULL) {
			err_set(e, ERR_SYSTEM, NULL, 0, 0,
				"curl_easy_init failed");
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		reqs[i].attempts = 0;
		reqs[i].status = 0;
		reqs[i].curl_code = 0;
	}

	int running = 0;
	size_t active = 0;

	while (done < n) {
		long long t = now_ms();
		long long wait_until = -1;

		if (c->cfg->deadline_ms > 0 &&
		    io_now_ms() >= c->cfg->deadline_ms) {
			c->timed_out = 1;
			err_set(e, ERR_UNAVAILABLE, NULL, 0, 0,
				"the deadline passed with %zu of %zu requests "
				"of this batch finished",
				done, n);
			goto out;
		}

		/* Start what can start: a new request in a free slot, or a
		 * waiting retry whose time has come. */
		for (size_t i = 0; i < nslots; i++) {
			struct slot *s = &slots[i];

			if (s->r == NULL && next < n) {
				s->r = &reqs[next++];
				s->not_before = 0;
			}
			if (s->r == NULL || s->not_before < 0)
				continue; /* idle, or in flight */
			if (s->not_before > t) {
				if (wait_until < 0 ||
				    s->not_before < wait_until)
					wait_until = s->not_before;
				continue;
			}
			if (prepare(c, s, e) < 0)
				goto out;
			s->r->attempts++;
			c->stats.requests++;
			if (curl_multi_add_handle(c->multi, s->easy) !=
			    CURLM_OK) {
				err_set(e, ERR_SYSTEM, NULL, 0, 0,
					"curl_multi_add_handle failed");
				goto out;
			}
			s->not_before = -1;
			active++;
		}
		if (active == 0) {
			long long d = wait_until - now_ms();

			if (d > 0)
				usleep((useconds_t)(d > 1000 ? 1000 : d) *
				       1000);
			continue;
		}
		if (curl_multi_perform(c->multi, &running) != CURLM_OK) {
			err_set(e, ERR_SYSTEM, NULL, 0, 0,
				"curl_multi_perform failed");
			goto out;
		}
		CURLMsg *m;
		int left;

		while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
			if (m->msg != CURLMSG_DONE)
				continue;
			struct slot *s = NULL;

			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
					  (char **)&s);
			curl_multi_remove_handle(c->multi, m->easy_handle);
			active--;
			struct s3_req *r = s->r;

			r->curl_code = (int)m->data.result;
			curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE,
					  &r->status);
			(void)snprintf(r->curl_error, sizeof r->curl_error,
				       "%s", s->errbuf);
			if (r->curl_code == CURLE_OK &&
			    strcmp(r->method, "PUT") == 0)
				c->stats.bytes_sent +=
					(unsigned long long)s->offset;
			if (retryable(r)) {
				if (r->attempts >= c->cfg->max_attempts) {
					unavailable(c, r, e);
					goto out;
				}
				c->stats.retries++;
				s->not_before =
					now_ms() + backoff(c, r->attempts);
				continue;
			}
			if (r->curl_code != CURLE_OK) {
				err_set(e, ERR_SYSTEM, NULL, 0, 0, "%s %s: %s",
					r->method,
					r->key[0] ? r->key : "(bucket)",
					s->errbuf[0] ? s->errbuf
						     : curl_easy_strerror(
							       m->data.result));
				if (m->data.result ==
					    CURLE_PEER_FAILED_VERIFICATION ||
				    m->data.result == CURLE_SSL_CACERT_BADFILE)
					err_hint(e,
						 "the store's TLS certificate "
						 "was not verified with "
						 "the CA bundle; give "
						 "--ca-file for a private CA");
				goto out;
			}
			s->r = NULL;
			done++;
			if (progress)
				progress(arg, r, done, n);
		}
		if (done < n && active > 0 &&
		    curl_multi_poll(c->multi, NULL, 0, 200, NULL) != CURLM_OK) {
			err_set(e, ERR_SYSTEM, NULL, 0, 0,
				"curl_multi_poll failed");
			goto out;
		}
	}
	rc = 0;
out:
	for (size_t i = 0; i < nslots; i++) {
		if (slots[i].easy == NULL)
			continue;
		curl_multi_remove_handle(c->multi, slots[i].easy);
		curl_easy_cleanup(slots[i].easy);
		curl_slist_free_all(slots[i].headers);
	}
	free(slots);
	return rc;
}

static void decode_entities(char *s)
{
	static const struct {
		const char *ent;
		char ch;
	} ents[] = {{"&amp;", '&'},
		    {"&lt;", '<'},
		    {"&gt;", '>'},
		    {"&quot;", '"'},
		    {"&apos;", '\''}};
	char *w = s;

	for (const char *p = s; *p != '\0';) {
		int matched = 0;

		if (*p == '&') {
			for (size_t i = 0; i < sizeof ents / sizeof *ents;
			     i++) {
				size_t l = strlen(ents[i].ent);

				if (strncmp(p, ents[i].ent, l) == 0) {
					*w++ = ents[i].ch;
					p += l;
					matched = 1;
					break;
				}
			}
			if (!matched && p[1] == '#') {
				char *end;
				long v = p[2] == 'x' ? strtol(p + 3, &end, 16)
						     : strtol(p + 2, &end, 10);

				if (*end == ';' && v > 0 && v < 128) {
					*w++ = (char)v;
					p = end + 1;
					matched = 1;
				}
			}
		}
		if (!matched)
			*w++ = *p++;
	}
	*w = '\0';
}

int s3_xml_value(const char *xml, size_t len, const char *tag, char *out,
		 size_t size)
{
	char open[80], close[80];
	const char *p, *q, *end = xml + len;

	if (xml == NULL || size == 0)
		return 0;
	(void)snprintf(open, sizeof open, "<%s>", tag);
	(void)snprintf(close, sizeof close, "</%s>", tag);
	p = memmem(xml, len, open, strlen(open));
	if (p == NULL)
		return 0;
	p += strlen(open);
	q = memmem(p, (size_t)(end - p), close, strlen(close));
	if (q == NULL)
		return 0;
	size_t n = (size_t)(q - p);

	if (n >= size)
		n = size - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	decode_entities(out);
	return 1;
}

static const char *credential_hint(const char *code)
{
	if (strcmp(code, "SignatureDoesNotMatch") == 0)
		return "the signature did not match: check "
		       "AWS_SECRET_ACCESS_KEY (it does not belong to "
		       "AWS_ACCESS_KEY_ID), and the region";
	if (strcmp(code, "InvalidAccessKeyId") == 0)
		return "the store does not know AWS_ACCESS_KEY_ID: check it "
		       "(and the endpoint)";
	if (strcmp(code, "ExpiredToken") == 0 ||
	    strcmp(code, "InvalidToken") == 0)
		return "AWS_SESSION_TOKEN expired or is invalid: get new "
		       "temporary credentials";
	if (strcmp(code, "RequestTimeTooSkewed") == 0)
		return "this machine's clock is too far from the store's: "
		       "fix the clock";
	return "the credentials may not write to this bucket: check the "
	       "key's policy (s3:PutObject, s3:ListBucket, s3:GetObject; "
	       "s3:DeleteObject for --prune)";
}

int s3_check(const struct s3_client *c, const struct s3_req *r, const long *ok,
	     struct err *e)
{
	char code[64] = "", msg[256] = "";
	const char *what = r->key[0] ? r->key : "(bucket)";

	for (const long *s = ok; *s != 0; s++)
		if (r->status == *s)
			return 0;
	(void)s3_xml_value(r->body.p, r->body.len, "Code", code, sizeof code);
	(void)s3_xml_value(r->body.p, r->body.len, "Message", msg, sizeof msg);
	if (r->status == 403 || strcmp(code, "SignatureDoesNotMatch") == 0 ||
	    strcmp(code, "InvalidAccessKeyId") == 0 ||
	    strcmp(code, "AccessDenied") == 0) {
		err_set(e, ERR_PERMISSION, NULL, 0, 0,
			"%s %s: the store refused the request (%s%s%s)",
			r->method, what, code[0] ? code : "HTTP 403",
			msg[0] ? ": " : "", msg);
		err_hint(e, "%s", credential_hint(code));
		return -1;
	}
	if (strcmp(code, "NoSuchBucket") == 0 ||
	    (r->status == 404 && strcmp(r->method, "GET") == 0 &&
	     r->key[0] == '\0')) {
		err_set(e, ERR_CONFIG, NULL, 0, 0,
			"bucket '%s' does not exist at %s://%s", c->cfg->bucket,
			c->scheme, c->hostport);
		err_hint(e, "check publish.to (s3://BUCKET/PREFIX) and "
			    "publish.endpoint");
		return -1;
	}
	if (r->status == 301 || r->status == 307 ||
	    strcmp(code, "PermanentRedirect") == 0 ||
	    strcmp(code, "AuthorizationHeaderMalformed") == 0 ||
	    r->bucket_region[0] != '\0') {
		char region[64] = "";

		if (r->bucket_region[0])
			(void)snprintf(region, sizeof region, "%s",
				       r->bucket_region);
		else
			(void)s3_xml_value(r->body.p, r->body.len, "Region",
					   region, sizeof region);
		err_set(e, ERR_CONFIG, NULL, 0, 0,
			"bucket '%s' is in another region%s%s (this request "
			"was signed for %s)",
			c->cfg->bucket, region[0] ? ": " : "", region,
			c->cfg->region);
		err_hint(e, "set publish.region (--region) to %s",
			 region[0] ? region : "the bucket's region");
		return -1;
	}
	err_set(e, ERR_SYSTEM, NULL, 0, 0, "%s %s: HTTP %ld%s%s%s%s", r->method,
		what, r->status, code[0] ? " " : "", code, msg[0] ? ": " : "",
		msg);
	return -1;
}

/* RFC 3339 as S3 writes it (2026-12-05T21:03:36.000Z) to epoch seconds. */
static long long parse_time(const char *s)
{
	struct tm tm = {0};
	char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);

	if (end == NULL)
		return 0;
	return (long long)timegm(&tm);
}

int s3_list(struct s3_client *c, const char *prefix, struct s3_listing *out,
	    struct err *e)
{
	char token[1024] = "";
	int rc = -1;

	for (;;) {
		struct buf q = {0};
		struct s3_req r = {.method = "GET", .key = "", .fd = -1};

		if (buf_adds(&q, "list-type=2&max-keys=1000") < 0 ||
		    (token[0] &&
		     (buf_adds(&q, "&continuation-token=") < 0 ||
		      sigv4_uri_encode(&q, token, strlen(token), 0) < 0)) ||
		    (prefix[0] &&
		     (buf_adds(&q, "&prefix=") < 0 ||
		      sigv4_uri_encode(&q, prefix, strlen(prefix), 0) < 0)) ||
		    buf_addc(&q, '\0') < 0) {
			buf_free(&q);
			return err_sys(e, ENOMEM, "listing");
		}
		r.query = q.p;
		if (s3_run(c, &r, 1, NULL, NULL, e) < 0 ||
		    s3_check(c, &r, (const long[]){200, 0}, e) < 0) {
			buf_free(&q);
			s3_req_free(&r);
			return -1;
		}
		buf_free(&q);
		/* Each <Contents>...</Contents>. */
		const char *p = r.body.p, *end = r.body.p + r.body.len;

		while (p != NULL && p < end) {
			const char *a =
				memmem(p, (size_t)(end - p), "<Contents>", 10);
			if (a == NULL)
				break;
			const char *b =
				memmem(a, (size_t)(end - a), "</Contents>", 11);
			if (b == NULL)
				break;
			char key[2048], etag[80], size[32], mod[64];
			size_t len = (size_t)(b - a);

			if (!s3_xml_value(a, len, "Key", key, sizeof key)) {
				p = b + 11;
				continue;
			}
			if (!s3_xml_value(a, len, "ETag", etag, sizeof etag))
				etag[0] = '\0';
			if (!s3_xml_value(a, len, "Size", size, sizeof size))
				strcpy(size, "-1");
			if (!s3_xml_value(a, len, "LastModified", mod,
					  sizeof mod))
				mod[0] = '\0';
			if (vec_grow((void **)&out->v, &out->cap, out->n + 1,
				     sizeof *out->v) < 0)
				goto nomem;
			struct s3_object *o = &out->v[out->n];

			memset(o, 0, sizeof *o);
			o->key = strdup(key);
			if (o->key == NULL)
				goto nomem;
			/* Quotes around the ETag, kept or encoded. */
			char *et = etag;
			size_t el = strlen(et);

			if (el >= 2 && et[0] == '"' && et[el - 1] == '"') {
				et[el - 1] = '\0';
				et++;
			}
			(void)snprintf(o->etag, sizeof o->etag, "%s", et);
			o->size = strtoll(size, NULL, 10);
			o->mtime = parse_time(mod);
			out->n++;
			p = b + 11;
		}
		char trunc[8] = "";

		(void)s3_xml_value(r.body.p, r.body.len, "IsTruncated", trunc,
				   sizeof trunc);
		if (strcmp(trunc, "true") != 0 ||
		    !s3_xml_value(r.body.p, r.body.len, "NextContinuationToken",
				  token, sizeof token)) {
			s3_req_free(&r);
			break;
		}
		s3_req_free(&r);
		continue;
	nomem:
		s3_req_free(&r);
		return err_sys(e, ENOMEM, "listing");
	}
	rc = 0;
	return rc;
}

void s3_listing_free(struct s3_listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].key);
	free(l->v);
	memset(l, 0, sizeof *l);
}
