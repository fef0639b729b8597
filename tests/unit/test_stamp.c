/*
 * stamp_compute on trees made in a temporary directory: the stamp changes
 * with each kind of input (content, new and deleted files, env values and
 * names, spec, command, missing inputs, symlink targets, modes) and only
 * with them; the stat cache reuses hashes of unchanged files, survives a
 * save and load, and, thanks to the racy-timestamp rule, is not fooled by
 * a same-size rewrite that keeps the mtime.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "stamp.h"
#include "tap.h"

static char top[64];
static char old_cwd[4096];

/* An old, fixed mtime: far outside the racy window of any cache. */
#define OLD_SEC 1000000000

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		abort();
	if (fputs(text, f) == EOF || fclose(f) != 0)
		abort();
}

static void set_mtime(const char *path, time_t sec, long nsec)
{
	struct timespec ts[2] = {{sec, nsec}, {sec, nsec}};

	if (utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) != 0)
		abort();
}

static void enter_scratch(void)
{
	if (getcwd(old_cwd, sizeof old_cwd) == NULL)
		abort();
	(void)snprintf(top, sizeof top, "/tmp/cleanroom-stamp-XXXXXX");
	if (mkdtemp(top) == NULL || chdir(top) != 0)
		abort();
	if (mkdir("src", 0755) != 0 || mkdir("src/lib", 0755) != 0)
		abort();
	put("package.json", "{\"name\": \"app\"}\n");
	put("src/a.js", "a()\n");
	put("src/lib/b.js", "b()\n");
	put("outside.txt", "not an input\n");
}

static void leave_scratch(void)
{
	char cmd[128];

	if (chdir(old_cwd) != 0)
		abort();
	(void)snprintf(cmd, sizeof cmd, "rm -rf %s", top);
	if (system(cmd) != 0)
		abort();
}

static char *env_base[] = {"PATH=/usr/bin:/bin", "NODE_ENV=production",
			   "LANG=C.UTF-8", NULL};
static char *argv_base[] = {"npm", "run", "build", NULL};
static const char *inputs_base[] = {"src", "package.json"};
static const char spec_base[] = "version: 1\nbuild: npm run build\n";

static void input_base(struct stamp_input *in)
{
	memset(in, 0, sizeof *in);
	in->spec = spec_base;
	in->spec_len = sizeof spec_base - 1;
	in->env = env_base;
	in->argv = argv_base;
	in->inputs = inputs_base;
	in->ninputs = 2;
}

/* The stamp of in, or all 0xff bytes (and a failed test) on error. */
static void stamp(const struct stamp_input *in, struct stamp_cache *c,
		  unsigned char out[32])
{
	struct err e = {0};

	if (!T_OK(stamp_compute(in, c, out, &e) == 0, "stamp_compute: %s",
		  e.msg))
		memset(out, 0xff, 32);
}

static int same(const unsigned char a[32], const unsigned char b[32])
{
	return memcmp(a, b, 32) == 0;
}

