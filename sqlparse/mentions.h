/* mentions.h - the names a statement mentions (see mentions.c). */
#ifndef DV_SQLPARSE_MENTIONS_H
#define DV_SQLPARSE_MENTIONS_H

#include <stddef.h>

struct sql_mentions {
	char **names;     /* every identifier in the text, sorted (ASCII case-insensitive) */
	size_t n, cap;
	int whole_rows;   /* `*` / `t.*` select list, NATURAL JOIN, not a query, or unreadable */
};

/* Scans sql; 0, or -1 when out of memory (m then holds what was read). */
int sql_mentions_scan(const char *sql, struct sql_mentions *m);
/* True when the statement may use a column called name: m says whole rows,
 * names it, or m is NULL (nothing known). */
int sql_mentions_has(const struct sql_mentions *m, const char *name);
void sql_mentions_free(struct sql_mentions *m);

#endif
