/*
 * job.c and config.c: the workdir is relative to the spec file's
 * directory and becomes the current directory; env files are read from
 * it; errors in them are located from the start directory; job_free
 * returns to the start; and the merge rules of preset < spec < overrides
 * (a scalar replaces, a list adds, --output replaces the roots).
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "job.h"
#include "tap.h"

static char top[64], old_cwd[PATH_MAX];

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
		abort();
}

static void enter(void)
{
	if (getcwd(old_cwd, sizeof old_cwd) == NULL)
		abort();
	snprintf(top, sizeof top, "/tmp/cleanroom-job-XXXXXX");
	if (mkdtemp(top) == NULL || chdir(top) != 0 || mkdir("conf", 0755) ||
	    mkdir("app", 0755))
		abort();
}

static void leave(void)
{
	char cmd[128];

	if (chdir(old_cwd) != 0)
		abort();
	snprintf(cmd, sizeof cmd, "rm -rf %s", top);
	if (system(cmd) != 0)
		abort();
}

static const char *here(char *buf, size_t n)
{
	return getcwd(buf, n) ? buf : "?";
}

TAP_SUITE(job_workdir)
{
	char *env[] = {"PATH=/usr/bin", "HOME=/root", NULL};
	struct job_request rq = {.policy = JOB_POLICY_REQUIRED, .env = env};
	struct job j;
	struct err e = {0};
	char cwd[PATH_MAX], want[PATH_MAX + 16];

	enter();
	put("conf/cleanroom.yml", "framework: none\nworkdir: ../app\n"
				  "outputs: {root: out}\ncommand: 'true'\n");
	put("app/.aptible.env", "FOO=bar\nAPI_TOKEN=t0ps3cr3tvalue\n");
	rq.spec_path = "conf/cleanroom.yml";
	T_OK(job_load(&rq, &j, &e) == 0, "loads: %s", e.msg);
	snprintf(want, sizeof want, "%s/app", top);
	T_STR(here(cwd, sizeof cwd), want,
	      "the workdir (relative to the spec's directory) is the cwd");
	T_STR(j.wd_abs, want, "and its absolute path");
	T_STR(j.wd_shown, "conf/../app/", "shown from the start directory");
	T_INT(j.cfg.spec.env.files.n, 1, "the workdir's .aptible.env");
	T_INT(j.pol.n, 4, "policy: PATH, HOME, FOO, API_TOKEN");
	T_OK(j.spec_text.len > 0, "the spec's bytes are kept");
	T_INT(j.plan.sb.nhidden, 1, "the plan hides the env file");
	snprintf(want, sizeof want, "%s/app/.aptible.env", top);
	T_STR(j.plan.sb.hidden[0], want, "by its absolute path");
	T_INT(j.plan.sb.deny_network, 1, "the network is denied by default");
	T_INT(j.plan.sb.allow_unix_sockets, 0, "and unix sockets with it");
	job_free(&j);
	T_STR(here(cwd, sizeof cwd), top, "job_free returns to the start");

	put("conf/cleanroom.yml", "framework: none\nworkdir: ../app\n"
				  "outputs: {root: out}\ncommand: 'true'\n"
				  "sandbox: {unix_sockets: true}\n");
	T_OK(job_load(&rq, &j, &e) == 0, "loads: %s", e.msg);
	T_INT(j.plan.sb.allow_unix_sockets, 1,
	      "sandbox.unix_sockets: true reaches the plan");
	job_free(&j);

	put("app/.aptible.env", "FOO=bar\nBAD=$(date)\n");
	T_OK(job_load(&rq, &j, &e) < 0 && e.kind == ERR_CONFIG,
	     "a bad env file is a config error");
	T_STR(e.file, "conf/../app/.aptible.env",
	      "located from the start directory");
	T_INT(e.line, 2, "on its line");
	T_STR(here(cwd, sizeof cwd), top, "a failed load leaves the cwd");

	put("conf/cleanroom.yml", "workdir: nowhere\n");
	T_OK(job_load(&rq, &j, &e) < 0 && e.kind == ERR_CONFIG &&
		     strcmp(e.file, "conf/cleanroom.yml") == 0 && e.line == 1,
	     "a missing workdir is located at the spec's key");
	leave();
}

TAP_SUITE(config_merge_rules)
{
	struct spec file, ov;
	struct config cfg;
	struct err e = {0};

	enter();
	spec_init(&file);
	spec_init(&ov);
	T_OK(spec_parse("t.yml",
			"framework: none\n"
			"env: {pass: [A], set: {X: spec}}\n"
			"sandbox: {timeout: 10m, writable: [tmp]}\n"
			"outputs: {root: [a, b], min_files: 2}\n",
			strlen("framework: none\n"
			       "env: {pass: [A], set: {X: spec}}\n"
			       "sandbox: {timeout: 10m, writable: [tmp]}\n"
			       "outputs: {root: [a, b], min_files: 2}\n"),
			&file, &e) == 0,
	     "the spec parses: %s", e.msg);
	spec_list_add(&ov.env.pass, "B", 0, 0);
	ov.env.pass.set = 1;
	spec_list_add(&ov.outputs.roots, "dist", 0, 0);
	ov.outputs.roots.set = 1;
	ov.sandbox.timeout_ms = 1000;
	spec_map_put(&ov.env.set, "X", "flag", 0, 0);
	T_OK(config_merge(&file, 1, &ov, &cfg, &e) == 0, "merges: %s", e.msg);
	T_INT(cfg.spec.env.pass.n, 2, "a list flag adds to the spec's list");
	T_INT(cfg.spec.outputs.roots.n, 1, "--output replaces the roots");
	T_STR(cfg.spec.outputs.roots.v[0].s, "dist", "with its own");
	T_INT(cfg.spec.sandbox.timeout_ms, 1000, "a scalar flag replaces");
	T_INT(cfg.spec.outputs.min_files, 2, "an unset flag keeps the spec's");
	T_INT(cfg.spec.sandbox.writable.n, 1, "the spec's writable list");
	T_INT(cfg.spec_set.n, 1, "the spec's set is kept apart");
	T_INT(cfg.flag_set.n, 1, "from --set (the policy orders them)");
	T_INT(cfg.spec.env.inherit.n > 0, 1, "the default inherit list");
	T_INT(cfg.spec.sandbox.unix_sockets, -1, "unix_sockets: unset");
	config_free(&cfg);
	ov.sandbox.unix_sockets = 1;
	T_OK(config_merge(&file, 1, &ov, &cfg, &e) == 0, "merges: %s", e.msg);
	T_INT(cfg.spec.sandbox.unix_sockets, 1,
	      "--allow-unix-sockets over a spec without the key");
	config_free(&cfg);
	spec_free(&ov);
	spec_free(&file);
	leave();
}

/* The command start runs, and whether `run -- WORDS` is it: the words of
 * a plain command string, or an equal list; never a string the shell
 * would read otherwise. */
