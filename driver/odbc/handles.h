/* handles.h - the four ODBC handle kinds and the header they share.
 *
 * Owns: struct dv_handle (type tag, magic, mutex, parent, diagnostics list),
 * which starts every env, dbc, stmt and desc, and the layout of each handle
 * kind.  Descriptors are real: a statement embeds its implicit ARD, APD, IRD
 * and IPD and points at the ARD/APD in use (an explicit descriptor may
 * replace them); SQLBindCol and SQLBindParameter are descriptor writes and
 * SQLColAttribute reads the IRD.  Handle functions live in env.c, dbc.c,
 * stmt.c and desc.c; entry points in api_*.c. */
#ifndef DV_ODBC_HANDLES_H
#define DV_ODBC_HANDLES_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <sql.h>
#include <sqlext.h>
#include <sqlite3.h>

#include "odbc/diag.h"
#include "util/buf.h"
#include "util/error.h"

enum dv_htype { DV_H_ENV = 1, DV_H_DBC, DV_H_STMT, DV_H_DESC };

#define DV_HANDLE_MAGIC 0x64766f64u /* "dvod" */

struct dv_handle {
	uint32_t magic;          /* DV_HANDLE_MAGIC while alive */
	enum dv_htype type;
	pthread_mutex_t lock;     /* recursive; see dv_handle_lock */
	struct dv_handle *parent; /* env for a dbc, dbc for a stmt or desc */
	struct dv_diag diag;
};

/* ---- environment ------------------------------------------------------ */

struct dv_env {
	struct dv_handle h;
	SQLINTEGER odbc_version;   /* SQL_OV_ODBC2 / 3 / 3_80 */
	SQLUINTEGER pooling;       /* SQL_ATTR_CONNECTION_POOLING */
	SQLUINTEGER cp_match;      /* SQL_ATTR_CP_MATCH */
	SQLINTEGER output_nts;     /* SQL_TRUE */
	size_t ndbcs;              /* connections allocated on it (under its lock) */
};

/* ---- connection ------------------------------------------------------- */

struct dv_config;
struct dv_log;
struct dv_http;
struct dv_auth;
struct dv_catalog;
struct dv_engine;
struct dv_stmt;

struct dv_dbc {
	struct dv_handle h;
	struct dv_env *env;
	int connected;
	int connecting;            /* inside SQLConnect / SQLDriverConnect */
	char *dsn;                 /* DSN name or "" */
	char *server_name;         /* the URL, for SQL_DIAG_SERVER_NAME / SQL_SERVER_NAME */
	char *user_name;
	char *dbms_ver;            /* "09.02.0000" style */
	char *current_catalog;     /* SQL_ATTR_CURRENT_CATALOG as last set */
	struct dv_config *cfg;
	struct dv_log *log;
	struct dv_http *http;
	struct dv_auth *auth;
	struct dv_catalog *catalog;
	struct dv_engine *engine;
	struct dv_charset *charset; /* ClientCharset of the ANSI functions; NULL = UTF-8 */
	char *api_base;            /* ".../api/data/v9.2/" */
	/* attributes */
	SQLUINTEGER autocommit;
	SQLUINTEGER access_mode;
	SQLUINTEGER login_timeout;
	SQLUINTEGER connection_timeout;
	SQLUINTEGER txn_isolation;
	SQLUINTEGER metadata_id;
	SQLUINTEGER packet_size;
	SQLULEN quiet_mode;
	/* statements and explicit descriptors, for SQLDisconnect / SQLFreeHandle */
	struct dv_stmt **stmts;
	size_t nstmts, capstmts;
	unsigned long stmt_counter; /* for generated cursor names */
};

/* ---- descriptors ------------------------------------------------------ */

enum dv_desc_kind { DV_DESC_ARD, DV_DESC_APD, DV_DESC_IRD, DV_DESC_IPD };

/* One descriptor record (ODBC "descriptor fields"): application fields and
 * implementation fields share the struct; unused ones stay zero. */
