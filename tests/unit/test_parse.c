/* test_parse.c - sqlparse_select (sqlparse/parse.c): tables of statements
 * with the exact tree they parse to (printed in a compact prefix form), and
 * statements the parser must leave to the per-table path ("not pushable"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlparse/ast.h"
#include "tap.h"
#include "util/buf.h"

static const char *const ops[] = {"=", "<>", "<", "<=", ">", ">="};
static const char *const aggs[] = {"", "count(*)", "count", "count-distinct", "sum", "avg",
				   "min", "max"};

static void col(struct dv_buf *b, const struct ast_colref *c)
{
	if (c->qualifier)
		dv_buf_appendf(b, "%s.", c->qualifier);
	dv_buf_appends(b, c->name ? c->name : "?");
}

static void val(struct dv_buf *b, const struct ast_value *v)
{
	switch (v->kind) {
	case AV_INT: dv_buf_appendf(b, "%lld", v->i); break;
	case AV_REAL: dv_buf_appendf(b, "%g", v->d); break;
	case AV_TEXT: dv_buf_appendf(b, "'%s'", v->text); break;
	case AV_NULL: dv_buf_appends(b, "null"); break;
	case AV_PARAM: dv_buf_appendf(b, "?%lld", v->i); break;
	}
}

static char *dump(const struct ast_select *s);

static void expr(struct dv_buf *b, const struct ast_expr *x)
{
	size_t i;
	char *sub;
	switch (x->kind) {
	case AST_AND: case AST_OR:
		dv_buf_appendf(b, "(%s ", x->kind == AST_AND ? "and" : "or");
		expr(b, x->a);
		dv_buf_appendc(b, ' ');
		expr(b, x->b);
		dv_buf_appendc(b, ')');
		return;
	case AST_NOT:
		dv_buf_appends(b, "(not ");
		expr(b, x->a);
		dv_buf_appendc(b, ')');
		return;
	case AST_CMP:
		dv_buf_appendf(b, "(%s ", ops[x->op]);
		break;
	case AST_IN: dv_buf_appends(b, "(in "); break;
	case AST_LIKE: dv_buf_appends(b, "(like "); break;
	case AST_ISNULL: dv_buf_appends(b, "(isnull "); break;
	case AST_BETWEEN: dv_buf_appends(b, "(between "); break;
	case AST_COLEQ:
		dv_buf_appends(b, "(= ");
		col(b, &x->col);
		dv_buf_appendc(b, ' ');
		col(b, &x->col2);
		dv_buf_appendc(b, ')');
		return;
	case AST_EXISTS: case AST_INSUB:
		sub = dump(x->sub);
		dv_buf_appends(b, x->kind == AST_EXISTS ? "(exists " : "(insub ");
		if (x->kind == AST_INSUB) {
			col(b, &x->col);
			dv_buf_appendc(b, ' ');
		}
		dv_buf_appendf(b, "[%s])", sub ? sub : "");
		free(sub);
		return;
	}
	col(b, &x->col);
	for (i = 0; i < x->nv; i++) {
		dv_buf_appendc(b, ' ');
		val(b, &x->v[i]);
	}
	dv_buf_appendc(b, ')');
}

/* "items|table alias|where|group|order|limit|nparams" */
static char *dump(const struct ast_select *s)
{
	struct dv_buf b;
	size_t i;
	dv_buf_init(&b, 0);
	for (i = 0; i < s->nitems; i++) {
		const struct ast_item *it = &s->items[i];
		dv_buf_appends(&b, i ? "," : "");
		if (it->agg != AGG_NONE)
			dv_buf_appendf(&b, "%s%s", aggs[it->agg], it->agg == AGG_COUNT_STAR ? "" : ":");
		if (it->star)
			dv_buf_appendf(&b, "%s%s*", it->col.qualifier ? it->col.qualifier : "",
				       it->col.qualifier ? "." : "");
		else if (it->agg != AGG_COUNT_STAR)
			col(&b, &it->col);
		if (it->alias)
			dv_buf_appendf(&b, "=%s", it->alias);
	}
	dv_buf_appendf(&b, "|%s%s%s|", s->table, s->alias ? " " : "", s->alias ? s->alias : "");
	if (s->where)
		expr(&b, s->where);
	dv_buf_appendc(&b, '|');
	for (i = 0; i < s->ngroup; i++) {
		dv_buf_appends(&b, i ? "," : "");
		col(&b, &s->group[i]);
	}
	dv_buf_appendc(&b, '|');
	for (i = 0; i < s->norder; i++) {
		dv_buf_appends(&b, i ? "," : "");
		if (s->order[i].position)
			dv_buf_appendf(&b, "#%d", s->order[i].position);
		else
			col(&b, &s->order[i].col);
		if (s->order[i].desc)
			dv_buf_appends(&b, " desc");
	}
	dv_buf_appendf(&b, "|%lld|%d%s", s->limit, s->nparams, s->has_aggregate ? "|agg" : "");
	return dv_buf_steal(&b);
}

