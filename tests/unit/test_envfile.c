/*
 * The env-file parser against a table of hand-written cases: for accepted
 * files the exact variables (in assignment order, as NAME=VALUE\0 records)
 * and for rejected ones the exact position and message. Every accepted case
 * was checked against `dash -c 'set -a; . ./FILE; env'` with the same base
 * environment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envfile.h"
#include "envfmt.h"
#include "tap.h"

/* The caller's environment for every case. */
static char *base_env[] = {
	"HOME=/home/u", "PATH=/usr/bin:/bin", "FOO=foo", "EMPTY=",
	"SPACED=a  b",	"COLON=x:y",	      NULL,
};

struct bytes {
	const char *p;
	size_t len;
};

#define B(s) ((struct bytes){(s), sizeof(s) - 1})

struct ok_case {
	const char *what;
	struct bytes in;
	struct bytes want; /* NAME=VALUE\0 records */
};

struct bad_case {
	const char *what;
	struct bytes in;
	const char *want; /* "LINE:COL: message" */
};

static const struct ok_case ok_cases[] = {
	{"empty file", B(""), B("")},
	{"only blank lines", B("\n\n  \n\t\n"), B("")},
	{"comment lines", B("# a comment\n  # indented\n"), B("")},
	{"plain", B("A=1\n"), B("A=1\0")},
	{"no trailing newline", B("A=1"), B("A=1\0")},
	{"empty value", B("A=\n"), B("A=\0")},
	{"leading blanks", B("  \tA=1\n"), B("A=1\0")},
	{"export form", B("export A=1\n"), B("A=1\0")},
	{"export several", B("export A=1 B=2\n"), B("A=1\0B=2\0")},
	{"export NAME alone changes nothing", B("export FOO\nexport NEW\n"),
	 B("")},
	{"export NAME mixed", B("export A=1 FOO B=2\n"), B("A=1\0B=2\0")},
	{"several on one line", B("A=1 B=2 C=3\n"), B("A=1\0B=2\0C=3\0")},
	{"tabs between", B("A=1\tB=2\n"), B("A=1\0B=2\0")},
	{"duplicates: last wins, order of last", B("A=1\nB=2\nA=3\n"),
	 B("B=2\0A=3\0")},
	{"name with digits and underscore", B("_a1_B2=x\n"), B("_a1_B2=x\0")},
	{"lower-case name", B("lower=x\n"), B("lower=x\0")},
	{"hash inside a word is literal", B("B=1#x\n"), B("B=1#x\0")},
	{"comment after a word", B("A=1 # note\n"), B("A=1\0")},
	{"comment right after export", B("export A=1 #c\n"), B("A=1\0")},
	{"equals in value", B("A=a=b==c\n"), B("A=a=b==c\0")},
	{"glob characters stay", B("A=*?[a]\n"), B("A=*?[a]\0")},
	{"braces stay", B("A={a,b}\n"), B("A={a,b}\0")},
	{"exclamation stays", B("A=hi!\n"), B("A=hi!\0")},
	{"backslash escapes", B("A=a\\ b\\$c\\\\\n"), B("A=a b$c\\\0")},
	{"escaped quote chars", B("A=\\'\\\"\n"), B("A='\"\0")},
	{"escaped hash at start", B("A=\\#x\n"), B("A=#x\0")},
	{"backslash-newline in a value", B("A=ab\\\ncd\n"), B("A=abcd\0")},
	{"backslash-newline between words", B("A=1 \\\nB=2\n"),
	 B("A=1\0B=2\0")},
	{"backslash-newline inside a name", B("A\\\nB=1\n"), B("AB=1\0")},
	{"backslash-newline inside export", B("exp\\\nort A=1\n"), B("A=1\0")},
	{"escaped backslash before newline", B("A=a\\\\\nB=b\n"),
	 B("A=a\\\0B=b\0")},
	{"backslash at end of file stays", B("A=x\\"), B("A=x\\\0")},
	{"single quotes", B("A='a b $FOO \\ \"'\n"), B("A=a b $FOO \\ \"\0")},
	{"single quotes span lines", B("A='line1\nline2'\nB=2\n"),
	 B("A=line1\nline2\0B=2\0")},
	{"single quotes keep backslash-newline", B("A='a\\\nb'\n"),
	 B("A=a\\\nb\0")},
	{"empty single quotes", B("A=''\n"), B("A=\0")},
	{"adjacent quoting", B("A=a'b'\"c\"d\n"), B("A=abcd\0")},
	{"double quotes", B("A=\"a  b\"\n"), B("A=a  b\0")},
	{"double-quote escapes", B("A=\"\\$ \\` \\\" \\\\\"\n"),
	 B("A=$ ` \" \\\0")},
	{"other backslashes stay in double quotes", B("A=\"\\n\\a\\'\"\n"),
	 B("A=\\n\\a\\'\0")},
	{"double quotes span lines", B("A=\"a\nb\"\n"), B("A=a\nb\0")},
	{"backslash-newline in double quotes", B("A=\"a\\\nb\"\n"),
	 B("A=ab\0")},
	{"single quote inside double quotes", B("A=\"it's\"\n"), B("A=it's\0")},
	{"$NAME from environment", B("A=$FOO\n"), B("A=foo\0")},
	{"${NAME} from environment", B("A=${FOO}bar\n"), B("A=foobar\0")},
	{"$NAME from an earlier line", B("A=1\nB=$A\n"), B("A=1\0B=1\0")},
	{"earlier line shadows environment", B("FOO=mine\nB=$FOO\n"),
	 B("FOO=mine\0B=mine\0")},
	{"unset is empty", B("A=x${NOPE}y$NOPE\n"), B("A=xy\0")},
	{"name ends at non-name char", B("A=$FOO.$FOO-x\n"),
	 B("A=foo.foo-x\0")},
	{"expansion keeps spaces (no splitting)", B("A=$SPACED\n"),
	 B("A=a  b\0")},
	{"expansion in double quotes", B("A=\"<$FOO>\"\n"), B("A=<foo>\0")},
	{"same line sees earlier assignment", B("A=1 B=$A\n"), B("A=1\0B=1\0")},
	{"export expands before assigning", B("export A=1 B=$A\n"),
	 B("A=1\0B=\0")},
	{"self reference", B("PATH=$PATH:/opt\n"),
	 B("PATH=/usr/bin:/bin:/opt\0")},
	{"${NAME:-w} unset", B("A=${NOPE:-dflt}\n"), B("A=dflt\0")},
	{"${NAME:-w} empty", B("A=${EMPTY:-dflt}\n"), B("A=dflt\0")},
	{"${NAME:-w} set", B("A=${FOO:-dflt}\n"), B("A=foo\0")},
	{"${NAME-w} empty stays empty", B("A=${EMPTY-dflt}\n"), B("A=\0")},
	{"${NAME-w} unset", B("A=${NOPE-dflt}\n"), B("A=dflt\0")},
	{"${NAME:+w} set", B("A=${FOO:+alt}\n"), B("A=alt\0")},
	{"${NAME:+w} empty", B("A=${EMPTY:+alt}\n"), B("A=\0")},
	{"${NAME+w} empty", B("A=${EMPTY+alt}\n"), B("A=alt\0")},
	{"${NAME+w} unset", B("A=${NOPE+alt}\n"), B("A=\0")},
	{"default word with spaces and punctuation", B("A=${NOPE:-a b;c|d}\n"),
	 B("A=a b;c|d\0")},
	{"empty default word", B("A=${NOPE:-}\n"), B("A=\0")},
	{"default in double quotes", B("A=\"${NOPE:-x y}\"\n"), B("A=x y\0")},
	{"dollar before a non-name char", B("A=$/ B=a$.b C=$%\n"),
	 B("A=$/\0B=a$.b\0C=$%\0")},
	{"dollar at end of word", B("A=cost$ B=$\n"), B("A=cost$\0B=$\0")},
	{"dollar before double quote", B("A=$\"x\"\n"), B("A=$x\0")},
	{"dollar at end of double quotes", B("A=\"a$\"\n"), B("A=a$\0")},
	{"dollar-single-quote inside double quotes", B("A=\"$'x'\"\n"),
	 B("A=$'x'\0")},
	{"backslash-newline after dollar", B("A=$\\\nFOO\n"), B("A=foo\0")},
	{"tilde alone", B("A=~\n"), B("A=/home/u\0")},
	{"tilde slash", B("A=~/bin\n"), B("A=/home/u/bin\0")},
	{"tilde after colon", B("A=/x:~/b:~\n"), B("A=/x:/home/u/b:/home/u\0")},
	{"tilde not after other chars", B("A=a~ B=a=~\n"), B("A=a~\0B=a=~\0")},
	{"quoted tilde is literal", B("A=\"~\" B='~' C=\\~\n"),
	 B("A=~\0B=~\0C=~\0")},
	{"tilde before quoted text is literal", B("A=~\"x\"\n"), B("A=~x\0")},
	{"tilde after quoted colon is literal", B("A=\"a:\"~\n"), B("A=a:~\0")},
	{"tilde uses HOME from the file", B("HOME=/h\nA=~/x\n"),
	 B("HOME=/h\0A=/h/x\0")},
	{"tilde with empty HOME", B("HOME=\nA=~/x\n"), B("HOME=\0A=/x\0")},
	{"tilde in export", B("export A=~ B=x:~\n"),
	 B("A=/home/u\0B=x:/home/u\0")},
	{"tilde expansion after expansion colon is literal", B("A=${COLON}~\n"),
	 B("A=x:y~\0")},
	{"non-ASCII bytes", B("A=caf\xc3\xa9 B='\xff\xfe'\n"),
	 B("A=caf\xc3\xa9\0B=\xff\xfe\0")},
	{"CR inside single quotes", B("A='a\rb'\n"), B("A=a\rb\0")},
	{"form feed is an ordinary byte", B("A=a\fb\n"), B("A=a\fb\0")},
	{"keywords as values", B("A=if B=then C=export\n"),
	 B("A=if\0B=then\0C=export\0")},
	{"variable named export", B("export=1\n"), B("export=1\0")},
	/* What Aptible writes: Ruby's Shellwords.escape. */
	{"aptible: space", B("A=two\\ words\n"), B("A=two words\0")},
	{"aptible: empty", B("A=''\n"), B("A=\0")},
	{"aptible: newline", B("A=line1'\n'line2\n"), B("A=line1\nline2\0")},
	{"aptible: punctuation",
	 B("A=p\\@ss\\$w0rd\\!\\&\\;\\|\\<\\>\\(\\)\\*\\?\\[\\]\\{\\}\\~"
	   "\\'\\\"\\`\\#\\=\\%\\^\n"),
	 B("A=p@ss$w0rd!&;|<>()*?[]{}~'\"`#=%^\0")},
	{"aptible: url kept as is",
	 B("DATABASE_URL=postgresql://u:p@db.example.com:5432/app\n"),
	 B("DATABASE_URL=postgresql://u:p@db.example.com:5432/app\0")},
	{"aptible: non-ASCII bytes escaped one by one",
	 B("A=caf\\\xc3\\\xa9\n"), B("A=caf\xc3\xa9\0")},
	/* Shellwords.escape writes a CR as backslash-CR; a value ending
	 * with one ends its line with \<CR><LF>, and dash keeps the CR. */
	{"aptible: value ending with a CR", B("A=tok3n\\\r\nB=2\n"),
	 B("A=tok3n\r\0B=2\0")},
	{"aptible: CRs inside and at the end, exported",
	 B("export A=a\\\rb\\\r\n"), B("A=a\rb\r\0")},
	{"aptible: CR before a newline value", B("A=x\\\r'\n'y\\\r\n"),
	 B("A=x\r\ny\r\0")},
	{"backslash-CR-LF inside single quotes", B("A='x\\\r\ny'\n"),
	 B("A=x\\\r\ny\0")},
	{"aptible: multi-line value",
	 B("KEY=-----BEGIN\\ KEY-----'\n'abc'\n'-----END\\ KEY-----\n"),
	 B("KEY=-----BEGIN KEY-----\nabc\n-----END KEY-----\0")},
};

