/*
 * sigv4.h against AWS's published examples: the four S3 examples of
 * "Examples: Signature Calculations in AWS Signature Version 4"
 * (sig-v4-header-based-auth: GET Object with a range, PUT Object with a
 * '$' in the key, GET Bucket Lifecycle, GET Bucket with a query), and
 * get-vanilla / get-vanilla-query-order-key-case of the SigV4 test suite.
 */
#include <errno.h>
#include <string.h>

#include "buf.h"
#include "sigv4.h"
#include "tap.h"

#define EMPTY_SHA                                                              \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static const struct sigv4_creds s3creds = {
	"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};

static void check(const struct sigv4_creds *c, const struct sigv4_request *r,
		  const char *want, const char *what)
{
	struct buf out = {0};

	T_INT(sigv4_authorization(c, r, &out, NULL), 0, what);
	buf_addc(&out, '\0');
	T_STR(out.p, want, what);
	buf_free(&out);
}

TAP_SUITE(sigv4_s3_examples)
{
	const struct sigv4_header get[] = {
		{"Host", "examplebucket.s3.amazonaws.com"},
		{"Range", "bytes=0-9"},
		{"x-amz-content-sha256", EMPTY_SHA},
		{"x-amz-date", "20130524T000000Z"},
	};
	struct sigv4_request r = {
		"GET",	   "/test.txt",	       "",	    get, 4,
		EMPTY_SHA, "20130524T000000Z", "us-east-1", "s3"};
	struct buf creq = {0}, auth = {0};

	T_INT(sigv4_authorization(&s3creds, &r, &auth, &creq), 0, "GET Object");
	buf_addc(&creq, '\0');
	T_STR(creq.p,
	      "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\n"
	      "range:bytes=0-9\nx-amz-content-sha256:" EMPTY_SHA "\n"
	      "x-amz-date:20130524T000000Z\n\n"
	      "host;range;x-amz-content-sha256;x-amz-date\n" EMPTY_SHA,
	      "GET Object: the canonical request");
	buf_free(&creq);
	buf_free(&auth);
	check(&s3creds, &r,
	      "AWS4-HMAC-SHA256 "
	      "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
	      "aws4_request, "
	      "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
	      "Signature="
	      "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb4"
	      "1",
	      "GET Object: the Authorization header");

	const char *put_sha = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e4"
			      "2034a8b803f8b072";
	char body_sha[65];

	sigv4_sha256_hex(body_sha, "Welcome to Amazon S3.", 21);
	T_STR(body_sha, put_sha, "SHA-256 of the PUT example's body");
	struct buf path = {0};

	sigv4_uri_encode(&path, "/test$file.text", 15, 1);
	buf_addc(&path, '\0');
	T_STR(path.p, "/test%24file.text", "'$' encoded, '/' kept");
	const struct sigv4_header put[] = {
		{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
		{"Host", "examplebucket.s3.amazonaws.com"},
		{"x-amz-date", "20130524T000000Z"},
		{"x-amz-storage-class", "REDUCED_REDUNDANCY"},
		{"x-amz-content-sha256", put_sha},
	};
	struct sigv4_request pr = {
		"PUT",	     path.p, "", put, 5, put_sha, "20130524T000000Z",
		"us-east-1", "s3"};
	check(&s3creds, &pr,
	      "AWS4-HMAC-SHA256 "
	      "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
	      "aws4_request, "
	      "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-"
	      "storage-class, "
	      "Signature="
	      "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108b"
	      "d",
	      "PUT Object");
	buf_free(&path);

	const struct sigv4_header list[] = {
		{"Host", "examplebucket.s3.amazonaws.com"},
		{"x-amz-date", "20130524T000000Z"},
		{"x-amz-content-sha256", EMPTY_SHA},
	};
	struct sigv4_request lr = {
		"GET", "/",	  "lifecycle",	      list,
		3,     EMPTY_SHA, "20130524T000000Z", "us-east-1",
		"s3"};
	check(&s3creds, &lr,
	      "AWS4-HMAC-SHA256 "
	      "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
	      "aws4_request, "
	      "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
	      "Signature="
	      "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a013678354"
	      "3",
	      "GET Bucket Lifecycle: a parameter without a value");
	lr.query = "prefix=J&max-keys=2";
	check(&s3creds, &lr,
	      "AWS4-HMAC-SHA256 "
	      "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
	      "aws4_request, "
	      "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
	      "Signature="
	      "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f"
	      "7",
	      "GET Bucket: the query sorted");
}

TAP_SUITE(sigv4_test_suite)
{
	const struct sigv4_creds c = {
		"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"};
	const struct sigv4_header h[] = {
		{"Host", "example.amazonaws.com"},
		{"X-Amz-Date", "20150830T123600Z"},
	};
	struct sigv4_request r = {
		"GET",	     "/",      "", h, 2, EMPTY_SHA, "20150830T123600Z",
		"us-east-1", "service"};

	check(&c, &r,
	      "AWS4-HMAC-SHA256 "
	      "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
	      "SignedHeaders=host;x-amz-date, "
	      "Signature="
	      "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf3"
	      "1",
	      "get-vanilla");
	r.query = "Param2=value2&Param1=value1";
	check(&c, &r,
	      "AWS4-HMAC-SHA256 "
	      "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
	      "SignedHeaders=host;x-amz-date, "
	      "Signature="
	      "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf250"
	      "0",
	      "get-vanilla-query-order-key-case");
}

TAP_SUITE(sigv4_refusals)
{
	const struct sigv4_header h[] = {{"Host", "x"}};
	const struct sigv4_header bad[] = {{"Ho st", "x"}};
	struct sigv4_request r = {
		"GET",	     "/", "", h, 1, EMPTY_SHA, "2015-08-30T12:36",
		"us-east-1", "s3"};
	struct buf out = {0};
	char d[17];

	errno = 0;
	T_INT(sigv4_authorization(&s3creds, &r, &out, NULL), -1,
	      "a malformed date is refused");
	T_INT(errno, EINVAL, "with EINVAL");
	r.amz_date = "20150830T123600Z";
	r.headers = bad;
	T_INT(sigv4_authorization(&s3creds, &r, &out, NULL), -1,
	      "a header name with a space is refused");
	T_INT(out.len, 0, "nothing appended on failure");
	buf_free(&out);
	sigv4_amz_date(d, 1440938160);
	T_STR(d, "20150830T123600Z", "amz date of 2015-08-30 12:36:00 UTC");
}
