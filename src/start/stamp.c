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
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "arena.h"
#include "buf.h"
#include "hex.h"
#include "io.h"
#include "vec.h"

#define RACY_WINDOW_NS (3LL * 1000000000LL)
#define READ_CHUNK     (64u << 10)
#define CACHE_MAGIC    "cleanroom-stamp-cache 2"
#define CACHE_MAX      ((size_t)1 << 30)

/* ---- The canonical encoding ----
 *
 * Records are small (a tag, a length, a path, a mode), so they are
 * gathered in a buffer and fed to SHA-256 in large updates: the digest is
 * the same, and a 10,000-file walk makes a few hundred updates instead of
 * 70,000. */

struct hasher {
	struct sha256_ctx ctx;
	size_t n;
	uint8_t buf[8192];
};

static void h_flush(struct hasher *h)
{
	if (h->n)
		sha256_update(&h->ctx, h->n, h->buf);
	h->n = 0;
}

static void h_put(struct hasher *h, const void *p, size_t n)
{
	if (h->n + n > sizeof h->buf)
		h_flush(h);
	if (n > sizeof h->buf) {
		sha256_update(&h->ctx, n, p);
		return;
	}
	buf_copy(h->buf + h->n, p, n);
	h->n += n;
}

static void put_u64(struct hasher *h, uint64_t v)
{
	uint8_t b[8];

	for (int i = 7; i >= 0; i--) {
		b[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
	h_put(h, b, sizeof b);
}

static void put_tag(struct hasher *h, char tag)
{
	uint8_t b = (uint8_t)tag;

	h_put(h, &b, 1);
}

static void put_bytes(struct hasher *h, const void *p, size_t n)
{
	put_u64(h, n);
	if (n)
		h_put(h, p, n);
}

static void put_str(struct hasher *h, const char *s)
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

static int hash_env(struct hasher *h, char *const *env, struct err *e)
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

/* ---- The cache ----
 *
 * Entry paths live in the cache's arena (arena.h), whose first block is
 * usually the cache file as read (its paths are NUL-terminated in place),
 * so loading allocates nothing per entry, and a walk's new cache takes
 * the old one's blocks instead of copying the paths of reused entries. */

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct stamp_cache_entry *)a)->path,
		      ((const struct stamp_cache_entry *)b)->path);
}

