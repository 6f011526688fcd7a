"""Contest pages: the list, setting up, entrants and the draw, the judges' scoring sheet, results and certificates.

Every page loads the contest through `_visible_contest` (404 for what the viewer may not see, audited). A judge
or the chief judge is "blind" until the results are provisional: the pages they can reach show contestant numbers
only, never a name or a 工号."""
from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.contests import bp, queries, services
from blueprints.contests.forms import (
    AnswerForm,
    ContestForm,
    ImportForm,
    ObjectionForm,
    PanelForm,
    PersonForm,
    QuotaForm,
    StatusForm,
    UpgradeForm,
)
from blueprints.contests.labels import ACTION_LABELS
from blueprints.contests.models import STATUSES, Contest
from blueprints.core import web
from blueprints.core.clock import local_today
from blueprints.core.errors import DomainError
from blueprints.core.forms import EmptyForm
from blueprints.core.i18n import N_
from blueprints.core.pagination import keyset_page
from blueprints.core.people import parse_employee_nos, resolve_people
from blueprints.core.permissions import deny, roles_required
from blueprints.core.scopes import scope_nodes
from blueprints.core.types import parse_int
from blueprints.core.web import redirect_after_change, render


def _visible_contest(contest_id: int) -> Contest:
    contest = queries.load_contest(contest_id)
    if contest is None:
        abort(404)
    if not queries.can_view(current_user, contest):
        deny(404, f"contest {contest_id}")
    return contest


def _managed_contest(contest_id: int) -> Contest:
    contest = _visible_contest(contest_id)
    if not queries.manages(current_user, contest):
        deny(403, f"contest {contest_id}: not its organiser")
    return contest


def _back(contest: Contest, endpoint: str = "contests.detail"):
    return redirect_after_change(url_for(endpoint, contest_id=contest.id))


def _form_errors(form) -> str:
    return "；".join(str(e) for errors in form.errors.values() for e in errors)


def _refuse_form(form) -> None:
    flash(_form_errors(form) or _("提交的内容不完整，请重试。"), "danger")


# --- List and setting up --------------------------------------------------------------------------------------------


@bp.route("/")
@login_required
def index():
    """Contests the user may see, newest first, filtered by status."""
    status = request.args.get("status", "")
    status = status if status in STATUSES else ""
    page = keyset_page(queries.contest_list(current_user, status or None), [Contest.held_on, Contest.id],
                       descending=True, cursor=request.args.get("after"), before=request.args.get("before"),
                       scalars=False, key_of=lambda row: [row[0].held_on, row[0].id])
    return render("contests/index.html", "results", page=page, status=status,
                  can_create=queries.can_create(current_user))


def _fill_choices(form: ContestForm) -> None:
    form.competition.choices = [("", _("（不归入竞赛）"))] + queries.competition_choices(current_user)


def _contest_data(form: ContestForm) -> services.ContestData:
    items = [services.ItemData(row.form.name.data.strip(), row.form.kind.data, row.form.weight.data or 0,
                               row.form.max_score.data or 0, row.form.spread_limit.data or 0)
             for row in form.items if (row.form.name.data or "").strip()]
    return services.ContestData(
        name=form.name.data, organiser_id=form.organiser.data, competition_id=form.competition.data,
        trade=form.trade.data, level=form.level.data, held_on=form.held_on.data, venue=form.venue.data,
        description=form.description.data or "", first_prizes=form.first_prizes.data,
        second_prizes=form.second_prizes.data, third_prizes=form.third_prizes.data, titles=form.titles.data,
        items=items)


@bp.route("/new", methods=["GET", "POST"])
@roles_required("admin", "hr")
def new():
    """Set up a contest (draft): organiser, trade, date, venue, items with weights, prize bands."""
    form = ContestForm()
    _fill_choices(form)
    if request.method == "GET":
        # The organiser picker starts at the top of the user's own scope (as the first entry of a select did).
        nodes = scope_nodes(current_user, "admin") or scope_nodes(current_user, "hr")
        form.organiser.data = nodes[0].id if nodes else None
        form.held_on.data = local_today() + timedelta(days=30)
        form.first_prizes.data, form.second_prizes.data, form.third_prizes.data, form.titles.data = 1, 2, 3, 1
        form.items[0].form.name.data, form.items[0].form.kind.data = _("理论"), "theory"
        form.items[0].form.weight.data, form.items[0].form.spread_limit.data = 30, 15
        form.items[1].form.name.data, form.items[1].form.weight.data = _("实操"), 70
    if form.validate_on_submit():
        with web.action(form) as outcome:
            contest = services.create_contest(current_user, _contest_data(form))
        if outcome.done:
            flash(_("比武已创建。下一步：分配名额、聘请评委，然后开放报名。"), "success")
            return _back(contest)
    return render_template("contests/form.html", form=form, contest=None)


