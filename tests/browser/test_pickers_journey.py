"""Type-ahead pickers in a real browser (core.pickers): type, choose with the keyboard, save; the open list of
matches passes axe; a list's filter box refreshes the list when a department is chosen."""
from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from blueprints.core.models import Department, User
from extensions import db
from tests.browser.axe import assert_accessible, axe_context
from tests.browser.conftest import login, screenshot, type_into_picker


def test_an_enterprise_admin_picks_a_department_with_the_keyboard_and_saves(browser, live_server):
    with axe_context(browser, live_server) as context:
        page = context.new_page()
        login(page, "e1admin")
        page.goto("/admin/users/new")
        page.fill("#employee_no", "pick01")
        page.fill("#name", "键盘选部门")
        box = page.locator("#department_id")
        expect(box).to_have_attribute("role", "combobox")
        expect(box).to_have_value("滨江重工集团有限公司")  # a new person starts at the top of the admin's scope
        box.click()
        type_into_picker(page, box, "总装")
        options = page.locator("#department_id-results [role=option]")
        # 总装班 exists in enterprise 2 too, outside e1admin's scope: only enterprise 1's is offered, with its path.
        expect(options).to_have_count(1)
        expect(options.first).to_have_text("滨江重工集团有限公司 › 第一机械厂 › 装配车间 › 总装班")
        expect(box).to_have_attribute("aria-expanded", "true")
        assert_accessible(page, label="user form with the department list open")
        box.press("ArrowDown")
        expect(box).to_have_attribute("aria-activedescendant", re.compile(r"department_id-opt-1"))
        box.press("Enter")
        expect(box).to_have_value(re.compile(r"第一机械厂 › 装配车间 › 总装班$"))
        expect(page.locator("#department_id-results [role=option]")).to_have_count(0)
        hidden = page.locator("input[type=hidden][name=department_id]")
        expect(hidden).not_to_have_value("")
        screenshot(page, "picker-user-form")
        page.get_by_role("button", name="保存").click()
        expect(page.locator("body")).to_contain_text("临时密码")
    with live_server.app.app_context():
        user = db.session.scalar(select(User).where(User.employee_no == "pick01"))
        assert db.session.get(Department, user.department_id).code == "BJHI-M1-ZP-1"


def test_the_suggestion_list_filters_on_a_picked_department(page):
    login(page, "admin")
    page.goto("/suggestions/")
    box = page.locator("#department")
    box.click()
    type_into_picker(page, box, "动力分公司")
    expect(page.locator("#department-results [role=option]").first).to_contain_text("动力分公司")
    box.press("ArrowDown")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"department=\d+"))
    expect(box).to_have_value(re.compile(r"动力分公司$"))
    # Escape closes an open list without choosing.
    type_into_picker(page, box, "第一")
    expect(page.locator("#department-results [role=option]").first).to_be_visible()
    box.press("Escape")
    expect(page.locator("#department-results [role=option]")).to_have_count(0)
