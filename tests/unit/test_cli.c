/*
 * cli.c: the option table drives parsing; global options stand before or
 * after the command; `--` ends the options; an option a command does not
 * take is a usage error; repeated list options keep their order; and
 * overrides.c turns the spec flags into a spec of overrides, parsing each
 * value once.
 */
#include <stdint.h>
#include <string.h>

#include "cli.h"
#include "overrides.h"
#include "tap.h"

/* Parses a NULL-terminated word list (argv[0] is added). */
static int parse(struct cli *c, struct err *e, const char **words)
{
	static char *argv[64];
	int argc = 1;

	argv[0] = "cleanroom";
	for (; words[argc - 1] != NULL && argc < 63; argc++)
		argv[argc] = (char *)(uintptr_t)words[argc - 1];
	argv[argc] = NULL;
	memset(e, 0, sizeof *e);
	return cli_parse(argc, argv, c, e);
}

TAP_SUITE(cli_commands_and_globals)
{
	struct cli c;
	struct err e;

	T_OK(parse(&c, &e, (const char *[]){"-q", "run", NULL}) == 0,
	     "a global option before the command");
	T_INT(c.cmd, CMD_RUN, "the command is run");
	T_INT(c.quiet, 1, "-q is set");
	cli_free(&c);
	T_OK(parse(&c, &e,
		   (const char *[]){"verify", "-C", "app", "-v", NULL}) == 0,
	     "global options after the command");
	T_STR(c.dir, "app", "-C DIR");
	T_INT(c.verbose, 1, "-v");
	cli_free(&c);
	T_OK(parse(&c, &e, (const char *[]){"frobnicate", NULL}) < 0 &&
		     e.kind == ERR_USAGE,
	     "an unknown command is a usage error");
	cli_free(&c);
	T_OK(parse(&c, &e, (const char *[]){"diff", "--pass", "X", NULL}) < 0 &&
		     e.kind == ERR_USAGE,
	     "an option the command does not take is a usage error");
	cli_free(&c);
}

TAP_SUITE(cli_lists_and_words)
{
	struct cli c;
	struct err e;

	T_OK(parse(&c, &e,
		   (const char *[]){"run", "--pass", "A", "--env", "x.env",
				    "--pass", "B", "--", "npm", "run", "--pass",
				    NULL}) == 0,
	     "lists and words after --");
	T_INT(c.pass.n, 2, "two --pass");
	T_STR(c.pass.v[0], "A", "in order: A");
	T_STR(c.pass.v[1], "B", "then B");
	T_INT(c.env_files.n, 1, "one --env");
	T_INT(c.argc, 3, "three words after --");
	T_STR(c.argv[2], "--pass", "an option after -- is a word");
	cli_free(&c);
	T_OK(parse(&c, &e,
		   (const char *[]){"start", "--verify", "nope", NULL}) < 0,
	     "a value outside an option's choices is refused");
	cli_free(&c);
}

