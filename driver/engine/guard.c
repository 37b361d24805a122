/* guard.c - what the local SQL engine refuses to run and how long it may run
 * (see guard.h).
 *
 * HOW IT WORKS: two nets, both only for the application's SQL.
 *  1. Before anything is prepared or sent, guard_check_text looks at the
 *     statement's leading keywords (CREATE TEMP TABLE, DROP VIEW, ATTACH,
 *     VACUUM, PRAGMA, BEGIN, ...) and at every name in it (sqlite_master and
 *     the other sqlite_* tables, pragma_* functions).  This is where most
 *     refusals happen, so a refused statement never reaches the service (no
 *     catalog lookup of "sqlite_master") and never half-runs.  It also
 *     catches what the authorizer cannot see: DROP TABLE IF EXISTS of a
 *     table that does not exist yet is a no-op SQLite never authorizes, and
 *     VACUUM is only authorized (as an ATTACH) while it runs.
 *  2. The authorizer SQLite calls while it compiles a statement refuses the
 *     same actions wherever they hide (EXPLAIN CREATE TABLE ..., a
 *     load_extension() call, a CTE that deletes from sqlite_master).  It
 *     allows reads and updates of sqlite_master because SQLite itself makes
 *     them the first time an eponymous virtual table such as json_each is
 *     used; reads by the application were refused by net 1.
 * The driver's own SQL runs in GUARD_TRUSTED (the engine's CREATE VIRTUAL
 * TABLE for an entity) or GUARD_PUSHDOWN (the pushdown's dv_pushed tables and
 * its pragma_module_list lookup) mode, set by engine.c around it.
 *
 * The progress handler runs every PROGRESS_OPS virtual machine instructions
 * and stops the statement (SQLITE_INTERRUPT) when SQLCancel set the cancel
 * flag or the statement's deadline passed; engine.c turns that into HY008
 * or HYT00 with guard_stopped. */
#include "engine/guard.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sqlparse/sqlparse.h"
#include "util/strutil.h"

#define PROGRESS_OPS 1000
#define LEADING_WORDS 8

struct dv_guard {
	enum guard_mode base;       /* GUARD_USER once the ODBC layer said so */
	enum guard_mode mode;
	char denied[DV_ERROR_MSG_MAX];
	atomic_int cancel;          /* SQLCancel, from another thread */
	int timed_out;
	unsigned long timeout_s;
	long long deadline_ns;      /* CLOCK_MONOTONIC; 0 = none */
};

/* ---- refusal messages --------------------------------------------------- */

static const char why_tables[] =
	"Dataverse tables and columns are created in the maker portal "
	"(make.powerapps.com) or through the Web API, and the local SQL engine keeps "
	"no tables of its own";
static const char why_objects[] =
	"the local SQL engine keeps no objects of its own; use a subquery or "
	"WITH name AS (...) in the statement itself";
static const char why_files[] = "the local SQL engine does not read or write files";
static const char why_pragma[] =
	"the local SQL engine's settings belong to the driver; SQLTables and SQLColumns "
	"describe the Dataverse tables";
static const char why_txn[] =
	"use SQLSetConnectAttr(SQL_ATTR_AUTOCOMMIT, SQL_AUTOCOMMIT_OFF) and SQLEndTran "
	"for transactions (docs/writes.md)";

static const struct {
	const char *kind;
	const char *why;
} reasons[] = {
	{"CREATE TABLE", why_tables},
	{"CREATE VIRTUAL TABLE", why_tables},
	{"ALTER TABLE", why_tables},
	{"DROP TABLE", "Dataverse tables are deleted in the maker portal "
		       "(make.powerapps.com); DELETE FROM <table> deletes rows"},
	{"CREATE VIEW", why_objects},
	{"DROP VIEW", why_objects},
	{"CREATE INDEX", "Dataverse indexes its tables itself"},
	{"DROP INDEX", "Dataverse indexes its tables itself"},
	{"CREATE TRIGGER", "the local SQL engine keeps no objects of its own; Dataverse "
			   "runs business logic as plug-ins, flows and business rules"},
	{"DROP TRIGGER", why_objects},
	{"ATTACH DATABASE", why_files},
	{"DETACH DATABASE", why_files},
	{"VACUUM", why_files},
	{"PRAGMA", why_pragma},
	{"ANALYZE", "the local SQL engine keeps no tables or indexes of its own"},
	{"REINDEX", "the local SQL engine keeps no tables or indexes of its own"},
	{"BEGIN", why_txn},
	{"COMMIT", why_txn},
	{"END", why_txn},
	{"ROLLBACK", why_txn},
	{"SAVEPOINT", why_txn},
	{"RELEASE", why_txn},
	{"ROLLBACK TO", why_txn},
	{"load_extension()", "the local SQL engine loads no extensions"},
};

