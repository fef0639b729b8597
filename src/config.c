/*
 * Merging preset, spec and flags into the effective configuration. The
 * rules, per DESIGN.md: a spec value replaces the preset's; a flag
 * replaces a scalar and adds to a list, except --output, whose roots
 * replace the spec's (naming an output directory means "this one", not
 * "this one too"). Flag values that need parsing (durations, sizes,
 * NAME=VALUE) are checked here, so a typo is a usage error before anything
 * runs.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const config_default_inherit[] = {
	"PATH", "HOME", "LANG", "LC_*", "TZ", NULL,
};

#define SPEC_FILE "cleanroom.yml"

static int nomem(struct err *e)
{
	return err_sys(e, ENOMEM, "loading the configuration");
}

static int flag_err(struct err *e, const char *flag, const char *value,
		    const char *what, const char *hint)
{
	err_set(e, ERR_USAGE, NULL, 0, 0, "%s %s: %s", flag, value, what);
	if (hint != NULL)
		err_hint(e, "%s", hint);
	return -1;
}

static int add_strs(struct spec_list *l, const char *const *v)
{
	for (; v != NULL && *v != NULL; v++)
		if (spec_list_add(l, *v, 0, 0) < 0)
			return -1;
	l->set = 1;
	return 0;
}

static int copy_list(struct spec_list *dst, const struct spec_list *src)
{
	for (size_t i = 0; i < src->n; i++)
		if (spec_list_add(dst, src->v[i].s, src->v[i].line,
				  src->v[i].col) < 0)
			return -1;
	dst->set = 1;
	return 0;
}

static int add_flags(struct spec_list *l, const struct strlist *flags)
{
	for (size_t i = 0; i < flags->n; i++)
		if (spec_list_add(l, flags->v[i], 0, 0) < 0)
			return -1;
	if (flags->n > 0)
		l->set = 1;
	return 0;
}

/* dst = (src set ? src : preset values), then the flags added. */
static int merge_list(struct spec_list *dst, const struct spec_list *src,
		      const char *const *preset, const struct strlist *flags)
{
	if (src->set ? copy_list(dst, src) < 0 : add_strs(dst, preset) < 0)
		return -1;
	if (!src->set && preset == NULL)
		dst->set = 0;
	return add_flags(dst, flags);
}

static int copy_str(struct spec_str *dst, const struct spec_str *src)
{
	return src->s == NULL ? 0
			      : spec_str_set(dst, src->s, src->line, src->col);
}

