/* config.c - the connection key table, setting one key, defaults, validation.
 *
 * Owns: the key table generated from config_keys.def, parsing and checking
 * one key's value into struct dv_config (dv_config_set), defaults
 * (dv_config_init applies each key's default text through the same parser),
 * the cross-key rules and automatic defaults of dv_config_validate, and the
 * "did you mean" suggestion for unknown keys.  Connection-string and DSN
 * parsing live in config_connstr.c.  Values of secret keys never appear in a
 * message. */
#include "config/config.h"
#include "config/config_priv.h"
#include "http/http.h"
#include "util/buf.h"
#include "util/strutil.h"

#include <iconv.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct choice {
	const char *name;
	int value;
};

static const struct choice crm_versions[] = {
	{"CRMOnline", DV_CRM_ONLINE}, {"CRM2011+", DV_CRM_ONPREM}, {"CRM2013+", DV_CRM_ONPREM},
	{"CRM2015+", DV_CRM_ONPREM}, {"CRM2016+", DV_CRM_ONPREM}, {"CRM365", DV_CRM_ONPREM},
	{NULL, 0}};
static const struct choice auth_schemes[] = {
	{"AzureAD", DV_AUTH_AZUREAD}, {"AzureServicePrincipal", DV_AUTH_AZURE_SERVICE_PRINCIPAL},
	{"AzureMSI", DV_AUTH_AZURE_MSI}, {"NTLM", DV_AUTH_NTLM}, {"ADFS", DV_AUTH_ADFS},
	{"None", DV_AUTH_NONE}, {NULL, 0}};
static const struct choice initiate_oauths[] = {
	{"OFF", DV_OAUTH_OFF}, {"GETANDREFRESH", DV_OAUTH_GETANDREFRESH},
	{"REFRESH", DV_OAUTH_REFRESH}, {NULL, 0}};
static const struct choice grant_types[] = {
	{"CODE", DV_GRANT_CODE}, {"CLIENT", DV_GRANT_CLIENT}, {"PASSWORD", DV_GRANT_PASSWORD},
	{"DEVICE", DV_GRANT_DEVICE}, {NULL, 0}};
static const struct choice azure_environments[] = {
	{"GLOBAL", 0}, {"CHINA", 1}, {"USGOVT", 2}, {"USGOVTHIGH", 3}, {"USGOVTDOD", 4},
	{NULL, 0}};
static const struct choice cert_types[] = {
	{"PEMKEY_FILE", 0}, {"PFXFILE", 1}, {NULL, 0}};
static const struct choice jwt_algorithms[] = {
	{"RS256", 0}, {"PS256", 1}, {NULL, 0}};

enum key_kind { K_STR, K_URL, K_LONG, K_BOOL, K_ENUM, K_CHOICE };

struct key_def {
	enum key_kind kind;
	size_t offset;
	size_t size;
	const struct choice *choices;
	long min, max;
};

#define FIELD_SIZE(f) sizeof(((struct dv_config *)0)->f)

static const struct dv_config_key_info key_infos[] = {
#define DV_KEY(name, kind, field, def, secret, choices, min, max, summary) \
	{name, def, summary, secret},
#include "config/config_keys.def"
#undef DV_KEY
};

static const struct key_def key_defs[] = {
#define DV_KEY(name, kind, field, def, secret, choices, min, max, summary) \
	{kind, offsetof(struct dv_config, field), FIELD_SIZE(field), choices, min, max},
#include "config/config_keys.def"
#undef DV_KEY
};

#define NKEYS (sizeof(key_infos) / sizeof(key_infos[0]))
_Static_assert(sizeof(key_infos) / sizeof(key_infos[0]) <= 64, "explicit_keys has 64 bits");

const struct dv_config_key_info *dv_config_keys(size_t *count)
{
	if (count)
		*count = NKEYS;
	return key_infos;
}

int dv_config_key_index(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (dv_strcasecmp(key_infos[i].name, name) == 0)
			return (int)i;
	return -1;
}

int dv_config_key_is_set(const struct dv_config *cfg, const char *key)
{
	int i = dv_config_key_index(key);
	return i >= 0 && (cfg->explicit_keys >> i) & 1;
}

/* ---- suggestions for unknown keys ----------------------------------- */

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), prev[64], cur[64];
	if (la >= 64 || lb >= 64)
		return 64;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] +
				     (dv_strncasecmp(a + i - 1, b + j - 1, 1) != 0);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			size_t m = sub < del ? sub : del;
			cur[j] = m < ins ? m : ins;
		}
		memcpy(prev, cur, (lb + 1) * sizeof(size_t));
	}
	return prev[lb];
}

