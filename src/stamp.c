/*
 * The freshness stamp: a canonical, length-prefixed encoding of the spec,
 * the build's environment, the command and the declared inputs, fed to
 * SHA-256 (nettle). Every variable-length field is preceded by its length
 * as 8 big-endian bytes and every record by a one-letter tag, so no two
 * different inputs encode to the same bytes. Inputs are walked with
 * fstatat/openat on directory fds without following symlinks; a symlink
 * is hashed as its target text.
 *
 * The stat cache works like git's index: a regular file whose device,
 * inode, size, mtime and ctime all match its entry reuses the entry's
 * content hash. Its weak spot is the racy timestamp: a file hashed and
 * then rewritten with the same size within one timestamp granule keeps
 * its mtime (and, within one kernel clock tick, its ctime), so the stat
 * match would lie. Git treats an entry as "racily clean", and rehashes
 * it, when its mtime is not older than the index file's mtime. We keep
 * the same idea with two changes, both towards rehashing more:
 *  - the reference time is CLOCK_REALTIME read at the *start* of the
 *    stamp_compute that recorded the entries, not the time the cache was
 *    written: a rewrite between hashing and saving is then covered too,
 *    where git's index-mtime rule misses it when the save falls in a
 *    later granule;
 *  - the comparison allows RACY_WINDOW_NS of slack, because file
 *    timestamps come from the kernel's coarse clock (current_time(),
 *    up to a jiffy behind CLOCK_REALTIME) and are truncated to the file
 *    system's granularity (1 s on ext3 or HFS+, 2 s on FAT).
 * So an entry is racy, and rehashed, when mtime >= time - RACY_WINDOW_NS.
 * Entries not seen by a walk are dropped, so every entry in a cache was
 * taken at the cache's one reference time.
 */
#include "stamp.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "buf.h"
#include "io.h"

#define RACY_WINDOW_NS (3LL * 1000000000LL)
#define READ_CHUNK     (64u << 10)
#define CACHE_MAGIC    "cleanroom-stamp-cache 1"
#define CACHE_MAX      ((size_t)1 << 30)

/* ---- The canonical encoding ---- */

static void put_u64(struct sha256_ctx *h, uint64_t v)
{
	uint8_t b[8];

	for (int i = 7; i >= 0; i--) {
		b[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
	sha256_update(h, sizeof b, b);
}

static void put_tag(struct sha256_ctx *h, char tag)
{
	uint8_t b = (uint8_t)tag;

	sha256_update(h, 1, &b);
}

static void put_bytes(struct sha256_ctx *h, const void *p, size_t n)
{
	put_u64(h, n);
	if (n)
		sha256_update(h, n, p);
}

static void put_str(struct sha256_ctx *h, const char *s)
{
	put_bytes(h, s, strlen(s));
}

/* Environment strings by name, then "no value" before any value, then
 * value; all bytewise. */
static int env_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a;
	const char *y = *(const char *const *)b;
	const char *xe = strchr(x, '=');
	const char *ye = strchr(y, '=');
	size_t xn = xe ? (size_t)(xe - x) : strlen(x);
	size_t yn = ye ? (size_t)(ye - y) : strlen(y);
	int c = memcmp(x, y, xn < yn ? xn : yn);

	if (c)
		return c;
	if (xn != yn)
		return xn < yn ? -1 : 1;
	if (!xe || !ye)
		return (xe != NULL) - (ye != NULL);
	return strcmp(xe + 1, ye + 1);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int hash_env(struct sha256_ctx *h, char *const *env, struct err *e)
{
	size_t n = 0;
	const char **v;

	while (env && env[n])
		n++;
	v = malloc((n ? n : 1) * sizeof *v);
	if (v == NULL)
		return err_sys(e, errno, "stamp: environment");
	for (size_t i = 0; i < n; i++)
		v[i] = env[i];
	if (n > 1)
		qsort(v, n, sizeof *v, env_cmp);
	put_tag(h, 'E');
	put_u64(h, n);
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(v[i], '=');

		if (eq) {
			put_bytes(h, v[i], (size_t)(eq - v[i]));
			put_tag(h, '=');
			put_str(h, eq + 1);
		} else {
			put_str(h, v[i]);
			put_tag(h, '-');
		}
	}
	free(v);
	return 0;
}

/* ---- The cache ---- */

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct stamp_cache_entry *)a)->path,
		      ((const struct stamp_cache_entry *)b)->path);
}

