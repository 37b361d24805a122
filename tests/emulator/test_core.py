"""dvemu core tests: port file, client-credentials token, 401 challenge, authenticated entity
queries (row shape, $select/$top/$orderby/$count), server-driven paging with $skiptoken,
Prefer handling, basic errors, single-record reads, and the request log.

Sources pinned here: spec sections 3, 4, 5, 7, 12, 15 (see the emulator modules for URLs).
"""

import json
import os
import urllib.parse
import uuid

from emu_helper import CLIENT_ID, SECRET, TENANT, Emu, EmuTestCase

# SqlGuid's byte order over Guid.ToByteArray() (uuid's bytes_le): how SQL Server orders GUIDs
SQLGUID_ORDER = (10, 11, 12, 13, 14, 15, 8, 9, 6, 7, 4, 5, 0, 1, 2, 3)


def q(s):
    return urllib.parse.quote(s, safe="$=&,()'/:*@?")


class TestStartupAndToken(EmuTestCase):
    def test_port_file_is_plain_port(self):
        with open(self.emu.port_file) as f:
            self.assertRegex(f.read(), r"^\d+\n$")
        self.assertFalse(os.path.exists(self.emu.port_file + ".tmp"))

    def test_client_credentials_token_shape(self):
        # Source: spec section 15 "Success" (app-only: no scope/refresh/id_token).
        r = self.emu.token_request({"grant_type": "client_credentials", "client_id": CLIENT_ID,
                                    "client_secret": SECRET, "scope": self.emu.org + "/.default"})
        self.assertEqual(r.status, 200)
        self.assertTrue(r.header("Content-Type").startswith("application/json"))
        body = r.json
        self.assertEqual(sorted(body), ["access_token", "expires_in", "ext_expires_in", "token_type"])
        self.assertEqual(body["token_type"], "Bearer")
        self.assertEqual(body["expires_in"], 3600)
        parts = body["access_token"].split(".")
        self.assertEqual(len(parts), 3)
        import base64
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        self.assertEqual(claims["aud"], self.emu.org)
        self.assertEqual(claims["iss"], "https://sts.windows.net/%s/" % TENANT)
        self.assertEqual(claims["appid"], CLIENT_ID)
        for k in ("exp", "iat", "oid"):
            self.assertIn(k, claims)

    def test_basic_auth_secret(self):
        import base64
        basic = base64.b64encode(("%s:%s" % (CLIENT_ID, SECRET)).encode()).decode()
        r = self.emu.token_request({"grant_type": "client_credentials", "scope": self.emu.org + "/.default"},
                                   headers={"Authorization": "Basic " + basic})
        self.assertEqual(r.status, 200, r.body)

    def test_token_errors(self):
        e = self.emu
        base = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET,
                "scope": e.org + "/.default"}
        cases = [
            (dict(base, client_secret="nope"), TENANT, 401, "invalid_client", 7000215),
            (dict(base, client_id="99999999-1111-1111-1111-111111111111"), TENANT, 400, "unauthorized_client", 700016),
            (base, "11111111-0000-0000-0000-000000000000", 400, "invalid_request", 90002),
            (dict(base, scope=e.org + "/user_impersonation"), TENANT, 400, "invalid_scope", 70011),
            (dict(base, scope="http://other.example/.default"), TENANT, 400, "invalid_resource", 500011),
            (dict(base, scope=e.org + "//.default"), TENANT, 400, "invalid_resource", 500011),
        ]
        for form, tenant, status, err, code in cases:
            r = e.token_request(form, tenant=tenant)
            self.assertEqual(r.status, status, (form, r.body))
            b = r.json
            self.assertEqual(b["error"], err)
            self.assertEqual(b["error_codes"], [code])
            self.assertTrue(b["error_description"].startswith("AADSTS%d: " % code))
            self.assertIn("\r\nTrace ID: ", b["error_description"])
            self.assertIn("\r\nCorrelation ID: ", b["error_description"])
            for k in ("timestamp", "trace_id", "correlation_id"):
                self.assertIn(k, b)

    def test_v1_token_resource(self):
        r = self.emu.token_request({"grant_type": "client_credentials", "client_id": CLIENT_ID,
                                    "client_secret": SECRET, "resource": self.emu.org}, v1=True)
        self.assertEqual(r.status, 200, r.body)
        b = r.json
        self.assertEqual(b["expires_in"], "3600")  # v1: numbers as strings
        self.assertEqual(b["resource"], self.emu.org)
        for k in ("expires_on", "not_before", "ext_expires_in"):
            self.assertIsInstance(b[k], str)


