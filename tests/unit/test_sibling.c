/*
 * Compressed siblings: each format decompressed, compared and scanned
 * from files in a temporary directory. gzip streams are made here with
 * zlib's deflate (linked in whole); zstd frames are written by hand (raw
 * and RLE blocks, RFC 8878 section 3.1.1), so a bomb costs 4 bytes per
 * 128 KiB; the brotli stream is a fixture made once with the brotli tool
 * (the command is beside it). Every rule of sibling.h: same, differs at a
 * byte, shorter and longer, alone, multi-member gzip, data after the end,
 * truncated, not a stream at all, a secret in the decompressed bytes,
 * both caps with and without the plain file.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "sibling.h"
#include "tap.h"

#define SECRET "tok_9f8e7d6c5b4a"

static char dir[64];

static void enter(void)
{
	snprintf(dir, sizeof dir, "/tmp/cleanroom-sibling-XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
}

static void leave(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		abort();
}

/* Writes a file in dir and returns an fd open on it for reading. */
static int file(const char *name, const void *p, size_t n)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL || (n > 0 && fwrite(p, 1, n, f) != n) || fclose(f) != 0)
		abort();
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* gzip of p (one member), appended to out; returns its length. */
static size_t gzip(const void *p, size_t n, unsigned char *out, size_t room)
{
	z_stream z;

	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	z.next_in = (unsigned char *)(uintptr_t)p;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)room;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		abort();
	n = z.total_out;
	deflateEnd(&z);
	return n;
}

/* zstd frames by hand: a header with no content size and a 128 KiB
 * window, then blocks. */
struct zbuf {
	unsigned char b[1 << 20];
	size_t n;
};

static void zstd_header(struct zbuf *z)
{
	static const unsigned char h[] = {0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38};

	memcpy(z->b + z->n, h, sizeof h);
	z->n += sizeof h;
}

static void zstd_block(struct zbuf *z, int last, int type, size_t size)
{
	unsigned v = (unsigned)last | (unsigned)type << 1 | (unsigned)size << 3;

	z->b[z->n++] = (unsigned char)v;
	z->b[z->n++] = (unsigned char)(v >> 8);
	z->b[z->n++] = (unsigned char)(v >> 16);
}

static void zstd_raw(struct zbuf *z, int last, const void *p, size_t n)
{
	zstd_block(z, last, 0, n);
	memcpy(z->b + z->n, p, n);
	z->n += n;
}

/* The brotli tool's output for four lines `var kN = "tok_9f8e7d6c5b4a";`
 * (N = 0..3), made with:
 *   python3 -c 'import sys; sys.stdout.write("".join(
 *     "var k%d = \"tok_9f8e7d6c5b4a\";\n" % i for i in range(4)))' |
 *   brotli -q 11 -c | xxd -i
 * The secret's bytes do not appear in it as they are. */
static const unsigned char br_fixture[] = {
	0xa1, 0x98, 0x03, 0x40, 0xef, 0x3c, 0xb0, 0x9d, 0xad, 0x34, 0x60, 0x6a,
	0xd0, 0xfe, 0xca, 0xc9, 0x23, 0x53, 0xda, 0xd1, 0xf5, 0xa8, 0x6e, 0xa8,
	0x6c, 0x33, 0xa1, 0x2e, 0x2f, 0x38, 0x41, 0xca, 0xab, 0x35, 0xb9, 0x52,
	0x78, 0x2b, 0x26, 0xc8, 0x0a, 0x96, 0x61, 0x0c, 0x8a, 0x20, 0xb7, 0xc6,
	0xef, 0xaf, 0xdd, 0x7a, 0xca, 0x4e, 0xca, 0x84, 0xc1, 0xd8, 0x25, 0x00,
};
static const char br_plain[] = "var k0 = \"" SECRET "\";\n"
			       "var k1 = \"" SECRET "\";\n"
			       "var k2 = \"" SECRET "\";\n"
			       "var k3 = \"" SECRET "\";\n";

struct hits {
	size_t n;
	uint64_t offset[16];
};

static int on_hit(const struct scan_hit *h, void *arg)
{
	struct hits *r = arg;

	if (r->n < 16)
		r->offset[r->n] = h->offset;
	r->n++;
	return 0;
}

/* Checks fd against plain (-1: none) with the scanner for SECRET. */
static struct sibling_result check(int fd, enum sibling_format f, int plain,
				   const struct sibling_limits *lim,
				   struct hits *h)
{
	static const struct scan_secret sec = {"API_TOKEN", SECRET,
					       sizeof SECRET - 1};
	struct sibling_result r;
	struct err e = {0};
	struct scan *sc = scan_new(&sec, 1, &e);
	struct hits none;