const char *dv_config_suggest_key(const char *name)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1, limit = strlen(name) / 3 + 1;
	if (limit < 2)
		limit = 2;
	for (size_t i = 0; i < NKEYS; i++) {
		size_t d = edit_distance(name, key_infos[i].name);
		if (d < best_d) {
			best_d = d;
			best = key_infos[i].name;
		}
	}
	return best_d <= limit ? best : NULL;
}

/* ---- one value ------------------------------------------------------ */

static void *field_ptr(struct dv_config *cfg, const struct key_def *d)
{
	return (char *)cfg + d->offset;
}

static void choices_list(struct dv_buf *b, const struct choice *c)
{
	for (size_t i = 0; c[i].name; i++)
		dv_buf_appendf(b, "%s%s", i ? ", " : "", c[i].name);
}

static int bad_value(const struct dv_config_key_info *info, const struct key_def *d,
		     const char *value, const char *expected, struct dv_error *err)
{
	struct dv_buf b;
	dv_buf_init(&b, 4096);
	if (info->secret)
		dv_buf_appendf(&b, "invalid value for %s", info->name);
	else
		dv_buf_appendf(&b, "invalid value '%.200s' for %s", value, info->name);
	if (d->choices) {
		dv_buf_appends(&b, ": allowed values are ");
		choices_list(&b, d->choices);
	} else if (expected) {
		dv_buf_appendf(&b, ": %s", expected);
	}
	dv_error_set(err, DV_S_HY024, 0, "%s", dv_buf_str(&b));
	dv_buf_free(&b);
	return -1;
}

static int set_text(char **slot, const char *value, size_t len, struct dv_error *err)
{
	char *copy = dv_strndup(value, len);
	if (!copy)
		return dv_error_nomem(err);
	free(*slot);
	*slot = copy;
	return 0;
}

static int set_url(char **slot, const struct dv_config_key_info *info,
		   const struct key_def *d, const char *value, struct dv_error *err)
{
	size_t len = strlen(value);
	if (len == 0)
		return set_text(slot, value, 0, err);
	if (dv_strncasecmp(value, "https://", 8) != 0 && dv_strncasecmp(value, "http://", 7) != 0)
		return bad_value(info, d, value, "expected an http:// or https:// URL", err);
	while (len > 0 && value[len - 1] == '/')
		len--;
	/* "https://" alone would be kept as "https:", no URL at all */
	if (len < (dv_strncasecmp(value, "https://", 8) == 0 ? 8u : 7u))
		return bad_value(info, d, value, "expected an http:// or https:// URL", err);
	return set_text(slot, value, len, err);
}

static int set_long(struct dv_config *cfg, const struct dv_config_key_info *info,
		    const struct key_def *d, const char *value, struct dv_error *err)
{
	long v;
	char expected[96];
	if (dv_parse_long(value, &v) != 0 || v < d->min || v > d->max) {
		snprintf(expected, sizeof(expected), "expected an integer from %ld to %ld",
			 d->min, d->max);
		return bad_value(info, d, value, expected, err);
	}
	if (d->size == sizeof(int))
		*(int *)field_ptr(cfg, d) = (int)v;
	else
		*(long *)field_ptr(cfg, d) = v;
	return 0;
}

static const struct choice *find_choice(const struct choice *c, const char *value)
{
	for (size_t i = 0; c[i].name; i++)
		if (dv_strcasecmp(c[i].name, value) == 0)
			return &c[i];
	return NULL;
}

static int check_api_version(const char *v)
{
	size_t i = 1;
	if (v[0] != 'v' && v[0] != 'V')
		return -1;
	if (v[i] < '0' || v[i] > '9')
		return -1;
	while (v[i] >= '0' && v[i] <= '9')
		i++;
	if (v[i] != '.' || v[i + 1] < '0' || v[i + 1] > '9')
		return -1;
	for (i++; v[i]; i++)
		if (v[i] < '0' || v[i] > '9')
			return -1;
	return 0;
}

/* ClientCharset: a name glibc's iconv converts to and from UTF-8. */
static int check_charset(const char *v)
{
	iconv_t a, b;
	if (!*v)
		return -1;
	a = iconv_open("UTF-8", v);
	if (a == (iconv_t)-1)
		return -1;
	iconv_close(a);
	b = iconv_open(v, "UTF-8");
	if (b == (iconv_t)-1)
		return -1;
	iconv_close(b);
	return 0;
}

