/* odata_cursor.c - all pages of one query, row by row.
 *
 * Owns: following @odata.nextLink exactly as the service wrote it (never
 * rebuilt: the skiptoken is opaque) with the same Prefer header on every
 * page, and handing out rows one at a time.  One page is held at a time, so
 * memory stays constant however many rows the query returns.  A page whose
 * transfer fails midway is read again from its start (odata_page_read and
 * the HTTP layer's on_restart), so no row is lost or repeated.
 * Source: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/page-results */
#include "odata/odata.h"
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>

struct odata_cursor {
	struct dv_http *http;
	char *prefer;
	const struct odata_colspec *cols;
	size_t ncols;
	struct odata_page page;
	size_t next_row;
	unsigned long pages;
	struct dv_error failure; /* a failed page read: reported again, never "end" */
	int failed;
};

static int read_page(struct odata_cursor *cur, const char *url, struct dv_error *err)
{
	cur->pages++;
	cur->next_row = 0;
	if (odata_page_read(cur->http, url, cur->prefer, cur->cols, cur->ncols, &cur->page,
			    err) == 0)
		return 0;
	cur->failed = 1;
	cur->failure = *err;
	return -1;
}

struct odata_cursor *odata_cursor_open(struct dv_http *http, const char *url,
				       const char *prefer,
				       const struct odata_colspec *cols, size_t ncols,
				       struct dv_error *err)
{
	struct odata_cursor *cur = calloc(1, sizeof(*cur));
	if (!cur) {
		dv_error_nomem(err);
		return NULL;
	}
	cur->http = http;
	cur->cols = cols;
	cur->ncols = ncols;
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
		char *next = cur->page.next_link;
		int rc;
		if (!next)
			return 0;
		/* the page (and its next_link) is reused by the read */
		cur->page.next_link = NULL;
		rc = read_page(cur, next, err);
		free(next);
		if (rc != 0)
			return -1;
	}
	*row = &cur->page.cells[cur->next_row * cur->ncols];
	cur->next_row++;
	return 1;
}

unsigned long odata_cursor_pages(const struct odata_cursor *cur)
{
	return cur->pages;
}

void odata_cursor_close(struct odata_cursor *cur)
{
	if (!cur)
		return;
	odata_page_free(&cur->page);
	free(cur->prefer);
	free(cur);
}
