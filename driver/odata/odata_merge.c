/* odata_merge.c - the rows of ordered partitions in one order (see odata_merge.h).
 *
 * Owns: reading a $orderby into order keys, comparing two rows exactly as
 * the service orders them, and the k-way merge of the partitions' pages.
 *
 * HOW THE SERVICE ORDERS, and how each key is compared here (the emulator,
 * tests/emulator/dvemu_lib/query.py parse_orderby, does the same):
 *   - NULL sorts before every value (SQL Server; so last with desc).
 *   - Text by the service's collation: case- and accent-insensitive,
 *     trailing blanks ignored, folded code points in order (the engine's
 *     DVNOCASE rule, handed in as text_cmp; textfold.c says where the real
 *     service's Windows sort weights differ).  Equal texts ("Café" and
 *     "cafe ") are a tie, decided by the next key.
 *   - Numbers by value: integers (also choices, which the Web API orders by
 *     their value, and booleans false < true) exactly, decimals and money
 *     exactly from their text, doubles as doubles.
 *   - createdon (the one date-time the scan knows as such) by its parts;
 *     another date-time or date column is read as text and compared as
 *     text, which orders the service's one format ("2024-06-15T12:00:00Z",
 *     "2024-06-15") as time.
 *   - The primary key, the last key that makes the order total (the driver
 *     appends it to every $orderby), in SQL Server's uniqueidentifier
 *     order: bytes 10-15, then 8-9, 6-7, 4-5, 0-3 of the GUID, that is on
 *     its text "aabbccdd-eeff-gghh-iijj-kkllmmnnoopp" the hex groups
 *     kkllmmnnoopp, iijj, hhgg, ffee, ddccbbaa.
 *     Source: https://learn.microsoft.com/dotnet/framework/data/adonet/sql/comparing-guid-and-uniqueidentifier-values
 *
 * THE MERGE: each partition's rows come in the service's order (its own
 * chain of pages); a binary heap of the partitions keyed by their current
 * row gives the smallest.  The row handed out stays valid until the next
 * call, so its partition is advanced (and its page given back to its
 * worker, odata_parts_next_page_of) only then.  One page per partition is
 * held at a time.  The first call waits for every partition's first page:
 * the smallest row may be in any of them. */
#include "odata/odata_merge.h"

#include <stdlib.h>
#include <string.h>

/* ---- order keys --------------------------------------------------------- */

static size_t find_value_col(const struct odata_colspec *cols, size_t ncols, const char *prop,
			     size_t len)
{
	for (size_t i = 0; i < ncols; i++)
		if (!cols[i].annotation && strlen(cols[i].property) == len &&
		    strncmp(cols[i].property, prop, len) == 0)
			return i;
	return ncols;
}

static int same_prop(const char *name, const char *p, size_t len)
{
	return name && strlen(name) == len && strncmp(name, p, len) == 0;
}

/* One "prop [asc|desc]" term of p (up to end) into k; -1 when unmergeable. */
static int order_term(const char *p, const char *end, const char *key, const char *created,
		      const struct odata_colspec *cols, size_t ncols, odata_text_cmp_fn text_cmp,
		      struct odata_order_key *k, int *is_key)
{
	const char *sp;
	size_t len;
	while (p < end && *p == ' ')
		p++;
	sp = memchr(p, ' ', (size_t)(end - p));
	len = sp ? (size_t)(sp - p) : (size_t)(end - p);
	k->desc = 0;
	if (sp) {
		size_t rest = (size_t)(end - sp - 1);
		if (rest == 4 && strncmp(sp + 1, "desc", 4) == 0)
			k->desc = 1;
		else if (!(rest == 3 && strncmp(sp + 1, "asc", 3) == 0))
			return -1;
	}
	k->col = find_value_col(cols, ncols, p, len);
	/* a lookup's _<name>_value: the service orders it by the related
	 * row's primary name, not by the GUID the row holds */
	if (len == 0 || k->col == ncols ||
	    (p[0] == '_' && len > 7 && strncmp(p + len - 6, "_value", 6) == 0))
		return -1;
	*is_key = same_prop(key, p, len);
	if (*is_key) {
		k->how = OM_GUID;
		return 0;
	}
	if (same_prop(created, p, len)) {
		k->how = OM_DATETIME;
		return 0;
	}
	switch (cols[k->col].kind) {
	case ODATA_STRING:
		k->how = OM_TEXT;
		return text_cmp ? 0 : -1;
	case ODATA_INT: case ODATA_DOUBLE: case ODATA_DECIMAL: case ODATA_BOOL:
		k->how = OM_NUMBER;
		return 0;
	default:
		return -1;
	}
}

