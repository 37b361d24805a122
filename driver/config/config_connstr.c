/* config_connstr.c - connection strings and DSNs in and out of struct dv_config.
 *
 * Owns: parsing "KEY=value;KEY={va;lue}" (braces protect ';', "}}" inside
 * braces is one '}'), the DSN merge (DSN keys from odbc.ini first, string
 * keys override; the first occurrence of a key in a string wins), unknown
 * and other drivers' keys (ignored and listed for 01S00 warnings, or an
 * error under StrictConnectionString=1), and the secret-free connection
 * string written back for OutConnectionString (never an ignored key).
 * Source: SQLDriverConnect, "Connection Strings",
 * https://learn.microsoft.com/sql/odbc/reference/syntax/sqldriverconnect-function */
#include "config/config.h"
#include "config/config_priv.h"
#include "util/buf.h"
#include "util/strutil.h"

#include <odbcinst.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest value read from odbc.ini; access tokens can be several KB. */
#define DSN_VALUE_MAX 16384

typedef int (*connstr_fn)(void *ctx, const char *key, const char *value,
			  struct dv_error *err);

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void trim_end(struct dv_buf *b)
{
	while (b->len > 0 && is_blank(b->data[b->len - 1]))
		b->data[--b->len] = '\0';
}

/* Reads a braced value starting after '{' at *pp; "}}" stands for '}'. */
static int read_braced(const char **pp, const char *key, struct dv_buf *val,
		       struct dv_error *err)
{
	const char *p = *pp;
	for (;;) {
		if (*p == '\0')
			return dv_error_set(err, DV_S_01S00, 0,
					    "the value of %.100s starts with '{' but has no "
					    "closing '}'", key);
		if (*p == '}' && p[1] == '}') {
			if (dv_buf_appendc(val, '}') != 0)
				return dv_error_nomem(err);
			p += 2;
			continue;
		}
		if (*p == '}')
			break;
		if (dv_buf_appendc(val, *p) != 0)
			return dv_error_nomem(err);
		p++;
	}
	p++;
	while (is_blank(*p))
		p++;
	if (*p != ';' && *p != '\0')
		return dv_error_set(err, DV_S_01S00, 0,
				    "unexpected text after the '}' closing the value of %.100s",
				    key);
	*pp = p;
	return 0;
}

static int read_attribute(const char **pp, struct dv_buf *key, struct dv_buf *val,
			  struct dv_error *err)
{
	const char *p = *pp;
	while (*p && *p != '=' && *p != ';') {
		if (dv_buf_appendc(key, *p++) != 0)
			return dv_error_nomem(err);
	}
	trim_end(key);
	if (*p != '=')
		return dv_error_set(err, DV_S_01S00, 0,
				    "connection string attribute '%.100s' has no '=value'",
				    dv_buf_str(key));
	p++;
	while (is_blank(*p))
		p++;
	if (*p == '{') {
		p++;
		if (read_braced(&p, dv_buf_str(key), val, err) != 0)
			return -1;
	} else {
		while (*p && *p != ';') {
			if (dv_buf_appendc(val, *p++) != 0)
				return dv_error_nomem(err);
		}
		trim_end(val);
	}
	*pp = p;
	return 0;
}

/* The canonical name of a secret key (Password, OAuthClientSecret, ...;
 * PWD is Password), or NULL. */
static const char *secret_key(const char *key)
{
	size_t n;
	const struct dv_config_key_info *keys = dv_config_keys(&n);
	int i = dv_config_key_index(dv_strcasecmp(key, "PWD") == 0 ? "Password" : key);
	return i >= 0 && keys[i].secret ? keys[i].name : NULL;
}

/* Calls fn for each KEY=value of s, in order.
 *
 * A ';' inside an unbraced secret value (Password=pa;ss) splits it, and
 * what follows ("ss") would be reported as a bad attribute or an unknown
 * key, echoing part of the secret.  So an error in the attribute right
 * after a secret key's is replaced by one that names only that key. */
static int connstr_each(const char *s, connstr_fn fn, void *ctx, struct dv_error *err)
{
	struct dv_buf key, val;
	const char *p = s ? s : "";
	const char *after_secret = NULL;
	int rc = 0;

	dv_buf_init(&key, 1024);
	dv_buf_init(&val, 0);
	while (rc == 0) {
		while (is_blank(*p) || *p == ';')
			p++;
		if (*p == '\0')
			break;
		dv_buf_reset(&key);
		dv_buf_reset(&val);
		rc = read_attribute(&p, &key, &val, err);
		if (rc == 0)
			rc = fn(ctx, dv_buf_str(&key), dv_buf_str(&val), err);
		if (rc != 0 && after_secret && err && err->state != DV_S_HY001)
			dv_error_set(err, DV_S_01S00, 0,
				     "the text after the value of %s is not KEY=value: if the "
				     "value holds ';', write it in braces (%s={...}); no part of "
				     "the value is shown", after_secret, after_secret);
		after_secret = rc == 0 ? secret_key(dv_buf_str(&key)) : NULL;
	}
	dv_buf_free(&key);
	dv_buf_free(&val);
	return rc;
}