static const struct bad_case bad_cases[] = {
	{"command line", B("echo hi\n"),
	 "1:1: not an assignment: sh would run this line as a command"},
	{"command after good lines", B("A=1\n\n  ls -l\n"),
	 "3:3: not an assignment: sh would run this line as a command"},
	{"space before =", B("A =1\n"),
	 "1:1: not an assignment: sh would run this line as a command"},
	{"quoted name", B("\"A\"=1\n"),
	 "1:1: not an assignment: sh would run this line as a command"},
	{"bad name", B("1A=x\n"),
	 "1:1: not an assignment: sh would run this line as a command"},
	{"keyword", B("if true; then A=1; fi\n"),
	 "1:1: not an assignment: sh would run this line as a command"},
	{"trailing bare word", B("A=a b\n"),
	 "1:5: 'b' would run as a command with the assignments before it"},
	{"assignment then export", B("A=1 export B=2\n"),
	 "1:5: 'export' would run as a command with the assignments before "
	 "it"},
	{"export without names", B("export\n"),
	 "1:1: 'export' without names would print the environment"},
	{"export with comment only", B("export # x\n"),
	 "1:1: 'export' without names would print the environment"},
	{"export option", B("export -p\n"),
	 "1:8: '-p' is not a valid variable name"},
	{"export bad name", B("export A-B=1\n"),
	 "1:8: 'A-B=1' is not a valid variable name"},
	{"command substitution", B("A=$(id)\n"),
	 "1:3: command substitution $(...) would run a command"},
	{"command substitution in double quotes", B("A=\"x$(id)\"\n"),
	 "1:5: command substitution $(...) would run a command"},
	{"backticks", B("A=`id`\n"),
	 "1:3: command substitution `...` would run a command"},
	{"backticks in double quotes", B("A=\"`id`\"\n"),
	 "1:4: command substitution `...` would run a command"},
	{"arithmetic", B("A=$((1+2))\n"),
	 "1:3: arithmetic expansion $((...)) is not evaluated in an env "
	 "file"},
	{"semicolon", B("A=1; B=2\n"),
	 "1:4: unquoted ';' would end the assignment and start a command"},
	{"ampersand", B("A=1&\n"),
	 "1:4: unquoted '&' would run a command in the background or chain "
	 "one with '&&'"},
	{"pipe", B("A=1|cat\n"),
	 "1:4: unquoted '|' would start a pipeline or chain a command with "
	 "'||'"},
	{"redirection <", B("A=<x\n"),
	 "1:3: unquoted '<' is a redirection: sh would open a file"},
	{"redirection >", B("A=1 >x\n"),
	 "1:5: unquoted '>' is a redirection: sh would open a file"},
	{"parenthesis", B("A=(1)\n"),
	 "1:3: unquoted '(' would start or end a subshell"},
	{"closing parenthesis", B("A=1)\n"),
	 "1:4: unquoted ')' would start or end a subshell"},
	{"dollar-single-quote", B("A=$'\\n'\n"),
	 "1:3: $'...' quoting is not POSIX sh: dash keeps the '$' where bash "
	 "decodes escapes"},
	{"positional parameter", B("A=$1\n"),
	 "1:3: special parameter $1 has no meaning in an env file"},
	{"status parameter", B("A=\"$?\"\n"),
	 "1:4: special parameter $? has no meaning in an env file"},
	{"pid parameter", B("A=$$\n"),
	 "1:3: special parameter $$ has no meaning in an env file"},
	{"braced positional", B("A=${1}\n"),
	 "1:3: special parameter $1 has no meaning in an env file"},
	{"braced count", B("A=${#}\n"),
	 "1:3: special parameter $# has no meaning in an env file"},
	{"length form", B("A=${#FOO}\n"), "1:3: unsupported ${...} form"},
	{"assign-default form", B("A=${FOO:=x}\n"),
	 "1:3: unsupported ${...} form"},
	{"error form", B("A=${FOO?x}\n"), "1:3: unsupported ${...} form"},
	{"suffix removal form", B("A=${FOO%o}\n"),
	 "1:3: unsupported ${...} form"},
	{"indirection form", B("A=${!FOO}\n"), "1:3: unsupported ${...} form"},
	{"empty braces", B("A=${}\n"), "1:3: unsupported ${...} form"},
	{"unterminated braces", B("A=${FOO\n"), "1:3: unterminated ${"},
	{"unterminated default", B("A=${FOO:-abc\n"), "1:3: unterminated ${"},
	{"expansion in default word", B("A=${X:-$FOO}\n"),
	 "1:8: only literal text is accepted in ${NAME:-word}, not '$'"},
	{"quotes in default word", B("A=${X+'a'}\n"),
	 "1:7: only literal text is accepted in ${NAME+word}, not '''"},
	{"tilde user", B("A=~root\n"),
	 "1:3: ~user would expand to a home directory from the user "
	 "database"},
	{"tilde user after colon", B("A=/x:~bob/y\n"),
	 "1:6: ~user would expand to a home directory from the user "
	 "database"},
	{"unterminated single quote", B("A=1\nB='abc\nC=2\n"),
	 "2:3: unterminated single quote"},
	{"unterminated double quote", B("A=\"abc\n"),
	 "1:3: unterminated double quote"},
	{"byte-order mark",
	 B("\xef\xbb\xbf"
	   "A=1\n"),
	 "1:1: byte-order mark: sh would read it as part of the first word"},
	{"NUL byte", B("A=1\nB=a\0b\n"),
	 "2:4: NUL byte: sh cannot pass it in a value"},
	{"CRLF file", B("A=1\r\nB=2\r\n"),
	 "1:4: CRLF line ending: sh would keep '\\r' at the end of every "
	 "value"},
	{"escaped backslash, then CRLF", B("A=a\\\\\r\n"),
	 "1:6: CRLF line ending: sh would keep '\\r' at the end of every "
	 "value"},
	{"backslash-CR-LF inside double quotes", B("A=\"a\\\r\nb\"\n"),
	 "1:6: carriage return outside single quotes: sh would keep it in "
	 "the value"},
	{"quoted backslash, then CRLF", B("A='a\\'\r\n"),
	 "1:7: CRLF line ending: sh would keep '\\r' at the end of every "
	 "value"},
	{"lone CR outside quotes", B("A=a\rb\n"),
	 "1:4: carriage return outside single quotes: sh would keep it in "
	 "the value"},
};