@bp.route("/<int:contest_id>/edit", methods=["GET", "POST"])
@login_required
def edit(contest_id: int):
    """Change a contest's settings (items only while in draft)."""
    contest = _managed_contest(contest_id)
    form = ContestForm(obj=None)
    _fill_choices(form)
    if request.method == "GET":
        _prefill(form, contest)
    if form.validate_on_submit():
        with web.action(form) as outcome:
            services.update_contest(contest, current_user, _contest_data(form))
        if outcome.done:
            flash(_("已保存。"), "success")
            return _back(contest)
    return render_template("contests/form.html", form=form, contest=contest)


def _prefill(form: ContestForm, contest: Contest) -> None:
    for name in ("name", "trade", "level", "held_on", "venue", "description", "first_prizes", "second_prizes",
                 "third_prizes", "titles"):
        getattr(form, name).data = getattr(contest, name)
    form.organiser.data, form.competition.data = contest.organiser_id, contest.competition_id
    for row, item in zip(form.items, queries.items_of(contest.id), strict=False):
        row.form.name.data, row.form.kind.data, row.form.weight.data = item.name, item.kind, item.weight
        row.form.max_score.data, row.form.spread_limit.data = item.max_score, item.spread_limit


# --- Detail: quotas, panels, entrants, the status machine ---------------------------------------------------------


def _detail_context(contest: Contest, **forms) -> dict:
    manager = queries.manages(current_user, contest)
    blind = queries.is_blind(current_user, contest)
    mine = queries.entrant_of(current_user.id, contest.id)
    quotas = queries.quotas_of(contest.id)
    staff = queries.staff_unit_ids(current_user, [q.unit_id for q, *_rest in quotas])
    entrants = [] if blind else queries.entrants_of(contest.id)
    if not manager:
        entrants = [row for row in entrants if row[0].user_id == current_user.id or row[0].unit_id in staff]
    quota_form = forms.get("quota_form") or QuotaForm()
    quota_form.unit.params = {"contest": str(contest.id)}
    return {
        "contest": contest, "manager": manager, "blind": blind, "mine": mine,
        "items": queries.items_of(contest.id), "quotas": quotas, "panels": queries.panels_of(contest.id),
        "entrants": entrants, "staff_units": [q for q, *_rest in quotas if q.unit_id in staff],
        "actions": services.allowed_actions(contest, current_user), "action_labels": ACTION_LABELS,
        "is_judge": queries.is_panel_member(current_user, contest),
        "can_apply": contest.status == "registration" and mine is None
        and queries.quota_unit_for(contest.id, current_user.department_id) is not None,
        "quota_form": quota_form, "panel_form": forms.get("panel_form") or PanelForm(),
        "person_form": forms.get("person_form") or PersonForm(), "chief_form": forms.get("chief_form") or PersonForm(),
        "status_form": forms.get("status_form") or StatusForm(), "form": EmptyForm(),
        "default_until": local_today() + timedelta(days=3),
        "competition_name": _competition_name(contest),
    }


def _competition_name(contest: Contest) -> str | None:
    if contest.competition_id is None:
        return None
    from blueprints.competitions.models import Competition
    from extensions import db

    return db.session.get(Competition, contest.competition_id).name


@bp.route("/<int:contest_id>")
@login_required
def detail(contest_id: int):
    """A contest: items and weights, quotas, panels, entrants (numbers only for judges) and the next step."""
    contest = _visible_contest(contest_id)
    return render_template("contests/detail.html", **_detail_context(contest))