struct find_dsn {
	char *dsn;
};

static int find_dsn_fn(void *ctx, const char *key, const char *value, struct dv_error *err)
{
	struct find_dsn *f = ctx;
	if (f->dsn || dv_strcasecmp(key, "DSN") != 0 || !*value)
		return 0;
	f->dsn = dv_strdup(value);
	return f->dsn ? 0 : dv_error_nomem(err);
}

struct apply {
	struct dv_config *cfg;
	struct dv_buf seen; /* "\n"-separated upper-cased keys already applied */
	struct dv_buf ignored; /* warning texts, "\n"-separated */
	const char *after_secret; /* the previous attribute's key when a secret's */
};

/* The first occurrence of a keyword wins (SQLDriverConnect). */
static int already_seen(struct apply *a, const char *key)
{
	const char *p = dv_buf_str(&a->seen);
	size_t n = strlen(key);
	while (*p) {
		const char *nl = strchr(p, '\n');
		if ((size_t)(nl - p) == n && dv_strncasecmp(p, key, n) == 0)
			return 1;
		p = nl + 1;
	}
	dv_buf_appendf(&a->seen, "%s\n", key);
	return 0;
}

/* A key that is not ours: ignored with a 01S00 warning, as SQLDriverConnect
 * says ("Invalid connection string attribute: ... the driver ignored it",
 * https://learn.microsoft.com/sql/odbc/reference/syntax/sqldriverconnect-function).
 * why: dv_config_set's unknown-key error, the message StrictConnectionString=1
 * fails with.  Right after a secret's value the key may be the rest of that
 * value cut at a ';', so it is not named. */
static int note_ignored(struct apply *a, const char *key, const struct dv_error *why,
			struct dv_error *err)
{
	struct dv_buf *b = &a->ignored;
	const char *strict_msg = why->message;
	char secret_msg[DV_ERROR_MSG_MAX];
	int foreign = dv_config_is_foreign_key(key);
	const char *suggestion = foreign ? NULL : dv_config_suggest_key(key);
	int rc;

	if (a->after_secret) {
		rc = dv_buf_appendf(b, "an attribute after the value of %s is not a connection "
				    "key and was ignored: if the value holds ';', write it in "
				    "braces (%s={...}); no part of the value is shown\n",
				    a->after_secret, a->after_secret);
		snprintf(secret_msg, sizeof(secret_msg),
			 "the text after the value of %s is not KEY=value: if the value holds "
			 "';', write it in braces (%s={...}); no part of the value is shown",
			 a->after_secret, a->after_secret);
		strict_msg = secret_msg;
	} else if (foreign) {
		rc = dv_buf_appendf(b, "connection key '%.100s' is not used by this driver "
				    "and was ignored\n", key);
	} else if (suggestion) {
		rc = dv_buf_appendf(b, "unknown connection key '%.100s' was ignored: did you "
				    "mean %s?\n", key, suggestion);
	} else {
		rc = dv_buf_appendf(b, "unknown connection key '%.100s' was ignored (see the "
				    "driver's list of connection keys)\n", key);
	}
	if (rc != 0)
		return dv_error_nomem(err);
	if (!foreign && !a->cfg->unknown_key_error) {
		a->cfg->unknown_key_error = dv_strdup(strict_msg);
		if (!a->cfg->unknown_key_error)
			return dv_error_nomem(err);
	}
	return 0;
}

static int apply_fn(void *ctx, const char *key, const char *value, struct dv_error *err)
{
	struct apply *a = ctx;
	struct dv_error why;
	const char *canon = key;
	int rc = 0;
	if (dv_strcasecmp(key, "UID") == 0)
		canon = "User";
	else if (dv_strcasecmp(key, "PWD") == 0)
		canon = "Password";
	dv_error_clear(&why);
	if (!already_seen(a, canon) && dv_config_set(a->cfg, key, value, &why) != 0) {
		if (why.state == DV_S_01S00) {
			rc = note_ignored(a, key, &why, err);
		} else {
			if (err)
				*err = why;
			rc = -1;
		}
	}
	a->after_secret = secret_key(key);
	return rc;
}

/* Keeps the texts of the ignored keys in cfg; under StrictConnectionString=1
 * an unknown key (not another driver's) fails as it always did. */
static int finish_ignored(struct apply *a, struct dv_error *err)
{
	struct dv_config *cfg = a->cfg;
	if (a->ignored.len > 0) {
		a->ignored.data[--a->ignored.len] = '\0'; /* the last '\n' */
		free(cfg->ignored_keys);
		cfg->ignored_keys = dv_buf_steal(&a->ignored);
		if (!cfg->ignored_keys)
			return dv_error_nomem(err);
	}
	if (cfg->strict_connstr && cfg->unknown_key_error)
		return dv_error_set(err, DV_S_01S00, 0, "%s", cfg->unknown_key_error);
	return 0;
}

int dv_config_from_connstr(struct dv_config *cfg, const char *connstr,
			   struct dv_error *err)
{
	struct find_dsn f = {NULL};
	struct apply a;
	int rc;

