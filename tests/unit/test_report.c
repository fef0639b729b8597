/*
 * The JSON report (src/report.c) against a golden file: a real
 * verification of a small tree (a secret in a file, a forbidden name, a
 * gzip sibling, a directory link, a lock to compare with), a hand-made
 * policy and sandbox status, then report_json and report_write as `run`
 * writes them after a failed verification. Durations, thread counts and
 * the scratch path are fixed before rendering; everything else is what
 * the code produces. UPDATE_GOLDEN=1 rewrites the golden file (review the
 * diff). Also: the report's shape when nothing but the error is known,
 * and report_path_check.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report.h"
#include "tap.h"

#define GOLDEN "tests/fixtures/report/run-failed.json"

static char top[64];

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		abort();
	fputs(text, f);
	fclose(f);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *p;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = calloc(1, (size_t)n + 1);
	if (p != NULL && fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	fclose(f);
	return p;
}

TAP_SUITE(report_golden)
{
	static const char gz[] = /* gzip of "x()\n", different from app.js */
		"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xab\xd0\xd0\xe4\x02"
		"\x00\xc2\x36\x02\x1d\x04\x00\x00\x00";
	static const struct scan_secret sec[] = {
		{"STRIPE_SECRET_KEY", "sk_live_0a1b2c3d4e5f", 20},
		{"PIN_SECRET", "4711", 4},
	};
	struct policy_var vars[] = {
		{.name = "RAILS_ENV",
		 .value = "production",
		 .len = 10,
		 .source = SRC_PRESET},
		{.name = "STRIPE_SECRET_KEY",
		 .source = SRC_FILE,
		 .file = ".aptible.env",
		 .line = 3,
		 .secret = 1,
		 .withheld = 1,
		 .why = "*_SECRET_*"},
		{.name = "PIN_SECRET",
		 .source = SRC_FLAG,
		 .secret = 1,
		 .why = "*_SECRET*"},
	};
	struct policy pol = {.v = vars, .n = 3};
	struct sandbox_status st = {.landlock_abi = 6, .n = 2};
	struct spec s;
	struct verify_opts o = {0};
	struct ctime_change changed[] = {
		{.path = (char *)"etc/ssl/private",
		 .mode = 040777,
		 .ctime_sec = 1700000000},
	};
	struct ctime_result cr = {.named = changed,
				  .nnamed = 1,
				  .changed = 3,
				  .inodes = 4096,
				  .ms = 21.0};
	struct verify_result r;
	struct report_info ri;
	struct buf members = {0};
	struct err e = {0}, why = {0};
	char cwd[4096], golden[4200], *got, *want;
	int fd;

	if (getcwd(cwd, sizeof cwd) == NULL)
		abort();
	snprintf(golden, sizeof golden, "%s/%s", cwd, GOLDEN);
	snprintf(top, sizeof top, "/tmp/cleanroom-report-XXXXXX");
	if (mkdtemp(top) == NULL || chdir(top) != 0)
		abort();
	mkdir("out", 0755);
	mkdir("out/js", 0755);
	put("out/app.js", "pay('sk_live_0a1b2c3d4e5f')\n");
	put("out/js/b.js", "b()\n");
	put("out/.env", "X=1\n");
	fd = open("out/app.js.gz", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, gz, sizeof gz - 1) != (ssize_t)(sizeof gz - 1))
		abort();
	close(fd);
	if (symlink("js", "out/scripts") != 0)
		abort();
	put("out/cleanroom.lock",
	    "0000000000000000000000000000000000000000000000000000000000000000"
	    "  out/js/b.js\n");
	strcpy(st.kernel, "6.1.0-test x86_64");
	st.layer[0] =
		(struct sandbox_layer){.name = "landlock", .state = LAYER_ON};
	strcpy(st.layer[0].detail, "v6 fs+tcp");
	st.layer[1] = (struct sandbox_layer){.name = "netns",
					     .state = LAYER_OFF_BLOCKED};
	strcpy(st.layer[1].detail, "blocked by the container");

	spec_init(&s);
	spec_list_add(&s.outputs.roots, "out", 0, 0);
	spec_list_add(&s.command, "bin/rails", 0, 0);
	spec_list_add(&s.command, "assets:precompile", 0, 0);
	s.framework = FW_RAILS;
	s.outputs.manifest = MF_NONE;
	o.spec = &s;
	o.secrets = sec;
	o.nsecrets = 2;
	o.lock_path = "out/cleanroom.lock";
	/* What a ctime sweep found (ctime_sweep.h): one inode changed
	 * outside the writable set, named. */
	o.ctime = &cr;
	T_OK(verify_outputs(&o, &r, &e) == 0, "verifies: %s", e.msg);
	/* What varies from run to run. */
	r.ms = 12.5;
	r.tree.hash_ms = 2.25;
	r.tree.threads = 2;
	ri = (struct report_info){
		.command_name = "run",
		.spec = &s,
		.policy = &pol,
		.sandbox = &st,
		.built = 1,
		.build_status = 0,
		.build_ms = 1500,
		.verify = &r,
		.lock_path = "out/cleanroom.lock",
	};
	T_OK(report_json(&ri, &members) == 0, "renders");
	err_set(&why, ERR_VERIFY, NULL, 0, 0,
		"verification failed: 5 findings; the lock was not written");
	T_OK(report_write("report.json", "run", 65, &why, &members, &e) == 0,
	     "writes: %s", e.msg);
	got = slurp("report.json");
	if (getenv("UPDATE_GOLDEN") != NULL && got != NULL)
		put(golden, got);
	want = slurp(golden);
	T_OK(got != NULL && want != NULL, "both reports read");
	T_STR(got ? got : "", want ? want : "", "the report is the golden one");
	free(got);
	free(want);
	buf_free(&members);
	verify_result_free(&r);
	spec_free(&s);
	(void)!chdir(cwd);
	snprintf(golden, sizeof golden, "rm -rf %s", top);
	(void)!system(golden);
}