TAP_SUITE(stamp_inputs)
{
	struct stamp_input in;
	unsigned char s0[32], s1[32], s2[32];
	struct err e = {0};

	enter_scratch();
	input_base(&in);
	stamp(&in, NULL, s0);
	stamp(&in, NULL, s1);
	T_OK(same(s0, s1), "repeated runs give the same stamp");

	{
		char *rev[] = {"LANG=C.UTF-8", "NODE_ENV=production",
			       "PATH=/usr/bin:/bin", NULL};

		in.env = rev;
		stamp(&in, NULL, s1);
		T_OK(same(s0, s1), "the order of the environment is ignored");
		in.env = env_base;
	}
	{
		const char *rev[] = {"package.json/", "src/", "src"};

		in.inputs = rev;
		in.ninputs = 3;
		stamp(&in, NULL, s1);
		T_OK(same(s0, s1), "input order, duplicates and trailing "
				   "slashes are ignored");
		input_base(&in);
	}

	put("src/a.js", "a(1)\n");
	stamp(&in, NULL, s1);
	T_OK(!same(s0, s1), "a content change changes the stamp");
	put("src/a.js", "a()\n");
	stamp(&in, NULL, s1);
	T_OK(same(s0, s1), "restoring the content restores the stamp");

	put("src/lib/new.js", "");
	stamp(&in, NULL, s1);
	T_OK(!same(s0, s1), "a new (empty) file changes the stamp");
	if (unlink("src/lib/new.js") != 0)
		abort();
	stamp(&in, NULL, s1);
	T_OK(same(s0, s1), "deleting it again restores the stamp");
	if (unlink("src/lib/b.js") != 0)
		abort();
	stamp(&in, NULL, s1);
	T_OK(!same(s0, s1), "a deleted file changes the stamp");
	put("src/lib/b.js", "b()\n");

	if (mkdir("src/empty", 0755) != 0)
		abort();
	stamp(&in, NULL, s1);
	T_OK(!same(s0, s1), "a new empty directory changes the stamp");
	if (rmdir("src/empty") != 0)
		abort();

	if (chmod("src/a.js", 0755) != 0)
		abort();
	stamp(&in, NULL, s1);
	T_OK(!same(s0, s1), "a mode change changes the stamp");
	if (chmod("src/a.js", 0644) != 0)
		abort();
	stamp(&in, NULL, s1);
	T_OK(same(s0, s1), "the tree is back as it was");

	{
		char *env[] = {"PATH=/usr/bin:/bin", "NODE_ENV=development",
			       "LANG=C.UTF-8", NULL};

		in.env = env;
		stamp(&in, NULL, s1);
		T_OK(!same(s0, s1), "an env value change changes the stamp");
	}
	{
		char *env[] = {"PATH=/usr/bin:/bin", "NODE_ENV=production",
			       "LANG=C.UTF-8", "CI=", NULL};

		in.env = env;
		stamp(&in, NULL, s1);
		T_OK(!same(s0, s1), "a new env name changes the stamp");
		env[3] = "CI";
		stamp(&in, NULL, s2);
		T_OK(!same(s1, s2) && !same(s0, s2),
		     "\"CI\" (no value) differs from \"CI=\" and from no CI");
	}
	{
		/* A name/value split must not be ambiguous. */
		char *e1[] = {"A=B=C", NULL};
		char *e2[] = {"A=B", "C", NULL};

		in.env = e1;
		stamp(&in, NULL, s1);
		in.env = e2;
		stamp(&in, NULL, s2);
		T_OK(!same(s1, s2), "env entries are length-prefixed");
		in.env = env_base;
	}

	in.spec = "version: 2\n";
	in.spec_len = strlen("version: 2\n");
	stamp(&in, NULL, s1);
	T_OK(!same(s0, s1), "a spec change changes the stamp");
	in.spec = "";
	in.spec_len = 0;
	stamp(&in, NULL, s1);
	in.spec = NULL;
	stamp(&in, NULL, s2);
	T_OK(!same(s1, s2), "no spec differs from an empty spec");
	input_base(&in);

	{
		char *argv[] = {"npm", "run", "build:prod", NULL};
		char *joined[] = {"npm run", "build", NULL};

		in.argv = argv;
		stamp(&in, NULL, s1);
		T_OK(!same(s0, s1), "an argv change changes the stamp");
		in.argv = joined;
		stamp(&in, NULL, s1);
		T_OK(!same(s0, s1), "argv words are length-prefixed");
		in.argv = argv_base;
		in.shell = 1;
		stamp(&in, NULL, s1);
		T_OK(!same(s0, s1), "the shell form changes the stamp");
		in.shell = 0;
	}

	{
		const char *inputs[] = {"src", "package.json", "extra.txt"};

		in.inputs = inputs;
		in.ninputs = 3;
		stamp(&in, NULL, s1);
		T_OK(!same(s0, s1), "a missing input is part of the stamp");
		put("extra.txt", "");
		stamp(&in, NULL, s2);
		T_OK(!same(s1, s2), "creating a missing input changes the "
				    "stamp");
		if (unlink("extra.txt") != 0)
			abort();
		stamp(&in, NULL, s2);
		T_OK(same(s1, s2), "removing it again restores the stamp");
		if (mkdir("extra.txt", 0755) != 0)
			abort();
		stamp(&in, NULL, s2);
		T_OK(!same(s1, s2), "a directory differs from missing");
		if (rmdir("extra.txt") != 0)
			abort();
		input_base(&in);
	}

	/* Symlinks: hashed as their target text, never followed, whether
	 * inside a walked directory or declared themselves. */
	if (symlink("../outside.txt", "src/link") != 0 ||
	    mkdir("elsewhere", 0755) != 0 ||
	    symlink("../elsewhere", "src/dirlink") != 0 ||
	    symlink("outside.txt", "toplink") != 0)
		abort();
	{
		const char *inputs[] = {"src", "package.json", "toplink"};

		in.inputs = inputs;
		in.ninputs = 3;
		stamp(&in, NULL, s1);
		put("outside.txt", "changed, same input\n");
		put("elsewhere/new.txt", "not walked\n");
		stamp(&in, NULL, s2);
		T_OK(same(s1, s2), "a symlink's target is not followed");
		if (unlink("src/link") != 0 ||
		    symlink("../package.json", "src/link") != 0)
			abort();
		stamp(&in, NULL, s2);
		T_OK(!same(s1, s2), "a symlink's target text is hashed");
		if (unlink("src/link") != 0 ||
		    symlink("../outside.txt", "src/link") != 0 ||
		    unlink("toplink") != 0 ||
		    symlink("./outside.txt", "toplink") != 0)
			abort();
		stamp(&in, NULL, s2);
		T_OK(!same(s1, s2), "a declared symlink is hashed as a link");
		input_base(&in);
	}

	{
		const char *inputs[] = {"src", ""};

		in.inputs = inputs;
		in.ninputs = 2;
		T_INT(stamp_compute(&in, NULL, s1, &e), -1, "empty input path");
		T_INT(e.kind, ERR_USAGE, "  is a usage error");
		input_base(&in);
	}
	{
		const char *inputs[] = {"src"};

		if (chmod("src/lib/b.js", 0) != 0)
			abort();
		in.inputs = inputs;
		in.ninputs = 1;
		/* root reads it anyway; only check the error when it fails. */
		if (stamp_compute(&in, NULL, s1, &e) < 0)
			T_INT(e.kind, ERR_SYSTEM, "an unreadable input fails");
		else
			T_OK(geteuid() == 0, "an unreadable input fails");
		if (chmod("src/lib/b.js", 0644) != 0)
			abort();
		input_base(&in);
	}
	leave_scratch();
}