TAP_SUITE(cli_overrides)
{
	struct cli c;
	struct err e;
	struct spec ov;

	T_OK(parse(&c, &e,
		   (const char *[]){"run", "--timeout", "90s", "--limit",
				    "memory=1G", "--set", "A=b=c", "--output",
				    "dist", "--strict", "--framework", "vite",
				    "--allow-unix-sockets", "--", "true",
				    NULL}) == 0,
	     "spec flags parse");
	T_OK(overrides_from_cli(&c, 1, &ov, &e) == 0, "overrides: %s", e.msg);
	T_INT(ov.sandbox.timeout_ms, 90000, "--timeout 90s is 90000 ms");
	T_INT(ov.sandbox.limits.memory, 1 << 30, "--limit memory=1G");
	T_INT(ov.env.set.n, 1, "one --set");
	T_STR(ov.env.set.v[0].name.s, "A", "its name");
	T_STR(ov.env.set.v[0].value.s, "b=c", "its value keeps later '='");
	T_INT(ov.outputs.roots.n, 1, "--output");
	T_INT(ov.sandbox.strict, 1, "--strict");
	T_INT(ov.sandbox.unix_sockets, 1, "--allow-unix-sockets");
	T_INT(ov.framework, FW_VITE, "--framework vite");
	T_OK(ov.command.set && ov.command.n == 1, "the build's words");
	spec_free(&ov);
	T_OK(overrides_from_cli(&c, 0, &ov, &e) == 0 && !ov.command.set,
	     "start: the words are the server's, not a build command");
	spec_free(&ov);
	cli_free(&c);

	T_OK(parse(&c, &e, (const char *[]){"run", "--timeout", "5x", NULL}) ==
		     0,
	     "a bad duration parses as a word");
	T_OK(overrides_from_cli(&c, 1, &ov, &e) < 0 && e.kind == ERR_USAGE &&
		     strstr(e.msg, "--timeout 5x") != NULL,
	     "and is a usage error naming the flag: %s", e.msg);
	spec_free(&ov);
	cli_free(&c);
	T_OK(parse(&c, &e, (const char *[]){"run", "--set", "1X=y", NULL}) == 0,
	     "--set with a bad name parses");
	T_OK(overrides_from_cli(&c, 1, &ov, &e) < 0 && e.kind == ERR_USAGE,
	     "and is refused: %s", e.msg);
	spec_free(&ov);
	cli_free(&c);
	T_OK(parse(&c, &e,
		   (const char *[]){"run", "--limit", "disk=1G", NULL}) == 0,
	     "--limit with an unknown limit parses");
	T_OK(overrides_from_cli(&c, 1, &ov, &e) < 0 &&
		     strstr(e.hint, "cpu, memory") != NULL,
	     "and is refused with the list of limits");
	spec_free(&ov);
	cli_free(&c);
}

TAP_SUITE(cli_did_you_mean)
{
	struct cli c;
	struct err e;

	T_OK(parse(&c, &e, (const char *[]){"rnu", NULL}) < 0 &&
		     strstr(e.hint, "did you mean 'run'?") != NULL,
	     "a mistyped command: %s", e.hint);
	cli_free(&c);
	T_OK(parse(&c, &e, (const char *[]){"help", "statr", NULL}) < 0 &&
		     strstr(e.hint, "did you mean 'start'?") != NULL,
	     "a mistyped help topic: %s", e.hint);
	cli_free(&c);
	T_OK(parse(&c, &e,
		   (const char *[]){"run", "--framwork", "vite", NULL}) < 0 &&
		     strstr(e.hint, "did you mean '--framework'?") != NULL,
	     "a mistyped option: %s", e.hint);
	cli_free(&c);
	T_OK(parse(&c, &e, (const char *[]){"run", "--outptu=dist", NULL}) <
			     0 &&
		     strstr(e.hint, "did you mean '--output'?") != NULL,
	     "a mistyped option with =VALUE: %s", e.hint);
	cli_free(&c);
	T_OK(parse(&c, &e,
		   (const char *[]){"init", "--framework", "djnago", NULL}) <
			     0 &&
		     strstr(e.hint, "did you mean 'django'?") != NULL,
	     "a mistyped framework name: %s", e.hint);
	cli_free(&c);
	T_OK(parse(&c, &e, (const char *[]){"run", "--network", "alow", NULL}) <
			     0 &&
		     strstr(e.hint, "did you mean 'allow'?") != NULL,
	     "a mistyped choice: %s", e.hint);
	cli_free(&c);
	T_OK(parse(&c, &e, (const char *[]){"frobnicate", NULL}) < 0 &&
		     strstr(e.hint, "did you mean") == NULL &&
		     strstr(e.hint, "cleanroom help") != NULL,
	     "nothing close: the plain hint");
	cli_free(&c);
	T_OK(parse(&c, &e,
		   (const char *[]){"diff", "--report", "r.json", "a", "b",
				    NULL}) < 0 &&
		     strstr(e.hint, "'run'") != NULL &&
		     strstr(e.hint, "'reproduce'") != NULL,
	     "an option for another command names the commands that take "
	     "it: %s",
	     e.hint);
	cli_free(&c);
}

