/*
 * Compressed siblings (sibling.h): one decoder loop per format around one
 * consumer (take) that scans, compares and enforces the caps, so the
 * three formats cannot differ in what they prove. Reads go through 64 KiB
 * buffers and decompressed bytes through one of 128 KiB: memory does not
 * grow with the file or with what it expands to.
 */
#include "sibling.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <brotli/decode.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#define IN_CHUNK  (64u << 10)
#define OUT_CHUNK (128u << 10)

static const struct {
	const char *suffix;
	enum sibling_format f;
} suffixes[] = {
	{".gz", SIBLING_GZIP},
	{".br", SIBLING_BROTLI},
	{".zst", SIBLING_ZSTD},
};

enum sibling_format sibling_format_of(const char *path, size_t *plain_len)
{
	size_t n = strlen(path);

	/* Every suffix ends in 'z', 'r' or 't': nearly every output is
	 * told from its last byte (a file of 100,000 is looked at here). */
	if (n == 0 ||
	    (path[n - 1] != 'z' && path[n - 1] != 'r' && path[n - 1] != 't'))
		return SIBLING_NONE;
	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		size_t k = strlen(suffixes[i].suffix);

		/* ".gz" alone names no sibling: there is no X. */
		if (n > k && path[n - k - 1] != '/' &&
		    memcmp(path + n - k, suffixes[i].suffix, k) == 0) {
			*plain_len = n - k;
			return suffixes[i].f;
		}
	}
	return SIBLING_NONE;
}

const char *sibling_format_name(enum sibling_format f)
{
	switch (f) {
	case SIBLING_GZIP: return "gzip";
	case SIBLING_BROTLI: return "brotli";
	case SIBLING_ZSTD: return "zstd";
	default: return "none";
	}
}

static const struct sibling_limits default_limits = {
	SIBLING_MAX_BYTES,
	SIBLING_MAX_RATIO,
	SIBLING_RATIO_FLOOR,
};

/* One sibling's stream: where its bytes go. */
struct stream {
	int fd, plain_fd;
	const struct scan *sc;
	struct scan_state st;
	sibling_hit_fn *hit;
	void *arg;
	uint64_t limit; /* the lower of the two caps for this file */
	enum sibling_outcome capped;
	struct sibling_result *res;
	unsigned char *in, *out, *cmp;
	int hit_rc;
};

/* What a decoder loop ends with. */
enum {
	GO_ON = 0,
	STOPPED = 1,  /* an outcome is set: a cap, corrupt, unreadable */
	HIT_STOP = 2, /* hit() stopped the scan: s->hit_rc */
	NOMEM = -1,   /* e is filled */
};

static ssize_t read_some(int fd, unsigned char *p, size_t n)
{
	ssize_t r;

	do
		r = read(fd, p, n);
	while (r < 0 && errno == EINTR);
	return r;
}