class TestAuthChallenge(EmuTestCase):
    def expect_challenge(self, r):
        self.assertEqual(r.status, 401)
        self.assertEqual(r.header("WWW-Authenticate"),
                         "Bearer authorization_uri=%s/%s/oauth2/authorize, resource_id=%s/"
                         % (self.emu.org, TENANT, self.emu.org))

    def test_missing_token(self):
        self.expect_challenge(self.emu.get("accounts", token=False))

    def test_malformed_token(self):
        self.expect_challenge(self.emu.get("accounts", headers={"Authorization": "Bearer abc.def"}, token=False))

    def test_tampered_token(self):
        t = self.emu.token()
        self.expect_challenge(self.emu.get("accounts", headers={"Authorization": "Bearer " + t[:-2] + "xx"}, token=False))

    def test_expired_token(self):
        t = self.emu.control("POST", "token", {"lifetime": -5}).json["access_token"]
        self.expect_challenge(self.emu.get("accounts", headers={"Authorization": "Bearer " + t}, token=False))

    def test_discovery_without_version(self):
        self.expect_challenge(self.emu.get("/api/data/", token=False))

    def test_other_api_versions(self):
        for v in ("v9.0", "v9.1", "v8.2"):
            r = self.emu.get("/api/data/%s/accounts?$top=1" % v)
            self.assertEqual(r.status, 200)
            self.assertTrue(r.json["@odata.context"].startswith(self.emu.org + "/api/data/%s/$metadata#accounts" % v))


