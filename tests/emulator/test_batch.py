"""dvemu $batch tests: exact multipart responses (GUIDs normalized), change set atomicity,
Content-ID references, stop-on-error vs continue-on-error, the parser's tolerance (quoted and
unquoted boundaries, LF-only lines, absolute URL / absolute path / relative targets) and the
1000-request limit. Source: spec section 9 and
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api
"""

import json
import re

from emu_helper import EmuTestCase

GUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def norm(text, org):
    """Replace GUIDs by <g1>, <g2>... in order of first appearance, and the ORG URL by ORG."""
    seen = {}

    def sub(m):
        g = m.group(0)
        if g not in seen:
            seen[g] = "<g%d>" % (len(seen) + 1)
        return seen[g]
    return re.sub(GUID, sub, text.replace(org, "ORG"))


def part(method, url, body=None, cid=None, headers=(), nl="\r\n"):
    lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if cid is not None:
        lines.append("Content-ID: %s" % cid)
    lines += ["", "%s %s HTTP/1.1" % (method, url)]
    if body is not None:
        lines.append("Content-Type: application/json; type=entry")
    lines += list(headers)
    lines.append("")
    if body is not None:
        lines.append(json.dumps(body))
    return nl.join(lines) + nl


def batch_body(items, boundary="batch_AAA", nl="\r\n"):
    out = []
    for it in items:
        if isinstance(it, list):  # a change set
            out.append("--%s%sContent-Type: multipart/mixed; boundary=changeset_BBB%s%s" % (boundary, nl, nl, nl))
            for p in it:
                out.append("--changeset_BBB" + nl + p)
            out.append("--changeset_BBB--" + nl)
        else:
            out.append("--%s%s%s" % (boundary, nl, it))
    out.append("--%s--%s" % (boundary, nl))
    return "".join(out)