struct pcase {
	const char *sql;
	const char *tree;      /* NULL = not pushable */
};

static const struct pcase cases[] = {
	{"SELECT name FROM account", "name|account||||-1|0"},
	{"select a.name AS n, \"revenue\" r FROM account a WHERE a.statecode = 0 OR revenue > 5",
	 "a.name=n,revenue=r|account a|(or (= a.statecode 0) (> revenue 5))|||-1|0"},
	{"SELECT name FROM account WHERE NOT (statecode = 1 AND name LIKE 'A%') OR x IS NOT NULL",
	 "name|account|(or (not (and (= statecode 1) (like name 'A%'))) (not (isnull x)))|||-1|0"},
	{"SELECT name FROM account WHERE a = 1 OR b = 2 AND c = 3",
	 "name|account|(or (= a 1) (and (= b 2) (= c 3)))|||-1|0"},
	{"SELECT name FROM account WHERE 5 < revenue AND name <> 'O''Brien' AND x != -2.5",
	 "name|account|(and (and (> revenue 5) (<> name 'O'Brien')) (<> x -2.5))|||-1|0"},
	{"SELECT name FROM account WHERE x IN (1, 2, ?) OR y NOT IN ('a') OR z BETWEEN ? AND 9",
	 "name|account|(or (or (in x 1 2 ?1) (not (in y 'a'))) (between z ?2 9))|||-1|2"},
	{"SELECT name FROM account WHERE x NOT LIKE '%a' AND y NOT BETWEEN 1 AND 2 AND z <= NULL",
	 "name|account|(and (and (not (like x '%a')) (not (between y 1 2))) (<= z null))|||-1|0"},
	{"SELECT statuscode, COUNT(*) AS n, count(name), COUNT(DISTINCT ownerid), SUM(x), "
	 "AVG(x), MIN(x), MAX(x) FROM account GROUP BY statuscode ORDER BY 2 DESC, statuscode "
	 "LIMIT 5;",
	 "statuscode,count(*)=n,count:name,count-distinct:ownerid,sum:x,avg:x,min:x,max:x|"
	 "account||statuscode|#2 desc,statuscode|5|0|agg"},
	{"SELECT [name] FROM [account] /* dvodbc:local */ WHERE `x` >= ?", 
	 "name|account|(>= x ?1)|||-1|1"},
	{"SELECT count(*) FROM account", "count(*)|account||||-1|0|agg"},
	/* not pushable: other shapes stay on the per-table path */
	{"SELECT name FROM account a JOIN contact c ON a.accountid = c.parentcustomerid", NULL},
	/* DISTINCT of plain columns is GROUP BY of them (pushdown.c then decides) */
	{"SELECT DISTINCT name, a.statecode FROM account a WHERE x = 1",
	 "name,a.statecode|account a|(= x 1)|name,a.statecode||-1|0|agg"},
	{"SELECT DISTINCT * FROM account", NULL},
	{"SELECT DISTINCT COUNT(*) FROM account", NULL},
	{"SELECT DISTINCT statecode FROM account GROUP BY statecode", NULL},
	{"SELECT * FROM account WHERE a = 1 OR b = 2", "*|account|(or (= a 1) (= b 2))|||-1|0"},
	{"SELECT a.*, COUNT(1) FROM account a", "a.*,count(*)|account a||||-1|0|agg"},
	{"SELECT COUNT(2) FROM account", NULL},
	{"SELECT upper(name) FROM account", NULL},
	{"SELECT name FROM account WHERE upper(name) = 'X'", NULL},
	{"SELECT name FROM account WHERE a = b", NULL},
	{"SELECT name FROM account WHERE a = (SELECT 1)", NULL},
	/* subqueries: [NOT] EXISTS, [NOT] IN; col = col inside them only; the
	 * markers are numbered through the whole statement */
	{"SELECT a.name FROM account a WHERE a.x = ? AND EXISTS (SELECT 1 FROM opportunity o "
	 "WHERE o.parentaccountid = a.accountid AND o.y = ?) AND NOT EXISTS (SELECT * FROM "
	 "contact WHERE parentcustomerid = a.accountid) AND a.z = ?",
	 "a.name|account a|(and (and (and (= a.x ?1) (exists [?|opportunity o|(and (= "
	 "o.parentaccountid a.accountid) (= o.y ?2))|||-1|2])) (not (exists [*|contact|(= "
	 "parentcustomerid a.accountid)|||-1|2]))) (= a.z ?3))|||-1|3"},
	{"SELECT name FROM account WHERE accountid IN (SELECT c.parentcustomerid FROM contact c "
	 "WHERE lastname = 'x') OR pid NOT IN (SELECT accountid FROM account)",
	 "name|account|(or (insub accountid [c.parentcustomerid|contact c|(= lastname 'x')|||-1|0]) "
	 "(not (insub pid [accountid|account||||-1|0])))|||-1|0"},
	{"SELECT name FROM account WHERE EXISTS (SELECT 1 FROM contact WHERE EXISTS (SELECT 1 "
	 "FROM lead))", NULL},
	{"SELECT name FROM account WHERE x IN (SELECT DISTINCT y FROM contact)", NULL},
	{"SELECT name FROM account WHERE x IN (SELECT y FROM contact GROUP BY y)", NULL},
	{"SELECT name FROM account WHERE x IN (SELECT y FROM contact LIMIT 2)", NULL},
	{"SELECT name FROM account WHERE x IN (SELECT y, z FROM contact)", NULL},
	{"SELECT name FROM account WHERE x IN (SELECT COUNT(*) FROM contact)", NULL},
	{"SELECT name FROM account WHERE EXISTS (SELECT 1 FROM contact c JOIN lead l ON 1)", NULL},
	{"SELECT name FROM account a WHERE EXISTS (SELECT 1 FROM contact c WHERE c.x < a.y)",
	 NULL},
	{"SELECT name FROM account WHERE EXISTS (SELECT 1 FROM contact WHERE", NULL},
	{"SELECT name FROM account WHERE EXISTS (SELECT 1 FROM contact", NULL},
	{"SELECT name FROM account WHERE x IN (SELECT", NULL},
	{"SELECT name FROM account WHERE EXISTS SELECT 1 FROM contact", NULL},
	{"SELECT name FROM account WHERE EXISTS (SELECT 1 FROM contact) x", NULL},
	{"SELECT name FROM account a WHERE a.x = a.y", NULL},
	{"SELECT name FROM account WHERE x IN (SELECT y FROM contact WHERE a = ?3)", NULL},
	{"SELECT name FROM account WHERE name LIKE 'a!%' ESCAPE '!'", NULL},
	{"SELECT statuscode, COUNT(*) FROM account GROUP BY statuscode HAVING COUNT(*) > 1", NULL},
	{"SELECT name FROM account LIMIT 5 OFFSET 2", NULL},
	{"SELECT name FROM account LIMIT ?", NULL},
	{"SELECT name FROM main.account", NULL},
	{"SELECT name FROM account WHERE x = ?2", NULL},
	{"SELECT name FROM account UNION SELECT name FROM contact", NULL},
	{"SELECT SUM(DISTINCT x) FROM account", NULL},
	{"SELECT name FROM account WHERE x = 'unterminated", NULL},
	{"INSERT INTO account (name) VALUES ('x')", NULL},
};

int main(void)
{
	size_t i;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ast_select s;
		int rc = sqlparse_select(cases[i].sql, strlen(cases[i].sql), &s);
		if (cases[i].tree) {
			char *t = rc == 0 ? dump(&s) : NULL;
			is_str(t, cases[i].tree, "parses: %s", cases[i].sql);
			free(t);
		} else {
			is_int(rc, 1, "not pushable: %s", cases[i].sql);
		}
		ast_select_free(&s);
	}
	{
		struct ast_select s;
		const char *sql = "SELECT name FROM account -- dvodbc:local\nWHERE a = 1 OR b = 2";
		is_int(sqlparse_select(sql, strlen(sql), &s), 0, "hinted statement parses");
		is_int(s.local_hint, 1, "the dvodbc:local comment is seen");
		is_int((int)s.table_pos, 17, "table offset");
		is_int((int)(s.table_end - s.table_pos), 7, "table span ends before the comment");
		is_int((int)s.items[0].pos, 7, "item offset");
		is_int((int)s.items[0].len, 4, "item length");
		ast_select_free(&s);
	}
	return tap_done();
}
