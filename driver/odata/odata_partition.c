/* odata_partition.c - partitions of one scan read at once (see odata_partition.h).
 *
 * Owns: the worker threads of a partitioned scan, their page buffers and
 * the queue of completed pages.
 *
 * Each partition has PART_SLOTS page buffers, each FREE, FILLING (the
 * worker reads into it with the lock released), READY (in the queue) or
 * HELD (the caller reads it).  A worker takes a FREE slot, reads its
 * partition's next URL into it with odata_page_read (so every rule of the
 * one HTTP choke point applies: token refresh, 429 Retry-After shared by
 * the whole connection, 5xx and transport retries, a truncated body read
 * again from its start), copies the page's nextLink (checked against the
 * organisation's origin) and queues the slot.  The caller takes queued
 * slots in completion order and gives each back on its next call.  A
 * failed read is queued as an error: the caller gets it when it reaches
 * it, after the pages completed before it, and the scan stops there.
 *
 * A merged scan (odata_merge.c) asks for the next page of one partition
 * instead: the first queued slot of that partition is taken out of the
 * queue (a partition's slots are queued in its chain's order), and the
 * slot it held before is given back.  It holds one page per partition,
 * so each worker reads at most one page ahead of the merge.  With a row
 * cap (a LIMIT), a worker ends its chain once it has read that many rows.
 *
 * Everything shared is under one mutex and one condition variable: the
 * caller waits for "a slot queued or every worker ended", a worker for "a
 * slot free or stop".  At stop every handle is cancelled (a read in
 * progress ends with HY008 inside its worker) and the threads joined. */
#include "odata/odata_partition.h"
#include "http/http.h"
#include "util/strutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PART_SLOTS 2
/* Unordered scans of more partitions than this get one slot each: a
 * partition then reads its next page once the caller has given its last
 * one back, while the others read on, so memory stays near 2 * this many
 * pages (8 partitions: 9 pages with the first one, not 17) at no cost in
 * time while the service, not the reader, is what takes the time. */
#define PART_TWO_SLOTS_MAX 4

enum slot_state { SLOT_FREE, SLOT_FILLING, SLOT_READY, SLOT_HELD };

struct part {
	struct odata_parts *ps;
	pthread_t thread;
	int started;
	struct dv_http *http;              /* sibling of the connection's handle */
	char *url;                         /* next page to read, NULL at the end */
	struct odata_page pages[PART_SLOTS];
	enum slot_state state[PART_SLOTS];
	int held;                          /* slot the merge holds, or -1 */
	unsigned long long rows;           /* rows read so far */
	int ended;                         /* no more pages (or failed) */
};

struct odata_parts {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	const char *prefer;
	const struct odata_colspec *cols;
	size_t ncols;
	char origin[512];
	size_t n;
	int nslots;                        /* slots each partition uses */
	struct part *parts;
	/* queue of completed pages: (partition, slot), FIFO */
	size_t *qpart, *qslot, qhead, qlen, qcap;
	size_t held_part, held_slot;
	int holding;
	int failed;                        /* an error is queued (or was returned) */
	struct dv_error failure;
	size_t running;                    /* workers not yet ended */
	unsigned long long max_rows;       /* > 0: rows each partition reads at most */
	unsigned long pages;
	int stop;
};

static void enqueue(struct odata_parts *ps, size_t p, size_t s)
{
	size_t at = (ps->qhead + ps->qlen) % ps->qcap;
	ps->qpart[at] = p;
	ps->qslot[at] = s;
	ps->qlen++;
}

static int free_slot(const struct part *pt)
{
	for (int s = 0; s < pt->ps->nslots; s++)
		if (pt->state[s] == SLOT_FREE)
			return s;
	return -1;
}

/* The worker is done (end of its chain or an error): one fewer running. */
static void end_part(struct part *pt)
{
	pt->ended = 1;
	pt->ps->running--;
	pthread_cond_broadcast(&pt->ps->cv);
}

