"""The shell in a real browser: admin signs in, sees the Chinese navbar, switches to English and back."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import login, logout, screenshot


def test_admin_signs_in_sees_chinese_navbar_and_switches_to_english(page):
    login(page, "admin")
    nav = page.locator("nav.navbar")
    assert nav.get_by_text("我的空间").is_visible()
    assert nav.get_by_text("系统管理").is_visible()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    screenshot(page, "shell-admin-zh")

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state("networkidle")
    assert nav.get_by_text("My space").is_visible()
    assert nav.get_by_text("Admin", exact=True).is_visible()
    assert page.locator("html").get_attribute("lang") == "en"
    screenshot(page, "shell-admin-en")

    # The choice is remembered on the account: after signing out and in again it is still English.
    logout(page)
    login(page, "admin")
    assert page.locator("nav.navbar").get_by_text("My space").is_visible()
    page.get_by_role("button", name="中文").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("nav.navbar").get_by_text("我的空间").is_visible()


def test_worker_sees_no_admin_menu_and_admin_pages_are_refused(page):
    login(page, "worker1")
    assert page.locator("nav.navbar").get_by_text("系统管理").count() == 0
    response = page.goto("/admin/users")
    assert response.status == 403
    assert page.get_by_role("heading", name="没有权限").is_visible()


def test_live_search_on_people_updates_results_in_place(page):
    login(page, "admin")
    page.goto("/admin/users")
    page.fill("#q", "worker12")
    rows = page.locator("#results tbody tr")
    expect(rows.filter(has_not_text="worker12")).to_have_count(0)  # waits for the htmx swap
    expect(rows).to_have_count(11)  # worker12 and worker120…worker129
    expect(page).to_have_url(re.compile(r"q=worker12"))  # hx-push-url keeps the address bookmarkable
