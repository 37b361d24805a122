/* odata_cursor.c - all pages of one query, row by row.
 *
 * Owns: following @odata.nextLink exactly as the service wrote it (never
 * rebuilt: the skiptoken is opaque) with the same Prefer header on every
 * page, and handing out rows one at a time.  A page whose transfer fails
 * midway is read again from its start (odata_page_read and the HTTP layer's
 * on_restart), so no row is lost or repeated.
 * Source: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/page-results
 *
 * HOW PREFETCH WORKS (Prefetch=true, the default): the first page is read
 * on the caller's thread.  When a page carrying a nextLink becomes current,
 * that link is posted to the cursor's worker (odata_prefetch.h), which reads
 * and parses it on its own connection while the caller consumes the current
 * page.  When the current page is used up, the caller waits for the worker
 * (usually it is already done), swaps the two pages and posts the next link.
 * So at most two pages are in memory, pages are handed out in service order,
 * each exactly once, and an error on a prefetched page (after the HTTP
 * layer's retries) is reported only when the caller reaches that page, with
 * the SQLSTATE a direct read would give.  If the worker cannot be started
 * the cursor quietly reads pages on the caller's thread as before.
 *
 * WHERE LINKS MAY POINT: a page's @odata.nextLink (and @odata.deltaLink) is
 * followed, with the bearer token, only on the organisation's own origin:
 * the scheme, host and port of the URL key (of the first request when
 * there is no configuration).  A link to any other origin fails the cursor
 * before anything is sent there (HY000 naming the host): the token must
 * not leave for another server, and ending the result quietly would lose
 * rows.  The check runs when a page becomes current, before its link is
 * posted to the prefetch worker.
 *
 * ROW BUDGET (odata_scan.budget, a LIMIT the service cannot be sent as
 * $top): the rows of the pages read so far are counted.  No page is
 * prefetched once they reach the budget; with an exact budget (the first
 * budget rows are the answer) the chain also ends there, so a LIMIT 10000
 * reads two pages and nothing more.  An unordered scan with a budget is
 * never partitioned (its partitions would read the whole table at once);
 * an ordered one may be, each partition stopping at the budget (MERGED
 * ORDER BY).
 *
 * PARTITIONED SCANS (odata_cursor_open_scan, ParallelReads): a scan of one
 * table without $top, $apply, $expand, and without a row budget unless it
 * is ordered (see MERGED ORDER BY), reads its first page alone.  When that page has a nextLink (and, with the
 * automatic setting, holds 1000 rows or more and took the service at
 * least PART_AUTO_MIN_MS to answer and the driver to read), the rest is
 * read as N partitions at once (odata_partition.c) instead of following
 * the link.  Partitions overlap the service's time per page; when a page
 * comes back faster than that, the reader (parsing, the application) is
 * what takes the time, and partitions would only add the probes, the
 * first page read again and threads competing for the same CPUs.
 *
 * FIRST PAGE IN CREATEDON ORDER: with ParallelReads=N set, the first page
 * asks "$orderby=createdon asc,<key> asc" (createdon added to $select), so
 * the partitions start where it ends and read none of it again but the
 * rows of its last second; the one probe (the highest createdon) is sent
 * beside it, on a thread with its own handle, so the partitions start
 * one round trip after the first page instead of two (a one-page result
 * cancels it, or pays one more request).  With the automatic setting the first page is
 * the scan's own request, unchanged (most scans are one page, and every
 * unordered scan's request and row order would change otherwise): a
 * partitioned read then needs both probes (the lowest createdon too) and
 * reads the first page's rows again, skipping them by key (one page of
 * the whole read).  See AUTOMATIC START for when the probes go and how
 * many partitions.  A first page the service refuses in createdon
 * order (a virtual table) is asked again as the scan's own request.
 *
 * AUTOMATIC START (automatic_start): once the first page says the rest is
 * partitioned, both createdon probes are sent at once, each on its own
 * connection (side_probe), so the partitions start one round trip after
 * the first page instead of two.  Not beside the first page itself: most
 * scans are one page, and the probes would cost them two requests.  The
 * number of partitions is taken then, from the latest x-ms-dop-hint: the
 * first page's answer (a connection whose metadata came from the cache
 * may have sent nothing before the query, and the hint may change).
 *
 * How the partitions are cut:
 *   - Why createdon ranges and not primary key ranges: the service compares
 *     GUIDs in SQL Server's uniqueidentifier order (last byte group first),
 *     which a client cannot split into even ranges without knowing how the
 *     keys were made, while createdon is set by the service, never changes
 *     and grows with time.  Why not $apply=aggregate(createdon with min..):
 *     the service refuses aggregates over more than 50,000 rows
 *     (0x8004E023), exactly the tables worth partitioning.
 *   - A first page in createdon order holds exactly the lowest createdon
 *     values (NULLs sort first, as on SQL Server), so the partitions start
 *     at the second B0 of its last row's createdon.  One probe,
 *     "$select=createdon&$filter=createdon ne null&$orderby=createdon
 *     desc&$top=1" (the scan's own filter and-ed in), gives the highest
 *     value.  A first page in the default order: B0 from the same probe
 *     with "asc".
 *   - The ranges B0 < B1 < .. are whole seconds between them: partition i
 *     is "createdon ge Bi and createdon lt Bi+1" (the first one, after a
 *     first page in the default order, "createdon lt B1 or createdon eq
 *     null"), the last "createdon ge Bn-1" with no upper bound.  Half-open
 *     ranges give a row whose createdon equals a bound to exactly one
 *     partition; a NULL createdon is on a first page in createdon order (one
 *     whose last row has none stays on its chain), else in partition 0; a
 *     row created during the read (createdon = now) falls in the unbounded
 *     last one.  So every row that exists for the whole read comes exactly
 *     once, as with one chain of pages.
 *   - The first page's rows that partitions read again are skipped by
 *     primary key (kept sorted): with a first page in createdon order only
 *     those of second B0 (ties with its last row: usually a handful), else
 *     all of them.  The key and createdon are added to the columns read
 *     when the caller did not ask for them (cells past ncols; createdon is
 *     added to the first page's $select only when it is in createdon
 *     order).
 *   - Rows of an unordered scan are handed out page by page as partitions
 *     deliver them: the order is not the service's (there is no ORDER BY).
 *   - Anything that stops the probe from giving a span of two seconds or
 *     more (an error other than a cancel, rows all in one second, a first
 *     page ending on a NULL createdon) leaves the scan on its single chain
 *     of links (in createdon order), as before.
 *
 * MERGED ORDER BY: a scan with $orderby (ORDER BY sent to the service) is
 * partitioned the same way when every order key can be compared in the
 * driver exactly as the service orders (odata_merge.c: text only by a
 * collation handed in as odata_scan.text_cmp, which the engine does not
 * give, see vtab.c; numbers, createdon, the
 * primary key in SQL Server's GUID order, NULLs first; the primary key
 * must be among the keys, as the engine always appends it), else it reads
 * one chain.  Its first page is the scan's own request (its rows are the
 * first of the order and are handed out first); with ParallelReads=N set
 * both createdon probes are sent beside it.  Every partition sends the
 * same $orderby with its createdon range and-ed into the $filter, and the
 * rows come out of a k-way merge of the partitions' current rows, the
 * first page's rows skipped by key (each partition reads its share of
 * that page again: one page of the whole read).  Memory stays at two page
 * buffers per partition: the merge holds one page of each, the worker
 * reads the next; a partition whose rows are not yet needed waits.  So
 * ORDER BY createdon (the partitions' own order) reads about one
 * partition at a time, while an order unrelated to createdon keeps all
 * of them busy.
 *   A row budget (a LIMIT above 5000 sent as one, ROW BUDGET) is obeyed
 * by every partition: with an exact budget B, each follows no nextLink
 * once it has read B rows (the first B rows of the order are among each
 * partition's first B) and the merge ends after B rows; a budget the
 * first page plus one full page per partition would cover is read on the
 * chain, where partitions would only add requests. */