static void *worker(void *arg)
{
	struct part *pt = arg;
	struct odata_parts *ps = pt->ps;

	pthread_mutex_lock(&ps->mu);
	while (!ps->stop && pt->url) {
		struct dv_error err;
		char *url;
		int s, rc;

		while (!ps->stop && !ps->failed && (s = free_slot(pt)) < 0)
			pthread_cond_wait(&ps->cv, &ps->mu);
		if (ps->stop || ps->failed)
			break;
		pt->state[s] = SLOT_FILLING;
		url = pt->url;
		pt->url = NULL;
		ps->pages++;
		pthread_mutex_unlock(&ps->mu);

		dv_error_clear(&err);
		rc = odata_page_read(pt->http, url, ps->prefer, ps->cols, ps->ncols,
				     &pt->pages[s], &err);
		free(url);
		if (rc == 0)
			rc = odata_link_on_origin(ps->origin, pt->pages[s].next_link,
						  "@odata.nextLink", &err);
		pt->rows += rc == 0 ? pt->pages[s].nrows : 0;
		if (rc == 0 && pt->pages[s].next_link &&
		    (!ps->max_rows || pt->rows < ps->max_rows)) {
			pt->url = dv_strdup(pt->pages[s].next_link);
			if (!pt->url)
				rc = dv_error_nomem(&err);
		}

		pthread_mutex_lock(&ps->mu);
		if (rc != 0) {
			pt->state[s] = SLOT_FREE;
			free(pt->url);
			pt->url = NULL;
			if (!ps->failed && !ps->stop) {
				ps->failed = 1;
				ps->failure = err;
			}
			break;
		}
		pt->state[s] = SLOT_READY;
		enqueue(ps, (size_t)(pt - ps->parts), (size_t)s);
		pthread_cond_broadcast(&ps->cv);
	}
	end_part(pt);
	pthread_mutex_unlock(&ps->mu);
	return NULL;
}

static int init_sync(struct odata_parts *ps)
{
	if (pthread_mutex_init(&ps->mu, NULL) != 0)
		return -1;
	if (pthread_cond_init(&ps->cv, NULL) != 0) {
		pthread_mutex_destroy(&ps->mu);
		return -1;
	}
	return 0;
}

struct odata_parts *odata_parts_start(struct dv_http *http, char *const *urls, size_t n,
				      const char *prefer, const struct odata_colspec *cols,
				      size_t ncols, const char *origin,
				      unsigned long long max_rows, int merged, struct dv_error *err)
{
	struct odata_parts *ps = calloc(1, sizeof(*ps));
	size_t i;

	if (!ps || init_sync(ps) != 0) {
		free(ps);
		dv_error_nomem(err);
		return NULL;
	}
	ps->prefer = prefer;
	ps->cols = cols;
	ps->ncols = ncols;
	ps->max_rows = max_rows;
	/* a merge holds a page of every partition: it needs the second slot
	 * to read ahead */
	ps->nslots = merged || n <= PART_TWO_SLOTS_MAX ? PART_SLOTS : 1;
	dv_strlcpy(ps->origin, origin, sizeof(ps->origin));
	ps->qcap = n * PART_SLOTS;
	ps->parts = calloc(n, sizeof(*ps->parts));
	ps->qpart = calloc(ps->qcap, sizeof(size_t));
	ps->qslot = calloc(ps->qcap, sizeof(size_t));
	if (!ps->parts || !ps->qpart || !ps->qslot) {
		odata_parts_stop(ps);
		dv_error_nomem(err);
		return NULL;
	}
	ps->n = n;
	for (i = 0; i < n; i++) {
		struct part *pt = &ps->parts[i];
		pt->ps = ps;
		pt->held = -1;
		pt->url = dv_strdup(urls[i]);
		pt->http = dv_http_new_sibling(http, err);
		if (!pt->url || !pt->http) {
			if (!pt->url)
				dv_error_nomem(err);
			odata_parts_stop(ps);
			return NULL;
		}
	}
	pthread_mutex_lock(&ps->mu);
	for (i = 0; i < n; i++) {
		struct part *pt = &ps->parts[i];
		if (pthread_create(&pt->thread, NULL, worker, pt) != 0) {
			pthread_mutex_unlock(&ps->mu);
			odata_parts_stop(ps);
			dv_error_set(err, DV_S_HY000, 0, "cannot start a thread for a partition "
				     "of the scan");
			return NULL;
		}
		pt->started = 1;
		ps->running++;
	}
	pthread_mutex_unlock(&ps->mu);
	return ps;
}

