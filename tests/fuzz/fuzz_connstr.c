/* fuzz_connstr.c - libFuzzer target: connection strings (driver/config/).
 *
 * The input is one connection string, as an application hands it to
 * SQLDriverConnect (text up to the first NUL).  It goes through
 * dv_config_from_connstr, and when that accepts it, dv_config_to_connstr
 * and dv_config_validate.  Beyond memory errors the target checks one
 * property: the string written back for OutConnectionString parses again
 * and writes back the same text (braces, "}}" and blanks survive).
 * odbc.ini is served from memory (SQLGetPrivateProfileString below), with
 * one data source, "fuzzdsn", so DSN=fuzzdsn runs the DSN merge without
 * reading files. */
#include "config/config.h"

#include <odbcinst.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const dsn_keys[][2] = {
	{"URL", "https://fuzz.crm.dynamics.com/"},
	{"AzureTenant", "contoso.onmicrosoft.com"},
	{"OAuthClientId", "00000000-0000-0000-0000-000000000000"},
	{"AuthScheme", "AzureServicePrincipal"},
	{"OAuthClientSecret", "s;e{c}r=et"},
	{"PageSize", "500"},
};
#define NDSN_KEYS (sizeof(dsn_keys) / sizeof(dsn_keys[0]))

static int copy_out(const char *s, size_t n, LPSTR buf, int size)
{
	if (size <= 0)
		return 0;
	if (n >= (size_t)size)
		n = (size_t)size - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return (int)n;
}

/* unixODBC's odbc.ini reader, replaced: section "fuzzdsn" only. */
int INSTAPI SQLGetPrivateProfileString(LPCSTR section, LPCSTR key, LPCSTR def, LPSTR buf,
				       int size, LPCSTR file)
{
	(void)file;
	if (!section || strcmp((const char *)section, "fuzzdsn") != 0)
		return copy_out(def ? (const char *)def : "", def ? strlen((const char *)def) : 0,
				buf, size);
	if (!key)
		return copy_out("URL\0", 5, buf, size);
	for (size_t i = 0; i < NDSN_KEYS; i++)
		if (strcasecmp((const char *)key, dsn_keys[i][0]) == 0)
			return copy_out(dsn_keys[i][1], strlen(dsn_keys[i][1]), buf, size);
	return copy_out("", 0, buf, size);
}

static void round_trip(const char *written)
{
	struct dv_config again;
	struct dv_error err;
	char *rewritten;

	dv_config_init(&again);
	if (dv_config_from_connstr(&again, written, &err) != 0) {
		fprintf(stderr, "fuzz_connstr: the written connection string does not parse: "
			"%s\n  written: %s\n", err.message, written);
		abort();
	}
	rewritten = dv_config_to_connstr(&again);
	if (rewritten && strcmp(rewritten, written) != 0) {
		fprintf(stderr, "fuzz_connstr: writing is not stable\n  first:  %s\n"
			"  second: %s\n", written, rewritten);
		abort();
	}
	free(rewritten);
	dv_config_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dv_config cfg;
	struct dv_error err;
	char *connstr = malloc(size + 1);
	char *written;

	if (!connstr)
		return 0;
	memcpy(connstr, data, size);
	connstr[size] = '\0';
	dv_error_clear(&err);
	dv_config_init(&cfg);
	if (dv_config_from_connstr(&cfg, connstr, &err) == 0) {
		written = dv_config_to_connstr(&cfg);
		if (written)
			round_trip(written);
		free(written);
		dv_config_validate(&cfg, &err);
		free(dv_config_api_root(&cfg));
		(void)dv_config_authority_host(&cfg);
	}
	dv_config_free(&cfg);
	free(connstr);
	return 0;
}
