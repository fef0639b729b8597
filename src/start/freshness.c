/*
 * The freshness state of `cleanroom start` and `cleanroom run` (see
 * freshness.h).
 */
#include "freshness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "beneath.h"
#include "config.h"
#include "copytree.h"
#include "hex.h"
#include "io.h"
#include "lock.h"
#include "msg.h"
#include "policy.h"
#include "stamp.h"
#include "tree.h"
#include "vec.h"
#include "verify.h"

#include <nettle/sha2.h>

#define STAMP_FILE FRESHNESS_STAMP
#define CACHE_FILE JOB_STATE_DIR "/stamp-cache"
#define STAMP_MAX  (64u << 20)

/* SHA-256 of n bytes at p, in hex. */
static void sha_hex(const void *p, size_t n, char hex[65])
{
	struct sha256_ctx c;
	unsigned char sum[32];

	sha256_init(&c);
	if (n)
		sha256_update(&c, n, p);
	sha256_digest(&c, 32, sum);
	hex_encode(hex, sum, 32);
}

static int part(struct buf *b, char tag, const char *value, const char *name,
		size_t name_len)
{
	if (buf_printf(b, "%c %s ", tag, value) < 0 ||
	    buf_add(b, name, name_len) < 0 || buf_addc(b, '\0') < 0)
		return -1;
	return 0;
}

/* Whether the policy marks the variable of the "NAME=VALUE" string kv
 * secret. */
static int var_secret(const struct policy *pol, const char *kv, size_t nlen)
{
	for (size_t i = 0; i < pol->n; i++)
		if (strlen(pol->v[i].name) == nlen &&
		    memcmp(pol->v[i].name, kv, nlen) == 0)
			return pol->v[i].secret;
	return 1; /* unknown: treat as secret, leave no digest */
}

/* The parts before the listing: spec, command, variables. */
static int head_parts(const struct job *j, const struct stamp_input *in,
		      struct buf *b)
{
	struct buf cmd = {0};
	char hex[65];
	int rc = -1;

	if (in->spec)
		sha_hex(in->spec, in->spec_len, hex);
	if (part(b, 'S', in->spec ? hex : "absent", "-", 1) < 0 ||
	    buf_addc(&cmd, in->shell ? 's' : 'x') < 0)
		goto out;
	for (size_t i = 0; in->argv && in->argv[i]; i++)
		if (buf_add(&cmd, in->argv[i], strlen(in->argv[i]) + 1) < 0)
			goto out;
	sha_hex(cmd.p, cmd.len, hex);
	if (part(b, 'C', hex, "-", 1) < 0)
		goto out;
	for (size_t i = 0; in->env && in->env[i]; i++) {
		const char *kv = in->env[i], *eq = strchr(kv, '=');
		size_t nlen = eq ? (size_t)(eq - kv) : strlen(kv);

		if (var_secret(&j->pol, kv, nlen))
			strcpy(hex, "secret");
		else
			sha_hex(kv, strlen(kv), hex);
		if (part(b, 'E', hex, kv, nlen) < 0)
			goto out;
	}
	rc = 0;
out:
	buf_free(&cmd);
	return rc;
}

/* The stamp of what the build would be given now. */
int freshness_stamp(const struct job *j, char hex[65], struct buf *parts,
		    struct err *e)
{
	const struct config *cfg = &j->cfg;
	const struct spec_list *command = cfg->start_command.set
						  ? &cfg->start_command
						  : &cfg->spec.command;
	struct stamp_input in = {0};
	struct stamp_cache cache = {0};
	const char **inputs = NULL;
	char **argv = NULL, **env = NULL;
	struct stamp_stats stats;
	unsigned char sum[32];
	double t0, t1, t2;
	size_t n, head = parts ? parts->len : 0;
	int rc = -1;