struct stamp_cache_entry *stamp_cache_find(struct stamp_cache *cache,
					   const char *path)
{
	size_t lo = 0, hi = cache->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(path, cache->v[mid].path);

		if (c == 0)
			return &cache->v[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static void entries_free(struct stamp_cache_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}

void stamp_cache_free(struct stamp_cache *cache)
{
	entries_free(cache->v, cache->n);
	memset(cache, 0, sizeof *cache);
}

void stamp_cache_stats(const struct stamp_cache *cache, struct stamp_stats *out)
{
	*out = cache->stats;
}

static int entry_push(struct stamp_cache *c,
		      const struct stamp_cache_entry *src, const char *path)
{
	struct stamp_cache_entry *ne;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct stamp_cache_entry *v = realloc(c->v, cap * sizeof *v);

		if (v == NULL)
			return -1;
		c->v = v;
		c->cap = cap;
	}
	ne = &c->v[c->n];
	*ne = *src;
	ne->path = strdup(path);
	if (ne->path == NULL)
		return -1;
	c->n++;
	return 0;
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

/* ---- The walk ---- */

struct walk {
	struct sha256_ctx *h;
	struct stamp_cache *cache; /* NULL: no cache */
	struct stamp_cache next;   /* the entries of this walk */
	struct buf path;	   /* the current relative path */
	unsigned char *chunk;
	struct err *e;
};

static int stat_matches(const struct stamp_cache_entry *ce,
			const struct stat *st)
{
	return ce->dev == (uint64_t)st->st_dev &&
	       ce->ino == (uint64_t)st->st_ino &&
	       ce->size == (uint64_t)st->st_size &&
	       ce->mtime_ns == ts_ns(&st->st_mtim) &&
	       ce->ctime_ns == ts_ns(&st->st_ctim);
}

/* The racy rule of the header comment. */
static int racy(const struct stamp_cache *cache,
		const struct stamp_cache_entry *ce)
{
	return cache->time_ns == 0 ||
	       ce->mtime_ns >= cache->time_ns - RACY_WINDOW_NS;
}

/* Hashes the content of the regular file dfd/name into sha, or reuses
 * the cached hash; *size gets the size hashed. */
static int file_hash(struct walk *w, int dfd, const char *name,
		     const struct stat *lst, unsigned char sha[32],
		     uint64_t *size)
{
	const char *path = w->path.p;
	struct stamp_cache_entry *ce =
		w->cache ? stamp_cache_find(w->cache, path) : NULL;
	struct stamp_cache_entry ne;
	struct sha256_ctx fh;
	struct stat st;
	uint64_t total = 0;
	int fd;

	if (ce && stat_matches(ce, lst) && !racy(w->cache, ce)) {
		buf_copy(sha, ce->sha256, 32);
		*size = ce->size;
		w->cache->stats.reused++;
		return entry_push(&w->next, ce, path) < 0
			       ? err_sys(w->e, ENOMEM, "stamp: cache")
			       : 0;
	}
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return err_sys(w->e, errno, "%s", path);
	/* The stat recorded is the one taken before reading, as git does: a
	 * write during the read changes it, so the next run rehashes. */
	if (fstat(fd, &st) < 0) {
		int saved = errno;

		close(fd);
		return err_sys(w->e, saved, "%s", path);
	}
	sha256_init(&fh);
	for (;;) {
		ssize_t r = read(fd, w->chunk, READ_CHUNK);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int saved = errno;

			close(fd);
			return err_sys(w->e, saved, "%s", path);
		}
		if (r == 0)
			break;
		sha256_update(&fh, (size_t)r, w->chunk);
		total += (uint64_t)r;
	}
	close(fd);
	sha256_digest(&fh, 32, sha);
	*size = total;
	if (w->cache)
		w->cache->stats.hashed++;
	/* A file that changed size while read is hashed as read but not
	 * cached: its recorded stat would not describe those bytes. */
	if (total != (uint64_t)st.st_size || !S_ISREG(st.st_mode))
		return 0;
	ne.path = NULL;
	ne.dev = (uint64_t)st.st_dev;
	ne.ino = (uint64_t)st.st_ino;
	ne.size = total;
	ne.mtime_ns = ts_ns(&st.st_mtim);
	ne.ctime_ns = ts_ns(&st.st_ctim);
	buf_copy(ne.sha256, sha, 32);
	if (entry_push(&w->next, &ne, path) < 0)
		return err_sys(w->e, ENOMEM, "stamp: cache");
	return 0;
}

static int hash_node(struct walk *w, int dfd, const char *name);

static void names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Reads the entry names of the directory fd (which it closes), sorted
 * bytewise. */
static int dir_names(struct walk *w, int fd, char ***out, size_t *nout)
{
	DIR *d = fdopendir(fd);
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (d == NULL) {
		int saved = errno;

		close(fd);
		return err_sys(w->e, saved, "%s", w->path.p);
	}
	for (;;) {
		struct dirent *de;

		errno = 0;
		de = readdir(d);
		if (de == NULL) {
			if (errno == 0)
				break;
			goto fail;
		}
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **nv = realloc(names, ncap * sizeof *nv);

			if (nv == NULL)
				goto fail;
			names = nv;
			cap = ncap;
		}
		names[n] = strdup(de->d_name);
		if (names[n] == NULL)
			goto fail;
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof *names, str_cmp);
	*out = names;
	*nout = n;
	return 0;
fail : {
	int saved = errno;

	closedir(d);
	names_free(names, n);
	return err_sys(w->e, saved, "%s", w->path.p);
}
}

