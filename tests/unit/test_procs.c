/* test_procs.c - the CSDL reader of catalog_actions.c: Function, Action and
 * ComplexType elements kept, everything else skipped, whatever the pieces
 * the body arrives in; bound operations named <entity>.<Name>, those bound
 * to a collection or to crmbaseentity left out.  And the call splitter of
 * sqlparse/call.c on return values and output markers. */
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_procs.h"
#include "sqlparse/call.h"
#include "tap.h"

/* Shaped as a real org's CSDL: one line, annotations with '>' inside quoted
 * values, entity types with Property elements that are not complex. */
static const char csdl[] =
	"<?xml version=\"1.0\" encoding=\"utf-8\"?><edmx:Edmx Version=\"4.0\" "
	"xmlns:edmx=\"http://docs.oasis-open.org/odata/ns/edmx\"><edmx:DataServices>"
	"<Schema Namespace=\"Microsoft.Dynamics.CRM\" Alias=\"mscrm\">"
	"<EntityType Name=\"account\" BaseType=\"mscrm.crmbaseentity\"><Key><PropertyRef "
	"Name=\"accountid\"/></Key><Property Name=\"name\" Type=\"Edm.String\" Unicode=\"false\">"
	"<Annotation Term=\"Org.OData.Core.V1.Description\" String=\"a &gt; b &amp; c > d\"/>"
	"</Property></EntityType>"
	"<!-- a comment <Function Name=\"NotThis\"/> -->"
	"<ComplexType Name=\"WhoAmIResponse\"><Property Name=\"BusinessUnitId\" Type=\"Edm.Guid\" "
	"Nullable=\"false\"/><Property Name=\"UserId\" Type=\"Edm.Guid\" Nullable=\"false\"/>"
	"<Property Name=\"OrganizationId\" Type=\"Edm.Guid\" Nullable=\"false\"/></ComplexType>"
	"<ComplexType Name=\"Empty\"/>"
	"<Function Name=\"WhoAmI\"><ReturnType Type=\"mscrm.WhoAmIResponse\" Nullable=\"false\"/>"
	"</Function>"
	"<Function Name=\"RetrieveTotalRecordCount\"><Parameter Name=\"EntityNames\" "
	"Type=\"Collection(Edm.String)\" Nullable=\"false\" Unicode=\"false\"/><ReturnType "
	"Type=\"mscrm.RetrieveTotalRecordCountResponse\" Nullable=\"false\"/></Function>"
	"<Action Name=\"QualifyLead\" IsBound=\"true\"><Parameter Name=\"entity\" "
	"Type=\"mscrm.lead\" Nullable=\"false\"/><Parameter Name=\"CreateAccount\" "
	"Type=\"Edm.Boolean\" Nullable=\"false\"/><Parameter Name=\"SourceCampaignId\" "
	"Type=\"mscrm.crmbaseentity\"/><ReturnType Type=\"Collection(mscrm.crmbaseentity)\" "
	"Nullable=\"false\"/></Action>"
	"<Action Name=\"BulkThing\" IsBound=\"true\"><Parameter Name=\"entityset\" "
	"Type=\"Collection(mscrm.account)\" Nullable=\"false\"/></Action>"
	"<Function Name=\"AnyRecord\" IsBound=\"true\"><Parameter Name=\"entity\" "
	"Type=\"mscrm.crmbaseentity\" Nullable=\"false\"/></Function>"
	"<Action Name='Publish'/>"
	"<EntityContainer Name=\"System\"><FunctionImport Name=\"WhoAmI\" "
	"Function=\"mscrm.WhoAmI\"/></EntityContainer></Schema></edmx:DataServices></edmx:Edmx>";

static struct dv_procs *read_in_pieces(size_t piece)
{
	struct dv_error err;
	struct dv_procs *out = NULL;
	struct csdl_reader *r = csdl_reader_new();
	dv_error_clear(&err);
	for (size_t i = 0; i < sizeof(csdl) - 1; i += piece) {
		size_t n = sizeof(csdl) - 1 - i < piece ? sizeof(csdl) - 1 - i : piece;
		if (csdl_reader_feed(r, csdl + i, n, &err) != 0) {
			csdl_reader_free(r);
			return NULL;
		}
	}
	csdl_reader_finish(r, &out, &err);
	return out;
}