@bp.route("/<int:contest_id>/quotas", methods=["POST"])
@login_required
def quota(contest_id: int):
    contest = _managed_contest(contest_id)
    form = QuotaForm()
    form.unit.params = {"contest": str(contest.id)}
    if not form.validate_on_submit():
        _refuse_form(form)
        return _back(contest)
    with web.action() as outcome:
        services.set_quota(contest, current_user, form.unit.data, form.quota.data)
    if outcome.done:
        flash(_("名额已保存。"), "success")
    return _back(contest)


def _people(text: str) -> list:
    nos = parse_employee_nos(text)
    users, missing, inactive = resolve_people(nos)
    if missing or inactive:
        raise DomainError(N_("找不到这些工号（或账号已停用）：%(nos)s"), field="judges",
                          nos="、".join([*missing, *inactive]))
    return users


@bp.route("/<int:contest_id>/judges", methods=["POST"])
@login_required
def judges(contest_id: int):
    """Set an item's panel of judges (at least three, any users, no entrant)."""
    contest = _managed_contest(contest_id)
    form = PanelForm()
    if not form.validate_on_submit():
        _refuse_form(form)
        return _back(contest)
    item = next((i for i in queries.items_of(contest.id) if i.id == form.item_id.data), None)
    if item is None:
        abort(404)
    with web.action() as outcome:
        services.set_panel(contest, current_user, item, _people(form.judges.data))
    if outcome.done:
        flash(_("“%(item)s”的评委已保存。", item=item.name), "success")
    return _back(contest)


@bp.route("/<int:contest_id>/chief", methods=["POST"])
@login_required
def chief(contest_id: int):
    contest = _managed_contest(contest_id)
    form = PersonForm()
    if not form.validate_on_submit():
        _refuse_form(form)
        return _back(contest)
    with web.action() as outcome:
        people = _people(form.employee_no.data)
        if len(people) != 1:
            raise DomainError(N_("裁判长只能是一个人。"), field="employee_no")
        services.set_chief(contest, current_user, people[0])
    if outcome.done:
        flash(_("裁判长已指定。"), "success")
    return _back(contest)


@bp.route("/<int:contest_id>/nominate", methods=["POST"])
@login_required
def nominate(contest_id: int):
    """A unit's admin or HR puts one of its people in (within the quota)."""
    contest = _visible_contest(contest_id)
    form = PersonForm()
    if not form.validate_on_submit():
        _refuse_form(form)
        return _back(contest)
    with web.action() as outcome:
        people = _people(form.employee_no.data)
        for person in people:
            services.nominate(contest, current_user, person)
    if outcome.done:
        flash(_("已推荐 %(n)s 名选手。", n=len(people)), "success")
    return _back(contest)


