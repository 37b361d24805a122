"""dvemu data store: SQLite tables from the schema model and deterministic sample data.

Owns: the DDL (one table per entity, one column per stored attribute), the word lists,
and the data generator. Rows are produced by one INSERT ... SELECT per entity over a
recursive CTE, with pseudo-random values computed by integer arithmetic on the row
number and the seed, without Python loops (--rows 1000000: ~90 CPU-seconds over the worker
processes, see README "Data generation"), and the same (--seed, --rows) always gives
byte-identical data (GUIDs, names, versions).

Storage conventions (read by rowjson.py / odata_filter.py / writes.py):
  text kinds      TEXT COLLATE NOCASE   (case-insensitive like SQL Server's collation;
                  source: spec section 4 "String comparisons are case-insensitive")
  guid/pk/lookup  TEXT, lowercase with hyphens
  datetime        TEXT 'YYYY-MM-DDTHH:MM:SSZ' (UTC; sorts as text);  date: 'YYYY-MM-DD'
  int kinds, bool INTEGER;   decimal/money/double REAL
  polymorphic lookups keep their target entity in the <x>type column (owneridtype...)
"""

import datetime as _dt
import multiprocessing
import os
import sqlite3
import tempfile

from . import schema as S

WORDS = {
    "first": ["James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda",
              "William", "Elizabeth", "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica",
              "Thomas", "Sarah", "Charles", "Karen", "Yvonne", "Susanna", "Nancy", "Daniel",
              "Lisa", "Matthew", "Betty", "Anthony", "Margaret", "Mark", "Sandra", "Donald",
              "Ashley", "Steven", "Kimberly", "Paul", "Emily", "Andrew", "Donna", "Joshua",
              "Michelle", "Kenneth", "Dorothy", "Kevin", "Carol", "Brian", "Amanda", "George",
              "Melissa", "José", "Zoë", "Øyvind", "François", "Siobhán", "Björn", "Renée",
              "Ngozi", "Hiroshi", "Mei", "Aarav", "Fatima", "Olga", "Lars", "Ana"],
    "last": ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
             "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson",
             "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson",
             "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker",
             "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
             "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell",
             "O'Brien", "McKay", "Stubberød", "Müller", "Dubois", "Kowalski", "Yamada",
             "Ivanova", "Rossi", "Andersson", "Papadopoulos", "Novák", "Silva", "Kim",
             "Singh", "O'Neil"],
    "company": ["Contoso", "Fabrikam", "Adventure Works", "Litware", "Northwind", "Tailspin",
                "Wide World", "Coho", "Alpine Ski", "Blue Yonder", "City Power", "Fourth Coffee",
                "Graphic Design", "Humongous", "Lucerne", "Margie's Travel", "Proseware",
                "School of Fine Art", "Southridge", "Trey Research", "Wingtip", "Woodgrove",
                "VanArsdel", "Relecloud", "Munson's Pickles", "Consolidated Messenger",
                "Datum", "Best For You", "Lamna", "Bellows", "Nod Publishers", "Tasmanian"],
    "suffix": ["Ltd", "Inc", "Corporation", "Group", "Holdings", "Partners", "LLC", "GmbH",
               "S.A.", "Pty Ltd", "Co", "Traders", "Systems", "Industries", "Labs", "AG"],
    "city": ["Redmond", "Seattle", "Boston", "Chicago", "Dallas", "Denver", "Atlanta",
             "Portland", "Toronto", "Vancouver", "London", "Paris", "Berlin", "Madrid", "Rome",
             "Oslo", "Stockholm", "Zürich", "Tokyo", "Sydney", "São Paulo", "Mexico City",
             "Dublin", "Amsterdam", "Prague", "Warsaw", "Lisbon", "Helsinki", "Vienna",
             "Brussels", "Copenhagen", "Athens"],
    "state": ["WA", "WA", "MA", "IL", "TX", "CO", "GA", "OR", "ON", "BC", "England", "IDF",
              "BE", "MD", "RM", "Oslo", "AB", "ZH", "Tokyo", "NSW", "SP", "CDMX", "D",
              "NH", "PR", "MZ", "LI", "UU", "W", "BRU", "84", "AT"],
    "country": ["United States", "United States", "United States", "United States",
                "United States", "United States", "United States", "United States", "Canada",
                "Canada", "United Kingdom", "France", "Germany", "Spain", "Italy", "Norway",
                "Sweden", "Switzerland", "Japan", "Australia", "Brazil", "Mexico", "Ireland",
                "Netherlands", "Czechia", "Poland", "Portugal", "Finland", "Austria",
                "Belgium", "Denmark", "Greece"],
    "street": ["Main St", "Oak Ave", "Pine Rd", "Maple Dr", "Cedar Ln", "Elm St", "Lake Blvd",
               "Hill Rd", "Park Ave", "1st Ave", "Market St", "Church St", "Mill Rd",
               "River Rd", "Sunset Blvd", "King St"],
    "title": ["Purchasing Manager", "CEO", "CFO", "CTO", "Sales Director", "Buyer",
              "Account Manager", "Engineer", "Consultant", "Analyst", "Office Manager",
              "VP Marketing", "Owner", "Administrator", "Developer", "Architect"],
    "product": ["Dynamics", "Cloud Migration", "ERP Upgrade", "CRM Rollout", "Data Platform",
                "Analytics", "Security Audit", "Hardware Refresh", "Training", "Support Plan",
                "Mobile App", "Web Portal", "IoT Pilot", "AI Assistant", "Network Upgrade",
                "Office Move"],
}

