/*
 * Merging preset, spec and flags into the effective configuration. The
 * rules, per DESIGN.md: a spec value replaces the preset's; a flag
 * replaces a scalar and adds to a list, except --output, whose roots
 * replace the spec's (naming an output directory means "this one", not
 * "this one too"). Flags arrive already checked, as a spec of overrides
 * (overrides.c), so nothing here parses a value.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const config_default_inherit[] = {
	"PATH", "HOME", "LANG", "LC_*", "TZ", NULL,
};

static int nomem(struct err *e)
{
	return err_sys(e, ENOMEM, "loading the configuration");
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

/* Adds the override's entries: a flag extends the list. */
static int add_over(struct spec_list *l, const struct spec_list *ov)
{
	for (size_t i = 0; i < ov->n; i++)
		if (spec_list_add(l, ov->v[i].s, 0, 0) < 0)
			return -1;
	if (ov->n > 0)
		l->set = 1;
	return 0;
}

/* dst = (src set ? src : preset values), then the flags added. */
static int merge_list(struct spec_list *dst, const struct spec_list *src,
		      const char *const *preset, const struct spec_list *ov)
{
	if (src->set ? copy_list(dst, src) < 0 : add_strs(dst, preset) < 0)
		return -1;
	if (!src->set && preset == NULL)
		dst->set = 0;
	return add_over(dst, ov);
}