	if (h == NULL)
		h = &none;
	memset(h, 0, sizeof *h);
	if (sc == NULL ||
	    sibling_check_fd(fd, f, plain, sc, on_hit, h, lim, &r, &e) != 0)
		abort();
	scan_free(sc);
	close(fd);
	if (plain >= 0)
		close(plain);
	return r;
}

TAP_SUITE(sibling_names)
{
	size_t n = 0;

	T_INT(sibling_format_of("public/assets/app-1.js.gz", &n), SIBLING_GZIP,
	      ".gz");
	T_INT(n, strlen("public/assets/app-1.js"), "its plain file's path");
	T_INT(sibling_format_of("dist/app.css.br", &n), SIBLING_BROTLI, ".br");
	T_INT(sibling_format_of("dist/app.css.zst", &n), SIBLING_ZSTD, ".zst");
	T_INT(sibling_format_of("dist/.gz", &n), SIBLING_NONE,
	      "a bare suffix names no sibling");
	T_INT(sibling_format_of("dist/app.js.GZ", &n), SIBLING_NONE,
	      "upper case is not what servers look for");
	T_INT(sibling_format_of("dist/app.js.gzip", &n), SIBLING_NONE,
	      "nor .gzip");
	T_INT(sibling_format_of("dist/app.js", &n), SIBLING_NONE, "plain");
	T_INT(sibling_format_of(".gz", &n), SIBLING_NONE,
	      "a bare suffix at "
	      "the top");
	T_INT(sibling_format_of("a.gz", &n), SIBLING_GZIP, "one byte before");
	T_INT(n, 1, "its plain file 'a'");
	T_INT(sibling_format_of("x/.zst", &n), SIBLING_NONE, "a bare .zst");
	T_INT(sibling_format_of("", &n), SIBLING_NONE, "an empty name");
	T_INT(sibling_format_of("dist/app.css.tar", &n), SIBLING_NONE,
	      "another name ending in r");
	T_STR(sibling_format_name(SIBLING_ZSTD), "zstd", "format name");
}

TAP_SUITE(sibling_gzip)
{
	static char text[20000];
	static unsigned char gz[40000];
	struct sibling_result r;
	struct hits h;
	size_t n, m;

	enter();
	for (size_t i = 0; i < sizeof text; i++)
		text[i] = "abcdefghij \n"[(i * 7 + i / 13) % 12];
	n = gzip(text, sizeof text, gz, sizeof gz);
	r = check(file("x.gz", gz, n), SIBLING_GZIP,
		  file("x", text, sizeof text), NULL, &h);
	T_INT(r.outcome, SIBLING_SAME, "gzip of X is X");
	T_INT(r.out_bytes, sizeof text, "every byte decompressed");
	T_INT(r.in_bytes, n, "compressed size");
	T_INT(h.n, 0, "no secret");

	r = check(file("x.gz", gz, n), SIBLING_GZIP, -1, NULL, NULL);
	T_INT(r.outcome, SIBLING_ALONE, "without X: alone");
	T_INT(r.out_bytes, sizeof text, "decompressed all the same");

	text[12345] ^= 1;
	r = check(file("x.gz", gz, n), SIBLING_GZIP,
		  file("x", text, sizeof text), NULL, NULL);
	T_INT(r.outcome, SIBLING_DIFFERS, "one byte flipped in X: differs");
	T_INT(r.differs_at, 12345, "at that byte");
	text[12345] ^= 1;

	r = check(file("x.gz", gz, n), SIBLING_GZIP,
		  file("x", text, sizeof text - 1), NULL, NULL);
	T_OK(r.outcome == SIBLING_DIFFERS && r.differs_at == sizeof text - 1,
	     "X one byte shorter: differs where X ends");
	r = check(file("x.gz", gz, n), SIBLING_GZIP,
		  file("x", text, sizeof text + 0), NULL, NULL);
	T_INT(r.outcome, SIBLING_SAME, "(control)");
	m = gzip(text, sizeof text - 100, gz, sizeof gz);
	r = check(file("x.gz", gz, m), SIBLING_GZIP,
		  file("x", text, sizeof text), NULL, NULL);
	T_OK(r.outcome == SIBLING_DIFFERS && r.differs_at == sizeof text - 100,
	     "a sibling of X's first bytes only: differs where it ends");

	/* Two members, as `cat a.gz b.gz`: gzip -d reads both. */
	n = gzip(text, 5000, gz, sizeof gz);
	n += gzip(text + 5000, sizeof text - 5000, gz + n, sizeof gz - n);
	r = check(file("x.gz", gz, n), SIBLING_GZIP,
		  file("x", text, sizeof text), NULL, NULL);
	T_INT(r.outcome, SIBLING_SAME, "two members that make X: X");
	n = gzip(text, sizeof text, gz, sizeof gz);
	n += gzip(SECRET, sizeof SECRET - 1, gz + n, sizeof gz - n);
	r = check(file("x.gz", gz, n), SIBLING_GZIP,
		  file("x", text, sizeof text), NULL, &h);
	T_INT(r.outcome, SIBLING_DIFFERS, "a second member after X: differs");
	T_OK(h.n == 1 && h.offset[0] == sizeof text,
	     "and the secret in it is found at its decompressed offset");

	n = gzip(text, sizeof text, gz, sizeof gz);
	memcpy(gz + n, "junk", 4);
	r = check(file("x.gz", gz, n + 4), SIBLING_GZIP,
		  file("x", text, sizeof text), NULL, NULL);
	T_INT(r.outcome, SIBLING_CORRUPT, "bytes after the end: corrupt");
	T_OK(strstr(r.detail, "after the end of the gzip data") != NULL,
	     "says so (%s)", r.detail);
	r = check(file("x.gz", gz, n / 2), SIBLING_GZIP,
		  file("x", text, sizeof text), NULL, NULL);
	T_INT(r.outcome, SIBLING_CORRUPT, "truncated: corrupt");
	T_STR(r.detail, "truncated gzip stream", "says truncated");
	r = check(file("x.gz", "not gzip at all", 15), SIBLING_GZIP, -1, NULL,
		  NULL);
	T_INT(r.outcome, SIBLING_CORRUPT, "not gzip: corrupt");
	r = check(file("x.gz", "", 0), SIBLING_GZIP, -1, NULL, NULL);
	T_INT(r.outcome, SIBLING_CORRUPT, "empty: corrupt");
	leave();
}

