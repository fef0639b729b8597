/*
 * `cleanroom diff A.lock B.lock`: what differs between two output sets.
 * Exit 0 when they are identical, EXIT_VERIFY (err.h) when they differ (so
 * that a script can use it as a check, as `cleanroom reproduce` does).
 * `--format json` prints the same as one JSON object (README "diff
 * --format json"), through report.h's writer.
 */
#include "commands.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "envfmt.h"
#include "hex.h"
#include "io.h"
#include "lock.h"
#include "msg.h"
#include "report.h"

struct diff_out {
	struct buf text;
	struct buf added_j, removed_j, changed_j; /* --format json */
	size_t added, removed, changed;
	int oom;
};

/* A path as the lock writes it (backslash, newline and CR escaped), and
 * no other control character raw either (msg_escape). */
static int add_path(struct buf *b, const char *p)
{
	return msg_escape(b, p, strlen(p), MSG_ESC_BACKSLASH);
}

/* One JSON array element: {"path": ..., then the hashes}. */
static int json_item(struct buf *b, const char *path, const char *k1,
		     const char *h1, const char *k2, const char *h2)
{
	if ((b->len > 0 && buf_adds(b, ",") < 0) ||
	    buf_adds(b, "\n    {\"path\": ") < 0 ||
	    envfmt_json_string(b, path, strlen(path)) < 0 ||
	    buf_printf(b, ", \"%s\": \"%s\"", k1, h1) < 0)
		return -1;
	if (k2 != NULL && buf_printf(b, ", \"%s\": \"%s\"", k2, h2) < 0)
		return -1;
	return buf_adds(b, "}");
}

static void each(enum lock_change what, const char *path,
		 const unsigned char *old_sha, const unsigned char *new_sha,
		 void *arg)
{
	struct diff_out *d = arg;
	char a[65], b[65];
	int rc;

	switch (what) {
	case LOCK_ADDED:
		d->added++;
		hex_encode(b, new_sha, 32);
		rc = buf_adds(&d->text, "added    ") < 0 ||
		     add_path(&d->text, path) < 0 ||
		     buf_printf(&d->text, "  %.16s\n", b) < 0 ||
		     json_item(&d->added_j, path, "sha256", b, NULL, NULL) < 0;
		break;
	case LOCK_REMOVED:
		d->removed++;
		hex_encode(a, old_sha, 32);
		rc = buf_adds(&d->text, "removed  ") < 0 ||
		     add_path(&d->text, path) < 0 ||
		     buf_printf(&d->text, "  %.16s\n", a) < 0 ||
		     json_item(&d->removed_j, path, "sha256", a, NULL, NULL) <
			     0;
		break;
	default:
		d->changed++;
		hex_encode(a, old_sha, 32);
		hex_encode(b, new_sha, 32);
		rc = buf_adds(&d->text, "changed  ") < 0 ||
		     add_path(&d->text, path) < 0 ||
		     buf_printf(&d->text, "  %.16s -> %.16s\n", a, b) < 0 ||
		     json_item(&d->changed_j, path, "old_sha256", a,
			       "new_sha256", b) < 0;
		break;
	}
	d->oom |= rc;
}

static int json_array(struct buf *m, const char *name, const struct buf *items)
{
	return buf_printf(m, ",\n  \"%s\": [", name) < 0 ||
			       buf_add(m, items->p ? items->p : "",
				       items->len) < 0 ||
			       buf_adds(m, items->len ? "\n  ]" : "]") < 0
		       ? -1
		       : 0;
}

/* The JSON form on standard output; e is filled as for the text form
 * (ERR_VERIFY when the sets differ), and the object says the same. */
static int diff_json(const struct cli *c, struct diff_out *d, size_t na,
		     size_t nb, size_t n, struct err *e)
{
	struct buf m = {0};
	struct err why = {0};
	int rc = -1;

	if (n > 0)
		err_set(&why, ERR_VERIFY, NULL, 0, 0,
			"the output sets differ in %zu file%s", n,
			n == 1 ? "" : "s");
	if (d->oom || buf_adds(&m, ",\n  \"a\": ") < 0 ||
	    envfmt_json_string(&m, c->positional.v[0],
			       strlen(c->positional.v[0])) < 0 ||
	    buf_adds(&m, ",\n  \"b\": ") < 0 ||
	    envfmt_json_string(&m, c->positional.v[1],
			       strlen(c->positional.v[1])) < 0 ||
	    buf_printf(&m,
		       ",\n  \"identical\": %s,\n  \"files_a\": %zu, "
		       "\"files_b\": %zu,\n  \"counts\": {\"added\": %zu, "
		       "\"removed\": %zu, \"changed\": %zu}",
		       n == 0 ? "true" : "false", na, nb, d->added, d->removed,
		       d->changed) < 0 ||
	    json_array(&m, "added", &d->added_j) < 0 ||
	    json_array(&m, "removed", &d->removed_j) < 0 ||
	    json_array(&m, "changed", &d->changed_j) < 0) {
		err_sys(e, ENOMEM, "diff");
		goto out;
	}
	if (report_write("-", "diff", n > 0 ? err_exit_status(&why) : 0,
			 n > 0 ? &why : NULL, &m, e) < 0)
		goto out;
	if (n > 0) {
		*e = why;
		goto out;
	}
	rc = 0;
out:
	buf_free(&m);
	return rc;
}

int cmd_diff(const struct cli *c, struct err *e)
{
	struct lock a, b;
	struct diff_out d = {0};
	size_t n;
	int rc = -1;

	lock_init(&a);
	lock_init(&b);
	if (lock_load(c->positional.v[0], &a, e) < 0 ||
	    lock_load(c->positional.v[1], &b, e) < 0)
		goto out;
	n = lock_diff(&a, &b, each, &d);
	if (c->format != NULL && strcmp(c->format, "json") == 0) {
		rc = diff_json(c, &d, a.n, b.n, n, e);
		goto out;
	}
	if (d.oom || buf_printf(&d.text,
				"%zu added, %zu removed, %zu changed (%zu and "
				"%zu files)\n",
				d.added, d.removed, d.changed, a.n, b.n) < 0) {
		err_sys(e, ENOMEM, "diff");
		goto out;
	}
	if (io_write_all(STDOUT_FILENO, d.text.p, d.text.len) < 0) {
		err_sys(e, errno, "writing to standard output");
		goto out;
	}
	if (n > 0) {
		err_set(e, ERR_VERIFY, NULL, 0, 0,
			"the output sets differ in %zu file%s", n,
			n == 1 ? "" : "s");
		goto out;
	}
	rc = 0;
out:
	buf_free(&d.text);
	buf_free(&d.added_j);
	buf_free(&d.removed_j);
	buf_free(&d.changed_j);
	lock_free(&a);
	lock_free(&b);
	return rc;
}