static void check(size_t piece)
{
	struct dv_procs *p = read_in_pieces(piece);
	ok(p != NULL, "read in pieces of %zu bytes", piece);
	if (!p)
		return;
	ok(p->nprocs == 4, "4 procedures (not the commented one, not collection- or "
	   "crmbaseentity-bound): %zu", p->nprocs);
	const char *names[] = {"Publish", "RetrieveTotalRecordCount", "WhoAmI", "lead.QualifyLead"};
	int order = p->nprocs == 4;
	for (size_t i = 0; order && i < 4; i++)
		order = strcmp(p->procs[i].sql_name, names[i]) == 0;
	ok(order, "sorted by name, the bound one as lead.QualifyLead");
	const struct dv_proc *q = dv_procs_find(p, "LEAD.qualifylead");
	ok(q && q->is_action && strcmp(q->name, "QualifyLead") == 0 &&
	   strcmp(q->bound_entity, "lead") == 0 && q->nparams == 2 &&
	   strcmp(q->params[0].name, "CreateAccount") == 0 && !q->params[0].nullable &&
	   strcmp(q->params[1].type, "mscrm.crmbaseentity") == 0 && q->params[1].nullable &&
	   strcmp(q->return_type, "Collection(mscrm.crmbaseentity)") == 0,
	   "QualifyLead: action, bound to lead, the binding parameter left out, "
	   "Nullable defaults to true");
	const struct dv_proc *t = dv_procs_find(p, "RetrieveTotalRecordCount");
	ok(t && !t->is_action && !t->bound_entity && t->nparams == 1 &&
	   strcmp(t->params[0].type, "Collection(Edm.String)") == 0,
	   "RetrieveTotalRecordCount: an unbound function with a collection parameter");
	const struct dv_proc *pub = dv_procs_find(p, "Publish");
	ok(pub && pub->is_action && pub->nparams == 0 && !pub->return_type,
	   "a self-closed Action with single-quoted attributes");
	const struct dv_complex_type *w = dv_procs_complex(p, "mscrm.WhoAmIResponse");
	ok(w && w->nprops == 3 && strcmp(w->props[2].name, "OrganizationId") == 0 &&
	   dv_procs_complex(p, "Microsoft.Dynamics.CRM.WhoAmIResponse") == w &&
	   dv_procs_complex(p, "Empty") && p->ntypes == 2,
	   "complex types: WhoAmIResponse's 3 properties, not the entity's");
	catalog_procs_free(p);
}

/* {? = call ..}: the return value is marker 1, the argument statement
 * starts with it; arguments that are one '?' know their marker's number. */
static void check_call_markers(void)
{
	struct sql_call c;
	struct dv_error err;
	dv_error_clear(&err);
	int r = sqlparse_call("{? = call F(?, 'x', ? + 1, ?)}", 30, &c, &err);
	ok(r == 1 && c.ret_marker == 1 && c.nargs == 4 && c.nmarkers == 4 &&
	   c.arg_marker[0] == 2 && c.arg_marker[1] == 0 && c.arg_marker[2] == 0 &&
	   c.arg_marker[3] == 4 && strcmp(c.select_sql, "SELECT ?, ?,  'x',  ? + 1,  ?") == 0,
	   "{? = call F(?, 'x', ? + 1, ?)}: return marker 1, markers 2 and 4 as whole "
	   "arguments (%s)", r == 1 ? c.select_sql : err.message);
	if (r == 1)
		sqlparse_call_free(&c);
	r = sqlparse_call("{?=call G}", 10, &c, &err);
	ok(r == 1 && c.ret_marker == 1 && c.nargs == 0 && strcmp(c.select_sql, "SELECT ?") == 0,
	   "{?=call G}: the return value alone");
	if (r == 1)
		sqlparse_call_free(&c);
	dv_error_clear(&err);
	r = sqlparse_call("{? call G}", 10, &c, &err);
	ok(r == -1 && err.state == DV_S_42000 && strstr(err.message, "{? = call name(...)}"),
	   "{? call G}: 42000 showing the form (%s)", err.message);
}

int main(void)
{
	check_call_markers();
	check(sizeof(csdl));
	check(1);
	check(7);
	return tap_done();
}
