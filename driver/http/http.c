/* http.c - the one HTTP choke point (see http.h for the contract).
 *
 * HOW IT WORKS: dv_http_send runs attempts of one request on the
 * connection's reused easy handle (curl_easy_reset keeps the connection
 * cache, so keep-alive survives).  Each attempt builds the headers (a fresh
 * bearer token from dv_auth), performs, and classifies the outcome:
 *   2xx                         -> done
 *   401 on a Web API request    -> force a token refresh, once, and resend
 *   429                         -> wait Retry-After (capped), resend
 *   502/503/504 (idempotent)    -> capped exponential backoff, resend
 *   connect failure             -> backoff, resend (nothing reached the server)
 *   transfer failure (idempotent) -> backoff, resend; the body sink is told
 *                                  to start over (on_restart)
 *   anything else               -> error from the body (odata_error_from_response)
 * Never more than HTTP_MAX_ATTEMPTS sends, never past the deadline set by
 * the Timeout key.  The status is known at the first body byte, so a 2xx
 * body streams into the sink while an error body goes to a capped buffer. */
#include "http/http.h"
#include "http/http_priv.h"
#include "auth/auth.h"
#include "config/config.h"
#include "odata/odata.h"
#include "util/log.h"
#include "util/strutil.h"

#include "config.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HTTP_MAX_ATTEMPTS 5
#define HTTP_ERROR_BODY_MAX (64 * 1024)
#define HTTP_RETRY_AFTER_CAP 120   /* seconds: default MaxRetryWait */
#define HTTP_RETRY_AFTER_DEFAULT 5 /* seconds, when a 429 carries no Retry-After */
#define HTTP_CONNECT_TIMEOUT 30

struct dv_http {
	CURL *curl;
	const struct dv_config *cfg;
	struct dv_log *log;
	struct dv_auth *auth;
	atomic_int cancel;
	long timeout_override;
	atomic_ulong requests;
	unsigned seed;
	char user_agent[64];
	/* Siblings (dv_http_new_sibling) share the parent's auth, cancel and
	 * request count; every dv_auth_token call of a family runs under the
	 * parent's auth_mu and the token is copied out before it is released. */
	struct dv_http *parent;
	pthread_mutex_t auth_mu;  /* used on the parent only */
	char *token_copy;         /* this handle's copy of the bearer token */
	/* One request at a time per handle: the easy handle, token_copy and
	 * the seed belong to the request in progress.  The ODBC layer already
	 * serialises a connection's users (odbc/handle.c); this keeps the
	 * handle safe for any other caller.  Recursive: an auth flow sends its
	 * token request on the handle that asked for the token. */
	pthread_mutex_t send_mu;
	/* Family-wide (read and written on the parent only): a 429 on any
	 * handle holds every request of the family until throttle_until
	 * (monotonic ms), so parallel partitions back off together; dop_hint
	 * is the last x-ms-dop-hint the service sent (0 = none yet). */
	atomic_llong throttle_until;
	atomic_long dop_hint;
};

/* State of one attempt, seen by the libcurl callbacks. */
struct attempt {
	struct dv_http *http;
	const struct dv_http_req *req;
	struct dv_http_resp *resp;
	int status_known;
	int is_2xx;
	int sink_failed;
	int restart_pending;  /* call on_restart before the first 2xx byte */
	size_t body_bytes;
};

static int init_locks(struct dv_http *http)
{
	pthread_mutexattr_t attr;
	int rc;
	if (pthread_mutexattr_init(&attr) != 0)
		return -1;
	/* recursive: a flow's own request never re-enters, but stay safe if one does */
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	rc = pthread_mutex_init(&http->auth_mu, &attr);
	if (rc == 0) {
		rc = pthread_mutex_init(&http->send_mu, &attr);
		if (rc != 0)
			pthread_mutex_destroy(&http->auth_mu);
	}
	pthread_mutexattr_destroy(&attr);
	return rc == 0 ? 0 : -1;
}

