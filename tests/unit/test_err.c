/*
 * The exit statuses, defined once in err.h: err_exit_status maps each
 * kind; the help text's "exit status:" paragraph is generated from
 * err_exit_table (each row whole on a line, lines under 80 columns); and
 * the README's exit-status table lists exactly the table's rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "err.h"
#include "io.h"
#include "tap.h"

TAP_SUITE(err_exit_status)
{
	struct err e = {0};

	e.kind = ERR_USAGE;
	T_INT(err_exit_status(&e), 64, "usage: 64");
	e.kind = ERR_VERIFY;
	T_INT(err_exit_status(&e), 65, "verify: 65");
	e.kind = ERR_SANDBOX;
	T_INT(err_exit_status(&e), 71, "sandbox: 71");
	e.kind = ERR_CONFIG;
	T_INT(err_exit_status(&e), 78, "config: 78");
	e.kind = ERR_SYSTEM;
	T_INT(err_exit_status(&e), 125, "system: 125");
	e.kind = ERR_NONE;
	T_INT(err_exit_status(&e), 125, "no kind (a bug): 125");
	e.kind = ERR_CHILD;
	e.status = 3;
	T_INT(err_exit_status(&e), 3, "child: its own status");
	e.status = EXIT_SIGNAL + 9;
	T_INT(err_exit_status(&e), 137, "child killed by SIGKILL: 137");
}

/* One row as the help text writes it, with its trailing punctuation. */
static void row_text(size_t i, char *out, size_t size)
{
	const struct err_exit *x = &err_exit_table[i];
	char end = i + 1 < err_exit_rows ? ',' : '.';

	if (x->first < 0)
		(void)snprintf(out, size, "%s%c", x->meaning, end);
	else if (x->first == x->last)
		(void)snprintf(out, size, "%d %s%c", x->first, x->meaning, end);
	else
		(void)snprintf(out, size, "%d/%d %s%c", x->first, x->last,
			       x->meaning, end);
}

TAP_SUITE(err_exit_help_from_table)
{
	struct buf help = {0}, want = {0};
	const char *para;
	char row[160];

	T_INT(cli_usage(&help, CMD_NONE), 0, "cleanroom --help formats");
	para = help.p ? strstr(help.p, "\nexit status:") : NULL;
	T_OK(para != NULL, "the help has an exit status paragraph");
	if (para == NULL)
		goto out;
	para++;

	/* The paragraph, unwrapped, is the table's rows in order. */
	(void)buf_adds(&want, "exit status:");
	for (size_t i = 0; i < err_exit_rows; i++) {
		row_text(i, row, sizeof row);
		(void)buf_printf(&want, " %s", row);
	}
	(void)buf_addc(&want, '\n');

	char *flat = strdup(para);

	if (flat == NULL)
		abort();
	for (char *p = flat; *p != '\0'; p++)
		if (*p == '\n' && p[1] != '\0')
			*p = ' ';
	T_STR(flat, want.p, "the exit paragraph is the table, unwrapped");

	int whole = 1, narrow = 1;

	for (size_t i = 0; i < err_exit_rows; i++) {
		row_text(i, row, sizeof row);
		whole &= strstr(para, row) != NULL;
	}
	for (const char *l = para; *l != '\0';) {
		size_t n = strcspn(l, "\n");

		narrow &= n < 80;
		l += n + (l[n] == '\n');
	}
	T_OK(whole, "each row whole on one line");
	T_OK(narrow, "every line under 80 columns");
	T_OK(strstr(para, "78 bad spec or env file") != NULL,
	     "for example 78 bad spec or env file");
	free(flat);
out:
	buf_free(&help);
	buf_free(&want);
}

/* The statuses of one README row's first cell ("64", "126 / 127"), or
 * first = -1 for the build's own status (a cell without digits). */
static void readme_cell(const char *cell, size_t n, int *first, int *last)
{
	char s[64];

	(void)snprintf(s, sizeof s, "%.*s", (int)n, cell);
	*first = *last = -1;
	if (sscanf(s, " %d / %d", first, last) == 2)
		return;
	if (sscanf(s, " %d", first) == 1)
		*last = *first;
}

TAP_SUITE(err_exit_readme_matches_table)
{
	struct buf readme = {0};
	const char *p;
	int seen[32] = {0};
	size_t rows = 0;
	int known = 1;

	if (io_read_file("README.md", 1 << 20, &readme) < 0) {
		T_OK(0, "README.md present (run from the repository root)");
		return;
	}
	p = strstr(readme.p, "\n### Exit status\n");
	T_OK(p != NULL, "the README has an Exit status section");
	if (p == NULL)
		goto out;
	p = strstr(p, "\n| status |");
	T_OK(p != NULL, "with a table");
	if (p == NULL)
		goto out;
	p = strchr(p + 1, '\n');	    /* past the header */
	p = p ? strchr(p + 1, '\n') : NULL; /* past the |---| line */
	while (p != NULL && p[1] == '|') {
		const char *cell = p + 2;
		size_t n = strcspn(cell, "|\n");
		int first, last;
		size_t i;

		readme_cell(cell, n, &first, &last);
		for (i = 0; i < err_exit_rows; i++)
			if (err_exit_table[i].first == first &&
			    err_exit_table[i].last == last)
				break;
		if (i == err_exit_rows || i >= sizeof seen / sizeof *seen) {
			known = 0;
			tap_diag("README row not in err_exit_table: %.*s",
				 (int)n, cell);
		} else {
			seen[i]++;
		}
		rows++;
		p = strchr(p + 1, '\n');
	}
	T_OK(known, "every README row is a row of the table");
	T_INT(rows, err_exit_rows, "as many rows as the table");
	int once = 1;

	for (size_t i = 0; i < err_exit_rows && i < 32; i++)
		once &= seen[i] == 1;
	T_OK(once, "each row of the table once in the README");
out:
	buf_free(&readme);
}
