/*
 * Framework presets as data, and the detection that picks one. A preset
 * says how a framework's asset build runs in the clean room: its command,
 * where its outputs go and which manifest describes them, the scratch
 * directories it must write (each with the reason, which `init` and the
 * docs show), what `start` hashes for freshness, and its environment
 * defaults. Detection looks at a handful of file names in one directory
 * (and, for Rails, at Gemfile.lock) and never runs the framework.
 *
 * Ownership: presets are static and read-only; callers never free them.
 * preset_detect fills a caller-owned struct detection. Nothing in here
 * prints or exits.
 */
#ifndef CLEANROOM_PRESET_H
#define CLEANROOM_PRESET_H

#include "err.h"
#include "spec.h"

/* A writable scratch directory (relative to the workdir) and why the
 * framework needs it. */
struct preset_dir {
	const char *path;
	const char *why;
};

/* An environment default: name=value, and why it is set. */
struct preset_var {
	const char *name;
	const char *value;
	const char *why;
};

struct preset {
	enum framework framework;
	const char *name;		   /* "rails", as spec.c spells it */
	const char *command;		   /* shell form: /bin/sh -c */
	const char *const *outputs;	   /* NULL-terminated output roots */
	enum manifest_kind manifest;	   /* default manifest kind */
	const struct preset_dir *writable; /* ends with {NULL, NULL} */
	const char *const *inputs;	   /* NULL-terminated; globs allowed */
	const char *const *inherit;	   /* NULL-terminated; globs allowed;
					    * besides PATH HOME LANG LC_* TZ */
	const struct preset_var *set;	   /* ends with {NULL, NULL, NULL} */
	const char *notes;		   /* free text, one paragraph */
};

/* The preset of fw; NULL for FW_NONE and FW_UNSET. */
const struct preset *preset_get(enum framework fw);

struct detection {
	enum framework framework;    /* FW_NONE when nothing matched */
	enum manifest_kind manifest; /* rails: from Gemfile.lock */
	char reason[256];	     /* what was found, for messages */
};

/* Detects the framework of the tree at dir: rails (Gemfile and
 * config/application.rb), django (manage.py), vite (vite.config.{js,mjs,
 * ts,cjs,mts,cts}), webpack (webpack.config.{js,mjs,cjs,ts,cts,mts}).
 * Returns 0 with out filled (FW_NONE and MF_NONE when nothing matched), or
 * -1 with e filled: ERR_CONFIG when dir is missing or not a directory,
 * when two or more frameworks match (the message names each with what was
 * found; the hint names --framework and the `framework:` key), or when
 * Gemfile.lock is not a regular file or is implausibly large; ERR_SYSTEM
 * on other I/O errors. A missing file, or a path through a non-directory,
 * counts as absent. */
int preset_detect(const char *dir, struct detection *out, struct err *e);

/* Describes the tree at dir as framework fw, chosen by the user: the
 * manifest kind (rails: from Gemfile.lock, as preset_detect does) and a
 * reason that says the framework was named. For FW_NONE: MF_NONE. Returns
 * 0, or -1 with e filled as preset_detect does. */
int preset_detect_as(const char *dir, enum framework fw, struct detection *out,
		     struct err *e);

#endif
