/* engine_stack.h - test helper: the driver's layers below the ODBC API,
 * assembled against the emulator, and a query runner over them.
 *
 * Owns: struct engine_stack (svc_client.h's config, http and auth, plus the
 * catalog and engine, built from the emulator's connection string plus extra
 * keys, as SQLConnect would) and
 * engine_stack_run, which rewrites ODBC SQL with sqlparse, prepares it on the
 * engine, binds text parameters and returns the rows as "a|b\n" lines.
 * Header-only like tap.h: each test program includes it once. */
#ifndef DV_TESTS_ENGINE_STACK_H
#define DV_TESTS_ENGINE_STACK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "emu.h"
#include "engine/engine.h"
#include "sqlparse/sqlparse.h"
#include "svc_client.h"
#include "tap.h"
#include "util/buf.h"
#include "util/strutil.h"

struct engine_stack {
	struct svc_client svc;   /* config, http, auth */
	struct dv_catalog *cat;
	struct dv_engine *eng;
	char base[128];          /* ".../api/data/v9.2/" */
};
/* extra: connection keys added before the emulator's ("IncludeFormattedValues=false"), or NULL. */
static inline int engine_stack_open(struct engine_stack *s, struct emu *em, const char *extra)
{
	struct dv_error e;
	memset(s, 0, sizeof(*s));
	dv_error_clear(&e);
	if (svc_client_open(&s->svc, em, extra, &e) != 0)
		goto fail;
	snprintf(s->base, sizeof(s->base), "%s/api/data/v9.2/", em->url);
	s->cat = dv_catalog_new(s->svc.http, s->base, s->svc.cfg.use_display_names,
				s->svc.cfg.include_formatted_values, NULL);
	s->eng = s->cat ? dv_engine_new(s->cat, s->svc.http, &s->svc.cfg, NULL, &e) : NULL;
	if (!s->eng)
		goto fail;
	return 0;
fail:
	tap_diag("engine_stack_open: %s", e.message);
	return -1;
}

static inline void engine_stack_close(struct engine_stack *s)
{
	dv_engine_free(s->eng);
	dv_catalog_free(s->cat);
	svc_client_close(&s->svc);
}

/* Runs sql with text parameters (NULL-terminated list or NULL; "NULL" binds
 * SQL NULL, "#5" the integer 5).  Rows as "a|b\n" lines ("" for none), or
 * NULL with err set. */
static inline char *engine_stack_run(struct engine_stack *s, const char *sql,
				     const char *const *params, struct dv_error *err)
{
	struct sql_rewrite rw;
	sqlite3_stmt *st;
	struct dv_buf out;
	int rc, i;
	dv_error_clear(err);
	if (sqlparse_rewrite(sql, strlen(sql), &rw, err) != 0)
		return NULL;
	rc = dv_engine_prepare(s->eng, rw.sql, &st, err);
	sqlparse_rewrite_free(&rw);
	if (rc != 0)
		return NULL;
	for (i = 0; params && params[i]; i++) {
		int64_t v;
		if (params[i][0] == '#' && dv_parse_int64(params[i] + 1, &v) == 0)
			sqlite3_bind_int64(st, i + 1, v);
		else if (strcmp(params[i], "NULL") == 0)
			sqlite3_bind_null(st, i + 1);
		else
			sqlite3_bind_text(st, i + 1, params[i], -1, SQLITE_TRANSIENT);
	}
	dv_buf_init(&out, 0);
	while ((rc = dv_engine_step(s->eng, st, err)) == 1) {
		for (i = 0; i < sqlite3_column_count(st); i++) {
			const unsigned char *t = sqlite3_column_text(st, i);
			dv_buf_appendf(&out, "%s%s", i ? "|" : "", t ? (const char *)t : "NULL");
		}
		dv_buf_appendc(&out, '\n');
	}
	sqlite3_finalize(st);
	if (rc < 0) {
		dv_buf_free(&out);
		return NULL;
	}
	return dv_buf_steal(&out);
}

/* The data requests the emulator received since its last reset, one
 * "METHOD URL" line each; token and metadata requests left out, and the
 * row counts a join is planned from (RetrieveTotalRecordCount, as
 * emu_data_requests). */
static inline char *engine_stack_data_requests(struct emu *em)
{
	char *all = emu_requests(em, 0), *line, *save = NULL;
	struct dv_buf out;
	dv_buf_init(&out, 0);
	for (line = all ? strtok_r(all, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strstr(line, "/oauth2/") || strstr(line, "EntityDefinitions") ||
		    strstr(line, "RetrieveTotalRecordCount"))
			continue;
		dv_buf_appendf(&out, "%s\n", line);
	}
	free(all);
	return dv_buf_steal(&out);
}

#endif
