/*
 * verify_outputs on trees made in a temporary directory: the outputs
 * check (roots, require, forbid, env file names, sourcemaps, bounds,
 * symlinks out of the root, modes, the default forbid globs in any
 * case), secrets in names, values too short to search, compressed
 * siblings, the writes check from a before/after snapshot, the lock
 * comparison, hard links, max_bytes refused before reading, max_files,
 * the verification timeout, and the pass/fail decision with and without
 * strict.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "tap.h"
#include "verify.h"

static char top[64];
static char old_cwd[4096];

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		abort();
	fputs(text, f);
	fclose(f);
}

static void enter_scratch(void)
{
	if (getcwd(old_cwd, sizeof old_cwd) == NULL)
		abort();
	snprintf(top, sizeof top, "/tmp/cleanroom-verify-XXXXXX");
	if (mkdtemp(top) == NULL || chdir(top) != 0)
		abort();
	mkdir("out", 0755);
	mkdir("out/js", 0755);
	put("out/app-1.css", "body{}\n");
	put("out/js/app-2.js", "x()\n");
}

static void leave_scratch(void)
{
	char cmd[128];

	if (chdir(old_cwd) != 0)
		abort();
	snprintf(cmd, sizeof cmd, "rm -rf %s", top);
	if (system(cmd) != 0)
		abort();
}

static void spec_with_root(struct spec *s)
{
	spec_init(s);
	spec_list_add(&s->outputs.roots, "out", 0, 0);
	s->outputs.manifest = MF_NONE;
}

/* Runs verify_outputs; returns the number of findings of check `check`
 * at `level` whose message contains `needle` (NULL: any). */
static size_t count(const struct verify_result *r, const char *check,
		    enum finding_level level, const char *needle)
{
	size_t n = 0;

	for (size_t i = 0; i < r->findings.n; i++) {
		const struct finding *f = &r->findings.v[i];

		if (strcmp(f->check, check) == 0 && f->level == level &&
		    (needle == NULL || strstr(f->msg, needle) != NULL ||
		     (f->path && strstr(f->path, needle) != NULL)))
			n++;
	}
	return n;
}

TAP_SUITE(verify_outputs_check)
{
	struct spec s;
	struct verify_opts o = {0};
	struct verify_result r;
	struct err e = {0};

	enter_scratch();
	spec_with_root(&s);
	o.spec = &s;
	T_OK(verify_outputs(&o, &r, &e) == 0, "verifies: %s", e.msg);
	T_OK(r.passed, "a plain output set passes");
	T_INT(r.tree.nfiles, 2, "two files");
	T_INT(r.lock.n, 2, "two lock entries");
	verify_result_free(&r);

	spec_list_add(&s.outputs.require, "app-*.css", 0, 0);
	spec_list_add(&s.outputs.require, "app-*.js", 0, 0);
	spec_list_add(&s.outputs.require, "*.woff2", 0, 0);
	spec_list_add(&s.outputs.forbid, "*.txt", 0, 0);
	spec_list_add(&s.env.files, "/somewhere/.aptible.env", 0, 0);
	s.outputs.sourcemaps = SM_FORBID;
	s.outputs.min_files = 10;
	s.outputs.max_bytes = 4;
	put("out/notes.txt", "n\n");
	put("out/js/app-2.js.map", "{}\n");
	put("out/.env.local", "A=1\n");
	put("out/tls.key", "k\n");
	put("out/.aptible.env", "A=1\n");
	symlink("/etc/passwd", "out/leak");
	T_OK(verify_outputs(&o, &r, &e) == 0, "verifies");
	T_OK(!r.passed, "fails");
	T_INT(count(&r, "outputs", FIND_ERROR, "*.woff2"), 1,
	      "a require glob that matches nothing");
	T_INT(count(&r, "outputs", FIND_ERROR, "app-*"), 0,
	      "require globs match in subdirectories by base name");
	T_INT(count(&r, "outputs", FIND_ERROR, "notes.txt"), 1,
	      "a forbid glob");
	T_INT(count(&r, "outputs", FIND_ERROR, "app-2.js.map"), 1,
	      "*.map with sourcemaps: forbid");
	T_INT(count(&r, "outputs", FIND_ERROR, ".env.local"), 1,
	      ".env* always forbidden");
	T_INT(count(&r, "outputs", FIND_ERROR, "tls.key"), 1,
	      "*.key always forbidden");
	T_INT(count(&r, "outputs", FIND_ERROR, "an env file"), 1,
	      "an env file's name is forbidden");
	T_INT(count(&r, "outputs", FIND_ERROR, "symlink pointing outside"), 1,
	      "a symlink out of the root");
	T_INT(count(&r, "outputs", FIND_ERROR, "fewer than min_files 10"), 1,
	      "min_files");
	T_INT(count(&r, "outputs", FIND_ERROR, "more than max_bytes 4"), 1,
	      "max_bytes");
	verify_result_free(&r);
	spec_free(&s);

	spec_init(&s);
	spec_list_add(&s.outputs.roots, "missing", 0, 0);
	s.outputs.manifest = MF_NONE;
	T_OK(verify_outputs(&o, &r, &e) == 0, "a missing root is a finding");
	T_INT(count(&r, "outputs", FIND_ERROR, "does not exist"), 1,
	      "output root does not exist");
	T_OK(!r.passed, "and fails");
	verify_result_free(&r);
	spec_free(&s);
	leave_scratch();
}

