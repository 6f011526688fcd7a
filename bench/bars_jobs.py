"""P13: long work runs on the job queue (QUALITY P13, issue 19 item 4).

In a fresh child process (so its peak RSS is the export's own): sign in as the city admin, POST the suggestion
list's export (timed: the request only queues the job), then run that job the way a worker does
(core.jobs.execute) while a thread reads its row, counting the progress values seen while it runs. The child
prints one JSON line; bar_p13 turns it into three rows: the request < 200 ms, the process's peak RSS < 300 MB, and
progress seen.

    .venv/bin/python -m bench.bars_jobs URL TMPDIR      # the child alone
"""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.run import ADMIN, EXPORT_ROWS, ROOT, BenchError, Portal, Row, current_rss_mb, xlsx_rows


def _watch(portal: Portal, job_id: int, seen: set, stop: threading.Event) -> None:
    """Read the job's row every 50 ms; keep each (done, total) seen while it runs."""
    raw = portal.engine.raw_connection()  # a plain DBAPI connection: no write lock taken to read (SQLite)
    try:
        while not stop.is_set():
            cursor = raw.cursor()
            cursor.execute(f"SELECT status, done, total FROM jobs WHERE id = {int(job_id)}")
            row = cursor.fetchone()
            cursor.close()
            raw.rollback()  # PostgreSQL: the next read sees the job's newer progress
            if row and row[0] == "running" and row[2] is not None:
                seen.add((row[1], row[2]))
            time.sleep(0.05)
    finally:
        raw.close()


def _peak_rss_mb(resource) -> float:
    """This process's own peak RSS. Linux keeps ru_maxrss across exec, so a child started by a large bench process
    reports the parent's peak (1.9 GB after P10's rebuild at 1M users); VmHWM belongs to the new address space."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(url: str, tmp: str) -> None:
    """Start the export through the web (timed), run its job here, print what was measured as JSON."""
    import resource

    from blueprints.core import jobs
    from blueprints.suggestions import views

    views.EXPORT_LIMIT = max(views.EXPORT_LIMIT, EXPORT_ROWS)
    folder = Path(tmp)
    portal = Portal(url, folder, JOBS_IMMEDIATE=False, JOBS_FOLDER=str(folder / "jobs"))
    portal.client(ADMIN)
    before = current_rss_mb()
    hit = portal.request("POST", "/suggestions/export", expect=(303,))
    job_id = int(hit.location.rstrip("/").rsplit("/", 1)[1])
    seen: set = set()
    stop = threading.Event()
    watcher = threading.Thread(target=_watch, args=(portal, job_id, seen, stop), daemon=True)
    watcher.start()
    started = time.perf_counter()
    with portal.app.app_context():
        status = jobs.execute(job_id)
    seconds = time.perf_counter() - started
    stop.set()
    watcher.join()
    peak = _peak_rss_mb(resource)
    path = portal.scalar("SELECT result_path FROM jobs WHERE id = :id", id=job_id)
    rows = xlsx_rows(folder / "jobs" / path) - 1 if path else 0
    portal.close()
    print(json.dumps({"ms": hit.ms, "status": status, "seconds": seconds, "before_mb": before, "peak_mb": peak,
                      "rows": rows, "progress": len(seen)}))


def bar_p13(url: str, label: str, tmp: Path) -> list[Row]:
    """P13: the request that starts a large export answers fast; the job's memory stays flat; progress shows."""
    folder = tmp / "p13"
    folder.mkdir(exist_ok=True)
    done = subprocess.run([sys.executable, "-m", "bench.bars_jobs", url, str(folder)], cwd=ROOT,
                          capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode != 0:
        raise BenchError(f"P13 child failed: {done.stderr[-800:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["status"] != "done":
        raise BenchError(f"the export job ended {result['status']}")
    rows = result["rows"]
    short = "" if rows >= EXPORT_ROWS else f"; only {rows:,} rows to export in this database"
    return [
        Row("P13", f"POST that starts the export of {rows:,} suggestions ({label}){short}",
            f"{result['ms']:.0f} ms", "< 200 ms", result["ms"] < 200),
        Row("P13", f"peak RSS of the process running the export job ({result['seconds']:.1f} s; "
                   f"{result['before_mb']:.0f} MB resident before the request)",
            f"{result['peak_mb']:.0f} MB", "< 300 MB", result["peak_mb"] < 300),
        Row("P13", "progress values seen on the job's row while it ran (read every 50 ms)",
            str(result["progress"]), ">= 1", result["progress"] >= 1),
    ]


if __name__ == "__main__":
    child(sys.argv[1], sys.argv[2])