#include "odata/odata.h"
#include "odata/odata_merge.h"
#include "odata/odata_partition.h"
#include "odata/odata_prefetch.h"
#include "config/config.h"
#include "http/http.h"
#include "util/strutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PART_AUTO_MIN_ROWS 1000  /* automatic: a first page this full */
#define PART_AUTO_MIN_MS 250     /* automatic: a first page this slow (the
				  * service takes 0.3-2 s for 5000 rows) */
#define PART_AUTO_DEFAULT 4      /* automatic without x-ms-dop-hint */
#define PART_AUTO_MAX 8
#define PART_MAX 52              /* the service's concurrent requests per user */

struct odata_cursor {
	struct dv_http *http;
	char origin[512];        /* where links may point: "scheme://host:port" */
	char *prefer;
	const struct odata_colspec *cols;
	size_t ncols;
	struct odata_page page;
	size_t next_row;
	unsigned long pages;
	struct dv_error failure; /* a failed page read: reported again, never "end" */
	int failed;
	int want_prefetch;
	struct odata_prefetch *pf;  /* NULL until a second page is needed */
	/* partitioned scans (see PARTITIONED SCANS) */
	struct odata_colspec *own_cols; /* caller's columns + the key, or NULL */
	struct odata_parts *parts;
	const struct odata_page *ppage; /* a partition's page being read */
	size_t prow;
	size_t key_col;                 /* the key's cell in a row */
	size_t created_col;             /* createdon's cell in a row */
	char (*seen)[37];               /* keys of the first page's ties, sorted */
	size_t nseen;
	int nparts;
	/* merged ORDER BY (see MERGED ORDER BY) */
	struct odata_merge *merge;
	struct odata_order_key okeys[ODATA_ORDER_MAX];
	size_t nokeys;
	unsigned long long rows_out;    /* rows handed out */
	/* row budget (see ROW BUDGET) */
	long budget;                    /* 0 = none */
	int budget_exact;
	unsigned long long rows_read;   /* rows of the pages made current */
};

