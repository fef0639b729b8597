/*
 * complete.c and the table views it reads: cli_option_at walks the whole
 * option table (and only it), every option and command appears in each
 * shell's script, an option's choices are offered after it, an option a
 * command does not take is not in that command's list, and a shell it
 * does not know is a usage error. spec_key_paths lists the schema's keys.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "complete.h"
#include "spec.h"
#include "tap.h"

TAP_SUITE(complete_option_table)
{
	struct cli_option o;
	size_t n = 0;
	int network = 0, env_show = 0;

	while (cli_option_at(n, &o) == 0) {
		if (strcmp(o.name, "network") == 0)
			network = o.takes_value && !o.repeatable &&
				  o.choices != NULL &&
				  strcmp(o.choices, "deny allow") == 0 &&
				  (o.cmds & (1u << CMD_RUN)) &&
				  !(o.cmds & (1u << CMD_DIFF));
		if (strcmp(o.name, "show-secrets") == 0)
			env_show = o.cmds == (1u << CMD_ENV) && !o.takes_value;
		n++;
	}
	T_OK(n >= 40, "cli_option_at walks the table (%zu options)", n);
	T_OK(cli_option_at(n, &o) < 0, "and stops past its end");
	T_OK(network, "--network: a value, choices, run yes, diff no");
	T_OK(env_show, "--show-secrets: a flag of env alone");
	T_STR(cli_cmd_summary(CMD_NONE), "", "no summary for no command");
	T_OK(strlen(cli_cmd_synopsis(CMD_DIFF)) > 0, "diff has a synopsis");
}

TAP_SUITE(complete_scripts)
{
	static const char *const shells[] = {"bash", "zsh", "fish"};
	struct cli_option o;
	struct err e = {0};

	for (size_t s = 0; s < 3; s++) {
		struct buf b = {0};
		int all = 1;

		T_OK(complete_script(&b, shells[s], &e) == 0, "%s script",
		     shells[s]);
		T_OK(buf_addc(&b, '\0') == 0, "terminated");
		for (size_t i = 0; cli_option_at(i, &o) == 0; i++) {
			char want[64];

			/* fish spells long options "-l NAME". */
			(void)snprintf(want, sizeof want,
				       s == 2 ? "-l %s " : "--%s", o.name);
			if (strstr(b.p, want) == NULL) {
				tap_diag("%s: no %s", shells[s], want);
				all = 0;
			}
		}
		for (int c = CMD_NONE + 1; c < CMD_COUNT; c++)
			if (strstr(b.p, cli_cmd_name((enum cmd)c)) == NULL)
				all = 0;
		T_OK(all, "%s: every option and command is in it", shells[s]);
		buf_free(&b);
	}
	{
		struct buf b = {0};

		T_OK(complete_script(&b, "bash", &e) == 0 &&
			     buf_addc(&b, '\0') == 0,
		     "bash again");
		T_OK(strstr(b.p, "--network)\n\t\tmapfile -t COMPREPLY < "
				 "<(compgen -W 'deny allow'") != NULL,
		     "bash offers --network's choices after it");
		T_OK(strstr(b.p, "\t\tdiff) w='-q --quiet -v --verbose -C "
				 "--directory -h --help --version --format' "
				 ";;") != NULL,
		     "diff's list has the global options and --format, but -f "
		     "and no spec flag");
		buf_free(&b);
	}
	{
		struct buf b = {0};

		T_OK(complete_script(&b, "tcsh", &e) < 0, "tcsh: refused");
		T_INT(e.kind, ERR_USAGE, "as a usage error");
		T_OK(strstr(e.msg, "tcsh") != NULL, "naming the shell");
		buf_free(&b);
	}
}

TAP_SUITE(complete_spec_keys)
{
	struct buf b = {0};

	T_OK(spec_key_paths(&b) == 0 && buf_addc(&b, '\0') == 0,
	     "spec_key_paths");
	T_OK(strncmp(b.p, "framework\n", 10) == 0, "top-level keys first");
	T_OK(strstr(b.p, "\nsandbox.limits\nsandbox.limits.cpu\n") != NULL,
	     "a section, then its keys by dotted path");
	T_OK(strstr(b.p, "\noutputs.sourcemaps\n") != NULL,
	     "outputs.sourcemaps listed");
	T_OK(strstr(b.p, "\ninputs\n") != NULL, "inputs listed");
	buf_free(&b);
}
