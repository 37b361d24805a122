/* test_config.c - connection keys: defaults, parsing, DSN merge, validation. */
#include "config/config.h"
#include "util/strutil.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_defaults(void)
{
	struct dv_config c;
	dv_config_init(&c);
	is_str(c.api_version, "v9.2", "default APIVersion");
	is_int(c.page_size, 5000, "default PageSize");
	is_int(c.timeout, 120, "default Timeout");
	is_int(c.max_rows, 0, "default MaxRows");
	is_int(c.include_formatted_values, 1, "default IncludeFormattedValues");
	is_int(c.use_display_names, 0, "default UseDisplayNames");
	is_int(c.initiate_oauth, DV_OAUTH_GETANDREFRESH, "default InitiateOAuth");
	is_int(c.crm_version, DV_CRM_ONLINE, "default CRMVersion");
	is_int(c.verbosity, 1, "default Verbosity");
	is_str(c.azure_environment, "GLOBAL", "default AzureEnvironment");
	is_str(c.url, NULL, "no default URL");
	is_str(c.client_charset, "UTF-8", "default ClientCharset");
	is_int(c.strict_connstr, 0, "default StrictConnectionString");
	is_int(c.explicit_keys, 0, "defaults are not explicit");
	is_str(dv_config_authority_host(&c), "https://login.microsoftonline.com",
	       "default authority");
	dv_config_free(&c);
}

static void test_key_table(void)
{
	size_t n;
	const struct dv_config_key_info *k = dv_config_keys(&n);
	int defaults_ok = 1, unique = 1, summaries = 1;
	ok(n >= 32, "key table has %zu keys", n);
	for (size_t i = 0; i < n; i++) {
		struct dv_config c;
		struct dv_error e;
		dv_config_init(&c);
		if (k[i].default_value[0] &&
		    dv_config_set(&c, k[i].name, k[i].default_value, &e) != 0) {
			defaults_ok = 0;
			tap_diag("default of %s rejected: %s", k[i].name, e.message);
		}
		dv_config_free(&c);
		if (strlen(k[i].summary) < 10)
			summaries = 0;
		for (size_t j = 0; j < i; j++)
			if (dv_strcasecmp(k[i].name, k[j].name) == 0)
				unique = 0;
	}
	ok(defaults_ok, "every default value is accepted by its key");
	ok(unique, "key names are unique");
	ok(summaries, "every key has a summary");
}

struct set_case {
	const char *key, *value;
	const char *state;       /* "00000" for success */
	const char *message;     /* exact message expected on failure */
};

