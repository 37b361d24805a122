/* catalog_counts.h - private: the tables' row counts a join's plan starts
 * from (catalog_counts.c). */
#ifndef DV_CATALOG_CATALOG_COUNTS_H
#define DV_CATALOG_CATALOG_COUNTS_H

#include <stddef.h>
#include <time.h>

#include "catalog/catalog_disk.h"

struct dv_http;
struct dv_log;

/* What one connection knows of the counts: those it read without a
 * metadata store, and whether its count request failed once. */
struct count_memo;

/* Where counts come from and go to. */
struct count_src {
	struct dv_http *http;
	const char *api_base;
	struct dv_log *log;
	struct disk_cache *disk;     /* the metadata store, or NULL */
	long ttl;                    /* how long the store trusts a count (MetadataCacheTTL) */
};

/* out[i] = the row count of table names[i] (logical names), or -1 when
 * unknown.  Counts the store or *memo holds are used as they are; the others
 * are asked for in one RetrieveTotalRecordCount request, unless an earlier
 * one of this memo failed (then they stay unknown).  Never fails: returns
 * how many of the n counts are known. */
size_t catalog_counts_get(struct count_memo **memo, const struct count_src *src,
			  const char *const *names, size_t n, long long *out, time_t now);
void catalog_counts_free(struct count_memo *memo);

/* The answer of RetrieveTotalRecordCount -> out[i] for names[i] (-1 when the
 * answer does not name it).  -1 when the body is not such an answer. */
int catalog_counts_parse(const char *json, size_t len, const char *const *names, size_t n,
			 long long *out);

#endif
