/*
 * The spec loader. It walks libyaml's event stream rather than a loaded
 * document because only events still say what the user wrote: whether a
 * node carried an anchor or an explicit tag, whether a scalar was plain
 * (so `key:` and `key: ~` are "no value" while `key: ""` is an empty
 * string), and where each key stood. A table of keys per mapping drives the
 * walk: each entry names a key, the kind of value it takes and the field of
 * struct spec that receives it, so unknown keys, duplicates and wrong types
 * are found in one place, and the first problem in file order is the one
 * reported. Our own nesting is bounded by the tables (at most three
 * mappings deep), so no input can make the walk recurse further.
 */
#include "spec.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "buf.h"
#include "io.h"
#include "suggest.h"
#include "units.h"
#include "vec.h"

/* A larger spec is certainly not hand-written; refuse it rather than let a
 * stray file make the loader allocate without bound. */
#define SPEC_MAX (1u << 20)
/* The most keys one mapping of the schema has (outputs: 8). */
#define MAX_KEYS 16
/* How much of a user's value a message quotes. */
#define SHOW_MAX 40

#define YAML_TAG_PREFIX "tag:yaml.org,2002:"

/* What a key's value must be. */
enum kind {
	K_SECTION,    /* a mapping of further keys (sub) */
	K_STR,	      /* a non-empty string (struct spec_str) */
	K_LIST,	      /* a list of non-empty strings (struct spec_list) */
	K_COMMAND,    /* a string or a non-empty list of strings */
	K_ROOTS,      /* a non-empty string or a non-empty list */
	K_VARS,	      /* env.set: names to scalar values (struct spec_map) */
	K_BOOL,	      /* true or false (int) */
	K_COUNT,      /* a non-negative integer (int64_t) */
	K_DURATION,   /* milliseconds (int64_t) */
	K_SIZE,	      /* bytes (int64_t) */
	K_FRAMEWORK,  /* enum framework, from choices */
	K_MANIFEST,   /* enum manifest_kind */
	K_NETWORK,    /* enum network */
	K_SOURCEMAPS, /* enum sourcemaps */
	K_PATH_OPT,   /* a non-empty string or false (spec_path_opt) */
};

struct choice {
	const char *name;
	int value;
};

struct key {
	const char *name;
	enum kind kind;
	size_t off;		      /* the field's offset in struct spec */
	const struct key *sub;	      /* K_SECTION: its keys */
	const struct choice *choices; /* the enum kinds: names in order */
};

#define OFF(field) offsetof(struct spec, field)

/* In DESIGN.md's order, which is also the order messages list them in. */
static const struct choice frameworks[] = {
	{"rails", FW_RAILS},	 {"django", FW_DJANGO}, {"vite", FW_VITE},
	{"webpack", FW_WEBPACK}, {"none", FW_NONE},	{NULL, 0},
};

static const struct choice manifests[] = {
	{"auto", MF_AUTO},	     {"sprockets", MF_SPROCKETS},
	{"propshaft", MF_PROPSHAFT}, {"django", MF_DJANGO},
	{"vite", MF_VITE},	     {"webpack", MF_WEBPACK},
	{"none", MF_NONE},	     {NULL, 0},
};

static const struct choice networks[] = {
	{"deny", NET_DENY},
	{"allow", NET_ALLOW},
	{NULL, 0},
};

static const struct choice sourcemaps[] = {
	{"allow", SM_ALLOW},
	{"forbid", SM_FORBID},
	{NULL, 0},
};

static const struct key limit_keys[] = {
	{"cpu", K_DURATION, OFF(sandbox.limits.cpu_ms), NULL, NULL},
	{"memory", K_SIZE, OFF(sandbox.limits.memory), NULL, NULL},
	{"files", K_COUNT, OFF(sandbox.limits.files), NULL, NULL},
	{"processes", K_COUNT, OFF(sandbox.limits.processes), NULL, NULL},
	{"file_size", K_SIZE, OFF(sandbox.limits.file_size), NULL, NULL},
	{NULL, 0, 0, NULL, NULL},
};

static const struct key env_keys[] = {
	{"files", K_LIST, OFF(env.files), NULL, NULL},
	{"inherit", K_LIST, OFF(env.inherit), NULL, NULL},
	{"pass", K_LIST, OFF(env.pass), NULL, NULL},
	{"set", K_VARS, OFF(env.set), NULL, NULL},
	{"require", K_LIST, OFF(env.require), NULL, NULL},
	{"secret", K_LIST, OFF(env.secret), NULL, NULL},
	{"public", K_LIST, OFF(env.public), NULL, NULL},
	{NULL, 0, 0, NULL, NULL},
};

static const struct key sandbox_keys[] = {
	{"network", K_NETWORK, OFF(sandbox.network), NULL, networks},
	{"unix_sockets", K_BOOL, OFF(sandbox.unix_sockets), NULL, NULL},
	{"writable", K_LIST, OFF(sandbox.writable), NULL, NULL},
	{"user", K_STR, OFF(sandbox.user), NULL, NULL},
	{"timeout", K_DURATION, OFF(sandbox.timeout_ms), NULL, NULL},
	{"limits", K_SECTION, 0, limit_keys, NULL},
	{"strict", K_BOOL, OFF(sandbox.strict), NULL, NULL},
	{"ctime_roots", K_LIST, OFF(sandbox.ctime_roots), NULL, NULL},
	{NULL, 0, 0, NULL, NULL},
};

static const struct key output_keys[] = {
	{"root", K_ROOTS, OFF(outputs.roots), NULL, NULL},
	{"manifest", K_MANIFEST, OFF(outputs.manifest), NULL, manifests},
	{"sourcemaps", K_SOURCEMAPS, OFF(outputs.sourcemaps), NULL, sourcemaps},
	{"require", K_LIST, OFF(outputs.require), NULL, NULL},
	{"forbid", K_LIST, OFF(outputs.forbid), NULL, NULL},
	{"min_files", K_COUNT, OFF(outputs.min_files), NULL, NULL},
	{"max_bytes", K_SIZE, OFF(outputs.max_bytes), NULL, NULL},
	{"max_files", K_COUNT, OFF(outputs.max_files), NULL, NULL},
	{"verify_timeout", K_DURATION, OFF(outputs.verify_timeout_ms), NULL,
	 NULL},
	{"lock", K_STR, OFF(outputs.lock), NULL, NULL},
	{"provenance", K_PATH_OPT, OFF(outputs.provenance), NULL, NULL},
	{NULL, 0, 0, NULL, NULL},
};

