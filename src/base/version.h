/*
 * The version text: cleanroom's own version and the versions of the
 * libraries it was linked with, both as compiled in and as reported by the
 * linked code at run time.
 */
#ifndef CLEANROOM_VERSION_H
#define CLEANROOM_VERSION_H

#include "buf.h"

/* Appends the version text (several lines) to the caller's out. Returns
 * 0 or -1 (ENOMEM). */
int version_text(struct buf *out);

/* cleanroom's own version ("0.1.0-dev"), a static string. */
const char *version_cleanroom(void);

#endif