TAP_SUITE(verify_writes_snapshot)
{
	struct spec s;
	struct verify_opts o = {0};
	struct verify_result r;
	struct tree before;
	struct err e = {0};

	enter_scratch();
	spec_with_root(&s);
	mkdir("tmp", 0755);
	spec_list_add(&s.sandbox.writable, "tmp", 0, 0);
	put("config.rb", "x = 1\n");
	put("doomed.rb", "y = 2\n");
	T_OK(verify_snapshot(&s, NULL, &before, &e) == 0, "snapshot");
	/* What a build without Landlock could do. */
	put("out/new-1.js", "n\n");
	put("tmp/cache", "c\n");
	put("config.rb", "x = 1000\n");
	unlink("doomed.rb");
	put("planted.rb", "z\n");
	o.spec = &s;
	o.before = &before;
	T_OK(verify_outputs(&o, &r, &e) == 0, "verifies");
	T_INT(r.writes_outside, 3, "three paths changed outside");
	T_INT(count(&r, "writes", FIND_ERROR, "config.rb"), 1, "changed");
	T_INT(count(&r, "writes", FIND_ERROR, "doomed.rb"), 1, "deleted");
	T_INT(count(&r, "writes", FIND_ERROR, "planted.rb"), 1, "created");
	T_INT(count(&r, "writes", FIND_ERROR, "tmp/cache"), 0,
	      "writable dirs are not reported");
	T_INT(count(&r, "writes", FIND_ERROR, "new-1.js"), 0,
	      "outputs are not reported");
	T_OK(!r.passed, "fails");
	verify_result_free(&r);
	o.landlock = 1;
	T_OK(verify_outputs(&o, &r, &e) == 0, "verifies with Landlock");
	T_INT(r.writes_outside, 0, "Landlock enforced: no snapshot compare");
	verify_result_free(&r);
	tree_free(&before);
	spec_free(&s);
	leave_scratch();
}

TAP_SUITE(verify_lock_compare)
{
	struct spec s;
	struct verify_opts o = {0};
	struct verify_result r;
	struct err e = {0};

	enter_scratch();
	spec_with_root(&s);
	o.spec = &s;
	o.lock_path = "out/cleanroom.lock";
	T_OK(verify_outputs(&o, &r, &e) == 0, "first pass");
	T_OK(!r.lock_existed, "no lock yet");
	T_OK(lock_write(o.lock_path, &r.lock, &e) == 0, "lock written");
	verify_result_free(&r);

	o.lock_must_match = 1;
	T_OK(verify_outputs(&o, &r, &e) == 0, "second pass");
	T_OK(r.lock_existed && r.passed, "matches its lock");
	T_INT(r.tree.nfiles, 2, "the lock is not part of the output set");
	verify_result_free(&r);

	put("out/app-1.css", "body{color:red}\n");
	put("out/extra.js", "e\n");
	unlink("out/js/app-2.js");
	T_OK(verify_outputs(&o, &r, &e) == 0, "third pass");
	T_INT(r.lock_added, 1, "one added");
	T_INT(r.lock_removed, 1, "one removed");
	T_INT(r.lock_changed, 1, "one changed");
	T_INT(count(&r, "lock", FIND_ERROR, NULL), 3,
	      "errors when it must match");
	T_OK(!r.passed, "fails");
	verify_result_free(&r);

	o.lock_must_match = 0;
	T_OK(verify_outputs(&o, &r, &e) == 0, "as run does");
	T_INT(count(&r, "lock", FIND_INFO, NULL), 3, "reported as info");
	T_OK(r.passed, "passes");
	verify_result_free(&r);
	spec_free(&s);
	leave_scratch();
}