/* A secret in the decompressed bytes that is not in the compressed
 * ones. */
TAP_SUITE(sibling_hidden_secret)
{
	static char text[4096];
	static unsigned char gz[8192];
	struct sibling_result r;
	struct hits h;
	size_t n;

	enter();
	memset(text, 'a', sizeof text);
	memcpy(text + 3000, SECRET, sizeof SECRET - 1);
	n = gzip(text, sizeof text, gz, sizeof gz);
	T_OK(memmem(gz, n, SECRET, sizeof SECRET - 1) == NULL,
	     "(the compressed bytes do not show it)");
	r = check(file("x.gz", gz, n), SIBLING_GZIP,
		  file("x", text, sizeof text), NULL, &h);
	T_INT(r.outcome, SIBLING_SAME, "the same as X");
	T_OK(h.n == 1 && h.offset[0] == 3000, "gzip: the secret at 3000");

	r = check(file("x.br", br_fixture, sizeof br_fixture), SIBLING_BROTLI,
		  file("x", br_plain, sizeof br_plain - 1), NULL, &h);
	T_INT(r.outcome, SIBLING_SAME, "brotli: the same as X");
	T_INT(r.out_bytes, sizeof br_plain - 1, "brotli: every byte");
	T_OK(h.n == 4 && h.offset[0] == 10, "brotli: four hits, first at 10");
	leave();
}

TAP_SUITE(sibling_brotli)
{
	static unsigned char br[sizeof br_fixture + 1];
	struct sibling_result r;

	enter();
	r = check(file("x.br", br_fixture, sizeof br_fixture), SIBLING_BROTLI,
		  -1, NULL, NULL);
	T_INT(r.outcome, SIBLING_ALONE, "alone");
	r = check(file("x.br", br_fixture, sizeof br_fixture), SIBLING_BROTLI,
		  file("x", br_plain, sizeof br_plain - 2), NULL, NULL);
	T_INT(r.outcome, SIBLING_DIFFERS, "X one byte short: differs");
	memcpy(br, br_fixture, sizeof br_fixture);
	br[sizeof br_fixture] = 'x';
	r = check(file("x.br", br, sizeof br), SIBLING_BROTLI, -1, NULL, NULL);
	T_INT(r.outcome, SIBLING_CORRUPT, "a byte after the end: corrupt");
	T_STR(r.detail, "data after the end of the stream", "says so");
	r = check(file("x.br", br_fixture, sizeof br_fixture - 5),
		  SIBLING_BROTLI, -1, NULL, NULL);
	T_INT(r.outcome, SIBLING_CORRUPT, "truncated: corrupt");
	r = check(file("x.br", "garbage\n", 8), SIBLING_BROTLI, -1, NULL, NULL);
	T_INT(r.outcome, SIBLING_CORRUPT, "not brotli: corrupt");
	leave();
}

