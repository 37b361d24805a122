/* dae.c - data-at-execution parameters: SQLParamData / SQLPutData.
 *
 * Owns: the values of parameters bound with SQL_DATA_AT_EXEC or
 * SQL_LEN_DATA_AT_EXEC(n) (long text and binary sent in parts).  SQLExecute
 * lists them (every parameter set, in set then parameter order) and returns
 * SQL_NEED_DATA; each SQLParamData hands out the next one's token (the
 * application's ParameterValuePtr element) and SQLPutData appends its bytes;
 * the SQLParamData after the last one runs the statement (exec.c), whose
 * result it returns.
 * Source: https://learn.microsoft.com/sql/odbc/reference/develop-app/sending-long-data
 *         https://learn.microsoft.com/sql/odbc/reference/syntax/sqlputdata-function */
#include "odbc/params.h"
#include "odbc/convert.h"
#include "odbc/stmt.h"
#include "odbc/unicode.h"

#include <stdlib.h>
#include <string.h>

void dv_dae_reset(struct dv_stmt *s)
{
	for (size_t i = 0; i < s->ndae; i++)
		dv_buf_free(&s->dae[i].data);
	free(s->dae);
	s->dae = NULL;
	s->ndae = 0;
	s->dae_cur = 0;
	s->need_data = 0;
}

static int add_value(struct dv_stmt *s, SQLULEN set, int n)
{
	struct dv_dae_val *v = realloc(s->dae, (s->ndae + 1) * sizeof(*v));
	if (!v)
		return -1;
	s->dae = v;
	v = &s->dae[s->ndae++];
	memset(v, 0, sizeof(*v));
	v->set = set;
	v->param = n;
	dv_buf_init(&v->data, 0);
	return 0;
}

static int set_ignored(const struct dv_stmt *s, SQLULEN set)
{
	const SQLUSMALLINT *ops = s->apd->array_status_ptr;
	return ops && ops[set] == SQL_PARAM_IGNORE;
}

long dv_dae_collect(struct dv_stmt *s, SQLULEN sets)
{
	dv_dae_reset(s);
	for (SQLULEN set = 0; set < sets; set++) {
		if (set_ignored(s, set))
			continue;
		for (int n = 1; n <= s->nparams; n++) {
			if (dv_param_is_dae(s, n, set) && add_value(s, set, n) != 0) {
				dv_dae_reset(s);
				return -1;
			}
		}
	}
	return (long)s->ndae;
}

const struct dv_dae_val *dv_dae_value(const struct dv_stmt *s, int n, SQLULEN set)
{
	for (size_t i = 0; i < s->ndae; i++)
		if (s->dae[i].param == n && s->dae[i].set == set)
			return &s->dae[i];
	return NULL;
}

SQLRETURN dv_stmt_param_data(struct dv_stmt *s, SQLPOINTER *value)
{
	if (!s->need_data)
		return dv_diag_error(&s->h.diag, DV_S_HY010,
				     "no data-at-execution parameter is awaited");
	if (s->dae_cur < s->ndae) {
		const struct dv_dae_val *v = &s->dae[s->dae_cur++];
		if (value)
			*value = dv_param_token(s, v->param, v->set);
		return SQL_NEED_DATA;
	}
	/* Every value is in: run the statement. */
	s->need_data = 0;
	SQLRETURN rc = dv_stmt_run(s);
	dv_dae_reset(s);
	return rc;
}

/* Length in bytes of a null-terminated value of C type c. */
static size_t nts_length(SQLSMALLINT c, const void *data)
{
	if (c == SQL_C_WCHAR) {
		size_t units = 0;
		while (((const SQLWCHAR *)data)[units])
			units++;
		return units * sizeof(SQLWCHAR);
	}
	return strlen(data);
}

SQLRETURN dv_stmt_put_data(struct dv_stmt *s, SQLPOINTER data, SQLLEN len)
{
	if (!s->need_data || s->dae_cur == 0)
		return dv_diag_error(&s->h.diag, DV_S_HY010,
				     "SQLPutData without SQLParamData asking for a value");
	struct dv_dae_val *v = &s->dae[s->dae_cur - 1];
	SQLSMALLINT c = dv_param_c_type(s, v->param);
	int parts = c == SQL_C_CHAR || c == SQL_C_WCHAR || c == SQL_C_BINARY;
	if (v->sent && !parts)
		return dv_diag_error(&s->h.diag, DV_S_HY019,
				     "parameter %d takes one SQLPutData call", v->param);
	if (v->sent && (v->is_null || len == SQL_NULL_DATA))
		return dv_diag_error(&s->h.diag, DV_S_HY000, "parameter %d: a NULL value "
				     "cannot be concatenated with data", v->param);
	if (len == SQL_NULL_DATA) {
		v->is_null = 1;
		v->sent = 1;
		return SQL_SUCCESS;
	}
	if (len == SQL_DEFAULT_PARAM)
		return dv_diag_error(&s->h.diag, DV_S_HYC00, "SQL_DEFAULT_PARAM is not supported");
	if (!data && len != 0)
		return dv_diag_error(&s->h.diag, DV_S_HY009, "the data pointer is NULL");
	size_t n;
	if (len == SQL_NTS && parts)
		n = nts_length(c, data);
	else if (len >= 0)
		n = (size_t)len;
	else
		return dv_diag_error(&s->h.diag, DV_S_HY090, "length %ld", (long)len);
	if (!parts) {
		/* A fixed-size type: the whole value in one call. */
		SQLLEN size = dv_c_type_size(c);
		n = size > 0 ? (size_t)size : n;
	}
	v->sent = 1;
	if (n > 0 && dv_buf_append(&v->data, data, n) != 0)
		return dv_diag_error(&s->h.diag, DV_S_HY001, NULL);
	return SQL_SUCCESS;
}