/* Nothing but the error: the four members, valid JSON's shape. */
TAP_SUITE(report_error_only)
{
	struct buf none = {0};
	struct err why = {0}, e = {0};
	char path[] = "/tmp/cleanroom-report-e-XXXXXX", file[64], *got;

	if (mkdtemp(path) == NULL)
		abort();
	snprintf(file, sizeof file, "%s/r.json", path);
	err_set(&why, ERR_CONFIG, "cleanroom.yml", 2, 1,
		"unknown key \"bogus\"");
	err_hint(&why, "did you mean \"outputs\"?");
	T_OK(report_write(file, "verify", 78, &why, &none, &e) == 0, "writes");
	got = slurp(file);
	T_STR(got ? got : "",
	      "{\"cleanroom\": \"verify\", \"exit_status\": 78, \"reason\": "
	      "\"cleanroom.yml:2:1: unknown key \\\"bogus\\\"\", \"hint\": "
	      "\"did you mean \\\"outputs\\\"?\"\n}\n",
	      "command, status, reason with its place, hint");
	free(got);
	T_OK(report_write(file, "run", 0, NULL, &none, &e) == 0, "success");
	got = slurp(file);
	T_STR(got ? got : "",
	      "{\"cleanroom\": \"run\", \"exit_status\": 0, \"reason\": null, "
	      "\"hint\": null\n}\n",
	      "no reason, no hint");
	free(got);

	/* Where a report may go. */
	T_OK(report_path_check("-", &e) == 0, "- is standard output");
	T_OK(report_path_check(file, &e) == 0, "a regular file");
	snprintf(file, sizeof file, "%s/new.json", path);
	T_OK(report_path_check(file, &e) == 0, "a new file");
	snprintf(file, sizeof file, "%s/link.json", path);
	(void)!symlink("r.json", file);
	T_OK(report_path_check(file, &e) < 0 && e.kind == ERR_USAGE,
	     "a link: refused as usage");
	T_OK(strstr(e.msg, "(a symbolic link)") != NULL, "says so: %s", e.msg);
	T_OK(report_write(file, "run", 0, NULL, &none, &e) < 0,
	     "report_write refuses it too");
	T_OK(report_path_check("/dev/null", &e) < 0 &&
		     strstr(e.msg, "(a device or socket)") != NULL,
	     "a device");
	T_OK(report_path_check(path, &e) < 0 &&
		     strstr(e.msg, "(a directory)") != NULL,
	     "a directory");
	snprintf(file, sizeof file, "rm -rf %s", path);
	(void)!system(file);
}