/* Reads n bytes unless the file ends first; returns how many. */
static ssize_t read_full(int fd, unsigned char *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read_some(fd, p + got, n - got);

		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static int unreadable(struct stream *s, const char *what, int err)
{
	s->res->outcome = SIBLING_UNREADABLE;
	(void)snprintf(s->res->detail, sizeof s->res->detail, "%s%s", what,
		       strerror(err));
	return STOPPED;
}

static int corrupt(struct stream *s, const char *why)
{
	s->res->outcome = SIBLING_CORRUPT;
	(void)snprintf(s->res->detail, sizeof s->res->detail, "%s",
		       why ? why : "invalid data");
	return STOPPED;
}

/* Compares the next n decompressed bytes with X's. */
static int compare(struct stream *s, const unsigned char *p, size_t n)
{
	struct sibling_result *r = s->res;
	ssize_t got;

	/* cmp is there exactly when X is. */
	if (s->cmp == NULL || r->differs)
		return GO_ON;
	got = read_full(s->plain_fd, s->cmp, n);
	if (got < 0)
		return unreadable(s, "its plain file: ", errno);
	for (size_t i = 0; i < (size_t)got; i++)
		if (s->cmp[i] != p[i]) {
			r->differs = 1;
			r->differs_at = r->out_bytes + i;
			return GO_ON;
		}
	if ((size_t)got < n) {
		/* X ended first. */
		r->differs = 1;
		r->differs_at = r->out_bytes + (size_t)got;
	}
	return GO_ON;
}

/* The consumer: every decompressed byte passes here once. A cap stops
 * the stream, after the bytes up to it are scanned and compared. */
static int take(struct stream *s, const unsigned char *p, size_t n)
{
	struct sibling_result *r = s->res;
	int capped = 0, rc;

	if (n > s->limit - r->out_bytes) {
		n = (size_t)(s->limit - r->out_bytes);
		capped = 1;
	}
	if (s->sc != NULL && n > 0) {
		s->hit_rc = scan_feed(s->sc, &s->st, p, n, s->hit, s->arg);
		if (s->hit_rc != 0)
			return HIT_STOP;
	}
	rc = compare(s, p, n);
	r->out_bytes += n;
	if (rc == GO_ON && capped) {
		r->outcome = s->capped;
		r->cap = s->limit;
		rc = STOPPED;
	}
	return rc;
}

/* Whether bytes of the file remain after a stream's end (avail of them
 * already read; else one more is read into s->in). */
static int more_input(struct stream *s, size_t avail, int *more)
{
	ssize_t r;

	*more = avail > 0;
	if (*more)
		return GO_ON;
	r = read_some(s->fd, s->in, 1);
	if (r < 0)
		return unreadable(s, "", errno);
	*more = r > 0;
	return GO_ON;
}

static int run_gzip(struct stream *s, struct err *e)
{
	z_stream z;
	unsigned members = 0; /* ended so far */
	int rc = GO_ON;

	memset(&z, 0, sizeof z);
	/* 16 + MAX_WBITS: a gzip wrapper, not zlib's or raw deflate. */
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return err_sys(e, ENOMEM, "starting a gzip decoder");
	while (rc == GO_ON) {
		int zr, more;

		if (z.avail_in == 0) {
			ssize_t got = read_some(s->fd, s->in, IN_CHUNK);

			if (got < 0) {
				rc = unreadable(s, "", errno);
				break;
			}
			if (got == 0) {
				rc = corrupt(s, "truncated gzip stream");
				break;
			}
			z.next_in = s->in;
			z.avail_in = (uInt)got;
		}
		z.next_out = s->out;
		z.avail_out = OUT_CHUNK;
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr == Z_MEM_ERROR) {
			rc = err_sys(e, ENOMEM, "decompressing gzip");
			break;
		}
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
			char why[96];

			(void)snprintf(why, sizeof why, "%s%s",
				       members > 0 ? "after the end of the "
						     "gzip data, "
						   : "",
				       z.msg ? z.msg : "invalid data");
			rc = corrupt(s, why);
			break;
		}
		rc = take(s, s->out, OUT_CHUNK - z.avail_out);
		if (rc != GO_ON || zr != Z_STREAM_END)
			continue;
		/* A member ended. gzip -d reads every member of a file,
		 * and so does the proof: what follows must be another. */
		members++;
		rc = more_input(s, z.avail_in, &more);
		if (rc != GO_ON || !more)
			break;
		if (z.avail_in == 0) {
			z.next_in = s->in;
			z.avail_in = 1;
		}
		if (inflateReset(&z) != Z_OK)
			rc = corrupt(s, z.msg);
	}
	(void)inflateEnd(&z);
	return rc;
}

