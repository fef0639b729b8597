/*
 * The publish flow: plan (what the store has, from the last release
 * record, else one listing, else HEAD), upload, record, prune. Every
 * decision is made before the first write; a dry run stops after the
 * plan.
 */
#include "publish.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <nettle/md5.h>
#include <nettle/sha2.h>

#include "beneath.h"
#include "cabundle.h"
#include "hex.h"
#include "io.h"
#include "lock.h"
#include "manifest_types.h"
#include "msg.h"
#include "s3.h"
#include "sibling.h"
#include "sigv4.h"
#include "tree.h"
#include "vec.h"
#include "webtypes.h"

#define CACHE_IMMUTABLE "public, max-age=31536000, immutable"
#define CACHE_SHORT	"public, max-age=300"
#define RECORDS_DIR	".cleanroom/releases/"

struct item {
	const char *path; /* the locked name, relative to the cwd */
	/* The tree's entry whose bytes are sent: the locked file itself,
	 * or its X.gz / X.br sibling under --content-encoding. */
	const struct tree_file *src;
	/* With an encoding: the plain X the sibling must decompress to. */
	const struct tree_file *plain;
	enum sibling_format enc; /* SIBLING_NONE: plain bytes */
	char *key;
	uint64_t size;	 /* of what is sent */
	char sha256[65]; /* the lock's SHA-256 of what is sent */
	int fingerprinted;
	int upload;	 /* decided by the plan */
	const char *why; /* why it is uploaded or skipped */
	int fd;
};

struct upload_plan {
	struct item *v;
	size_t n, cap;
};

/* The output roots as pinned and opened for the uploads: each file sent
 * is opened beneath its root's fd, never through a link, and must be the
 * inode the verification read. */
struct roots {
	const struct tree *tree;
	size_t n;
	int *fd;
};

int publish_parse_to(const char *to, char *bucket, size_t bsize, char *prefix,
		     size_t psize, struct err *e)
{
	const char *p, *slash;
	size_t bl;

	if (to == NULL || to[0] == '\0') {
		err_set(e, ERR_CONFIG, NULL, 0, 0,
			"publish: no destination (publish.to or --to)");
		err_hint(e, "to: s3://BUCKET/PREFIX in the spec's publish: "
			    "block, or --to s3://BUCKET/PREFIX");
		return -1;
	}
	if (strncmp(to, "s3://", 5) != 0) {
		err_set(e, ERR_CONFIG, NULL, 0, 0,
			"publish.to '%s': expected s3://BUCKET/PREFIX", to);
		return -1;
	}
	p = to + 5;
	slash = strchr(p, '/');
	bl = slash ? (size_t)(slash - p) : strlen(p);
	if (bl < 3 || bl > 63 || bl >= bsize) {
		err_set(e, ERR_CONFIG, NULL, 0, 0,
			"publish.to '%s': a bucket name has 3 to 63 characters",
			to);
		return -1;
	}
	for (size_t i = 0; i < bl; i++) {
		char ch = p[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		      ch == '-' || ch == '.')) {
			err_set(e, ERR_CONFIG, NULL, 0, 0,
				"publish.to '%s': a bucket name has lower-case "
				"letters, digits, '-' and '.' only",
				to);
			return -1;
		}
	}
	memcpy(bucket, p, bl);
	bucket[bl] = '\0';
	p = slash ? slash + 1 : "";
	while (*p == '/')
		p++;
	size_t pl = strlen(p);

	if (pl + 2 > psize) {
		err_set(e, ERR_CONFIG, NULL, 0, 0,
			"publish.to: prefix too long");
		return -1;
	}
	memcpy(prefix, p, pl);
	if (pl > 0 && prefix[pl - 1] != '/')
		prefix[pl++] = '/';
	prefix[pl] = '\0';
	if (strstr(prefix, "//") != NULL || strstr(prefix, "/../") != NULL ||
	    strncmp(prefix, "../", 3) == 0) {
		err_set(e, ERR_CONFIG, NULL, 0, 0,
			"publish.to '%s': empty or '..' path segments", to);
		return -1;
	}
	return 0;
}

static void upload_plan_free(struct upload_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].key);
		if (p->v[i].fd >= 0)
			close(p->v[i].fd);
	}
	free(p->v);
	memset(p, 0, sizeof *p);
}

/* The lock's entry for path, or NULL. */
static const struct lock_entry *lock_find(const struct lock *l,
					  const char *path)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(l->v[mid].path, path);

		if (c == 0)
			return &l->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int item_cmp(const void *a, const void *b)
{
	return strcmp(((const struct item *)a)->key,
		      ((const struct item *)b)->key);
}

/* The tree's entry whose inode holds tf's bytes: tf, or for a link to
 * a file (or a second hard link) the entry the pass read it under. */
static const struct tree_file *real_file(const struct tree *t,
					 const struct tree_file *tf)
{
	return tf->alias != 0 && tf->alias - 1 < t->nfiles
		       ? &t->files[tf->alias - 1]
		       : tf;
}

/* With --content-encoding: X's sibling X.gz or X.br when the lock lists
 * it and the verification read it (it then decompressed to X's bytes,
 * or the verification failed); the item sends its bytes instead. */
