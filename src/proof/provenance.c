/*
 * The provenance statement: where it goes, what it says, how it is
 * written and how `verify` checks it against the lock. The text is laid
 * out by hand in one fixed order, the bytewise order of the member names
 * at every level, because that order is the whole of canonical JSON for
 * a document with no numbers: the same facts always give the same bytes.
 * Reading it back goes through the one JSON reader (manifest_json.h,
 * libyaml underneath).
 */
#include "provenance.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/base64.h>
#include <nettle/sha2.h>

#include "beneath.h"
#include "hex.h"
#include "io.h"
#include "json.h"
#include "manifest_json.h"
#include "names.h"
#include "tree.h"
#include "verify.h"

/* A statement larger than this is not one cleanroom wrote: the lock's
 * own bound (lock.c), with room for the JSON around each name. */
#define PROVENANCE_MAX (1024u << 20)
/* A dependency lock file larger than this is refused. */
#define DEP_MAX (256u << 20)
/* How far up provenance_write looks for an output root. */
#define MAX_DEPTH 4096

const char *const provenance_dep_patterns[] = {
	"Gemfile.lock", "package-lock.json", "npm-shrinkwrap.json",
	"yarn.lock",	"pnpm-lock.yaml",    "requirements*.txt",
	"poetry.lock",	"Pipfile.lock",	     "uv.lock",
	NULL,
};

/* ---- Places ---- */

/* path with "." and empty components dropped and ".." resolved by name
 * (kept where nothing is left to drop), into out: "" for the workdir
 * itself, a leading '/' for an absolute path. */
static int normalize(const char *path, struct buf *out)
{
	const char *p = path;
	size_t floor = 0;

	buf_reset(out);
	if (*p == '/') {
		if (buf_addc(out, '/') < 0)
			return -1;
		floor = 1;
	}
	while (*p != '\0') {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.')) {
			p += n;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			/* The last component, unless it is ".." itself. */
			size_t cut = out->len;

			while (cut > floor && out->p[cut - 1] != '/')
				cut--;
			if (out->len > floor &&
			    !(out->len - cut == 2 && out->p[cut] == '.' &&
			      out->p[cut + 1] == '.')) {
				out->len = cut > floor ? cut - 1 : floor;
				out->p[out->len] = '\0';
				p += n;
				continue;
			}
			if (floor == 1 && out->len == 1) {
				p += n; /* "/.." is "/" */
				continue;
			}
		}
		if ((out->len > floor && buf_addc(out, '/') < 0) ||
		    buf_add(out, p, n) < 0)
			return -1;
		p += n;
	}
	return buf_addc(out, '\0') < 0 ? -1 : (out->len--, 0);
}

int provenance_inside_roots(const char *path, const char *const *roots,
			    size_t nroots)
{
	struct buf np = {0}, nr = {0};
	int inside = 0;

	if (normalize(path, &np) < 0)
		return 0;
	for (size_t i = 0; i < nroots && !inside; i++) {
		if (normalize(roots[i], &nr) < 0)
			break;
		if ((np.p[0] == '/') != (nr.p[0] == '/'))
			continue; /* provenance_write looks at the inodes */
		if (nr.len == 0)  /* the workdir itself */
			inside = np.p[0] != '/' &&
				 !(np.len >= 2 && np.p[0] == '.' &&
				   np.p[1] == '.' &&
				   (np.len == 2 || np.p[2] == '/'));
		else if (strcmp(nr.p, "/") == 0)
			inside = 1;
		else
			inside = strncmp(np.p, nr.p, nr.len) == 0 &&
				 (np.p[nr.len] == '/' || np.p[nr.len] == '\0');
	}
	buf_free(&np);
	buf_free(&nr);
	return inside;
}

char *provenance_path_for_lock(const char *lock_path, const char *const *roots,
			       size_t nroots)
{
	const char *slash = strrchr(lock_path, '/');
	const char *name = slash ? slash + 1 : lock_path;
	size_t dirlen = slash ? (size_t)(slash - lock_path) + 1 : 0;
	size_t stem = strlen(name);
	char *out = NULL;

	if (stem > 5 && strcmp(name + stem - 5, ".lock") == 0)
		stem -= 5;
	/* A lock inside an output root is served with the assets; its
	 * statement goes to the workdir instead. */
	if (provenance_inside_roots(lock_path, roots, nroots))
		dirlen = 0;
	if (asprintf(&out, "%.*s%.*s%s", (int)dirlen, lock_path, (int)stem,
		     name, PROVENANCE_SUFFIX) < 0)
		return NULL;
	return out;
}

