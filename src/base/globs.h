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

/* 1 when fnmatch(glob, s, flags) would return 0, else 0. flags: 0 or
 * FNM_CASEFOLD; others are passed to fnmatch with a slower answer. */
int globs_match(const char *glob, const char *s, int flags);

#endif