struct dv_desc_rec {
	SQLSMALLINT type;
	SQLSMALLINT concise_type;
	SQLSMALLINT datetime_interval_code;
	SQLINTEGER datetime_interval_precision;
	SQLULEN length;
	SQLLEN octet_length;
	SQLSMALLINT precision;
	SQLSMALLINT scale;
	SQLSMALLINT nullable;
	SQLSMALLINT parameter_type;
	SQLSMALLINT unnamed;
	SQLSMALLINT is_unsigned;
	SQLSMALLINT fixed_prec_scale;
	SQLSMALLINT case_sensitive;
	SQLSMALLINT searchable;
	SQLSMALLINT updatable;
	SQLSMALLINT auto_unique_value;
	SQLINTEGER num_prec_radix;
	SQLLEN display_size;
	SQLPOINTER data_ptr;
	SQLLEN *indicator_ptr;
	SQLLEN *octet_length_ptr;
	char *name;
	char *base_column_name;
	char *base_table_name;
	char *table_name;
	char *type_name;
	char *local_type_name;
	char *literal_prefix;
	char *literal_suffix;
	int attr_type;             /* enum dv_attr_type or -1 */
};

struct dv_desc {
	struct dv_handle h;
	enum dv_desc_kind kind;
	struct dv_dbc *dbc;
	struct dv_stmt *stmt;      /* owner of an implicit descriptor, NULL if explicit */
	SQLSMALLINT alloc_type;    /* SQL_DESC_ALLOC_AUTO / SQL_DESC_ALLOC_USER */
	/* header fields */
	SQLULEN array_size;
	SQLUSMALLINT *array_status_ptr;
	SQLLEN *bind_offset_ptr;
	SQLULEN bind_type;         /* SQL_BIND_BY_COLUMN or the row size */
	SQLULEN *rows_processed_ptr;
	SQLSMALLINT count;
	/* records 1..count (recs[0] is the unused bookmark record) */
	struct dv_desc_rec *recs;
	SQLSMALLINT cap;
};

/* ---- statement -------------------------------------------------------- */

struct dv_rowset;
struct dv_scroll;

/* A data-at-execution parameter value (SQLPutData), see dae.c. */
struct dv_dae_val {
	SQLULEN set;                 /* 0-based parameter set */
	int param;                   /* 1-based parameter */
	int is_null;                 /* SQLPutData(SQL_NULL_DATA) */
	int sent;                    /* SQLPutData was called for it */
	struct dv_buf data;          /* the bytes as sent */
};

enum dv_stmt_state {
	DV_ST_ALLOCATED,   /* nothing prepared */
	DV_ST_PREPARED,    /* prepared, no cursor */
	DV_ST_EXECUTED,    /* executed, no result set (or after close) */
	DV_ST_CURSOR       /* a result set is open */
};

struct dv_stmt {
	struct dv_handle h;
	struct dv_dbc *dbc;
	struct dv_desc ard_impl, apd_impl, ird, ipd;
	struct dv_desc *ard, *apd;   /* in use: the implicit ones or explicit ones */
	enum dv_stmt_state state;
	char *cursor_name;
	/* the statement */
	char *sql;                   /* rewritten SQL (SQLite dialect) */
	int kind;                    /* enum sql_kind */
	int nparams;
	int where_param;             /* UPDATE/DELETE: first marker of the WHERE
					(1-based, sqlparse_first_where_marker), or 0 */
	sqlite3_stmt *vm;            /* engine statement, or NULL */
	struct dv_rowset *rowset;    /* catalog result, or NULL */
	/* cursor position */
	int have_row;                /* the VM has stepped onto a row not yet fetched */
	int at_end;
	int row_valid;               /* a current row exists for SQLGetData */
	size_t rs_next;              /* next rowset row */
	size_t rs_cur;               /* current rowset row */
	SQLULEN rows_fetched;        /* rows handed out, for MAX_ROWS and ROW_NUMBER */
	SQLLEN row_count;            /* SQLRowCount */
	/* SQLGetData in parts */
	SQLUSMALLINT gd_col;
	size_t gd_offset;
	int gd_done;
	/* attributes */
	SQLULEN query_timeout;
	SQLULEN max_rows;
	SQLULEN max_length;
	SQLULEN noscan;
	SQLULEN retrieve_data;
	SQLULEN cursor_type;
	SQLULEN concurrency;
	SQLULEN cursor_scrollable;
	SQLULEN cursor_sensitivity;
	SQLULEN keyset_size;
	SQLULEN async_enable;
	SQLULEN use_bookmarks;
	SQLULEN metadata_id;
	SQLULEN simulate_cursor;
	SQLULEN enable_auto_ipd;
	SQLULEN row_number;
	SQLULEN *ext_rows_fetched;   /* SQLExtendedFetch's pcrow while it runs */
	struct dv_scroll *scroll;    /* a static cursor's rows and position (scroll.c) */
	SQLLEN *fetch_bookmark_ptr;  /* SQL_ATTR_FETCH_BOOKMARK_PTR */
	/* ODBC 2 SQLSetStmtOption(SQL_ROWSET_SIZE) is separate from ROW_ARRAY_SIZE */
	SQLULEN rowset_size;
	/* parameter sets of the current execution (exec.c) */
	SQLULEN psets;               /* sets to run */
	SQLULEN pset_next;           /* next set of a SELECT, for SQLMoreResults */
	/* data-at-execution (dae.c): SQLExecute returned SQL_NEED_DATA */
	int need_data;
	struct dv_dae_val *dae;
	size_t ndae;
	size_t dae_cur;              /* 1-based value SQLPutData fills, 0 = none yet */
	_Atomic int cancelled;       /* set by SQLCancel from another thread */
};

