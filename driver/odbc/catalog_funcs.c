/* catalog_funcs.c - SQLTables, SQLColumns and the other catalog functions.
 *
 * Owns: building the catalog result sets (in-memory rowsets that fetch like
 * query results) from driver/catalog: SQLTables (every entity is a TABLE,
 * intersect entities too; REMARKS is the display name), SQLColumns (all 18
 * columns; REMARKS is the display name), SQLPrimaryKeys, SQLForeignKeys
 * (many-to-one relationships), SQLStatistics (the primary key as a unique
 * index), SQLSpecialColumns (the primary key as SQL_BEST_ROWID),
 * SQLProcedures / SQLProcedureColumns (the CSDL's functions and actions, with
 * call.c's parameters and result columns), and empty result sets with the
 * right columns for privileges.
 *
 * Catalogs and schemas: the driver has neither (SQL_CATALOG_NAME "N",
 * SQL_SCHEMA_USAGE 0), so TABLE_CAT and TABLE_SCHEM are NULL, and the
 * SQL_ALL_CATALOGS / SQL_ALL_SCHEMAS enumerations are empty.  An ODBC 2
 * environment sees the ODBC 2 column names (TABLE_QUALIFIER, TABLE_OWNER,
 * PRECISION, LENGTH, SCALE, RADIX...).
 * Source: https://learn.microsoft.com/sql/odbc/reference/syntax/sqltables-function
 *         https://learn.microsoft.com/sql/odbc/reference/syntax/sqlcolumns-function */
#include "odbc/catalog_funcs.h"
#include "odbc/dbc.h"
#include "odbc/stmt.h"
#include "odbc/types.h"
#include "catalog/catalog.h"
#include "catalog/catalog_procs.h"
#include "odbc/call.h"
#include "http/http.h"
#include "util/buf.h"
#include "util/strutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_LEN 128
#define C(name, type, size, nullable) {name, type, size, nullable}
#define VC(name) C(name, SQL_VARCHAR, NAME_LEN, SQL_NULLABLE)
#define VCN(name) C(name, SQL_VARCHAR, NAME_LEN, SQL_NO_NULLS)
#define SI(name) C(name, SQL_SMALLINT, 5, SQL_NULLABLE)
#define SIN(name) C(name, SQL_SMALLINT, 5, SQL_NO_NULLS)
#define IN(name) C(name, SQL_INTEGER, 10, SQL_NULLABLE)
#define INN(name) C(name, SQL_INTEGER, 10, SQL_NO_NULLS)
#define NCOLS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const struct dv_rs_col tables3[] = {
	VC("TABLE_CAT"), VC("TABLE_SCHEM"), VCN("TABLE_NAME"), VCN("TABLE_TYPE"), VC("REMARKS")};
static const struct dv_rs_col tables2[] = {
	VC("TABLE_QUALIFIER"), VC("TABLE_OWNER"), VCN("TABLE_NAME"), VCN("TABLE_TYPE"),
	VC("REMARKS")};

static const struct dv_rs_col columns3[] = {
	VC("TABLE_CAT"), VC("TABLE_SCHEM"), VCN("TABLE_NAME"), VCN("COLUMN_NAME"),
	SIN("DATA_TYPE"), VCN("TYPE_NAME"), IN("COLUMN_SIZE"), IN("BUFFER_LENGTH"),
	SI("DECIMAL_DIGITS"), SI("NUM_PREC_RADIX"), SIN("NULLABLE"), VC("REMARKS"),
	VC("COLUMN_DEF"), SIN("SQL_DATA_TYPE"), SI("SQL_DATETIME_SUB"),
	IN("CHAR_OCTET_LENGTH"), INN("ORDINAL_POSITION"), VC("IS_NULLABLE")};
static const struct dv_rs_col columns2[] = {
	VC("TABLE_QUALIFIER"), VC("TABLE_OWNER"), VCN("TABLE_NAME"), VCN("COLUMN_NAME"),
	SIN("DATA_TYPE"), VCN("TYPE_NAME"), IN("PRECISION"), IN("LENGTH"), SI("SCALE"),
	SI("RADIX"), SIN("NULLABLE"), VC("REMARKS"), VC("COLUMN_DEF"), SIN("SQL_DATA_TYPE"),
	SI("SQL_DATETIME_SUB"), IN("CHAR_OCTET_LENGTH"), INN("ORDINAL_POSITION"),
	VC("IS_NULLABLE")};

static const struct dv_rs_col pkeys3[] = {
	VC("TABLE_CAT"), VC("TABLE_SCHEM"), VCN("TABLE_NAME"), VCN("COLUMN_NAME"),
	SIN("KEY_SEQ"), VC("PK_NAME")};
static const struct dv_rs_col pkeys2[] = {
	VC("TABLE_QUALIFIER"), VC("TABLE_OWNER"), VCN("TABLE_NAME"), VCN("COLUMN_NAME"),
	SIN("KEY_SEQ"), VC("PK_NAME")};

static const struct dv_rs_col fkeys3[] = {
	VC("PKTABLE_CAT"), VC("PKTABLE_SCHEM"), VCN("PKTABLE_NAME"), VCN("PKCOLUMN_NAME"),
	VC("FKTABLE_CAT"), VC("FKTABLE_SCHEM"), VCN("FKTABLE_NAME"), VCN("FKCOLUMN_NAME"),
	SIN("KEY_SEQ"), SI("UPDATE_RULE"), SI("DELETE_RULE"), VC("FK_NAME"), VC("PK_NAME"),
	SI("DEFERRABILITY")};
