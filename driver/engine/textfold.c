/* textfold.c - case-insensitive text the way the service sees it.
 *
 * The service compares text case-insensitively for all of Unicode (SQL
 * Server's case-insensitive collations); SQLite's NOCASE folds ASCII only,
 * so 'É' = 'é' would be true at the service and false locally (design
 * decision 1).  This file folds with the simple case map of the scripts
 * most CRM data uses and offers it as the DVNOCASE collation, as like()
 * and as the join index's hash.  LIMIT: other scripts (Armenian, Georgian,
 * Latin Extended-B and beyond, full-width forms) compare as SQLite's
 * binary order, and accents are not ignored ('e' <> 'é'), while a
 * service collation that is also accent-insensitive would treat them
 * equal; a predicate sent to the service gets the service's answer.
 * Source: https://www.unicode.org/Public/UCD/latest/ucd/UnicodeData.txt
 *         (simple lowercase mappings), https://www.sqlite.org/c3ref/create_collation.html,
 *         https://www.sqlite.org/lang_expr.html#like */
#include "engine/textfold.h"

#include <string.h>

#define INVALID_BASE 0x110000u

static uint32_t fold_latin_ext_a(uint32_t cp)
{
	if (cp == 0x0130)
		return 0x0069;                 /* İ -> i */
	if (cp == 0x0178)
		return 0x00FF;                 /* Ÿ -> ÿ */
	if ((cp >= 0x0100 && cp <= 0x0137) || (cp >= 0x014A && cp <= 0x0177))
		return (cp % 2 == 0) ? cp + 1 : cp;
	if ((cp >= 0x0139 && cp <= 0x0148) || (cp >= 0x0179 && cp <= 0x017E))
		return (cp % 2 == 1) ? cp + 1 : cp;
	return cp;
}

static uint32_t fold_greek(uint32_t cp)
{
	if (cp == 0x0386)
		return 0x03AC;
	if (cp >= 0x0388 && cp <= 0x038A)
		return cp + 37;
	if (cp == 0x038C)
		return 0x03CC;
	if (cp == 0x038E || cp == 0x038F)
		return cp + 63;
	if ((cp >= 0x0391 && cp <= 0x03A1) || (cp >= 0x03A3 && cp <= 0x03AB))
		return cp + 32;
	if (cp == 0x03C2)
		return 0x03C3;                 /* final sigma folds to sigma */
	return cp;
}

static uint32_t fold_cyrillic(uint32_t cp)
{
	if (cp >= 0x0400 && cp <= 0x040F)
		return cp + 80;
	if (cp >= 0x0410 && cp <= 0x042F)
		return cp + 32;
	if ((cp >= 0x0460 && cp <= 0x0481) || (cp >= 0x048A && cp <= 0x04BF) ||
	    (cp >= 0x04D0 && cp <= 0x052F))
		return (cp % 2 == 0) ? cp + 1 : cp;
	if (cp == 0x04C0)
		return 0x04CF;
	if (cp >= 0x04C1 && cp <= 0x04CE)
		return (cp % 2 == 1) ? cp + 1 : cp;
	return cp;
}

uint32_t textfold_cp(uint32_t cp)
{
	if (cp < 0x80)
		return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
	if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
		return cp + 32;
	if (cp >= 0x0100 && cp <= 0x017F)
		return fold_latin_ext_a(cp);
	if (cp >= 0x0370 && cp <= 0x03FF)
		return fold_greek(cp);
	if (cp >= 0x0400 && cp <= 0x052F)
		return fold_cyrillic(cp);
	return cp;
}

uint32_t textfold_next(const unsigned char *s, size_t n, size_t *used)
{
	uint32_t cp;
	size_t len, i;
	if (s[0] < 0x80) {
		*used = 1;
		return s[0];
	}
	if ((s[0] & 0xE0) == 0xC0) {
		len = 2;
		cp = s[0] & 0x1Fu;
	} else if ((s[0] & 0xF0) == 0xE0) {
		len = 3;
		cp = s[0] & 0x0Fu;
	} else if ((s[0] & 0xF8) == 0xF0) {
		len = 4;
		cp = s[0] & 0x07u;
	} else {
		*used = 1;
		return INVALID_BASE + s[0];
	}
	if (len > n) {
		*used = 1;
		return INVALID_BASE + s[0];
	}
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*used = 1;
			return INVALID_BASE + s[0];
		}
		cp = (cp << 6) | (s[i] & 0x3Fu);
	}
	*used = len;
	return cp;
}

