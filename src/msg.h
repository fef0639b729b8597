/*
 * cleanroom's own messages on stderr, err(3)-style: `cleanroom: what: why`,
 * then `hint: ...` where one helps. One verbosity level for the process
 * (set once by main from -q/-v) is the only global besides the program
 * name.
 */
#ifndef CLEANROOM_MSG_H
#define CLEANROOM_MSG_H

#include "err.h"

enum msg_level { MSG_QUIET = 0, MSG_NORMAL = 1, MSG_VERBOSE = 2 };

void msg_set_level(enum msg_level level);
enum msg_level msg_level(void);

/* Prints an error value: location, message, hint. Always shown. Nothing
 * here keeps a pointer to what it prints. */
void msg_error(const struct err *e);

/* Always shown. */
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Shown unless -q. */
void msg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Shown with -v. */
void msg_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
