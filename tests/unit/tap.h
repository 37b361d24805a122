/* tap.h - a tiny TAP producer for the C unit and ODBC-level tests.
 *
 * Usage: ok(cond, "name %d", i); is_int(got, want, "name"); is_str(got, want,
 * "name"); then `return tap_done();` from main.  The plan is printed at the
 * end ("1..N"), so tests need not count in advance.  UNITTEST-only static
 * functions are reached by compiling the unit with -DUNITTEST (see the
 * layer's .mk fragment). */
#ifndef DV_TESTS_TAP_H
#define DV_TESTS_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int tap_vok(int cond, const char *fmt, va_list ap)
{
	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

static inline int __attribute__((format(printf, 2, 3))) ok(int cond, const char *fmt, ...)
{
	va_list ap;
	int r;
	va_start(ap, fmt);
	r = tap_vok(cond, fmt, ap);
	va_end(ap);
	return r;
}

#define is_int(got, want, ...) \
	do { \
		long long g_ = (long long)(got), w_ = (long long)(want); \
		if (!ok(g_ == w_, __VA_ARGS__)) \
			printf("#   got: %lld\n#  want: %lld\n", g_, w_); \
	} while (0)

#define is_str(got, want, ...) \
	do { \
		const char *g_ = (got), *w_ = (want); \
		int same_ = (g_ && w_) ? strcmp(g_, w_) == 0 : g_ == w_; \
		if (!ok(same_, __VA_ARGS__)) \
			printf("#   got: '%s'\n#  want: '%s'\n", g_ ? g_ : "(null)", \
			       w_ ? w_ : "(null)"); \
	} while (0)

static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
