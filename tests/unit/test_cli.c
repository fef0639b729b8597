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