/* Globbed inputs stand for what they match now; a glob that matches
 * nothing is a missing path, so a first match changes the stamp. */
TAP_SUITE(stamp_glob_inputs)
{
	struct stamp_input in;
	unsigned char s0[32], s1[32], s2[32];
	const char *globbed[] = {"src/*.js", "*.json", "conf/*.py"};
	const char *plain[] = {"src/a.js", "package.json", "conf/*.py"};

	enter_scratch();
	input_base(&in);
	in.inputs = globbed;
	in.ninputs = 3;
	stamp(&in, NULL, s0);
	in.inputs = plain;
	stamp(&in, NULL, s1);
	T_OK(same(s0, s1), "a glob hashes as the paths it matches");
	in.inputs = globbed;
	put("src/a.js", "a(2)\n");
	stamp(&in, NULL, s1);
	T_OK(!same(s0, s1), "a matched file's change changes the stamp");
	put("src/c.js", "c()\n");
	stamp(&in, NULL, s2);
	T_OK(!same(s1, s2), "a new match changes the stamp");
	put("src/lib/d.js", "d()\n");
	stamp(&in, NULL, s1);
	T_OK(same(s1, s2), "a file the glob does not match does not");
	if (mkdir("conf", 0755) != 0)
		abort();
	put("conf/settings.py", "DEBUG = False\n");
	stamp(&in, NULL, s1);
	T_OK(!same(s1, s2), "a first match of an empty glob changes it");
	leave_scratch();
}

