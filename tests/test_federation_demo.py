"""The demo federation (SPEC §14): the union tree around the Part I enterprise, the scoped accounts and their grants,
and enough data in enterprises 2 and 3 that their pages and statistics are not empty."""
from __future__ import annotations

from sqlalchemy import func, select

from blueprints.core.models import Department, RoleGrant, User
from blueprints.suggestions.models import Suggestion
from blueprints.training.models import Enrollment, SessionDepartment, TrainingSession
from blueprints.workshops.models import Workshop
from extensions import db
from tests.security_world import _demo_client

# 工号 -> (role, scope node code) of the one grant each scoped demo account holds.
EXPECTED_GRANTS = {
    "admin": ("admin", "HRB"), "d1admin": ("admin", "HRB-SB"), "i1admin": ("admin", "HRB-JJW"),
    "e1admin": ("admin", "BJHI"), "hr1": ("hr", "BJHI"), "safety1": ("safety", "BJHI"),
    "e2admin": ("admin", "SBDJ"), "e2hr": ("hr", "SBDJ"), "e3admin": ("admin", "LJJG"),
}


def _dept(code: str) -> Department:
    return db.session.scalar(select(Department).where(Department.code == code))


def _user(employee_no: str) -> User:
    return db.session.scalar(select(User).where(User.employee_no == employee_no))


def test_the_tree_has_the_federation_levels(demo_app):
    with demo_app.app_context():
        root, district, industry = _dept("HRB"), _dept("HRB-SB"), _dept("HRB-JJW")
        assert (root.name, root.kind, root.parent_id) == ("哈尔滨市总工会", "federation", None)
        assert (district.name, district.kind, district.parent_id) == ("松北区总工会", "district", root.id)
        assert (industry.name, industry.kind, industry.parent_id) == ("市建设交通物流工会", "industry", root.id)
        e1, e2, e3 = _dept("BJHI"), _dept("SBDJ"), _dept("LJJG")
        assert (e1.name, e1.kind, e1.parent_id) == ("滨江重工集团有限公司", "enterprise", district.id)
        assert (e2.name, e2.kind, e2.parent_id) == ("松北电机有限公司", "enterprise", district.id)
        assert (e3.name, e3.kind, e3.parent_id) == ("龙江建工集团", "enterprise", industry.id)
        # Materialised paths and depths agree with the parents all the way down.
        for dept in db.session.scalars(select(Department)):
            parent = db.session.get(Department, dept.parent_id) if dept.parent_id else None
            assert dept.path == f"{parent.path if parent else '/'}{dept.id}/", dept.code
            assert dept.depth == (parent.depth + 1 if parent else 0), dept.code
        # Only union staff sit in union nodes; every worker is in an enterprise.
        in_unions = db.session.scalars(select(User.employee_no).join(Department, Department.id == User.department_id)
                                       .where(Department.kind.in_(("federation", "district", "industry"))))
        assert set(in_unions) == {"admin", "d1admin", "i1admin"}


def test_the_accounts_and_where_they_work(demo_app):
    with demo_app.app_context():
        counts = {prefix: db.session.scalar(select(func.count(User.id)).where(User.employee_no.like(f"{prefix}%")))
                  for prefix in ("worker", "e2worker", "e3worker")}
        assert counts == {"worker": 300, "e2worker": 50, "e3worker": 40}
        for prefix, code in (("worker", "BJHI"), ("e2worker", "SBDJ"), ("e3worker", "LJJG")):
            outside = db.session.scalar(
                select(func.count(User.id)).join(Department, Department.id == User.department_id)
                .where(User.employee_no.like(f"{prefix}%"), ~Department.path.startswith(_dept(code).path)))
            assert outside == 0, prefix
        assert _user("lead1").department_id == _dept("BJHI-M1-JJ-1").id
        assert _user("admin").roles == {"admin", "worker"} and _user("hr1").roles == {"hr", "worker"}
        assert _user("safety1").roles == {"safety", "worker"}


def test_each_scoped_account_holds_exactly_its_grant(demo_app):
    """seed-demo's closing grant_whole_tree_to_role_holders() widens nothing: no grant without a node at all."""
    with demo_app.app_context():
        rows = db.session.execute(select(User.employee_no, RoleGrant.role, Department.code)
                                  .join(User, User.id == RoleGrant.user_id)
                                  .outerjoin(Department, Department.id == RoleGrant.department_id)).all()
        assert {no: (role, code) for no, role, code in rows} == EXPECTED_GRANTS
        assert len(rows) == len(EXPECTED_GRANTS)


