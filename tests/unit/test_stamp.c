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
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hex.h"
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

/* The racy rule of stamp.c, for the tests' checks. */
static int racy_at(const struct stamp_cache *c,
		   const struct stamp_cache_entry *ce)
{
	return c->time_ns == 0 || ce->mtime_ns >= c->time_ns - 3000000000LL;
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

/* A fixed tree: 12 directories of 60 files (modes varied), a nested
 * directory, a name that sorts before it ("sub-a.js" < "sub/"), an empty
 * directory, a symlink, a dangling one and a FIFO; with a declared file
 * and a missing path. Enough nodes for the stat phase to run on several
 * threads. */
static void kat_put(const char *path, const char *text, mode_t mode)
{
	put(path, text);
	if (chmod(path, mode) != 0)
		abort();
}

static void kat_tree(void)
{
	char p[64], t[64];

	if (mkdir("kat", 0755) != 0 || chmod("kat", 0755) != 0)
		abort();
	for (int d = 0; d < 12; d++) {
		(void)snprintf(p, sizeof p, "kat/d%d", d);
		if (mkdir(p, 0755) != 0 || chmod(p, d % 3 ? 0755 : 0750) != 0)
			abort();
		for (int f = 0; f < 60; f++) {
			(void)snprintf(p, sizeof p, "kat/d%d/f%d.css", d, f);
			(void)snprintf(t, sizeof t, "body{x:%d%d}\n", d, f);
			kat_put(p, t, f % 7 ? 0644 : 0600);
		}
	}
	if (mkdir("kat/d3/sub", 0755) != 0 || chmod("kat/d3/sub", 0755) != 0 ||
	    mkdir("kat/empty", 0755) != 0 || chmod("kat/empty", 0700) != 0 ||
	    symlink("../d1/f1.css", "kat/d3/sub/link") != 0 ||
	    symlink("nowhere", "kat/dangling") != 0 ||
	    mkfifo("kat/d5/fifo", 0644) != 0 || chmod("kat/d5/fifo", 0644) != 0)
		abort();
	kat_put("kat/d3/sub/deep.js", "deep()\n", 0644);
	kat_put("kat/d3/sub-a.js", "sorts before sub/\n", 0644);
	kat_put("top.json", "{}\n", 0644);
}

/* Gives every regular file of the tree an old mtime, so that the cache
 * trusts its entries. */
static void kat_age(void)
{
	char p[64];

	for (int d = 0; d < 12; d++)
		for (int f = 0; f < 60; f++) {
			(void)snprintf(p, sizeof p, "kat/d%d/f%d.css", d, f);
			set_mtime(p, OLD_SEC, 0);
		}
	set_mtime("kat/d3/sub/deep.js", OLD_SEC, 0);
	set_mtime("kat/d3/sub-a.js", OLD_SEC, 0);
	set_mtime("top.json", OLD_SEC, 0);
}

static char *kat_env[] = {"A=1", NULL};
static char *kat_argv[] = {"build", NULL};
static const char *kat_inputs[] = {"top.json", "kat", "missing"};

static void kat_input(struct stamp_input *in, unsigned threads)
{
	memset(in, 0, sizeof *in);
	in->spec = "x: 1\n";
	in->spec_len = 5;
	in->env = kat_env;
	in->argv = kat_argv;
	in->inputs = kat_inputs;
	in->ninputs = 3;
	in->threads = threads;
}

static int caches_equal(const struct stamp_cache *a,
			const struct stamp_cache *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		const struct stamp_cache_entry *x = &a->v[i], *y = &b->v[i];

		if (strcmp(stamp_cache_path(a, x), stamp_cache_path(b, y)) !=
			    0 ||
		    x->dev != y->dev || x->ino != y->ino ||
		    x->size != y->size || x->mtime_ns != y->mtime_ns ||
		    x->ctime_ns != y->ctime_ns ||
		    memcmp(x->sha256, y->sha256, 32) != 0)
			return 0;
	}
	return 1;
}

/* The stamp of the fixed tree as the one-pass walk (before the walk was
 * split into phases) computed it: the phases must not change a stamp
 * already recorded. */
