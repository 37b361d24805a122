/* collate.h - private: the pass that makes text compare as the service
 * compares it after expressions (collate.c), run by sqlparse_rewrite. */
#ifndef DV_SQLPARSE_COLLATE_H
#define DV_SQLPARSE_COLLATE_H

#include <stddef.h>

#include "util/buf.h"

/* Appends sql (SQLite SQL) to out with " COLLATE DVNOCASE" attached where
 * an expression would otherwise compare text as bytes.  0, or -1 when out
 * of memory. */
int sqlparse_collate(const char *sql, size_t len, struct dv_buf *out);

#endif
