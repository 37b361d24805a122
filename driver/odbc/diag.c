/* diag.c - diagnostic records of a handle (see diag.h).
 *
 * Records are kept in the order ODBC asks for: errors before warnings, in
 * the order they were raised within each group.
 * Source: https://learn.microsoft.com/sql/odbc/reference/develop-app/sequence-of-status-records
 * ODBC 2 names: https://learn.microsoft.com/sql/odbc/reference/develop-app/sqlstate-mappings */
#include "odbc/diag.h"
#include "util/buf.h"
#include "util/strutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dv_diag_init(struct dv_diag *d)
{
	memset(d, 0, sizeof(*d));
	d->dynamic_function = "";
}

void dv_diag_clear(struct dv_diag *d)
{
	for (int i = 0; i < d->n; i++)
		free(d->recs[i].message);
	d->n = 0;
	d->retcode = SQL_SUCCESS;
}

void dv_diag_free(struct dv_diag *d)
{
	dv_diag_clear(d);
	free(d->recs);
	d->recs = NULL;
	d->cap = 0;
}

static int is_warning(enum dv_sqlstate state)
{
	const char *code = dv_sqlstate_code(state);
	return code[0] == '0' && code[1] == '1';
}

/* Index at which a new record of this state goes: errors after the last
 * error, warnings at the end. */
static int insert_position(const struct dv_diag *d, enum dv_sqlstate state)
{
	if (is_warning(state))
		return d->n;
	int pos = 0;
	while (pos < d->n && !is_warning(d->recs[pos].state))
		pos++;
	return pos;
}

void dv_diag_add(struct dv_diag *d, enum dv_sqlstate state, long native, const char *msg,
		 SQLLEN row, SQLINTEGER column)
{
	if (d->n >= DV_DIAG_MAX_RECS)
		return;
	if (d->n == d->cap) {
		int cap = d->cap ? d->cap * 2 : 4;
		struct dv_diag_rec *recs = realloc(d->recs, (size_t)cap * sizeof(*recs));
		if (!recs)
			return;
		d->recs = recs;
		d->cap = cap;
	}
	struct dv_buf b;
	dv_buf_init(&b, 0);
	dv_buf_appends(&b, DV_DIAG_PREFIX);
	dv_buf_appends(&b, msg ? msg : dv_sqlstate_text(state));
	char *text = dv_buf_steal(&b);
	if (!text)
		return;
	if (row == SQL_NO_ROW_NUMBER && d->default_row > 0)
		row = d->default_row;
	int pos = insert_position(d, state);
	memmove(&d->recs[pos + 1], &d->recs[pos], (size_t)(d->n - pos) * sizeof(d->recs[0]));
	d->recs[pos].state = state;
	d->recs[pos].native = native;
	d->recs[pos].message = text;
	d->recs[pos].row = row;
	d->recs[pos].column = column;
	d->n++;
}

void dv_diag_addf(struct dv_diag *d, enum dv_sqlstate state, const char *fmt, ...)
{
	char msg[DV_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dv_diag_add(d, state, 0, msg, SQL_NO_ROW_NUMBER, SQL_NO_COLUMN_NUMBER);
}

SQLRETURN dv_diag_error(struct dv_diag *d, enum dv_sqlstate state, const char *fmt, ...)
{
	char msg[DV_ERROR_MSG_MAX];
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
	}
	dv_diag_add(d, state, 0, fmt ? msg : NULL, SQL_NO_ROW_NUMBER, SQL_NO_COLUMN_NUMBER);
	return SQL_ERROR;
}

void dv_diag_add_error(struct dv_diag *d, const struct dv_error *err)
{
	enum dv_sqlstate state = err->state == DV_S_00000 ? DV_S_HY000 : err->state;
	dv_diag_add(d, state, err->native, err->message[0] ? err->message : NULL,
		    SQL_NO_ROW_NUMBER, SQL_NO_COLUMN_NUMBER);
}

SQLRETURN dv_diag_success(const struct dv_diag *d)
{
	return d->n > 0 ? SQL_SUCCESS_WITH_INFO : SQL_SUCCESS;
}

static const char *odbc2_code(enum dv_sqlstate state)
{
	switch (state) {
	case DV_S_07009: return "S1002";
	case DV_S_22007: return "22008";
	case DV_S_22018: return "22005";
	case DV_S_42000: return "37000";
	case DV_S_42S01: return "S0001";
	case DV_S_42S02: return "S0002";
	case DV_S_42S22: return "S0022";
	case DV_S_HY024: return "S1009";
	case DV_S_HYT01: return "S1T00";
	case DV_S_HY000: return "S1000";
	case DV_S_HY001: return "S1001";
	case DV_S_HY003: return "S1003";
	case DV_S_HY004: return "S1004";
	case DV_S_HY008: return "S1008";
	case DV_S_HY009: return "S1009";
	case DV_S_HY010: return "S1010";
	case DV_S_HY011: return "S1011";
	case DV_S_HY090: return "S1090";
	case DV_S_HY091: return "S1091";
	case DV_S_HY092: return "S1092";
	case DV_S_HY096: return "S1096";
	case DV_S_HY097: return "S1097";
	case DV_S_HY098: return "S1098";
	case DV_S_HY099: return "S1099";
	case DV_S_HY100: return "S1100";
	case DV_S_HY101: return "S1101";
	case DV_S_HY104: return "S1104";
	case DV_S_HY105: return "S1105";
	case DV_S_HY106: return "S1106";
	case DV_S_HY107: return "S1107";
	case DV_S_HY110: return "S1110";
	case DV_S_HY111: return "S1111";
	case DV_S_HYC00: return "S1C00";
	case DV_S_HYT00: return "S1T00";
	default: return NULL;
	}
}

const char *dv_diag_state_code(enum dv_sqlstate state, int odbc2)
{
	if (odbc2) {
		const char *code = odbc2_code(state);
		if (code)
			return code;
	}
	return dv_sqlstate_code(state);
}

/* Source: SQLGetDiagField, SQL_DIAG_CLASS_ORIGIN / SQL_DIAG_SUBCLASS_ORIGIN,
 * https://learn.microsoft.com/sql/odbc/reference/syntax/sqlgetdiagfield-function */
const char *dv_diag_class_origin(const char *code)
{
	if (strncmp(code, "IM", 2) == 0 || strncmp(code, "HY", 2) == 0)
		return "ODBC 3.0";
	return "ISO 9075";
}

const char *dv_diag_subclass_origin(const char *code)
{
	static const char *const odbc_states[] = {
		"01S00", "01S01", "01S02", "01S06", "01S07", "07S01", "08S01", "21S01",
		"21S02", "25S01", "25S02", "25S03", "42S01", "42S02", "42S11", "42S12",
		"42S21", "42S22", "HY095", "HY097", "HY098", "HY099", "HY100", "HY101",
		"HY105", "HY107", "HY109", "HY110", "HY111", "HYT00", "HYT01", "IM001",
		"IM002", "IM003", "IM004", "IM005", "IM006", "IM007", "IM008", "IM010",
		"IM011", "IM012"};
	for (size_t i = 0; i < sizeof(odbc_states) / sizeof(odbc_states[0]); i++)
		if (strcmp(code, odbc_states[i]) == 0)
			return "ODBC 3.0";
	return "ISO 9075";
}