int odata_order_keys(const char *orderby, const char *key, const char *created,
		     const struct odata_colspec *cols, size_t ncols, odata_text_cmp_fn text_cmp,
		     struct odata_order_key *keys, size_t *n)
{
	const char *p = orderby;
	int has_key = 0;
	*n = 0;
	while (p && *p) {
		const char *comma = strchr(p, ',');
		const char *end = comma ? comma : p + strlen(p);
		int is_key = 0;
		if (*n == ODATA_ORDER_MAX ||
		    order_term(p, end, key, created, cols, ncols, text_cmp, &keys[*n], &is_key) != 0)
			return -1;
		(*n)++;
		has_key |= is_key;
		p = comma ? comma + 1 : NULL;
	}
	return has_key ? 0 : -1;
}

/* ---- comparisons -------------------------------------------------------- */

static int sign3(long double a, long double b)
{
	return (a > b) - (a < b);
}

/* A plain decimal "[-]digits[.digits]" split into its parts (leading zeros
 * of the integer part and trailing zeros of the fraction dropped). */
struct dec {
	int neg;
	const char *ip, *fp;
	size_t ni, nf;
};

static int dec_parse(const char *s, size_t len, struct dec *d)
{
	const char *end = s + len;
	d->neg = 0;
	if (s < end && (*s == '-' || *s == '+'))
		d->neg = *s++ == '-';
	d->ip = s;
	while (s < end && *s >= '0' && *s <= '9')
		s++;
	d->ni = (size_t)(s - d->ip);
	d->fp = s;
	d->nf = 0;
	if (s < end && *s == '.') {
		d->fp = ++s;
		while (s < end && *s >= '0' && *s <= '9')
			s++;
		d->nf = (size_t)(s - d->fp);
	}
	if (s != end || d->ni + d->nf == 0)
		return -1;
	while (d->ni && *d->ip == '0')
		d->ip++, d->ni--;
	while (d->nf && d->fp[d->nf - 1] == '0')
		d->nf--;
	if (d->ni + d->nf == 0)
		d->neg = 0; /* -0 = 0 */
	return 0;
}

static int dec_cmp_abs(const struct dec *a, const struct dec *b)
{
	size_t nf = a->nf < b->nf ? a->nf : b->nf;
	int c;
	if (a->ni != b->ni)
		return a->ni < b->ni ? -1 : 1;
	if ((c = memcmp(a->ip, b->ip, a->ni)) != 0)
		return c < 0 ? -1 : 1;
	if ((c = memcmp(a->fp, b->fp, nf)) != 0)
		return c < 0 ? -1 : 1;
	/* trailing zeros are gone: the longer fraction is the larger */
	return (a->nf > nf) - (b->nf > nf);
}

/* A number cell as a long double; -1 when it is none. */
static int num_value(const struct odata_cell *c, long double *v)
{
	char *end;
	if (c->type == OC_INT)
		*v = (long double)c->i;
	else if (c->type == OC_DOUBLE)
		*v = (long double)c->d;
	else if (c->type == OC_TEXT) {
		*v = strtold(c->s, &end);
		if (end == c->s || *end)
			return -1;
	} else
		return -1;
	return 0;
}

