/*
 * Presets and framework detection: detection on the fixture apps in
 * tests/fixtures/apps (run from the repository root, as make check does)
 * and on trees built in a temporary directory for the edge cases, the
 * exact ambiguity message, the sanity of every preset's fields, and
 * `cleanroom init` end to end through the spec loader: what init writes
 * must load, and must say what the preset says.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "msg.h"
#include "preset.h"
#include "spec.h"
#include "tap.h"

#define APPS "tests/fixtures/apps"

static const enum framework all_fw[] = {FW_RAILS, FW_DJANGO, FW_VITE,
					FW_WEBPACK};

static int have_fixtures(void)
{
	if (access(APPS "/rails-sprockets/Gemfile", R_OK) == 0)
		return 1;
	tap_diag("%s: not found from here; run from the repository", APPS);
	T_OK(0, "fixtures present");
	return 0;
}

/* Writes text to dir/name, creating the parent directories of name. */
static int put_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	size_t len = strlen(text);
	int fd, ok;

	(void)snprintf(path, sizeof path, "%s/%s", dir, name);
	for (char *s = path + strlen(dir) + 1; (s = strchr(s, '/')) != NULL;
	     s++) {
		*s = '\0';
		if (mkdir(path, 0777) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		return -1;
	ok = write(fd, text, len) == (ssize_t)len;
	return close(fd) == 0 && ok ? 0 : -1;
}

/* A fresh empty directory for one case; rm -r of it at the end. */
static int scratch(char *dir, size_t size)
{
	(void)snprintf(dir, size, "/tmp/cleanroom-preset.XXXXXX");
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static void remove_tree(const char *dir)
{
	char cmd[600];

	/* Test scaffolding only: the directory is one mkdtemp made. */
	(void)snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", dir);
}

struct fixture_case {
	const char *dir;
	enum framework fw;
	enum manifest_kind mf;
	const char *reason;
};

static const struct fixture_case fixture_cases[] = {
	{"rails-sprockets", FW_RAILS, MF_SPROCKETS,
	 "Gemfile and config/application.rb; sprockets in Gemfile.lock"},
	{"rails-propshaft", FW_RAILS, MF_PROPSHAFT,
	 "Gemfile and config/application.rb; propshaft in Gemfile.lock"},
	{"rails-nolock", FW_RAILS, MF_SPROCKETS,
	 "Gemfile and config/application.rb; no Gemfile.lock: sprockets "
	 "assumed"},
	{"django", FW_DJANGO, MF_DJANGO, "manage.py"},
	{"vite", FW_VITE, MF_VITE, "vite.config.ts"},
	{"webpack", FW_WEBPACK, MF_WEBPACK, "webpack.config.js"},
	{"none", FW_NONE, MF_NONE,
	 "no Gemfile with config/application.rb, manage.py, vite.config.* "
	 "or webpack.config.*"},
};

TAP_SUITE(preset_detect_fixtures)
{
	if (!have_fixtures())
		return;
	for (size_t i = 0; i < sizeof fixture_cases / sizeof *fixture_cases;
	     i++) {
		const struct fixture_case *c = &fixture_cases[i];
		struct detection d;
		struct err e = {0};
		char dir[256];

		(void)snprintf(dir, sizeof dir, "%s/%s", APPS, c->dir);
		if (!T_OK(preset_detect(dir, &d, &e) == 0, "%s: detects: %s",
			  c->dir, e.msg))
			continue;
		T_INT(d.framework, c->fw, c->dir);
		T_INT(d.manifest, c->mf, c->dir);
		T_STR(d.reason, c->reason, c->dir);
	}
}

TAP_SUITE(preset_detect_ambiguous)
{
	struct detection d;
	struct err e = {0};
	char dir[64];

	if (!have_fixtures())
		return;
	T_OK(preset_detect(APPS "/ambiguous", &d, &e) == -1, "refused");
	T_INT(e.kind, ERR_CONFIG, "a config error (exit 78)");
	T_STR(e.msg,
	      "two frameworks match in " APPS "/ambiguous: rails (Gemfile and "
	      "config/application.rb) and vite (vite.config.ts)",
	      "the message names both, with what was found");
	T_STR(e.hint,
	      "choose one with --framework rails|vite, or with the "
	      "`framework:` key of cleanroom.yml",
	      "the hint names the flag and the key");
	T_INT(d.framework, FW_NONE, "no framework on error");
	T_STR(e.file, "", "no file location");

	if (!T_OK(scratch(dir, sizeof dir) == 0, "scratch directory"))
		return;
	T_OK(put_file(dir, "Gemfile", "gem 'rails'\n") == 0 &&
		     put_file(dir, "config/application.rb", "\n") == 0 &&
		     put_file(dir, "vite.config.mjs", "\n") == 0 &&
		     put_file(dir, "webpack.config.cjs", "\n") == 0,
	     "rails + vite + webpack tree");
	memset(&e, 0, sizeof e);
	T_OK(preset_detect(dir, &d, &e) == -1, "three: refused");
	{
		char want[512];

		(void)snprintf(
			want, sizeof want,
			"three frameworks match in %s: rails (Gemfile and "
			"config/application.rb), vite (vite.config.mjs) "
			"and webpack (webpack.config.cjs)",
			dir);
		T_STR(e.msg, want, "three: all named");
	}
	T_STR(e.hint,
	      "choose one with --framework rails|vite|webpack, or with the "
	      "`framework:` key of cleanroom.yml",
	      "three: hint");

	/* Named, the ambiguity is settled and Rails still reads its lock. */
	memset(&e, 0, sizeof e);
	T_OK(preset_detect_as(APPS "/ambiguous", FW_RAILS, &d, &e) == 0,
	     "as rails: %s", e.msg);
	T_INT(d.framework, FW_RAILS, "as rails: framework");
	T_INT(d.manifest, MF_SPROCKETS, "as rails: manifest from the lock");
	T_STR(d.reason, "as named; sprockets in Gemfile.lock",
	      "as rails: reason");
	T_OK(preset_detect_as(APPS "/ambiguous", FW_VITE, &d, &e) == 0,
	     "as vite");
	T_INT(d.manifest, MF_VITE, "as vite: the preset's manifest");
	T_STR(d.reason, "as named", "as vite: reason");
	remove_tree(dir);
}

struct tree_case {
	const char *what;
	const char *files[4][2]; /* name, content; NULL name ends */
	enum framework fw;
	enum manifest_kind mf;
	const char *reason; /* NULL: not checked */
	int ambiguous;	    /* refused; reason is part of the message */
};

/* clang-format off */
#define RAILS_APP \
	{"Gemfile", "gem 'rails'\n"}, {"config/application.rb", "\n"}
/* clang-format on */

static const struct tree_case tree_cases[] = {
	{"empty directory", {{NULL, NULL}}, FW_NONE, MF_NONE, NULL, 0},
	{"Gemfile alone is not rails",
	 {{"Gemfile", "gem 'sinatra'\n"}, {NULL, NULL}},
	 FW_NONE,
	 MF_NONE,
	 NULL,
	 0},
	{"config/application.rb alone is not rails",
	 {{"config/application.rb", "\n"}, {NULL, NULL}},
	 FW_NONE,
	 MF_NONE,
	 NULL,
	 0},
	{"config as a file: absent, not an error",
	 {{"Gemfile", "\n"}, {"config", "not a directory\n"}, {NULL, NULL}},
	 FW_NONE,
	 MF_NONE,
	 NULL,
	 0},
	{"propshaft and sprockets: propshaft",
	 {RAILS_APP,
	  {"Gemfile.lock", "GEM\n  specs:\n    propshaft (1.1.0)\n"
			   "    sprockets-rails (3.5.2)\n"}},
	 FW_RAILS,
	 MF_PROPSHAFT,
	 "Gemfile and config/application.rb; propshaft and sprockets in "
	 "Gemfile.lock: propshaft assumed",
	 0},
	{"neither in the lock",
	 {RAILS_APP, {"Gemfile.lock", "GEM\n  specs:\n    rails (7.2.0)\n"}},
	 FW_RAILS,
	 MF_SPROCKETS,
	 "Gemfile and config/application.rb; neither propshaft nor "
	 "sprockets in Gemfile.lock: sprockets assumed",
	 0},
	{"gem names must match whole",
	 {RAILS_APP,
	  {"Gemfile.lock", "    propshaft-extras (1.0)\n    sprockets-es6 "
			   "(0.9)\n  propshaftx\n"}},
	 FW_RAILS,
	 MF_SPROCKETS,
	 "Gemfile and config/application.rb; neither propshaft nor "
	 "sprockets in Gemfile.lock: sprockets assumed",
	 0},
	{"a git-sourced gem under DEPENDENCIES, CRLF lines",
	 {RAILS_APP, {"Gemfile.lock", "DEPENDENCIES\r\n  propshaft!\r\n"}},
	 FW_RAILS,
	 MF_PROPSHAFT,
	 NULL,
	 0},
	{"a gem name on the last line without a newline",
	 {RAILS_APP, {"Gemfile.lock", "DEPENDENCIES\n  propshaft"}},
	 FW_RAILS,
	 MF_PROPSHAFT,
	 NULL,
	 0},
	{"sprockets only as a dependency of another gem",
	 {RAILS_APP,
	  {"Gemfile.lock", "    sassc-rails (2.1.2)\n      sprockets (> 3.0)"
			   "\n"}},
	 FW_RAILS,
	 MF_SPROCKETS,
	 "Gemfile and config/application.rb; sprockets in Gemfile.lock",
	 0},
	{"vite.config.cts",
	 {{"vite.config.cts", "\n"}, {NULL, NULL}},
	 FW_VITE,
	 MF_VITE,
	 "vite.config.cts",
	 0},
	{"Vite's order: .js before .ts",
	 {{"vite.config.ts", "\n"}, {"vite.config.js", "\n"}, {NULL, NULL}},
	 FW_VITE,
	 MF_VITE,
	 "vite.config.js",
	 0},
	{"webpack.config.mts",
	 {{"webpack.config.mts", "\n"}, {NULL, NULL}},
	 FW_WEBPACK,
	 MF_WEBPACK,
	 "webpack.config.mts",
	 0},
	{"vite.config.json is no vite config",
	 {{"vite.config.json", "{}\n"}, {NULL, NULL}},
	 FW_NONE,
	 MF_NONE,
	 NULL,
	 0},
	{"manage.py alone",
	 {{"manage.py", "#!/usr/bin/env python3\n"}, {NULL, NULL}},
	 FW_DJANGO,
	 MF_DJANGO,
	 "manage.py",
	 0},
	{"django and webpack",
	 {{"manage.py", "\n"}, {"webpack.config.js", "\n"}, {NULL, NULL}},
	 FW_NONE,
	 MF_NONE,
	 "django (manage.py) and webpack (webpack.config.js)",
	 1},
};

TAP_SUITE(preset_detect_trees)
{
	for (size_t i = 0; i < sizeof tree_cases / sizeof *tree_cases; i++) {
		const struct tree_case *c = &tree_cases[i];
		struct detection d;
		struct err e = {0};
		char dir[64];
		int ok = 1, rc;

		if (!T_OK(scratch(dir, sizeof dir) == 0, "scratch directory"))
			return;
		for (size_t f = 0; f < 4 && c->files[f][0] != NULL; f++)
			ok &= put_file(dir, c->files[f][0], c->files[f][1]) ==
			      0;
		T_OK(ok, "%s: tree written", c->what);
		rc = preset_detect(dir, &d, &e);
		if (c->ambiguous) {
			T_OK(rc == -1 && e.kind == ERR_CONFIG &&
				     strstr(e.msg, c->reason) != NULL,
			     "%s: ambiguous: %s", c->what, e.msg);
		} else if (T_OK(rc == 0, "%s: detects: %s", c->what, e.msg)) {
			T_INT(d.framework, c->fw, c->what);
			T_INT(d.manifest, c->mf, c->what);
			if (c->reason != NULL)
				T_STR(d.reason, c->reason, c->what);
		}
		remove_tree(dir);
	}
}

TAP_SUITE(preset_detect_errors)
{
	struct detection d;
	struct err e = {0};
	char dir[64], path[128];
	char *big;

	T_OK(preset_detect("/nonexistent/cleanroom-app", &d, &e) == -1,
	     "a missing directory is an error");
	T_INT(e.kind, ERR_CONFIG, "missing: a config error");
	T_STR(e.file, "/nonexistent/cleanroom-app", "missing: names it");
	T_STR(e.msg, "no such directory", "missing: says so");
	T_INT(d.framework, FW_NONE, "missing: no framework");

	memset(&e, 0, sizeof e);
	T_OK(preset_detect_as("/nonexistent/cleanroom-app", FW_DJANGO, &d,
			      &e) == -1 &&
		     e.kind == ERR_CONFIG,
	     "as django: a missing directory is an error too");

	if (!T_OK(scratch(dir, sizeof dir) == 0, "scratch directory"))
		return;
	T_OK(put_file(dir, "file", "x\n") == 0, "a plain file");
	(void)snprintf(path, sizeof path, "%s/file", dir);
	memset(&e, 0, sizeof e);
	T_OK(preset_detect(path, &d, &e) == -1 && e.kind == ERR_CONFIG &&
		     strcmp(e.msg, "not a directory") == 0,
	     "a file is not a directory: %s", e.msg);

	/* A directory named Gemfile.lock, and a lock past the cap. */
	T_OK(put_file(dir, "Gemfile", "\n") == 0 &&
		     put_file(dir, "config/application.rb", "\n") == 0,
	     "a rails tree");
	(void)snprintf(path, sizeof path, "%s/Gemfile.lock", dir);
	T_OK(mkdir(path, 0777) == 0, "Gemfile.lock as a directory");
	memset(&e, 0, sizeof e);
	T_OK(preset_detect(dir, &d, &e) == -1 && e.kind == ERR_CONFIG &&
		     strstr(e.msg, "Gemfile.lock: not a regular file") != NULL,
	     "a lock that is not a file is refused: %s", e.msg);
	T_OK(rmdir(path) == 0, "removed it");

	big = malloc(((size_t)4 << 20) + 2);
	T_OK(big != NULL, "4 MiB buffer");
	if (big != NULL) {
		memset(big, '#', ((size_t)4 << 20) + 1);
		big[((size_t)4 << 20) + 1] = '\0';
		T_OK(put_file(dir, "Gemfile.lock", big) == 0,
		     "a lock of 4 MiB + 1");
		memset(&e, 0, sizeof e);
		T_OK(preset_detect(dir, &d, &e) == -1 && e.kind == ERR_CONFIG &&
			     strstr(e.msg, "Gemfile.lock: larger than 4 MiB") !=
				     NULL,
		     "an oversized lock is refused: %s", e.msg);
		big[(size_t)4 << 20] = '\0';
		T_OK(put_file(dir, "Gemfile.lock", big) == 0,
		     "a lock of exactly 4 MiB");
		memset(&e, 0, sizeof e);
		T_OK(preset_detect(dir, &d, &e) == 0 &&
			     d.manifest == MF_SPROCKETS,
		     "exactly at the cap is read: %s", e.msg);
		free(big);
	}

	/* A FIFO must not hang detection. */
	(void)snprintf(path, sizeof path, "%s/Gemfile.lock", dir);
	T_OK(unlink(path) == 0 && mkfifo(path, 0666) == 0, "a FIFO lock");
	memset(&e, 0, sizeof e);
	T_OK(preset_detect(dir, &d, &e) == -1 &&
		     strstr(e.msg, "not a regular file") != NULL,
	     "a FIFO lock is refused without blocking: %s", e.msg);
	remove_tree(dir);
}

static int has(const char *const *v, const char *s)
{
	for (; v != NULL && *v != NULL; v++)
		if (strcmp(*v, s) == 0)
			return 1;
	return 0;
}

static int sentence(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	return n > 20 && s[n - 1] == '.';
}

TAP_SUITE(preset_fields)
{
	T_OK(preset_get(FW_NONE) == NULL, "no preset for none");
	T_OK(preset_get(FW_UNSET) == NULL, "no preset for unset");
	for (size_t i = 0; i < sizeof all_fw / sizeof *all_fw; i++) {
		const struct preset *p = preset_get(all_fw[i]);
		const char *name;

		if (p == NULL) {
			T_OK(0, "preset %d exists", (int)all_fw[i]);
			continue;
		}
		name = p->name;
		T_INT(p->framework, all_fw[i], name);
		T_STR(name, spec_framework_name(all_fw[i]),
		      "the name is the spec's");
		T_OK(p->command != NULL && p->command[0] != '\0',
		     "%s: a command", name);
		T_OK(p->command != NULL && strstr(p->command, "npx") == NULL &&
			     strstr(p->command, "npm ") == NULL,
		     "%s: no npx or npm: they write under $HOME and reach "
		     "the registry",
		     name);
		T_OK(p->outputs != NULL && p->outputs[0] != NULL &&
			     p->outputs[0][0] != '\0',
		     "%s: an output root", name);
		T_OK(p->manifest != MF_UNSET && p->manifest != MF_AUTO &&
			     p->manifest != MF_NONE,
		     "%s: a definite manifest kind", name);
		T_OK(p->inputs != NULL && p->inputs[0] != NULL, "%s: inputs",
		     name);
		if (p->inherit == NULL || p->set == NULL ||
		    p->writable == NULL || p->inputs == NULL) {
			T_OK(0, "%s: lists present", name);
			continue;
		}
		T_OK(sentence(p->notes), "%s: notes", name);
		for (size_t w = 0; p->writable[w].path != NULL; w++) {
			const struct preset_dir *d = &p->writable[w];

			T_OK(sentence(d->why), "%s: %s: says why", name,
			     d->path);
			T_OK(d->path[0] != '/' && strstr(d->path, "..") == NULL,
			     "%s: %s: inside the workdir", name, d->path);
			T_OK(!has(p->outputs, d->path), "%s: %s: not an output",
			     name, d->path);
		}
		for (size_t s = 0; p->set[s].name != NULL; s++) {
			const struct preset_var *v = &p->set[s];

			T_OK(v->value != NULL && sentence(v->why),
			     "%s: %s: a value and why", name, v->name);
		}
		for (size_t k = 0; p->inherit[k] != NULL; k++) {
			const char *n = p->inherit[k];

			T_OK(strncmp(n, "VITE_", 5) != 0 &&
				     strcmp(n, "PATH") != 0 &&
				     strcmp(n, "HOME") != 0 &&
				     strncmp(n, "BUNDLE_*", 8) != 0,
			     "%s: inherits %s: not a default name, not "
			     "VITE_*, not BUNDLE_*",
			     name, n);
		}
	}
	T_STR(preset_get(FW_RAILS)->command,
	      "bundle exec rake assets:precompile", "rails command");
	T_STR(preset_get(FW_DJANGO)->command,
	      "python3 manage.py collectstatic --noinput", "django command");
	T_STR(preset_get(FW_RAILS)->outputs[0], "public/assets",
	      "rails outputs");
	T_STR(preset_get(FW_DJANGO)->outputs[0], "staticfiles",
	      "django outputs");
	T_OK(preset_get(FW_DJANGO)->writable[0].path == NULL,
	     "django writes nothing but its outputs");
	T_STR(preset_get(FW_RAILS)->set[1].name, "SECRET_KEY_BASE_DUMMY",
	      "rails sets SECRET_KEY_BASE_DUMMY");
}

/* `cleanroom init` into a scratch directory (with -f) while the working
 * directory is the fixture app, then the spec loader on the result. */
static int init_in(const char *app, const char *framework, const char *out,
		   struct err *e)
{
	struct cli c;
	int here, rc;

	memset(&c, 0, sizeof c);
	c.cmd = CMD_INIT;
	c.spec = out;
	c.framework = framework;
	here = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (here < 0 || chdir(app) < 0) {
		if (here >= 0)
			close(here);
		return err_set(e, ERR_SYSTEM, NULL, 0, 0, "chdir %s", app);
	}
	rc = cmd_init(&c, e);
	if (fchdir(here) < 0)
		rc = err_set(e, ERR_SYSTEM, NULL, 0, 0, "fchdir back");
	close(here);
	return rc;
}

static const char *map_get(const struct spec_map *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->v[i].name.s, name) == 0)
			return m->v[i].value.s;
	return NULL;
}