class TestQueries(EmuTestCase):
    def test_exact_small_result(self):
        r = self.emu.get(q("transactioncurrencies?$select=isocurrencycode,currencyname&$filter=isocurrencycode eq 'usd'"))
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("OData-Version"), "4.0")
        self.assertTrue(r.header("Content-Type").startswith("application/json; odata.metadata=minimal"))
        self.assertEqual(r.json, {
            "@odata.context": self.emu.org + "/api/data/v9.2/$metadata#transactioncurrencies(isocurrencycode,currencyname)",
            "value": [{"@odata.etag": 'W/"1000010"', "isocurrencycode": "USD", "currencyname": "US Dollar",
                       "transactioncurrencyid": "d70dbac9-d189-4391-8001-0000000f4244"}]})

    def test_row_shape_money_and_lookups(self):
        r = self.emu.get(q("accounts?$select=name,revenue,_primarycontactid_value,createdon,creditonhold&$top=5"))
        rows = r.json["value"]
        self.assertEqual(len(rows), 5)
        for row in rows:
            keys = list(row)
            self.assertEqual(keys[0], "@odata.etag")
            self.assertRegex(row["@odata.etag"], r'^W/"\d+"$')
            self.assertEqual(keys[1:6], ["name", "revenue", "_primarycontactid_value", "createdon", "creditonhold"])
            self.assertIn("accountid", row)
            self.assertIn("_transactioncurrencyid_value", row)  # money adds the currency lookup
            self.assertRegex(row["createdon"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
            self.assertIsInstance(row["creditonhold"], bool)
        # money is rendered with 4 decimals (exact decimal text)
        self.assertRegex(r.text, r'"revenue":(null|-?\d+\.\d{4})[,}]')

    def test_all_types_new_project(self):
        r = self.emu.get("new_projects?$top=50")
        rows = r.json["value"]
        self.assertEqual(len(rows), 50)
        import re
        txt = r.text
        self.assertRegex(txt, r'"new_ratio":-?\d+\.\d{4}[,}]')  # decimal with its scale (4)
        self.assertRegex(txt, r'"new_bignumber":9007199\d+[,}]')  # Int64 as a JSON number
        self.assertRegex(txt, r'"new_duedate":"\d{4}-\d\d-\d\d"')  # Edm.Date
        self.assertRegex(txt, r'"new_tags":"\d+(,\d+)*"')  # multi-select "1,3"
        self.assertRegex(txt, r'"new_image":"iVBOR')  # image as base64
        self.assertRegex(txt, r'"_new_customerid_value":"[0-9a-f-]{36}"')
        for row in rows:
            for k in ("new_name", "new_units", "new_score", "new_budget", "new_isactive", "new_startedon",
                      "new_externalid", "_new_accountid_value", "new_priority", "statecode", "statuscode",
                      "_ownerid_value", "new_image_url", "new_image_timestamp", "new_imageid"):
                self.assertIn(k, row)
            self.assertNotIn("new_customeridname", row)
            self.assertNotIn("owneridtype", row)

    def test_annotations(self):
        r = self.emu.get(q("new_projects?$select=new_priority,_new_customerid_value,new_budget,new_isactive,new_startedon&$filter=new_priority ne null and _new_customerid_value ne null&$top=3"),
                         headers={"Prefer": 'odata.include-annotations="*"'})
        self.assertEqual(r.header("Preference-Applied"), 'odata.include-annotations="*"')
        row = r.json["value"][0]
        keys = list(row)
        fv = "OData.Community.Display.V1.FormattedValue"
        i = keys.index("new_priority")
        self.assertEqual(keys[i - 1], "new_priority@" + fv)  # annotation placed before the value
        self.assertIn(row["new_priority@" + fv], ("Low", "Normal", "High", "Critical"))
        j = keys.index("_new_customerid_value")
        self.assertEqual(keys[j - 3:j], ["_new_customerid_value@" + fv,
                                         "_new_customerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty",
                                         "_new_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"])
        ln = row["_new_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"]
        self.assertIn(ln, ("account", "contact"))
        self.assertEqual(row["_new_customerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty"],
                         "new_CustomerId_" + ln)
        self.assertEqual(r.json["@Microsoft.Dynamics.CRM.totalrecordcount"], -1)
        # only the requested annotation
        r = self.emu.get(q("accounts?$select=industrycode,_primarycontactid_value&$filter=industrycode ne null&$top=2"),
                         headers={"Prefer": 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"'})
        row = r.json["value"][0]
        self.assertIn("industrycode@" + fv, row)
        self.assertFalse(any("lookuplogicalname" in k for k in row))
        # no preference, no annotations
        r = self.emu.get("accounts?$top=2")
        self.assertNotIn("@OData.Community", r.text)

    def test_top_and_orderby(self):
        r = self.emu.get(q("accounts?$select=name&$orderby=name desc&$top=7"))
        names = [x["name"] for x in r.json["value"]]
        self.assertEqual(len(names), 7)
        self.assertEqual(names, sorted(names, key=str.lower, reverse=True))
        self.assertNotIn("@odata.nextLink", r.json)

    def test_top_ignored_with_maxpagesize(self):
        # Source: spec section 4: if $top and odata.maxpagesize are both sent, $top is ignored.
        r = self.emu.get("accounts?$select=name&$top=3", headers={"Prefer": "odata.maxpagesize=10"})
        self.assertEqual(len(r.json["value"]), 10)
        self.assertIn("@odata.nextLink", r.json)

    def test_count(self):
        r = self.emu.get(q("accounts?$select=name&$count=true&$filter=statecode eq 0"))
        body = r.json
        self.assertEqual(list(body)[:2], ["@odata.context", "@odata.count"])
        self.assertEqual(body["@odata.count"], len(body["value"]))
        r = self.emu.get("accounts/$count")
        self.assertEqual(r.text, "50")
        self.assertTrue(r.header("Content-Type").startswith("text/plain"))

    def test_skip_refused(self):
        r = self.emu.get("accounts?$skip=10")
        self.assertError(r, 400, "0x80060888")

    def test_errors(self):
        self.assertError(self.emu.get("accounts?$select=name,nosuch"), 400, "0x80060888",
                         "Could not find a property named 'nosuch' on type 'Microsoft.Dynamics.CRM.account'.")
        self.assertError(self.emu.get("accounts?$select=primarycontactidname"), 400, "0x80060888",
                         "Could not find a property named 'primarycontactidname' on type 'Microsoft.Dynamics.CRM.account'.")
        self.assertError(self.emu.get("accounts?$select=owneridtype"), 400, "0x80060888")
        self.assertError(self.emu.get("nosuchset"), 404, "0x80060888", "Resource not found for the segment 'nosuchset'.")
        self.assertError(self.emu.get(q("contacts?$filter=lastname eq 'O'Bryan'")), 400, "0x80060888",
                         "There is an unterminated literal at position 21 in 'lastname eq 'O'Bryan''.")
        self.assertError(self.emu.get(q("accounts?$filter=name eq")), 400, "0x80060888")
        self.assertError(self.emu.get(q("accounts?$filter=nosuch eq 1")), 400, "0x80060888",
                         "Could not find a property named 'nosuch' on type 'Microsoft.Dynamics.CRM.account'.")

    def test_single_record(self):
        rows = self.emu.get("accounts?$select=name&$top=1").json["value"]
        rid = rows[0]["accountid"]
        r = self.emu.get("accounts(%s)?$select=name" % rid)
        self.assertEqual(r.status, 200)
        body = r.json
        self.assertEqual(body["@odata.context"], self.emu.org + "/api/data/v9.2/$metadata#accounts(name)/$entity")
        self.assertEqual(body["name"], rows[0]["name"])
        self.assertEqual(r.header("ETag"), body["@odata.etag"])
        missing = "00000000-0000-0000-0000-000000000001"
        self.assertError(self.emu.get("accounts(%s)" % missing), 404, "0x80040217",
                         "Entity 'account' With Id = %s Does Not Exist" % missing)
        # alternate key
        r = self.emu.get("accounts(accountnumber='A-000001')?$select=accountnumber")
        self.assertEqual(r.json["accountnumber"], "A-000001")
        self.assertError(self.emu.get("accounts(accountnumber='nope')"), 404, "0x80060891")
        # 304 with matching etag
        r2 = self.emu.get("accounts(%s)?$select=name" % rid, headers={"If-None-Match": body["@odata.etag"]})
        self.assertEqual(r2.status, 304)
        # single property
        r3 = self.emu.get("accounts(%s)/name" % rid)
        self.assertEqual(r3.json["value"], rows[0]["name"])


class TestPaging(EmuTestCase):
    ROWS = 1200

    def page_all(self, url, prefer):
        seen = []
        pages = 0
        r = self.emu.get(url, headers={"Prefer": prefer} if prefer else None)
        while True:
            self.assertEqual(r.status, 200, r.body)
            body = r.json
            pages += 1
            seen.extend(body["value"])
            link = body.get("@odata.nextLink")
            if not link:
                break
            self.assertTrue(link.startswith(self.emu.org + "/api/data/v9.2/"))
            self.assertIn("$skiptoken=%3Ccookie%20pagenumber=%22", link)
            r = self.emu.get(link[len(self.emu.org):], headers={"Prefer": prefer} if prefer else None)
        return seen, pages

    def test_paging_by_pk_no_duplicates(self):
        seen, pages = self.page_all("accounts?$select=name", "odata.maxpagesize=500")
        ids = [x["accountid"] for x in seen]
        self.assertEqual(len(ids), 1200)
        self.assertEqual(len(set(ids)), 1200)
        self.assertEqual(pages, 3)
        # SQL Server's uniqueidentifier order (test_guidorder.py), not the text order
        self.assertEqual(ids, sorted(ids, key=lambda g: bytes(uuid.UUID(g).bytes_le[i] for i in SQLGUID_ORDER)))

    def test_paging_with_orderby_and_filter(self):
        seen, pages = self.page_all(q("contacts?$select=lastname,firstname&$orderby=lastname desc,firstname&$filter=statecode eq 0"),
                                    "odata.maxpagesize=173")
        allrows = self.emu.get(q("contacts?$select=lastname,firstname&$orderby=lastname desc,firstname&$filter=statecode eq 0")).json["value"]
        self.assertEqual([x["contactid"] for x in seen], [x["contactid"] for x in allrows])
        self.assertGreater(pages, 3)

    def test_paging_orderby_nullable_column(self):
        url = q("accounts?$select=numberofemployees&$orderby=numberofemployees")
        seen, pages = self.page_all(url, "odata.maxpagesize=100")
        allrows = self.emu.get(url).json["value"]
        self.assertEqual(len(allrows), 1200)
        self.assertEqual([x["accountid"] for x in seen], [x["accountid"] for x in allrows])
        self.assertIsNone(seen[0]["numberofemployees"])  # NULLs first ascending

    def test_maxpagesize_preference_applied_and_clamp(self):
        r = self.emu.get("accounts?$select=name", headers={"Prefer": "odata.maxpagesize=7"})
        self.assertEqual(r.header("Preference-Applied"), "odata.maxpagesize=7")
        self.assertEqual(len(r.json["value"]), 7)
        r = self.emu.get("accounts?$select=name", headers={"Prefer": "odata.maxpagesize=9000"})
        self.assertIsNone(r.header("Preference-Applied"))
        self.assertEqual(len(r.json["value"]), 1200)

    def test_count_cap(self):
        r = self.emu.get("contacts?$select=fullname&$count=true",
                         headers={"Prefer": 'odata.maxpagesize=10,odata.include-annotations="*"'})
        self.assertEqual(r.json["@odata.count"], 1200)
        self.assertEqual(r.json["@Microsoft.Dynamics.CRM.totalrecordcount"], 1200)
        self.assertFalse(r.json["@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"])

    def test_bad_skiptoken(self):
        r = self.emu.get("accounts?$skiptoken=garbage")
        self.assertError(r, 400, "0x80060888")


class TestRequestLog(EmuTestCase):
    def test_log_records_and_redacts(self):
        e = self.emu
        e.token()
        n0 = len(e.log())
        e.token_request({"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET,
                         "scope": e.org + "/.default"})
        e.get("accounts?$select=name&$filter=name%20eq%20'x'")
        e.control("GET", "requests")  # control endpoints never logged
        log = e.log(n0)
        self.assertEqual(len(log), 2)
        tok, get = log
        self.assertEqual(tok["method"], "POST")
        self.assertEqual(tok["url"], "/%s/oauth2/v2.0/token" % TENANT)
        self.assertIn("client_secret=<redacted>", tok["body"])
        self.assertNotIn(SECRET, json.dumps(log))
        self.assertIn("client_id=" + CLIENT_ID, tok["body"])
        self.assertEqual(get["url"], "/api/data/v9.2/accounts?$select=name&$filter=name%20eq%20'x'")
        self.assertEqual(get["headers"]["authorization"], "Bearer <redacted>")
        self.assertEqual(get["status"], 200)
        self.assertIsNone(get["body"])
        # the file log has the same entries
        with open(e.log_file) as f:
            lines = [json.loads(x) for x in f]
        self.assertEqual(lines[-1], get)
