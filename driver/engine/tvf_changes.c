/* tvf_changes.c - <entity>_changes(token): change tracking as a table.
 *
 * Owns: the "dv_changes" virtual table module and the SQL function
 * dv_last_change_token([entity]).
 *
 * HOW IT WORKS: temp."account_changes" USING dv_changes("account") declares
 * the entity's columns, then dv_change_type ('new_or_updated' or 'deleted')
 * and the hidden argument column dv_token.  SELECT * FROM
 * account_changes(?) gives the token to xBestIndex as the equality on
 * dv_token.  xFilter sends
 *  - no token (NULL or ''): GET accounts?$select=<every column> with
 *    Prefer: odata.track-changes: every row, as new_or_updated;
 *  - a token: GET accounts?$select=<the same>&$deltatoken=<token>: the rows
 *    created or updated since, then {"id":..,"reason":"deleted"} entries,
 *    one row each with only the primary key set.
 * The pages are read by odata_cursor (nextLink with the same Prefer,
 * prefetch, the retry rules of any read).  The service puts the
 * @odata.deltaLink on the last page; when the scan reaches its end, the
 * link's $deltatoken is kept as the entity's last token for
 * dv_last_change_token(), forgotten when a read of that entity starts (so a
 * read stopped half-way never hands out a token that would skip rows).
 * Expired token (ExpiredVersionStamp 0x80044352): HY000 with that native
 * code and a message saying to read the whole table again.
 * ONE READ PER STATEMENT: SQLite scans the inner side of a join (or a
 * correlated subquery) once per outer row.  A scan keeps a copy of the rows
 * it reads (up to KEEP_ROWS, beyond which it only streams), and a scan of
 * the same statement with the same token that follows a complete one
 * replays them instead of sending the delta query again; the token
 * dv_last_change_token() gives is the one that read ended with.
 * Source: https://learn.microsoft.com/power-apps/developer/data-platform/use-change-tracking-synchronize-data-external-systems
 * ($filter, $orderby, $expand, $top are refused with track-changes, so
 * nothing is pushed down: SQLite filters the rows itself). */
#include "engine/engine_int.h"
#include "engine/tvf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "odata/odata.h"
#include "util/log.h"
#include "util/strutil.h"

#define EXPIRED_VERSION_STAMP ((long)(int32_t)0x80044352u)
#define KEEP_ROWS 10000

/* The rows of the statement's last read, for replays (shared by the
 * table and the cursors replaying it). */
struct ch_saved {
	int refs;
	size_t ncells;              /* per row: the entity's columns, "id", "reason" */
	unsigned long stmt;         /* the engine's statement, 0 = none */
	char *token;                /* the token it was read with (NULL: a full read) */
	int complete;               /* read to its end */
	struct tvf_rows kept;       /* rows * ncells */
};

struct ch_vtab {
	sqlite3_vtab base;          /* must come first */
	struct dv_engine *eng;
	struct tvf_state *st;
	const struct dv_entity *e;
	char *name;                 /* account_changes */
	struct ch_saved *saved;     /* the last read's rows, or NULL */
	void *recorder;             /* the cursor filling saved, or NULL */
};

struct ch_cur {
	sqlite3_vtab_cursor base;   /* must come first */
	struct ch_vtab *vt;
	struct odata_colspec *specs;   /* entity columns, then "id", "reason" */
	size_t nspecs;
	struct odata_cursor *oc;
	const struct odata_cell *row;
	char *token;                /* the argument */
	sqlite3_int64 rowid;
	int eof;
	struct ch_saved *replay_of; /* the rows replayed (a reference), or NULL */
	size_t replay;              /* next saved row + 1 while replaying, 0 = reading */
};

static void saved_unref(struct ch_saved *sv)
{
	if (!sv || --sv->refs > 0)
		return;
	tvf_rows_clear(&sv->kept, sv->ncells);
	free(sv->token);
	free(sv);
}

