"""P12: form pages and filtered list pages stay light at city scale (QUALITY P12, issue 19 item 3).

Every department and workshop choice is a type-ahead picker (core.pickers), so a page no longer carries the whole
tree in a <select>. For each page below, signed in as the city admin: its bytes on the large database against the
small one (≤ 1.2×; for a filtered list page, the bytes of its filter form, since its rows are data) and the
<option> elements the whole page carries on the large one (≤ 300). Ids in the paths are read from
each database (a department two levels down, an approved workshop, a user), so both sizes show the same kind of
record; a page that does not answer 200 on either database is reported in the log and left out.

    .venv/bin/python -m bench.bars_forms SMALL_URL LARGE_URL      # the bar alone
"""
from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from bench.run import ADMIN, HR, Portal, Row, log

BYTES_LIMIT = 1.2
OPTIONS_LIMIT = 300
OPTION = re.compile(rb"<option[\s>]")
GET_FORM = re.compile(rb'<form[^>]*method="get".*?</form>', re.S)

# (label, path template[, who]); {dept}, {workshop}, {user} are filled from each database.
PAGES = (
    ("user form (new)", "/admin/users/new"),
    ("user form (edit, with grants)", "/admin/users/{user}/edit"),
    ("user list by department", "/admin/users?department={dept}"),
    ("suggestion form", "/suggestions/new"),
    ("suggestion list by department and workshop", "/suggestions/?department={dept}&workshop={workshop}"),
    ("review queue by workshop", "/suggestions/review?workshop={workshop}"),
    ("workshop registration form", "/workshops/new"),
    ("workshop directory by department", "/workshops/?department={dept}"),
    ("training session form", "/training/new", HR),
    ("training sessions by department", "/training/?department={dept}"),
    ("competition form", "/competitions/new"),
    ("contest form", "/contests/new"),
    ("hazard report form", "/safety/hazards/new"),
    ("honour nomination form", "/honours/new"),
    ("project form", "/projects/new"),
    ("mentoring pair form", "/mentoring/new"),
)


def _ids(portal: Portal) -> dict[str, int]:
    dept = portal.scalar("SELECT id FROM departments WHERE depth = 2 ORDER BY id LIMIT 1") or portal.scalar(
        "SELECT min(id) FROM departments")
    workshop = portal.scalar("SELECT min(id) FROM workshops WHERE status = 'approved'") or 0
    user = portal.scalar("SELECT min(id) FROM users WHERE id > 2") or 1
    return {"dept": dept, "workshop": workshop, "user": user}


def _measured(body: bytes, filtered_list: bool) -> tuple[bytes, str]:
    """What the bar compares: a form page whole; a filtered list page's filter form (its rows are data, and a
    department has more rows at city scale), i.e. the GET form that holds a picker."""
    forms = [m.group(0) for m in GET_FORM.finditer(body) if b"data-picker" in m.group(0)] if filtered_list else []
    return (forms[0], "filter form bytes") if forms else (body, "bytes")


def _fetch(portal: Portal, path: str, who: str) -> bytes | None:
    client = portal.client(who)
    answer = client.get(path)
    return answer.get_data() if answer.status_code == 200 else None


def bar_p12(small: Portal, large: Portal, small_label: str, large_label: str) -> list[Row]:
    """P12: bytes large/small and <option> count at large of each form and filtered list page."""
    ids_small, ids_large = _ids(small), _ids(large)
    rows: list[Row] = []
    worst_ratio, most_options = 0.0, 0
    for label, template, *who in PAGES:
        who = who[0] if who else ADMIN
        small_body = _fetch(small, template.format(**ids_small), who)
        large_body = _fetch(large, template.format(**ids_large), who)
        if small_body is None or large_body is None:
            log(f"  P12: {template} did not answer 200; left out")
            continue
        filtered = "?" in template
        (large_part, what), (small_part, _what) = _measured(large_body, filtered), _measured(small_body, filtered)
        ratio = len(large_part) / max(len(small_part), 1)
        options = len(OPTION.findall(large_body))
        worst_ratio, most_options = max(worst_ratio, ratio), max(most_options, options)
        rows.append(Row("P12", f"{label} ({template.split('?')[0]}): {what} {large_label} / {small_label}, "
                               f"page {len(large_body) / 1024:.1f} KB, {options} <option>",
                        f"{ratio:.2f}×", f"≤ {BYTES_LIMIT:g}× and ≤ {OPTIONS_LIMIT} options",
                        ratio <= BYTES_LIMIT and options <= OPTIONS_LIMIT))
    if not rows:
        rows.append(Row("P12", "no form page answered", "0 pages", "every page", False))
    log(f"  P12: worst ratio {worst_ratio:.2f}×, most options {most_options}")
    return rows


def main(argv: list[str]) -> None:
    from bench.run import World, text_table

    with tempfile.TemporaryDirectory(prefix="bench-p12-") as folder:
        small, large = Portal(argv[0], Path(folder)), Portal(argv[1], Path(folder))
        print(text_table(bar_p12(small, large, World(small).label, World(large).label)))


if __name__ == "__main__":
    main(sys.argv[1:])
