/* odata_batch.c - OData $batch requests: multipart/mixed build, send, parse.
 *
 * Owns: the body of POST <api>/$batch (spec section 9): CRLF line endings,
 * boundary "batch_<guid>", each operation an application/http part holding
 * "<METHOD> <absolute URL> HTTP/1.1", its headers and JSON body; with
 * changeset set, all operations sit in one change set "changeset_<guid>"
 * (one transaction at the service) with Content-ID 1..n.  And the response:
 * multipart/mixed with boundary "batchresponse_<guid>", parts in request
 * order, change sets as nested "changesetresponse_<guid>" parts echoing
 * Content-ID (a failed change set holds only its failing part); each part's
 * HTTP status, OData-EntityId and body (the error JSON) are kept.  The
 * parser accepts quoted or bare boundaries and CRLF or LF.
 * Sources: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api
 *          OData v4.0 part 1, section 11.7 (Batch Requests), RFC 2046 section 5.1 */
#include "odata/odata.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "http/http.h"
#include "util/strutil.h"

void odata_new_guid(char out[37])
{
	unsigned char b[16];
	size_t i, k = 0;
	static const char hex[] = "0123456789abcdef";
	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		/* no entropy source: still unique enough for a boundary */
		unsigned long long t = (unsigned long long)time(NULL) ^ (unsigned long long)(size_t)b;
		for (i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)(t >> ((i % 8) * 8)) ^ (unsigned char)(i * 37);
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[k++] = '-';
		out[k++] = hex[b[i] >> 4];
		out[k++] = hex[b[i] & 0x0f];
	}
	out[k] = '\0';
}

/* ---- building -------------------------------------------------------- */

static void append_operation(struct dv_buf *b, const char *api_base,
			     const struct odata_batch_op *op, int content_id, int in_changeset)
{
	size_t i;
	dv_buf_appends(b, "Content-Type: application/http\r\n"
			  "Content-Transfer-Encoding: binary\r\n");
	if (content_id > 0)
		dv_buf_appendf(b, "Content-ID: %d\r\n", content_id);
	dv_buf_appendf(b, "\r\n%s %s%s HTTP/1.1\r\n", op->method,
		       strncmp(op->path, "http", 4) == 0 ? "" : api_base, op->path);
	if (op->body)
		dv_buf_appendf(b, "Content-Type: application/json%s\r\n",
			       in_changeset ? "; type=entry" : "");
	for (i = 0; op->headers && op->headers[i]; i++)
		dv_buf_appendf(b, "%s\r\n", op->headers[i]);
	dv_buf_appends(b, "\r\n");
	if (op->body)
		dv_buf_appends(b, op->body);
	dv_buf_appends(b, "\r\n");
}

int odata_batch_build(const char *api_base, const struct odata_batch_op *ops, size_t n,
		      int changeset, const char *batch_id, const char *changeset_id,
		      struct dv_buf *out)
{
	size_t i;
	if (changeset) {
		dv_buf_appendf(out, "--batch_%s\r\nContent-Type: multipart/mixed; "
			       "boundary=changeset_%s\r\n\r\n", batch_id, changeset_id);
		for (i = 0; i < n; i++) {
			dv_buf_appendf(out, "--changeset_%s\r\n", changeset_id);
			append_operation(out, api_base, &ops[i], (int)i + 1, 1);
		}
		dv_buf_appendf(out, "--changeset_%s--\r\n", changeset_id);
	} else {
		for (i = 0; i < n; i++) {
			dv_buf_appendf(out, "--batch_%s\r\n", batch_id);
			append_operation(out, api_base, &ops[i], 0, 0);
		}
	}
	return dv_buf_appendf(out, "--batch_%s--\r\n", batch_id);
}

/* ---- parsing --------------------------------------------------------- */

struct parts {
	struct odata_batch_result *items;
	size_t n, cap;
};

/* Start of the line after p (past LF), or end. */
static const char *next_line(const char *p, const char *end)
{
	const char *nl;
	if (p >= end)
		return end;
	nl = memchr(p, '\n', (size_t)(end - p));
	return nl ? nl + 1 : end;
}

