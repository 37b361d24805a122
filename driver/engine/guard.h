/* guard.h - what the local SQL engine refuses to run and how long it may run.
 *
 * Owns: struct dv_guard, one per engine: an SQLite authorizer
 * (sqlite3_set_authorizer) and a progress handler (sqlite3_progress_handler)
 * on the engine's database, the refusal of statement kinds by their leading
 * keywords before anything is prepared or sent, and the statement deadline
 * (SQL_ATTR_QUERY_TIMEOUT) and cancel flag (SQLCancel) the progress handler
 * checks.
 *
 * SQL from the application (the ODBC layer calls dv_engine_guard_user_sql)
 * may read and write entities and use anything SQLite computes (CTEs,
 * subqueries, window functions, temp b-trees for ORDER BY / GROUP BY), but
 * not: CREATE / DROP / ALTER of tables, views, indexes, triggers and virtual
 * tables; ATTACH, DETACH, VACUUM; PRAGMA and pragma_* functions; ANALYZE,
 * REINDEX; BEGIN / COMMIT / ROLLBACK / SAVEPOINT / RELEASE as SQL;
 * load_extension(); sqlite_master / sqlite_schema / sqlite_temp_master and
 * every other sqlite_* table.  Each refusal is 42000 with a message that
 * names the statement kind.  The driver's own statements (the virtual
 * tables it creates for entities and pushed-down queries, the module list it
 * reads) run in a trusted or pushdown mode the engine sets around them.
 * Source: https://www.sqlite.org/c3ref/set_authorizer.html
 *         https://www.sqlite.org/c3ref/progress_handler.html */
#ifndef DV_ENGINE_GUARD_H
#define DV_ENGINE_GUARD_H

#include <sqlite3.h>

#include "util/error.h"

struct dv_engine;

/* ---- for the ODBC layer ------------------------------------------------- */

/* From now on, statements prepared on this engine are the application's:
 * the refusals above apply (an engine used directly by the driver's own
 * tools and tests is trusted until this is called). */
void dv_engine_guard_user_sql(struct dv_engine *eng);

/* Local work of statements stepped from now on stops with HYT00 once
 * `seconds` have passed (0 = no limit); SQL_ATTR_QUERY_TIMEOUT.
 * SQLCancel (dv_engine_interrupt) stops it with HY008. */
void dv_engine_set_timeout(struct dv_engine *eng, unsigned long seconds);

/* ---- for the engine (engine.c) ------------------------------------------ */

enum guard_mode {
	GUARD_TRUSTED,   /* the driver's own SQL, or a trusted engine user */
	GUARD_USER,      /* the application's SQL */
	GUARD_PUSHDOWN   /* the pushdown's own virtual tables for a user statement */
};

struct dv_guard;

struct dv_guard *guard_new(void);
void guard_free(struct dv_guard *g);
/* Installs the authorizer and progress handler, turns extension loading
 * off, forbids attached databases.  SQLITE_OK or an SQLite error. */
int guard_install(struct dv_guard *g, sqlite3 *db);

void guard_set_user(struct dv_guard *g);
/* Sets the mode, returns the previous one for guard_restore. */
enum guard_mode guard_enter(struct dv_guard *g, enum guard_mode mode);
enum guard_mode guard_mode(const struct dv_guard *g);
void guard_restore(struct dv_guard *g, enum guard_mode saved);

/* In user mode: 42000 (err set, -1) for a statement kind refused by its
 * leading keywords or for a name of SQLite's internal tables; else 0. */
int guard_check_text(const struct dv_guard *g, const char *sql, struct dv_error *err);

/* The authorizer's first refusal since guard_clear_denied, or NULL. */
const char *guard_denied(const struct dv_guard *g);
void guard_clear_denied(struct dv_guard *g);

/* A statement starts: forgets an earlier cancel and timeout. */
void guard_statement_start(struct dv_guard *g);
void guard_cancel(struct dv_guard *g);
void guard_set_timeout(struct dv_guard *g, unsigned long seconds);
/* -1 with err = HYT00 (the deadline passed) or HY008 (cancelled) when the
 * progress handler stopped the statement, else 0. */
int guard_stopped(const struct dv_guard *g, struct dv_error *err);

#endif