static const struct set_case set_cases[] = {
	{"pagesize", "100", "00000", NULL},
	{"PAGESIZE", " 42 ", "00000", NULL},
	{"PageSize", "0", "HY024", "invalid value '0' for PageSize: expected an integer from 1 "
	 "to 5000"},
	{"PageSize", "5001", "HY024", "invalid value '5001' for PageSize: expected an integer "
	 "from 1 to 5000"},
	{"PageSize", "12abc", "HY024", "invalid value '12abc' for PageSize: expected an integer "
	 "from 1 to 5000"},
	{"PageSise", "10", "01S00", "unknown connection key 'PageSise': did you mean PageSize?"},
	{"OAuthClientSecrt", "x", "01S00",
	 "unknown connection key 'OAuthClientSecrt': did you mean OAuthClientSecret?"},
	{"Frobnicate", "1", "01S00", "unknown connection key 'Frobnicate' (see the driver's "
	 "list of connection keys)"},
	{"AuthScheme", "Kerberos", "HY024", "invalid value 'Kerberos' for AuthScheme: allowed "
	 "values are AzureAD, AzureServicePrincipal, AzureMSI, NTLM, ADFS, None"},
	{"authscheme", "azuremsi", "00000", NULL},
	{"InitiateOAuth", "sometimes", "HY024", "invalid value 'sometimes' for InitiateOAuth: "
	 "allowed values are OFF, GETANDREFRESH, REFRESH"},
	{"OAuthGrantType", "implicit", "HY024", "invalid value 'implicit' for OAuthGrantType: "
	 "allowed values are CODE, CLIENT, PASSWORD, DEVICE"},
	{"CRMVersion", "CRM2016+", "00000", NULL},
	{"CRMVersion", "CRM4", "HY024", "invalid value 'CRM4' for CRMVersion: allowed values are "
	 "CRMOnline, CRM2011+, CRM2013+, CRM2015+, CRM2016+, CRM365"},
	{"AzureEnvironment", "china", "00000", NULL},
	{"AzureEnvironment", "MARS", "HY024", "invalid value 'MARS' for AzureEnvironment: allowed "
	 "values are GLOBAL, CHINA, USGOVT, USGOVTHIGH, USGOVTDOD"},
	{"IncludeFormattedValues", "maybe", "HY024", "invalid value 'maybe' for "
	 "IncludeFormattedValues: expected true or false (also yes/no, on/off, 1/0)"},
	{"UseDisplayNames", "YES", "00000", NULL},
	{"URL", "ftp://x", "HY024", "invalid value 'ftp://x' for URL: expected an http:// or "
	 "https:// URL"},
	/* found by tests/fuzz/fuzz_connstr: was kept as "https:" */
	{"URL", "https://", "HY024", "invalid value 'https://' for URL: expected an http:// or "
	 "https:// URL"},
	{"AzureAuthorityHost", "http:///", "HY024", "invalid value 'http:///' for "
	 "AzureAuthorityHost: expected an http:// or https:// URL"},
	{"APIVersion", "9.2", "HY024", "invalid value '9.2' for APIVersion: expected the form "
	 "v9.2"},
	{"APIVersion", "v9.1", "00000", NULL},
	{"Timeout", "-1", "HY024", "invalid value '-1' for Timeout: expected an integer from 0 to "
	 "86400"},
	{"Verbosity", "4", "00000", NULL},
	{"Verbosity", "5", "HY024", "invalid value '5' for Verbosity: expected an integer from 0 "
	 "to 4"},
	{"UID", "alice", "00000", NULL},
	{"Driver", "dvodbc", "00000", NULL},
	{"ClientCharset", "latin1", "00000", NULL},
	{"ClientCharset", "windows-1252", "00000", NULL},
	{"ClientCharset", "", "HY024", "invalid value '' for ClientCharset: expected a character "
	 "set iconv knows, such as UTF-8, ISO-8859-1, windows-1252 (see iconv -l)"},
	{"StrictConnectionString", "on", "00000", NULL},
};

static void test_set_cases(void)
{
	for (size_t i = 0; i < sizeof(set_cases) / sizeof(set_cases[0]); i++) {
		const struct set_case *t = &set_cases[i];
		struct dv_config c;
		struct dv_error e;
		int rc;
		dv_config_init(&c);
		dv_error_clear(&e);
		rc = dv_config_set(&c, t->key, t->value, &e);
		is_str(dv_sqlstate_code(e.state), t->state, "set %s=%s -> %s", t->key, t->value,
		       t->state);
		is_int(rc, strcmp(t->state, "00000") == 0 ? 0 : -1, "set %s=%s rc", t->key,
		       t->value);
		if (t->message)
			is_str(e.message, t->message, "set %s=%s message", t->key, t->value);
		dv_config_free(&c);
	}
}

static void test_values_stored(void)
{
	struct dv_config c;
	struct dv_error e;
	dv_config_init(&c);
	dv_config_set(&c, "pagesize", " 42 ", &e);
	dv_config_set(&c, "AuthScheme", "azureserviceprincipal", &e);
	dv_config_set(&c, "AzureEnvironment", "usgovthigh", &e);
	dv_config_set(&c, "UID", "alice", &e);
	dv_config_set(&c, "Verbosity", "3", &e);
	dv_config_set(&c, "URL", "https://org.crm.dynamics.com///", &e);
	is_int(c.page_size, 42, "PageSize stored");
	is_int(c.auth_scheme, DV_AUTH_AZURE_SERVICE_PRINCIPAL, "AuthScheme stored");
	is_str(c.azure_environment, "USGOVTHIGH", "AzureEnvironment canonical case");
	is_str(dv_config_authority_host(&c), "https://login.microsoftonline.us",
	       "USGOVTHIGH authority");
	is_str(c.user, "alice", "UID -> User");
	is_int(c.verbosity, 3, "Verbosity stored in an int");
	is_str(c.url, "https://org.crm.dynamics.com", "URL without trailing slashes");
	ok(dv_config_key_is_set(&c, "PAGESIZE"), "PageSize is explicit");
	ok(!dv_config_key_is_set(&c, "Timeout"), "Timeout is not explicit");
	dv_config_set(&c, "AzureEnvironment", "CHINA", &e);
	is_str(dv_config_authority_host(&c), "https://login.chinacloudapi.cn", "CHINA authority");
	dv_config_set(&c, "AzureAuthorityHost", "http://127.0.0.1:8080/", &e);
	is_str(dv_config_authority_host(&c), "http://127.0.0.1:8080",
	       "AzureAuthorityHost overrides");
	char *root = dv_config_api_root(&c);
	is_str(root, "https://org.crm.dynamics.com/api/data/v9.2/", "api root");
	free(root);
	dv_config_free(&c);
}

