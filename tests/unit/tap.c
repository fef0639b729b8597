/*
 * The harness runner: runs every registered suite (or those named on the
 * command line) and prints the totals as the last line.
 */
#include "tap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

struct suite {
	const char *name;
	void (*fn)(void);
};

static struct suite suites[512];
static size_t nsuites;
static unsigned passed, failed;

void tap_register(const char *name, void (*fn)(void))
{
	if (nsuites == sizeof suites / sizeof suites[0]) {
		fprintf(stderr, "tap: too many suites\n");
		exit(2);
	}
	suites[nsuites++] = (struct suite){name, fn};
}

int tap_ok(int ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("%s %u - ", ok ? "ok" : "not ok", passed + failed + 1);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!ok)
		printf(" # at %s:%d", file, line);
	putchar('\n');
	if (ok)
		passed++;
	else
		failed++;
	fflush(stdout);
	return ok;
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Prints bytes with C escapes so that differences are visible. */
static void show(const char *label, const void *p, size_t n)
{
	const unsigned char *s = p;

	printf("#   %s: ", label);
	if (p == NULL) {
		puts("(null)");
		return;
	}
	putchar('"');
	for (size_t i = 0; i < n && i < 400; i++) {
		if (s[i] == '\n')
			fputs("\\n", stdout);
		else if (s[i] == '"' || s[i] == '\\')
			printf("\\%c", s[i]);
		else if (s[i] < 0x20 || s[i] >= 0x7f)
			printf("\\x%02x", s[i]);
		else
			putchar(s[i]);
	}
	puts(n > 400 ? "\"..." : "\"");
}

int tap_mem_eq(const void *got, size_t glen, const void *want, size_t wlen,
	       const char *file, int line, const char *what)
{
	int ok;

	if (got == NULL || want == NULL)
		ok = got == want;
	else
		ok = glen == wlen && memcmp(got, want, glen) == 0;
	tap_ok(ok, file, line, "%s", what);
	if (!ok) {
		show("got ", got, glen);
		show("want", want, wlen);
	}
	return ok;
}

int tap_str_eq(const char *got, const char *want, const char *file, int line,
	       const char *what)
{
	return tap_mem_eq(got, got ? strlen(got) : 0, want,
			  want ? strlen(want) : 0, file, line, what);
}

int tap_int_eq(long long got, long long want, const char *file, int line,
	       const char *what)
{
	return tap_ok(got == want, file, line, "%s (got %lld, want %lld)", what,
		      got, want);
}

int main(int argc, char **argv)
{
	for (size_t i = 0; i < nsuites; i++) {
		int run = argc < 2;

		for (int a = 1; a < argc; a++)
			if (strcmp(argv[a], suites[i].name) == 0)
				run = 1;
		if (!run)
			continue;
		tap_diag("suite %s", suites[i].name);
		suites[i].fn();
	}
	printf("1..%u\n%u passed, %u failed\n", passed + failed, passed,
	       failed);
	return failed ? 1 : 0;
}
