/* test_rowcounts.c - the row counts a join is planned from
 * (driver/catalog/catalog_counts.c): the answer of RetrieveTotalRecordCount
 * read, one request for the tables not known, the metadata store trusting
 * each count for its lifetime from its reading and no longer, and a failed
 * request that leaves the counts unknown and is not sent again.  Against
 * the emulator (20 accounts, 3 business units). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "catalog/catalog_counts.h"
#include "svc_client.h"
#include "tap.h"

static struct emu emu;

static int count_requests(int since)
{
	char *all = emu_requests(&emu, since);
	int n = 0;
	for (const char *p = all; p && (p = strstr(p, "RetrieveTotalRecordCount")); p++)
		n++;
	free(all);
	return n;
}

static void test_parse(void)
{
	const char *names[] = {"account", "contact", "lead"};
	long long out[3];
	const char *body = "{\"@odata.context\":\"x\",\"EntityRecordCountCollection\":{\"Count\":2,"
			   "\"IsReadOnly\":false,\"Keys\":[\"Contact\",\"account\"],"
			   "\"Values\":[7,123456789012]}}";
	is_int(catalog_counts_parse(body, strlen(body), names, 3, out), 0, "an answer is read");
	ok(out[0] == 123456789012LL && out[1] == 7 && out[2] == -1,
	   "counts by name (case-insensitive), in any order; a name not answered unknown");
	body = "{\"EntityRecordCountCollection\":{\"Keys\":[\"account\"],\"Values\":[]}}";
	is_int(catalog_counts_parse(body, strlen(body), names, 1, out), -1,
	       "keys and values of different lengths: not an answer");
	is_int(catalog_counts_parse("<html>", 6, names, 1, out), -1, "not JSON: not an answer");
	ok(out[0] == -1, "  and the count unknown");
	body = "{\"EntityRecordCountCollection\":{\"Keys\":[\"account\"],\"Values\":[-1]}}";
	catalog_counts_parse(body, strlen(body), names, 1, out);
	ok(out[0] == -1, "a negative count is unknown");
}

static void test_service(void)
{
	struct svc_client c;
	struct dv_error e;
	char base[128], path[512];
	const char *names[] = {"businessunit", "account"};
	long long out[2];
	struct count_memo *memo = NULL, *memo2 = NULL;
	time_t t = time(NULL);
	dv_error_clear(&e);
	if (svc_client_open(&c, &emu, NULL, &e) != 0) {
		ok(0, "client: %s", e.message);
		return;
	}
	snprintf(base, sizeof(base), "%s/api/data/v9.2/", emu.url);
	snprintf(path, sizeof(path), "%s/counts.json", emu.dir);
	struct disk_cache *dc = disk_cache_acquire(path, base, "", 100, t);
	struct count_src src = {c.http, base, NULL, dc, 100};

	int since = emu_request_count(&emu);
	is_int((int)catalog_counts_get(&memo, &src, names, 2, out, t), 2, "both counts known");
	ok(out[0] == 3 && out[1] == 20, "the service's counts: 3 units, 20 accounts (%lld, %lld)",
	   out[0], out[1]);
	char *log = emu_requests(&emu, since);
	ok(log && strstr(log, "RetrieveTotalRecordCount(EntityNames=@p1)?@p1=%5B%22account%22%2C"
			 "%22businessunit%22%5D\n") && count_requests(since) == 1,
	   "one request, the names sorted");
	free(log);

	since = emu_request_count(&emu);
	out[0] = out[1] = -1;
	is_int((int)catalog_counts_get(&memo2, &src, names, 2, out, t + 99), 2,
	       "another connection of the store, 99 s later: known");
	ok(out[0] == 3 && out[1] == 20 && count_requests(since) == 0, "  without a request");
	FILE *fp = fopen(path, "r");
	char text[65536] = "";
	if (fp) {
		if (fread(text, 1, sizeof(text) - 1, fp) == 0)
			text[0] = '\0';
		fclose(fp);
	}
	ok(strstr(text, "\"#rowcount/account\":\"20 ") != NULL,
	   "the cache file holds the count and when it was read");

	const char *three[] = {"account", "businessunit", "team"};
	long long out3[3];
	since = emu_request_count(&emu);
	is_int((int)catalog_counts_get(&memo2, &src, three, 3, out3, t + 99), 3,
	       "a third table: known");
	log = emu_requests(&emu, since);
	ok(log && strstr(log, "@p1=%5B%22team%22%5D\n") && count_requests(since) == 1,
	   "  one request for it alone");
	free(log);

	since = emu_request_count(&emu);
	catalog_counts_get(&memo2, &src, names, 2, out, t + 100);
	is_int(count_requests(since), 1, "100 s after their reading (the lifetime): asked again");

	/* a store gone: the memo keeps what a connection read */
	struct count_src bare = {c.http, base, NULL, NULL, 0};
	struct count_memo *m3 = NULL;
	since = emu_request_count(&emu);
	catalog_counts_get(&m3, &bare, names, 2, out, t);
	catalog_counts_get(&m3, &bare, names, 2, out, t + 100000);
	ok(out[0] == 3 && out[1] == 20 && count_requests(since) == 1,
	   "without a store: one request, kept for the connection");

	/* a failure: unknown, nothing fails, never asked again */
	struct count_memo *m4 = NULL;
	emu_fault(&emu, "{\"count\":1,\"kind\":\"500\",\"match\":\"RetrieveTotalRecordCount\"}");
	since = emu_request_count(&emu);
	is_int((int)catalog_counts_get(&m4, &bare, names, 2, out, t), 0,
	       "a failed request: no count known");
	ok(out[0] == -1 && out[1] == -1, "  both unknown");
	is_int((int)catalog_counts_get(&m4, &bare, three, 3, out3, t), 0,
	       "  the next call: still unknown");
	is_int(count_requests(since), 1, "  and not asked again");

	catalog_counts_free(memo);
	catalog_counts_free(memo2);
	catalog_counts_free(m3);
	catalog_counts_free(m4);
	disk_cache_release(dc);
	svc_client_close(&c);
}

int main(void)
{
	test_parse();
	if (emu_start(&emu, "--rows 20 --seed 1") != 0) {
		ok(0, "emulator started");
		return tap_done();
	}
	test_service();
	emu_stop(&emu);
	return tap_done();
}
