/*
 * `cleanroom diff A.lock B.lock`: what differs between two output sets.
 * Exit 0 when they are identical, EXIT_VERIFY (err.h) when they differ (so
 * that a script can use it as a check, as `cleanroom reproduce` does).
 */
#include "commands.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "hex.h"
#include "io.h"
#include "lock.h"
#include "msg.h"

struct diff_out {
	struct buf text;
	size_t added, removed, changed;
	int oom;
};

/* A path as the lock writes it (backslash, newline and CR escaped), and
 * no other control character raw either (msg_escape). */
static int add_path(struct buf *b, const char *p)
{
	return msg_escape(b, p, strlen(p), MSG_ESC_BACKSLASH);
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
		     buf_printf(&d->text, "  %.16s\n", b) < 0;
		break;
	case LOCK_REMOVED:
		d->removed++;
		hex_encode(a, old_sha, 32);
		rc = buf_adds(&d->text, "removed  ") < 0 ||
		     add_path(&d->text, path) < 0 ||
		     buf_printf(&d->text, "  %.16s\n", a) < 0;
		break;
	default:
		d->changed++;
		hex_encode(a, old_sha, 32);
		hex_encode(b, new_sha, 32);
		rc = buf_adds(&d->text, "changed  ") < 0 ||
		     add_path(&d->text, path) < 0 ||
		     buf_printf(&d->text, "  %.16s -> %.16s\n", a, b) < 0;
		break;
	}
	d->oom |= rc;
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
	lock_free(&a);
	lock_free(&b);
	return rc;
}