#define KAT_STAMP                                                              \
	"b66a1f5e8777b3db8a6bfb59cb92a3d23024b2cfabe1baade0a0bb8ad639c08f"

/* The parallel walk gives what the serial one gives: the same stamp,
 * the same listing, the same cache, for any number of threads; and
 * through a warm cache on three threads every kind of change is seen. */
TAP_SUITE(stamp_parallel)
{
	struct stamp_input in;
	struct stamp_cache serial = {0}, warm = {0};
	struct buf l1 = {0};
	unsigned char s1[32], s[32], truth[32], prev[32];
	char hex[65];

	enter_scratch();
	kat_tree();
	kat_input(&in, 1);
	in.listing = &l1;
	stamp(&in, &serial, s1);
	hex_encode(hex, s1, 32);
	hex[64] = '\0';
	T_STR(hex, KAT_STAMP, "the stamp is the one-pass walk's");
	for (unsigned t = 2; t <= 4; t++) {
		struct stamp_cache c = {0};
		struct stamp_stats st;
		struct buf l = {0};

		kat_input(&in, t);
		in.listing = &l;
		stamp(&in, &c, s);
		stamp_cache_stats(&c, &st);
		T_OK(st.threads == t, "%u threads ran (%u)", t, st.threads);
		T_OK(same(s1, s), "  the stamp is the serial walk's");
		T_OK(l.len == l1.len && memcmp(l.p, l1.p, l.len) == 0,
		     "  so is the listing, record for record");
		T_OK(caches_equal(&serial, &c), "  and the cache, in order");
		stamp_cache_free(&c);
		buf_free(&l);
	}
	T_INT(serial.n, 12 * 60 + 3, "every regular file is cached");
	{
		/* Past the fd budget (half of what RLIMIT_NOFILE leaves) a
		 * directory is opened again beneath its declared path by the
		 * thread that stats its entries. */
		struct rlimit old, low;
		struct stamp_cache c = {0};

		if (getrlimit(RLIMIT_NOFILE, &old) != 0)
			abort();
		low = old;
		low.rlim_cur = 72; /* a budget of 4 of 14 directories */
		if (setrlimit(RLIMIT_NOFILE, &low) != 0)
			abort();
		kat_input(&in, 3);
		stamp(&in, &c, s);
		if (setrlimit(RLIMIT_NOFILE, &old) != 0)
			abort();
		T_OK(same(s1, s), "directories past the fd budget, reopened: "
				  "the same stamp");
		T_OK(caches_equal(&serial, &c), "  and the same cache");
		stamp_cache_free(&c);
	}

	/* A warm, trusted cache on three threads, and one change at a
	 * time: each must give the serial, uncached truth, and differ from
	 * the stamp before it; the cache is dirty where a regular file's
	 * entry changed (a symlink has none). */
	kat_age();
	kat_input(&in, 3);
	stamp(&in, &warm, prev);
	stamp(&in, &warm, prev);
	{
		struct stamp_stats st;

		stamp_cache_stats(&warm, &st);
		T_INT(warm.dirty, 0,
		      "an unchanged tree leaves the cache as it "
		      "is");
	}
#define CHANGED(what, want_dirty)                                              \
	do {                                                                   \
		kat_input(&in, 1);                                             \
		stamp(&in, NULL, truth);                                       \
		kat_input(&in, 3);                                             \
		stamp(&in, &warm, s);                                          \
		T_OK(same(truth, s) && !same(prev, s), "%s is seen", what);    \
		T_INT(warm.dirty, want_dirty, "  the cache dirty");            \
		memcpy(prev, s, 32);                                           \
	} while (0)
	put("kat/d7/f9.css", "body{x:78}\n"); /* same size as "79" */
	set_mtime("kat/d7/f9.css", OLD_SEC, 0);
	CHANGED("a same-size rewrite with its old mtime put back", 1);
	put("top.json", "{\"a\":1}\n");
	set_mtime("top.json", OLD_SEC, 0);
	CHANGED("a declared file's new content", 1);
	put("kat/d0/f1.css", "body{x:01};\n");
	CHANGED("a larger file", 1);
	put("kat/d11/new.css", "");
	CHANGED("an added empty file", 1);
	if (unlink("kat/d2/f30.css") != 0)
		abort();
	CHANGED("a removed file", 1);
	if (rename("kat/d4/f4.css", "kat/d4/f4b.css") != 0)
		abort();
	CHANGED("a renamed file", 1);
	if (rename("kat/d6", "kat/d6b") != 0)
		abort();
	CHANGED("a renamed directory", 1);
	if (chmod("kat/d8/f8.css", 0755) != 0)
		abort();
	CHANGED("a mode change", 1);
	if (unlink("kat/d3/sub/link") != 0 ||
	    symlink("../d1/f2.css", "kat/d3/sub/link") != 0)
		abort();
	CHANGED("a symlink swapped for another target", 0);
	if (unlink("kat/d9/f9.css") != 0 ||
	    symlink("f8.css", "kat/d9/f9.css") != 0)
		abort();
	CHANGED("a file swapped for a symlink", 1);
	if (unlink("kat/d10/f10.css") != 0 || mkdir("kat/d10/f10.css", 0755))
		abort();
	CHANGED("a file swapped for a directory", 1);
	put("missing", "");
	CHANGED("a missing input created", 1);
#undef CHANGED
	stamp_cache_free(&serial);
	stamp_cache_free(&warm);
	buf_free(&l1);
	leave_scratch();
}

