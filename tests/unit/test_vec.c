/*
 * vec.h: the growth rule (first allocation, doubling), growth keeping the
 * contents, the overflow checks that refuse an impossible size before
 * anything is allocated (leaving the array as it was), and the wiping
 * variant.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "vec.h"

TAP_SUITE(vec_next_cap)
{
	T_INT(vec_next_cap(0, 1, 1), VEC_FIRST_BYTES, "bytes: 64 first");
	T_INT(vec_next_cap(0, 1, 8), VEC_FIRST_BYTES / 8,
	      "pointers: 64 bytes' worth first");
	T_INT(vec_next_cap(0, 1, 100), 1, "a large element: at least one");
	T_INT(vec_next_cap(0, 100, 8), 128, "doubled until need fits");
	T_INT(vec_next_cap(8, 9, 8), 16, "doubles");
	T_INT(vec_next_cap(16, 9, 8), 16, "enough already: unchanged");
	T_INT(vec_next_cap(0, 0, 8), 0, "nothing needed, nothing held");
	T_INT(vec_next_cap(0, 1, 0), 0, "elem 0 is refused");

	size_t max = (size_t)PTRDIFF_MAX / 16;

	T_INT(vec_next_cap(0, max + 1, 16), 0,
	      "need * elem past PTRDIFF_MAX: refused");
	T_INT(vec_next_cap(0, SIZE_MAX, 16), 0,
	      "need * elem past SIZE_MAX: refused, not wrapped");
	T_INT(vec_next_cap(max / 2 + 1, max / 2 + 2, 16), max,
	      "doubling past the limit stops at the limit");
	T_INT(vec_next_cap(max, max, 16), max, "the limit itself holds");
	T_INT(vec_next_cap(SIZE_MAX / 2 + 1, SIZE_MAX / 2 + 2, 1), 0,
	      "need past PTRDIFF_MAX bytes of 1-byte elements: refused");
}

TAP_SUITE(vec_grow)
{
	int *v = NULL;
	size_t n = 0, cap = 0;
	int ok = 1;

	for (int i = 0; i < 1000; i++) {
		if (vec_grow((void **)&v, &cap, n + 1, sizeof *v) < 0) {
			ok = 0;
			break;
		}
		v[n++] = i;
	}
	T_OK(ok, "1000 appends");
	T_INT(cap, 1024, "capacity doubled from 16 ints");
	for (size_t i = 0; i < n; i++)
		ok &= v[i] == (int)i;
	T_OK(ok, "contents kept across growth");

	int *before = v;
	size_t cap_before = cap;

	errno = 0;
	T_INT(vec_grow((void **)&v, &cap, SIZE_MAX / 2, sizeof *v), -1,
	      "an overflowing size fails");
	T_INT(errno, ENOMEM, "with ENOMEM");
	T_OK(v == before && cap == cap_before, "the array is left as it was");
	T_INT(vec_grow((void **)&v, &cap, 10, sizeof *v), 0,
	      "need below the capacity: nothing to do");
	T_OK(v == before && cap == cap_before, "and nothing moved");
	free(v);
}

TAP_SUITE(vec_grow_wiped)
{
	char *v = NULL;
	size_t cap = 0;

	T_INT(vec_grow_wiped((void **)&v, &cap, 0, 3, 1), 0, "first block");
	T_INT(cap, VEC_FIRST_BYTES, "64 bytes");
	memcpy(v, "secret", 6);

	char *old = v;

	T_INT(vec_grow_wiped((void **)&v, &cap, 6, 65, 1), 0, "grows");
	T_INT(cap, 128, "doubled");
	T_OK(v != old, "into a new block");
	T_MEM(v, 6, "secret", 6, "the used part copied");

	char *before = v;

	errno = 0;
	T_INT(vec_grow_wiped((void **)&v, &cap, 6, SIZE_MAX, 1), -1,
	      "an overflowing size fails");
	T_INT(errno, ENOMEM, "with ENOMEM");
	T_OK(v == before && cap == 128, "the array is left as it was");
	errno = 0;
	T_INT(vec_grow_wiped((void **)&v, &cap, 129, 200, 1), -1,
	      "len past the capacity fails");
	T_INT(errno, EINVAL, "with EINVAL");
	T_MEM(v, 6, "secret", 6, "contents kept after failures");
	free(v);
}