static int copy_str(struct spec_str *dst, const struct spec_str *src)
{
	return src->s == NULL ? 0
			      : spec_str_set(dst, src->s, src->line, src->col);
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

static int choose_framework(const struct spec *ov, const struct spec *file,
			    struct config *cfg, struct err *e)
{
	enum framework fw = FW_UNSET;

	if (ov->framework != FW_UNSET) {
		fw = ov->framework;
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

static int merge_env(const struct spec *ov, const struct spec *file,
		     struct config *cfg, struct err *e)
{
	struct spec *s = &cfg->spec;
	const struct preset *p = cfg->preset;

	if (merge_list(&s->env.files, &file->env.files, NULL, &ov->env.files) <
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
	if (add_over(&s->env.inherit, &ov->env.inherit) < 0 ||
	    merge_list(&s->env.pass, &file->env.pass, NULL, &ov->env.pass) <
		    0 ||
	    merge_list(&s->env.require, &file->env.require, NULL,
		       &ov->env.require) < 0 ||
	    merge_list(&s->env.secret, &file->env.secret, NULL,
		       &ov->env.secret) < 0 ||
	    merge_list(&s->env.public, &file->env.public, NULL,
		       &ov->env.public) < 0)
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
	for (size_t i = 0; i < ov->env.set.n; i++) {
		const struct spec_kv *kv = &ov->env.set.v[i];

		if (spec_map_put(&cfg->flag_set, kv->name.s, kv->value.s, 0,
				 0) < 0)
			return nomem(e);
	}
	return 0;
}

static int merge_sandbox(const struct spec *ov, const struct spec *file,
			 struct config *cfg, struct err *e)
{
	struct spec *s = &cfg->spec;
	const struct preset *p = cfg->preset;

	s->sandbox.network = file->sandbox.network;
	if (ov->sandbox.network != NET_UNSET)
		s->sandbox.network = ov->sandbox.network;
	s->sandbox.unix_sockets =
		ov->sandbox.unix_sockets == 1 ? 1 : file->sandbox.unix_sockets;
	if ((file->sandbox.ctime_roots.set &&
	     copy_list(&s->sandbox.ctime_roots, &file->sandbox.ctime_roots) <
		     0) ||
	    add_over(&s->sandbox.ctime_roots, &ov->sandbox.ctime_roots) < 0)
		return nomem(e);
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
	if (add_over(&s->sandbox.writable, &ov->sandbox.writable) < 0 ||
	    copy_str(&s->sandbox.user, &file->sandbox.user) < 0 ||
	    copy_str(&s->sandbox.user, &ov->sandbox.user) < 0)
		return nomem(e);
	s->sandbox.timeout_ms = ov->sandbox.timeout_ms >= 0
					? ov->sandbox.timeout_ms
					: file->sandbox.timeout_ms;
	merge_limits(&s->sandbox.limits, &file->sandbox.limits);
	merge_limits(&s->sandbox.limits, &ov->sandbox.limits);
	s->sandbox.strict = ov->sandbox.strict == 1 ? 1 : file->sandbox.strict;
	return 0;
}

static int merge_outputs(const struct spec *ov, const struct spec *file,
			 struct config *cfg, struct err *e)
{
	struct spec *s = &cfg->spec;
	const struct preset *p = cfg->preset;
	static const struct spec_list none;

	if (ov->outputs.roots.n > 0) {
		if (add_over(&s->outputs.roots, &ov->outputs.roots) < 0)
			return nomem(e);
	} else if (merge_list(&s->outputs.roots, &file->outputs.roots,
			      p ? p->outputs : NULL, &none) < 0) {
		return nomem(e);
	}
	s->outputs.manifest = ov->outputs.manifest != MF_UNSET
				      ? ov->outputs.manifest
				      : file->outputs.manifest;
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
	s->outputs.sourcemaps = ov->outputs.sourcemaps != SM_UNSET
					? ov->outputs.sourcemaps
					: file->outputs.sourcemaps;
	if (merge_list(&s->outputs.require, &file->outputs.require, NULL,
		       &ov->outputs.require) < 0 ||
	    merge_list(&s->outputs.forbid, &file->outputs.forbid, NULL,
		       &ov->outputs.forbid) < 0 ||
	    copy_str(&s->outputs.lock, &file->outputs.lock) < 0 ||
	    copy_str(&s->outputs.lock, &ov->outputs.lock) < 0)
		return nomem(e);
	{
		const struct spec_path_opt *po =
			ov->outputs.provenance.off >= 0
				? &ov->outputs.provenance
				: &file->outputs.provenance;

		s->outputs.provenance.off = po->off;
		if (copy_str(&s->outputs.provenance.path, &po->path) < 0)
			return nomem(e);
	}
	s->outputs.min_files = ov->outputs.min_files >= 0
				       ? ov->outputs.min_files
				       : file->outputs.min_files;
	s->outputs.max_bytes = ov->outputs.max_bytes >= 0
				       ? ov->outputs.max_bytes
				       : file->outputs.max_bytes;
	s->outputs.max_files = ov->outputs.max_files >= 0
				       ? ov->outputs.max_files
				       : file->outputs.max_files;
	s->outputs.verify_timeout_ms =
		ov->outputs.verify_timeout_ms >= 0
			? ov->outputs.verify_timeout_ms
			: file->outputs.verify_timeout_ms;
	return 0;
}

/* publish: each key from the spec, then from its flag. */
static int merge_publish(const struct spec *ov, const struct spec *file,
			 struct config *cfg, struct err *e)
{
	struct spec *s = &cfg->spec;
#define PUB_STR(f)                                                             \
	(copy_str(&s->publish.f, &file->publish.f) < 0 ||                      \
	 copy_str(&s->publish.f, &ov->publish.f) < 0)
#define PUB_NUM(f)                                                             \
	(s->publish.f = ov->publish.f >= 0 ? ov->publish.f : file->publish.f)

	if (PUB_STR(to) || PUB_STR(endpoint) || PUB_STR(region) ||
	    PUB_STR(addressing) || PUB_STR(ca_file) || PUB_STR(records) ||
	    PUB_STR(cache_fingerprinted) || PUB_STR(cache_other) ||
	    PUB_STR(content_encoding))
		return nomem(e);
	PUB_NUM(connections);
	PUB_NUM(keep_releases);
	PUB_NUM(older_than_ms);
	PUB_NUM(timeout_ms);
#undef PUB_STR
#undef PUB_NUM
	return 0;
}

static int merge_command(const struct spec *ov, const struct spec *file,
			 struct config *cfg, struct err *e)
{
	struct spec *s = &cfg->spec;

	if (ov->command.set) {
		if (copy_list(&s->command, &ov->command) < 0)
			return nomem(e);
		s->command_shell = ov->command_shell;
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
	if (file->command.set) {
		if (copy_list(&cfg->start_command, &file->command) < 0)
			return nomem(e);
		cfg->start_command_shell = file->command_shell;
	} else if (cfg->preset != NULL) {
		if (spec_list_add(&cfg->start_command, cfg->preset->command, 0,
				  0) < 0)
			return nomem(e);
		cfg->start_command.set = 1;
		cfg->start_command_shell = 1;
	}
	return copy_str(&s->workdir, &file->workdir) < 0 ? nomem(e) : 0;
}

int config_merge(const struct spec *file, int spec_found, const struct spec *ov,
		 struct config *cfg, struct err *e)
{
	memset(cfg, 0, sizeof *cfg);
	spec_init(&cfg->spec);
	cfg->spec_found = spec_found;
	if (file->path != NULL && (cfg->spec.path = strdup(file->path)) == NULL)
		return nomem(e);
	if (choose_framework(ov, file, cfg, e) < 0 ||
	    merge_command(ov, file, cfg, e) < 0 ||
	    merge_env(ov, file, cfg, e) < 0 ||
	    merge_sandbox(ov, file, cfg, e) < 0 ||
	    merge_outputs(ov, file, cfg, e) < 0 ||
	    merge_publish(ov, file, cfg, e) < 0)
		return -1;
	if (merge_list(&cfg->spec.inputs, &file->inputs,
		       cfg->preset ? cfg->preset->inputs : NULL,
		       &ov->inputs) < 0)
		return nomem(e);
	return 0;
}

/* Whether the exec-form words w[0..n) are the shell string sh split at
 * blanks, sh holding only characters sh takes literally. */
static int words_are_string(const struct spec_str *w, size_t n, const char *sh)
{
	static const char plain[] = "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789_-+=.,:/@%^";
	const char *p = sh;
	size_t i = 0;

	for (const char *q = sh; *q != '\0'; q++)
		if (*q != ' ' && *q != '\t' && strchr(plain, *q) == NULL)
			return 0;
	for (;;) {
		size_t len;

		p += strspn(p, " \t");
		if (*p == '\0')
			break;
		len = strcspn(p, " \t");
		if (i >= n || strlen(w[i].s) != len ||
		    memcmp(w[i].s, p, len) != 0)
			return 0;
		i++;
		p += len;
	}
	/* The first word must not be an assignment (sh would set it). */
	return i == n && n > 0 && strchr(w[0].s, '=') == NULL;
}

int config_command_is_start(const struct config *cfg)
{
	const struct spec_list *a = &cfg->spec.command,
			       *b = &cfg->start_command;

	if (!a->set || !b->set || a->n == 0 || b->n == 0)
		return 0;
	if (cfg->spec.command_shell == cfg->start_command_shell) {
		if (a->n != b->n)
			return 0;
		for (size_t i = 0; i < a->n; i++)
			if (strcmp(a->v[i].s, b->v[i].s) != 0)
				return 0;
		return 1;
	}
	if (cfg->start_command_shell && b->n == 1)
		return words_are_string(a->v, a->n, b->v[0].s);
	if (cfg->spec.command_shell && a->n == 1)
		return words_are_string(b->v, b->n, a->v[0].s);
	return 0;
}

void config_free(struct config *cfg)
{
	spec_free(&cfg->spec);
	spec_list_free(&cfg->start_command);
	spec_map_free(&cfg->preset_set);
	spec_map_free(&cfg->spec_set);
	spec_map_free(&cfg->flag_set);
	memset(cfg, 0, sizeof *cfg);
}
