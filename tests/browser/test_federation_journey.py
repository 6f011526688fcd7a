"""The city-level recommendation along the union chain in a real browser: the enterprise union recommends a workshop,
the district union forwards it from its queue, the city recognises it, and the profile shows the dated history.

The tree and the three admins are built here, in the test's own data, so the journey does not depend on the demo."""
from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

from blueprints.core import grants, org
from blueprints.core.demo import DEMO_PASSWORD
from blueprints.core.models import Department, User
from blueprints.core.people import create_department
from blueprints.workshops.models import LevelChange, Workshop, WorkshopMember
from extensions import db
from tests.browser.conftest import login, screenshot
from tests.conftest import _add_user

NAME = "江畔重工精密装配创新工作室"


def build_chain(app) -> int:
    """City → district → enterprise, an admin at each level, and an approved enterprise-level workshop; its id."""
    with app.app_context():
        root = org.federation_root() or create_department("FJ-CITY", "测试市总工会", None, kind="federation")
        district = create_department("FJ-DIST", "江畔区总工会", root, kind="district")
        enterprise = create_department("FJ-ENT", "江畔重工", district, kind="enterprise")
        db.session.flush()
        admins = {}
        for no, name, node in (("fj_city", "市总审定员", None), ("fj_district", "区总审核员", district),
                               ("fj_ent", "企业工会干事", enterprise)):
            admins[no] = _add_user(employee_no=no, name=name, password=DEMO_PASSWORD,
                                   department=node if node is not None else root)
            db.session.flush()
            grants.grant(admins[no], "admin", node)
        lead = _add_user(employee_no="fj_lead", name="江工匠", roles=("worker", "lead"), password=DEMO_PASSWORD,
                         department=enterprise)
        db.session.flush()
        workshop = Workshop(name=NAME, kind="craftsman", level="enterprise", lead_id=lead.id,
                            department_id=enterprise.id, field="精密装配", founded_on=date(2021, 4, 1),
                            description="围绕大型减速机精密装配开展攻关。", status="approved")
        db.session.add(workshop)
        db.session.flush()
        db.session.add(WorkshopMember(workshop_id=workshop.id, user_id=lead.id, role="lead", status="active"))
        db.session.add(LevelChange(workshop_id=workshop.id, to_level="enterprise", changed_on=date(2021, 5, 1)))
        db.session.commit()
        return workshop.id


def test_enterprise_recommends_district_forwards_city_recognises(new_page, live_server):
    workshop_id = build_chain(live_server.app)
    profile = f"/workshops/{workshop_id}"

    # 1. The enterprise union recommends its approved workshop for city level, with a reason.
    enterprise = new_page()
    login(enterprise, "fj_ent")
    enterprise.goto(profile)
    enterprise.fill("#recommend-reason", "三项国家专利，带徒十二人")
    enterprise.get_by_role("button", name="推荐参评市级工作室").click()
    expect(enterprise.locator("#flashes")).to_contain_text("已推荐")
    expect(enterprise.locator("#recommendations")).to_contain_text("待区县（产业）工会审核")

    # 2. The district union finds it in its queue and forwards it to the city.
    district = new_page()
    login(district, "fj_district")
    district.goto("/workshops/review")
    queue = district.locator("section", has_text="等待本级审核的市级推荐")
    waiting = queue.locator(".ws-recommendation", has_text=NAME)
    expect(waiting).to_contain_text(NAME)
    waiting.locator("textarea[name=reason]").fill("同意推荐")
    waiting.get_by_role("button", name="转报市总工会").click()
    expect(district.locator("#flashes")).to_contain_text("已把")
    expect(district.get_by_text("等待本级审核的市级推荐")).to_have_count(0)

    # 3. The city recognises it: the workshop is now city level, with the dated history on its profile.
    city = new_page()
    login(city, "fj_city")
    city.goto("/workshops/review")
    # The city also has the demo's recommendation waiting (forwarded by 松北区总工会): act on this one.
    queue = city.locator("section", has_text="等待本级审核的市级推荐")
    waiting = queue.locator(".ws-recommendation", has_text=NAME)
    expect(waiting).to_contain_text(NAME)
    waiting.locator("textarea[name=reason]").fill("市总工〔2026〕12号")
    waiting.get_by_role("button", name="认定为市级工作室").click()
    expect(city.locator("#flashes")).to_contain_text("为市级工作室")
    city.goto(profile)
    history = city.locator("#recommendations")
    expect(history).to_contain_text("已认定为市级")
    for text in ("企业工会干事", "区总审核员", "市总审定员", "三项国家专利", "市总工〔2026〕12号"):
        expect(history).to_contain_text(text)
    expect(city.locator("#levels-title").locator("xpath=..")).to_contain_text("市级")
    screenshot(city, "federation-01-recognised")
    with live_server.app.app_context():
        assert db.session.get(Workshop, workshop_id).level == "city"
        assert db.session.scalar(db.select(User.id).where(User.employee_no == "fj_lead")) is not None
        assert db.session.get(Department, db.session.get(Workshop, workshop_id).department_id).kind == "enterprise"


def test_recommendation_pages_pass_axe(browser, live_server):
    """The recommend form, the queue's waiting recommendation and the history have no serious axe violations."""
    from tests.browser.axe import assert_accessible, axe_context

    workshop_id = build_chain(live_server.app)
    with axe_context(browser, live_server) as context:
        page = context.new_page()
        login(page, "fj_ent")
        page.goto(f"/workshops/{workshop_id}")
        assert_accessible(page, label="recommend form")
        page.get_by_role("button", name="推荐参评市级工作室").click()
        expect(page.locator("#flashes")).to_contain_text("已推荐")
        assert_accessible(page, label="history")
        page.click("nav form[action$='/auth/logout'] button")
        page.wait_for_url("**/auth/login")
        login(page, "fj_district")
        page.goto("/workshops/review")
        expect(page.get_by_text("等待本级审核的市级推荐")).to_be_visible()
        assert_accessible(page, label="queue with a recommendation")
