/*
 * The relay's terminal filter (termsafe.h has the rules). A small state
 * machine: ground, after an ESC, inside a CSI that may still be a colour,
 * after a 0xC2 lead byte that may start a C1 control. A byte that ends a
 * state other than as a colour or a C1 control is processed again from
 * ground, so "ESC ESC [ 1 m" is "\\x1b" and then a colour.
 */
#include "termsafe.h"

#include <string.h>

#include "msg.h"

enum { GROUND, ESC, CSI, LEAD_C2 };

#define CH_ESC 0x1b

void termsafe_init(struct termsafe *t)
{
	memset(t, 0, sizeof *t);
	t->state = GROUND;
}

/* A control character as text, in the notation of every other name
 * cleanroom prints (msg_escape): "\x1b", "\x07", "\u009b". */
static int shown(struct buf *out, const unsigned char *s, size_t n)
{
	return msg_escape(out, (const char *)s, n, 0);
}

static int escaped(struct buf *out, unsigned char c)
{
	return shown(out, &c, 1);
}

/* What is held, as text: a lone ESC or the start of a CSI that turned
 * out not to be a colour. */
static int flush_held(struct termsafe *t, struct buf *out)
{
	int rc = 0;

	if (t->state == LEAD_C2) {
		rc = buf_addc(out, (char)0xc2);
	} else if (t->nheld > 0) {
		rc = escaped(out, CH_ESC);
		if (rc == 0 && t->nheld > 1)
			rc = buf_add(out, t->held + 1, t->nheld - 1);
	}
	t->nheld = 0;
	t->state = GROUND;
	return rc;
}

static int ground(struct termsafe *t, unsigned char c, struct buf *out)
{
	int cr = t->after_cr;

	t->after_cr = 0;
	switch (c) {
	case '\n': return cr ? 0 : buf_addc(out, '\n');
	case '\t': return buf_addc(out, '\t');
	case '\r': t->after_cr = 1; return buf_addc(out, '\n');
	case CH_ESC:
		t->state = ESC;
		t->held[0] = c;
		t->nheld = 1;
		return 0;
	case 0xc2: t->state = LEAD_C2; return 0;
	default: break;
	}
	if (c < 0x20 || c == 0x7f)
		return escaped(out, c);
	return buf_addc(out, (char)c);
}

static int is_sgr_param(unsigned char c)
{
	return (c >= '0' && c <= '9') || c == ';' || c == ':';
}

int termsafe_feed(struct termsafe *t, const void *p, size_t n, struct buf *out)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = b[i];

		switch (t->state) {
		case GROUND: {
			/* Printable ASCII and UTF-8 other than a 0xC2 lead
			 * pass as a run. */
			size_t j = i;

			while (j < n && ((b[j] >= 0x20 && b[j] < 0x7f) ||
					 (b[j] >= 0x80 && b[j] != 0xc2)))
				j++;
			if (j > i) {
				if (buf_add(out, b + i, j - i) < 0)
					return -1;
				t->after_cr = 0;
				i = j - 1;
				continue;
			}
			if (ground(t, c, out) < 0)
				return -1;
			continue;
		}
		case ESC:
			if (c == '[') {
				t->held[t->nheld++] = c;
				t->state = CSI;
				continue;
			}
			break;
		case CSI:
			if (c == 'm') {
				if (buf_add(out, t->held, t->nheld) < 0 ||
				    buf_addc(out, 'm') < 0)
					return -1;
				t->sgr = 1;
				t->nheld = 0;
				t->state = GROUND;
				continue;
			}
			if (is_sgr_param(c) && t->nheld < sizeof t->held) {
				t->held[t->nheld++] = c;
				continue;
			}
			break;
		case LEAD_C2:
			if (c >= 0x80 && c <= 0x9f) {
				/* U+0080..U+009F: a C1 control. */
				const unsigned char c1[2] = {0xc2, c};

				if (shown(out, c1, 2) < 0)
					return -1;
				t->state = GROUND;
				continue;
			}
			break;
		}
		/* Not a colour or a C1 control: what was held is text, and
		 * this byte starts afresh. */
		if (flush_held(t, out) < 0 || ground(t, c, out) < 0)
			return -1;
	}
	return 0;
}

int termsafe_finish(struct termsafe *t, struct buf *out)
{
	int rc = flush_held(t, out);

	if (rc == 0 && t->sgr)
		rc = buf_adds(out, "\033[0m");
	termsafe_init(t);
	return rc;
}
