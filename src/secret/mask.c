/*
 * Secret masking and withheld-name detection for the relayed build output
 * (mask.h has the contract). Both matchers are one Aho-Corasick automaton:
 * a trie of the patterns with failure links, so each input byte costs one
 * transition however many patterns there are. The trie is sparse (sibling
 * lists) below the root and a dense table at the root, because most bytes
 * of ordinary output start no pattern and the root table lets them pass
 * without touching the trie at all; a private key of several kilobytes
 * would make a dense table per node cost megabytes.
 */
#include "mask.h"

#include "forms.h"
#include "vec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct ac_node {
	unsigned fail;	/* longest proper suffix that is a trie node */
	unsigned dict;	/* nearest terminal on the failure chain; 0: none */
	unsigned first; /* first child; 0: none (the root is nobody's child) */
	unsigned next;	/* next sibling */
	unsigned depth; /* length of the string this node spells */
	unsigned best;	/* longest pattern that is a suffix of it; 0: none */
	unsigned hold;	/* longest suffix that a longer pattern can still
			   extend: the bytes a stream must hold back */
	int id;		/* pattern id when a pattern ends here; -1 otherwise */
	unsigned char c;
};

struct ac {
	struct ac_node *node; /* node[0] is the root */
	size_t n, cap;
	unsigned root[256]; /* the root's transitions; 0 stays at the root */
};

struct mask {
	struct ac ac;
	size_t count;
};

struct mask_names {
	struct ac ac;
	size_t n;
};

static int ac_init(struct ac *a)
{
	memset(a, 0, sizeof *a);
	a->cap = 64;
	a->node = calloc(a->cap, sizeof *a->node);
	if (a->node == NULL)
		return -1;
	a->n = 1;
	a->node[0].id = -1;
	return 0;
}

/* The trie holds secret bytes: wipe it before giving it back. */
static void ac_free(struct ac *a)
{
	if (a->node != NULL) {
		explicit_bzero(a->node, a->cap * sizeof *a->node);
		free(a->node);
	}
	memset(a, 0, sizeof *a);
}

static unsigned ac_child(const struct ac *a, unsigned s, unsigned char c)
{
	if (s == 0)
		return a->root[c];
	for (unsigned t = a->node[s].first; t != 0; t = a->node[t].next)
		if (a->node[t].c == c)
			return t;
	return 0;
}

/* Adds one pattern. Returns 1 when it is new, 0 for a duplicate (the
 * first id stays), -1 when out of memory. */
static int ac_add(struct ac *a, const unsigned char *p, size_t len, int id)
{
	unsigned s = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned t = ac_child(a, s, p[i]);

		if (t == 0) {
			/* Wiped, not realloc'd: the trie spells secrets. */
			if (vec_grow_wiped((void **)&a->node, &a->cap, a->n,
					   a->n + 1, sizeof *a->node) < 0)
				return -1;
			t = (unsigned)a->n++;
			a->node[t] =
				(struct ac_node){.depth = a->node[s].depth + 1,
						 .id = -1,
						 .c = p[i]};
			if (s == 0) {
				a->root[p[i]] = t;
			} else {
				a->node[t].next = a->node[s].first;
				a->node[s].first = t;
			}
		}
		s = t;
	}
	if (s == 0 || a->node[s].id >= 0)
		return 0;
	a->node[s].id = id;
	return 1;
}

static unsigned ac_step(const struct ac *a, unsigned s, unsigned char c)
{
	while (s != 0) {
		unsigned t = ac_child(a, s, c);

		if (t != 0)
			return t;
		s = a->node[s].fail;
	}
	return a->root[c];
}

/* Failure links, dictionary links and the longest match per node, in
 * breadth-first order so that every node's failure target (which is
 * shallower) is complete before the node itself. */
static int ac_build(struct ac *a)
{
	unsigned *queue = malloc(a->n * sizeof *queue);
	size_t head = 0, tail = 0;

	if (queue == NULL)
		return -1;
	for (unsigned c = 0; c < 256; c++)
		if (a->root[c] != 0)
			queue[tail++] = a->root[c];
	while (head < tail) {
		unsigned u = queue[head++];
		struct ac_node *nu = &a->node[u];
		const struct ac_node *f = &a->node[nu->fail];

		nu->dict = f->id >= 0 ? nu->fail : f->dict;
		nu->best = nu->id >= 0 ? nu->depth : f->best;
		nu->hold = nu->first != 0 ? nu->depth : f->hold;
		for (unsigned v = nu->first; v != 0; v = a->node[v].next) {
			a->node[v].fail =
				u == 0 ? 0 : ac_step(a, nu->fail, a->node[v].c);
			queue[tail++] = v;
		}
	}
	free(queue);
	return 0;
}

int mask_new(const char *const *values, size_t n, struct mask **out,
	     struct err *e)
{
	struct mask *m = calloc(1, sizeof *m);

