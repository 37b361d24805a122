/* emu.h - test helper: start, drive and stop the Dataverse emulator.
 *
 * Owns: running tests/emulator/dvemu as a child process on a free loopback
 * port (--port-file), its base URL, its control endpoints (/_emu/reset,
 * /_emu/faults, /_emu/requests) and a test-local unixODBC setup (odbcinst.ini
 * + odbc.ini in a temp dir, exported through ODBCSYSINI / ODBCINI) whose DSN
 * "dvtest" points at the emulator with the fixed test identity. */
#ifndef DV_TESTS_EMU_H
#define DV_TESTS_EMU_H

#include <sys/types.h>
#include <yajl/yajl_tree.h>

struct emu {
	pid_t pid;
	int port;
	char url[64];        /* "http://127.0.0.1:<port>" */
	char dir[256];       /* temp dir holding port file, ini files, logs */
	char token[4096];    /* emu_webapi's access token, "" until its first call */
};

#define EMU_TENANT "00000000-0000-0000-0000-00000000aaaa"
#define EMU_CLIENT_ID "11111111-1111-1111-1111-111111111111"
#define EMU_SECRET "dvemu-secret"

/* Starts dvemu with extra_args (e.g. "--rows 20 --seed 1"; may be NULL) and
 * waits for its port file.  Returns 0 or -1 (message on stderr). */
int emu_start(struct emu *e, const char *extra_args);
void emu_stop(struct emu *e);

/* Control endpoints; json may be NULL.  Returns the HTTP status or -1. */
int emu_post(struct emu *e, const char *path, const char *json);
/* Resets data, faults and the request log. */
int emu_reset(struct emu *e);
/* Injects a fault, e.g. emu_fault(e, "{\"count\":2,\"kind\":\"429\",\"retry_after\":1}"). */
int emu_fault(struct emu *e, const char *json);

/* The requests the emulator received since the last reset (or since index
 * `since`), one line each: "METHOD URL" with the URL as sent (path+query).
 * Control endpoints excluded.  token requests are included.  Caller frees. */
char *emu_requests(struct emu *e, int since);
/* The same log as the emulator gives it: a JSON array of entries (method,
 * url, headers, body, status, and with config log_rows rows and bytes), or
 * NULL.  Free with yajl_tree_free. */
yajl_val emu_requests_tree(struct emu *e, int since);
/* emu_requests without the requests that read no data: token, metadata
 * (EntityDefinitions, RelationshipDefinitions, $metadata,
 * RetrieveMetadataChanges), WhoAmI and RetrieveTotalRecordCount (the row
 * counts a join is planned from, driver/catalog/catalog_counts.c: its own
 * tests assert it with emu_requests).
 * "METHOD URL" lines; caller frees (never NULL). */
char *emu_data_requests(struct emu *e, int since);
/* The data requests since index `since` (token and metadata requests left
 * out) as a write test reads them: "METHOD URL [If-Match: x] [Prefer: x]\n"
 * (Prefer only when it asks continue-on-error), with bodies "  <body>\n"
 * after each.  Caller frees (never NULL). */
char *emu_requests_detail(struct emu *e, int since, int bodies);
/* The last request since index `since` to the Web API (/api/data/) that
 * is not an EntityDefinitions request: "METHOD URL", or "".  Caller frees. */
char *emu_last_api_request(struct emu *e, int since);
/* How many lines of log (a text of emu_requests or emu_requests_detail;
 * NULL counts none) start with prefix, e.g. "GET ". */
int emu_count_lines(const char *log, const char *prefix);
/* How many of the requests since index `since` (emu_requests' lines) hold
 * what, and also `also` when it is not NULL: e.g. "EntityDefinitions" for
 * the metadata requests. */
int emu_count_requests(struct emu *e, int since, const char *what, const char *also);
/* Clears every scripted fault not used up yet.  Returns the HTTP status. */
int emu_clear_faults(struct emu *e);
/* Number of logged requests so far. */
int emu_request_count(struct emu *e);

/* One request to the emulator's Web API as an application sends it, signed
 * in with the test identity's client credentials (a token requested on the
 * first call and kept in e->token).  rel is a path under /api/data/v9.2/
 * ("accounts?$select=name&$filter=name eq 'x'": blanks are sent as %20);
 * method NULL = GET; json, when not NULL, is the body (Content-Type
 * application/json, and If-Match: * on a PATCH, so it never creates).
 * Returns the HTTP status or -1; the body into *out when out is not NULL
 * (NUL-terminated, never NULL; caller frees).  The service's side of a
 * test: what it holds, read without the driver. */
int emu_webapi(struct emu *e, const char *method, const char *rel, const char *json, char **out);

/* Writes odbcinst.ini (driver "dvodbc" = the built libdvodbc.so) and
 * odbc.ini (DSN "dvtest" = the emulator, client credentials + extra_dsn_lines)
 * into e->dir and exports ODBCSYSINI / ODBCINI.  extra_dsn_lines may be NULL
 * or "Key=Value\n..." lines. */
int emu_write_odbc_ini(struct emu *e, const char *extra_dsn_lines);

/* The connection string for SQLDriverConnect equivalent to DSN dvtest. */
const char *emu_connstr(struct emu *e);

#endif