/* Parses in and returns the NUL-record output, or the error as
 * "LINE:COL: message". */
static void run_case(const struct bytes *in, struct buf *out, int *ok,
		     struct err *e)
{
	struct vars base, defined;

	vars_init(&base);
	vars_init(&defined);
	vars_from_environ(&base, base_env);
	*ok = envfile_parse("t.env", in->p, in->len, &base, &defined, e) == 0;
	if (*ok)
		envfmt_write(out, ENVFMT_NUL, &defined, NULL, NULL);
	else
		buf_printf(out, "%u:%u: %s", e->line, e->col, e->msg);
	vars_free(&defined);
	vars_free(&base);
}

/* With ENVFILE_CASES_DIR set, the accepted cases are also written there
 * (N.env, N.want) so that tests/integration/cases-vs-dash.sh can check each
 * one against dash. */
static void dump_case(size_t i, const struct ok_case *c)
{
	const char *dir = getenv("ENVFILE_CASES_DIR");
	char path[4096];
	FILE *f;

	if (dir == NULL)
		return;
	snprintf(path, sizeof path, "%s/%03zu.env", dir, i);
	if ((f = fopen(path, "wb")) != NULL) {
		fwrite(c->in.p, 1, c->in.len, f);
		fclose(f);
	}
	snprintf(path, sizeof path, "%s/%03zu.want", dir, i);
	if ((f = fopen(path, "wb")) != NULL) {
		fwrite(c->want.p, 1, c->want.len, f);
		fclose(f);
	}
}