static void forget_token(struct dv_http *http)
{
	if (http->token_copy) {
		memset(http->token_copy, 0, strlen(http->token_copy));
		dv_freep(&http->token_copy);
	}
}

/* A cancel asked of this handle or of its parent (SQLCancel reaches the
 * connection's handle; a prefetch sibling must stop too). */
static int cancel_requested(struct dv_http *http)
{
	if (atomic_load(&http->cancel))
		return 1;
	return http->parent && atomic_load(&http->parent->cancel);
}

struct dv_http *dv_http_new(const struct dv_config *cfg, struct dv_log *log,
			    struct dv_error *err)
{
	struct dv_http *http = calloc(1, sizeof(*http));
	if (!http) {
		dv_error_nomem(err);
		return NULL;
	}
	http->curl = curl_easy_init();
	if (!http->curl) {
		free(http);
		dv_error_set(err, DV_S_HY000, 0, "cannot initialise libcurl");
		return NULL;
	}
	http->cfg = cfg;
	http->log = log;
	http->seed = (unsigned)time(NULL) ^ (unsigned)(size_t)http;
	atomic_init(&http->cancel, 0);
	atomic_init(&http->requests, 0);
	atomic_init(&http->throttle_until, 0);
	atomic_init(&http->dop_hint, 0);
	snprintf(http->user_agent, sizeof(http->user_agent), "dvodbc/%s", PACKAGE_VERSION);
	if (init_locks(http) != 0) {
		curl_easy_cleanup(http->curl);
		free(http);
		return dv_error_nomem(err), NULL;
	}
	return http;
}

struct dv_http *dv_http_new_sibling(struct dv_http *parent, struct dv_error *err)
{
	struct dv_http *http = dv_http_new(parent->cfg, parent->log, err);
	if (!http)
		return NULL;
	http->parent = parent->parent ? parent->parent : parent;
	http->auth = parent->auth;
	http->timeout_override = parent->timeout_override;
	return http;
}

const struct dv_config *dv_http_config(const struct dv_http *http)
{
	return http->cfg;
}

void dv_http_free(struct dv_http *http)
{
	if (!http)
		return;
	curl_easy_cleanup(http->curl);
	forget_token(http);
	pthread_mutex_destroy(&http->auth_mu);
	pthread_mutex_destroy(&http->send_mu);
	free(http);
}

void dv_http_set_auth(struct dv_http *http, struct dv_auth *auth)
{
	http->auth = auth;
}

void dv_http_cancel(struct dv_http *http)
{
	atomic_store(&http->cancel, 1);
}

void dv_http_reset_cancel(struct dv_http *http)
{
	atomic_store(&http->cancel, 0);
}

void dv_http_set_timeout(struct dv_http *http, long seconds)
{
	http->timeout_override = seconds;
}

static struct dv_http *family_of(struct dv_http *http)
{
	return http->parent ? http->parent : http;
}

long dv_http_dop_hint(const struct dv_http *http)
{
	const struct dv_http *owner = http->parent ? http->parent : http;
	return atomic_load(&((struct dv_http *)owner)->dop_hint);
}

unsigned long dv_http_requests_sent(const struct dv_http *http)
{
	return atomic_load(&http->requests);
}

void dv_http_resp_init(struct dv_http_resp *resp)
{
	memset(resp, 0, sizeof(*resp));
	dv_buf_init(&resp->body, 0);
	resp->retry_after = -1;
}

static void resp_clear_headers(struct dv_http_resp *resp)
{
	dv_freep(&resp->content_type);
	dv_freep(&resp->odata_entity_id);
	dv_freep(&resp->etag);
	dv_freep(&resp->preference_applied);
	dv_freep(&resp->www_authenticate);
	resp->retry_after = -1;
}

void dv_http_resp_free(struct dv_http_resp *resp)
{
	resp_clear_headers(resp);
	dv_buf_free(&resp->body);
}

