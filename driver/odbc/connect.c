/* connect.c - opening and closing a connection.
 *
 * Owns: the connect sequence: dv_config (connection string or DSN, then
 * validation), dv_log (LogFile/Verbosity), dv_http, dv_auth, a first
 * authenticated request (the catalog's entity list, which is cached for the
 * connection and needed by the first query anyway) so that bad credentials
 * fail here with 28000 and an unreachable service with 08001, then
 * dv_catalog and dv_engine; SQLDisconnect; the DBMS version.
 * Source: https://learn.microsoft.com/sql/odbc/reference/syntax/sqldriverconnect-function */
#include "odbc/charset.h"
#include "odbc/dbc.h"
#include "odbc/stmt.h"
#include "auth/auth.h"
#include "catalog/catalog.h"
#include "config/config.h"
#include "engine/engine.h"
#include "http/http.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void release(struct dv_dbc *dbc)
{
	while (dbc->nstmts > 0)
		dv_stmt_free(dbc->stmts[dbc->nstmts - 1]);
	if (dbc->engine)
		dv_engine_free(dbc->engine);
	if (dbc->catalog)
		dv_catalog_free(dbc->catalog);
	if (dbc->http)
		dv_http_free(dbc->http);
	if (dbc->auth)
		dv_auth_free(dbc->auth);
	if (dbc->log)
		dv_log_close(dbc->log);
	dv_charset_free(dbc->charset);
	dbc->charset = NULL;
	if (dbc->cfg) {
		dv_config_free(dbc->cfg);
		free(dbc->cfg);
	}
	dbc->engine = NULL;
	dbc->catalog = NULL;
	dbc->http = NULL;
	dbc->auth = NULL;
	dbc->log = NULL;
	dbc->cfg = NULL;
	dv_freep(&dbc->dsn);
	dv_freep(&dbc->server_name);
	dv_freep(&dbc->user_name);
	dv_freep(&dbc->dbms_ver);
	dv_freep(&dbc->api_base);
	dbc->connected = 0;
}

/* Fails the connect with err; connection-time transport failures are 08001. */
static SQLRETURN fail(struct dv_dbc *dbc, struct dv_error *err)
{
	if (err->state == DV_S_08S01 || err->state == DV_S_HYT00)
		err->state = DV_S_08001;
	dv_diag_add_error(&dbc->h.diag, err);
	DV_LOG(dbc->log, DV_LOG_ERROR, dbc, "connect failed: %s %s",
	       dv_sqlstate_code(err->state), err->message);
	release(dbc);
	return SQL_ERROR;
}

/* DSN name from a connection string, or NULL (caller frees). */
static char *connstr_dsn(const char *s)
{
	const char *p = s;
	while (p && *p) {
		while (*p == ';' || *p == ' ')
			p++;
		const char *eq = strchr(p, '=');
		if (!eq)
			break;
		const char *end = strchr(eq, ';');
		size_t klen = (size_t)(eq - p);
		while (klen > 0 && p[klen - 1] == ' ')
			klen--;
		if (klen == 3 && dv_strncasecmp(p, "DSN", 3) == 0) {
			size_t vlen = end ? (size_t)(end - eq - 1) : strlen(eq + 1);
			return dv_strndup(eq + 1, vlen);
		}
		if (*(eq + 1) == '{') {
			const char *close = strchr(eq + 1, '}');
			end = close ? strchr(close, ';') : NULL;
		}
		p = end;
	}
	return NULL;
}

static char *api_base_url(const struct dv_config *cfg)
{
	struct dv_buf b;
	dv_buf_init(&b, 0);
	const char *url = cfg->url ? cfg->url : "";
	size_t len = strlen(url);
	while (len > 0 && url[len - 1] == '/')
		len--;
	dv_buf_append(&b, url, len);
	dv_buf_appendf(&b, "/api/data/%s/", cfg->api_version ? cfg->api_version : "v9.2");
	return dv_buf_steal(&b);
}

/* What the user must see during a sign-in (device code and its URL, a
 * sign-in URL to open by hand): while connecting, an 01000 diagnostic on the
 * connection, so SQLConnect / SQLDriverConnect return SQL_SUCCESS_WITH_INFO
 * with it; always in the log.  The text holds no secret (auth.h). */
static void sign_in_notice(void *ctx, const char *text)
{
	struct dv_dbc *dbc = ctx;
	if (!text)
		return;
	DV_LOG(dbc->log, DV_LOG_ERROR, dbc, "sign-in: %s", text);
	if (dbc->connecting)
		dv_diag_add(&dbc->h.diag, DV_S_01000, 0, text, SQL_NO_ROW_NUMBER,
			    SQL_NO_COLUMN_NUMBER);
}