/* Length of the line at p without CR/LF. */
static size_t line_len(const char *p, const char *end)
{
	const char *nl;
	size_t n;
	if (p >= end)
		return 0;
	nl = memchr(p, '\n', (size_t)(end - p));
	n = (size_t)((nl ? nl : end) - p);
	if (n > 0 && p[n - 1] == '\r')
		n--;
	return n;
}

/* Header value of "Name: value" when the line's name is `name`, else NULL. */
static const char *header_is(const char *line, size_t len, const char *name, size_t *vlen)
{
	size_t n = strlen(name);
	const char *v;
	if (len <= n || line[n] != ':' || dv_strncasecmp(line, name, n) != 0)
		return NULL;
	v = line + n + 1;
	while (v < line + len && (*v == ' ' || *v == '\t'))
		v++;
	*vlen = (size_t)(line + len - v);
	return v;
}

/* The boundary parameter of a Content-Type value (quotes removed). */
static char *boundary_of(const char *ct, size_t len)
{
	const char *p = ct, *end = ct + len, *start;
	while (p + 9 <= end && dv_strncasecmp(p, "boundary=", 9) != 0)
		p++;
	if (p + 9 > end)
		return NULL;
	p += 9;
	if (p < end && *p == '"') {
		start = ++p;
		while (p < end && *p != '"')
			p++;
	} else {
		start = p;
		while (p < end && *p != ';' && *p != ' ' && *p != '\r' && *p != '\n')
			p++;
	}
	return p > start ? dv_strndup(start, (size_t)(p - start)) : NULL;
}

/* True when the line at p is "--boundary" or "--boundary--" (*last set). */
static int is_delimiter(const char *p, const char *end, const char *boundary, int *last)
{
	size_t bl = strlen(boundary), n = line_len(p, end);
	if (n < bl + 2 || p[0] != '-' || p[1] != '-' || memcmp(p + 2, boundary, bl) != 0)
		return 0;
	*last = n >= bl + 4 && p[bl + 2] == '-' && p[bl + 3] == '-';
	return 1;
}

static struct odata_batch_result *new_result(struct parts *ps)
{
	struct odata_batch_result *r;
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 16;
		r = realloc(ps->items, cap * sizeof(*r));
		if (!r)
			return NULL;
		ps->items = r;
		ps->cap = cap;
	}
	r = &ps->items[ps->n++];
	memset(r, 0, sizeof(*r));
	return r;
}

/* An application/http part: "HTTP/1.1 204 No Content", headers, body. */
static int parse_http_part(const char *p, const char *end, int content_id, struct parts *ps)
{
	struct odata_batch_result *r = new_result(ps);
	const char *body;
	size_t n, vlen;
	if (!r)
		return -1;
	r->content_id = content_id;
	n = line_len(p, end);
	if (n < 12 || strncmp(p, "HTTP/", 5) != 0)
		return -1;
	{
		const char *sp = memchr(p, ' ', n);
		r->status = sp ? strtol(sp + 1, NULL, 10) : 0;
	}
	for (p = next_line(p, end); p < end && (n = line_len(p, end)) > 0;
	     p = next_line(p, end)) {
		const char *v = header_is(p, n, "OData-EntityId", &vlen);
		if (v && !r->entity_id)
			r->entity_id = dv_strndup(v, vlen);
	}
	body = next_line(p, end);
	n = (size_t)(end - body);
	while (n > 0 && (body[n - 1] == '\n' || body[n - 1] == '\r'))
		n--;
	if (n > 0) {
		r->body = dv_strndup(body, n);
		r->body_len = n;
		if (!r->body)
			return -1;
	}
	return r->status > 0 ? 0 : -1;
}

static int parse_multipart(const char *body, const char *end, const char *boundary,
			   struct parts *ps, int depth);

/* One MIME part (between delimiters): headers, blank line, content. */
static int parse_part(const char *p, const char *end, struct parts *ps, int depth)
{
	char *inner = NULL;
	int content_id = 0, rc;
	size_t n, vlen;
	for (; p < end && (n = line_len(p, end)) > 0; p = next_line(p, end)) {
		const char *v = header_is(p, n, "Content-Type", &vlen);
		if (v && vlen >= 15 && dv_strncasecmp(v, "multipart/mixed", 15) == 0) {
			free(inner);
			inner = boundary_of(v, vlen);
		}
		v = header_is(p, n, "Content-ID", &vlen);
		if (v)
			content_id = (int)strtol(v, NULL, 10);
	}
	p = next_line(p, end);
	if (inner) {
		rc = depth < 2 ? parse_multipart(p, end, inner, ps, depth + 1) : -1;
		free(inner);
		return rc;
	}
	return parse_http_part(p, end, content_id, ps);
}

