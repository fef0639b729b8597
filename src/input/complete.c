/*
 * Completion scripts from the option table. Each script tracks the words
 * before the cursor the way cli_parse reads them: an option that takes a
 * value swallows the next word, the first other word is the command, and
 * `--` hands the rest to the build or server command. Then it offers the
 * command names, the options of that command (cli_option_at's cmds bits),
 * an option's choices, or files and directories for options whose
 * argument names one (FILE, SPEC, PATH; DIR).
 */
#include "complete.h"

#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define HAS(o, c) (((o)->cmds >> (c)) & 1u)

/* What the word after an option is. */
enum value { V_NONE, V_FILE, V_DIR, V_CHOICE, V_OTHER };

static enum value value_of(const struct cli_option *o)
{
	if (!o->takes_value)
		return V_NONE;
	if (o->choices != NULL)
		return V_CHOICE;
	if (strcmp(o->arg, "DIR") == 0)
		return V_DIR;
	if (strcmp(o->arg, "FILE") == 0 || strcmp(o->arg, "SPEC") == 0 ||
	    strcmp(o->arg, "PATH") == 0)
		return V_FILE;
	return V_OTHER;
}

/* Options every command takes (and so `cleanroom -<TAB>` offers): those
 * `help` accepts, which are the global ones. */
static int is_global(const struct cli_option *o)
{
	return HAS(o, CMD_HELP);
}

/* Appends s quoted for sh, bash and zsh: in single quotes, each ' as
 * '\''. */
static int add_sq(struct buf *out, const char *s)
{
	if (buf_addc(out, '\'') < 0)
		return -1;
	for (; *s != '\0'; s++)
		if (*s == '\'' ? buf_adds(out, "'\\''") < 0
			       : buf_addc(out, *s) < 0)
			return -1;
	return buf_addc(out, '\'');
}

/* Appends s quoted for fish: in single quotes, ' and \ escaped. */
static int add_fish_sq(struct buf *out, const char *s)
{
	if (buf_addc(out, '\'') < 0)
		return -1;
	for (; *s != '\0'; s++) {
		if ((*s == '\'' || *s == '\\') && buf_addc(out, '\\') < 0)
			return -1;
		if (buf_addc(out, *s) < 0)
			return -1;
	}
	return buf_addc(out, '\'');
}

/* Appends the spellings ("-C|--directory", or "-C --directory" with
 * sep ' ') of every option whose value is v (V_OTHER + 1: any value). */
static int add_spellings(struct buf *out, int v, char sep)
{
	struct cli_option o;
	const char sepstr[2] = {sep, '\0'};
	int first = 1;

	for (size_t i = 0; cli_option_at(i, &o) == 0; i++) {
		if (v > V_OTHER ? !o.takes_value : (int)value_of(&o) != v)
			continue;
		if (o.shrt &&
		    buf_printf(out, "%s-%c", first ? "" : sepstr, o.shrt) < 0)
			return -1;
		if (o.shrt)
			first = 0;
		if (buf_printf(out, "%s--%s", first ? "" : sepstr, o.name) < 0)
			return -1;
		first = 0;
	}
	return 0;
}

/* Appends the options command cmd takes (the global ones for CMD_NONE),
 * space-separated. */
static int add_options_of(struct buf *out, enum cmd cmd)
{
	struct cli_option o;
	int first = 1;

	for (size_t i = 0; cli_option_at(i, &o) == 0; i++) {
		if (cmd == CMD_NONE ? !is_global(&o) : !HAS(&o, cmd))
			continue;
		if (o.shrt &&
		    buf_printf(out, "%s-%c", first ? "" : " ", o.shrt) < 0)
			return -1;
		if (o.shrt)
			first = 0;
		if (buf_printf(out, "%s--%s", first ? "" : " ", o.name) < 0)
			return -1;
		first = 0;
	}
	return 0;
}

static int add_commands(struct buf *out)
{
	for (int c = CMD_NONE + 1; c < CMD_COUNT; c++)
		if (buf_printf(out, "%s%s", c > CMD_NONE + 1 ? " " : "",
			       cli_cmd_name((enum cmd)c)) < 0)
			return -1;
	return 0;
}

/* The word-tracking loop both bash and zsh use (zsh's arrays start at 1
 * and its current word is words[CURRENT]). */
