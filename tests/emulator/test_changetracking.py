"""dvemu change tracking tests: the first delta query (all rows, paged, deltaLink with a
'<version>!<date>' token), a delta link after creates, updates and deletes (through plain
requests and $batch), the $deletedEntity entries, an empty delta, expired tokens
(0x80044352), refused query options and entities without change tracking.
Source: https://learn.microsoft.com/power-apps/developer/data-platform/use-change-tracking-synchronize-data-external-systems
"""

import json
import re
import urllib.parse

from emu_helper import EmuTestCase

TRACK = {"Prefer": "odata.track-changes"}


class TestChangeTracking(EmuTestCase):
    ROWS = 60

    def setUp(self):
        self.emu.control("POST", "reset")

    def read_all(self, url, headers):
        """Follows nextLinks; -> (rows, deltaLink, contexts)."""
        rows, ctxs, delta = [], [], None
        while url:
            r = self.emu.get(url, headers=headers)
            self.assertEqual(r.status, 200, r.body)
            body = r.json
            ctxs.append(body["@odata.context"])
            rows.extend(body["value"])
            delta = body.get("@odata.deltaLink", delta)
            nxt = body.get("@odata.nextLink")
            if nxt:
                self.assertNotIn("@odata.deltaLink", body)  # the delta link comes on the last page
            url = nxt[nxt.index("/api/data/"):] if nxt else None
        return rows, delta, ctxs

    def rel(self, link):
        return link[link.index("/api/data/"):]

    def send(self, method, path, body=None, headers=None):
        data = json.dumps(body).encode() if body is not None else None
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        return self.emu.send(method, path, data, h)

    def test_first_read_then_changes_then_nothing(self):
        n = self.emu.get("accounts/$count").text
        r = self.emu.get("accounts?$select=name,telephone1", headers=TRACK)
        self.assertEqual(r.status, 200, r.body)
        self.assertIn("odata.track-changes", r.header_all("Preference-Applied"))
        body = r.json
        self.assertEqual(body["@odata.context"], self.emu.org + "/api/data/v9.2/$metadata#accounts(name,telephone1)")
        self.assertEqual(len(body["value"]), int(n))
        link = body["@odata.deltaLink"]
        m = re.fullmatch(re.escape(self.emu.org) + r"/api/data/v9\.2/accounts\?\$select=name,telephone1&"
                         r"\$deltatoken=(\d+)%21(\d\d)%2f(\d\d)%2f(\d{4})%20(\d\d)%3a(\d\d)%3a(\d\d)", link)
        self.assertIsNotNone(m, link)
        ids = [row["accountid"] for row in body["value"]]
        # changes: one create, one update, one delete (plain requests), one delete in a change set
        r = self.send("POST", "accounts", {"name": "CT new"})
        self.assertEqual(r.status, 204, r.body)
        new_id = re.search(r"\(([0-9a-f-]{36})\)", r.header("OData-EntityId")).group(1)
        r = self.send("PATCH", "accounts(%s)" % ids[3], {"telephone1": "555-0199"}, {"If-Match": "*"})
        self.assertEqual(r.status, 204, r.body)
        r = self.send("DELETE", "accounts(%s)" % ids[5])
        self.assertEqual(r.status, 204, r.body)
        batch = ("--batch_1\r\nContent-Type: multipart/mixed; boundary=changeset_1\r\n\r\n"
                 "--changeset_1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n"
                 "Content-ID: 1\r\n\r\nDELETE %saccounts(%s) HTTP/1.1\r\n\r\n\r\n--changeset_1--\r\n--batch_1--\r\n"
                 % (self.emu.api, ids[7]))
        r = self.emu.send("POST", "$batch", batch.encode(),
                          {"Content-Type": "multipart/mixed; boundary=batch_1"})
        self.assertEqual(r.status, 200, r.body)
        # a contact change is not an account change
        c = self.emu.get("contacts?$select=fullname&$top=1").json["value"][0]
        self.send("PATCH", "contacts(%s)" % c["contactid"], {"firstname": "X"}, {"If-Match": "*"})
        rows, link2, ctxs = self.read_all(self.rel(link), {})
        self.assertEqual(ctxs, [self.emu.org + "/api/data/v9.2/$metadata#accounts(name,telephone1)/$delta"])
        self.assertEqual(len(rows), 4, rows)
        # new and updated rows by version (the create came first), then the deletions
        self.assertEqual(rows[0]["accountid"], new_id)
        self.assertEqual(rows[0]["name"], "CT new")
        self.assertEqual(rows[1]["accountid"], ids[3])
        self.assertEqual(rows[1]["telephone1"], "555-0199")
        dctx = self.emu.org + "/api/data/v9.2/$metadata#accounts/$deletedEntity"
        self.assertEqual(rows[2], {"@odata.context": dctx, "id": ids[5], "reason": "deleted"})
        self.assertEqual(rows[3], {"@odata.context": dctx, "id": ids[7], "reason": "deleted"})
        self.assertNotEqual(link2, link)
        # nothing changed since: an empty value and a delta link again
        rows, link3, _ = self.read_all(self.rel(link2), {})
        self.assertEqual(rows, [])
        self.assertIsNotNone(link3)

    def test_paged_first_read_and_delta(self):
        prefer = {"Prefer": "odata.track-changes,odata.maxpagesize=25"}
        rows, link, ctxs = self.read_all("accounts?$select=name", prefer)
        self.assertEqual(len(ctxs), 3)  # 60 rows in pages of 25
        self.assertEqual(len(rows), 60)
        self.assertEqual(len(set(r["accountid"] for r in rows)), 60)
        ids = [r["accountid"] for r in rows]
        for i in range(30):
            self.send("PATCH", "accounts(%s)" % ids[i], {"name": "renamed %d" % i}, {"If-Match": "*"})
        rows, link2, ctxs = self.read_all(self.rel(link), {"Prefer": "odata.maxpagesize=25"})
        self.assertEqual(len(ctxs), 2)
        self.assertEqual([r["name"] for r in rows], ["renamed %d" % i for i in range(30)])

    def test_change_during_paging_comes_next_time(self):
        prefer = {"Prefer": "odata.track-changes,odata.maxpagesize=50"}
        r = self.emu.get("accounts?$select=name", headers=prefer).json
        first = r["value"][0]["accountid"]
        self.send("PATCH", "accounts(%s)" % first, {"name": "during"}, {"If-Match": "*"})
        rest, link, _ = self.read_all(self.rel(r["@odata.nextLink"]), prefer)
        rows, _, _ = self.read_all(self.rel(link), {})
        self.assertEqual([(x["accountid"], x["name"]) for x in rows], [(first, "during")])

    def test_expired_token(self):
        r = self.emu.get("accounts?$select=name", headers=TRACK).json
        link = self.rel(r["@odata.deltaLink"])
        self.emu.control("POST", "clock", {"now": "2030-01-01T00:00:00Z"})
        try:
            r = self.emu.get(link)
            self.assertError(r, 400, "0x80044352",
                             "Version stamp associated with the client has expired. Please perform a full sync.")
            # the age is configurable (ExpireChangeTrackingInDays)
            self.emu.control("POST", "config", {"change_tracking_days": 100000})
            self.assertEqual(self.emu.get(link).status, 200)
        finally:
            self.emu.control("POST", "clock", {"now": None})
        r = self.emu.get("accounts?$select=name&$deltatoken=" + urllib.parse.quote("garbage"))
        self.assertError(r, 400, "0x80060888")

    def test_refusals(self):
        for opt in ("$filter=statecode eq 0", "$orderby=name", "$top=5", "$expand=primarycontactid($select=fullname)"):
            name, _, val = opt.partition("=")
            r = self.emu.get("accounts?$select=name&%s=%s" % (name, urllib.parse.quote(val)), headers=TRACK)
            self.assertError(r, 400, "0x80060888",
                             'The "%s" query parameter isn\'t supported when Change Tracking is enabled.' % name)
        # businessunit has ChangeTrackingEnabled false in the metadata
        md = self.emu.get("EntityDefinitions(LogicalName='businessunit')?$select=ChangeTrackingEnabled").json
        self.assertIs(md["ChangeTrackingEnabled"], False)
        r = self.emu.get("businessunits?$select=name", headers=TRACK)
        self.assertEqual(r.status, 400, r.body)
        self.assertIn("ChangeTrackingEnabled", r.json["error"]["message"])
        # an ordinary read is unaffected
        r = self.emu.get("accounts?$select=name&$top=2")
        self.assertNotIn("@odata.deltaLink", r.json)


if __name__ == "__main__":
    import unittest
    unittest.main()