static int set_value(struct dv_config *cfg, size_t idx, const char *value,
		     struct dv_error *err)
{
	const struct dv_config_key_info *info = &key_infos[idx];
	const struct key_def *d = &key_defs[idx];
	const struct choice *c;
	int b;

	switch (d->kind) {
	case K_STR:
		if (field_ptr(cfg, d) == &cfg->api_version && check_api_version(value) != 0)
			return bad_value(info, d, value, "expected the form v9.2", err);
		if (field_ptr(cfg, d) == &cfg->client_charset && check_charset(value) != 0)
			return bad_value(info, d, value,
					 "expected a character set iconv knows, such as UTF-8, "
					 "ISO-8859-1, windows-1252 (see iconv -l)", err);
		return set_text(field_ptr(cfg, d), value, strlen(value), err);
	case K_URL:
		return set_url(field_ptr(cfg, d), info, d, value, err);
	case K_LONG:
		return set_long(cfg, info, d, value, err);
	case K_BOOL:
		if (dv_parse_bool(value, &b) != 0)
			return bad_value(info, d, value,
					 "expected true or false (also yes/no, on/off, 1/0)", err);
		*(int *)field_ptr(cfg, d) = b;
		return 0;
	case K_ENUM:
		c = find_choice(d->choices, value);
		if (!c)
			return bad_value(info, d, value, NULL, err);
		*(int *)field_ptr(cfg, d) = c->value;
		return 0;
	case K_CHOICE:
		c = find_choice(d->choices, value);
		if (!c)
			return bad_value(info, d, value, NULL, err);
		return set_text(field_ptr(cfg, d), c->name, strlen(c->name), err);
	}
	return dv_error_set(err, DV_S_HY000, 0, "internal: bad key kind");
}

/* ---- public --------------------------------------------------------- */

void dv_config_init(struct dv_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < NKEYS; i++) {
		if (key_infos[i].default_value[0] == '\0')
			continue;
		/* the table's defaults are valid by construction (tested) */
		set_value(cfg, i, key_infos[i].default_value, NULL);
	}
	cfg->auth_scheme = DV_AUTH_AZUREAD;
	cfg->grant_type = DV_GRANT_CODE;
	cfg->explicit_keys = 0;
}

void dv_config_free(struct dv_config *cfg)
{
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key_def *d = &key_defs[i];
		if (d->kind == K_STR || d->kind == K_URL || d->kind == K_CHOICE)
			dv_freep(field_ptr(cfg, d));
	}
	dv_freep(&cfg->ignored_keys);
	dv_freep(&cfg->unknown_key_error);
}

/* Keys of connection strings that are not ours: ignored (the driver manager
 * handles DRIVER, DSN, FILEDSN, SAVEFILE). */
static int is_driver_manager_key(const char *key)
{
	static const char *const dm_keys[] = {"DRIVER", "DSN", "FILEDSN", "SAVEFILE",
					      "Description", NULL};
	for (size_t i = 0; dm_keys[i]; i++)
		if (dv_strcasecmp(key, dm_keys[i]) == 0)
			return 1;
	return 0;
}

/* Keys other drivers define that tools put in connection strings whatever
 * the driver (SQLAlchemy's mssql+pyodbc URL adds Server, Database and
 * Trusted_Connection=Yes; Microsoft tools add APP, WSID, Language...): the
 * SQL Server ODBC driver's keywords, "DSN and Connection String Keywords
 * and Attributes",
 * https://learn.microsoft.com/sql/connect/odbc/dsn-connection-string-attribute
 * They mean nothing here, so they are ignored with a warning even under
 * StrictConnectionString=1 (they are no typo of ours). */
int dv_config_is_foreign_key(const char *key)
{
	static const char *const foreign[] = {
		"Addr", "Address", "AnsiNPW", "APP", "ApplicationIntent", "AttachDBFileName",
		"AutoTranslate", "Database", "Encrypt", "Failover_Partner", "Language",
		"MARS_Connection", "MultipleActiveResultSets", "MultiSubnetFailover", "Net",
		"Network", "QueryLog_On", "QuotedId", "Regional", "Server", "Trusted_Connection",
		"TrustServerCertificate", "UseProcForPrepare", "WSID", "Integrated Security",
		"Port", NULL};
	for (size_t i = 0; foreign[i]; i++)
		if (dv_strcasecmp(key, foreign[i]) == 0)
			return 1;
	return 0;
}