static const struct dv_rs_col fkeys2[] = {
	VC("PKTABLE_QUALIFIER"), VC("PKTABLE_OWNER"), VCN("PKTABLE_NAME"),
	VCN("PKCOLUMN_NAME"), VC("FKTABLE_QUALIFIER"), VC("FKTABLE_OWNER"),
	VCN("FKTABLE_NAME"), VCN("FKCOLUMN_NAME"), SIN("KEY_SEQ"), SI("UPDATE_RULE"),
	SI("DELETE_RULE"), VC("FK_NAME"), VC("PK_NAME"), SI("DEFERRABILITY")};

static const struct dv_rs_col stats3[] = {
	VC("TABLE_CAT"), VC("TABLE_SCHEM"), VCN("TABLE_NAME"), SI("NON_UNIQUE"),
	VC("INDEX_QUALIFIER"), VC("INDEX_NAME"), SIN("TYPE"), SI("ORDINAL_POSITION"),
	VC("COLUMN_NAME"), C("ASC_OR_DESC", SQL_CHAR, 1, SQL_NULLABLE), IN("CARDINALITY"),
	IN("PAGES"), VC("FILTER_CONDITION")};
static const struct dv_rs_col stats2[] = {
	VC("TABLE_QUALIFIER"), VC("TABLE_OWNER"), VCN("TABLE_NAME"), SI("NON_UNIQUE"),
	VC("INDEX_QUALIFIER"), VC("INDEX_NAME"), SIN("TYPE"), SI("SEQ_IN_INDEX"),
	VC("COLUMN_NAME"), C("COLLATION", SQL_CHAR, 1, SQL_NULLABLE), IN("CARDINALITY"),
	IN("PAGES"), VC("FILTER_CONDITION")};

static const struct dv_rs_col special3[] = {
	SI("SCOPE"), VCN("COLUMN_NAME"), SIN("DATA_TYPE"), VCN("TYPE_NAME"),
	IN("COLUMN_SIZE"), IN("BUFFER_LENGTH"), SI("DECIMAL_DIGITS"), SI("PSEUDO_COLUMN")};
static const struct dv_rs_col special2[] = {
	SI("SCOPE"), VCN("COLUMN_NAME"), SIN("DATA_TYPE"), VCN("TYPE_NAME"), IN("PRECISION"),
	IN("LENGTH"), SI("SCALE"), SI("PSEUDO_COLUMN")};

static const struct dv_rs_col colprivs[] = {
	VC("TABLE_CAT"), VC("TABLE_SCHEM"), VCN("TABLE_NAME"), VCN("COLUMN_NAME"),
	VC("GRANTOR"), VCN("GRANTEE"), VCN("PRIVILEGE"), VC("IS_GRANTABLE")};
static const struct dv_rs_col tabprivs[] = {
	VC("TABLE_CAT"), VC("TABLE_SCHEM"), VCN("TABLE_NAME"), VC("GRANTOR"), VCN("GRANTEE"),
	VCN("PRIVILEGE"), VC("IS_GRANTABLE")};
static const struct dv_rs_col procs[] = {
	VC("PROCEDURE_CAT"), VC("PROCEDURE_SCHEM"), VCN("PROCEDURE_NAME"),
	IN("NUM_INPUT_PARAMS"), IN("NUM_OUTPUT_PARAMS"), IN("NUM_RESULT_SETS"), VC("REMARKS"),
	SI("PROCEDURE_TYPE")};
static const struct dv_rs_col proccols[] = {
	VC("PROCEDURE_CAT"), VC("PROCEDURE_SCHEM"), VCN("PROCEDURE_NAME"), VCN("COLUMN_NAME"),
	SIN("COLUMN_TYPE"), SIN("DATA_TYPE"), VCN("TYPE_NAME"), IN("COLUMN_SIZE"),
	IN("BUFFER_LENGTH"), SI("DECIMAL_DIGITS"), SI("NUM_PREC_RADIX"), SIN("NULLABLE"),
	VC("REMARKS"), VC("COLUMN_DEF"), SIN("SQL_DATA_TYPE"), SI("SQL_DATETIME_SUB"),
	IN("CHAR_OCTET_LENGTH"), INN("ORDINAL_POSITION"), VC("IS_NULLABLE")};

/* ---- patterns ------------------------------------------------------------- */

/* LIKE-style search pattern: % any run, _ one character, \ escapes.
 * Identifiers compare case-insensitively (SQL_IDENTIFIER_CASE is MIXED).
 * https://learn.microsoft.com/sql/odbc/reference/develop-app/pattern-value-arguments */
int dv_pattern_match(const char *pat, const char *s)
{
	while (*pat) {
		if (*pat == '%') {
			while (*pat == '%')
				pat++;
			if (!*pat)
				return 1;
			for (const char *t = s; *t; t++)
				if (dv_pattern_match(pat, t))
					return 1;
			return dv_pattern_match(pat, "");
		}
		if (!*s)
			return 0;
		if (*pat == '_') {
			pat++;
			s++;
			continue;
		}
		if (*pat == '\\' && pat[1])
			pat++;
		if (tolower((unsigned char)*pat) != tolower((unsigned char)*s))
			return 0;
		pat++;
		s++;
	}
	return *s == '\0';
}

/* Identifier argument (SQL_ATTR_METADATA_ID true, or a non-pattern argument):
 * exact, case-insensitive, surrounding quotes removed. */