int textfold_cmp(const char *a, size_t na, const char *b, size_t nb)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
	size_t i = 0, j = 0;
	while (i < na && j < nb) {
		size_t ua, ub;
		uint32_t ca = textfold_cp(textfold_next(x + i, na - i, &ua));
		uint32_t cb = textfold_cp(textfold_next(y + j, nb - j, &ub));
		if (ca != cb)
			return ca < cb ? -1 : 1;
		i += ua;
		j += ub;
	}
	if (i < na)
		return 1;
	return j < nb ? -1 : 0;
}

uint64_t textfold_hash(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	uint64_t h = 1469598103934665603ull;       /* FNV-1a */
	size_t i = 0;
	while (i < n) {
		size_t used;
		uint32_t cp = textfold_cp(textfold_next(p + i, n - i, &used));
		int k;
		for (k = 0; k < 3; k++) {
			h ^= (cp >> (8 * k)) & 0xFFu;
			h *= 1099511628211ull;
		}
		i += used;
	}
	return h;
}

static int collate_dvnocase(void *arg, int na, const void *a, int nb, const void *b)
{
	(void)arg;
	return textfold_cmp(a, (size_t)na, b, (size_t)nb);
}

/* LIKE: '%' any run, '_' one code point, esc makes the next one literal.
 * 1 when text s matches pattern p. */
static int like_match(const unsigned char *p, size_t np, const unsigned char *s, size_t ns,
		      uint32_t esc)
{
	while (np > 0) {
		size_t up, us;
		uint32_t pc = textfold_next(p, np, &up);
		if (pc == esc) {
			p += up;
			np -= up;
			if (np == 0)
				return 0;
			pc = textfold_next(p, np, &up);
		} else if (pc == '%') {
			while (np > 0 && (*p == '%' || *p == '_')) {
				if (*p == '_') {
					if (ns == 0)
						return 0;
					textfold_next(s, ns, &us);
					s += us;
					ns -= us;
				}
				p++;
				np--;
			}
			if (np == 0)
				return 1;
			for (;;) {
				if (like_match(p, np, s, ns, esc))
					return 1;
				if (ns == 0)
					return 0;
				textfold_next(s, ns, &us);
				s += us;
				ns -= us;
			}
		} else if (pc == '_') {
			if (ns == 0)
				return 0;
			textfold_next(s, ns, &us);
			s += us;
			ns -= us;
			p += up;
			np -= up;
			continue;
		}
		if (ns == 0)
			return 0;
		if (textfold_cp(pc) != textfold_cp(textfold_next(s, ns, &us)))
			return 0;
		p += up;
		np -= up;
		s += us;
		ns -= us;
	}
	return ns == 0;
}

/* like(pattern, text [, escape]) as SQLite calls it for "text LIKE pattern". */
static void like_func(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *p = sqlite3_value_text(argv[0]);
	const unsigned char *s = sqlite3_value_text(argv[1]);
	uint32_t esc = 0xFFFFFFFFu;
	if (!p || !s)
		return;                        /* NULL */
	if (argc == 3) {
		const unsigned char *e = sqlite3_value_text(argv[2]);
		size_t used;
		if (!e)
			return;
		if (sqlite3_value_bytes(argv[2]) == 0 ||
		    textfold_next(e, (size_t)sqlite3_value_bytes(argv[2]), &used) == 0 ||
		    used != (size_t)sqlite3_value_bytes(argv[2])) {
			sqlite3_result_error(ctx, "ESCAPE expression must be a single character",
					     -1);
			return;
		}
		esc = textfold_next(e, used, &used);
	}
	sqlite3_result_int(ctx, like_match(p, (size_t)sqlite3_value_bytes(argv[0]), s,
					   (size_t)sqlite3_value_bytes(argv[1]), esc));
}

int textfold_register(sqlite3 *db)
{
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
	int rc = sqlite3_create_collation(db, "DVNOCASE", SQLITE_UTF8, NULL, collate_dvnocase);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function(db, "like", 2, flags, NULL, like_func, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function(db, "like", 3, flags, NULL, like_func, NULL, NULL);
	return rc;
}