int dv_config_set(struct dv_config *cfg, const char *key, const char *value,
		  struct dv_error *err)
{
	int idx;
	const char *suggestion;

	if (dv_strcasecmp(key, "UID") == 0)
		key = "User";
	else if (dv_strcasecmp(key, "PWD") == 0)
		key = "Password";
	else if (is_driver_manager_key(key))
		return 0;
	idx = dv_config_key_index(key);
	if (idx < 0) {
		suggestion = dv_config_suggest_key(key);
		if (suggestion)
			return dv_error_set(err, DV_S_01S00, 0,
					    "unknown connection key '%.100s': did you mean %s?",
					    key, suggestion);
		return dv_error_set(err, DV_S_01S00, 0,
				    "unknown connection key '%.100s' (see the driver's list "
				    "of connection keys)", key);
	}
	if (set_value(cfg, (size_t)idx, value ? value : "", err) != 0)
		return -1;
	cfg->explicit_keys |= 1ULL << idx;
	return 0;
}

/* Writes the current value of key idx as text into b (secrets included:
 * callers decide).  Returns 0, or 1 when the value is unset/empty. */
int dv_config_format_value(const struct dv_config *cfg, size_t idx, struct dv_buf *b)
{
	const struct key_def *d = &key_defs[idx];
	const void *p = (const char *)cfg + d->offset;
	const char *s;
	int v;

	switch (d->kind) {
	case K_STR:
	case K_URL:
	case K_CHOICE:
		s = *(char *const *)p;
		if (!s || !*s)
			return 1;
		return dv_buf_appends(b, s) ? -1 : 0;
	case K_LONG:
		if (d->size == sizeof(int))
			return dv_buf_appendf(b, "%d", *(const int *)p) ? -1 : 0;
		return dv_buf_appendf(b, "%ld", *(const long *)p) ? -1 : 0;
	case K_BOOL:
		return dv_buf_appends(b, *(const int *)p ? "true" : "false") ? -1 : 0;
	case K_ENUM:
		v = *(const int *)p;
		for (size_t i = 0; d->choices[i].name; i++)
			if (d->choices[i].value == v)
				return dv_buf_appends(b, d->choices[i].name) ? -1 : 0;
		return 1;
	}
	return 1;
}

const char *dv_config_authority_host(const struct dv_config *cfg)
{
	const char *env = cfg->azure_environment ? cfg->azure_environment : "GLOBAL";
	if (cfg->azure_authority_host && *cfg->azure_authority_host)
		return cfg->azure_authority_host;
	if (strcmp(env, "CHINA") == 0)
		return "https://login.chinacloudapi.cn";
	if (strcmp(env, "USGOVTHIGH") == 0 || strcmp(env, "USGOVTDOD") == 0)
		return "https://login.microsoftonline.us";
	return "https://login.microsoftonline.com";
}

char *dv_config_api_root(const struct dv_config *cfg)
{
	struct dv_buf b;
	dv_buf_init(&b, 0);
	if (dv_buf_appendf(&b, "%s/api/data/%s/", cfg->url ? cfg->url : "",
			   cfg->api_version ? cfg->api_version : "v9.2") != 0) {
		dv_buf_free(&b);
		return NULL;
	}
	return dv_buf_steal(&b);
}

/* ---- cross-key rules ------------------------------------------------ */

static int has(const char *s)
{
	return s && *s;
}

static void resolve_automatic_defaults(struct dv_config *cfg)
{
	if (!dv_config_key_is_set(cfg, "AuthScheme")) {
		if (has(cfg->oauth_client_secret) || has(cfg->oauth_jwt_cert))
			cfg->auth_scheme = DV_AUTH_AZURE_SERVICE_PRINCIPAL;
		else if (has(cfg->oauth_access_token))
			cfg->auth_scheme = DV_AUTH_NONE;
		else if (cfg->crm_version == DV_CRM_ONPREM)
			cfg->auth_scheme = DV_AUTH_NTLM;
		else
			cfg->auth_scheme = DV_AUTH_AZUREAD;
	}
	if (!dv_config_key_is_set(cfg, "OAuthGrantType"))
		cfg->grant_type = cfg->auth_scheme == DV_AUTH_AZURE_SERVICE_PRINCIPAL
					  ? DV_GRANT_CLIENT : DV_GRANT_CODE;
	if (!dv_config_key_is_set(cfg, "InitiateOAuth") && has(cfg->oauth_access_token))
		cfg->initiate_oauth = DV_OAUTH_OFF;
}