TAP_SUITE(envfile_accepted)
{
	for (size_t i = 0; i < sizeof ok_cases / sizeof ok_cases[0]; i++) {
		const struct ok_case *c = &ok_cases[i];
		struct buf out = {0};
		struct err e = {0};
		int ok;

		dump_case(i, c);
		run_case(&c->in, &out, &ok, &e);
		if (!ok) {
			T_OK(0, "%s: rejected: %s", c->what, out.p);
		} else {
			T_MEM(out.p ? out.p : "", out.len, c->want.p,
			      c->want.len, c->what);
		}
		buf_free(&out);
	}
}

TAP_SUITE(envfile_rejected)
{
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		const struct bad_case *c = &bad_cases[i];
		struct buf out = {0};
		struct err e = {0};
		int ok;

		run_case(&c->in, &out, &ok, &e);
		if (ok) {
			T_OK(0, "%s: accepted", c->what);
		} else {
			T_STR(out.p, c->want, c->what);
			T_OK(e.kind == ERR_CONFIG && e.hint[0] != '\0' &&
				     strcmp(e.file, "t.env") == 0,
			     "%s: config error with file and hint", c->what);
		}
		buf_free(&out);
	}
}

/* Each rejected construct has a message of its own. */
TAP_SUITE(envfile_distinct_messages)
{
	static const char *const one_each[] = {
		"echo hi\n",	  "A=a b\n",  "export\n",   "export -p\n",
		"A=$(id)\n",	  "A=`id`\n", "A=$((1))\n", "A=1;\n",
		"A=1&\n",	  "A=1|x\n",  "A=<x\n",	    "A=(\n",
		"A=$'x'\n",	  "A=$1\n",   "A=${#A}\n",  "A=${\n",
		"A=${X:-$Y}\n",	  "A=~u\n",   "A='\n",	    "A=\"\n",
		"\xef\xbb\xbf\n", "A=\rb\n",  "A=1\r\n",
	};
	size_t n = sizeof one_each / sizeof one_each[0];
	char msgs[sizeof one_each / sizeof one_each[0]][512];
	int distinct = 1;

	for (size_t i = 0; i < n; i++) {
		struct bytes in = {one_each[i], strlen(one_each[i])};
		struct buf out = {0};
		struct err e = {0};
		int ok;

		run_case(&in, &out, &ok, &e);
		/* Quote the message without the character it names. */
		snprintf(msgs[i], sizeof msgs[i], "%.40s", e.msg);
		for (size_t j = 0; j < i; j++)
			if (strcmp(msgs[i], msgs[j]) == 0 &&
			    strcmp(msgs[i], "unquoted '<' is a redirection: "
					    "sh would open a file") != 0)
				distinct = 0;
		buf_free(&out);
	}
	/* A NUL needs its own length. */
	{
		struct bytes in = B("A=\0\n");
		struct buf out = {0};
		struct err e = {0};
		int ok;

		run_case(&in, &out, &ok, &e);
		for (size_t j = 0; j < n; j++)
			if (strncmp(e.msg, msgs[j], 40) == 0)
				distinct = 0;
		buf_free(&out);
	}
	T_OK(distinct, "%zu rejected constructs have distinct messages", n + 1);
}

