"""P10: statistics at city scale come from the snapshot (QUALITY P10, issue 19 item 1).

Three rows:
- /stats/ for the whole city (the city admin, no filter), large database against small, interleaved medians (≤ 1.5×);
- a refresh of the whole city's snapshot after one new suggestion (≤ 1 s): the suggestion is added through the ORM
  (so the flush leaves its dirty marks, as a submission does), stats.snapshot.refresh_dirty runs, and the whole
  transaction is rolled back: a throwaway change, never committed to the measured database;
- a full rebuild (snapshot.rebuild) of the large database, also rolled back: reported, the bar is ≤ 10 min at 1M.

Each database must hold a built snapshot (bench.seed_scale builds it last); without one the page is computed live
and the row says so.

    .venv/bin/python -m bench.bars_stats SMALL_URL LARGE_URL [REPEAT]    # the rows alone, printed
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from bench.run import ADMIN, BenchError, Portal, Row, interleave, log, ratio_row

PAGE = "/stats/"


def _has_snapshot(portal: Portal) -> bool:
    try:
        return bool(portal.scalar("SELECT count(*) FROM stats_snapshot"))
    except Exception:  # noqa: BLE001 (an older schema: no snapshot table)
        return False


def _page(portal: Portal) -> float:
    hit = portal.get(PAGE, ADMIN)
    if "数据截至".encode() not in hit.body:
        raise BenchError(f"{PAGE} is not served from the snapshot (no 数据截至)")
    return hit.ms


def _refresh_after_one_suggestion(portal: Portal) -> tuple[float, int]:
    """Seconds of refresh_dirty after one new suggestion, and the marks it took in; rolled back."""
    from sqlalchemy import func, select

    from blueprints.core.models import User
    from blueprints.core.types import utcnow
    from blueprints.stats import snapshot
    from blueprints.stats.models import DirtyMark
    from blueprints.suggestions.models import Suggestion
    from extensions import db

    with portal.app.app_context():
        try:
            author = db.session.scalar(select(User).where(User.department_id.is_not(None)).order_by(User.id.desc())
                                       .limit(1))
            now = utcnow()
            db.session.add(Suggestion(title="快照刷新基准建议", category="suggestion", author_id=author.id,
                                      department_id=author.department_id, status="submitted", year=now.year,
                                      serial=f"WX-{now.year}-BENCH1", listed_at=now, submitted_at=now))
            db.session.flush()
            marks = db.session.scalar(select(func.count(DirtyMark.id)))
            started = time.perf_counter()
            snapshot.refresh_dirty()
            seconds = time.perf_counter() - started
        finally:
            db.session.rollback()
            db.session.remove()
    return seconds, marks


def _rebuild(portal: Portal) -> float:
    from blueprints.stats import snapshot
    from extensions import db

    with portal.app.app_context():
        try:
            started = time.perf_counter()
            snapshot.rebuild()
            return time.perf_counter() - started
        finally:
            db.session.rollback()
            db.session.remove()


def bar_p10(small: Portal, large: Portal, small_label: str, large_label: str, repeat: int) -> list[Row]:
    """P10: the whole city's /stats/ large vs small; a refresh after one suggestion; a full rebuild."""
    rows = []
    missing = [label for portal, label in ((small, small_label), (large, large_label)) if not _has_snapshot(portal)]
    if missing:
        raise BenchError(f"no statistics snapshot in the {' and '.join(missing)} database: run "
                         "`flask stats rebuild-snapshot` (bench.seed_scale builds it)")
    log("P10: /stats/ for the whole city, large vs small")
    medians = interleave([("large", lambda: _page(large)), ("small", lambda: _page(small))], repeat)
    statements = len(large.get(PAGE, ADMIN).statements)
    rows.append(ratio_row("P10", f"/stats/ whole city ({statements} statements): {large_label} "
                                 f"{medians['large']:.0f} ms vs {small_label} {medians['small']:.0f} ms",
                          medians["large"] / medians["small"], 1.5))
    log("P10: refresh after one new suggestion (rolled back)")
    refresh = sorted(_refresh_after_one_suggestion(large) for _ in range(max(1, min(repeat, 3))))
    seconds, marks = refresh[len(refresh) // 2]
    rows.append(Row("P10", f"snapshot refresh of the whole city after one new suggestion ({marks} marks; "
                           f"{large_label}; rolled back)", f"{seconds:.2f} s", "≤ 1 s", seconds <= 1))
    log("P10: full rebuild (rolled back)")
    seconds = _rebuild(large)
    rows.append(Row("P10", f"full rebuild of the snapshot ({large_label}; rolled back); the bar is for 1M users",
                    f"{seconds:.1f} s", "≤ 600 s at 1M", seconds <= 600))
    return rows


if __name__ == "__main__":
    import tempfile

    from bench.run import World, text_table

    with tempfile.TemporaryDirectory(prefix="bench-p10-") as folder:
        s, lg = Portal(sys.argv[1], Path(folder)), Portal(sys.argv[2], Path(folder))
        found = bar_p10(s, lg, World(s).label, World(lg).label, int(sys.argv[3]) if len(sys.argv) > 3 else 5)
        print(text_table(found))
