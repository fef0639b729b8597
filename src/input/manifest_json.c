/*
 * JSON manifests read with libyaml, which the binary links anyway (STYLE.md
 * 12). JSON is YAML 1.2 flow, but libyaml is a YAML 1.1 parser and accepts
 * much that JSON does not, so a short lexical pass runs first: it refuses
 * characters that only YAML gives a meaning to (comments, anchors, aliases,
 * tags, single quotes, block indicators), trailing commas, escapes JSON
 * does not have, raw control characters in strings, and nesting deeper
 * than MAX_DEPTH; and it rewrites each \uD8xx\uDCxx surrogate pair into the
 * UTF-8 of its character, because libyaml 0.2.5 refuses any \u escape in
 * the surrogate range (Python's json.dumps writes such pairs for every
 * character outside the BMP, so Django manifests can hold them). The event
 * stream then becomes a small tree of nodes in one array, with all texts in
 * one arena; scalars are typed by their style (quoted: string; plain: the
 * JSON number, true, false or null grammar, nothing else).
 */
#include "manifest_json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "hex.h"
#include "utf8.h"
#include "vec.h"

/* Deeper nesting than any manifest has; the bound keeps the builder's
 * stack small and fixed. */
#define MAX_DEPTH 64
/* Values in one document: a real manifest of 100,000 files has about a
 * million; the bound keeps a hostile one ("[1,1,1,...]") from costing
 * more than 64 MiB of nodes. */
#define MAX_NODES ((size_t)1 << 20)

/* Where the lexical pass stands, for messages. */
struct lexer {
	const char *s;
	size_t len, i;
	size_t line_start; /* offset of the current line's first byte */
	unsigned line;
	struct buf *out;
	char *msg;
	size_t size;
	unsigned *eline, *ecol;
};