/* "<KIND> is not supported: <why>" into out. */
static void refusal(const char *kind, char *out, size_t size)
{
	const char *why = "the local SQL engine runs queries and row changes only";
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		if (strcmp(reasons[i].kind, kind) == 0) {
			why = reasons[i].why;
			break;
		}
	}
	snprintf(out, size, "%s is not supported: %s", kind, why);
}

static void internal_table(const char *name, char *out, size_t size)
{
	snprintf(out, size, "%s is not available: it is an internal table of the local SQL "
		 "engine; SQLTables and SQLColumns list the Dataverse tables and columns", name);
}

static void pragma_function(const char *name, char *out, size_t size)
{
	snprintf(out, size, "%s() is not supported: PRAGMA functions are not: %s", name,
		 why_pragma);
}

/* ---- net 1: the statement's text ---------------------------------------- */

/* The kind of a statement from its leading words, or NULL when allowed. */
static const char *kind_of_words(char w[][SQLPARSE_WORD_MAX], size_t n, char *buf,
				 size_t size)
{
	size_t i = 0;
	if (i < n && strcmp(w[i], "EXPLAIN") == 0) {
		i++;
		if (i + 1 < n && strcmp(w[i], "QUERY") == 0 && strcmp(w[i + 1], "PLAN") == 0)
			i += 2;
	}
	if (i >= n)
		return NULL;
	if (strcmp(w[i], "CREATE") == 0 || strcmp(w[i], "DROP") == 0) {
		const char *verb = w[i];
		int virt = 0;
		for (i++; i < n; i++) {
			if (strcmp(w[i], "VIRTUAL") == 0)
				virt = 1;
			else if (strcmp(w[i], "TEMP") != 0 && strcmp(w[i], "TEMPORARY") != 0 &&
				 strcmp(w[i], "UNIQUE") != 0)
				break;
		}
		if (i < n && (strcmp(w[i], "TABLE") == 0 || strcmp(w[i], "VIEW") == 0 ||
			      strcmp(w[i], "INDEX") == 0 || strcmp(w[i], "TRIGGER") == 0)) {
			snprintf(buf, size, "%s %s%s", verb,
				 virt && verb[0] == 'C' ? "VIRTUAL " : "", w[i]);
			return buf;
		}
		snprintf(buf, size, "%s", verb);
		return buf;
	}
	if (strcmp(w[i], "ALTER") == 0)
		return "ALTER TABLE";
	if (strcmp(w[i], "ATTACH") == 0)
		return "ATTACH DATABASE";
	if (strcmp(w[i], "DETACH") == 0)
		return "DETACH DATABASE";
	if (strcmp(w[i], "ROLLBACK") == 0) {
		/* ROLLBACK [TRANSACTION] TO [SAVEPOINT] name */
		size_t j = i + 1;
		if (j < n && strcmp(w[j], "TRANSACTION") == 0)
			j++;
		return j < n && strcmp(w[j], "TO") == 0 ? "ROLLBACK TO" : "ROLLBACK";
	}
	static const char *const single[] = {
		"VACUUM", "PRAGMA", "ANALYZE", "REINDEX", "BEGIN", "COMMIT", "END",
		"SAVEPOINT", "RELEASE",
	};
	for (size_t k = 0; k < sizeof(single) / sizeof(single[0]); k++)
		if (strcmp(w[i], single[k]) == 0)
			return single[k];
	return NULL;
}

