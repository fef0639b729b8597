/*
 * msg_escape: what a build named (a file, a manifest entry) printed so
 * that it cannot end a line, forge the next, or drive the terminal.
 */
#include <string.h>

#include "buf.h"
#include "msg.h"
#include "tap.h"

static void escapes(const char *in, size_t n, int flags, const char *want,
		    const char *what)
{
	struct buf b = {0};

	T_OK(msg_escape(&b, in, n, flags) == 0, "msg_escape: %s", what);
	T_STR(b.p ? b.p : "", want, what);
	buf_free(&b);
}

#define ESC(in, want, what) escapes(in, sizeof in - 1, 0, want, what)

TAP_SUITE(msg_escape_names)
{
	ESC("dist/app-1.js", "dist/app-1.js", "plain ASCII as it is");
	ESC("x\ncleanroom: ok", "x\\ncleanroom: ok",
	    "a newline cannot start a forged line");
	ESC("a\rb\tc", "a\\rb\\tc", "CR and tab");
	ESC("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m",
	    "an escape sequence is shown, not run");
	ESC("bell\a del\x7f", "bell\\x07 del\\x7f", "BEL and DEL");
	ESC("caf\xc3\xa9 \xe6\x97\xa5.js", "caf\xc3\xa9 \xe6\x97\xa5.js",
	    "UTF-8 kept");
	ESC("bad\xff\xfe", "bad\\xff\\xfe", "bytes that are not UTF-8");
	ESC("cut\xe2\x82", "cut\\xe2\\x82", "a sequence cut short");
	ESC("csi\xc2\x9b"
	    "2J",
	    "csi\\u009b2J", "a C1 control (U+009B CSI)");
	ESC("evil\xe2\x80\xaesj.exe", "evil\\u202esj.exe",
	    "a right-to-left override");
	ESC("line\xe2\x80\xa8sep", "line\\u2028sep", "a line separator");
	ESC("a\\b", "a\\b", "a backslash as it is by default");
	escapes("a\\b\n", 4, MSG_ESC_BACKSLASH, "a\\\\b\\n",
		"a backslash doubled with MSG_ESC_BACKSLASH");
	escapes("n\0ul", 4, 0, "n\\x00ul", "a NUL byte");
}