static const struct key cache_keys[] = {
	{"fingerprinted", K_STR, OFF(publish.cache_fingerprinted), NULL, NULL},
	{"other", K_STR, OFF(publish.cache_other), NULL, NULL},
	{NULL, 0, 0, NULL, NULL},
};

static const struct key publish_keys[] = {
	{"to", K_STR, OFF(publish.to), NULL, NULL},
	{"endpoint", K_STR, OFF(publish.endpoint), NULL, NULL},
	{"region", K_STR, OFF(publish.region), NULL, NULL},
	{"addressing", K_STR, OFF(publish.addressing), NULL, NULL},
	{"ca_file", K_STR, OFF(publish.ca_file), NULL, NULL},
	{"records", K_STR, OFF(publish.records), NULL, NULL},
	{"connections", K_COUNT, OFF(publish.connections), NULL, NULL},
	{"keep_releases", K_COUNT, OFF(publish.keep_releases), NULL, NULL},
	{"older_than", K_DURATION, OFF(publish.older_than_ms), NULL, NULL},
	{"timeout", K_DURATION, OFF(publish.timeout_ms), NULL, NULL},
	{"content_encoding", K_STR, OFF(publish.content_encoding), NULL, NULL},
	{"cache_control", K_SECTION, 0, cache_keys, NULL},
	{NULL, 0, 0, NULL, NULL},
};

static const struct key top_keys[] = {
	{"framework", K_FRAMEWORK, OFF(framework), NULL, frameworks},
	{"command", K_COMMAND, OFF(command), NULL, NULL},
	{"workdir", K_STR, OFF(workdir), NULL, NULL},
	{"env", K_SECTION, 0, env_keys, NULL},
	{"sandbox", K_SECTION, 0, sandbox_keys, NULL},
	{"outputs", K_SECTION, 0, output_keys, NULL},
	{"inputs", K_LIST, OFF(inputs), NULL, NULL},
	{"publish", K_SECTION, 0, publish_keys, NULL},
	{NULL, 0, 0, NULL, NULL},
};

/* Every mapping of the schema with its path, to tell a user who wrote a
 * key in the wrong section where it belongs. */
static const struct {
	const char *path;
	const struct key *keys;
} sections[] = {
	{"", top_keys},
	{"env", env_keys},
	{"sandbox", sandbox_keys},
	{"sandbox.limits", limit_keys},
	{"outputs", output_keys},
	{"publish", publish_keys},
	{"publish.cache_control", cache_keys},
};

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]) - 1)
_Static_assert(NKEYS(top_keys) <= MAX_KEYS, "top_keys");
_Static_assert(NKEYS(env_keys) <= MAX_KEYS, "env_keys");
_Static_assert(NKEYS(sandbox_keys) <= MAX_KEYS, "sandbox_keys");
_Static_assert(NKEYS(output_keys) <= MAX_KEYS, "output_keys");
_Static_assert(NKEYS(limit_keys) <= MAX_KEYS, "limit_keys");
_Static_assert(NKEYS(publish_keys) <= MAX_KEYS, "publish_keys");

/* Names already in env.set: an open-addressing table of indexes into the
 * map, so that a spec with many variables is still checked for duplicates
 * in linear time. A slot holds index + 1; 0 is empty. */
struct nameset {
	size_t *slot;
	size_t cap; /* a power of two, or 0 */
};

/* Where mark_col's walk stands: characters and bytes from the start, and
 * the current line's first byte and characters so far. */
struct cursor {
	size_t chars, byte;
	size_t line_start, line_chars;
};

struct parser {
	yaml_parser_t yp;
	yaml_event_t ev;
	int have_ev;
	const char *name;
	const char *buf;
	size_t len;
	size_t bom; /* 3 after a UTF-8 byte-order mark, else 0 */
	int utf16;  /* libyaml decoded UTF-16: columns stay characters */
	struct cursor cur;
	struct spec *s;
	struct err *e;
};

/* ---- Strings, lists and maps ---- */

static char *dup_text(const char *s)
{
	size_t n = strlen(s);
	char *p = malloc(n + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, n + 1);
	return p;
}

static void str_free(struct spec_str *str)
{
	free(str->s);
	str->s = NULL;
	str->line = str->col = 0;
}

/* A NULL s clears dst: a flag may remove what a preset set. */
int spec_str_set(struct spec_str *dst, const char *s, unsigned line,
		 unsigned col)
{
	char *copy = NULL;

	if (s != NULL) {
		copy = dup_text(s);
		if (copy == NULL) {
			errno = ENOMEM;
			return -1;
		}
	}
	free(dst->s);
	dst->s = copy;
	dst->line = line;
	dst->col = col;
	return 0;
}

static void list_clear(struct spec_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		str_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
	l->set = 0;
}

void spec_list_free(struct spec_list *l)
{
	list_clear(l);
}

int spec_list_add(struct spec_list *l, const char *s, unsigned line,
		  unsigned col)
{
	struct spec_str str = {NULL, line, col};

	if (vec_grow((void **)&l->v, &l->cap, l->n + 1, sizeof l->v[0]) < 0)
		return -1;
	str.s = dup_text(s);
	if (str.s == NULL) {
		errno = ENOMEM;
		return -1;
	}
	l->v[l->n++] = str;
	l->set = 1;
	return 0;
}

void spec_map_free(struct spec_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		str_free(&m->v[i].name);
		str_free(&m->v[i].value);
	}
	free(m->v);
	m->v = NULL;
	m->n = m->cap = 0;
	m->set = 0;
}

/* Appends name=value without looking for an earlier entry; the name and
 * the value each keep where they were written. */
