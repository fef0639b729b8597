/*
 * libFuzzer target for the spec loader. Any input must parse or fail with
 * a located config error, never crash or leak (ASan/UBSan catch those),
 * and an accepted spec must hold only what the loader promises: the
 * invariants below are the contract later stages rely on. Short inputs
 * also go through the duration and size parsers, whose results must be
 * in range.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"
#include "units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A violated invariant is a finding: abort so libFuzzer keeps the input. */
static void require(int ok)
{
	if (!ok)
		abort();
}

static void check_str(const struct spec_str *s, int may_be_empty)
{
	if (s->s == NULL)
		return;
	require(may_be_empty || s->s[0] != '\0');
	require(s->line >= 1 && s->col >= 1);
}

static void check_list(const struct spec_list *l, int may_be_empty)
{
	require(l->set || l->n == 0);
	require(l->n <= l->cap);
	for (size_t i = 0; i < l->n; i++) {
		require(l->v[i].s != NULL);
		check_str(&l->v[i], may_be_empty);
	}
}

static int var_name_ok(const char *s)
{
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
	      *s == '_'))
		return 0;
	for (s++; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static void check_spec(const struct spec *s)
{
	require(s->path != NULL && strcmp(s->path, "fuzz.yml") == 0);
	require(s->framework == FW_UNSET ||
		spec_framework_name(s->framework) != NULL);
	require(s->outputs.manifest == MF_UNSET ||
		spec_manifest_name(s->outputs.manifest) != NULL);
	/* A command is one shell string or a non-empty argv. */
	if (s->command.set) {
		require(s->command.n >= 1 && s->command.v[0].s[0] != '\0');
		require(!s->command_shell || s->command.n == 1);
	} else {
		require(s->command_shell == 0);
	}
	check_list(&s->command, 1);
	check_str(&s->workdir, 0);
	check_list(&s->env.files, 0);
	check_list(&s->env.inherit, 0);
	check_list(&s->env.pass, 0);
	check_list(&s->env.require, 0);
	check_list(&s->env.secret, 0);
	for (size_t i = 0; i < s->env.set.n; i++) {
		require(var_name_ok(s->env.set.v[i].name.s));
		require(s->env.set.v[i].value.s != NULL);
		for (size_t j = 0; j < i; j++)
			require(strcmp(s->env.set.v[i].name.s,
				       s->env.set.v[j].name.s) != 0);
	}
	check_list(&s->sandbox.writable, 0);
	check_str(&s->sandbox.user, 0);
	require(s->sandbox.timeout_ms >= -1);
	require(s->sandbox.limits.cpu_ms >= -1);
	require(s->sandbox.limits.memory >= -1);
	require(s->sandbox.limits.files >= -1);
	require(s->sandbox.limits.processes >= -1);
	require(s->sandbox.limits.file_size >= -1);
	require(s->sandbox.strict >= -1 && s->sandbox.strict <= 1);
	check_list(&s->outputs.roots, 0);
	require(!s->outputs.roots.set || s->outputs.roots.n >= 1);
	check_list(&s->outputs.require, 0);
	check_list(&s->outputs.forbid, 0);
	require(s->outputs.min_files >= -1);
	require(s->outputs.max_bytes >= -1);
	check_str(&s->outputs.lock, 0);
	check_list(&s->inputs, 0);
}

static void check_numbers(const uint8_t *data, size_t size)
{
	char text[64];
	int64_t v;

	if (size >= sizeof text || memchr(data, '\0', size) != NULL)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	if (units_parse_duration(text, &v) == 0)
		require(v >= 0);
	if (units_parse_size(text, &v) == 0)
		require(v >= 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spec s;
	struct err e;

	memset(&e, 0, sizeof e);
	spec_init(&s);
	if (spec_parse("fuzz.yml", (const char *)data, size, &s, &e) == 0) {
		check_spec(&s);
	} else {
		/* Every problem in the text is a config error that says
		 * what and where; ERR_SYSTEM is only out of memory. */
		require(e.msg[0] != '\0');
		require(e.kind == ERR_CONFIG || e.kind == ERR_SYSTEM);
		if (e.kind == ERR_CONFIG) {
			require(strcmp(e.file, "fuzz.yml") == 0);
			require(e.line >= 1 && e.col >= 1);
		}
	}
	spec_free(&s);
	check_numbers(data, size);
	return 0;
}