static int same_token(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int ch_error(struct ch_vtab *vt, const struct dv_error *err)
{
	vt->eng->scan_err = *err;
	sqlite3_free(vt->base.zErrMsg);
	vt->base.zErrMsg = sqlite3_mprintf("%s", err->message);
	return SQLITE_ERROR;
}

static int ch_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
		      sqlite3_vtab **out, char **pzErr)
{
	struct tvf_state *st = aux;
	struct dv_engine *eng;
	const struct dv_entity *e;
	struct ch_vtab *vt;
	struct dv_error err;
	struct dv_buf sql, name;
	size_t i, n;
	int rc;
	if (argc < 4) {
		*pzErr = sqlite3_mprintf("dv_changes: USING dv_changes(<entity>)");
		return SQLITE_ERROR;
	}
	eng = tvf_engine(st);
	dv_buf_init(&name, 0);
	n = strlen(argv[3]);
	if (n >= 2 && (argv[3][0] == '"' || argv[3][0] == '\''))
		dv_buf_append(&name, argv[3] + 1, n - 2);
	else
		dv_buf_append(&name, argv[3], n);
	dv_error_clear(&err);
	rc = dv_catalog_entity(eng->cat, dv_buf_str(&name), &e, &err);
	dv_buf_free(&name);
	if (rc != 0) {
		eng->scan_err = err;
		*pzErr = sqlite3_mprintf("%s", err.message);
		return SQLITE_ERROR;
	}
	dv_buf_init(&sql, 0);
	dv_buf_appends(&sql, "CREATE TABLE x(");
	for (i = 0; i < e->ncolumns; i++) {
		const char *p;
		dv_buf_appends(&sql, "\"");
		for (p = e->columns[i].name; *p; p++) {
			if (*p == '"')
				dv_buf_appendc(&sql, '"');
			dv_buf_appendc(&sql, *p);
		}
		dv_buf_appends(&sql, "\" ");
		column_decl(&e->columns[i], &sql);
		dv_buf_appends(&sql, ", ");
	}
	dv_buf_appends(&sql, "dv_change_type NVARCHAR(14), dv_token HIDDEN)");
	rc = sqlite3_declare_vtab(db, dv_buf_str(&sql));
	dv_buf_free(&sql);
	if (rc != SQLITE_OK) {
		*pzErr = sqlite3_mprintf("dv_changes: cannot declare %s", e->logical_name);
		return rc;
	}
	vt = sqlite3_malloc(sizeof(*vt));
	if (!vt)
		return SQLITE_NOMEM;
	memset(vt, 0, sizeof(*vt));
	vt->eng = eng;
	vt->st = st;
	vt->e = e;
	vt->name = sqlite3_mprintf("%s_changes", e->logical_name);
	if (!vt->name || tvf_link_vtab(eng, vt, e) != 0) {
		sqlite3_free(vt->name);
		sqlite3_free(vt);
		return SQLITE_NOMEM;
	}
	*out = &vt->base;
	return SQLITE_OK;
}

static int ch_disconnect(sqlite3_vtab *base)
{
	struct ch_vtab *vt = (struct ch_vtab *)base;
	tvf_unlink_vtab(vt->eng, vt);
	saved_unref(vt->saved);
	sqlite3_free(vt->name);
	sqlite3_free(vt);
	return SQLITE_OK;
}

/* The token argument is an equality on the hidden column dv_token.  idxStr
 * says the request as EXPLAIN / SQLNativeSql show it. */
static int ch_best_index(sqlite3_vtab *base, sqlite3_index_info *info)
{
	struct ch_vtab *vt = (struct ch_vtab *)base;
	int tok_col = (int)vt->e->ncolumns + 1, i;
	info->idxNum = 0;
	for (i = 0; i < info->nConstraint; i++) {
		const struct sqlite3_index_constraint *c = &info->aConstraint[i];
		if (c->iColumn != tok_col || c->op != SQLITE_INDEX_CONSTRAINT_EQ)
			continue;
		if (!c->usable)
			return SQLITE_CONSTRAINT;  /* the token must be known before the scan */
		info->aConstraintUsage[i].argvIndex = 1;
		info->aConstraintUsage[i].omit = 1;
		info->idxNum = 1;
		break;
	}
	info->estimatedCost = 1e6;
	info->estimatedRows = 100000;
	/* only with SQLITE_OK: SQLite frees idxStr of the plans it keeps */
	info->idxStr = sqlite3_mprintf("select=<every column>;deltatoken=?1 (none: Prefer: "
				       "odata.track-changes)");
	info->needToFreeIdxStr = 1;
	return SQLITE_OK;
}