	*out = NULL;
	if (m == NULL || ac_init(&m->ac) < 0)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(values[i]);
		int r;

		if (len < MASK_MIN_LEN)
			continue;
		r = ac_add(&m->ac, (const unsigned char *)values[i], len,
			   (int)i);
		if (r < 0)
			goto oom;
		m->count += (size_t)r;
	}
	if (ac_build(&m->ac) < 0)
		goto oom;
	*out = m;
	return 0;
oom:
	mask_free(m);
	return err_sys(e, ENOMEM, "compiling the secret masker");
}

struct form_add {
	struct ac *ac;
	int id;
	int added; /* a form of this value was new */
};

static int add_form(const void *p, size_t n, const char *encoding, void *arg)
{
	struct form_add *fa = arg;
	int r;

	(void)encoding;
	if (n < MASK_MIN_LEN)
		return 0;
	r = ac_add(fa->ac, p, n, fa->id);
	if (r > 0)
		fa->added = 1;
	return r < 0 ? -1 : 0;
}

int mask_new_secrets(const char *const *values, size_t n, struct mask **out,
		     struct err *e)
{
	struct mask *m = calloc(1, sizeof *m);

	*out = NULL;
	if (m == NULL || ac_init(&m->ac) < 0)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		struct form_add fa = {&m->ac, (int)i, 0};

		if (forms_each(values[i], strlen(values[i]), MASK_MIN_LEN,
			       add_form, &fa) < 0)
			goto oom;
		m->count += (size_t)fa.added;
	}
	if (ac_build(&m->ac) < 0)
		goto oom;
	*out = m;
	return 0;
oom:
	mask_free(m);
	return err_sys(e, ENOMEM, "compiling the secret masker");
}

void mask_free(struct mask *m)
{
	if (m == NULL)
		return;
	ac_free(&m->ac);
	free(m);
}

size_t mask_count(const struct mask *m)
{
	return m ? m->count : 0;
}

void mask_stream_init(struct mask_stream *s, const struct mask *m)
{
	memset(s, 0, sizeof *s);
	s->m = m;
}

void mask_stream_free(struct mask_stream *s)
{
	if (s->win != NULL) {
		explicit_bzero(s->win, s->cap);
		free(s->win);
	}
	free(s->cov);
	memset(s, 0, sizeof *s);
}

static int hold(struct mask_stream *s, unsigned char c)
{
	if (s->len == s->cap) {
		/* win and cov grow in step, to the same capacity; only win
		 * holds output bytes (secrets, until masked). Should cov
		 * fail, s->cap stays the smaller old one, which still covers
		 * every held byte. */
		size_t wcap = s->cap, ccap = s->cap;

		if (vec_grow_wiped((void **)&s->win, &wcap, s->len, s->len + 1,
				   1) < 0 ||
		    vec_grow((void **)&s->cov, &ccap, wcap, 1) < 0)
			return -1;
		s->cap = wcap;
	}
	s->win[s->len] = c;
	s->cov[s->len] = 0;
	s->len++;
	return 0;
}

/* Releases the first k held bytes: covered runs become one MASK_TEXT
 * (continuing a run released earlier adds nothing). */
static int release(struct mask_stream *s, size_t k, struct buf *out)
{
	size_t j = 0;

	while (j < k) {
		size_t r = j;

		if (s->cov[j]) {
			if (!s->in_run && buf_adds(out, MASK_TEXT) < 0)
				return -1;
			s->in_run = 1;
			while (j < k && s->cov[j])
				j++;
			continue;
		}
		while (r < k && !s->cov[r])
			r++;
		if (buf_add(out, s->win + j, r - j) < 0)
			return -1;
		s->in_run = 0;
		j = r;
	}
	if (k < s->len) {
		memmove(s->win, s->win + k, s->len - k);
		memmove(s->cov, s->cov + k, s->len - k);
	}
	s->len -= k;
	return 0;
}

int mask_stream_feed(struct mask_stream *s, const void *p, size_t n,
		     struct buf *out)
{
	const unsigned char *b = p;
	const struct ac *a;
	size_t i = 0;

