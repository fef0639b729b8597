/*
 * The parts of `cleanroom reproduce` that are not the builds: where two
 * file versions part (line, column, excerpt), fingerprint-blind name keys,
 * and tree copies (exclusions, symlinks kept as links, modes and times,
 * creation order, removal).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "copytree.h"
#include "filediff.h"
#include "io.h"
#include "tap.h"

static void first(const char *a, const char *b, struct filediff *d)
{
	filediff_first(a, strlen(a), b, strlen(b), d);
}

TAP_SUITE(filediff_first_difference)
{
	struct filediff d;
	struct buf x = {0};

	first("same\ntext\n", "same\ntext\n", &d);
	T_OK(d.same, "equal contents are the same");

	first("a\nbb\nccc=1;\n", "a\nbb\nccc=2;\n", &d);
	T_OK(!d.same && d.text, "text that differs");
	T_INT(d.line, 3, "on line 3");
	T_INT(d.col, 5, "at column 5");
	T_INT(d.offset, 9, "byte 9");
	T_MEM(d.a_line, d.a_len, "ccc=1;", 6, "build 1's line, no newline");
	T_MEM(d.b_line, d.b_len, "ccc=2;", 6, "build 2's line");

	first("x = 1\n", "x = 1\ny = 2\n", &d);
	T_INT(d.line, 2, "a prefix: the first extra line");
	T_INT(d.a_len, 0, "build 1 has nothing there");
	T_MEM(d.b_line, d.b_len, "y = 2", 5, "build 2's extra line");

	first("abc", "abd", &d);
	T_INT(d.line, 1, "no newline at all: line 1");
	T_INT(d.col, 3, "column 3");

	filediff_first("a\0b", 3, "a\0c", 3, &d);
	T_OK(!d.text && !d.same, "a NUL byte makes it binary");
	T_INT(d.offset, 2, "binary: first differing byte");
	T_INT(d.line, 0, "binary: no line");

	filediff_first("", 0, "", 0, &d);
	T_OK(d.same, "two empty files are the same");

	/* A minified line: only a window around the column is shown. */
	char longa[1000], longb[1000];

	memset(longa, 'a', sizeof longa);
	memcpy(longb, longa, sizeof longb);
	longb[500] = 'B';
	filediff_first(longa, sizeof longa, longb, sizeof longb, &d);
	T_INT(d.col, 501, "column in a long line");
	filediff_excerpt(d.b_line, d.b_len, d.col, 5, &x);
	T_MEM(x.p, x.len, "...aaaaaBaaaa...", 16,
	      "the excerpt is cut on both sides");
	x.len = 0;
	filediff_excerpt("t\x01\\\xff", 4, 1, 60, &x);
	T_MEM(x.p, x.len, "t\\x01\\\\\\xff", 11,
	      "control bytes, backslash and high bytes escaped");
	x.len = 0;
	filediff_excerpt("short", 5, 5, 60, &x);
	T_MEM(x.p, x.len, "short", 5, "a short line whole");
	buf_free(&x);
}

static void key_is(const char *path, const char *want)
{
	struct buf k = {0};

	filediff_name_key(path, &k);
	buf_addc(&k, '\0');
	T_STR(k.p, want, path);
	buf_free(&k);
}

TAP_SUITE(filediff_name_keys)
{
	key_is("public/assets/application-"
	       "0f3e2b1c0f3e2b1c0f3e2b1c0f3e2b1c0f3e2b1c0f3e2b1c0f3e2b1c0f3e2b1"
	       "c."
	       "js",
	       "public/assets/application*.js");
	key_is("dist/assets/index-Bx-7d9Kq.js", "dist/assets/index*.js");
	key_is("dist/assets/index-Bx-7d9Kq.css", "dist/assets/index*.css");
	key_is("staticfiles/css/site.3ad8e2c4b1f0.css",
	       "staticfiles/css/site*.css");
	key_is("dist/main.1a2b3c4d5e6f7a8b9c0d.js.map", "dist/main*.js.map");
	key_is("public/assets/app-abc.js.gz", "public/assets/app*.js.gz");
	key_is("public/assets/.sprockets-manifest-0123abcd.json",
	       "public/assets/.sprockets*.json");
	key_is("README", "README*");
	key_is("dist/favicon.ico", "dist/favicon*.ico");
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			tap_diag("write %s: %s", path, strerror(errno));
		fchmod(fd, mode);
		close(fd);
	}
}

static int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