/* Several files: later files see and override earlier ones. */
TAP_SUITE(envfile_several_files)
{
	struct vars base, defined;
	struct buf out = {0};
	struct err e = {0};
	static const char f1[] = "A=1\nB=$FOO\n";
	static const char f2[] = "C=$A$B\nA=2\n";

	vars_init(&base);
	vars_init(&defined);
	vars_from_environ(&base, base_env);
	T_OK(envfile_parse("one", f1, sizeof f1 - 1, &base, &defined, &e) == 0,
	     "first file");
	T_OK(envfile_parse("two", f2, sizeof f2 - 1, &base, &defined, &e) == 0,
	     "second file");
	envfmt_write(&out, ENVFMT_NUL, &defined, NULL, NULL);
	T_MEM(out.p, out.len, "B=foo\0C=1foo\0A=2\0", 17,
	      "second file sees the first, order of last assignment");
	T_STR(vars_get(&defined, "A", 1)->file, "two", "origin file");
	T_INT(vars_get(&defined, "C", 1)->line, 1, "origin line");
	buf_free(&out);
	vars_free(&defined);
	vars_free(&base);
}

/* Origin lines are the line each assignment starts on. */
TAP_SUITE(envfile_origin_lines)
{
	struct vars defined;
	struct err e = {0};
	static const char f[] = "\n# c\nA='x\ny'\nB=1 \\\n C=2\n";

	vars_init(&defined);
	T_OK(envfile_parse("f", f, sizeof f - 1, NULL, &defined, &e) == 0,
	     "parses");
	T_INT(vars_get(&defined, "A", 1)->line, 3, "A on line 3");
	T_INT(vars_get(&defined, "B", 1)->line, 5, "B on line 5");
	T_INT(vars_get(&defined, "C", 1)->line, 6, "C on line 6");
	vars_free(&defined);
}

