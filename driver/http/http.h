/* http.h - the one HTTP choke point (libcurl).
 *
 * Owns: struct dv_http, one per connection: a reused CURL easy handle
 * (keep-alive, gzip, proxy and TLS options from the config), the standard
 * Dataverse headers (OData-MaxVersion/OData-Version 4.0, Accept, If-None-Match:
 * null), the bearer token from dv_auth (refreshed once on a 401), retries
 * (429 with Retry-After, 502/503/504 and transport failures of idempotent
 * requests, capped exponential backoff, bounded by the Timeout key; a 429
 * holds every handle of the connection's family until its Retry-After has
 * passed, and a Retry-After above MaxRetryWait fails at once, saying so),
 * cancellation, and logging with secrets masked.
 *
 * Outcome mapping lives here and in odata/odata_error.c: a 2xx completes; a
 * non-2xx body is parsed as a Dataverse or identity-platform error and
 * becomes a dv_error (401 -> 28000, 403 -> 42000, 404 -> 42S02 for an entity
 * set, 429 after retries -> HY000 with the service message, transport
 * failures -> 08S01 / 08001 when connecting, timeout -> HYT00, cancel ->
 * HY008). */
#ifndef DV_HTTP_HTTP_H
#define DV_HTTP_HTTP_H

#include <stddef.h>

#include "util/buf.h"
#include "util/error.h"

struct dv_config;
struct dv_log;
struct dv_auth;
struct dv_http;

/* Receives a 2xx body as it arrives.  Return 0 to go on, non-zero to abort
 * the transfer (the call then fails with the error the sink left in *err of
 * dv_http_send, or HY000). */
typedef int (*dv_http_body_fn)(void *ctx, const char *data, size_t len);
/* Called once before the first byte of a retried attempt's body, so a
 * streaming parser can start over (may be NULL). */
typedef void (*dv_http_restart_fn)(void *ctx);

struct dv_http_req {
	const char *method;          /* "GET", "POST", "PATCH", "DELETE", "PUT" */
	const char *url;             /* absolute URL */
	const char *const *headers;  /* extra "Name: value" lines, NULL-terminated; may be NULL */
	const char *body;            /* request body or NULL */
	size_t body_len;
	const char *content_type;    /* for body; default "application/json" */
	dv_http_body_fn on_body;     /* NULL: a 2xx body is buffered in resp->body */
	dv_http_restart_fn on_restart;
	void *ctx;
	int idempotent;              /* may be re-sent after a transport failure */
	int no_auth;                 /* token requests: no Authorization header, no OData headers */
	int no_proxy;                /* never through a proxy (instance metadata endpoint) */
};

/* A received header the upper layers care about; value is malloc'd. */
struct dv_http_resp {
	long status;
	struct dv_buf body;          /* buffered 2xx body, or the error body (capped) */
	char *content_type;
	char *odata_entity_id;       /* OData-EntityId */
	char *etag;                  /* ETag */
	char *preference_applied;    /* all Preference-Applied values, comma-joined */
	char *www_authenticate;
	long retry_after;            /* seconds, -1 when absent */
	int attempts;                /* how many times the request was sent */
};

struct dv_http *dv_http_new(const struct dv_config *cfg, struct dv_log *log,
			    struct dv_error *err);
void dv_http_free(struct dv_http *http);
/* A second handle (own easy handle and connection) for use from another
 * thread, e.g. a cursor's prefetch worker.  It shares the parent's config,
 * log, auth provider (token calls serialised, so the token is shared
 * safely), query timeout (as set now), request count and cancel: a
 * dv_http_cancel of the parent stops the sibling's transfer too (HY008).
 * Free it with dv_http_free before the parent. */
struct dv_http *dv_http_new_sibling(struct dv_http *parent, struct dv_error *err);
/* The configuration the handle was made with (may be NULL in unit tests). */
const struct dv_config *dv_http_config(const struct dv_http *http);
/* The auth provider consulted for every request without no_auth (may stay NULL). */
void dv_http_set_auth(struct dv_http *http, struct dv_auth *auth);

void dv_http_resp_init(struct dv_http_resp *resp);
void dv_http_resp_free(struct dv_http_resp *resp);

/* Sends req.  Returns 0 when the final attempt got a 2xx; -1 otherwise with
 * err set (resp->status and resp->body still tell what the server said). */
int dv_http_send(struct dv_http *http, const struct dv_http_req *req,
		 struct dv_http_resp *resp, struct dv_error *err);
/* GETs url (idempotent: retried as dv_http_send retries) into *body, which
 * the caller frees.  0 on a 2xx; -1 with err set and *body empty. */
int dv_http_get(struct dv_http *http, const char *url, struct dv_buf *body,
		struct dv_error *err);

/* Asks the transfer in progress (from any thread) to stop; it fails with
 * HY008.  dv_http_reset_cancel clears the request before the next call. */
void dv_http_cancel(struct dv_http *http);
void dv_http_reset_cancel(struct dv_http *http);

/* Overrides the per-request timeout (SQL_ATTR_QUERY_TIMEOUT); 0 = the
 * connection's Timeout key. */
void dv_http_set_timeout(struct dv_http *http, long seconds);

/* ---- origins (http_util.c) ------------------------------------------ */

/* "scheme://host:port" of an absolute URL (lower case, port explicit) into
 * out and its host into host (either may be NULL).  0, or -1 when url is
 * not an absolute URL. */
int dv_url_origin(const char *url, char *out, size_t size, char *host, size_t host_size);
/* 1 when both URLs have the same scheme, host and port. */
int dv_url_same_origin(const char *a, const char *b);
/* 1 when url (an http:// URL or a proxy "host:port") would carry requests
 * in clear text to a host other than the loopback interface (127.0.0.0/8,
 * ::1, localhost); its host goes to host.  0 for https:// and loopback. */
int dv_url_cleartext(const char *url, char *host, size_t host_size);

/* The last x-ms-dop-hint (the service's recommended number of parallel
 * requests) any handle of this family received; 0 before the first. */
long dv_http_dop_hint(const struct dv_http *http);

/* Request counter (for SQLGetInfo/benchmarks/tests). */
unsigned long dv_http_requests_sent(const struct dv_http *http);

#endif
