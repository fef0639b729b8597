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
#include <strings.h>

/* Whether the n bytes at a and at b are equal, in ASCII case or not. */
static int same_bytes(const char *a, const char *b, size_t n, int fold)
{
	return fold ? strncasecmp(a, b, n) == 0 : memcmp(a, b, n) == 0;
}

int globs_match(const char *glob, const char *s, int flags)
{
	int fold = (flags & FNM_CASEFOLD) != 0;
	size_t gl = 0, stars = 0, star = 0, sl;

	/* The glob's shape in one pass (globs are short; strpbrk and strchr
	 * would each pass over it again, per file). */
	for (; glob[gl] != '\0'; gl++) {
		char c = glob[gl];

		if (c == '?' || c == '[' || c == '\\')
			return fnmatch(glob, s, flags) == 0;
		if (c == '*') {
			star = gl;
			stars++;
		}
	}
	if ((flags & ~FNM_CASEFOLD) != 0 || stars > 1 ||
	    (stars == 1 && star != 0 && star != gl - 1))
		return fnmatch(glob, s, flags) == 0;
	sl = strlen(s);
	if (stars == 0)
		return sl == gl && same_bytes(glob, s, gl, fold);
	if (star == 0)
		return sl >= gl - 1 &&
		       same_bytes(glob + 1, s + sl - (gl - 1), gl - 1, fold);
	return sl >= gl - 1 && same_bytes(glob, s, gl - 1, fold);
}
