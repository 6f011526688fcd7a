"""Hostile values for the fuzz suite (tests/test_fuzz.py), by input class, and the helpers that aim them.

Each class is one way an input went wrong in practice (issue 14): a value that reaches a view through a path, a
query string, a form field or a request body and used to end in a 500. `values_for(name)` gives the classes that
fit a parameter's name first (a cursor for `after`, dates for `date_from`), then the generic ones.
"""
from __future__ import annotations

import base64
import io
import json
import zipfile
from html.parser import HTMLParser
from urllib.parse import urlsplit


def cursor(value) -> str:
    """A keyset cursor token the way pagination encodes one, around any JSON (or raw text) payload."""
    raw = value if isinstance(value, str) else json.dumps(value)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


CURSORS = [
    cursor([]), cursor({}), cursor("x"), cursor(7), cursor(None), cursor([1]), cursor([1, 2, 3]),
    cursor(["abc", "def"]), cursor([None, None]), cursor([True, False]), cursor([[1], {"a": 1}]),
    cursor([10**30, 10**30]), cursor([-(10**30), 1]), cursor("[1e400, 1]"), cursor("[NaN, Infinity]"),
    cursor([{"dt": "x"}, 1]), cursor([{"dt": 5}, 1]), cursor([{"d": [1]}, 1]), cursor([{"dec": "NaN"}, 1]),
    cursor([{"dec": "1e999999"}, 1]), cursor([{"dt": "9999-12-31T23:59:59"}, 1]), cursor([{"d": "0001-01-01"}, 1]),
    cursor([{"dt": "0001-01-01T00:00:00+14:00"}, 1]), cursor([{"x": 1}, 1]), cursor(["a\x00b", 1]),
    cursor("[" * 5000 + "]" * 5000), cursor([[[[[[[[1]]]]]]], 1]), cursor(["x" * 5000, 1]),
    "!!!", "%00", "a" * 3000, "\x00", "é", "==", "-_-_",
]
BIG_INTS = ["1" * 30, "9223372036854775808", "9223372036854775807", "-9223372036854775809", "2147483648",
            "99999999999999999999999999999999999999", "0", "00000000000000000000000000001"]
ODD_INTS = ["-1", "1.5", "1e3", "0x10", " 7", "²", "١٢", "１２", "①", "1_000", "+5", "NaN", "∞"]
DATES = ["0001-01-01", "9999-12-31", "0000-00-00", "2026-02-30", "2026-13-01", "10000-01-01", "1-1-1",
         "0001-01-01T00:00", "9999-12-31T23:59", "2026-01-01T25:00", "9999-12-31 23:59:59"]
AMOUNTS = ["1E+30", "1e400", "NaN", "sNaN", "Infinity", "-Infinity", "-0", "1e-400", "0.001", "-1",
           "99999999999999999999", "1" * 60, "1,,,,0", "¥", "1E+999999999", "0E-1000000"]
CONTROL = ["a\x00b", "\x00", "\x00" * 50, "x\x01\x02\x1b[31mred", "\x7f", "line\r\nbreak", "\r", "\n\n", "tab\there"]
BIDI = ["\u202eevil.exe\u202c", "\u2066x\u2069", "\u200f\u200e", "\u202aa\u202bb\u202dc", "abc\u2067"]
UNICODE = ["𝕏" * 20, "\ufeff", "ﷺ" * 100, "Z̴̡̢̛̗͍̙̬͖͓̰̜", "\u3000\u3000", "😀" * 300, "𠀀" * 50, "\uffff"]
LONG = ["x" * 10_000, "张" * 5_000, "a" * 100_000]
MISC = ["", " ", "'", "%", "_", "' OR '1'='1", "<script>alert(1)</script>", "{{7*7}}", "../../etc/passwd",
        "null", "undefined", "[]", "{}", "true", "-", "=1+1"]
# A key given twice (?year=1&year=x): views read the first, forms may read a list.
REPEATED = [["1", "x"], ["", "9" * 30], ["a\x00", "\u202e"]]
# Not values of a field but whole bodies, sent to every POST route as JSON.
JSON_BODIES = [[], ["a", 1], "x", 0, 1e300, None, {"a": {"b": [1]}}, {"csrf_token": [1, 2]}]

CLASSES = {
    "cursor": CURSORS, "big_int": BIG_INTS, "odd_int": ODD_INTS, "date": DATES, "amount": AMOUNTS,
    "control": CONTROL, "bidi": BIDI, "unicode": UNICODE, "long": LONG, "misc": MISC, "repeated": REPEATED,
}
GENERIC = ("big_int", "control", "bidi", "unicode", "long", "misc", "odd_int", "repeated")