struct connstr_case {
	const char *connstr;
	const char *state;
	const char *message;
};

static const struct connstr_case connstr_errors[] = {
	{"URL=https://x;OAuthClientSecret={abc", "01S00",
	 "the value of OAuthClientSecret starts with '{' but has no closing '}'"},
	/* found by tests/fuzz/fuzz_connstr: the DSN name leaked (the sanitizer run sees it) */
	{"DSN=crm;OAuthClientSecret={abc", "01S00",
	 "the value of OAuthClientSecret starts with '{' but has no closing '}'"},
	{"URL=https://x;Garbage;", "01S00",
	 "connection string attribute 'Garbage' has no '=value'"},
	{"URL={https://x}junk;", "01S00",
	 "unexpected text after the '}' closing the value of URL"},
	{"URL=https://x;Pagesize=big", "HY024",
	 "invalid value 'big' for PageSize: expected an integer from 1 to 5000"},
	/* unknown keys fail only under StrictConnectionString=1, wherever it is */
	{"StrictConnectionString=1;URL=https://x;Tenant=abc", "01S00",
	 "unknown connection key 'Tenant' (see the driver's list of connection keys)"},
	{"URL=https://x;AzureTenent=abc;Trusted_Connection=Yes;StrictConnectionString=yes",
	 "01S00", "unknown connection key 'AzureTenent': did you mean AzureTenant?"},
	{"URL=https://x;StrictConnectionString=sometimes", "HY024",
	 "invalid value 'sometimes' for StrictConnectionString: expected true or false (also "
	 "yes/no, on/off, 1/0)"},
	{"URL=https://x;Bogus=1;PageSize=0", "HY024",
	 "invalid value '0' for PageSize: expected an integer from 1 to 5000"},
	{"URL=https://x;ClientCharset=klingon", "HY024",
	 "invalid value 'klingon' for ClientCharset: expected a character set iconv knows, "
	 "such as UTF-8, ISO-8859-1, windows-1252 (see iconv -l)"},
};

static void test_connstr(void)
{
	struct dv_config c;
	struct dv_error e;
	int rc;

	dv_config_init(&c);
	rc = dv_config_from_connstr(&c, " driver = {dvodbc} ; URL = https://org.crm4.dynamics.com/"
				    " ;OAuthClientSecret={a;b}}c{ } ;azuretenant=t1;PAGESIZE=10;"
				    "pagesize=20;;UID=bob;PWD={p;w}", &e);
	is_int(rc, 0, "connection string parses");
	is_str(c.url, "https://org.crm4.dynamics.com", "URL trimmed, slash removed");
	is_str(c.oauth_client_secret, "a;b}c{ ", "braced value with ';' and '}}' kept exactly");
	is_str(c.azure_tenant, "t1", "lower-case key");
	is_int(c.page_size, 10, "first occurrence of a key wins");
	is_str(c.user, "bob", "UID");
	is_str(c.password, "p;w", "PWD braced");
	rc = dv_config_validate(&c, &e);
	is_int(rc, -1, "service principal without client id fails");
	is_str(dv_sqlstate_code(e.state), "28000", "missing client id -> 28000");
	is_str(e.message, "OAuthClientId is required for AuthScheme=AzureServicePrincipal: set "
	       "it to the application (client) ID", "missing client id message");
	ok(strstr(e.message, "a;b") == NULL, "secret not echoed");
	dv_config_set(&c, "OAuthClientId", "cid", &e);
	is_int(dv_config_validate(&c, &e), 0, "complete service principal validates");
	is_int(c.auth_scheme, DV_AUTH_AZURE_SERVICE_PRINCIPAL, "auto AuthScheme from secret");
	is_int(c.grant_type, DV_GRANT_CLIENT, "auto grant CLIENT");
	char *out = dv_config_to_connstr(&c);
	is_str(out, "URL=https://org.crm4.dynamics.com;AzureTenant=t1;OAuthClientId=cid;"
	       "User=bob;PageSize=10;", "out connection string without secrets");
	free(out);
	dv_config_free(&c);

	for (size_t i = 0; i < sizeof(connstr_errors) / sizeof(connstr_errors[0]); i++) {
		const struct connstr_case *t = &connstr_errors[i];
		dv_config_init(&c);
		dv_error_clear(&e);
		rc = dv_config_from_connstr(&c, t->connstr, &e);
		is_int(rc, -1, "'%s' fails", t->connstr);
		is_str(dv_sqlstate_code(e.state), t->state, "'%s' state", t->connstr);
		is_str(e.message, t->message, "'%s' message", t->connstr);
		dv_config_free(&c);
	}
}