/* Gives every input file an old mtime, as a tree checked out long ago. */
static void age_tree(void)
{
	set_mtime("package.json", OLD_SEC, 0);
	set_mtime("src/a.js", OLD_SEC, 0);
	set_mtime("src/lib/b.js", OLD_SEC, 0);
}

TAP_SUITE(stamp_cache)
{
	struct stamp_input in;
	struct stamp_cache c = {0}, c2 = {0};
	struct stamp_stats st;
	unsigned char truth[32], s1[32];
	struct err e = {0};

	enter_scratch();
	age_tree();
	input_base(&in);
	stamp(&in, NULL, truth);

	stamp(&in, &c, s1);
	stamp_cache_stats(&c, &st);
	T_OK(same(truth, s1), "a cache does not change the stamp");
	T_INT(st.hashed, 3, "an empty cache: every file is read");
	T_INT(st.reused, 0, "  and none reused");
	T_INT(c.n, 3, "  the cache holds the three files");
	T_OK(c.time_ns > 0, "  and its reference time");
	T_OK(stamp_cache_find(&c, "src/lib/b.js") != NULL,
	     "  keyed by relative path");

	stamp(&in, &c, s1);
	stamp_cache_stats(&c, &st);
	T_OK(same(truth, s1), "a warm cache gives the same stamp");
	T_INT(st.hashed, 3, "  unchanged files are not read again");
	T_INT(st.reused, 3, "  their hashes are reused");

	put("src/a.js", "a(1, 2, 3)\n");
	set_mtime("src/a.js", OLD_SEC, 0);
	stamp(&in, NULL, truth);
	stamp(&in, &c, s1);
	stamp_cache_stats(&c, &st);
	T_OK(same(truth, s1), "a changed file is seen through the cache");
	T_INT(st.hashed, 4, "  only it is read");
	T_INT(st.reused, 5, "  the others are reused");

	T_INT(stamp_cache_save(AT_FDCWD, "stamp-cache", &c, &e), 0,
	      "stamp_cache_save");
	T_INT(stamp_cache_load(AT_FDCWD, "stamp-cache", &c2, &e), 0,
	      "stamp_cache_load");
	T_INT(c2.n, c.n, "  the entries come back");
	T_INT(c2.time_ns, c.time_ns, "  with the reference time");
	{
		int eq = c2.n == c.n;

		for (size_t i = 0; eq && i < c.n; i++)
			eq = strcmp(stamp_cache_path(&c, &c.v[i]),
				    stamp_cache_path(&c2, &c2.v[i])) == 0 &&
			     c.v[i].dev == c2.v[i].dev &&
			     c.v[i].ino == c2.v[i].ino &&
			     c.v[i].size == c2.v[i].size &&
			     c.v[i].mtime_ns == c2.v[i].mtime_ns &&
			     c.v[i].ctime_ns == c2.v[i].ctime_ns &&
			     memcmp(c.v[i].sha256, c2.v[i].sha256, 32) == 0;
		T_OK(eq, "  field for field");
	}
	stamp(&in, &c2, s1);
	stamp_cache_stats(&c2, &st);
	T_OK(same(truth, s1), "a loaded cache gives the same stamp");
	T_INT(st.hashed, 0, "  without reading a file");
	T_INT(st.reused, 3, "  every hash reused");

	if (unlink("src/lib/b.js") != 0)
		abort();
	stamp(&in, &c2, s1);
	T_OK(stamp_cache_find(&c2, "src/lib/b.js") == NULL,
	     "a deleted file leaves the cache");
	T_INT(c2.n, 2, "  which holds the files of the last walk");

	put("src/lib/b.js", "b()\n");

	put("stamp-cache", "cleanroom-stamp-cache 2\nzz\n");
	T_INT(stamp_cache_load(AT_FDCWD, "stamp-cache", &c2, &e), 0,
	      "a corrupt cache file loads");
	T_INT(c2.n, 0, "  as an empty cache");
	{
		/* A valid file, then each kind of damage: every one loads
		 * as an empty cache, never as wrong entries. */
		struct buf good = {0};
		static const struct {
			const char *what;
			long at; /* byte to change; -1: truncate by one */
			char val;
		} damage[] = {
			{"a truncated file", -1, 0},
			{"a wrong byte-order mark", 24, 9},
			{"another entry size", 28, 81},
			{"a count larger than the file", 47, 0x7f},
			{"a path offset past the end", 56 + 40, 0x7f},
			{"a path length past the end", 56 + 44, 0x7f},
			{"a path without its NUL", -2, 'x'},
			{"the previous format (version 2)", 22, '2'},
		};

		T_INT(stamp_cache_save(AT_FDCWD, "stamp-cache", &c, &e), 0,
		      "saved");
		T_INT(io_read_file("stamp-cache", 1 << 20, &good), 0,
		      "read back");
		for (size_t i = 0; i < sizeof damage / sizeof *damage; i++) {
			size_t len = good.len;
			char *copy = malloc(len);

			memcpy(copy, good.p, len);
			if (damage[i].at == -1)
				len--;
			else if (damage[i].at == -2)
				copy[len - 1] = damage[i].val;
			else
				copy[damage[i].at] = damage[i].val;
			FILE *f = fopen("stamp-cache", "w");

			fwrite(copy, 1, len, f);
			fclose(f);
			free(copy);
			T_OK(stamp_cache_load(AT_FDCWD, "stamp-cache", &c2,
					      &e) == 0 &&
				     c2.n == 0,
			     "%s loads as an empty cache", damage[i].what);
		}
		buf_free(&good);
	}
	T_INT(stamp_cache_load(AT_FDCWD, "no-such-cache", &c2, &e), 0,
	      "a missing cache file loads");
	T_INT(c2.n, 0, "  as an empty cache");
	T_INT(stamp_cache_save(AT_FDCWD, "no-such-dir/stamp-cache", &c, &e), -1,
	      "saving into a missing directory fails");
	T_INT(e.kind, ERR_SYSTEM, "  as a system error");

	stamp_cache_free(&c);
	stamp_cache_free(&c2);
	leave_scratch();
}

