/*
 * What the relay lets through to a terminal. The build's output goes to
 * the same terminal (or log) as cleanroom's own lines, and a terminal
 * obeys control sequences: a build could move the cursor up and clear
 * the line that says "cleanroom: sandbox: ...", return to the start of a
 * line with "\r" and print over it, set the window title, plant a
 * hyperlink, reset the terminal (ESC c) or leave it in a state that hides
 * what cleanroom prints next. The filter neutralises every control
 * character but the ones a log needs, so that what the build prints can
 * only ever add lines below cleanroom's, never change them:
 *
 * - newline and tab pass;
 * - colours pass: SGR, `ESC [ params m` with params only digits, ';' and
 *   ':' (at most TERMSAFE_SGR_MAX bytes of them); when any passed, the
 *   end of the stream adds `ESC [ 0 m`, so that no colour or concealed
 *   text carries over into cleanroom's next line;
 * - a carriage return becomes a newline (a "\r\n" pair one newline):
 *   progress bars that redraw one line then show each state on a line of
 *   its own, which costs lines but can never print over another line;
 * - every other C0 control, DEL, and the C1 controls written in UTF-8
 *   (U+0080 to U+009F, which some terminals obey as ESC + letter) is
 *   shown as text, in the notation cleanroom prints every name a build
 *   chose in (msg_escape): ESC as "\x1b" (so `ESC [ 2 K` reads
 *   "\x1b[2K"), BEL as "\x07", U+009B (CSI) as "\u009b". The bytes
 *   after a neutralised ESC are plain text once the ESC is gone.
 *
 * Bytes that are not part of a possible sequence are never delayed: the
 * filter holds back only an ESC, a partial SGR or a 0xC2 lead byte at
 * the end of one feed, until the next feed says what they are. Raw
 * bytes 0x80-0x9F outside UTF-8 are left alone: a terminal in UTF-8 mode
 * (every one a build log is read in today) does not treat them as C1.
 *
 * Pure: no I/O. A struct termsafe is a value the caller embeds; it holds
 * nothing to free.
 */
#ifndef CLEANROOM_TERMSAFE_H
#define CLEANROOM_TERMSAFE_H

#include <stddef.h>

#include "buf.h"

#define TERMSAFE_SGR_MAX 32

struct termsafe {
	unsigned char held[TERMSAFE_SGR_MAX + 2]; /* ESC [ params */
	size_t nheld;
	int state;    /* private */
	int after_cr; /* the last byte was a carriage return */
	int sgr;      /* a colour sequence passed */
};

void termsafe_init(struct termsafe *t);
/* Appends to out what n more bytes of the stream make final. Returns 0,
 * or -1 when out of memory (errno ENOMEM). */
int termsafe_feed(struct termsafe *t, const void *p, size_t n, struct buf *out);
/* End of the stream: appends what is held back, neutralised, and the
 * colour reset when one is due; t is then as initialised. Returns 0 or
 * -1 (ENOMEM). */
int termsafe_finish(struct termsafe *t, struct buf *out);

#endif