/* SQLDriverConnect: an attribute that is not the driver's is ignored with
 * 01S00 (a warning); StrictConnectionString=1 keeps the error for unknown
 * keys, not for the keys tools add for other drivers. */
static void test_ignored_keys(void)
{
	struct dv_config c;
	struct dv_error e;
	char *out;
	int rc;

	dv_config_init(&c);
	dv_error_clear(&e);
	rc = dv_config_from_connstr(&c, "Driver={dvodbc};Server=srv,1433;Database=crm;"
				    "URL=https://x;Trusted_Connection=Yes;APP=Microsoft Office;"
				    "WSID=PC1;Tenant=abc;PageSise=10;PageSize=7;bogus=1;BOGUS=2", &e);
	is_int(rc, 0, "unknown and other drivers' keys do not fail");
	is_str(dv_sqlstate_code(e.state), "00000", "no error");
	is_str(c.ignored_keys,
	       "connection key 'Server' is not used by this driver and was ignored\n"
	       "connection key 'Database' is not used by this driver and was ignored\n"
	       "connection key 'Trusted_Connection' is not used by this driver and was ignored\n"
	       "connection key 'APP' is not used by this driver and was ignored\n"
	       "connection key 'WSID' is not used by this driver and was ignored\n"
	       "unknown connection key 'Tenant' was ignored (see the driver's list of "
	       "connection keys)\n"
	       "unknown connection key 'PageSise' was ignored: did you mean PageSize?\n"
	       "unknown connection key 'bogus' was ignored (see the driver's list of "
	       "connection keys)", "each ignored key named once, in order");
	is_str(c.unknown_key_error, "unknown connection key 'Tenant' (see the driver's list of "
	       "connection keys)", "the first unknown key is what strict mode fails with");
	is_int(c.page_size, 7, "the known keys around them are applied");
	is_int(dv_config_validate(&c, &e), 0, "validates");
	out = dv_config_to_connstr(&c);
	is_str(out, "URL=https://x;PageSize=7;", "no ignored key in the out connection string");
	free(out);
	dv_config_free(&c);

	dv_config_init(&c);
	rc = dv_config_from_connstr(&c, "StrictConnectionString=1;URL=https://x;"
				    "Trusted_Connection=Yes;Language=us_english", &e);
	is_int(rc, 0, "strict mode still ignores other drivers' keys");
	is_str(c.ignored_keys,
	       "connection key 'Trusted_Connection' is not used by this driver and was ignored\n"
	       "connection key 'Language' is not used by this driver and was ignored",
	       "strict: other drivers' keys are warnings");
	out = dv_config_to_connstr(&c);
	is_str(out, "URL=https://x;StrictConnectionString=true;",
	       "out connection string keeps StrictConnectionString");
	free(out);
	dv_config_free(&c);

	dv_config_init(&c);
	rc = dv_config_from_connstr(&c, "URL=https://x", &e);
	is_int(rc, 0, "plain string");
	is_str(c.ignored_keys, NULL, "nothing ignored");
	dv_config_free(&c);
}

