/* value.h - one result cell as the conversion code sees it.
 *
 * Owns: struct dv_value, a view (not a copy) of a value from the engine's
 * SQLite statement (sqlite3_column_*) or from an in-memory rowset. */
#ifndef DV_ODBC_VALUE_H
#define DV_ODBC_VALUE_H

#include <stddef.h>
#include <stdint.h>

enum dv_vtype { DV_V_NULL, DV_V_INT, DV_V_DOUBLE, DV_V_TEXT, DV_V_BLOB };

struct dv_value {
	enum dv_vtype type;
	int64_t i;
	double d;
	const char *s;   /* TEXT (NUL-terminated) or BLOB bytes */
	size_t len;
};

#endif
