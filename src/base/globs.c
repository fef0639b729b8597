/*
 * globs.h: the three common shapes by comparing bytes, the rest by
 * fnmatch. Without FNM_PATHNAME or FNM_PERIOD a "*" matches any bytes,
 * "/" and a leading "." included, so "*" and a suffix is a suffix test;
 * and cleanroom never sets a locale, so musl's FNM_CASEFOLD folds ASCII
 * letters alone, as strncasecmp does.
 */
#include "globs.h"

#include <fnmatch.h>
#include <string.h>

void globs_compile(struct globs_pat *p, const char *glob, int flags)
{
	size_t gl = 0, stars = 0, star = 0;

	*p = (struct globs_pat){glob, glob, 0, GLOBS_OTHER, flags, 0};
	for (; glob[gl] != '\0'; gl++) {
		char c = glob[gl];

		if (c == '?' || c == '[' || c == '\\')
			return;
		if (c == '*') {
			star = gl;
			stars++;
		}
	}
	if ((flags & ~FNM_CASEFOLD) != 0 || stars > 1)
		return;
	if (stars == 0) {
		p->kind = GLOBS_NAME;
		p->len = gl;
	} else if (star == 0) {
		p->kind = GLOBS_SUFFIX;
		p->fixed = glob + 1;
		p->len = gl - 1;
	} else if (star == gl - 1) {
		p->kind = GLOBS_PREFIX;
		p->len = gl - 1;
	}
	p->base_only = (p->kind == GLOBS_NAME || p->kind == GLOBS_SUFFIX) &&
		       memchr(p->fixed, '/', p->len) == NULL;
}

/* Whether the n bytes at a and at b are equal, in ASCII case or not.
 * Folded inline: musl's strncasecmp calls tolower twice a byte, and the
 * output checks match every file name against a dozen folded globs. */
static int same_bytes(const char *a, const char *b, size_t n, int fold)
{
	if (!fold)
		return memcmp(a, b, n) == 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];

		if (x != y &&
		    ((x | 32) != (y | 32) || (x | 32) < 'a' || (x | 32) > 'z'))
			return 0;
	}
	return 1;
}

int globs_match_pat(const struct globs_pat *p, const char *s, size_t sl)
{
	int fold = (p->flags & FNM_CASEFOLD) != 0;

	switch (p->kind) {
	case GLOBS_NAME:
		return sl == p->len && same_bytes(p->fixed, s, sl, fold);
	case GLOBS_SUFFIX:
		/* The last byte first: most names end otherwise. */
		return sl >= p->len &&
		       (p->len == 0 || same_bytes(p->fixed + p->len - 1,
						  s + sl - 1, 1, fold)) &&
		       same_bytes(p->fixed, s + sl - p->len, p->len, fold);
	case GLOBS_PREFIX:
		return sl >= p->len && same_bytes(p->fixed, s, p->len, fold);
	case GLOBS_OTHER: break;
	}
	return fnmatch(p->glob, s, p->flags) == 0;
}

/* Marks byte c in t, in both cases when fold is set and c is a letter. */
static void mark(unsigned char *t, unsigned char c, int fold)
{
	t[c] = 1;
	if (fold && (c | 32) >= 'a' && (c | 32) <= 'z') {
		t[c | 32] = 1;
		t[c & ~32] = 1;
	}
}

void globs_filter_add(struct globs_filter *f, const struct globs_pat *p)
{
	int fold = (p->flags & FNM_CASEFOLD) != 0;

	if (p->len == 0 || p->kind == GLOBS_OTHER) {
		f->any = 1;
	} else if (p->kind == GLOBS_PREFIX) {
		mark(f->first, (unsigned char)p->fixed[0], fold);
	} else if (p->kind == GLOBS_SUFFIX) {
		mark(f->last, (unsigned char)p->fixed[p->len - 1], fold);
	} else {
		mark(f->name_last, (unsigned char)p->fixed[p->len - 1], fold);
		f->name_len[p->len < 255 ? p->len : 255] = 1;
	}
}

int globs_filter_may(const struct globs_filter *f, const char *s, size_t sl)
{
	unsigned char a, z;

	if (f->any)
		return 1;
	if (sl == 0)
		return 0;
	a = (unsigned char)s[0];
	z = (unsigned char)s[sl - 1];
	return f->first[a] || f->last[z] ||
	       (f->name_last[z] && f->name_len[sl < 255 ? sl : 255]);
}

int globs_match(const char *glob, const char *s, int flags)
{
	struct globs_pat p;

	globs_compile(&p, glob, flags);
	return globs_match_pat(&p, s, strlen(s));
}
