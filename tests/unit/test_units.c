/*
 * Numbers with units (src/units.c): the duration, size and count grammars,
 * every accepted form with its value and every rejected one, and that a
 * rejected text writes nothing and says why in errno.
 */
#include <errno.h>
#include <stdint.h>

#include "tap.h"
#include "units.h"

struct duration_case {
	const char *text;
	int64_t ms;
};

TAP_SUITE(units_durations)
{
	static const struct duration_case good[] = {
		{"0", 0},
		{"90", 90000},
		{"0s", 0},
		{"90s", 90000},
		{"15m", 900000},
		{"1h", 3600000},
		{"1h30m", 5400000},
		{"500ms", 500},
		{"1h30m15s", 5415000},
		{"1m30s250ms", 90250},
		{"2h500ms", 7200500},
		{"1s1ms", 1001},
		{"1h0m", 3600000},
		{"100h", 360000000},
		{"007s", 7000},
		{"90m", 5400000},
		{"9223372036854775807ms", INT64_MAX},
		{"9223372036854775s", INT64_C(9223372036854775000)},
		{"2562047788015h", INT64_C(9223372036854000000)},
	};
	static const char *const bad[] = {
		"",
		"-5s",
		"+5s",
		"1.5h",
		"5 m",
		" 5m",
		"5m ",
		"1d",
		"5M",
		"5H",
		"30m1h",
		"1h1h",
		"1s1s",
		"ms",
		"h",
		"1h30",
		"5min",
		"5sec",
		"1e3s",
		"0x10s",
		"9223372036854775808ms",
		"9223372036854775807s",
		"9223372036854775807",
		"2562047788016h",
		"1h9223372036854775807ms",
		"99999999999999999999999s",
	};

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		int64_t ms = -2;

		T_OK(units_parse_duration(good[i].text, &ms) == 0 &&
			     ms == good[i].ms,
		     "duration '%s' is %lld ms (got %lld)", good[i].text,
		     (long long)good[i].ms, (long long)ms);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t ms = -2;

		T_OK(units_parse_duration(bad[i], &ms) == -1 && ms == -2,
		     "duration '%s' is rejected and nothing written", bad[i]);
	}
	errno = 0;
	units_parse_duration("9223372036854775808ms", &(int64_t){0});
	T_INT(errno, ERANGE, "overflow sets ERANGE");
	errno = 0;
	units_parse_duration("1d", &(int64_t){0});
	T_INT(errno, EINVAL, "a bad unit sets EINVAL");
}

struct size_case {
	const char *text;
	int64_t bytes;
};

TAP_SUITE(units_sizes)
{
	static const struct size_case good[] = {
		{"0", 0},
		{"1024", 1024},
		{"1B", 1},
		{"64K", 65536},
		{"64k", 65536},
		{"64KB", 65536},
		{"64KiB", 65536},
		{"512M", INT64_C(512) << 20},
		{"1MB", INT64_C(1) << 20},
		{"4G", INT64_C(4) << 30},
		{"4g", INT64_C(4) << 30},
		{"3GiB", INT64_C(3) << 30},
		{"2T", INT64_C(2) << 40},
		{"1TiB", INT64_C(1) << 40},
		{"8388607T", INT64_C(8388607) << 40},
		{"9223372036854775807", INT64_MAX},
		{"9223372036854775807B", INT64_MAX},
		{"0K", 0},
	};
	static const char *const bad[] = {
		"",
		"-1",
		"+1",
		"1.5G",
		"4 G",
		"4G ",
		" 4G",
		"4P",
		"4Gb",
		"4iB",
		"G",
		"4KK",
		"4GiBB",
		"4Ki",
		"0x10",
		"1e3",
		"9223372036854775808",
		"8388608T",
		"9007199254740992K",
	};

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		int64_t n = -2;

		T_OK(units_parse_size(good[i].text, &n) == 0 &&
			     n == good[i].bytes,
		     "size '%s' is %lld bytes (got %lld)", good[i].text,
		     (long long)good[i].bytes, (long long)n);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t n = -2;

		T_OK(units_parse_size(bad[i], &n) == -1 && n == -2,
		     "size '%s' is rejected and nothing written", bad[i]);
	}
}

TAP_SUITE(units_counts)
{
	static const struct {
		const char *text;
		int64_t n;
	} good[] = {
		{"0", 0},
		{"7", 7},
		{"4096", 4096},
		{"9223372036854775807", INT64_MAX},
	};
	static const struct {
		const char *text;
		int err;
	} bad[] = {
		{"", EINVAL},
		{"010", EINVAL},
		{"+1", EINVAL},
		{"-0", EINVAL},
		{"1.0", EINVAL},
		{"1k", EINVAL},
		{" 1", EINVAL},
		{"-5", EDOM},
		{"-99999999999999999999", EDOM},
		{"9223372036854775808", ERANGE},
	};

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		int64_t n = -2;
		int rc = units_parse_count(good[i].text, &n);

		T_OK(rc == 0 && n == good[i].n, "count '%s' is %lld (got %lld)",
		     good[i].text, (long long)good[i].n, (long long)n);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t n = -2;

		errno = 0;
		T_OK(units_parse_count(bad[i].text, &n) == -1 && n == -2 &&
			     errno == bad[i].err,
		     "count '%s' is rejected (errno %d), nothing written",
		     bad[i].text, bad[i].err);
	}
}
