/* rowcount.c - the row counts a join's plan starts from.
 *
 * Owns: planning a SELECT of several tables from the tables' real sizes.
 * SQLite chooses a join's order by comparing the xBestIndex estimates of
 * its tables (plan.c); without a size they all start from 1,000,000 rows
 * and only the pushed terms tell them apart, so a table of 3 rows and one
 * of 60,000 look alike and a weak filter on the big one makes it the side
 * read first.  So:
 *  1. prepare_sql_planned (engine.c) prepares the statement as always;
 *     during that planning xBestIndex records each dataverse table it plans
 *     (rowcount_base);
 *  2. a read-only statement with 2 distinct tables or more asks the catalog
 *     for their counts (dv_catalog_row_counts: cached beside the metadata,
 *     or one RetrieveTotalRecordCount request for all of them);
 *  3. when the counts differ, the statement is prepared again and
 *     xBestIndex starts each table's estimate from its count scaled so that
 *     the statement's largest table keeps 1,000,000 (a table a thousandth
 *     of its size starts at 1,000): the pushed terms then divide it as
 *     before.
 * Scaled, not the counts themselves: the divisions (plan.c) are calibrated
 * at a million rows: a key lookup on a lookup column finds "a parent's few
 * rows", a hundred, ten times the one row of a primary key.  From a real
 * count of 20 both fall under one row and read as equal, so SQLite would
 * choose between orders it can no longer tell apart; scaled, only the
 * tables' relative sizes are new, and tables of equal counts keep exactly
 * the plan they had.
 * A single-table statement never asks, nor do the pushdown's own statements
 * (its check and its fallback, PUSH_LOCAL_HINT): a statement the pushdown
 * sends whole needs no order.  When the counts are unknown (the request
 * failed) the first plan is kept: today's estimates.
 * A statement SQLite prepares again by itself (after a table was created
 * on the connection: SQLITE_SCHEMA) is planned with the default estimates. */
#include "engine/engine_int.h"
#include "engine/pushdown.h"

#include <string.h>

#include "util/buf.h"
#include "util/log.h"

void rowcount_begin(struct dv_engine *eng, const char *sql)
{
	struct rowcounts *r = &eng->rowcounts;
	r->noting = strncmp(sql, PUSH_LOCAL_HINT, strlen(PUSH_LOCAL_HINT)) != 0;
	r->use = 0;
	r->replanned = 0;
	r->n = 0;
}

double rowcount_base(struct dv_engine *eng, const struct dv_entity *e)
{
	struct rowcounts *r = &eng->rowcounts;
	size_t i;
	for (i = 0; i < r->n; i++)
		if (r->e[i] == e)
			return r->use ? r->base[i] : -1;
	if (r->noting && r->n < ROWCOUNT_TABLES) {
		r->e[r->n] = e;
		r->base[r->n] = -1;
		r->count[r->n++] = -1;
	}
	return -1;
}

/* r->base from r->count: the largest count is 1,000,000 (plan.c's default),
 * the others in proportion, unknown ones -1 (the default).  1 when a base
 * differs from the default. */
static int scale(struct rowcounts *r)
{
	long long max = 0;
	size_t i;
	int differ = 0;
	for (i = 0; i < r->n; i++)
		if (r->count[i] > max)
			max = r->count[i];
	for (i = 0; i < r->n; i++) {
		r->base[i] = r->count[i] >= 0 && max > 0 ? 1e6 * (double)r->count[i] / (double)max
							   : -1;
		if (r->base[i] >= 0 && r->base[i] < 1e6)
			differ = 1;
	}
	return differ;
}

/* Verbosity 3: "plan: row counts account 20000, businessunit 3: planned again". */
static void log_counts(struct dv_engine *eng, int differ)
{
	const struct rowcounts *r = &eng->rowcounts;
	struct dv_buf b;
	size_t i;
	dv_buf_init(&b, 0);
	for (i = 0; i < r->n; i++)
		dv_buf_appendf(&b, "%s%s %lld", i ? ", " : "", r->e[i]->logical_name, r->count[i]);
	DV_LOG(eng->log, DV_LOG_DEBUG, eng, "plan: row counts %s (-1: unknown): %s",
	       dv_buf_str(&b), differ ? "planned again from them" : "all alike, plan kept");
	dv_buf_free(&b);
}

int rowcount_ready(struct dv_engine *eng, sqlite3_stmt *stmt)
{
	struct rowcounts *r = &eng->rowcounts;
	const char *names[ROWCOUNT_TABLES];
	size_t i;
	int noted = r->noting, differ;
	r->noting = 0;
	if (!noted || r->n < 2 || !sqlite3_stmt_readonly(stmt))
		return 0;
	for (i = 0; i < r->n; i++)
		names[i] = r->e[i]->logical_name;
	if (dv_catalog_row_counts(eng->cat, names, r->n, r->count) == 0)
		return 0;
	differ = scale(r);
	log_counts(eng, differ);
	return differ;
}