TAP_SUITE(verify_fingerprint_error)
{
	struct spec s;
	struct verify_opts o = {0};
	struct verify_result r;
	struct err e = {0};

	enter_scratch();
	spec_with_root(&s);
	s.outputs.manifest = MF_DJANGO;
	mkdir("out/css", 0755);
	put("out/css/site.css", "a{}\n");
	put("out/css/site.0123456789ab.css", "a{}\n");
	put("out/staticfiles.json",
	    "{\"paths\": {\"css/site.css\": \"css/site.0123456789ab.css\"}, "
	    "\"version\": \"1.0\"}");
	o.spec = &s;
	T_OK(verify_outputs(&o, &r, &e) == 0, "verifies");
	T_OK(count(&r, "fingerprint", FIND_ERROR, NULL) > 0,
	     "a Django name whose MD5 does not match is an error");
	verify_result_free(&r);
	spec_free(&s);
	leave_scratch();
}

/* Check 4 on names and on values too short to search: a secret in a file
 * or directory name is an error (a directory once, not per file below
 * it); a value under 8 bytes, or a URL password that short, is an info
 * naming it, listed for the report's secrets line. */
TAP_SUITE(verify_secret_names_and_short_values)
{
	static const struct scan_secret sec[] = {
		{"API_TOKEN", "tok_9f8e7d6c5b4a", 16},
		{"PIN_SECRET", "4711", 4},
		{"DATABASE_URL", "postgres://u:pw@h/db", 20},
		{"SESSION_KEY", "sess-0a1b2c3d4e", 15},
	};
	struct spec s;
	struct verify_opts o = {0};
	struct verify_result r;
	struct err e = {0};

	enter_scratch();
	spec_with_root(&s);
	mkdir("out/tok_9f8e7d6c5b4a", 0755);
	mkdir("out/tok_9f8e7d6c5b4a/sub", 0755);
	put("out/tok_9f8e7d6c5b4a/a.js", "a\n");
	put("out/tok_9f8e7d6c5b4a/sub/b.js", "b\n");
	/* The hex of SESSION_KEY, in a file name. */
	put("out/x-736573732d306131623263336434652e.txt", "c\n");
	o.spec = &s;
	o.secrets = sec;
	o.nsecrets = 4;
	T_OK(verify_outputs(&o, &r, &e) == 0, "verifies: %s", e.msg);
	T_OK(!r.passed, "fails");
	T_INT(count(&r, "secrets", FIND_ERROR,
		    "directory name contains the value of API_TOKEN (raw)"),
	      1, "a directory named after a secret, reported once");
	T_INT(count(&r, "secrets", FIND_ERROR, "out/tok_9f8e7d6c5b4a"), 1,
	      "at the directory");
	T_INT(count(&r, "secrets", FIND_ERROR,
		    "file name contains the value of SESSION_KEY (hex)"),
	      1, "a file named with a secret's hex");
	T_INT(count(&r, "secrets", FIND_INFO,
		    "PIN_SECRET: not searched: too short (4 bytes"),
	      1, "a 4-byte value is named as not searched");
	T_INT(count(&r, "secrets", FIND_INFO,
		    "DATABASE_URL's URL password: not searched: too short "
		    "(2 bytes"),
	      1, "a 2-byte URL password too");
	T_INT(r.secrets_unsearched, 2, "two not searched");
	T_STR(r.unsearched,
	      "PIN_SECRET (4 bytes), DATABASE_URL's URL password (2 bytes)",
	      "listed for the secrets line");
	verify_result_free(&r);

	/* Nothing short, nothing listed. */
	o.secrets = sec;
	o.nsecrets = 1;
	rmdir("out/tok_9f8e7d6c5b4a/sub");
	T_OK(verify_outputs(&o, &r, &e) == 0, "verifies");
	T_INT(r.secrets_unsearched, 0, "every value searched");
	T_OK(r.unsearched == NULL, "no list");
	verify_result_free(&r);
	spec_free(&s);
	leave_scratch();
}