TAP_SUITE(sibling_zstd)
{
	static struct zbuf z;
	static const char a[] = "first frame, " SECRET ", ";
	static const char b[] = "second frame";
	static char ab[sizeof a + sizeof b];
	struct sibling_result r;
	struct hits h;

	enter();
	snprintf(ab, sizeof ab, "%s%s", a, b);
	z.n = 0;
	zstd_header(&z);
	zstd_raw(&z, 1, a, sizeof a - 1);
	zstd_header(&z);
	zstd_raw(&z, 0, b, 6);
	zstd_raw(&z, 1, b + 6, sizeof b - 7);
	r = check(file("x.zst", z.b, z.n), SIBLING_ZSTD,
		  file("x", ab, strlen(ab)), NULL, &h);
	T_INT(r.outcome, SIBLING_SAME, "two frames that make X: X");
	T_OK(h.n == 1 && h.offset[0] == 13, "the secret in the first frame");
	r = check(file("x.zst", z.b, z.n - 3), SIBLING_ZSTD, -1, NULL, NULL);
	T_INT(r.outcome, SIBLING_CORRUPT, "truncated: corrupt");
	T_STR(r.detail, "truncated zstd stream", "says truncated");
	z.b[z.n++] = 0;
	r = check(file("x.zst", z.b, z.n), SIBLING_ZSTD, -1, NULL, NULL);
	T_INT(r.outcome, SIBLING_CORRUPT, "a byte after the frames: corrupt");
	r = check(file("x.zst", "", 0), SIBLING_ZSTD, -1, NULL, NULL);
	T_INT(r.outcome, SIBLING_CORRUPT, "empty: corrupt");
	leave();
}

/* Bombs: 4 bytes per 128 KiB of zeros (zstd RLE blocks). */
TAP_SUITE(sibling_caps)
{
	static struct zbuf z;
	static unsigned char zeros[1 << 20];
	static unsigned char gz[1 << 16];
	const struct sibling_limits lim = {1 << 20, 100, 64 << 10};
	struct sibling_result r;
	size_t n;

	enter();
	z.n = 0;
	zstd_header(&z);
	for (int i = 0; i < 8192; i++) { /* 1 GiB */
		zstd_block(&z, i == 8191, 1, 128 << 10);
		z.b[z.n++] = 0;
	}
	r = check(file("bomb.zst", z.b, z.n), SIBLING_ZSTD, -1, NULL, NULL);
	T_INT(r.outcome, SIBLING_RATIO_CAP, "1 GiB from 32 KiB: ratio cap");
	T_INT(r.cap, (uint64_t)SIBLING_MAX_RATIO * z.n, "1000 times its size");
	T_INT(r.out_bytes, r.cap, "decompressed up to the cap, no further");
	T_INT(r.in_bytes, z.n, "its size");

	r = check(file("bomb.zst", z.b, z.n), SIBLING_ZSTD,
		  file("bomb", zeros, sizeof zeros), NULL, NULL);
	T_INT(r.outcome, SIBLING_RATIO_CAP, "with X beside it: the same cap");
	T_OK(r.differs && r.differs_at == sizeof zeros,
	     "and differs where X ends");

	/* Small limits: the ratio cap never below the floor; the size cap
	 * first when it is lower. */
	n = gzip(zeros, sizeof zeros, gz, sizeof gz);
	r = check(file("z.gz", gz, n), SIBLING_GZIP,
		  file("z", zeros, sizeof zeros), &lim, NULL);
	T_INT(r.outcome, SIBLING_RATIO_CAP, "gzip at 1000:1 over 100:1");
	T_INT(r.cap, 100 * n > (64 << 10) ? 100 * n : 64 << 10,
	      "cap: 100 times its size, or the floor");
	n = gzip(zeros, 4096, gz, sizeof gz);
	r = check(file("z.gz", gz, n), SIBLING_GZIP, file("z", zeros, 4096),
		  &lim, NULL);
	T_INT(r.outcome, SIBLING_SAME, "under the floor: never ratio-capped");
	const struct sibling_limits tight = {1000, 1000000, 1 << 20};
	r = check(file("z.gz", gz, n), SIBLING_GZIP, file("z", zeros, 4096),
		  &tight, NULL);
	T_INT(r.outcome, SIBLING_SIZE_CAP, "over the size cap");
	T_INT(r.cap, 1000, "named");
	T_INT(r.out_bytes, 1000, "stopped there");
	leave();
}