static int hash_dir(struct walk *w, int dfd, const char *name,
		    const struct stat *st)
{
	int fd = openat(dfd, name,
			O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	char **names = NULL;
	size_t n = 0, base = w->path.len;
	int rc = 0, sub;

	if (fd < 0)
		return err_sys(w->e, errno, "%s", w->path.p);
	/* A second fd: dir_names hands its own to closedir. */
	sub = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (sub < 0) {
		int saved = errno;

		close(fd);
		return err_sys(w->e, saved, "%s", w->path.p);
	}
	if (dir_names(w, fd, &names, &n) < 0) {
		close(sub);
		return -1;
	}
	put_tag(w->h, 'D');
	put_bytes(w->h, w->path.p, w->path.len);
	put_u64(w->h, (uint64_t)(st->st_mode & 07777));
	put_u64(w->h, n);
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (buf_addc(&w->path, '/') < 0 ||
		    buf_adds(&w->path, names[i]) < 0) {
			rc = err_sys(w->e, ENOMEM, "stamp: path");
			break;
		}
		rc = hash_node(w, sub, names[i]);
		w->path.len = base;
		w->path.p[base] = '\0';
	}
	close(sub);
	names_free(names, n);
	return rc;
}

/* Hashes the record of dfd/name, whose relative path is w->path. */
static int hash_node(struct walk *w, int dfd, const char *name)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			return err_sys(w->e, errno, "%s", w->path.p);
		put_tag(w->h, 'M');
		put_bytes(w->h, w->path.p, w->path.len);
		return 0;
	}
	if (S_ISREG(st.st_mode)) {
		unsigned char sha[32] = {0};
		uint64_t size = 0;

		if (file_hash(w, dfd, name, &st, sha, &size) < 0)
			return -1;
		put_tag(w->h, 'F');
		put_bytes(w->h, w->path.p, w->path.len);
		put_u64(w->h, (uint64_t)(st.st_mode & 07777));
		put_u64(w->h, size);
		sha256_update(w->h, 32, sha);
		return 0;
	}
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t r = readlinkat(dfd, name, target, sizeof target);

		if (r < 0)
			return err_sys(w->e, errno, "%s", w->path.p);
		if ((size_t)r == sizeof target)
			return err_sys(w->e, ENAMETOOLONG, "%s", w->path.p);
		put_tag(w->h, 'L');
		put_bytes(w->h, w->path.p, w->path.len);
		put_bytes(w->h, target, (size_t)r);
		return 0;
	}
	if (S_ISDIR(st.st_mode))
		return hash_dir(w, dfd, name, &st);
	/* FIFOs, sockets and devices: their kind and mode, never opened. */
	put_tag(w->h, 'O');
	put_bytes(w->h, w->path.p, w->path.len);
	put_u64(w->h, (uint64_t)st.st_mode);
	put_u64(w->h, (uint64_t)st.st_rdev);
	return 0;
}