static int ident_match(const char *arg, const char *s)
{
	size_t n = strlen(arg);
	if (n >= 2 && arg[0] == '"' && arg[n - 1] == '"')
		return strlen(s) == n - 2 && dv_strncasecmp(arg + 1, s, n - 2) == 0;
	return dv_strcasecmp(arg, s) == 0;
}

static int name_matches(struct dv_stmt *s, const char *arg, const char *name, int pattern)
{
	if (!arg)
		return 1;
	if (pattern && s->metadata_id != SQL_TRUE)
		return dv_pattern_match(arg, name);
	return ident_match(arg, name);
}

/* A catalog or schema argument other than NULL, "" or "%" names something
 * the driver does not have. */
static int names_nothing(const char *arg)
{
	return arg && *arg && strcmp(arg, "%") != 0;
}

/* TABLE_TYPE list "TABLE,'VIEW'"; NULL, "" or "%" means all. */
static int type_wanted(const char *types, const char *type)
{
	if (!types || !*types || strcmp(types, "%") == 0)
		return 1;
	const char *p = types;
	while (*p) {
		while (*p == ' ' || *p == ',' || *p == '\'')
			p++;
		const char *start = p;
		while (*p && *p != ',' && *p != '\'')
			p++;
		size_t len = (size_t)(p - start);
		while (len > 0 && start[len - 1] == ' ')
			len--;
		if (len == strlen(type) && dv_strncasecmp(start, type, len) == 0)
			return 1;
	}
	return 0;
}

/* ---- helpers -------------------------------------------------------------- */

static SQLRETURN fail_nomem(struct dv_stmt *s, struct dv_rowset *rs)
{
	dv_rowset_free(rs);
	return dv_diag_error(&s->h.diag, DV_S_HY001, NULL);
}

static SQLRETURN fail_err(struct dv_stmt *s, struct dv_rowset *rs, struct dv_error *err)
{
	dv_rowset_free(rs);
	dv_diag_add_error(&s->h.diag, err);
	return SQL_ERROR;
}

static SQLRETURN start(struct dv_stmt *s)
{
	if (!s->dbc->connected || !s->dbc->catalog)
		return dv_diag_error(&s->h.diag, DV_S_08003, NULL);
	if (s->state == DV_ST_CURSOR)
		return dv_diag_error(&s->h.diag, DV_S_24000, "a cursor is open");
	s->cancelled = 0;
	dv_http_reset_cancel(s->dbc->http);
	return SQL_SUCCESS;
}

static int cmp_entity(const void *a, const void *b)
{
	const struct dv_entity *x = *(const struct dv_entity *const *)a;
	const struct dv_entity *y = *(const struct dv_entity *const *)b;
	return strcmp(x->logical_name, y->logical_name);
}

/* Entities whose name matches, sorted by name (caller frees *out). */
static int matching_entities(struct dv_stmt *s, const char *table, int pattern,
			     const struct dv_entity ***out, size_t *n, struct dv_error *err)
{
	const struct dv_entity *const *list;
	size_t total;
	*out = NULL;
	*n = 0;
	if (dv_catalog_entities(s->dbc->catalog, &list, &total, err) != 0)
		return -1;
	const struct dv_entity **sel = calloc(total + 1, sizeof(*sel));
	if (!sel)
		return dv_error_nomem(err);
	for (size_t i = 0; i < total; i++)
		if (name_matches(s, table, list[i]->logical_name, pattern))
			sel[(*n)++] = list[i];
	qsort(sel, *n, sizeof(*sel), cmp_entity);
	*out = sel;
	return 0;
}

/* Columns of many tables in a few batched metadata requests (catalog.c), not
 * one request per table. */
static int load_all_columns(struct dv_stmt *s, const struct dv_entity **sel, size_t n,
			    struct dv_error *err)
{
	const char **names = calloc(n + 1, sizeof(*names));
	if (!names)
		return dv_error_nomem(err);
	for (size_t i = 0; i < n; i++)
		names[i] = sel[i]->logical_name;
	int rc = dv_catalog_load_columns(s->dbc->catalog, names, n, err);
	free(names);
	return rc;
}

/* ---- SQLTables ------------------------------------------------------------ */

SQLRETURN dv_cat_tables(struct dv_stmt *s, const char *cat, const char *schem,
			const char *table, const char *types)
{
	SQLRETURN rc = start(s);
	if (rc != SQL_SUCCESS)
		return rc;
	int odbc2 = dv_stmt_odbc2(s);
	struct dv_rowset *rs = dv_rowset_new(odbc2 ? tables2 : tables3, 5);
	if (!rs)
		return fail_nomem(s, NULL);
	int blank_cat = cat && !*cat;
	int blank_sch = schem && !*schem, blank_tab = table && !*table;
	/* Enumerations: https://learn.microsoft.com/sql/odbc/reference/syntax/sqltables-function#comments */
	if (cat && strcmp(cat, SQL_ALL_CATALOGS) == 0 && blank_sch && blank_tab)
		return dv_stmt_set_rowset(s, rs);
	if (schem && strcmp(schem, SQL_ALL_SCHEMAS) == 0 && blank_cat && blank_tab)
		return dv_stmt_set_rowset(s, rs);
	if (types && strcmp(types, SQL_ALL_TABLE_TYPES) == 0 && blank_cat && blank_sch &&
	    blank_tab) {
		if (dv_rowset_add_row(rs) != 0 || dv_rowset_set_text(rs, 3, "TABLE") != 0)
			return fail_nomem(s, rs);
		return dv_stmt_set_rowset(s, rs);
	}
	if (names_nothing(cat) || names_nothing(schem) || !type_wanted(types, "TABLE"))
		return dv_stmt_set_rowset(s, rs);
	struct dv_error err;
	const struct dv_entity **sel;
	size_t n;
	dv_error_clear(&err);
	if (matching_entities(s, table, 1, &sel, &n, &err) != 0)
		return fail_err(s, rs, &err);
	for (size_t i = 0; i < n; i++) {
		const struct dv_entity *e = sel[i];
		const char *remarks = e->display_name && *e->display_name ? e->display_name : NULL;
		if (dv_rowset_add_row(rs) != 0 || dv_rowset_set_text(rs, 2, e->logical_name) ||
		    dv_rowset_set_text(rs, 3, "TABLE") || dv_rowset_set_text(rs, 4, remarks)) {
			free(sel);
			return fail_nomem(s, rs);
		}
	}
	free(sel);
	return dv_stmt_set_rowset(s, rs);
}

