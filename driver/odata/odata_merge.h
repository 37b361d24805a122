/* odata_merge.h - the rows of ordered partitions in one order (private to odata/).
 *
 * N partitions of one scan, each read with the same $orderby (its createdon
 * range in its $filter), are merged row by row: a k-way merge that always
 * hands out the smallest current row of the partitions, comparing the
 * order keys exactly as the service orders them.  The order keys come from
 * the $orderby text; a key that cannot be compared as the service does
 * makes the scan unmergeable (it then stays on one chain). */
#ifndef DV_ODATA_ODATA_MERGE_H
#define DV_ODATA_ODATA_MERGE_H

#include "odata/odata.h"
#include "odata/odata_partition.h"

enum odata_order_how {
	OM_TEXT,      /* the service's collation (the scan's text_cmp) */
	OM_NUMBER,    /* integers, doubles, decimals (exact text), booleans */
	OM_DATETIME,  /* "YYYY-MM-DDTHH:MM:SS[.fff]Z" */
	OM_GUID       /* SQL Server's uniqueidentifier order */
};

struct odata_order_key {
	size_t col;               /* the key's cell in a row */
	int desc;
	enum odata_order_how how;
};

#define ODATA_ORDER_MAX 16

typedef int (*odata_text_cmp_fn)(const char *a, size_t na, const char *b, size_t nb);

/* The order keys of orderby ("name asc,accountid asc") over the first
 * ncols cells of cols.  key is the primary key's property (compared as a
 * GUID), created the createdon one (a date-time).  0 with keys[0..*n)
 * set; -1 when the order cannot be merged exactly: a property that is not
 * a value column, a lookup's _<name>_value (ordered by the related row's
 * name), a text key without text_cmp, a binary column, more than
 * ODATA_ORDER_MAX keys, or no primary key among them (the order would not
 * be total: the service's order of ties is arbitrary).  A text-kind
 * column is compared as text: the caller sends only columns the service
 * orders so (text, date-times, dates; not GUIDs other than the key). */
int odata_order_keys(const char *orderby, const char *key, const char *created,
		     const struct odata_colspec *cols, size_t ncols, odata_text_cmp_fn text_cmp,
		     struct odata_order_key *keys, size_t *n);

/* Compares two rows on keys (<0, 0, >0); *bad set to 1 when a value of a
 * type the key cannot compare was met (the answer is then meaningless). */
int odata_order_cmp(const struct odata_order_key *keys, size_t nkeys,
		    odata_text_cmp_fn text_cmp, const struct odata_cell *a,
		    const struct odata_cell *b, int *bad);

struct odata_merge;

/* Merges the n partitions of ps (rows of ncols cells).  keys are copied. */
struct odata_merge *odata_merge_start(struct odata_parts *ps, size_t n,
				      const struct odata_order_key *keys, size_t nkeys,
				      odata_text_cmp_fn text_cmp, size_t ncols,
				      struct dv_error *err);
/* The next row in the merged order: 1 with *row set (valid until the next
 * call), 0 when every partition has ended, -1 with err set (a partition
 * failed, or a value could not be compared). */
int odata_merge_next(struct odata_merge *m, const struct odata_cell **row,
		     struct dv_error *err);
/* Frees the merge (not the partitions).  NULL is fine. */
void odata_merge_free(struct odata_merge *m);

#endif
