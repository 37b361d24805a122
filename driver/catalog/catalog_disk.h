/* catalog_disk.h - private: the metadata cache file (MetadataCacheLocation).
 *
 * Owns: the on-disk copy of the metadata response bodies, keyed by the
 * request path under one API base URL, with a lifetime. */
#ifndef DV_CATALOG_CATALOG_DISK_H
#define DV_CATALOG_CATALOG_DISK_H

#include <stddef.h>
#include <time.h>

#include "util/buf.h"

struct disk_cache;

/* Reads path (a missing, unreadable, foreign or expired file gives an
 * empty cache).  key: the API base URL; ttl: seconds a file stays valid.
 * now: the current time (a parameter so tests can age a file). */
struct disk_cache *disk_cache_open(const char *path, const char *key, long ttl, time_t now);
void disk_cache_free(struct disk_cache *dc);
/* Copies the body stored for request path rel into out: 0, or -1 when absent. */
int disk_cache_get(const struct disk_cache *dc, const char *rel, struct dv_buf *out);
/* Stores a body in memory (disk_cache_flush writes it).  0 always: the
 * cache is best effort. */
int disk_cache_put(struct disk_cache *dc, const char *rel, const char *body, size_t len);
/* Rewrites the file atomically (mode 0600) when bodies were added since the
 * last flush.  A failure to write only loses the cache. */
void disk_cache_flush(struct disk_cache *dc);
/* Forgets every entry and removes the file. */
void disk_cache_clear(struct disk_cache *dc);

#endif
