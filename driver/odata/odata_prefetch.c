/* odata_prefetch.c - the cursor's prefetch worker (see odata_prefetch.h).
 *
 * Owns: one thread per cursor that reads the page the cursor posted, with
 * odata_page_read on a sibling HTTP handle, so every rule of the one HTTP
 * choke point applies unchanged to prefetched pages (token refresh on 401
 * with the token shared under the connection's auth lock, 429 Retry-After,
 * 5xx and transport retries, a truncated body read again from its start,
 * Timeout, HY008 on cancel).
 *
 * Why a thread and not a curl multi handle on the caller's thread: a multi
 * handle only makes progress while the caller is inside the driver, so a
 * slow application would stall the transfer once socket buffers fill, the
 * page would still be parsed on the caller's thread, and the retry policy
 * of dv_http_send (blocking by design) would need a second, non-blocking
 * implementation.  A thread overlaps both the service's time and the
 * parse with the application's work and reuses dv_http_send as is.
 *
 * Handshake (all under mu): the cursor sets url and signals; the worker
 * takes it, reads into its page with the lock released, then sets done and
 * signals.  The cursor touches the worker's page only when done is set and
 * no url is posted, so the page is never shared while being written.  stop
 * is set at close; a read in progress is cut short by cancelling the
 * sibling handle. */
#include "odata/odata_prefetch.h"
#include "http/http.h"
#include "util/strutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct odata_prefetch {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct dv_http *http;          /* sibling of the connection's handle */
	const char *prefer;
	const struct odata_colspec *cols;
	size_t ncols;
	struct odata_page page;        /* the worker's buffer */
	char *url;                     /* posted, not yet taken by the worker */
	int pending;                   /* posted, not yet taken by the cursor */
	int done;                      /* the posted read finished: rc, err */
	int rc;
	struct dv_error err;
	int stop;
};

static void *worker(void *arg)
{
	struct odata_prefetch *pf = arg;

	pthread_mutex_lock(&pf->mu);
	for (;;) {
		char *url;
		struct dv_error err;
		int rc;

		while (!pf->stop && !pf->url)
			pthread_cond_wait(&pf->cv, &pf->mu);
		if (pf->stop)
			break;
		url = pf->url;
		pf->url = NULL;
		pthread_mutex_unlock(&pf->mu);

		dv_error_clear(&err);
		rc = odata_page_read(pf->http, url, pf->prefer, pf->cols, pf->ncols, &pf->page,
				     &err);
		free(url);

		pthread_mutex_lock(&pf->mu);
		pf->rc = rc;
		pf->err = err;
		pf->done = 1;
		pthread_cond_broadcast(&pf->cv);
	}
	pthread_mutex_unlock(&pf->mu);
	return NULL;
}

static void free_prefetch(struct odata_prefetch *pf)
{
	odata_page_free(&pf->page);
	free(pf->url);
	dv_http_free(pf->http);
	pthread_cond_destroy(&pf->cv);
	pthread_mutex_destroy(&pf->mu);
	free(pf);
}

struct odata_prefetch *odata_prefetch_start(struct dv_http *http, const char *prefer,
					    const struct odata_colspec *cols, size_t ncols,
					    struct dv_error *err)
{
	struct odata_prefetch *pf = calloc(1, sizeof(*pf));

	if (!pf) {
		dv_error_nomem(err);
		return NULL;
	}
	if (pthread_mutex_init(&pf->mu, NULL) != 0) {
		free(pf);
		dv_error_nomem(err);
		return NULL;
	}
	if (pthread_cond_init(&pf->cv, NULL) != 0) {
		pthread_mutex_destroy(&pf->mu);
		free(pf);
		dv_error_nomem(err);
		return NULL;
	}
	pf->prefer = prefer;
	pf->cols = cols;
	pf->ncols = ncols;
	pf->http = dv_http_new_sibling(http, err);
	if (!pf->http) {
		free_prefetch(pf);
		return NULL;
	}
	if (pthread_create(&pf->thread, NULL, worker, pf) != 0) {
		free_prefetch(pf);
		dv_error_set(err, DV_S_HY000, 0, "cannot start the prefetch thread");
		return NULL;
	}
	return pf;
}

int odata_prefetch_post(struct odata_prefetch *pf, const char *url)
{
	char *copy = dv_strdup(url);

	if (!copy)
		return -1;
	pthread_mutex_lock(&pf->mu);
	free(pf->url);
	pf->url = copy;
	pf->done = 0;
	pf->pending = 1;
	pthread_cond_broadcast(&pf->cv);
	pthread_mutex_unlock(&pf->mu);
	return 0;
}

int odata_prefetch_pending(const struct odata_prefetch *pf)
{
	return pf->pending;
}

int odata_prefetch_take(struct odata_prefetch *pf, struct odata_page *page,
			struct dv_error *err)
{
	int rc;

	pthread_mutex_lock(&pf->mu);
	while (!pf->done)
		pthread_cond_wait(&pf->cv, &pf->mu);
	pf->pending = 0;
	pf->done = 0;
	rc = pf->rc;
	if (rc != 0) {
		*err = pf->err;
	} else {
		struct odata_page tmp = *page;
		*page = pf->page;
		pf->page = tmp;
	}
	pthread_mutex_unlock(&pf->mu);
	return rc == 0 ? 0 : -1;
}

void odata_prefetch_stop(struct odata_prefetch *pf)
{
	if (!pf)
		return;
	pthread_mutex_lock(&pf->mu);
	pf->stop = 1;
	pthread_cond_broadcast(&pf->cv);
	pthread_mutex_unlock(&pf->mu);
	dv_http_cancel(pf->http); /* a read in progress ends now with HY008 */
	pthread_join(pf->thread, NULL);
	free_prefetch(pf);
}