	if (s->m == NULL || s->m->count == 0)
		return n > 0 ? buf_add(out, p, n) : 0;
	a = &s->m->ac;
	while (i < n) {
		const struct ac_node *nd;

		/* Nothing held: no value can be under way (any state is then
		 * as good as the root), and bytes that start no value can be
		 * copied through as a run. */
		if (s->len == 0) {
			size_t j = i;

			s->state = 0;

			while (j < n && a->root[b[j]] == 0)
				j++;
			if (j > i) {
				if (buf_add(out, b + i, j - i) < 0)
					return -1;
				s->in_run = 0;
				i = j;
			}
			if (i == n)
				break;
		}
		if (hold(s, b[i]) < 0)
			return -1;
		s->state = ac_step(a, s->state, b[i]);
		i++;
		nd = &a->node[s->state];
		/* A match can only end here and reach back over held bytes
		 * (best <= depth <= held). The longest match ending here
		 * covers every shorter one that ends here too. */
		if (nd->best > 0)
			memset(s->cov + s->len - nd->best, 1, nd->best);
		if (nd->hold == 0 && release(s, s->len, out) < 0)
			return -1;
	}
	/* Only the last `hold` bytes can still begin a match that is not
	 * complete yet; a complete one is marked already. */
	if (s->len > a->node[s->state].hold &&
	    release(s, s->len - a->node[s->state].hold, out) < 0)
		return -1;
	return 0;
}

int mask_stream_finish(struct mask_stream *s, struct buf *out)
{
	if (s->len > 0 && release(s, s->len, out) < 0)
		return -1;
	s->state = 0;
	s->in_run = 0;
	return 0;
}

int mask_apply(const struct mask *m, const void *p, size_t n, struct buf *out)
{
	struct mask_stream s;
	int rc;

	mask_stream_init(&s, m);
	rc = mask_stream_feed(&s, p, n, out);
	if (rc == 0)
		rc = mask_stream_finish(&s, out);
	mask_stream_free(&s);
	return rc;
}

/* Names are matched over a folded alphabet: identifier bytes stay, every
 * other byte becomes 0, and each name is stored as "\0NAME\0". A whole-
 * identifier match is then a plain substring match, with no look-behind
 * across reads; the stream starts and ends with a virtual 0. */
static unsigned char fold(unsigned char c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '_')
		return c;
	return 0;
}

static int add_name(struct ac *a, const char *name, int id, int which)
{
	size_t len = strlen(name);
	unsigned char *p = malloc(len + 2);
	int r, changed = 0;

	if (p == NULL)
		return -1;
	p[0] = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (which < 0 && c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (which > 0 && c >= 'a' && c <= 'z')
			c = (unsigned char)(c - 'a' + 'A');
		changed |= c != (unsigned char)name[i];
		p[i + 1] = fold(c);
	}
	p[len + 1] = 0;
	r = which != 0 && !changed ? 0 : ac_add(a, p, len + 2, id);
	free(p);
	return r < 0 ? -1 : 0;
}

int mask_names_new(const char *const *names, size_t n, struct mask_names **out,
		   struct err *e)
{
	struct mask_names *m = calloc(1, sizeof *m);

	*out = NULL;
	if (m == NULL || ac_init(&m->ac) < 0)
		goto oom;
	m->n = n;
	for (size_t i = 0; i < n; i++) {
		if (names[i][0] == '\0')
			continue;
		if (add_name(&m->ac, names[i], (int)i, 0) < 0)
			goto oom;
		/* Config keys are the lower-case spelling of a multi-word
		 * name; a single word (TOKEN, SECRET) in lower case is an
		 * ordinary word and would hint falsely. */
		if (strchr(names[i], '_') != NULL &&
		    (add_name(&m->ac, names[i], (int)i, -1) < 0 ||
		     add_name(&m->ac, names[i], (int)i, 1) < 0))
			goto oom;
	}
	if (ac_build(&m->ac) < 0)
		goto oom;
	*out = m;
	return 0;
oom:
	mask_names_free(m);
	return err_sys(e, ENOMEM, "compiling the name matcher");
}

void mask_names_free(struct mask_names *m)
{
	if (m == NULL)
		return;
	ac_free(&m->ac);
	free(m);
}

static void names_byte(struct mask_names_stream *s, unsigned char c)
{
	const struct ac *a = &s->m->ac;
	unsigned t;

	s->state = ac_step(a, s->state, c);
	t = a->node[s->state].id >= 0 ? s->state : a->node[s->state].dict;
	for (; t != 0; t = a->node[t].dict)
		s->seen[a->node[t].id] = 1;
}

void mask_names_stream_init(struct mask_names_stream *s,
			    const struct mask_names *m, unsigned char *seen)
{
	s->m = m;
	s->seen = seen;
	s->state = 0;
	if (m != NULL)
		names_byte(s, 0);
}

void mask_names_feed(struct mask_names_stream *s, const void *p, size_t n)
{
	const unsigned char *b = p;

	if (s->m == NULL || s->m->n == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		/* At the root, inside an identifier that matched nothing:
		 * every pattern starts at a boundary, so skip to the next. */
		if (s->state == 0) {
			while (i < n && fold(b[i]) != 0)
				i++;
			if (i == n)
				break;
		}
		names_byte(s, fold(b[i]));
	}
}

void mask_names_finish(struct mask_names_stream *s)
{
	if (s->m == NULL)
		return;
	names_byte(s, 0);
	s->state = 0;
	names_byte(s, 0);
}
