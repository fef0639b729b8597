/*
 * The checks of DESIGN.md "Verification", in order, over one pass of the
 * output tree. Each check adds findings; none stops the others, so one run
 * reports everything that is wrong. The pass is bounded before it reads a
 * byte: the walk stops past max_files entries, and a set whose apparent
 * size is over max_bytes is refused from the walk's sizes; the whole
 * verification has a deadline (exit 124). A long one shows how far it is.
 */
#include "verify.h"

#include "globs.h"
#include "io.h"
#include "leftover.h"
#include "msg.h"
#include "vec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LOCK_NAME "cleanroom.lock"

/*
 * Always forbidden in an output set, whatever the case of the name (a
 * web server on a case-insensitive file system, or a CDN, serves
 * `.ENV` for `.env`): env files, PEM and DER key material, OpenSSH
 * private keys (their .pub halves are public), PKCS#12 bundles, and the
 * files where tools keep credentials in clear (netrc, pgpass, git's
 * credential store, npm's auth token).
 */
static const char *const always_forbidden[] = {
	/* env files */
	".env*",
	/* PEM, DER and PKCS#12 key material */
	"*.pem",
	"*.key",
	"*.p12",
	"*.pfx",
	/* OpenSSH private keys */
	"id_rsa",
	"id_dsa",
	"id_ecdsa",
	"id_ed25519",
	"id_ecdsa_sk",
	"id_ed25519_sk",
	/* credentials kept in clear */
	".netrc",
	".pgpass",
	".git-credentials",
	".npmrc",
	NULL,
};

/* A walk past this many entries stops, unless outputs.max_files says
 * otherwise: ten times the largest asset sets seen (a Rails app with
 * every locale and image of a large gem), far from what the walk's
 * memory (about 150 bytes a file) makes a problem. */
#define DEFAULT_MAX_FILES 1000000
/* Verification stops after this long, unless outputs.verify_timeout
 * says otherwise: about 100 GB at the speed of one slow disk. */
#define DEFAULT_VERIFY_TIMEOUT_MS ((int64_t)10 * 60 * 1000)
/* A verification shorter than this shows nothing of its progress. */
#define PROGRESS_AFTER_MS 1000
/* Without a terminal, a progress line at most this often. */
#define PROGRESS_LINE_MS 30000

static int nomem(struct err *e)
{
	return err_sys(e, ENOMEM, "verifying the outputs");
}

