"""CI smoke run of the benchmark (bench/run.py --quick): it runs end to end and reports every bar, not how fast."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BARS = ("P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P9", "P10", "P11", "P12", "P13")


def _table_rows(markdown: str) -> list[list[str]]:
    """The data rows of the Markdown table, split on unescaped pipes."""
    rows = []
    for line in markdown.splitlines():
        if not line.startswith("| ") or line.startswith("| Bar "):
            continue
        rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]])
    return rows


@pytest.mark.slow
def test_bench_quick_run_reports_every_bar(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # SQLite here, whatever the shell says
    url = f"sqlite:///{tmp_path / 'tiny.sqlite3'}"
    seeded = subprocess.run([sys.executable, "-m", "bench.seed_scale", "--scale", "200", "--db", url],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False)
    assert seeded.returncode == 0, seeded.stdout[-2000:] + seeded.stderr[-2000:]

    markdown = tmp_path / "bench.md"
    run = subprocess.run([sys.executable, "-m", "bench.run", "--quick", "--small", url, "--large", url,
                          "--markdown", str(markdown)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-5000:]

    rows = _table_rows(markdown.read_text(encoding="utf-8"))
    assert {row[0] for row in rows} == set(BARS), rows
    for bar, measured, value, _target, result in rows:
        if result.startswith("skipped"):
            # Only the wrk bar may be skipped, and only where wrk is missing (it is not in every CI image).
            assert bar == "P6" and shutil.which("wrk") is None, (bar, result)
            continue
        assert result in ("PASS", "FAIL"), (bar, measured, result)
        assert re.search(r"\d", value), (bar, measured, value)
    # The plain-text table on stdout is the same table.
    for bar in BARS:
        assert re.search(rf"^{bar}\s", run.stdout, re.M), bar