int guard_check_text(const struct dv_guard *g, const char *sql, struct dv_error *err)
{
	char words[LEADING_WORDS][SQLPARSE_WORD_MAX], kindbuf[256], name[128];
	char msg[DV_ERROR_MSG_MAX];
	size_t len = strlen(sql), n;
	const char *kind;
	if (g->mode != GUARD_USER)
		return 0;
	n = sqlparse_leading_words(sql, len, words, LEADING_WORDS);
	kind = kind_of_words(words, n, kindbuf, sizeof(kindbuf));
	if (kind) {
		refusal(kind, msg, sizeof(msg));
		return dv_error_set(err, DV_S_42000, 0, "%s", msg);
	}
	if (sqlparse_find_name(sql, len, "sqlite_", 1, name, sizeof(name))) {
		internal_table(name, msg, sizeof(msg));
		return dv_error_set(err, DV_S_42000, 0, "%s", msg);
	}
	if (sqlparse_find_name(sql, len, "pragma_", 0, name, sizeof(name))) {
		pragma_function(name, msg, sizeof(msg));
		return dv_error_set(err, DV_S_42000, 0, "%s", msg);
	}
	return 0;
}

/* ---- net 2: the authorizer ---------------------------------------------- */

static const char *kind_of_action(int action, const char *a1)
{
	switch (action) {
	case SQLITE_CREATE_INDEX: case SQLITE_CREATE_TEMP_INDEX: return "CREATE INDEX";
	case SQLITE_CREATE_TABLE: case SQLITE_CREATE_TEMP_TABLE: return "CREATE TABLE";
	case SQLITE_CREATE_TRIGGER: case SQLITE_CREATE_TEMP_TRIGGER: return "CREATE TRIGGER";
	case SQLITE_CREATE_VIEW: case SQLITE_CREATE_TEMP_VIEW: return "CREATE VIEW";
	case SQLITE_CREATE_VTABLE: return "CREATE VIRTUAL TABLE";
	case SQLITE_DROP_INDEX: case SQLITE_DROP_TEMP_INDEX: return "DROP INDEX";
	case SQLITE_DROP_TABLE: case SQLITE_DROP_TEMP_TABLE: case SQLITE_DROP_VTABLE:
		return "DROP TABLE";
	case SQLITE_DROP_TRIGGER: case SQLITE_DROP_TEMP_TRIGGER: return "DROP TRIGGER";
	case SQLITE_DROP_VIEW: case SQLITE_DROP_TEMP_VIEW: return "DROP VIEW";
	case SQLITE_ALTER_TABLE: return "ALTER TABLE";
	case SQLITE_ATTACH: return "ATTACH DATABASE";
	case SQLITE_DETACH: return "DETACH DATABASE";
	case SQLITE_PRAGMA: return "PRAGMA";
	case SQLITE_ANALYZE: return "ANALYZE";
	case SQLITE_REINDEX: return "REINDEX";
	case SQLITE_TRANSACTION:
		return a1 && strcmp(a1, "COMMIT") == 0 ? "COMMIT"
		       : a1 && strcmp(a1, "ROLLBACK") == 0 ? "ROLLBACK" : "BEGIN";
	case SQLITE_SAVEPOINT:
		return a1 && strcmp(a1, "RELEASE") == 0 ? "RELEASE"
		       : a1 && strcmp(a1, "ROLLBACK") == 0 ? "ROLLBACK TO" : "SAVEPOINT";
	default: return "this statement";
	}
}

static int is_internal_name(const char *name)
{
	return name && dv_strncasecmp(name, "sqlite_", 7) == 0;
}

/* NULL when the action is allowed in the mode, else why not (into buf). */
static const char *judge(enum guard_mode mode, int action, const char *a1, const char *a2,
			 char *buf, size_t size)
{
	switch (action) {
	case SQLITE_SELECT:
	case SQLITE_RECURSIVE:
		return NULL;
	case SQLITE_READ:
	case SQLITE_UPDATE:
		/* SQLite reads and updates sqlite_master itself when an eponymous
		 * virtual table (json_each) is first used; the application's own
		 * references to sqlite_* were refused by guard_check_text. */
		return NULL;
	case SQLITE_INSERT:
	case SQLITE_DELETE:
		if (!is_internal_name(a1) || mode == GUARD_PUSHDOWN)
			return NULL;
		internal_table(a1, buf, size);
		return buf;
	case SQLITE_FUNCTION:
		if (!a2 || dv_strcasecmp(a2, "load_extension") != 0)
			return NULL;
		refusal("load_extension()", buf, size);
		return buf;
	case SQLITE_CREATE_VTABLE:
		/* the pushdown's own tables (driver/engine/pushdown.c) */
		if (mode == GUARD_PUSHDOWN && a2 && strcmp(a2, "dv_pushed") == 0)
			return NULL;
		break;
	case SQLITE_PRAGMA:
		/* push_module_ensure reads pragma_module_list */
		if (mode == GUARD_PUSHDOWN && a1 && strcmp(a1, "module_list") == 0)
			return NULL;
		break;
	default:
		break;
	}
	refusal(kind_of_action(action, a1), buf, size);
	return buf;
}