/* ---- time ------------------------------------------------------------ */

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long timeout_seconds(const struct dv_http *http)
{
	if (http->timeout_override > 0)
		return http->timeout_override;
	return http->cfg ? http->cfg->timeout : 0;
}

/* Sleeps ms in short slices; returns -1 as soon as a cancel is requested. */
static int sleep_cancellable(struct dv_http *http, long ms)
{
	while (ms > 0) {
		long slice = ms < 50 ? ms : 50;
		struct timespec ts = {slice / 1000, (slice % 1000) * 1000000L};
		if (cancel_requested(http))
			return -1;
		nanosleep(&ts, NULL);
		ms -= slice;
	}
	return cancel_requested(http) ? -1 : 0;
}

/* ---- callbacks ------------------------------------------------------- */

static void learn_status(struct attempt *a)
{
	long code = 0;
	curl_easy_getinfo(a->http->curl, CURLINFO_RESPONSE_CODE, &code);
	a->resp->status = code;
	a->is_2xx = code >= 200 && code < 300;
	a->status_known = 1;
	if (!a->is_2xx)
		a->resp->body.max = HTTP_ERROR_BODY_MAX;
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct attempt *a = userdata;
	size_t len = size * nmemb;

	if (!a->status_known)
		learn_status(a);
	a->body_bytes += len;
	if (a->is_2xx && a->req->on_body) {
		if (a->restart_pending) {
			a->restart_pending = 0;
			if (a->req->on_restart)
				a->req->on_restart(a->req->ctx);
		}
		if (a->req->on_body(a->req->ctx, data, len) != 0) {
			a->sink_failed = 1;
			return 0; /* CURLE_WRITE_ERROR */
		}
		return len;
	}
	if (dv_buf_append(&a->resp->body, data, len) != 0 && a->is_2xx) {
		a->sink_failed = 1;
		return 0; /* a buffered 2xx body above the ceiling */
	}
	return len; /* error bodies beyond the cap are dropped */
}

static char *header_value(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);
	const char *v;
	if (len <= n || line[n] != ':' || dv_strncasecmp(line, name, n) != 0)
		return NULL;
	v = line + n + 1;
	len -= n + 1;
	while (len && (*v == ' ' || *v == '\t'))
		v++, len--;
	while (len && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
		len--;
	return dv_strndup(v, len);
}

static void keep_header(char **slot, char *value, int join)
{
	if (join && *slot) {
		struct dv_buf b;
		dv_buf_init(&b, 0);
		if (dv_buf_appendf(&b, "%s,%s", *slot, value) == 0) {
			free(*slot);
			*slot = dv_buf_steal(&b);
		}
		dv_buf_free(&b);
		free(value);
		return;
	}
	free(*slot);
	*slot = value;
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *userdata)
{
	struct attempt *a = userdata;
	struct dv_http_resp *r = a->resp;
	size_t len = size * nmemb;
	char *v;

	if (len >= 5 && memcmp(line, "HTTP/", 5) == 0) {
		resp_clear_headers(r); /* a new response (after 100 Continue) */
		return len;
	}
	if ((v = header_value(line, len, "Content-Type")))
		keep_header(&r->content_type, v, 0);
	else if ((v = header_value(line, len, "OData-EntityId")))
		keep_header(&r->odata_entity_id, v, 0);
	else if ((v = header_value(line, len, "ETag")))
		keep_header(&r->etag, v, 0);
	else if ((v = header_value(line, len, "Preference-Applied")))
		keep_header(&r->preference_applied, v, 1);
	else if ((v = header_value(line, len, "WWW-Authenticate")))
		keep_header(&r->www_authenticate, v, 1);
	else if ((v = header_value(line, len, "Retry-After"))) {
		r->retry_after = dv_http_parse_retry_after(v);
		free(v);
	} else if ((v = header_value(line, len, "x-ms-dop-hint"))) {
		/* Source: https://learn.microsoft.com/power-apps/developer/data-platform/api-limits
		 * (recommended degree of parallelism, sent on every answer) */
		long hint = strtol(v, NULL, 10);
		if (hint > 0)
			atomic_store(&family_of(a->http)->dop_hint, hint);
		free(v);
	}
	return len;
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	struct attempt *a = userdata;
	return cancel_requested(a->http) ? 1 : 0;
}

