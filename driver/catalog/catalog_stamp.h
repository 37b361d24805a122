/* catalog_stamp.h - private: RetrieveMetadataChanges for the metadata store.
 *
 * Owns: the two requests that keep a metadata store (catalog_disk.c) current
 * without reading it again: the version stamp taken before a store is filled,
 * and the question "what changed since this stamp" once the store is older
 * than its lifetime (catalog_stamp.c). */
#ifndef DV_CATALOG_CATALOG_STAMP_H
#define DV_CATALOG_CATALOG_STAMP_H

#include <stddef.h>

#include "catalog/catalog_disk.h"

struct dv_http;
struct dv_log;

/* Takes a ServerVersionStamp into dc when the store asks for one
 * (disk_cache_take_stamp_turn): one request.  Failures only log. */
void catalog_stamp_take(struct dv_http *http, const char *api_base, struct dv_log *log,
			struct disk_cache *dc);
/* When dc is past its lifetime and stamped: one RetrieveMetadataChanges
 * request with the stamp, and dc keeps what did not change
 * (disk_cache_validated).  An expired stamp or any failure drops the store
 * (it is read again in full).  Never fails the caller. */
void catalog_stamp_validate(struct dv_http *http, const char *api_base, struct dv_log *log,
			    struct disk_cache *dc);
/* The answer of RetrieveMetadataChanges -> c (c->stamp, c->changed and c->own
 * allocated; catalog_stamp_change_free).  -1 when the body is not one. */
int catalog_stamp_parse(const char *json, size_t len, struct disk_change *c);
void catalog_stamp_change_free(struct disk_change *c);

#endif