class TestBatch(EmuTestCase):

    def post_batch(self, body, prefer=None, ctype='multipart/mixed; boundary="batch_AAA"'):
        h = {"Content-Type": ctype}
        if prefer:
            h["Prefer"] = prefer
        return self.emu.send("POST", "$batch", body.encode("utf-8"), h)

    def count(self, flt):
        r = self.emu.get("contacts?$select=lastname&$filter=" + flt.replace(" ", "%20"))
        return len(r.json["value"])

    def test_get_and_create_exact(self):
        api = self.emu.api
        body = batch_body([
            part("GET", api + "transactioncurrencies?$select=isocurrencycode&$filter=isocurrencycode%20eq%20'USD'",
                 headers=["Accept: application/json"]),
            [part("POST", self.emu.org + api + "contacts", {"lastname": "Batch1"}, cid=1),
             part("POST", "contacts", {"lastname": "Batch2", "parentcustomerid_contact@odata.bind": "$1"}, cid=2)],
        ])
        r = self.post_batch(body)
        self.assertEqual(r.status, 200, r.body)
        ct = r.header("Content-Type")
        self.assertRegex(ct, r"^multipart/mixed; boundary=batchresponse_%s$" % GUID)
        text = norm(r.text, self.emu.org)
        expected = (
            "--batchresponse_<g1>\r\n"
            "Content-Type: application/http\r\n"
            "Content-Transfer-Encoding: binary\r\n"
            "\r\n"
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: application/json; odata.metadata=minimal; odata.streaming=true\r\n"
            "OData-Version: 4.0\r\n"
            "\r\n"
            '{"@odata.context":"ORG/api/data/v9.2/$metadata#transactioncurrencies(isocurrencycode)",'
            '"value":[{"@odata.etag":"W/\\"1000010\\"","isocurrencycode":"USD","transactioncurrencyid":"<g2>"}]}\r\n'
            "--batchresponse_<g1>\r\n"
            "Content-Type: multipart/mixed; boundary=changesetresponse_<g3>\r\n"
            "\r\n"
            "--changesetresponse_<g3>\r\n"
            "Content-Type: application/http\r\n"
            "Content-Transfer-Encoding: binary\r\n"
            "Content-ID: 1\r\n"
            "\r\n"
            "HTTP/1.1 204 No Content\r\n"
            "OData-Version: 4.0\r\n"
            "Location: ORG/api/data/v9.2/contacts(<g4>)\r\n"
            "OData-EntityId: ORG/api/data/v9.2/contacts(<g4>)\r\n"
            "\r\n"
            "\r\n"
            "--changesetresponse_<g3>\r\n"
            "Content-Type: application/http\r\n"
            "Content-Transfer-Encoding: binary\r\n"
            "Content-ID: 2\r\n"
            "\r\n"
            "HTTP/1.1 204 No Content\r\n"
            "OData-Version: 4.0\r\n"
            "Location: ORG/api/data/v9.2/contacts(<g5>)\r\n"
            "OData-EntityId: ORG/api/data/v9.2/contacts(<g5>)\r\n"
            "\r\n"
            "\r\n"
            "--changesetresponse_<g3>--\r\n"
            "--batchresponse_<g1>--\r\n")
        self.assertEqual(text, expected)
        # $1 in @odata.bind pointed the second contact at the first
        ids = re.findall(r"contacts\((%s)\)" % GUID, r.text)
        got = self.emu.get("contacts(%s)?$select=_parentcustomerid_value" % ids[2]).json
        self.assertEqual(got["_parentcustomerid_value"], ids[0])

    def test_changeset_rolls_back_and_stop_on_error(self):
        body = batch_body([
            part("POST", "/api/data/v9.2/contacts", {"lastname": "KeepMe"}),
            [part("POST", "contacts", {"lastname": "RollMeBack"}, cid=1),
             part("POST", "contacts", {"lastname": "x" * 60}, cid=2)],
            part("POST", "contacts", {"lastname": "NeverRun"}),
        ], nl="\n")  # LF-only lines are accepted
        r = self.post_batch(body, ctype="multipart/mixed; boundary=batch_AAA")  # unquoted boundary
        self.assertEqual(r.status, 400, r.body)
        text = norm(r.text, self.emu.org)
        expected = (
            "--batchresponse_<g1>\r\n"
            "Content-Type: application/http\r\n"
            "Content-Transfer-Encoding: binary\r\n"
            "\r\n"
            "HTTP/1.1 204 No Content\r\n"
            "OData-Version: 4.0\r\n"
            "Location: ORG/api/data/v9.2/contacts(<g2>)\r\n"
            "OData-EntityId: ORG/api/data/v9.2/contacts(<g2>)\r\n"
            "\r\n"
            "\r\n"
            "--batchresponse_<g1>\r\n"
            "Content-Type: multipart/mixed; boundary=changesetresponse_<g3>\r\n"
            "\r\n"
            "--changesetresponse_<g3>\r\n"
            "Content-Type: application/http\r\n"
            "Content-Transfer-Encoding: binary\r\n"
            "Content-ID: 2\r\n"
            "\r\n"
            "HTTP/1.1 400 Bad Request\r\n"
            "REQ_ID: <g4>\r\n"
            "Content-Type: application/json; odata.metadata=minimal\r\n"
            "OData-Version: 4.0\r\n"
            "\r\n"
            '{"error":{"code":"0x80044331","message":"A validation error occurred.  The length of the '
            "'lastname' attribute of the 'contact' entity exceeded the maximum allowed length of '50'.\"}}\r\n"
            "--changesetresponse_<g3>--\r\n"
            "--batchresponse_<g1>--\r\n")
        self.assertEqual(text, expected)
        self.assertEqual(self.count("lastname eq 'KeepMe'"), 1)       # earlier part kept
        self.assertEqual(self.count("lastname eq 'RollMeBack'"), 0)   # change set rolled back
        self.assertEqual(self.count("lastname eq 'NeverRun'"), 0)     # stopped at the failure

    def test_continue_on_error(self):
        missing = "aaaaaaaa-0000-4000-8000-0000000000ee"
        body = batch_body([
            part("PATCH", "contacts(%s)" % missing, {"lastname": "Nope"}, headers=["If-Match: *"]),
            [part("POST", "contacts", {"lastname": "CsA"}, cid=1),
             part("PATCH", "$1", {"firstname": "Patched"}, cid=2)],
            part("POST", self.emu.org + "/api/data/v9.2/contacts", {"lastname": "AfterFailure"}),
        ])
        r = self.post_batch(body, prefer="odata.continue-on-error")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.header("Preference-Applied"), "odata.continue-on-error")
        statuses = re.findall(r"^HTTP/1.1 (\d+)", r.text, re.M)
        self.assertEqual(statuses, ["404", "204", "204", "204"])
        self.assertIn('"code":"0x80040217"', r.text)
        self.assertIn("REQ_ID: ", r.text)
        self.assertEqual(self.count("lastname eq 'CsA' and firstname eq 'Patched'"), 1)  # PATCH $1 worked
        self.assertEqual(self.count("lastname eq 'AfterFailure'"), 1)

    def test_content_id_errors(self):
        # forward reference
        body = batch_body([[part("PATCH", "$2", {"firstname": "x"}, cid=1),
                            part("POST", "contacts", {"lastname": "Fwd"}, cid=2)]])
        r = self.post_batch(body)
        self.assertEqual(r.status, 400)
        self.assertIn("Content-ID: 1\r\n", r.text)
        self.assertIn('{"error":{"code":"0x80060888","message":"Content-ID Reference: \'$2\' does not exist in '
                      'the batch context."}}', r.text)
        self.assertEqual(self.count("lastname eq 'Fwd'"), 0)
        # missing Content-ID inside a change set
        body = batch_body([[part("POST", "contacts", {"lastname": "NoCid"})]])
        r = self.post_batch(body)
        self.assertEqual(r.status, 400)
        self.assertIn('"message":"Content-ID header not present"', r.text)
        self.assertEqual(self.count("lastname eq 'NoCid'"), 0)

    def test_limits_and_bad_requests(self):
        body = batch_body([part("GET", "WhoAmI")] * 1001)
        r = self.post_batch(body)
        self.assertError(r, 400, "0x80060888",
                         "The current batch message contains too many parts. Only batch messages with a maximum "
                         "number of '1000' query operations, including changeset operations, are allowed.")
        r = self.post_batch(batch_body([part("GET", "WhoAmI")]), ctype="application/json")
        self.assertEqual(r.status, 400)
        # 1000 GETs are fine (a batch counts as one request for service protection)
        r = self.post_batch(batch_body([part("GET", "WhoAmI")] * 1000))
        self.assertEqual(r.status, 200)
        self.assertEqual(r.text.count("HTTP/1.1 200 OK"), 1000)
        # GET inside a change set is refused
        r = self.post_batch(batch_body([[part("GET", "contacts?$top=1", cid=1)]]))
        self.assertEqual(r.status, 400)
        self.assertIn("HTTP/1.1 400 Bad Request", r.text)

    def test_associate_in_batch(self):
        # $ref parts: plain (continue-on-error) and in a change set that rolls back
        api = self.emu.api
        users = [u["systemuserid"] for u in self.emu.get("systemusers?$select=fullname").json["value"]]
        roles = [r["roleid"] for r in self.emu.get("roles?$select=name").json["value"]]
        have = set((x["systemuserid"], x["roleid"]) for x in
                   self.emu.get("systemuserrolescollection?$select=systemuserid,roleid").json["value"])
        free = [(u, r) for u in users for r in roles if (u, r) not in have][:2]
        (u1, r1), (u2, r2) = free

        def assoc(u, r, cid=None):
            return part("POST", api + "systemusers(%s)/systemuserroles_association/$ref" % u,
                        {"@odata.id": "%sroles(%s)" % (api, r)}, cid=cid)

        def stored(u, r):
            flt = "systemuserid%%20eq%%20%s%%20and%%20roleid%%20eq%%20%s" % (u, r)
            return len(self.emu.get("systemuserrolescollection?$select=roleid&$filter=" + flt).json["value"])

        missing = "aaaaaaaa-0000-4000-8000-0000000000fd"
        r = self.post_batch(batch_body([assoc(u1, r1), assoc(u1, missing)]), prefer="odata.continue-on-error")
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(re.findall(r"HTTP/1\.1 (\d+)", r.text), ["204", "404"])
        self.assertEqual(stored(u1, r1), 1)
        r = self.post_batch(batch_body([[assoc(u2, r2, cid=1), assoc(u2, missing, cid=2)]]))
        self.assertEqual(r.status, 400, r.text)
        self.assertEqual(stored(u2, r2), 0)  # rolled back with the change set
        r = self.post_batch(batch_body([part("DELETE", api + "systemusers(%s)/systemuserroles_association(%s)/$ref"
                                             % (u1, r1))]))
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(stored(u1, r1), 0)
