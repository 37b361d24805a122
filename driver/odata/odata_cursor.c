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
 * posted to the prefetch worker. */
#include "odata/odata.h"
#include "odata/odata_prefetch.h"
#include "config/config.h"
#include "http/http.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>

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
};

static int fail(struct odata_cursor *cur, struct dv_error *err)
{
	cur->failed = 1;
	cur->failure = *err;
	return -1;
}

/* A link of the current page that leaves the organisation's origin. */
static int check_link(struct odata_cursor *cur, const char *link, const char *name,
		      struct dv_error *err)
{
	char origin[512], host[256];
	if (!link)
		return 0;
	if (dv_url_origin(link, origin, sizeof(origin), host, sizeof(host)) != 0)
		return dv_error_set(err, DV_S_HY000, 0,
				    "the service returned an %s that is not an absolute URL: "
				    "refused, the result would be incomplete", name);
	if (strcmp(origin, cur->origin) == 0)
		return 0;
	return dv_error_set(err, DV_S_HY000, 0,
			    "the service's %s points to another server (%s, origin %s; "
			    "expected %s): not followed, so the access token is not sent "
			    "there and the result would be incomplete", name, host, origin,
			    cur->origin);
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
	return check_links(cur, err);
}

/* Posts the current page's nextLink to the worker (started on first use). */
static void prefetch_next(struct odata_cursor *cur)
{
	struct dv_error ignored;
	if (!cur->want_prefetch || !cur->page.next_link)
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
		if (check_links(cur, err) != 0)
			return -1;
		prefetch_next(cur);
		return 1;
	}
	next = cur->page.next_link;
	if (!next)
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

int odata_cursor_next(struct odata_cursor *cur, const struct odata_cell **row,
		      struct dv_error *err)
{
	if (cur->failed) {
		*err = cur->failure;
		return -1;
	}
	while (cur->next_row >= cur->page.nrows) {
		int rc = advance(cur, err);
		if (rc <= 0)
			return rc;
	}
	*row = &cur->page.cells[cur->next_row * cur->ncols];
	cur->next_row++;
	return 1;
}

const char *odata_cursor_delta_link(const struct odata_cursor *cur)
{
	return cur->page.delta_link;
}

unsigned long odata_cursor_pages(const struct odata_cursor *cur)
{
	return cur->pages;
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
	odata_page_free(&cur->page);
	free(cur->prefer);
	free(cur);
}