int provenance_path(const struct spec *spec, char **out, struct err *e)
{
	const struct spec_path_opt *po = &spec->outputs.provenance;
	const char **roots = NULL;
	size_t n = spec->outputs.roots.n;
	char *lock = NULL;

	*out = NULL;
	if (po->off == 1)
		return 0;
	roots = calloc(n + 1, sizeof *roots);
	if (roots == NULL)
		return err_sys(e, ENOMEM, "provenance");
	for (size_t i = 0; i < n; i++)
		roots[i] = spec->outputs.roots.v[i].s;
	if (po->off == 0 && po->path.s != NULL) {
		*out = strdup(po->path.s);
	} else if ((lock = verify_lock_path(spec)) != NULL) {
		*out = provenance_path_for_lock(lock, roots, n);
	}
	free(lock);
	if (*out == NULL) {
		free(roots);
		return err_sys(e, ENOMEM, "provenance");
	}
	if (provenance_inside_roots(*out, roots, n)) {
		err_set(e, ERR_CONFIG, spec->path,
			po->off == 0 ? po->path.line : 0,
			po->off == 0 ? po->path.col : 0,
			"outputs.provenance: %s is inside an output root: it "
			"would be an output and served with the assets",
			*out);
		err_hint(e, "put it outside the output roots (e.g. "
			    "cleanroom.provenance.json in the workdir), or "
			    "--no-provenance (provenance: false) for none");
		free(*out);
		*out = NULL;
		free(roots);
		return -1;
	}
	free(roots);
	return 0;
}

/* ---- Dependency lock files ---- */

static int dep_wanted(const char *name)
{
	for (size_t i = 0; provenance_dep_patterns[i] != NULL; i++)
		if (fnmatch(provenance_dep_patterns[i], name, FNM_PERIOD) == 0)
			return 1;
	return 0;
}

/* SHA-256 of what remains to be read from fd, at most max bytes. */
static int hash_fd(int fd, size_t max, unsigned char out[32])
{
	struct sha256_ctx ctx;
	unsigned char b[65536];
	size_t total = 0;

	sha256_init(&ctx);
	for (;;) {
		ssize_t n = read(fd, b, sizeof b);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		total += (size_t)n;
		if (total > max) {
			errno = EFBIG;
			return -1;
		}
		sha256_update(&ctx, (size_t)n, b);
	}
	sha256_digest(&ctx, 32, out);
	return 0;
}

int provenance_deps_read(int dirfd, struct provenance_deps *out,
			 struct buf *skipped, struct err *e)
{
	struct io_names ns = {0};
	int dfd = dup(dirfd), rc = -1;

	memset(out, 0, sizeof *out);
	if (dfd < 0 || io_dir_names(dfd, &ns) < 0) {
		err_sys(e, errno, "listing the workdir");
		goto out;
	}
	for (size_t i = 0; i < ns.n; i++) {
		struct provenance_dep d = {0};
		struct stat st;
		int fd;

		if (!dep_wanted(ns.v[i]))
			continue;
		fd = beneath_open(dirfd, ns.v[i], O_RDONLY | O_NONBLOCK, 0);
		if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			if (fd >= 0)
				(void)close(fd);
			if (skipped != NULL &&
			    buf_printf(skipped, "%s\n", ns.v[i]) < 0) {
				err_sys(e, ENOMEM, "provenance");
				goto out;
			}
			continue;
		}
		if (hash_fd(fd, DEP_MAX, d.sha256) < 0) {
			err_sys(e, errno, "%s", ns.v[i]);
			(void)close(fd);
			goto out;
		}
		(void)close(fd);
		if ((d.name = strdup(ns.v[i])) == NULL) {
			err_sys(e, ENOMEM, "provenance");
			goto out;
		}
		if (out->n == out->cap) {
			size_t cap = out->cap ? out->cap * 2 : 8;
			void *v = realloc(out->v, cap * sizeof *out->v);

			if (v == NULL) {
				free(d.name);
				err_sys(e, ENOMEM, "provenance");
				goto out;
			}
			out->v = v;
			out->cap = cap;
		}
		out->v[out->n++] = d;
	}
	rc = 0;
