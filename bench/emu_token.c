/* bench/emu_token.c - the emulator's bearer token for the bench programs'
 * own requests (see emu_token.h). */
#include "bench/emu_token.h"

#include <curl/curl.h>
#include <stdio.h>
#include <yajl/yajl_tree.h>

#include "util/buf.h"
#include "util/strutil.h"

static size_t body_write(char *data, size_t size, size_t n, void *c)
{
	return dv_buf_append(c, data, size * n) == 0 ? size * n : 0;
}

int bench_emu_token(struct emu *e, char *token, size_t cap)
{
	struct dv_buf body;
	char url[256], form[512], errbuf[128];
	static const char *path[] = {"access_token", NULL};
	yajl_val tree, v;
	CURL *c = curl_easy_init();
	dv_buf_init(&body, 0);
	snprintf(url, sizeof(url), "%s/%s/oauth2/v2.0/token", e->url, EMU_TENANT);
	snprintf(form, sizeof(form),
		 "grant_type=client_credentials&client_id=%s&client_secret=%s"
		 "&scope=%s%%2F.default", EMU_CLIENT_ID, EMU_SECRET, e->url);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_perform(c);
	curl_easy_cleanup(c);
	tree = yajl_tree_parse(dv_buf_str(&body), errbuf, sizeof(errbuf));
	v = yajl_tree_get(tree, path, yajl_t_string);
	if (v)
		dv_strlcpy(token, YAJL_GET_STRING(v), cap);
	yajl_tree_free(tree);
	dv_buf_free(&body);
	return v ? 0 : -1;
}
