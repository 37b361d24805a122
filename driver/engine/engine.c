/* engine.c - the per-connection SQLite database (engine.h).
 *
 * Owns: opening the in-memory database with the "dataverse" module and the
 * helper functions sqlparse's rewrites call, creating a virtual table the
 * first time a statement names an entity ("no such table: X" -> catalog
 * lookup -> CREATE VIRTUAL TABLE temp."x" USING dataverse("x") -> prepare
 * again; <entity>_changes and fetchxml('..') are table-valued functions of
 * tvf.c, whose statement text is rewritten first), SQLite error -> SQLSTATE
 * mapping, stepping with the service error of a failed scan, result column
 * description and EXPLAIN, and the write statement boundaries (flush.c
 * sends what write.c queued) and the SQL function last_insert_id().  What
 * the application's SQL may not do, the query timeout and SQLCancel are
 * guard.c's; this file sets the guard's mode around the driver's own SQL
 * and refuses a text of several statements. */
#include "engine/engine_int.h"
#include "engine/guard.h"
#include "engine/pushdown.h"
#include "engine/sqlfuncs.h"
#include "engine/tvf.h"

#include <sql.h>
#include <sqlext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "http/http.h"
#include "sqlparse/escape.h"
#include "sqlparse/sqlparse.h"
#include "util/strutil.h"

/* No SQLite mutexes on the engine's connection: every use of it is
 * serialised by the ODBC connection lock (handles.h, dv_handle_lock), the
 * prefetch, partition and batch threads never touch SQLite, and SQLCancel's
 * sqlite3_interrupt is safe from another thread without them.  In serialized
 * mode SQLite took and released a mutex about 200 times per fetched row. */
#define ENGINE_OPEN_FLAGS (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX)

#define MAX_CREATED_PER_PREPARE 64

