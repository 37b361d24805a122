"""dvemu $filter tests: comparison/logical operators, null, literals (GUID, dates, quotes),
case-insensitive strings, contains/startswith/endswith with LIKE wildcards, lookup paths,
lambdas, Microsoft.Dynamics.CRM query functions, parameter aliases, single-valued $expand,
and the parse/type error texts.

Sources pinned here: spec section 4, filter-rows and query-functions docs (see odata_filter.py).
The expected rows are computed in Python from an unfiltered read of the same data.
"""

import urllib.parse

from emu_helper import EmuTestCase


def q(s):
    return urllib.parse.quote(s, safe="$=&,()'/:*@?")


class TestFilter(EmuTestCase):
    ROWS = 200

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accounts = cls.emu.get("accounts?$select=name,revenue,industrycode,createdon,_primarycontactid_value,"
                                   "numberofemployees,address1_city,statecode,creditonhold").json["value"]
        cls.contacts = cls.emu.get("contacts?$select=firstname,lastname,birthdate,_parentcustomerid_value").json["value"]

    def ids(self, url, key="accountid"):
        r = self.emu.get(q(url))
        self.assertEqual(r.status, 200, r.body)
        return sorted(x[key] for x in r.json["value"])

    def expect(self, url, pred, rows=None, key="accountid"):
        rows = self.accounts if rows is None else rows
        want = sorted(x[key] for x in rows if pred(x))
        self.assertEqual(self.ids(url, key), want, url)
        return want

    def test_long_or_and_and_chains(self):
        # hundreds of terms, as a driver sends a long IN list (the service takes them)
        ids = [x["accountid"] for x in self.accounts][:190]
        got = self.ids("accounts?$select=accountid&$filter=" + " or ".join("accountid eq %s" % i for i in ids))
        self.assertEqual(got, sorted(ids))
        cond = " and ".join("name ne 'no such name %d'" % n for n in range(300))
        self.expect("accounts?$select=accountid&$filter=" + cond, lambda x: True)

    def test_comparisons_and_logic(self):
        self.assertTrue(self.expect("accounts?$select=name&$filter=revenue gt 50000000",
                                    lambda x: x["revenue"] is not None and x["revenue"] > 50000000))
        self.expect("accounts?$filter=revenue le 50000000 and industrycode eq 7",
                    lambda x: x["revenue"] is not None and x["revenue"] <= 50000000 and x["industrycode"] == 7)
        self.expect("accounts?$filter=(industrycode eq 1 or industrycode eq 2) and not (statecode eq 1)",
                    lambda x: x["industrycode"] in (1, 2) and x["statecode"] != 1)
        self.expect("accounts?$filter=numberofemployees eq null", lambda x: x["numberofemployees"] is None)
        self.expect("accounts?$filter=numberofemployees ne null", lambda x: x["numberofemployees"] is not None)
        self.expect("accounts?$filter=creditonhold eq true", lambda x: x["creditonhold"] is True)
        self.expect("accounts?$filter=createdon ge 2022-01-01", lambda x: x["createdon"] >= "2022-01-01T00:00:00Z")
        self.expect("accounts?$filter=createdon lt 2021-06-01T12:00:00Z", lambda x: x["createdon"] < "2021-06-01T12:00:00Z")

    def test_guid_and_lookup(self):
        cid = next(x["_primarycontactid_value"] for x in self.accounts if x["_primarycontactid_value"])
        self.expect("accounts?$filter=_primarycontactid_value eq %s" % cid.upper(),
                    lambda x: x["_primarycontactid_value"] == cid)
        self.assertError(self.emu.get(q("accounts?$filter=_primarycontactid_value eq '%s'" % cid)), 400, "0x80060888",
                         "A binary operator with incompatible types was detected. Found operand types 'Edm.Guid' and "
                         "'Edm.String' for operator kind 'Equal'.")
        self.assertError(self.emu.get(q("accounts?$filter=accountid eq guid'%s'" % cid)), 400, "0x80060888")

    def test_strings_case_insensitive_and_like(self):
        name = self.accounts[0]["name"]
        self.expect("accounts?$filter=name eq '%s'" % name.upper().replace("'", "''"), lambda x: x["name"].lower() == name.lower())
        self.expect("accounts?$filter=contains(name,'works')", lambda x: "works" in x["name"].lower())
        self.expect("accounts?$filter=startswith(name,'CONTOSO')", lambda x: x["name"].lower().startswith("contoso"))
        self.expect("accounts?$filter=endswith(name,' 1')", lambda x: x["name"].endswith(" 1"))
        self.expect("accounts?$filter=not contains(name,'a')", lambda x: "a" not in x["name"].lower())
        # LIKE wildcards inside the functions (spec section 4)
        import re
        self.expect("accounts?$filter=startswith(name,'C_n')", lambda x: re.match(r"(?i)c.n", x["name"]) is not None)
        self.expect("accounts?$filter=startswith(name,'[cf]o')", lambda x: re.match(r"(?i)[cf]o", x["name"]) is not None)
        self.expect("accounts?$filter=contains(name,'%')", lambda x: True)
        # quotes doubled
        self.expect("contacts?$filter=lastname eq 'O''Brien'", lambda x: x["lastname"] == "O'Brien",
                    self.contacts, "contactid")

    def test_lookup_path_and_lambda(self):
        contacts = {c["contactid"]: c for c in self.contacts}
        self.expect("accounts?$filter=primarycontactid/lastname eq 'Smith'",
                    lambda x: x["_primarycontactid_value"] and contacts.get(x["_primarycontactid_value"], {}).get("lastname") == "Smith")
        parents = set(c["_parentcustomerid_value"] for c in self.contacts if c["firstname"] == "James")
        self.expect("accounts?$filter=contact_customer_accounts/any(c:c/firstname eq 'James')",
                    lambda x: x["accountid"] in parents)

    def test_dataverse_functions(self):
        self.expect("accounts?$filter=Microsoft.Dynamics.CRM.In(PropertyName='industrycode',PropertyValues=[\"1\",\"2\",\"3\"])",
                    lambda x: x["industrycode"] in (1, 2, 3))
        self.expect("accounts?$filter=Microsoft.Dynamics.CRM.NotIn(PropertyName='industrycode',PropertyValues=[\"1\",\"2\"])",
                    lambda x: x["industrycode"] is not None and x["industrycode"] not in (1, 2))
        self.expect("accounts?$filter=Microsoft.Dynamics.CRM.Between(PropertyName='numberofemployees',PropertyValues=[\"100\",\"20000\"])",
                    lambda x: x["numberofemployees"] is not None and 100 <= x["numberofemployees"] <= 20000)
        d = self.accounts[0]["createdon"][:10]
        self.expect("accounts?$filter=Microsoft.Dynamics.CRM.On(PropertyName='createdon',PropertyValue='%s')" % d,
                    lambda x: x["createdon"][:10] == d)
        self.expect("accounts?$filter=Microsoft.Dynamics.CRM.OnOrAfter(PropertyName='createdon',PropertyValue='%s')" % d,
                    lambda x: x["createdon"][:10] >= d)
        self.expect("accounts?$filter=Microsoft.Dynamics.CRM.OnOrBefore(PropertyName='createdon',PropertyValue='%s')" % d,
                    lambda x: x["createdon"][:10] <= d)
        who = self.emu.get("WhoAmI").json["UserId"]
        self.assertEqual(self.ids("accounts?$filter=Microsoft.Dynamics.CRM.EqualUserId(PropertyName='ownerid')"), [])
        r = self.emu.get(q("systemusers?$filter=Microsoft.Dynamics.CRM.EqualUserId(PropertyName='systemuserid')"))
        self.assertEqual([x["systemuserid"] for x in r.json["value"]], [who])
        self.assertError(self.emu.get(q("accounts?$filter=Microsoft.Dynamics.CRM.Nope(PropertyName='name')")), 400, "0x80060888")

    def test_aliases(self):
        self.expect("accounts?$filter=industrycode eq @p1&@p1=5", lambda x: x["industrycode"] == 5)
        self.expect("accounts?$filter=industrycode eq @unset", lambda x: x["industrycode"] is None)

    def test_expand_single_valued(self):
        r = self.emu.get(q("accounts?$select=name&$expand=primarycontactid($select=fullname)&$top=20"))
        body = r.json
        self.assertTrue(body["@odata.context"].endswith("#accounts(name,primarycontactid(fullname))"))
        seen_null = seen_obj = False
        for row in body["value"]:
            pc = row["primarycontactid"]
            if pc is None:
                seen_null = True
            else:
                seen_obj = True
                self.assertEqual(set(pc), {"@odata.etag", "fullname", "contactid"})
        self.assertTrue(seen_obj)
        self.assertError(self.emu.get(q("accounts?$expand=primarycontactid($top=1)")), 400, "0x80060888")