out:
	io_names_free(&ns);
	if (dfd >= 0)
		(void)close(dfd);
	return rc;
}

void provenance_deps_free(struct provenance_deps *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].name);
	free(d->v);
	memset(d, 0, sizeof *d);
}

/* ---- The statement ---- */

int provenance_time(time_t t, char out[21])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999 ||
	    tm.tm_year + 1900 < 0) {
		errno = EOVERFLOW;
		return -1;
	}
	return strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 20 ? 0 : -1;
}

/* {"sha256":"HEX"} */
static int digest(struct buf *out, const unsigned char sha[32])
{
	char hex[65];

	hex_encode(hex, sha, 32);
	return buf_printf(out, "{\"sha256\":\"%s\"}", hex);
}

/* A resource descriptor of a name and a digest: {"digest":...,"name":...} */
static int named_digest(struct buf *out, const char *name,
			const unsigned char sha[32])
{
	return buf_adds(out, "{\"digest\":") < 0 || digest(out, sha) < 0 ||
			       buf_adds(out, ",\"name\":") < 0 ||
			       json_cstr(out, name) < 0 ||
			       buf_addc(out, '}') < 0
		       ? -1
		       : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A JSON array of the names, sorted bytewise, each once. */
static int name_array(struct buf *out, const char *const *v, size_t n)
{
	const char **s = NULL;
	size_t k = 0;
	int rc = -1;

	if (n > 0 && (s = malloc(n * sizeof *s)) == NULL)
		return -1;
	if (n > 0)
		memcpy(s, v, n * sizeof *s);
	if (n > 1)
		qsort(s, n, sizeof *s, cmp_str);
	if (buf_addc(out, '[') < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(s[i], s[i - 1]) == 0)
			continue;
		if ((k++ && buf_addc(out, ',') < 0) || json_cstr(out, s[i]) < 0)
			goto out;
	}
	rc = buf_addc(out, ']');
out:
	free(s);
	return rc;
}

static int build_definition(const struct provenance_info *pi, struct buf *out)
{
	if (buf_adds(out, "{\"buildType\":") < 0 ||
	    json_cstr(out, PROVENANCE_BUILD_TYPE) < 0 ||
	    buf_adds(out, ",\"externalParameters\":{\"command\":[") < 0)
		return -1;
	for (size_t i = 0; i < pi->ncommand; i++)
		if ((i && buf_addc(out, ',') < 0) ||
		    json_cstr(out, pi->command[i]) < 0)
			return -1;
	if (buf_adds(out, "],\"environment\":{\"given\":") < 0 ||
	    name_array(out, pi->given, pi->ngiven) < 0 ||
	    buf_adds(out, ",\"withheld\":") < 0 ||
	    name_array(out, pi->withheld, pi->nwithheld) < 0 ||
	    buf_adds(out, "},\"framework\":") < 0 ||
	    json_cstr(out, pi->framework) < 0 ||
	    buf_printf(out, ",\"shell\":%s,\"spec\":",
		       pi->shell ? "true" : "false") < 0)
		return -1;
	if (pi->spec_name == NULL || pi->spec_sha256 == NULL) {
		if (buf_adds(out, "null") < 0)
			return -1;
	} else if (named_digest(out, pi->spec_name, pi->spec_sha256) < 0) {
		return -1;
	}
	if (buf_adds(out, "},\"resolvedDependencies\":[") < 0)
		return -1;
	for (size_t i = 0; pi->deps != NULL && i < pi->deps->n; i++)
		if ((i && buf_addc(out, ',') < 0) ||
		    named_digest(out, pi->deps->v[i].name,
				 pi->deps->v[i].sha256) < 0)
			return -1;
	return buf_adds(out, "]}");
}

/* The sandbox as a byproduct: its summary line as the content (a
 * resource descriptor needs a uri, a digest or a content), the layers
 * that held and every layer's state as annotations. */
