/* catalog_disk.h - private: the metadata store (catalog_disk.c).
 *
 * Owns: the bodies of the metadata responses, keyed by the request path
 * under one API base URL, with the time they were last known current and a
 * ServerVersionStamp; their cache file; the process's list of stores shared
 * by connections (same file, API base URL and identity).  Thread-safe: every
 * function takes the stores' lock. */
#ifndef DV_CATALOG_CATALOG_DISK_H
#define DV_CATALOG_CATALOG_DISK_H

#include <stddef.h>
#include <time.h>

#include "util/buf.h"

struct disk_cache;

/* The shared store of path (the file), key (the API base URL) and identity,
 * made and read from the file on first use; a store used before is returned
 * as it is while younger than ttl seconds (no file read), else the file is
 * read again if it is newer.  NULL when ttl <= 0 or out of memory. */
struct disk_cache *disk_cache_acquire(const char *path, const char *key, const char *identity,
				      long ttl, time_t now);
/* Gives the store back (it stays for later connections while an environment
 * handle holds the stores, see dv_catalog_shared_hold). */
void disk_cache_release(struct disk_cache *dc);
/* Copies the body stored for request path rel into out: 0, or -1 when absent. */
int disk_cache_get(struct disk_cache *dc, const char *rel, struct dv_buf *out);
/* Stores a body in memory (disk_cache_flush writes it).  0 always: the
 * cache is best effort. */
int disk_cache_put(struct disk_cache *dc, const char *rel, const char *body, size_t len);
/* Rewrites the file atomically (mode 0600) when bodies were added since the
 * last flush.  A failure to write only loses the cache. */
void disk_cache_flush(struct disk_cache *dc);
/* Forgets every entry and removes the file. */
void disk_cache_clear(struct disk_cache *dc);

/* ---- version stamps ---- */
/* 1 once when a stamp should be taken before the store is filled from the
 * service (a file existed but was stale without a stamp, expired or
 * unreadable); the caller then sends the stamp request. */
int disk_cache_take_stamp_turn(struct disk_cache *dc);
/* Keeps stamp (taken before the bodies that follow) unless one is kept. */
void disk_cache_set_stamp(struct disk_cache *dc, const char *stamp);
/* The stored stamp (caller frees) when the entries are older than the
 * lifetime and no connection is validating them: the caller asks the
 * service what changed and calls disk_cache_validated.  NULL otherwise;
 * stale entries without a stamp are dropped here (read again in full). */
char *disk_cache_take_validation(struct disk_cache *dc, time_t now);

enum disk_outcome {
	DISK_CHANGES,      /* changed[] (maybe none) since the stamp */
	DISK_RELOAD,       /* drop everything; stamp (if set) is the new base */
	DISK_EXPIRED       /* drop everything; take a new stamp before refilling */
};
struct disk_change {
	enum disk_outcome outcome;
	const char *stamp;            /* ServerVersionStamp of the answer, or NULL */
	char **changed;               /* logical names of changed entities */
	int *own;                     /* the entity's own properties changed (HasChanged true) */
	size_t nchanged;
};
/* Applies a validation: drops the bodies that name a changed entity (and
 * the entity list when an entity itself changed or is new), keeps the new
 * stamp, marks the rest current and rewrites the file atomically.
 * *dropped: bodies dropped. */
void disk_cache_validated(struct disk_cache *dc, const struct disk_change *c, time_t now,
			  size_t *dropped);

#endif
