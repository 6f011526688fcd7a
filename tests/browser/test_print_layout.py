"""Pages as Chromium prints them: the sign-in sheet keeps its right border, a suggestion has page margins, readable
badges and no empty notes box. Each test also saves the PDF (and PNGs, when pdftoppm is installed) under
tests/browser/screenshots/ for a human to look at.
"""
from __future__ import annotations

import re
import shutil
import subprocess

from tests.browser.conftest import SCREENSHOTS, login

# A4 (210 mm) less the 12 mm margins of app.css, in CSS pixels: the width Chromium lays a printed page out in. It is
# not a whole number, which is where the right border of a full-width table used to fall off the paper.
PRINT_WIDTH = round((210 - 2 * 12) / 25.4 * 96)


def _first_link(page, listing: str, pattern: str) -> str:
    page.goto(listing)
    return re.search(rf'href="({pattern})"', page.content()).group(1)


def _save_print(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    pdf = SCREENSHOTS / f"{name}.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True)
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "70", str(pdf), str(SCREENSHOTS / name)], check=False)


def _as_printed(page) -> None:
    page.emulate_media(media="print")
    page.set_viewport_size({"width": PRINT_WIDTH, "height": 1000})


def test_the_sign_in_sheet_keeps_black_borders_inside_the_page(new_page):
    page = new_page()
    login(page, "hr1")
    roster = _first_link(page, "/training/manage?scope=all&status=completed", r"/training/\d+/roster")
    page.goto(roster.replace("/roster", "/signin"))
    _save_print(page, "print-signin")
    _as_printed(page)
    edge = page.evaluate("""() => {
        const table = document.querySelector('.signin-table');
        const cell = table.querySelector('tbody tr td:last-child');
        const style = getComputedStyle(cell);
        return {right: table.getBoundingClientRect().right, width: document.documentElement.clientWidth,
                border: [style.borderRightStyle, style.borderRightWidth, style.borderRightColor]};
    }""")
    assert edge["right"] <= edge["width"] - 1, edge  # the whole right border is on the paper
    assert edge["border"] == ["solid", "1px", "rgb(0, 0, 0)"], edge


def test_a_suggestion_prints_with_margins_readable_badges_and_no_empty_boxes(new_page):
    page = new_page()
    login(page, "lead1")
    page.goto(_first_link(page, "/suggestions/review", r"/suggestions/\d+"))
    assert page.locator("#notes").is_visible()  # the reviewer sees the notes card on screen
    _save_print(page, "print-suggestion")
    _as_printed(page)
    margins = page.evaluate("""() => {
        const found = [];
        const walk = rules => { for (const rule of rules) {
            if (rule instanceof CSSPageRule) found.push(rule.style.margin);
            else if (rule.cssRules) walk(rule.cssRules);
        } };
        for (const sheet of document.styleSheets) { try { walk(sheet.cssRules); } catch (e) { /* other origin */ } }
        return found;
    }""")
    assert margins and all(margins), margins
    badge = page.locator(".badge-status").first.evaluate(
        "el => { const s = getComputedStyle(el); return [s.color, s.borderTopStyle]; }")
    assert badge == ["rgb(0, 0, 0)", "solid"]
    notes = page.locator("#notes")
    assert notes.is_visible() == (notes.locator(".list-group-item").count() > 0)


def test_a_certificate_prints_on_one_page(new_page):
    page = new_page()
    login(page, "worker1")
    page.goto(_first_link(page, "/training/my", r"/training/certificates/\d+"))
    pdf = page.pdf(prefer_css_page_size=True)
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 1
    _save_print(page, "print-certificate")
