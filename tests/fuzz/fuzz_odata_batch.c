/* fuzz_odata_batch.c - libFuzzer target: the $batch response parser
 * (driver/odata/odata_batch.c) and the error-body reader its results go to.
 *
 * The input's first line is the response's Content-Type value (it carries
 * the boundary), the rest is the body as the service sends it:
 *   multipart/mixed; boundary=batchresponse_R1
 *   --batchresponse_R1
 *   Content-Type: application/http
 *   ...
 * The body is handed over exactly as long as it is (no terminating NUL),
 * so a read past its end is caught.  Each result is then read as the
 * engine reads a failed operation (odata_error_from_response).  Beyond
 * memory errors the target checks that every result has an HTTP status and
 * that a result's body is NUL-terminated at its length. */
#include "odata/odata.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_odata_batch: %s\n", what);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t ct_len = nl ? (size_t)(nl - data) : size;
	size_t body_len = nl ? size - ct_len - 1 : 0;
	char *content_type = malloc(ct_len + 1);
	char *body = malloc(body_len ? body_len : 1);
	struct odata_batch_result *r = NULL;
	struct dv_error err;
	size_t n = 0;

	if (!content_type || !body)
		goto out;
	memcpy(content_type, data, ct_len);
	content_type[ct_len] = '\0';
	if (body_len)
		memcpy(body, nl + 1, body_len);
	dv_error_clear(&err);
	if (odata_batch_parse(content_type, body, body_len, &r, &n, &err) != 0) {
		if (r || n)
			fail("a failed parse returned results");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (r[i].status <= 0)
			fail("a result without an HTTP status");
		if (r[i].body && r[i].body[r[i].body_len] != '\0')
			fail("a result body is not NUL-terminated at its length");
		if (!r[i].body && r[i].body_len)
			fail("a result has a length but no body");
		if (r[i].status >= 400) {
			struct dv_error e;
			dv_error_clear(&e);
			odata_error_from_response(r[i].status, r[i].body, r[i].body_len, &e);
		}
	}
out:
	odata_batch_results_free(r, n);
	free(content_type);
	free(body);
	return 0;
}