static int fail(struct odata_cursor *cur, struct dv_error *err)
{
	cur->failed = 1;
	cur->failure = *err;
	return -1;
}

/* A link of the current page that leaves the organisation's origin. */
int odata_link_on_origin(const char *home, const char *link, const char *name,
			 struct dv_error *err)
{
	char origin[512], host[256];
	if (!link)
		return 0;
	if (dv_url_origin(link, origin, sizeof(origin), host, sizeof(host)) != 0)
		return dv_error_set(err, DV_S_HY000, 0,
				    "the service returned an %s that is not an absolute URL: "
				    "refused, the result would be incomplete", name);
	if (strcmp(origin, home) == 0)
		return 0;
	return dv_error_set(err, DV_S_HY000, 0,
			    "the service's %s points to another server (%s, origin %s; "
			    "expected %s): not followed, so the access token is not sent "
			    "there and the result would be incomplete", name, host, origin,
			    home);
}

static int check_link(struct odata_cursor *cur, const char *link, const char *name,
		      struct dv_error *err)
{
	return odata_link_on_origin(cur->origin, link, name, err);
}

static int check_links(struct odata_cursor *cur, struct dv_error *err)
{
	if (check_link(cur, cur->page.next_link, "@odata.nextLink", err) != 0 ||
	    check_link(cur, cur->page.delta_link, "@odata.deltaLink", err) != 0)
		return fail(cur, err);
	return 0;
}

static int read_page(struct odata_cursor *cur, const char *url, struct dv_error *err)
{
	cur->pages++;
	cur->next_row = 0;
	if (odata_page_read(cur->http, url, cur->prefer, cur->cols, cur->ncols, &cur->page,
			    err) != 0)
		return fail(cur, err);
	cur->rows_read += cur->page.nrows;
	return check_links(cur, err);
}

/* The budget is reached: nothing more is read ahead (nor at all, exact). */
static int budget_spent(const struct odata_cursor *cur)
{
	return cur->budget > 0 && cur->rows_read >= (unsigned long long)cur->budget;
}

/* Posts the current page's nextLink to the worker (started on first use). */
static void prefetch_next(struct odata_cursor *cur)
{
	struct dv_error ignored;
	if (!cur->want_prefetch || !cur->page.next_link || budget_spent(cur))
		return;
	if (!cur->pf) {
		cur->pf = odata_prefetch_start(cur->http, cur->prefer, cur->cols, cur->ncols,
					       &ignored);
		if (!cur->pf) {
			cur->want_prefetch = 0; /* read on this thread instead */
			return;
		}
	}
	if (odata_prefetch_post(cur->pf, cur->page.next_link) == 0)
		cur->pages++;
}

/* The current page is used up: makes the next one current.  1 = a new
 * page, 0 = no more pages, -1 = error (err set). */
static int advance(struct odata_cursor *cur, struct dv_error *err)
{
	char *next;
	int rc;

	if (cur->pf && odata_prefetch_pending(cur->pf)) {
		if (odata_prefetch_take(cur->pf, &cur->page, err) != 0)
			return fail(cur, err);
		cur->next_row = 0;
		cur->rows_read += cur->page.nrows;
		if (check_links(cur, err) != 0)
			return -1;
		prefetch_next(cur);
		return 1;
	}
	next = cur->page.next_link;
	if (!next || (cur->budget_exact && budget_spent(cur)))
		return 0;
	/* the page (and its next_link) is reused by the read */
	cur->page.next_link = NULL;
	rc = read_page(cur, next, err);
	free(next);
	if (rc != 0)
		return -1;
	prefetch_next(cur);
	return 1;
}

static int prefetch_configured(const struct dv_http *http)
{
	const struct dv_config *cfg = dv_http_config(http);
	return cfg ? cfg->prefetch : 1;
}

struct odata_cursor *odata_cursor_open(struct dv_http *http, const char *url,
				       const char *prefer,
				       const struct odata_colspec *cols, size_t ncols,
				       struct dv_error *err)
{
	return odata_cursor_open_ex(http, url, prefer, cols, ncols,
				    prefetch_configured(http), err);
}