static int run_brotli(struct stream *s, struct err *e)
{
	BrotliDecoderState *b = BrotliDecoderCreateInstance(NULL, NULL, NULL);
	BrotliDecoderResult br = BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT;
	const uint8_t *next_in = s->in;
	size_t avail_in = 0;
	int rc = GO_ON;

	if (b == NULL)
		return err_sys(e, ENOMEM, "starting a brotli decoder");
	while (rc == GO_ON) {
		uint8_t *next_out = s->out;
		size_t avail_out = OUT_CHUNK;
		int more;

		if (br == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) {
			ssize_t got = read_some(s->fd, s->in, IN_CHUNK);

			if (got < 0) {
				rc = unreadable(s, "", errno);
				break;
			}
			if (got == 0) {
				rc = corrupt(s, "truncated brotli stream");
				break;
			}
			next_in = s->in;
			avail_in = (size_t)got;
		}
		br = BrotliDecoderDecompressStream(b, &avail_in, &next_in,
						   &avail_out, &next_out, NULL);
		if (br == BROTLI_DECODER_RESULT_ERROR) {
			BrotliDecoderErrorCode c = BrotliDecoderGetErrorCode(b);

			/* The ALLOC codes are the last, -30 and below. */
			if (c <= BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MODES)
				rc = err_sys(e, ENOMEM, "decompressing brotli");
			else
				rc = corrupt(s, BrotliDecoderErrorString(c));
			break;
		}
		rc = take(s, s->out, OUT_CHUNK - avail_out);
		if (rc != GO_ON || br != BROTLI_DECODER_RESULT_SUCCESS)
			continue;
		/* A brotli stream has one end; browsers stop there, so
		 * bytes after it would be unproven. */
		rc = more_input(s, avail_in, &more);
		if (rc == GO_ON && more)
			rc = corrupt(s, "data after the end of the stream");
		break;
	}
	BrotliDecoderDestroyInstance(b);
	return rc;
}

static int run_zstd(struct stream *s, struct err *e)
{
	ZSTD_DStream *z = ZSTD_createDStream();
	/* Non-zero until a frame has ended with all of its bytes out. */
	size_t last = 1;
	int rc = GO_ON;

	if (z == NULL)
		return err_sys(e, ENOMEM, "starting a zstd decoder");
	while (rc == GO_ON) {
		ssize_t got = read_some(s->fd, s->in, IN_CHUNK);
		ZSTD_inBuffer in = {s->in, 0, 0};

		if (got < 0) {
			rc = unreadable(s, "", errno);
			break;
		}
		if (got == 0) {
			if (last != 0)
				rc = corrupt(s, "truncated zstd stream");
			break;
		}
		in.size = (size_t)got;
		/* zstd keeps the last byte of a frame until all of its
		 * output is out, so consuming the input is enough; the
		 * frames that follow are decoded in turn. */
		while (in.pos < in.size && rc == GO_ON) {
			ZSTD_outBuffer out = {s->out, OUT_CHUNK, 0};

			last = ZSTD_decompressStream(z, &out, &in);
			if (!ZSTD_isError(last))
				rc = take(s, s->out, out.pos);
			else if (ZSTD_getErrorCode(last) ==
				 ZSTD_error_memory_allocation)
				rc = err_sys(e, ENOMEM, "decompressing zstd");
			else
				rc = corrupt(s, ZSTD_getErrorName(last));
		}
	}
	(void)ZSTD_freeDStream(z);
	return rc;
}