/* A 1 MiB value, in each quoting style. */
TAP_SUITE(envfile_long_values)
{
	size_t n = 1u << 20;
	static const char *const wraps[][2] = {
		{"A=", "\n"}, {"A='", "'\n"}, {"A=\"", "\"\n"}};

	for (size_t w = 0; w < 3; w++) {
		struct buf in = {0};
		struct vars defined;
		struct err e = {0};
		const struct var *v;
		char *body = malloc(n);

		for (size_t i = 0; i < n; i++)
			body[i] = (char)('a' + i % 26);
		buf_adds(&in, wraps[w][0]);
		buf_add(&in, body, n);
		buf_adds(&in, wraps[w][1]);
		vars_init(&defined);
		T_OK(envfile_parse("big", in.p, in.len, NULL, &defined, &e) ==
			     0,
		     "1 MiB value parses (%s...)", wraps[w][0]);
		v = vars_get(&defined, "A", 1);
		T_OK(v != NULL && v->len == n && memcmp(v->value, body, n) == 0,
		     "1 MiB value intact (%s...)", wraps[w][0]);
		vars_free(&defined);
		buf_free(&in);
		free(body);
	}
}

/* The sh format reads back to the same values, including quotes, CR-LF
 * pairs and bytes that are not UTF-8. */