static int use_sibling(const struct verify_result *vr, enum sibling_format f,
		       struct item *it, struct err *e)
{
	const char *ext = f == SIBLING_BROTLI ? ".br" : ".gz";
	size_t pl = strlen(it->path), el = strlen(ext);
	char *name = malloc(pl + el + 1);

	if (name == NULL)
		return err_sys(e, ENOMEM, "publish");
	memcpy(name, it->path, pl);
	memcpy(name + pl, ext, el + 1);
	const struct lock_entry *le = lock_find(&vr->lock, name);
	const struct tree_file *sf = tree_find(&vr->tree, name);

	free(name);
	if (le == NULL || sf == NULL || !sf->hashed || sf->error != 0)
		return 0;
	it->plain = it->src;
	it->src = sf;
	it->enc = f;
	it->size = sf->size;
	hex_encode(it->sha256, le->sha256, 32);
	return 0;
}

/* The items: every locked file, keyed PREFIX + its path in its root,
 * fingerprinted when a manifest names it as an entry (or as a companion
 * of one: X.gz, X.map of a hashed X). */
static int build_items(const struct publish_opts *o, const char *prefix,
		       enum sibling_format enc, struct upload_plan *p,
		       struct err *e)
{
	const struct verify_result *vr = o->vr;
	size_t nroots = o->spec->outputs.roots.n;
	size_t *idx = calloc(nroots + 1, sizeof *idx);

	if (idx == NULL)
		return err_sys(e, ENOMEM, "publish");
	for (size_t i = 0; i < vr->tree.nfiles; i++) {
		const struct tree_file *tf = &vr->tree.files[i];
		size_t k = tf->root;
		size_t mi = k < nroots ? idx[k] : 0;

		if (tf->error != 0)
			continue;
		if (k < nroots)
			idx[k]++;
		const struct lock_entry *le = lock_find(&vr->lock, tf->path);

		if (le == NULL || !tf->hashed)
			continue; /* the lock itself, a stamp */
		if ((int64_t)tf->size > PUBLISH_MAX_OBJECT) {
			free(idx);
			err_set(e, ERR_CONFIG, NULL, 0, 0,
				"%s: %" PRIu64 " bytes, over S3's 5 GB limit "
				"for one PUT",
				tf->path, tf->size);
			err_hint(e, "assets never need multipart: leave this "
				    "file out of the output roots");
			return -1;
		}
		if (vec_grow((void **)&p->v, &p->cap, p->n + 1, sizeof *p->v) <
		    0) {
			free(idx);
			return err_sys(e, ENOMEM, "publish");
		}
		struct item *it = &p->v[p->n];

		memset(it, 0, sizeof *it);
		it->fd = -1;
		it->path = tf->path;
		it->src = tf;
		it->size = tf->size;
		hex_encode(it->sha256, le->sha256, 32);
		const struct manifest_result *mr =
			k < vr->nmanifests ? &vr->manifests[k] : NULL;

		if (mr != NULL && mr->mentioned != NULL && mi < mr->nfiles)
			it->fingerprinted = (mr->mentioned[mi] &
					     (MF_ENTRY | MF_COMPANION)) &&
					    !(mr->mentioned[mi] & MF_MANIFEST);
		size_t kl = strlen(prefix) + strlen(tf->rel) + 1;

		it->key = malloc(kl);
		if (it->key == NULL) {
			free(idx);
			return err_sys(e, ENOMEM, "publish");
		}
		(void)snprintf(it->key, kl, "%s%s", prefix, tf->rel);
		p->n++;
		size_t plain_len;

		if (enc != SIBLING_NONE &&
		    sibling_format_of(tf->path, &plain_len) == SIBLING_NONE &&
		    use_sibling(vr, enc, it, e) < 0) {
			free(idx);
			return -1;
		}
	}
	free(idx);
	if (p->n > 1)
		qsort(p->v, p->n, sizeof *p->v, item_cmp);
	for (size_t i = 1; i < p->n; i++)
		if (strcmp(p->v[i - 1].key, p->v[i].key) == 0) {
			err_set(e, ERR_CONFIG, NULL, 0, 0,
				"%s and %s would both be published as %s",
				p->v[i - 1].path, p->v[i].path, p->v[i].key);
			err_hint(e, "two output roots hold the same name");
			return -1;
		}
	return 0;
}

/* Pins and opens the output roots (tree.h: a root must resolve as it
 * does now, with no symlink unless the spec names it through one). */
static int roots_open(const struct spec *s, const struct tree *t,
		      struct roots *r, struct err *e)
{
	size_t n = s->outputs.roots.n;
	const char **names = calloc(n + 1, sizeof *names);
	struct tree_pin *pins = calloc(n + 1, sizeof *pins);

	r->tree = t;
	r->n = 0;
	r->fd = calloc(n + 1, sizeof *r->fd);
	if (names == NULL || pins == NULL || r->fd == NULL) {
		free(names);
		free(pins);
		return err_sys(e, ENOMEM, "publish");
	}
	for (size_t i = 0; i < n; i++)
		names[i] = s->outputs.roots.v[i].s;
	tree_pin_roots(names, n, pins);
	for (size_t i = 0; i < n; i++) {
		r->fd[i] = tree_open_root(names[i], &pins[i]);
		if (r->fd[i] < 0) {
			int err = errno;

			err_set(e, ERR_VERIFY, NULL, 0, 0,
				"output root %s: %s since it was verified",
				names[i],
				err == ELOOP ? "a symbolic link is on its path"
					     : strerror(err));
			err_hint(e, "nothing more is uploaded and no release "
				    "record was written");
			free(names);
			free(pins);
			return -1;
		}
		r->n++;
	}
	free(names);
	free(pins);
	return 0;
}