/* a * b, or UINT64_MAX when that overflows. */
static uint64_t mul_sat(uint64_t a, uint64_t b)
{
	return b != 0 && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

int sibling_check_fd(int fd, enum sibling_format f, int plain_fd,
		     const struct scan *sc, sibling_hit_fn *hit, void *arg,
		     const struct sibling_limits *lim,
		     struct sibling_result *res, struct err *e)
{
	struct stream s = {.fd = fd,
			   .plain_fd = plain_fd,
			   .sc = sc,
			   .hit = hit,
			   .arg = arg,
			   .res = res};
	struct stat st;
	uint64_t ratio_cap;
	int rc = 0;

	if (lim == NULL)
		lim = &default_limits;
	memset(res, 0, sizeof *res);
	if (fstat(fd, &st) < 0) {
		(void)unreadable(&s, "", errno);
		return 0;
	}
	res->in_bytes = (uint64_t)st.st_size;
	if (plain_fd >= 0) {
		if (fstat(plain_fd, &st) < 0) {
			(void)unreadable(&s, "its plain file: ", errno);
			return 0;
		}
		res->plain_bytes = (uint64_t)st.st_size;
	}
	ratio_cap = mul_sat(lim->max_ratio, res->in_bytes);
	if (ratio_cap < lim->ratio_floor)
		ratio_cap = lim->ratio_floor;
	s.limit = lim->max_bytes;
	s.capped = SIBLING_SIZE_CAP;
	if (ratio_cap < s.limit) {
		s.limit = ratio_cap;
		s.capped = SIBLING_RATIO_CAP;
	}
	scan_state_init(&s.st);
	s.in = malloc(IN_CHUNK);
	s.out = malloc(OUT_CHUNK);
	s.cmp = plain_fd >= 0 ? malloc(OUT_CHUNK) : NULL;
	if (s.in == NULL || s.out == NULL || (plain_fd >= 0 && s.cmp == NULL))
		rc = err_sys(e, ENOMEM, "decompressing a sibling");
	else if (lseek(fd, 0, SEEK_SET) < 0 ||
		 (plain_fd >= 0 && lseek(plain_fd, 0, SEEK_SET) < 0))
		rc = unreadable(&s, "", errno);
	else if (f == SIBLING_GZIP)
		rc = run_gzip(&s, e);
	else if (f == SIBLING_BROTLI)
		rc = run_brotli(&s, e);
	else if (f == SIBLING_ZSTD)
		rc = run_zstd(&s, e);
	else
		rc = corrupt(&s, "not a compressed sibling");
	free(s.in);
	free(s.out);
	free(s.cmp);
	if (rc == NOMEM)
		return -1;
	if (rc == HIT_STOP)
		return s.hit_rc;
	if (rc == GO_ON) {
		/* Decompressed whole: the outcome is the comparison's. */
		if (plain_fd < 0)
			res->outcome = SIBLING_ALONE;
		else if (!res->differs && res->out_bytes != res->plain_bytes) {
			res->differs = 1;
			res->differs_at = res->out_bytes;
		}
		if (plain_fd >= 0 && res->differs)
			res->outcome = SIBLING_DIFFERS;
	}
	return 0;
}

/* The tree pass: findings per sibling, hits bounded per secret. */
struct tree_pass {
	const struct tree_file *tf;
	const struct scan_secret *secrets;
	size_t *per_secret; /* hits this file, per secret */
	struct findings *f;
	int rc;
};

static int on_hit(const struct scan_hit *h, void *arg)
{
	struct tree_pass *p = arg;

	if (p->per_secret[h->secret]++ >= TREE_HITS_PER_SECRET)
		return 0;
	if (findings_add(p->f, FIND_ERROR, "secrets", p->tf->path,
			 "contains the value of %s at offset %llu of its "
			 "decompressed bytes (%s)",
			 p->secrets[h->secret].name,
			 (unsigned long long)h->offset, h->encoding) < 0)
		p->rc = -1;
	return 0;
}

/* Opens a file the walk hashed, and only that file: the same inode. */
static int open_walked(const struct tree_file *tf)
{
	struct stat st;
	int fd = open(tf->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_dev != tf->dev || (uint64_t)st.st_ino != tf->ino) {
		(void)close(fd);
		errno = ESTALE;
		return -1;
	}
	return fd;
}

static int report(struct findings *f, const struct tree_file *tf,
		  const char *plain, enum sibling_format fmt,
		  const struct sibling_limits *lim,
		  const struct sibling_result *r)
{
	const char *name = sibling_format_name(fmt);

	switch (r->outcome) {
	case SIBLING_SAME: return 0;
	case SIBLING_ALONE:
		return findings_add(f, FIND_INFO, "siblings", tf->path,
				    "no %s beside it: decompressed (%llu "
				    "bytes) and scanned, compared with "
				    "nothing",
				    plain, (unsigned long long)r->out_bytes);
	case SIBLING_DIFFERS:
		if (r->differs_at == r->plain_bytes ||
		    r->differs_at == r->out_bytes)
			return findings_add(
				f, FIND_ERROR, "siblings", tf->path,
				"decompresses to %llu bytes, %s has %llu: "
				"not the same file",
				(unsigned long long)r->out_bytes, plain,
				(unsigned long long)r->plain_bytes);
		return findings_add(f, FIND_ERROR, "siblings", tf->path,
				    "decompresses to other bytes than %s "
				    "(first difference at byte %llu)",
				    plain, (unsigned long long)r->differs_at);
	case SIBLING_CORRUPT:
		return findings_add(f, FIND_ERROR, "siblings", tf->path,
				    "not a valid %s stream: %s (after %llu "
				    "decompressed bytes)",
				    name, r->detail,
				    (unsigned long long)r->out_bytes);
	case SIBLING_SIZE_CAP:
		return findings_add(f, FIND_ERROR, "siblings", tf->path,
				    "decompresses to more than %llu bytes, "
				    "the size cap for a compressed sibling: "
				    "stopped there, the rest is unchecked",
				    (unsigned long long)r->cap);
	case SIBLING_RATIO_CAP:
		return findings_add(
			f, FIND_ERROR, "siblings", tf->path,
			"decompresses to more than %llu bytes, over the ratio "
			"cap of %llu times its %llu bytes (a decompression "
			"bomb?): stopped there, the rest is unchecked",
			(unsigned long long)r->cap,
			(unsigned long long)lim->max_ratio,
			(unsigned long long)r->in_bytes);
	case SIBLING_UNREADABLE:
		return findings_add(f, FIND_ERROR, "siblings", tf->path,
				    "cannot be decompressed: %s", r->detail);
	}
	return 0;
}

int sibling_check_tree(const struct tree *t, const struct scan *sc,
		       const struct scan_secret *secrets, size_t nsecrets,
		       const struct sibling_limits *lim, struct findings *f,
		       struct sibling_stats *st, struct err *e)
{
	struct tree_pass p = {.secrets = secrets, .f = f};
	int rc = 0;

	memset(st, 0, sizeof *st);
	p.per_secret = calloc(nsecrets + 1, sizeof *p.per_secret);
	if (p.per_secret == NULL)
		return err_sys(e, ENOMEM, "checking compressed siblings");
	for (size_t i = 0; i < t->nfiles && rc == 0; i++) {
		const struct tree_file *tf = &t->files[i];
		const struct tree_file *pf;
		struct sibling_result r;
		enum sibling_format fmt;
		size_t plen;
		char *plain;
		int fd, pfd = -1;

		fmt = sibling_format_of(tf->path, &plen);
		if (fmt == SIBLING_NONE || !tf->hashed || tf->error != 0)
			continue;
		plain = strndup(tf->path, plen);
		if (plain == NULL) {
			rc = err_sys(e, ENOMEM, "checking compressed siblings");
			break;
		}
		pf = tree_find(t, plain);
		if (pf != NULL && (!pf->hashed || pf->error != 0))
			pf = NULL;
		fd = open_walked(tf);
		if (fd >= 0 && pf != NULL)
			pfd = open_walked(pf);
		memset(p.per_secret, 0, nsecrets * sizeof *p.per_secret);
		p.tf = tf;
		if (fd < 0 || (pf != NULL && pfd < 0)) {
			memset(&r, 0, sizeof r);
			r.outcome = SIBLING_UNREADABLE;
			(void)snprintf(r.detail, sizeof r.detail, "%s%s",
				       fd < 0 ? "" : "its plain file: ",
				       strerror(errno));
		} else {
			rc = sibling_check_fd(fd, fmt, pfd, sc, on_hit, &p, lim,
					      &r, e);
		}
		if (fd >= 0)
			(void)close(fd);
		if (pfd >= 0)
			(void)close(pfd);
		if (rc == 0 && p.rc == 0) {
			st->checked++;
			st->by_format[fmt]++;
			st->alone += pf == NULL;
			st->in_bytes += r.in_bytes;
			st->out_bytes += r.out_bytes;
			if (report(f, tf, plain, fmt,
				   lim ? lim : &default_limits, &r) < 0)
				p.rc = -1;
		}
		free(plain);
		if (rc == 0 && p.rc < 0)
			rc = err_sys(e, ENOMEM, "checking compressed siblings");
	}
	free(p.per_secret);
	return rc;
}