# A 4x4 PNG thumbnail (Edm.Binary image values are base64; spec section 3).
IMAGE_B64 = ("iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAFklEQVR4nGP4z8DAwMDAxMDAwMAAAA8AAQ"
             "Aw1HtdAAAAAElFTkSuQmCC")

INT64 = 2 ** 63


def sql_str(s):
    return "'" + s.replace("'", "''") + "'"


class Gen:
    """SQL expression builders for attribute generators. `n` is the 1-based row number,
    `x` a per-row hash (see entity_insert_sql)."""

    def __init__(self, model, entity, seed, counts):
        self.model = model
        self.e = entity
        self.seed = seed
        self.counts = counts
        self.pending_type = None
        # common subexpressions, computed once per row in inner (non-flattened) subqueries:
        # per-row hashes h<k> (layer 2) and word picks w_<list>_<k> (layer 3); see insert_sql
        self.hashes = {}
        self.words = {}

    def h(self, k):
        name = "h%d" % k
        if name not in self.hashes:
            self.hashes[name] = "((x * (x %% 65521 + %d) + %d) %% 2147483629)" % (2 * k + 1, k * 40503 + self.seed)
        return name

    def mod(self, k, m):
        return "(%s %% %d)" % (self.h(k), m)

    def pct(self, k):
        return self.mod(k, 100)

    def guid_for(self, otc, kexpr):
        a = (self.seed * 7919 + otc * 104729) % 4294967296
        b = (self.seed * 31 + otc * 131) % 65536
        c = (self.seed * 1000003) % (2 ** 36)
        return ("printf('%%08x-%%04x-4%%03x-%%04x-%%012x', ((%s) * 2654435761 + %d) %% 4294967296, "
                "((%s) * 40503 + %d) %% 65536, %d, 32768 + ((%s) %% 16384), (%s) + %d)"
                % (kexpr, a, kexpr, b, otc % 4096, kexpr, kexpr, c))

    def pk(self):
        return self.guid_for(self.e.otc, "n")

    def guid_of(self, tag, kexpr):
        otc = sum(ord(ch) * (i + 1) for i, ch in enumerate(tag)) % 100000 + 20000
        return self.guid_for(otc, kexpr)

    def ref_row(self, entity, kexpr):
        otc = self.model.by_name[entity].otc
        expr = self.guid_for(otc, kexpr)
        cnt = self.counts.get(entity, 0)
        if 0 < cnt <= SMALL_REF_CASE:
            # a few targets: static strings instead of a printf per row (same text; the
            # printf stays as the ELSE for a key outside 1..cnt)
            return "(CASE %s %s ELSE %s END)" % (kexpr, " ".join(
                "WHEN %d THEN '%s'" % (k, guid_py(self.seed, otc, k)) for k in range(1, cnt + 1)), expr)
        if 0 < cnt <= SMALL_REF_TABLE:
            # up to a few thousand targets: a seek in the temp table of their GUIDs (guid_tables)
            return "coalesce((SELECT g FROM temp.\"_gk_%s\" WHERE k = %s), %s)" % (entity, kexpr, expr)
        return expr

    def ref(self, entity, k, null_pct=0):
        cnt = self.counts[entity]
        g = self.ref_row(entity, "(1 + %s %% %d)" % (self.h(k), cnt))
        if null_pct:
            cond = "%s < %d" % (self.pct(k + 50), null_pct)
            self.pending_type = "(CASE WHEN %s THEN NULL ELSE '%s' END)" % (cond, entity)
            return "(CASE WHEN %s THEN NULL ELSE %s END)" % (cond, g)
        self.pending_type = "'%s'" % entity
        return g

    def owner(self, k):
        cond = "%s < 80" % self.pct(k + 60)
        self.pending_type = "(CASE WHEN %s THEN 'systemuser' ELSE 'team' END)" % cond
        return "(CASE WHEN %s THEN %s ELSE %s END)" % (
            cond, self.ref_row("systemuser", "(2 + %s %% %d)" % (self.h(k), self.counts["systemuser"] - 1)),
            self.ref_row("team", "(1 + %s %% %d)" % (self.h(k), self.counts["team"])))

    def customer(self, k):
        c1 = "%s < 10" % self.pct(k + 70)
        c2 = "%s < 75" % self.pct(k + 71)
        self.pending_type = ("(CASE WHEN %s THEN NULL WHEN %s THEN 'account' ELSE 'contact' END)"
                             % (c1, c2))
        return "(CASE WHEN %s THEN NULL WHEN %s THEN %s ELSE %s END)" % (
            c1, c2, self.ref("account", k), self.ref("contact", k))

    def word(self, lst, k):
        name = "w_%s_%d" % (lst, k)
        if name not in self.words:
            # = (SELECT w FROM w_<lst> WHERE i = <mod>) of the word tables, as a CASE (2x faster)
            self.words[name] = "(CASE %s %s END)" % (self.mod(k, len(WORDS[lst])), " ".join(
                "WHEN %d THEN %s" % (i, sql_str(w)) for i, w in enumerate(WORDS[lst])))
        return name

    def choose(self, var, values):
        return "(CASE %s %s END)" % (var, " ".join(
            "WHEN %d THEN %s" % (i + 1, sql_str(v) if isinstance(v, str) else v)
            for i, v in enumerate(values)))

    def weighted(self, k, pairs):
        p = self.pct(k)
        acc = 0
        parts = []
        for v, w in pairs:
            acc += w
            parts.append("WHEN %s < %d THEN %s" % (p, acc, v))
        return "(CASE %s END)" % " ".join(parts)

    def datetime(self, k, start, span_days):
        epoch = int(_dt.datetime.strptime(start, "%Y-%m-%d").replace(
            tzinfo=_dt.timezone.utc).timestamp())
        return ("strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ', %d + %s, 'unixepoch')"
                % (epoch, self.mod(k, span_days * 86400)))

    def date(self, k, start, span_days):
        epoch = int(_dt.datetime.strptime(start, "%Y-%m-%d").replace(
            tzinfo=_dt.timezone.utc).timestamp())
        return "strftime('%%Y-%%m-%%d', %d + 86400 * %s, 'unixepoch')" % (epoch, self.mod(k, span_days))

    def version(self):
        return "(1000000 + n * 10 + %s)" % self.mod(99, 10)

    def image(self):
        return sql_str(IMAGE_B64)

    def multiselect(self, k, os_):
        vals = [o[0] for o in os_.options]
        combos = ["NULL", "'%d'" % vals[0], "'%d,%d'" % (vals[0], vals[2]), "'%d'" % vals[1],
                  "'%d,%d,%d'" % (vals[1], vals[3], vals[4]), "NULL", "'%d'" % vals[4],
                  "'%d,%d'" % (vals[2], vals[3])]
        return "(CASE %s %s END)" % (self.mod(k, len(combos)), " ".join(
            "WHEN %d THEN %s" % (i, c) for i, c in enumerate(combos)))