static int num_cmp(const struct odata_cell *a, const struct odata_cell *b, int *bad)
{
	struct dec da, db;
	long double va, vb;
	if (a->type == OC_INT && b->type == OC_INT)
		return (a->i > b->i) - (a->i < b->i);
	if (a->type == OC_TEXT && b->type == OC_TEXT && dec_parse(a->s, a->len, &da) == 0 &&
	    dec_parse(b->s, b->len, &db) == 0) {
		if (da.neg != db.neg)
			return da.neg ? -1 : 1;
		return da.neg ? -dec_cmp_abs(&da, &db) : dec_cmp_abs(&da, &db);
	}
	if (num_value(a, &va) != 0 || num_value(b, &vb) != 0) {
		*bad = 1;
		return 0;
	}
	return sign3(va, vb);
}

/* "YYYY-MM-DDTHH:MM:SS[.fff]Z": the seconds, then the fraction digit by digit. */
static int datetime_cmp(const struct odata_cell *a, const struct odata_cell *b, int *bad)
{
	const char *fa, *fb;
	int c;
	if (a->len < 19 || b->len < 19) {
		*bad = 1;
		return 0;
	}
	if ((c = memcmp(a->s, b->s, 19)) != 0)
		return c < 0 ? -1 : 1;
	fa = a->s[19] == '.' ? a->s + 20 : "";
	fb = b->s[19] == '.' ? b->s + 20 : "";
	for (;;) {
		int da = *fa >= '0' && *fa <= '9' ? *fa++ : '0';
		int db = *fb >= '0' && *fb <= '9' ? *fb++ : '0';
		if (da != db)
			return da < db ? -1 : 1;
		if (!(*fa >= '0' && *fa <= '9') && !(*fb >= '0' && *fb <= '9'))
			return 0;
	}
}

static int hex_lower(int c)
{
	return c >= 'A' && c <= 'F' ? c + 32 : c;
}

/* SQL Server's uniqueidentifier order on the text form (see the top). */
static int guid_cmp(const struct odata_cell *a, const struct odata_cell *b, int *bad)
{
	static const unsigned char part[][2] = {{24, 12}, {19, 4}, {16, 2}, {14, 2}, {11, 2},
						{9, 2},   {6, 2},   {4, 2},  {2, 2},  {0, 2}};
	if (a->len != 36 || b->len != 36) {
		*bad = 1;
		return 0;
	}
	for (size_t i = 0; i < sizeof(part) / sizeof(part[0]); i++)
		for (size_t j = part[i][0]; j < (size_t)part[i][0] + part[i][1]; j++) {
			int x = hex_lower((unsigned char)a->s[j]), y = hex_lower((unsigned char)b->s[j]);
			if (x != y)
				return x < y ? -1 : 1;
		}
	return 0;
}

static int key_cmp(const struct odata_order_key *k, odata_text_cmp_fn text_cmp,
		   const struct odata_cell *a, const struct odata_cell *b, int *bad)
{
	if (a->type == OC_NULL || b->type == OC_NULL)
		return (b->type == OC_NULL) - (a->type == OC_NULL);
	if (k->how == OM_NUMBER)
		return num_cmp(a, b, bad);
	if (a->type != OC_TEXT || b->type != OC_TEXT) {
		*bad = 1;
		return 0;
	}
	switch (k->how) {
	case OM_TEXT: {
		int c = text_cmp(a->s, a->len, b->s, b->len);
		return (c > 0) - (c < 0);
	}
	case OM_DATETIME:
		return datetime_cmp(a, b, bad);
	default:
		return guid_cmp(a, b, bad);
	}
}

int odata_order_cmp(const struct odata_order_key *keys, size_t nkeys,
		    odata_text_cmp_fn text_cmp, const struct odata_cell *a,
		    const struct odata_cell *b, int *bad)
{
	for (size_t i = 0; i < nkeys; i++) {
		int c = key_cmp(&keys[i], text_cmp, &a[keys[i].col], &b[keys[i].col], bad);
		if (c != 0)
			return keys[i].desc ? -c : c;
	}
	return 0;
}

/* ---- the merge ---------------------------------------------------------- */

struct source {
	const struct odata_page *page;  /* held page, NULL once ended */
	size_t row;
};