TAP_SUITE(envfmt_sh_round_trip)
{
	static const char *const values[] = {
		"",
		"plain",
		"two words",
		"it's",
		"'",
		"''",
		"a\nb",
		"a\r\nb",
		"\r\n",
		"$FOO `x` $(y) \\ \"",
		"~",
		"~/x",
		"#hash",
		"\xff\xfe\x80",
		"caf\xc3\xa9",
		"*",
		"a=b",
		"-x",
	};
	struct vars in, back;
	struct buf out = {0};
	struct err e = {0};
	char name[16];

	vars_init(&in);
	vars_init(&back);
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		snprintf(name, sizeof name, "V%zu", i);
		vars_set(&in, name, strlen(name), values[i], strlen(values[i]),
			 NULL, 0);
	}
	envfmt_write(&out, ENVFMT_SH, &in, NULL, NULL);
	T_OK(envfile_parse("sh", out.p, out.len, NULL, &back, &e) == 0,
	     "sh output parses: %s", e.msg);
	for (size_t i = 0; i < in.n; i++) {
		const struct var *v = &in.v[i];
		const struct var *w = vars_get(&back, v->name, strlen(v->name));

		T_OK(w != NULL && w->len == v->len &&
			     memcmp(w->value, v->value, v->len) == 0,
		     "round trip of %s", v->name);
	}
	buf_free(&out);
	vars_free(&in);
	vars_free(&back);
}

static int mask_secret(const struct var *v, void *arg)
{
	(void)arg;
	return strstr(v->name, "SECRET") != NULL;
}

TAP_SUITE(envfmt_formats)
{
	struct vars vs;
	struct buf out = {0};

	vars_init(&vs);
	vars_set(&vs, "A", 1, "x\"y\n\t\\", 6, NULL, 0);
	vars_set(&vs, "MY_SECRET", 9, "hunter22", 8, NULL, 0);
	vars_set(&vs, "U", 1, "caf\xc3\xa9\xff", 6, NULL, 0);
	envfmt_write(&out, ENVFMT_JSON, &vs, mask_secret, NULL);
	T_STR(out.p,
	      "{\n  \"A\": \"x\\\"y\\n\\t\\\\\",\n  \"MY_SECRET\": \"***\",\n"
	      "  \"U\": \"caf\xc3\xa9\\u00ff\"\n}\n",
	      "json with escapes, masking and a non-UTF-8 byte");
	buf_reset(&out);
	envfmt_write(&out, ENVFMT_SH, &vs, mask_secret, NULL);
	T_STR(out.p,
	      "export A='x\"y\n\t\\'\nexport MY_SECRET='***'\n"
	      "export U='caf\xc3\xa9\xff'\n",
	      "sh with masking");
	buf_free(&out);
	vars_free(&vs);

	vars_init(&vs);
	envfmt_write(&out, ENVFMT_JSON, &vs, NULL, NULL);
	T_STR(out.p, "{}\n", "empty json object");
	buf_free(&out);
	vars_free(&vs);
}

/* `A=$A$A` doubles a value per line: a small file must not be able to ask
 * for gigabytes. */
TAP_SUITE(envfile_value_cap)
{
	struct buf in = {0};
	struct vars defined;
	struct err e = {0};

	buf_adds(&in, "A=0123456789abcdef\n");
	for (int i = 0; i < 40; i++)
		buf_adds(&in, "A=$A$A\n");
	vars_init(&defined);
	T_OK(envfile_parse("grow", in.p, in.len, NULL, &defined, &e) < 0,
	     "a doubling file is refused");
	T_STR(e.msg, "value longer than 16 MiB after expansion",
	      "with its own message");
	T_INT(e.line, 22, "at the line that passes 16 MiB");
	T_INT(e.col, 3, "at the value");
	vars_free(&defined);
	buf_free(&in);
}
