/*
 * Content-Type for an object from its name: a built-in table of the types
 * a web build writes (scripts, styles, source maps, images, fonts, wasm,
 * documents), so a store serves them as browsers expect whatever the
 * machine's /etc/mime.types says. Text types carry charset=utf-8.
 */
#ifndef CLEANROOM_WEBTYPES_H
#define CLEANROOM_WEBTYPES_H

/* The type for name's extension (case-insensitive; the last one:
 * "app.css.map" is a source map), or "application/octet-stream". Static. */
const char *webtypes_for(const char *name);

#endif