/* Declared paths without trailing slashes, sorted and deduplicated. */
static int inputs_sorted(const struct stamp_input *in, char ***out,
			 size_t *nout, struct err *e)
{
	char **v = calloc(in->ninputs ? in->ninputs : 1, sizeof *v);
	size_t n = 0;

	if (v == NULL)
		return err_sys(e, errno, "stamp: inputs");
	for (size_t i = 0; i < in->ninputs; i++) {
		size_t len = strlen(in->inputs[i]);

		while (len > 1 && in->inputs[i][len - 1] == '/')
			len--;
		if (len == 0) {
			names_free(v, n);
			return err_set(e, ERR_USAGE, NULL, 0, 0,
				       "stamp: an input path is empty");
		}
		v[n] = strndup(in->inputs[i], len);
		if (v[n] == NULL) {
			names_free(v, n);
			return err_sys(e, ENOMEM, "stamp: inputs");
		}
		n++;
	}
	if (n > 1)
		qsort(v, n, sizeof *v, str_cmp);
	for (size_t i = 1; i < n;) {
		if (strcmp(v[i], v[i - 1]) == 0) {
			free(v[i]);
			memmove(&v[i], &v[i + 1], (n - i - 1) * sizeof *v);
			n--;
		} else {
			i++;
		}
	}
	*out = v;
	*nout = n;
	return 0;
}

int stamp_compute(const struct stamp_input *in, struct stamp_cache *cache,
		  unsigned char out[32], struct err *e)
{
	struct sha256_ctx h;
	struct walk w = {.h = &h, .cache = cache, .e = e};
	struct timespec now;
	char **paths = NULL;
	size_t npaths = 0, argc = 0;
	int rc = -1;

	/* Taken before any stat: the reference time of the racy rule. */
	if (clock_gettime(CLOCK_REALTIME, &now) < 0)
		return err_sys(e, errno, "stamp: clock_gettime");
	sha256_init(&h);
	put_str(&h, "cleanroom-stamp-v1");

	put_tag(&h, 'S');
	put_tag(&h, in->spec ? '+' : '-');
	if (in->spec)
		put_bytes(&h, in->spec, in->spec_len);

	if (hash_env(&h, in->env, e) < 0)
		return -1;

	while (in->argv && in->argv[argc])
		argc++;
	put_tag(&h, 'C');
	put_tag(&h, in->shell ? 's' : 'x');
	put_u64(&h, argc);
	for (size_t i = 0; i < argc; i++)
		put_str(&h, in->argv[i]);

	if (inputs_sorted(in, &paths, &npaths, e) < 0)
		return -1;
	w.chunk = malloc(READ_CHUNK);
	if (w.chunk == NULL) {
		err_sys(e, errno, "stamp: read buffer");
		goto out;
	}
	put_tag(&h, 'I');
	put_u64(&h, npaths);
	for (size_t i = 0; i < npaths; i++) {
		buf_reset(&w.path);
		if (buf_adds(&w.path, paths[i]) < 0) {
			err_sys(e, ENOMEM, "stamp: path");
			goto out;
		}
		put_tag(&h, 'P');
		put_str(&h, paths[i]);
		if (hash_node(&w, AT_FDCWD, paths[i]) < 0)
			goto out;
	}
	sha256_digest(&h, 32, out);
	if (cache) {
		entries_free(cache->v, cache->n);
		cache->v = w.next.v;
		cache->n = w.next.n;
		cache->cap = w.next.cap;
		if (cache->n > 1)
			qsort(cache->v, cache->n, sizeof *cache->v, entry_cmp);
		cache->time_ns = ts_ns(&now);
		memset(&w.next, 0, sizeof w.next);
	}
	rc = 0;
out:
	entries_free(w.next.v, w.next.n);
	free(w.chunk);
	buf_free(&w.path);
	names_free(paths, npaths);
	return rc;
}

void stamp_hex(const unsigned char in[32], char hex[65])
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < 32; i++) {
		hex[2 * i] = digits[in[i] >> 4];
		hex[2 * i + 1] = digits[in[i] & 0xf];
	}
	hex[64] = '\0';
}

/* ---- The cache file ----
 *
 * Text: a header line "cleanroom-stamp-cache 1 TIME_NS COUNT", then one
 * line per entry, "SHA256HEX DEV INO SIZE MTIME_NS CTIME_NS PATHLEN PATH",
 * the path length-prefixed so that any byte but NUL may appear in it. */

struct cur {
	const char *p, *end;
};

static int cur_lit(struct cur *c, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
		return -1;
	c->p += n;
	return 0;
}

/* Decimal digits, optionally after '-' when neg is allowed, then sep. */
static int cur_num(struct cur *c, uint64_t *v, int *neg, char sep)
{
	uint64_t x = 0;
	int any = 0;

	*neg = 0;
	if (c->p < c->end && *c->p == '-') {
		*neg = 1;
		c->p++;
	}
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		unsigned d = (unsigned)(*c->p - '0');

		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
		any = 1;
		c->p++;
	}
	if (!any || c->p >= c->end || *c->p != sep)
		return -1;
	c->p++;
	*v = x;
	return 0;
}