static int validate_service_principal(const struct dv_config *cfg, struct dv_error *err)
{
	if (!has(cfg->oauth_client_id))
		return dv_error_set(err, DV_S_28000, 0,
				    "OAuthClientId is required for AuthScheme=AzureServicePrincipal: "
				    "set it to the application (client) ID");
	if (!has(cfg->oauth_client_secret) && !has(cfg->oauth_jwt_cert))
		return dv_error_set(err, DV_S_28000, 0,
				    "AuthScheme=AzureServicePrincipal needs a credential: set "
				    "OAuthClientSecret (the secret's Value) or OAuthJWTCert");
	if (!has(cfg->azure_tenant))
		return dv_error_set(err, DV_S_28000, 0,
				    "AzureTenant is required for AuthScheme=AzureServicePrincipal: "
				    "set the tenant ID or domain (client credentials cannot use "
				    "'common')");
	return 0;
}

/* Credentials never cross the network in clear text unless asked for:
 * http:// is accepted for the loopback interface only (a local emulator or
 * a local TLS-terminating proxy), else AllowInsecureHttp=1 is needed. */
static int validate_transport(const struct dv_config *cfg, struct dv_error *err)
{
	char host[256];
	if (cfg->allow_insecure_http)
		return 0;
	if (dv_url_cleartext(cfg->url, host, sizeof(host)))
		return dv_error_set(err, DV_S_08001, 0,
				    "URL is http:// to %s: the sign-in secrets and the access token "
				    "would cross the network unencrypted. Use https://, or set "
				    "AllowInsecureHttp=1 to accept that (unsafe)", host);
	if (has(cfg->azure_authority_host) &&
	    dv_url_cleartext(cfg->azure_authority_host, host, sizeof(host)))
		return dv_error_set(err, DV_S_08001, 0,
				    "AzureAuthorityHost is http:// to %s: the client secret or "
				    "password and the tokens would cross the network unencrypted. "
				    "Use https://, or set AllowInsecureHttp=1 to accept that (unsafe)",
				    host);
	/* Through an http:// proxy, https:// requests are tunnelled (CONNECT),
	 * so only the proxy's own credentials would be in clear text. */
	if (has(cfg->proxy) && (has(cfg->proxy_user) || has(cfg->proxy_password)) &&
	    dv_url_cleartext(cfg->proxy, host, sizeof(host)))
		return dv_error_set(err, DV_S_08001, 0,
				    "Proxy is http:// to %s with ProxyUser/ProxyPassword: the proxy "
				    "credentials would cross the network unencrypted. Use an https:// "
				    "proxy, or set AllowInsecureHttp=1 to accept that (unsafe)", host);
	return 0;
}

int dv_config_validate(struct dv_config *cfg, struct dv_error *err)
{
	if (!has(cfg->url))
		return dv_error_set(err, DV_S_08001, 0,
				    "URL is required: set URL to the organization address, e.g. "
				    "URL=https://contoso.crm.dynamics.com");
	if (validate_transport(cfg, err) != 0)
		return -1;
	resolve_automatic_defaults(cfg);
	if (cfg->initiate_oauth == DV_OAUTH_OFF && !has(cfg->oauth_access_token) &&
	    cfg->auth_scheme != DV_AUTH_NTLM)
		return dv_error_set(err, DV_S_28000, 0,
				    "InitiateOAuth=OFF needs OAuthAccessToken: set it, or set "
				    "InitiateOAuth=GETANDREFRESH");
	if (cfg->auth_scheme == DV_AUTH_NONE && !has(cfg->oauth_access_token))
		return dv_error_set(err, DV_S_28000, 0,
				    "AuthScheme=None needs OAuthAccessToken");
	if (cfg->initiate_oauth != DV_OAUTH_OFF &&
	    cfg->auth_scheme == DV_AUTH_AZURE_SERVICE_PRINCIPAL)
		return validate_service_principal(cfg, err);
	if (cfg->grant_type == DV_GRANT_PASSWORD && (!has(cfg->user) || !has(cfg->password)))
		return dv_error_set(err, DV_S_28000, 0,
				    "OAuthGrantType=PASSWORD needs User and Password");
	return 0;
}