struct odata_cursor *odata_cursor_open_ex(struct dv_http *http, const char *url,
					  const char *prefer,
					  const struct odata_colspec *cols, size_t ncols,
					  int prefetch, struct dv_error *err)
{
	struct odata_cursor *cur = calloc(1, sizeof(*cur));
	if (!cur) {
		dv_error_nomem(err);
		return NULL;
	}
	cur->http = http;
	cur->cols = cols;
	cur->ncols = ncols;
	cur->want_prefetch = prefetch;
	const struct dv_config *cfg = dv_http_config(http);
	const char *home = cfg && cfg->url && *cfg->url ? cfg->url : url;
	if (dv_url_origin(home, cur->origin, sizeof(cur->origin), NULL, 0) != 0) {
		dv_error_set(err, DV_S_HY000, 0, "cannot tell the origin of %s", home);
		odata_cursor_close(cur);
		return NULL;
	}
	cur->prefer = dv_strdup(prefer);
	if (prefer && !cur->prefer) {
		dv_error_nomem(err);
		odata_cursor_close(cur);
		return NULL;
	}
	if (read_page(cur, url, err) != 0) {
		odata_cursor_close(cur);
		return NULL;
	}
	prefetch_next(cur);
	return cur;
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* 1 when a partition's row is one of the first page's (already handed out). */
static int already_seen(const struct odata_cursor *cur, const struct odata_cell *row)
{
	const struct odata_cell *k = &row[cur->key_col];
	if (!cur->nseen || k->type != OC_TEXT || k->len != 36)
		return 0;
	return bsearch(k->s, cur->seen, cur->nseen, sizeof(cur->seen[0]), cmp_key) != NULL;
}

/* The next row of a merged scan, once the first page is used up. */
static int next_merged(struct odata_cursor *cur, const struct odata_cell **row,
		       struct dv_error *err)
{
	if (cur->budget_exact && cur->rows_out >= (unsigned long long)cur->budget)
		return 0; /* the first budget rows are the answer */
	for (;;) {
		int rc = odata_merge_next(cur->merge, row, err);
		if (rc < 0)
			return fail(cur, err);
		if (rc == 0 || !already_seen(cur, *row))
			return rc;
	}
}

/* The next row of a partitioned scan, once the first page is used up. */
static int next_partitioned(struct odata_cursor *cur, const struct odata_cell **row,
			    struct dv_error *err)
{
	for (;;) {
		const struct odata_cell *r;
		while (!cur->ppage || cur->prow >= cur->ppage->nrows) {
			int rc = odata_parts_next_page(cur->parts, &cur->ppage, err);
			if (rc < 0)
				return fail(cur, err);
			if (rc == 0) {
				cur->ppage = NULL;
				return 0;
			}
			cur->prow = 0;
		}
		r = &cur->ppage->cells[cur->prow * cur->ncols];
		cur->prow++;
		if (!already_seen(cur, r)) {
			*row = r;
			return 1;
		}
	}
}

int odata_cursor_next(struct odata_cursor *cur, const struct odata_cell **row,
		      struct dv_error *err)
{
	if (cur->failed) {
		*err = cur->failure;
		return -1;
	}
	if (cur->parts && cur->next_row >= cur->page.nrows) {
		int rc = cur->merge ? next_merged(cur, row, err) : next_partitioned(cur, row, err);
		cur->rows_out += rc > 0;
		return rc;
	}
	while (cur->next_row >= cur->page.nrows) {
		int rc = advance(cur, err);
		if (rc <= 0)
			return rc;
	}
	*row = &cur->page.cells[cur->next_row * cur->ncols];
	cur->next_row++;
	cur->rows_out++;
	return 1;
}

const char *odata_cursor_delta_link(const struct odata_cursor *cur)
{
	return cur->page.delta_link;
}

unsigned long odata_cursor_pages(const struct odata_cursor *cur)
{
	return cur->pages + (cur->parts ? odata_parts_pages(cur->parts) : 0);
}

int odata_cursor_partitions(const struct odata_cursor *cur)
{
	return cur->parts ? cur->nparts : 0;
}

int odata_cursor_prefetching(const struct odata_cursor *cur)
{
	return cur->pf != NULL;
}

void odata_cursor_close(struct odata_cursor *cur)
{
	if (!cur)
		return;
	odata_prefetch_stop(cur->pf);
	odata_merge_free(cur->merge);
	odata_parts_stop(cur->parts);
	odata_page_free(&cur->page);
	free(cur->prefer);
	free(cur->own_cols);
	free(cur->seen);
	free(cur);
}

/* ---- partitioned scans (see PARTITIONED SCANS at the top) --------------- */

/* How many partitions the configuration asks for: 0 = never. */
static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int partitions_wanted(struct dv_http *http, int *automatic)
{
	const struct dv_config *cfg = dv_http_config(http);
	long n, hint;
	*automatic = 0;
	if (cfg && dv_config_key_is_set(cfg, "ParallelReads"))
		return cfg->parallel_reads >= 2 ? (int)cfg->parallel_reads : 0;
	*automatic = 1;
	hint = dv_http_dop_hint(http);
	n = hint > 0 ? hint : PART_AUTO_DEFAULT;
	if (n < 2)
		n = 2;
	return (int)(n > PART_AUTO_MAX ? PART_AUTO_MAX : n);
}

/* "2024-06-15T12:00:00Z" (fraction ignored) -> seconds since 1970. */
static int parse_utc(const char *s, long long *out)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			 &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = (long long)timegm(&tm);
	return 0;
}

