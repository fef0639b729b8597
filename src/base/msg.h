/*
 * cleanroom's own messages on stderr, err(3)-style: `cleanroom: what: why`,
 * then `hint: ...` where one helps. One verbosity level for the process
 * (set once by main from -q/-v) is the only global besides the program
 * name.
 */
#ifndef CLEANROOM_MSG_H
#define CLEANROOM_MSG_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

enum msg_level { MSG_QUIET = 0, MSG_NORMAL = 1, MSG_VERBOSE = 2 };

void msg_set_level(enum msg_level level);
enum msg_level msg_level(void);

/* Prints an error value: location, message, hint. Always shown. Nothing
 * here keeps a pointer to what it prints. */
void msg_error(const struct err *e);

/* Always shown. */
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "hint: ..." after a warning, shown whenever the warning is. */
void msg_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Shown unless -q. */
void msg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Shown with -v. */
void msg_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Escaping for what a build chose: file names, manifest entries, link
 * targets. Every message above goes through it, so no name can end a line
 * or start a terminal escape sequence; report and command output that
 * bypasses msg_* calls it itself. Escaped: C0 controls and DEL
 * (`\n`, `\r`, `\t`, else `\xNN`), bytes that are not UTF-8 (`\xNN`), the
 * C1 controls U+0080-U+009F (a terminal may take U+009B for an escape)
 * and the characters that reorder or break lines without being seen
 * (U+061C, U+200E-U+200F, U+2028-U+2029, U+202A-U+202E, U+2066-U+2069),
 * as `\uXXXX`. With MSG_ESC_BACKSLASH a backslash is doubled too, so the
 * escaped form reads back to one name only (the lock's convention).
 * Returns 0, or -1 (ENOMEM).
 */
#define MSG_ESC_BACKSLASH 1
int msg_escape(struct buf *out, const char *s, size_t n, int flags);

/* Whether stderr is a terminal and messages are shown (not -q): where a
 * status line drawn in place can be read. */
int msg_tty(void);

/* On a terminal, (re)draws one status line in place (`cleanroom: ` and
 * the text, escaped); elsewhere does nothing. Any other message clears it
 * first; msg_status_clear erases it at the end of the phase. */
void msg_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_status_clear(void);

#endif