static int add_scan(struct buf *out, const char *words, const char *first,
		    const char *current, const char *after_dashes)
{
	if (buf_printf(out,
		       "\tfor ((i = %s; i < %s; i++)); do\n"
		       "\t\tw=${%s[i]}\n"
		       "\t\tcase $w in\n"
		       "\t\t--)\n%s"
		       "\t\t\treturn 0 ;;\n"
		       "\t\t",
		       first, current, words, after_dashes) < 0 ||
	    add_spellings(out, V_OTHER + 1, '|') < 0 ||
	    buf_adds(out, ") ((i++)) ;;\n"
			  "\t\t-*) ;;\n"
			  "\t\t*) [[ -n $cmd ]] || cmd=$w ;;\n"
			  "\t\tesac\n"
			  "\tdone\n") < 0)
		return -1;
	return 0;
}

static int bash_script(struct buf *out)
{
	struct cli_option o;

	if (buf_adds(
		    out,
		    "# bash completion for cleanroom. Generated from the "
		    "option table in\n# src/input/cli.c (cleanroom-gen "
		    "bash): edit that, not this file.\n"
		    "_cleanroom()\n{\n"
		    "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev='' cmd='' i w\n"
		    "\tCOMPREPLY=()\n"
		    "\t((COMP_CWORD < 1)) || "
		    "prev=${COMP_WORDS[COMP_CWORD-1]}\n") < 0 ||
	    add_scan(
		    out, "COMP_WORDS", "1", "COMP_CWORD",
		    "\t\t\t# The build or server command, then its "
		    "arguments.\n"
		    "\t\t\tif ((i == COMP_CWORD - 1)); then\n"
		    "\t\t\t\tmapfile -t COMPREPLY < <(compgen -c -- \"$cur\")\n"
		    "\t\t\telse\n"
		    "\t\t\t\tmapfile -t COMPREPLY < <(compgen -f -- \"$cur\")\n"
		    "\t\t\t\tcompopt -o filenames 2>/dev/null\n"
		    "\t\t\tfi\n") < 0 ||
	    buf_adds(out, "\tcase $prev in\n") < 0)
		return -1;
	for (size_t i = 0; cli_option_at(i, &o) == 0; i++) {
		if (value_of(&o) != V_CHOICE)
			continue;
		if (buf_printf(
			    out,
			    "\t--%s)\n\t\tmapfile -t COMPREPLY < <(compgen -W ",
			    o.name) < 0 ||
		    add_sq(out, o.choices) < 0 ||
		    buf_adds(out, " -- \"$cur\")\n\t\treturn 0 ;;\n") < 0)
			return -1;
	}
	if (buf_adds(out, "\t") < 0 || add_spellings(out, V_DIR, '|') < 0 ||
	    buf_adds(out,
		     ")\n\t\tmapfile -t COMPREPLY < <(compgen -d -- \"$cur\")\n"
		     "\t\tcompopt -o filenames 2>/dev/null\n"
		     "\t\treturn 0 ;;\n\t") < 0 ||
	    add_spellings(out, V_FILE, '|') < 0 ||
	    buf_adds(out,
		     ")\n\t\tmapfile -t COMPREPLY < <(compgen -f -- \"$cur\")\n"
		     "\t\tcompopt -o filenames 2>/dev/null\n"
		     "\t\treturn 0 ;;\n\t") < 0 ||
	    add_spellings(out, V_OTHER, '|') < 0 ||
	    buf_adds(out,
		     ") return 0 ;;\n\tesac\n"
		     "\tif [[ $cur == -* ]]; then\n\t\tcase $cmd in\n") < 0)
		return -1;
	for (int c = CMD_NONE + 1; c < CMD_COUNT; c++) {
		if (buf_printf(out, "\t\t%s) w=", cli_cmd_name((enum cmd)c)) <
			    0 ||
		    buf_addc(out, '\'') < 0 ||
		    add_options_of(out, (enum cmd)c) < 0 ||
		    buf_adds(out, "' ;;\n") < 0)
			return -1;
	}
	if (buf_adds(out, "\t\t*) w='") < 0 ||
	    add_options_of(out, CMD_NONE) < 0 ||
	    buf_adds(out, "' ;;\n\t\tesac\n"
			  "\t\tmapfile -t COMPREPLY < <(compgen -W \"$w\" -- "
			  "\"$cur\")\n"
			  "\t\treturn 0\n\tfi\n"
			  "\tcase $cmd in\n\t'' | help)\n"
			  "\t\t[[ -z $cmd || $prev == help ]] || return 0\n"
			  "\t\tmapfile -t COMPREPLY < <(compgen -W '") < 0 ||
	    add_commands(out) < 0 ||
	    buf_adds(out,
		     "' -- \"$cur\") ;;\n"
		     "\tdiff)\n"
		     "\t\tmapfile -t COMPREPLY < <(compgen -f -- \"$cur\")\n"
		     "\t\tcompopt -o filenames 2>/dev/null ;;\n"
		     "\tesac\n"
		     "\treturn 0\n}\n"
		     "complete -F _cleanroom cleanroom\n") < 0)
		return -1;
	return 0;
}

