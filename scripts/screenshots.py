"""Take full-page screenshots of pages as a given user, for looking at what we built.

Usage: .venv/bin/python scripts/screenshots.py USER PATH [PATH ...] [--lang en] [--out DIR] [--base URL]
The app must be running (make run). Files are written as DIR/<user>-<lang>-<n>.png.
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("user")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--lang", default="zh_CN")
    parser.add_argument("--out", default="/tmp/shots")  # noqa: S108  (a developer tool)
    parser.add_argument("--base", default="http://127.0.0.1:5000")
    parser.add_argument("--password", default="demo1234")
    parser.add_argument("--width", type=int, default=1366)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": args.width, "height": 900})
        page.goto(args.base + "/auth/login")
        page.fill("input[name=employee_no]", args.user)
        page.fill("input[name=password]", args.password)
        page.click("form button[type=submit]")
        page.wait_for_load_state("networkidle")
        if args.lang == "en" and page.locator("button[name=locale][value=en]").count():
            page.locator("button[name=locale][value=en]").first.click()
            page.wait_for_load_state("networkidle")
        if args.lang == "zh_CN" and page.locator("button[name=locale][value=zh_CN]").count():
            page.locator("button[name=locale][value=zh_CN]").first.click()
            page.wait_for_load_state("networkidle")
        for n, path in enumerate(args.paths, start=1):
            page.goto(args.base + path)
            page.wait_for_load_state("networkidle")
            name = re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_") or "home"
            target = out / f"{args.user}-{args.lang}-{n:02d}-{name}.png"
            page.screenshot(path=str(target), full_page=True)
            print(target)
        browser.close()


if __name__ == "__main__":
    main()