/* ---- request setup --------------------------------------------------- */

static int add_header(struct curl_slist **list, const char *line)
{
	struct curl_slist *n = curl_slist_append(*list, line);
	if (!n)
		return -1;
	*list = n;
	return 0;
}

static int build_headers(struct dv_http *http, const struct dv_http_req *req,
			 const char *token, struct curl_slist **list)
{
	struct dv_buf b;
	int rc = 0;

	dv_buf_init(&b, 0);
	int own_accept = 0; /* e.g. $metadata asks for application/xml */
	for (size_t i = 0; req->headers && req->headers[i]; i++)
		own_accept |= dv_strncasecmp(req->headers[i], "Accept:", 7) == 0;
	if (!own_accept)
		rc |= add_header(list, "Accept: application/json");
	rc |= add_header(list, "Expect:");
	if (!req->no_auth) {
		if (token) {
			rc |= dv_buf_appendf(&b, "Authorization: Bearer %s", token);
			rc |= add_header(list, dv_buf_str(&b));
		}
		rc |= add_header(list, "OData-MaxVersion: 4.0");
		rc |= add_header(list, "OData-Version: 4.0");
		rc |= add_header(list, "If-None-Match: null");
		if (http->cfg && http->cfg->caller_id && *http->cfg->caller_id) {
			dv_buf_reset(&b);
			rc |= dv_buf_appendf(&b, "MSCRMCallerID: %s", http->cfg->caller_id);
			rc |= add_header(list, dv_buf_str(&b));
		}
	}
	if (req->body) {
		dv_buf_reset(&b);
		rc |= dv_buf_appendf(&b, "Content-Type: %s",
				     req->content_type ? req->content_type : "application/json");
		rc |= add_header(list, dv_buf_str(&b));
	}
	for (size_t i = 0; req->headers && req->headers[i]; i++)
		rc |= add_header(list, req->headers[i]);
	dv_buf_free(&b);
	return rc ? -1 : 0;
}

static void set_transport_options(struct dv_http *http)
{
	CURL *c = http->curl;
	const struct dv_config *cfg = http->cfg;

	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(c, CURLOPT_USERAGENT, http->user_agent);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)HTTP_CONNECT_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	if (!cfg)
		return;
	if (cfg->proxy && *cfg->proxy)
		curl_easy_setopt(c, CURLOPT_PROXY, cfg->proxy);
	if (cfg->proxy_user && *cfg->proxy_user)
		curl_easy_setopt(c, CURLOPT_PROXYUSERNAME, cfg->proxy_user);
	if (cfg->proxy_password && *cfg->proxy_password)
		curl_easy_setopt(c, CURLOPT_PROXYPASSWORD, cfg->proxy_password);
	if (cfg->ssl_server_cert && strcmp(cfg->ssl_server_cert, "*") == 0) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (cfg->ssl_server_cert && *cfg->ssl_server_cert) {
		curl_easy_setopt(c, CURLOPT_CAINFO, cfg->ssl_server_cert);
	}
}

/* AuthScheme=NTLM: libcurl runs the NTLM / Negotiate handshake with the
 * credentials instead of a bearer header; both need HTTP/1.1.
 * Source: https://curl.se/libcurl/c/CURLOPT_HTTPAUTH.html */
