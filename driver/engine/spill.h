/* spill.h - rows a join reads whole, kept in SQLite's temporary store.
 *
 * Owns: struct dv_spill, the rows of one materialized scan (vtab.c HOW IT
 * WORKS) once they outgrow JoinMemoryMB, in a private temporary database
 * whose pages SQLite keeps in a bounded cache and writes to a temporary
 * file beyond it; and struct dv_spill_scan, one cursor's replay of them:
 * every row, or the rows of one join-index key, in the order they were
 * added. */
#ifndef DV_ENGINE_SPILL_H
#define DV_ENGINE_SPILL_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "odata/odata.h"
#include "util/error.h"

struct dv_spill;
struct dv_spill_scan;

/* A new, empty store for rows of ncols cells. NULL on error (err set). */
struct dv_spill *spill_new(size_t ncols, struct dv_error *err);
void spill_free(struct dv_spill *s);

/* Appends one row (ncols cells); key: its join-index hash, or NULL for
 * none (the row then never matches a key).  0 or -1. */
int spill_add(struct dv_spill *s, const struct odata_cell *row, const uint64_t *key,
	      struct dv_error *err);
/* After the last spill_add: commits the rows and indexes their keys. */
int spill_finish(struct dv_spill *s, struct dv_error *err);

/* A replay: the rows whose key is *key, or with key NULL every row after
 * the after-th (1-based rowids; 0 = from the first).  NULL on error. */
struct dv_spill_scan *spill_scan_open(struct dv_spill *s, const uint64_t *key,
				      sqlite3_int64 after, struct dv_error *err);
/* 1 with *row (valid until the next call or the close), 0 at the end, -1. */
int spill_scan_next(struct dv_spill_scan *sc, const struct odata_cell **row,
		    struct dv_error *err);
/* The rowid of the row spill_scan_next gave last (0 before the first). */
sqlite3_int64 spill_scan_rowid(const struct dv_spill_scan *sc);
void spill_scan_close(struct dv_spill_scan *sc);

#endif