char *verify_lock_path(const struct spec *spec)
{
	char *p = NULL;

	if (spec->outputs.lock.s != NULL)
		return strdup(spec->outputs.lock.s);
	if (spec->outputs.roots.n == 0)
		return strdup(LOCK_NAME);
	if (asprintf(&p, "%s/%s", spec->outputs.roots.v[0].s, LOCK_NAME) < 0)
		return NULL;
	return p;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* A file's path below its root and its base name, with their lengths:
 * worked out once per file, then matched against every glob. */
struct fname {
	const char *rel, *base;
	size_t rl, bl;
};

static struct fname fname_of(const struct tree_file *f)
{
	struct fname n = {f->rel, base_name(f->rel), strlen(f->rel), 0};

	n.bl = n.rl - (size_t)(n.base - n.rel);
	return n;
}

/* A glob matches a file when it matches its path relative to the root or
 * its base name: `application-*.css` finds assets in subdirectories. */
static int glob_matches(const struct globs_pat *p, const struct fname *n)
{
	return globs_match_pat(p, n->base, n->bl) ||
	       (!p->base_only && n->base != n->rel &&
		globs_match_pat(p, n->rel, n->rl));
}

/* What is wrong with a mode, or NULL: no output may be setuid, setgid or
 * world-writable (a later chmod is caught by the next verify). */
static const char *bad_mode(uint32_t mode)
{
	int su = (mode & S_ISUID) != 0, sg = (mode & S_ISGID) != 0;
	int ww = (mode & S_IWOTH) != 0;

	if (su && sg && ww)
		return "setuid, setgid and world-writable";
	if (su && sg)
		return "setuid and setgid";
	if (su && ww)
		return "setuid and world-writable";
	if (sg && ww)
		return "setgid and world-writable";
	return su ? "setuid" : sg ? "setgid" : ww ? "world-writable" : NULL;
}

static int same_path(const char *a, const char *b);

/* The mode rule over the directories and files of t, as findings of
 * check: "rule" ends the message ("no output may be ..."). roots: the
 * roots of t, whose own directories are skipped, or NULL: every
 * directory is checked. */
static int mode_findings(struct findings *fs, const struct tree *t,
			 const char *check, const char *rule,
			 const char *const *roots)
{
	int rc = 0;

	for (size_t i = 0; i < t->ndirs; i++) {
		const char *why = bad_mode(t->dirs[i].mode);

		if (why != NULL && roots != NULL &&
		    same_path(t->dirs[i].path, roots[t->dirs[i].root]))
			why = NULL;
		if (why != NULL)
			rc |= findings_add(fs, FIND_ERROR, check,
					   t->dirs[i].path,
					   "directory is %s (mode %04o): %s",
					   why, t->dirs[i].mode & 07777, rule);
	}
	/* A name that shares its inode with one listed before is the same
	 * file: said once. Links are checked through the file they lead
	 * to. */
	for (size_t i = 0; i < t->nfiles; i++) {
		const struct tree_file *f = &t->files[i];
		const char *why = S_ISREG(f->mode) && f->alias == 0
					  ? bad_mode(f->mode)
					  : NULL;

		if (why != NULL)
			rc |= findings_add(fs, FIND_ERROR, check, f->path,
					   "file is %s (mode %04o): %s", why,
					   f->mode & 07777, rule);
	}
	return rc;
}

static int check_modes(struct verify_result *r, const char *const *roots)
{
	const struct tree *t = &r->tree;
	int rc = mode_findings(&r->findings, t, "outputs",
			       "no output may be setuid, setgid or "
			       "world-writable",
			       NULL);

	for (size_t i = 0; i < t->nlinks; i++) {
		const struct tree_link *l = &t->links[i];
		const char *root = roots[l->root];
		int dot = strcmp(root, ".") == 0;

		rc |= findings_add(
			&r->findings, FIND_INFO, "outputs", l->path,
			"a link to the directory %s%s%s, whose files "
			"are verified there",
			dot && l->target[0] ? "" : root,
			!dot && l->target[0] ? "/" : "", l->target);
	}
	return rc;
}

static int check_outputs(const struct verify_opts *o, struct verify_result *r,
			 const char *const *roots)
{
	const struct spec *s = o->spec;
	struct findings *f = &r->findings;
	const struct tree *t = &r->tree;
	/* A walk cut short saw part of the set: what it did not see can be
	 * neither required nor counted. */
	int64_t max = verify_max_files(s);
	int whole = t->stopped != TREE_STOP_FILES && (int64_t)t->entries <= max;
	int rc = 0;

	for (size_t i = 0; i < t->nfindings; i++) {
		const struct tree_finding *tf = &t->findings[i];
		const char *what = tf->kind == TREE_SYMLINK_OUTSIDE
					   ? "symlink pointing outside the "
					     "output root"
				   : tf->kind == TREE_UNREADABLE ? "unreadable"
				   : tf->kind == TREE_SPECIAL
					   ? "not a regular file or directory"
				   : tf->kind == TREE_ROOT_MISSING
					   ? "output root does not exist"
				   : tf->kind == TREE_ROOT_LINK
					   ? "output root is not the real "
					     "directory it was, not walked"
					   : "output root is not a directory";

		rc |= findings_add(f, FIND_ERROR, "outputs", tf->path, "%s%s%s",
				   what, tf->detail ? ": " : "",
				   tf->detail ? tf->detail : "");
	}
	if (!whole)
		rc |= findings_add(f, FIND_ERROR, "outputs", NULL,
				   "more than max_files %lld files, "
				   "directories and links: the walk stopped "
				   "there and nothing was read",
				   (long long)max);
	if (t->stopped == TREE_STOP_ADMIT)
		rc |= findings_add(f, FIND_ERROR, "outputs", NULL,
				   "%llu bytes of outputs (apparent sizes), "
				   "more than max_bytes %lld: nothing was read",
				   (unsigned long long)t->walk_bytes,
				   (long long)s->outputs.max_bytes);
	for (size_t g = 0; g < s->outputs.require.n && whole; g++) {
		const char *glob = s->outputs.require.v[g].s;
		struct globs_pat gp;
		size_t hits = 0;

		globs_compile(&gp, glob, 0);
		for (size_t i = 0; i < t->nfiles && hits == 0; i++) {
			struct fname n = fname_of(&t->files[i]);

			hits += glob_matches(&gp, &n);
		}
		if (hits == 0)
			rc |= findings_add(f, FIND_ERROR, "outputs", NULL,
					   "no output matches required '%s'",
					   glob);
	}
	/* The built-in globs, the spec's, and *.map, compiled once. */
	size_t nalways = sizeof always_forbidden / sizeof *always_forbidden - 1;
	size_t nforbid = s->outputs.forbid.n;
	struct globs_pat *pats = calloc(nalways + nforbid + 1, sizeof *pats);

	if (pats == NULL)
		return -1;
	for (size_t k = 0; k < nalways; k++)
		globs_compile(&pats[k], always_forbidden[k], FNM_CASEFOLD);
	for (size_t k = 0; k < nforbid; k++)
		globs_compile(&pats[nalways + k], s->outputs.forbid.v[k].s, 0);
	globs_compile(&pats[nalways + nforbid], "*.map", 0);
	/* Most names can be told from their first and last bytes to match
	 * none of them (an env file's name is a glob folded here). */
	struct globs_filter flt = {0};

	for (size_t k = 0; k < nalways + nforbid; k++)
		globs_filter_add(&flt, &pats[k]);
	if (s->outputs.sourcemaps == SM_FORBID)
		globs_filter_add(&flt, &pats[nalways + nforbid]);
	for (size_t k = 0; k < s->env.files.n; k++) {
		struct globs_pat ep;

		globs_compile(&ep, base_name(s->env.files.v[k].s),
			      FNM_CASEFOLD);
		globs_filter_add(&flt, &ep);
	}
	for (size_t i = 0; i < t->nfiles; i++) {
		const struct tree_file *tf = &t->files[i];
		struct fname n = fname_of(tf);
		const char *why = NULL;

		if (!globs_filter_may(&flt, n.base, n.bl) &&
		    (n.base == n.rel || !globs_filter_may(&flt, n.rel, n.rl)))
			continue;

		for (size_t k = 0; k < nalways && !why; k++)
			if (glob_matches(&pats[k], &n))
				why = always_forbidden[k];
		for (size_t k = 0; k < s->env.files.n && !why; k++)
			if (strcasecmp(base_name(s->env.files.v[k].s),
				       n.base) == 0)
				why = "an env file";
		for (size_t k = 0; k < nforbid && !why; k++)
			if (glob_matches(&pats[nalways + k], &n))
				why = s->outputs.forbid.v[k].s;
		if (!why && s->outputs.sourcemaps == SM_FORBID &&
		    glob_matches(&pats[nalways + nforbid], &n))
			why = "*.map (sourcemaps: forbid)";
		if (why)
			rc |= findings_add(f, FIND_ERROR, "outputs", tf->path,
					   "forbidden in outputs (%s)", why);
	}
	free(pats);
	if (whole && t->nfiles == 0 && s->outputs.min_files < 0)
		rc |= findings_add(f, FIND_ERROR, "outputs", NULL,
				   "no output files: an empty set passes only "
				   "with min_files: 0 (--min-files 0)");
	else if (whole && (int64_t)t->nfiles < s->outputs.min_files)
		rc |= findings_add(
			f, FIND_ERROR, "outputs", NULL,
			"%zu output files, fewer than min_files %lld",
			t->nfiles, (long long)s->outputs.min_files);
	return rc | check_modes(r, roots);
}

/* Check 4 for names: a build can leak a value by naming a file or a
 * directory after it. A match that starts in a directory's name is
 * reported once, at that directory, not at every file below it. */
struct name_hits {
	struct scan_hit h[TREE_HITS_PER_SECRET];
	size_t n;
};

static int on_name_hit(const struct scan_hit *h, void *arg)
{
	struct name_hits *nh = arg;

	if (nh->n < sizeof nh->h / sizeof nh->h[0])
		nh->h[nh->n++] = *h;
	return 0;
}

static int check_names(const struct verify_opts *o, const struct scan *sc,
		       const struct tree *t, const char *check,
		       struct findings *fs)
{
	char *dir = NULL; /* the directory last reported, with ... */
	size_t *seen = NULL, nseen = 0,
	       capseen = 0; /* ... the secrets found there */
	int rc = 0;

	for (size_t i = 0; sc != NULL && i < t->nfiles && rc == 0; i++) {
		const struct tree_file *tf = &t->files[i];
		struct name_hits nh = {.n = 0};
		struct scan_state st;

		scan_state_init(&st);
		(void)scan_feed(sc, &st, tf->rel, strlen(tf->rel), on_name_hit,
				&nh);
		for (size_t k = 0; k < nh.n && rc == 0; k++) {
			const struct scan_hit *h = &nh.h[k];
			const char *slash = strchr(tf->rel + h->offset, '/');
			const char *name = o->secrets[h->secret].name;
			size_t dlen;
			int dup = 0;

			if (slash == NULL) {
				rc = findings_add(fs, FIND_ERROR, check,
						  tf->path,
						  "file name contains the "
						  "value of %s (%s)",
						  name, h->encoding);
				continue;
			}
			dlen = (size_t)(slash - tf->path);
			if (dir == NULL || strlen(dir) != dlen ||
			    memcmp(dir, tf->path, dlen) != 0) {
				free(dir);
				dir = strndup(tf->path, dlen);
				nseen = 0;
				if (dir == NULL)
					rc = -1;
			}
			for (size_t j = 0; j < nseen; j++)
				dup |= seen[j] == h->secret;
			if (rc < 0 || dup)
				continue;
			if (vec_grow((void **)&seen, &capseen, nseen + 1,
				     sizeof *seen) < 0) {
				rc = -1;
				continue;
			}
			seen[nseen++] = h->secret;
			rc = findings_add(fs, FIND_ERROR, check, dir,
					  "directory name contains the value "
					  "of %s (%s)",
					  name, h->encoding);
		}
	}
	free(dir);
	free(seen);
	return rc;
}

/* Values too short to search are named, never skipped in silence: the
 * check cannot vouch for them. An info, not a warning: presets set such
 * values under secret-looking names (Rails' SECRET_KEY_BASE_DUMMY=1), and
 * --strict must not fail on what the user cannot change. */
static int check_unsearched(const struct verify_opts *o,
			    struct verify_result *r)
{
	struct buf line = {0};
	int rc = 0;

	for (size_t i = 0; i < o->nsecrets && rc == 0; i++) {
		size_t len;
		enum scan_short why = scan_too_short(&o->secrets[i], &len);
		const char *part =
			why == SCAN_SHORT_PASSWORD ? "'s URL password" : "";

		if (why == SCAN_SEARCHED)
			continue;
		r->secrets_unsearched++;
		rc = findings_add(&r->findings, FIND_INFO, "secrets", NULL,
				  "%s%s: not searched: too short (%zu "
				  "byte%s; values of %d bytes or more are "
				  "searched)",
				  o->secrets[i].name, part, len,
				  len == 1 ? "" : "s", SCAN_MIN_SECRET);
		if (rc == 0)
			rc = buf_printf(&line, "%s%s%s (%zu byte%s)",
					line.len ? ", " : "",
					o->secrets[i].name, part, len,
					len == 1 ? "" : "s");
	}
	r->unsearched = line.p;
	return rc;
}

static int check_secrets(const struct verify_opts *o, const struct scan *sc,
			 struct verify_result *r)
{
	int rc = 0;

	for (size_t i = 0; i < r->tree.nhits; i++) {
		const struct tree_hit *h = &r->tree.hits[i];

		rc |= findings_add(&r->findings, FIND_ERROR, "secrets",
				   r->tree.files[h->file].path,
				   "contains the value of %s at offset %llu "
				   "(%s)",
				   o->secrets[h->secret].name,
				   (unsigned long long)h->offset, h->encoding);
	}
	if (rc == 0)
		rc = check_names(o, sc, &r->tree, "secrets", &r->findings);
	if (rc == 0)
		rc = check_unsearched(o, r);
	return rc;
}

/* Check 5 without Landlock: what changed in the working directory outside
 * the outputs and scratch dirs. */
static int snapshot(const struct spec *spec, const struct tree_pin *pins,
		    double deadline, struct tree *out, struct err *e);

/* The metadata check: what the ctime sweep found, one finding per inode
 * it named and one for the rest. */
static int check_metadata(const struct verify_opts *o, struct verify_result *r)
{
	const struct ctime_result *c = o->ctime;
	int rc = 0;

	r->metadata_off = o->ctime_off;
	if (c == NULL)
		return 0;
	r->metadata_swept = 1;
	r->metadata_inodes = c->inodes;
	r->metadata_changed = c->changed;
	r->metadata_ms = c->ms;
	for (size_t i = 0; i < c->nnamed; i++) {
		const struct ctime_change *ch = &c->named[i];

		rc |= findings_add(
			&r->findings, FIND_ERROR, "metadata", ch->path,
			"changed during the build outside the writable set "
			"(its mode, owner, times, xattrs, links or bytes; now "
			"mode %04o, uid %lu, gid %lu)",
			(unsigned)(ch->mode & 07777), (unsigned long)ch->uid,
			(unsigned long)ch->gid);
	}
	if (c->changed > c->nnamed)
		rc |= findings_add(&r->findings, FIND_ERROR, "metadata", NULL,
				   "%zu more inode%s changed during the build, "
				   "outside the writable set",
				   c->changed - c->nnamed,
				   c->changed - c->nnamed == 1 ? "" : "s");
	if (c->unswept > 0)
		rc |= findings_add(&r->findings, FIND_WARN, "metadata", NULL,
				   "%zu director%s could not be swept (first: "
				   "%s)",
				   c->unswept, c->unswept == 1 ? "y" : "ies",
				   c->first_unswept ? c->first_unswept : "?");
	return rc;
}

static int check_writes(const struct verify_opts *o, struct verify_result *r,
			double deadline, struct err *e)
{
	struct tree after = {0};
	size_t i = 0, j = 0;
	int rc = 0;

	if (o->before == NULL || o->landlock)
		return 0;
	if (snapshot(o->spec, o->pins, deadline, &after, e) < 0)
		return -1;
	if (after.stopped == TREE_STOP_TIME) {
		/* The caller reports the timeout. */
		tree_free(&after);
		return 0;
	}
	while (i < o->before->nfiles || j < after.nfiles) {
		const struct tree_file *a =
			i < o->before->nfiles ? &o->before->files[i] : NULL;
		const struct tree_file *b =
			j < after.nfiles ? &after.files[j] : NULL;
		const char *what = NULL;
		const char *path = NULL;

		if (a == NULL && b == NULL)
			break;
		if (b == NULL || (a != NULL && strcmp(a->path, b->path) < 0)) {
			what = "deleted";
			path = a->path;
			i++;
		} else if (a == NULL || strcmp(a->path, b->path) > 0) {
			what = "created";
			path = b->path;
			j++;
		} else {
			if (a->size != b->size || a->mtime_ns != b->mtime_ns ||
			    a->ctime_ns != b->ctime_ns || a->mode != b->mode ||
			    a->ino != b->ino)
				what = "changed";
			path = a->path;
			i++;
			j++;
		}
		if (what != NULL) {
			r->writes_outside++;
			rc |= findings_add(
				&r->findings, FIND_ERROR, "writes", path,
				"%s outside the outputs and writable "
				"dirs",
				what);
		}
	}
	tree_free(&after);
	return rc < 0 ? nomem(e) : 0;
}

struct lock_cmp {
	struct verify_result *r;
	enum finding_level level;
	int rc;
};

static void lock_change(enum lock_change what, const char *path,
			const unsigned char *o, const unsigned char *n,
			void *arg)
{
	struct lock_cmp *c = arg;

	(void)o;
	(void)n;
	if (what == LOCK_ADDED)
		c->r->lock_added++;
	else if (what == LOCK_REMOVED)
		c->r->lock_removed++;
	else
		c->r->lock_changed++;
	c->rc |= findings_add(&c->r->findings, c->level, "lock", path,
			      "%s since the lock",
			      what == LOCK_ADDED     ? "added"
			      : what == LOCK_REMOVED ? "removed"
						     : "changed");
}

/* No lock to compare with: a failure where the outputs must match one
 * (verify, run --expect-lock), unless the caller said none is wanted. A
 * verify that passes with nothing to compare proves less than it says. */
static int no_lock(const struct verify_opts *o, struct verify_result *r,
		   struct err *e)
{
	if (!o->lock_must_match || o->lock_optional)
		return 0;
	if (findings_add(&r->findings, FIND_ERROR, "lock", o->lock_path,
			 "no lock to compare with: 'cleanroom lock' (or a "
			 "run) writes one; --no-lock verifies without") < 0)
		return nomem(e);
	return 0;
}

/* Check 8: the provenance statement against the lock as read (l), or
 * the outputs as they are when there is none. */
static int check_provenance(const struct verify_opts *o,
			    struct verify_result *r, const struct lock *l,
			    struct err *e)
{
	if (o->provenance_path == NULL)
		return 0;
	return provenance_check(o->provenance_path,
				o->provenance_shown ? o->provenance_shown
						    : o->provenance_path,
				l ? l : &r->lock, o->provenance_required,
				&r->findings, &r->provenance, e);
}

static int check_lock(const struct verify_opts *o, struct verify_result *r,
		      struct err *e)
{
	struct lock old;
	struct buf text = {.plain = 1};
	struct lock_cmp c = {r, o->lock_must_match ? FIND_ERROR : FIND_INFO, 0};
	int rc, fd, same;

	if (lock_reserve(&r->lock, r->tree.nfiles) < 0)
		return nomem(e);
	for (size_t i = 0; i < r->tree.nfiles; i++) {
		const struct tree_file *tf = &r->tree.files[i];

		/* The tree's paths, freed with it (verify_result_free). */
		if (tf->hashed &&
		    lock_add_borrowed(&r->lock, tf->path, tf->sha256) < 0)
			return nomem(e);
	}
	/* Sorted already: the tree lists its files bytewise by path
	 * (tree.h), and the lock is built in that order. */
	if (o->previous_set) {
		if (o->previous == NULL)
			return no_lock(o, r, e) < 0 ||
					       check_provenance(o, r, NULL, e) <
						       0
				       ? -1
				       : 0;
		r->lock_existed = 1;
		lock_diff(o->previous, &r->lock, lock_change, &c);
		if (c.rc < 0)
			return nomem(e);
		return check_provenance(o, r, o->previous, e);
	}
	if (o->lock_path == NULL || access(o->lock_path, F_OK) != 0)
		return no_lock(o, r, e) < 0 ||
				       check_provenance(o, r, NULL, e) < 0
			       ? -1
			       : 0;
	/* The same lock again, as when verify follows run or nothing was
	 * rebuilt: compared with what it would say as it is read, no copy
	 * of megabytes, no parse. */
	fd = open(o->lock_path,
		  O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	same = fd >= 0 && lock_same_fd(&r->lock, fd, &r->lock_seen);
	if (fd >= 0)
		(void)close(fd);
	if (same) {
		r->lock_existed = 1;
		return check_provenance(o, r, &r->lock, e);
	}
	if (lock_read(o->lock_path, &text, e) < 0)
		return -1;
	r->lock_existed = 1;
	lock_init(&old);
	if (lock_parse(o->lock_path, text.p ? text.p : "", text.len, &old, e) <
	    0) {
		buf_free(&text);
		lock_free(&old);
		return -1;
	}
	buf_free(&text);
	lock_diff(&old, &r->lock, lock_change, &c);
	rc = c.rc < 0 ? nomem(e) : check_provenance(o, r, &old, e);
	lock_free(&old);
	return rc;
}

#define PUBLIC_DIR	"public"
#define PUBLIC_COPY_MAX (16u << 20)

/* Whether the output file path (rel under its root) is byte for byte
 * public/rel of the workdir, another file: what Vite copies from its
 * publicDir without listing it in the manifest. */
static int public_copy(const char *path, const char *rel, uint64_t size)
{
	struct buf a = {0}, b = {0};
	struct stat ps, os;
	char *pub = NULL;
	int same = 0;

	if (size > PUBLIC_COPY_MAX ||
	    asprintf(&pub, "%s/%s", PUBLIC_DIR, rel) < 0)
		return 0;
	if (lstat(pub, &ps) == 0 && S_ISREG(ps.st_mode) &&
	    (uint64_t)ps.st_size == size && lstat(path, &os) == 0 &&
	    (ps.st_dev != os.st_dev || ps.st_ino != os.st_ino) &&
	    io_read_file(pub, PUBLIC_COPY_MAX, &a) == 0 &&
	    io_read_file(path, PUBLIC_COPY_MAX, &b) == 0 && a.len == b.len)
		same = a.len == 0 || memcmp(a.p, b.p, a.len) == 0;
	buf_free(&a);
	buf_free(&b);
	free(pub);
	return same;
}

/* Checks 2 and 3, per output root, over the files found under it. */
static int check_manifests(const struct verify_opts *o, struct verify_result *r,
			   const char **roots, struct err *e)
{
	const struct spec *s = o->spec;
	struct manifest_file *mf;
	struct stat pst;
	int rc = 0, have_public = s->outputs.manifest != MF_NONE &&
				  stat(PUBLIC_DIR, &pst) == 0 &&
				  S_ISDIR(pst.st_mode);

	r->manifests = calloc(s->outputs.roots.n, sizeof *r->manifests);
	mf = calloc(r->tree.nfiles + 1, sizeof *mf);
	if (r->manifests == NULL || mf == NULL) {
		free(mf);
		return nomem(e);
	}
	for (size_t k = 0; k < s->outputs.roots.n && rc == 0; k++) {
		size_t n = 0;

		for (size_t i = 0; i < r->tree.nfiles; i++) {
			const struct tree_file *tf = &r->tree.files[i];

			if (tf->root != k || tf->error != 0)
				continue;
			mf[n].rel = tf->rel;
			mf[n].size = tf->size;
			mf[n].sha256 = tf->hashed ? tf->sha256 : NULL;
			mf[n].public_copy =
				have_public &&
				public_copy(tf->path, tf->rel, tf->size);
			n++;
		}
		rc = manifest_check(s->outputs.manifest, roots[k], mf, n,
				    &r->findings, &r->manifests[k], e);
		r->nmanifests = k + 1;
	}
	free(mf);
	return rc;
}

/* Where the root r, named through a link, really is, relative to the
 * cwd: the directory the snapshot must leave out too. NULL when it is not
 * below the cwd. */
static char *real_below_cwd(const char *r)
{
	char cwd[PATH_MAX], *real = realpath(r, NULL), *out = NULL;
	size_t n;

	if (real == NULL || getcwd(cwd, sizeof cwd) == NULL)
		goto out;
	n = strlen(cwd);
	if (strncmp(real, cwd, n) == 0 && real[n] == '/')
		out = strdup(real + n + 1);
out:
	free(real);
	return out;
}

/* The stat-only snapshot of the working directory, stopping at deadline
 * (io_now_ms time; 0: none). */
static int snapshot(const struct spec *spec, const struct tree_pin *pins,
		    double deadline, struct tree *out, struct err *e)
{
	const char *root = ".";
	const char **excl;
	char **real;
	size_t n = 0, nroots = spec->outputs.roots.n;
	struct tree_opts o = {0};
	int rc;

	excl = calloc(2 * nroots + spec->sandbox.writable.n + 1, sizeof *excl);
	real = calloc(nroots + 1, sizeof *real);
	if (excl == NULL || real == NULL) {
		free(excl);
		free(real);
		return nomem(e);
	}
	for (size_t i = 0; i < nroots; i++) {
		excl[n++] = spec->outputs.roots.v[i].s;
		/* A root named through a link (public/assets ->
		 * ../shared/assets) is written where the link leads. */
		if (pins != NULL && pins[i].link &&
		    (real[i] = real_below_cwd(spec->outputs.roots.v[i].s)) !=
			    NULL)
			excl[n++] = real[i];
	}
	for (size_t i = 0; i < spec->sandbox.writable.n; i++)
		excl[n++] = spec->sandbox.writable.v[i].s;
	o.roots = &root;
	o.nroots = 1;
	o.exclude = excl;
	o.nexclude = n;
	o.hash = 0;
	o.deadline_ms = deadline;
	rc = tree_hash_scan(&o, out, e);
	for (size_t i = 0; i < nroots; i++)
		free(real[i]);
	free(real);
	free(excl);
	return rc;
}

int verify_snapshot(const struct spec *spec, const struct tree_pin *pins,
		    struct tree *out, struct err *e)
{
	return snapshot(spec, pins, 0, out, e);
}

int64_t verify_max_files(const struct spec *spec)
{
	return spec->outputs.max_files >= 0 ? spec->outputs.max_files
					    : DEFAULT_MAX_FILES;
}

int64_t verify_timeout_ms(const struct spec *spec)
{
	return spec->outputs.verify_timeout_ms >= 0
		       ? spec->outputs.verify_timeout_ms
		       : DEFAULT_VERIFY_TIMEOUT_MS;
}

/* A set over max_bytes is refused from the walk's sizes, before a byte of
 * it is read: reading it is what the bound is there to spare. */
static int admit(const struct tree *t, const void *arg)
{
	const struct spec *s = arg;

	return s->outputs.max_bytes >= 0 &&
	       t->walk_bytes > (uint64_t)s->outputs.max_bytes;
}

/* What a long verification shows: on a terminal one line redrawn in
 * place; otherwise a line when a phase is first seen to take long, and
 * then one every PROGRESS_LINE_MS, so that a CI log shows it is alive. */
struct progress {
	int phase; /* -1 before anything was shown, 0 walking, 1 reading */
	double last_line;
};

static void on_progress(const struct tree_progress *p, void *arg)
{
	struct progress *v = arg;
	double mb = (double)p->bytes / 1e6, total = (double)p->total / 1e6;
	double rate = p->reading_ms > 0 ? mb / (p->reading_ms / 1e3) : 0;

	if (p->elapsed_ms < PROGRESS_AFTER_MS || msg_level() < MSG_NORMAL)
		return;
	if (msg_tty()) {
		if (!p->hashing)
			msg_status("verify: walking the outputs: %zu entries",
				   p->entries);
		else if (p->total > 0)
			msg_status("verify: %zu of %zu files, %.0f of %.0f MB, "
				   "%.0f MB/s",
				   p->files, p->nfiles, mb, total, rate);
		else
			msg_status("verify: %zu of %zu files, %.0f MB, %.0f "
				   "MB/s",
				   p->files, p->nfiles, mb, rate);
		return;
	}
	if (p->hashing == v->phase &&
	    p->elapsed_ms - v->last_line < PROGRESS_LINE_MS)
		return;
	v->phase = p->hashing;
	v->last_line = p->elapsed_ms;
	if (!p->hashing)
		msg_info("verify: walking the outputs (%zu entries so far)",
			 p->entries);
	else if (p->total > 0)
		msg_info("verify: reading %zu files, %.0f MB (%zu done, %.0f "
			 "MB/s)",
			 p->nfiles, total, p->files, rate);
	else
		msg_info("verify: reading %zu files (%zu done, %.0f MB, %.0f "
			 "MB/s)",
			 p->nfiles, p->files, mb, rate);
}

/* "10m", "90s", "1500ms": a duration as the spec would write it. */
static void duration(int64_t ms, char *out, size_t size)
{
	if (ms >= 60000 && ms % 60000 == 0)
		(void)snprintf(out, size, "%lldm", (long long)(ms / 60000));
	else if (ms >= 1000 && ms % 1000 == 0)
		(void)snprintf(out, size, "%llds", (long long)(ms / 1000));
	else
		(void)snprintf(out, size, "%lldms", (long long)ms);
}

static int timed_out(const struct verify_opts *o, const struct tree *t,
		     struct err *e)
{
	char d[32];
	size_t read = 0;

	for (size_t i = 0; i < t->nfiles; i++)
		read += t->files[i].hashed;
	duration(verify_timeout_ms(o->spec), d, sizeof d);
	err_set(e, ERR_TIMEOUT, NULL, 0, 0,
		"verification timed out after %s (outputs.verify_timeout): "
		"%zu of %zu files read; the outputs are not verified",
		d, read, t->nfiles);
	err_hint(e, "raise outputs.verify_timeout (--verify-timeout "
		    "DURATION), or bound the outputs with max_files and "
		    "max_bytes");
	return -1;
}

/* A path as the spec spells it ("./tmp/" is "tmp"): where it starts, and
 * its length without trailing slashes. */
static size_t spelt(const char **p)
{
	const char *s = *p;
	size_t n;

	while (s[0] == '.' && s[1] == '/') {
		s += 2;
		while (*s == '/')
			s++;
	}
	n = strlen(s);
	while (n > 1 && s[n - 1] == '/')
		n--;
	*p = s;
	return n;
}

static int same_path(const char *a, const char *b)
{
	size_t na = spelt(&a), nb = spelt(&b);

	if (na == 0 && nb == 1 && b[0] == '.')
		return 1;
	if (nb == 0 && na == 1 && a[0] == '.')
		return 1;
	return na == nb && strncmp(a, b, na) == 0;
}

/* Whether the path a is the directory d or lies beneath it, as spelt. */
static int is_within(const char *a, const char *d)
{
	size_t na = spelt(&a), nd = spelt(&d);

	if (nd == 0 || (nd == 1 && d[0] == '.'))
		return a[0] != '/';
	if (na < nd || strncmp(a, d, nd) != 0)
		return 0;
	return na == nd || a[nd] == '/' || (nd == 1 && d[0] == '/');
}

/* A link that leads nowhere (or in a loop) holds no bytes to scan. */
static int dangling_link(const struct tree *t, const char *path)
{
	const struct tree_file *f = tree_find(t, path);

	return f != NULL && S_ISLNK(f->mode);
}

/*
 * The scratch check: the writable dirs (sandbox.writable, --allow-write)
 * are not outputs, yet what the build leaves there ships in the image
 * layer beside them. Each is walked as the outputs are, and held to the
 * mode rule (what is below it; the directory itself is the
 * configuration's) and to the secret scan of contents and names. A dir
 * inside an output root was verified as an output; an output root or the
 * lock inside a dir is left out of it. A dir the build removed ships
 * nothing. The private TMPDIR is not here: run removes it before the
 * layer is committed.
 */
static int check_scratch(const struct verify_opts *o, const struct scan *sc,
			 const char *const *excl, size_t nexcl, double deadline,
			 struct verify_result *r, struct err *e)
{
	const struct spec *s = o->spec;
	const struct spec_list *w = &s->sandbox.writable;
	const char **roots, **ex;
	struct tree_pin *pins;
	struct tree t = {0};
	struct tree_opts to = {0};
	int64_t max_files = verify_max_files(s);
	size_t n = 0, nex = 0;
	int rc = -1;

	roots = calloc(w->n + 1, sizeof *roots);
	pins = calloc(w->n + 1, sizeof *pins);
	ex = calloc(nexcl + s->outputs.roots.n + 1, sizeof *ex);
	if (roots == NULL || pins == NULL || ex == NULL) {
		nomem(e);
		goto out;
	}
	for (size_t i = 0; i < w->n; i++) {
		int inside = 0;

		for (size_t k = 0; k < s->outputs.roots.n && !inside; k++)
			inside = is_within(w->v[i].s, s->outputs.roots.v[k].s);
		if (inside)
			continue;
		if (o->scratch_pins != NULL)
			pins[n] = o->scratch_pins[i];
		roots[n++] = w->v[i].s;
	}
	r->scratch_roots = n;
	if (n == 0) {
		rc = 0;
		goto out;
	}
	for (size_t k = 0; k < s->outputs.roots.n; k++)
		ex[nex++] = s->outputs.roots.v[k].s;
	for (size_t k = 0; k < nexcl; k++)
		ex[nex++] = excl[k];
	to.roots = roots;
	to.nroots = n;
	to.pins = o->scratch_pins != NULL ? pins : NULL;
	to.exclude = ex;
	to.nexclude = nex;
	to.scan = sc;
	to.threads = o->threads;
	to.hash = 1; /* the scan reads in the hashing pass */
	to.max_files = max_files > 0 ? (size_t)max_files : 1;
	to.deadline_ms = deadline;
	if (tree_hash_scan(&to, &t, e) < 0)
		goto out;
	r->scratch_files = t.nfiles;
	r->scratch_bytes = t.bytes;
	rc = 0;
	if (t.stopped == TREE_STOP_TIME)
		goto out; /* the caller reports the timeout */
	for (size_t i = 0; i < t.nfindings; i++) {
		const struct tree_finding *tf = &t.findings[i];

		/* A link out of the dir, a socket or a FIFO is harmless in
		 * a scratch dir, and a removed dir ships nothing; what
		 * could not be read could not be scanned, and a dir that
		 * is no longer the one it was is not walked. */
		if (tf->kind == TREE_ROOT_LINK || tf->kind == TREE_ROOT_NOT_DIR)
			rc |= findings_add(&r->findings, FIND_ERROR, "scratch",
					   tf->path,
					   "writable dir is not the directory "
					   "it was before the build%s%s: not "
					   "walked",
					   tf->detail ? ": " : "",
					   tf->detail ? tf->detail : "");
		else if (tf->kind == TREE_UNREADABLE &&
			 !dangling_link(&t, tf->path))
			rc |= findings_add(&r->findings, FIND_WARN, "scratch",
					   tf->path,
					   "unreadable%s%s: not "
					   "scanned for secrets",
					   tf->detail ? ": " : "",
					   tf->detail ? tf->detail : "");
	}
	if (t.stopped == TREE_STOP_FILES)
		rc |= findings_add(&r->findings, FIND_ERROR, "scratch", NULL,
				   "more than max_files %lld files, "
				   "directories and links in the writable "
				   "dirs: the walk stopped there and nothing "
				   "was read",
				   (long long)max_files);
	rc |= mode_findings(&r->findings, &t, "scratch",
			    "nothing in a writable dir may be setuid, setgid "
			    "or world-writable: it ships in the image layer",
			    roots);
	for (size_t i = 0; i < t.nhits; i++) {
		const struct tree_hit *h = &t.hits[i];

		rc |= findings_add(&r->findings, FIND_ERROR, "scratch",
				   t.files[h->file].path,
				   "contains the value of %s at offset %llu "
				   "(%s)",
				   o->secrets[h->secret].name,
				   (unsigned long long)h->offset, h->encoding);
	}
	if (rc == 0)
		rc = check_names(o, sc, &t, "scratch", &r->findings);
	if (rc < 0)
		nomem(e);
out:
	tree_free(&t);
	free(roots);
	free(pins);
	free(ex);
	return rc < 0 ? -1 : 0;
}

/* What the walk leaves out: the lock, and every temporary lock beside
 * it (leftover.h), each of which is a finding: one whose maker is alive
 * is an error (a lock is being written, or the build planted a file by
 * that name to keep it from being checked), one whose maker is gone a
 * warning (it could not be removed). *excl is the caller's to free; its
 * strings are the lock path and tmp's. */
static int lock_exclusions(const struct verify_opts *o, struct verify_result *r,
			   struct leftover_temp **tmp, size_t *ntmp,
			   const char ***excl, size_t *nexcl)
{
	*excl = NULL;
	*nexcl = 0;
	if (o->lock_path == NULL)
		return 0;
	if (leftover_lock_temps(o->lock_path, tmp, ntmp) < 0 && errno == ENOMEM)
		return -1;
	*excl = calloc(*ntmp + 1, sizeof **excl);
	if (*excl == NULL)
		return -1;
	(*excl)[(*nexcl)++] = o->lock_path;
	for (size_t i = 0; i < *ntmp; i++) {
		const struct leftover_temp *t = &(*tmp)[i];
		const char *why =
			t->gone ? "a temporary lock left by a killed "
				  "cleanroom (pid %ld): not an "
				  "output; it could not be removed"
				: "a temporary lock of pid %ld, which "
				  "is running: not an output, and "
				  "the outputs may be changing";

		(*excl)[(*nexcl)++] = t->path;
		if (findings_add(&r->findings, t->gone ? FIND_WARN : FIND_ERROR,
				 "outputs", t->path, why, (long)t->pid) < 0)
			return -1;
	}
	return 0;
}

int verify_outputs(const struct verify_opts *o, struct verify_result *r,
		   struct err *e)
{
	struct leftover_temp *temps = NULL;
	const char **excl = NULL;
	size_t ntemps = 0, nexcl = 0;
	const struct spec *s = o->spec;
	struct scan *sc = NULL;
	struct tree_opts to = {0};
	struct progress pr = {-1, 0};
	const char **roots = NULL;
	double t0 = io_now_ms();
	double deadline = t0 + (double)verify_timeout_ms(s);
	int64_t max_files = verify_max_files(s);
	int rc = -1;

	memset(r, 0, sizeof *r);
	lock_init(&r->lock);
	if (s->outputs.roots.n == 0) {
		err_set(e, ERR_CONFIG, NULL, 0, 0, "no output root to verify");
		err_hint(e, "name one with outputs.root or --output");
		return -1;
	}
	roots = calloc(s->outputs.roots.n, sizeof *roots);
	if (roots == NULL)
		return nomem(e);
	for (size_t i = 0; i < s->outputs.roots.n; i++)
		roots[i] = s->outputs.roots.v[i].s;
	if (o->nsecrets > 0 &&
	    (sc = scan_new(o->secrets, o->nsecrets, e)) == NULL)
		goto out;
	to.roots = roots;
	to.nroots = s->outputs.roots.n;
	to.pins = o->pins;
	/* The lock is not part of the output set it describes, nor is a
	 * temporary one. */
	if (lock_exclusions(o, r, &temps, &ntemps, &excl, &nexcl) < 0) {
		nomem(e);
		goto out;
	}
	to.exclude = excl;
	to.nexclude = nexcl;
	to.scan = sc;
	to.threads = o->threads;
	to.hash = 1;
	/* max_files 0 still lets the walk meet one entry, which is then
	 * one too many. */
	to.max_files = max_files > 0 ? (size_t)max_files : 1;
	/* Sizes before reading cost a stat per file in the walk: asked
	 * for only when there is a bound to check them against. */
	if (s->outputs.max_bytes >= 0) {
		to.admit = admit;
		to.admit_arg = s;
	}
	to.deadline_ms = deadline;
	to.progress = on_progress;
	to.progress_arg = &pr;
	rc = tree_hash_scan(&to, &r->tree, e);
	msg_status_clear();
	if (rc < 0)
		goto out;
	msg_debug("verify: walk %.1f ms (%zu entries); reading %.1f ms on %u "
		  "thread%s, %zu files taken during the walk",
		  r->tree.walk_ms, r->tree.entries, r->tree.hash_ms,
		  r->tree.threads, r->tree.threads == 1 ? "" : "s",
		  r->tree.early);
	rc = -1;
	if (r->tree.stopped == TREE_STOP_TIME) {
		timed_out(o, &r->tree, e);
		goto out;
	}
	/* Phase times for -v: after the pass, outputs and secrets,
	 * siblings, manifests, lock, the rest. */
	double ph[6] = {io_now_ms()};

	if (check_outputs(o, r, roots) < 0 || check_secrets(o, sc, r) < 0) {
		nomem(e);
		goto out;
	}
	ph[1] = ph[2] = ph[3] = ph[4] = io_now_ms();
	if (r->tree.stopped != TREE_COMPLETE) {
		/* Refused before reading: the checks of contents have
		 * nothing to look at. */
		r->unchecked = r->tree.stopped == TREE_STOP_FILES
				       ? "the outputs are over max_files"
				       : "the outputs are over max_bytes";
	} else {
		if (sibling_check_tree(&r->tree, sc, o->secrets, o->nsecrets,
				       NULL, &r->findings, &r->siblings, e) < 0)
			goto out;
		ph[2] = ph[3] = io_now_ms();
		if (s->outputs.manifest != MF_NONE &&
		    s->outputs.manifest != MF_UNSET &&
		    check_manifests(o, r, roots, e) < 0)
			goto out;
		ph[3] = io_now_ms();
		if (check_lock(o, r, e) < 0)
			goto out;
		ph[4] = io_now_ms();
	}
	if (check_scratch(o, sc, excl, nexcl, deadline, r, e) < 0 ||
	    check_writes(o, r, deadline, e) < 0)
		goto out;
	if (check_metadata(o, r) < 0) {
		nomem(e);
		goto out;
	}
	ph[5] = io_now_ms();
	msg_debug("verify: checks after the pass: outputs and secrets %.1f ms, "
		  "siblings %.1f ms, manifests %.1f ms, lock %.1f ms, scratch, "
		  "writes and metadata %.1f ms",
		  ph[1] - ph[0], ph[2] - ph[1], ph[3] - ph[2], ph[4] - ph[3],
		  ph[5] - ph[4]);
	if (ph[5] >= deadline) {
		timed_out(o, &r->tree, e);
		goto out;
	}
	r->passed = findings_count(&r->findings,
				   o->strict ? FIND_WARN : FIND_ERROR) == 0;
	r->ms = io_now_ms() - t0;
	rc = 0;
out:
	if (rc < 0)
		verify_result_free(r);
	scan_free(sc);
	free(roots);
	free(excl);
	leftover_temps_free(temps, ntemps);
	return rc;
}

void verify_result_free(struct verify_result *r)
{
	findings_free(&r->findings);
	tree_free(&r->tree);
	free(r->unsearched);
	lock_free(&r->lock);
	for (size_t i = 0; i < r->nmanifests; i++)
		manifest_result_free(&r->manifests[i]);
	free(r->manifests);
	memset(r, 0, sizeof *r);
}