static void set_windows_login(struct dv_http *http)
{
	const char *user = NULL, *password = NULL;
	long mask = dv_auth_http_login(http->auth, &user, &password);
	if (!mask)
		return;
	curl_easy_setopt(http->curl, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(http->curl, CURLOPT_HTTPAUTH, mask);
	curl_easy_setopt(http->curl, CURLOPT_USERNAME, user);
	curl_easy_setopt(http->curl, CURLOPT_PASSWORD, password);
}

static void set_request_options(struct dv_http *http, const struct dv_http_req *req,
				struct attempt *a, struct curl_slist *headers,
				long remaining_ms, char *errbuf)
{
	CURL *c = http->curl;

	curl_easy_reset(c);
	set_transport_options(http);
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, a);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, a);
	if (remaining_ms > 0)
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, remaining_ms);
	if (req->no_proxy)
		curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	if (!req->no_auth)
		set_windows_login(http);
	if (req->body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
	}
	/* libcurl re-sends a request on its own when a reused connection dies
	 * before the first response byte (lib/transfer.c Curl_retry_request),
	 * and the service may have applied it: a POST would create twice and a
	 * re-sent DELETE answer 404 for the row it removed.  A POST or DELETE
	 * therefore always opens a connection of its own, so every re-send is
	 * the driver's, counted in resp->attempts and judged by the caller. */
	if (strcmp(req->method, "POST") == 0 || strcmp(req->method, "DELETE") == 0)
		curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "POST") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	else if (strcmp(req->method, "POST") == 0 && !req->body) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
	}
}

/* ---- logging --------------------------------------------------------- */

static void log_request(struct dv_http *http, const struct dv_http_req *req, int attempt)
{
	DV_LOG(http->log, DV_LOG_INFO, http, "%s %s (attempt %d)", req->method, req->url,
	       attempt);
	if (dv_log_enabled(http->log, DV_LOG_DEBUG)) {
		DV_LOG(http->log, DV_LOG_DEBUG, http, "> %s",
		       req->no_auth ? "(token request, no Authorization)"
				    : "Authorization: Bearer ***");
		for (size_t i = 0; req->headers && req->headers[i]; i++)
			DV_LOG(http->log, DV_LOG_DEBUG, http, "> %s", req->headers[i]);
	}
	if (req->body && dv_log_enabled(http->log, DV_LOG_TRACE)) {
		struct dv_buf b;
		dv_buf_init(&b, 0);
		if (req->no_auth)
			dv_http_mask_form(&b, req->body, req->body_len);
		else
			dv_buf_append(&b, req->body, req->body_len);
		DV_LOG(http->log, DV_LOG_TRACE, http, "> body: %s", dv_buf_str(&b));
		dv_buf_free(&b);
	}
}

static void log_response(struct dv_http *http, const struct dv_http_req *req,
			 const struct attempt *a, long long elapsed_ms)
{
	DV_LOG(http->log, DV_LOG_INFO, http, "%s %s -> %ld (%zu bytes, %lld ms)", req->method,
	       req->url, a->resp->status, a->body_bytes, elapsed_ms);
	if (a->resp->body.len && dv_log_enabled(http->log, DV_LOG_TRACE)) {
		struct dv_buf b;
		dv_buf_init(&b, 0);
		dv_http_mask_json(&b, a->resp->body.data, a->resp->body.len);
		DV_LOG(http->log, DV_LOG_TRACE, http, "< body: %s", dv_buf_str(&b));
		dv_buf_free(&b);
	}
}

/* ---- outcome --------------------------------------------------------- */

enum verdict { V_DONE, V_FAIL, V_RETRY_NOW, V_RETRY_WAIT };

static void host_of(const char *url, char *host, size_t size)
{
	CURLU *u = curl_url();
	char *h = NULL;
	dv_strlcpy(host, url, size);
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK) {
		dv_strlcpy(host, h, size);
		curl_free(h);
	}
	curl_url_cleanup(u);
}

static int is_connect_failure(CURLcode rc)
{
	return rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
	       rc == CURLE_COULDNT_RESOLVE_PROXY || rc == CURLE_SSL_CONNECT_ERROR ||
	       rc == CURLE_PEER_FAILED_VERIFICATION;
}