	inputs = calloc(cfg->spec.inputs.n + 1, sizeof *inputs);
	argv = calloc(command->n + 1, sizeof *argv);
	if (inputs == NULL || argv == NULL) {
		err_sys(e, ENOMEM, "start");
		goto out;
	}
	for (size_t i = 0; i < cfg->spec.inputs.n; i++)
		inputs[i] = cfg->spec.inputs.v[i].s;
	for (size_t i = 0; i < command->n; i++)
		argv[i] = command->v[i].s;
	/* The spec's bytes as job_load read them: read once per start. */
	in.spec =
		cfg->spec_found ? (j->spec_text.p ? j->spec_text.p : "") : NULL;
	in.spec_len = j->spec_text.len;
	/* The environment the build sees, but for what run sets itself:
	 * TMPDIR (never in the policy's) and, with a private HOME, the
	 * caller's HOME, which the build never sees (plan.h). */
	for (n = 0; j->pol.envp[n] != NULL; n++)
		;
	env = calloc(n + 1, sizeof *env);
	if (env == NULL) {
		err_sys(e, ENOMEM, "start");
		goto out;
	}
	for (size_t i = 0, k = 0; i < n; i++)
		if (!j->plan.sb.private_home ||
		    strncmp(j->pol.envp[i], "HOME=", 5) != 0)
			env[k++] = j->pol.envp[i];
	in.env = env;
	in.argv = argv;
	in.shell = cfg->start_command.set ? cfg->start_command_shell
					  : cfg->spec.command_shell;
	in.inputs = inputs;
	in.ninputs = cfg->spec.inputs.n;
	in.listing = parts;
	/* The stamp record first (filled in below), then the head. */
	if (parts != NULL &&
	    (part(parts, 'H',
		  "0000000000000000000000000000000000000000000000"
		  "000000000000000000",
		  "-", 1) < 0 ||
	     head_parts(j, &in, parts) < 0)) {
		err_sys(e, ENOMEM, "start");
		goto out;
	}
	t0 = io_now_ms();
	if (stamp_cache_load(j->wdfd, CACHE_FILE, &cache, e) < 0)
		goto out;
	t1 = io_now_ms();
	if (stamp_compute(&in, &cache, sum, e) < 0)
		goto out;
	/* Nothing new, gone or changed, and no racy entry whose window has
	 * passed: the saved cache is still right (its older reference time
	 * only makes more entries racy), and the fresh path skips rewriting
	 * it. */
	t2 = io_now_ms();
	if (cache.dirty) {
		if (mkdir(JOB_STATE_DIR, 0755) < 0 && errno != EEXIST) {
			err_sys(e, errno, "%s", JOB_STATE_DIR);
			goto out;
		}
		if (stamp_cache_save(j->wdfd, CACHE_FILE, &cache, e) < 0)
			goto out;
	}
	stamp_cache_stats(&cache, &stats);
	msg_debug("stamp: %lu input files read, %lu unchanged by the stat "
		  "cache",
		  stats.hashed, stats.reused);
	msg_debug("stamp: %lu paths in %lu director%s: cache loaded in %.1f "
		  "ms, directories read in %.1f ms, stat and hash in %.1f ms "
		  "on %u thread%s, digest in %.1f ms, cache %s in %.1f ms",
		  stats.nodes, stats.dirs, stats.dirs == 1 ? "y" : "ies",
		  t1 - t0, stats.dirs_ms, stats.stat_ms, stats.threads,
		  stats.threads == 1 ? "" : "s", stats.digest_ms,
		  cache.dirty ? "saved" : "left as it was", io_now_ms() - t2);
	hex_encode(hex, sum, 32);
	if (parts != NULL)
		memcpy(parts->p + head + 2, hex, 64);
	rc = 0;
out:
	stamp_cache_free(&cache);
	free(inputs);
	free(argv);
	free(env);
	return rc;
}

/* The recorded stamp matches and every output it lists is there with its
 * size. */
int freshness_fresh(const char *hex)
{
	struct buf text = {0};
	int fresh = 0;

	if (io_read_file(STAMP_FILE, STAMP_MAX, &text) < 0 || text.len < 65 ||
	    memcmp(text.p, hex, 64) != 0 || text.p[64] != '\n')
		goto out;
	fresh = 1;
	/* Lines after the first: "SIZE PATH" (paths without newlines; a
	 * path with one makes the set stale, which only costs a build). */
	for (char *line = text.p + 65; *line != '\0' && fresh;) {
		char *nl = strchr(line, '\n');
		char *sp = strchr(line, ' ');
		struct stat st;

		if (nl == NULL || sp == NULL || sp > nl) {
			fresh = 0;
			break;
		}
		*nl = '\0';
		fresh = lstat(sp + 1, &st) == 0 && S_ISREG(st.st_mode) &&
			(unsigned long long)st.st_size ==
				strtoull(line, NULL, 10);
		line = nl + 1;
	}
out:
	buf_free(&text);
	return fresh;
}

