/* test_merge.c - the order keys and row comparison of merged partitions
 * (driver/odata/odata_merge.c), without a service.
 *
 * Checks: which $orderby texts can be merged (the primary key must be
 * among the keys; every key a value column; text only with a collation;
 * no binary), and each comparison against the order the service (and the
 * emulator, tests/emulator/dvemu_lib/query.py) gives: NULLs first and
 * last with desc, decimals exactly from their text (beyond a double's
 * precision, -0 = 0, trailing zeros), integers beyond 2^53, createdon
 * with and without fractions, GUIDs in SQL Server's order (the last group
 * first, the first three groups byte-reversed), and text by the collation
 * handed in, ties passed to the next key. */
#include "odata/odata_merge.h"
#include "tap.h"

#include <ctype.h>
#include <string.h>

/* A stand-in collation: ASCII case-insensitive (the engine passes DVNOCASE). */
static int nocase(const char *a, size_t na, const char *b, size_t nb)
{
	for (size_t i = 0; i < na && i < nb; i++) {
		int x = tolower((unsigned char)a[i]), y = tolower((unsigned char)b[i]);
		if (x != y)
			return x - y;
	}
	return (na > nb) - (na < nb);
}

static struct odata_cell text(const char *s)
{
	struct odata_cell c = {OC_TEXT, 0, 0, s, strlen(s)};
	return c;
}

static struct odata_cell num(int64_t i)
{
	struct odata_cell c = {OC_INT, i, 0, NULL, 0};
	return c;
}

static struct odata_cell null_cell(void)
{
	struct odata_cell c = {OC_NULL, 0, 0, NULL, 0};
	return c;
}

/* Compares one-cell rows a and b on a key of kind how (asc or desc). */
static int cmp1(enum odata_order_how how, int desc, struct odata_cell a, struct odata_cell b,
		int *bad)
{
	struct odata_order_key k = {0, desc, how};
	*bad = 0;
	return odata_order_cmp(&k, 1, nocase, &a, &b, bad);
}

static void test_keys(void)
{
	static const struct odata_colspec cols[] = {
		{"accountid", NULL, ODATA_STRING},
		{"name", NULL, ODATA_STRING},
		{"revenue", NULL, ODATA_DECIMAL},
		{"createdon", NULL, ODATA_STRING},
		{"entityimage", NULL, ODATA_BINARY},
		{"_parentaccountid_value", "OData.Community.Display.V1.FormattedValue",
		 ODATA_STRING},
		{"_primarycontactid_value", NULL, ODATA_STRING},
	};
	struct odata_order_key k[ODATA_ORDER_MAX];
	size_t n;
	int rc = odata_order_keys("name asc,revenue desc,createdon asc,accountid asc", "accountid",
				  "createdon", cols, 7, nocase, k, &n);
	ok(rc == 0 && n == 4, "four keys: name, revenue, createdon, the primary key");
	ok(rc == 0 && k[0].col == 1 && k[0].how == OM_TEXT && !k[0].desc, "  name: text, asc");
	ok(rc == 0 && k[1].col == 2 && k[1].how == OM_NUMBER && k[1].desc, "  revenue: number, desc");
	ok(rc == 0 && k[2].col == 3 && k[2].how == OM_DATETIME, "  createdon: a date-time");
	ok(rc == 0 && k[3].col == 0 && k[3].how == OM_GUID, "  accountid: a GUID");
	is_int(odata_order_keys("name asc", "accountid", "createdon", cols, 7, nocase, k, &n), -1,
	       "without the primary key the order is not total: not merged");
	is_int(odata_order_keys("name asc,accountid asc", "accountid", "createdon", cols, 7, NULL, k,
				&n),
	       -1, "text without a collation: not merged");
	is_int(odata_order_keys("entityimage asc,accountid asc", "accountid", "createdon", cols, 7,
				nocase, k, &n),
	       -1, "a binary column: not merged");
	is_int(odata_order_keys("_parentaccountid_value asc,accountid asc", "accountid",
				"createdon", cols, 7, nocase, k, &n),
	       -1, "a property read only as an annotation: not merged");
	is_int(odata_order_keys("telephone1 asc,accountid asc", "accountid", "createdon", cols, 7,
				nocase, k, &n),
	       -1, "a property not among the columns read: not merged");
	is_int(odata_order_keys("name up,accountid asc", "accountid", "createdon", cols, 7, nocase,
				k, &n),
	       -1, "a direction other than asc/desc: not merged");
	is_int(odata_order_keys("_primarycontactid_value asc,accountid asc", "accountid",
				"createdon", cols, 7, nocase, k, &n),
	       -1, "a lookup's value (the service orders it by the related name): not merged");
	is_int(odata_order_keys("accountid asc", "accountid", "createdon", cols, 7, nocase, k, &n),
	       0, "the primary key alone: merged");
}