static int ch_open(sqlite3_vtab *base, sqlite3_vtab_cursor **out)
{
	struct ch_vtab *vt = (struct ch_vtab *)base;
	const struct dv_entity *e = vt->e;
	struct ch_cur *cur = sqlite3_malloc(sizeof(*cur));
	size_t i;
	if (!cur)
		return SQLITE_NOMEM;
	memset(cur, 0, sizeof(*cur));
	cur->vt = vt;
	cur->eof = 1;
	cur->specs = calloc(e->ncolumns + 2, sizeof(*cur->specs));
	if (!cur->specs) {
		sqlite3_free(cur);
		return SQLITE_NOMEM;
	}
	for (i = 0; i < e->ncolumns; i++)
		cur->specs[i] = e->columns[i].spec;
	cur->specs[e->ncolumns].property = "id";
	cur->specs[e->ncolumns].kind = ODATA_STRING;
	cur->specs[e->ncolumns + 1].property = "reason";
	cur->specs[e->ncolumns + 1].kind = ODATA_STRING;
	cur->nspecs = e->ncolumns + 2;
	*out = &cur->base;
	return SQLITE_OK;
}

static int ch_close(sqlite3_vtab_cursor *base)
{
	struct ch_cur *cur = (struct ch_cur *)base;
	if (cur->vt->recorder == cur)
		cur->vt->recorder = NULL;   /* closed before its end: nothing to replay */
	saved_unref(cur->replay_of);
	odata_cursor_close(cur->oc);
	free(cur->specs);
	free(cur->token);
	sqlite3_free(cur);
	return SQLITE_OK;
}

/* GET <set>?$select=<every column>[&$deltatoken=<token>] */
static char *changes_url(const struct dv_engine *eng, const struct dv_entity *e,
			 const char *token)
{
	struct dv_buf b, sel;
	size_t i, j;
	dv_buf_init(&b, 0);
	dv_buf_init(&sel, 0);
	for (i = 0; i < e->ncolumns; i++) {
		const char *s = e->columns[i].select_name;
		int seen = 0;
		for (j = 0; j < i && !seen; j++)
			seen = strcmp(e->columns[j].select_name, s) == 0;
		if (!seen)
			dv_buf_appendf(&sel, "%s%s", sel.len ? "," : "", s);
	}
	dv_buf_appendf(&b, "%s%s?$select=", eng->api_base, e->entity_set);
	dv_url_encode(&b, dv_buf_str(&sel), sel.len);
	dv_buf_free(&sel);
	if (token) {
		dv_buf_appends(&b, "&$deltatoken=");
		dv_url_encode(&b, token, strlen(token));
	}
	return dv_buf_steal(&b);
}

static char *changes_prefer(const struct dv_engine *eng, const struct dv_entity *e, int first)
{
	struct dv_buf b;
	size_t i;
	int ann = 0;
	dv_buf_init(&b, 0);
	if (first)
		dv_buf_appends(&b, "odata.track-changes");
	if (eng->page_size > 0)
		dv_buf_appendf(&b, "%sodata.maxpagesize=%ld", b.len ? "," : "", eng->page_size);
	for (i = 0; i < e->ncolumns; i++)
		ann |= e->columns[i].spec.annotation != NULL;
	if (ann)
		dv_buf_appendf(&b, "%sodata.include-annotations=\"OData.Community.Display.V1."
			       "FormattedValue,Microsoft.Dynamics.CRM.lookuplogicalname\"",
			       b.len ? "," : "");
	if (b.len == 0) {
		dv_buf_free(&b);
		return NULL;
	}
	return dv_buf_steal(&b);
}

/* The $deltatoken of a delta link, decoded (malloc'd), or NULL. */
static char *token_of(const char *link)
{
	const char *p = strstr(link, "$deltatoken="), *end;
	struct dv_buf b;
	size_t n = 12;
	if (!p) {
		p = strstr(link, "%24deltatoken=");
		n = 14;
	}
	if (!p)
		return NULL;
	p += n;
	end = strchr(p, '&');
	dv_buf_init(&b, 0);
	if (tvf_pct_decode(&b, p, end ? (size_t)(end - p) : strlen(p)) != 0) {
		dv_buf_free(&b);
		return NULL;
	}
	return dv_buf_steal(&b);
}