/* zsh: plain compadd calls with descriptions (-d), so the function works
 * whether it is autoloaded from fpath (site-functions/_cleanroom, as
 * compinit finds it) or sourced after compinit. */
static int zsh_array(struct buf *out, const char *name, const char *desc,
		     enum cmd cmd, int commands)
{
	struct cli_option o;

	if (buf_printf(out, "\t\t%s=(", name) < 0)
		return -1;
	if (commands) {
		for (int c = CMD_NONE + 1; c < CMD_COUNT; c++) {
			const char *n = cli_cmd_name((enum cmd)c);

			if (buf_printf(out, " %s", n) < 0)
				return -1;
		}
		if (buf_printf(out, ")\n\t\t%s=(", desc) < 0)
			return -1;
		for (int c = CMD_NONE + 1; c < CMD_COUNT; c++) {
			char line[160];

			(void)snprintf(line, sizeof line, "%-10s -- %s",
				       cli_cmd_name((enum cmd)c),
				       cli_cmd_summary((enum cmd)c));
			if (buf_addc(out, ' ') < 0 || add_sq(out, line) < 0)
				return -1;
		}
		return buf_adds(out, ")\n");
	}
	for (size_t i = 0; cli_option_at(i, &o) == 0; i++) {
		if (cmd == CMD_NONE ? !is_global(&o) : !HAS(&o, cmd))
			continue;
		if (o.shrt && buf_printf(out, " -%c", o.shrt) < 0)
			return -1;
		if (buf_printf(out, " --%s", o.name) < 0)
			return -1;
	}
	if (buf_printf(out, ")\n\t\t%s=(", desc) < 0)
		return -1;
	for (size_t i = 0; cli_option_at(i, &o) == 0; i++) {
		char line[200];

		if (cmd == CMD_NONE ? !is_global(&o) : !HAS(&o, cmd))
			continue;
		if (o.shrt) {
			(void)snprintf(line, sizeof line, "-%-21c -- %s",
				       o.shrt, o.help);
			if (buf_addc(out, ' ') < 0 || add_sq(out, line) < 0)
				return -1;
		}
		(void)snprintf(line, sizeof line, "--%-20s -- %s", o.name,
			       o.help);
		if (buf_addc(out, ' ') < 0 || add_sq(out, line) < 0)
			return -1;
	}
	return buf_adds(out, ")\n");
}

static int zsh_script(struct buf *out)
{
	struct cli_option o;

	if (buf_adds(out,
		     "#compdef cleanroom\n"
		     "# zsh completion for cleanroom. Generated from the "
		     "option table in\n# src/input/cli.c (cleanroom-gen "
		     "zsh): edit that, not this file.\n"
		     "_cleanroom() {\n"
		     "\tlocal cur=${words[CURRENT]} prev=${words[CURRENT-1]} "
		     "cmd= i w\n"
		     "\tlocal -a names descs\n") < 0 ||
	    add_scan(out, "words", "2", "CURRENT",
		     "\t\t\tif ((i == CURRENT - 1)); then\n"
		     "\t\t\t\t_command_names -e\n"
		     "\t\t\telse\n"
		     "\t\t\t\t_files\n"
		     "\t\t\tfi\n") < 0 ||
	    buf_adds(out, "\tcase $prev in\n") < 0)
		return -1;
	for (size_t i = 0; cli_option_at(i, &o) == 0; i++) {
		if (value_of(&o) != V_CHOICE)
			continue;
		if (buf_printf(out,
			       "\t(--%s)\n\t\tnames=(%s)\n"
			       "\t\tcompadd -a names\n\t\treturn ;;\n",
			       o.name, o.choices) < 0)
			return -1;
	}
	if (buf_adds(out, "\t(") < 0 || add_spellings(out, V_DIR, '|') < 0 ||
	    buf_adds(out, ") _files -/; return ;;\n\t(") < 0 ||
	    add_spellings(out, V_FILE, '|') < 0 ||
	    buf_adds(out, ") _files; return ;;\n\t(") < 0 ||
	    add_spellings(out, V_OTHER, '|') < 0 ||
	    buf_adds(out,
		     ") return 1 ;;\n\tesac\n"
		     "\tif [[ $cur == -* ]]; then\n\t\tcase $cmd in\n") < 0)
		return -1;
	for (int c = CMD_NONE + 1; c < CMD_COUNT; c++) {
		if (buf_printf(out, "\t\t(%s)\n", cli_cmd_name((enum cmd)c)) <
			    0 ||
		    zsh_array(out, "names", "descs", (enum cmd)c, 0) < 0 ||
		    buf_adds(out, "\t\t;;\n") < 0)
			return -1;
	}
	if (buf_adds(out, "\t\t(*)\n") < 0 ||
	    zsh_array(out, "names", "descs", CMD_NONE, 0) < 0 ||
	    buf_adds(out, "\t\t;;\n\t\tesac\n"
			  "\telif [[ -z $cmd || ( $cmd == help && $prev == "
			  "help ) ]]; then\n") < 0 ||
	    zsh_array(out, "names", "descs", CMD_NONE, 1) < 0 ||
	    buf_adds(out, "\telif [[ $cmd == diff ]]; then\n"
			  "\t\t_files\n\t\treturn\n"
			  "\telse\n\t\treturn 1\n\tfi\n"
			  "\tcompadd -l -d descs -a names\n}\n"
			  "if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; "
			  "then\n"
			  "\t_cleanroom \"$@\"\n"
			  "else\n"
			  "\tcompdef _cleanroom cleanroom\n"
			  "fi\n") < 0)
		return -1;
	return 0;
}

