/*
 * The findings list: a growable array of level, check, path and message.
 */
#include "findings.h"

#include "vec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int findings_add(struct findings *f, enum finding_level level,
		 const char *check, const char *path, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL, *p = NULL;
	int n;

	if (vec_grow((void **)&f->v, &f->cap, f->n + 1, sizeof *f->v) < 0)
		return -1;
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if (path != NULL && (p = strdup(path)) == NULL) {
		free(msg);
		return -1;
	}
	f->v[f->n++] = (struct finding){level, check, p, msg};
	return 0;
}

size_t findings_count(const struct findings *f, enum finding_level level)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n; i++)
		n += f->v[i].level >= level;
	return n;
}

void findings_free(struct findings *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].path);
		free(f->v[i].msg);
	}
	free(f->v);
	memset(f, 0, sizeof *f);
}