/* An expired token, said so that an ETL job knows what to do. */
static void explain_error(const struct ch_vtab *vt, struct dv_error *err)
{
	char svc[DV_ERROR_MSG_MAX];
	if (err->native != EXPIRED_VERSION_STAMP)
		return;
	dv_strlcpy(svc, err->message, sizeof(svc));
	dv_error_set(err, DV_S_HY000, EXPIRED_VERSION_STAMP,
		     "the change token given to %s has expired: the service keeps changes for the "
		     "organization's ExpireChangeTrackingInDays (7 days by default). Do a full "
		     "read again: SELECT * FROM %s(NULL), then keep the new token from "
		     "dv_last_change_token('%s'). Service: %s", vt->name, vt->name,
		     vt->e->logical_name, svc);
}

static int ch_advance(struct ch_cur *cur, struct dv_error *err)
{
	struct ch_vtab *vt = cur->vt;
	int rc;
	if (cur->replay) {
		const struct ch_saved *sv = cur->replay_of;
		cur->eof = cur->replay > sv->kept.rows;
		if (!cur->eof) {
			cur->row = &sv->kept.cells[(cur->replay++ - 1) * sv->ncells];
			cur->rowid++;
		}
		return 0;
	}
	if (!cur->oc) {
		cur->eof = 1;
		return 0;
	}
	rc = odata_cursor_next(cur->oc, &cur->row, err);
	if (rc < 0) {
		explain_error(cur->vt, err);
		return -1;
	}
	if (rc == 0) {
		const char *link = odata_cursor_delta_link(cur->oc);
		char *tok = link ? token_of(link) : NULL;
		cur->eof = 1;
		if (vt->recorder == cur) {
			vt->saved->complete = tok != NULL;
			vt->recorder = NULL;
		}
		if (!tok)
			return dv_error_set(err, DV_S_HY000, 0, "%s: the service's last page "
					    "has no @odata.deltaLink with a $deltatoken, so there is "
					    "no token for the next read", cur->vt->name);
		rc = tvf_set_token(cur->vt->st, cur->vt->e->logical_name, tok);
		free(tok);
		return rc == 0 ? 0 : dv_error_nomem(err);
	}
	if (vt->recorder == cur && (vt->saved->kept.rows >= KEEP_ROWS ||
				    tvf_rows_add(&vt->saved->kept, cur->row, vt->saved->ncells) != 0)) {
		saved_unref(vt->saved);     /* too big to keep: scans read again */
		vt->saved = NULL;
		vt->recorder = NULL;
	}
	cur->rowid++;
	cur->eof = 0;
	return 0;
}

static int ch_filter(sqlite3_vtab_cursor *base, int idx_num, const char *idx_str, int argc,
		     sqlite3_value **argv)
{
	struct ch_cur *cur = (struct ch_cur *)base;
	struct ch_vtab *vt = cur->vt;
	struct dv_engine *eng = vt->eng;
	struct dv_error err;
	const char *tok = NULL;
	char *url, *prefer;
	(void)idx_str;
	dv_error_clear(&err);
	odata_cursor_close(cur->oc);
	cur->oc = NULL;
	free(cur->token);
	cur->token = NULL;
	cur->rowid = 0;
	cur->eof = 1;
	if (idx_num == 1 && argc > 0 && sqlite3_value_type(argv[0]) != SQLITE_NULL)
		tok = (const char *)sqlite3_value_text(argv[0]);
	if (tok && !*tok)
		tok = NULL;
	if (tok && !(cur->token = dv_strdup(tok)))
		return ch_error(vt, (dv_error_nomem(&err), &err));
	cur->replay = 0;
	saved_unref(cur->replay_of);
	cur->replay_of = NULL;
	if (vt->recorder == cur)
		vt->recorder = NULL;
	if (vt->saved && vt->saved->complete && vt->saved->stmt == eng->stmt_seq &&
	    same_token(vt->saved->token, cur->token)) {
		cur->replay = 1;            /* read already in this statement */
		cur->replay_of = vt->saved;
		vt->saved->refs++;
		return ch_advance(cur, &err) == 0 ? SQLITE_OK : ch_error(vt, &err);
	}
	if (!vt->recorder) {
		struct ch_saved *sv = calloc(1, sizeof(*sv));
		saved_unref(vt->saved);
		vt->saved = NULL;
		if (sv && (!cur->token || (sv->token = dv_strdup(cur->token)))) {
			sv->refs = 1;
			sv->ncells = cur->nspecs;
			sv->stmt = eng->stmt_seq;
			vt->saved = sv;
			vt->recorder = cur;
		} else {
			free(sv);               /* no memory to keep rows: read only */
		}
	}
	if (tvf_set_token(vt->st, vt->e->logical_name, NULL) != 0)
		return ch_error(vt, (dv_error_nomem(&err), &err));
	url = changes_url(eng, vt->e, cur->token);
	prefer = changes_prefer(eng, vt->e, cur->token == NULL);
	if (!url) {
		free(prefer);
		return ch_error(vt, (dv_error_nomem(&err), &err));
	}
	DV_LOG(eng->log, DV_LOG_DEBUG, eng, "changes %s", url);
	cur->oc = odata_cursor_open(eng->http, url, prefer, cur->specs, cur->nspecs, &err);
	eng->scans++;
	free(url);
	free(prefer);
	if (!cur->oc) {
		explain_error(vt, &err);
		return ch_error(vt, &err);
	}
	if (ch_advance(cur, &err) != 0)
		return ch_error(vt, &err);
	return SQLITE_OK;
}