TAP_SUITE(stamp_racy)
{
	struct stamp_input in;
	struct stamp_cache c = {0};
	struct stamp_stats st;
	struct stamp_cache_entry *ce;
	struct stat sb;
	unsigned char before[32], truth[32], s1[32];
	const char *inputs[] = {"src"};

	enter_scratch();
	input_base(&in);
	in.inputs = inputs;
	in.ninputs = 1;
	set_mtime("src/lib/b.js", OLD_SEC, 0);
	put("src/a.js", "AAAA\n"); /* mtime: now */

	stamp(&in, &c, before);
	stamp(&in, &c, s1);
	stamp_cache_stats(&c, &st);
	T_OK(same(before, s1), "a racy file keeps its stamp");
	T_INT(st.hashed, 3, "  a file written just now is rehashed");
	T_INT(st.reused, 1, "  an old file is not");

	/* The racy case: same size, and the mtime put back as it was. The
	 * rewrite does move ctime, but within one kernel clock tick it would
	 * not, so the entry is given the new ctime: then every stat field
	 * matches and only the racy rule can tell. */
	ce = stamp_cache_find(&c, "src/a.js");
	T_OK(ce != NULL, "src/a.js is cached");
	if (ce == NULL) {
		stamp_cache_free(&c);
		leave_scratch();
		return;
	}
	put("src/a.js", "BBBB\n");
	set_mtime("src/a.js", (time_t)(ce->mtime_ns / 1000000000),
		  (long)(ce->mtime_ns % 1000000000));
	if (stat("src/a.js", &sb) != 0)
		abort();
	T_INT((long long)sb.st_size, (long long)ce->size, "  same size");
	T_INT((long long)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec,
	      ce->mtime_ns, "  same mtime");
	ce->ctime_ns =
		(int64_t)sb.st_ctim.tv_sec * 1000000000LL + sb.st_ctim.tv_nsec;
	stamp(&in, NULL, truth);
	T_OK(!same(before, truth), "the rewrite changes the true stamp");
	stamp(&in, &c, s1);
	T_OK(same(truth, s1), "the racy rule catches the same-size, "
			      "same-mtime rewrite");

	/* The control: the same rewrite against a cache whose reference time
	 * is well past the mtime is believed, which shows the detection above
	 * came from the racy rule and not from another stat field. */
	ce = stamp_cache_find(&c, "src/a.js");
	if (ce == NULL)
		abort();
	put("src/a.js", "CCCC\n");
	set_mtime("src/a.js", (time_t)(ce->mtime_ns / 1000000000),
		  (long)(ce->mtime_ns % 1000000000));
	if (stat("src/a.js", &sb) != 0)
		abort();
	ce->ctime_ns =
		(int64_t)sb.st_ctim.tv_sec * 1000000000LL + sb.st_ctim.tv_nsec;
	c.time_ns = ce->mtime_ns + 10LL * 1000000000LL;
	stamp(&in, &c, s1);
	T_OK(same(truth, s1), "control: a non-racy entry with matching stat "
			      "is trusted (stale on purpose)");

	/* Just inside and just outside the window (3 s). */
	stamp(&in, NULL, truth);
	ce = stamp_cache_find(&c, "src/a.js");
	if (ce == NULL)
		abort();
	memset(ce->sha256, 0, 32);
	c.time_ns = ce->mtime_ns + 3LL * 1000000000LL;
	stamp(&in, &c, s1);
	T_OK(same(truth, s1), "an mtime 3 s before the reference is racy");
	ce = stamp_cache_find(&c, "src/a.js");
	if (ce == NULL)
		abort();
	memset(ce->sha256, 0, 32);
	c.time_ns = ce->mtime_ns + 3LL * 1000000000LL + 1;
	stamp(&in, &c, s1);
	T_OK(!same(truth, s1), "an mtime 3 s + 1 ns before it is not");

	stamp_cache_free(&c);
	leave_scratch();
}