/* Check 4 on compressed siblings through verify_outputs: a sibling the
 * same as X passes; one that differs or hides a secret fails, the secret
 * under "secrets"; one without X is an info; the totals are kept for the
 * siblings line. gzip streams from zlib's deflate. */
static void put_gzip(const char *path, const char *text)
{
	unsigned char out[4096];
	z_stream z;
	FILE *f = fopen(path, "w");

	memset(&z, 0, sizeof z);
	if (f == NULL || deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
				      Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	z.next_in = (unsigned char *)(uintptr_t)text;
	z.avail_in = (uInt)strlen(text);
	z.next_out = out;
	z.avail_out = sizeof out;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		abort();
	fwrite(out, 1, z.total_out, f);
	deflateEnd(&z);
	fclose(f);
}

TAP_SUITE(verify_siblings)
{
	static const struct scan_secret sec[] = {
		{"API_TOKEN", "tok_9f8e7d6c5b4a", 16},
	};
	struct spec s;
	struct verify_opts o = {0};
	struct verify_result r;
	struct err e = {0};

	enter_scratch();
	spec_with_root(&s);
	put("out/same.js", "same();same();same();\n");
	put_gzip("out/same.js.gz", "same();same();same();\n");
	put("out/changed.js", "one();\n");
	put_gzip("out/changed.js.gz", "two();\n");
	put("out/hidden.js", "x();\n");
	put_gzip("out/hidden.js.gz",
		 "x();x();x();x();x();x();x();x();tok_9f8e7d6c5b4a\n");
	put_gzip("out/alone.js.gz", "alone();alone();alone();\n");
	o.spec = &s;
	o.secrets = sec;
	o.nsecrets = 1;
	T_OK(verify_outputs(&o, &r, &e) == 0, "verifies: %s", e.msg);
	T_OK(!r.passed, "fails");
	T_INT(r.siblings.checked, 4, "four siblings checked");
	T_INT(r.siblings.by_format[SIBLING_GZIP], 4, "all gzip");
	T_INT(r.siblings.alone, 1, "one without its plain file");
	T_INT(r.siblings.out_bytes, 22 + 7 + 49 + 25, "bytes decompressed");
	T_INT(count(&r, "siblings", FIND_ERROR, NULL), 2,
	      "two siblings are not their plain file");
	T_INT(count(&r, "siblings", FIND_ERROR, "out/changed.js.gz"), 1,
	      "the changed one");
	T_INT(count(&r, "siblings", FIND_ERROR,
		    "decompresses to other bytes than out/hidden.js (first "
		    "difference at byte 4)"),
	      1, "the one hiding more than its file");
	T_INT(count(&r, "secrets", FIND_ERROR,
		    "contains the value of API_TOKEN at offset 32 of its "
		    "decompressed bytes (raw)"),
	      1, "the hidden secret is a secrets error");
	T_INT(count(&r, "siblings", FIND_INFO,
		    "no out/alone.js beside it: decompressed (25 bytes) and "
		    "scanned"),
	      1, "the one alone is said");
	T_INT(count(&r, "siblings", FIND_ERROR, "out/same.js.gz"), 0,
	      "the same one passes");
	verify_result_free(&r);
	spec_free(&s);
	leave_scratch();
}

/* Modes are part of the proof: setuid, setgid and world-writable files
 * and directories fail, the root included; a link's own mode does not
 * count. */
TAP_SUITE(verify_modes)
{
	struct spec s;
	struct verify_opts o = {0};
	struct verify_result r;
	struct err e = {0};

	enter_scratch();
	spec_with_root(&s);
	o.spec = &s;
	symlink("app-1.css", "out/alias.css");
	T_OK(verify_outputs(&o, &r, &e) == 0 && r.passed,
	     "plain modes and a link (mode 777) pass");
	verify_result_free(&r);
	put("out/suid.js", "s\n");
	put("out/sgid.js", "g\n");
	put("out/open.js", "o\n");
	chmod("out/suid.js", 04755);
	chmod("out/sgid.js", 02755);
	chmod("out/open.js", 0666);
	mkdir("out/pub", 0755);
	chmod("out/pub", 01777);
	mkdir("out/grp", 0755);
	chmod("out/grp", 02755);
	T_OK(verify_outputs(&o, &r, &e) == 0, "verifies");
	T_OK(!r.passed, "fails");
	T_INT(count(&r, "outputs", FIND_ERROR, "file is setuid (mode 4755)"), 1,
	      "a setuid file");
	T_INT(count(&r, "outputs", FIND_ERROR, "file is setgid (mode 2755)"), 1,
	      "a setgid file");
	T_INT(count(&r, "outputs", FIND_ERROR,
		    "file is world-writable (mode 0666)"),
	      1, "a world-writable file");
	T_INT(count(&r, "outputs", FIND_ERROR,
		    "directory is world-writable (mode 1777)"),
	      1, "a world-writable directory, sticky or not");
	T_INT(count(&r, "outputs", FIND_ERROR,
		    "directory is setgid (mode 2755)"),
	      1, "a setgid directory");
	T_INT(count(&r, "outputs", FIND_ERROR, "alias.css"), 0,
	      "the link is not flagged");
	verify_result_free(&r);
	unlink("out/suid.js");
	unlink("out/sgid.js");
	unlink("out/open.js");
	rmdir("out/pub");
	rmdir("out/grp");
	chmod("out", 0777);
	T_OK(verify_outputs(&o, &r, &e) == 0, "verifies");
	T_INT(count(&r, "outputs", FIND_ERROR, "directory is world-writable"),
	      1, "a world-writable root");
	verify_result_free(&r);
	chmod("out", 0755);
	spec_free(&s);
	leave_scratch();
}

/* The scratch check: a writable dir outside the outputs gets the mode
 * rule (below its own directory) and the secret scan of contents and
 * names, under "scratch"; a dir inside an output root is verified as an
 * output, not twice; an output root inside a dir is left out of it; a
 * dir the build removed, a dangling link and a link out of the dir pass. */
static void set_writable(struct spec *s, const char *dir)
{
	for (size_t i = 0; i < s->sandbox.writable.n; i++)
		free(s->sandbox.writable.v[i].s);
	s->sandbox.writable.n = 0;
	spec_list_add(&s->sandbox.writable, dir, 0, 0);
}

TAP_SUITE(verify_scratch)
{
	static const struct scan_secret sec[] = {
		{"API_TOKEN", "tok_9f8e7d6c5b4a", 16},
	};
	struct spec s;
	struct verify_opts o = {0};
	struct verify_result r;
	struct err e = {0};

	enter_scratch();
	spec_with_root(&s);
	set_writable(&s, "tmp/");
	o.spec = &s;
	o.secrets = sec;
	o.nsecrets = 1;
	mkdir("tmp", 0755);
	mkdir("tmp/cache", 0755);
	put("tmp/cache/a", "plain\n");
	symlink("/etc/passwd", "tmp/out-link");
	symlink("nowhere", "tmp/dangling");
	T_OK(verify_outputs(&o, &r, &e) == 0 && r.passed,
	     "a plain scratch dir passes: %s", e.msg);
	T_INT(r.scratch_roots, 1, "one dir walked");
	T_INT(r.scratch_files, 2,
	      "its file and the dangling link listed (the link out is a walk "
	      "finding)");
	verify_result_free(&r);

	put("tmp/cache/leak", "x tok_9f8e7d6c5b4a y\n");
	put("tmp/tok_9f8e7d6c5b4a.txt", "n\n");
	put("tmp/suid", "s\n");
	chmod("tmp/suid", 04755);
	put("tmp/open", "o\n");
	chmod("tmp/open", 0666);
	mkdir("tmp/grp", 0755);
	chmod("tmp/grp", 02755);
	T_OK(verify_outputs(&o, &r, &e) == 0, "verifies");
	T_OK(!r.passed, "fails");
	T_INT(count(&r, "scratch", FIND_ERROR,
		    "contains the value of API_TOKEN at offset 2 (raw)"),
	      1, "a secret in a file of the dir");
	T_INT(count(&r, "scratch", FIND_ERROR, "tmp/cache/leak"), 1,
	      "named by its path");
	T_INT(count(&r, "scratch", FIND_ERROR,
		    "file name contains the value of API_TOKEN"),
	      1, "a secret in a name");
	T_INT(count(&r, "scratch", FIND_ERROR, "file is setuid (mode 4755)"), 1,
	      "a setuid file");
	T_INT(count(&r, "scratch", FIND_ERROR,
		    "file is world-writable (mode 0666)"),
	      1, "a world-writable file");
	T_INT(count(&r, "scratch", FIND_ERROR,
		    "directory is setgid (mode 2755)"),
	      1, "a setgid directory");
	T_INT(count(&r, "secrets", FIND_ERROR, NULL), 0,
	      "not reported as outputs");
	T_INT(count(&r, "scratch", FIND_ERROR, NULL), 5, "five findings");
	T_INT(count(&r, "scratch", FIND_ERROR,
		    "nothing in a writable dir may be setuid, setgid or "
		    "world-writable: it ships in the image layer"),
	      3, "the mode findings say why");
	verify_result_free(&r);
	T_OK(system("rm -rf tmp/cache tmp/tok_9f8e7d6c5b4a.txt tmp/suid "
		    "tmp/open tmp/grp") == 0,
	     "cleaned");

	/* The dir's own mode is the configuration's. */
	chmod("tmp", 01777);
	T_OK(verify_outputs(&o, &r, &e) == 0 && r.passed,
	     "a sticky world-writable scratch dir itself passes");
	verify_result_free(&r);
	chmod("tmp", 0755);

	/* Inside an output root: checked once, as an output. */
	set_writable(&s, "out/cache");
	mkdir("out/cache", 0755);
	put("out/cache/suid", "s\n");
	chmod("out/cache/suid", 04755);
	T_OK(verify_outputs(&o, &r, &e) == 0 && !r.passed, "fails");
	T_INT(r.scratch_roots, 0, "no scratch dir walked");
	T_INT(count(&r, "outputs", FIND_ERROR, "out/cache/suid"), 1,
	      "the setuid file is an output finding");
	T_INT(count(&r, "scratch", FIND_ERROR, NULL), 0, "not a scratch one");
	verify_result_free(&r);
	T_OK(system("rm -rf out/cache") == 0, "cleaned");

	/* An output root inside the dir is left out of it; a removed dir
	 * passes. */
	set_writable(&s, ".");
	put("out/suid2", "s\n");
	chmod("out/suid2", 04755);
	T_OK(verify_outputs(&o, &r, &e) == 0, "verifies");
	T_INT(count(&r, "outputs", FIND_ERROR, "out/suid2"), 1,
	      "an output's finding");
	T_INT(count(&r, "scratch", FIND_ERROR, NULL), 0,
	      "the root inside the scratch dir is not walked again");
	verify_result_free(&r);
	unlink("out/suid2");
	set_writable(&s, "gone");
	T_OK(verify_outputs(&o, &r, &e) == 0 && r.passed,
	     "a scratch dir that is gone passes");
	verify_result_free(&r);
	spec_free(&s);
	leave_scratch();
}

/* max_bytes is checked from the walk's apparent sizes before a byte is
 * read (a 1 TiB sparse file would take an hour); max_files stops the
 * walk; the checks of contents are then not run. */
TAP_SUITE(verify_bounds)
{
	struct spec s;
	struct verify_opts o = {0};
	struct verify_result r;
	struct err e = {0};
	int fd;

	enter_scratch();
	spec_with_root(&s);
	o.spec = &s;
	o.lock_path = "out/cleanroom.lock";
	fd = open("out/huge.bin", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	T_OK(fd >= 0 && ftruncate(fd, (off_t)1 << 40) == 0,
	     "a 1 TiB sparse file");
	if (fd >= 0)
		close(fd);
	s.outputs.max_bytes = 1 << 20;
	T_OK(verify_outputs(&o, &r, &e) == 0, "verifies");
	T_OK(!r.passed, "fails");
	T_INT(count(&r, "outputs", FIND_ERROR,
		    "1099511627787 bytes of outputs (apparent sizes), more "
		    "than max_bytes 1048576: nothing was read"),
	      1, "over max_bytes, from the walk");
	T_INT(r.tree.bytes, 0, "nothing read");
	T_OK(r.unchecked != NULL, "contents not checked");
	T_INT(r.lock.n, 0, "no lock entries");
	verify_result_free(&r);
	unlink("out/huge.bin");
	s.outputs.max_bytes = -1;

	/* out/app-1.css, out/js, out/js/app-2.js: three entries. */
	s.outputs.max_files = 3;
	T_OK(verify_outputs(&o, &r, &e) == 0 && r.passed,
	     "three entries pass max_files 3");
	verify_result_free(&r);
	s.outputs.max_files = 2;
	T_OK(verify_outputs(&o, &r, &e) == 0, "verifies");
	T_INT(count(&r, "outputs", FIND_ERROR,
		    "more than max_files 2 files, directories and links"),
	      1, "max_files 2 crossed");
	T_OK(!r.passed && r.tree.bytes == 0, "fails, nothing read");
	verify_result_free(&r);
	s.outputs.max_files = 0;
	T_OK(verify_outputs(&o, &r, &e) == 0 && !r.passed &&
		     count(&r, "outputs", FIND_ERROR, "max_files 0") == 1,
	     "max_files 0: any entry is too many");
	verify_result_free(&r);
	s.outputs.max_files = -1;
	T_INT(verify_max_files(&s), 1000000, "default max_files");
	T_INT(verify_timeout_ms(&s), 600000, "default verify_timeout 10m");
	spec_free(&s);
	leave_scratch();
}

TAP_SUITE(verify_timeout)
{
	struct spec s;
	struct verify_opts o = {0};
	struct verify_result r;
	struct err e = {0};

	enter_scratch();
	spec_with_root(&s);
	o.spec = &s;
	s.outputs.verify_timeout_ms = 0;
	T_INT(verify_outputs(&o, &r, &e), -1, "verify_timeout 0: fails");
	T_INT(e.kind, ERR_TIMEOUT, "as a timeout (exit 124)");
	T_OK(strstr(e.msg, "verification timed out after 0ms") != NULL,
	     "saying it was verification: %s", e.msg);
	spec_free(&s);
	leave_scratch();
}

/* The default forbid globs ignore case and cover private keys; public
 * halves and look-alike names stay allowed. */
TAP_SUITE(verify_forbid_defaults)
{
	static const char *const bad[] = {
		"out/.ENV",	  "out/.Env.Production",  "out/server.PEM",
		"out/tls.KEY",	  "out/id_rsa",		  "out/ID_RSA",
		"out/id_ed25519", "out/id_ecdsa",	  "out/js/id_dsa",
		"out/cert.p12",	  "out/cert.PFX",	  "out/.netrc",
		"out/.npmrc",	  "out/.git-credentials",
	};
	static const char *const good[] = {
		"out/id_rsa.pub",
		"out/keys.js",
		"out/environment.js",
		"out/pem.css",
	};
	struct spec s;
	struct verify_opts o = {0};
	struct verify_result r;
	struct err e = {0};

	enter_scratch();
	spec_with_root(&s);
	o.spec = &s;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		put(bad[i], "k\n");
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		put(good[i], "g\n");
	T_OK(verify_outputs(&o, &r, &e) == 0 && !r.passed, "fails");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		T_OK(count(&r, "outputs", FIND_ERROR, bad[i]) == 1,
		     "%s forbidden", bad[i]);
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		T_OK(count(&r, "outputs", FIND_ERROR, good[i]) == 0,
		     "%s allowed", good[i]);
	verify_result_free(&r);
	spec_free(&s);
	leave_scratch();
}

/* Hard links in the lock: every name, the same digest. */
TAP_SUITE(verify_hard_links)
{
	struct spec s;
	struct verify_opts o = {0};
	struct verify_result r;
	struct err e = {0};

	enter_scratch();
	spec_with_root(&s);
	o.spec = &s;
	link("out/app-1.css", "out/copy-1.css");
	link("out/app-1.css", "out/js/copy-2.css");
	T_OK(verify_outputs(&o, &r, &e) == 0 && r.passed, "passes");
	T_INT(r.lock.n, 4, "four names in the lock");
	T_INT(r.tree.aliases, 2, "two read through another name");
	T_INT(r.tree.bytes, 7 + 4, "each inode read once");
	verify_result_free(&r);
	spec_free(&s);
	leave_scratch();
}
