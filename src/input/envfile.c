/*
 * The env-file parser. It follows dash's lexer and expander closely enough
 * that every file it accepts yields what `set -a; . FILE` would export, and
 * it rejects, with a message of its own per construct, everything that
 * would run a command, depend on the shell's positional state or the user
 * database, or differ between shells. The reader works on the raw bytes;
 * backslash-newline pairs are removed wherever dash removes them (outside
 * single quotes and comments, and not right after an escaping backslash),
 * which is what peek() does.
 */
#include "envfile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "io.h"
#include "vec.h"

#define END (-1)
/* A value longer than this after expansion is refused: `A=$A$A` doubles
 * a value per line, so a file of a few hundred bytes could otherwise ask
 * for gigabytes (found by fuzzing). Linux passes no environment string
 * over 128 KiB to execve anyway (MAX_ARG_STRLEN); the cap leaves room for
 * values cleanroom only checks for, never passes. */
#define VALUE_MAX (16u << 20)
/* A larger env file is certainly a mistake; refuse rather than exhaust
 * memory. */
#define ENVFILE_MAX (256u << 20)

struct pending {
	char *name;
	char *value;
	size_t vlen;
	unsigned line;
};

struct parser {
	const char *name;
	const unsigned char *s;
	size_t len, pos;
	const struct vars *base;
	struct vars *defined;
	struct err *e;
	struct buf val;	      /* value being built */
	struct buf word;      /* name being scanned */
	struct buf lhs;	      /* name being assigned */
	struct pending *pend; /* an `export` line's assignments */
	size_t npend, cappend;
	size_t line_off; /* line_of() cache: offset and its line number */
	unsigned line_no;
};

/* The line number of offset off. Offsets asked for only grow during a
 * parse (assignment starts), so counting from the last answer is linear
 * over the whole file; an earlier offset restarts from the top. */
static unsigned line_of(struct parser *p, size_t off)
{
	if (off < p->line_off) {
		p->line_off = 0;
		p->line_no = 1;
	}
	while (p->line_off < off) {
		const unsigned char *nl =
			memchr(p->s + p->line_off, '\n', off - p->line_off);

		if (nl == NULL) {
			p->line_off = off;
			break;
		}
		p->line_no++;
		p->line_off = (size_t)(nl - p->s) + 1;
	}
	return p->line_no;
}

static unsigned col_of(const struct parser *p, size_t off)
{
	size_t start = off;

	while (start > 0 && p->s[start - 1] != '\n')
		start--;
	return (unsigned)(off - start + 1);
}

