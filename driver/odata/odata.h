/* odata.h - the OData client: URLs, streaming page reads, error bodies.
 *
 * Owns: building query URLs from parts (odata_url_*), literal quoting for
 * $filter, the streaming reader that turns one page of
 * {"@odata.context":..,"value":[{..},..],"@odata.nextLink":".."} into rows of
 * typed cells (yajl callbacks straight into a page buffer: no DOM, memory
 * bounded by one page), the cursor that follows @odata.nextLink with the same
 * Prefer header until the end (a page is re-read whole if its transfer fails,
 * so no row is lost or repeated), and the mapping of Dataverse error bodies
 * {"error":{"code":"0x80040217","message":".."}} to dv_error, and $batch
 * requests (odata_batch.c: multipart build, send, response parse).
 * Source: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-data-web-api
 *         https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors */
#ifndef DV_ODATA_ODATA_H
#define DV_ODATA_ODATA_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/error.h"

struct dv_http;

/* ---- URLs ------------------------------------------------------------ */

/* Appends a $filter string literal: 'O''Brian' (quote doubled), then the
 * caller URL-encodes the whole option value with dv_url_encode. */
int odata_append_string_literal(struct dv_buf *b, const char *s, size_t len);
/* Appends a value for contains/startswith/endswith: LIKE wildcards % _ [
 * escaped as [%] [_] [[] so they match literally. Quotes doubled, no quotes
 * around. */
int odata_append_like_literal(struct dv_buf *b, const char *s, size_t len);

struct odata_query {
	const char *base;        /* ".../api/data/v9.2/" with the trailing slash */
	const char *entity_set;  /* "accounts" */
	const char *select;      /* "name,revenue" or NULL (all columns) */
	const char *filter;      /* unencoded $filter text or NULL */
	const char *orderby;     /* unencoded, e.g. "name asc,accountid asc" or NULL */
	long top;                /* 0 = none */
	int count;               /* $count=true */
	const char *apply;       /* $apply or NULL */
	const char *expand;      /* $expand or NULL */
};
/* Builds the absolute URL with each option value percent-encoded. Caller frees. */
char *odata_query_url(const struct odata_query *q);

/* ---- rows ------------------------------------------------------------ */

enum odata_kind {           /* how a JSON value is read into a cell */
	ODATA_STRING,       /* text (also GUIDs, dates, date-times, multi-select "1,3") */
	ODATA_INT,          /* JSON integer -> int64 */
	ODATA_DOUBLE,       /* JSON number -> double */
	ODATA_DECIMAL,      /* JSON number kept as its exact text */
	ODATA_BOOL,         /* true/false -> int64 1/0 */
	ODATA_BINARY        /* base64 text kept as text (decoded by the consumer) */
};

struct odata_colspec {
	const char *property;    /* JSON property, e.g. "name", "_parentcustomerid_value" */
	const char *annotation;  /* NULL = the value itself; else the term after '@', e.g.
				    "OData.Community.Display.V1.FormattedValue" or
				    "Microsoft.Dynamics.CRM.lookuplogicalname" */
	enum odata_kind kind;
};

enum odata_cell_type { OC_NULL = 0, OC_INT, OC_DOUBLE, OC_TEXT };

struct odata_cell {
	enum odata_cell_type type;
	int64_t i;           /* OC_INT (also booleans) */
	double d;            /* OC_DOUBLE */
	const char *s;       /* OC_TEXT: NUL-terminated, owned by the page */
	size_t len;
};

/* One page of rows: cells[row * ncols + col]. A property absent from a row
 * (FetchXML omits nulls) leaves the cell OC_NULL. */