static int sandbox_byproduct(const struct provenance_info *pi, struct buf *out)
{
	const struct sandbox_status *st = pi->sandbox;
	const char *line = pi->sandbox_summary ? pi->sandbox_summary : "";
	size_t len = strlen(line);
	char *b64 = malloc(BASE64_ENCODE_RAW_LENGTH(len) + 1);
	size_t k = 0;
	int rc = -1;

	if (b64 == NULL)
		return -1;
	base64_encode_raw(b64, len, (const uint8_t *)line);
	b64[BASE64_ENCODE_RAW_LENGTH(len)] = '\0';
	if (buf_adds(out, "{\"annotations\":{\"held\":[") < 0)
		goto out;
	for (size_t i = 0; st != NULL && i < st->n; i++)
		if (st->layer[i].state == LAYER_ON &&
		    ((k++ && buf_addc(out, ',') < 0) ||
		     json_cstr(out, st->layer[i].name) < 0))
			goto out;
	if (buf_adds(out, "],\"layers\":[") < 0)
		goto out;
	for (size_t i = 0; st != NULL && i < st->n; i++) {
		const struct sandbox_layer *l = &st->layer[i];

		if ((i && buf_addc(out, ',') < 0) ||
		    buf_adds(out, "{\"detail\":") < 0 ||
		    json_cstr(out, l->detail) < 0 ||
		    buf_adds(out, ",\"name\":") < 0 ||
		    json_cstr(out, l->name) < 0 ||
		    buf_adds(out, ",\"state\":") < 0 ||
		    json_cstr(out, sandbox_state_text(l->state)) < 0 ||
		    buf_addc(out, '}') < 0)
			goto out;
	}
	if (buf_adds(out, "],\"summary\":") < 0 || json_cstr(out, line) < 0 ||
	    buf_printf(out,
		       "},\"content\":\"%s\",\"mediaType\":\"text/plain\","
		       "\"name\":\"sandbox\"}",
		       b64) < 0)
		goto out;
	rc = 0;
out:
	free(b64);
	return rc;
}

static int run_details(const struct provenance_info *pi, struct buf *out)
{
	char started[21], finished[21];

	if (provenance_time(pi->started, started) < 0 ||
	    provenance_time(pi->finished, finished) < 0)
		return -1;
	if (buf_adds(out, "{\"builder\":{\"id\":") < 0 ||
	    json_cstr(out, PROVENANCE_BUILDER_ID) < 0 ||
	    buf_adds(out, ",\"version\":{\"cleanroom\":") < 0 ||
	    json_cstr(out, pi->version) < 0 ||
	    buf_adds(out, "}},\"byproducts\":[") < 0 ||
	    sandbox_byproduct(pi, out) < 0 ||
	    buf_printf(out,
		       "],\"metadata\":{\"finishedOn\":\"%s\","
		       "\"startedOn\":\"%s\"}}",
		       finished, started) < 0)
		return -1;
	return 0;
}

int provenance_format(const struct provenance_info *pi, struct buf *out)
{
	if (buf_adds(out, "{\"_type\":") < 0 ||
	    json_cstr(out, PROVENANCE_STATEMENT_TYPE) < 0 ||
	    buf_adds(out, ",\"predicate\":{\"buildDefinition\":") < 0 ||
	    build_definition(pi, out) < 0 ||
	    buf_adds(out, ",\"runDetails\":") < 0 || run_details(pi, out) < 0 ||
	    buf_adds(out, "},\"predicateType\":") < 0 ||
	    json_cstr(out, PROVENANCE_PREDICATE_TYPE) < 0 ||
	    buf_adds(out, ",\"subject\":[") < 0)
		return -1;
	for (size_t i = 0; pi->lock != NULL && i < pi->lock->n; i++)
		if ((i && buf_addc(out, ',') < 0) ||
		    named_digest(out, pi->lock->v[i].path,
				 pi->lock->v[i].sha256) < 0)
			return -1;
	return buf_adds(out, "]}\n");
}

/* ---- Writing ---- */

/* Whether the directory open at fd is one of the roots (as they resolve
 * now, links followed) or lies below one: its ancestors by "..", up to
 * the file system's root. */
static int dir_in_roots(int fd, const char *const *roots, size_t nroots)
{
	struct stat *rs = calloc(nroots + 1, sizeof *rs);
	int *have = calloc(nroots + 1, sizeof *have);
	int cur = dup(fd), inside = 0;

	if (rs == NULL || have == NULL || cur < 0)
		goto out;
	for (size_t i = 0; i < nroots; i++) {
		int rfd = tree_open_root(roots[i], NULL);

		if (rfd >= 0) {
			have[i] = fstat(rfd, &rs[i]) == 0;
			(void)close(rfd);
		}
	}
	for (int depth = 0; depth < MAX_DEPTH && !inside; depth++) {
		struct stat st, up;
		int next;

		if (fstat(cur, &st) < 0)
			break;
		for (size_t i = 0; i < nroots; i++)
			if (have[i] && rs[i].st_dev == st.st_dev &&
			    rs[i].st_ino == st.st_ino)
				inside = 1;
		next = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (next < 0)
			break;
		if (fstat(next, &up) < 0 ||
		    (up.st_dev == st.st_dev && up.st_ino == st.st_ino)) {
			(void)close(next);
			break;
		}
		(void)close(cur);
		cur = next;
	}
out:
	if (cur >= 0)
		(void)close(cur);
	free(rs);
	free(have);
	return inside;
}