/* Fills the error for offset off; returns -1. */
static int fail_at(struct parser *p, size_t off, const char *hint,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail_at(struct parser *p, size_t off, const char *hint,
		   const char *fmt, ...)
{
	char msg[sizeof p->e->msg];
	va_list ap;

	if (p->e == NULL)
		return -1;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	err_set(p->e, ERR_CONFIG, p->name, line_of(p, off), col_of(p, off),
		"%s", msg);
	if (hint != NULL)
		err_hint(p->e, "%s", hint);
	return -1;
}

static int nomem(struct parser *p)
{
	return err_sys(p->e, ENOMEM, "%s", p->name);
}

/* The byte at the read position after removing backslash-newline pairs,
 * or END. */
static int peek(struct parser *p)
{
	while (p->pos + 1 < p->len && p->s[p->pos] == '\\' &&
	       p->s[p->pos + 1] == '\n')
		p->pos += 2;
	return p->pos < p->len ? p->s[p->pos] : END;
}

static int is_blank(int c)
{
	return c == ' ' || c == '\t';
}

static int is_meta(int c)
{
	return c == ';' || c == '&' || c == '|' || c == '<' || c == '>' ||
	       c == '(' || c == ')';
}

/* Ends a word: blank, newline, end of file or an operator character. */
static int is_delim(int c)
{
	return c == END || c == '\n' || is_blank(c) || is_meta(c);
}

static int is_name_start(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int is_name_char(int c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

static int is_special(int c)
{
	return (c >= '0' && c <= '9') || c == '@' || c == '*' || c == '#' ||
	       c == '?' || c == '-' || c == '$' || c == '!';
}

/* Appends the run of bytes at the read position that in_run accepts (the
 * first is already known to qualify) to b in one copy: per-byte appends
 * dominated the parse of large files. */
static int take_run(struct parser *p, int (*in_run)(int), struct buf *b)
{
	size_t end = p->pos + 1;

	while (end < p->len && in_run(p->s[end]))
		end++;
	if (buf_add(b, p->s + p->pos, end - p->pos) < 0)
		return nomem(p);
	p->pos = end;
	return 0;
}

/* Scans a name at the read position into p->word (possibly empty); peek()
 * between runs joins a name split by backslash-newline. */
static int scan_name(struct parser *p)
{
	buf_reset(&p->word);
	if (!is_name_start(peek(p)))
		return 0;
	while (is_name_char(peek(p)))
		if (take_run(p, is_name_char, &p->word) < 0)
			return -1;
	return 0;
}

/* A variable's value for expansion: earlier assignments first, then the
 * caller's environment. NULL when unset. */
static const struct var *lookup(const struct parser *p, const char *name,
				size_t nlen)
{
	const struct var *v = vars_get(p->defined, name, nlen);

	return v != NULL ? v : vars_get(p->base, name, nlen);
}

static int reject_meta(struct parser *p, int c)
{
	static const char quote_hint[] =
		"quote the value if the character belongs to it: "
		"NAME='a;b' or NAME=a\\;b";

	switch (c) {
	case ';':
		return fail_at(p, p->pos, quote_hint,
			       "unquoted ';' would end the assignment and "
			       "start a command");
	case '&':
		return fail_at(p, p->pos, quote_hint,
			       "unquoted '&' would run a command in the "
			       "background or chain one with '&&'");
	case '|':
		return fail_at(p, p->pos, quote_hint,
			       "unquoted '|' would start a pipeline or "
			       "chain a command with '||'");
	case '<':
	case '>':
		return fail_at(p, p->pos, quote_hint,
			       "unquoted '%c' is a redirection: sh would "
			       "open a file",
			       c);
	default:
		return fail_at(p, p->pos, quote_hint,
			       "unquoted '%c' would start or end a "
			       "subshell",
			       c);
	}
}

/* A carriage return is kept only inside single quotes, where it can only
 * be meant (and where cleanroom's own sh output puts one); anywhere else it
 * is the sign of a file edited on Windows. */
static int reject_cr(struct parser *p)
{
	return fail_at(p, p->pos,
		       "convert the file to LF line endings "
		       "(dos2unix, or sed -i 's/\\r$//')",
		       "carriage return outside single quotes: sh would keep "
		       "it in the value");
}

static int reject_backtick(struct parser *p)
{
	return fail_at(p, p->pos,
		       "write the value itself; cleanroom never runs "
		       "commands",
		       "command substitution `...` would run a command");
}

/* Copies the rest of the word at off (up to a blank or newline, at most 40
 * bytes, unprintable bytes as '?') for a message. */
static void word_excerpt(const struct parser *p, size_t off, char *out,
			 size_t size)
{
	size_t n = 0;

	while (off < p->len && n + 4 < size && n < 40) {
		unsigned char c = p->s[off++];

		if (c == '\n' || is_blank(c))
			break;
		if (c < 0x20 || c == 0x7f)
			out[n++] = '?';
		else
			out[n++] = (char)c;
	}
	if (off < p->len && n >= 40 && !is_blank(p->s[off]) &&
	    p->s[off] != '\n') {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}

static int unterminated_brace(struct parser *p, size_t off)
{
	return fail_at(p, off, "close it with '}'", "unterminated ${");
}

/* ${NAME op word}: the word must be literal text. The read position is just
 * after the operator; on return it is after the closing brace. */
static int braced_word(struct parser *p, size_t open, const char *op,
		       struct buf *w)
{
	for (;;) {
		int c = peek(p);

		switch (c) {
		case END: return unterminated_brace(p, open);
		case '}': p->pos++; return 0;
		case '$':
		case '`':
		case '\'':
		case '"':
		case '\\':
		case '{':
		case '~':
		case '\r':
			return fail_at(p, p->pos,
				       "write the default as plain text, or "
				       "assign it on a line of its own",
				       "only literal text is accepted in "
				       "${NAME%sword}, not '%c'",
				       op, c);
		default:
			if (buf_addc(w, (char)c) < 0)
				return nomem(p);
			p->pos++;
		}
	}
}

static int reject_special(struct parser *p, size_t off, int c)
{
	return fail_at(p, off,
		       "an env file is not a script: it has no arguments, "
		       "status or process ids",
		       "special parameter $%c has no meaning in an env file",
		       c);
}

static int reject_brace_form(struct parser *p, size_t off)
{
	return fail_at(p, off,
		       "accepted: ${NAME} ${NAME:-word} ${NAME-word} "
		       "${NAME:+word} ${NAME+word}",
		       "unsupported ${...} form");
}

/* ${...} at p->pos (the '{'); dollar is the offset of the '$'. */
static int braced(struct parser *p, size_t dollar)
{
	const struct var *v;
	struct buf w = {0};
	char op[3] = {0};
	int c, set, use_word, rc = -1;

	p->pos++;
	c = peek(p);
	if (c == END || c == '\n')
		return unterminated_brace(p, dollar);
	if (c >= '0' && c <= '9')
		return reject_special(p, dollar, c);
	if (is_special(c)) {
		/* ${#} and ${!} are parameters; ${#NAME} and ${!NAME}
		 * are forms (length, bash's indirection). */
		p->pos++;
		if (peek(p) == '}')
			return reject_special(p, dollar, c);
		return reject_brace_form(p, dollar);
	}
	if (!is_name_start(c))
		return reject_brace_form(p, dollar);
	if (scan_name(p) < 0)
		return -1;
	c = peek(p);
	if (c == '}') {
		p->pos++;
		v = lookup(p, p->word.p, p->word.len);
		if (v != NULL && buf_add(&p->val, v->value, v->len) < 0)
			return nomem(p);
		return 0;
	}
	if (c == ':') {
		op[0] = ':';
		p->pos++;
		c = peek(p);
	}
	if (c == END || c == '\n')
		return unterminated_brace(p, dollar);
	if (c != '-' && c != '+')
		return reject_brace_form(p, dollar);
	op[op[0] ? 1 : 0] = (char)c;
	p->pos++;
	/* The name is in p->word; braced_word must not disturb it. */
	v = lookup(p, p->word.p, p->word.len);
	if (braced_word(p, dollar, op, &w) < 0)
		goto out;
	set = v != NULL;
	if (op[0] == ':')
		set = set && v->len > 0;
	use_word = (c == '-') ? !set : set;
	if (use_word) {
		if (w.len > 0 && buf_add(&p->val, w.p, w.len) < 0)
			goto oom;
	} else if (c == '-' && v != NULL) {
		if (buf_add(&p->val, v->value, v->len) < 0)
			goto oom;
	}
	rc = 0;
	goto out;
oom:
	nomem(p);
out:
	buf_free(&w);
	return rc;
}

/* A '$' at p->pos. quoted: inside double quotes. */
static int dollar(struct parser *p, int quoted)
{
	size_t at = p->pos;
	const struct var *v;
	int c;

	p->pos++;
	c = peek(p);
	if (c == '{')
		return braced(p, at);
	if (c == '(') {
		p->pos++;
		if (peek(p) == '(')
			return fail_at(p, at, "write the number itself",
				       "arithmetic expansion $((...)) is not "
				       "evaluated in an env file");
		return fail_at(p, at,
			       "write the value itself; cleanroom never runs "
			       "commands",
			       "command substitution $(...) would run a "
			       "command");
	}
	if (is_name_start(c)) {
		if (scan_name(p) < 0)
			return -1;
		v = lookup(p, p->word.p, p->word.len);
		if (v != NULL && buf_add(&p->val, v->value, v->len) < 0)
			return nomem(p);
		return 0;
	}
	if (is_special(c))
		return reject_special(p, at, c);
	if (c == '\'' && !quoted)
		return fail_at(p, at, "use '...' or backslash escapes instead",
			       "$'...' quoting is not POSIX sh: dash keeps "
			       "the '$' where bash decodes escapes");
	/* Anything else: the '$' is literal and the byte after it is read
	 * normally. */
	if (buf_addc(&p->val, '$') < 0)
		return nomem(p);
	return 0;
}

static int single_quoted(struct parser *p)
{
	size_t open = p->pos;
	const unsigned char *close =
		memchr(p->s + open + 1, '\'', p->len - open - 1);

	if (close == NULL)
		return fail_at(p, open, "the quote opened here is never closed",
			       "unterminated single quote");
	if (buf_add(&p->val, p->s + open + 1,
		    (size_t)(close - p->s) - open - 1) < 0)
		return nomem(p);
	p->pos = (size_t)(close - p->s) + 1;
	return 0;
}

static int double_quoted(struct parser *p)
{
	size_t open = p->pos;
	int c;

	p->pos++;
	for (;;) {
		c = peek(p);
		switch (c) {
		case END:
			return fail_at(p, open,
				       "the quote opened here is never closed",
				       "unterminated double quote");
		case '"': p->pos++; return 0;
		case '\r': return reject_cr(p);
		case '`': return reject_backtick(p);
		case '$':
			if (dollar(p, 1) < 0)
				return -1;
			continue;
		case '\\':
			/* Only \$ \` \" \\ are escapes inside double quotes
			 * (backslash-newline was removed by peek); any
			 * other backslash stays. */
			if (p->pos + 1 < p->len &&
			    strchr("$`\"\\", p->s[p->pos + 1]) != NULL) {
				if (buf_addc(&p->val, (char)p->s[p->pos + 1]) <
				    0)
					return nomem(p);
				p->pos += 2;
				continue;
			}
			break;
		}
		if (buf_addc(&p->val, (char)c) < 0)
			return nomem(p);
		p->pos++;
	}
}

/* A '~' at p->pos where a tilde prefix may start (start of the value or
 * after an unquoted ':'). */
static int tilde(struct parser *p)
{
	size_t at = p->pos;
	const struct var *home;
	int c;

	p->pos++;
	c = peek(p);
	if (c == '/' || c == ':' || is_delim(c)) {
		/* dash expands an empty prefix to $HOME (even an empty one)
		 * and leaves the '~' when HOME is unset. */
		home = lookup(p, "HOME", 4);
		if (home == NULL)
			return buf_addc(&p->val, '~') < 0 ? nomem(p) : 0;
		return buf_add(&p->val, home->value, home->len) < 0 ? nomem(p)
								    : 0;
	}
	if (c == '\\' || c == '\'' || c == '"' || c == '$' || c == '`') {
		/* A quoted or expanded prefix is never a user name in dash:
		 * the '~' stays literal. */
		return buf_addc(&p->val, '~') < 0 ? nomem(p) : 0;
	}
	return fail_at(p, at, "write the directory itself, or use ~/ for $HOME",
		       "~user would expand to a home directory from the "
		       "user database");
}

/* Bytes that stand for themselves in an unquoted value: everything but
 * blanks, newline, quotes, backslash, '$', '`', operators, ':' and '~'
 * (tilde rules) and CR. */
static int is_plain(int c)
{
	switch (c) {
	case ' ':
	case '\t':
	case '\n':
	case '\r':
	case '\\':
	case '\'':
	case '"':
	case '$':
	case '`':
	case ';':
	case '&':
	case '|':
	case '<':
	case '>':
	case '(':
	case ')':
	case ':':
	case '~':
	case '\0': return 0;
	default: return 1;
	}
}

/* The value after NAME= up to the end of the word, into p->val. */
static int value(struct parser *p)
{
	size_t start = p->pos;
	int tilde_ok = 1;

	buf_reset(&p->val);
	for (;;) {
		int c = peek(p);

		/* Each step adds at most one capped value, so checking once
		 * per step bounds the buffer at twice the cap. */
		if (p->val.len > VALUE_MAX)
			return fail_at(p, start,
				       "a value may not exceed 16 MiB; "
				       "nothing could pass it to a program",
				       "value longer than 16 MiB after "
				       "expansion");

		if (c != END && is_plain((unsigned char)c)) {
			if (take_run(p, is_plain, &p->val) < 0)
				return -1;
			tilde_ok = 0;
			continue;
		}

		if (c == '~' && tilde_ok) {
			if (tilde(p) < 0)
				return -1;
			tilde_ok = 0;
			continue;
		}
		tilde_ok = 0;
		switch (c) {
		case END:
		case ' ':
		case '\t':
		case '\n': return 0;
		case ';':
		case '&':
		case '|':
		case '<':
		case '>':
		case '(':
		case ')': return reject_meta(p, c);
		case '\r': return reject_cr(p);
		case '`': return reject_backtick(p);
		case '\'':
			if (single_quoted(p) < 0)
				return -1;
			continue;
		case '"':
			if (double_quoted(p) < 0)
				return -1;
			continue;
		case '$':
			if (dollar(p, 0) < 0)
				return -1;
			continue;
		case '\\':
			/* An escaped byte is itself; a backslash at the end
			 * of the file stays (dash keeps it too). */
			if (p->pos + 1 < p->len)
				p->pos++;
			c = p->s[p->pos];
			break;
		case ':': tilde_ok = 1; break;
		}
		if (buf_addc(&p->val, (char)c) < 0)
			return nomem(p);
		p->pos++;
	}
}

/* If the next word is exactly `export`, consumes it and returns 1. */
static int export_word(struct parser *p)
{
	static const char kw[] = "export";
	size_t save = p->pos;

	for (const char *k = kw; *k != '\0'; k++) {
		if (peek(p) != (unsigned char)*k) {
			p->pos = save;
			return 0;
		}
		p->pos++;
	}
	if (!is_delim(peek(p))) {
		p->pos = save;
		return 0;
	}
	return 1;
}

static void skip_blanks(struct parser *p)
{
	while (is_blank(peek(p)))
		p->pos++;
}

/* A comment runs to the end of the line; backslashes in it are plain. */
static void skip_comment(struct parser *p)
{
	const unsigned char *nl = memchr(p->s + p->pos, '\n', p->len - p->pos);

	p->pos = nl ? (size_t)(nl - p->s) : p->len;
}

static void pending_clear(struct parser *p)
{
	for (size_t i = 0; i < p->npend; i++) {
		free(p->pend[i].name);
		explicit_bzero(p->pend[i].value, p->pend[i].vlen);
		free(p->pend[i].value);
	}
	p->npend = 0;
}

static int pending_add(struct parser *p, unsigned line)
{
	struct pending *pe;

	if (vec_grow((void **)&p->pend, &p->cappend, p->npend + 1,
		     sizeof *p->pend) < 0)
		return nomem(p);
	pe = &p->pend[p->npend];
	pe->name = strdup(p->lhs.p);
	pe->value = malloc(p->val.len + 1);
	if (pe->name == NULL || pe->value == NULL) {
		free(pe->name);
		free(pe->value);
		return nomem(p);
	}
	memcpy(pe->value, p->val.p ? p->val.p : "", p->val.len + 1);
	pe->vlen = p->val.len;
	pe->line = line;
	p->npend++;
	return 0;
}

static int assign(struct parser *p, const char *name, size_t nlen,
		  const char *val, size_t vlen, unsigned line)
{
	if (vars_set(p->defined, name, nlen, val ? val : "", vlen, p->name,
		     line) < 0)
		return nomem(p);
	return 0;
}

/* One simple command: assignments, or `export` and its arguments. */
static int command(struct parser *p)
{
	size_t line_start = p->pos;
	int export = export_word(p);
	size_t nwords = 0;

	for (;; nwords++) {
		size_t start;
		unsigned line;
		int c;

		skip_blanks(p);
		c = peek(p);
		if (c == END || c == '\n')
			break;
		if (c == '#') {
			skip_comment(p);
			break;
		}
		if (is_meta(c))
			return reject_meta(p, c);
		if (c == '\r')
			return reject_cr(p);
		start = p->pos;
		if (scan_name(p) < 0)
			return -1;
		if (p->word.len > 0 && peek(p) == '=') {
			p->pos++;
			line = line_of(p, start);
			/* value() scans the names it expands into word. */
			buf_reset(&p->lhs);
			if (buf_add(&p->lhs, p->word.p, p->word.len) < 0)
				return nomem(p);
			if (value(p) < 0)
				return -1;
			/* `export` expands all its arguments before it
			 * assigns any; plain assignments take effect one by
			 * one (dash). */
			if (export ? pending_add(p, line)
				   : assign(p, p->lhs.p, p->lhs.len, p->val.p,
					    p->val.len, line))
				return -1;
			continue;
		}
		if (export && p->word.len > 0 && is_delim(peek(p)))
			continue; /* `export NAME`: already exported */
		char w[64];

		word_excerpt(p, start, w, sizeof w);
		if (export)
			return fail_at(p, start,
				       "export takes NAME or NAME=VALUE",
				       "'%s' is not a valid variable name", w);
		if (nwords > 0)
			return fail_at(p, start,
				       "quote the value if the space belongs "
				       "to it: NAME='a b'",
				       "'%s' would run as a command with the "
				       "assignments before it",
				       w);
		return fail_at(p, line_start,
			       "an env file may hold only NAME=VALUE lines, "
			       "optionally after 'export'",
			       "not an assignment: sh would run this line as "
			       "a command");
	}
	if (export && nwords == 0)
		return fail_at(p, line_start, "name the variables to export",
			       "'export' without names would print the "
			       "environment");
	for (size_t i = 0; i < p->npend; i++) {
		struct pending *pe = &p->pend[i];

		if (assign(p, pe->name, strlen(pe->name), pe->value, pe->vlen,
			   pe->line) < 0)
			return -1;
	}
	pending_clear(p);
	return 0;
}

/* Whether the byte at off follows an odd run of backslashes. */
static int escaped(const unsigned char *s, size_t off)
{
	size_t n = 0;

	while (n < off && s[off - n - 1] == '\\')
		n++;
	return n % 2 == 1;
}

/* Bytes that no accepted file contains, found before parsing so that the
 * message names them rather than a confusing consequence. */
static int check_bytes(struct parser *p)
{
	const unsigned char *nul = memchr(p->s, '\0', p->len);
	const unsigned char *cr = p->s;

	/* The first CR that ends a line, if any: a CRLF file. A CR after an
	 * odd run of backslashes is escaped, not a line ending: Aptible
	 * writes values with Ruby's Shellwords.escape, which writes a CR as
	 * backslash-CR, so a value that ends with a CR (a token pasted with a
	 * Windows line ending) ends its line with \<CR><LF>, and dash reads
	 * the CR as the value's last byte. Such a CR is left to the parser,
	 * which takes it where dash does (unquoted, or inside single quotes)
	 * and rejects it anywhere else (inside double quotes a backslash does
	 * not escape a CR). */
	while ((cr = memchr(cr, '\r', p->len - (size_t)(cr - p->s))) != NULL &&
	       ((size_t)(cr - p->s) + 1 >= p->len || cr[1] != '\n' ||
		escaped(p->s, (size_t)(cr - p->s))))
		cr++;

	if (p->len >= 3 && memcmp(p->s, "\xef\xbb\xbf", 3) == 0)
		return fail_at(p, 0, "save the file as UTF-8 without a BOM",
			       "byte-order mark: sh would read it as part of "
			       "the first word");
	if (cr != NULL && (nul == NULL || cr < nul))
		return fail_at(p, (size_t)(cr - p->s),
			       "convert the file to LF line endings "
			       "(dos2unix, or sed -i 's/\\r$//')",
			       "CRLF line ending: sh would keep '\\r' at the "
			       "end of every value");
	if (nul != NULL)
		return fail_at(p, (size_t)(nul - p->s),
			       "an env file is text; is this the right file?",
			       "NUL byte: sh cannot pass it in a value");
	return 0;
}

int envfile_parse(const char *name, const char *buf, size_t len,
		  const struct vars *base, struct vars *defined, struct err *e)
{
	struct parser p = {
		.name = name,
		.s = (const unsigned char *)buf,
		.len = len,
		.base = base,
		.defined = defined,
		.e = e,
		.line_no = 1,
	};
	int rc = -1;

	if (check_bytes(&p) < 0)
		return -1;
	for (;;) {
		int c;

		skip_blanks(&p);
		c = peek(&p);
		if (c == END)
			break;
		if (c == '\n') {
			p.pos++;
			continue;
		}
		if (c == '#') {
			skip_comment(&p);
			continue;
		}
		if (command(&p) < 0)
			goto out;
	}
	rc = 0;
out:
	pending_clear(&p);
	free(p.pend);
	buf_free(&p.val);
	buf_free(&p.word);
	buf_free(&p.lhs);
	return rc;
}

int envfile_load(const char *path, const struct vars *base,
		 struct vars *defined, struct err *e)
{
	struct buf data = {0};
	int rc;

	if (io_read_file(path, ENVFILE_MAX, &data) < 0) {
		int saved = errno;

		buf_free(&data);
		if (saved == ENOMEM)
			return err_sys(e, saved, "%s", path);
		err_set(e, ERR_CONFIG, path, 0, 0, "cannot read env file: %s",
			saved == EFBIG ? "larger than 256 MiB"
				       : strerror(saved));
		if (saved == ENOENT)
			err_hint(e, "check the path given with --env or "
				    "env.files");
		return -1;
	}
	rc = envfile_parse(path, data.p ? data.p : "", data.len, base, defined,
			   e);
	buf_free(&data);
	return rc;
}