/* ---- SQLColumns ----------------------------------------------------------- */

static void set_opt_int(struct dv_rowset *rs, int col, int has, int64_t v)
{
	if (has)
		dv_rowset_set_int(rs, col, v);
	else
		dv_rowset_set_null(rs, col);
}

/* Column size as SQLColumns reports it. */
static SQLLEN col_size(const struct dv_column *c)
{
	if (dv_type_is_char(c->sql_type) || dv_type_is_numeric(c->sql_type) ||
	    c->sql_type == SQL_LONGVARBINARY)
		return c->column_size;
	return dv_type_display_size(c->sql_type, (SQLULEN)c->column_size, c->decimal_digits);
}

/* What SQLColumns and SQLProcedureColumns say alike of a column, from
 * DATA_TYPE to IS_NULLABLE (SQLColumns' columns 5..18, SQLProcedureColumns'
 * 6..19 after its COLUMN_TYPE).  The caller works out the size, octets and
 * digits of its kind of column; the rules on them here are ODBC's. */
struct type_cols {
	SQLSMALLINT type;        /* the ODBC 3 SQL type */
	const char *type_name;
	SQLLEN size, octets;     /* COLUMN_SIZE, BUFFER_LENGTH */
	SQLSMALLINT digits;      /* DECIMAL_DIGITS of a numeric type */
	int chars;               /* CHAR_OCTET_LENGTH applies: the octets */
	SQLSMALLINT nullable;    /* SQL_NO_NULLS, SQL_NULLABLE or unknown */
	const char *remarks;     /* or NULL */
	int ordinal;
};

/* Sets d in the last row of rs, DATA_TYPE at column first (0-based);
 * COLUMN_DEF stays NULL.  0 or -1 (no memory). */
static int set_type_cols(struct dv_rowset *rs, int first, const struct type_cols *d, int odbc2)
{
	SQLSMALLINT t = d->type;
	int numeric = dv_type_is_numeric(t);
	if (dv_rowset_set_text(rs, first + 1, d->type_name) ||
	    dv_rowset_set_text(rs, first + 7, d->remarks) ||
	    dv_rowset_set_text(rs, first + 13, d->nullable == SQL_NO_NULLS ? "NO"
					       : d->nullable == SQL_NULLABLE ? "YES" : ""))
		return -1;
	dv_rowset_set_int(rs, first, odbc2 ? dv_sql_type_odbc2(t) : t);
	dv_rowset_set_int(rs, first + 2, d->size);
	dv_rowset_set_int(rs, first + 3, d->octets);
	set_opt_int(rs, first + 4, numeric || dv_datetime_code(t) == SQL_CODE_TIMESTAMP,
		    numeric ? d->digits : 0);
	set_opt_int(rs, first + 5, numeric, 10);
	dv_rowset_set_int(rs, first + 6, d->nullable);
	dv_rowset_set_int(rs, first + 9, odbc2 ? dv_sql_type_odbc2(t) : dv_verbose_type(t));
	set_opt_int(rs, first + 10, dv_datetime_code(t) != 0, dv_datetime_code(t));
	set_opt_int(rs, first + 11, d->chars, d->octets);
	dv_rowset_set_int(rs, first + 12, d->ordinal);
	return 0;
}

static int add_column_row(struct dv_rowset *rs, const struct dv_entity *e,
			  const struct dv_column *c, int ordinal, int odbc2)
{
	SQLSMALLINT t = c->sql_type;
	struct type_cols d = {
		.type = t,
		.type_name = c->type_name ? c->type_name : dv_type_default_name(t),
		.size = col_size(c),
		.octets = dv_type_octet_length(t, (SQLULEN)c->column_size, c->decimal_digits),
		.digits = c->decimal_digits,
		.chars = dv_type_is_char(t) || t == SQL_LONGVARBINARY,
		.nullable = c->nullable,
		.remarks = c->display_name && *c->display_name ? c->display_name : NULL,
		.ordinal = ordinal,
	};
	if (dv_rowset_add_row(rs) != 0 || dv_rowset_set_text(rs, 2, e->logical_name) ||
	    dv_rowset_set_text(rs, 3, c->name))
		return -1;
	return set_type_cols(rs, 4, &d, odbc2);
}

