/* odata_priv.h - incremental page parsing, shared by odata_page.c and
 * odata_cursor.c (and reached by unit tests). */
#ifndef DV_ODATA_ODATA_PRIV_H
#define DV_ODATA_ODATA_PRIV_H

#include "odata/odata.h"

/* Prepares page (zeroed before its first use, reusable afterwards) for a new
 * body: resets rows, links and the parser, keeping memory. */
int odata_page_begin(struct odata_page *page, const struct odata_colspec *cols,
		     size_t ncols, struct dv_error *err);
/* Parses the next chunk of the body. */
int odata_page_feed(struct odata_page *page, const char *data, size_t len,
		    struct dv_error *err);
/* Completes the page: 0, or 1 (err set to 08S01) when the body ended before
 * the JSON did. */
int odata_page_finish(struct odata_page *page, struct dv_error *err);

#endif