/* ---- The previous verified output set, kept aside during a build ----
 *
 * `start --serve-stale` promises the previous verified set. A build tool
 * that empties its output directory (Vite's emptyOutDir, webpack's
 * output.clean) deletes it before it fails, and a build that fails
 * verification leaves files nobody verified (a bundle with a secret in
 * it, say). So before such a build the locked files and the lock are
 * copied (reflinks where possible) to .cleanroom/previous/, mirroring
 * their paths here; after a failure they are put back and every other
 * file in the output roots is removed. */

#define PREVIOUS JOB_STATE_DIR "/previous"

/* The lock's set. Every path is relative to the workdir, the current
 * directory (job.h). */
struct outset {
	char *lock_path;
	const char *const *roots; /* the job's output roots */
	size_t nroots;
	struct lock lk;
};

static void outset_free(struct outset *o)
{
	free(o->lock_path);
	lock_free(&o->lk);
}

/* Loads the lock at lock_dir/LOCK (lock_dir NULL: the lock in place).
 * *found is 0 when there is no lock. */
static int outset_load(const struct job *j, const char *lock_dir,
		       struct outset *o, int *found, struct err *e)
{
	const struct spec *s = &j->cfg.spec;
	char *p;
	int rc;

	memset(o, 0, sizeof *o);
	lock_init(&o->lk);
	*found = 0;
	o->roots = j->roots;
	o->nroots = j->nroots;
	o->lock_path = verify_lock_path(s);
	if (o->lock_path == NULL)
		return err_sys(e, ENOMEM, "start");
	if (lock_dir == NULL)
		p = strdup(o->lock_path);
	else if (asprintf(&p, "%s/%s", lock_dir, o->lock_path) < 0)
		p = NULL;
	if (p == NULL)
		return err_sys(e, ENOMEM, "start");
	rc = 0;
	if (access(p, F_OK) == 0) {
		rc = lock_load(p, &o->lk, e);
		*found = rc == 0;
	}
	free(p);
	return rc;
}

/*
 * Every path below is resolved as beneath.h does, never through a link:
 * a failed build may have put one where an output root or one of its
 * directories was, and cleanroom, as root, would otherwise copy from,
 * delete in and write to whatever it leads to. A root the spec names
 * through a link is followed only to the directory it led to before the
 * build (tree_pin).
 */

/* The directory holding the output file p (from here) and its leaf. */
static int out_parent(const struct outset *o, const struct tree_pin *pins,
		      const char *p, int create, const char **leaf,
		      struct err *e)
{
	int fd = tree_out_parent(o->roots, o->nroots, pins, p, create, leaf);

	if (fd < 0)
		err_sys(e, errno, "%s", p);
	return fd;
}

/* The directory holding PREVIOUS/p and its leaf; *path is that path. */
static int kept_parent(const char *p, int create, char **path,
		       const char **leaf, struct err *e)
{
	int fd;

	if (asprintf(path, "%s/%s", PREVIOUS, p) < 0) {
		*path = NULL;
		return err_sys(e, ENOMEM, "start");
	}
	fd = beneath_parent(AT_FDCWD, *path, create, leaf);
	if (fd < 0)
		err_sys(e, errno, "%s", *path);
	return fd;
}

/* Copies the output file p (from here) to PREVIOUS/p. */
static int keep_copy(const struct outset *o, const struct tree_pin *pins,
		     const char *p, struct err *e)
{
	const char *leaf = "", *kleaf = "";
	char *kept = NULL;
	int from, to = -1, rc = -1;

	from = out_parent(o, pins, p, 0, &leaf, e);
	if (from < 0)
		return -1;
	to = kept_parent(p, 1, &kept, &kleaf, e);
	if (to >= 0)
		rc = copytree_file_at(from, leaf, to, kleaf, p, e);
	if (to >= 0)
		(void)close(to);
	(void)close(from);
	free(kept);
	return rc;
}

void freshness_stash_init(struct freshness_stash *st)
{
	memset(st, 0, sizeof *st);
}

int freshness_stash(const struct job *j, struct freshness_stash *st,
		    struct err *e)
{
	struct outset o;
	int found, rc = -1;

