/*
 * `cleanroom env`. By default it prints the environment the build would
 * get (the policy's result): each variable with where it came from,
 * secrets as *** unless --show-secrets, and the withheld names with the
 * file and line that defined them. A withheld value is never printed,
 * not even with --show-secrets: the build does not get it either. With
 * --files-only it prints exactly what the env files assign after expansion
 * against cleanroom's own environment, which is what `set -a; . FILE`
 * would add.
 */
#include "commands.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "envfile.h"
#include "envfmt.h"
#include "policy.h"
#include "io.h"
#include "msg.h"

/* Loads one env file, reporting its size and parse time with -v. */
static int load_timed(const char *path, const struct vars *base,
		      struct vars *defined, struct err *e)
{
	double t0 = io_now_ms();
	size_t before = defined->n;

	if (envfile_load(path, base, defined, e) < 0)
		return -1;
	msg_debug("env: %s: %zu new variables (%zu in all) in %.3f ms", path,
		  defined->n - before, defined->n, io_now_ms() - t0);
	return 0;
}

/* "preset rails", "inherited", ".aptible.env:3", "cleanroom.yml:12",
 * "--set". */
static int describe_source(struct buf *out, const struct policy_var *v,
			   const struct config *cfg)
{
	switch (v->source) {
	case SRC_PRESET:
		return buf_printf(out, "preset %s",
				  cfg->preset ? cfg->preset->name : "?");
	case SRC_FILE:
	case SRC_SPEC:
		if (v->file != NULL)
			return buf_printf(out, "%s:%u", v->file, v->line);
		break;
	case SRC_INHERIT:
	case SRC_FLAG: break;
	}
	return buf_adds(out, policy_source_name(v->source));
}

static const char *shown_value(const struct policy_var *v, int show,
			       size_t *len)
{
	if (v->secret && !show) {
		*len = 3;
		return "***";
	}
	*len = v->len;
	return v->value;
}

static int view_sh(struct buf *out, const struct policy *p,
		   const struct config *cfg, int show)
{
	int withheld = 0;

	if (buf_printf(out, "# the build's environment: framework %s%s%s\n",
		       spec_framework_name(cfg->spec.framework),
		       cfg->spec_found ? ", spec " : "",
		       cfg->spec_found ? cfg->spec.path : "") < 0)
		return -1;
	for (size_t i = 0; i < p->n; i++) {
		const struct policy_var *v = &p->v[i];
		size_t len;
		const char *val = shown_value(v, show, &len);

		if (v->withheld) {
			withheld++;
			continue;
		}
		if (buf_printf(out, "export %s=", v->name) < 0 ||
		    envfmt_sh_word(out, val, len) < 0 ||
		    buf_adds(out, "  # ") < 0 ||
		    describe_source(out, v, cfg) < 0 ||
		    (v->secret &&
		     buf_printf(out, "; secret (%s)", v->why) < 0) ||
		    (v->public &&
		     buf_printf(out, "; public (env.public), not secret") <
			     0) ||
		    (v->placeholder &&
		     buf_printf(out, "; a placeholder set in the open, not "
				     "secret") < 0) ||
		    buf_addc(out, '\n') < 0)
			return -1;
	}
	if (withheld == 0)
		return 0;
	if (buf_adds(out, "# withheld from the build (secret, not passed):\n") <
	    0)
		return -1;
	for (size_t i = 0; i < p->n; i++) {
		const struct policy_var *v = &p->v[i];

		if (!v->withheld)
			continue;
		if (buf_printf(out, "#   %s  ", v->name) < 0 ||
		    describe_source(out, v, cfg) < 0 ||
		    buf_printf(out, "  (%s)  --%s %s gives it to the build\n",
			       v->why,
			       policy_browser_prefix(v->name) ? "public"
							      : "pass",
			       v->name) < 0)
			return -1;
	}
	return 0;
}

static int json_field(struct buf *out, const char *key, const char *val)
{
	if (buf_printf(out, ", \"%s\": ", key) < 0)
		return -1;
	if (val == NULL)
		return buf_adds(out, "null");
	return envfmt_json_string(out, val, strlen(val));
}