/* ---- common ----------------------------------------------------------- */

int dv_handle_init(struct dv_handle *h, enum dv_htype type, struct dv_handle *parent);
void dv_handle_destroy(struct dv_handle *h);
/* Returns h as a live handle of the type, or NULL (SQL_INVALID_HANDLE). */
struct dv_handle *dv_handle_check(SQLHANDLE h, enum dv_htype type);
/* Locks a handle for one entry point.  A statement or descriptor locks its
 * connection first, then itself: everything done on one connection (its
 * CURL handle, catalog loads, SQLite engine, statement list) is serialised
 * across threads, and locks are always taken connection before handle.
 * See handle.c. */
void dv_handle_lock(struct dv_handle *h);
void dv_handle_unlock(struct dv_handle *h);
/* The environment a handle belongs to (for the ODBC version), or NULL. */
struct dv_env *dv_handle_env(struct dv_handle *h);
struct dv_dbc *dv_handle_dbc(struct dv_handle *h);

/* env.c */
SQLRETURN dv_env_alloc(struct dv_env **out);
/* HY010 (and the env kept) while connections are allocated on it. */
SQLRETURN dv_env_free(struct dv_env *env);
SQLRETURN dv_env_set_attr(struct dv_env *env, SQLINTEGER attr, SQLPOINTER value,
			  SQLINTEGER len);
SQLRETURN dv_env_get_attr(struct dv_env *env, SQLINTEGER attr, SQLPOINTER value,
			  SQLINTEGER buflen, SQLINTEGER *outlen);

/* dbc.c */
/* Called with the environment locked (it counts its connections). */
SQLRETURN dv_dbc_alloc(struct dv_env *env, struct dv_dbc **out);
/* Frees a closed connection; locks its environment to uncount it. */
SQLRETURN dv_dbc_free(struct dv_dbc *dbc);
int dv_dbc_add_stmt(struct dv_dbc *dbc, struct dv_stmt *stmt);
void dv_dbc_remove_stmt(struct dv_dbc *dbc, struct dv_stmt *stmt);
int dv_dbc_odbc2(const struct dv_dbc *dbc);

/* stmt.c */
SQLRETURN dv_stmt_alloc(struct dv_dbc *dbc, struct dv_stmt **out);
SQLRETURN dv_stmt_free(struct dv_stmt *stmt);
/* Closes the cursor and forgets the result (keeps the prepared statement). */
void dv_stmt_close_cursor(struct dv_stmt *stmt);
/* Forgets the prepared statement as well. */
void dv_stmt_unprepare(struct dv_stmt *stmt);

/* desc.c */
void dv_desc_init(struct dv_desc *d, enum dv_desc_kind kind, struct dv_dbc *dbc,
		  struct dv_stmt *stmt);
void dv_desc_clear_records(struct dv_desc *d);
void dv_desc_destroy(struct dv_desc *d);
/* Makes record n (1-based) exist; count grows to n. -1 on no memory. */
int dv_desc_ensure(struct dv_desc *d, SQLSMALLINT n);
/* Drops trailing records with no bound data pointer (SQLBindCol(NULL)). */
void dv_desc_trim(struct dv_desc *d);
void dv_desc_rec_reset(struct dv_desc_rec *r, enum dv_desc_kind kind);
void dv_desc_rec_free(struct dv_desc_rec *r);
SQLRETURN dv_desc_alloc_explicit(struct dv_dbc *dbc, struct dv_desc **out);
SQLRETURN dv_desc_free_explicit(struct dv_desc *d);

#endif