static SQLRETURN open_services(struct dv_dbc *dbc, struct dv_error *err)
{
	struct dv_config *cfg = dbc->cfg;
	SQLRETURN rc = SQL_SUCCESS;
	if (cfg->log_file && *cfg->log_file) {
		dbc->log = dv_log_open(cfg->log_file, cfg->verbosity > 0 ? cfg->verbosity : 1);
		if (!dbc->log) {
			dv_diag_addf(&dbc->h.diag, DV_S_01000,
				     "cannot open LogFile \"%s\": logging is off", cfg->log_file);
			rc = SQL_SUCCESS_WITH_INFO;
		}
	}
	dbc->http = dv_http_new(cfg, dbc->log, err);
	if (!dbc->http)
		return fail(dbc, err);
	dbc->auth = dv_auth_new(cfg, dbc->log, err);
	if (!dbc->auth)
		return fail(dbc, err);
	dv_auth_set_notify(dbc->auth, sign_in_notice, dbc);
	dv_http_set_auth(dbc->http, dbc->auth);
	dbc->api_base = api_base_url(cfg);
	dbc->server_name = dv_strdup(cfg->url ? cfg->url : "");
	dbc->user_name = dv_strdup(cfg->user ? cfg->user
					   : cfg->oauth_client_id ? cfg->oauth_client_id : "");
	if (!dbc->api_base || !dbc->server_name || !dbc->user_name)
		return fail(dbc, (dv_error_nomem(err), err));
	dbc->catalog = dv_catalog_new(dbc->http, dbc->api_base, cfg->use_display_names,
				      cfg->include_formatted_values, dbc->log);
	if (!dbc->catalog)
		return fail(dbc, (dv_error_nomem(err), err));
	/* MetadataCacheLocation, else the per-user default file (MetadataCache) */
	char *default_cache = NULL;
	const char *cache = cfg->metadata_cache_location;
	if ((!cache || !*cache) && cfg->metadata_cache)
		cache = default_cache = dv_catalog_default_cache_path(dbc->api_base,
									dbc->user_name);
	dv_catalog_set_shared_cache(dbc->catalog, cache, dbc->user_name, cfg->metadata_cache_ttl);
	free(default_cache);
	/* The first authenticated request: bad credentials and unreachable
	 * services fail the connect, not the first query.  With a warm
	 * metadata cache the entity list sends nothing, so the token is asked
	 * for explicitly (a no-op when the list already needed one). */
	const struct dv_entity *const *list;
	const char *token;
	size_t n;
	if (dv_catalog_entities(dbc->catalog, &list, &n, err) != 0 ||
	    dv_auth_token(dbc->auth, dbc->http, 0, &token, err) != 0)
		return fail(dbc, err);
	dbc->engine = dv_engine_new(dbc->catalog, dbc->http, cfg, dbc->log, err);
	if (!dbc->engine)
		return fail(dbc, err);
	/* SQL_ATTR_AUTOCOMMIT may be set before connecting. */
	if (dbc->autocommit == SQL_AUTOCOMMIT_OFF &&
	    dv_engine_set_autocommit(dbc->engine, 0, err) != 0)
		return fail(dbc, err);
	return rc;
}

/* One 01S00 warning per connection-string key the driver ignored (so the
 * connect returns SQL_SUCCESS_WITH_INFO); the texts name no value. */
static void add_ignored_key_warnings(struct dv_dbc *dbc)
{
	const char *p = dbc->cfg->ignored_keys;
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *msg = dv_strndup(p, n);
		if (msg) {
			dv_diag_add(&dbc->h.diag, DV_S_01S00, 0, msg, SQL_NO_ROW_NUMBER,
				    SQL_NO_COLUMN_NUMBER);
			free(msg);
		}
		p = nl ? nl + 1 : p + n;
	}
}

