/*
 * gen.c: the random env-file generator of the differential test.
 *
 * Every file is derived from (seed, index) alone, so any file can be made
 * again from the two numbers a failure report prints. Most files use only
 * the constructs DESIGN.md "Env-file grammar" accepts; for those the
 * generator also keeps a model of what `set -a; . FILE` assigns (the
 * expected NAME=VALUE records in the order of each name's last
 * assignment), which lets the runner check the generator itself against
 * dash (run -D) and check cleanroom's record order. About one file in ten
 * carries exactly one construct the design rejects, labelled with the
 * reason and the line it is on. About one in twenty carries one construct
 * the design leaves open, and one in twenty-five is random text from the
 * shell's special characters ("edge": cleanroom may refuse either with a
 * message, but must not accept it with another value than dash). Some
 * accepted files come with a second file read after the first, some run
 * with a second base environment that has no HOME, and a few are large.
 *
 * Built alone (`cc gen.c -o gen`) it writes files for inspection:
 *   gen SEED N OUTDIR     OUTDIR/NNNNN.env (.env2), .meta, and .expect when
 *                         modelled
 *   gen SEED -i INDEX     that one file on stdout, its label on stderr
 * The runner (run.c) includes this file with GEN_LIBRARY defined, so the
 * two programs can never disagree about what a seed means.
 */
#ifndef GEN_LIBRARY
#define _POSIX_C_SOURCE 200809L
#endif

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum gen_kind { GEN_ACCEPT, GEN_REJECT, GEN_EDGE };

/* One generated file. All buffers are owned by the struct; gen_file_free
 * releases them. */
struct gen_file {
	char *data; /* the env file */
	size_t len;
	char *data2; /* a second file read after it, or NULL */
	size_t len2;
	char *expect; /* GEN_ACCEPT: NAME=VALUE\0 records, last-assignment
			 order; NULL otherwise */
	size_t elen;
	enum gen_kind kind;
	char reason[64];   /* why rejected / which edge; "" when accepted */
	char snippet[256]; /* the rejected or edge line as written */
	unsigned line;	   /* GEN_REJECT: 1-based line of the construct */
	int base;	   /* which gen_bases[] environment to run with */
	int soup;	   /* GEN_EDGE of random text: dash may fail on it */
};

/* The environments both programs run with, apart from PATH (the runner
 * adds its own). Names outside a list are unset unless a file assigns
 * them. Most files run with the first; the second has no HOME (a tilde
 * then stays as it is) and other values for the same names. */
static const char *const gen_base_main[] = {
	"HOME=/home/u",		 "LANG=C",    "FOO=foo",
	"BAR=two  words",	 "EMPTY=",    "STAR=*",
	"SPECIAL=a'b\"c\\d$e`f", "COLON=x:y", "HIGH=\xc3\xa9\x81",
	"NL=line1\nline2",	 "TILDE=~/x", NULL,
};

static const char *const gen_base_alt[] = {
	"LANG=C.UTF-8",	   "FOO=",    "BAR=x",
	"EMPTY=not empty", "STAR=**", "U=set here",
	"COLON=:",	   "NL=\n",   NULL,
};

#define GEN_NBASES 2
static const char *const *const gen_bases[GEN_NBASES] = {gen_base_main,
							 gen_base_alt};

/* Commands a rejected file may name. The runner installs a spy executable
 * under each name in a PATH of its own, so dash running one is visible. */
static const char *const gen_spy_names[] = {
	"spy", "make", "bundle", "run", "npm", "ls", "rake", NULL,
};

/* ---- random numbers (splitmix64) ---- */

struct rng {
	uint64_t s;
};

static uint64_t rng_u64(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned rng_below(struct rng *r, unsigned n)
{
	return (unsigned)(rng_u64(r) % n);
}

static int rng_pct(struct rng *r, unsigned percent)
{
	return rng_below(r, 100) < percent;
}

static const char *rng_pick(struct rng *r, const char *const *list)
{
	size_t n = 0;
	while (list[n])
		n++;
	return list[rng_below(r, (unsigned)n)];
}

/* ---- growable byte strings ---- */

struct sbuf {
	char *p;
	size_t len, cap;
};

static void gen_oom(void)
{
	fputs("gen: out of memory\n", stderr);
	exit(2);
}

static void sb_putn(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p)
			gen_oom();
		b->p = p;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_putc(struct sbuf *b, char c)
{
	sb_putn(b, &c, 1);
}

static void sb_puts(struct sbuf *b, const char *s)
{
	sb_putn(b, s, strlen(s));
}

/* ---- the model: what dash will have assigned ---- */

struct mvar {
	char *name;
	struct sbuf val;
	unsigned long seq;
};

struct model {
	struct mvar *v;
	size_t n, cap;
	unsigned long seq;
	const char *const *base; /* the environment expansions fall back to */
};

static struct mvar *model_find(const struct model *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->v[i].name, name) == 0)
			return &m->v[i];
	return NULL;
}

static void model_set(struct model *m, const char *name, const char *val,
		      size_t len)
{
	struct mvar *v = model_find(m, name);
	if (!v) {
		if (m->n == m->cap) {
			size_t cap = m->cap ? m->cap * 2 : 16;
			struct mvar *p = realloc(m->v, cap * sizeof(*p));
			if (!p)
				gen_oom();
			m->v = p;
			m->cap = cap;
		}
		v = &m->v[m->n++];
		memset(v, 0, sizeof(*v));
		v->name = strdup(name);
		if (!v->name)
			gen_oom();
	}
	v->val.len = 0;
	sb_putn(&v->val, val, len);
	v->seq = ++m->seq;
}

/* Looks name up as an expansion does: the file's assignments first, then
 * the base environment. Returns 1 and the value when set, 0 when unset. */
static int model_lookup(const struct model *m, const char *name,
			const char **val, size_t *len)
{
	const struct mvar *v = model_find(m, name);
	if (v) {
		*val = v->val.p ? v->val.p : "";
		*len = v->val.len;
		return 1;
	}
	size_t nl = strlen(name);
	for (const char *const *e = m->base; *e; e++) {
		if (strncmp(*e, name, nl) == 0 && (*e)[nl] == '=') {
			*val = *e + nl + 1;
			*len = strlen(*val);
			return 1;
		}
	}
	return 0;
}

static void model_free(struct model *m)
{
	/* base is borrowed */
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].name);
		free(m->v[i].val.p);
	}
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* Writes the records in order of each name's last assignment. */
static void model_records(const struct model *m, struct sbuf *out)
{
	unsigned long last = 0;
	for (size_t k = 0; k < m->n; k++) {
		const struct mvar *best = NULL;
		for (size_t i = 0; i < m->n; i++)
			if (m->v[i].seq > last &&
			    (!best || m->v[i].seq < best->seq))
				best = &m->v[i];
		if (!best)
			break;
		last = best->seq;
		sb_puts(out, best->name);
		sb_putc(out, '=');
		sb_putn(out, best->val.p ? best->val.p : "", best->val.len);
		sb_putc(out, '\0');
	}
}

/* ---- generator state ---- */

struct pending {
	char *name;
	struct sbuf val;
};

