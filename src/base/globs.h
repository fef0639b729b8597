/*
 * Glob matching as fnmatch(3) with flags 0 or FNM_CASEFOLD, fast for the
 * shapes nearly every glob of outputs and policies has: a plain name,
 * "*" and a suffix ("*.pem"), a prefix and "*" (".env*"). Verification
 * matches every file against every glob (16 built-in ones, twice each:
 * path and base name), and fnmatch's work per character was the bulk of
 * that check on 100,000 files. Other globs ("?", "[...]", "\\", two "*")
 * go to fnmatch itself. Nothing here allocates.
 */
#ifndef CLEANROOM_GLOBS_H
#define CLEANROOM_GLOBS_H

#include <stddef.h>

enum globs_kind { GLOBS_NAME, GLOBS_SUFFIX, GLOBS_PREFIX, GLOBS_OTHER };

/* A glob with its shape worked out once, to match many names against.
 * Borrows glob, which must outlive it. */
struct globs_pat {
	const char *glob;
	const char *fixed; /* the bytes compared: glob without its "*" */
	size_t len;	   /* of fixed */
	enum globs_kind kind;
	int flags;
	/* A name or a suffix without "/": whatever it matches in a path it
	 * matches in the path's last component, so a caller that tries
	 * both need not try the path. */
	int base_only;
};

/* Works out glob's shape. flags: 0 or FNM_CASEFOLD; others make it
 * GLOBS_OTHER (fnmatch decides). */
void globs_compile(struct globs_pat *p, const char *glob, int flags);

/* 1 when fnmatch(p->glob, s, p->flags) would return 0, else 0; s has sl
 * bytes before its NUL. */
int globs_match_pat(const struct globs_pat *p, const char *s, size_t sl);

/*
 * A necessary condition for any of a set of globs to match a name, from
 * its length and its first and last bytes: a suffix ends in its last
 * byte, a prefix starts with its first, a name has its length and ends in
 * its last byte (either case under FNM_CASEFOLD); other shapes and empty
 * ones could match anything. Checking a name costs a few table lookups,
 * where matching it against every glob of the set costs a call each.
 * Zero it, then add each glob.
 */
struct globs_filter {
	unsigned char first[256];     /* prefixes' first bytes */
	unsigned char last[256];      /* suffixes' last bytes */
	unsigned char name_last[256]; /* names' last bytes */
	unsigned char name_len[256];  /* names' lengths (255: 255 or more) */
	int any; /* a glob that could match anything was added */
};

void globs_filter_add(struct globs_filter *f, const struct globs_pat *p);

/* 0 when no glob added could match the sl bytes at s; 1 when one may. */
int globs_filter_may(const struct globs_filter *f, const char *s, size_t sl);

/* The same for a glob used once. */
int globs_match(const char *glob, const char *s, int flags);

#endif