static void format_utc(long long t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The scan's own filter and-ed with more (both may be NULL). */
static char *and_filter(const char *own, const char *more)
{
	struct dv_buf b;
	dv_buf_init(&b, 0);
	if (own && *own)
		dv_buf_appendf(&b, "(%s) and (%s)", own, more);
	else
		dv_buf_appends(&b, more);
	return dv_buf_steal(&b);
}

/* One probe: the lowest (asc) or highest (desc) non-null createdon. */
static int probe_created(struct dv_http *http, const struct odata_scan *scan,
			 const char *dir, long long *out, struct dv_error *err)
{
	struct odata_colspec col = {scan->created, NULL, ODATA_STRING};
	struct odata_query q = *scan->q;
	struct odata_page page;
	char notnull[96], order[96], *url, *filter;
	int rc = -1;

	snprintf(notnull, sizeof(notnull), "%s ne null", scan->created);
	snprintf(order, sizeof(order), "%s %s", scan->created, dir);
	filter = and_filter(scan->q->filter, notnull);
	q.select = scan->created;
	q.filter = filter;
	q.orderby = order;
	q.top = 1;
	q.count = 0;
	url = filter ? odata_query_url(&q) : NULL;
	free(filter);
	if (!url)
		return dv_error_nomem(err);
	memset(&page, 0, sizeof(page));
	if (odata_page_read(http, url, NULL, &col, 1, &page, err) == 0) {
		if (page.nrows == 1 && parse_utc(page.cells[0].s, out) == 0)
			rc = 0;
		else
			dv_error_set(err, DV_S_HY000, 0, "no %s to partition on", scan->created);
	}
	odata_page_free(&page);
	free(url);
	return rc;
}

/* The URLs of n partitions from second lo to hi (n may shrink: at least
 * one second per partition); nulls: the first also takes createdon eq
 * null.  Returns how many, 0 when none (err set on OOM). */
static size_t partition_urls(const struct odata_scan *scan, long long lo, long long hi,
			     size_t n, int nulls, char **urls, struct dv_error *err)
{
	long long span = hi - lo + 1;
	const char *c = scan->created;
	size_t i, made = 0;

	if (span < (long long)n)
		n = (size_t)span;
	if (n < 2)
		return 0;
	for (i = 0; i < n; i++) {
		struct odata_query q = *scan->q;
		char from[32], to[32], range[256], *filter;
		format_utc(lo + span * (long long)i / (long long)n, from);
		format_utc(lo + span * (long long)(i + 1) / (long long)n, to);
		if (i == 0 && nulls)
			snprintf(range, sizeof(range), "%s lt %s or %s eq null", c, to, c);
		else if (i + 1 == n)
			snprintf(range, sizeof(range), "%s ge %s", c, from);
		else
			snprintf(range, sizeof(range), "%s ge %s and %s lt %s", c, from, c, to);
		filter = and_filter(scan->q->filter, range);
		q.filter = filter;
		urls[i] = filter ? odata_query_url(&q) : NULL;
		free(filter);
		if (!urls[i]) {
			dv_error_nomem(err);
			break;
		}
		made++;
	}
	if (made < n) {
		for (i = 0; i < made; i++)
			free(urls[i]);
		return 0;
	}
	return n;
}

/* The createdon second of a first-page row, -1 when it has none. */
static int row_created(const struct odata_cursor *cur, size_t i, long long *t)
{
	const struct odata_cell *c = &cur->page.cells[i * cur->ncols + cur->created_col];
	return c->type == OC_TEXT && parse_utc(c->s, t) == 0 ? 0 : -1;
}

/* Keeps the keys of the first page's rows that partitions read again, so
 * that they skip those rows: all of them (lo < 0: a first page in the
 * service's default order), or those from second lo on (a first page in
 * createdon order: the ties with its last row). */
static int remember_first_page(struct odata_cursor *cur, long long lo, struct dv_error *err)
{
	size_t i;
	cur->seen = calloc(cur->page.nrows ? cur->page.nrows : 1, sizeof(cur->seen[0]));
	if (!cur->seen)
		return dv_error_nomem(err);
	for (i = 0; i < cur->page.nrows; i++) {
		const struct odata_cell *k = &cur->page.cells[i * cur->ncols + cur->key_col];
		long long t;
		if (lo >= 0 && (row_created(cur, i, &t) != 0 || t < lo))
			continue;
		if (k->type != OC_TEXT || k->len != 36)
			return dv_error_set(err, DV_S_HY000, 0, "a row without its key");
		memcpy(cur->seen[cur->nseen++], k->s, 37);
	}
	qsort(cur->seen, cur->nseen, sizeof(cur->seen[0]), cmp_key);
	return 0;
}

/* The partitions' reader, and the merge of a scan with $orderby: 0, or
 * -1 (err set; nothing left running). */
static int run_partitions(struct odata_cursor *cur, const struct odata_scan *scan,
			  char *const *urls, size_t made, struct dv_error *err)
{
	unsigned long long max_rows =
		scan->q->orderby && scan->budget_exact && scan->budget > 0 ? (unsigned long long)scan->budget : 0;
	cur->parts = odata_parts_start(cur->http, urls, made, cur->prefer, cur->cols, cur->ncols,
				       cur->origin, max_rows, scan->q->orderby != NULL, err);
	if (!cur->parts || !scan->q->orderby)
		return cur->parts ? 0 : -1;
	cur->merge = odata_merge_start(cur->parts, made, cur->okeys, cur->nokeys,
				       scan->text_cmp, cur->ncols, err);
	if (cur->merge)
		return 0;
	odata_parts_stop(cur->parts);
	cur->parts = NULL;
	return -1;
}

/* The first page had a nextLink: read the rest as partitions.  0 when
 * they run, 1 when the scan stays on its chain, -1 on a cancel.
 * probed_lo, probed_hi: the createdon probes' answers when they were sent
 * beside the first page (NULL: not sent, or no answer). */
static int start_partitions(struct odata_cursor *cur, const struct odata_scan *scan,
			    int n, int ordered, const long long *probed_lo,
			    const long long *probed_hi, struct dv_error *err)
{
	char *urls[PART_MAX];
	long long lo, hi;
	size_t made, i;
	int rc = 1;

	/* a first page in createdon order: its last row's second is where the
	 * partitions start (a NULL there: the rest is on the chain); else the
	 * lowest createdon, probed */
	if (ordered && (cur->page.nrows == 0 || row_created(cur, cur->page.nrows - 1, &lo) != 0))
		return 1;
	if ((!ordered && (probed_lo ? (lo = *probed_lo, 0)
				    : probe_created(cur->http, scan, "asc", &lo, err)) != 0) ||
	    (probed_hi ? (hi = *probed_hi, 0) : probe_created(cur->http, scan, "desc", &hi, err)) != 0)
		return err->state == DV_S_HY008 ? -1 : 1;
	if (hi < lo)
		return 1;
	made = partition_urls(scan, lo, hi, (size_t)n, !ordered, urls, err);
	if (made == 0)
		return 1;
	if (remember_first_page(cur, ordered ? lo : -1, err) == 0)
		rc = run_partitions(cur, scan, urls, made, err) == 0 ? 0 : 1;
	for (i = 0; i < made; i++)
		free(urls[i]);
	if (rc == 0) {
		cur->nparts = (int)made;
		/* the first page's own link is not followed */
		free(cur->page.next_link);
		cur->page.next_link = NULL;
	}
	return rc;
}

/* May be partitioned (an ordered scan also needs mergeable keys). */
static int scan_eligible(const struct odata_scan *scan)
{
	const struct odata_query *q = scan->q;
	return scan->key && scan->created && !q->top && !q->apply && !q->expand && !q->count &&
	       (q->orderby || scan->budget <= 0);
}

/* A budget the first page and one full page per partition cover is read
 * on the chain (see MERGED ORDER BY). */
static int budget_too_small(const struct odata_cursor *cur, const struct odata_scan *scan, int n)
{
	unsigned long long page = cur->page.nrows;
	return scan->budget > 0 && (unsigned long long)scan->budget <= page + (unsigned long long)n * page;
}

/* The property is one of the columns in a $select list. */
static int selected(const char *select, const char *prop)
{
	size_t n = strlen(prop);
	for (const char *p = select; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == n && strncmp(p, prop, n) == 0)
			return 1;
		p = comma ? comma + 1 : NULL;
	}
	return 0;
}