static int view_json(struct buf *out, const struct policy *p,
		     const struct config *cfg, int show)
{
	int first[2] = {1, 1};

	if (buf_adds(out, "{\"framework\": ") < 0 ||
	    envfmt_json_string(
		    out, spec_framework_name(cfg->spec.framework),
		    strlen(spec_framework_name(cfg->spec.framework))) < 0 ||
	    json_field(out, "spec", cfg->spec_found ? cfg->spec.path : NULL) <
		    0 ||
	    buf_adds(out, ",\n \"environment\": [") < 0)
		return -1;
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1 && buf_adds(out, "],\n \"withheld\": [") < 0)
			return -1;
		for (size_t i = 0; i < p->n; i++) {
			const struct policy_var *v = &p->v[i];
			size_t len;
			const char *val = shown_value(v, show, &len);

			if (v->withheld != pass)
				continue;
			if (buf_adds(out, first[pass]
						  ? "\n  {\"name\": "
						  : ",\n  {\"name\": ") < 0 ||
			    envfmt_json_string(out, v->name, strlen(v->name)) <
				    0)
				return -1;
			first[pass] = 0;
			if (!pass && (buf_adds(out, ", \"value\": ") < 0 ||
				      envfmt_json_string(out, val, len) < 0))
				return -1;
			if (json_field(out, "source",
				       policy_source_name(v->source)) < 0 ||
			    json_field(out, "file", v->file) < 0 ||
			    buf_printf(out, ", \"line\": %u, \"secret\": %s",
				       v->line,
				       v->secret ? "true" : "false") < 0 ||
			    json_field(out, "reason", v->why) < 0 ||
			    buf_addc(out, '}') < 0)
				return -1;
		}
	}
	return buf_adds(out, "]}\n");
}

static int view_nul(struct buf *out, const struct policy *p, int show)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct policy_var *v = &p->v[i];
		size_t len;
		const char *val = shown_value(v, show, &len);

		if (v->withheld)
			continue;
		if (buf_printf(out, "%s=", v->name) < 0 ||
		    buf_add(out, val, len) < 0 || buf_addc(out, '\0') < 0)
			return -1;
	}
	return 0;
}

static int env_view(const struct job *j, const struct cli *c, enum envfmt fmt,
		    struct err *e)
{
	struct buf out = {0};
	int rc = -1, frc;

	if (fmt == ENVFMT_JSON)
		frc = view_json(&out, &j->pol, &j->cfg, c->show_secrets);
	else if (fmt == ENVFMT_NUL)
		frc = view_nul(&out, &j->pol, c->show_secrets);
	else
		frc = view_sh(&out, &j->pol, &j->cfg, c->show_secrets);
	if (frc < 0) {
		err_sys(e, ENOMEM, "formatting the environment");
		goto out;
	}
	if (io_write_all(STDOUT_FILENO, out.p, out.len) < 0) {
		err_sys(e, errno, "writing to standard output");
		goto out;
	}
	rc = 0;
out:
	buf_free(&out);
	return rc;
}

int cmd_env(struct job *j, const struct cli *c, struct err *e)
{
	struct vars base, defined;
	struct buf out = {0};
	enum envfmt fmt = ENVFMT_SH;
	int rc = -1;

	if (c->format != NULL && envfmt_parse(c->format, &fmt) < 0)
		return err_set(e, ERR_USAGE, NULL, 0, 0,
			       "--format: unknown format '%s'", c->format);
	if (!c->files_only)
		return env_view(j, c, fmt, e);
	vars_init(&base);
	vars_init(&defined);
	if (vars_from_environ(&base, j->env) < 0) {
		err_sys(e, errno, "reading the environment");
		goto out;
	}
	if (c->env_files.n == 0) {
		if (access(CONFIG_DEFAULT_ENV_FILE, F_OK) != 0) {
			err_set(e, ERR_USAGE, NULL, 0, 0,
				"no env file: %s is not here and no --env was "
				"given",
				CONFIG_DEFAULT_ENV_FILE);
			err_hint(e, "cleanroom env --files-only --env FILE");
			goto out;
		}
		if (load_timed(CONFIG_DEFAULT_ENV_FILE, &base, &defined, e) < 0)
			goto out;
	}
	for (size_t i = 0; i < c->env_files.n; i++)
		if (load_timed(c->env_files.v[i], &base, &defined, e) < 0)
			goto out;
	if (envfmt_write(&out, fmt, &defined, NULL, NULL) < 0) {
		err_sys(e, errno, "formatting the environment");
		goto out;
	}
	if (io_write_all(STDOUT_FILENO, out.p, out.len) < 0) {
		err_sys(e, errno, "writing to standard output");
		goto out;
	}
	rc = 0;
out:
	buf_free(&out);
	vars_free(&defined);
	vars_free(&base);
	return rc;
}