static void test_numbers(void)
{
	int bad;
	ok(cmp1(OM_NUMBER, 0, null_cell(), num(-5), &bad) < 0, "NULL before any number (asc)");
	ok(cmp1(OM_NUMBER, 1, null_cell(), num(-5), &bad) > 0, "NULL after any number (desc)");
	is_int(cmp1(OM_NUMBER, 0, null_cell(), null_cell(), &bad), 0, "NULL ties NULL");
	ok(cmp1(OM_NUMBER, 0, num(9007199254740993LL), num(9007199254740992LL), &bad) > 0,
	   "integers beyond 2^53 exactly");
	ok(cmp1(OM_NUMBER, 0, text("12345678901234567.01"), text("12345678901234567.001"), &bad) > 0,
	   "decimals beyond a double's precision exactly");
	is_int(cmp1(OM_NUMBER, 0, text("1.500"), text("1.5"), &bad), 0, "trailing zeros: equal");
	is_int(cmp1(OM_NUMBER, 0, text("-0.00"), text("0"), &bad), 0, "-0 = 0");
	ok(cmp1(OM_NUMBER, 0, text("-2.5"), text("-10"), &bad) > 0, "-2.5 > -10");
	ok(cmp1(OM_NUMBER, 0, text("-2.5"), text("1"), &bad) < 0, "-2.5 < 1");
	ok(cmp1(OM_NUMBER, 0, text("100"), text("99.999"), &bad) > 0, "100 > 99.999 (not as text)");
	ok(cmp1(OM_NUMBER, 0, text("0.25"), text("0.3"), &bad) < 0 && !bad, "0.25 < 0.3");
	struct odata_cell d = {OC_DOUBLE, 0, 2.5, NULL, 0};
	ok(cmp1(OM_NUMBER, 0, num(2), d, &bad) < 0 && !bad, "an integer against a double");
	cmp1(OM_NUMBER, 0, text("abc"), num(1), &bad);
	is_int(bad, 1, "text that is no number is reported, not guessed");
}

static void test_datetimes(void)
{
	int bad;
	ok(cmp1(OM_DATETIME, 0, text("2024-06-15T12:00:00Z"), text("2024-06-15T12:00:00.5Z"),
		&bad) < 0,
	   "a whole second before the same second and a half (not '.' < 'Z' as text)");
	is_int(cmp1(OM_DATETIME, 0, text("2024-06-15T12:00:00.50Z"), text("2024-06-15T12:00:00.5Z"),
		    &bad),
	       0, ".50 = .5");
	ok(cmp1(OM_DATETIME, 1, text("2023-01-01T00:00:00Z"), text("2024-01-01T00:00:00Z"), &bad) > 0,
	   "desc: the later first");
	cmp1(OM_DATETIME, 0, text("2024"), text("2024-06-15T12:00:00Z"), &bad);
	is_int(bad, 1, "a value that is no date-time is reported");
}

static void test_guids(void)
{
	int bad;
	/* SQL Server: the last group decides first, then the fourth, then the
	 * third, second and first groups byte-reversed */
	ok(cmp1(OM_GUID, 0, text("ffffffff-ffff-ffff-ffff-000000000000"),
		text("00000000-0000-0000-0000-000000000001"), &bad) < 0,
	   "the last group is the most significant");
	ok(cmp1(OM_GUID, 0, text("ffffffff-ffff-ffff-0000-000000000001"),
		text("00000000-0000-0000-0001-000000000001"), &bad) < 0,
	   "then the fourth group");
	ok(cmp1(OM_GUID, 0, text("00000000-0000-0100-0000-000000000000"),
		text("00000000-0000-0001-0000-000000000000"), &bad) < 0,
	   "the third group byte-reversed (0100 < 0001)");
	ok(cmp1(OM_GUID, 0, text("01000000-0000-0000-0000-000000000000"),
		text("00000001-0000-0000-0000-000000000000"), &bad) < 0,
	   "the first group byte-reversed, compared last");
	is_int(cmp1(OM_GUID, 0, text("ABCDEF01-0000-0000-0000-000000000000"),
		    text("abcdef01-0000-0000-0000-000000000000"), &bad),
	       0, "hex case does not matter");
}

static void test_rows(void)
{
	static const struct odata_colspec cols[] = {
		{"accountid", NULL, ODATA_STRING},
		{"name", NULL, ODATA_STRING},
	};
	struct odata_order_key k[ODATA_ORDER_MAX];
	size_t n;
	int bad = 0;
	odata_order_keys("name desc,accountid asc", "accountid", NULL, cols, 2, nocase, k, &n);
	struct odata_cell a[2] = {text("00000000-0000-0000-0000-000000000002"), text("Cafe")};
	struct odata_cell b[2] = {text("00000000-0000-0000-0000-000000000001"), text("CAFE")};
	struct odata_cell c[2] = {text("00000000-0000-0000-0000-000000000001"), text("abc")};
	ok(odata_order_cmp(k, n, nocase, a, b, &bad) > 0,
	   "names equal under the collation: the primary key decides (asc under a desc name)");
	ok(odata_order_cmp(k, n, nocase, c, a, &bad) > 0 && !bad, "name desc: 'abc' after 'Cafe'");
}

int main(void)
{
	test_keys();
	test_numbers();
	test_datetimes();
	test_guids();
	test_rows();
	return tap_done();
}