/* A probe sent beside the first page (see FIRST PAGE IN CREATEDON ORDER
 * and MERGED ORDER BY): its own handle and thread, joined before the scan
 * goes on. */
struct side_probe {
	pthread_t thread;
	struct dv_http *http;
	const struct odata_scan *scan;
	const char *dir;
	long long hi;
	int rc;
	struct dv_error err;
};

static void *side_probe_run(void *arg)
{
	struct side_probe *sp = arg;
	dv_error_clear(&sp->err);
	sp->rc = probe_created(sp->http, sp->scan, sp->dir, &sp->hi, &sp->err);
	return NULL;
}

/* NULL when it cannot be started: the probe then goes after the page. */
static struct side_probe *side_probe_start(struct dv_http *http, const struct odata_scan *scan,
					   const char *dir)
{
	struct side_probe *sp = calloc(1, sizeof(*sp));
	struct dv_error ignored;
	if (!sp)
		return NULL;
	sp->scan = scan;
	sp->dir = dir;
	sp->http = dv_http_new_sibling(http, &ignored);
	if (!sp->http || pthread_create(&sp->thread, NULL, side_probe_run, sp) != 0) {
		dv_http_free(sp->http);
		free(sp);
		return NULL;
	}
	return sp;
}

/* Waits for the probe (cancelled first when its answer is not needed);
 * 0 with *hi set, -1 when it gave none. */
