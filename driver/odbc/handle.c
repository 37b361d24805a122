/* handle.c - the header every handle starts with (see handles.h).
 *
 * Owns: initialising and destroying the common header, checking that an
 * application's handle is a live handle of the expected kind, locking, and
 * walking up to the connection and environment. */
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

void dv_handle_lock(struct dv_handle *h)
{
	pthread_mutex_lock(&h->lock);
}

void dv_handle_unlock(struct dv_handle *h)
{
	pthread_mutex_unlock(&h->lock);
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
