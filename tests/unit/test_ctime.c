/*
 * ctime_sweep.c: which paths the sweep skips and walks, the window of
 * ctimes it reports, and a sweep of a real tree: a chmod, a hard link,
 * an xattr reported; a skipped dir, a link to outside and what happened
 * before the start not.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "ctime_sweep.h"
#include "tap.h"

TAP_SUITE(ctime_beneath)
{
	T_OK(ctime_beneath("/usr", "/usr"), "a dir holds itself");
	T_OK(ctime_beneath("/usr/bin/env", "/usr"), "a path beneath");
	T_OK(!ctime_beneath("/usrx", "/usr"), "/usrx is not beneath /usr");
	T_OK(!ctime_beneath("/usr", "/usr/bin"), "a parent is not beneath");
	T_OK(ctime_beneath("/etc", "/"), "/ holds every absolute path");
	T_OK(!ctime_beneath("/var/tmpfoo", "/var/tmp"), "a prefix only");
	T_OK(ctime_beneath("/var/tmp/x", "/var/tmp"), "/var/tmp/x skipped");
}

TAP_SUITE(ctime_window)
{
	struct timespec since = {100, 500}, until = {105, 0};
	struct timespec t;

	t = (struct timespec){100, 499};
	T_OK(ctime_in_window(&t, &since, &until) == 0, "a ns before: not");
	t = (struct timespec){100, 500};
	T_OK(ctime_in_window(&t, &since, &until) == 1, "at the start: in");
	t = (struct timespec){99, 999999999};
	T_OK(ctime_in_window(&t, &since, &until) == 0, "the second before");
	t = (struct timespec){105, 0};
	T_OK(ctime_in_window(&t, &since, &until) == 1, "at the end: in");
	t = (struct timespec){105, 1};
	T_OK(ctime_in_window(&t, &since, &until) == -1, "after the end");
	T_OK(ctime_in_window(&t, &since, NULL) == 1, "no end: in");
}

TAP_SUITE(ctime_roots_and_skips)
{
	char top[] = "/tmp/cleanroom-ctime-XXXXXX", link[128], real[128];
	const char *roots[] = {"/usr",		"/usr/bin", "/etc", "/etc",
			       "/srv/out/deep", "/usrx",    "/opt"};
	const char *skip[] = {"/var/tmp", "/srv/out", NULL};
	struct ctime_sweep_opts o = {.roots = roots, .nroots = 7, .skip = skip};
	struct ctime_sweep *s;
	struct err e = {0};
	const char *want[] = {"/usr", "/etc", "/usrx", "/opt", NULL};

	if (mkdtemp(top) == NULL)
		abort();
	snprintf(real, sizeof real, "%s/real", top);
	snprintf(link, sizeof link, "%s/out", top);
	if (mkdir(real, 0755) != 0 || symlink("real", link) != 0)
		abort();
	skip[2] = link;
	o.nskip = 3;
	s = ctime_sweep_begin(&o, &e);
	T_OK(s != NULL, "begins: %s", e.msg);
	if (s == NULL)
		return;
	for (size_t i = 0; i < 5; i++) {
		const char *got = ctime_sweep_root(s, i);

		T_OK(want[i] == NULL ? got == NULL
				     : got != NULL && strcmp(got, want[i]) == 0,
		     "root %zu is %s (got %s)", i, want[i] ? want[i] : "none",
		     got ? got : "none");
	}
	T_OK(ctime_sweep_skips(s, "/var/tmp"), "a skipped path");
	T_OK(ctime_sweep_skips(s, "/var/tmp/a/b"), "beneath a skipped path");
	T_OK(!ctime_sweep_skips(s, "/var/tmpx"), "a sibling with the prefix");
	T_OK(!ctime_sweep_skips(s, "/var"), "the parent of a skipped path");
	T_OK(ctime_sweep_skips(s, link), "a skipped link, as spelled");
	T_OK(ctime_sweep_skips(s, real), "and as it resolved at the start");
	T_OK(!ctime_sweep_skips(s, top), "their parent is swept");
	ctime_sweep_free(s);
	(void)unlink(link);
	(void)rmdir(real);
	(void)rmdir(top);
}

TAP_SUITE(ctime_roots_links)
{
	char top[] = "/tmp/cleanroom-ctime-XXXXXX", real[128], sub[160];
	char lnk[128], via[160];
	const char *roots[2];
	struct ctime_sweep_opts o = {.roots = roots, .nroots = 1};
	struct ctime_sweep *s;
	struct ctime_result r;
	struct err e = {0};

	if (mkdtemp(top) == NULL)
		abort();
	snprintf(real, sizeof real, "%s/real", top);
	snprintf(sub, sizeof sub, "%s/sub", real);
	snprintf(lnk, sizeof lnk, "%s/lnk", top);
	snprintf(via, sizeof via, "%s/sub", lnk);
	if (mkdir(real, 0755) || mkdir(sub, 0755) || symlink("real", lnk))
		abort();
	/* A root that is a link: its own ctime, not entered. */
	roots[0] = lnk;
	s = ctime_sweep_begin(&o, &e);
	if (s == NULL)
		abort();
	(void)chmod(sub, 0700);
	T_OK(ctime_sweep_run(s, &r, &e) == 0, "sweeps: %s", e.msg);
	T_OK(r.inodes == 1 && r.changed == 0 && r.unswept == 0,
	     "a root that is a link is looked at, not entered (%zu inodes)",
	     r.inodes);
	ctime_result_free(&r);
	ctime_sweep_free(s);
	/* A root with a link further up: not followed, counted. */
	roots[0] = via;
	s = ctime_sweep_begin(&o, &e);
	if (s == NULL)
		abort();
	(void)chmod(sub, 0755);
	T_OK(ctime_sweep_run(s, &r, &e) == 0, "sweeps: %s", e.msg);
	T_OK(r.changed == 0 && r.unswept == 1 && r.first_unswept != NULL &&
		     strncmp(r.first_unswept, via, strlen(via)) == 0 &&
		     strstr(r.first_unswept, strerror(ELOOP)) != NULL,
	     "a link on the way to a root is not followed: %s",
	     r.first_unswept ? r.first_unswept : "(none)");
	ctime_result_free(&r);
	ctime_sweep_free(s);
	(void)unlink(lnk);
	(void)rmdir(sub);
	(void)rmdir(real);
	(void)rmdir(top);
}

