/*
 * The file and directory names cleanroom looks for or creates, each
 * spelled once: the spec, the default env file, the lock and
 * cleanroom's own state directory. Paths relative to the start directory
 * (the spec) or to the workdir (the rest); see README "Directories".
 */
#ifndef CLEANROOM_NAMES_H
#define CLEANROOM_NAMES_H

/* The spec file looked for when -f is not given. */
#define CONFIG_SPEC_FILE "cleanroom.yml"

/* The default env file, read when present and no other is named. */
#define CONFIG_DEFAULT_ENV_FILE ".aptible.env"

/* The lock's name in the first output root when the spec names no other
 * (outputs.lock). */
#define LOCK_DEFAULT_NAME "cleanroom.lock"

/* The provenance statement's name beside the lock: the lock's name with
 * ".lock" replaced by this (cleanroom.lock: cleanroom.provenance.json),
 * or with this appended (provenance.h). */
#define PROVENANCE_SUFFIX ".provenance.json"

/* cleanroom's own state beneath the workdir (freshness.h's stamp and
 * cache, start's lock and kept outputs, reproduce's copies). */
#define JOB_STATE_DIR ".cleanroom"

#endif
