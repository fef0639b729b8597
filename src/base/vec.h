/*
 * Growable arrays: the one growth rule every array in cleanroom uses, with
 * the overflow checks that a hand-written `cap * 2 * sizeof *v` leaves out.
 * An array is a pointer, a count of elements in use that the caller keeps,
 * and a capacity (elements allocated) that these calls keep.
 *
 * The rule: the first allocation holds VEC_FIRST_BYTES bytes' worth of
 * elements (at least one), and each growth doubles the capacity until it
 * holds what is needed, so appending n elements one at a time costs O(n).
 * No array may exceed PTRDIFF_MAX bytes (pointer differences within it
 * must be defined); a request past that fails before anything is
 * allocated.
 *
 * Ownership: the caller owns the array and frees it with free(); a failed
 * call leaves the array, its contents and its capacity as they were.
 */
#ifndef CLEANROOM_VEC_H
#define CLEANROOM_VEC_H

#include <stddef.h>

#define VEC_FIRST_BYTES 64

/* The capacity the rule gives an array of cap elements of elem bytes that
 * must hold need: cap itself when it is enough, else cap doubled (from the
 * first allocation's size) until it holds need, at most PTRDIFF_MAX /
 * elem. Returns 0 when need elements of elem bytes cannot exist (elem 0
 * included). Allocates nothing. */
size_t vec_next_cap(size_t cap, size_t need, size_t elem);

/* Makes room in *v, an array of *cap elements of elem bytes, for at least
 * need elements: realloc to vec_next_cap's capacity when *cap < need.
 * Pass the address of the array pointer as (void **)&a->v. Returns 0, or
 * -1 with errno ENOMEM (the size overflows, or realloc fails). */
int vec_grow(void **v, size_t *cap, size_t need, size_t elem);

/* The same for an array that may hold secrets: never realloc, which may
 * leave a copy behind in freed memory, but a new block into which the
 * first len elements are copied, the whole old block being wiped before
 * it is freed. The new elements past len are not initialised. Also -1
 * with errno EINVAL when len > *cap. */
int vec_grow_wiped(void **v, size_t *cap, size_t len, size_t need, size_t elem);

#endif
