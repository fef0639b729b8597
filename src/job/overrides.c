/*
 * Flags to a spec of overrides (overrides.h). Each flag is checked here,
 * once, so a typo is a usage error before anything is read or run.
 */
#include "overrides.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

static int nomem(struct err *e)
{
	return err_sys(e, ENOMEM, "reading the command line");
}

static int flag_err(struct err *e, const char *flag, const char *value,
		    const char *what, const char *hint)
{
	err_set(e, ERR_USAGE, NULL, 0, 0, "%s %s: %s", flag, value, what);
	if (hint != NULL)
		err_hint(e, "%s", hint);
	return -1;
}

static int add_all(struct spec_list *l, const struct strlist *flags)
{
	for (size_t i = 0; i < flags->n; i++)
		if (spec_list_add(l, flags->v[i], 0, 0) < 0)
			return -1;
	l->set = flags->n > 0;
	return 0;
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
		rc = units_parse_duration(v, &l->cpu_ms);
	else if (n == 6 && strncmp(arg, "memory", 6) == 0)
		rc = units_parse_size(v, &l->memory);
	else if (n == 9 && strncmp(arg, "file_size", 9) == 0)
		rc = units_parse_size(v, &l->file_size);
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

static int env_flags(const struct cli *c, struct spec *ov, struct err *e)
{
	if (add_all(&ov->env.files, &c->env_files) < 0 ||
	    add_all(&ov->env.inherit, &c->inherit) < 0 ||
	    add_all(&ov->env.pass, &c->pass) < 0 ||
	    add_all(&ov->env.require, &c->require) < 0 ||
	    add_all(&ov->env.secret, &c->secret) < 0 ||
	    add_all(&ov->env.public, &c->public) < 0)
		return nomem(e);
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
		if (spec_map_put(&ov->env.set, name, eq + 1, 0, 0) < 0)
			return nomem(e);
		ov->env.set.set = 1;
	}
	return 0;
}

static int sandbox_flags(const struct cli *c, struct spec *ov, struct err *e)
{
	if (c->network != NULL)
		ov->sandbox.network =
			strcmp(c->network, "allow") == 0 ? NET_ALLOW : NET_DENY;
	if (add_all(&ov->sandbox.writable, &c->allow_write) < 0 ||
	    add_all(&ov->sandbox.ctime_roots, &c->ctime_roots) < 0 ||
	    (c->user != NULL &&
	     spec_str_set(&ov->sandbox.user, c->user, 0, 0) < 0))
		return nomem(e);
	/* publish runs no build: its --timeout is the publish's own
	 * (publish.timeout). */
	if (c->timeout != NULL &&
	    units_parse_duration(c->timeout,
				 c->cmd == CMD_PUBLISH
					 ? &ov->publish.timeout_ms
					 : &ov->sandbox.timeout_ms) < 0)
		return flag_err(e, "--timeout", c->timeout, "bad duration",
				"durations look like 90s, 15m, 1h or 1h30m");
	for (size_t i = 0; i < c->limits.n; i++)
		if (apply_limit(&ov->sandbox.limits, c->limits.v[i], e) < 0)
			return -1;
	if (c->allow_unix_sockets)
		ov->sandbox.unix_sockets = 1;
	if (c->strict)
		ov->sandbox.strict = 1;
	return 0;
}

static int output_flags(const struct cli *c, struct spec *ov, struct err *e)
{
	if (add_all(&ov->outputs.roots, &c->outputs) < 0 ||
	    add_all(&ov->outputs.require, &c->require_files) < 0 ||
	    add_all(&ov->outputs.forbid, &c->forbid) < 0 ||
	    add_all(&ov->inputs, &c->inputs) < 0 ||
	    (c->lock != NULL &&
	     spec_str_set(&ov->outputs.lock, c->lock, 0, 0) < 0))
		return nomem(e);
	if (c->provenance != NULL && c->no_provenance) {
		err_set(e, ERR_USAGE, NULL, 0, 0,
			"--provenance %s and --no-provenance: give one",
			c->provenance);
		return -1;
	}
	if (c->provenance != NULL) {
		if (c->provenance[0] == '\0')
			return flag_err(e, "--provenance", c->provenance,
					"expected a path", NULL);
		ov->outputs.provenance.off = 0;
		if (spec_str_set(&ov->outputs.provenance.path, c->provenance, 0,
				 0) < 0)
			return nomem(e);
	}
	if (c->no_provenance)
		ov->outputs.provenance.off = 1;
	if (c->manifest != NULL &&
	    spec_manifest_parse(c->manifest, &ov->outputs.manifest) < 0)
		return flag_err(e, "--manifest", c->manifest, "unknown kind",
				NULL);
	if (c->sourcemaps != NULL)
		ov->outputs.sourcemaps = strcmp(c->sourcemaps, "forbid") == 0
						 ? SM_FORBID
						 : SM_ALLOW;
	if (c->min_files != NULL &&
	    parse_count(c->min_files, &ov->outputs.min_files) < 0)
		return flag_err(e, "--min-files", c->min_files,
				"expected a count", NULL);
	if (c->max_bytes != NULL &&
	    units_parse_size(c->max_bytes, &ov->outputs.max_bytes) < 0)
		return flag_err(e, "--max-bytes", c->max_bytes, "bad size",
				"sizes look like 512M or 4G");
	if (c->max_files != NULL &&
	    parse_count(c->max_files, &ov->outputs.max_files) < 0)
		return flag_err(e, "--max-files", c->max_files,
				"expected a count", NULL);
	if (c->verify_timeout != NULL &&
	    units_parse_duration(c->verify_timeout,
				 &ov->outputs.verify_timeout_ms) < 0)
		return flag_err(e, "--verify-timeout", c->verify_timeout,
				"bad duration",
				"durations look like 90s or 10m");
	return 0;
}