# GUIDs of references to small entities come from static strings or a temp table instead of
# one printf per row and reference (~10% less CPU per big table; identical values)
SMALL_REF_CASE = 16     # references to entities this small: CASE over static GUID strings
SMALL_REF_TABLE = 5000  # up to this many: temp table k -> GUID (guid_tables)


def guid_py(seed, otc, k):
    """Python twin of Gen.guid_for for an integer key k (identical text)."""
    a = (seed * 7919 + otc * 104729) % 4294967296
    b = (seed * 31 + otc * 131) % 65536
    c = (seed * 1000003) % (2 ** 36)
    return "%08x-%04x-4%03x-%04x-%012x" % ((k * 2654435761 + a) % 4294967296,
                                          (k * 40503 + b) % 65536, otc % 4096,
                                          32768 + (k % 16384), k + c)


def guid_tables(con, model, seed, counts):
    """temp._gk_<entity>(k, g): the GUIDs of the entities read by Gen.ref_row's seek; per
    connection (TEMP), never stored in the database file. Call before entity_insert_sql runs."""
    con.execute("SAVEPOINT dvemu_gk")
    for e in model.entities:
        cnt = counts[e.name]
        if SMALL_REF_CASE < cnt <= SMALL_REF_TABLE:
            con.execute('DROP TABLE IF EXISTS temp."_gk_%s"' % e.name)
            con.execute('CREATE TEMP TABLE "_gk_%s" (k INTEGER PRIMARY KEY, g TEXT)' % e.name)
            con.executemany('INSERT INTO temp."_gk_%s" VALUES (?, ?)' % e.name,
                            [(k, guid_py(seed, e.otc, k)) for k in range(1, cnt + 1)])
    con.execute("RELEASE dvemu_gk")