	st->kept = 0;
	if (io_remove_tree(PREVIOUS) < 0)
		return err_sys(e, errno, "%s", PREVIOUS);
	if (outset_load(j, NULL, &o, &found, e) < 0)
		goto out;
	/* Where each root leads now, before the build. */
	free(st->pins);
	st->pins = calloc(o.nroots + 1, sizeof *st->pins);
	if (st->pins == NULL) {
		err_sys(e, ENOMEM, "start");
		goto out;
	}
	st->nroots = o.nroots;
	tree_pin_roots(o.roots, o.nroots, st->pins);
	/* A set with a file missing is no longer the verified set: there
	 * is nothing whole to keep. */
	for (size_t i = 0; found && i < o.lk.n; i++) {
		const char *p = o.lk.v[i].path, *leaf;
		struct stat sb;
		struct err ignored = {0};
		int dfd;

		dfd = out_parent(&o, st->pins, p, 0, &leaf, &ignored);
		if (dfd < 0 ||
		    fstatat(dfd, leaf, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(sb.st_mode))
			found = 0;
		if (dfd >= 0)
			(void)close(dfd);
	}
	for (size_t i = 0; found && i < o.lk.n; i++) {
		rc = keep_copy(&o, st->pins, o.lk.v[i].path, e);
		if (rc < 0)
			goto out;
		rc = -1;
	}
	if (found && keep_copy(&o, st->pins, o.lock_path, e) < 0)
		goto out;
	st->kept = found;
	rc = 0;
out:
	outset_free(&o);
	if (rc < 0)
		(void)io_remove_tree(PREVIOUS);
	return rc;
}

static int by_path(const void *key, const void *ent)
{
	return strcmp(key, ((const struct lock_entry *)ent)->path);
}

/* Removes every file below the directory open at fd (dir names it, from
 * here) that the set does not list, but the lock; counts them in
 * *removed. Directories are opened with O_NOFOLLOW from their parent's
 * fd: a link is removed as an entry, never followed. Closes fd. */
static int remove_unlisted(const struct outset *o, int fd, const char *dir,
			   size_t *removed, struct err *e)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	int rc = 0;

	if (d == NULL) {
		(void)close(fd);
		return err_sys(e, errno, "%s", dir);
	}
	while (rc == 0 && (errno = 0, de = readdir(d)) != NULL) {
		char *p = NULL;
		struct stat st;
		int sub;

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (asprintf(&p, "%s/%s", dir, de->d_name) < 0) {
			rc = err_sys(e, ENOMEM, "start");
			break;
		}
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			rc = err_sys(e, errno, "%s", p);
		else if (S_ISDIR(st.st_mode)) {
			sub = openat(fd, de->d_name,
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					     O_CLOEXEC);
			rc = sub < 0 ? err_sys(e, errno, "%s", p)
				     : remove_unlisted(o, sub, p, removed, e);
		} else if (strcmp(p, o->lock_path) != 0 &&
			   bsearch(p, o->lk.v, o->lk.n, sizeof *o->lk.v,
				   by_path) == NULL) {
			if (unlinkat(fd, de->d_name, 0) < 0)
				rc = err_sys(e, errno, "removing %s", p);
			else
				(*removed)++;
		}
		free(p);
	}
	if (rc == 0 && errno != 0)
		rc = err_sys(e, errno, "%s", dir);
	(void)closedir(d);
	return rc;
}

/* The output root r (from here) as a real directory again: a link or
 * file the failed build left in its place is removed (never followed),
 * a missing one is made. A pinned link must still lead where it did. */
