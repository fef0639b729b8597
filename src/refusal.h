/*
 * What a refused write's line of build output names, for the hint after
 * a failed build: the path the build tried to write (as Node, sh, mkdir,
 * Python and Ruby print it), whether it looks like a built asset, and
 * then the directory that should be an output root. A build that writes
 * its assets outside the outputs must be told to verify them there, not
 * to make the place writable (which would ship them unverified). Pure.
 */
#ifndef CLEANROOM_REFUSAL_H
#define CLEANROOM_REFUSAL_H

#include <limits.h>

struct refusal {
	/* The path, relative to the workdir when beneath it, else as
	 * printed; "" when the line names none. */
	char path[PATH_MAX];
	int beneath; /* path is beneath the workdir */
	int asset;   /* a built asset, by its extension or its directory */
	/* asset and beneath: the directory to make an output root (the
	 * file's directory, widened over build-output names such as
	 * assets, build, dist). */
	char root[PATH_MAX];
};

/* line: one line of output (NUL-terminated); wd_abs: the workdir's
 * absolute path. Fills the caller's r. */
void refusal_parse(const char *line, const char *wd_abs, struct refusal *r);

#endif