class TestCollation(EmuTestCase):
    """Text compares as the service's collation does (collation.py): case- and accent-
    insensitive with full Unicode folding, trailing blanks ignored by eq/ne/lt/gt and $orderby
    but not by contains/startswith/endswith (SQL Server LIKE on nvarchar).
    Source: https://learn.microsoft.com/power-platform/admin/language-collations (English,
    the default, is _CI_AI) and .../sql/t-sql/language-elements/string-comparison-assignment."""
    ROWS = 10
    NAMES = [("élan", "Zürich"), ("ÉLAN", "ZÜRICH"), ("Elan", "Zurich"), ("elan  ", "zurich "),
             ("Ecole", "São Paulo"), ("ÉCOLE", "SAO PAULO"), ("Œuvre", "Łódź"), ("oeuvre", "Lodz"),
             ("ΑΘΗΝΑ", "Αθήνα"), ("МОСКВА", "москва"), ("a_b", "x"), ("a+b", "x")]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ids_by_name = {}
        for name, city in cls.NAMES:
            r = cls.emu.send("POST", "accounts", {"name": name, "address1_city": city},
                             {"Prefer": "return=representation"})
            assert r.status in (201, 204), r.body
        rows = cls.emu.get("accounts?$select=name,address1_city").json["value"]
        cls.rows = [x for x in rows if (x["name"], x["address1_city"]) in cls.NAMES]
        assert len(cls.rows) == len(cls.NAMES)

    @staticmethod
    def key(s):
        import unicodedata
        s = unicodedata.normalize("NFD", s)
        s = "".join(c for c in s if not unicodedata.combining(c))
        return s.lower().rstrip(" ")

    def names(self, flt):
        r = self.emu.get(q("accounts?$select=name&$filter=" + flt))
        self.assertEqual(r.status, 200, r.body)
        return sorted(x["name"] for x in r.json["value"] if (x["name"],) in [(n,) for n, _ in self.NAMES])

    def want(self, pred):
        return sorted(x["name"] for x in self.rows if pred(x))

    def test_eq_ne_ignore_case_accents_and_trailing_blanks(self):
        for lit in ("elan", "ÉLAN", "élan", "Elan   "):
            self.assertEqual(self.names("name eq '%s'" % lit), ["Elan", "elan  ", "ÉLAN", "élan"], lit)
            self.assertEqual(self.names("name ne '%s'" % lit),
                             self.want(lambda x: self.key(x["name"]) != "elan"), lit)
        self.assertEqual(self.names("address1_city eq 'zurich'"), ["Elan", "elan  ", "ÉLAN", "élan"])
        self.assertEqual(self.names("address1_city eq 'sao paulo'"), ["Ecole", "ÉCOLE"])
        self.assertEqual(self.names("name eq 'αθηνα'"), ["ΑΘΗΝΑ"])
        self.assertEqual(self.names("address1_city eq 'МОСКВА'"), ["МОСКВА"])
        # no canonical decomposition: Œ is not O + E, Ł is not L (documented limit)
        self.assertEqual(self.names("name eq 'oeuvre'"), ["oeuvre"])
        self.assertEqual(self.names("address1_city eq 'lodz'"), ["oeuvre"])

    def test_ranges(self):
        self.assertEqual(self.names("name ge 'e' and name lt 'f'"),
                         self.want(lambda x: "e" <= self.key(x["name"]) < "f"))
        self.assertEqual(self.names("name gt 'elan'"),
                         self.want(lambda x: self.key(x["name"]) > "elan"))

    def test_string_functions(self):
        self.assertEqual(self.names("startswith(name,'EL')"), ["Elan", "elan  ", "ÉLAN", "élan"])
        self.assertEqual(self.names("endswith(name,'LÁN')"), ["Elan", "ÉLAN", "élan"])  # blanks count
        self.assertEqual(self.names("contains(address1_city,'ÜRI')"), ["Elan", "elan  ", "ÉLAN", "élan"])
        self.assertEqual(self.names("contains(address1_city,'ã')"), ["Ecole", "ÉCOLE"])
        self.assertEqual(self.names("contains(name,'a[_]b')"), ["a_b"])
        self.assertEqual(self.names("contains(name,'a_b')"), ["a+b", "a_b"])

    def test_in_function(self):
        self.assertEqual(self.names("Microsoft.Dynamics.CRM.In(PropertyName='name',"
                                    "PropertyValues=[\"ELAN\",\"ecole\"])"),
                         ["Ecole", "Elan", "elan  ", "ÉCOLE", "ÉLAN", "élan"])

    def test_orderby_and_paging(self):
        ids = {x["accountid"] for x in self.rows}
        url = q("accounts?$select=name&$orderby=name desc")
        got = []
        while url:
            r = self.emu.get(url, {"Prefer": "odata.maxpagesize=3"})
            self.assertEqual(r.status, 200, r.body)
            got += [(x["name"], x["accountid"]) for x in r.json["value"] if x["accountid"] in ids]
            url = r.json.get("@odata.nextLink")
            if url:
                url = url[url.index("/api/data/"):]
        want = sorted(((x["name"], x["accountid"]) for x in self.rows),
                      key=lambda t: (self.key(t[0]), t[1]))
        # descending by name, ascending by the primary key among equal names
        want = sorted(want, key=lambda t: self.key(t[0]), reverse=True)
        self.assertEqual([self.key(n) for n, _ in got], [self.key(n) for n, _ in want])
        self.assertEqual(len({i for _, i in got}), len(self.rows), "every row once across pages")