static int map_append(struct spec_map *m, const char *name, unsigned nline,
		      unsigned ncol, const char *value, unsigned vline,
		      unsigned vcol)
{
	struct spec_kv kv = {{NULL, nline, ncol}, {NULL, vline, vcol}};

	if (vec_grow((void **)&m->v, &m->cap, m->n + 1, sizeof m->v[0]) < 0)
		return -1;
	kv.name.s = dup_text(name);
	kv.value.s = dup_text(value);
	if (kv.name.s == NULL || kv.value.s == NULL) {
		free(kv.name.s);
		free(kv.value.s);
		errno = ENOMEM;
		return -1;
	}
	m->v[m->n++] = kv;
	m->set = 1;
	return 0;
}

int spec_map_put(struct spec_map *m, const char *name, const char *value,
		 unsigned line, unsigned col)
{
	for (size_t i = 0; i < m->n; i++) {
		struct spec_kv *kv = &m->v[i];

		if (strcmp(kv->name.s, name) != 0)
			continue;
		if (spec_str_set(&kv->value, value, line, col) < 0)
			return -1;
		kv->name.line = line;
		kv->name.col = col;
		m->set = 1;
		return 0;
	}
	return map_append(m, name, line, col, value, line, col);
}

void spec_init(struct spec *s)
{
	memset(s, 0, sizeof *s);
	s->sandbox.timeout_ms = -1;
	s->sandbox.limits.cpu_ms = -1;
	s->sandbox.limits.memory = -1;
	s->sandbox.limits.files = -1;
	s->sandbox.limits.processes = -1;
	s->sandbox.limits.file_size = -1;
	s->sandbox.unix_sockets = -1;
	s->sandbox.strict = -1;
	s->outputs.min_files = -1;
	s->outputs.max_bytes = -1;
	s->outputs.max_files = -1;
	s->outputs.verify_timeout_ms = -1;
	s->outputs.provenance.off = -1;
	s->publish.connections = -1;
	s->publish.keep_releases = -1;
	s->publish.older_than_ms = -1;
	s->publish.timeout_ms = -1;
}

void spec_free(struct spec *s)
{
	free(s->path);
	list_clear(&s->command);
	str_free(&s->workdir);
	list_clear(&s->env.files);
	list_clear(&s->env.inherit);
	list_clear(&s->env.pass);
	list_clear(&s->env.require);
	list_clear(&s->env.secret);
	list_clear(&s->env.public);
	spec_map_free(&s->env.set);
	list_clear(&s->sandbox.writable);
	list_clear(&s->sandbox.ctime_roots);
	str_free(&s->sandbox.user);
	list_clear(&s->outputs.roots);
	list_clear(&s->outputs.require);
	list_clear(&s->outputs.forbid);
	str_free(&s->outputs.lock);
	str_free(&s->outputs.provenance.path);
	list_clear(&s->inputs);
	str_free(&s->publish.to);
	str_free(&s->publish.endpoint);
	str_free(&s->publish.region);
	str_free(&s->publish.addressing);
	str_free(&s->publish.ca_file);
	str_free(&s->publish.records);
	str_free(&s->publish.cache_fingerprinted);
	str_free(&s->publish.cache_other);
	str_free(&s->publish.content_encoding);
	/* Leaves an empty spec, so a second spec_free is harmless. */
	spec_init(s);
}

/* ---- Enumerations ---- */

static const char *choice_name(const struct choice *c, int value)
{
	for (; c->name != NULL; c++)
		if (c->value == value)
			return c->name;
	return NULL;
}

static int choice_parse(const struct choice *c, const char *name, int *out)
{
	for (; c->name != NULL; c++) {
		if (strcmp(c->name, name) == 0) {
			*out = c->value;
			return 0;
		}
	}
	return -1;
}

const char *spec_framework_name(enum framework f)
{
	return choice_name(frameworks, (int)f);
}

const char *spec_manifest_name(enum manifest_kind m)
{
	return choice_name(manifests, (int)m);
}

int spec_framework_parse(const char *name, enum framework *out)
{
	int v;

	if (choice_parse(frameworks, name, &v) < 0)
		return -1;
	*out = (enum framework)v;
	return 0;
}

int spec_manifest_parse(const char *name, enum manifest_kind *out)
{
	int v;

	if (choice_parse(manifests, name, &v) < 0)
		return -1;
	*out = (enum manifest_kind)v;
	return 0;
}

/* ---- Messages ---- */

/* Quotes at most SHOW_MAX bytes of a user's text into out, with control
 * characters as '?' so that a message cannot drive the terminal. */
static const char *show(char *out, size_t size, const char *s, size_t len)
{
	size_t n = len, i;
	int cut = 0;

	if (n > SHOW_MAX || n > size - 4) {
		n = SHOW_MAX < size - 4 ? SHOW_MAX : size - 4;
		/* Do not split a UTF-8 sequence. */
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
		cut = 1;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		out[i] = s[i];
		if (c < 0x20 || c == 0x7f)
			out[i] = '?';
	}
	if (cut)
		memcpy(out + i, "...", 4);
	else
		out[i] = '\0';
	return out;
}

static unsigned mark_line(yaml_mark_t m)
{
	return m.line < UINT_MAX - 1 ? (unsigned)m.line + 1 : UINT_MAX;
}

/* libyaml counts columns in characters; struct err wants bytes, as the
 * env-file parser reports them. For UTF-8 input the cursor walks the text
 * to a mark's character index (which leaves out a byte-order mark) and
 * knows where that line starts. Marks are asked for in file order, so the
 * walk is linear over a parse; an earlier mark restarts it. Where the walk
 * disagrees with libyaml's column (a line break only YAML knows, such as
 * U+2028, or UTF-16 input), libyaml's column stands. */
static unsigned mark_col(struct parser *p, yaml_mark_t m)
{
	const unsigned char *s = (const unsigned char *)p->buf;
	struct cursor *c = &p->cur;

	if (p->utf16)
		goto chars;
	if (m.index < c->chars) {
		c->chars = c->line_chars = 0;
		c->byte = c->line_start = p->bom;
	}
	while (c->chars < m.index && c->byte < p->len) {
		unsigned char ch = s[c->byte++];

		while (c->byte < p->len && (s[c->byte] & 0xC0) == 0x80)
			c->byte++;
		c->chars++;
		if (ch == '\n' || ch == '\r') {
			c->line_start = c->byte;
			c->line_chars = 0;
		} else {
			c->line_chars++;
		}
	}
	if (c->chars != m.index || c->line_chars != m.column ||
	    c->byte - c->line_start >= UINT_MAX)
		goto chars;
	return (unsigned)(c->byte - c->line_start) + 1;
chars:
	return m.column < UINT_MAX - 1 ? (unsigned)m.column + 1 : UINT_MAX;
}