static int is_name(const char *s, size_t n)
{
	if (n == 0 || !((s[0] >= 'A' && s[0] <= 'Z') ||
			(s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

static int parse_count(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0)
		return -1;
	*out = v;
	return 0;
}

static int apply_limit(struct spec_limits *l, const char *arg, struct err *e)
{
	const char *eq = strchr(arg, '=');
	const char *v = eq ? eq + 1 : "";
	size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
	int rc;

	if (eq == NULL)
		return flag_err(e, "--limit", arg, "expected X=VALUE",
				"X is cpu, memory, files, processes or "
				"file_size: --limit memory=4G");
	if (n == 3 && strncmp(arg, "cpu", 3) == 0)
		rc = spec_parse_duration(v, &l->cpu_ms);
	else if (n == 6 && strncmp(arg, "memory", 6) == 0)
		rc = spec_parse_size(v, &l->memory);
	else if (n == 9 && strncmp(arg, "file_size", 9) == 0)
		rc = spec_parse_size(v, &l->file_size);
	else if (n == 5 && strncmp(arg, "files", 5) == 0)
		rc = parse_count(v, &l->files);
	else if (n == 9 && strncmp(arg, "processes", 9) == 0)
		rc = parse_count(v, &l->processes);
	else
		return flag_err(e, "--limit", arg, "unknown limit",
				"limits: cpu, memory, files, processes, "
				"file_size");
	if (rc < 0)
		return flag_err(e, "--limit", arg, "bad value",
				"cpu takes a duration (30m), memory and "
				"file_size a size (4G), files and processes "
				"a count");
	return 0;
}

static void merge_limits(struct spec_limits *dst, const struct spec_limits *src)
{
	if (src->cpu_ms >= 0)
		dst->cpu_ms = src->cpu_ms;
	if (src->memory >= 0)
		dst->memory = src->memory;
	if (src->files >= 0)
		dst->files = src->files;
	if (src->processes >= 0)
		dst->processes = src->processes;
	if (src->file_size >= 0)
		dst->file_size = src->file_size;
}

static int load_spec(const struct cli *c, struct spec *file, struct config *cfg,
		     struct err *e)
{
	const char *path = c->spec;

	if (path == NULL) {
		if (access(SPEC_FILE, F_OK) != 0)
			return 0;
		path = SPEC_FILE;
	}
	if (spec_load(path, file, e) < 0)
		return -1;
	cfg->spec_found = 1;
	return 0;
}

static int choose_framework(const struct cli *c, const struct spec *file,
			    struct config *cfg, struct err *e)
{
	enum framework fw = FW_UNSET;

	if (c->framework != NULL) {
		if (spec_framework_parse(c->framework, &fw) < 0)
			return flag_err(e, "--framework", c->framework,
					"unknown framework",
					"rails, django, vite, webpack or none");
	} else if (file->framework != FW_UNSET) {
		fw = file->framework;
	}
	if (fw != FW_UNSET) {
		/* Named: still look at the tree for what it says about the
		 * manifest (sprockets or propshaft). */
		if (preset_detect_as(".", fw, &cfg->detection, e) < 0)
			return -1;
	} else {
		if (preset_detect(".", &cfg->detection, e) < 0)
			return -1;
		fw = cfg->detection.framework;
		cfg->framework_detected = 1;
	}
	cfg->spec.framework = fw;
	cfg->preset = preset_get(fw);
	return 0;
}

static int merge_env(const struct cli *c, const struct spec *file,
		     struct config *cfg, struct err *e)
{
	struct spec *s = &cfg->spec;
	const struct preset *p = cfg->preset;

	if (merge_list(&s->env.files, &file->env.files, NULL, &c->env_files) <
	    0)
		return nomem(e);
	if (!s->env.files.set && access(CONFIG_DEFAULT_ENV_FILE, F_OK) == 0) {
		if (spec_list_add(&s->env.files, CONFIG_DEFAULT_ENV_FILE, 0,
				  0) < 0)
			return nomem(e);
		cfg->env_files_default = 1;
	}
	if (file->env.inherit.set) {
		if (copy_list(&s->env.inherit, &file->env.inherit) < 0)
			return nomem(e);
	} else if (add_strs(&s->env.inherit, config_default_inherit) < 0 ||
		   (p != NULL && add_strs(&s->env.inherit, p->inherit) < 0)) {
		return nomem(e);
	}
	if (add_flags(&s->env.inherit, &c->inherit) < 0 ||
	    merge_list(&s->env.pass, &file->env.pass, NULL, &c->pass) < 0 ||
	    merge_list(&s->env.require, &file->env.require, NULL, &c->require) <
		    0 ||
	    merge_list(&s->env.secret, &file->env.secret, NULL, &c->secret) < 0)
		return nomem(e);
	for (const struct preset_var *v = p ? p->set : NULL; v && v->name; v++)
		if (spec_map_put(&cfg->preset_set, v->name, v->value, 0, 0) < 0)
			return nomem(e);
	for (size_t i = 0; i < file->env.set.n; i++) {
		const struct spec_kv *kv = &file->env.set.v[i];

		if (spec_map_put(&cfg->spec_set, kv->name.s, kv->value.s,
				 kv->name.line, kv->name.col) < 0)
			return nomem(e);
	}
	for (size_t i = 0; i < c->set.n; i++) {
		const char *arg = c->set.v[i];
		const char *eq = strchr(arg, '=');
		char name[256];

		if (eq == NULL || !is_name(arg, (size_t)(eq - arg)) ||
		    (size_t)(eq - arg) >= sizeof name)
			return flag_err(e, "--set", arg, "expected NAME=VALUE",
					"NAME is [A-Za-z_][A-Za-z0-9_]*");
		memcpy(name, arg, (size_t)(eq - arg));
		name[eq - arg] = '\0';
		if (spec_map_put(&cfg->flag_set, name, eq + 1, 0, 0) < 0)
			return nomem(e);
	}
	return 0;
}

static int merge_sandbox(const struct cli *c, const struct spec *file,
			 struct config *cfg, struct err *e)
{
	struct spec *s = &cfg->spec;
	const struct preset *p = cfg->preset;

	s->sandbox.network = file->sandbox.network;
	if (c->network != NULL)
		s->sandbox.network =
			strcmp(c->network, "allow") == 0 ? NET_ALLOW : NET_DENY;
	if (file->sandbox.writable.set) {
		if (copy_list(&s->sandbox.writable, &file->sandbox.writable) <
		    0)
			return nomem(e);
	} else {
		for (const struct preset_dir *d = p ? p->writable : NULL;
		     d && d->path; d++)
			if (spec_list_add(&s->sandbox.writable, d->path, 0, 0) <
			    0)
				return nomem(e);
	}
	if (add_flags(&s->sandbox.writable, &c->allow_write) < 0 ||
	    copy_str(&s->sandbox.user, &file->sandbox.user) < 0)
		return nomem(e);
	if (c->user != NULL &&
	    spec_str_set(&s->sandbox.user, c->user, 0, 0) < 0)
		return nomem(e);
	s->sandbox.timeout_ms = file->sandbox.timeout_ms;
	if (c->timeout != NULL &&
	    spec_parse_duration(c->timeout, &s->sandbox.timeout_ms) < 0)
		return flag_err(e, "--timeout", c->timeout, "bad duration",
				"durations look like 90s, 15m, 1h or 1h30m");
	merge_limits(&s->sandbox.limits, &file->sandbox.limits);
	for (size_t i = 0; i < c->limits.n; i++)
		if (apply_limit(&s->sandbox.limits, c->limits.v[i], e) < 0)
			return -1;
	s->sandbox.strict = c->strict ? 1 : file->sandbox.strict;
	return 0;
}

static int merge_outputs(const struct cli *c, const struct spec *file,
			 struct config *cfg, struct err *e)
{
	struct spec *s = &cfg->spec;
	const struct preset *p = cfg->preset;
	static const struct strlist none;

	if (c->outputs.n > 0) {
		if (add_flags(&s->outputs.roots, &c->outputs) < 0)
			return nomem(e);
	} else if (merge_list(&s->outputs.roots, &file->outputs.roots,
			      p ? p->outputs : NULL, &none) < 0) {
		return nomem(e);
	}
	s->outputs.manifest = file->outputs.manifest;
	if (c->manifest != NULL &&
	    spec_manifest_parse(c->manifest, &s->outputs.manifest) < 0)
		return flag_err(e, "--manifest", c->manifest, "unknown kind",
				NULL);
	/* auto: the framework's manifest (rails: the one its Gemfile.lock
	 * names); with no framework, whatever manifest each root holds. */
	if (s->outputs.manifest == MF_UNSET || s->outputs.manifest == MF_AUTO) {
		if (p == NULL)
			s->outputs.manifest = MF_AUTO;
		else if (cfg->detection.manifest != MF_UNSET)
			s->outputs.manifest = cfg->detection.manifest;
		else
			s->outputs.manifest = p->manifest;
	}
	s->outputs.sourcemaps = file->outputs.sourcemaps;
	if (merge_list(&s->outputs.require, &file->outputs.require, NULL,
		       &c->require_files) < 0 ||
	    merge_list(&s->outputs.forbid, &file->outputs.forbid, NULL,
		       &c->forbid) < 0 ||
	    copy_str(&s->outputs.lock, &file->outputs.lock) < 0)
		return nomem(e);
	s->outputs.min_files = file->outputs.min_files;
	if (c->min_files != NULL &&
	    parse_count(c->min_files, &s->outputs.min_files) < 0)
		return flag_err(e, "--min-files", c->min_files,
				"expected a count", NULL);
	s->outputs.max_bytes = file->outputs.max_bytes;
	if (c->max_bytes != NULL &&
	    spec_parse_size(c->max_bytes, &s->outputs.max_bytes) < 0)
		return flag_err(e, "--max-bytes", c->max_bytes, "bad size",
				"sizes look like 512M or 4G");
	s->outputs.max_files = file->outputs.max_files;
	if (c->max_files != NULL &&
	    parse_count(c->max_files, &s->outputs.max_files) < 0)
		return flag_err(e, "--max-files", c->max_files,
				"expected a count", NULL);
	s->outputs.verify_timeout_ms = file->outputs.verify_timeout_ms;
	if (c->verify_timeout != NULL &&
	    spec_parse_duration(c->verify_timeout,
				&s->outputs.verify_timeout_ms) < 0)
		return flag_err(e, "--verify-timeout", c->verify_timeout,
				"bad duration",
				"durations look like 90s or 10m");
	if (c->lock != NULL &&
	    spec_str_set(&s->outputs.lock, c->lock, 0, 0) < 0)
		return nomem(e);
	return 0;
}

static int merge_command(const struct cli *c, const struct spec *file,
			 struct config *cfg, struct err *e)
{
	struct spec *s = &cfg->spec;

	if (c->argc > 0) {
		for (int i = 0; i < c->argc; i++)
			if (spec_list_add(&s->command, c->argv[i], 0, 0) < 0)
				return nomem(e);
		s->command.set = 1;
		s->command_shell = 0;
	} else if (file->command.set) {
		if (copy_list(&s->command, &file->command) < 0)
			return nomem(e);
		s->command_shell = file->command_shell;
	} else if (cfg->preset != NULL) {
		if (spec_list_add(&s->command, cfg->preset->command, 0, 0) < 0)
			return nomem(e);
		s->command.set = 1;
		s->command_shell = 1;
	}
	return copy_str(&s->workdir, &file->workdir) < 0 ? nomem(e) : 0;
}

int config_load(const struct cli *c, struct config *cfg, struct err *e)
{
	struct spec file;
	static const struct strlist none;
	int rc = -1;

	memset(cfg, 0, sizeof *cfg);
	spec_init(&cfg->spec);
	spec_init(&file);
	if (load_spec(c, &file, cfg, e) < 0)
		goto out;
	if (file.path != NULL && (cfg->spec.path = strdup(file.path)) == NULL) {
		nomem(e);
		goto out;
	}
	if (choose_framework(c, &file, cfg, e) < 0 ||
	    merge_command(c, &file, cfg, e) < 0 ||
	    merge_env(c, &file, cfg, e) < 0 ||
	    merge_sandbox(c, &file, cfg, e) < 0 ||
	    merge_outputs(c, &file, cfg, e) < 0)
		goto out;
	if (merge_list(&cfg->spec.inputs, &file.inputs,
		       cfg->preset ? cfg->preset->inputs : NULL, &none) < 0 ||
	    add_flags(&cfg->spec.inputs, &c->inputs) < 0) {
		nomem(e);
		goto out;
	}
	rc = 0;
out:
	spec_free(&file);
	return rc;
}

static void map_free(struct spec_map *m)
{
	/* spec_free owns the map layout; reuse it through a scratch spec. */
	struct spec tmp;

	spec_init(&tmp);
	tmp.env.set = *m;
	spec_free(&tmp);
	memset(m, 0, sizeof *m);
}

void config_free(struct config *cfg)
{
	spec_free(&cfg->spec);
	map_free(&cfg->preset_set);
	map_free(&cfg->spec_set);
	map_free(&cfg->flag_set);
	memset(cfg, 0, sizeof *cfg);
}