static int ch_next(sqlite3_vtab_cursor *base)
{
	struct ch_cur *cur = (struct ch_cur *)base;
	struct dv_error err;
	dv_error_clear(&err);
	if (ch_advance(cur, &err) != 0)
		return ch_error(cur->vt, &err);
	return SQLITE_OK;
}

static int ch_eof(sqlite3_vtab_cursor *base)
{
	return ((struct ch_cur *)base)->eof;
}

static int ch_column(sqlite3_vtab_cursor *base, sqlite3_context *ctx, int i)
{
	struct ch_cur *cur = (struct ch_cur *)base;
	const struct dv_entity *e = cur->vt->e;
	size_t n = e->ncolumns;
	int deleted;
	if (!cur->row) {
		sqlite3_result_null(ctx);
		return SQLITE_OK;
	}
	deleted = cur->row[n + 1].type != OC_NULL;
	if ((size_t)i == n) {
		sqlite3_result_text(ctx, deleted ? "deleted" : "new_or_updated", -1, SQLITE_STATIC);
	} else if ((size_t)i == n + 1) {
		if (cur->token)
			sqlite3_result_text(ctx, cur->token, -1, SQLITE_TRANSIENT);
		else
			sqlite3_result_null(ctx);
	} else if (i < 0 || (size_t)i > n) {
		sqlite3_result_null(ctx);
	} else if (deleted) {
		if (e->columns[i].is_primary_id && e->columns[i].role == DV_COL_VALUE)
			cell_to_result(&e->columns[i], &cur->row[n], ctx);
		else
			sqlite3_result_null(ctx);
	} else {
		cell_to_result(&e->columns[i], &cur->row[i], ctx);
	}
	return SQLITE_OK;
}

static int ch_rowid(sqlite3_vtab_cursor *base, sqlite3_int64 *rowid)
{
	*rowid = ((struct ch_cur *)base)->rowid;
	return SQLITE_OK;
}

static sqlite3_module changes_module = {
	0, ch_connect, ch_connect, ch_best_index, ch_disconnect, ch_disconnect,
	ch_open, ch_close, ch_filter, ch_next, ch_eof, ch_column, ch_rowid,
	NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
};

/* dv_last_change_token([entity]): the token of the last complete read of
 * <entity>_changes on this connection, NULL when none (or it was stopped
 * before its end). */
static void fn_last_token(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct tvf_state *st = sqlite3_user_data(ctx);
	const char *entity = argc > 0 ? (const char *)sqlite3_value_text(argv[0]) : NULL;
	const char *tok;
	size_t n;
	if (!entity) {
		sqlite3_result_null(ctx);
		return;
	}
	n = strlen(entity);               /* 'account_changes' is accepted too */
	if (n > 8 && dv_strcasecmp(entity + n - 8, "_changes") == 0) {
		char *base = dv_strndup(entity, n - 8);
		tok = base ? tvf_get_token(st, base) : NULL;
		free(base);
	} else {
		tok = tvf_get_token(st, entity);
	}
	if (tok)
		sqlite3_result_text(ctx, tok, -1, SQLITE_TRANSIENT);
	else
		sqlite3_result_null(ctx);
}

int tvf_changes_register(struct dv_engine *eng, struct tvf_state *st)
{
	int rc = sqlite3_create_module_v2(eng->db, "dv_changes", &changes_module, st,
					  tvf_state_free);
	if (rc != SQLITE_OK)
		return rc;
	return sqlite3_create_function(eng->db, "dv_last_change_token", 1, SQLITE_UTF8, st,
				       fn_last_token, NULL, NULL);
}
