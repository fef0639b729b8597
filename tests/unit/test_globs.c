/*
 * globs.h: the byte-comparing shapes answer as fnmatch(3) does, checked
 * against fnmatch itself over every pair of a set of globs (each shape,
 * and the ones left to fnmatch) and names (case, leading dots, slashes,
 * bytes above 0x7f, the empty name), with and without FNM_CASEFOLD.
 */
#include <fnmatch.h>
#include <stddef.h>
#include <string.h>

#include "globs.h"
#include "tap.h"

static const char *const globs[] = {
	".env*",   "*.pem",  "*.KEY",	 "id_rsa",
	".netrc",  "*",	     "*.map",	 "application-*",
	"a*b",	   "*.css*", "?.pem",	 "[ab].key",
	"\\*.pem", "",	     "x",	 "*x",
	"x*",	   ".",	     "*/id_rsa", "d/*.pem",
	NULL,
};

static const char *const names[] = {
	".env",
	".ENV.production",
	"x.env",
	"a.pem",
	"A.PEM",
	"a.pem.gz",
	"d/a.pem",
	"id_rsa",
	"ID_RSA",
	"d/id_rsa",
	"id_rsa.pub",
	".netrc",
	"",
	"x",
	"xx",
	".",
	"a.map",
	"application-1.css",
	"ab",
	"aXb",
	"b",
	"*.pem",
	"k.key",
	"\xc3\xa9.pem",
	"\xe2\x84\xaa"
	"ey",
	"d/.env/f",
	".env/x",
	"app.CSS.gz",
	"a.KEY",
	NULL,
};

TAP_SUITE(globs_match_as_fnmatch)
{
	static const int flags[] = {0, FNM_CASEFOLD};
	size_t pairs = 0, same = 0;

	for (size_t f = 0; f < 2; f++)
		for (size_t g = 0; globs[g]; g++)
			for (size_t n = 0; names[n]; n++) {
				int want = fnmatch(globs[g], names[n],
						   flags[f]) == 0;
				int got = globs_match(globs[g], names[n],
						      flags[f]);

				pairs++;
				same += got == want;
				if (got != want)
					T_OK(0,
					     "'%s' against '%s' (flags %d): "
					     "%d, fnmatch says %d",
					     globs[g], names[n], flags[f], got,
					     want);
			}
	T_INT((long)same, (long)pairs, "every pair as fnmatch answers");
	T_OK(globs_match("*.pem", "d/a.PEM", FNM_CASEFOLD),
	     "a suffix, case folded, through a slash");
	T_OK(!globs_match("*.pem", "d/a.PEM", 0), "not without the fold");
	T_OK(globs_match(".env*", ".env", 0), "a prefix and nothing more");
	T_OK(!globs_match("id_rsa", "id_rsa.pub", 0), "a name is whole");
}

/* The last component of a name (after its last "/"). */
static const char *last_component(const char *s)
{
	const char *slash = strrchr(s, '/');

	return slash ? slash + 1 : s;
}

/* base_only: wherever a glob so marked matches a path, it matches the
 * path's last component too, so trying the component alone answers as
 * trying both. */
TAP_SUITE(globs_base_only)
{
	static const int flags[] = {0, FNM_CASEFOLD};
	size_t pairs = 0, same = 0, marked = 0;

	for (size_t f = 0; f < 2; f++)
		for (size_t g = 0; globs[g]; g++) {
			struct globs_pat p;

			globs_compile(&p, globs[g], flags[f]);
			marked += p.base_only;
			for (size_t n = 0; names[n]; n++) {
				const char *b = last_component(names[n]);
				int both = globs_match_pat(&p, b, strlen(b)) ||
					   globs_match_pat(&p, names[n],
							   strlen(names[n]));
				int one = globs_match_pat(&p, b, strlen(b)) ||
					  (!p.base_only &&
					   globs_match_pat(&p, names[n],
							   strlen(names[n])));

				pairs++;
				same += both == one;
				if (both != one)
					T_OK(0, "'%s' against '%s'", globs[g],
					     names[n]);
			}
		}
	T_INT((long)same, (long)pairs, "component alone answers as both");
	T_OK(marked > 0, "some globs are marked (%zu)", marked);
	struct globs_pat p;

	globs_compile(&p, "*/id_rsa", 0);
	T_INT(p.base_only, 0, "a suffix with a slash is not");
	globs_compile(&p, ".env*", 0);
	T_INT(p.base_only, 0, "a prefix is not");
}

/* The filter never says no where a glob matches: over every glob and
 * name, with and without the fold, one glob a filter at a time and all
 * of them in one; and it does say no. */
TAP_SUITE(globs_filter)
{
	static const int flags[] = {0, FNM_CASEFOLD};
	struct globs_filter all = {0}, shaped = {0};
	size_t misses = 0, refused = 0;

	for (size_t f = 0; f < 2; f++)
		for (size_t g = 0; globs[g]; g++) {
			struct globs_filter one = {0};
			struct globs_pat p;

			globs_compile(&p, globs[g], flags[f]);
			globs_filter_add(&one, &p);
			globs_filter_add(&all, &p);
			if (p.kind != GLOBS_OTHER && p.len > 0)
				globs_filter_add(&shaped, &p);
			for (size_t n = 0; names[n]; n++) {
				size_t len = strlen(names[n]);

				if (globs_match_pat(&p, names[n], len) &&
				    (!globs_filter_may(&one, names[n], len) ||
				     !globs_filter_may(&all, names[n], len))) {
					misses++;
					T_OK(0, "'%s' matches '%s', filtered",
					     globs[g], names[n]);
				}
			}
		}
	T_INT((long)misses, 0, "no match filtered out");
	T_INT(all.any, 1, "'*' and '?.pem' could match anything");
	for (size_t n = 0; names[n]; n++)
		refused +=
			!globs_filter_may(&shaped, names[n], strlen(names[n]));
	T_OK(refused > 0, "the shaped globs rule out %zu names", refused);
	T_OK(!globs_filter_may(&shaped, "chunk-0053bc63.js", 17),
	     "an asset's name is ruled out");
	struct globs_filter nm = {0};
	struct globs_pat p;

	globs_compile(&p, ".pgpass", FNM_CASEFOLD);
	globs_filter_add(&nm, &p);
	T_OK(globs_filter_may(&nm, ".PGPASS", 7), "a name, folded");
	T_OK(!globs_filter_may(&nm, "app-1.css", 9),
	     "a name ending alike, of another length, is ruled out");
	T_OK(!globs_filter_may(&nm, "x", 1), "and a short one");
}