static int lex_fail(struct lexer *lx, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int lex_fail(struct lexer *lx, size_t at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(lx->msg, lx->size, fmt, ap);
	va_end(ap);
	*lx->eline = lx->line;
	*lx->ecol = (unsigned)(at - lx->line_start + 1);
	errno = EINVAL;
	return -1;
}

/* The four hex digits at s[i..i+4), or -1 (also when the text ends). */
static long hex4(const struct lexer *lx, size_t i)
{
	unsigned char b[2];

	if (i > lx->len || lx->len - i < 4 ||
	    hex_decode(b, lx->s + i, 2, NULL) < 0)
		return -1;
	return (long)b[0] << 8 | b[1];
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Characters a JSON number, true, false or null is made of. */
static int is_scalar_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c == '-' || c == '+' || c == '.';
}

/* Appends the UTF-8 of the character a surrogate pair stands for. */
static int add_pair(struct buf *out, long hi, long lo)
{
	unsigned long cp = 0x10000 + (((unsigned long)hi - 0xD800) << 10) +
			   ((unsigned long)lo - 0xDC00);
	char u[4] = {
		(char)(0xF0 | (cp >> 18)),
		(char)(0x80 | ((cp >> 12) & 0x3F)),
		(char)(0x80 | ((cp >> 6) & 0x3F)),
		(char)(0x80 | (cp & 0x3F)),
	};

	return buf_add(out, u, sizeof u);
}

/* The string starting at lx->i (its opening quote); leaves lx->i after
 * the closing quote. */
static int lex_string(struct lexer *lx)
{
	const char *s = lx->s;
	size_t open = lx->i, from = lx->i, i = lx->i + 1;

	for (;;) {
		long hi, lo = -1;
		char c;

		if (i >= lx->len)
			return lex_fail(lx, open, "unterminated string");
		c = s[i];
		if (c == '"')
			break;
		if ((unsigned char)c < 0x20)
			return lex_fail(lx, i,
					"control character 0x%02x in a string",
					(unsigned char)c);
		if ((unsigned char)c >= 0x80) {
			/* Checked here rather than left to libyaml, whose
			 * reader reports a bad byte at no position (line 1,
			 * column 1): this is where it is. */
			size_t n = utf8_decode((const unsigned char *)s + i,
					       lx->len - i, NULL);

			if (n == 0)
				return lex_fail(lx, i,
						"invalid UTF-8 in a string "
						"(byte 0x%02x)",
						(unsigned char)c);
			i += n;
			continue;
		}
		if (c != '\\') {
			i++;
			continue;
		}
		if (i + 1 >= lx->len)
			return lex_fail(lx, open, "unterminated string");
		c = s[i + 1];
		if (c != 'u') {
			if (c == '\0' || strchr("\"\\/bfnrt", c) == NULL)
				return lex_fail(lx, i,
						"invalid escape in a string");
			i += 2;
			continue;
		}
		hi = hex4(lx, i + 2);
		if (hi < 0)
			return lex_fail(lx, i, "\\u needs four hex digits");
		if (hi < 0xD800 || hi > 0xDFFF) {
			i += 6;
			continue;
		}
		if (hi <= 0xDBFF && i + 8 <= lx->len && s[i + 6] == '\\' &&
		    s[i + 7] == 'u')
			lo = hex4(lx, i + 8);
		if (lo < 0xDC00 || lo > 0xDFFF)
			return lex_fail(lx, i,
					"unpaired UTF-16 surrogate \\u%04lx",
					hi);
		if (buf_add(lx->out, s + from, i - from) < 0 ||
		    add_pair(lx->out, hi, lo) < 0)
			return -1;
		i += 12;
		from = i;
	}
	if (buf_add(lx->out, s + from, i + 1 - from) < 0)
		return -1;
	lx->i = i + 1;
	return 0;
}

/* The lexical pass: checks what libyaml would let through and copies the
 * text to out, with surrogate pairs joined. */
static int lex(struct lexer *lx)
{
	char stack[MAX_DEPTH];
	size_t depth = 0;
	int started = 0;

	if (lx->len >= 3 && memcmp(lx->s, "\xef\xbb\xbf", 3) == 0)
		lx->i = lx->line_start = 3;
	if (buf_reserve(lx->out, lx->len) < 0)
		return -1;
	while (lx->i < lx->len) {
		size_t i = lx->i;
		char c = lx->s[i];

		if (started && depth == 0 && !is_space(c))
			return lex_fail(lx, i,
					"text after the end of the document");
		if (c == '"') {
			if (lex_string(lx) < 0)
				return -1;
			continue;
		}
		if (c == '{' || c == '[') {
			if (depth == MAX_DEPTH)
				return lex_fail(lx, i,
						"nested deeper than %d levels",
						MAX_DEPTH);
			stack[depth++] = c;
			started = 1;
		} else if (c == '}' || c == ']') {
			if (depth == 0 ||
			    stack[depth - 1] != (c == '}' ? '{' : '['))
				return lex_fail(lx, i, "unexpected '%c'", c);
			depth--;
		} else if (c == ':') {
			if (depth == 0 || stack[depth - 1] != '{')
				return lex_fail(lx, i, "unexpected ':'");
		} else if (c == ',') {
			size_t k = i + 1;

			while (k < lx->len && is_space(lx->s[k]))
				k++;
			if (k < lx->len && (lx->s[k] == '}' || lx->s[k] == ']'))
				return lex_fail(lx, i, "trailing comma");
		} else if (!is_space(c) && !(started && is_scalar_char(c))) {
			if (!started)
				return lex_fail(lx, i,
						"not a JSON object or array");
			if ((unsigned char)c > 0x20 && (unsigned char)c < 0x7f)
				return lex_fail(lx, i, "unexpected '%c'", c);
			return lex_fail(lx, i, "unexpected byte 0x%02x",
					(unsigned char)c);
		}
		if (buf_addc(lx->out, c) < 0)
			return -1;
		lx->i++;
		if (c == '\n') {
			lx->line++;
			lx->line_start = lx->i;
		}
	}
	if (!started)
		return lex_fail(lx, lx->i, "empty document");
	if (depth != 0)
		return lex_fail(lx, lx->i, "unexpected end of the document");
	return 0;
}

/* ---- The tree ---- */

static int add_text(struct mf_json *j, const char *p, size_t n, size_t *off)
{
	*off = j->arena.len;
	if (buf_add(&j->arena, p, n) < 0 || buf_addc(&j->arena, '\0') < 0)
		return -1;
	return 0;
}

static long add_node(struct mf_json *j, enum mf_jtype type, unsigned line)
{
	if (j->n == MAX_NODES) {
		errno = E2BIG;
		return -1;
	}
	if (vec_grow((void **)&j->v, &j->cap, j->n + 1, sizeof *j->v) < 0)
		return -1;
	memset(&j->v[j->n], 0, sizeof j->v[0]);
	j->v[j->n].type = type;
	j->v[j->n].line = line;
	return (long)j->n++;
}

/* JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int is_number(const char *s, size_t n)
{
	size_t i = 0, d;

	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0') {
		i++;
	} else {
		for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	if (i < n && s[i] == '.') {
		for (d = ++i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	return i == n;
}

struct frame {
	size_t node, last; /* last child, 0 when none yet */
	int have_key;
	size_t key, klen;
};

