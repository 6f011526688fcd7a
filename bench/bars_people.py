"""P11: person search through the index (issue 19 item 2), at the large size against the small one.

For each kind of look-up — a rare name (one person), a common name (张伟: the seed draws names with Zipf
weights, so it has about 1 % of the city as namesakes), pinyin initials and a 工号 fragment — time the admin user
list (`/admin/users?q=` as search-as-you-type requests it: the htmx results fragment, with its capped count) and the
person picker (`/people/search?q=`) on both databases, interleaved, and compare the medians (target ≤ 1.5×).

    .venv/bin/python -m bench.bars_people SMALL_URL LARGE_URL [REPEAT]     # the bar alone
"""
from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import quote

from bench.run import Portal, Row, interleave, log, ratio_row
from bench.seed_scale import RARE_NAME

# (what, query): 欧阳修远 is one person at every scale (bench.seed_scale.RARE_NAME), so both sizes show one row;
# 张伟 is about 1 % of the people; c000012 is the prefix of ten 工号 at any scale ≥ 130.
QUERIES = (("rare name", RARE_NAME), ("common name", "张伟"), ("pinyin initials", "zw"), ("工号 fragment", "c000012"))
# The user list as search-as-you-type asks for it (HX-Request: the results fragment, without the page around it,
# whose department filter box is P2's and P4's business); the picker always answers a fragment.
PAGES = (("user list", "/admin/users?q="), ("picker", "/people/search?q="))
LIMIT = 1.5


def bar_p11(small: Portal, large: Portal, repeat: int) -> list[Row]:
    """P11 rows: each page and look-up, large against small."""
    variants = []
    for page, prefix in PAGES:
        for what, q in QUERIES:
            path = prefix + quote(q)
            variants.append(((page, what, "small"), lambda p=path: small.get(p, hx=True).ms))
            variants.append(((page, what, "large"), lambda p=path: large.get(p, hx=True).ms))
    medians = interleave(variants, repeat)
    rows = []
    for page, _prefix in PAGES:
        for what, q in QUERIES:
            big, little = medians[(page, what, "large")], medians[(page, what, "small")]
            rows.append(ratio_row("P11", f"{page} q={q} ({what}): {big:.1f} ms large / {little:.1f} ms small",
                                  big / little, LIMIT))
    return rows


def main(argv: list[str]) -> None:
    import tempfile

    from bench.run import text_table

    small_url, large_url = argv[0], argv[1]
    repeat = int(argv[2]) if len(argv) > 2 else 15
    with tempfile.TemporaryDirectory(prefix="bench-p11-") as folder:
        small, large = Portal(small_url, Path(folder)), Portal(large_url, Path(folder))
        log(f"P11: small {small_url}, large {large_url}")
        print(text_table(bar_p11(small, large, repeat)))
        small.close()
        large.close()


if __name__ == "__main__":
    main(sys.argv[1:])