/* Fills p->e at line/col (1-based) and returns -1. */
static int fail_at(struct parser *p, unsigned line, unsigned col,
		   const char *hint, const char *fmt, va_list ap)
{
	char msg[sizeof p->e->msg];

	if (p->e == NULL)
		return -1;
	/* A message longer than struct err holds is cut, never overflowed. */
	(void)vsnprintf(msg, sizeof msg, fmt, ap);
	err_set(p->e, ERR_CONFIG, p->name, line, col, "%s", msg);
	if (hint != NULL)
		err_hint(p->e, "%s", hint);
	return -1;
}

static int fail(struct parser *p, yaml_mark_t m, const char *hint,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail(struct parser *p, yaml_mark_t m, const char *hint,
		const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = fail_at(p, mark_line(m), mark_col(p, m), hint, fmt, ap);
	va_end(ap);
	return rc;
}

/* For libyaml's reader errors, which give a byte offset, not a mark. A
 * CRLF pair is one line break, as for libyaml. */
static int fail_offset(struct parser *p, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail_offset(struct parser *p, size_t off, const char *fmt, ...)
{
	size_t start = p->bom, line = 1;
	va_list ap;
	int rc;

	if (off > p->len)
		off = p->len;
	for (size_t i = p->bom; i < off; i++) {
		char ch = p->buf[i];

		if (ch == '\n' || (ch == '\r' && (i + 1 == p->len ||
						  p->buf[i + 1] != '\n'))) {
			line++;
			start = i + 1;
		}
	}
	va_start(ap, fmt);
	rc = fail_at(p, line < UINT_MAX ? (unsigned)line : UINT_MAX,
		     off >= start && off - start < UINT_MAX - 1
			     ? (unsigned)(off - start) + 1
			     : 1,
		     NULL, fmt, ap);
	va_end(ap);
	return rc;
}

static int nomem(struct parser *p)
{
	return err_sys(p->e, ENOMEM, "%s", p->name);
}

/* ---- Events ---- */

/* The byte at a mark, or 0 when mark_col cannot place it: enough to
 * recognise a tab used as indentation. */
static char mark_byte(struct parser *p, yaml_mark_t m)
{
	(void)mark_col(p, m);
	if (p->utf16 || p->cur.chars != m.index || p->cur.byte >= p->len)
		return 0;
	return p->buf[p->cur.byte];
}

static int syntax_error(struct parser *p)
{
	const yaml_parser_t *y = &p->yp;
	const char *problem = y->problem ? y->problem : "cannot parse";
	const char *hint = NULL;
	yaml_mark_t m = y->problem_mark;

	if (y->error == YAML_MEMORY_ERROR)
		return nomem(p);
	if (y->error == YAML_READER_ERROR)
		return fail_offset(p, y->problem_offset, "invalid YAML: %s",
				   problem);
	/* libyaml's context for a tab is the scalar before it, which only
	 * confuses; the tab itself is the problem. */
	if (mark_byte(p, m) == '\t')
		return fail(p, m,
			    "YAML does not allow tabs for indentation; use "
			    "spaces",
			    "invalid YAML: %s", problem);
	if (strstr(problem, "mapping values are not allowed") != NULL)
		hint = "quote a value that contains \": \"";
	if (y->context == NULL)
		return fail(p, m, hint, "invalid YAML: %s", problem);
	return fail(p, m, hint, "invalid YAML: %s (%s at line %u, column %u)",
		    problem, y->context, mark_line(y->context_mark),
		    mark_col(p, y->context_mark));
}

/* The explicit tag of a node event, or NULL. */
static const char *event_tag(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT: return (const char *)ev->data.scalar.tag;
	case YAML_SEQUENCE_START_EVENT:
		return (const char *)ev->data.sequence_start.tag;
	case YAML_MAPPING_START_EVENT:
		return (const char *)ev->data.mapping_start.tag;
	default: return NULL;
	}
}

static const char *event_anchor(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT: return (const char *)ev->data.scalar.anchor;
	case YAML_SEQUENCE_START_EVENT:
		return (const char *)ev->data.sequence_start.anchor;
	case YAML_MAPPING_START_EVENT:
		return (const char *)ev->data.mapping_start.anchor;
	default: return NULL;
	}
}

/* A tag that only restates what the node is anyway (!!str on a scalar,
 * !!seq, !!map) changes nothing; any other would ask for a type the spec
 * does not have. */
static int tag_allowed(const yaml_event_t *ev, const char *tag)
{
	size_t n = strlen(YAML_TAG_PREFIX);
	const char *want = "map";

	if (ev->type == YAML_SCALAR_EVENT)
		want = "str";
	else if (ev->type == YAML_SEQUENCE_START_EVENT)
		want = "seq";
	return strncmp(tag, YAML_TAG_PREFIX, n) == 0 &&
	       strcmp(tag + n, want) == 0;
}

static int check_event(struct parser *p)
{
	const yaml_event_t *ev = &p->ev;
	const char *tag = event_tag(ev);
	char shown[SHOW_MAX + 8];

	if (ev->type == YAML_ALIAS_EVENT || event_anchor(ev) != NULL)
		return fail(p, ev->start_mark,
			    "repeat the value where it is needed",
			    "anchors and aliases are not supported in a spec");
	if (tag != NULL && !tag_allowed(ev, tag)) {
		size_t n = strlen(YAML_TAG_PREFIX);
		char full[SHOW_MAX + 8];

		if (strncmp(tag, YAML_TAG_PREFIX, n) == 0)
			(void)snprintf(full, sizeof full, "!!%s",
				       show(shown, sizeof shown, tag + n,
					    strlen(tag + n)));
		else
			show(full, sizeof full, tag, strlen(tag));
		return fail(p, ev->start_mark,
			    "remove the tag: every value is read as text",
			    "tag '%s' is not supported in a spec", full);
	}
	/* Strings become C strings; a "\0" escape would cut one short. */
	if (ev->type == YAML_SCALAR_EVENT &&
	    memchr(ev->data.scalar.value, '\0', ev->data.scalar.length))
		return fail(p, ev->start_mark, NULL,
			    "a NUL character is not allowed in a spec");
	return 0;
}