static void roots_close(struct roots *r)
{
	for (size_t i = 0; i < r->n; i++)
		close(r->fd[i]);
	free(r->fd);
	memset(r, 0, sizeof *r);
}

/* Opens tf beneath its root's fd (beneath.h: never through a symlink),
 * for reading; it must be the regular file, the very inode and size,
 * that the verification read. Returns the fd, or -1 with e filled
 * (ERR_VERIFY: changed since it was verified). */
static int open_verified(const struct roots *r, const struct tree_file *tf,
			 struct err *e)
{
	const struct tree_file *rf = real_file(r->tree, tf);
	struct stat st;
	int fd = -1;
	const char *why = NULL;

	if (rf->root >= r->n) {
		errno = EINVAL;
		why = "not under an output root";
	} else if ((fd = beneath_open(r->fd[rf->root], rf->rel, O_RDONLY, 0)) <
		   0) {
		why = errno == ELOOP	? "a symbolic link is now on its path, "
					  "not followed"
		      : errno == EXDEV	? "its path now leads out of its root"
		      : errno == ENOENT ? "it is gone"
					: NULL;
		if (why == NULL)
			why = strerror(errno);
	} else if (fstat(fd, &st) < 0) {
		why = strerror(errno);
	} else if (!S_ISREG(st.st_mode)) {
		why = "it is no longer a regular file";
	} else if ((uint64_t)st.st_dev != tf->dev ||
		   (uint64_t)st.st_ino != tf->ino) {
		why = "another file is now at its path";
	} else if ((uint64_t)st.st_size != tf->size) {
		why = "its size changed";
	}
	if (why == NULL)
		return fd;
	if (fd >= 0)
		close(fd);
	err_set(e, ERR_VERIFY, NULL, 0, 0,
		"%s changed since it was verified: %s", tf->path, why);
	err_hint(e, "nothing of it was sent and no release record was "
		    "written; run 'cleanroom verify', then publish again");
	return -1;
}

/* The SHA-256 (and, when md5 is not NULL, the MD5: a single-part
 * upload's ETag) of fd's size bytes, read with pread. Returns 0, or -1
 * with errno set (EIO when the file is shorter than size). */
