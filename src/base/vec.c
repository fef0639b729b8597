/*
 * The growth rule of vec.h. The capacity is computed apart from the
 * allocation so that its overflow checks can be tested without asking the
 * allocator for an impossible block (which sanitizers report as a bug
 * rather than return NULL for).
 */
#include "vec.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

size_t vec_next_cap(size_t cap, size_t need, size_t elem)
{
	size_t max, ncap;

	if (elem == 0)
		return 0;
	/* PTRDIFF_MAX, not SIZE_MAX: malloc refuses larger objects anyway,
	 * and an index difference inside the array must fit a ptrdiff_t. */
	max = (size_t)PTRDIFF_MAX / elem;
	if (need > max)
		return 0;
	if (cap >= need)
		return cap;
	ncap = cap > 0 ? cap : VEC_FIRST_BYTES / elem;
	if (ncap == 0)
		ncap = 1;
	while (ncap < need)
		ncap = ncap > max / 2 ? max : ncap * 2;
	return ncap;
}

int vec_grow(void **v, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return 0;
	ncap = vec_next_cap(*cap, need, elem);
	if (ncap == 0) {
		errno = ENOMEM;
		return -1;
	}
	p = realloc(*v, ncap * elem);
	if (p == NULL) {
		errno = ENOMEM;
		return -1;
	}
	*v = p;
	*cap = ncap;
	return 0;
}

int vec_grow_wiped(void **v, size_t *cap, size_t len, size_t need, size_t elem)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return 0;
	if (len > *cap) {
		errno = EINVAL;
		return -1;
	}
	ncap = vec_next_cap(*cap, need, elem);
	if (ncap == 0) {
		errno = ENOMEM;
		return -1;
	}
	p = malloc(ncap * elem);
	if (p == NULL) {
		errno = ENOMEM;
		return -1;
	}
	if (*v != NULL) {
		if (len > 0)
			memcpy(p, *v, len * elem);
		explicit_bzero(*v, *cap * elem);
		free(*v);
	}
	*v = p;
	*cap = ncap;
	return 0;
}