static int is_start(const char *yml, const char *const *words)
{
	struct spec file, ov;
	struct config cfg;
	struct err e = {0};
	int r;

	spec_init(&file);
	spec_init(&ov);
	if (spec_parse("t.yml", yml, strlen(yml), &file, &e) < 0)
		abort();
	for (size_t i = 0; words != NULL && words[i] != NULL; i++)
		spec_list_add(&ov.command, words[i], 0, 0);
	ov.command.set = words != NULL;
	if (config_merge(&file, 1, &ov, &cfg, &e) < 0)
		abort();
	r = config_command_is_start(&cfg);
	config_free(&cfg);
	spec_free(&ov);
	spec_free(&file);
	return r;
}

TAP_SUITE(config_command_is_start)
{
	static const char dj[] = "framework: django\n";
	static const char *const preset[] = {
		"python3", "manage.py", "collectstatic", "--noinput", NULL};
	static const char *const fewer[] = {"python3", "manage.py",
					    "collectstatic", NULL};
	static const char *const one[] = {
		"python3 manage.py collectstatic --noinput", NULL};
	static const char *const amp[] = {"make", "&&", "true", NULL};
	static const char *const ab[] = {"a", "b", NULL};
	static const char *const assign[] = {"FOO=1", "make", NULL};
	static const char *const quoted[] = {"echo", "'x'", NULL};

	enter();
	T_INT(is_start(dj, NULL), 1, "no command after --: the preset's");
	T_INT(is_start(dj, preset), 1, "the preset's string, word by word");
	T_INT(is_start(dj, fewer), 0, "fewer words: another command");
	T_INT(is_start(dj, one), 0, "the string as one program name: not it");
	T_INT(is_start("framework: none\ncommand: \"make && true\"\n", amp), 0,
	      "a string with && is the shell's, not words");
	T_INT(is_start("framework: none\ncommand: [a, b]\n", ab), 1,
	      "an equal list");
	T_INT(is_start("framework: none\ncommand: \"a  b\"\n", ab), 1,
	      "blanks between words");
	T_INT(is_start("framework: none\ncommand: \"FOO=1 make\"\n", assign), 0,
	      "sh would take FOO=1 for an assignment");
	T_INT(is_start("framework: none\ncommand: \"echo 'x'\"\n", quoted), 0,
	      "quotes: sh would remove them");
	T_INT(is_start("framework: none\n", ab), 0, "no start command at all");
	leave();
}
