/*
 * The arena of arena.h: a list of chunks, the head being filled. A chunk
 * is either mapped together with its header (ours) or a malloc'd block
 * whose header is allocated apart (adopted).
 */
#include "arena.h"

#include "buf.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct arena_chunk {
	struct arena_chunk *next;
	char *mem;
	size_t used, cap;
	int adopted; /* mem came from malloc (arena_adopt) */
};

static struct arena_chunk *chunk_map(size_t cap)
{
	struct arena_chunk *c;

	if (cap > SIZE_MAX - sizeof *c) {
		errno = ENOMEM;
		return NULL;
	}
	c = mmap(NULL, sizeof *c + cap, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (c == MAP_FAILED) {
		errno = ENOMEM;
		return NULL;
	}
	c->next = NULL;
	c->mem = (char *)(c + 1);
	c->used = 0;
	c->cap = cap;
	c->adopted = 0;
	return c;
}

/* Puts c behind the head, or at the head of an empty arena. */
static void link_second(struct arena *a, struct arena_chunk *c)
{
	if (a->head == NULL) {
		c->next = NULL;
		a->head = c;
	} else {
		c->next = a->head->next;
		a->head->next = c;
	}
}

char *arena_alloc(struct arena *a, size_t n)
{
	size_t size = a->chunk ? a->chunk : ARENA_CHUNK;
	struct arena_chunk *c = a->head;
	char *p;

	if (c != NULL && c->cap - c->used >= n) {
		p = c->mem + c->used;
		c->used += n;
		return p;
	}
	/* Growing: ARENA_FIRST, then twice the last, up to the chunk size. */
	if (a->grown < size) {
		size_t g = a->grown ? a->grown * 2 : ARENA_FIRST;

		if (g < size)
			size = g;
		if (n <= size)
			a->grown = size;
	}
	c = chunk_map(n > size ? n : size);
	if (c == NULL)
		return NULL;
	if (n > size && a->head != NULL) {
		link_second(a, c);
	} else {
		c->next = a->head;
		a->head = c;
	}
	c->used = n;
	return c->mem;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p;

	if (n == SIZE_MAX) {
		errno = ENOMEM;
		return NULL;
	}
	p = arena_alloc(a, n + 1);
	if (p == NULL)
		return NULL;
	buf_copy(p, s, n);
	p[n] = '\0';
	return p;
}

int arena_adopt(struct arena *a, char *mem, size_t len)
{
	struct arena_chunk *c = malloc(sizeof *c);

	if (c == NULL) {
		errno = ENOMEM;
		return -1;
	}
	c->mem = mem;
	c->used = c->cap = len;
	c->adopted = 1;
	link_second(a, c);
	return 0;
}

void arena_take(struct arena *to, struct arena *from)
{
	struct arena_chunk **tail = &to->head;

	while (*tail != NULL)
		tail = &(*tail)->next;
	*tail = from->head;
	from->head = NULL;
}

void arena_free(struct arena *a)
{
	for (struct arena_chunk *c = a->head, *next; c != NULL; c = next) {
		next = c->next;
		if (a->wipe && c->used > 0)
			explicit_bzero(c->mem, c->used);
		if (c->adopted) {
			free(c->mem);
			free(c);
		} else {
			(void)munmap(c, sizeof *c + c->cap);
		}
	}
	a->head = NULL;
	a->grown = 0;
}