static int publish_flags(const struct cli *c, struct spec *ov, struct err *e)
{
	static const struct {
		size_t cli_off, spec_off;
	} strs[] = {
		{offsetof(struct cli, to), offsetof(struct spec, publish.to)},
		{offsetof(struct cli, endpoint),
		 offsetof(struct spec, publish.endpoint)},
		{offsetof(struct cli, region),
		 offsetof(struct spec, publish.region)},
		{offsetof(struct cli, addressing),
		 offsetof(struct spec, publish.addressing)},
		{offsetof(struct cli, ca_file),
		 offsetof(struct spec, publish.ca_file)},
		{offsetof(struct cli, records),
		 offsetof(struct spec, publish.records)},
		{offsetof(struct cli, content_encoding),
		 offsetof(struct spec, publish.content_encoding)},
	};

	for (size_t i = 0; i < sizeof strs / sizeof *strs; i++) {
		const char *v =
			*(const char *const *)(const void *)((const char *)c +
							     strs[i].cli_off);
		struct spec_str *dst =
			(struct spec_str *)(void *)((char *)ov +
						    strs[i].spec_off);

		if (v != NULL && spec_str_set(dst, v, 0, 0) < 0)
			return nomem(e);
	}
	for (size_t i = 0; i < c->cache_control.n; i++) {
		const char *arg = c->cache_control.v[i];
		const char *eq = strchr(arg, '=');
		struct spec_str *dst = NULL;

		if (eq != NULL && eq - arg == 13 &&
		    strncmp(arg, "fingerprinted", 13) == 0)
			dst = &ov->publish.cache_fingerprinted;
		else if (eq != NULL && eq - arg == 5 &&
			 strncmp(arg, "other", 5) == 0)
			dst = &ov->publish.cache_other;
		if (dst == NULL || eq[1] == '\0')
			return flag_err(e, "--cache-control", arg,
					"expected KIND=VALUE",
					"KIND is fingerprinted or other: "
					"--cache-control 'other=public, "
					"max-age=300'");
		if (spec_str_set(dst, eq + 1, 0, 0) < 0)
			return nomem(e);
	}
	if (c->connections != NULL &&
	    (parse_count(c->connections, &ov->publish.connections) < 0 ||
	     ov->publish.connections < 1 || ov->publish.connections > 64))
		return flag_err(e, "--connections", c->connections,
				"expected a count from 1 to 64", NULL);
	if (c->keep != NULL &&
	    (parse_count(c->keep, &ov->publish.keep_releases) < 0 ||
	     ov->publish.keep_releases < 1))
		return flag_err(e, "--keep", c->keep,
				"expected a count of at least 1", NULL);
	if (c->older_than != NULL &&
	    units_parse_duration(c->older_than, &ov->publish.older_than_ms) < 0)
		return flag_err(e, "--older-than", c->older_than,
				"bad duration",
				"durations look like 30m, 24h or 168h");
	return 0;
}

int overrides_from_cli(const struct cli *c, int with_command, struct spec *ov,
		       struct err *e)
{
	spec_init(ov);
	if (c->framework != NULL &&
	    spec_framework_parse(c->framework, &ov->framework) < 0)
		return flag_err(e, "--framework", c->framework,
				"unknown framework",
				"rails, django, vite, webpack or none");
	if (with_command && c->argc > 0) {
		for (int i = 0; i < c->argc; i++)
			if (spec_list_add(&ov->command, c->argv[i], 0, 0) < 0)
				return nomem(e);
		ov->command.set = 1;
		ov->command_shell = 0;
	}
	if (env_flags(c, ov, e) < 0 || sandbox_flags(c, ov, e) < 0 ||
	    output_flags(c, ov, e) < 0 || publish_flags(c, ov, e) < 0)
		return -1;
	return 0;
}
