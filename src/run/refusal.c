/*
 * refusal.h: the path in a refused write's message. The forms, by tool:
 *   Node   EACCES: permission denied, open '/app/public/build/app.js'
 *   sh     sh: 1: cannot create config/x.txt: Permission denied
 *   mkdir  mkdir: cannot create directory 'public/x': Permission denied
 *          (GNU quotes it with U+2018/U+2019 in UTF-8 locales)
 *   Python PermissionError: [Errno 13] Permission denied: '/app/static/x'
 *   Ruby   Errno::EACCES: Permission denied @ rb_sysopen - /app/x.js
 */
#include "refusal.h"

#include <stdio.h>
#include <string.h>

static const char *const asset_exts[] = {
	".js",	  ".mjs", ".cjs",  ".css", ".map",  ".html", ".json", ".svg",
	".png",	  ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".ico",  ".woff",
	".woff2", ".ttf", ".eot",  ".gz",  ".br",   ".zst",  ".wasm", NULL,
};

/* Directory names build tools write their output to. */
static const char *const asset_dirs[] = {
	"assets",      "build", "dist", "packs", "static",
	"staticfiles", "js",	"css",	"vite",	 NULL,
};

static int in_list(const char *s, size_t n, const char *const *list)
{
	for (const char *const *l = list; *l != NULL; l++)
		if (strlen(*l) == n && strncmp(s, *l, n) == 0)
			return 1;
	return 0;
}

/* Copies the n bytes at s into out (size PATH_MAX) as a string. */
static void take(char *out, const char *s, size_t n)
{
	if (n >= PATH_MAX)
		n = PATH_MAX - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

/* The first quoted text with a '/' or a '.' in it. */
static int quoted(const char *line, char *out)
{
	static const char *const opens[] = {"'", "\"", "\xe2\x80\x98", NULL};
	static const char *const closes[] = {"'", "\"", "\xe2\x80\x99", NULL};

	for (const char *p = line; *p != '\0'; p++)
		for (size_t k = 0; opens[k] != NULL; k++) {
			size_t ol = strlen(opens[k]);
			const char *end;

			if (strncmp(p, opens[k], ol) != 0)
				continue;
			end = strstr(p + ol, closes[k]);
			if (end == NULL || end == p + ol)
				continue;
			if (memchr(p + ol, '/', (size_t)(end - p - ol)) ||
			    memchr(p + ol, '.', (size_t)(end - p - ol))) {
				take(out, p + ol, (size_t)(end - p - ol));
				return 1;
			}
		}
	return 0;
}

/* The text after marker, up to a stop character. */
static int after(const char *line, const char *marker, const char *stops,
		 char *out)
{
	const char *p = strstr(line, marker);
	size_t n;

	if (p == NULL)
		return 0;
	p += strlen(marker);
	n = strcspn(p, stops);
	if (n == 0)
		return 0;
	take(out, p, n);
	return 1;
}

static void find_root(struct refusal *r)
{
	const char *last = strrchr(r->path, '/');
	const char *base = last ? last + 1 : r->path;
	const char *dot = strrchr(base, '.');
	/* The directory: the file's, or the path itself for a name without
	 * an extension (mkdir's). */
	size_t dir = dot != NULL ? (last ? (size_t)(last - r->path) : 0)
				 : strlen(r->path);

	r->asset = dot != NULL && in_list(dot, strlen(dot), asset_exts);
	/* The shallowest build-output name on the way (public/build in
	 * public/build/assets, staticfiles in staticfiles/admin/css) marks
	 * an asset directory and is the root to name; else an asset's own
	 * directory. */
	for (size_t start = 0; start < dir;) {
		size_t end = start;

		while (end < dir && r->path[end] != '/')
			end++;
		if (in_list(r->path + start, end - start, asset_dirs)) {
			r->asset = 1;
			take(r->root, r->path, end);
			return;
		}
		start = end + 1;
	}
	if (r->asset && dir > 0)
		take(r->root, r->path, dir);
	else
		r->asset = 0; /* a file at the top: no directory to name */
}

/* coreutils' form, "cat: PATH: Permission denied": the text between the
 * program's name and the error, when it looks like a path (a '/' or a
 * '.' in it). */
static int coreutils(const char *line, char *out)
{
	const char *err = strstr(line, ": Permission denied");
	const char *p;

	if (err == NULL)
		return 0;
	for (p = err; p > line; p--)
		if (p[-1] == ' ' && p - 1 > line && p[-2] == ':')
			break;
	if (p == line || p == err ||
	    !(memchr(p, '/', (size_t)(err - p)) ||
	      memchr(p, '.', (size_t)(err - p))))
		return 0;
	take(out, p, (size_t)(err - p));
	return 1;
}

void refusal_parse(const char *line, const char *wd_abs, struct refusal *r)
{
	char found[PATH_MAX];
	size_t wl = strlen(wd_abs);

	memset(r, 0, sizeof *r);
	if (!quoted(line, found) &&
	    !after(line, "cannot create ", ":", found) &&
	    !after(line, "rb_sysopen - ", " \t\r", found) &&
	    !coreutils(line, found))
		return;
	if (wl > 1 && strncmp(found, wd_abs, wl) == 0 && found[wl] == '/') {
		take(r->path, found + wl + 1, strlen(found + wl + 1));
		r->beneath = 1;
	} else {
		take(r->path, found, strlen(found));
		r->beneath = found[0] != '/' && strncmp(found, "../", 3) != 0;
	}
	while (strncmp(r->path, "./", 2) == 0)
		memmove(r->path, r->path + 2, strlen(r->path + 2) + 1);
	if (r->beneath)
		find_root(r);
}
