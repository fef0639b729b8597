/*
 * First difference between two file contents, and fingerprint-blind name
 * keys (see filediff.h).
 */
#include "filediff.h"

#include <string.h>

void filediff_first(const char *a, size_t alen, const char *b, size_t blen,
		    struct filediff *d)
{
	size_t n = alen < blen ? alen : blen, i = 0, bol = 0;

	memset(d, 0, sizeof *d);
	while (i < n && a[i] == b[i])
		i++;
	d->same = i == n && alen == blen;
	d->offset = i;
	d->text =
		memchr(a, '\0', alen) == NULL && memchr(b, '\0', blen) == NULL;
	if (!d->text || d->same)
		return;
	d->line = 1;
	for (size_t k = 0; k < i; k++)
		if (a[k] == '\n') {
			d->line++;
			bol = k + 1;
		}
	d->col = i - bol + 1;
	d->a_line = a + bol;
	d->b_line = b + bol;
	const char *ae = memchr(a + bol, '\n', alen - bol);
	const char *be = memchr(b + bol, '\n', blen - bol);

	d->a_len = ae ? (size_t)(ae - (a + bol)) : alen - bol;
	d->b_len = be ? (size_t)(be - (b + bol)) : blen - bol;
}

int filediff_excerpt(const char *line, size_t len, size_t col, size_t width,
		     struct buf *out)
{
	size_t at = col > 0 ? col - 1 : 0;
	size_t from = at > width ? at - width : 0;
	size_t to = len - at > width ? at + width : len;

	if (from > 0 && buf_adds(out, "...") < 0)
		return -1;
	for (size_t i = from; i < to; i++) {
		unsigned char ch = (unsigned char)line[i];
		int rc = ch >= 0x20 && ch < 0x7f && ch != '\\'
				 ? buf_addc(out, (char)ch)
			 : ch == '\\' ? buf_adds(out, "\\\\")
				      : buf_printf(out, "\\x%02x", ch);

		if (rc < 0)
			return -1;
	}
	if (to < len && buf_adds(out, "...") < 0)
		return -1;
	return 0;
}

int filediff_name_key(const char *path, struct buf *out)
{
	const char *base = strrchr(path, '/');
	const char *ext, *stem_end;

	base = base ? base + 1 : path;
	stem_end = base + 1 + strcspn(base + 1, "-.");
	ext = strrchr(base, '.');
	if (ext != NULL && ext > base &&
	    (strcmp(ext, ".gz") == 0 || strcmp(ext, ".br") == 0 ||
	     strcmp(ext, ".map") == 0)) {
		const char *prev = ext - 1;

		while (prev > base && *prev != '.')
			prev--;
		if (*prev == '.' && prev > base)
			ext = prev;
	}
	if (ext == NULL || ext <= base || ext < stem_end)
		ext = base + strlen(base);
	if (buf_add(out, path, (size_t)(stem_end - path)) < 0 ||
	    buf_addc(out, '*') < 0 || buf_adds(out, ext) < 0)
		return -1;
	return 0;
}