static int digest_fd(int fd, uint64_t size, char sha[65], char md5[33])
{
	struct sha256_ctx sc;
	struct md5_ctx mc;
	unsigned char d[SHA256_DIGEST_SIZE], b[65536];
	uint64_t off = 0;

	sha256_init(&sc);
	md5_init(&mc);
	while (off < size) {
		size_t want =
			size - off < sizeof b ? (size_t)(size - off) : sizeof b;
		ssize_t n = pread(fd, b, want, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		sha256_update(&sc, (size_t)n, b);
		if (md5 != NULL)
			md5_update(&mc, (size_t)n, b);
		off += (uint64_t)n;
	}
	sha256_digest(&sc, sizeof d, d);
	hex_encode(sha, d, SHA256_DIGEST_SIZE);
	if (md5 != NULL) {
		md5_digest(&mc, MD5_DIGEST_SIZE, d);
		hex_encode(md5, d, MD5_DIGEST_SIZE);
	}
	return 0;
}

/* Opens what it sends beneath its root (open_verified), checks that an
 * encoded sibling still decompresses to the plain file's bytes, and
 * hashes it from that fd: the SHA-256 must be the lock's. Returns the
 * fd, the bytes of which are what the PUT sends, or -1 with e filled.
 * md5: the ETag to compare, or NULL. */
static int open_item(const struct roots *r, const struct item *it, char md5[33],
		     struct err *e)
{
	char sha[65];
	int fd = open_verified(r, it->src, e);

	if (fd < 0)
		return -1;
	if (it->enc != SIBLING_NONE) {
		struct sibling_result res;
		int pfd = open_verified(r, it->plain, e);

		if (pfd < 0) {
			close(fd);
			return -1;
		}
		memset(&res, 0, sizeof res);
		int rc = sibling_check_fd(fd, it->enc, pfd, NULL, NULL, NULL,
					  NULL, &res, e);

		close(pfd);
		if (rc != 0 || res.outcome != SIBLING_SAME) {
			close(fd);
			if (rc < 0)
				return -1;
			err_set(e, ERR_VERIFY, NULL, 0, 0,
				"%s does not decompress to %s (%s)",
				it->src->path, it->path,
				res.detail[0] ? res.detail : "other bytes");
			err_hint(e, "its bytes are not published under %s",
				 it->key);
			return -1;
		}
	}
	if (digest_fd(fd, it->size, sha, md5) < 0) {
		err_sys(e, errno, "%s", it->src->path);
		close(fd);
		return -1;
	}
	if (strcmp(sha, it->sha256) != 0) {
		close(fd);
		err_set(e, ERR_VERIFY, NULL, 0, 0,
			"%s changed since it was verified: SHA-256 %s, the "
			"lock says %s",
			it->src->path, sha, it->sha256);
		err_hint(e, "nothing of it was sent and no release record "
			    "was written; run 'cleanroom verify', then "
			    "publish again");
		return -1;
	}
	return fd;
}

/* A "sha256  key" line per item: the keys file of a release record. */
static int keys_text(const struct upload_plan *p, struct buf *out)
{
	for (size_t i = 0; i < p->n; i++)
		if (buf_printf(out, "%s  %s\n", p->v[i].sha256, p->v[i].key) <
		    0)
			return -1;
	return 0;
}

/* Parses a keys file into a lock (key → digest), for lookups. */
static int keys_parse(const char *name, const struct buf *text,
		      struct lock *out, struct err *e)
{
	return lock_parse(name, text->p ? text->p : "", text->len, out, e);
}

static int get_object(struct s3_client *c, const char *key, struct buf *out,
		      struct err *e)
{
	struct s3_req r = {.method = "GET", .key = key, .fd = -1};

	if (s3_run(c, &r, 1, NULL, NULL, e) < 0 ||
	    s3_check(c, &r, (const long[]){200, 0}, e) < 0) {
		s3_req_free(&r);
		return -1;
	}
	*out = r.body;
	return 0;
}

/* Prints one line of the plan to stdout, the name escaped (msg.h): the
 * build chose it. */
static void plan_line(const char *verb, const char *key, const char *rest)
{
	struct buf b = {0};

	if (msg_escape(&b, key, strlen(key), 0) == 0 && buf_addc(&b, '\0') == 0)
		(void)printf("%s %s%s\n", verb, b.p, rest);
	buf_free(&b);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The release ids under the records prefix (names of complete records,
 * "<id>.lock" with a "<id>.keys" beside it), sorted oldest first. */
static int list_releases(struct s3_client *c, const char *records, char ***ids,
			 size_t *n, struct err *e)
{
	struct s3_listing l = {0};
	size_t cap = 0;

	*ids = NULL;
	*n = 0;
	if (s3_list(c, records, &l, e) < 0)
		return -1;
	for (size_t i = 0; i < l.n; i++) {
		const char *k = l.v[i].key + strlen(records);
		size_t kl = strlen(k);

		if (kl < 6 || strcmp(k + kl - 5, ".lock") != 0 ||
		    strchr(k, '/') != NULL)
			continue;
		if (vec_grow((void **)ids, &cap, *n + 1, sizeof **ids) < 0 ||
		    ((*ids)[*n] = strndup(k, kl - 5)) == NULL) {
			s3_listing_free(&l);
			return err_sys(e, ENOMEM, "publish");
		}
		(*n)++;
	}
	s3_listing_free(&l);
	if (*n > 1)
		qsort(*ids, *n, sizeof **ids, name_cmp);
	return 0;
}

static void free_ids(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

struct progress {
	int tty;
	size_t base, nfiles; /* files of earlier batches; files to upload */
	size_t files;	     /* uploaded so far */
	unsigned long long bytes, total;
	long long start_ms;
};

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_progress(void *arg, const struct s3_req *r, size_t done,
			size_t total)
{
	struct progress *pg = arg;

	(void)total;
	pg->files = pg->base + done;
	pg->bytes += (unsigned long long)(r->fd >= 0 ? r->size : 0);
	if (!pg->tty || msg_level() < MSG_NORMAL)
		return;
	double s = (double)(mono_ms() - pg->start_ms) / 1000.0;

	(void)fprintf(stderr,
		      "\rpublish: %zu/%zu files, %.1f/%.1f MB, %.1f MB/s  ",
		      pg->files, pg->nfiles, (double)pg->bytes / 1e6,
		      (double)pg->total / 1e6,
		      s > 0 ? (double)pg->bytes / 1e6 / s : 0.0);
	if (pg->files == pg->nfiles)
		(void)fputc('\n', stderr);
}

/* Decides what to upload. With a last release record, its keys say what
 * is in the store; what it does not list is asked with HEAD. Without
 * one, one listing of the prefix (a single-part ETag is the MD5 of the
 * bytes; another ETag is settled by HEAD and x-amz-meta-sha256). */
static int plan_uploads(struct s3_client *c, const struct roots *roots,
			const char *prefix, const struct lock *known,
			int have_known, struct upload_plan *p, struct err *e)
{
	struct s3_listing l = {0};
	struct s3_req *heads = NULL;
	size_t *hidx = NULL, nh = 0;
	int rc = -1;

	if (!have_known && s3_list(c, prefix, &l, e) < 0)
		return -1;
	heads = calloc(p->n + 1, sizeof *heads);
	hidx = calloc(p->n + 1, sizeof *hidx);
	if (heads == NULL || hidx == NULL) {
		err_sys(e, ENOMEM, "publish");
		goto out;
	}
	for (size_t i = 0, j = 0; i < p->n; i++) {
		struct item *it = &p->v[i];

		if (have_known) {
			const struct lock_entry *le = lock_find(known, it->key);
			char hex[65];

			if (le != NULL) {
				hex_encode(hex, le->sha256, 32);
				if (strcmp(hex, it->sha256) == 0) {
					it->why = "in the last release";
					continue;
				}
			}
		} else {
			while (j < l.n && strcmp(l.v[j].key, it->key) < 0)
				j++;
			if (j >= l.n || strcmp(l.v[j].key, it->key) != 0) {
				it->upload = 1;
				it->why = "new";
				continue;
			}
			char md5[33];

			if (strlen(l.v[j].etag) == 32 &&
			    (int64_t)l.v[j].size == (int64_t)it->size) {
				/* The MD5 of the bytes that would be sent, from
				 * the fd that proves them the lock's. */
				int fd = open_item(roots, it, md5, e);

				if (fd < 0)
					goto out;
				close(fd);
				if (strcmp(md5, l.v[j].etag) == 0) {
					it->why = "same bytes (ETag)";
					continue;
				}
				if (it->fingerprinted) {
					err_set(e, ERR_CONFIG, NULL, 0, 0,
						"%s is already in the store "
						"with other bytes (ETag %s, "
						"ours %s)",
						it->key, l.v[j].etag, md5);
					err_hint(e,
						 "a fingerprinted name never "
						 "changes its bytes: "
						 "nothing was uploaded");
					goto out;
				}
				it->upload = 1;
				it->why = "changed";
				continue;
			}
		}
		heads[nh] = (struct s3_req){
			.method = "HEAD", .key = it->key, .fd = -1};
		hidx[nh++] = i;
	}
	if (nh > 0 && s3_run(c, heads, nh, NULL, NULL, e) < 0)
		goto out;
	for (size_t h = 0; h < nh; h++) {
		struct item *it = &p->v[hidx[h]];

		if (heads[h].status == 404) {
			it->upload = 1;
			it->why = "new";
			continue;
		}
		if (s3_check(c, &heads[h], (const long[]){200, 0}, e) < 0)
			goto out;
		if (strcmp(heads[h].got_sha256, it->sha256) == 0) {
			it->why = "same bytes (x-amz-meta-sha256)";
			continue;
		}
		if (it->fingerprinted) {
			err_set(e, ERR_CONFIG, NULL, 0, 0,
				"%s is already in the store with other bytes "
				"(x-amz-meta-sha256 '%s', ours %s)",
				it->key, heads[h].got_sha256, it->sha256);
			err_hint(e, "a fingerprinted name never changes its "
				    "bytes: nothing was uploaded");
			goto out;
		}
		it->upload = 1;
		it->why = "changed";
	}
	rc = 0;
out:
	for (size_t h = 0; h < nh; h++)
		s3_req_free(&heads[h]);
	free(heads);
	free(hidx);
	s3_listing_free(&l);
	return rc;
}

static int put_memory(struct s3_client *c, const char *key, const char *type,
		      const struct buf *b, struct err *e)
{
	char sha[65];
	struct s3_req r = {.method = "PUT", .key = key, .fd = -1};

	sigv4_sha256_hex(sha, b->p ? b->p : "", b->len);
	r.mem = b->p ? b->p : "";
	r.memlen = b->len;
	r.sha256 = sha;
	r.meta_sha256 = sha;
	r.content_type = type;
	r.cache_control = "no-store";
	int rc = s3_run(c, &r, 1, NULL, NULL, e) < 0 ||
				 s3_check(c, &r, (const long[]){200, 0}, e) < 0
			 ? -1
			 : 0;

	s3_req_free(&r);
	return rc;
}

/* Deletes what none of the last keep releases references, under prefix
 * and outside the records, last modified before now - older_than. */
static int prune(struct s3_client *c, const struct publish_opts *o,
		 const char *prefix, const char *records, struct err *e)
{
	int64_t keep = o->spec->publish.keep_releases;
	int64_t older = o->spec->publish.older_than_ms >= 0
				? o->spec->publish.older_than_ms
				: 7LL * 24 * 3600 * 1000;
	char **ids = NULL;
	size_t nids = 0, nk = 0, ndel = 0;
	struct lock *kept = NULL;
	struct s3_listing l = {0};
	struct s3_req *dels = NULL;
	int rc = -1;

	if (keep < 1) {
		err_set(e, ERR_CONFIG, NULL, 0, 0,
			"--prune needs the number of releases to keep");
		err_hint(e, "--keep N or publish.keep_releases");
		return -1;
	}
	if (list_releases(c, records, &ids, &nids, e) < 0)
		return -1;
	if (nids == 0) {
		msg_info("prune: no release record under %s: nothing deleted",
			 records);
		rc = 0;
		goto out;
	}
	kept = calloc((size_t)keep, sizeof *kept);
	if (kept == NULL) {
		err_sys(e, ENOMEM, "prune");
		goto out;
	}
	for (size_t i = nids > (size_t)keep ? nids - (size_t)keep : 0; i < nids;
	     i++) {
		char key[2048];
		struct buf text = {0};

		(void)snprintf(key, sizeof key, "%s%s.keys", records, ids[i]);
		lock_init(&kept[nk]);
		if (get_object(c, key, &text, e) < 0 ||
		    keys_parse(key, &text, &kept[nk++], e) < 0) {
			buf_free(&text);
			goto out;
		}
		buf_free(&text);
	}
	if (s3_list(c, prefix, &l, e) < 0)
		goto out;
	dels = calloc(l.n + 1, sizeof *dels);
	if (dels == NULL) {
		err_sys(e, ENOMEM, "prune");
		goto out;
	}
	for (size_t i = 0; i < l.n; i++) {
		const struct s3_object *ob = &l.v[i];
		int referenced = 0;

		if (strncmp(ob->key, records, strlen(records)) == 0)
			continue;
		for (size_t k = 0; k < nk && !referenced; k++)
			referenced = lock_find(&kept[k], ob->key) != NULL;
		if (referenced)
			continue;
		if ((ob->mtime + older / 1000) > o->now) {
			msg_debug("prune: keep %s (younger than the "
				  "--older-than limit)",
				  ob->key);
			continue;
		}
		if (o->dry_run) {
			plan_line("delete", ob->key, "");
			continue;
		}
		dels[ndel++] = (struct s3_req){
			.method = "DELETE", .key = ob->key, .fd = -1};
	}
	if (ndel > 0 && s3_run(c, dels, ndel, NULL, NULL, e) < 0)
		goto out;
	for (size_t i = 0; i < ndel; i++)
		if (s3_check(c, &dels[i], (const long[]){204, 200, 0}, e) < 0)
			goto out;
	if (!o->dry_run)
		msg_info("prune: %zu object%s deleted; the last %zu "
			 "release%s kept",
			 ndel, ndel == 1 ? "" : "s", nk, nk == 1 ? "" : "s");
	rc = 0;
out:
	for (size_t i = 0; i < ndel; i++)
		s3_req_free(&dels[i]);
	free(dels);
	s3_listing_free(&l);
	for (size_t k = 0; k < nk; k++)
		lock_free(&kept[k]);
	free(kept);
	free_ids(ids, nids);
	return rc;
}

/* Files opened, hashed and sent per batch: a bound on the fds held. */
#define UPLOAD_BATCH 256
/* publish.timeout's default. */
#define TIMEOUT_DEFAULT_MS (30LL * 60 * 1000)

/* The --content-encoding value. Returns 0, or -1 with e (ERR_CONFIG). */
static int parse_encoding(const char *v, enum sibling_format *out,
			  struct err *e)
{
	if (v == NULL || strcmp(v, "none") == 0)
		*out = SIBLING_NONE;
	else if (strcmp(v, "gzip") == 0)
		*out = SIBLING_GZIP;
	else if (strcmp(v, "br") == 0)
		*out = SIBLING_BROTLI;
	else {
		err_set(e, ERR_CONFIG, NULL, 0, 0,
			"publish.content_encoding '%s': expected none, gzip or "
			"br",
			v);
		return -1;
	}
	return 0;
}

/* What an error becomes when the deadline passed: how far publish got. */
static void timed_out(struct err *e, int64_t timeout_ms, const char *phase,
		      const struct progress *pg)
{
	char d[32];

	(void)snprintf(d, sizeof d, "%lldm%02llds",
		       (long long)(timeout_ms / 60000),
		       (long long)(timeout_ms / 1000 % 60));
	err_set(e, ERR_UNAVAILABLE, NULL, 0, 0,
		"publish: gave up after %s (publish.timeout) while %s: %zu of "
		"%zu files uploaded (%.1f of %.1f MB)",
		d, phase, pg->files, pg->nfiles, (double)pg->bytes / 1e6,
		(double)pg->total / 1e6);
	err_hint(e, "no release record was written, so this release is not "
		    "listed; publish again (what arrived is not sent twice), "
		    "or give more time with --timeout or publish.timeout");
}

int publish_run(const struct publish_opts *o, struct err *e)
{
	const struct spec *s = o->spec;
	char bucket[64], prefix[1024], records[1200], cafile[4096];
	const char *cafrom = NULL;
	struct s3_config cfg = {0};
	struct s3_client *c = NULL;
	struct upload_plan p = {0};
	struct roots roots = {0};
	struct lock known;
	int have_known = 0;
	char **ids = NULL;
	size_t nids = 0;
	struct s3_req *puts = NULL;
	size_t nput = 0, *up = NULL, nup = 0;
	unsigned long long upbytes = 0;
	struct buf keys = {0}, lock_text = {0}, prov_text = {0};
	long long t0 = mono_ms();
	const char *phase = "listing the releases";
	struct progress pg = {0};
	enum sibling_format enc;
	int64_t timeout_ms = s->publish.timeout_ms >= 0 ? s->publish.timeout_ms
							: TIMEOUT_DEFAULT_MS;
	int rc = -1;

	lock_init(&known);
	if (publish_parse_to(s->publish.to.s, bucket, sizeof bucket, prefix,
			     sizeof prefix, e) < 0 ||
	    parse_encoding(s->publish.content_encoding.s, &enc, e) < 0)
		return -1;
	if (s->publish.records.s != NULL) {
		const char *r = s->publish.records.s;

		while (*r == '/')
			r++;
		(void)snprintf(records, sizeof records, "%s%s", r,
			       r[0] && r[strlen(r) - 1] != '/' ? "/" : "");
	} else {
		(void)snprintf(records, sizeof records, "%s" RECORDS_DIR,
			       prefix);
	}
	if (o->access_key == NULL || o->access_key[0] == '\0' ||
	    o->secret_key == NULL || o->secret_key[0] == '\0') {
		err_set(e, ERR_CONFIG, NULL, 0, 0,
			"publish: no credentials (%s is not set)",
			o->access_key && o->access_key[0]
				? "AWS_SECRET_ACCESS_KEY"
				: "AWS_ACCESS_KEY_ID");
		err_hint(e, "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
			    "(and AWS_SESSION_TOKEN for temporary ones) in "
			    "the environment or an env file");
		return -1;
	}
	cfg.bucket = bucket;
	cfg.endpoint = s->publish.endpoint.s;
	cfg.region = s->publish.region.s		 ? s->publish.region.s
		     : o->region_env && o->region_env[0] ? o->region_env
							 : "us-east-1";
	const char *addr =
		s->publish.addressing.s ? s->publish.addressing.s : "auto";

	if (strcmp(addr, "path") == 0)
		cfg.path_style = 1;
	else if (strcmp(addr, "virtual") == 0)
		cfg.path_style = 0;
	else if (strcmp(addr, "auto") == 0)
		/* Custom endpoints (MinIO, Ceph, an IP) and dotted bucket
		 * names (no wildcard certificate covers them): path. */
		cfg.path_style = (cfg.endpoint && cfg.endpoint[0]) ||
				 strchr(bucket, '.') != NULL;
	else {
		err_set(e, ERR_CONFIG, NULL, 0, 0,
			"publish.addressing '%s': expected auto, path or "
			"virtual",
			addr);
		return -1;
	}
	cfg.connections =
		s->publish.connections > 0 ? (int)s->publish.connections : 8;
	cfg.max_attempts = 6;
	cfg.backoff_ms = 200;
	cfg.stall_seconds = 60;
	cfg.access_key = o->access_key;
	cfg.secret_key = o->secret_key;
	cfg.session_token = o->session_token;
	/* The deadline counts from the start of the command (the
	 * re-verification included); 0: none. */
	if (timeout_ms > 0)
		cfg.deadline_ms =
			(o->start_ms > 0 ? o->start_ms : io_now_ms()) +
			(double)timeout_ms;
	int https = cfg.endpoint == NULL || cfg.endpoint[0] == '\0' ||
		    strncmp(cfg.endpoint, "https://", 8) == 0;

	if (https) {
		if (cabundle_find(s->publish.ca_file.s, o->ssl_cert_file, NULL,
				  cafile, sizeof cafile, &cafrom, e) < 0)
			return -1;
		cfg.ca_file = cafile;
		msg_debug("publish: CA bundle %s (%s)", cafile, cafrom);
	}

	/* Everything local is decided before the first request. */
	if (build_items(o, prefix, enc, &p, e) < 0)
		goto out;
	if (roots_open(s, &o->vr->tree, &roots, e) < 0)
		goto out;
	if (io_read_file(o->lock_path, 64u << 20, &lock_text) < 0) {
		err_sys(e, errno, "%s", o->lock_path);
		goto out;
	}
	if (o->provenance_path != NULL &&
	    io_read_file(o->provenance_path, 64u << 20, &prov_text) < 0) {
		err_sys(e, errno, "%s", o->provenance_path);
		goto out;
	}
	if (keys_text(&p, &keys) < 0) {
		err_sys(e, ENOMEM, "publish");
		goto out;
	}

	if (s3_open(&cfg, &c, e) < 0)
		goto out;
	msg_info("publish: %zu files to s3://%s/%s (%s-style, %s)", p.n, bucket,
		 prefix, cfg.path_style ? "path" : "virtual-host", cfg.region);
	if (list_releases(c, records, &ids, &nids, e) < 0)
		goto out;
	char lsha[65];

	sigv4_sha256_hex(lsha, lock_text.p ? lock_text.p : "", lock_text.len);
	if (nids > 0) {
		const char *last = ids[nids - 1];
		size_t ll = strlen(last);

		/* The same lock as the last release: it is all there (its
		 * keys name what each object holds; with another
		 * --content-encoding the keys differ, so it is planned). */
		if (!o->prune && ll > 12 &&
		    strncmp(last + ll - 12, lsha, 12) == 0) {
			char key[2048];
			struct buf text = {0};

			(void)snprintf(key, sizeof key, "%s%s.keys", records,
				       last);
			phase = "reading the last release record";
			if (get_object(c, key, &text, e) < 0) {
				buf_free(&text);
				goto out;
			}
			int same = text.len == keys.len &&
				   (keys.len == 0 ||
				    memcmp(text.p, keys.p, keys.len) == 0);

			buf_free(&text);
			if (same) {
				msg_info("publish: release %s is this lock: "
					 "nothing to upload",
					 last);
				rc = 0;
				goto out;
			}
		}
	}
	if (nids > 0) {
		char key[2048];
		struct buf text = {0};

		phase = "reading the last release record";
		(void)snprintf(key, sizeof key, "%s%s.keys", records,
			       ids[nids - 1]);
		if (get_object(c, key, &text, e) < 0 ||
		    keys_parse(key, &text, &known, e) < 0) {
			buf_free(&text);
			goto out;
		}
		buf_free(&text);
		have_known = 1;
		msg_debug("publish: last release %s lists %zu objects",
			  ids[nids - 1], known.n);
	}
	phase = "comparing with the store";
	if (plan_uploads(c, &roots, prefix, &known, have_known, &p, e) < 0)
		goto out;

	puts = calloc(UPLOAD_BATCH, sizeof *puts);
	up = calloc(p.n + 1, sizeof *up);
	if (puts == NULL || up == NULL) {
		err_sys(e, ENOMEM, "publish");
		goto out;
	}
	const char *cc_fp = s->publish.cache_fingerprinted.s
				    ? s->publish.cache_fingerprinted.s
				    : CACHE_IMMUTABLE;
	const char *cc_other = s->publish.cache_other.s
				       ? s->publish.cache_other.s
				       : CACHE_SHORT;

	for (size_t i = 0; i < p.n; i++) {
		struct item *it = &p.v[i];

		if (o->dry_run) {
			char rest[200];

			(void)snprintf(rest, sizeof rest,
				       " (%" PRIu64 " bytes, %s%s%s%s)",
				       it->size, it->why ? it->why : "",
				       it->fingerprinted ? ", immutable" : "",
				       it->enc ? ", Content-Encoding " : "",
				       it->enc == SIBLING_BROTLI ? "br"
				       : it->enc == SIBLING_GZIP ? "gzip"
								 : "");
			plan_line(it->upload ? "upload" : "skip  ", it->key,
				  rest);
			continue;
		}
		if (!it->upload)
			continue;
		up[nup++] = i;
		upbytes += it->size;
	}
	char id[64], key[2048];
	struct tm tm;
	time_t now = (time_t)o->now;

	gmtime_r(&now, &tm);
	(void)snprintf(id, sizeof id, "%04d%02d%02dT%02d%02d%02dZ-%.12s",
		       tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		       tm.tm_min, tm.tm_sec, lsha);
	if (o->dry_run) {
		printf("record %s%s.{keys,%slock}\n", records, id,
		       o->provenance_path ? "provenance.json," : "");
		phase = "planning the prune";
		if (o->prune && prune(c, o, prefix, records, e) < 0)
			goto out;
		rc = 0;
		goto out;
	}
	/* Before the first PUT: every file to send is still the inode the
	 * verification read, reached beneath its root with no link. */
	phase = "checking the files again";
	for (size_t u = 0; u < nup; u++) {
		struct item *it = &p.v[up[u]];
		int fd = open_verified(&roots, it->src, e);

		if (fd < 0)
			goto out;
		close(fd);
	}
	pg = (struct progress){.tty = isatty(STDERR_FILENO),
			       .nfiles = nup,
			       .total = upbytes,
			       .start_ms = mono_ms()};
	if (!pg.tty)
		msg_info("publish: uploading %zu of %zu files (%llu bytes), "
			 "%zu already in the store",
			 nup, p.n, upbytes, p.n - nup);
	phase = "uploading";
	for (size_t b0 = 0; b0 < nup; b0 += UPLOAD_BATCH) {
		size_t bn = nup - b0 < UPLOAD_BATCH ? nup - b0 : UPLOAD_BATCH;

		/* Each file opened beneath its root, proven the lock's from
		 * that fd, and sent from it. */
		for (nput = 0; nput < bn; nput++) {
			struct item *it = &p.v[up[b0 + nput]];

			it->fd = open_item(&roots, it, NULL, e);
			if (it->fd < 0)
				goto out;
			puts[nput] = (struct s3_req){
				.method = "PUT",
				.key = it->key,
				.fd = it->fd,
				.size = (off_t)it->size,
				.sha256 = it->sha256,
				.meta_sha256 = it->sha256,
				.content_type = webtypes_for(it->key),
				.content_encoding =
					it->enc == SIBLING_BROTLI ? "br"
					: it->enc == SIBLING_GZIP ? "gzip"
								  : NULL,
				.cache_control =
					it->fingerprinted ? cc_fp : cc_other,
			};
		}
		pg.base = b0;
		if (s3_run(c, puts, nput, on_progress, &pg, e) < 0)
			goto out;
		for (size_t i = 0; i < nput; i++)
			if (s3_check(c, &puts[i], (const long[]){200, 0}, e) <
			    0)
				goto out;
		for (size_t i = 0; i < nput; i++) {
			struct item *it = &p.v[up[b0 + i]];

			s3_req_free(&puts[i]);
			close(it->fd);
			it->fd = -1;
		}
		nput = 0;
	}

	/* The record, last: keys, provenance, then the lock that marks the
	 * release complete. */
	phase = "writing the release record";
	(void)snprintf(key, sizeof key, "%s%s.keys", records, id);
	if (put_memory(c, key, "text/plain; charset=utf-8", &keys, e) < 0)
		goto out;
	if (o->provenance_path != NULL) {
		(void)snprintf(key, sizeof key, "%s%s.provenance.json", records,
			       id);
		if (put_memory(c, key, "application/json", &prov_text, e) < 0)
			goto out;
	}
	(void)snprintf(key, sizeof key, "%s%s.lock", records, id);
	if (put_memory(c, key, "text/plain; charset=utf-8", &lock_text, e) < 0)
		goto out;
	const struct s3_stats *st = s3_stats(c);

	msg_info("publish: %zu uploaded, %zu skipped, %llu bytes in %.1fs "
		 "(%llu requests, %llu retries); release %s",
		 nup, p.n - nup, upbytes, (double)(mono_ms() - t0) / 1000.0,
		 st->requests, st->retries, id);
	phase = "pruning";
	if (o->prune && prune(c, o, prefix, records, e) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0 && c != NULL && s3_timed_out(c))
		timed_out(e, timeout_ms, phase, &pg);
	for (size_t i = 0; i < nput; i++)
		s3_req_free(&puts[i]);
	free(puts);
	free(up);
	free_ids(ids, nids);
	lock_free(&known);
	upload_plan_free(&p);
	roots_close(&roots);
	buf_free(&keys);
	buf_free(&lock_text);
	buf_free(&prov_text);
	s3_close(c);
	return rc;
}