static int guard_authorize(void *arg, int action, const char *a1, const char *a2,
			   const char *db, const char *inner)
{
	struct dv_guard *g = arg;
	char why[DV_ERROR_MSG_MAX];
	(void)db;
	(void)inner;
	if (g->mode == GUARD_TRUSTED)
		return SQLITE_OK;
	if (!judge(g->mode, action, a1, a2, why, sizeof(why)))
		return SQLITE_OK;
	if (!g->denied[0])
		dv_strlcpy(g->denied, why, sizeof(g->denied));
	return SQLITE_DENY;
}

/* ---- the progress handler ----------------------------------------------- */

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int guard_progress(void *arg)
{
	struct dv_guard *g = arg;
	if (atomic_load(&g->cancel))
		return 1;
	if (g->deadline_ns && now_ns() >= g->deadline_ns) {
		g->timed_out = 1;
		return 1;
	}
	return 0;
}

/* ---- lifetime and modes ------------------------------------------------- */

struct dv_guard *guard_new(void)
{
	struct dv_guard *g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->base = GUARD_TRUSTED;
	g->mode = GUARD_TRUSTED;
	atomic_init(&g->cancel, 0);
	return g;
}

void guard_free(struct dv_guard *g)
{
	free(g);
}

int guard_install(struct dv_guard *g, sqlite3 *db)
{
	int rc, off = 0;
	rc = sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, &off);
	if (rc == SQLITE_OK)
		rc = sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
	sqlite3_progress_handler(db, PROGRESS_OPS, guard_progress, g);
	return sqlite3_set_authorizer(db, guard_authorize, g);
}

void guard_set_user(struct dv_guard *g)
{
	if (g->base == GUARD_USER)
		return;
	g->base = GUARD_USER;
	if (g->mode == GUARD_TRUSTED)
		g->mode = GUARD_USER;
}

enum guard_mode guard_enter(struct dv_guard *g, enum guard_mode mode)
{
	enum guard_mode saved = g->mode;
	if (g->base == GUARD_USER || mode == GUARD_TRUSTED)
		g->mode = mode;
	return saved;
}

enum guard_mode guard_mode(const struct dv_guard *g)
{
	return g->mode;
}

void guard_restore(struct dv_guard *g, enum guard_mode saved)
{
	g->mode = saved;
}

const char *guard_denied(const struct dv_guard *g)
{
	return g->denied[0] ? g->denied : NULL;
}

void guard_clear_denied(struct dv_guard *g)
{
	g->denied[0] = '\0';
}

/* ---- cancel and timeout ------------------------------------------------- */

void guard_statement_start(struct dv_guard *g)
{
	atomic_store(&g->cancel, 0);
	g->timed_out = 0;
	g->denied[0] = '\0';
}

void guard_cancel(struct dv_guard *g)
{
	atomic_store(&g->cancel, 1);
}

void guard_set_timeout(struct dv_guard *g, unsigned long seconds)
{
	g->timeout_s = seconds;
	g->timed_out = 0;
	g->deadline_ns = seconds ? now_ns() + (long long)seconds * 1000000000LL : 0;
}

int guard_stopped(const struct dv_guard *g, struct dv_error *err)
{
	if (g->timed_out)
		return dv_error_set(err, DV_S_HYT00, 0,
				    "the query timeout (%lu s, SQL_ATTR_QUERY_TIMEOUT) expired "
				    "while the local SQL engine was working", g->timeout_s);
	if (atomic_load(&g->cancel))
		return dv_error_set(err, DV_S_HY008, 0, "the statement was canceled");
	return 0;
}