SQLRETURN dv_cat_columns(struct dv_stmt *s, const char *cat, const char *schem,
			 const char *table, const char *column)
{
	SQLRETURN rc = start(s);
	if (rc != SQL_SUCCESS)
		return rc;
	int odbc2 = dv_stmt_odbc2(s);
	struct dv_rowset *rs = dv_rowset_new(odbc2 ? columns2 : columns3, NCOLS(columns3));
	if (!rs)
		return fail_nomem(s, NULL);
	if (names_nothing(cat) || names_nothing(schem))
		return dv_stmt_set_rowset(s, rs);
	struct dv_error err;
	const struct dv_entity **sel;
	size_t n;
	dv_error_clear(&err);
	if (matching_entities(s, table, 1, &sel, &n, &err) != 0)
		return fail_err(s, rs, &err);
	if (load_all_columns(s, sel, n, &err) != 0) {
		free(sel);
		return fail_err(s, rs, &err);
	}
	for (size_t i = 0; i < n; i++) {
		const struct dv_entity *e;
		if (dv_catalog_entity(s->dbc->catalog, sel[i]->logical_name, &e, &err) != 0) {
			free(sel);
			return fail_err(s, rs, &err);
		}
		for (size_t k = 0; k < e->ncolumns; k++) {
			const struct dv_column *c = &e->columns[k];
			if (!name_matches(s, column, c->name, 1))
				continue;
			int ordinal = c->ordinal > 0 ? c->ordinal : (int)k + 1;
			if (add_column_row(rs, e, c, ordinal, odbc2) != 0) {
				free(sel);
				return fail_nomem(s, rs);
			}
		}
	}
	free(sel);
	return dv_stmt_set_rowset(s, rs);
}

/* ---- keys ----------------------------------------------------------------- */

/* The entity named by a non-pattern table argument, or NULL (no rows). */
static int one_entity(struct dv_stmt *s, const char *table, const struct dv_entity **out,
		      struct dv_error *err)
{
	*out = NULL;
	if (!table || !*table)
		return 0;
	const struct dv_entity **sel;
	size_t n;
	if (matching_entities(s, table, 0, &sel, &n, err) != 0)
		return -1;
	const char *name = n > 0 ? sel[0]->logical_name : NULL;
	int rc = 0;
	if (name)
		rc = load_all_columns(s, sel, 1, err); /* a walk over tables is batched */
	if (name && rc == 0)
		rc = dv_catalog_entity(s->dbc->catalog, name, out, err);
	free(sel);
	return rc;
}

static const struct dv_column *primary_column(const struct dv_entity *e)
{
	for (size_t k = 0; k < e->ncolumns; k++)
		if (e->columns[k].is_primary_id && e->columns[k].role == DV_COL_VALUE)
			return &e->columns[k];
	if (e->primary_id)
		return dv_entity_column(e, e->primary_id);
	return NULL;
}

static char *pk_name(const struct dv_entity *e)
{
	struct dv_buf b;
	dv_buf_init(&b, 0);
	dv_buf_appendf(&b, "PK_%s", e->logical_name);
	return dv_buf_steal(&b);
}

SQLRETURN dv_cat_primary_keys(struct dv_stmt *s, const char *cat, const char *schem,
			      const char *table)
{
	SQLRETURN rc = start(s);
	if (rc != SQL_SUCCESS)
		return rc;
	if (!table)
		return dv_diag_error(&s->h.diag, DV_S_HY009, "the table name is NULL");
	struct dv_rowset *rs = dv_rowset_new(dv_stmt_odbc2(s) ? pkeys2 : pkeys3, 6);
	if (!rs)
		return fail_nomem(s, NULL);
	if (names_nothing(cat) || names_nothing(schem))
		return dv_stmt_set_rowset(s, rs);
	struct dv_error err;
	const struct dv_entity *e;
	dv_error_clear(&err);
	if (one_entity(s, table, &e, &err) != 0)
		return fail_err(s, rs, &err);
	const struct dv_column *pk = e ? primary_column(e) : NULL;
	if (pk) {
		char *name = pk_name(e);
		if (!name || dv_rowset_add_row(rs) != 0 ||
		    dv_rowset_set_text(rs, 2, e->logical_name) ||
		    dv_rowset_set_text(rs, 3, pk->name) || dv_rowset_set_text(rs, 5, name)) {
			free(name);
			return fail_nomem(s, rs);
		}
		dv_rowset_set_int(rs, 4, 1);
		free(name);
	}
	return dv_stmt_set_rowset(s, rs);
}

/* SQL column name of a lookup's value column. */
static const char *lookup_column(const struct dv_entity *e, const char *attr)
{
	for (size_t k = 0; k < e->ncolumns; k++)
		if (e->columns[k].role == DV_COL_VALUE && e->columns[k].logical_name &&
		    dv_strcasecmp(e->columns[k].logical_name, attr) == 0)
			return e->columns[k].name;
	return NULL;
}