struct odata_merge {
	struct odata_parts *ps;
	size_t n;
	struct source *src;
	size_t *heap, nheap;            /* partitions with a current row */
	struct odata_order_key keys[ODATA_ORDER_MAX];
	size_t nkeys;
	odata_text_cmp_fn text_cmp;
	size_t ncols;
	int started;
	int bad;                        /* a value could not be compared */
};

static const struct odata_cell *current(const struct odata_merge *m, size_t p)
{
	return &m->src[p].page->cells[m->src[p].row * m->ncols];
}

static int less(struct odata_merge *m, size_t a, size_t b)
{
	return odata_order_cmp(m->keys, m->nkeys, m->text_cmp, current(m, a), current(m, b),
			       &m->bad) < 0;
}

static void sift_down(struct odata_merge *m, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, min = i, t;
		if (l < m->nheap && less(m, m->heap[l], m->heap[min]))
			min = l;
		if (r < m->nheap && less(m, m->heap[r], m->heap[min]))
			min = r;
		if (min == i)
			return;
		t = m->heap[i];
		m->heap[i] = m->heap[min];
		m->heap[min] = t;
		i = min;
	}
}

/* The next non-empty page of partition p: 1, 0 at its end, -1 on error. */
static int load(struct odata_merge *m, size_t p, struct dv_error *err)
{
	for (;;) {
		const struct odata_page *page;
		int rc = odata_parts_next_page_of(m->ps, p, &page, err);
		if (rc <= 0) {
			m->src[p].page = NULL;
			return rc;
		}
		if (page->nrows > 0) {
			m->src[p].page = page;
			m->src[p].row = 0;
			return 1;
		}
	}
}

static int first_rows(struct odata_merge *m, struct dv_error *err)
{
	for (size_t p = 0; p < m->n; p++) {
		int rc = load(m, p, err);
		if (rc < 0)
			return -1;
		if (rc > 0)
			m->heap[m->nheap++] = p;
	}
	for (size_t i = m->nheap / 2; i-- > 0;)
		sift_down(m, i);
	m->started = 1;
	return 0;
}

/* The row handed out last (the heap's top) is used: its partition moves on. */
static int advance_top(struct odata_merge *m, struct dv_error *err)
{
	size_t p = m->heap[0];
	if (++m->src[p].row >= m->src[p].page->nrows) {
		int rc = load(m, p, err);
		if (rc < 0)
			return -1;
		if (rc == 0)
			m->heap[0] = m->heap[--m->nheap];
	}
	sift_down(m, 0);
	return 0;
}

int odata_merge_next(struct odata_merge *m, const struct odata_cell **row,
		     struct dv_error *err)
{
	int rc = !m->started ? first_rows(m, err) : m->nheap ? advance_top(m, err) : 0;
	if (rc != 0)
		return -1;
	if (m->bad)
		return dv_error_set(err, DV_S_HY000, 0,
				    "a partitioned ORDER BY met a value it cannot compare as the "
				    "service does; read it with ParallelReads=1");
	if (m->nheap == 0)
		return 0;
	*row = current(m, m->heap[0]);
	return 1;
}

struct odata_merge *odata_merge_start(struct odata_parts *ps, size_t n,
				      const struct odata_order_key *keys, size_t nkeys,
				      odata_text_cmp_fn text_cmp, size_t ncols,
				      struct dv_error *err)
{
	struct odata_merge *m = calloc(1, sizeof(*m));
	if (m) {
		m->src = calloc(n, sizeof(*m->src));
		m->heap = calloc(n, sizeof(*m->heap));
	}
	if (!m || !m->src || !m->heap || nkeys > ODATA_ORDER_MAX) {
		odata_merge_free(m);
		dv_error_nomem(err);
		return NULL;
	}
	m->ps = ps;
	m->n = n;
	memcpy(m->keys, keys, nkeys * sizeof(*keys));
	m->nkeys = nkeys;
	m->text_cmp = text_cmp;
	m->ncols = ncols;
	return m;
}

void odata_merge_free(struct odata_merge *m)
{
	if (!m)
		return;
	free(m->src);
	free(m->heap);
	free(m);
}
