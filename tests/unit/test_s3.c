/*
 * s3.h's judgement of finished requests: a bucket in another region is
 * told with the region to set, from the x-amz-bucket-region header (a
 * HEAD has no body) or from the error body's <Region>; credentials
 * problems are permission errors; a deadline already passed fails
 * s3_run before any request is sent.
 */
#include <string.h>

#include "io.h"
#include "s3.h"
#include "tap.h"

static struct s3_config config(void)
{
	struct s3_config cfg = {
		.bucket = "assets",
		.endpoint = "http://127.0.0.1:9",
		.region = "us-east-1",
		.path_style = 1,
		.access_key = "AKIDEXAMPLE",
		.secret_key = "secret",
		.connections = 1,
		.max_attempts = 1,
	};
	return cfg;
}

static void body(struct s3_req *r, const char *xml)
{
	buf_reset(&r->body);
	(void)buf_add(&r->body, xml, strlen(xml));
}

TAP_SUITE(s3_check_region)
{
	struct s3_config cfg = config();
	struct s3_client *c = NULL;
	struct err e = {0};
	static const long ok[] = {200, 0};

	T_OK(s3_open(&cfg, &c, &e) == 0, "s3_open");
	if (c == NULL)
		return;

	/* A HEAD answered 301: no body, the region in the header. */
	struct s3_req r = {.method = "HEAD", .key = "app/x.js", .fd = -1};

	r.status = 301;
	strcpy(r.bucket_region, "eu-west-3");
	T_OK(s3_check(c, &r, ok, &e) == -1 && e.kind == ERR_CONFIG,
	     "HEAD 301: a config error");
	T_OK(strstr(e.msg, "eu-west-3") != NULL, "names the bucket's region");
	T_STR(e.hint, "set publish.region (--region) to eu-west-3",
	      "and what to set");

	/* 400 AuthorizationHeaderMalformed: the region in the body. */
	memset(&e, 0, sizeof e);
	struct s3_req g = {.method = "GET", .key = "", .fd = -1};

	g.status = 400;
	body(&g, "<Error><Code>AuthorizationHeaderMalformed</Code><Message>"
		 "the region 'us-east-1' is wrong; expecting 'eu-central-1'"
		 "</Message><Region>eu-central-1</Region></Error>");
	T_OK(s3_check(c, &g, ok, &e) == -1 && e.kind == ERR_CONFIG,
	     "AuthorizationHeaderMalformed: a config error");
	T_STR(e.hint, "set publish.region (--region) to eu-central-1",
	      "names the region S3 expects");

	/* A PermanentRedirect naming no region at all still says what to
	 * set. */
	memset(&e, 0, sizeof e);
	g.status = 301;
	body(&g, "<Error><Code>PermanentRedirect</Code><Endpoint>assets.s3."
		 "amazonaws.com</Endpoint></Error>");
	T_OK(s3_check(c, &g, ok, &e) == -1 && e.kind == ERR_CONFIG,
	     "PermanentRedirect without a region: a config error");
	T_STR(e.hint, "set publish.region (--region) to the bucket's region",
	      "the hint still names the key and the flag");

	/* A 403 SignatureDoesNotMatch is a permission error. */
	memset(&e, 0, sizeof e);
	g.status = 403;
	body(&g, "<Error><Code>SignatureDoesNotMatch</Code></Error>");
	T_OK(s3_check(c, &g, ok, &e) == -1 && e.kind == ERR_PERMISSION,
	     "SignatureDoesNotMatch: a permission error");
	s3_req_free(&r);
	s3_req_free(&g);
	s3_close(c);
}

TAP_SUITE(s3_run_deadline)
{
	struct s3_config cfg = config();
	struct s3_client *c = NULL;
	struct err e = {0};

	cfg.deadline_ms = io_now_ms() - 1;
	T_OK(s3_open(&cfg, &c, &e) == 0, "s3_open");
	if (c == NULL)
		return;
	T_OK(!s3_timed_out(c), "not timed out before a run");

	struct s3_req r = {.method = "HEAD", .key = "x", .fd = -1};

	T_OK(s3_run(c, &r, 1, NULL, NULL, &e) == -1 &&
		     e.kind == ERR_UNAVAILABLE,
	     "a passed deadline fails the run (69)");
	T_OK(s3_timed_out(c), "and s3_timed_out says why");
	T_INT(r.attempts, 0, "no request was sent");
	T_INT(s3_stats(c)->requests, 0, "none counted");
	s3_req_free(&r);
	s3_close(c);
}
