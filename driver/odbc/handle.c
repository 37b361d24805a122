/* handle.c - the header every handle starts with (see handles.h).
 *
 * Owns: initialising and destroying the common header, checking that an
 * application's handle is a live handle of the expected kind, locking, and
 * walking up to the connection and environment.
 *
 * LOCKING: ODBC lets an application share a connection, and the statements
 * of a connection, between threads ("Multithreading",
 * https://learn.microsoft.com/sql/odbc/reference/develop-app/multithreading).
 * A connection's statements share its CURL handle, its catalog (metadata is
 * loaded on first use) and its SQLite engine, none of which is thread-safe.
 * So locking a statement or a descriptor first takes its connection's lock,
 * then its own: all work on one connection is serialised, and the order is
 * always connection before handle (no lock cycle).  Both mutexes are
 * recursive, so an internal function may lock its connection again.
 * Environments lock only themselves; no code holds a connection's lock
 * while it takes an environment's. */
#include "odbc/handles.h"

#include <string.h>

int dv_handle_init(struct dv_handle *h, enum dv_htype type, struct dv_handle *parent)
{
	pthread_mutexattr_t attr;
	memset(h, 0, sizeof(*h));
	h->type = type;
	h->parent = parent;
	dv_diag_init(&h->diag);
	if (pthread_mutexattr_init(&attr) != 0)
		return -1;
	/* Recursive: an internal function of a stmt may lock its dbc's descriptor. */
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	int rc = pthread_mutex_init(&h->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	if (rc != 0)
		return -1;
	h->magic = DV_HANDLE_MAGIC;
	return 0;
}

void dv_handle_destroy(struct dv_handle *h)
{
	h->magic = 0;
	dv_diag_free(&h->diag);
	pthread_mutex_destroy(&h->lock);
}

struct dv_handle *dv_handle_check(SQLHANDLE handle, enum dv_htype type)
{
	struct dv_handle *h = handle;
	if (!h || h->magic != DV_HANDLE_MAGIC || h->type != type)
		return NULL;
	return h;
}

/* The connection whose lock guards h besides its own, or NULL (a
 * connection or an environment).  The parent chain never changes. */
static struct dv_handle *guard_of(struct dv_handle *h)
{
	struct dv_dbc *dbc;
	if (h->type != DV_H_STMT && h->type != DV_H_DESC)
		return NULL;
	dbc = dv_handle_dbc(h->parent);
	return dbc ? &dbc->h : NULL;
}

void dv_handle_lock(struct dv_handle *h)
{
	struct dv_handle *conn = guard_of(h);
	if (conn)
		pthread_mutex_lock(&conn->lock);
	pthread_mutex_lock(&h->lock);
}

void dv_handle_unlock(struct dv_handle *h)
{
	struct dv_handle *conn = guard_of(h);
	pthread_mutex_unlock(&h->lock);
	if (conn)
		pthread_mutex_unlock(&conn->lock);
}

struct dv_dbc *dv_handle_dbc(struct dv_handle *h)
{
	while (h && h->type != DV_H_DBC)
		h = h->parent;
	return (struct dv_dbc *)h;
}

struct dv_env *dv_handle_env(struct dv_handle *h)
{
	while (h && h->type != DV_H_ENV)
		h = h->parent;
	return (struct dv_env *)h;
}
