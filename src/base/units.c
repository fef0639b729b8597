/*
 * The numbers a spec and the command line write with units: durations,
 * sizes, and plain counts. Each parser reads the whole text with no
 * allocation and no locale, and tells a value that is not a number of its
 * kind from one that does not fit in an int64_t, so that messages can say
 * which. Every result is range-checked on the way: digits are accumulated
 * against INT64_MAX and scaled by a unit only when the product fits.
 */
#include "units.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

/* Why a parse failed, before it becomes an errno. */
enum num { NUM_OK, NUM_BAD, NUM_RANGE, NUM_NEG };

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Reads the decimal digits at *t into *n, advancing *t. NUM_RANGE when the
 * value does not fit an int64_t (all digits are consumed either way). */
static enum num digits(const char **t, uint64_t *n)
{
	enum num rc = NUM_OK;

	*n = 0;
	if (!is_digit(**t))
		return NUM_BAD;
	for (; is_digit(**t); (*t)++) {
		unsigned d = (unsigned)(**t - '0');

		if (*n > ((uint64_t)INT64_MAX - d) / 10)
			rc = NUM_RANGE;
		else
			*n = *n * 10 + d;
	}
	return rc;
}

/* *acc += n * unit, within int64_t. */
static enum num add_scaled(int64_t *acc, uint64_t n, int64_t unit)
{
	if (n > (uint64_t)(INT64_MAX / unit))
		return NUM_RANGE;
	n *= (uint64_t)unit;
	if (n > (uint64_t)(INT64_MAX - *acc))
		return NUM_RANGE;
	*acc += (int64_t)n;
	return NUM_OK;
}

/* A bare number of seconds, or groups of a number and a unit in
 * decreasing order, each unit at most once ("1h30m", not "30m1h": a
 * reversed or repeated unit is more likely a typo than a wish). */
static enum num duration(const char *t, int64_t *ms)
{
	static const struct {
		const char *unit;
		int64_t ms;
	} units[] = {{"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};
	size_t next = 0;
	int64_t total = 0;
	int range = 0;
	uint64_t n;
	enum num rc;

	rc = digits(&t, &n);
	if (rc == NUM_BAD)
		return NUM_BAD;
	if (*t == '\0') {
		if (rc == NUM_OK)
			rc = add_scaled(&total, n, 1000);
		if (rc == NUM_OK)
			*ms = total;
		return rc;
	}
	for (;;) {
		size_t u;

		range |= rc == NUM_RANGE;
		if (t[0] == 'm' && t[1] == 's')
			u = 3;
		else if (t[0] == 'h')
			u = 0;
		else if (t[0] == 'm')
			u = 1;
		else if (t[0] == 's')
			u = 2;
		else
			return NUM_BAD;
		if (u < next)
			return NUM_BAD;
		next = u + 1;
		t += strlen(units[u].unit);
		if (!range && add_scaled(&total, n, units[u].ms) != NUM_OK)
			range = 1;
		if (*t == '\0')
			break;
		rc = digits(&t, &n);
		if (rc == NUM_BAD)
			return NUM_BAD;
	}
	if (range)
		return NUM_RANGE;
	*ms = total;
	return NUM_OK;
}

int units_parse_duration(const char *text, int64_t *ms)
{
	enum num rc = duration(text, ms);

	if (rc == NUM_OK)
		return 0;
	errno = rc == NUM_RANGE ? ERANGE : EINVAL;
	return -1;
}

/* The multiplier of a size unit letter, either case (Docker's --memory
 * takes both), or 0. */
static int64_t size_unit(char c)
{
	switch (c) {
	case 'K':
	case 'k': return INT64_C(1) << 10;
	case 'M':
	case 'm': return INT64_C(1) << 20;
	case 'G':
	case 'g': return INT64_C(1) << 30;
	case 'T':
	case 't': return INT64_C(1) << 40;
	default: return 0;
	}
}

/* Digits, an optional binary unit K, M, G or T, then an optional "B", or
 * "iB" after a unit: "64K", "64KB" and "64KiB" are all 65536 bytes. */
static enum num size(const char *t, int64_t *bytes)
{
	int64_t total = 0, unit;
	uint64_t n;
	enum num rc;

	rc = digits(&t, &n);
	if (rc == NUM_BAD)
		return NUM_BAD;
	unit = size_unit(*t);
	if (unit != 0) {
		t++;
		if (t[0] == 'i' && t[1] == 'B')
			t++;
	} else {
		unit = 1;
	}
	if (*t == 'B')
		t++;
	if (*t != '\0')
		return NUM_BAD;
	if (rc == NUM_RANGE || add_scaled(&total, n, unit) != NUM_OK)
		return NUM_RANGE;
	*bytes = total;
	return NUM_OK;
}

int units_parse_size(const char *text, int64_t *bytes)
{
	enum num rc = size(text, bytes);

	if (rc == NUM_OK)
		return 0;
	errno = rc == NUM_RANGE ? ERANGE : EINVAL;
	return -1;
}

/* A plain decimal integer >= 0 without sign or leading zeros (YAML 1.1
 * would read 010 as octal; refusing it avoids guessing). */
static enum num count(const char *t, int64_t *out)
{
	const char *p = t[0] == '-' ? t + 1 : t;
	const char *start = p;
	uint64_t n;
	enum num rc;

	rc = digits(&p, &n);
	if (rc == NUM_BAD || *p != '\0' || (start[0] == '0' && start[1]))
		return NUM_BAD;
	if (t[0] == '-')
		return n == 0 && rc == NUM_OK ? NUM_BAD : NUM_NEG;
	if (rc == NUM_OK)
		*out = (int64_t)n;
	return rc;
}

int units_parse_count(const char *text, int64_t *n)
{
	enum num rc = count(text, n);

	if (rc == NUM_OK)
		return 0;
	errno = rc == NUM_RANGE ? ERANGE : rc == NUM_NEG ? EDOM : EINVAL;
	return -1;
}