static int add_fk_rows(struct dv_stmt *s, struct dv_rowset *rs, const struct dv_entity *fk,
		       const char *pk_filter, struct dv_error *err)
{
	for (size_t r = 0; r < fk->nmany_to_one; r++) {
		const struct dv_relationship *rel = &fk->many_to_one[r];
		if (pk_filter && dv_strcasecmp(pk_filter, rel->referenced_entity) != 0)
			continue;
		const char *fkcol = lookup_column(fk, rel->referencing_attribute);
		if (!fkcol)
			continue;
		const struct dv_entity *pk;
		if (dv_catalog_entity(s->dbc->catalog, rel->referenced_entity, &pk, err) != 0) {
			if (err->state == DV_S_42S02) {
				/* A target the caller cannot see: leave it out. */
				dv_error_clear(err);
				continue;
			}
			return -1;
		}
		const struct dv_column *pkc = dv_entity_column(pk, rel->referenced_attribute);
		const char *pkcol = pkc ? pkc->name : rel->referenced_attribute;
		char *pkname = pk_name(pk);
		if (!pkname || dv_rowset_add_row(rs) != 0 ||
		    dv_rowset_set_text(rs, 2, pk->logical_name) ||
		    dv_rowset_set_text(rs, 3, pkcol) ||
		    dv_rowset_set_text(rs, 6, fk->logical_name) ||
		    dv_rowset_set_text(rs, 7, fkcol) ||
		    dv_rowset_set_text(rs, 11, rel->schema_name) ||
		    dv_rowset_set_text(rs, 12, pkname)) {
			free(pkname);
			return dv_error_nomem(err);
		}
		free(pkname);
		dv_rowset_set_int(rs, 8, 1);
		dv_rowset_set_int(rs, 9, SQL_NO_ACTION);
		dv_rowset_set_int(rs, 10, SQL_NO_ACTION);
		dv_rowset_set_int(rs, 13, SQL_NOT_DEFERRABLE);
	}
	return 0;
}

SQLRETURN dv_cat_foreign_keys(struct dv_stmt *s, const char *pkcat, const char *pkschem,
			      const char *pktable, const char *fkcat, const char *fkschem,
			      const char *fktable)
{
	SQLRETURN rc = start(s);
	if (rc != SQL_SUCCESS)
		return rc;
	int has_pk = pktable && *pktable, has_fk = fktable && *fktable;
	if (!has_pk && !has_fk)
		return dv_diag_error(&s->h.diag, DV_S_HY009,
				     "either the primary or the foreign key table is needed");
	struct dv_rowset *rs = dv_rowset_new(dv_stmt_odbc2(s) ? fkeys2 : fkeys3, 14);
	if (!rs)
		return fail_nomem(s, NULL);
	if (names_nothing(pkcat) || names_nothing(pkschem) || names_nothing(fkcat) ||
	    names_nothing(fkschem))
		return dv_stmt_set_rowset(s, rs);
	struct dv_error err;
	dv_error_clear(&err);
	const struct dv_entity *pk = NULL;
	if (has_pk) {
		if (one_entity(s, pktable, &pk, &err) != 0)
			return fail_err(s, rs, &err);
		if (!pk)
			return dv_stmt_set_rowset(s, rs);
	}
	if (has_fk) {
		const struct dv_entity *fk;
		if (one_entity(s, fktable, &fk, &err) != 0)
			return fail_err(s, rs, &err);
		if (fk && add_fk_rows(s, rs, fk, pk ? pk->logical_name : NULL, &err) != 0)
			return fail_err(s, rs, &err);
		/* Ordered by PKTABLE_CAT, PKTABLE_SCHEM, PKTABLE_NAME, KEY_SEQ. */
		static const int by_pk[] = {0, 1, 2, 8};
		if (dv_rowset_sort(rs, by_pk, 4) != 0)
			return fail_nomem(s, rs);
		return dv_stmt_set_rowset(s, rs);
	}
	/* Only the primary key table: every entity that references it. */
	const struct dv_entity **sel;
	size_t n;
	if (matching_entities(s, NULL, 0, &sel, &n, &err) != 0)
		return fail_err(s, rs, &err);
	if (load_all_columns(s, sel, n, &err) != 0) {
		free(sel);
		return fail_err(s, rs, &err);
	}
	char *pkname = dv_strdup(pk->logical_name);
	for (size_t i = 0; i < n && pkname; i++) {
		const struct dv_entity *fk;
		if (dv_catalog_entity(s->dbc->catalog, sel[i]->logical_name, &fk, &err) != 0 ||
		    add_fk_rows(s, rs, fk, pkname, &err) != 0) {
			free(pkname);
			free(sel);
			return fail_err(s, rs, &err);
		}
	}
	free(sel);
	if (!pkname)
		return fail_nomem(s, rs);
	free(pkname);
	/* Ordered by FKTABLE_CAT, FKTABLE_SCHEM, FKTABLE_NAME, KEY_SEQ. */
	static const int by_fk[] = {4, 5, 6, 8};
	if (dv_rowset_sort(rs, by_fk, 4) != 0)
		return fail_nomem(s, rs);
	return dv_stmt_set_rowset(s, rs);
}

