/*
 * The contract between the dispatcher (manifest.c) and the format modules
 * (manifest_<format>.c): one check function per format, which the
 * dispatcher's table of formats names, and what of a format the unit
 * tests call directly. A format module includes this header, the helpers
 * (manifest_util.h) and the JSON reader (manifest_json.h), never the
 * dispatcher's manifest.h: tests/lint.sh fails when one does.
 *
 * A check function is handed the manifest parsed (its top level is an
 * object), with c->m and c->name set; it fills c->m->entries (and, for
 * webpack, c->m->public_path, which c->r then owns), marks the files the
 * manifest names, and adds its findings through the helpers. The document
 * j is borrowed for the call. Returns 0, or -1 on an internal failure
 * (c->e filled).
 */
#ifndef CLEANROOM_MANIFEST_FORMATS_H
#define CLEANROOM_MANIFEST_FORMATS_H

#include "manifest_json.h"
#include "manifest_util.h"

int mf_check_sprockets(struct mf_ctx *c, const struct mf_json *j);
int mf_check_propshaft(struct mf_ctx *c, const struct mf_json *j);
int mf_check_django(struct mf_ctx *c, const struct mf_json *j);
int mf_check_vite(struct mf_ctx *c, const struct mf_json *j);
int mf_check_webpack(struct mf_ctx *c, const struct mf_json *j);

/* Django's manifest hash: the first 12 hex digits of MD5 of Python's
 * json.dumps(sorted(paths.items())). dst: 13 bytes, the caller's. 0 or -1
 * (ENOMEM). */
int mf_django_hash(const struct mf_json *j, const struct mf_jnode *paths,
		   char *dst);

#endif
