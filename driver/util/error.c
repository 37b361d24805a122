/* error.c - struct dv_error helpers and the SQLSTATE table (see error.h). */
#include "util/error.h"
#include "util/buf.h"
#include "util/strutil.h"

#include <stdio.h>
#include <string.h>

static const struct {
	const char *code;
	const char *text;
} sqlstates[] = {
#define DV_SQLSTATE(name, code, text) {code, text},
#include "util/sqlstate.def"
#undef DV_SQLSTATE
};

const char *dv_sqlstate_code(enum dv_sqlstate state)
{
	if ((int)state < 0 || state >= DV_SQLSTATE_COUNT)
		return "HY000";
	return sqlstates[state].code;
}

const char *dv_sqlstate_text(enum dv_sqlstate state)
{
	if ((int)state < 0 || state >= DV_SQLSTATE_COUNT)
		return "General error";
	return sqlstates[state].text;
}

enum dv_sqlstate dv_sqlstate_from_code(const char *code)
{
	for (int i = 0; i < DV_SQLSTATE_COUNT; i++)
		if (code && strcmp(sqlstates[i].code, code) == 0)
			return (enum dv_sqlstate)i;
	return DV_S_HY000;
}

void dv_error_clear(struct dv_error *err)
{
	if (!err)
		return;
	err->state = DV_S_00000;
	err->native = 0;
	err->message[0] = '\0';
}

int dv_error_vset(struct dv_error *err, enum dv_sqlstate state, long native,
		  const char *fmt, va_list ap)
{
	if (!err)
		return -1;
	err->state = state;
	err->native = native;
	if (fmt)
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
	else
		snprintf(err->message, sizeof(err->message), "%s", dv_sqlstate_text(state));
	return -1;
}

int dv_error_set(struct dv_error *err, enum dv_sqlstate state, long native,
		 const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	dv_error_vset(err, state, native, fmt, ap);
	va_end(ap);
	return -1;
}

int dv_error_nomem(struct dv_error *err)
{
	return dv_error_set(err, DV_S_HY001, 0, "out of memory");
}

void dv_error_prefix(struct dv_error *err, const char *fmt, ...)
{
	char prefix[256], old[DV_ERROR_MSG_MAX];
	va_list ap;
	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->message, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	{
		struct dv_buf b;
		dv_buf_init(&b, sizeof(err->message) * 2);
		dv_buf_appendf(&b, "%s: %s", prefix, old);
		dv_strlcpy(err->message, dv_buf_str(&b), sizeof(err->message));
		dv_buf_free(&b);
	}
}
