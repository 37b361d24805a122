"""dvemu text comparison: the service's SQL Server collation, as SQLite collation DVCI.

Owns: how the emulator compares and orders text ($filter eq/ne/lt/le/gt/ge, contains/
startswith/endswith, $orderby and the paging keyset on text).
Source: https://learn.microsoft.com/power-platform/admin/language-collations -- every
Dataverse language collation is case-insensitive (_CI); English (1033), the default, and most
others are also accent-insensitive (_AI: "cafe" = "café"); and
https://learn.microsoft.com/sql/t-sql/language-elements/string-comparison-assignment -- SQL
Server pads strings with blanks before comparing ('abc' = 'abc '), except in LIKE, where
trailing blanks of Unicode (nvarchar) values count.
The rule, exactly as the driver's DVNOCASE (tools/gen-textfold-data writes its tables):
  - a character compares as its base letter when its canonical decomposition (NFD) is one
    character plus combining diacritical marks (U+0300-036F, 1AB0-1AFF, 1DC0-1DFF, 20D0-20FF,
    FE20-FE2F), then case-folded (simple folding: one character, else simple lowercase);
  - those combining marks are ignored; trailing U+0020 blanks are ignored except by LIKE;
  - order is that of the folded code points (the real service orders by Windows sort
    weights, which differ for punctuation and symbols: a known difference).
"""

import re
import unicodedata

_MARK_BLOCKS = ((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF),
                (0xFE20, 0xFE2F))


def _is_mark(c):
    cp = ord(c)
    return (any(lo <= cp <= hi for lo, hi in _MARK_BLOCKS) and
            unicodedata.category(c) == "Mn")


def _one(s, fallback):
    return s if len(s) == 1 else fallback


def _fold1(c):
    base = unicodedata.normalize("NFD", c)
    kept = [x for x in base if not _is_mark(x)]
    if len(kept) == 1 and len(kept) != len(base):
        c = kept[0]
    return _one(c.casefold(), _one(c.lower(), c))


def _fold_char(c):
    if _is_mark(c):
        return ""
    prev = None
    while c != prev:
        prev = c
        c = _fold1(c)
    return c


class _FoldTable(dict):
    def __missing__(self, cp):
        r = _fold_char(chr(cp))
        self[cp] = r
        return r


_TABLE = _FoldTable()


def fold(s):
    """s as the collation sees it (case and accents folded; blanks kept)."""
    if s.isascii():
        return s.lower()
    return s.translate(_TABLE)


def key(s):
    """The comparison key: equal keys = equal under the service's collation."""
    return fold(s).rstrip(" ")


def compare(a, b):
    ka, kb = key(a), key(b)
    return (ka > kb) - (ka < kb)


_LIKE_CACHE = {}


def _like_regex(pattern):
    """SQL Server LIKE (%, _, [..], [^..]) over folded text."""
    rx = _LIKE_CACHE.get(pattern)
    if rx is not None:
        return rx
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "%":
            out.append(".*")
        elif c == "_":
            out.append(".")
        elif c == "[":
            j = pattern.find("]", i + 1)
            if j < 0:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1:j]
                neg = body.startswith("^")
                if neg:
                    body = body[1:]
                body = fold(body)
                out.append("[" + ("^" if neg else "") +
                           body.replace("\\", "\\\\").replace("[", "\\[") + "]")
                i = j
        else:
            out.append(re.escape(fold(c)))
        i += 1
    rx = re.compile("".join(out), re.S)
    if len(_LIKE_CACHE) < 1000:
        _LIKE_CACHE[pattern] = rx
    return rx


def like(value, pattern):
    if value is None or pattern is None:
        return None
    return 1 if _like_regex(pattern).fullmatch(fold(str(value))) else 0


def register(con):
    """DVCI collation and dv_svc_like(value, pattern) on a connection."""
    con.create_collation("DVCI", compare)
    con.create_function("dv_svc_like", 2, like, deterministic=True)