	if (connstr_each(connstr, find_dsn_fn, &f, err) != 0) {
		free(f.dsn);   /* DSN=x came before the attribute that failed */
		return -1;
	}
	if (f.dsn) {
		rc = dv_config_from_dsn(cfg, f.dsn, err);
		free(f.dsn);
		if (rc != 0)
			return -1;
	}
	a.cfg = cfg;
	a.after_secret = NULL;
	dv_buf_init(&a.seen, 0);
	dv_buf_init(&a.ignored, 0);
	rc = connstr_each(connstr, apply_fn, &a, err);
	if (rc == 0)
		rc = finish_ignored(&a, err);
	dv_buf_free(&a.seen);
	dv_buf_free(&a.ignored);
	return rc;
}

static int dsn_exists(const char *dsn)
{
	char buf[DSN_VALUE_MAX];
	/* A NULL key lists the section's keys; nothing means no such section. */
	int n = SQLGetPrivateProfileString(dsn, NULL, "", buf, sizeof(buf), "odbc.ini");
	return n > 0;
}

static int read_dsn_key(const char *dsn, const char *key, struct dv_config *cfg,
			struct dv_error *err)
{
	char *buf = malloc(DSN_VALUE_MAX);
	int n, rc = 0;
	if (!buf)
		return dv_error_nomem(err);
	n = SQLGetPrivateProfileString(dsn, key, "", buf, DSN_VALUE_MAX, "odbc.ini");
	if (n > 0 && buf[0]) {
		rc = dv_config_set(cfg, key, buf, err);
		if (rc != 0)
			dv_error_prefix(err, "DSN %.100s", dsn);
	}
	free(buf);
	return rc;
}

/* odbcinst's profile reader keeps the file it parses in process-wide state:
 * iODBC's SQLGetPrivateProfileString is not thread-safe (two threads
 * connecting at once read "no such data source"), so the driver reads a
 * DSN under this one lock (a driver-wide lock, guarding no data of ours). */
static pthread_mutex_t dsn_lock = PTHREAD_MUTEX_INITIALIZER;

static int read_dsn(struct dv_config *cfg, const char *dsn, struct dv_error *err);

int dv_config_from_dsn(struct dv_config *cfg, const char *dsn, struct dv_error *err)
{
	int rc;
	pthread_mutex_lock(&dsn_lock);
	rc = read_dsn(cfg, dsn, err);
	pthread_mutex_unlock(&dsn_lock);
	return rc;
}

static int read_dsn(struct dv_config *cfg, const char *dsn, struct dv_error *err)
{
	static const char *const aliases[] = {"UID", "PWD", NULL};
	size_t n;
	const struct dv_config_key_info *keys = dv_config_keys(&n);

	if (!dsn_exists(dsn))
		return dv_error_set(err, DV_S_08001, 0,
				    "data source '%.100s' was not found in odbc.ini (user or "
				    "system)", dsn);
	for (size_t i = 0; i < 2; i++)
		if (read_dsn_key(dsn, aliases[i], cfg, err) != 0)
			return -1;
	for (size_t i = 0; i < n; i++)
		if (read_dsn_key(dsn, keys[i].name, cfg, err) != 0)
			return -1;
	return 0;
}

static int needs_braces(const char *v)
{
	size_t n = strlen(v);
	return strpbrk(v, ";{}") != NULL || (n > 0 && (is_blank(v[0]) || is_blank(v[n - 1])));
}

static int append_pair(struct dv_buf *out, const char *name, const char *value)
{
	if (dv_buf_appendf(out, "%s=", name) != 0)
		return -1;
	if (!needs_braces(value))
		return dv_buf_appendf(out, "%s;", value);
	if (dv_buf_appendc(out, '{') != 0)
		return -1;
	for (const char *p = value; *p; p++) {
		int rc = *p == '}' ? dv_buf_appends(out, "}}") : dv_buf_appendc(out, *p);
		if (rc != 0)
			return -1;
	}
	return dv_buf_appends(out, "};");
}

char *dv_config_to_connstr(const struct dv_config *cfg)
{
	struct dv_buf out, val;
	size_t n;
	const struct dv_config_key_info *keys = dv_config_keys(&n);
	int rc = 0;

	dv_buf_init(&out, 0);
	dv_buf_init(&val, 0);
	for (size_t i = 0; i < n && rc == 0; i++) {
		int is_url = dv_strcasecmp(keys[i].name, "URL") == 0;
		if (keys[i].secret || (!is_url && !((cfg->explicit_keys >> i) & 1)))
			continue;
		dv_buf_reset(&val);
		rc = dv_config_format_value(cfg, i, &val);
		if (rc == 1) {
			rc = 0;
			continue;
		}
		if (rc == 0)
			rc = append_pair(&out, keys[i].name, dv_buf_str(&val));
	}
	dv_buf_free(&val);
	if (rc != 0) {
		dv_buf_free(&out);
		return NULL;
	}
	return dv_buf_steal(&out);
}