int provenance_stage(const char *path, const char *shown,
		     const char *const *roots, size_t nroots,
		     const struct buf *text, struct provenance_staged *ps,
		     struct err *e)
{
	const char *leaf;
	int dfd = beneath_parent(AT_FDCWD, path, 1, &leaf), rc;

	ps->file.parent = -1;
	if (dfd < 0 && errno == ELOOP) {
		err_set(e, ERR_CONFIG, NULL, 0, 0,
			"%s: a symbolic link on the way: the provenance "
			"statement is never written through one",
			shown);
		err_hint(e, "give a path whose directories are real "
			    "(outputs.provenance, --provenance FILE)");
		return -1;
	}
	if (dfd < 0)
		return err_sys(e, errno, "%s", shown);
	if (dir_in_roots(dfd, roots, nroots)) {
		(void)close(dfd);
		err_set(e, ERR_CONFIG, NULL, 0, 0,
			"%s: the provenance statement would be inside an "
			"output root (through a link): it would be an output "
			"and served with the assets",
			shown);
		err_hint(e, "put it outside the output roots "
			    "(outputs.provenance, --provenance FILE)");
		return -1;
	}
	rc = beneath_stage_file(dfd, leaf, text->p ? text->p : "", text->len,
				&ps->file);
	if (rc < 0)
		err_sys(e, errno, "%s", shown);
	(void)close(dfd);
	return rc;
}

int provenance_commit(struct provenance_staged *ps, const char *shown,
		      struct err *e)
{
	if (beneath_commit_file(&ps->file) < 0)
		return err_sys(e, errno, "%s", shown);
	return 0;
}

void provenance_unstage(struct provenance_staged *ps)
{
	beneath_unstage_file(&ps->file);
}

int provenance_write(const char *path, const char *shown,
		     const char *const *roots, size_t nroots,
		     const struct buf *text, struct err *e)
{
	struct provenance_staged ps;

	if (provenance_stage(path, shown, roots, nroots, text, &ps, e) < 0)
		return -1;
	return provenance_commit(&ps, shown, e);
}

int provenance_remove(const char *path)
{
	const char *leaf;
	int dfd = beneath_parent(AT_FDCWD, path, 0, &leaf), rc;

	if (dfd < 0)
		return errno == ENOENT ? 0 : -1;
	rc = unlinkat(dfd, leaf, 0);
	if (rc < 0 && errno == ENOENT)
		rc = 0;
	{
		int saved = errno;

		(void)close(dfd);
		errno = saved;
	}
	return rc;
}

/* ---- Checking ---- */

struct subject {
	const char *name; /* decoded, borrowed from the document */
	unsigned char sha256[32];
};

static int cmp_subject(const void *a, const void *b)
{
	return strcmp(((const struct subject *)a)->name,
		      ((const struct subject *)b)->name);
}

static int bad(struct findings *f, const char *name, const char *why)
{
	return findings_add(f, FIND_ERROR, "provenance", name,
			    "not a provenance statement cleanroom can check: "
			    "%s",
			    why);
}

/* A string member that must equal want. */
static const char *want_str(const struct mf_json *j, const struct mf_jnode *o,
			    const char *key, const char *want)
{
	const char *s = mf_json_getstr(j, o, key, NULL);

	return s != NULL && strcmp(s, want) == 0 ? NULL : key;
}

/* The statement's subjects, checked for shape, into a sorted array. *why
 * is a static reason when the shape is wrong (then 0 is returned with
 * nothing in *out). */