static void put(const char *dir, const char *name)
{
	char p[512];
	int fd;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "x\n", 2) != 2)
		abort();
	close(fd);
}

static int named(const struct ctime_result *r, const char *path)
{
	for (size_t i = 0; i < r->nnamed; i++)
		if (strcmp(r->named[i].path, path) == 0)
			return 1;
	return 0;
}

TAP_SUITE(ctime_sweep_tree)
{
	char top[] = "/tmp/cleanroom-ctime-XXXXXX", p[512], q[512];
	char root[256], out[300], outside[300];
	const char *roots[1], *skip[1];
	struct ctime_sweep_opts o = {
		.roots = roots, .nroots = 1, .skip = skip, .nskip = 1};
	struct ctime_sweep *s;
	struct ctime_result r;
	struct err e = {0};
	int xattr, xerr;

	if (mkdtemp(top) == NULL)
		abort();
	snprintf(root, sizeof root, "%s/root", top);
	snprintf(out, sizeof out, "%s/out", root);
	snprintf(outside, sizeof outside, "%s/outside", top);
	snprintf(p, sizeof p, "%s/sub", root);
	if (mkdir(root, 0755) || mkdir(out, 0755) || mkdir(outside, 0755) ||
	    mkdir(p, 0755))
		abort();
	put(root, "chmodded");
	put(root, "linked");
	put(root, "xattr");
	put(root, "untouched");
	put(p, "deep");
	put(out, "x");
	put(outside, "y");
	snprintf(p, sizeof p, "%s/to-outside", root);
	if (symlink(outside, p) != 0)
		abort();
	roots[0] = root;
	skip[0] = out;
	o.base = root;
	s = ctime_sweep_begin(&o, &e);
	T_OK(s != NULL, "begins: %s", e.msg);
	if (s == NULL)
		return;
	/* The build's doings. */
	snprintf(p, sizeof p, "%s/chmodded", root);
	(void)chmod(p, 0600);
	snprintf(p, sizeof p, "%s/linked", root);
	snprintf(q, sizeof q, "%s/linked-again", out);
	T_OK(link(p, q) == 0, "a hard link into the skipped dir");
	snprintf(p, sizeof p, "%s/xattr", root);
	xattr = setxattr(p, "user.planted", "1", 1, 0) == 0;
	xerr = errno;
	snprintf(p, sizeof p, "%s/x", out);
	(void)chmod(p, 0777); /* skipped */
	snprintf(p, sizeof p, "%s/y", outside);
	(void)chmod(p, 0777); /* only reachable through a link */
	snprintf(p, sizeof p, "%s/sub/deep", root);
	(void)chmod(p, 0640);
	T_OK(ctime_sweep_run(s, &r, &e) == 0, "sweeps: %s", e.msg);
	T_OK(named(&r, "chmodded"), "a chmod is named");
	T_OK(named(&r, "linked"), "a new hard link is named");
	T_OK(named(&r, "sub/deep"), "a chmod two levels down");
	if (xattr)
		T_OK(named(&r, "xattr"), "a set xattr is named");
	else
		tap_diag("SKIP user xattrs on /tmp: %s", strerror(xerr));
	T_OK(!named(&r, "untouched"), "an untouched file is not");
	T_OK(!named(&r, "out/x") && !named(&r, "out"),
	     "the skipped dir is neither named nor entered");
	T_OK(!named(&r, "to-outside") && !named(&r, "to-outside/y"),
	     "a link is not followed");
	T_OK(!named(&r, "sub"), "a dir whose entry changed mode is not");
	T_OK(r.changed == (size_t)(3 + xattr) && r.nnamed == r.changed,
	     "exactly those (changed %zu)", r.changed);
	/* root, out, sub, to-outside, the 4 files, sub/deep: out is
	 * looked at, not entered. */
	T_OK(r.inodes == 9, "9 inodes looked at (got %zu)", r.inodes);
	T_OK(r.unswept == 0, "every dir read");
	ctime_result_free(&r);
	ctime_sweep_free(s);

	/* The skipped dir's parent without Landlock: its ctime changes
	 * when an output root is made again, which is not reported; its
	 * mode changing is. */
	o.lenient_ancestors = 1;
	s = ctime_sweep_begin(&o, &e);
	T_OK(s != NULL, "begins again: %s", e.msg);
	if (s == NULL)
		return;
	snprintf(p, sizeof p, "%s/x", out);
	(void)unlink(p);
	snprintf(p, sizeof p, "%s/linked-again", out);
	(void)unlink(p);
	T_OK(rmdir(out) == 0 && mkdir(out, 0755) == 0, "the output root anew");
	T_OK(ctime_sweep_run(s, &r, &e) == 0, "sweeps: %s", e.msg);
	T_OK(r.changed == 1 && named(&r, "linked"),
	     "only the unlinked file's link count (changed %zu)", r.changed);
	ctime_result_free(&r);
	ctime_sweep_free(s);

	s = ctime_sweep_begin(&o, &e);
	if (s == NULL)
		abort();
	(void)chmod(root, 0777);
	T_OK(ctime_sweep_run(s, &r, &e) == 0, "sweeps: %s", e.msg);
	T_OK(r.changed == 1 && r.nnamed == 1 &&
		     strcmp(r.named[0].path, ".") == 0,
	     "the parent's own chmod is named (changed %zu)", r.changed);
	ctime_result_free(&r);
	ctime_sweep_free(s);

	/* With Landlock (not lenient): the parent's times are its own. */
	o.lenient_ancestors = 0;
	s = ctime_sweep_begin(&o, &e);
	if (s == NULL)
		abort();
	{
		struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};

		T_OK(utimensat(AT_FDCWD, root, old, 0) == 0, "touch -d");
	}
	T_OK(ctime_sweep_run(s, &r, &e) == 0, "sweeps: %s", e.msg);
	T_OK(r.changed == 1 && r.nnamed == 1 &&
		     strcmp(r.named[0].path, ".") == 0,
	     "the parent's new times are named (changed %zu)", r.changed);
	ctime_result_free(&r);
	ctime_sweep_free(s);

	/* The build's last act, just before the sweep: a chmod of a file
	 * whose ctime was looked at, which a multigrain filesystem stamps
	 * with the fine clock, ahead of the coarse one. */
	for (int i = 0; i < 20; i++) {
		struct stat st;
		int ok;

		s = ctime_sweep_begin(&o, &e);
		if (s == NULL)
			abort();
		snprintf(p, sizeof p, "%s/untouched", root);
		(void)stat(p, &st);
		(void)chmod(p, i % 2 ? 0644 : 0600);
		T_OK(ctime_sweep_run(s, &r, &e) == 0, "sweeps: %s", e.msg);
		ok = named(&r, "untouched") && r.after == 0;
		ctime_result_free(&r);
		ctime_sweep_free(s);
		if (!ok || i == 19) {
			T_OK(ok,
			     "a chmod just before the sweep is in the window "
			     "(%d of 20)",
			     i + 1);
			break;
		}
	}

	snprintf(p, sizeof p, "rm -rf '%s'", top);
	if (system(p) != 0)
		abort();
}
