/* bench/plans_suite.h - the statements of the query-plan suite (issue 9).
 *
 * Owns: each statement's SQL and the statement that counts the rows it
 * needs, by id, for bench/plans.c (which measures them on the emulator at
 * size) and tests/odbc/test_odbc_plans.c (which asserts their requests and
 * rows on a real org's schema): one text, so the test checks exactly what
 * the benchmark measures.  "{opp}" stands for an opportunity's name (one with
 * a parent account), "{in5}" for the five account numbers
 * 'A-000001',...,'A-000005'.  ROWS NEEDED: bench/plans.c says how they are
 * counted. */
#ifndef DV_BENCH_PLANS_SUITE_H
#define DV_BENCH_PLANS_SUITE_H

#include <stdio.h>
#include <string.h>

struct plans_sql {
	const char *id;
	const char *sql;
	const char *needed;     /* one integer: the rows needed; NULL = the answer's rows */
	long extra;             /* rows needed beyond the answer's (OFFSET) */
};

static const struct plans_sql plans_suite[] = {
	{"J1", "SELECT a.name, c.fullname FROM account a JOIN contact c ON c.parentcustomerid = "
	 "a.accountid WHERE a.accountnumber IN ({in5})",
	 "SELECT COUNT(DISTINCT a.accountid) + COUNT(DISTINCT c.contactid) FROM account a JOIN "
	 "contact c ON c.parentcustomerid = a.accountid WHERE a.accountnumber IN ({in5})", 0},
	{"J2", "SELECT o.name, a.name FROM opportunity o JOIN account a ON o.parentaccountid = "
	 "a.accountid WHERE o.name = '{opp}'",
	 "SELECT COUNT(DISTINCT o.opportunityid) + COUNT(DISTINCT a.accountid) FROM opportunity o "
	 "JOIN account a ON o.parentaccountid = a.accountid WHERE o.name = '{opp}'", 0},
	{"J3", "SELECT o.name, a.name, c.fullname FROM opportunity o JOIN account a ON "
	 "o.parentaccountid = a.accountid JOIN contact c ON c.contactid = a.primarycontactid "
	 "WHERE o.name = '{opp}'",
	 "SELECT COUNT(DISTINCT o.opportunityid) + COUNT(DISTINCT a.accountid) + COUNT(DISTINCT "
	 "c.contactid) FROM opportunity o JOIN account a ON o.parentaccountid = a.accountid JOIN "
	 "contact c ON c.contactid = a.primarycontactid WHERE o.name = '{opp}'", 0},
	{"S1", "SELECT a.name FROM account a WHERE a.statecode = 1 AND EXISTS (SELECT 1 FROM "
	 "opportunity o WHERE o.parentaccountid = a.accountid)", NULL, 0},
	{"S2", "SELECT a.name, (SELECT COUNT(*) FROM contact c WHERE c.parentcustomerid = "
	 "a.accountid) FROM account a WHERE a.accountnumber IN ({in5})",
	 "SELECT (SELECT COUNT(*) FROM account WHERE accountnumber IN ({in5})) + (SELECT COUNT(*) "
	 "FROM contact c JOIN account a ON c.parentcustomerid = a.accountid WHERE "
	 "a.accountnumber IN ({in5}))", 0},
	{"S3", "SELECT name FROM account WHERE accountid IN (SELECT parentcustomerid FROM contact "
	 "WHERE lastname = 'Smith')", NULL, 0},
	{"L1", "SELECT name FROM account WHERE revenue > 1000 AND name <> 'x' LIMIT 10", NULL, 0},
	{"L2", "SELECT name FROM account WHERE name LIKE '%Inc%' LIMIT 10", NULL, 0},
	/* OFFSET 10: those rows must be read (the Web API has no $skip) */
	{"L3", "SELECT name FROM account ORDER BY name LIMIT 10 OFFSET 10", NULL, 10},
	{"L4", "SELECT name FROM account LIMIT 10000", NULL, 0},
	{"A1", "SELECT MAX(name) FROM account", NULL, 0},
	{"A2", "SELECT DISTINCT statecode FROM account", NULL, 0},
	{"W1", "SELECT name FROM opportunity", NULL, 0},
	{"W2", "SELECT * FROM account LIMIT 1000", NULL, 0},
	{"E1", "SELECT * FROM account", NULL, 0},
	/* a table of 3 rows and one of N with a weak filter: the order comes
	 * from their row counts (driver/engine/rowcount.c) */
	{"J4", "SELECT b.name, a.name FROM account a JOIN businessunit b ON a.owningbusinessunit = "
	 "b.businessunitid WHERE a.statecode = 0 AND upper(b.name) = 'DIVISION 3'",
	 "SELECT COUNT(DISTINCT a.accountid) + COUNT(DISTINCT b.businessunitid) FROM account a "
	 "JOIN businessunit b ON a.owningbusinessunit = b.businessunitid WHERE a.statecode = 0 AND "
	 "upper(b.name) = 'DIVISION 3'", 0},
};

/* fmt with {opp} and {in5} replaced, into out (size bytes, truncated). */
static inline void plans_fill(const char *fmt, const char *opp, const char *in5, char *out,
			      size_t size)
{
	size_t len = 0;
	out[0] = '\0';
	while (*fmt && len + 1 < size) {
		const char *v = strncmp(fmt, "{opp}", 5) == 0 ? opp
				: strncmp(fmt, "{in5}", 5) == 0 ? in5 : NULL;
		if (v) {
			len += (size_t)snprintf(out + len, size - len, "%s", v);
			if (len >= size)
				len = size - 1;
			fmt += 5;
		} else {
			out[len++] = *fmt++;
			out[len] = '\0';
		}
	}
}

/* One statement of the suite with its constants filled in. */
struct plans_stmt {
	const char *id;
	char sql[1024];
	char needed_sql[1024]; /* one integer: the rows needed; "" = the answer's rows */
	long extra;            /* rows needed beyond the answer's (OFFSET) */
};

/* Fills s (s->id set) from the suite: 1, or 0 for an unknown id. */
static inline int plans_stmt_fill(struct plans_stmt *s, const char *opp, const char *in5)
{
	for (size_t i = 0; i < sizeof(plans_suite) / sizeof(plans_suite[0]); i++) {
		const struct plans_sql *p = &plans_suite[i];
		if (strcmp(p->id, s->id) != 0)
			continue;
		plans_fill(p->sql, opp, in5, s->sql, sizeof(s->sql));
		plans_fill(p->needed ? p->needed : "", opp, in5, s->needed_sql,
			   sizeof(s->needed_sql));
		s->extra = p->extra;
		return 1;
	}
	return 0;
}

#endif