static int side_probe_end(struct side_probe *sp, int cancel, long long *hi)
{
	int rc;
	if (!sp)
		return -1;
	if (cancel)
		dv_http_cancel(sp->http);
	pthread_join(sp->thread, NULL);
	rc = sp->rc;
	*hi = sp->hi;
	dv_http_free(sp->http);
	free(sp);
	return rc == 0 ? 0 : -1;
}

/* The first page of a scan that may be partitioned: in createdon order,
 * with createdon selected (ordered), or as the scan asks. */
static char *first_page_url(const struct odata_scan *scan, int ordered)
{
	struct odata_query q = *scan->q;
	char order[192], *select = NULL, *url;
	if (!ordered)
		return odata_query_url(&q);
	snprintf(order, sizeof(order), "%s asc,%s asc", scan->created, scan->key);
	q.orderby = order;
	if (q.select && !selected(q.select, scan->created)) {
		struct dv_buf b;
		dv_buf_init(&b, 0);
		dv_buf_appendf(&b, "%s,%s", q.select, scan->created);
		select = dv_buf_steal(&b);
		if (!select)
			return NULL;
		q.select = select;
	}
	url = odata_query_url(&q);
	free(select);
	return url;
}

/* A scan read as one chain: the budget applies from its first page on. */
static struct odata_cursor *open_chain(struct dv_http *http, const struct odata_scan *scan,
				       const char *url, const char *prefer,
				       const struct odata_colspec *cols, size_t ncols,
				       struct dv_error *err)
{
	struct odata_cursor *cur = odata_cursor_open_ex(http, url, prefer, cols, ncols, 0, err);
	if (!cur)
		return NULL;
	cur->budget = scan->budget > 0 ? scan->budget : 0;
	cur->budget_exact = scan->budget_exact;
	cur->want_prefetch = prefetch_configured(http);
	prefetch_next(cur);
	return cur;
}

/* The index of prop among the caller's value columns, or ncols. */
static size_t find_col(const struct odata_colspec *cols, size_t ncols, const char *prop)
{
	for (size_t i = 0; i < ncols; i++)
		if (!cols[i].annotation && strcmp(cols[i].property, prop) == 0)
			return i;
	return ncols;
}

/* The own columns: the caller's, then the key and createdon when the
 * caller did not ask for them.  NULL on OOM. */
static struct odata_colspec *own_columns(const struct odata_scan *scan,
					 const struct odata_colspec *cols, size_t ncols,
					 size_t *nown, size_t *key_col, size_t *created_col)
{
	struct odata_colspec *own = calloc(ncols + 2, sizeof(*own));
	if (!own)
		return NULL;
	memcpy(own, cols, ncols * sizeof(*own));
	*nown = ncols;
	*key_col = find_col(cols, ncols, scan->key);
	if (*key_col == ncols)
		own[(*nown)++] = (struct odata_colspec){scan->key, NULL, ODATA_STRING};
	*created_col = find_col(cols, ncols, scan->created);
	if (*created_col == ncols) {
		*created_col = *nown;
		own[(*nown)++] = (struct odata_colspec){scan->created, NULL, ODATA_STRING};
	}
	return own;
}