/* Replaces the current event with the next one. */
static int next(struct parser *p)
{
	if (p->have_ev) {
		yaml_event_delete(&p->ev);
		p->have_ev = 0;
	}
	if (!yaml_parser_parse(&p->yp, &p->ev))
		return syntax_error(p);
	p->have_ev = 1;
	return check_event(p);
}

static int is_type(const struct parser *p, yaml_event_type_t t)
{
	return p->ev.type == t;
}

static const char *text(const struct parser *p)
{
	return (const char *)p->ev.data.scalar.value;
}

static size_t text_len(const struct parser *p)
{
	return p->ev.data.scalar.length;
}

/* A plain scalar that YAML reads as null: `key:`, `key: ~`, `key: null`.
 * A quoted "" or a !!str tag makes it a string. */
static int is_null(const struct parser *p)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};

	if (!is_type(p, YAML_SCALAR_EVENT) || p->ev.data.scalar.tag != NULL ||
	    p->ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
		if (strcmp(text(p), nulls[i]) == 0)
			return 1;
	return 0;
}

static const char *node_desc(const struct parser *p)
{
	if (is_type(p, YAML_SEQUENCE_START_EVENT))
		return "a list";
	if (is_type(p, YAML_MAPPING_START_EVENT))
		return "a mapping";
	return "a string";
}

static int wrong_type(struct parser *p, const char *path, const char *what)
{
	const char *hint = NULL;

	if (strcmp(what, "a list of strings") == 0 &&
	    is_type(p, YAML_SCALAR_EVENT))
		hint = "write a list even for one entry: [item], or a "
		       "'- item' line below the key";
	return fail(p, p->ev.start_mark, hint, "%s: expected %s, not %s", path,
		    what, node_desc(p));
}

/* ---- Keys ---- */

/* The closest name to `got` within 2 edits (suggest.h), or NULL. */
static const char *closest(const struct choice *c, const struct key *k,
			   const char *got)
{
	struct suggest s;

	suggest_init(&s, got);
	for (; c != NULL && c->name != NULL; c++)
		suggest_offer(&s, c->name);
	for (; k != NULL && k->name != NULL; k++)
		suggest_offer(&s, k->name);
	return suggest_best(&s);
}