struct odata_page {
	size_t ncols;
	size_t nrows;
	struct odata_cell *cells;
	char *next_link;     /* @odata.nextLink or NULL */
	char *delta_link;    /* @odata.deltaLink or NULL */
	char *paging_cookie; /* FetchXML: @Microsoft.Dynamics.CRM.fetchxmlpagingcookie or NULL */
	int more_records;    /* FetchXML: @Microsoft.Dynamics.CRM.morerecords is true */
	long long count;     /* @odata.count, -1 when absent */
	/* private: arena and parser state follow in the implementation */
	void *priv;
};

/* A cursor over all pages of one query. */
struct odata_cursor;

/* Starts reading url (the first page is requested now).  prefer is the
 * complete Prefer header value sent on every page (e.g.
 * "odata.maxpagesize=5000,odata.include-annotations=\"*\"") or NULL.
 * cols describes which properties become cells; the array must outlive the
 * cursor. */
struct odata_cursor *odata_cursor_open(struct dv_http *http, const char *url,
				       const char *prefer,
				       const struct odata_colspec *cols, size_t ncols,
				       struct dv_error *err);
/* Moves to the next row.  Returns 1 and points *row at ncols cells (valid
 * until the next call), 0 at the end, -1 with err set.  Fetches the next page
 * when the current one is used up. */
int odata_cursor_next(struct odata_cursor *cur, const struct odata_cell **row,
		      struct dv_error *err);
/* As odata_cursor_open, with prefetch chosen by the caller instead of the
 * connection's Prefetch key: non-zero = while the caller reads page N, page
 * N+1 is fetched and parsed on a second connection by a worker thread (at
 * most two pages in memory; rows in order, each once; an error on a
 * prefetched page is returned when the caller reaches it). */
struct odata_cursor *odata_cursor_open_ex(struct dv_http *http, const char *url,
					  const char *prefer,
					  const struct odata_colspec *cols, size_t ncols,
					  int prefetch, struct dv_error *err);
/* A scan of one table that may be read as partitions at once (see
 * odata_cursor.c, PARTITIONED SCANS): the connection's ParallelReads key
 * decides; a query with top, apply, expand or count, or without key or
 * created, is read as one chain of pages as odata_cursor_open does, and so
 * is an unordered one with a row budget.  Rows of an unordered
 * partitioned scan come in no particular order, each once; those of a
 * scan with orderby come in the service's order, merged (MERGED ORDER BY
 * in odata_cursor.c) when every order key can be compared as the service
 * does, else on one chain.  A row budget (ROW BUDGET in odata_cursor.c)
 * bounds what the chain, or each partition, reads ahead. */
struct odata_scan {
	const struct odata_query *q;
	const char *key;      /* primary key property, e.g. "accountid" */
	const char *created;  /* "createdon" when the table has it, else NULL */
	long budget;          /* > 0: rows the statement needs (its LIMIT) */
	int budget_exact;     /* 1: the first budget rows are the answer: no more
				 are read; 0: at least budget rows are needed
				 (a term stays local): no page is prefetched
				 once budget rows are read */
	/* text compared as the service's collation compares it (the engine's
	 * textfold_cmp), or NULL: an orderby on text is then never merged */
	int (*text_cmp)(const char *a, size_t na, const char *b, size_t nb);
};
struct odata_cursor *odata_cursor_open_scan(struct dv_http *http, const struct odata_scan *scan,
					    const char *prefer,
					    const struct odata_colspec *cols, size_t ncols,
					    struct dv_error *err);
/* Partitions being read at once (0 = one chain of pages). */
int odata_cursor_partitions(const struct odata_cursor *cur);
/* The @odata.deltaLink of the last page read (a delta query's), or NULL
 * before the last page was reached.  Owned by the cursor. */
const char *odata_cursor_delta_link(const struct odata_cursor *cur);
/* Pages requested so far (a prefetched page counts once it is requested). */
unsigned long odata_cursor_pages(const struct odata_cursor *cur);
/* 1 when the cursor's prefetch worker is running (tests, logs). */
int odata_cursor_prefetching(const struct odata_cursor *cur);
void odata_cursor_close(struct odata_cursor *cur);