struct gen {
	struct rng r;
	struct sbuf out;
	struct model m;
	int sw_plus;	      /* this file's Shellwords also keeps '+' */
	int home_ok;	      /* this file may assign HOME */
	int big;	      /* many lines, long values, many names */
	size_t long_left;     /* bytes piece_long may still add: exec
				 limits the environment dash passes on */
	struct pending *pend; /* `export` lines assign after expanding all */
	size_t npend, cappend;
};

/* Where a word stands, for the pieces that depend on what came before. */
struct wctx {
	int start;     /* nothing but backslash-newlines emitted yet */
	int colon;     /* the last emitted character was an unquoted ':' */
	int after_var; /* the last piece was $NAME: no name character next */
	int must_end;  /* a bare ~ or $ was emitted: the word ends here */
};

/* Unset names, some a prefix or an extension of a set one, so that a
 * name must be read to its last character. */
static const char *const names_unset[] = {
	"U",  "UNSET", "_nope",	   "u2",     "FOO_", "FOOBAR",
	"FO", "HOMEx", "LANGUAGE", "EMPTY1", NULL};
static const char *const names_base[] = {"HOME",  "LANG", "FOO",     "BAR",
					 "EMPTY", "STAR", "SPECIAL", "COLON",
					 "HIGH",  "NL",	  "TILDE",   NULL};
static const char *const names_real[] = {
	"RAILS_ENV",
	"NODE_ENV",
	"DATABASE_URL",
	"SECRET_KEY_BASE",
	"REDIS_URL",
	"API_TOKEN",
	"AWS_SECRET_ACCESS_KEY",
	"a",
	"b",
	"_",
	"_x",
	"x1",
	"Z9_",
	"RACK_ENV",
	"LANG",
	"FOO",
	"EMPTY",
	NULL,
};
/* Names dash gives a meaning of its own, or that the runner relies on. */
static const char *const names_banned[] = {
	"PATH",	  "PWD",      "OLDPWD",	   "IFS",    "PS1",	 "PS2",
	"PS4",	  "OPTIND",   "OPTARG",	   "LINENO", "PPID",	 "ENV",
	"MAIL",	  "MAILPATH", "MAILCHECK", "CDPATH", "HISTSIZE", "HOME",
	"FCEDIT", "TERM",     "SHELL",	   NULL,
};

static int name_banned(const char *s)
{
	for (const char *const *b = names_banned; *b; b++)
		if (strcmp(*b, s) == 0)
			return 1;
	return 0;
}