static int each_key(const struct key *keys, const char *prefix,
		    int (*fn)(const char *path, void *arg), void *arg)
{
	for (; keys->name != NULL; keys++) {
		char path[128];
		int rc;

		(void)snprintf(path, sizeof path, "%s%s%s", prefix,
			       prefix[0] ? "." : "", keys->name);
		rc = keys->kind == K_SECTION
			     ? each_key(keys->sub, path, fn, arg)
			     : fn(path, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int spec_key_each(int (*fn)(const char *path, void *arg), void *arg)
{
	return each_key(top_keys, "", fn, arg);
}

static const struct key *lookup(const struct key *keys, const char *name)
{
	for (; keys->name != NULL; keys++)
		if (strcmp(keys->name, name) == 0)
			return keys;
	return NULL;
}

/* Appends the names of keys k or choices c to b, separated by ", ". */
static int join_names(struct buf *b, const struct key *k,
		      const struct choice *c)
{
	int first = 1;

	for (; k != NULL && k->name != NULL; k++, first = 0)
		if (buf_printf(b, "%s%s", first ? "" : ", ", k->name) < 0)
			return -1;
	for (; c != NULL && c->name != NULL; c++, first = 0)
		if (buf_printf(b, "%s%s", first ? "" : ", ", c->name) < 0)
			return -1;
	return 0;
}

/* The hint for an unknown key: the sections where it is valid, else a
 * close key of this section, else the keys of this section. */
static int unknown_key_hint(struct buf *b, const struct key *keys,
			    const char *path, const char *got)
{
	const char *near;
	int n = 0;

	for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
		const char *where = sections[i].path;
		char label[32];

		if (strcmp(where, path) == 0 ||
		    lookup(sections[i].keys, got) == NULL)
			continue;
		if (where[0] == '\0')
			(void)snprintf(label, sizeof label, "the top level");
		else
			(void)snprintf(label, sizeof label, "'%s:'", where);
		if ((n++ == 0 ? buf_printf(b, "'%s' belongs under %s", got,
					   label)
			      : buf_printf(b, " or %s", label)) < 0)
			return -1;
	}
	if (n > 0)
		return 0;
	near = closest(NULL, keys, got);
	if (near != NULL)
		return buf_printf(b, "did you mean '%s'?", near);
	if (buf_adds(b, "valid keys: ") < 0)
		return -1;
	return join_names(b, keys, NULL);
}

static int unknown_key(struct parser *p, const struct key *keys,
		       const char *path)
{
	char shown[SHOW_MAX + 8];
	struct buf hint = {0};
	int rc;

	show(shown, sizeof shown, text(p), text_len(p));
	if (unknown_key_hint(&hint, keys, path, text(p)) < 0) {
		buf_free(&hint);
		return nomem(p);
	}
	if (path[0] == '\0')
		rc = fail(p, p->ev.start_mark, hint.p, "unknown key '%s'",
			  shown);
	else
		rc = fail(p, p->ev.start_mark, hint.p, "unknown key '%s' in %s",
			  shown, path);
	buf_free(&hint);
	return rc;
}

static int duplicate_key(struct parser *p, const char *path, unsigned first)
{
	char shown[SHOW_MAX + 8];

	show(shown, sizeof shown, text(p), text_len(p));
	if (path[0] == '\0')
		return fail(p, p->ev.start_mark, NULL,
			    "duplicate key '%s' (first at line %u)", shown,
			    first);
	return fail(p, p->ev.start_mark, NULL,
		    "duplicate key '%s' in %s (first at line %u)", shown, path,
		    first);
}

/* The current event must be a key: a non-empty scalar. */
static int check_key(struct parser *p, const char *path)
{
	const char *sep = path[0] ? ": " : "";

	if (!is_type(p, YAML_SCALAR_EVENT))
		return fail(p, p->ev.start_mark, NULL,
			    "%s%sa key must be a name, not %s", path, sep,
			    node_desc(p));
	if (text_len(p) == 0)
		return fail(p, p->ev.start_mark, NULL, "%s%sempty key name",
			    path, sep);
	return 0;
}

/* ---- Values ---- */

static int parse_mapping(struct parser *p, const struct key *keys,
			 const char *path);

/* Fills l from the list whose start is the current event. Entries must be
 * non-empty strings, except after the first when allow_empty (a command's
 * arguments may be ""). */
static int parse_list(struct parser *p, struct spec_list *l, const char *path,
		      int allow_empty)
{
	list_clear(l);
	l->set = 1;
	for (;;) {
		if (next(p) < 0)
			return -1;
		if (is_type(p, YAML_SEQUENCE_END_EVENT))
			return 0;
		if (!is_type(p, YAML_SCALAR_EVENT))
			return fail(p, p->ev.start_mark, NULL,
				    "%s: each entry must be a string, not %s",
				    path, node_desc(p));
		if (is_null(p) ||
		    (text_len(p) == 0 && !(allow_empty && l->n > 0)))
			return fail(p, p->ev.start_mark, NULL,
				    "%s: empty entry", path);
		if (spec_list_add(l, text(p), mark_line(p->ev.start_mark),
				  mark_col(p, p->ev.start_mark)) < 0)
			return nomem(p);
	}
}

/* command: and outputs.root: take a string or a non-empty list. */
static int parse_string_or_list(struct parser *p, const struct key *k,
				struct spec_list *l, const char *path)
{
	yaml_mark_t start = p->ev.start_mark;
	int command = k->kind == K_COMMAND;

	if (is_type(p, YAML_SCALAR_EVENT)) {
		if (text_len(p) == 0)
			return fail(p, start, NULL, "%s: must not be empty",
				    path);
		list_clear(l);
		if (spec_list_add(l, text(p), mark_line(start),
				  mark_col(p, start)) < 0)
			return nomem(p);
		if (command)
			p->s->command_shell = 1;
		return 0;
	}
	if (!is_type(p, YAML_SEQUENCE_START_EVENT))
		return wrong_type(p, path, "a string or a list of strings");
	if (parse_list(p, l, path, command) < 0)
		return -1;
	if (l->n == 0)
		return fail(p, start,
			    command ? "give the program and its arguments, "
				      "e.g. [npm, run, build]"
				    : "name at least one output directory",
			    "%s: the list is empty", path);
	if (command)
		p->s->command_shell = 0;
	return 0;
}

static int valid_var_name(const char *s)
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

static size_t hash_name(const char *s)
{
	uint64_t h = 14695981039346656037u; /* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return (size_t)h;
}

/* The entry of m named name, or NULL, via h. */
static const struct spec_kv *nameset_find(const struct nameset *h,
					  const struct spec_map *m,
					  const char *name)
{
	if (h->cap == 0 || m->v == NULL)
		return NULL;
	for (size_t i = hash_name(name) & (h->cap - 1);;
	     i = (i + 1) & (h->cap - 1)) {
		size_t at = h->slot[i];

		if (at == 0 || at > m->n)
			return NULL;
		if (strcmp(m->v[at - 1].name.s, name) == 0)
			return &m->v[at - 1];
	}
}

static void nameset_insert(struct nameset *h, const struct spec_map *m,
			   size_t idx)
{
	size_t i = hash_name(m->v[idx].name.s) & (h->cap - 1);

	while (h->slot[i] != 0)
		i = (i + 1) & (h->cap - 1);
	h->slot[i] = idx + 1;
}

/* Records m->v[idx], rebuilding the table at half load. */
static int nameset_add(struct nameset *h, const struct spec_map *m, size_t idx)
{
	if (h->slot == NULL || (idx + 1) * 2 > h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 16;
		size_t *slot;

		if (cap < h->cap || cap > (size_t)-1 / sizeof *slot)
			return -1;
		slot = calloc(cap, sizeof *slot);
		if (slot == NULL)
			return -1;
		free(h->slot);
		h->slot = slot;
		h->cap = cap;
		for (size_t i = 0; i < idx; i++)
			nameset_insert(h, m, i);
	}
	nameset_insert(h, m, idx);
	return 0;
}

/* One NAME: VALUE of env.set; the current event is the key. */
static int parse_var(struct parser *p, struct spec_map *m, struct nameset *h,
		     const char *path)
{
	char shown[SHOW_MAX + 8], hint[SHOW_MAX + 64];
	yaml_mark_t kmark = p->ev.start_mark;
	const struct spec_kv *first;
	char *name = NULL;
	unsigned kcol;
	int rc = -1;

	if (check_key(p, path) < 0)
		return -1;
	/* Before the value's marks, so that mark_col walks forward. */
	kcol = mark_col(p, kmark);
	show(shown, sizeof shown, text(p), text_len(p));
	if (!valid_var_name(text(p)))
		return fail(p, kmark,
			    "a name is letters, digits and '_', and does not "
			    "start with a digit",
			    "%s: '%s' is not a valid variable name", path,
			    shown);
	first = nameset_find(h, m, text(p));
	if (first != NULL)
		return duplicate_key(p, path, first->name.line);
	name = dup_text(text(p));
	if (name == NULL)
		return nomem(p);
	if (next(p) < 0)
		goto out;
	if (is_null(p)) {
		(void)snprintf(hint, sizeof hint,
			       "write %s: \"\" for an empty value", shown);
		fail(p, kmark, hint, "no value for %s.%s", path, shown);
		goto out;
	}
	if (!is_type(p, YAML_SCALAR_EVENT)) {
		fail(p, p->ev.start_mark, NULL,
		     "%s.%s: expected a string, not %s", path, shown,
		     node_desc(p));
		goto out;
	}
	if (map_append(m, name, mark_line(kmark), kcol, text(p),
		       mark_line(p->ev.start_mark),
		       mark_col(p, p->ev.start_mark)) < 0 ||
	    nameset_add(h, m, m->n - 1) < 0) {
		nomem(p);
		goto out;
	}
	rc = 0;
out:
	free(name);
	return rc;
}

/* env.set: names to values, each kept as written (`PORT: 3000` is the
 * text "3000", `DEBUG: true` the text "true"). */
static int parse_vars(struct parser *p, struct spec_map *m, const char *path)
{
	struct nameset h = {NULL, 0};
	int rc = 0;

	spec_map_free(m);
	m->set = 1;
	for (;;) {
		if (next(p) < 0) {
			rc = -1;
			break;
		}
		if (is_type(p, YAML_MAPPING_END_EVENT))
			break;
		if (parse_var(p, m, &h, path) < 0) {
			rc = -1;
			break;
		}
	}
	free(h.slot);
	return rc;
}

static const char *scalar_expected(const struct key *k, struct buf *b)
{
	switch (k->kind) {
	case K_BOOL: return "true or false";
	case K_COUNT: return "an integer";
	case K_DURATION: return "a duration";
	case K_SIZE: return "a size";
	case K_PATH_OPT: return "a path or false";
	case K_FRAMEWORK:
	case K_MANIFEST:
	case K_NETWORK:
	case K_SOURCEMAPS:
		if (buf_adds(b, "one of ") < 0 ||
		    join_names(b, NULL, k->choices) < 0)
			return NULL;
		return b->p;
	default: return "a string";
	}
}

static void set_enum(const struct key *k, void *field, int v)
{
	switch (k->kind) {
	case K_FRAMEWORK: *(enum framework *)field = (enum framework)v; break;
	case K_MANIFEST:
		*(enum manifest_kind *)field = (enum manifest_kind)v;
		break;
	case K_NETWORK: *(enum network *)field = (enum network)v; break;
	default: *(enum sourcemaps *)field = (enum sourcemaps)v; break;
	}
}

static int bad_enum(struct parser *p, const struct key *k, const char *path)
{
	char shown[SHOW_MAX + 8], hint[64];
	struct buf names = {0};
	const char *near = closest(k->choices, NULL, text(p));
	int rc;

	if (join_names(&names, NULL, k->choices) < 0) {
		buf_free(&names);
		return nomem(p);
	}
	if (near != NULL)
		(void)snprintf(hint, sizeof hint, "did you mean '%s'?", near);
	rc = fail(p, p->ev.start_mark, near ? hint : NULL,
		  "%s: '%s' is not one of %s", path,
		  show(shown, sizeof shown, text(p), text_len(p)), names.p);
	buf_free(&names);
	return rc;
}

/* err: the errno of the units parser (units.h); anything but ERANGE and
 * EDOM says the text is not `what`. */
static int bad_number(struct parser *p, const char *path, int err,
		      const char *what, const char *hint)
{
	char shown[SHOW_MAX + 8];

	show(shown, sizeof shown, text(p), text_len(p));
	if (err == ERANGE)
		return fail(p, p->ev.start_mark, NULL, "%s: '%s' is too large",
			    path, shown);
	if (err == EDOM)
		return fail(p, p->ev.start_mark, NULL, "%s: '%s' is negative",
			    path, shown);
	return fail(p, p->ev.start_mark, hint, "%s: '%s' is not %s", path,
		    shown, what);
}

/* Values that are one scalar: strings, booleans, numbers, enums. */
static int parse_scalar(struct parser *p, const struct key *k, void *field,
			const char *path)
{
	yaml_mark_t m = p->ev.start_mark;
	int v;

	if (!is_type(p, YAML_SCALAR_EVENT)) {
		struct buf b = {0};
		const char *what = scalar_expected(k, &b);

		if (what == NULL)
			v = nomem(p);
		else
			v = wrong_type(p, path, what);
		buf_free(&b);
		return v;
	}
	switch (k->kind) {
	case K_STR:
		if (text_len(p) == 0)
			return fail(p, m, NULL, "%s: must not be empty", path);
		if (spec_str_set(field, text(p), mark_line(m), mark_col(p, m)) <
		    0)
			return nomem(p);
		return 0;
	case K_PATH_OPT: {
		struct spec_path_opt *po = field;

		/* A plain `false` turns it off; a quoted "false" is a
		 * file of that name. `true` says nothing a default does
		 * not, and would read as a file named "true". */
		if (p->ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		    (strcmp(text(p), "false") == 0 ||
		     strcmp(text(p), "true") == 0)) {
			if (text(p)[0] == 't')
				return fail(p, m,
					    "leave it out for the default "
					    "place, or give a path",
					    "%s: true is not a path", path);
			po->off = 1;
			return spec_str_set(&po->path, NULL, 0, 0);
		}
		if (text_len(p) == 0)
			return fail(p, m, NULL, "%s: must not be empty", path);
		po->off = 0;
		if (spec_str_set(&po->path, text(p), mark_line(m),
				 mark_col(p, m)) < 0)
			return nomem(p);
		return 0;
	}
	case K_BOOL:
		if (strcmp(text(p), "true") != 0 &&
		    strcmp(text(p), "false") != 0)
			return bad_number(p, path, EINVAL, "true or false",
					  "only true and false, in lower case, "
					  "are booleans in a spec");
		*(int *)field = text(p)[0] == 't';
		return 0;
	case K_COUNT:
		if (units_parse_count(text(p), field) == 0)
			return 0;
		return bad_number(p, path, errno, "an integer",
				  "write a whole decimal number, e.g. 4096");
	case K_DURATION:
		if (units_parse_duration(text(p), field) == 0)
			return 0;
		return bad_number(p, path, errno, "a duration",
				  "a duration is a number with a unit h, m, s "
				  "or ms, e.g. 90s, 15m, 1h30m (a bare number "
				  "is seconds)");
	case K_SIZE:
		if (units_parse_size(text(p), field) == 0)
			return 0;
		return bad_number(p, path, errno, "a size",
				  "a size is a number of bytes with an "
				  "optional unit K, M, G or T (powers of "
				  "1024), e.g. 512M");
	default:
		if (choice_parse(k->choices, text(p), &v) < 0)
			return bad_enum(p, k, path);
		set_enum(k, field, v);
		return 0;
	}
}

static const char *null_hint(const struct key *k)
{
	switch (k->kind) {
	case K_LIST: return "write [] for an empty list";
	case K_SECTION:
	case K_VARS: return "indent its keys below it, or remove the line";
	default: return NULL;
	}
}

/* The value of key k, whose own event was at kmark. */
static int parse_value(struct parser *p, const struct key *k, const char *path,
		       yaml_mark_t kmark)
{
	void *field = (char *)p->s + k->off;

	if (next(p) < 0)
		return -1;
	if (is_null(p))
		return fail(p, kmark, null_hint(k), "no value for %s", path);
	switch (k->kind) {
	case K_SECTION:
		if (!is_type(p, YAML_MAPPING_START_EVENT))
			return wrong_type(p, path, "a mapping");
		return parse_mapping(p, k->sub, path);
	case K_LIST:
		if (!is_type(p, YAML_SEQUENCE_START_EVENT))
			return wrong_type(p, path, "a list of strings");
		return parse_list(p, field, path, 0);
	case K_COMMAND:
	case K_ROOTS: return parse_string_or_list(p, k, field, path);
	case K_VARS:
		if (!is_type(p, YAML_MAPPING_START_EVENT))
			return wrong_type(p, path, "a mapping");
		return parse_vars(p, field, path);
	default: return parse_scalar(p, k, field, path);
	}
}

/* The keys of a mapping whose start is the current event. */
static int parse_mapping(struct parser *p, const struct key *keys,
			 const char *path)
{
	unsigned seen[MAX_KEYS] = {0};
	char child[64];

	for (;;) {
		const struct key *k;
		yaml_mark_t kmark;

		if (next(p) < 0)
			return -1;
		if (is_type(p, YAML_MAPPING_END_EVENT))
			return 0;
		if (check_key(p, path) < 0)
			return -1;
		k = lookup(keys, text(p));
		if (k == NULL)
			return unknown_key(p, keys, path);
		kmark = p->ev.start_mark;
		if (seen[k - keys] != 0)
			return duplicate_key(p, path, seen[k - keys]);
		seen[k - keys] = mark_line(kmark);
		(void)snprintf(child, sizeof child, "%s%s%s", path,
			       path[0] ? "." : "", k->name);
		if (parse_value(p, k, child, kmark) < 0)
			return -1;
	}
}

/* The stream: at most one document, whose root is a mapping (or nothing:
 * an empty file or a lone `---` is an empty spec). */
static int parse_stream(struct parser *p)
{
	if (next(p) < 0) /* STREAM-START */
		return -1;
	if (next(p) < 0)
		return -1;
	if (is_type(p, YAML_STREAM_END_EVENT))
		return 0;
	if (next(p) < 0) /* the root node */
		return -1;
	if (is_type(p, YAML_MAPPING_START_EVENT)) {
		if (parse_mapping(p, top_keys, "") < 0)
			return -1;
	} else if (!is_null(p)) {
		return fail(p, p->ev.start_mark,
			    "write one 'key: value' per line, e.g. "
			    "'framework: rails'",
			    "the spec must be a mapping of keys, not %s",
			    node_desc(p));
	}
	if (next(p) < 0) /* DOCUMENT-END */
		return -1;
	if (next(p) < 0)
		return -1;
	if (is_type(p, YAML_DOCUMENT_START_EVENT))
		return fail(p, p->ev.start_mark,
			    "remove the second '---' and merge the keys",
			    "a spec must be a single YAML document");
	return 0;
}

int spec_parse(const char *name, const char *buf, size_t len, struct spec *s,
	       struct err *e)
{
	struct parser p;
	int rc;

	if (len > SPEC_MAX)
		return err_set(e, ERR_CONFIG, name, 0, 0,
			       "spec file is larger than 1 MiB");
	memset(&p, 0, sizeof p);
	p.name = name;
	p.buf = buf ? buf : "";
	p.len = buf ? len : 0;
	p.s = s;
	p.e = e;
	if (p.len >= 2 && ((p.buf[0] == '\xfe' && p.buf[1] == '\xff') ||
			   (p.buf[0] == '\xff' && p.buf[1] == '\xfe')))
		p.utf16 = 1;
	else if (p.len >= 3 && memcmp(p.buf, "\xef\xbb\xbf", 3) == 0)
		p.bom = 3;
	p.cur.byte = p.cur.line_start = p.bom;
	free(s->path);
	s->path = NULL;
	if (name != NULL && (s->path = dup_text(name)) == NULL)
		return nomem(&p);
	if (!yaml_parser_initialize(&p.yp))
		return nomem(&p);
	/* libyaml asserts that its input is not NULL, even when empty. */
	yaml_parser_set_input_string(&p.yp, (const unsigned char *)p.buf,
				     p.len);
	rc = parse_stream(&p);
	if (p.have_ev)
		yaml_event_delete(&p.ev);
	yaml_parser_delete(&p.yp);
	return rc;
}

int spec_load_text(const char *path, struct spec *s, struct buf *text,
		   struct err *e)
{
	if (io_read_file(path, SPEC_MAX, text) < 0) {
		int saved = errno;

		if (saved == ENOMEM)
			return err_sys(e, saved, "%s", path);
		err_set(e, ERR_CONFIG, path, 0, 0, "cannot read spec: %s",
			saved == EFBIG ? "larger than 1 MiB" : strerror(saved));
		if (saved == ENOENT)
			err_hint(e, "check the path given with -f, or write a "
				    "starter spec with 'cleanroom init'");
		return -1;
	}
	return spec_parse(path, text->p ? text->p : "", text->len, s, e);
}

int spec_load(const char *path, struct spec *s, struct err *e)
{
	struct buf data = {0};
	int rc = spec_load_text(path, s, &data, e);

	buf_free(&data);
	return rc;
}

static int key_paths(struct buf *out, const char *prefix, const struct key *k)
{
	for (; k->name != NULL; k++) {
		if (buf_printf(out, "%s%s%s\n", prefix, *prefix ? "." : "",
			       k->name) < 0)
			return -1;
		if (k->kind == K_SECTION) {
			char sub[64];
			int n = snprintf(sub, sizeof sub, "%s%s%s", prefix,
					 *prefix ? "." : "", k->name);

			if (n < 0 || (size_t)n >= sizeof sub ||
			    key_paths(out, sub, k->sub) < 0)
				return -1;
		}
	}
	return 0;
}

int spec_key_paths(struct buf *out)
{
	return key_paths(out, "", top_keys);
}
