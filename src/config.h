/*
 * The effective configuration: the framework preset, then the spec file,
 * then command-line flags, each later one replacing (scalars) or extending
 * (repeatable flags) what came before (DESIGN.md "Command line"). The
 * environment's `set` values keep their source apart, because the policy
 * orders them: preset defaults < inherited < env files < spec set < --set.
 *
 * Ownership: config_load fills a caller-owned struct config; config_free
 * releases it. Nothing here reads env files: that is the policy's job.
 */
#ifndef CLEANROOM_CONFIG_H
#define CLEANROOM_CONFIG_H

#include "cli.h"
#include "err.h"
#include "preset.h"
#include "spec.h"

struct config {
	struct spec spec;	     /* effective values */
	int spec_found;		     /* a spec file was read */
	const struct preset *preset; /* NULL when framework is none */
	struct detection detection;  /* what detection found (if it ran) */
	int framework_detected;	     /* framework came from detection */
	struct spec_map preset_set;  /* the preset's env defaults */
	struct spec_map spec_set;    /* the spec's env.set */
	struct spec_map flag_set;    /* --set NAME=VALUE */
	int env_files_default;	     /* env.files is the .aptible.env default */
};

/* The default env file, read when present and no other is named. */
#define CONFIG_DEFAULT_ENV_FILE ".aptible.env"

/* Names inherited from the caller by default (DESIGN.md "The
 * environment"), NULL-terminated; presets add their own. */
extern const char *const config_default_inherit[];

/*
 * Loads the spec (-f FILE, else ./cleanroom.yml when present), detects the
 * framework when neither flag nor spec names it, applies the preset and
 * the flags. Returns 0, or -1 with e filled: ERR_CONFIG for a bad spec,
 * an ambiguous framework or a malformed flag value (--timeout, --limit,
 * --set, --min-files, --max-bytes: named as `--flag: ...`), ERR_USAGE
 * when -f names a missing file.
 */
int config_load(const struct cli *c, struct config *cfg, struct err *e);
void config_free(struct config *cfg);

#endif
