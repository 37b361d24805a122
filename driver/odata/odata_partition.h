/* odata_partition.h - partitions of one scan read at once (private to odata/).
 *
 * A set of N queries whose results are disjoint (the cursor builds them as
 * createdon ranges, see odata_cursor.c) is read by N worker threads, each
 * following its own @odata.nextLink chain on its own HTTP handle (a sibling
 * of the connection's: token, cancel and 429 back-off shared).  Pages are
 * handed to the caller in the order they complete, whatever partition they
 * come from.  Each partition owns PART_SLOTS (2) page buffers: a worker
 * waits when both are full or in the caller's hands, so memory stays at
 * N * 2 pages whatever the table size; an unordered scan of more than 4
 * partitions uses one each (N pages).
 *
 * A merged (ORDER BY) scan takes each partition's pages in that
 * partition's order instead (odata_parts_next_page_of), holding one page
 * of each partition at a time while the other slot is read ahead. */
#ifndef DV_ODATA_ODATA_PARTITION_H
#define DV_ODATA_ODATA_PARTITION_H

#include "odata/odata.h"

struct odata_parts;

/* Starts one worker per URL (copied).  merged: the caller reads the
 * pages through odata_parts_next_page_of (two slots each, whatever N).  prefer and cols must outlive it;
 * origin is "scheme://host:port" that every nextLink must keep; max_rows >
 * 0: a partition follows no nextLink once it has read that many rows (a
 * LIMIT's row budget: the first max_rows rows of the merged order are
 * among each partition's first max_rows).  NULL with err set when a
 * thread or handle cannot be started. */
struct odata_parts *odata_parts_start(struct dv_http *http, char *const *urls, size_t n,
				      const char *prefer, const struct odata_colspec *cols,
				      size_t ncols, const char *origin,
				      unsigned long long max_rows, int merged, struct dv_error *err);
/* Gives back the page the previous call returned and waits for the next
 * completed page of any partition.  1 with *page set (valid until the next
 * call or stop), 0 when every partition has ended, -1 with err set when a
 * partition failed (after the HTTP layer's retries): the scan is then
 * incomplete and must not be reported as ended. */
int odata_parts_next_page(struct odata_parts *ps, const struct odata_page **page,
			  struct dv_error *err);
/* Gives back the page of partition i the previous call for i returned and
 * waits for that partition's next page (pages of one partition come in
 * their chain's order).  1 with *page set (valid until the next call for
 * i or stop), 0 when partition i has ended, -1 with err set when a
 * partition failed (any: the others stop too).  Not to be mixed with
 * odata_parts_next_page on the same set. */
int odata_parts_next_page_of(struct odata_parts *ps, size_t i, const struct odata_page **page,
			     struct dv_error *err);
/* Pages requested so far by all partitions. */
unsigned long odata_parts_pages(struct odata_parts *ps);
/* Cancels transfers in progress, joins the threads, frees everything. */
void odata_parts_stop(struct odata_parts *ps);

/* The link check of odata_cursor.c: 0 when link is NULL or on origin. */
int odata_link_on_origin(const char *origin, const char *link, const char *name,
			 struct dv_error *err);

#endif