static int entries_sorted(const struct stamp_cache *c)
{
	for (size_t i = 1; i < c->n; i++)
		if (strcmp(c->v[i - 1].path, c->v[i].path) >= 0)
			return 0;
	return 1;
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

void stamp_cache_free(struct stamp_cache *cache)
{
	arena_free(&cache->arena);
	free(cache->v);
	memset(cache, 0, sizeof *cache);
}

void stamp_cache_stats(const struct stamp_cache *cache, struct stamp_stats *out)
{
	*out = cache->stats;
}

/* Appends a copy of src; its path is stored as given (already in c's
 * arena, or in one c will take over). */
static int entry_push(struct stamp_cache *c,
		      const struct stamp_cache_entry *src)
{
	if (vec_grow((void **)&c->v, &c->cap, c->n + 1, sizeof *c->v) < 0)
		return -1;
	c->v[c->n++] = *src;
	return 0;
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

/* ---- The walk ---- */

struct walk {
	struct hasher *h;
	struct stamp_cache *cache; /* NULL: no cache */
	struct stamp_cache next;   /* the entries of this walk */
	struct buf path;	   /* the current relative path */
	size_t hint;		   /* the cache entry likely to come next */
	unsigned char *chunk;
	struct buf *listing; /* stamp_input.listing */
	struct err *e;
};

/* One listing record (stamp.h) for w->path; 0, or -1 with w->e filled. */
static int list_rec(struct walk *w, char tag, const char *value)
{
	if (w->listing == NULL)
		return 0;
	if (buf_printf(w->listing, "%c %s ", tag, value) < 0 ||
	    buf_add(w->listing, w->path.p, w->path.len) < 0 ||
	    buf_addc(w->listing, '\0') < 0)
		return err_sys(w->e, ENOMEM, "stamp: listing");
	return 0;
}

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

/* The cache entry of path. The walk visits files in nearly the cache's
 * order (they differ only where a name sorts below '/'), so the entry
 * after the last one found is tried before a binary search. */
static struct stamp_cache_entry *find_next(struct walk *w, const char *path)
{
	struct stamp_cache *c = w->cache;
	struct stamp_cache_entry *ce;

	if (w->hint < c->n && strcmp(c->v[w->hint].path, path) == 0)
		ce = &c->v[w->hint];
	else if ((ce = stamp_cache_find(c, path)) == NULL)
		return NULL;
	w->hint = (size_t)(ce - c->v) + 1;
	return ce;
}

/* Hashes the content of the regular file dfd/name into sha, or reuses
 * the cached hash; *size gets the size hashed. */
static int file_hash(struct walk *w, int dfd, const char *name,
		     const struct stat *lst, unsigned char sha[32],
		     uint64_t *size)
{
	const char *path = w->path.p;
	struct stamp_cache_entry *ce = w->cache ? find_next(w, path) : NULL;
	struct stamp_cache_entry ne;
	struct sha256_ctx fh;
	struct stat st;
	uint64_t total = 0;
	int fd;

	if (ce && stat_matches(ce, lst) && !racy(w->cache, ce)) {
		buf_copy(sha, ce->sha256, 32);
		*size = ce->size;
		w->cache->stats.reused++;
		return entry_push(&w->next, ce) < 0
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
	ne.path = arena_strndup(&w->next.arena, path, w->path.len);
	ne.dev = (uint64_t)st.st_dev;
	ne.ino = (uint64_t)st.st_ino;
	ne.size = total;
	ne.mtime_ns = ts_ns(&st.st_mtim);
	ne.ctime_ns = ts_ns(&st.st_ctim);
	buf_copy(ne.sha256, sha, 32);
	if (ne.path == NULL || entry_push(&w->next, &ne) < 0)
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

static int hash_dir(struct walk *w, int dfd, const char *name,
		    const struct stat *st)
{
	int fd = openat(dfd, name,
			O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct io_names ns;
	size_t base = w->path.len;
	int rc = 0;

	if (fd < 0)
		return err_sys(w->e, errno, "%s", w->path.p);
	if (io_dir_names(fd, &ns) < 0) {
		rc = err_sys(w->e, errno, "%s", w->path.p);
		close(fd);
		return rc;
	}
	put_tag(w->h, 'D');
	put_bytes(w->h, w->path.p, w->path.len);
	put_u64(w->h, (uint64_t)(st->st_mode & 07777));
	put_u64(w->h, ns.n);
	{
		char mode[16];

		(void)snprintf(mode, sizeof mode, "%o",
			       (unsigned)(st->st_mode & 07777));
		rc = list_rec(w, 'D', mode);
	}
	for (size_t i = 0; i < ns.n && rc == 0; i++) {
		if (buf_addc(&w->path, '/') < 0 ||
		    buf_adds(&w->path, ns.v[i]) < 0) {
			rc = err_sys(w->e, ENOMEM, "stamp: path");
			break;
		}
		rc = hash_node(w, fd, ns.v[i]);
		w->path.len = base;
		w->path.p[base] = '\0';
	}
	close(fd);
	io_names_free(&ns);
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
		return list_rec(w, 'M', "-");
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
		h_put(w->h, sha, 32);
		if (w->listing != NULL) {
			char v[64 + 16];

			hex_encode(v, sha, 32);
			(void)snprintf(v + 64, sizeof v - 64, ":%o",
				       (unsigned)(st.st_mode & 07777));
			return list_rec(w, 'F', v);
		}
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
		if (w->listing != NULL) {
			unsigned char sha[32];
			char v[65];
			struct sha256_ctx th;

			sha256_init(&th);
			sha256_update(&th, (size_t)r, (const uint8_t *)target);
			sha256_digest(&th, 32, sha);
			hex_encode(v, sha, 32);
			return list_rec(w, 'L', v);
		}
		return 0;
	}
	if (S_ISDIR(st.st_mode))
		return hash_dir(w, dfd, name, &st);
	/* FIFOs, sockets and devices: their kind and mode, never opened. */
	put_tag(w->h, 'O');
	put_bytes(w->h, w->path.p, w->path.len);
	put_u64(w->h, (uint64_t)st.st_mode);
	put_u64(w->h, (uint64_t)st.st_rdev);
	{
		char v[48];

		(void)snprintf(v, sizeof v, "%o:%llx", (unsigned)st.st_mode,
			       (unsigned long long)st.st_rdev);
		return list_rec(w, 'O', v);
	}
}

/* A directory the pattern passes through that does not exist is no
 * match (musl and glibc differ here); any other error stops the glob. */
static int glob_error(const char *path, int errnum)
{
	(void)path;
	return errnum != ENOENT && errnum != ENOTDIR;
}

/* Appends path (its first len bytes) to *v, growing it. */
static int push_path(char ***v, size_t *n, size_t *cap, const char *path,
		     size_t len)
{
	if (vec_grow((void **)v, cap, *n + 1, sizeof **v) < 0)
		return -1;
	(*v)[*n] = strndup(path, len);
	if ((*v)[*n] == NULL)
		return -1;
	(*n)++;
	return 0;
}

/* Declared paths without trailing slashes, sorted and deduplicated. An
 * input with glob characters (Django's preset names every app's static
 * directory as a star followed by "/static"; Vite's "vite.config.*")
 * stands for the paths glob(3) matches now, relative to the workdir; one
 * that matches nothing is kept as written, so that a first match later
 * changes the stamp. */
static int inputs_sorted(const struct stamp_input *in, char ***out,
			 size_t *nout, struct err *e)
{
	char **v = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < in->ninputs; i++) {
		const char *p = in->inputs[i];
		size_t len = strlen(p);
		glob_t g;
		int grc;

		while (len > 1 && p[len - 1] == '/')
			len--;
		if (len == 0) {
			names_free(v, n);
			return err_set(e, ERR_USAGE, NULL, 0, 0,
				       "stamp: an input path is empty");
		}
		if (strpbrk(p, "*?[") == NULL) {
			if (push_path(&v, &n, &cap, p, len) < 0)
				goto nomem;
			continue;
		}
		grc = glob(p, 0, glob_error, &g);
		if (grc == GLOB_NOMATCH) {
			if (push_path(&v, &n, &cap, p, len) < 0)
				goto nomem;
			continue;
		}
		if (grc != 0) {
			if (grc != GLOB_NOSPACE)
				globfree(&g);
			names_free(v, n);
			if (grc == GLOB_NOSPACE)
				return err_sys(e, ENOMEM, "stamp: inputs");
			return err_sys(e, errno, "stamp: input %s", p);
		}
		for (size_t k = 0; k < g.gl_pathc; k++) {
			const char *m = g.gl_pathv[k];
			size_t ml = strlen(m);

			while (ml > 1 && m[ml - 1] == '/')
				ml--;
			if (push_path(&v, &n, &cap, m, ml) < 0) {
				globfree(&g);
				goto nomem;
			}
		}
		globfree(&g);
	}
	if (v == NULL && (v = calloc(1, sizeof *v)) == NULL)
		goto nomem;
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
nomem:
	names_free(v, n);
	return err_sys(e, ENOMEM, "stamp: inputs");
}

int stamp_compute(const struct stamp_input *in, struct stamp_cache *cache,
		  unsigned char out[32], struct err *e)
{
	struct hasher *h = malloc(sizeof *h);
	struct walk w = {
		.h = h, .cache = cache, .listing = in->listing, .e = e};
	struct timespec now;
	char **paths = NULL;
	size_t npaths = 0, argc = 0;
	int rc = -1;

	if (h == NULL)
		return err_sys(e, ENOMEM, "stamp");
	/* Taken before any stat: the reference time of the racy rule. */
	if (clock_gettime(CLOCK_REALTIME, &now) < 0) {
		err_sys(e, errno, "stamp: clock_gettime");
		goto out;
	}
	sha256_init(&h->ctx);
	h->n = 0;
	put_str(h, "cleanroom-stamp-v1");

	put_tag(h, 'S');
	put_tag(h, in->spec ? '+' : '-');
	if (in->spec)
		put_bytes(h, in->spec, in->spec_len);

	if (hash_env(h, in->env, e) < 0)
		goto out;

	while (in->argv && in->argv[argc])
		argc++;
	put_tag(h, 'C');
	put_tag(h, in->shell ? 's' : 'x');
	put_u64(h, argc);
	for (size_t i = 0; i < argc; i++)
		put_str(h, in->argv[i]);

	if (inputs_sorted(in, &paths, &npaths, e) < 0)
		goto out;
	w.chunk = malloc(READ_CHUNK);
	if (w.chunk == NULL) {
		err_sys(e, errno, "stamp: read buffer");
		goto out;
	}
	put_tag(h, 'I');
	put_u64(h, npaths);
	for (size_t i = 0; i < npaths; i++) {
		w.path.len = 0;
		if (buf_adds(&w.path, paths[i]) < 0) {
			err_sys(e, ENOMEM, "stamp: path");
			goto out;
		}
		put_tag(h, 'P');
		put_str(h, paths[i]);
		if (list_rec(&w, 'P', "-") < 0 ||
		    hash_node(&w, AT_FDCWD, paths[i]) < 0)
			goto out;
	}
	h_flush(h);
	sha256_digest(&h->ctx, 32, out);
	if (cache) {
		/* The new entries borrow the paths of reused ones from the old
		 * cache's arena: it moves over with them. */
		struct stamp_stats stats = cache->stats;

		arena_take(&w.next.arena, &cache->arena);
		stamp_cache_free(cache);
		*cache = w.next;
		if (!entries_sorted(cache))
			qsort(cache->v, cache->n, sizeof *cache->v, entry_cmp);
		cache->time_ns = ts_ns(&now);
		cache->stats = stats;
		memset(&w.next, 0, sizeof w.next);
	}
	rc = 0;
out:
	stamp_cache_free(&w.next);
	free(w.chunk);
	free(h);
	buf_free(&w.path);
	names_free(paths, npaths);
	return rc;
}

/* ---- The cache file ----
 *
 * Binary, for this machine only (a cache that does not parse is simply
 * empty): the magic line, a byte-order mark, the reference time and the
 * entry count, then per entry DEV INO SIZE MTIME_NS CTIME_NS (8 bytes
 * each), the 32-byte digest, the path length (4 bytes) and the path with
 * a NUL after it. The file's buffer becomes the cache's first arena
 * block; entries point at their paths in it. */

#define BOM	    0x01020304u
#define ENTRY_FIXED (5 * 8 + 32 + 4)
#define HEADER_LEN  (sizeof CACHE_MAGIC - 1 + 1 + 4 + 8 + 8)

static void get(void *out, const char **p, size_t n)
{
	memcpy(out, *p, n);
	*p += n;
}

static int parse_cache(char *mem, size_t len, struct stamp_cache *cache)
{
	const char *p = mem, *end = mem + len;
	uint32_t bom;
	uint64_t count;
	int sorted = 1;

	if (len < HEADER_LEN ||
	    memcmp(p, CACHE_MAGIC "\n", sizeof CACHE_MAGIC) != 0)
		return -1;
	p += sizeof CACHE_MAGIC;
	get(&bom, &p, 4);
	get(&cache->time_ns, &p, 8);
	get(&count, &p, 8);
	if (bom != BOM || count > len / (ENTRY_FIXED + 2))
		return -1;
	cache->v = malloc((count ? count : 1) * sizeof *cache->v);
	if (cache->v == NULL)
		return -1;
	cache->cap = count ? count : 1;
	for (uint64_t i = 0; i < count; i++) {
		struct stamp_cache_entry *ce = &cache->v[i];
		uint32_t plen;

		if ((size_t)(end - p) < ENTRY_FIXED)
			return -1;
		get(&ce->dev, &p, 8);
		get(&ce->ino, &p, 8);
		get(&ce->size, &p, 8);
		get(&ce->mtime_ns, &p, 8);
		get(&ce->ctime_ns, &p, 8);
		get(ce->sha256, &p, 32);
		get(&plen, &p, 4);
		if (plen == 0 || (size_t)(end - p) < (size_t)plen + 1 ||
		    p[plen] != '\0' || strlen(p) != plen)
			return -1;
		ce->path = p;
		if (i > 0 && strcmp(cache->v[i - 1].path, p) >= 0)
			sorted = 0;
		p += plen + 1;
		cache->n++;
	}
	if (p != end)
		return -1;
	if (!sorted)
		qsort(cache->v, cache->n, sizeof *cache->v, entry_cmp);
	return 0;
}

int stamp_cache_load(const char *path, struct stamp_cache *cache, struct err *e)
{
	struct buf b = {0};

	stamp_cache_free(cache);
	if (io_read_file(path, CACHE_MAX, &b) < 0) {
		int saved = errno;

		free(b.p);
		if (saved == ENOENT || saved == EFBIG || saved == EISDIR)
			return 0;
		return err_sys(e, saved, "%s", path);
	}
	if (b.p == NULL)
		return 0;
	if (arena_adopt(&cache->arena, b.p, b.len) < 0) {
		free(b.p);
		return err_sys(e, ENOMEM, "%s", path);
	}
	if (parse_cache(b.p, b.len, cache) < 0)
		stamp_cache_free(cache);
	return 0;
}

static void put(struct buf *b, const void *p, size_t n, int *rc)
{
	if (buf_add(b, p, n) < 0)
		*rc = -1;
}

int stamp_cache_save(const char *path, const struct stamp_cache *cache,
		     struct err *e)
{
	struct buf b = {0};
	uint32_t bom = BOM;
	uint64_t count = cache->n;
	int rc = 0;

	if (buf_reserve(&b, HEADER_LEN + cache->n * (ENTRY_FIXED + 32)) < 0)
		return err_sys(e, ENOMEM, "%s", path);
	put(&b, CACHE_MAGIC "\n", sizeof CACHE_MAGIC, &rc);
	put(&b, &bom, 4, &rc);
	put(&b, &cache->time_ns, 8, &rc);
	put(&b, &count, 8, &rc);
	for (size_t i = 0; i < cache->n && rc == 0; i++) {
		const struct stamp_cache_entry *ce = &cache->v[i];
		uint32_t plen = (uint32_t)strlen(ce->path);

		put(&b, &ce->dev, 8, &rc);
		put(&b, &ce->ino, 8, &rc);
		put(&b, &ce->size, 8, &rc);
		put(&b, &ce->mtime_ns, 8, &rc);
		put(&b, &ce->ctime_ns, 8, &rc);
		put(&b, ce->sha256, 32, &rc);
		put(&b, &plen, 4, &rc);
		put(&b, ce->path, (size_t)plen + 1, &rc);
	}
	if (rc < 0) {
		free(b.p);
		return err_sys(e, ENOMEM, "%s", path);
	}
	if (io_write_file_atomic(path, b.p, b.len) < 0)
		rc = err_sys(e, errno, "%s", path);
	free(b.p);
	return rc;
}