/* odbc_right(s, n): the last n characters of s (ODBC RIGHT). */
static void fn_right(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *s = sqlite3_value_text(argv[0]);
	sqlite3_int64 n = sqlite3_value_int64(argv[1]), chars = 0;
	int len, i;
	(void)argc;
	if (!s || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	len = sqlite3_value_bytes(argv[0]);
	for (i = len; i > 0 && chars < n; i--)
		if ((s[i - 1] & 0xC0) != 0x80)
			chars++;
	sqlite3_result_text(ctx, (const char *)s + i, len - i, SQLITE_TRANSIENT);
}

/* odbc_locate(needle, hay, start): 1-based character position of needle in
 * hay at or after start, 0 when absent (ODBC LOCATE with 3 arguments). */
static void fn_locate(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *needle = (const char *)sqlite3_value_text(argv[0]);
	const char *hay = (const char *)sqlite3_value_text(argv[1]);
	sqlite3_int64 start = sqlite3_value_int64(argv[2]), pos = 1;
	const char *p, *hit;
	(void)argc;
	if (!needle || !hay || sqlite3_value_type(argv[2]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	for (p = hay; *p && pos < start; p++)
		if ((*p & 0xC0) != 0x80 && p != hay)
			pos++;
	/* p is now at character `start` (or the end) */
	while (*p && (*p & 0xC0) == 0x80)
		p++;
	hit = start >= 1 ? strstr(p, needle) : NULL;
	if (!hit) {
		sqlite3_result_int(ctx, 0);
		return;
	}
	for (pos = 1, p = hay; p < hit; p++)
		if ((p[1] & 0xC0) != 0x80)
			pos++;
	sqlite3_result_int64(ctx, pos);
}

/* last_insert_id(): the GUID of the last record created on this connection. */
static void fn_last_insert_id(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct dv_engine *eng = sqlite3_user_data(ctx);
	(void)argc;
	(void)argv;
	if (eng->last_id[0])
		sqlite3_result_text(ctx, eng->last_id, -1, SQLITE_TRANSIENT);
	else
		sqlite3_result_null(ctx);
}

static char *make_api_base(const struct dv_config *cfg)
{
	struct dv_buf b;
	size_t n = cfg->url ? strlen(cfg->url) : 0;
	dv_buf_init(&b, 0);
	while (n > 0 && cfg->url[n - 1] == '/')
		n--;
	dv_buf_append(&b, cfg->url ? cfg->url : "", n);
	dv_buf_appendf(&b, "/api/data/%s/", cfg->api_version ? cfg->api_version : "v9.2");
	return dv_buf_steal(&b);
}

struct dv_engine *dv_engine_new(struct dv_catalog *cat, struct dv_http *http,
				const struct dv_config *cfg, struct dv_log *log,
				struct dv_error *err)
{
	struct dv_engine *eng = calloc(1, sizeof(*eng));
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
	if (!eng) {
		dv_error_nomem(err);
		return NULL;
	}
	eng->cat = cat;
	eng->http = http;
	eng->log = log;
	eng->page_size = cfg->page_size;
	eng->join_memory = (size_t)cfg->join_memory_mb << 20;
	eng->include_formatted = cfg->include_formatted_values;
	eng->autocommit = 1;
	eng->api_base = make_api_base(cfg);
	eng->guard = guard_new();
	if (!eng->api_base || !eng->guard ||
	    sqlite3_open_v2(":memory:", &eng->db, ENGINE_OPEN_FLAGS, NULL) != SQLITE_OK ||
	    guard_install(eng->guard, eng->db) != SQLITE_OK ||
	    vtab_register(eng) != SQLITE_OK ||
	    tvf_register(eng) != SQLITE_OK ||
	    sqlite3_create_function(eng->db, SQLPARSE_FN_RIGHT, 2, flags, NULL, fn_right, NULL,
				    NULL) != SQLITE_OK ||
	    sqlite3_create_function(eng->db, SQLPARSE_FN_LOCATE, 3, flags, NULL, fn_locate,
				    NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(eng->db, "last_insert_id", 0, SQLITE_UTF8, eng,
				    fn_last_insert_id, NULL, NULL) != SQLITE_OK ||
	    sqlfuncs_install(eng) != SQLITE_OK) {
		dv_error_set(err, DV_S_HY000, 0, "cannot open the local SQL engine: %s",
			     eng->db ? sqlite3_errmsg(eng->db) : "out of memory");
		dv_engine_free(eng);
		return NULL;
	}
	return eng;
}

void dv_engine_free(struct dv_engine *eng)
{
	if (!eng)
		return;
	sqlite3_close_v2(eng->db);
	guard_free(eng->guard);
	write_free_state(eng);
	sql_mentions_free(&eng->mentions);
	free(eng->mentions_sql);
	free(eng->api_base);
	free(eng);
}

sqlite3 *dv_engine_db(struct dv_engine *eng)
{
	return eng->db;
}

/* CREATE VIRTUAL TABLE temp."x" USING dataverse("x") for the entity `name`. */
static int create_table(struct dv_engine *eng, const char *name, struct dv_error *err)
{
	const struct dv_entity *e;
	char *sql, *msg = NULL;
	enum guard_mode saved;
	int rc;
	if (dv_catalog_entity(eng->cat, name, &e, err) != 0) {
		/* <entity>_changes, dv_fetchxml_<hash>: table-valued functions (tvf.c) */
		struct dv_error terr;
		dv_error_clear(&terr);
		rc = tvf_table_sql(eng, name, &sql, &terr);
		if (rc < 0)
			*err = terr;
		if (rc != 0)
			return -1;
	} else {
		sql = sqlite3_mprintf("CREATE VIRTUAL TABLE temp.\"%w\" USING dataverse(\"%w\")",
				      e->logical_name, e->logical_name);
		if (!sql)
			return dv_error_nomem(err);
	}
	dv_error_clear(&eng->scan_err);
	saved = guard_enter(eng->guard, GUARD_TRUSTED);   /* the driver's own SQL */
	rc = sqlite3_exec(eng->db, sql, NULL, NULL, &msg);
	guard_restore(eng->guard, saved);
	sqlite3_free(sql);
	if (rc != SQLITE_OK) {
		if (eng->scan_err.state != DV_S_00000)
			*err = eng->scan_err;
		else
			dv_error_set(err, DV_S_HY000, 0, "cannot create table %s: %s",
				     name, msg ? msg : "");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* The table name of "no such table: [schema.]X", or NULL. */
static char *missing_table(const char *msg)
{
	static const char prefix[] = "no such table: ";
	const char *name;
	if (strncmp(msg, prefix, sizeof(prefix) - 1) != 0)
		return NULL;
	name = msg + sizeof(prefix) - 1;
	if (dv_strncasecmp(name, "main.", 5) == 0 || dv_strncasecmp(name, "temp.", 5) == 0)
		name += 5;
	return dv_strdup(name);
}

static int map_prepare_error(struct dv_engine *eng, int rc, struct dv_error *err)
{
	const char *msg = sqlite3_errmsg(eng->db);
	static const char col[] = "no such column: ";
	if (rc == SQLITE_NOMEM)
		return dv_error_nomem(err);
	if (guard_denied(eng->guard))      /* the authorizer refused it (guard.c) */
		return dv_error_set(err, DV_S_42000, 0, "%s", guard_denied(eng->guard));
	if (rc == SQLITE_AUTH)
		return dv_error_set(err, DV_S_42000, 0, "the local SQL engine refused the "
				    "statement: %s", msg);
	if (rc == SQLITE_INTERRUPT && guard_stopped(eng->guard, err) != 0)
		return -1;
	if (strncmp(msg, col, sizeof(col) - 1) == 0)
		return dv_error_set(err, DV_S_42S22, 0, "Column '%s' does not exist",
				    msg + sizeof(col) - 1);
	return dv_error_set(err, DV_S_42000, 0, "%s", msg);
}

/* Refused before anything is prepared or sent: a text of several
 * statements (SQLite would compile the first and drop the rest), and in user
 * mode what guard_check_text refuses. */
static int check_statement(struct dv_engine *eng, const char *sql, struct dv_error *err)
{
	size_t at, n;
	if (guard_check_text(eng->guard, sql, err) != 0)
		return -1;
	if (!sqlparse_next_statement(sql, strlen(sql), &at))
		return 0;
	n = strcspn(sql + at, ";\r\n");
	return dv_error_set(err, DV_S_42000, 0,
			    "only one SQL statement per execution is supported: a second one "
			    "starts at \"%.*s%s\"; send each statement with its own "
			    "SQLExecDirect or SQLExecute", (int)(n > 60 ? 60 : n), sql + at,
			    n > 60 ? "..." : "");
}

/* Runs a pushdown step (pushdown.c): its own CREATE VIRTUAL TABLE and
 * module lookup run in GUARD_PUSHDOWN mode when the SQL is the user's. */
static enum guard_mode enter_pushdown(struct dv_engine *eng)
{
	enum guard_mode saved = guard_mode(eng->guard);
	if (saved == GUARD_USER)
		guard_enter(eng->guard, GUARD_PUSHDOWN);
	return saved;
}

const struct sql_mentions *engine_mentions(struct dv_engine *eng)
{
	if (!eng->plan_sql)
		return NULL;
	if (eng->mentions_sql && strcmp(eng->mentions_sql, eng->plan_sql) == 0)
		return &eng->mentions;
	sql_mentions_free(&eng->mentions);
	free(eng->mentions_sql);
	eng->mentions_sql = NULL;
	if (sql_mentions_scan(eng->plan_sql, &eng->mentions) != 0) {
		sql_mentions_free(&eng->mentions);
		return NULL;
	}
	eng->mentions_sql = dv_strdup(eng->plan_sql);
	return eng->mentions_sql ? &eng->mentions : NULL;
}

/* The statement text whose columns the scans plan for (plan_select). */
static const char *plan_for(struct dv_engine *eng, const char *sql)
{
	const char *saved = eng->plan_sql;
	eng->plan_sql = sql;
	return saved;
}

static int prepare_sql_planned(struct dv_engine *eng, const char *sql, sqlite3_stmt **out,
			       struct dv_error *err);

static int prepare_sql(struct dv_engine *eng, const char *sql, sqlite3_stmt **out,
		       struct dv_error *err)
{
	const char *saved;
	char *rewritten = NULL;    /* fetchxml('..') -> its own table (tvf_fetchxml.c) */
	int rc;
	*out = NULL;
	if (tvf_rewrite(eng, sql, &rewritten, err) != 0)
		return -1;
	if (rewritten)
		sql = rewritten;
	saved = plan_for(eng, sql);
	rc = prepare_sql_planned(eng, sql, out, err);
	eng->rowcounts.noting = 0;   /* a failed first planning records no more tables */
	eng->plan_sql = saved;
	free(rewritten);
	return rc;
}

/* A statement of several tables, prepared once, is prepared again with its
 * tables' row counts (rowcount.c); the first plan stays when they are
 * unknown or the second preparation fails. */
static void replan_from_counts(struct dv_engine *eng, const char *sql, sqlite3_stmt **out)
{
	sqlite3_stmt *again = NULL;
	int rc;
	if (!rowcount_ready(eng, *out))
		return;
	eng->rowcounts.use = 1;
	rc = sqlite3_prepare_v2(eng->db, sql, -1, &again, NULL);
	eng->rowcounts.use = 0;
	if (rc != SQLITE_OK) {
		sqlite3_finalize(again);
		dv_error_clear(&eng->scan_err);
		return;
	}
	sqlite3_finalize(*out);
	*out = again;
	eng->rowcounts.replanned = 1;
}

static int prepare_sql_planned(struct dv_engine *eng, const char *sql, sqlite3_stmt **out,
			       struct dv_error *err)
{
	enum guard_mode saved;
	int tries, rc;
	*out = NULL;
	if (check_statement(eng, sql, err) != 0)
		return -1;
	saved = enter_pushdown(eng);
	rc = pushdown_prepare(eng, sql, out, err); /* a whole SELECT as one request */
	guard_restore(eng->guard, saved);
	if (rc != 1)
		return rc;
	rowcount_begin(eng, sql);
	for (tries = 0; tries <= MAX_CREATED_PER_PREPARE; tries++) {
		char *table;
		dv_error_clear(&eng->scan_err);
		guard_clear_denied(eng->guard);
		rc = sqlite3_prepare_v2(eng->db, sql, -1, out, NULL);
		if (rc == SQLITE_OK) {
			replan_from_counts(eng, sql, out);   /* several tables: their sizes */
			return 0;
		}
		if (eng->scan_err.state != DV_S_00000) {
			*err = eng->scan_err;
			return -1;
		}
		table = missing_table(sqlite3_errmsg(eng->db));
		if (!table)
			return map_prepare_error(eng, rc, err);
		rc = create_table(eng, table, err);
		free(table);
		if (rc != 0)
			return -1;
	}
	return dv_error_set(err, DV_S_42000, 0, "too many tables in one statement");
}

int dv_engine_prepare(struct dv_engine *eng, const char *sql, sqlite3_stmt **out,
		      struct dv_error *err)
{
	/* Called again from inside the pushdown (its check of the statement on
	 * the per-table path): that SQL is the user's again. */
	enum guard_mode saved = guard_mode(eng->guard);
	int rc;
	if (saved == GUARD_PUSHDOWN)
		guard_enter(eng->guard, GUARD_USER);
	rc = prepare_sql(eng, sql, out, err);
	guard_restore(eng->guard, saved);
	return rc;
}

void dv_engine_guard_user_sql(struct dv_engine *eng)
{
	guard_set_user(eng->guard);
}

void dv_engine_set_timeout(struct dv_engine *eng, unsigned long seconds)
{
	guard_set_timeout(eng->guard, seconds);
}

/* One sqlite3_step; a write statement's queue goes out when it is done. */
int dv_engine_step(struct dv_engine *eng, sqlite3_stmt *stmt, struct dv_error *err)
{
	int rc, writes = !sqlite3_stmt_readonly(stmt);
	if (!sqlite3_stmt_busy(stmt)) {
		eng->stmt_seq++;
		vtab_release_rows(eng);
		dv_http_reset_cancel(eng->http);
		guard_statement_start(eng->guard);
		write_keys_reset_if_idle(eng, stmt);
		if (writes)
			flush_statement_begin(eng);
	}
	dv_error_clear(&eng->scan_err);
	eng->writing = writes;
	rc = sqlite3_step(stmt);
	eng->writing = 0;
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return writes ? flush_statement_end(eng, err) : 0;
	if (writes)
		flush_statement_abort(eng);
	if (eng->scan_err.state != DV_S_00000) {
		*err = eng->scan_err;
		return -1;
	}
	if (rc == SQLITE_INTERRUPT && guard_stopped(eng->guard, err) != 0)
		return -1;             /* HYT00: the query timeout; HY008: SQLCancel */
	if (rc == SQLITE_INTERRUPT)
		return dv_error_set(err, DV_S_HY008, 0, "the statement was canceled");
	if (guard_denied(eng->guard))  /* refused while running (re-prepared) */
		return dv_error_set(err, DV_S_42000, 0, "%s", guard_denied(eng->guard));
	if (rc == SQLITE_AUTH)
		return dv_error_set(err, DV_S_42000, 0, "the local SQL engine refused the "
				    "statement: %s", sqlite3_errmsg(eng->db));
	if (rc == SQLITE_NOMEM)
		return dv_error_nomem(err);
	if (rc == SQLITE_CONSTRAINT)
		return dv_error_set(err, DV_S_23000, 0, "%s", sqlite3_errmsg(eng->db));
	return dv_error_set(err, DV_S_HY000, 0, "%s", sqlite3_errmsg(eng->db));
}

static void info_from_column(struct dv_colinfo *out, const struct dv_column *c)
{
	out->sql_type = c->sql_type;
	out->type_name = c->type_name;
	out->column_size = c->column_size;
	out->decimal_digits = c->decimal_digits;
	out->nullable = c->nullable;
	out->attr_type = (int)c->attr_type;
}

struct decl_map {
	const char *prefix;
	short sql_type;
	const char *type_name;
	long size;
};

static const struct decl_map decls[] = {
	{"NVARCHAR", SQL_WVARCHAR, "nvarchar", 4000},
	{"NTEXT", SQL_WLONGVARCHAR, "ntext", 1048576},
	{"UNIQUEIDENTIFIER", SQL_GUID, "uniqueidentifier", 36},
	{"INTEGER", SQL_INTEGER, "int", 10},
	{"BIGINT", SQL_BIGINT, "bigint", 19},
	{"DECIMAL", SQL_DECIMAL, "decimal", 23},
	{"DOUBLE", SQL_DOUBLE, "float", 15},
	{"BIT", SQL_BIT, "bit", 1},
	{"DATETIME", SQL_TYPE_TIMESTAMP, "datetime", 19},
	{"DATE", SQL_TYPE_DATE, "date", 10},
	{"IMAGE", SQL_LONGVARBINARY, "image", 2147483647L},
};

/* From a declared type such as "NVARCHAR(100) COLLATE NOCASE". */
static int info_from_decl(struct dv_colinfo *out, const char *decl)
{
	size_t i;
	for (i = 0; i < sizeof(decls) / sizeof(decls[0]); i++) {
		size_t n = strlen(decls[i].prefix);
		const char *paren;
		if (dv_strncasecmp(decl, decls[i].prefix, n) != 0 ||
		    (decl[n] && decl[n] != '(' && decl[n] != ' '))
			continue;
		out->sql_type = decls[i].sql_type;
		out->type_name = decls[i].type_name;
		out->column_size = decls[i].size;
		paren = decl[n] == '(' ? decl + n + 1 : NULL;
		if (paren) {
			char *end;
			long size = strtol(paren, &end, 10);
			if (end != paren && size > 0)
				out->column_size = size;
			if (*end == ',')
				out->decimal_digits = (short)strtol(end + 1, NULL, 10);
		}
		return 0;
	}
	return -1;
}

int dv_engine_describe(struct dv_engine *eng, sqlite3_stmt *stmt, int i,
		       struct dv_colinfo *out)
{
	const char *name = sqlite3_column_name(stmt, i);
	const char *table = sqlite3_column_table_name(stmt, i);
	const char *origin = sqlite3_column_origin_name(stmt, i);
	const char *decl = sqlite3_column_decltype(stmt, i);
	memset(out, 0, sizeof(*out));
	if (!name)
		return -1;
	dv_strlcpy(out->name, name, sizeof(out->name));
	out->nullable = SQL_NULLABLE_UNKNOWN;
	out->attr_type = -1;
	if (table && origin) {
		const struct dv_entity *e;
		struct dv_error err;
		dv_strlcpy(out->table, table, sizeof(out->table));
		dv_strlcpy(out->base_column, origin, sizeof(out->base_column));
		if (dv_catalog_entity(eng->cat, table, &e, &err) == 0) {
			const struct dv_column *c = dv_entity_column(e, origin);
			if (c) {
				info_from_column(out, c);
				return 0;
			}
		}
	}
	if (decl && info_from_decl(out, decl) == 0)
		return 0;
	if (sqlfuncs_describe(eng, stmt, i, out) == 0) /* an expression's SQL type */
		return 0;
	if (dv_strncasecmp(name, "count(", 6) == 0) {
		out->sql_type = SQL_BIGINT;
		out->type_name = "bigint";
		out->column_size = 19;
		out->nullable = SQL_NO_NULLS;
		return 0;
	}
	out->sql_type = SQL_WVARCHAR;
	out->type_name = "nvarchar";
	out->column_size = 255;
	return 0;
}

/* "select=a;filter=x" -> "$select=a&$filter=x" (quotes respected). */
static void idxstr_to_query(const char *idx, struct dv_buf *out)
{
	int quoted = 0, at_start = 1;
	for (; *idx; idx++) {
		if (at_start)
			dv_buf_appendc(out, '$');
		at_start = 0;
		if (*idx == '\'')
			quoted = !quoted;
		if (!quoted && *idx == ';') {
			dv_buf_appendc(out, '&');
			at_start = 1;
			continue;
		}
		dv_buf_appendc(out, *idx);
	}
}

#define EXPLAIN_MAX_CURSORS 64

/* One request: "GET <base><set>?$select=...&$filter=..." ("?N" = a value
 * from a parameter or the outer row of a join).  A LIMIT's first rows
 * (plan.c "first=N") are two lines: "$top=N", then the request without it
 * that is sent only when SQLite wants more rows. */
static void explain_request(struct dv_engine *eng, const struct dv_entity *e, const char *idx,
			    struct dv_buf *out)
{
	const char *first = strstr(idx, ";first=");
	const char *rows = strstr(idx, ";rows="), *least = strstr(idx, ";least=");
	if (out->len)
		dv_buf_appendc(out, '\n');
	/* a function table's plan is empty: its request has no query options */
	dv_buf_appendf(out, "GET %s%s%s", eng->api_base, e ? e->entity_set : "?", *idx ? "?" : "");
	if (rows || least) {       /* a row budget (plan.c): not a query option */
		const char *cut = rows && (!least || rows < least) ? rows : least;
		char *head = dv_strndup(idx, (size_t)(cut - idx));
		if (!head)
			return;
		idxstr_to_query(head, out);
		free(head);
		if (rows)
			dv_buf_appendf(out, " (the first %ld rows: no more are read)", atol(rows + 6));
		if (least)
			dv_buf_appendf(out, " (at least %ld rows: no page read ahead past them)",
				       atol(least + 7));
		return;
	}
	if (!first) {
		idxstr_to_query(idx, out);
		return;
	}
	{
		char *head = dv_strndup(idx, (size_t)(first - idx));
		if (!head)
			return;
		idxstr_to_query(head, out);
		dv_buf_appendf(out, "&$top=%s\nGET %s%s?", first + 7, eng->api_base,
			       e ? e->entity_set : "?");
		idxstr_to_query(head, out);
		dv_buf_appends(out, " (only when more rows are needed)");
		free(head);
	}
}

/* How a scan's xFilter is called (vtab.c; engine_int.h, KEY BATCHES). */
enum scan_drive {
	DRIVE_ONCE,        /* its argv values are parameters or constants */
	DRIVE_KEYS,        /* once per outer row, read by batches of the outer keys */
	DRIVE_ROWS,        /* once per outer row: a request for each of the first
			    * KEYS_BY_REQUEST, then read once and kept */
	DRIVE_MAYBE_KEYS   /* DRIVE_ROWS, or DRIVE_KEYS when a row being read holds
			    * the key: only the run time knows */
};

/* One instruction of the EXPLAIN program. */
struct xop {
	char op[16];
	int p1, p2, p3;
};

struct xprog {
	struct xop *ops;
	int n, halt;                 /* halt: the Halt that ends the main program */
	const void *cursors[EXPLAIN_MAX_CURSORS];   /* cursor -> sqlite3_vtab */
};

static int op_is(const struct xop *o, const char *const *names)
{
	for (; *names; names++)
		if (strcmp(o->op, *names) == 0)
			return 1;
	return 0;
}

static const char *const FIXED_OPS[] = {"Integer", "Int64", "Real", "String8", "String",
	"Variable", "Blob", "VInitIn", "Null", NULL};
static const char *const COPY_OPS[] = {"Copy", "SCopy", "IntCopy", "Move", NULL};
static const char *const P2_OPS[] = {"Rowid", "NewRowid", "Sequence", "Count", "Not",
	"BitNot", NULL};
static const char *const P3_OPS[] = {"VColumn", "Column", "Function", "PureFunc", "Add",
	"Subtract", "Multiply", "Divide", "Remainder", "Concat", "BitAnd", "BitOr",
	"ShiftLeft", "ShiftRight", "And", "Or", "MakeRecord", "AggValue", NULL};

/* Does o write register r? */
static int op_writes(const struct xop *o, int r)
{
	int first = o->p2, n = 1;
	if (strcmp(o->op, "Null") == 0 && o->p3 > o->p2)
		n = o->p3 - o->p2 + 1;
	else if (strcmp(o->op, "Copy") == 0)
		n = o->p3 + 1;
	else if (strcmp(o->op, "Move") == 0)
		n = o->p3;
	else if (op_is(o, P3_OPS))
		first = o->p3;
	else if (!op_is(o, FIXED_OPS) && !op_is(o, COPY_OPS) && !op_is(o, P2_OPS))
		return 0;
	return r >= first && r < first + n;
}

enum reg_src { SRC_FIXED, SRC_KEY, SRC_ROW };

/* Where register r's value at instruction i comes from: a parameter or a
 * constant, a dataverse table's GUID column other than cursor self's (a
 * key source, vtab_key_source), or anything else of the outer rows. */
static enum reg_src reg_source(struct dv_engine *eng, const struct xprog *x, int i, int r,
			       int self)
{
	int j, hops = 0;
	for (j = i - 1; j >= 0; j--) {
		const struct xop *o = &x->ops[j];
		if (!op_writes(o, r))
			continue;
		if (op_is(o, COPY_OPS)) {
			if (++hops > 16)
				return SRC_ROW;
			r = o->p1 + (r - o->p2);
			continue;
		}
		if (strcmp(o->op, "VColumn") == 0)
			return o->p1 != self && o->p1 >= 0 && o->p1 < EXPLAIN_MAX_CURSORS &&
			       x->cursors[o->p1] && vtab_key_source(eng, x->cursors[o->p1], o->p2)
			       ? SRC_KEY : SRC_ROW;
		return op_is(o, FIXED_OPS) ? SRC_FIXED : SRC_ROW;
	}
	/* set once where the program ends: a constant or a parameter */
	for (j = x->halt + 1; x->halt > i && j < x->n; j++)
		if (op_writes(&x->ops[j], r))
			return op_is(&x->ops[j], FIXED_OPS) ? SRC_FIXED : SRC_ROW;
	return SRC_ROW;
}

/* The drive of the VFilter at instruction i (P3: idxNum, then argc, then
 * argv) of plan idx; writes: the statement writes (no key batches then). */
static enum scan_drive scan_drive(struct dv_engine *eng, const struct xprog *x, int i,
				  const struct dv_entity *e, const char *idx, int writes)
{
	const struct xop *f = &x->ops[i];
	int argc = 0, k, j, key = 0, rowdep = 0;
	size_t col;
	for (j = i - 1; j >= 0; j--)
		if (op_writes(&x->ops[j], f->p3 + 1)) {
			if (strcmp(x->ops[j].op, "Integer") == 0)
				argc = x->ops[j].p1;
			break;
		}
	for (k = 1; k <= argc && !rowdep; k++)
		rowdep = reg_source(eng, x, i, f->p3 + 1 + k, f->p1) != SRC_FIXED;
	if (!rowdep)
		return DRIVE_ONCE;
	if (writes || !e || !plan_key_batches(e, idx, &col, &key) || key > argc)
		return DRIVE_ROWS;
	switch (reg_source(eng, x, i, f->p3 + 1 + key, f->p1)) {
	case SRC_KEY: return DRIVE_KEYS;
	case SRC_ROW: return DRIVE_MAYBE_KEYS;
	default: return DRIVE_ROWS;  /* the key is a parameter, other values vary */
	}
}

/* One scan as it is driven: a plan read once per outer row shows the
 * requests vtab.c sends for it (engine_int.h, KEY BATCHES). */
static void explain_scan(struct dv_engine *eng, const struct dv_entity *e, const char *idx,
			 enum scan_drive drive, struct dv_buf *out)
{
	size_t per = 0;
	int in_batches = -1;
	char *alt = drive == DRIVE_KEYS && e ? plan_unkeyed(eng->api_base, e, idx, 1, &per) : NULL;
	if (alt) {
		size_t next = KEYS_FIRST_CHUNK < per ? per : per * KEYS_CHUNK_REQUESTS;
		explain_request(eng, e, alt, out);
		dv_buf_appendf(out, " (by batches of the outer rows' keys, each key once, at most %zu "
			       "a request: %d keys first", per, KEYS_FIRST_CHUNK);
		if (next != per * KEYS_CHUNK_REQUESTS)
			dv_buf_appendf(out, ", then %zu", next);
		dv_buf_appendf(out, ", then %zu at a time)", per * KEYS_CHUNK_REQUESTS);
		free(alt);
		return;
	}
	alt = e ? plan_explain_in(e, idx, &in_batches) : NULL;
	explain_request(eng, e, alt ? alt : idx, out);
	free(alt);
	if (in_batches >= 0)
		dv_buf_appendf(out, in_batches ? " (an IN list of more than %d values: a request "
			       "for each %d)" : " (an IN list of more than %d values: sent without "
			       "it, SQLite checks it)", PLAN_IN_MAX, PLAN_IN_MAX);
	if (drive == DRIVE_ONCE || !e)
		return;
	dv_buf_appendf(out, " (for each of the first %d outer rows%s)", KEYS_BY_REQUEST,
		       drive == DRIVE_MAYBE_KEYS ? "; by batches of the outer rows' keys instead "
		       "if a row being read holds the key, known only at run time" : "");
	alt = plan_unkeyed(eng->api_base, e, idx, 0, NULL);
	if (alt) {
		explain_request(eng, e, alt, out);
		dv_buf_appendf(out, " (once, from outer row %d on: its rows kept and matched to each "
			       "outer row)", KEYS_BY_REQUEST + 1);
		free(alt);
	}
}

/* EXPLAIN's bytecode names every scan: VOpen (P1 cursor, P4 "vtab:<pointer>")
 * then VFilter (P1 cursor, P3 its registers, P4 idxStr); the registers say
 * whether it runs once or per outer row, and with whose keys. */
static void explain_program(struct dv_engine *eng, sqlite3_stmt *stmt, int writes,
			    struct dv_buf *out)
{
	struct xprog x;
	char **p4s = NULL;
	int cap = 0, i;
	memset(&x, 0, sizeof(x));
	x.halt = -1;
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		const char *op = (const char *)sqlite3_column_text(stmt, 1);
		const char *p4 = (const char *)sqlite3_column_text(stmt, 5);
		struct xop *o;
		void *ptr = NULL;
		if (x.n == cap) {
			int ncap = cap ? cap * 2 : 64;
			struct xop *no = realloc(x.ops, (size_t)ncap * sizeof(*no));
			char **np = no ? realloc(p4s, (size_t)ncap * sizeof(*np)) : NULL;
			if (no)
				x.ops = no;
			if (!np)
				break;
			p4s = np;
			cap = ncap;
		}
		o = &x.ops[x.n];
		dv_strlcpy(o->op, op ? op : "", sizeof(o->op));
		o->p1 = sqlite3_column_int(stmt, 2);
		o->p2 = sqlite3_column_int(stmt, 3);
		o->p3 = sqlite3_column_int(stmt, 4);
		p4s[x.n] = NULL;
		if (strcmp(o->op, "VFilter") == 0 && p4)
			p4s[x.n] = dv_strdup(p4);
		if (strcmp(o->op, "VOpen") == 0 && p4 && o->p1 >= 0 &&
		    o->p1 < EXPLAIN_MAX_CURSORS && sscanf(p4, "vtab:%p", &ptr) == 1)
			x.cursors[o->p1] = ptr;
		if (strcmp(o->op, "Halt") == 0 && x.halt < 0)
			x.halt = x.n;
		x.n++;
	}
	for (i = 0; i < x.n; i++) {
		const struct xop *o = &x.ops[i];
		const struct dv_entity *e;
		if (!p4s[i] || o->p1 < 0 || o->p1 >= EXPLAIN_MAX_CURSORS)
			continue;
		e = x.cursors[o->p1] ? vtab_entity(eng, x.cursors[o->p1]) : NULL;
		explain_scan(eng, e, p4s[i], scan_drive(eng, &x, i, e, p4s[i], writes), out);
	}
	for (i = 0; i < x.n; i++)
		free(p4s[i]);
	free(p4s);
	free(x.ops);
}

/* The $select a statement sent whole as rows will ask for: the idxStr the
 * pushed table's xBestIndex gave (pushdown_vtab.c rows_select: a bare
 * column list, where a per-table plan string says "select=..."), read from
 * the VFilter of the prepared statement's program.  NULL otherwise. */
static char *pushed_select(struct dv_engine *eng, const char *sql)
{
	sqlite3_stmt *stmt, *ex = NULL;
	struct dv_error ignored;
	char *q, *sel = NULL;
	const char *saved_sql;
	if (dv_engine_prepare(eng, sql, &stmt, &ignored) != 0)
		return NULL;
	q = sqlite3_mprintf("EXPLAIN %s", sqlite3_sql(stmt));
	sqlite3_finalize(stmt);
	saved_sql = plan_for(eng, sql);
	if (q && sqlite3_prepare_v2(eng->db, q, -1, &ex, NULL) == SQLITE_OK) {
		while (!sel && sqlite3_step(ex) == SQLITE_ROW) {
			const char *op = (const char *)sqlite3_column_text(ex, 1);
			const char *p4 = (const char *)sqlite3_column_text(ex, 5);
			if (op && strcmp(op, "VFilter") == 0 && p4 && *p4 && !strchr(p4, '='))
				sel = dv_strdup(p4);
		}
	}
	eng->plan_sql = saved_sql;
	sqlite3_finalize(ex);
	sqlite3_free(q);
	return sel;
}

char *dv_engine_explain(struct dv_engine *eng, const char *sql, struct dv_error *err)
{
	sqlite3_stmt *stmt;
	struct dv_buf out;
	enum guard_mode saved;
	char *ex;
	int rc, writes;
	if (check_statement(eng, sql, err) != 0)
		return NULL;
	{
		char *select = pushed_select(eng, sql);
		saved = enter_pushdown(eng);
		/* a statement sent whole: its one request */
		ex = pushdown_explain(eng, sql, select, err);
		guard_restore(eng->guard, saved);
		free(select);
	}
	if (ex)
		return ex;
	if (dv_engine_prepare(eng, sql, &stmt, err) != 0)
		return NULL;
	writes = !sqlite3_stmt_readonly(stmt);
	sqlite3_finalize(stmt);
	{
		char *rewritten = NULL;    /* fetchxml('..') as it was prepared (tvf_fetchxml.c) */
		if (tvf_rewrite(eng, sql, &rewritten, err) != 0)
			return NULL;
		ex = sqlite3_mprintf("EXPLAIN %s", rewritten ? rewritten : sql);
		free(rewritten);
	}
	if (!ex) {
		dv_error_nomem(err);
		return NULL;
	}
	{
		const char *saved_sql = plan_for(eng, sql);
		eng->rowcounts.use = eng->rowcounts.replanned;   /* as it was prepared */
		rc = sqlite3_prepare_v2(eng->db, ex, -1, &stmt, NULL);
		eng->rowcounts.use = 0;
		eng->plan_sql = saved_sql;
	}
	sqlite3_free(ex);
	if (rc != SQLITE_OK) {
		map_prepare_error(eng, rc, err);
		return NULL;
	}
	dv_buf_init(&out, 0);
	explain_program(eng, stmt, writes, &out);
	sqlite3_finalize(stmt);
	return dv_buf_steal(&out);
}

void dv_engine_interrupt(struct dv_engine *eng)
{
	guard_cancel(eng->guard);      /* the progress handler stops local work */
	sqlite3_interrupt(eng->db);
	dv_http_cancel(eng->http);
}