TAP_SUITE(copytree_copies)
{
	char tmpl[] = "/tmp/cleanroom-copytree.XXXXXX";
	char src[256], dst[256], p[512], q[512], order[2][256];
	const char *const exclude[] = {"public/assets", ".cleanroom", NULL};
	struct copy_stats st;
	struct err e = {0};
	struct stat a, b;

	if (mkdtemp(tmpl) == NULL) {
		T_OK(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(src, sizeof src, "%s/src", tmpl);
	mkdir(src, 0755);
	snprintf(p, sizeof p, "%s/app.js", src);
	write_file(p, "console.log(1)\n", 0640);
	struct timeval old[2] = {{1000000000, 0}, {1000000000, 0}};

	utimes(p, old);
	snprintf(p, sizeof p, "%s/public", src);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/public/assets", src);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/public/assets/stale.js", src);
	write_file(p, "old output\n", 0644);
	snprintf(p, sizeof p, "%s/public/robots.txt", src);
	write_file(p, "User-agent: *\n", 0644);
	snprintf(p, sizeof p, "%s/.cleanroom", src);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/link", src);
	symlink("/etc/passwd", p);
	snprintf(p, sizeof p, "%s/ro", src);
	mkdir(p, 0755);
	snprintf(q, sizeof q, "%s/ro/inner.txt", src);
	write_file(q, "inside a read-only directory\n", 0444);
	chmod(p, 0555);
	snprintf(p, sizeof p, "%s/fifo", src);
	mkfifo(p, 0644);

	snprintf(dst, sizeof dst, "%s/copy1", tmpl);
	T_INT(copytree(src, dst, exclude, COPY_NAME_ORDER, &st, &e), 0,
	      "copy succeeds");
	T_INT(st.files, 3, "three regular files copied");
	T_INT(st.symlinks, 1, "one symlink");
	T_INT(st.skipped, 1, "the fifo skipped");
	snprintf(p, sizeof p, "%s/app.js", dst);
	T_OK(stat(p, &a) == 0 && (a.st_mode & 07777) == 0640,
	     "the mode is kept");
	T_INT(a.st_mtim.tv_sec, 1000000000, "the mtime is kept");
	snprintf(p, sizeof p, "%s/public/assets", dst);
	T_OK(!exists(p), "an excluded output root is left out");
	snprintf(p, sizeof p, "%s/public/robots.txt", dst);
	T_OK(exists(p), "its siblings are copied");
	snprintf(p, sizeof p, "%s/.cleanroom", dst);
	T_OK(!exists(p), ".cleanroom is left out");
	snprintf(p, sizeof p, "%s/link", dst);
	char target[64] = {0};

	T_OK(lstat(p, &a) == 0 && S_ISLNK(a.st_mode),
	     "a symlink is copied as a link");
	T_OK(readlink(p, target, sizeof target - 1) > 0 &&
		     strcmp(target, "/etc/passwd") == 0,
	     "with the same target, not followed");
	snprintf(p, sizeof p, "%s/ro", dst);
	snprintf(q, sizeof q, "%s/ro/inner.txt", dst);
	T_OK(stat(p, &a) == 0 && (a.st_mode & 07777) == 0555 && exists(q),
	     "a read-only directory is filled, then made read-only");

	T_INT(copytree(src, dst, exclude, COPY_NAME_ORDER, &st, &e), -1,
	      "copying onto an existing directory fails");
	T_OK(strstr(e.msg, "copy1") != NULL, "naming it: %s", e.msg);

	/* Entries created in opposite orders; on a filesystem that lists
	 * creation order the two copies read back differently. */
	snprintf(q, sizeof q, "%s/copy2", tmpl);
	T_INT(copytree(src, q, exclude, COPY_REVERSE_ORDER, &st, &e), 0,
	      "reverse-order copy succeeds");
	T_OK(copytree_readdir_order(dst, order[0], sizeof order[0]) > 0 &&
		     copytree_readdir_order(q, order[1], sizeof order[1]) > 0,
	     "both read back");
	T_OK(stat(dst, &a) == 0 && stat(src, &b) == 0 &&
		     (a.st_mode & 07777) == (b.st_mode & 07777),
	     "the root's mode is kept");

	snprintf(p, sizeof p, "%s/ro", src);
	chmod(p, 0755);
	T_INT(io_remove_tree(tmpl), 0, "the whole tree is removed");
	T_OK(!exists(tmpl), "nothing is left");
	T_INT(io_remove_tree(tmpl), 0, "removing a missing tree is fine");
}