static int list_has(const struct spec_list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].s, s) == 0)
			return 1;
	return 0;
}

static void check_written(const char *path, const struct preset *p,
			  enum manifest_kind mf, const char *what)
{
	struct spec s;
	struct err e = {0};

	spec_init(&s);
	if (!T_OK(spec_load(path, &s, &e) == 0, "%s: loads: %u:%u: %s", what,
		  e.line, e.col, e.msg)) {
		spec_free(&s);
		return;
	}
	T_INT(s.framework, p->framework, what);
	T_OK(s.command.n == 1 && s.command_shell &&
		     strcmp(s.command.v[0].s, p->command) == 0,
	     "%s: the command, in shell form", what);
	T_OK(s.outputs.roots.n == 1 &&
		     strcmp(s.outputs.roots.v[0].s, p->outputs[0]) == 0,
	     "%s: the output root", what);
	T_INT(s.outputs.manifest, mf, what);
	T_OK(list_has(&s.env.inherit, "LC_*") &&
		     list_has(&s.env.inherit, "PATH") &&
		     list_has(&s.env.inherit, p->inherit[0]),
	     "%s: inherit has the defaults and the preset's names", what);
	for (size_t i = 0; p->set[i].name != NULL; i++) {
		const char *v = map_get(&s.env.set, p->set[i].name);

		T_STR(v, p->set[i].value, p->set[i].name);
	}
	{
		size_t n = 0;

		while (p->writable[n].path != NULL) {
			T_OK(list_has(&s.sandbox.writable, p->writable[n].path),
			     "%s: writable %s", what, p->writable[n].path);
			n++;
		}
		T_INT(s.sandbox.writable.n, n, "writable: nothing else");
	}
	for (size_t i = 0; p->inputs[i] != NULL; i++)
		T_OK(list_has(&s.inputs, p->inputs[i]), "%s: input %s", what,
		     p->inputs[i]);
	T_INT(s.sandbox.network, NET_UNSET, "network left to the default");
	T_OK(s.env.files.set == 0 && s.env.pass.set == 0,
	     "%s: files and pass left to the defaults", what);
	spec_free(&s);
}