static int read_subjects(const struct mf_json *j, struct subject **out,
			 size_t *n, const char **why)
{
	const struct mf_jnode *root = &j->v[0], *arr, *s;
	const struct mf_jnode *pred, *bd, *rd, *b;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	*why = NULL;
	if (root->type != MJ_OBJ) {
		*why = "it is not a JSON object";
		return 0;
	}
	if (want_str(j, root, "_type", PROVENANCE_STATEMENT_TYPE) != NULL) {
		*why = "_type is not " PROVENANCE_STATEMENT_TYPE;
		return 0;
	}
	if (want_str(j, root, "predicateType", PROVENANCE_PREDICATE_TYPE) !=
	    NULL) {
		*why = "predicateType is not " PROVENANCE_PREDICATE_TYPE;
		return 0;
	}
	pred = mf_json_get(j, root, "predicate");
	bd = pred && pred->type == MJ_OBJ
		     ? mf_json_get(j, pred, "buildDefinition")
		     : NULL;
	rd = pred && pred->type == MJ_OBJ ? mf_json_get(j, pred, "runDetails")
					  : NULL;
	b = rd && rd->type == MJ_OBJ ? mf_json_get(j, rd, "builder") : NULL;
	if (bd == NULL || bd->type != MJ_OBJ ||
	    mf_json_getstr(j, bd, "buildType", NULL) == NULL || b == NULL ||
	    b->type != MJ_OBJ || mf_json_getstr(j, b, "id", NULL) == NULL) {
		*why = "the predicate lacks buildDefinition.buildType or "
		       "runDetails.builder.id";
		return 0;
	}
	arr = mf_json_get(j, root, "subject");
	if (arr == NULL || arr->type != MJ_ARR) {
		*why = "subject is not an array";
		return 0;
	}
	*out = calloc(arr->n + 1, sizeof **out);
	if (*out == NULL)
		return -1;
	for (s = mf_json_first(j, arr); s != NULL; s = mf_json_next(j, s)) {
		const struct mf_jnode *d;
		const char *name, *hex;
		size_t nlen, hlen;

		if (s->type != MJ_OBJ ||
		    (name = mf_json_getstr(j, s, "name", &nlen)) == NULL ||
		    nlen == 0 || memchr(name, '\0', nlen) != NULL) {
			*why = "a subject has no name";
			goto wrong;
		}
		d = mf_json_get(j, s, "digest");
		hex = d && d->type == MJ_OBJ
			      ? mf_json_getstr(j, d, "sha256", &hlen)
			      : NULL;
		if (hex == NULL || hlen != 64 ||
		    hex_decode((*out)[k].sha256, hex, 32, NULL) < 0) {
			*why = "a subject has no SHA-256 digest of 64 hex "
			       "digits";
			goto wrong;
		}
		(*out)[k++].name = name;
	}
	qsort(*out, k, sizeof **out, cmp_subject);
	for (size_t i = 1; i < k; i++)
		if (strcmp((*out)[i].name, (*out)[i - 1].name) == 0) {
			*why = "a subject is listed twice";
			goto wrong;
		}
	*n = k;
	return 0;
wrong:
	free(*out);
	*out = NULL;
	return 0;
}

/* The lock's names as a JSON reader gets them back from the statement
 * (json.h's json_roundtrip), each with its entry, sorted. */
struct locked {
	char *name;
	const unsigned char *sha256;
};

static int cmp_locked(const void *a, const void *b)
{
	return strcmp(((const struct locked *)a)->name,
		      ((const struct locked *)b)->name);
}

static void free_locked(struct locked *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		free(v[i].name);
	free(v);
}

static struct locked *locked_names(const struct lock *l)
{
	struct locked *v = calloc(l->n + 1, sizeof *v);

	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < l->n; i++) {
		struct buf b = {0};

		if (json_roundtrip(&b, l->v[i].path, strlen(l->v[i].path)) <
			    0 ||
		    (v[i].name = strdup(b.p ? b.p : "")) == NULL) {
			buf_free(&b);
			free_locked(v, i);
			return NULL;
		}
		buf_free(&b);
		v[i].sha256 = l->v[i].sha256;
	}
	qsort(v, l->n, sizeof *v, cmp_locked);
	return v;
}