def sql_type(a):
    if a.kind in ("string", "memo", "multiselect", "entityname"):
        return "TEXT COLLATE NOCASE"
    if a.kind in ("int", "bigint", "picklist", "state", "status", "bool"):
        return "INTEGER"
    if a.kind in ("decimal", "money", "double"):
        return "REAL"
    return "TEXT"


def table_ddl(e):
    """-> (CREATE TABLE, [CREATE INDEX ...]) of one entity."""
    cols = []
    for a in e.stored_attrs():
        c = '"%s" %s' % (a.column, sql_type(a))
        if a.kind == "pk":
            c += " PRIMARY KEY"
        cols.append(c)
    idx = []
    if getattr(e, "no_indexes", False):  # --real-schema's one-row entities: none needed
        return 'CREATE TABLE "%s" (%s)' % (e.name, ", ".join(cols)), idx
    for a in e.stored_attrs():
        if a.is_lookup and a.name not in ("createdby", "modifiedby", "transactioncurrencyid",
                                          "owningbusinessunit"):
            idx.append('CREATE INDEX "ix_%s_%s" ON "%s" ("%s")' % (e.name, a.name, e.name, a.name))
    for kname, kattrs in e.keys:
        idx.append('CREATE INDEX "ak_%s_%s" ON "%s" (%s)' % (
            e.name, kname, e.name, ", ".join('"%s"' % k for k in kattrs)))
    if e.primary_name:
        idx.append('CREATE INDEX "pn_%s" ON "%s" ("%s")' % (e.name, e.name, e.primary_name))
    if e.primary_name and e.lookup_target:
        # covering index for lookup names in formatted values (rowjson.primary_name_sql)
        extra = ', "currencysymbol"' if e.name == "transactioncurrency" else ""
        idx.append('CREATE INDEX "cv_%s" ON "%s" ("%s", "%s"%s)' % (e.name, e.name, e.pk, e.primary_name, extra))
    return 'CREATE TABLE "%s" (%s)' % (e.name, ", ".join(cols)), idx


def ddl(model):
    out = []
    for lst, words in WORDS.items():
        out.append("CREATE TABLE w_%s (i INTEGER PRIMARY KEY, w TEXT)" % lst)
    out.append("CREATE TABLE _dvemu_meta (k TEXT PRIMARY KEY, v)")
    for e in model.entities:
        t, idx = table_ddl(e)
        out.append(t)
        out.extend(idx)
    return out


def counts_for(model, rows):
    return {e.name: max(1, e.count(rows)) for e in model.entities}