static int parse_multipart(const char *body, const char *end, const char *boundary,
			   struct parts *ps, int depth)
{
	const char *p = body, *part = NULL;
	int last = 0;
	for (; p < end; p = next_line(p, end)) {
		if (!is_delimiter(p, end, boundary, &last))
			continue;
		if (part && parse_part(part, p, ps, depth) != 0)
			return -1;
		if (last)
			return 0;
		part = next_line(p, end);
	}
	return -1; /* no closing delimiter: the body was cut */
}

int odata_batch_parse(const char *content_type, const char *body, size_t len,
		      struct odata_batch_result **out, size_t *n, struct dv_error *err)
{
	struct parts ps = {NULL, 0, 0};
	char *boundary = content_type ? boundary_of(content_type, strlen(content_type)) : NULL;
	int rc;
	*out = NULL;
	*n = 0;
	if (!boundary)
		return dv_error_set(err, DV_S_08S01, 0, "the $batch response is not multipart "
				    "(Content-Type: %s)", content_type ? content_type : "none");
	rc = parse_multipart(body, body + len, boundary, &ps, 0);
	free(boundary);
	if (rc != 0) {
		odata_batch_results_free(ps.items, ps.n);
		return dv_error_set(err, DV_S_08S01, 0, "the $batch response could not be read "
				    "(malformed or incomplete multipart body)");
	}
	*out = ps.items;
	*n = ps.n;
	return 0;
}

void odata_batch_results_free(struct odata_batch_result *r, size_t n)
{
	size_t i;
	for (i = 0; r && i < n; i++) {
		free(r[i].entity_id);
		free(r[i].body);
	}
	free(r);
}

/* ---- sending --------------------------------------------------------- */

int odata_batch_send(struct dv_http *http, const char *api_base,
		     const struct odata_batch_op *ops, size_t n, int changeset,
		     struct odata_batch_call *call, struct odata_batch_result **out,
		     size_t *nout, struct dv_error *err)
{
	static const char *const headers[] = {"Prefer: odata.continue-on-error", NULL};
	char batch_id[37], cs_id[37], ct[80];
	struct dv_http_req req;
	struct dv_http_resp resp;
	struct dv_buf body, url;
	int rc;
	*out = NULL;
	*nout = 0;
	odata_new_guid(batch_id);
	odata_new_guid(cs_id);
	dv_buf_init(&body, 0);
	dv_buf_init(&url, 0);
	odata_batch_build(api_base, ops, n, changeset, batch_id, cs_id, &body);
	dv_buf_appendf(&url, "%s$batch", api_base);
	snprintf(ct, sizeof(ct), "multipart/mixed; boundary=batch_%s", batch_id);
	if (!body.data || !url.data) {
		dv_buf_free(&body);
		dv_buf_free(&url);
		return dv_error_nomem(err);
	}
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = dv_buf_str(&url);
	req.headers = headers;
	req.body = body.data;
	req.body_len = body.len;
	req.content_type = ct;
	req.idempotent = call && call->resend_safe;
	dv_http_resp_init(&resp);
	rc = dv_http_send(http, &req, &resp, err);
	if (call) {
		call->status = resp.status;
		call->attempts = resp.attempts;
	}
	/* with continue-on-error the batch answers 200; a 4xx carrying a
	 * multipart body (stop-on-error services) is read the same way */
	if (resp.content_type && dv_strncasecmp(resp.content_type, "multipart/", 10) == 0 &&
	    (rc == 0 || resp.status == 400))
		rc = odata_batch_parse(resp.content_type, dv_buf_str(&resp.body), resp.body.len,
				       out, nout, err);
	else if (rc == 0)
		rc = dv_error_set(err, DV_S_08S01, 0, "the $batch response is not multipart "
				  "(HTTP %ld)", resp.status);
	dv_http_resp_free(&resp);
	dv_buf_free(&body);
	dv_buf_free(&url);
	return rc;
}
