/*
 * Findings: what a check found, at a level, about a path. Verification and
 * the sandbox report collect them; the report module prints them. The
 * list owns its strings.
 */
#ifndef CLEANROOM_FINDINGS_H
#define CLEANROOM_FINDINGS_H

#include <stddef.h>

enum finding_level {
	FIND_INFO = 0, /* said, never fails anything */
	FIND_WARN,     /* fails only with --strict */
	FIND_ERROR,    /* fails verification (EXIT_VERIFY) */
};

struct finding {
	enum finding_level level;
	const char *check; /* static string: "outputs", "manifest",
			      "fingerprint", "secrets", "siblings",
			      "writes", "lock" */
	char *path;	   /* relative to the workdir, or NULL */
	char *msg;
};

struct findings {
	struct finding *v;
	size_t n, cap;
};

/* Appends a finding (path may be NULL). The list owns copies of path and
 * the message; check must be a static string, kept as it is. Returns 0 or
 * -1 (ENOMEM). */
int findings_add(struct findings *f, enum finding_level level,
		 const char *check, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Number of findings at or above level. */
size_t findings_count(const struct findings *f, enum finding_level level);

/* Frees every finding's strings and the array, and zeroes f. */
void findings_free(struct findings *f);

#endif