SQLRETURN dv_dbc_connect(struct dv_dbc *dbc, const char *connstr, const char *dsn,
			 const char *uid, const char *pwd, char **out_connstr)
{
	struct dv_error err;
	dv_error_clear(&err);
	if (dbc->connected)
		return dv_diag_error(&dbc->h.diag, DV_S_08002, "the connection is already open");
	dbc->cfg = calloc(1, sizeof(*dbc->cfg));
	if (!dbc->cfg)
		return dv_diag_error(&dbc->h.diag, DV_S_HY001, NULL);
	dv_config_init(dbc->cfg);
	int rc;
	if (connstr) {
		dbc->dsn = connstr_dsn(connstr);
		rc = dv_config_from_connstr(dbc->cfg, connstr, &err);
	} else {
		dbc->dsn = dv_strdup(dsn ? dsn : "");
		rc = dv_config_from_dsn(dbc->cfg, dsn ? dsn : "", &err);
		if (rc == 0 && uid && *uid)
			rc = dv_config_set(dbc->cfg, "User", uid, &err);
		if (rc == 0 && pwd && *pwd)
			rc = dv_config_set(dbc->cfg, "Password", pwd, &err);
	}
	if (rc == 0) {
		add_ignored_key_warnings(dbc);
		rc = dv_config_validate(dbc->cfg, &err);
	}
	if (rc == 0 && !dv_charset_is_utf8(dbc->cfg->client_charset) &&
	    !(dbc->charset = dv_charset_open(dbc->cfg->client_charset, &err)))
		rc = -1;
	if (rc != 0)
		return fail(dbc, &err);
	dbc->connecting = 1;
	SQLRETURN src = open_services(dbc, &err);
	dbc->connecting = 0;
	if (!SQL_SUCCEEDED(src))
		return src;
	if (out_connstr) {
		char *s = dv_config_to_connstr(dbc->cfg);
		struct dv_buf b;
		dv_buf_init(&b, 0);
		if (dbc->dsn && *dbc->dsn && (!s || dv_strncasecmp(s, "DSN=", 4) != 0))
			dv_buf_appendf(&b, "DSN=%s;", dbc->dsn);
		dv_buf_appends(&b, s ? s : "");
		free(s);
		*out_connstr = dv_buf_steal(&b);
	}
	dbc->connected = 1;
	DV_LOG(dbc->log, DV_LOG_INFO, dbc, "connected to %s", dbc->server_name);
	return src == SQL_SUCCESS ? dv_diag_success(&dbc->h.diag) : src;
}

SQLRETURN dv_dbc_disconnect(struct dv_dbc *dbc)
{
	if (!dbc->connected)
		return dv_diag_error(&dbc->h.diag, DV_S_08003, NULL);
	/* Manual-commit mode with queued work: the application must commit or
	 * roll back first.
	 * https://learn.microsoft.com/sql/odbc/reference/syntax/sqldisconnect-function */
	if (dbc->engine) {
		struct dv_write_status ws;
		dv_engine_write_status(dbc->engine, &ws);
		if (ws.pending > 0)
			return dv_diag_error(&dbc->h.diag, DV_S_25000,
					     "a transaction is in progress (%ld operations not "
					     "committed): call SQLEndTran first", ws.pending);
	}
	DV_LOG(dbc->log, DV_LOG_INFO, dbc, "disconnecting");
	release(dbc);
	return SQL_SUCCESS;
}

/* "9.2.24044.00196" -> "09.02.24044" (the ##.##.#### form of SQL_DBMS_VER). */
static char *format_version(const char *v)
{
	unsigned a = 0, b = 0, c = 0;
	char out[64];
	if (sscanf(v, "%u.%u.%u", &a, &b, &c) < 2)
		return NULL;
	snprintf(out, sizeof(out), "%02u.%02u.%04u", a, b, c);
	return dv_strdup(out);
}

const char *dv_dbc_dbms_ver(struct dv_dbc *dbc)
{
	if (dbc->dbms_ver)
		return dbc->dbms_ver;
	if (dbc->http && dbc->api_base) {
		/* https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/retrieveversion */
		struct dv_buf url;
		struct dv_http_resp resp;
		struct dv_error err;
		dv_buf_init(&url, 0);
		dv_buf_appendf(&url, "%sRetrieveVersion()", dbc->api_base);
		dv_http_resp_init(&resp);
		struct dv_http_req req = {.method = "GET", .url = dv_buf_str(&url),
					  .idempotent = 1};
		if (dv_http_send(dbc->http, &req, &resp, &err) == 0) {
			const char *p = strstr(dv_buf_str(&resp.body), "\"Version\"");
			if (p) {
				p = strchr(p + 9, '"');
				if (p)
					dbc->dbms_ver = format_version(p + 1);
			}
		}
		dv_http_resp_free(&resp);
		dv_buf_free(&url);
	}
	if (!dbc->dbms_ver)
		dbc->dbms_ver = dv_strdup("09.02.0000");
	return dbc->dbms_ver ? dbc->dbms_ver : "09.02.0000";
}
