/* odata_error.c - HTTP error responses -> struct dv_error.
 *
 * Owns: reading the two error body shapes, Dataverse's
 *   {"error":{"code":"0x80040217","message":"..."}}
 * and the Microsoft identity platform's
 *   {"error":"invalid_client","error_description":"AADSTS7000215: ...\r\nTrace ID: ..",
 *    "error_codes":[7000215]}
 * and the SQLSTATE chosen for each.  Error bodies are small and capped by
 * the HTTP layer, so a yajl tree is fine here (rows never use one).
 * Sources: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors
 *          https://learn.microsoft.com/entra/identity-platform/reference-error-codes
 *          ODBC Appendix A, https://learn.microsoft.com/sql/odbc/reference/appendixes/appendix-a-odbc-error-codes
 *
 * SQLSTATE choices (ODBC meaning in brackets):
 *   401                          -> 28000 [invalid authorization specification]
 *   403                          -> 42000 [access violation: missing privilege]
 *   404 "Resource not found for the segment" -> 42S02 [table not found]
 *   400 0x80060888 "Could not find a property named" -> 42S22 [column not found]
 *   0x80040237, 0x80040333 (duplicate record, any status) -> 23000 [integrity constraint]
 *   0x80044331 (string too long)  -> 22001 [string data, right truncated]
 *   0x8004431A, 0x8004432F, 0x80044330 (value out of range) -> 22003
 *   412 other (row version mismatch 0x80060882: the row changed since it was
 *       read; the statement may be retried after re-reading) -> 40001
 *       [serialization failure], the closest ODBC state for an optimistic
 *       concurrency conflict outside SQLSetPos
 *   0x80044151 (SQL timeout)      -> HYT00
 *   other 400                     -> 42000 [the service refused the statement]
 *   429                           -> HY000 with the service message
 *   502, 503, 504                 -> 08S01 [communication link failure]
 *   other                         -> HY000
 *   identity platform             -> 28000, but 90002 (tenant not found) -> 08001 */
#include "odata/odata.h"
#include "util/buf.h"
#include "util/strutil.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#define CODE_DUPLICATE 0x80040237u
#define CODE_DUPLICATE_FOUND 0x80040333u
#define CODE_TOO_LONG 0x80044331u
#define CODE_PICKLIST_RANGE 0x8004431Au
#define CODE_RANGE_LOW 0x8004432Fu
#define CODE_RANGE_HIGH 0x80044330u
#define CODE_QUERY_PARSE 0x80060888u
#define CODE_SQL_TIMEOUT 0x80044151u

static const char *string_at(yajl_val root, const char **path)
{
	yajl_val v = yajl_tree_get(root, path, yajl_t_string);
	return v ? YAJL_GET_STRING(v) : NULL;
}

static enum dv_sqlstate dataverse_state(long status, uint32_t code, const char *msg)
{
	if (code == CODE_DUPLICATE || code == CODE_DUPLICATE_FOUND)
		return DV_S_23000;
	if (code == CODE_TOO_LONG)
		return DV_S_22001;
	if (code == CODE_PICKLIST_RANGE || code == CODE_RANGE_LOW || code == CODE_RANGE_HIGH)
		return DV_S_22003;
	if (code == CODE_SQL_TIMEOUT)
		return DV_S_HYT00;
	switch (status) {
	case 401:
		return DV_S_28000;
	case 403:
		return DV_S_42000;
	case 404:
		return strstr(msg, "Resource not found for the segment") ? DV_S_42S02 : DV_S_HY000;
	case 400:
		return strstr(msg, "Could not find a property named") ? DV_S_42S22 : DV_S_42000;
	case 412:
		return DV_S_40001;
	case 502:
	case 503:
	case 504:
		return DV_S_08S01;
	}
	return DV_S_HY000;
}

/* "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: ..." -> first line. */
static size_t first_line_len(const char *s)
{
	size_t n = strcspn(s, "\r\n");
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '.'))
		n--;
	return n;
}

static long aadsts_number(yajl_val root, const char *desc)
{
	static const char *codes_path[] = {"error_codes", NULL};
	yajl_val codes = yajl_tree_get(root, codes_path, yajl_t_array);
	const char *p;
	if (codes && YAJL_GET_ARRAY(codes)->len > 0 &&
	    YAJL_IS_INTEGER(YAJL_GET_ARRAY(codes)->values[0]))
		return (long)YAJL_GET_INTEGER(YAJL_GET_ARRAY(codes)->values[0]);
	p = desc ? strstr(desc, "AADSTS") : NULL;
	return p ? strtol(p + 6, NULL, 10) : 0;
}

static int identity_error(long status, yajl_val root, const char *error,
			  struct dv_error *err)
{
	static const char *desc_path[] = {"error_description", NULL};
	const char *desc = string_at(root, desc_path);
	long aadsts = aadsts_number(root, desc);
	enum dv_sqlstate state = aadsts == 90002 ? DV_S_08001 : DV_S_28000;

	if (desc && *desc)
		return dv_error_set(err, state, aadsts, "%.*s (sign-in error %s, HTTP %ld)",
				    (int)first_line_len(desc), desc, error, status);
	return dv_error_set(err, state, aadsts, "sign-in failed: %s (HTTP %ld)", error, status);
}

static int dataverse_error(long status, yajl_val root, struct dv_error *err)
{
	static const char *code_path[] = {"error", "code", NULL};
	static const char *msg_path[] = {"error", "message", NULL};
	const char *code = string_at(root, code_path);
	const char *msg = string_at(root, msg_path);
	uint32_t num = 0;

	if (!msg)
		msg = "the service reported an error";
	if (code && (code[0] == '0') && (code[1] == 'x' || code[1] == 'X'))
		num = (uint32_t)strtoul(code + 2, NULL, 16);
	if (num)
		return dv_error_set(err, dataverse_state(status, num, msg), (long)(int32_t)num,
				    "%s (Dataverse error 0x%08X, HTTP %ld)", msg, (unsigned)num,
				    status);
	return dv_error_set(err, dataverse_state(status, 0, msg), status, "%s (HTTP %ld)", msg,
			    status);
}

static int bodyless_error(long status, const char *body, size_t len, struct dv_error *err)
{
	enum dv_sqlstate state = dataverse_state(status, 0, "");
	if (status == 401)
		return dv_error_set(err, state, status, "the service rejected the access token "
				    "(HTTP 401): it is missing, expired or for another "
				    "organization URL");
	if (len > 0 && len < 200 && memchr(body, '\0', len) == NULL)
		return dv_error_set(err, state, status, "HTTP %ld from the service: %.*s", status,
				    (int)len, body);
	return dv_error_set(err, state, status, "HTTP %ld from the service", status);
}

int odata_error_from_response(long status, const char *body, size_t len,
			      struct dv_error *err)
{
	static const char *error_path[] = {"error", NULL};
	char errbuf[128];
	char *text;
	yajl_val root = NULL, error;
	int rc;

	text = body && len ? dv_strndup(body, len) : NULL;
	if (text)
		root = yajl_tree_parse(text, errbuf, sizeof(errbuf));
	error = root ? yajl_tree_get(root, error_path, yajl_t_any) : NULL;
	if (error && YAJL_IS_STRING(error))
		rc = identity_error(status, root, YAJL_GET_STRING(error), err);
	else if (error && YAJL_IS_OBJECT(error))
		rc = dataverse_error(status, root, err);
	else
		rc = bodyless_error(status, body, len, err);
	yajl_tree_free(root);
	free(text);
	return rc;
}