struct builder {
	struct mf_json *j;
	struct frame stack[MAX_DEPTH + 1];
	size_t depth;
	char *msg;
	size_t size;
	unsigned *line, *col;
};

static int build_fail(struct builder *b, const yaml_event_t *ev,
		      const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int build_fail(struct builder *b, const yaml_event_t *ev,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(b->msg, b->size, fmt, ap);
	va_end(ap);
	*b->line = (unsigned)ev->start_mark.line + 1;
	*b->col = (unsigned)ev->start_mark.column + 1;
	errno = EINVAL;
	return -1;
}

/* Links node idx as the next child of the innermost open container. */
static void attach(struct builder *b, size_t idx)
{
	struct frame *fr = &b->stack[b->depth - 1];
	struct mf_json *j = b->j;

	if (fr->last == 0)
		j->v[fr->node].first = idx;
	else
		j->v[fr->last].next = idx;
	fr->last = idx;
	j->v[fr->node].n++;
	if (fr->have_key) {
		j->v[idx].key = fr->key;
		j->v[idx].klen = fr->klen;
		fr->have_key = 0;
	}
}

/* One event of the document's content. Returns 1 when the root closed. */
static int build_event(struct builder *b, const yaml_event_t *ev)
{
	struct mf_json *j = b->j;
	struct frame *top = b->depth ? &b->stack[b->depth - 1] : NULL;
	int want_key =
		top != NULL && j->v[top->node].type == MJ_OBJ && !top->have_key;
	unsigned line = (unsigned)ev->start_mark.line + 1;
	enum mf_jtype type;
	long idx;

	switch (ev->type) {
	case YAML_SCALAR_EVENT: {
		const char *s = (const char *)ev->data.scalar.value;
		size_t n = ev->data.scalar.length;
		size_t off;

		if (ev->data.scalar.anchor || ev->data.scalar.tag)
			return build_fail(b, ev, "YAML anchor or tag");
		if (ev->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE)
			type = MJ_STR;
		else if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
			return build_fail(b, ev, "not a JSON value");
		else if (n == 4 && memcmp(s, "null", 4) == 0)
			type = MJ_NULL;
		else if ((n == 4 && memcmp(s, "true", 4) == 0) ||
			 (n == 5 && memcmp(s, "false", 5) == 0))
			type = MJ_BOOL;
		else if (is_number(s, n))
			type = MJ_NUM;
		else if (n == 0)
			return build_fail(b, ev,
					  want_key ? "an object key must be a "
						     "string"
						   : "a key without a value");
		else
			return build_fail(b, ev, "not a JSON value: '%.*s'",
					  n > 40 ? 40 : (int)n, s);
		if (top == NULL)
			return build_fail(b, ev, "not a JSON object or array");
		if (want_key) {
			if (type != MJ_STR)
				return build_fail(b, ev,
						  "an object key must be a "
						  "string");
			if (add_text(j, s, n, &top->key) < 0)
				return -1;
			top->klen = n;
			top->have_key = 1;
			return 0;
		}
		if (add_text(j, s, n, &off) < 0)
			return -1;
		idx = add_node(j, type, line);
		if (idx < 0 && errno == E2BIG)
			return build_fail(b, ev, "more than %zu values",
					  MAX_NODES);
		if (idx < 0)
			return -1;
		j->v[idx].text = off;
		j->v[idx].len = n;
		attach(b, (size_t)idx);
		return 0;
	}
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT: {
		int map = ev->type == YAML_MAPPING_START_EVENT;

		if (map ? ev->data.mapping_start.anchor ||
				    ev->data.mapping_start.tag
			: ev->data.sequence_start.anchor ||
				    ev->data.sequence_start.tag)
			return build_fail(b, ev, "YAML anchor or tag");
		if (map ? ev->data.mapping_start.style !=
				    YAML_FLOW_MAPPING_STYLE
			: ev->data.sequence_start.style !=
				    YAML_FLOW_SEQUENCE_STYLE)
			return build_fail(b, ev, "not JSON");
		if (want_key)
			return build_fail(b, ev,
					  "an object key must be a string");
		if (b->depth == MAX_DEPTH + 1)
			return build_fail(b, ev, "nested too deeply");
		idx = add_node(j, map ? MJ_OBJ : MJ_ARR, line);
		if (idx < 0 && errno == E2BIG)
			return build_fail(b, ev, "more than %zu values",
					  MAX_NODES);
		if (idx < 0)
			return -1;
		if (top != NULL)
			attach(b, (size_t)idx);
		b->stack[b->depth++] = (struct frame){(size_t)idx, 0, 0, 0, 0};
		return 0;
	}
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		if (top == NULL || top->have_key)
			return build_fail(b, ev, "a key without a value");
		b->depth--;
		return b->depth == 0;
	default: return build_fail(b, ev, "not JSON (YAML alias)");
	}
}

void mf_json_free(struct mf_json *j)
{
	free(j->v);
	buf_free(&j->arena);
	memset(j, 0, sizeof *j);
}

int mf_json_parse(const char *buf, size_t len, struct mf_json *j, char *msg,
		  size_t msgsize, unsigned *line, unsigned *col)
{
	struct builder b = {j, {{0}}, 0, msg, msgsize, line, col};
	struct buf text = {0};
	struct lexer lx = {buf, len, 0, 0, 1, &text, msg, msgsize, line, col};
	yaml_parser_t yp;
	yaml_event_t ev;
	int rc = -1, stage = 0, done = 0;

	memset(j, 0, sizeof *j);
	msg[0] = '\0';
	*line = *col = 0;
	if (lex(&lx) < 0) {
		int saved = errno == EINVAL ? EINVAL : ENOMEM;

		buf_free(&text);
		errno = saved;
		return -1;
	}
	if (!yaml_parser_initialize(&yp)) {
		buf_free(&text);
		errno = ENOMEM;
		return -1;
	}
	yaml_parser_set_input_string(&yp, (const unsigned char *)text.p,
				     text.len);
	while (!done) {
		int r;

		if (!yaml_parser_parse(&yp, &ev)) {
			if (yp.error == YAML_MEMORY_ERROR) {
				errno = ENOMEM;
			} else {
				(void)snprintf(msg, msgsize, "%s",
					       yp.problem ? yp.problem
							  : "cannot parse");
				*line = (unsigned)yp.problem_mark.line + 1;
				*col = (unsigned)yp.problem_mark.column + 1;
				errno = EINVAL;
			}
			goto out;
		}
		switch (ev.type) {
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_START_EVENT:
		case YAML_DOCUMENT_END_EVENT: break;
		case YAML_STREAM_END_EVENT: done = 1; break;
		default:
			if (stage != 0) {
				build_fail(&b, &ev, "more than one document");
				yaml_event_delete(&ev);
				goto out;
			}
			r = build_event(&b, &ev);
			if (r < 0) {
				yaml_event_delete(&ev);
				goto out;
			}
			if (r == 1)
				stage = 1;
		}
		yaml_event_delete(&ev);
	}
	if (j->n == 0) {
		(void)snprintf(msg, msgsize, "empty document");
		*line = *col = 1;
		errno = EINVAL;
		goto out;
	}
	rc = 0;
out:
	yaml_parser_delete(&yp);
	buf_free(&text);
	if (rc < 0) {
		int saved = errno;

		mf_json_free(j);
		errno = saved;
	}
	return rc;
}

const char *mf_json_text(const struct mf_json *j, const struct mf_jnode *n)
{
	return j->arena.p + n->text;
}

const char *mf_json_key(const struct mf_json *j, const struct mf_jnode *n)
{
	return j->arena.p + n->key;
}

const struct mf_jnode *mf_json_first(const struct mf_json *j,
				     const struct mf_jnode *n)
{
	return n->first ? &j->v[n->first] : NULL;
}

const struct mf_jnode *mf_json_next(const struct mf_json *j,
				    const struct mf_jnode *n)
{
	return n->next ? &j->v[n->next] : NULL;
}

const struct mf_jnode *mf_json_get(const struct mf_json *j,
				   const struct mf_jnode *obj, const char *key)
{
	const struct mf_jnode *found = NULL;
	size_t klen = strlen(key);

	if (obj == NULL || obj->type != MJ_OBJ)
		return NULL;
	for (const struct mf_jnode *c = mf_json_first(j, obj); c;
	     c = mf_json_next(j, c))
		if (c->klen == klen &&
		    memcmp(mf_json_key(j, c), key, klen) == 0)
			found = c;
	return found;
}

const char *mf_json_getstr(const struct mf_json *j, const struct mf_jnode *obj,
			   const char *key, size_t *len)
{
	const struct mf_jnode *n = mf_json_get(j, obj, key);

	if (n == NULL || n->type != MJ_STR)
		return NULL;
	if (len != NULL)
		*len = n->len;
	return mf_json_text(j, n);
}

/* ---- Sorted keys ---- */

static int keycmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	if (c != 0)
		return c;
	return an < bn ? -1 : an > bn;
}