static int is_transfer_failure(CURLcode rc)
{
	return rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR || rc == CURLE_PARTIAL_FILE ||
	       rc == CURLE_GOT_NOTHING || rc == CURLE_HTTP2 || rc == CURLE_HTTP2_STREAM ||
	       rc == CURLE_BAD_CONTENT_ENCODING;
}

static enum verdict transport_verdict(struct dv_http *http, const struct dv_http_req *req,
				      CURLcode rc, const char *errbuf, struct dv_error *err)
{
	char host[256];
	const char *why = errbuf[0] ? errbuf : curl_easy_strerror(rc);

	if (rc == CURLE_ABORTED_BY_CALLBACK && cancel_requested(http))
		return dv_error_set(err, DV_S_HY008, 0, "the request was canceled"), V_FAIL;
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return dv_error_set(err, DV_S_HYT00, 0, "the request timed out after %ld s "
				    "(Timeout key or query timeout): %s", timeout_seconds(http),
				    why), V_FAIL;
	host_of(req->url, host, sizeof(host));
	if (is_connect_failure(rc)) {
		dv_error_set(err, DV_S_08001, 0, "cannot connect to %s: %s", host, why);
		/* CURLE_PEER_FAILED_VERIFICATION is not transient */
		return rc == CURLE_PEER_FAILED_VERIFICATION ||
		       rc == CURLE_COULDNT_RESOLVE_HOST ? V_FAIL : V_RETRY_WAIT;
	}
	dv_error_set(err, DV_S_08S01, 0, "communication with %s failed: %s", host, why);
	return is_transfer_failure(rc) && req->idempotent ? V_RETRY_WAIT : V_FAIL;
}

/* ---- the send loop --------------------------------------------------- */

struct send_state {
	int force_refresh;
	int refreshed;     /* a 401 already triggered a refresh */
	int retries;       /* backoff retries so far */
	long long deadline;/* monotonic ms, 0 = none */
};

static int get_token(struct dv_http *http, const struct dv_http_req *req,
		     struct send_state *st, const char **token, struct dv_error *err)
{
	struct dv_http *owner = http->parent ? http->parent : http;
	const char *shared = NULL;
	int rc;

	*token = NULL;
	if (req->no_auth || !http->auth)
		return 0;
	/* dv_auth is not thread-safe and its token lives until its next call:
	 * one call at a time per family, and this handle keeps its own copy. */
	pthread_mutex_lock(&owner->auth_mu);
	rc = dv_auth_token(http->auth, http, st->force_refresh, &shared, err);
	forget_token(http);
	if (rc == 0 && shared) {
		http->token_copy = dv_strdup(shared);
		if (!http->token_copy)
			rc = dv_error_nomem(err);
	}
	pthread_mutex_unlock(&owner->auth_mu);
	if (rc != 0)
		return -1;
	*token = http->token_copy;
	st->force_refresh = 0;
	return 0;
}

static enum verdict status_verdict(struct dv_http *http, const struct dv_http_req *req,
				   struct dv_http_resp *resp, struct send_state *st,
				   struct dv_error *err)
{
	long s = resp->status;
	if (s >= 200 && s < 300)
		return V_DONE;
	odata_error_from_response(s, resp->body.data, resp->body.len, err);
	if (s == 401 && !req->no_auth && dv_auth_explain_401(http->auth, err))
		return V_FAIL; /* Windows credentials refused: a retry would count as a failed logon */
	if (s == 401 && !req->no_auth && http->auth && !st->refreshed) {
		st->refreshed = 1;
		st->force_refresh = 1;
		return V_RETRY_NOW;
	}
	if (s == 429)
		return V_RETRY_WAIT;
	if ((s == 502 || s == 503 || s == 504) && req->idempotent)
		return V_RETRY_WAIT;
	return V_FAIL;
}

static long max_retry_wait(const struct dv_http *http)
{
	return http->cfg ? http->cfg->max_retry_wait : HTTP_RETRY_AFTER_CAP;
}

/* A 429 asked for a wait longer than MaxRetryWait: the statement fails now
 * and says so, rather than hang for minutes without a word. */
