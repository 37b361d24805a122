/* odata_prefetch.h - the cursor's prefetch worker (private to odata/).
 *
 * One worker thread per cursor with its own HTTP handle (a sibling of the
 * connection's: dv_http_new_sibling) reads one page at a time into its own
 * page buffer.  The cursor posts a URL, goes on with its current page, and
 * later takes the result, which swaps the worker's page with the cursor's
 * used-up one (so the worker refills the old buffer: two pages in all). */
#ifndef DV_ODATA_ODATA_PREFETCH_H
#define DV_ODATA_ODATA_PREFETCH_H

#include "odata/odata.h"

struct odata_prefetch;

/* Starts the worker (thread and HTTP handle).  prefer and cols must outlive
 * it.  NULL with err set when it cannot be started. */
struct odata_prefetch *odata_prefetch_start(struct dv_http *http, const char *prefer,
					    const struct odata_colspec *cols, size_t ncols,
					    struct dv_error *err);
/* Asks for url (copied) to be read next; the worker must be idle (nothing
 * pending).  0, or -1 when out of memory (nothing posted). */
int odata_prefetch_post(struct odata_prefetch *pf, const char *url);
/* 1 when a page was posted and not yet taken. */
int odata_prefetch_pending(const struct odata_prefetch *pf);
/* Waits for the posted page.  On success swaps it with *page (whose old
 * content the worker reuses) and returns 0; else -1 with err as the read
 * reported it (page untouched). */
int odata_prefetch_take(struct odata_prefetch *pf, struct odata_page *page,
			struct dv_error *err);
/* Stops a transfer in progress (HY008 inside the worker), joins the thread
 * and frees everything.  NULL is fine. */
void odata_prefetch_stop(struct odata_prefetch *pf);

#endif