static int open_root_for_restore(const char *r, const struct tree_pin *pin,
				 size_t *removed, struct err *e)
{
	const char *leaf;
	struct stat st;
	int fd, parent;

	if (pin->link) {
		fd = tree_open_root(r, pin);
		if (fd < 0)
			err_sys(e, errno, "output root %s", r);
		return fd;
	}
	fd = beneath_open(AT_FDCWD, r, O_RDONLY | O_DIRECTORY, 0);
	if (fd >= 0 || (errno != ELOOP && errno != ENOTDIR && errno != ENOENT))
		return fd >= 0 ? fd : err_sys(e, errno, "output root %s", r);
	parent = beneath_parent(AT_FDCWD, r, 1, &leaf);
	if (parent < 0)
		return err_sys(e, errno, "output root %s", r);
	if (fstatat(parent, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISDIR(st.st_mode)) {
		if (unlinkat(parent, leaf, 0) < 0) {
			err_sys(e, errno, "removing %s", r);
			(void)close(parent);
			return -1;
		}
		(*removed)++;
	}
	if (mkdirat(parent, leaf, 0755) < 0 && errno != EEXIST) {
		err_sys(e, errno, "creating %s", r);
		(void)close(parent);
		return -1;
	}
	fd = openat(parent, leaf,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		err_sys(e, errno, "output root %s", r);
	(void)close(parent);
	return fd;
}

/* Moves PREVIOUS/p back to p. */
static int put_back(const struct outset *o, const struct tree_pin *pins,
		    const char *p, struct err *e)
{
	const char *leaf = "", *kleaf = "";
	char *kept = NULL;
	int to, from, rc = -1;

	to = out_parent(o, pins, p, 1, &leaf, e);
	if (to < 0)
		return -1;
	from = kept_parent(p, 0, &kept, &kleaf, e);
	if (from >= 0) {
		rc = renameat(from, kleaf, to, leaf);
		if (rc < 0)
			err_sys(e, errno, "restoring %s", p);
		(void)close(from);
	}
	(void)close(to);
	free(kept);
	return rc;
}

int freshness_restore(const struct job *j, const struct freshness_stash *st,
		      size_t *removed, size_t *restored, struct err *e)
{
	struct outset o;
	int found, rc = -1;

	*removed = *restored = 0;
	if (outset_load(j, PREVIOUS, &o, &found, e) < 0)
		goto out;
	if (!found || st->pins == NULL || st->nroots != o.nroots) {
		err_set(e, ERR_CHILD, NULL, 0, 0,
			"no previous verified output set was kept");
		goto out;
	}
	/* Relative output roots only: an absolute one is outside the tree,
	 * and its files are put back below but nothing else is touched. */
	for (size_t i = 0; i < o.nroots; i++) {
		const char *r = o.roots[i];
		int fd;

		if (r[0] == '/')
			continue;
		fd = open_root_for_restore(r, &st->pins[i], removed, e);
		if (fd < 0 || remove_unlisted(&o, fd, r, removed, e) < 0)
			goto out;
	}
	for (size_t i = 0; i < o.lk.n; i++) {
		rc = put_back(&o, st->pins, o.lk.v[i].path, e);
		if (rc < 0)
			goto out;
		(*restored)++;
		rc = -1;
	}
	if (put_back(&o, st->pins, o.lock_path, e) < 0)
		goto out;
	rc = 0;
out:
	outset_free(&o);
	(void)io_remove_tree(PREVIOUS);
	return rc;
}

void freshness_drop_stash(struct freshness_stash *st)
{
	(void)io_remove_tree(PREVIOUS);
	free(st->pins);
	memset(st, 0, sizeof *st);
}

int freshness_record(const struct job *j, const char *hex,
		     const struct buf *parts, struct err *e)
{
	struct outset o;
	struct buf text = {0};
	int found, rc = -1;

	if (outset_load(j, NULL, &o, &found, e) < 0)
		goto out;
	if (!found) {
		err_set(e, ERR_SYSTEM, NULL, 0, 0, "%s: no lock to record",
			o.lock_path);
		goto out;
	}
	if (buf_printf(&text, "%s\n", hex) < 0)
		goto oom;
	/* "SIZE PATH" per locked file, PATH from the workdir (a path with a
	 * newline is left out: it only makes the next start build). */
	for (size_t i = 0; i < o.lk.n; i++) {
		const char *p = o.lk.v[i].path;
		struct stat st;

		if (strchr(p, '\n') == NULL && lstat(p, &st) == 0 &&
		    buf_printf(&text, "%llu %s\n",
			       (unsigned long long)st.st_size, p) < 0)
			goto oom;
	}
	if (mkdir(JOB_STATE_DIR, 0755) < 0 && errno != EEXIST) {
		err_sys(e, errno, "%s", JOB_STATE_DIR);
		goto out;
	}
	/* The parts first: tied to hex by their first record, they explain
	 * only the stamp they came with. */
	if (parts != NULL && parts->len > 66 &&
	    memcmp(parts->p + 2, hex, 64) == 0 &&
	    beneath_write_file(AT_FDCWD, FRESHNESS_PARTS, parts->p,
			       parts->len) < 0) {
		err_sys(e, errno, "%s", FRESHNESS_PARTS);
		goto out;
	}
	if (beneath_write_file(AT_FDCWD, STAMP_FILE, text.p, text.len) < 0) {
		err_sys(e, errno, "%s", STAMP_FILE);
		goto out;
	}
	rc = 0;
	goto out;
oom:
	err_sys(e, ENOMEM, "start");
out:
	buf_free(&text);
	outset_free(&o);
	return rc;
}

/* ---- Why a stamp is stale (`start -v`) ---- */

struct rec {
	char tag;
	const char *value; /* NUL-terminated, inside the parts */
	size_t vlen;
	const char *name;
	size_t nlen;
};

struct recs {
	struct rec *v;
	size_t n, cap;
	const struct rec **by; /* recs_index */
};

/* Splits parts (p, len) into records; malformed ones are skipped. */
static int recs_parse(const char *p, size_t len, struct recs *r)
{
	const char *end = p + len;

	while (p < end) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		const char *sp;
		struct rec x;

		if (z == NULL)
			break;
		sp = z - p > 2 ? memchr(p + 2, ' ', (size_t)(z - p - 2)) : NULL;
		if (sp != NULL && p[1] == ' ') {
			x.tag = p[0];
			x.value = p + 2;
			x.vlen = (size_t)(sp - x.value);
			x.name = sp + 1;
			x.nlen = (size_t)(z - x.name);
			if (vec_grow((void **)&r->v, &r->cap, r->n + 1,
				     sizeof *r->v) < 0)
				return -1;
			r->v[r->n++] = x;
		}
		p = z + 1;
	}
	return 0;
}

static int is_input(char tag)
{
	return strchr("FDLMO", tag) != NULL;
}

/* The kind a record is looked up by: every input tag is one kind (a file
 * that became a link is the same path), others their own tag. */
static char rec_kind(const struct rec *x)
{
	if (is_input(x->tag))
		return 'I';
	return x->tag;
}

static int rec_cmp(const void *a, const void *b)
{
	const struct rec *x = *(const struct rec *const *)a;
	const struct rec *y = *(const struct rec *const *)b;
	size_t n = x->nlen < y->nlen ? x->nlen : y->nlen;
	int c;

	if (rec_kind(x) != rec_kind(y))
		return rec_kind(x) < rec_kind(y) ? -1 : 1;
	c = memcmp(x->name, y->name, n);
	if (c != 0)
		return c;
	return x->nlen < y->nlen ? -1 : x->nlen > y->nlen;
}

/* r's records sorted by kind and name into r->by (for rec_find). */
static int recs_index(struct recs *r)
{
	r->by = malloc((r->n ? r->n : 1) * sizeof *r->by);
	if (r->by == NULL)
		return -1;
	for (size_t i = 0; i < r->n; i++)
		r->by[i] = &r->v[i];
	qsort(r->by, r->n, sizeof *r->by, rec_cmp);
	return 0;
}

/* The record of r of x's kind and name, or NULL. */
static const struct rec *rec_find(const struct recs *r, const struct rec *x)
{
	const struct rec *const *hit =
		bsearch(&x, r->by, r->n, sizeof *r->by, rec_cmp);

	return hit != NULL ? *hit : NULL;
}

static int same_value(const struct rec *a, const struct rec *b)
{
	return a->tag == b->tag && a->vlen == b->vlen &&
	       memcmp(a->value, b->value, a->vlen) == 0;
}

static const char *kind_name(char tag)
{
	switch (tag) {
	case 'F': return "file";
	case 'D': return "directory";
	case 'L': return "symlink";
	case 'M': return "missing";
	default: return "special file";
	}
}

/* How input record o (recorded) became n (now). */
static const char *input_change(const struct rec *o, const struct rec *n)
{
	if (o->tag != n->tag)
		return o->tag == 'M'   ? "created"
		       : n->tag == 'M' ? "deleted"
				       : "changed kind";
	if (n->tag == 'F') {
		const char *oc = memchr(o->value, ':', o->vlen);
		const char *nc = memchr(n->value, ':', n->vlen);

		if (oc && nc && oc - o->value == nc - n->value &&
		    memcmp(o->value, n->value, (size_t)(oc - o->value)) == 0)
			return "mode changed";
		return "content changed";
	}
	if (n->tag == 'L')
		return "link target changed";
	return "mode changed";
}

/* Why the outputs recorded with the stamp no longer hold. */
static int outputs_why(struct buf *why)
{
	struct buf text = {0};
	int rc = 0;

	if (io_read_file(STAMP_FILE, STAMP_MAX, &text) < 0 || text.len < 65)
		goto out;
	for (char *line = text.p + 65; *line != '\0';) {
		char *nl = strchr(line, '\n');
		char *sp = strchr(line, ' ');
		unsigned long long size;
		struct stat st;

		if (nl == NULL || sp == NULL || sp > nl)
			break;
		*nl = '\0';
		size = strtoull(line, NULL, 10);
		if (lstat(sp + 1, &st) < 0 || !S_ISREG(st.st_mode)) {
			rc = buf_printf(why, "output %s is missing", sp + 1);
			goto out;
		}
		if ((unsigned long long)st.st_size != size) {
			rc = buf_printf(why,
					"output %s changed size (%llu bytes, "
					"recorded %llu)",
					sp + 1, (unsigned long long)st.st_size,
					size);
			goto out;
		}
		line = nl + 1;
	}
	rc = buf_adds(why, "an output changed");
out:
	buf_free(&text);
	return rc < 0 ? -1 : 0;
}

/* Appends "NAME" (len bytes) to a comma-separated list in b. */
static int list_add(struct buf *b, const char *name, size_t len)
{
	if (b->len > 0 && buf_adds(b, ", ") < 0)
		return -1;
	return buf_add(b, name, len);
}

int freshness_explain(const char *hex, const struct buf *parts, struct buf *why)
{
	struct buf stamp = {0}, old = {0}, vars = {0}, secrets = {0};
	struct recs o = {0}, n = {0};
	const struct rec *first = NULL, *firsto = NULL;
	size_t ndiff = 0;
	int rc = -1;

	if (io_read_file(STAMP_FILE, STAMP_MAX, &stamp) < 0 || stamp.len < 65) {
		rc = buf_adds(why, "no build recorded yet");
		goto out;
	}
	if (memcmp(stamp.p, hex, 64) == 0) {
		rc = outputs_why(why);
		goto out;
	}
	if (parts == NULL ||
	    io_read_file(FRESHNESS_PARTS, STAMP_MAX, &old) < 0 ||
	    old.len < 66 || memcmp(old.p + 2, stamp.p, 64) != 0) {
		rc = buf_adds(why, "the stamp changed (the last build recorded "
				   "no parts to compare: rebuilt now, the next "
				   "start says what changed)");
		goto out;
	}
	if (recs_parse(old.p, old.len, &o) < 0 ||
	    recs_parse(parts->p, parts->len, &n) < 0 || recs_index(&o) < 0 ||
	    recs_index(&n) < 0)
		goto out;
	{
		const struct rec so = {.tag = 'S', .name = "-", .nlen = 1},
				 co = {.tag = 'C', .name = "-", .nlen = 1};
		const struct rec *a = rec_find(&o, &so), *b = rec_find(&n, &so);

		if (a && b && !same_value(a, b)) {
			rc = buf_adds(why, "the spec changed");
			goto out;
		}
		a = rec_find(&o, &co);
		b = rec_find(&n, &co);
		if (a && b && !same_value(a, b)) {
			rc = buf_adds(why, "the build command changed");
			goto out;
		}
	}
	/* Variables: added, removed, changed; a secret's value is unknown. */
	for (size_t i = 0; i < n.n; i++) {
		const struct rec *x = &n.v[i], *y;

		if (x->tag != 'E')
			continue;
		y = rec_find(&o, x);
		if (y == NULL || (!same_value(x, y) &&
				  !(x->vlen == 6 && y->vlen == 6 &&
				    memcmp(x->value, "secret", 6) == 0))) {
			if (list_add(&vars, x->name, x->nlen) < 0 ||
			    buf_adds(&vars, y == NULL ? " (new)" : "") < 0)
				goto out;
		} else if (memcmp(x->value, "secret", 6) == 0 &&
			   list_add(&secrets, x->name, x->nlen) < 0) {
			goto out;
		}
	}
	for (size_t i = 0; i < o.n; i++)
		if (o.v[i].tag == 'E' && rec_find(&n, &o.v[i]) == NULL &&
		    (list_add(&vars, o.v[i].name, o.v[i].nlen) < 0 ||
		     buf_adds(&vars, " (gone)") < 0))
			goto out;
	if (vars.len > 0) {
		rc = buf_printf(why, "the build's environment changed: %s",
				vars.p);
		goto out;
	}
	/* Inputs: the first path, in walk order, that is new or differs;
	 * else the first that is gone. */
	for (size_t i = 0; i < n.n; i++) {
		const struct rec *x = &n.v[i], *y;

		if (!is_input(x->tag))
			continue;
		y = rec_find(&o, x);
		if (y == NULL || !same_value(x, y)) {
			if (first == NULL) {
				first = x;
				firsto = y;
			}
			ndiff++;
		}
	}
	for (size_t i = 0; i < o.n; i++) {
		const struct rec *x = &o.v[i];

		if (is_input(x->tag) && rec_find(&n, x) == NULL) {
			if (first == NULL) {
				if (buf_adds(why, "input ") < 0 ||
				    buf_add(why, x->name, x->nlen) < 0 ||
				    buf_adds(why, " was deleted") < 0)
					goto out;
				first = firsto = x;
			}
			ndiff++;
		}
	}
	if (first != NULL) {
		if (firsto != first &&
		    (buf_adds(why, "input ") < 0 ||
		     buf_add(why, first->name, first->nlen) < 0 ||
		     buf_printf(why, firsto ? " (%s): %s" : " (%s): new",
				kind_name(first->tag),
				firsto ? input_change(firsto, first) : "") < 0))
			goto out;
		if (ndiff > 1 &&
		    buf_printf(why, "; %zu input paths differ in all", ndiff) <
			    0)
			goto out;
		rc = 0;
		goto out;
	}
	if (secrets.len > 0)
		rc = buf_printf(why,
				"the value of a secret variable changed (one "
				"of %s; secrets leave no digest to compare)",
				secrets.p);
	else
		rc = buf_adds(why, "the stamp changed, but no part of it did "
				   "(a new cleanroom version?)");
out:
	buf_free(&stamp);
	buf_free(&old);
	buf_free(&vars);
	buf_free(&secrets);
	free(o.v);
	free(n.v);
	free(o.by);
	free(n.by);
	return rc < 0 ? -1 : 0;
}

int freshness_considered(const struct buf *parts, struct buf *out)
{
	struct recs r = {0};
	size_t nvars = 0;
	int rc = -1;

	if (parts == NULL || recs_parse(parts->p, parts->len, &r) < 0)
		goto out;
	for (size_t i = 0; i < r.n; i++)
		nvars += r.v[i].tag == 'E';
	if (buf_printf(out, "the spec, the command, %zu variable%s", nvars,
		       nvars == 1 ? "" : "s") < 0)
		goto out;
	for (size_t i = 0; i < r.n; i++) {
		unsigned long files = 0, dirs = 0, links = 0, other = 0;
		size_t k = i + 1;

		if (r.v[i].tag != 'P')
			continue;
		if (buf_adds(out, "; ") < 0 ||
		    buf_add(out, r.v[i].name, r.v[i].nlen) < 0)
			goto out;
		if (k < r.n && r.v[k].tag == 'M') {
			if (buf_adds(out, " (missing)") < 0)
				goto out;
			continue;
		}
		for (; k < r.n && r.v[k].tag != 'P'; k++)
			switch (r.v[k].tag) {
			case 'F': files++; break;
			case 'D': dirs++; break;
			case 'L': links++; break;
			default: other++; break;
			}
		if (buf_printf(out, " (%lu file%s", files,
			       files == 1 ? "" : "s") < 0 ||
		    (dirs && buf_printf(out, ", %lu director%s", dirs,
					dirs == 1 ? "y" : "ies") < 0) ||
		    (links && buf_printf(out, ", %lu link%s", links,
					 links == 1 ? "" : "s") < 0) ||
		    (other && buf_printf(out, ", %lu other", other) < 0) ||
		    buf_addc(out, ')') < 0)
			goto out;
	}
	rc = 0;
out:
	free(r.v);
	return rc;
}