static int compare(const struct subject *s, size_t ns, const struct locked *lk,
		   size_t nl, struct findings *f, size_t *ndiff)
{
	size_t i = 0, k = 0;
	char a[65], b[65];

	*ndiff = 0;
	while (i < ns || k < nl) {
		int c = i == ns	  ? 1
			: k == nl ? -1
				  : strcmp(s[i].name, lk[k].name);
		int rc = 0;

		if (c < 0) {
			rc = findings_add(f, FIND_ERROR, "provenance",
					  s[i].name,
					  "a subject of the provenance "
					  "statement, not in the lock");
			i++;
		} else if (c > 0) {
			rc = findings_add(f, FIND_ERROR, "provenance",
					  lk[k].name,
					  "in the lock, not a subject of the "
					  "provenance statement");
			k++;
		} else {
			if (memcmp(s[i].sha256, lk[k].sha256, 32) != 0) {
				hex_encode(a, s[i].sha256, 32);
				hex_encode(b, lk[k].sha256, 32);
				rc = findings_add(
					f, FIND_ERROR, "provenance", s[i].name,
					"SHA-256 differs: %s in the "
					"provenance statement, %s in the lock",
					a, b);
			} else {
				i++;
				k++;
				continue;
			}
			i++;
			k++;
		}
		if (rc < 0)
			return -1;
		(*ndiff)++;
	}
	return 0;
}

int provenance_check_text(const char *name, const char *text, size_t len,
			  const struct lock *l, struct findings *f,
			  struct provenance_result *r, struct err *e)
{
	struct mf_json j = {0};
	struct subject *subj = NULL;
	struct locked *lk = NULL;
	const char *why = NULL;
	char msg[160];
	unsigned line = 0, col = 0;
	size_t ns = 0;
	int rc = -1;

	r->existed = 1;
	if (mf_json_parse(text, len, &j, msg, sizeof msg, &line, &col) < 0) {
		if (errno == ENOMEM) {
			err_sys(e, ENOMEM, "%s", name);
			goto out;
		}
		if (findings_add(f, FIND_ERROR, "provenance", name,
				 "not JSON (line %u, column %u: %s)", line, col,
				 msg) < 0)
			goto nomem;
		rc = 0;
		goto out;
	}
	if (read_subjects(&j, &subj, &ns, &why) < 0)
		goto nomem;
	if (why != NULL) {
		if (bad(f, name, why) < 0)
			goto nomem;
		rc = 0;
		goto out;
	}
	if ((lk = locked_names(l)) == NULL)
		goto nomem;
	r->checked = 1;
	r->nsubjects = ns;
	if (compare(subj, ns, lk, l->n, f, &r->ndiffering) < 0)
		goto nomem;
	rc = 0;
	goto out;
nomem:
	err_sys(e, ENOMEM, "checking %s", name);
	rc = -1;
out:
	free(subj);
	free_locked(lk, l->n);
	mf_json_free(&j);
	return rc;
}

int provenance_check(const char *path, const char *shown, const struct lock *l,
		     int required, struct findings *f,
		     struct provenance_result *r, struct err *e)
{
	struct buf text = {0};
	struct stat st;
	int fd, rc = -1;

	memset(r, 0, sizeof *r);
	fd = beneath_open(AT_FDCWD, path, O_RDONLY | O_NONBLOCK, 0);
	if (fd < 0 && errno == ENOENT) {
		if (!required)
			return 0;
		if (findings_add(f, FIND_ERROR, "provenance", shown,
				 "no provenance statement "
				 "(--require-provenance); 'cleanroom run' "
				 "writes one beside the lock") < 0)
			return err_sys(e, ENOMEM, "verify");
		return 0;
	}
	r->existed = 1;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int saved = errno;

		if (fd >= 0)
			(void)close(fd);
		if (findings_add(f, FIND_ERROR, "provenance", shown,
				 "cannot be read as a regular file%s%s",
				 fd < 0 ? ": " : "",
				 fd < 0 ? strerror(saved) : "") < 0)
			return err_sys(e, ENOMEM, "verify");
		return 0;
	}
	if (io_read_fd(fd, PROVENANCE_MAX, &text) < 0) {
		int saved = errno;

		(void)close(fd);
		buf_free(&text);
		if (saved == EFBIG) {
			if (findings_add(f, FIND_ERROR, "provenance", shown,
					 "larger than any statement cleanroom "
					 "writes") < 0)
				return err_sys(e, ENOMEM, "verify");
			return 0;
		}
		return err_sys(e, saved, "%s", shown);
	}
	(void)close(fd);
	rc = provenance_check_text(shown, text.p ? text.p : "", text.len, l, f,
				   r, e);
	buf_free(&text);
	return rc;
}