# Query arguments views commonly read; the form fields of each GET page are added to these.
COMMON_ARGS = ("after", "before", "q", "department", "dept", "workshop", "year", "status", "category", "sort",
               "order", "kind", "level", "role", "show", "scope", "tab", "target", "title", "amount", "inline",
               "next", "date_from", "date_to", "actor", "action", "mine", "employee_no", "page", "grade")


def classes_for(name: str) -> tuple[str, ...]:
    """The input classes that fit a parameter, judged by its name (most telling first)."""
    lowered = name.lower()
    fitting: tuple[str, ...] = ()
    if lowered in ("after", "before"):
        fitting = ("cursor",)
    elif "date" in lowered or lowered.endswith(("_at", "_on", "deadline")) or lowered in ("from", "to"):
        fitting = ("date",)
    elif any(word in lowered for word in ("amount", "benefit", "share", "rate", "score", "capacity", "position")):
        fitting = ("amount", "big_int")
    elif lowered.endswith("id") or lowered in ("department", "dept", "workshop", "year", "page"):
        fitting = ("big_int", "odd_int")
    return fitting + tuple(c for c in GENERIC if c not in fitting)


def values_for(name: str) -> list:
    """Every hostile value worth trying on a parameter of that name."""
    return [value for cls in classes_for(name) for value in CLASSES[cls]]


def workbook(rows) -> bytes:
    """An .xlsx of the given rows."""
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rezip(data: bytes, change) -> bytes:
    """A copy of a zip with each part passed through change(name, content); None drops the part."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            content = change(name, source.read(name))
            if content is not None:
                target.writestr(name, content)
    return out.getvalue()


def hostile_files() -> list[tuple[str, bytes]]:
    """Uploads that are damaged, mislabelled or oddly named: (filename, contents)."""
    good = workbook([["工号", "姓名"], ["worker1", "张三"]])
    pdf = b"%PDF-1.4\n%%EOF\n"
    return [
        ("damaged-sheet.xlsx", rezip(good, lambda n, c: b"<worksheet><row><c" if n.startswith("xl/worksheets/")
                                      else c)),
        ("damaged-workbook.xlsx", rezip(good, lambda n, c: b"<<<" if n == "xl/workbook.xml" else c)),
        ("no-sheets.xlsx", rezip(good, lambda n, c: None if n.startswith("xl/worksheets/") else c)),
        ("truncated.xlsx", good[:200]), ("empty.xlsx", b""), ("empty.csv", b""), ("nul.csv", b"\x00\x00\x00"),
        ("gb.csv", "工号\nworker1\n".encode("gb18030")), ("pdf-named.xlsx", pdf), ("html.pdf", b"<html></html>"),
        ("设" * 216 + ".pdf", pdf), ("a\x00b.pdf", pdf), ("\u202efdp.exe", pdf), ("../../etc/passwd", pdf),
        ("noext", pdf), (".pdf", pdf), ("x" * 300, pdf), ("emoji😀.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20),
    ]


class FormFinder(HTMLParser):
    """The forms of a page: action path, method and the fields with their current values."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attr = dict(attrs)
        if tag == "option":
            self._option(attr)
            return
        if tag == "form":
            self._form = {"action": urlsplit(attr.get("action") or "").path, "method": (attr.get("method") or
                          "get").lower(), "fields": {}, "files": []}
            self.forms.append(self._form)
            return
        if self._form is None or not attr.get("name"):
            return
        fields, name = self._form["fields"], attr["name"]
        if tag == "input":
            kind = (attr.get("type") or "text").lower()
            if kind == "file":
                self._form["files"].append(name)
            elif kind in ("checkbox", "radio") and "checked" not in attr:
                fields.setdefault(name, None)
            elif kind not in ("submit", "button", "image", "reset"):
                fields[name] = attr.get("value") or ""
        elif tag == "select":
            self._select = name
            fields.setdefault(name, None)
        elif tag == "textarea":
            self._textarea = name
            fields[name] = ""
        elif tag == "button" and attr.get("value") is not None:
            fields.setdefault(name, attr["value"])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def _option(self, attr: dict) -> None:
        """Take the first option (or the selected one) as the select's value."""
        if self._form is not None and self._select and (self._form["fields"].get(self._select) is None
                                                         or "selected" in attr):
            self._form["fields"][self._select] = attr.get("value", "")


def page_forms(html: str) -> list[dict]:
    """Parse a page's forms: [{"action": path, "method": "get"|"post", "fields": {name: value or None},
    "files": [file input names]}]."""
    finder = FormFinder()
    finder.feed(html)
    return finder.forms