SQLRETURN dv_cat_statistics(struct dv_stmt *s, const char *cat, const char *schem,
			    const char *table, SQLUSMALLINT unique, SQLUSMALLINT reserved)
{
	SQLRETURN rc = start(s);
	if (rc != SQL_SUCCESS)
		return rc;
	if (!table)
		return dv_diag_error(&s->h.diag, DV_S_HY009, "the table name is NULL");
	if (unique != SQL_INDEX_UNIQUE && unique != SQL_INDEX_ALL)
		return dv_diag_error(&s->h.diag, DV_S_HY100, NULL);
	if (reserved != SQL_ENSURE && reserved != SQL_QUICK)
		return dv_diag_error(&s->h.diag, DV_S_HY101, NULL);
	struct dv_rowset *rs = dv_rowset_new(dv_stmt_odbc2(s) ? stats2 : stats3, 13);
	if (!rs)
		return fail_nomem(s, NULL);
	if (names_nothing(cat) || names_nothing(schem))
		return dv_stmt_set_rowset(s, rs);
	struct dv_error err;
	const struct dv_entity *e;
	dv_error_clear(&err);
	if (one_entity(s, table, &e, &err) != 0)
		return fail_err(s, rs, &err);
	const struct dv_column *pk = e ? primary_column(e) : NULL;
	if (pk) {
		char *name = pk_name(e);
		if (!name || dv_rowset_add_row(rs) != 0 ||
		    dv_rowset_set_text(rs, 2, e->logical_name) ||
		    dv_rowset_set_text(rs, 5, name) || dv_rowset_set_text(rs, 8, pk->name) ||
		    dv_rowset_set_text(rs, 9, "A")) {
			free(name);
			return fail_nomem(s, rs);
		}
		free(name);
		dv_rowset_set_int(rs, 3, SQL_FALSE);
		dv_rowset_set_int(rs, 6, SQL_INDEX_OTHER);
		dv_rowset_set_int(rs, 7, 1);
	}
	return dv_stmt_set_rowset(s, rs);
}

SQLRETURN dv_cat_special_columns(struct dv_stmt *s, SQLUSMALLINT type, const char *cat,
				 const char *schem, const char *table, SQLUSMALLINT scope,
				 SQLUSMALLINT nullable)
{
	SQLRETURN rc = start(s);
	if (rc != SQL_SUCCESS)
		return rc;
	if (!table)
		return dv_diag_error(&s->h.diag, DV_S_HY009, "the table name is NULL");
	if (type != SQL_BEST_ROWID && type != SQL_ROWVER)
		return dv_diag_error(&s->h.diag, DV_S_HY097, NULL);
	if (scope != SQL_SCOPE_CURROW && scope != SQL_SCOPE_TRANSACTION &&
	    scope != SQL_SCOPE_SESSION)
		return dv_diag_error(&s->h.diag, DV_S_HY098, NULL);
	if (nullable != SQL_NO_NULLS && nullable != SQL_NULLABLE)
		return dv_diag_error(&s->h.diag, DV_S_HY099, NULL);
	int odbc2 = dv_stmt_odbc2(s);
	struct dv_rowset *rs = dv_rowset_new(odbc2 ? special2 : special3, 8);
	if (!rs)
		return fail_nomem(s, NULL);
	if (type != SQL_BEST_ROWID || names_nothing(cat) || names_nothing(schem))
		return dv_stmt_set_rowset(s, rs);
	struct dv_error err;
	const struct dv_entity *e;
	dv_error_clear(&err);
	if (one_entity(s, table, &e, &err) != 0)
		return fail_err(s, rs, &err);
	const struct dv_column *pk = e ? primary_column(e) : NULL;
	if (pk) {
		if (dv_rowset_add_row(rs) != 0 || dv_rowset_set_text(rs, 1, pk->name) ||
		    dv_rowset_set_text(rs, 3, pk->type_name ? pk->type_name : "uniqueidentifier"))
			return fail_nomem(s, rs);
		dv_rowset_set_int(rs, 0, SQL_SCOPE_SESSION);
		dv_rowset_set_int(rs, 2, pk->sql_type);
		dv_rowset_set_int(rs, 4, col_size(pk));
		dv_rowset_set_int(rs, 5, dv_type_octet_length(pk->sql_type,
							      (SQLULEN)pk->column_size, 0));
		dv_rowset_set_null(rs, 6);
		dv_rowset_set_int(rs, 7, SQL_PC_NOT_PSEUDO);
	}
	return dv_stmt_set_rowset(s, rs);
}

/* ---- empty result sets ---------------------------------------------------- */

static SQLRETURN empty(struct dv_stmt *s, const struct dv_rs_col *cols, int ncols)
{
	SQLRETURN rc = start(s);
	if (rc != SQL_SUCCESS)
		return rc;
	struct dv_rowset *rs = dv_rowset_new(cols, ncols);
	if (!rs)
		return fail_nomem(s, NULL);
	return dv_stmt_set_rowset(s, rs);
}

SQLRETURN dv_cat_column_privileges(struct dv_stmt *s)
{
	return empty(s, colprivs, NCOLS(colprivs));
}

SQLRETURN dv_cat_table_privileges(struct dv_stmt *s)
{
	return empty(s, tabprivs, NCOLS(tabprivs));
}

/* ---- SQLProcedures, SQLProcedureColumns ----------------------------------- */

/* The CSDL's functions (SQL_PT_FUNCTION, GET) and actions (SQL_PT_PROCEDURE,
 * POST: they may change data), bound ones as <entity>.<Name>; sorted by name.
 * https://learn.microsoft.com/sql/odbc/reference/syntax/sqlprocedures-function */

static const char *key_name(struct dv_stmt *s, const struct dv_proc *p, char *buf, size_t size)
{
	const struct dv_entity *const *list;
	size_t n;
	struct dv_error err;
	if (!p->bound_entity)
		return "";
	dv_error_clear(&err);
	if (dv_catalog_entities(s->dbc->catalog, &list, &n, &err) == 0)
		for (size_t i = 0; i < n; i++)
			if (strcmp(list[i]->logical_name, p->bound_entity) == 0 &&
			    list[i]->primary_id)
				return list[i]->primary_id;
	snprintf(buf, size, "%sid", p->bound_entity);
	return buf;
}