def entity_insert_sql(model, e, seed, counts, first=1, last=None):
    g = Gen(model, e, seed, counts)
    exprs = []
    names = []
    for a in e.stored_attrs():
        if a.gen is not None:
            expr = a.gen(g)
        elif a.kind == "entityname":
            expr = g.pending_type or "NULL"
        else:
            expr = "NULL"
        if a.is_lookup and a.kind in ("customer", "owner"):
            pass  # pending_type now describes this lookup for its <x>type companion
        exprs.append(expr)
        names.append('"%s"' % a.column)
    salt = (seed * 1000003 + e.otc * 7919) % 2147483647
    last = counts[e.name] if last is None else last
    # Rows are produced in primary-key order (so rowid order = key order and a page scan
    # reads the table sequentially): the key's first group is (n * 2654435761 + a) mod 2^32,
    # a bijection of n, so ordering the small (n, x) sequence by it orders the keys; the
    # LIMIT keeps the planner from dropping that ORDER BY. No sort of the wide rows.
    # Layers: r (n, x) -> r2 (+ hashes) -> r3 (+ words) -> the row; "LIMIT -1 OFFSET 0"
    # keeps SQLite from flattening a layer into the next (which would recompute each shared
    # hash and word in every expression that uses it): ~2x faster, identical values.
    ka = (seed * 7919 + e.otc * 104729) % 4294967296
    hashes = ", ".join("%s AS %s" % (v, k) for k, v in g.hashes.items()) or "0 AS h_none"
    words = ", ".join("%s AS %s" % (v, k) for k, v in g.words.items()) or "0 AS w_none"
    return ('INSERT INTO "%s" (%s) '
            'WITH RECURSIVE seq(n) AS (SELECT %d UNION ALL SELECT n + 1 FROM seq WHERE n < %d), '
            'r AS (SELECT n, (n * 2654435761 + %d) %% 2147483647 AS x FROM seq '
            'ORDER BY (n * 2654435761 + %d) %% 4294967296 LIMIT %d), '
            'r2 AS (SELECT n, x, %s FROM r LIMIT -1 OFFSET 0), '
            'r3 AS (SELECT *, %s FROM r2 LIMIT -1 OFFSET 0) '
            'SELECT %s FROM r3'
            % (e.name, ", ".join(names), first, last, salt, ka, max(1, last - first + 1),
               hashes, words, ", ".join(exprs)))


# bump when the generated data or the table/index layout changes: a --db file made by an
# older dvemu is then regenerated instead of reused
FORMAT = "g3"
PARALLEL_MIN_ROWS = 20000  # entities at least this big are generated by worker threads


def shape(rows, seed, model=None):
    wide = "/real-attributes" if getattr(model, "real_attributes", False) else ""
    if getattr(model, "custom_attributes", 0):
        wide += "/custom-%d" % model.custom_attributes
    if getattr(model, "real_schema", False):
        wide += "/real-schema"
    return "%d/%d/%s%s" % (rows, seed, FORMAT, wide)


def _gen_worker(model, seed, counts, path, e):
    """Generate one whole entity table (with its indexes) into a scratch database file."""
    _unlink_db(path)
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-32768")
    guid_tables(con, model, seed, counts)
    con.execute("BEGIN")
    t, idx = table_ddl(e)
    con.execute(t)
    con.execute(entity_insert_sql(model, e, seed, counts))
    for stmt in idx:
        con.execute(stmt)
    con.execute("COMMIT")
    con.close()


def _gen_process(model, seed, counts, prefix, names, done):
    """Child process: one scratch file per table, each announced on `done` (a pipe) as soon
    as it is complete, so the parent copies it while this process generates the next."""
    try:
        for name in names:
            _gen_worker(model, seed, counts, "%s.%s" % (prefix, name), model.by_name[name])
            done.send(name)
        done.close()
    except BaseException:
        os._exit(1)
    os._exit(0)