@bp.route("/<int:contest_id>/apply", methods=["POST"])
@login_required
def apply(contest_id: int):
    """A worker applies; their unit confirms."""
    contest = _visible_contest(contest_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with web.action() as outcome:
        services.apply(contest, current_user)
    if outcome.done:
        flash(_("报名已提交，等待单位确认。"), "success")
    return _back(contest)


@bp.route("/<int:contest_id>/applications", methods=["POST"])
@login_required
def decide(contest_id: int):
    """The unit confirms or refuses an application."""
    contest = _visible_contest(contest_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    confirm = request.form.get("decision") == "confirm"
    with web.action() as outcome:
        services.decide_application(contest, current_user, parse_int(request.form.get("entrant_id"), low=1), confirm)
    if outcome.done:
        flash(_("已确认报名。") if confirm else _("已拒绝报名。"), "success")
    return _back(contest)


@bp.route("/<int:contest_id>/status", methods=["POST"])
@login_required
def move(contest_id: int):
    """One step of the status machine (the organiser's; the chief judge's return to scoring)."""
    contest = _visible_contest(contest_id)
    form = StatusForm()
    if not form.validate_on_submit():
        _refuse_form(form)
        return _back(contest)
    with web.action() as outcome:
        services.move(contest, current_user, form.action.data, form.objections_until.data)
    if outcome.done:
        flash(_("已完成：%(action)s。", action=ACTION_LABELS.get(form.action.data, "")), "success")
    return _back(contest)


# --- Judging --------------------------------------------------------------------------------------------------------


def _sheet_context(contest: Contest) -> dict:
    """The judge's sheets (numbers only), others' scores after their own submission, and the chief judge's tools."""
    items = {i.id: i for i in queries.items_of(contest.id)}
    panels = queries.panels_of(contest.id)
    entrants = queries.numbered_entrants(contest.id)
    scores = queries.scores_of(contest.id)
    sheets = []
    for item_id in queries.judge_item_ids(current_user.id, contest.id):
        judge = next(j for j, _p in panels.get(item_id, []) if j.user_id == current_user.id)
        own = {s.entrant_id: s.score for s, j in scores if j.id == judge.id}
        others = None
        if judge.status == "submitted":
            others = {(j.id, s.entrant_id): s.score for s, j in scores
                      if j.item_id == item_id and j.status == "submitted"}
        sheets.append({"item": items[item_id], "judge": judge, "own": own, "others": others,
                       "panel": panels.get(item_id, [])})
    chief = contest.chief_judge_id == current_user.id
    return {"contest": contest, "sheets": sheets, "entrants": entrants, "chief": chief,
            "flags": services.flags_of(contest) if chief else [], "panels": panels, "items": items,
            "form": EmptyForm(), "import_form": ImportForm(), "blind": queries.is_blind(current_user, contest)}


@bp.route("/<int:contest_id>/judge")
@login_required
def judge(contest_id: int):
    """A judge's scoring sheets (contestant numbers only); the chief judge's flags and sheets."""
    contest = _visible_contest(contest_id)
    if not queries.is_panel_member(current_user, contest):
        flash(_("您不是本场比武的评委。"), "info")
        return redirect(url_for("contests.detail", contest_id=contest.id))
    return render("contests/judge.html", None, **_sheet_context(contest))


@bp.route("/<int:contest_id>/judge/save", methods=["POST"])
@login_required
def save_scores(contest_id: int):
    """Save (or submit) the judge's scores of one item; refused values keep what was typed and store nothing."""
    contest = _visible_contest(contest_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    item_id = parse_int(request.form.get("item_id"), low=1)
    raw = {}
    for key, value in request.form.items():
        if key.startswith("score-") and (entrant_id := parse_int(key[6:], low=1)) is not None:
            raw[entrant_id] = value[:20]
    submit = request.form.get("submit") == "1"
    with web.action() as outcome:
        count = services.save_scores(contest, current_user, item_id, raw, submit=submit)
    if not outcome.done:
        context = _sheet_context(contest)
        context["typed"] = {item_id: raw}
        return render_template("contests/judge.html", **context), 422
    flash(_("评分表已提交并锁定。") if submit else _("已暂存 %(n)s 个分数。", n=count), "success")
    return _back(contest, "contests.judge")


@bp.route("/<int:contest_id>/judge/import", methods=["POST"])
@login_required
def import_scores(contest_id: int):
    """Fill a theory sheet from .xlsx: every row or none."""
    contest = _visible_contest(contest_id)
    form = ImportForm()
    if not form.validate_on_submit() or not form.file.data:
        flash(_("请选择要导入的 .xlsx 文件。"), "danger")
        return _back(contest, "contests.judge")
    upload = form.file.data
    with web.action() as outcome:
        count = services.import_scores(contest, current_user, form.item_id.data, upload.filename or "",
                                       upload.read(5 * 1024 * 1024 + 1))
    if outcome.done:
        flash(_("已导入，评分表现有 %(n)s 个分数；请核对后提交。", n=count), "success")
    return _back(contest, "contests.judge")


@bp.route("/<int:contest_id>/judge/reopen", methods=["POST"])
@login_required
def reopen(contest_id: int):
    """The chief judge unlocks a submitted sheet (audited)."""
    contest = _visible_contest(contest_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with web.action() as outcome:
        services.reopen_sheet(contest, current_user, parse_int(request.form.get("judge_id"), low=1))
    if outcome.done:
        flash(_("已退回评分表，评委可以修改后重新提交。"), "success")
    return _back(contest, "contests.judge")


@bp.route("/<int:contest_id>/judge/flag", methods=["POST"])
@login_required
def resolve_flag(contest_id: int):
    """The chief judge confirms a flagged score or asks for re-scoring."""
    contest = _visible_contest(contest_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    decision = request.form.get("decision", "")
    with web.action() as outcome:
        services.resolve_flag(contest, current_user, parse_int(request.form.get("item_id"), low=1),
                              parse_int(request.form.get("entrant_id"), low=1), decision)
    if outcome.done:
        message = _("已确认该成绩有效。") if decision == "confirm" else _("已退回该项目的评分表，请评委重新评分。")
        flash(message, "success")
    return _back(contest, "contests.judge")


# --- Results, objections, certificates --------------------------------------------------------------------------


def _results_context(contest: Contest, **forms) -> dict:
    manager = queries.manages(current_user, contest)
    out = contest.status in queries.RESULTS_OUT
    rows = queries.entrants_of(contest.id, ("confirmed",)) if out else []
    rows.sort(key=lambda row: (row[0].rank is None, row[0].rank or 0, row[0].number or 0))
    scores = {}
    if out:
        for standing in services.standings(contest):
            scores[standing.entrant_id] = standing.item_scores
    chief = contest.chief_judge_id == current_user.id
    objections = queries.objections_of(contest.id) if out else []
    mine = queries.entrant_of(current_user.id, contest.id)
    if not (manager or chief):
        objections = [o for o in objections if mine is not None and o.entrant_id == mine.id]
    numbers = {row[0].id: row[0].number for row in rows}
    names = {row[0].id: row[1].name for row in rows}
    return {"contest": contest, "rows": rows, "items": queries.items_of(contest.id), "scores": scores,
            "manager": manager, "chief": chief, "mine": mine, "objections": objections, "numbers": numbers,
            "names": names,
            "objection_form": forms.get("objection_form") or ObjectionForm(), "answer_form": AnswerForm(),
            "upgrade_form": UpgradeForm(), "form": EmptyForm(), "today": local_today(),
            "can_recommend": manager or chief}


@bp.route("/<int:contest_id>/results")
@login_required
def results(contest_id: int):
    """Weighted totals, ranks, prizes; objections during the provisional window."""
    contest = _visible_contest(contest_id)
    return render_template("contests/results.html", **_results_context(contest))


@bp.route("/<int:contest_id>/objections", methods=["POST"])
@login_required
def object_to(contest_id: int):
    contest = _visible_contest(contest_id)
    form = ObjectionForm()
    if form.validate_on_submit():
        with web.action(form) as outcome:
            services.object_to(contest, current_user, form.reason.data)
        if outcome.done:
            flash(_("异议已提交，裁判长答复后会通知您。"), "success")
            return _back(contest, "contests.results")
    return render_template("contests/results.html", **_results_context(contest, objection_form=form)), 422


@bp.route("/<int:contest_id>/objections/answer", methods=["POST"])
@login_required
def answer(contest_id: int):
    contest = _visible_contest(contest_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        _refuse_form(form)
        return _back(contest, "contests.results")
    with web.action() as outcome:
        services.answer_objection(contest, current_user, form.objection_id.data, form.answer.data)
    if outcome.done:
        flash(_("已答复异议。"), "success")
    return _back(contest, "contests.results")


@bp.route("/<int:contest_id>/upgrade", methods=["POST"])
@login_required
def upgrade(contest_id: int):
    """Record a skill-level upgrade recommendation on a result."""
    contest = _visible_contest(contest_id)
    form = UpgradeForm()
    if not form.validate_on_submit():
        _refuse_form(form)
        return _back(contest, "contests.results")
    with web.action() as outcome:
        services.recommend_upgrade(contest, current_user, form.entrant_id.data, form.level.data or "")
    if outcome.done:
        flash(_("晋级建议已保存。"), "success")
    return _back(contest, "contests.results")


@bp.route("/<int:contest_id>/certificate")
@login_required
def certificate(contest_id: int):
    """The signed-in entrant's printable certificate of a final result with a prize or title."""
    contest = _visible_contest(contest_id)
    entrant = queries.entrant_of(current_user.id, contest.id)
    if entrant is None or not entrant.certificate_no or contest.status != "final":
        deny(404, f"certificate of contest {contest_id}")
    return render_template("contests/certificate.html", contest=contest, entrant=entrant, person=current_user,
                           unit=services.unit_name(entrant.unit_id))


@bp.context_processor
def _labels():
    from blueprints.contests import labels

    return {"contest_labels": labels}
