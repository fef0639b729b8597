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

#include "cabundle.h"
#include "hex.h"
#include "io.h"
#include "lock.h"
#include "manifest_types.h"
#include "msg.h"
#include "s3.h"
#include "sigv4.h"
#include "vec.h"
#include "webtypes.h"

#define CACHE_IMMUTABLE "public, max-age=31536000, immutable"
#define CACHE_SHORT	"public, max-age=300"
#define RECORDS_DIR	".cleanroom/releases/"

struct item {
	const char *path; /* relative to the cwd (the tree's) */
	char *key;
	uint64_t size;
	char sha256[65];
	int fingerprinted;
	int upload;	 /* decided by the plan */
	const char *why; /* why it is uploaded or skipped */
	int fd;
};

struct upload_plan {
	struct item *v;
	size_t n, cap;
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

/* The items: every locked file, keyed PREFIX + its path in its root,
 * fingerprinted when a manifest names it as an entry (or as a companion
 * of one: X.gz, X.map of a hashed X). */
static int build_items(const struct publish_opts *o, const char *prefix,
		       struct upload_plan *p, struct err *e)
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

/* The MD5 of a file, in hex: a single-part upload's ETag. */
static int file_md5(const char *path, char hex[33])
{
	struct md5_ctx ctx;
	unsigned char d[MD5_DIGEST_SIZE], b[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return -1;
	md5_init(&ctx);
	while ((n = read(fd, b, sizeof b)) > 0)
		md5_update(&ctx, (size_t)n, b);
	close(fd);
	if (n < 0)
		return -1;
	md5_digest(&ctx, sizeof d, d);
	hex_encode(hex, d, sizeof d);
	return 0;
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
	size_t files;
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

	pg->files = done;
	pg->bytes += (unsigned long long)(r->fd >= 0 ? r->size : 0);
	if (!pg->tty || msg_level() < MSG_NORMAL)
		return;
	double s = (double)(mono_ms() - pg->start_ms) / 1000.0;

	(void)fprintf(
		stderr, "\rpublish: %zu/%zu files, %.1f/%.1f MB, %.1f MB/s  ",
		done, total, (double)pg->bytes / 1e6, (double)pg->total / 1e6,
		s > 0 ? (double)pg->bytes / 1e6 / s : 0.0);
	if (done == total)
		(void)fputc('\n', stderr);
}

/* Decides what to upload. With a last release record, its keys say what
 * is in the store; what it does not list is asked with HEAD. Without
 * one, one listing of the prefix (a single-part ETag is the MD5 of the
 * bytes; another ETag is settled by HEAD and x-amz-meta-sha256). */
static int plan_uploads(struct s3_client *c, const char *prefix,
			const struct lock *known, int have_known,
			struct upload_plan *p, struct err *e)
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
			    (int64_t)l.v[j].size == (int64_t)it->size &&
			    file_md5(it->path, md5) == 0) {
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

int publish_run(const struct publish_opts *o, struct err *e)
{
	const struct spec *s = o->spec;
	char bucket[64], prefix[1024], records[1200], cafile[4096];
	const char *cafrom = NULL;
	struct s3_config cfg = {0};
	struct s3_client *c = NULL;
	struct upload_plan p = {0};
	struct lock known;
	int have_known = 0;
	char **ids = NULL;
	size_t nids = 0;
	struct s3_req *puts = NULL;
	size_t nput = 0;
	unsigned long long upbytes = 0;
	struct buf keys = {0}, lock_text = {0}, prov_text = {0};
	long long t0 = mono_ms();
	int rc = -1;

	lock_init(&known);
	if (publish_parse_to(s->publish.to.s, bucket, sizeof bucket, prefix,
			     sizeof prefix, e) < 0)
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
	if (build_items(o, prefix, &p, e) < 0)
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

		/* The same lock as the last release: it is all there. */
		if (!o->prune && ll > 12 &&
		    strncmp(last + ll - 12, lsha, 12) == 0) {
			msg_info("publish: release %s is this lock: nothing to "
				 "upload",
				 last);
			rc = 0;
			goto out;
		}
	}
	if (nids > 0) {
		char key[2048];
		struct buf text = {0};

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
	if (plan_uploads(c, prefix, &known, have_known, &p, e) < 0)
		goto out;

	puts = calloc(p.n + 1, sizeof *puts);
	if (puts == NULL) {
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
			char rest[160];

			(void)snprintf(rest, sizeof rest,
				       " (%" PRIu64 " bytes, %s%s)", it->size,
				       it->why ? it->why : "",
				       it->fingerprinted ? ", immutable" : "");
			plan_line(it->upload ? "upload" : "skip  ", it->key,
				  rest);
			continue;
		}
		if (!it->upload)
			continue;
		it->fd = open(it->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (it->fd < 0) {
			err_sys(e, errno, "%s", it->path);
			goto out;
		}
		puts[nput++] = (struct s3_req){
			.method = "PUT",
			.key = it->key,
			.fd = it->fd,
			.size = (off_t)it->size,
			.sha256 = it->sha256,
			.meta_sha256 = it->sha256,
			.content_type = webtypes_for(it->key),
			.cache_control = it->fingerprinted ? cc_fp : cc_other,
		};
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
		if (o->prune && prune(c, o, prefix, records, e) < 0)
			goto out;
		rc = 0;
		goto out;
	}
	struct progress pg = {.tty = isatty(STDERR_FILENO),
			      .total = upbytes,
			      .start_ms = mono_ms()};

	if (!pg.tty)
		msg_info("publish: uploading %zu of %zu files (%llu bytes), "
			 "%zu already in the store",
			 nput, p.n, upbytes, p.n - nput);
	if (nput > 0 && s3_run(c, puts, nput, on_progress, &pg, e) < 0)
		goto out;
	for (size_t i = 0; i < nput; i++)
		if (s3_check(c, &puts[i], (const long[]){200, 0}, e) < 0)
			goto out;

	/* The record, last: keys, provenance, then the lock that marks the
	 * release complete. */
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
		 nput, p.n - nput, upbytes, (double)(mono_ms() - t0) / 1000.0,
		 st->requests, st->retries, id);
	if (o->prune && prune(c, o, prefix, records, e) < 0)
		goto out;
	rc = 0;
out:
	for (size_t i = 0; i < nput; i++)
		s3_req_free(&puts[i]);
	free(puts);
	free_ids(ids, nids);
	lock_free(&known);
	upload_plan_free(&p);
	buf_free(&keys);
	buf_free(&lock_text);
	buf_free(&prov_text);
	s3_close(c);
	return rc;
}