/* The listing `start -v` compares: one record per node in walk order,
 * and taking it leaves the stamp as it is. */
TAP_SUITE(stamp_listing)
{
	struct stamp_input in;
	unsigned char plain[32], listed[32];
	struct buf l = {0};
	const char *want[] = {"P - package.json",
			      NULL,
			      "P - src",
			      "D 755 src",
			      NULL,
			      NULL,
			      NULL};
	size_t k = 0;

	enter_scratch();
	if (chmod("src", 0755) != 0 || symlink("a.js", "src/link") != 0)
		abort();
	input_base(&in);
	stamp(&in, NULL, plain);
	in.listing = &l;
	stamp(&in, NULL, listed);
	T_OK(same(plain, listed), "the listing leaves the stamp as it is");
	for (size_t at = 0; at < l.len && k < 16; k++) {
		const char *r = l.p + at;

		if (k < 4 && want[k] != NULL)
			T_STR(r, want[k], "record in walk order");
		if (k == 1)
			T_OK(strncmp(r, "F ", 2) == 0 &&
				     strcmp(r + strlen(r) - 13,
					    " package.json") == 0,
			     "a file: its digest and mode, then its path (%s)",
			     r);
		at += strlen(r) + 1;
	}
	T_OK(memmem(l.p, l.len, "F ", 2) != NULL &&
		     memmem(l.p, l.len, " src/a.js", 10) != NULL &&
		     memmem(l.p, l.len, " src/lib/b.js", 14) != NULL &&
		     memmem(l.p, l.len, "D 755 src/lib", 14) != NULL,
	     "the walk's files and directories are listed");
	T_OK(memmem(l.p, l.len, " src/link", 10) != NULL &&
		     memmem(l.p, l.len, "L ", 2) != NULL,
	     "a symlink: the digest of its target");
	T_OK(memmem(l.p, l.len, "outside.txt", 11) == NULL,
	     "nothing that is not an input");
	buf_free(&l);
	leave_scratch();
}