static void test_validate(void)
{
	struct dv_config c;
	struct dv_error e;

	dv_config_init(&c);
	is_int(dv_config_validate(&c, &e), -1, "no URL fails");
	is_str(dv_sqlstate_code(e.state), "08001", "no URL -> 08001");
	is_str(e.message, "URL is required: set URL to the organization address, e.g. "
	       "URL=https://contoso.crm.dynamics.com", "no URL message");
	dv_config_free(&c);

	dv_config_init(&c);
	dv_config_from_connstr(&c, "URL=https://x;OAuthAccessToken=tok", &e);
	is_int(dv_config_validate(&c, &e), 0, "token only validates");
	is_int(c.auth_scheme, DV_AUTH_NONE, "token only -> AuthScheme None");
	is_int(c.initiate_oauth, DV_OAUTH_OFF, "token only -> InitiateOAuth OFF");
	dv_config_free(&c);

	dv_config_init(&c);
	dv_config_from_connstr(&c, "URL=https://x;InitiateOAuth=OFF", &e);
	is_int(dv_config_validate(&c, &e), -1, "OFF without token fails");
	is_str(e.message, "InitiateOAuth=OFF needs OAuthAccessToken: set it, or set "
	       "InitiateOAuth=GETANDREFRESH", "OFF without token message");
	dv_config_free(&c);

	dv_config_init(&c);
	dv_config_from_connstr(&c, "URL=https://x;OAuthClientId=c;OAuthClientSecret=s", &e);
	is_int(dv_config_validate(&c, &e), -1, "no tenant fails");
	is_str(dv_sqlstate_code(e.state), "28000", "no tenant -> 28000");
	dv_config_free(&c);

	dv_config_init(&c);
	dv_config_from_connstr(&c, "URL=https://x", &e);
	is_int(dv_config_validate(&c, &e), 0, "URL only validates (interactive sign-in)");
	is_int(c.auth_scheme, DV_AUTH_AZUREAD, "URL only -> AzureAD");
	is_int(c.grant_type, DV_GRANT_CODE, "URL only -> CODE");
	dv_config_free(&c);

	dv_config_init(&c);
	dv_config_from_connstr(&c, "URL=https://srv/Org;CRMVersion=CRM2016+", &e);
	is_int(dv_config_validate(&c, &e), 0, "on-premises validates");
	is_int(c.auth_scheme, DV_AUTH_NTLM, "on-premises -> NTLM");
	dv_config_free(&c);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

static void test_dsn(void)
{
	char dir[] = "/tmp/dvcfgXXXXXX", path[128];
	struct dv_config c;
	struct dv_error e;
	int rc;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/odbcinst.ini", dir);
	write_file(path, "[dvodbc]\nDriver = /nonexistent.so\n");
	snprintf(path, sizeof(path), "%s/odbc.ini", dir);
	write_file(path, "[dvtest]\nDriver = dvodbc\nURL = https://dsn.crm.dynamics.com/\n"
		   "PageSize = 300\nAzureTenant = dsn-tenant\nOAuthClientSecret = a;b\n"
		   "[badval]\nDriver = dvodbc\nURL = https://x\nTimeout = soon\n");
	setenv("ODBCSYSINI", dir, 1);
	setenv("ODBCINI", path, 1);

	dv_config_init(&c);
	rc = dv_config_from_connstr(&c, "DSN=dvtest;PageSize=25", &e);
	is_int(rc, 0, "DSN connection string parses");
	is_str(c.url, "https://dsn.crm.dynamics.com", "URL from the DSN");
	is_str(c.azure_tenant, "dsn-tenant", "tenant from the DSN");
	is_str(c.oauth_client_secret, "a;b", "DSN values need no braces");
	is_int(c.page_size, 25, "string key overrides the DSN");
	dv_config_free(&c);

	dv_config_init(&c);
	rc = dv_config_from_dsn(&c, "nosuchdsn", &e);
	is_int(rc, -1, "unknown DSN fails");
	is_str(e.message, "data source 'nosuchdsn' was not found in odbc.ini (user or system)",
	       "unknown DSN message");
	dv_config_free(&c);

	dv_config_init(&c);
	rc = dv_config_from_dsn(&c, "badval", &e);
	is_int(rc, -1, "bad DSN value fails");
	is_str(e.message, "DSN badval: invalid value 'soon' for Timeout: expected an integer from "
	       "0 to 86400", "bad DSN value message names the DSN");
	dv_config_free(&c);

	snprintf(path, sizeof(path), "%s/odbc.ini", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/odbcinst.ini", dir);
	unlink(path);
	rmdir(dir);
}

/* Credentials never cross the network in clear text unless asked for. */
static void test_cleartext(void)
{
	static const struct {
		const char *connstr;
		int ok;
		const char *key;   /* named in the message when refused */
		const char *host;
	} cases[] = {
		{"URL=http://srv/Org", 0, "URL is http:// to srv", "srv"},
		{"URL=HTTP://Contoso.example.com:8080", 0, "URL is http://", "contoso.example.com"},
		{"URL=http://10.0.0.5", 0, "URL is http://", "10.0.0.5"},
		{"URL=http://127.0.0.1:5555", 1, NULL, NULL},
		{"URL=http://127.8.9.10", 1, NULL, NULL},
		{"URL=http://localhost:8080/Org", 1, NULL, NULL},
		{"URL=http://[::1]:8080", 1, NULL, NULL},
		{"URL=http://127.0.0.1.evil.example", 0, "URL is http://", "127.0.0.1.evil.example"},
		{"URL=https://srv/Org", 1, NULL, NULL},
		{"URL=http://srv/Org;AllowInsecureHttp=1", 1, NULL, NULL},
		{"URL=https://x;AzureAuthorityHost=http://login.example", 0,
		 "AzureAuthorityHost is http://", "login.example"},
		{"URL=https://x;AzureAuthorityHost=http://127.0.0.1:9", 1, NULL, NULL},
		{"URL=https://x;AzureAuthorityHost=http://login.example;AllowInsecureHttp=true", 1,
		 NULL, NULL},
		{"URL=https://x;Proxy=http://proxy.example:8080;ProxyPassword=pw", 0,
		 "Proxy is http://", "proxy.example"},
		{"URL=https://x;Proxy=proxy.example:8080;ProxyUser=u", 0, "Proxy is http://",
		 "proxy.example"},
		{"URL=https://x;Proxy=https://proxy.example:8443;ProxyPassword=pw", 1, NULL, NULL},
		{"URL=https://x;Proxy=http://proxy.example:8080", 1, NULL, NULL},
		{"URL=https://x;Proxy=http://127.0.0.1:3128;ProxyPassword=pw", 1, NULL, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dv_config c;
		struct dv_error e;
		dv_error_clear(&e);
		dv_config_init(&c);
		int rc = dv_config_from_connstr(&c, cases[i].connstr, &e);
		if (rc == 0)
			rc = dv_config_validate(&c, &e);
		is_int(rc, cases[i].ok ? 0 : -1, "%s: %s", cases[i].connstr,
		       cases[i].ok ? "accepted" : "refused");
		if (!cases[i].ok) {
			is_str(dv_sqlstate_code(e.state), "08001", "  08001");
			ok(strstr(e.message, cases[i].key) && strstr(e.message, cases[i].host) &&
			   strstr(e.message, "AllowInsecureHttp=1") &&
			   strstr(e.message, "https://"),
			   "  says what, where and what to fix: %s", e.message);
		}
		dv_config_free(&c);
	}
}

/* A ';' in an unbraced secret splits it: no part of it may be echoed. */
static void test_secret_tail(void)
{
	static const char *const cases[] = {
		"URL=https://x;Password=Xq7a;Zr9tail",
		"URL=https://x;PWD=Xq7a;Zr9tail=more",
		"URL=https://x;OAuthClientSecret=Xq7a;Zr9tail",
		"URL=https://x;OAuthJWTCertPassword=Xq7a;Zr9tail=1",
		"URL=https://x;OAuthAccessToken=Xq7a;Zr9tail",
		"URL=https://x;ProxyPassword=Xq7a;Zr9tail",
		"URL=https://x;ProxyPassword={Xq7a};Zr9tail",
		"StrictConnectionString=1;URL=https://x;PWD=Xq7a;Zr9tail=more",
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dv_config c;
		struct dv_error e;
		dv_error_clear(&e);
		dv_config_init(&c);
		int rc = dv_config_from_connstr(&c, cases[i], &e);
		/* "KEY=value" after the secret is an ignored key: a warning */
		int ignored = strchr(strstr(cases[i], "Zr9"), '=') != NULL &&
			      !strstr(cases[i], "Strict");
		const char *msg = ignored ? c.ignored_keys : e.message;
		is_int(rc, ignored ? 0 : -1, "%s %s", cases[i], ignored ? "connects" : "fails");
		ok(msg && !strstr(msg, "Zr9") && !strstr(msg, "Xq7") && !strstr(msg, "tail"),
		   "  no part of the secret in: %s", msg ? msg : "(none)");
		ok(msg && strstr(msg, "braces") != NULL, "  says to use braces");
		dv_config_free(&c);
	}
	/* a non-secret key still gets named */
	struct dv_config c;
	struct dv_error e;
	dv_config_init(&c);
	dv_config_from_connstr(&c, "URL=https://x;Timeout=5;Bogus", &e);
	ok(strstr(e.message, "Bogus") != NULL, "after a non-secret key the text is named");
	dv_config_free(&c);
}

int main(void)
{
	test_defaults();
	test_key_table();
	test_set_cases();
	test_values_stored();
	test_connstr();
	test_ignored_keys();
	test_validate();
	test_cleartext();
	test_secret_tail();
	test_dsn();
	return tap_done();
}
