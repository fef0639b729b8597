/*
 * The effective configuration: the framework preset, then the spec file,
 * then the command line's overrides, each later one replacing (scalars) or
 * extending (repeatable flags) what came before (DESIGN.md "Command line"). The
 * environment's `set` values keep their source apart, because the policy
 * orders them: preset defaults < inherited < env files < spec set < --set.
 *
 * Ownership: config_merge fills a caller-owned struct config; config_free
 * releases it. Nothing here reads a file but the framework's markers
 * (detection): the spec is read by job_load, env files by the policy.
 */
#ifndef CLEANROOM_CONFIG_H
#define CLEANROOM_CONFIG_H

#include "names.h"
#include "err.h"
#include "preset.h"
#include "spec.h"

struct config {
	struct spec spec;	     /* effective values */
	int spec_found;		     /* a spec file was read */
	const struct preset *preset; /* static (preset.h); NULL when the
					framework is none */
	struct detection detection;  /* what detection found (if it ran) */
	int framework_detected;	     /* framework came from detection */
	struct spec_map preset_set;  /* the preset's env defaults */
	struct spec_map spec_set;    /* the spec's env.set */
	struct spec_map flag_set;    /* --set NAME=VALUE */
	int env_files_default;	     /* env.files is the .aptible.env default */
	/* The command `cleanroom start` runs: the spec's, else the
	 * preset's (unset when neither gives one), whatever the command
	 * line said; its stamp hashes this one. */
	struct spec_list start_command;
	int start_command_shell;
};

/* 1 when cfg's effective command is start_command in other words: equal
 * lists of the same form, or an exec-form list whose words are the
 * shell-form string split at blanks, when that string has nothing the
 * shell would treat otherwise (quotes, $, globs, redirections, `;`,
 * `&`, `|`, backslashes, `#`, `~`...). So `run -- bundle exec rake
 * assets:precompile` is the Rails preset's command. */
int config_command_is_start(const struct config *cfg);

/* Names inherited from the caller by default (DESIGN.md "The
 * environment"), NULL-terminated; presets add their own. */
extern const char *const config_default_inherit[];

/*
 * Merges the framework preset, the spec file (file; an empty spec when
 * spec_found is 0) and the command line's overrides (overrides.h) into
 * cfg. The framework, when neither names it, is detected in the current
 * directory (the workdir, job.h); a named one still reads Gemfile.lock
 * there for its manifest kind. Returns 0, or -1 with e filled as
 * preset_detect fills it: ERR_CONFIG for an ambiguous framework or a
 * Gemfile.lock that is not a regular file or is implausibly large,
 * ERR_SYSTEM for an allocation failure or another I/O error while
 * detecting. cfg is filled either way (file and ov are only read); it
 * owns copies of every string, and config_free releases them.
 */
int config_merge(const struct spec *file, int spec_found, const struct spec *ov,
		 struct config *cfg, struct err *e);
void config_free(struct config *cfg);

#endif