static void too_long_to_wait(struct dv_http *http, long secs, struct dv_error *err)
{
	char service[sizeof(err->message)];
	dv_strlcpy(service, err->message, sizeof(service));
	dv_error_set(err, DV_S_HY000, err->native,
		     "the service's protection limits asked to wait %ld s before the next "
		     "request (429, Retry-After: %ld), longer than MaxRetryWait=%ld s: not "
		     "waited; raise MaxRetryWait to wait, or try again later. The service "
		     "said: %s", secs, secs, max_retry_wait(http), service);
}

/* Holds every request of the family until t (monotonic ms). */
static void throttle_family(struct dv_http *http, long long t)
{
	struct dv_http *owner = family_of(http);
	long long cur = atomic_load(&owner->throttle_until);
	while (cur < t && !atomic_compare_exchange_weak(&owner->throttle_until, &cur, t))
		;
}

/* Waits while a 429 of any handle of the family holds requests back.
 * 0, or -1 with err set (cancel, or the wait would pass the deadline). */
static int wait_for_family(struct dv_http *http, const struct send_state *st,
			   struct dv_error *err)
{
	long long until = atomic_load(&family_of(http)->throttle_until);
	long long now = now_ms();
	if (until <= now)
		return 0;
	if (st->deadline && until >= st->deadline)
		return dv_error_set(err, DV_S_HYT00, 0, "the service's protection limits hold "
				    "requests for %lld s more (429 Retry-After), past the Timeout "
				    "of %ld s", (until - now + 999) / 1000, timeout_seconds(http));
	DV_LOG(http->log, DV_LOG_INFO, http, "holding a request %lld ms: the service "
	       "answered 429 to this connection", until - now);
	if (sleep_cancellable(http, (long)(until - now)) != 0)
		return dv_error_set(err, DV_S_HY008, 0, "the request was canceled");
	return 0;
}

/* How long to wait before the next attempt, or -1 when it must not happen. */
static long wait_before_retry(struct dv_http *http, const struct dv_http_resp *resp,
			      struct send_state *st, int attempts, struct dv_error *err)
{
	long ms;
	if (attempts >= HTTP_MAX_ATTEMPTS)
		return -1;
	if (resp->status == 429) {
		long secs = resp->retry_after >= 0 ? resp->retry_after : HTTP_RETRY_AFTER_DEFAULT;
		if (secs > max_retry_wait(http)) {
			too_long_to_wait(http, secs, err);
			return -1;
		}
		ms = secs * 1000;
		throttle_family(http, now_ms() + ms);
	} else {
		ms = dv_http_backoff_ms(++st->retries, &http->seed);
	}
	if (st->deadline && now_ms() + ms >= st->deadline)
		return -1;
	return ms;
}

static CURLcode perform_attempt(struct dv_http *http, const struct dv_http_req *req,
				struct attempt *a, const char *token, struct send_state *st,
				char *errbuf, struct dv_error *err)
{
	struct curl_slist *headers = NULL;
	long remaining = 0;
	CURLcode rc;

	if (build_headers(http, req, token, &headers) != 0) {
		curl_slist_free_all(headers);
		dv_error_nomem(err);
		return CURLE_OUT_OF_MEMORY;
	}
	if (st->deadline) {
		remaining = (long)(st->deadline - now_ms());
		if (remaining < 1)
			remaining = 1;
	}
	set_request_options(http, req, a, headers, remaining, errbuf);
	atomic_fetch_add(&http->requests, 1);
	if (http->parent)
		atomic_fetch_add(&http->parent->requests, 1);
	rc = curl_easy_perform(http->curl);
	if (!a->status_known && rc == CURLE_OK)
		learn_status(a);
	curl_slist_free_all(headers);
	return rc;
}

static void reset_for_attempt(struct dv_http_resp *resp)
{
	resp_clear_headers(resp);
	dv_buf_reset(&resp->body);
	resp->body.max = DV_BUF_DEFAULT_MAX;
	resp->status = 0;
}

