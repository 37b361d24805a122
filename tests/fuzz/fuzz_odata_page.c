/* fuzz_odata_page.c - libFuzzer target: the OData page parser
 * (driver/odata/odata_page.c).
 *
 * The input is one response body, as the service sends a page:
 * {"@odata.context":..,"value":[{..}],"@odata.nextLink":..}.  It is parsed
 * with a column spec that has every cell kind, annotations, @odata.etag and
 * two columns on one property; then parsed again with the same page (reuse,
 * as the cursor does) fed in small chunks, as it streams off the network.
 * Beyond memory errors the target checks that both reads agree (same
 * outcome, rows, cells and links) and that every text cell is
 * NUL-terminated at its length. */
#include "odata/odata.h"
#include "odata/odata_priv.h"
#include "util/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct odata_colspec cols[] = {
	{"accountid", NULL, ODATA_STRING},
	{"name", NULL, ODATA_STRING},
	{"revenue", NULL, ODATA_DECIMAL},
	{"revenue", "OData.Community.Display.V1.FormattedValue", ODATA_STRING},
	{"numberofemployees", NULL, ODATA_INT},
	{"ratio", NULL, ODATA_DOUBLE},
	{"donotemail", NULL, ODATA_BOOL},
	{"_parentaccountid_value", NULL, ODATA_STRING},
	{"_parentaccountid_value", "Microsoft.Dynamics.CRM.lookuplogicalname", ODATA_STRING},
	{"statecode", NULL, ODATA_INT},
	{"statecode", NULL, ODATA_STRING},
	{"entityimage", NULL, ODATA_BINARY},
	{NULL, "odata.etag", ODATA_STRING},
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_odata_page: %s\n", what);
	abort();
}

/* The page as bytes, to compare two reads. */
static void dump(const struct odata_page *page, int rc, struct dv_buf *out)
{
	dv_buf_reset(out);
	dv_buf_appendf(out, "rc=%d", rc);
	if (rc != 0)
		return;
	dv_buf_appendf(out, " rows=%zu count=%lld next=%s delta=%s\n", page->nrows,
		       page->count, page->next_link ? page->next_link : "-",
		       page->delta_link ? page->delta_link : "-");
	for (size_t i = 0; i < page->nrows * page->ncols; i++) {
		const struct odata_cell *c = &page->cells[i];
		switch (c->type) {
		case OC_NULL:
			dv_buf_appends(out, "N|");
			break;
		case OC_INT:
			dv_buf_appendf(out, "I%lld|", (long long)c->i);
			break;
		case OC_DOUBLE:
			dv_buf_appendf(out, "D%a|", c->d);
			break;
		case OC_TEXT:
			if (!c->s || c->s[c->len] != '\0')
				fail("a text cell is not NUL-terminated at its length");
			dv_buf_appendf(out, "T%zu:", c->len);
			dv_buf_append(out, c->s, c->len);
			dv_buf_appendc(out, '|');
			break;
		default:
			fail("a cell of no known type");
		}
	}
}

static int parse_chunked(const char *json, size_t len, size_t chunk, struct odata_page *page,
			 struct dv_error *err)
{
	int rc = odata_page_begin(page, cols, NCOLS, err);
	for (size_t off = 0; rc == 0 && off < len; off += chunk)
		rc = odata_page_feed(page, json + off, len - off < chunk ? len - off : chunk, err);
	if (rc == 0)
		rc = odata_page_finish(page, err) == 0 ? 0 : -1;
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct odata_page page;
	struct dv_error err;
	struct dv_buf whole, chunked;
	const char *json = (const char *)data;
	size_t chunk = 1 + (size ? data[size / 2] % 16 : 0);
	int rc;

	memset(&page, 0, sizeof(page));
	dv_buf_init(&whole, 0);
	dv_buf_init(&chunked, 0);
	dv_error_clear(&err);
	rc = odata_page_parse(json, size, cols, NCOLS, &page, &err);
	dump(&page, rc, &whole);
	rc = parse_chunked(json, size, chunk, &page, &err);
	dump(&page, rc, &chunked);
	if (whole.len != chunked.len || memcmp(whole.data, chunked.data, whole.len) != 0) {
		fprintf(stderr, "whole:   %s\nchunked: %s\n", dv_buf_str(&whole),
			dv_buf_str(&chunked));
		fail("reading the body whole and in chunks gives different pages");
	}
	odata_page_free(&page);
	dv_buf_free(&whole);
	dv_buf_free(&chunked);
	return 0;
}