/* Ends a side probe: 1 with *t set when it answered. */
static int probe_answer(struct side_probe *sp, int cancel, long long *t)
{
	return sp && side_probe_end(sp, cancel, t) == 0;
}

/* See AUTOMATIC START: the automatic mode's partitions, once its first
 * page was read; both probes sent at once (a probe that cannot be started
 * is NULL and goes after them, in start_partitions). */
static int automatic_start(struct dv_http *http, const struct odata_scan *scan,
			   struct side_probe **lo, struct side_probe **hi)
{
	int automatic;
	*lo = side_probe_start(http, scan, "asc");
	*hi = side_probe_start(http, scan, "desc");
	return partitions_wanted(http, &automatic);
}

struct odata_cursor *odata_cursor_open_scan(struct dv_http *http, const struct odata_scan *scan,
					    const char *prefer,
					    const struct odata_colspec *cols, size_t ncols,
					    struct dv_error *err)
{
	struct odata_cursor *cur;
	struct odata_colspec *own;
	struct odata_order_key okeys[ODATA_ORDER_MAX];
	size_t key_col, created_col, nown, nokeys = 0;
	int automatic, n = partitions_wanted(http, &automatic), rc, ordered, has_lo, has_hi;
	int merged = scan->q->orderby != NULL;
	struct side_probe *probe_hi = NULL, *probe_lo = NULL;
	long long hi, lo;
	char *url;

	if (n < 2 || !scan_eligible(scan) ||
	    (merged && odata_order_keys(scan->q->orderby, scan->key, scan->created, cols, ncols,
					scan->text_cmp, okeys, &nokeys) != 0)) {
		url = odata_query_url(scan->q);
		if (!url)
			return dv_error_nomem(err), NULL;
		cur = open_chain(http, scan, url, prefer, cols, ncols, err);
		free(url);
		return cur;
	}
	/* see FIRST PAGE IN CREATEDON ORDER; a merged scan's first page is its
	 * own request (its rows are the first of its order) */
	ordered = !automatic && !merged;
	url = first_page_url(scan, ordered);
	own = own_columns(scan, cols, ncols, &nown, &key_col, &created_col);
	if (!own || !url) {
		free(own);
		free(url);
		return dv_error_nomem(err), NULL;
	}
	if (!automatic) {
		probe_hi = side_probe_start(http, scan, "desc");
		probe_lo = merged ? side_probe_start(http, scan, "asc") : NULL;
	}
	/* the first page alone: whether the rest is partitioned is decided on it */
	long long t0 = now_ms();
	cur = odata_cursor_open_ex(http, url, prefer, own, nown, 0, err);
	long long first_ms = now_ms() - t0;
	free(url);
	if (!cur && ordered && err->state != DV_S_HY008) {
		/* a table that refuses $orderby=createdon: as the scan asks */
		ordered = 0;
		url = first_page_url(scan, 0);
		cur = url ? odata_cursor_open_ex(http, url, prefer, own, nown, 0, err) : NULL;
		free(url);
	}
	if (!cur) {
		probe_answer(probe_hi, 1, &hi);
		probe_answer(probe_lo, 1, &lo);
		free(own);
		return NULL;
	}
	cur->own_cols = own;
	cur->key_col = key_col;
	cur->created_col = created_col;
	cur->want_prefetch = prefetch_configured(http);
	cur->budget = scan->budget > 0 ? scan->budget : 0;
	cur->budget_exact = scan->budget_exact;
	memcpy(cur->okeys, okeys, nokeys * sizeof(*okeys));
	cur->nokeys = nokeys;
	if (!cur->page.next_link || (cur->budget_exact && budget_spent(cur)) ||
	    (merged && budget_too_small(cur, scan, n)) ||
	    (automatic && (cur->page.nrows < PART_AUTO_MIN_ROWS || first_ms < PART_AUTO_MIN_MS))) {
		probe_answer(probe_hi, 1, &hi);
		probe_answer(probe_lo, 1, &lo);
		prefetch_next(cur);
		return cur;
	}
	/* the probes' answers (if they gave them); the desc one serves a first
	 * page in createdon order or a merged scan, the asc one a merged scan;
	 * the automatic mode sends both now (see AUTOMATIC START) */
	if (automatic)
		n = automatic_start(http, scan, &probe_lo, &probe_hi);
	has_hi = probe_answer(probe_hi, 0, &hi) && (ordered || merged || automatic);
	has_lo = probe_answer(probe_lo, 0, &lo);
	rc = start_partitions(cur, scan, n, ordered, has_lo ? &lo : NULL, has_hi ? &hi : NULL,
			      err);
	if (rc < 0) {
		odata_cursor_close(cur);
		return NULL;
	}
	if (rc > 0)
		prefetch_next(cur);
	return cur;
}
