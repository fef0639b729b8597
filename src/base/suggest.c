/*
 * Did-you-mean by optimal string alignment distance.
 */
#include "suggest.h"

#include <string.h>

size_t suggest_distance(const char *a, const char *b)
{
	unsigned char d[SUGGEST_MAX_LEN + 1][SUGGEST_MAX_LEN + 1];
	size_t la = strlen(a), lb = strlen(b);

	if (la > SUGGEST_MAX_LEN || lb > SUGGEST_MAX_LEN)
		return (size_t)-1;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned char)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned char)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			unsigned cost = a[i - 1] != b[j - 1];
			unsigned v = d[i - 1][j - 1] + cost;

			if (d[i - 1][j] + 1u < v)
				v = d[i - 1][j] + 1u;
			if (d[i][j - 1] + 1u < v)
				v = d[i][j - 1] + 1u;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1u < v)
				v = d[i - 2][j - 2] + 1u;
			d[i][j] = (unsigned char)v;
		}
	}
	return d[la][lb];
}

void suggest_init(struct suggest *s, const char *got)
{
	s->got = got;
	s->best = NULL;
	s->bestd = 3; /* at most 2 steps */
}

void suggest_offer(struct suggest *s, const char *name)
{
	size_t dist;

	if (name == NULL || s->got == NULL)
		return;
	dist = suggest_distance(s->got, name);
	if (dist == 0 || dist >= s->bestd || dist >= strlen(s->got))
		return;
	s->best = name;
	s->bestd = dist;
}

const char *suggest_best(const struct suggest *s)
{
	return s->best;
}