class Store:
    """The SQLite file and its generation. Connections come from the server's pool.

    Generation at startup: the big entities (>= PARALLEL_MIN_ROWS) are spread over up to 4
    processes (one per core): this one and children that fork before the server has threads;
    each generates whole tables, indexes included; the children write one scratch file per
    table and announce it on a pipe; this process copies each as soon as it is announced
    (overlapping the child's next table) with INSERT INTO t SELECT * FROM gen.t,
    which SQLite performs as a raw b-tree copy (the "transfer optimization": same schema and
    indexes, empty destination). /_emu/reset regenerates in this process only (forking a
    threaded server is unsafe). Nothing is held in Python per row, so memory stays small.
    """

    def __init__(self, model, rows, seed, path=None):
        self.model = model
        self.rows = rows
        self.seed = seed
        self.counts = counts_for(model, rows)
        if path is None:
            fd, path = tempfile.mkstemp(prefix="dvemu-", suffix=".sqlite")
            os.close(fd)
            os.unlink(path)
            self.temp = True
        else:
            self.temp = False
        self.path = path
        con = sqlite3.connect(self.path, isolation_level=None)
        con.execute("PRAGMA synchronous=OFF")
        con.execute("PRAGMA temp_store=MEMORY")
        exists = con.execute("SELECT count(*) FROM sqlite_master WHERE name='_dvemu_meta'").fetchone()[0]
        if not exists:
            con.execute("PRAGMA journal_mode=OFF")  # first load: no journal at all
            for stmt in ddl(model):
                if not stmt.startswith("CREATE INDEX"):
                    con.execute(stmt)
            for lst, words in WORDS.items():
                con.executemany("INSERT INTO w_%s (i, w) VALUES (?, ?)" % lst, list(enumerate(words)))
            self.generate(con, processes=True)
        con.execute("PRAGMA journal_mode=WAL")  # readers never block the writer at run time
        con.close()

    def generate(self, con, processes=False):
        model = self.model
        buckets = [[]]
        if processes:
            big = [e for e in model.entities if self.counts[e.name] >= PARALLEL_MIN_ROWS]
            n = max(1, min(4, os.cpu_count() or 1, len(big)))
            buckets = [[] for _ in range(n)]
            loads = [0] * n
            for e in sorted(big, key=lambda e: -self.counts[e.name] * len(e.stored_attrs())):
                i = loads.index(min(loads))  # longest job first onto the least loaded worker
                buckets[i].append(e)
                loads[i] += self.counts[e.name] * len(e.stored_attrs())
        # buckets[1:] go to child processes (separate processes: SQLite threads in one process
        # share its allocator mutex); this process does buckets[0] and the small entities
        children = []
        for i, b in enumerate(buckets[1:], 1):
            if b:
                prefix = "%s.gen%d" % (self.path, i)
                ctx = multiprocessing.get_context("fork")
                recv, send = ctx.Pipe(duplex=False)
                w = ctx.Process(target=_gen_process, args=(model, self.seed, self.counts, prefix,
                                                           [e.name for e in b], send))
                w.start()
                send.close()  # the child holds the only write end: EOF when it exits
                children.append((w, prefix, b, recv))
        elsewhere = set(e.name for _, _, b, _ in children for e in b)
        attached = []
        try:
            guid_tables(con, model, self.seed, self.counts)
            con.execute("BEGIN")
            for e in model.entities:
                if e.name in elsewhere:
                    continue
                t, idx = table_ddl(e)
                con.execute('DROP TABLE IF EXISTS main."%s"' % e.name)
                con.execute(t)
                con.execute(entity_insert_sql(model, e, self.seed, self.counts))
                for stmt in idx:  # secondary indexes after the bulk insert
                    con.execute(stmt)
            con.execute("DELETE FROM _dvemu_meta")
            con.execute("INSERT INTO _dvemu_meta VALUES ('version', ?)", (100000000,))
            con.execute("INSERT INTO _dvemu_meta VALUES ('shape', ?)", (shape(self.rows, self.seed, self.model),))
            con.execute("COMMIT")
            # copy each child table as soon as it is announced (the child meanwhile generates
            # its next one), so only the last table's copy follows the slowest generator
            for w, prefix, b, recv in children:
                for _ in b:
                    try:
                        name = recv.recv()
                    except EOFError:
                        w.join()
                        raise RuntimeError("dvemu: a data generation worker process failed")
                    e = model.by_name[name]
                    con.execute("ATTACH DATABASE ? AS gen", ("%s.%s" % (prefix, name),))
                    attached.append(True)
                    con.execute("BEGIN")
                    # empty destination with the same indexes -> raw b-tree copy
                    t, idx = table_ddl(e)
                    con.execute('DROP TABLE IF EXISTS main."%s"' % e.name)
                    con.execute(t)
                    for stmt in idx:
                        con.execute(stmt)
                    con.execute('INSERT INTO main."%s" SELECT * FROM gen."%s"' % (e.name, e.name))
                    con.execute("COMMIT")
                    con.execute("DETACH DATABASE gen")
                    attached.pop()
                    _unlink_db("%s.%s" % (prefix, name))
                w.join()
                if w.exitcode != 0:
                    raise RuntimeError("dvemu: a data generation worker process failed")
        finally:
            if con.in_transaction:
                con.execute("ROLLBACK")
            if attached:
                try:
                    con.execute("DETACH DATABASE gen")
                except sqlite3.Error:
                    pass
            for w, prefix, b, recv in children:
                if w.is_alive():
                    w.terminate()
                    w.join()
                recv.close()
                for e in b:
                    _unlink_db("%s.%s" % (prefix, e.name))

    def close(self):
        if self.temp:
            _unlink_db(self.path)


def _unlink_db(path):
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.unlink(path + suffix)
        except OSError:
            pass