static int send_locked(struct dv_http *http, const struct dv_http_req *req,
		       struct dv_http_resp *resp, struct dv_error *err);

int dv_http_get(struct dv_http *http, const char *url, struct dv_buf *body,
		struct dv_error *err)
{
	struct dv_http_req req;
	struct dv_http_resp resp;
	int rc;
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url;
	req.idempotent = 1;
	dv_http_resp_init(&resp);
	rc = dv_http_send(http, &req, &resp, err);
	dv_buf_init(body, 0);
	if (rc == 0) {
		*body = resp.body;
		dv_buf_init(&resp.body, 0);
	}
	dv_http_resp_free(&resp);
	return rc;
}

int dv_http_send(struct dv_http *http, const struct dv_http_req *req,
		 struct dv_http_resp *resp, struct dv_error *err)
{
	int rc;
	pthread_mutex_lock(&http->send_mu);
	rc = send_locked(http, req, resp, err);
	pthread_mutex_unlock(&http->send_mu);
	return rc;
}

static int send_locked(struct dv_http *http, const struct dv_http_req *req,
		       struct dv_http_resp *resp, struct dv_error *err)
{
	struct send_state st = {0, 0, 0, 0};
	long tmo = timeout_seconds(http);
	int delivered = 0;

	if (tmo > 0)
		st.deadline = now_ms() + tmo * 1000;
	dv_error_clear(err);
	resp->attempts = 0;
	if (!req->no_auth && http->cfg && http->cfg->url && *http->cfg->url &&
	    !dv_url_same_origin(req->url, http->cfg->url)) {
		/* The organisation's credentials (bearer token, Windows login)
		 * go to the organisation's origin only, whatever link led here. */
		char host[256] = "";
		dv_url_origin(req->url, NULL, 0, host, sizeof(host));
		return dv_error_set(err, DV_S_HY000, 0, "refused to send the organisation's "
				    "credentials to %s: it is not the server of the URL key",
				    *host ? host : req->url);
	}
	for (;;) {
		struct attempt a = {http, req, resp, 0, 0, 0, delivered, 0};
		char errbuf[CURL_ERROR_SIZE] = "";
		const char *token;
		long long t0 = now_ms();
		enum verdict v;
		long wait;
		CURLcode rc;

		reset_for_attempt(resp);
		if (cancel_requested(http))
			return dv_error_set(err, DV_S_HY008, 0, "the request was canceled");
		if (!req->no_auth && wait_for_family(http, &st, err) != 0)
			return -1;
		if (get_token(http, req, &st, &token, err) != 0)
			return -1;
		resp->attempts++;
		log_request(http, req, resp->attempts);
		dv_error_clear(err);
		rc = perform_attempt(http, req, &a, token, &st, errbuf, err);
		if (a.is_2xx && a.body_bytes && req->on_body)
			delivered = 1;
		if (rc == CURLE_WRITE_ERROR && a.sink_failed) {
			if (err->state == DV_S_00000)
				dv_error_set(err, DV_S_HY000, 0, "the response body of %s was "
					     "rejected", req->url);
			return -1;
		}
		if (rc == CURLE_OUT_OF_MEMORY)
			return -1;
		log_response(http, req, &a, now_ms() - t0);
		if (rc != CURLE_OK)
			v = transport_verdict(http, req, rc, errbuf, err);
		else
			v = status_verdict(http, req, resp, &st, err);
		if (v == V_DONE)
			return 0;
		if (v == V_FAIL)
			return -1;
		if (v == V_RETRY_NOW)
			continue;
		wait = wait_before_retry(http, resp, &st, resp->attempts, err);
		if (wait < 0)
			return -1;
		DV_LOG(http->log, DV_LOG_INFO, http, "retrying %s in %ld ms (%s)", req->url, wait,
		       err->message);
		if (sleep_cancellable(http, wait) != 0)
			return dv_error_set(err, DV_S_HY008, 0, "the request was canceled");
	}
}