/* Reads one page without a cursor (used by the cursor and by tests).  A page
 * must be zeroed before its first use; it may be reused for later pages (its
 * memory is kept) and is released with odata_page_free.  A body that ends
 * before its JSON does is requested again (up to 3 times) from the start. */
int odata_page_read(struct dv_http *http, const char *url, const char *prefer,
		    const struct odata_colspec *cols, size_t ncols,
		    struct odata_page *page, struct dv_error *err);
/* Parses a complete body held in memory into page (unit tests, $batch parts). */
int odata_page_parse(const char *json, size_t len, const struct odata_colspec *cols,
		     size_t ncols, struct odata_page *page, struct dv_error *err);
void odata_page_free(struct odata_page *page);

/* ---- errors ---------------------------------------------------------- */

/* Turns an HTTP status and error body (Dataverse {"error":{..}} or identity
 * platform {"error":"invalid_client","error_description":"AADSTS..."}) into
 * err: SQLSTATE from the status and code, native = the Dataverse code as a
 * signed 32-bit number (or the AADSTS number), message =
 * "<service message> (Dataverse error 0x80040217, HTTP 404)". */
int odata_error_from_response(long status, const char *body, size_t len,
			      struct dv_error *err);

/* ---- $batch (odata_batch.c) ------------------------------------------- */

/* One operation of a $batch request. */
struct odata_batch_op {
	const char *method;          /* "POST", "PATCH", "DELETE" */
	const char *path;            /* relative to api_base ("accounts(<id>)") or absolute URL */
	const char *body;            /* JSON or NULL */
	const char *const *headers;  /* extra "Name: value" lines, NULL-terminated, or NULL */
};

/* The answer to one operation. */
struct odata_batch_result {
	long status;                 /* the part's HTTP status */
	int content_id;              /* Content-ID echoed in a change set response, else 0 */
	char *entity_id;             /* OData-EntityId or NULL */
	char *body;                  /* the part's body (an error JSON) or NULL */
	size_t body_len;
};

/* A random (version 4) GUID, lowercase with hyphens. */
void odata_new_guid(char out[37]);
/* Appends the multipart/mixed body of a $batch request to out (CRLF line
 * endings, boundary "batch_<batch_id>").  changeset: every op in one change
 * set "changeset_<changeset_id>" with Content-ID 1..n (all-or-nothing at the
 * service); else each op is its own part.  At most 1000 ops (the caller
 * splits). */
int odata_batch_build(const char *api_base, const struct odata_batch_op *ops, size_t n,
		      int changeset, const char *batch_id, const char *changeset_id,
		      struct dv_buf *out);
/* Parses a multipart/mixed $batch response (boundary from content_type):
 * one result per answered operation in response order, change set
 * responses flattened in place. Caller frees with odata_batch_results_free. */
int odata_batch_parse(const char *content_type, const char *body, size_t len,
		      struct odata_batch_result **out, size_t *n, struct dv_error *err);
void odata_batch_results_free(struct odata_batch_result *r, size_t n);
/* How a $batch request went, beyond its results. */
struct odata_batch_call {
	int resend_safe;   /* in: every operation may be sent twice (the caller
			      judges a re-sent copy's answers): retried like a GET */
	long status;       /* out: HTTP status of the last attempt, 0 when none came */
	int attempts;      /* out: how many times the request was sent */
};
/* POSTs <api_base>$batch with Prefer: odata.continue-on-error and parses
 * the answer.  Returns -1 (err set) only when the batch as a whole failed
 * (transport, auth, unreadable answer); per-operation failures are results.
 * call may be NULL. */
int odata_batch_send(struct dv_http *http, const char *api_base,
		     const struct odata_batch_op *ops, size_t n, int changeset,
		     struct odata_batch_call *call, struct odata_batch_result **out,
		     size_t *nout, struct dv_error *err);

#endif