static int cmp_keys(const void *pa, const void *pb)
{
	const struct mf_key *a = pa, *b = pb;
	int c = keycmp(a->key, a->len, b->key, b->len);

	/* Equal keys keep document order, so that the last one wins. */
	if (c == 0)
		c = a->node < b->node ? -1 : a->node > b->node;
	return c;
}

int mf_keys_init(struct mf_keys *k, const struct mf_json *j,
		 const struct mf_jnode *obj)
{
	size_t i = 0;

	memset(k, 0, sizeof *k);
	if (obj == NULL || obj->type != MJ_OBJ || obj->n == 0)
		return 0;
	k->v = calloc(obj->n, sizeof *k->v);
	if (k->v == NULL) {
		errno = ENOMEM;
		return -1;
	}
	for (const struct mf_jnode *c = mf_json_first(j, obj); c;
	     c = mf_json_next(j, c))
		k->v[i++] = (struct mf_key){mf_json_key(j, c), c->klen, c};
	k->n = i;
	qsort(k->v, k->n, sizeof *k->v, cmp_keys);
	return 0;
}

const struct mf_jnode *mf_keys_find(const struct mf_keys *k, const char *key,
				    size_t len)
{
	size_t lo = 0, hi = k->n;

	/* The first key not less than key... */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (keycmp(k->v[mid].key, k->v[mid].len, key, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == k->n || keycmp(k->v[lo].key, k->v[lo].len, key, len) != 0)
		return NULL;
	/* ...and of equal keys the last, as JSON parsers keep it. */
	while (lo + 1 < k->n &&
	       keycmp(k->v[lo + 1].key, k->v[lo + 1].len, key, len) == 0)
		lo++;
	return k->v[lo].node;
}

void mf_keys_free(struct mf_keys *k)
{
	free(k->v);
	memset(k, 0, sizeof *k);
}