def test_enterprises_2_and_3_have_data_of_their_own(demo_app):
    with demo_app.app_context():
        for code, lowest in (("SBDJ", 6), ("LJJG", 4)):
            path = _dept(code).path
            in_enterprise = Department.path.startswith(path)
            statuses = set(db.session.scalars(select(Suggestion.status).join(
                Department, Department.id == Suggestion.department_id).where(in_enterprise)))
            assert {"submitted", "accepted", "rejected", "awarded"} <= statuses, code
            assert len(statuses) >= lowest - 2, code
            workshops = db.session.scalars(select(Workshop).join(Department, Department.id == Workshop.department_id)
                                           .where(in_enterprise, Workshop.status == "approved")).all()
            assert len(workshops) == 1, code
            # Every suggestion there is reviewed by the enterprise's own workshop, never enterprise 1's.
            foreign = db.session.scalar(
                select(func.count(Suggestion.id)).join(Department, Department.id == Suggestion.department_id)
                .where(in_enterprise, Suggestion.workshop_id != workshops[0].id))
            assert foreign == 0, code
            sessions = db.session.scalars(select(TrainingSession.id).join(
                SessionDepartment, SessionDepartment.session_id == TrainingSession.id)
                .where(SessionDepartment.department_id == _dept(code).id)).all()
            assert sessions, code
            enrolled = db.session.scalar(select(func.count(Enrollment.id)).where(Enrollment.session_id.in_(sessions)))
            assert enrolled >= 10, code
        # Serial numbers stay unique across the federation.
        serials = db.session.scalars(select(Suggestion.serial).where(Suggestion.serial.is_not(None))).all()
        assert len(serials) == len(set(serials))


def test_part_one_data_stays_in_enterprise_1(demo_app):
    """The Part I workshops, suggestions and sessions all belong to enterprise 1 (hr1 manages every session of it)."""
    with demo_app.app_context():
        e1 = _dept("BJHI").path
        leads = select(User.id).join(Department, Department.id == User.department_id).where(
            Department.path.startswith(e1))
        workshop_ids = db.session.scalars(select(Workshop.id).where(Workshop.lead_id.in_(leads))).all()
        assert len(workshop_ids) == 11
        elsewhere = (select(func.count(Workshop.id)).join(Department, Department.id == Workshop.department_id)
                     .where(Workshop.id.in_(workshop_ids), ~Department.path.startswith(e1)))
        assert db.session.scalar(elsewhere) == 0
        hr1 = _user("hr1")
        e1_sessions = db.session.scalar(select(func.count(TrainingSession.id)).where(
            TrainingSession.manager_id == hr1.id))
        assert e1_sessions >= 12


def test_every_demo_account_of_the_readme_signs_in(demo_app):
    for employee_no in ("admin", "d1admin", "i1admin", "e1admin", "hr1", "safety1", "lead1", "worker1", "worker300",
                        "e2admin", "e2hr", "e2worker1", "e2worker50", "e3admin", "e3worker1", "e3worker40"):
        browser = _demo_client(demo_app, employee_no)
        assert browser.get("/").status_code == 200, employee_no


def test_recommendations_wait_for_the_city_and_the_district(demo_app):
    """One workshop recommendation forwarded by 松北区总工会 waits for the city (admin); one awarded suggestion
    recommended by enterprise 1 waits for 松北区总工会 (d1admin). Each shows in its level's my space and review page,
    and nowhere else."""
    from blueprints.suggestions.models import SuggestionRecommendation
    from blueprints.workshops.models import Recommendation, RecommendationStep
    from tests.conftest import html_text

    with demo_app.app_context():
        [workshop_rec] = db.session.scalars(select(Recommendation)).all()
        [suggestion_rec] = db.session.scalars(select(SuggestionRecommendation)).all()
        assert (workshop_rec.status, suggestion_rec.status) == ("forwarded", "recommended")
        workshop_name = db.session.get(Workshop, workshop_rec.workshop_id).name
        title = db.session.get(Suggestion, suggestion_rec.suggestion_id).title
        steps = db.session.execute(select(RecommendationStep.action, User.employee_no)
                                   .join(User, User.id == RecommendationStep.actor_id)
                                   .order_by(RecommendationStep.acted_at)).all()
        assert [tuple(step) for step in steps] == [("recommend", "e1admin"), ("forward", "d1admin")]
        assert suggestion_rec.union_id == _dept("HRB-SB").id
    sees = {"admin": (True, False), "d1admin": (False, True), "i1admin": (False, False), "e1admin": (False, False),
            "e2admin": (False, False)}
    for employee_no, (city, district) in sees.items():
        browser = _demo_client(demo_app, employee_no)
        assert (workshop_name in html_text(browser.get("/workshops/review"))) is city, employee_no
        assert (title in html_text(browser.get("/suggestions/recommendations"))) is district, employee_no
        home = html_text(browser.get("/"))
        assert ("有 1 条市级推荐等待本级审核" in home) is city, employee_no
        assert ("有 1 条市级优秀职工创新成果推荐等待本级审核" in home) is district, employee_no
