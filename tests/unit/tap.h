/*
 * A tiny TAP harness. Each test file defines suites with TAP_SUITE(name);
 * they register themselves before main runs, so adding a file needs no
 * central list. Output is TAP (`ok N - ...`, `not ok N - ...`, `1..N`)
 * followed by the line `N passed, N failed`.
 */
#ifndef CLEANROOM_TAP_H
#define CLEANROOM_TAP_H

#include <stddef.h>
#include <string.h>

void tap_register(const char *name, void (*fn)(void));

#define TAP_SUITE(name)                                                        \
	static void suite_##name(void);                                        \
	__attribute__((constructor)) static void register_##name(void)         \
	{                                                                      \
		tap_register(#name, suite_##name);                             \
	}                                                                      \
	static void suite_##name(void)

/* Records one result; returns ok. */
int tap_ok(int ok, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Prints a diagnostic line (`# ...`). */
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define T_OK(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

/* String equality; NULL equals only NULL. Shows both on failure. */
int tap_str_eq(const char *got, const char *want, const char *file, int line,
	       const char *what);
#define T_STR(got, want, what) tap_str_eq(got, want, __FILE__, __LINE__, what)

/* Byte-string equality. */
int tap_mem_eq(const void *got, size_t glen, const void *want, size_t wlen,
	       const char *file, int line, const char *what);
#define T_MEM(got, glen, want, wlen, what)                                     \
	tap_mem_eq(got, glen, want, wlen, __FILE__, __LINE__, what)

/* Evaluates got and want once each. */
int tap_int_eq(long long got, long long want, const char *file, int line,
	       const char *what);
#define T_INT(got, want, what)                                                 \
	tap_int_eq((long long)(got), (long long)(want), __FILE__, __LINE__,    \
		   what)

#endif
