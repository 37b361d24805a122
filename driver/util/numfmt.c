/* numfmt.c - numbers to and from text without printf/strto* (see numfmt.h).
 *
 * HOW IT WORKS: integers are written digit pairs at a time from the end;
 * the readers accept only the plain JSON forms and answer only when the
 * result is exact, so they agree with strtoll/strtod wherever they answer.
 * Clinger's fast path: W. D. Clinger, "How to read floating point numbers
 * accurately", PLDI 1990 (a decimal m * 10^e with m < 2^53 and |e| <= 22 is
 * one IEEE operation on two exact doubles, hence correctly rounded). */
#include "util/numfmt.h"

#include <string.h>

static const char digit_pairs[] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

size_t dv_fmt_int64(int64_t v, char *out)
{
	char tmp[DV_FMT_INT64_MAX];
	char *p = tmp + sizeof(tmp);
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t n;
	while (u >= 100) {
		unsigned r = (unsigned)(u % 100);
		u /= 100;
		p -= 2;
		p[0] = digit_pairs[2 * r];
		p[1] = digit_pairs[2 * r + 1];
	}
	if (u >= 10) {
		p -= 2;
		p[0] = digit_pairs[2 * u];
		p[1] = digit_pairs[2 * u + 1];
	} else {
		*--p = (char)('0' + u);
	}
	if (v < 0)
		*--p = '-';
	n = (size_t)(tmp + sizeof(tmp) - p);
	memcpy(out, p, n);
	return n;
}

int dv_scan_int64(const char *s, size_t len, int64_t *out)
{
	size_t i = 0;
	int neg = 0;
	int64_t v = 0;
	if (len > 0 && s[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (len == i || len - i > 18)
		return -1;
	for (; i < len; i++) {
		unsigned d = (unsigned)(unsigned char)s[i] - '0';
		if (d > 9)
			return -1;
		v = v * 10 + (int64_t)d;
	}
	*out = neg ? -v : v;
	return 0;
}

int dv_scan_double(const char *s, size_t len, double *out)
{
	static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
				     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
				     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
	size_t i = 0, nd = 0;
	int neg = 0, exp10 = 0, any = 0;
	uint64_t m = 0;
	double d;
	if (i < len && s[i] == '-')
		neg = 1, i++;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, any = 1) {
		if (m == 0 && s[i] == '0')
			continue;           /* leading zeros are no digits */
		if (++nd > 19)
			return -1;
		m = m * 10 + (uint64_t)(s[i] - '0');
	}
	if (!any)
		return -1;
	if (i < len && s[i] == '.') {
		size_t start = ++i;
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			exp10--;
			if (m == 0 && s[i] == '0')
				continue;
			if (++nd > 19)
				return -1;
			m = m * 10 + (uint64_t)(s[i] - '0');
		}
		if (i == start)
			return -1;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		int eneg = 0, e = 0;
		size_t start;
		i++;
		if (i < len && (s[i] == '-' || s[i] == '+'))
			eneg = s[i++] == '-';
		start = i;
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			if ((e = e * 10 + (s[i] - '0')) > 1000)
				return -1;
		if (i == start)
			return -1;
		exp10 += eneg ? -e : e;
	}
	if (i != len || m > (1ULL << 53))
		return -1;
	d = (double)m;                       /* exact */
	if (m == 0)
		exp10 = 0;                   /* 0e999 is zero */
	if (exp10 < -22 || exp10 > 22)
		return -1;
	d = exp10 < 0 ? d / p10[-exp10] : d * p10[exp10];
	*out = neg ? -d : d;
	return 0;
}
