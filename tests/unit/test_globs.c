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