static int cur_u64(struct cur *c, uint64_t *v, char sep)
{
	int neg;

	return cur_num(c, v, &neg, sep) < 0 || neg ? -1 : 0;
}

static int cur_i64(struct cur *c, int64_t *v, char sep)
{
	uint64_t x;
	int neg;

	if (cur_num(c, &x, &neg, sep) < 0 || x > (uint64_t)INT64_MAX)
		return -1;
	*v = neg ? -(int64_t)x : (int64_t)x;
	return 0;
}

static int hex_val(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

static int parse_entry(struct cur *c, struct stamp_cache_entry *ce)
{
	uint64_t plen;

	if (c->end - c->p < 65)
		return -1;
	for (size_t i = 0; i < 32; i++) {
		int hi = hex_val(c->p[2 * i]), lo = hex_val(c->p[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		ce->sha256[i] = (unsigned char)(hi << 4 | lo);
	}
	c->p += 64;
	if (cur_lit(c, " ") < 0 || cur_u64(c, &ce->dev, ' ') < 0 ||
	    cur_u64(c, &ce->ino, ' ') < 0 || cur_u64(c, &ce->size, ' ') < 0 ||
	    cur_i64(c, &ce->mtime_ns, ' ') < 0 ||
	    cur_i64(c, &ce->ctime_ns, ' ') < 0 || cur_u64(c, &plen, ' ') < 0)
		return -1;
	if (plen == 0 || plen >= (uint64_t)(c->end - c->p) ||
	    memchr(c->p, '\0', plen) != NULL || c->p[plen] != '\n')
		return -1;
	ce->path = strndup(c->p, plen);
	if (ce->path == NULL)
		return -1;
	c->p += plen + 1;
	return 0;
}

static int parse_cache(const struct buf *b, struct stamp_cache *cache)
{
	struct cur c = {b->p, b->p + b->len};
	uint64_t count;

	if (cur_lit(&c, CACHE_MAGIC " ") < 0 ||
	    cur_i64(&c, &cache->time_ns, ' ') < 0 ||
	    cur_u64(&c, &count, '\n') < 0)
		return -1;
	for (uint64_t i = 0; i < count; i++) {
		struct stamp_cache_entry ce;

		if (parse_entry(&c, &ce) < 0)
			return -1;
		if (entry_push(cache, &ce, ce.path) < 0) {
			free(ce.path);
			return -1;
		}
		free(ce.path);
	}
	if (c.p != c.end)
		return -1;
	if (cache->n > 1)
		qsort(cache->v, cache->n, sizeof *cache->v, entry_cmp);
	return 0;
}

int stamp_cache_load(const char *path, struct stamp_cache *cache, struct err *e)
{
	struct buf b = {0};

	stamp_cache_free(cache);
	if (io_read_file(path, CACHE_MAX, &b) < 0) {
		int saved = errno;

		buf_free(&b);
		if (saved == ENOENT)
			return 0;
		if (saved == EFBIG || saved == EISDIR)
			return 0;
		return err_sys(e, saved, "%s", path);
	}
	if (b.p == NULL || parse_cache(&b, cache) < 0)
		stamp_cache_free(cache);
	buf_free(&b);
	return 0;
}

int stamp_cache_save(const char *path, const struct stamp_cache *cache,
		     struct err *e)
{
	struct buf b = {0};
	int rc = 0;

	if (buf_printf(&b, CACHE_MAGIC " %lld %zu\n", (long long)cache->time_ns,
		       cache->n) < 0)
		goto nomem;
	for (size_t i = 0; i < cache->n; i++) {
		const struct stamp_cache_entry *ce = &cache->v[i];
		char hex[65];

		stamp_hex(ce->sha256, hex);
		if (buf_printf(&b, "%s %llu %llu %llu %lld %lld %zu ", hex,
			       (unsigned long long)ce->dev,
			       (unsigned long long)ce->ino,
			       (unsigned long long)ce->size,
			       (long long)ce->mtime_ns, (long long)ce->ctime_ns,
			       strlen(ce->path)) < 0 ||
		    buf_adds(&b, ce->path) < 0 || buf_addc(&b, '\n') < 0)
			goto nomem;
	}
	if (io_write_file_atomic(path, b.p, b.len) < 0)
		rc = err_sys(e, errno, "%s", path);
	buf_free(&b);
	return rc;
nomem:
	buf_free(&b);
	return err_sys(e, ENOMEM, "%s", path);
}