static int is_name_char(unsigned char c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static void random_name(struct gen *g, char *out, size_t size)
{
	static const char first[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_";
	static const char rest[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq"
				   "rstuvwxyz_0123456789";
	do {
		size_t n = 1 + rng_below(&g->r, 8);
		if (n >= size)
			n = size - 1;
		out[0] = first[rng_below(&g->r, sizeof(first) - 1)];
		for (size_t i = 1; i < n; i++)
			out[i] = rest[rng_below(&g->r, sizeof(rest) - 1)];
		out[n] = '\0';
	} while (name_banned(out));
}

/* A name to assign: often one assigned before, sometimes one of the base
 * environment (rarely HOME, which moves later tildes). */
static void assign_name(struct gen *g, char *out, size_t size)
{
	unsigned r = rng_below(&g->r, 100);
	if (r < 30 && g->m.n) {
		snprintf(out, size, "%s",
			 g->m.v[rng_below(&g->r, (unsigned)g->m.n)].name);
	} else if (r < 32 && g->home_ok) {
		snprintf(out, size, "HOME");
	} else if (r < 55) {
		snprintf(out, size, "%s", rng_pick(&g->r, names_real));
	} else {
		random_name(g, out, size);
	}
}

/* A name to expand: assigned earlier, from the base, or unset. */
static const char *ref_name(struct gen *g)
{
	unsigned r = rng_below(&g->r, 100);
	if (r < 45 && g->m.n)
		return g->m.v[rng_below(&g->r, (unsigned)g->m.n)].name;
	if (r < 80)
		return rng_pick(&g->r, names_base);
	return rng_pick(&g->r, names_unset);
}

/* Expansions look at the model as it stands. On an `export` line the
 * assignments wait in g->pend until the line ends, because export is a
 * command whose arguments are all expanded before it runs. */
static int gen_lookup(struct gen *g, const char *name, const char **val,
		      size_t *len)
{
	return model_lookup(&g->m, name, val, len);
}

/* ---- characters ---- */

static const char *const utf8_chars[] = {
	"\xc3\xa9",	"\xc3\xbc",	    "\xe6\x97\xa5\xe6\x9c\xac",
	"\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xc3\x9f",
	NULL,
};
static const char controls[] = "\x01\x02\x1b\x7f\v\f";

/* Emits one character of some class to both the file and the value. */
static void put_both(struct gen *g, struct sbuf *val, const char *s, size_t n)
{
	sb_putn(&g->out, s, n);
	sb_putn(val, s, n);
}

/* A byte that is not ASCII: a UTF-8 character, or a raw high byte (which
 * includes 0x81..0x8a, the bytes dash uses internally). Fills s. */
static size_t high_char(struct gen *g, char *s)
{
	if (rng_pct(&g->r, 70)) {
		const char *u = rng_pick(&g->r, utf8_chars);
		size_t n = strlen(u);
		memcpy(s, u, n);
		return n;
	}
	s[0] = (char)(0x80 + rng_below(&g->r, 0x80));
	return 1;
}

/* One unquoted literal character; never ~ where it would start a tilde
 * prefix, never a name character right after $NAME. */
static void uq_char(struct gen *g, struct sbuf *val, struct wctx *w)
{
	static const char alnum[] = "abcxyzABCXYZ0123456789_";
	static const char punct[] = "-.,/@%+=^:!?*[]{}#~";
	char s[8];
	size_t n = 1;
	unsigned r = rng_below(&g->r, 100);
	for (;;) {
		if (r < 70 && !w->after_var) {
			s[0] = alnum[rng_below(&g->r, sizeof(alnum) - 1)];
		} else if (r < 92) {
			s[0] = punct[rng_below(&g->r, sizeof(punct) - 1)];
			if (s[0] == '~' && (w->start || w->colon))
				continue;
		} else if (r < 99) {
			n = high_char(g, s);
		} else {
			s[0] = controls[rng_below(&g->r, sizeof(controls) - 1)];
		}
		break;
	}
	put_both(g, val, s, n);
	w->colon = n == 1 && s[0] == ':';
	w->start = 0;
	w->after_var = 0;
}

/* ---- pieces of a word ---- */

static void piece_plain(struct gen *g, struct sbuf *val, struct wctx *w)
{
	unsigned n = 1 + rng_below(&g->r, 6);
	for (unsigned i = 0; i < n; i++)
		uq_char(g, val, w);
}

/* Backslash and one character, unquoted: the character itself. */
static void piece_escape(struct gen *g, struct sbuf *val, struct wctx *w)
{
	char s[8];
	size_t n = 1;
	unsigned r = rng_below(&g->r, 100);
	if (r < 85)
		s[0] = (char)(' ' + rng_below(&g->r, 95)); /* printable */
	else if (r < 88)
		s[0] = '\t';
	else if (r < 96)
		n = high_char(g, s);
	else if (r < 97)
		s[0] = '\r'; /* escaped: kept, even before a newline */
	else
		s[0] = controls[rng_below(&g->r, sizeof(controls) - 1)];
	sb_putc(&g->out, '\\');
	put_both(g, val, s, n);
	w->colon = 0;
	w->start = 0;
	w->after_var = 0;
}

/* Backslash-newline is removed before anything else looks at the text,
 * so it changes no state. */
static void piece_bnl(struct gen *g)
{
	sb_puts(&g->out, "\\\n");
}

static void piece_squote(struct gen *g, struct sbuf *val, struct wctx *w)
{
	static const char chars[] = "abcXYZ019 \t\"\\$`#;&|<>()~:*{}=!";
	unsigned n = rng_below(&g->r, 8);
	int cr = 0;
	sb_putc(&g->out, '\'');
	for (unsigned i = 0; i < n; i++) {
		char s[8];
		size_t k = 1;
		unsigned r = rng_below(&g->r, 100);
		if (r < 85)
			s[0] = chars[rng_below(&g->r, sizeof(chars) - 1)];
		else if (r < 90 && !cr)
			s[0] = '\n';
		else if (r < 97)
			k = high_char(g, s);
		else if (r < 99)
			s[0] = controls[rng_below(&g->r, sizeof(controls) - 1)];
		else
			s[0] = '\r'; /* accepted here, unless a LF follows */
		put_both(g, val, s, k);
		cr = k == 1 && s[0] == '\r';
	}
	sb_putc(&g->out, '\'');
	w->colon = 0;
	w->start = 0;
	w->after_var = 0;
}

/* The literal w of ${NAME:-w} and friends: no quotes, backslashes, $, ~
 * or braces. */
static void word_w(struct gen *g, struct sbuf *w)
{
	static const char chars[] = "abcXYZ019_ -.,/:@%+=!?*[]^#";
	unsigned n = rng_below(&g->r, 6);
	for (unsigned i = 0; i < n; i++) {
		if (rng_pct(&g->r, 5)) {
			char s[8];
			size_t k = high_char(g, s);
			sb_putn(w, s, k);
		} else {
			sb_putc(w, chars[rng_below(&g->r, sizeof(chars) - 1)]);
		}
	}
}

/* $NAME, ${NAME} or ${NAME op w}; shared by unquoted and quoted text. */
static void piece_var(struct gen *g, struct sbuf *val, struct wctx *w)
{
	const char *name = ref_name(g);
	const char *v = "";
	size_t vl = 0;
	int set = gen_lookup(g, name, &v, &vl);
	unsigned form = rng_below(&g->r, 100);
	if (form < 40) {
		sb_putc(&g->out, '$');
		sb_puts(&g->out, name);
		sb_putn(val, v, vl);
		w->after_var = 1;
	} else if (form < 60) {
		sb_puts(&g->out, "${");
		sb_puts(&g->out, name);
		sb_putc(&g->out, '}');
		sb_putn(val, v, vl);
		w->after_var = 0;
	} else {
		static const char *const ops[] = {":-", "-", ":+", "+", NULL};
		const char *op = rng_pick(&g->r, ops);
		struct sbuf lit = {0};
		word_w(g, &lit);
		sb_puts(&g->out, "${");
		sb_puts(&g->out, name);
		sb_puts(&g->out, op);
		sb_putn(&g->out, lit.p ? lit.p : "", lit.len);
		sb_putc(&g->out, '}');
		int nonempty = set && vl > 0;
		int use_w;
		if (op[0] == ':')
			use_w = op[1] == '-' ? !nonempty : nonempty;
		else
			use_w = op[0] == '-' ? !set : set;
		if (op[op[0] == ':' ? 1 : 0] == '-')
			sb_putn(val, use_w ? lit.p : v, use_w ? lit.len : vl);
		else if (use_w)
			sb_putn(val, lit.p ? lit.p : "", lit.len);
		free(lit.p);
		w->after_var = 0;
	}
	w->colon = 0;
	w->start = 0;
}

/* Literal text inside double quotes. */
static void dq_chars(struct gen *g, struct sbuf *val, struct wctx *w)
{
	static const char alnum[] = "abcXYZ019_";
	static const char punct[] = " \t'#;&|<>()~:*?{}=!-./";
	unsigned n = 1 + rng_below(&g->r, 5);
	for (unsigned i = 0; i < n; i++) {
		char s[8];
		size_t k = 1;
		unsigned r = rng_below(&g->r, 100);
		if (r < 65 && !w->after_var)
			s[0] = alnum[rng_below(&g->r, sizeof(alnum) - 1)];
		else if (r < 90)
			s[0] = punct[rng_below(&g->r, sizeof(punct) - 1)];
		else if (r < 93)
			s[0] = '\n';
		else if (r < 99)
			k = high_char(g, s);
		else
			s[0] = controls[rng_below(&g->r, sizeof(controls) - 1)];
		put_both(g, val, s, k);
		w->after_var = 0;
	}
}

/* Inside double quotes, a backslash escapes only $ ` " \ and newline;
 * before anything else it is kept. */
static void dq_backslash(struct gen *g, struct sbuf *val, struct wctx *w)
{
	static const char esc[] = "$`\"\\";
	static const char other[] = "abn't#~ {}*";
	if (rng_pct(&g->r, 60)) {
		char c = esc[rng_below(&g->r, sizeof(esc) - 1)];
		sb_putc(&g->out, '\\');
		put_both(g, val, &c, 1);
	} else {
		char s[8];
		size_t k = 1;
		if (rng_pct(&g->r, 80))
			s[0] = other[rng_below(&g->r, sizeof(other) - 1)];
		else
			k = high_char(g, s);
		sb_putc(&g->out, '\\');
		sb_putc(val, '\\');
		put_both(g, val, s, k);
	}
	w->after_var = 0;
}

/* A $ that starts no expansion, inside double quotes. Returns 1 when it
 * must be the last thing before the closing quote. */
static int dq_dollar(struct gen *g, struct sbuf *val, struct wctx *w)
{
	static const char after[] = "/.,=%+^]}[~: ";
	w->after_var = 0;
	if (rng_pct(&g->r, 25)) {
		put_both(g, val, "$", 1);
		return 1;
	}
	char c = after[rng_below(&g->r, sizeof(after) - 1)];
	put_both(g, val, "$", 1);
	put_both(g, val, &c, 1);
	return 0;
}

static void piece_dquote(struct gen *g, struct sbuf *val, struct wctx *w)
{
	unsigned n = rng_below(&g->r, 5);
	struct wctx q = *w;
	q.after_var = 0;
	sb_putc(&g->out, '"');
	for (unsigned i = 0; i < n; i++) {
		unsigned r = rng_below(&g->r, 100);
		if (r < 45) {
			dq_chars(g, val, &q);
		} else if (r < 60) {
			dq_backslash(g, val, &q);
		} else if (r < 65) {
			piece_bnl(g);
		} else if (r < 90) {
			piece_var(g, val, &q);
		} else if (dq_dollar(g, val, &q)) {
			break;
		}
	}
	sb_putc(&g->out, '"');
	w->colon = 0;
	w->start = 0;
	w->after_var = 0;
}

/* ~, ~/ or ~: where a tilde prefix may stand: the home directory. */
static void piece_tilde(struct gen *g, struct sbuf *val, struct wctx *w)
{
	const char *home = "";
	size_t hl = 0;
	if (!gen_lookup(g, "HOME", &home, &hl)) {
		home = "~"; /* HOME unset: the tilde stays */
		hl = 1;
	}
	sb_putc(&g->out, '~');
	sb_putn(val, home, hl);
	unsigned r = rng_below(&g->r, 3);
	w->start = 0;
	w->after_var = 0;
	w->colon = 0;
	if (r == 0) {
		w->must_end = 1;
	} else if (r == 1) {
		put_both(g, val, "/", 1);
	} else {
		put_both(g, val, ":", 1);
		w->colon = 1;
	}
}

/* An unquoted $ that starts no expansion: before a character that cannot
 * start a name, before "…" (dash keeps the $), before \c, or at the end. */
static void piece_dollar(struct gen *g, struct sbuf *val, struct wctx *w)
{
	static const char after[] = "/.,=%+^]}[~:";
	unsigned r = rng_below(&g->r, 100);
	w->start = 0;
	w->after_var = 0;
	w->colon = 0;
	put_both(g, val, "$", 1);
	if (r < 50) {
		char c = after[rng_below(&g->r, sizeof(after) - 1)];
		put_both(g, val, &c, 1);
		w->colon = c == ':';
	} else if (r < 60) {
		char s[8];
		size_t k = high_char(g, s);
		put_both(g, val, s, k);
	} else if (r < 75) {
		piece_dquote(g, val, w);
	} else if (r < 85) {
		piece_escape(g, val, w);
	} else {
		w->must_end = 1;
	}
}

/* Ruby's Shellwords.escape, which Aptible's writer uses: a backslash
 * before every character outside [A-Za-z0-9_\-.,:/@\n] (and '+' in newer
 * Ruby), '\n' for a newline, '' for the empty string. A UTF-8 character
 * gets one backslash, as Ruby escapes characters, not bytes. */
static void shellwords_escape(struct gen *g, const char *s, size_t n)
{
	if (n == 0) {
		sb_puts(&g->out, "''");
		return;
	}
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t k = 1;
		if (c >= 0xc2 && c < 0xf5) {
			size_t want = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
			size_t j = 1;
			while (j < want && i + j < n &&
			       ((unsigned char)s[i + j] & 0xc0) == 0x80)
				j++;
			if (j == want)
				k = want;
		}
		if (c == '\n') {
			sb_puts(&g->out, "'\n'");
		} else if (k == 1 && (is_name_char(c) || strchr("-.,:/@", c) ||
				      (c == '+' && g->sw_plus))) {
			sb_putc(&g->out, (char)c);
		} else {
			sb_putc(&g->out, '\\');
			sb_putn(&g->out, s + i, k);
		}
		i += k;
	}
}

/* A value as an Aptible-written file holds one. */
static void aptible_value(struct gen *g, struct sbuf *val)
{
	static const char *const samples[] = {
		"postgresql://user:p@ss w0rd@db.example.com:5432/app",
		"redis://:s3cr3t@cache:6379/0",
		"-----BEGIN KEY-----\nMIIB+abc/def=\n-----END KEY-----\n",
		"{\"a\": 1, \"b\": [true, null]}",
		"it's \"quoted\" & $dollar `tick` \\back",
		"~/not/home",
		"a:~/b",
		"#not a comment",
		"  lead and trail  ",
		"caf\xc3\xa9 \xe2\x82\xac 5",
		"tab\there",
		"*.map ?x [ab]",
		"",
		/* pasted with a Windows line ending: written as \<CR>,
		 * which ends the line as \<CR><LF> */
		"tok3n-from-windows\r",
		"two\r\nlines\r",
		NULL,
	};
	static const char printable[] =
		" !\"#$%&'()*+,-./0123456789:;<=>?@ABCXYZ[\\]^_`abcxyz{|}~";
	if (rng_pct(&g->r, 40)) {
		sb_puts(val, rng_pick(&g->r, samples));
	} else {
		unsigned n = rng_below(&g->r, 16);
		for (unsigned i = 0; i < n; i++) {
			char s[8];
			size_t k = 1;
			unsigned r = rng_below(&g->r, 100);
			if (r < 90)
				s[0] = printable[rng_below(
					&g->r, sizeof(printable) - 1)];
			else if (r < 94)
				s[0] = '\n';
			else if (r < 96)
				s[0] = '\r';
			else
				k = high_char(g, s);
			sb_putn(val, s, k);
		}
	}
	shellwords_escape(g, val->p ? val->p : "", val->len);
}

/* A long run of one kind, for the parser's bulk paths and buffer growth:
 * plain text, single-quoted text or double-quoted text with escapes. */
static void piece_long(struct gen *g, struct sbuf *val, struct wctx *w)
{
	static const char plain[] = "abcdefXYZ0123456789_-./,@%+:";
	unsigned n = 100 + rng_below(&g->r, g->big ? 20000 : 3000);
	if (n > g->long_left)
		n = (unsigned)g->long_left;
	g->long_left -= n;
	if (n == 0)
		return;
	char c = 0;
	unsigned kind = rng_below(&g->r, 3); /* unquoted, '...', "..." */
	if (kind == 0 && w->after_var)
		kind = 1; /* a name character would lengthen the name */
	if (kind)
		sb_putc(&g->out, kind == 1 ? '\'' : '"');
	for (unsigned i = 0; i < n; i++) {
		c = plain[rng_below(&g->r, sizeof(plain) - 1)];
		if (kind == 2 && rng_pct(&g->r, 1)) {
			sb_puts(&g->out, "\\$");
			sb_putc(val, '$');
			continue;
		}
		if (kind && rng_pct(&g->r, 1))
			c = ' ';
		put_both(g, val, &c, 1);
	}
	if (kind)
		sb_putc(&g->out, kind == 1 ? '\'' : '"');
	w->start = 0;
	w->after_var = 0;
	w->colon = kind == 0 && c == ':';
}

/* One assignment's WORD; the value it will have goes to val. */
static void gen_word(struct gen *g, struct sbuf *val, struct wctx *w)
{
	unsigned mode = rng_below(&g->r, 100);
	if (mode < 8)
		return;
	if (mode < 20) {
		aptible_value(g, val);
		return;
	}
	unsigned pieces = 1 + rng_below(&g->r, 6);
	for (unsigned i = 0; i < pieces && !w->must_end; i++) {
		unsigned r = rng_below(&g->r, 100);
		if ((w->start || w->colon) && rng_pct(&g->r, 35)) {
			piece_tilde(g, val, w);
			continue;
		}
		if (rng_pct(&g->r, g->big ? 5 : 1))
			piece_long(g, val, w);
		else if (r < 30)
			piece_plain(g, val, w);
		else if (r < 38)
			piece_escape(g, val, w);
		else if (r < 50)
			piece_squote(g, val, w);
		else if (r < 65)
			piece_dquote(g, val, w);
		else if (r < 85)
			piece_var(g, val, w);
		else if (r < 91)
			piece_dollar(g, val, w);
		else if (r < 95)
			piece_bnl(g);
		else {
			/* a path list: text, ':' and often a tilde next */
			piece_plain(g, val, w);
			put_both(g, val, ":", 1);
			w->colon = 1;
			w->after_var = 0;
		}
	}
}

/* ---- lines ---- */

static void gen_blanks(struct gen *g, unsigned max)
{
	unsigned n = rng_below(&g->r, max + 1);
	for (unsigned i = 0; i < n; i++)
		sb_putc(&g->out, rng_pct(&g->r, 75) ? ' ' : '\t');
}

/* Whitespace between two words; may hold a backslash-newline, which needs
 * a blank on one side so that the words do not join. */
static void gen_separator(struct gen *g)
{
	sb_putc(&g->out, rng_pct(&g->r, 80) ? ' ' : '\t');
	gen_blanks(g, 2);
	if (rng_pct(&g->r, 8)) {
		sb_puts(&g->out, "\\\n");
		gen_blanks(g, 2);
	}
}

static void gen_comment_text(struct gen *g)
{
	static const char chars[] = "abc XYZ 019 '\"$(`;&|<>)~{}#\\!*";
	sb_putc(&g->out, '#');
	unsigned n = rng_below(&g->r, 20);
	for (unsigned i = 0; i < n; i++) {
		char s[8];
		size_t k = 1;
		if (rng_pct(&g->r, 92))
			s[0] = chars[rng_below(&g->r, sizeof(chars) - 1)];
		else
			k = high_char(g, s);
		sb_putn(&g->out, s, k);
	}
	if (rng_pct(&g->r, 10))
		sb_putc(&g->out, '\\'); /* does not continue a comment */
}

static void pend_add(struct gen *g, const char *name, const struct sbuf *v)
{
	if (g->npend == g->cappend) {
		size_t cap = g->cappend ? g->cappend * 2 : 8;
		struct pending *p = realloc(g->pend, cap * sizeof(*p));
		if (!p)
			gen_oom();
		g->pend = p;
		g->cappend = cap;
	}
	struct pending *p = &g->pend[g->npend++];
	memset(p, 0, sizeof(*p));
	p->name = strdup(name);
	if (!p->name)
		gen_oom();
	sb_putn(&p->val, v->p ? v->p : "", v->len);
}

static void pend_apply(struct gen *g)
{
	for (size_t i = 0; i < g->npend; i++) {
		model_set(&g->m, g->pend[i].name, g->pend[i].val.p,
			  g->pend[i].val.len);
		free(g->pend[i].name);
		free(g->pend[i].val.p);
	}
	g->npend = 0;
}

/* NAME=WORD ... with optional export, bare names after export, a trailing
 * comment. Assignments are modelled left to right; on an export line all
 * words are expanded before any is assigned. */
static void gen_assign_line(struct gen *g, int aptible)
{
	int exporting = rng_pct(&g->r, aptible ? 50 : 20);
	unsigned items =
		aptible ? 1 : 1 + rng_below(&g->r, 4) / 2 + rng_below(&g->r, 2);
	if (!aptible && rng_pct(&g->r, 25))
		gen_blanks(g, 3);
	if (exporting) {
		sb_puts(&g->out, "export");
		gen_separator(g);
	}
	for (unsigned i = 0; i < items; i++) {
		char name[32];
		if (i > 0)
			gen_separator(g);
		if (exporting && rng_pct(&g->r, 15)) {
			/* `export NAME` without '=' changes nothing */
			sb_puts(&g->out,
				rng_pct(&g->r, 50) ? ref_name(g) : "FOO");
			continue;
		}
		assign_name(g, name, sizeof(name));
		sb_puts(&g->out, name);
		sb_putc(&g->out, '=');
		struct sbuf val = {0};
		struct wctx w = {.start = 1};
		if (aptible)
			aptible_value(g, &val);
		else
			gen_word(g, &val, &w);
		if (exporting)
			pend_add(g, name, &val);
		else
			model_set(&g->m, name, val.p ? val.p : "", val.len);
		free(val.p);
	}
	pend_apply(g);
	if (!aptible && rng_pct(&g->r, 20)) {
		sb_putc(&g->out, ' ');
		gen_blanks(g, 2);
		if (rng_pct(&g->r, 50))
			gen_comment_text(g);
	}
}

static void gen_line(struct gen *g, int aptible)
{
	unsigned r = rng_below(&g->r, 100);
	if (r < 8) {
		gen_blanks(g, 3);
	} else if (r < 16) {
		if (rng_pct(&g->r, 30))
			gen_blanks(g, 3);
		gen_comment_text(g);
	} else if (r < 18) {
		sb_puts(&g->out, "\\\n"); /* a line that is only continued */
		gen_blanks(g, 2);
	} else {
		gen_assign_line(g, aptible);
	}
}

/* ---- rejected and edge constructs ---- */

struct tmpl {
	const char *reason;
	const char *text; /* %N name, %M second name, %V value, %C command,
			     %R set base name, %% percent */
};

static const struct tmpl rejects[] = {
	{"command", "%C"},
	{"command", "%C %V"},
	{"command", "  %C arg1 'two words'"},
	{"command", "%N"},
	{"command", "1%N=%V"},
	{"command", "%N-x=%V"},
	{"command", "%N.x=%V"},
	{"command", "=%V"},
	{"command", "\xc3\xa9=%V"},
	{"command", "%N =%V"},
	{"command", "export 1%N=%V"},
	{"command", "export %N-x=%V"},
	{"command", "if true; then %N=1; fi"},
	{"command", "! %N=%V"},
	{"command", "{ %N=%V; }"},
	{"command", "alias %N=%V"},
	{"command", "readonly %N=%V"},
	{"command", "local %N=%V"},
	{"command", "unset %N"},
	{"command", "export -p"},
	{"command", "export -n %N"},
	{"bare word", "%N=%V %C"},
	{"bare word", "%N=%V %M=1 %C arg"},
	{"bare word", "%N=%V '%V'"},
	{"bare word", "%N=%V \"x y\""},
	{"bare word", "%N=%V %M"},
	{"bare word", "%N=%V $FOO"},
	{"bare word", "%N= %C"},
	{"bare word", "export %N=%V; %C"},
	{"bare word", "%N=%V export %M=1"},
	{"command substitution", "%N=$(%C)"},
	{"command substitution", "%N=\"a$(%C)b\""},
	{"command substitution", "%N=x$( %C )"},
	{"command substitution", "%N=$(%C)#"},
	{"backtick", "%N=`%C`"},
	{"backtick", "%N=\"`%C`\""},
	{"backtick", "%N=a`%C`b"},
	{"arithmetic", "%N=$((1+2))"},
	{"arithmetic", "%N=\"$((3*4))\""},
	{"arithmetic", "%N=$(( %M + 1 ))"},
	{"operator", "%N=%V;"},
	{"operator", "%N=%V; %M=%V"},
	{"operator", "%N=%V;%M=%V"},
	{"operator", "%N=%V &"},
	{"operator", "%N=%V&&%M=1"},
	{"operator", "%N=%V || %M=1"},
	{"operator", "%N=%V | %C"},
	{"operator", "%N=%V >out"},
	{"operator", "%N=%V>out"},
	{"operator", "%N=%V 2>out"},
	{"operator", "%N=%V <in"},
	{"operator", "%N=(%V)"},
	{"operator", "%N=%V)"},
	{"operator", "(%N=%V)"},
	{"operator", "%N=a(b"},
	{"operator", "%N=%V >>out"},
	{"dollar-single-quote", "%N=$'a\\nb'"},
	{"dollar-single-quote", "%N=x$'%V'"},
	{"dollar-single-quote", "%N=$''"},
	{"special parameter", "%N=$1"},
	{"special parameter", "%N=$?"},
	{"special parameter", "%N=$$"},
	{"special parameter", "%N=$#"},
	{"special parameter", "%N=$@"},
	{"special parameter", "%N=$*"},
	{"special parameter", "%N=$-"},
	{"special parameter", "%N=$!"},
	{"special parameter", "%N=$0"},
	{"special parameter", "%N=a$9b"},
	{"special parameter", "%N=${1}"},
	{"special parameter", "%N=${#}"},
	{"special parameter", "%N=${?}"},
	{"special parameter", "%N=\"$@\""},
	{"special parameter", "%N=\"x$$\""},
	{"brace form", "%N=${#%R}"},
	{"brace form", "%N=${%R%%x}"},
	{"brace form", "%N=${%R%%%%x}"},
	{"brace form", "%N=${%R#x}"},
	{"brace form", "%N=${%R##x}"},
	{"brace form", "%N=${%M:=x}"},
	{"brace form", "%N=${%M=x}"},
	{"brace form", "%N=${%R:?x}"},
	{"brace form", "%N=${%R?x}"},
	{"brace form", "%N=${%R/x/y}"},
	{"brace form", "%N=${%R:1}"},
	{"brace form", "%N=${}"},
	{"brace form", "%N=${ %R}"},
	{"brace form", "%N=${!%R}"},
	{"brace form", "%N=\"${#%R}\""},
	{"tilde user", "%N=~root"},
	{"tilde user", "%N=~u/x"},
	{"tilde user", "%N=x:~root"},
	{"tilde user", "%N=~%V"},
	{"tilde user", "export %N=~nobody"},
	{NULL, NULL},
};

/* At the end of the file only: nothing after may close them. */
static const struct tmpl rejects_last[] = {
	{"unterminated quote", "%N='%V"},
	{"unterminated quote", "%N=\"%V"},
	{"unterminated quote", "%N=x'%V\nB=2\n"},
	{"unterminated quote", "%N=%V \"\nB=2"},
	{"unterminated quote", "%N=\"a\\\"\n"},
	{"brace form", "%N=${%R"},
	{"brace form", "%N=${%R:-x"},
	{NULL, NULL},
};

static const struct tmpl edges[] = {
	{"backslash-newline in a name", "A\\\nB%N=%V"},
	{"backslash-newline before =", "%N\\\n=%V"},
	{"backslash-newline in export", "exp\\\nort %N=%V"},
	{"backslash-newline after $", "%N=$\\\n%R"},
	{"backslash-newline after ${", "%N=${\\\n%R}"},
	{"backslash-newline in ${}", "%N=${%R\\\n:-x}"},
	{"quoted text in a tilde prefix", "%N=~\"/x\""},
	{"expansion in a tilde prefix", "%N=~$%R"},
	{"escaped slash in a tilde prefix", "%N=~\\/x"},
	{"operator in ${:-w}", "%N=${U:-a;b}"},
	{"operator in ${:-w}", "%N=${U:-a|b}"},
	{"operator in ${:-w}", "%N=${U:-(x)}"},
	{"operator in ${:-w}", "%N=${U:-a&b<c>}"},
	{"quote in ${:-w}", "%N=${U:-\"q r\"}"},
	{"quote in ${:-w}", "%N=${U:-'q r'}"},
	{"expansion in ${:-w}", "%N=${U:-$%R}"},
	{"tilde in ${:-w}", "%N=${U:-~}"},
	{"backslash in ${:-w}", "%N=${U:-\\x}"},
	{"brace in ${:-w}", "%N=${U:-{}}"},
	{"$' inside double quotes", "%N=\"$'\""},
	{"$' inside double quotes", "%N=\"x$'y'\""},
	{"carriage return in a comment", "# x\ry"},
	{"export with --", "export -- %N=%V"},
	{"export alone", "export"},
	{"export alone", "export  # nothing"},
	{"carriage return in a comment", "%N=%V #\r"},
	{NULL, NULL},
};

static void put_simple_value(struct gen *g)
{
	static const char chars[] = "abcxyz0123_";
	unsigned n = 1 + rng_below(&g->r, 5);
	for (unsigned i = 0; i < n; i++)
		sb_putc(&g->out, chars[rng_below(&g->r, sizeof(chars) - 1)]);
}

/* Writes a template with its placeholders filled. */
static void put_template(struct gen *g, const char *t)
{
	char name[32];
	for (; *t; t++) {
		if (*t != '%') {
			sb_putc(&g->out, *t);
			continue;
		}
		switch (*++t) {
		case 'N':
		case 'M':
			random_name(g, name, sizeof(name));
			sb_puts(&g->out, name);
			break;
		case 'V': put_simple_value(g); break;
		case 'C':
			sb_puts(&g->out, rng_pick(&g->r, gen_spy_names));
			break;
		case 'R':
			sb_puts(&g->out, rng_pick(&g->r, names_base + 1));
			break;
		default: sb_putc(&g->out, '%'); break;
		}
	}
}

static unsigned line_at(const struct sbuf *b, size_t off)
{
	unsigned line = 1;
	for (size_t i = 0; i < off && i < b->len; i++)
		line += b->p[i] == '\n';
	return line;
}

static void note_snippet(struct gen_file *f, const struct sbuf *b, size_t from)
{
	size_t n = b->len - from;
	if (n >= sizeof(f->snippet))
		n = sizeof(f->snippet) - 1;
	memcpy(f->snippet, b->p + from, n);
	f->snippet[n] = '\0';
}

static void put_template_line(struct gen *g, struct gen_file *f,
			      const struct tmpl *t)
{
	size_t at = g->out.len;
	put_template(g, t->text);
	snprintf(f->reason, sizeof(f->reason), "%s", t->reason);
	note_snippet(f, &g->out, at);
	f->line = line_at(&g->out, at);
}

/* A NUL or a carriage return in some spot of an otherwise fine line. A
 * carriage return is rejected unquoted, in double quotes and before a line
 * feed anywhere; inside single quotes it is accepted (the sh format of
 * envfmt.h writes it there, so it must read back). */
static void put_bad_byte_line(struct gen *g, struct gen_file *f, char c)
{
	static const char *const nul_forms[] = {
		"%N=a@b", "# x@y", "%N='a@b'", "%N=\"a@\"", "%N=ab@", "@", NULL,
	};
	/* The last three put an unescaped CR before the line feed after a
	 * backslash: an escaped backslash, a backslash in double quotes
	 * (where it escapes no CR) and one in single quotes. */
	static const char *const cr_forms[] = {
		"%N=a@b",    "%N=\"a@\"",      "%N=ab@",    "@",  "%N='a@\nb'",
		"%N=a\\\\@", "%N=\"a\\@\nb\"", "%N='a\\'@", NULL,
	};
	const char *form = rng_pick(&g->r, c ? cr_forms : nul_forms);
	size_t at = g->out.len;
	for (const char *p = form; *p; p++) {
		if (*p == '@') {
			f->line = line_at(&g->out, g->out.len);
			sb_putc(&g->out, c);
		} else if (*p == '%') {
			char name[32];
			p++;
			random_name(g, name, sizeof(name));
			sb_puts(&g->out, name);
		} else {
			sb_putc(&g->out, *p);
		}
	}
	snprintf(f->reason, sizeof(f->reason), "%s",
		 c ? "carriage return" : "NUL byte");
	note_snippet(f, &g->out, at);
}

/* Turns every newline into CR LF, as a file saved on Windows has. Returns
 * 1 when a backslash came before a newline: its CR is then escaped where
 * the backslash escapes (unquoted, as Aptible writes a value ending in a
 * CR) and kept, or rejected in double quotes, so the first rejected line
 * is not known here. */
static int to_crlf(struct sbuf *b)
{
	struct sbuf n = {0};
	int after_backslash = 0;
	for (size_t i = 0; i < b->len; i++) {
		if (b->p[i] == '\n' && i > 0 && b->p[i - 1] == '\\')
			after_backslash = 1;
		if (b->p[i] == '\n')
			sb_putc(&n, '\r');
		sb_putc(&n, b->p[i]);
	}
	free(b->p);
	*b = n;
	return after_backslash;
}

/* ---- files ---- */

static uint64_t file_seed(uint64_t seed, unsigned long index)
{
	struct rng a = {seed};
	struct rng b = {rng_u64(&a) ^ (uint64_t)index};
	return rng_u64(&b);
}

enum special {
	SP_NONE,
	SP_TMPL,
	SP_LAST,
	SP_BOM,
	SP_NUL,
	SP_CR,
	SP_CRLF,
	SP_EDGE,
	SP_EDGE_EOF,
	SP_SOUP
};

static enum special choose_special(struct gen *g)
{
	unsigned r = rng_below(&g->r, 1000);
	if (r < 60)
		return SP_TMPL;
	if (r < 70)
		return SP_LAST;
	if (r < 76)
		return SP_BOM;
	if (r < 83)
		return SP_NUL;
	if (r < 90)
		return SP_CR;
	if (r < 95)
		return SP_CRLF;
	if (r < 143)
		return SP_EDGE;
	if (r < 145)
		return SP_EDGE_EOF;
	if (r < 185)
		return SP_SOUP;
	return SP_NONE;
}

static size_t tmpl_count(const struct tmpl *t)
{
	size_t n = 0;
	while (t[n].text)
		n++;
	return n;
}

/* Places the one special construct of a file at the position chosen. */
static void put_special(struct gen *g, struct gen_file *f, enum special sp)
{
	const struct tmpl *t;
	switch (sp) {
	case SP_TMPL:
		t = &rejects[rng_below(&g->r, (unsigned)tmpl_count(rejects))];
		put_template_line(g, f, t);
		sb_putc(&g->out, '\n');
		break;
	case SP_NUL:
		put_bad_byte_line(g, f, '\0');
		sb_putc(&g->out, '\n');
		break;
	case SP_CR:
		put_bad_byte_line(g, f, '\r');
		sb_putc(&g->out, '\n');
		break;
	case SP_EDGE:
		t = &edges[rng_below(&g->r, (unsigned)tmpl_count(edges))];
		put_template_line(g, f, t);
		sb_putc(&g->out, '\n');
		break;
	default: break;
	}
}

/* Random text from the characters that matter to the shell, mostly after
 * NAME=, to find what cleanroom accepts with another meaning than dash.
 * Letters are few so that no builtin can be named, '.' is left out (the
 * dot command), and so are '<' and '>': a redirection could write
 * anywhere. */
static void gen_soup(struct gen *g, struct gen_file *f)
{
	static const char *const heads[] = {
		"A=", "B=", "x=", "_x=", "A=1 B=", "export A=", NULL};
	static const char chars[] =
		"ABBx_x_1=======$$$$$$${{}}}::--++~~//''\"\"\\\\\\"
		"     \n\n\n##;&|()`*?\t";
	unsigned lines = 1 + rng_below(&g->r, 6);
	for (unsigned i = 0; i < lines; i++) {
		if (rng_pct(&g->r, 75))
			sb_puts(&g->out, rng_pick(&g->r, heads));
		unsigned n = rng_below(&g->r, 14);
		for (unsigned k = 0; k < n; k++) {
			char c = chars[rng_below(&g->r, sizeof(chars) - 1)];
			if (rng_pct(&g->r, 2))
				c = (char)(0x80 + rng_below(&g->r, 0x80));
			sb_putc(&g->out, c);
		}
		if (rng_pct(&g->r, 90))
			sb_putc(&g->out, '\n');
	}
	snprintf(f->reason, sizeof(f->reason), "random soup");
	f->soup = 1;
}

static void gen_body(struct gen *g, struct gen_file *f, enum special sp)
{
	if (sp == SP_SOUP) {
		gen_soup(g, f);
		return;
	}
	int aptible = rng_pct(&g->r, 15);
	unsigned lines =
		g->big ? 200 + rng_below(&g->r, 1500) : rng_below(&g->r, 15);
	unsigned where = rng_below(&g->r, lines + 1);
	for (unsigned i = 0; i < lines; i++) {
		if (i == where)
			put_special(g, f, sp);
		gen_line(g, aptible);
		sb_putc(&g->out, '\n');
	}
	if (where == lines)
		put_special(g, f, sp);
	if (sp == SP_LAST) {
		const struct tmpl *t = &rejects_last[rng_below(
			&g->r, (unsigned)tmpl_count(rejects_last))];
		put_template_line(g, f, t);
	} else if (sp == SP_EDGE_EOF) {
		size_t at = g->out.len;
		put_template(g, "%N=1\\");
		snprintf(f->reason, sizeof(f->reason),
			 "backslash at the end of the file");
		note_snippet(f, &g->out, at);
	} else if (g->out.len && rng_pct(&g->r, 15)) {
		g->out.len--; /* no newline at the end */
		g->out.p[g->out.len] = '\0';
	}
}

/* The line of the first occurrence of byte c. */
static unsigned line_of_byte(const struct sbuf *b, char c)
{
	const char *p = memchr(b->p, c, b->len);
	return p ? line_at(b, (size_t)(p - b->p)) : 0;
}

/* Returns 1 when the file became one the design leaves open. */
static int finish_special(struct gen *g, struct gen_file *f, enum special sp)
{
	if (sp == SP_BOM) {
		struct sbuf n = {0};
		sb_puts(&n, "\xef\xbb\xbf");
		sb_putn(&n, g->out.p ? g->out.p : "", g->out.len);
		free(g->out.p);
		g->out = n;
		snprintf(f->reason, sizeof(f->reason), "byte-order mark");
		snprintf(f->snippet, sizeof(f->snippet), "\xef\xbb\xbf");
		f->line = 1;
	} else if (sp == SP_CRLF) {
		if (!g->out.len || !memchr(g->out.p, '\n', g->out.len))
			sb_puts(&g->out, "\nX=1\n");
		if (to_crlf(&g->out)) {
			/* left open: the escaped CRs are taken as dash
			 * takes them, and the first unescaped one (or one in
			 * double quotes) rejected */
			snprintf(f->reason, sizeof(f->reason),
				 "CRLF after a backslash");
			snprintf(f->snippet, sizeof(f->snippet), "\\\r\n");
			f->line = 0;
			return 1;
		}
		snprintf(f->reason, sizeof(f->reason), "CRLF line ends");
		snprintf(f->snippet, sizeof(f->snippet), "\r\n");
		f->line = line_of_byte(&g->out, '\r');
	}
	return 0;
}

/* Whether dash could pass the modelled environment to a program: execve
 * limits one string to 128 KiB and all of them to a quarter of the stack
 * limit (2 MiB by default). Values copied by $NAME can grow past both. */
static int model_fits(const struct model *m)
{
	size_t total = 0;
	for (size_t i = 0; i < m->n; i++) {
		size_t n = strlen(m->v[i].name) + m->v[i].val.len + 2;
		if (n > 100000)
			return 0;
		total += n;
	}
	return total < 800000;
}

/* One attempt at a file: the text in g->out, the model in g->m. */
static void gen_fill(struct gen *g, struct gen_file *f)
{
	g->sw_plus = rng_pct(&g->r, 50);
	g->home_ok = rng_pct(&g->r, 10);
	g->big = rng_pct(&g->r, 2);
	g->long_left = 200000;
	f->base = rng_pct(&g->r, 20) ? 1 : 0;
	g->m.base = gen_bases[f->base];
	enum special sp = choose_special(g);
	gen_body(g, f, sp);
	if (sp == SP_NONE && rng_pct(&g->r, 8)) {
		/* a second file: it sees the first one's assignments */
		struct sbuf first = g->out;
		memset(&g->out, 0, sizeof(g->out));
		gen_body(g, f, sp);
		if (!g->out.p)
			sb_putn(&g->out, "", 0);
		f->data2 = g->out.p;
		f->len2 = g->out.len;
		g->out = first;
	}
	int open = finish_special(g, f, sp);
	if (sp == SP_NONE)
		f->kind = GEN_ACCEPT;
	else if (sp == SP_EDGE || sp == SP_EDGE_EOF || sp == SP_SOUP || open)
		f->kind = GEN_EDGE;
	else
		f->kind = GEN_REJECT;
}

static void gen_reset(struct gen *g, struct gen_file *f)
{
	free(g->out.p);
	free(f->data2);
	model_free(&g->m);
	free(g->pend);
	memset(g, 0, sizeof(*g));
	memset(f, 0, sizeof(*f));
}

/* Makes file number `index` of the run with this seed. Returns 0. */
static int gen_make(uint64_t seed, unsigned long index, struct gen_file *f)
{
	struct gen g;
	memset(&g, 0, sizeof(g));
	memset(f, 0, sizeof(*f));
	g.r.s = file_seed(seed, index);
	for (;;) {
		gen_fill(&g, f);
		if (model_fits(&g.m))
			break;
		uint64_t next = rng_u64(&g.r); /* draw again, same index */
		gen_reset(&g, f);
		g.r.s = next;
	}
	if (f->kind == GEN_ACCEPT) {
		struct sbuf e = {0};
		model_records(&g.m, &e);
		if (!e.p)
			sb_putn(&e, "", 0);
		f->expect = e.p;
		f->elen = e.len;
	}
	if (!g.out.p)
		sb_putn(&g.out, "", 0);
	f->data = g.out.p;
	f->len = g.out.len;
	model_free(&g.m);
	free(g.pend);
	return 0;
}

static void gen_file_free(struct gen_file *f)
{
	free(f->data);
	free(f->data2);
	free(f->expect);
	memset(f, 0, sizeof(*f));
}

static const char *gen_kind_name(enum gen_kind k)
{
	return k == GEN_ACCEPT ? "accept" : k == GEN_REJECT ? "reject" : "edge";
}

#ifndef GEN_LIBRARY

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-')
		return -1;
	*out = v;
	return 0;
}

static int write_file(const char *path, const char *data, size_t len)
{
	FILE *fp = fopen(path, "wb");
	if (!fp) {
		fprintf(stderr, "gen: %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t n = fwrite(data, 1, len, fp);
	if (fclose(fp) != 0 || n != len) {
		fprintf(stderr, "gen: %s: write failed\n", path);
		return -1;
	}
	return 0;
}

static int write_one(const char *dir, unsigned long i, const struct gen_file *f)
{
	char path[4096], meta[600];
	snprintf(path, sizeof(path), "%s/%05lu.env", dir, i);
	if (write_file(path, f->data, f->len) != 0)
		return -1;
	int n = snprintf(meta, sizeof(meta), "%s\n%s\n%u\n",
			 gen_kind_name(f->kind), f->reason, f->line);
	snprintf(path, sizeof(path), "%s/%05lu.meta", dir, i);
	if (write_file(path, meta, (size_t)n) != 0)
		return -1;
	if (f->data2) {
		snprintf(path, sizeof(path), "%s/%05lu.env2", dir, i);
		if (write_file(path, f->data2, f->len2) != 0)
			return -1;
	}
	if (f->expect) {
		snprintf(path, sizeof(path), "%s/%05lu.expect", dir, i);
		if (write_file(path, f->expect, f->elen) != 0)
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t seed, n;
	if (argc == 4 && strcmp(argv[2], "-i") == 0 &&
	    parse_u64(argv[1], &seed) == 0 && parse_u64(argv[3], &n) == 0) {
		struct gen_file f;
		gen_make(seed, (unsigned long)n, &f);
		fprintf(stderr, "%s %s line %u\n", gen_kind_name(f.kind),
			f.reason, f.line);
		size_t len = f.len;
		size_t w = fwrite(f.data, 1, len, stdout);
		gen_file_free(&f);
		return w == len && fflush(stdout) == 0 ? 0 : 1;
	}
	if (argc != 4 || parse_u64(argv[1], &seed) != 0 ||
	    parse_u64(argv[2], &n) != 0) {
		fputs("usage: gen SEED N OUTDIR | gen SEED -i INDEX\n", stderr);
		return 64;
	}
	for (unsigned long i = 0; i < n; i++) {
		struct gen_file f;
		gen_make(seed, i, &f);
		int rc = write_one(argv[3], i, &f);
		gen_file_free(&f);
		if (rc != 0)
			return 1;
	}
	return 0;
}

#endif
