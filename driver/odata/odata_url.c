/* odata_url.c - query URLs and $filter literals.
 *
 * Owns: building ".../accounts?$select=..&$filter=.." from struct
 * odata_query, and the literal quoting rules of $filter.
 * Source: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/filter-rows
 * Option values are percent-encoded except for the characters OData
 * expressions use and RFC 3986 allows in a query ( , ( ) ' $ : @ * ! ), so
 * logged URLs stay readable; '+', '&', '#', '%', '/', '?', ';', '=' and
 * spaces are always encoded, as the Dataverse docs require for literals. */
#include "odata/odata.h"
#include "util/strutil.h"

#include <stdio.h>
#include <string.h>

int odata_append_string_literal(struct dv_buf *b, const char *s, size_t len)
{
	if (dv_buf_appendc(b, '\'') != 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\'' && dv_buf_appendc(b, '\'') != 0)
			return -1;
		if (dv_buf_appendc(b, s[i]) != 0)
			return -1;
	}
	return dv_buf_appendc(b, '\'');
}

/* Inside contains/startswith/endswith the value is a SQL LIKE pattern:
 * % _ [ are wildcards, so each is wrapped in brackets to match itself. */
int odata_append_like_literal(struct dv_buf *b, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		int rc;
		if (s[i] == '%' || s[i] == '_' || s[i] == '[')
			rc = dv_buf_appendf(b, "[%c]", s[i]);
		else if (s[i] == '\'')
			rc = dv_buf_appends(b, "''");
		else
			rc = dv_buf_appendc(b, s[i]);
		if (rc != 0)
			return -1;
	}
	return 0;
}

static int encode_option_value(struct dv_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	static const char keep[] = "-._~,()'$:@*!";
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || (c && strchr(keep, c));
		int rc;
		if (plain) {
			rc = dv_buf_appendc(b, (char)c);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			rc = dv_buf_append(b, e, 3);
		}
		if (rc != 0)
			return -1;
	}
	return 0;
}

static int add_option(struct dv_buf *b, int *first, const char *name, const char *value)
{
	if (!value || !*value)
		return 0;
	if (dv_buf_appends(b, *first ? "?" : "&") != 0 || dv_buf_appendf(b, "%s=", name) != 0)
		return -1;
	*first = 0;
	return encode_option_value(b, value);
}

char *odata_query_url(const struct odata_query *q)
{
	struct dv_buf b;
	char top[32];
	int first = 1, rc = 0;

	dv_buf_init(&b, 0);
	rc |= dv_buf_appendf(&b, "%s%s", q->base, q->entity_set);
	snprintf(top, sizeof(top), "%ld", q->top);
	rc |= add_option(&b, &first, "$select", q->select);
	rc |= add_option(&b, &first, "$filter", q->filter);
	rc |= add_option(&b, &first, "$orderby", q->orderby);
	rc |= add_option(&b, &first, "$top", q->top > 0 ? top : NULL);
	rc |= add_option(&b, &first, "$count", q->count ? "true" : NULL);
	rc |= add_option(&b, &first, "$apply", q->apply);
	rc |= add_option(&b, &first, "$expand", q->expand);
	if (rc != 0) {
		dv_buf_free(&b);
		return NULL;
	}
	return dv_buf_steal(&b);
}