static int fish_script(struct buf *out)
{
	struct cli_option o;

	if (buf_adds(out, "# fish completion for cleanroom. Generated from "
			  "the option table in\n# src/input/cli.c "
			  "(cleanroom-gen fish): edit that, not this file.\n"
			  "complete -c cleanroom -f\n") < 0)
		return -1;
	for (int c = CMD_NONE + 1; c < CMD_COUNT; c++) {
		if (buf_printf(out,
			       "complete -c cleanroom -n "
			       "__fish_use_subcommand -a %s -d ",
			       cli_cmd_name((enum cmd)c)) < 0 ||
		    add_fish_sq(out, cli_cmd_summary((enum cmd)c)) < 0 ||
		    buf_addc(out, '\n') < 0)
			return -1;
	}
	if (buf_adds(out, "complete -c cleanroom -n "
			  "'__fish_seen_subcommand_from help' -a '") < 0 ||
	    add_commands(out) < 0 ||
	    buf_adds(out, "'\ncomplete -c cleanroom -n "
			  "'__fish_seen_subcommand_from diff' -F\n") < 0)
		return -1;
	for (size_t i = 0; cli_option_at(i, &o) == 0; i++) {
		enum value v = value_of(&o);

		if (buf_adds(out, "complete -c cleanroom") < 0)
			return -1;
		if (!is_global(&o)) {
			if (buf_adds(out, " -n '__fish_seen_subcommand_from") <
			    0)
				return -1;
			for (int c = CMD_NONE + 1; c < CMD_COUNT; c++)
				if (HAS(&o, c) &&
				    buf_printf(out, " %s",
					       cli_cmd_name((enum cmd)c)) < 0)
					return -1;
			if (buf_addc(out, '\'') < 0)
				return -1;
		}
		if (o.shrt && buf_printf(out, " -s %c", o.shrt) < 0)
			return -1;
		if (buf_printf(out, " -l %s", o.name) < 0)
			return -1;
		if (v == V_CHOICE && (buf_adds(out, " -x -a ") < 0 ||
				      add_fish_sq(out, o.choices) < 0))
			return -1;
		if (v == V_FILE && buf_adds(out, " -r -F") < 0)
			return -1;
		if (v == V_DIR &&
		    buf_adds(out, " -x -a '(__fish_complete_directories)'") < 0)
			return -1;
		if (v == V_OTHER && buf_adds(out, " -x") < 0)
			return -1;
		if (buf_adds(out, " -d ") < 0 || add_fish_sq(out, o.help) < 0 ||
		    buf_addc(out, '\n') < 0)
			return -1;
	}
	return 0;
}

int complete_script(struct buf *out, const char *shell, struct err *e)
{
	int rc;

	if (strcmp(shell, "bash") == 0)
		rc = bash_script(out);
	else if (strcmp(shell, "zsh") == 0)
		rc = zsh_script(out);
	else if (strcmp(shell, "fish") == 0)
		rc = fish_script(out);
	else
		return err_set(e, ERR_USAGE, NULL, 0, 0,
			       "no completions for shell '%s' (bash, zsh or "
			       "fish)",
			       shell);
	if (rc < 0)
		return err_sys(e, ENOMEM, "writing the %s completions", shell);
	return 0;
}
