/*
 * The version text: cleanroom's own version and the versions of the
 * libraries it was linked with, both as compiled in and as reported by the
 * linked code at run time.
 */
#ifndef CLEANROOM_VERSION_H
#define CLEANROOM_VERSION_H

#include "buf.h"

int version_text(struct buf *out);

#endif