/* The racy rule and the rewrite: an entry still inside its window is
 * read again on each walk but does not make the cache dirty (a save
 * would leave it racy); one whose window has passed does, so that the
 * saved cache no longer holds it racy and the next walk reuses it. */
TAP_SUITE(stamp_racy_clear)
{
	struct stamp_input in;
	struct stamp_cache c = {0};
	struct stamp_stats st;
	struct stamp_cache_entry *ce;
	struct timespec now;
	unsigned char s0[32], s1[32];
	unsigned long hashed;
	int64_t mtime;
	const char *inputs[] = {"src"};

	enter_scratch();
	age_tree();
	input_base(&in);
	in.inputs = inputs;
	in.ninputs = 1;
	stamp(&in, &c, s0);
	T_INT(c.dirty, 1, "a new cache is dirty");
	stamp(&in, &c, s1);
	T_INT(c.dirty, 0, "an unchanged walk leaves it as it is");

	put("src/a.js", "a()\n"); /* same bytes, mtime now: racy */
	stamp(&in, &c, s1);
	T_OK(same(s0, s1), "a touched file keeps its stamp");
	T_INT(c.dirty, 1, "  its new stat makes the cache dirty");
	stamp_cache_stats(&c, &st);
	hashed = st.hashed;
	stamp(&in, &c, s1);
	stamp_cache_stats(&c, &st);
	T_INT(st.hashed, hashed + 1, "inside its window it is read again");
	T_INT(c.dirty, 0, "  and the cache is left as it is");

	/* Its window passed: an mtime 10 s ago, the cache's reference time
	 * 1 s after it (as if saved then). */
	if (clock_gettime(CLOCK_REALTIME, &now) != 0)
		abort();
	set_mtime("src/a.js", now.tv_sec - 10, 0);
	stamp(&in, &c, s1);
	ce = stamp_cache_find(&c, "src/a.js");
	T_OK(ce != NULL && !racy_at(&c, ce), "an old mtime is not racy");
	if (ce == NULL) {
		stamp_cache_free(&c);
		leave_scratch();
		return;
	}
	mtime = ce->mtime_ns; /* ce goes with the cache it is in */
	c.time_ns = mtime + 1000000000LL;
	stamp_cache_stats(&c, &st);
	hashed = st.hashed;
	stamp(&in, &c, s1);
	stamp_cache_stats(&c, &st);
	T_OK(same(s0, s1), "a racy entry whose window passed keeps its stamp");
	T_INT(st.hashed, hashed + 1, "  it is read again");
	T_INT(c.dirty, 1, "  and makes the cache dirty, to be saved");
	T_OK(c.time_ns > mtime + 3000000000LL,
	     "  with this walk's reference time");
	stamp(&in, &c, s1);
	stamp_cache_stats(&c, &st);
	T_INT(st.hashed, hashed + 1, "the next walk reuses its hash");
	T_INT(c.dirty, 0, "  and leaves the cache as it is");
	stamp_cache_free(&c);
	leave_scratch();
}