int odata_parts_next_page(struct odata_parts *ps, const struct odata_page **page,
			  struct dv_error *err)
{
	int rc;

	pthread_mutex_lock(&ps->mu);
	if (ps->holding) {
		ps->parts[ps->held_part].state[ps->held_slot] = SLOT_FREE;
		ps->holding = 0;
		pthread_cond_broadcast(&ps->cv);
	}
	/* pages completed before a failure are still handed out */
	while (ps->qlen == 0 && ps->running > 0 && !ps->failed)
		pthread_cond_wait(&ps->cv, &ps->mu);
	if (ps->qlen > 0) {
		ps->held_part = ps->qpart[ps->qhead];
		ps->held_slot = ps->qslot[ps->qhead];
		ps->qhead = (ps->qhead + 1) % ps->qcap;
		ps->qlen--;
		ps->holding = 1;
		ps->parts[ps->held_part].state[ps->held_slot] = SLOT_HELD;
		*page = &ps->parts[ps->held_part].pages[ps->held_slot];
		rc = 1;
	} else if (ps->failed) {
		*err = ps->failure;
		rc = -1;
	} else {
		rc = 0;
	}
	pthread_mutex_unlock(&ps->mu);
	return rc;
}

/* The queue position of partition i's first queued slot, or -1. */
static long queued_of(const struct odata_parts *ps, size_t i)
{
	for (size_t k = 0; k < ps->qlen; k++)
		if (ps->qpart[(ps->qhead + k) % ps->qcap] == i)
			return (long)k;
	return -1;
}

/* Takes the entry k places from the queue's head out of the queue. */
static void dequeue_at(struct odata_parts *ps, size_t k)
{
	for (; k + 1 < ps->qlen; k++) {
		size_t at = (ps->qhead + k) % ps->qcap, next = (at + 1) % ps->qcap;
		ps->qpart[at] = ps->qpart[next];
		ps->qslot[at] = ps->qslot[next];
	}
	ps->qlen--;
}

int odata_parts_next_page_of(struct odata_parts *ps, size_t i, const struct odata_page **page,
			     struct dv_error *err)
{
	struct part *pt = &ps->parts[i];
	long k;
	int rc;

	pthread_mutex_lock(&ps->mu);
	if (pt->held >= 0) {
		pt->state[pt->held] = SLOT_FREE;
		pt->held = -1;
		pthread_cond_broadcast(&ps->cv);
	}
	while ((k = queued_of(ps, i)) < 0 && !pt->ended && !ps->failed)
		pthread_cond_wait(&ps->cv, &ps->mu);
	if (k >= 0) {
		size_t s = ps->qslot[(ps->qhead + (size_t)k) % ps->qcap];
		dequeue_at(ps, (size_t)k);
		pt->held = (int)s;
		pt->state[s] = SLOT_HELD;
		*page = &pt->pages[s];
		rc = 1;
	} else if (ps->failed) {
		*err = ps->failure;
		rc = -1;
	} else {
		rc = 0;
	}
	pthread_mutex_unlock(&ps->mu);
	return rc;
}

unsigned long odata_parts_pages(struct odata_parts *ps)
{
	unsigned long n;
	pthread_mutex_lock(&ps->mu);
	n = ps->pages;
	pthread_mutex_unlock(&ps->mu);
	return n;
}

void odata_parts_stop(struct odata_parts *ps)
{
	size_t i;
	if (!ps)
		return;
	pthread_mutex_lock(&ps->mu);
	ps->stop = 1;
	pthread_cond_broadcast(&ps->cv);
	pthread_mutex_unlock(&ps->mu);
	for (i = 0; ps->parts && i < ps->n; i++)
		if (ps->parts[i].http)
			dv_http_cancel(ps->parts[i].http);
	for (i = 0; ps->parts && i < ps->n; i++) {
		struct part *pt = &ps->parts[i];
		if (pt->started)
			pthread_join(pt->thread, NULL);
		for (int s = 0; s < PART_SLOTS; s++)
			odata_page_free(&pt->pages[s]);
		free(pt->url);
		dv_http_free(pt->http);
	}
	free(ps->parts);
	free(ps->qpart);
	free(ps->qslot);
	pthread_cond_destroy(&ps->cv);
	pthread_mutex_destroy(&ps->mu);
	free(ps);
}
