/* config.h - connection configuration: the connection string and DSN keys.
 *
 * Owns: struct dv_config (every connection key, parsed and validated), the
 * table of known keys (name, type, default, documentation line), parsing of
 * "KEY=value;KEY={va;lue}" strings and merging with DSN entries read through
 * SQLGetPrivateProfileString.  Keys are case-insensitive.  A bad value fails
 * with HY024 and a message naming the key and what is allowed.  An unknown
 * key of a connection string is ignored and listed in ignored_keys (the
 * connection returns each as a 01S00 warning), or fails with 01S00 under
 * StrictConnectionString=1.  Secrets stay inside this struct; nothing here
 * logs them. */
#ifndef DV_CONFIG_CONFIG_H
#define DV_CONFIG_CONFIG_H

#include <stddef.h>

#include "util/error.h"

enum dv_crm_version { DV_CRM_ONLINE, DV_CRM_ONPREM };
enum dv_auth_scheme {
	DV_AUTH_AZUREAD,               /* delegated user, OAuth code/device/password */
	DV_AUTH_AZURE_SERVICE_PRINCIPAL, /* client credentials: secret or certificate */
	DV_AUTH_AZURE_MSI,             /* managed identity */
	DV_AUTH_NTLM,                  /* on-premises Windows auth */
	DV_AUTH_ADFS,                  /* on-premises claims / IFD */
	DV_AUTH_NONE                   /* OAuthAccessToken supplied, or none */
};
enum dv_initiate_oauth { DV_OAUTH_OFF, DV_OAUTH_GETANDREFRESH, DV_OAUTH_REFRESH };
enum dv_grant_type {
	DV_GRANT_CODE, DV_GRANT_CLIENT, DV_GRANT_PASSWORD, DV_GRANT_DEVICE
};

struct dv_config {
	/* service */
	char *url;             /* ORG URL, no trailing slash ("https://org.crm.dynamics.com") */
	enum dv_crm_version crm_version;
	char *api_version;     /* "v9.2" */
	/* identity */
	enum dv_auth_scheme auth_scheme;
	enum dv_initiate_oauth initiate_oauth;
	enum dv_grant_type grant_type;
	char *azure_tenant;
	char *azure_environment;    /* GLOBAL, CHINA, USGOVT, USGOVTHIGH, USGOVTDOD */
	char *azure_authority_host; /* replaces https://login.microsoftonline.com */
	char *oauth_client_id;
	char *oauth_client_secret;  /* secret */
	char *oauth_access_token;   /* secret */
	char *oauth_settings_location;
	char *oauth_verifier;       /* secret */
	char *callback_url;
	char *oauth_jwt_cert;
	char *oauth_jwt_cert_type;
	char *oauth_jwt_cert_password; /* secret */
	char *oauth_jwt_algorithm;  /* RS256 (x5t) or PS256 (x5t#S256) */
	char *oauth_browser;        /* command opening the sign-in URL; "none" = print it */
	char *azure_msi_endpoint;   /* replaces the instance metadata token URL */
	char *user;
	char *password;             /* secret */
	char *caller_id;
	/* behaviour */
	long timeout;          /* seconds per request, 0 = none; default 120 */
	long max_rows;         /* 0 = no limit */
	long page_size;        /* odata.maxpagesize, 1..5000, default 5000 */
	int prefetch;          /* fetch page N+1 while page N is read; default 1 */
	long parallel_reads;   /* partitions per large scan; unset = automatic, 0/1 = off */
	long join_memory_mb;   /* MB of rows a join reads whole keeps in the heap */
	long max_retry_wait;   /* longest Retry-After waited for, seconds; default 120 */
	int use_display_names;
	int include_formatted_values; /* companion *name columns; default 1 */
	int metadata_cache;            /* per-user default cache file; default 1 */
	char *metadata_cache_location; /* metadata cache file, "" = the default */
	long metadata_cache_ttl;       /* its lifetime in seconds; default 3600 */
	/* transport */
	char *proxy;
	char *proxy_user;
	char *proxy_password;  /* secret */
	char *ssl_server_cert;
	int allow_insecure_http; /* http:// to a non-loopback host allowed (unsafe); default 0 */
	/* diagnostics */
	char *log_file;
	int verbosity;         /* 0..4, default 1 when LogFile is set */
	/* applications */
	int strict_connstr;    /* an unknown connection-string key fails; default 0 */
	char *client_charset;  /* ANSI text's character set (iconv name); default UTF-8 */
	/* bookkeeping */
	unsigned long long explicit_keys; /* bit i: key i of dv_config_keys() was set */
	char *ignored_keys;    /* connection-string keys ignored: one 01S00 warning
				  text per key, '\n'-separated (NULL when none) */
	char *unknown_key_error; /* today's 01S00 error for the first unknown key:
				    what StrictConnectionString=1 fails with */
};

/* Fills defaults. */
void dv_config_init(struct dv_config *cfg);
void dv_config_free(struct dv_config *cfg);

/* Sets one key (case-insensitive name).  Unknown key -> 01S00, bad value ->
 * HY024; the message names the key and the allowed values, never the value
 * of a secret key. */
int dv_config_set(struct dv_config *cfg, const char *key, const char *value,
		  struct dv_error *err);

/* Parses a connection string ("DSN=x;URL=...;OAuthClientSecret={a;b}").
 * When it names a DSN (DSN=...), the DSN's keys are read first through
 * SQLGetPrivateProfileString and the string's keys override them.  DRIVER,
 * DSN, UID/PWD (mapped to User/Password) and FILEDSN are accepted.  Unknown
 * keys and other drivers' keys (Trusted_Connection, APP, WSID, ...) are
 * ignored and listed in cfg->ignored_keys; with StrictConnectionString=1 an
 * unknown key (not another driver's) fails with 01S00. */
int dv_config_from_connstr(struct dv_config *cfg, const char *connstr,
			   struct dv_error *err);
/* Reads every known key of a DSN from odbc.ini (user and system). */
int dv_config_from_dsn(struct dv_config *cfg, const char *dsn, struct dv_error *err);
/* Checks cross-key rules once all keys are in (URL present, secrets for the
 * chosen flow...).  08001 / 28000 style messages that say which key to set. */
int dv_config_validate(struct dv_config *cfg, struct dv_error *err);

/* Writes the connection string equivalent of cfg with secrets omitted
 * (for SQLDriverConnect's OutConnectionString). Caller frees. */
char *dv_config_to_connstr(const struct dv_config *cfg);

/* True when key (case-insensitive) was set explicitly (not a default). */
int dv_config_key_is_set(const struct dv_config *cfg, const char *key);
/* The sign-in authority host without a trailing '/': AzureAuthorityHost when
 * set, else the one AzureEnvironment picks ("https://login.microsoftonline.com"). */
const char *dv_config_authority_host(const struct dv_config *cfg);
/* "<URL>/api/data/<APIVersion>/" (malloc'd, NULL when out of memory). */
char *dv_config_api_root(const struct dv_config *cfg);

/* The key table, for docs and the docs-vs-code test. */
struct dv_config_key_info {
	const char *name;
	const char *default_value; /* "" when none */
	const char *summary;
	int secret;
};
const struct dv_config_key_info *dv_config_keys(size_t *count);

#endif