static int add_proc_row(struct dv_stmt *s, struct dv_rowset *rs, const struct dv_procs *all,
			const struct dv_proc *p)
{
	struct dv_call_col *cols;
	size_t n, inputs = 0, results = 0;
	char remarks[256], kb[160];
	if (dv_call_describe(all, p, key_name(s, p, kb, sizeof(kb)), &cols, &n) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		inputs += cols[i].column_type == SQL_PARAM_INPUT;
		results += cols[i].column_type == SQL_RESULT_COL;
	}
	free(cols);
	if (p->bound_entity)
		snprintf(remarks, sizeof(remarks), "%s %s bound to a %s record (its id first)%s",
			 p->is_action ? "action" : "function", p->name, p->bound_entity,
			 p->is_action ? "; may change data" : "");
	else
		snprintf(remarks, sizeof(remarks), "%s %s%s", p->is_action ? "action" : "function",
			 p->name, p->is_action ? "; may change data" : "");
	if (dv_rowset_add_row(rs) != 0 || dv_rowset_set_text(rs, 2, p->sql_name) != 0 ||
	    dv_rowset_set_text(rs, 6, remarks) != 0)
		return -1;
	dv_rowset_set_int(rs, 3, (int64_t)inputs);
	dv_rowset_set_int(rs, 4, 0);
	dv_rowset_set_int(rs, 5, results > 0);
	dv_rowset_set_int(rs, 7, p->is_action ? SQL_PT_PROCEDURE : SQL_PT_FUNCTION);
	return 0;
}

SQLRETURN dv_cat_procedures(struct dv_stmt *s, const char *cat, const char *schem,
			    const char *proc)
{
	SQLRETURN rc = start(s);
	if (rc != SQL_SUCCESS)
		return rc;
	struct dv_rowset *rs = dv_rowset_new(procs, NCOLS(procs));
	if (!rs)
		return fail_nomem(s, NULL);
	if (names_nothing(cat) || names_nothing(schem))
		return dv_stmt_set_rowset(s, rs);
	const struct dv_procs *all;
	struct dv_error err;
	dv_error_clear(&err);
	if (dv_catalog_procs(s->dbc->catalog, &all, &err) != 0)
		return fail_err(s, rs, &err);
	for (size_t i = 0; i < all->nprocs; i++)
		if (name_matches(s, proc, all->procs[i].sql_name, 1) &&
		    add_proc_row(s, rs, all, &all->procs[i]) != 0)
			return fail_nomem(s, rs);
	return dv_stmt_set_rowset(s, rs);
}

static int add_proc_col_row(struct dv_rowset *rs, const struct dv_proc *p,
			    const struct dv_call_col *c, int ordinal, int odbc2)
{
	SQLSMALLINT t = c->sql_type;
	int chars = dv_type_is_char(t);
	/* c->nullable is SQL_NO_NULLS or SQL_NULLABLE (call_result.c) */
	struct type_cols d = {
		.type = t,
		.type_name = dv_type_default_name(t),
		.size = chars || dv_type_is_numeric(t) ? (SQLLEN)c->size
						       : dv_type_display_size(t, c->size, 0),
		.octets = dv_type_octet_length(t, c->size, 0),
		.digits = 0,
		.chars = chars,
		.nullable = c->nullable,
		.remarks = c->edm_type,
		.ordinal = ordinal,
	};
	if (dv_rowset_add_row(rs) != 0 || dv_rowset_set_text(rs, 2, p->sql_name) != 0 ||
	    dv_rowset_set_text(rs, 3, c->name) != 0)
		return -1;
	dv_rowset_set_int(rs, 4, c->column_type);
	return set_type_cols(rs, 5, &d, odbc2);
}

SQLRETURN dv_cat_procedure_columns(struct dv_stmt *s, const char *cat, const char *schem,
				   const char *proc, const char *column)
{
	SQLRETURN rc = start(s);
	if (rc != SQL_SUCCESS)
		return rc;
	struct dv_rowset *rs = dv_rowset_new(proccols, NCOLS(proccols));
	if (!rs)
		return fail_nomem(s, NULL);
	if (names_nothing(cat) || names_nothing(schem))
		return dv_stmt_set_rowset(s, rs);
	const struct dv_procs *all;
	struct dv_error err;
	dv_error_clear(&err);
	if (dv_catalog_procs(s->dbc->catalog, &all, &err) != 0)
		return fail_err(s, rs, &err);
	for (size_t i = 0; i < all->nprocs; i++) {
		const struct dv_proc *p = &all->procs[i];
		struct dv_call_col *cols;
		size_t n;
		char kb[160];
		if (!name_matches(s, proc, p->sql_name, 1))
			continue;
		if (dv_call_describe(all, p, key_name(s, p, kb, sizeof(kb)), &cols, &n) != 0)
			return fail_nomem(s, rs);
		/* ORDINAL_POSITION: parameters 1.. (inputs, then outputs), the return
		 * value 0, result columns 1.. of the result set */
		int param_no = 0, col_no = 0;
		for (size_t k = 0; k < n; k++) {
			SQLSMALLINT ct = cols[k].column_type;
			int ord = ct == SQL_RETURN_VALUE ? 0 : ct == SQL_RESULT_COL ? ++col_no
										    : ++param_no;
			if (!name_matches(s, column, cols[k].name, 1))
				continue;
			if (add_proc_col_row(rs, p, &cols[k], ord, dv_stmt_odbc2(s)) != 0) {
				free(cols);
				return fail_nomem(s, rs);
			}
		}
		free(cols);
	}
	return dv_stmt_set_rowset(s, rs);
}