static int read_all(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

TAP_SUITE(preset_init_writes)
{
	static const struct {
		const char *app;
		enum framework fw;
		enum manifest_kind mf;
	} apps[] = {
		{"rails-sprockets", FW_RAILS, MF_SPROCKETS},
		{"rails-propshaft", FW_RAILS, MF_PROPSHAFT},
		{"django", FW_DJANGO, MF_DJANGO},
		{"vite", FW_VITE, MF_VITE},
		{"webpack", FW_WEBPACK, MF_WEBPACK},
	};
	static char before[65536], after[65536];
	char dir[64], out[128], app[128];
	struct err e = {0};

	if (!have_fixtures())
		return;
	msg_set_level(MSG_QUIET);
	if (!T_OK(scratch(dir, sizeof dir) == 0, "scratch directory"))
		return;
	(void)snprintf(out, sizeof out, "%s/cleanroom.yml", dir);
	for (size_t i = 0; i < sizeof apps / sizeof *apps; i++) {
		(void)snprintf(app, sizeof app, "%s/%s", APPS, apps[i].app);
		memset(&e, 0, sizeof e);
		if (T_OK(init_in(app, NULL, out, &e) == 0, "%s: init: %s",
			 apps[i].app, e.msg))
			check_written(out, preset_get(apps[i].fw), apps[i].mf,
				      apps[i].app);
		if (i == 0) {
			/* A second init refuses and leaves the file. */
			T_OK(read_all(out, before, sizeof before) == 0,
			     "read it");
			memset(&e, 0, sizeof e);
			T_OK(init_in(app, "django", out, &e) == -1,
			     "a second init refuses");
			T_INT(e.kind, ERR_CONFIG, "refusal: exit 78");
			{
				char want[256];

				(void)snprintf(want, sizeof want,
					       "%s already exists", out);
				T_STR(e.msg, want, "refusal: message");
			}
			T_OK(e.hint[0] != '\0', "refusal: a hint");
			T_OK(read_all(out, after, sizeof after) == 0 &&
				     strcmp(before, after) == 0,
			     "refusal: the file is unchanged");
		}
		unlink(out);
	}

	/* Named: django on a tree that is not django, none on anything. */
	(void)snprintf(app, sizeof app, "%s/none", APPS);
	memset(&e, 0, sizeof e);
	if (T_OK(init_in(app, "django", out, &e) == 0, "--framework django"))
		check_written(out, preset_get(FW_DJANGO), MF_DJANGO,
			      "django as named");
	unlink(out);
	memset(&e, 0, sizeof e);
	T_OK(init_in(app, NULL, out, &e) == -1 && e.kind == ERR_CONFIG &&
		     strncmp(e.msg, "no framework detected in /", 26) == 0,
	     "nothing detected: %s", e.msg);
	T_OK(strstr(e.hint, "--framework rails|django|vite|webpack|none") !=
		     NULL,
	     "nothing detected: the hint names the flag");
	T_OK(access(out, F_OK) != 0, "nothing written");
	memset(&e, 0, sizeof e);
	if (T_OK(init_in(app, "none", out, &e) == 0, "--framework none")) {
		struct spec s;

		spec_init(&s);
		T_OK(spec_load(out, &s, &e) == 0, "none: loads: %s", e.msg);
		T_INT(s.framework, FW_NONE, "none: framework");
		T_OK(s.command.n == 0 && s.outputs.roots.n == 0,
		     "none: command and root left to fill in");
		spec_free(&s);
	}
	unlink(out);
	memset(&e, 0, sizeof e);
	T_OK(init_in(app, "rials", out, &e) == -1 && e.kind == ERR_USAGE,
	     "an unknown framework is a usage error (64)");
	(void)snprintf(app, sizeof app, "%s/ambiguous", APPS);
	memset(&e, 0, sizeof e);
	T_OK(init_in(app, NULL, out, &e) == -1 && e.kind == ERR_CONFIG &&
		     strncmp(e.msg, "two frameworks match in /", 25) == 0,
	     "ambiguous: refused with the directory's path: %s", e.msg);
	memset(&e, 0, sizeof e);
	if (T_OK(init_in(app, "rails", out, &e) == 0, "ambiguous as rails"))
		check_written(out, preset_get(FW_RAILS), MF_SPROCKETS,
			      "ambiguous as rails");
	unlink(out);
	msg_set_level(MSG_NORMAL);
	remove_tree(dir);
}