TAP_SUITE(cli_format_per_command)
{
	struct cli c;
	struct err e;

	T_OK(parse(&c, &e,
		   (const char *[]){"doctor", "--format", "json", NULL}) == 0,
	     "doctor --format json");
	cli_free(&c);
	T_OK(parse(&c, &e,
		   (const char *[]){"diff", "--format", "json", "a", "b",
				    NULL}) == 0,
	     "diff --format json");
	cli_free(&c);
	T_OK(parse(&c, &e,
		   (const char *[]){"doctor", "--format", "nul", NULL}) < 0,
	     "doctor --format nul is refused (env's format)");
	cli_free(&c);
	T_OK(parse(&c, &e, (const char *[]){"env", "--format", "text", NULL}) <
		     0,
	     "env --format text is refused");
	cli_free(&c);
	T_OK(parse(&c, &e, (const char *[]){"env", "--format", "jsno", NULL}) <
			     0 &&
		     strstr(e.hint, "did you mean 'json'?") != NULL,
	     "a mistyped format: %s", e.hint);
	cli_free(&c);
}

/* Each example of each command's help parses as the command it shows. */
TAP_SUITE(cli_help_examples_parse)
{
	for (int cmd = CMD_NONE + 1; cmd < CMD_COUNT; cmd++) {
		const char *ex = cli_examples((enum cmd)cmd);
		int n = 0;

		while (*ex != '\0') {
			char line[256], *words[32];
			size_t len = strcspn(ex, "\n");
			struct cli c;
			struct err e;
			int argc = 0;

			T_OK(len < sizeof line, "example line fits");
			memcpy(line, ex, len);
			line[len] = '\0';
			ex += len + (ex[len] == '\n');
			for (char *w = strtok(line, " "); w && argc < 31;
			     w = strtok(NULL, " "))
				words[argc++] = w;
			words[argc] = NULL;
			T_STR(words[0], "cleanroom", "an example starts so");
			memset(&e, 0, sizeof e);
			T_OK(cli_parse(argc, words, &c, &e) == 0 &&
				     (c.cmd == (enum cmd)cmd ||
				      c.help_for != CMD_NONE),
			     "%s example %d parses: %s",
			     cli_cmd_name((enum cmd)cmd), n, e.msg);
			cli_free(&c);
			n++;
		}
		T_OK(n >= 2, "%s has at least two examples",
		     cli_cmd_name((enum cmd)cmd));
	}
}

static int key_has_flag(const char *path, void *arg)
{
	/* Keys without a flag, as README's flag table says: `command` is the
	 * words after `--`, `workdir` is what -C DIR (the start directory)
	 * plus the spec's location decide. */
	static const char *const except[] = {"command", "workdir", NULL};
	int *missing = arg;

	for (const char *const *x = except; *x != NULL; x++)
		if (strcmp(*x, path) == 0)
			return 0;
	T_OK(cli_flag_for_key(path) != NULL, "spec key %s has a flag", path);
	*missing += cli_flag_for_key(path) == NULL;
	return 0;
}

TAP_SUITE(cli_every_spec_key_has_a_flag)
{
	int missing = 0;
	struct cli c;
	struct err e;
	struct spec ov;

	spec_key_each(key_has_flag, &missing);
	T_INT(missing, 0, "no spec key without a flag");
	T_STR(cli_flag_for_key("outputs.sourcemaps"), "sourcemaps",
	      "outputs.sourcemaps is --sourcemaps");
	T_STR(cli_flag_for_key("sandbox.limits.cpu"), "limit",
	      "sandbox.limits.cpu is --limit");
	T_OK(cli_flag_for_key("nosuch.key") == NULL, "no flag for no key");
	T_OK(parse(&c, &e,
		   (const char *[]){"verify", "--sourcemaps", "forbid",
				    NULL}) == 0,
	     "--sourcemaps forbid parses");
	T_OK(overrides_from_cli(&c, 0, &ov, &e) == 0 &&
		     ov.outputs.sourcemaps == SM_FORBID,
	     "and overrides outputs.sourcemaps");
	spec_free(&ov);
	cli_free(&c);
}
