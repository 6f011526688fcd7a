"""The audit log in people's words: a label for every action code and target type, each target's name and page.

Audit rows store developer codes (`workshop.approve`, target `training_enrollments` #652). This module turns them
into what the log page shows, in the reader's language. The target type of a row is the table name of the record
(core.audit.record), so the names are read through the shared metadata by table name: core imports no domain, and
a domain adds nothing here but a label line. An unknown code is shown as it is.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from blueprints.core.i18n import current_language
from blueprints.core.labels import ROLE_LABELS
from extensions import db

# Every action code written by audit.record anywhere in blueprints/ (tests/test_audit_labels.py checks that none
# is missing). The workshop, suggestion and training status moves are written as "<domain>.<transition>".
ACTION_LABELS = {
    # Sign-in and access
    "auth.login": _l("登录成功"),
    "auth.login_failed": _l("登录失败"),
    "auth.logout": _l("退出登录"),
    "auth.password_changed": _l("本人修改密码"),
    "access.denied": _l("拒绝访问"),
    # People, departments, settings
    "user.created": _l("新建人员账号"),
    "user.updated": _l("修改人员资料"),
    "user.roles_changed": _l("调整角色"),
    "user.granted": _l("授予范围角色"),
    "user.revoked": _l("收回范围角色"),
    "user.activated": _l("账号启用"),
    "user.deactivated": _l("账号停用"),
    "user.password_reset": _l("重置人员密码"),
    "user.import": _l("导入人员"),
    "department.created": _l("新建部门"),
    "department.updated": _l("修改部门信息"),
    "department.moved": _l("移动部门"),
    "department.deleted": _l("删除部门"),
    "settings.changed": _l("修改系统设置"),
    "settings.overridden": _l("修改本企业设置"),
    # Statistics
    "stats.target_set": _l("设定参与率目标"),
    "stats.export": _l("导出统计报表"),
    "stats.snapshot_refresh": _l("统计快照刷新"),
    # Workshops
    "workshop.created": _l("登记新工作室"),
    "workshop.updated": _l("修改工作室资料"),
    "workshop.deleted": _l("删除工作室"),
    "workshop.submit": _l("工作室提交审批"),
    "workshop.approve": _l("工作室审批通过"),
    "workshop.reject": _l("工作室被驳回"),
    "workshop.revoke": _l("工作室被撤销"),
    "workshop.join_requested": _l("申请加入工作室"),
    "workshop.join_withdrawn": _l("撤回加入申请"),
    "workshop.join_approved": _l("同意加入申请"),
    "workshop.join_declined": _l("拒绝加入申请"),
    "workshop.member_left": _l("成员退出工作室"),
    "workshop.member_removed": _l("移出工作室成员"),
    "workshop.deputy_appointed": _l("任命副负责人"),
    "workshop.deputy_removed": _l("免去副负责人"),
    "workshop.lead_handed_over": _l("移交工作室负责人"),
    "workshop.achievement_added": _l("添加工作室成果"),
    "workshop.achievement_updated": _l("修改工作室成果"),
    "workshop.achievement_deleted": _l("删除工作室成果"),
    "workshop.level_changed": _l("调整工作室级别"),
    "workshop.exported": _l("导出工作室名录"),
    "workshop.recommended": _l("推荐工作室参评市级"),
    "workshop.recommendation_forwarded": _l("转报工作室市级推荐"),
    "workshop.recommendation_approved": _l("认定市级工作室"),
    "workshop.recommendation_declined": _l("退回工作室市级推荐"),
    # Suggestions
    "suggestion.created": _l("新建建议"),
    "suggestion.edited": _l("修改建议内容"),
    "suggestion.submit": _l("建议提交审核"),
    "suggestion.resubmit": _l("重新提交建议"),
    "suggestion.accept": _l("建议被采纳"),
    "suggestion.return": _l("退回建议修改"),
    "suggestion.reject": _l("不予采纳建议"),
    "suggestion.implement": _l("建议标记已实施"),
    "suggestion.award": _l("建议评奖"),
    "suggestion.withdraw": _l("撤回建议"),
    "suggestion.reassign": _l("建议改派审核工作室"),
    "suggestion.reward_ledger": _l("登记奖金分配"),
    "suggestion.reward_paid": _l("奖金标记为已发放"),
    "suggestion.export": _l("导出建议列表"),
    "suggestion.rewards_export": _l("导出奖金台账"),
    "suggestion.recommend": _l("推荐参评市级优秀职工创新成果"),
    "suggestion.recommend_forward": _l("转报市级优秀职工创新成果推荐"),
    "suggestion.recommend_decline": _l("不予推荐市级优秀职工创新成果"),
    "suggestion.recommend_approve": _l("审定市级优秀职工创新成果"),
    # Hazard reports (安康杯)
    "safety.report": _l("报告隐患"),
    "safety.confirm": _l("确认隐患"),
    "safety.dismiss": _l("判定为非隐患"),
    "safety.duplicate": _l("判定为重复隐患报告"),
    "safety.assign": _l("下达隐患整改"),
    "safety.close": _l("提交隐患整改完成"),
    "safety.verify": _l("隐患整改验收通过"),
    "safety.reopen": _l("隐患整改退回"),
    "safety.reward_ledger": _l("登记隐患报告奖金"),
    "safety.overdue_reminded": _l("提醒超期未整改的隐患"),
    # Training
    "training.created": _l("新建培训场次"),
    "training.updated": _l("修改培训场次"),
    "training.capacity_changed": _l("调整培训名额"),
    "training.open": _l("发布培训并开放报名"),
    "training.close": _l("截止培训报名"),
    "training.complete": _l("培训标记为已结束"),
    "training.cancel": _l("取消培训场次"),
    "training.signup": _l("报名培训"),
    "training.withdrawn": _l("取消培训报名"),
    "training.left_waitlist": _l("退出培训候补"),
    "training.promoted": _l("候补转为正式学员"),
    "training.removed": _l("移出培训名单"),
    "training.waitlist_moved": _l("调整候补顺序"),
    "training.bulk_enrolled": _l("批量报名培训"),
    "training.attendance": _l("登记出勤"),
    "training.attendance_all": _l("全部登记为出勤"),
    "training.result": _l("登记培训成绩"),
    "training.certificate_withdrawn": _l("收回培训证书"),
    "training.certificates_issued": _l("发放培训证书"),
    "training.feed_created": _l("创建日历订阅"),
    "training.feed_reset": _l("重置日历订阅"),
    "training.signin_printed": _l("打印培训签到表"),
    "training.roster_exported": _l("导出培训名单"),
    # Competitions
    "competition.created": _l("发起竞赛"),
    "competition.updated": _l("修改竞赛"),
    "competition.publish": _l("发布竞赛"),
    "competition.start": _l("竞赛开始"),
    "competition.close": _l("竞赛结束"),
    "competition.finalise": _l("发布竞赛最终结果"),
    "competition.enrolled": _l("单位报名竞赛"),
    "competition.withdrawn": _l("单位退出竞赛"),
    "competition.report_saved": _l("保存竞赛进度报表"),
    "competition.report_submitted": _l("提交竞赛进度报表"),
    "competition.report_accept": _l("通过竞赛进度报表"),
    "competition.report_return": _l("退回竞赛进度报表"),
    "competition.scored": _l("竞赛评分"),
    "competition.results_provisional": _l("公示竞赛评审结果"),
    "competition.objection_raised": _l("对竞赛结果提出异议"),
    "competition.objection_answered": _l("答复竞赛结果异议"),
    "skill_level.changed": _l("技能等级变动"),
    "mentoring.created": _l("建立师徒对子"),
    "mentoring.checkin": _l("填写带徒记录"),
    "mentoring.midterm": _l("登记师徒中期考核"),
    "mentoring.final": _l("登记师徒结业考核"),
    "mentoring.completed": _l("师徒对子出师"),
    "mentoring.ended": _l("提前结束师徒对子"),
    # Key projects
    "project.created": _l("登记重点项目"),
    "project.updated": _l("修改重点项目"),
    "project.milestone_added": _l("添加项目节点"),
    "project.milestone_updated": _l("修改项目节点"),
    "project.milestone_deleted": _l("删除项目节点"),
    # Honours
    "honour.nominated": _l("推荐先进"),
    "honour.forwarded": _l("转报先进推荐"),
    "honour.approved": _l("批准先进推荐"),
    "honour.declined": _l("退回先进推荐"),
    "honour.evidence_edited": _l("修改先进推荐事迹材料"),
    # Skills contests
    "contest.created": _l("新建技术比武"),
    "contest.updated": _l("修改技术比武设置"),
    "contest.quota_set": _l("分配比武名额"),
    "contest.panel_set": _l("聘请比武评委"),
    "contest.chief_set": _l("指定比武裁判长"),
    "contest.nominated": _l("单位推荐比武选手"),
    "contest.applied": _l("报名技术比武"),
    "contest.application_confirmed": _l("确认比武报名"),
    "contest.application_refused": _l("拒绝比武报名"),
    "contest.open_registration": _l("比武开放报名"),
    "contest.draw": _l("比武抽签"),
    "contest.number_drawn": _l("抽取参赛号"),
    "contest.start_scoring": _l("比武开始评分"),
    "contest.publish": _l("公示比武成绩"),
    "contest.rescore": _l("比武退回重新评分"),
    "contest.finalise": _l("确认比武最终成绩"),
    "contest.sheet_submitted": _l("提交评分表"),
    "contest.scores_imported": _l("导入理论成绩"),
    "contest.sheet_reopened": _l("裁判长退回评分表"),
    "contest.flag_confirmed": _l("裁判长确认超限分差"),
    "contest.flag_rescore": _l("裁判长要求重新评分"),
    "contest.result_changed": _l("比武成绩变更"),
    "contest.objection": _l("提出成绩异议"),
    "contest.objection_answered": _l("答复成绩异议"),
    "contest.upgrade_recommended": _l("提出技能晋级建议"),
}

TARGET_LABELS = {
    "users": _l("人员"),
    "departments": _l("部门"),
    "workshops": _l("工作室"),
    "suggestions": _l("建议"),
    "training_sessions": _l("培训"),
    "training_enrollments": _l("培训报名记录"),
    "competitions": _l("竞赛"),
    "mentoring_pairs": _l("师徒对子"),
    "key_projects": _l("重点项目"),
    "honour_nominations": _l("先进推荐"),
    "contests": _l("技术比武"),
}


def action_label(code: str) -> str:
    """The action in the reader's language; an unknown code as it is."""
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


# The filter box groups the actions by the part of the portal they belong to (the code's prefix).
GROUP_LABELS = {
    "auth": _l("登录与访问"),
    "access": _l("登录与访问"),
    "user": _l("人员管理"),
    "department": _l("部门管理"),
    "settings": _l("系统设置"),
    "stats": _l("竞赛统计"),
    "workshop": _l("创新工作室"),
    "suggestion": _l("五小建议"),
    "training": _l("培训报名"),
    "competition": _l("劳动和技能竞赛"),
    "skill_level": _l("人员管理"),
    "mentoring": _l("名师带徒"),
    "project": _l("重点项目"),
    "honour": _l("先进推荐"),
    "contest": _l("技术比武"),
}


def action_choices(codes: Iterable[str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The filter box's options: (group label, [(code, label), ...]) in table order; the value stays the code.
    Codes without a label come last, under "其他"."""
    order = {code: i for i, code in enumerate(ACTION_LABELS)}
    groups: dict[str, list[tuple[str, str]]] = {}
    for code in sorted(codes, key=lambda c: (order.get(c, len(order)), c)):
        group = GROUP_LABELS.get(code.split(".", 1)[0]) if code in ACTION_LABELS else None
        groups.setdefault(str(group) if group is not None else _("其他"), []).append((code, action_label(code)))
    return list(groups.items())


@dataclass(frozen=True)
class Target:
    """What an audit row is about, as shown: type label, name (when the record still exists) and its page."""

    label: str
    ident: str
    name: str | None = None
    url: str | None = None


def _table(name: str):
    """A table of the shared metadata by name, or None (a domain not installed)."""
    return db.metadata.tables.get(name)


def _user_names(ids: set[int]) -> dict[int, str]:
    table = _table("users")
    rows = db.session.execute(select(table.c.id, table.c.name, table.c.employee_no).where(table.c.id.in_(ids)))
    # 工号 in brackets of the reader's script: full-width in Chinese, ASCII with a space in English.
    pattern = "{}（{}）" if current_language() == "zh_CN" else "{} ({})"
    return {row.id: pattern.format(row.name, row.employee_no) for row in rows}


def _names_by_column(table_name: str, *columns: str) -> Callable[[set[int]], dict[int, str]]:
    def names(ids: set[int]) -> dict[int, str]:
        table = _table(table_name)
        rows = db.session.execute(select(table.c.id, *(table.c[c] for c in columns)).where(table.c.id.in_(ids)))
        return {row[0]: " ".join(str(value) for value in row[1:] if value) for row in rows}

    return names


def _enrollments(ids: set[int]) -> dict[int, tuple[str, int]]:
    """Enrollment id → (session title · trainee, session id): an enrollment is shown on its session's page."""
    enrollments, sessions, users = _table("training_enrollments"), _table("training_sessions"), _table("users")
    rows = db.session.execute(
        select(enrollments.c.id, enrollments.c.session_id, sessions.c.title, users.c.name)
        .join(sessions, sessions.c.id == enrollments.c.session_id)
        .join(users, users.c.id == enrollments.c.user_id).where(enrollments.c.id.in_(ids)))
    return {row.id: (f"{row.title} · {row.name}", row.session_id) for row in rows}


# Per target type: how to name a page of ids (one query), and the URL of one record.
_NAMERS: dict[str, Callable[[set[int]], dict[int, str]]] = {
    "users": _user_names,
    "departments": _names_by_column("departments", "name"),
    "workshops": _names_by_column("workshops", "name"),
    "suggestions": _names_by_column("suggestions", "serial", "title"),
    "training_sessions": _names_by_column("training_sessions", "title"),
    "competitions": _names_by_column("competitions", "name"),
    "key_projects": _names_by_column("key_projects", "name"),
    "contests": _names_by_column("contests", "name"),
}
_URLS: dict[str, Callable[[int], str]] = {
    "users": lambda i: url_for("admin.user_edit", user_id=i),
    "departments": lambda i: url_for("admin.department_edit", dept_id=i),
    "workshops": lambda i: url_for("workshops.profile", workshop_id=i),
    "suggestions": lambda i: url_for("suggestions.detail", suggestion_id=i),
    "training_sessions": lambda i: url_for("training.detail", session_id=i),
    "competitions": lambda i: url_for("competitions.detail", competition_id=i),
    "mentoring_pairs": lambda i: url_for("mentoring.detail", pair_id=i),
    "key_projects": lambda i: url_for("projects.detail", project_id=i),
    "honour_nominations": lambda i: url_for("honours.detail", nomination_id=i),
    "contests": lambda i: url_for("contests.detail", contest_id=i),
}

# Detail texts name people by id ("user 13: 500.00", "users=4,5"): shown with the person's name instead.
_USER_REF = re.compile(r"\buser (\d+)\b")
_USERS_LIST = re.compile(r"\busers=([\d,]+)")
# Role changes are written with role keys ("worker -> lead,worker (lead of workshop 5)"): shown with role labels
# and the workshop's name.
_ROLE_KEYS = re.compile(r"\b[a-z]+(?:,[a-z]+)*\b")
_WORKSHOP_ROLE = re.compile(r"\((lead|deputy) of workshop (\d+)\)")
ROLE_DETAIL_ACTIONS = frozenset({"user.roles_changed", "user.created"})


def _ids(values: Iterable[str | None]) -> set[int]:
    return {int(v) for v in values if v and v.isdigit()}


@dataclass(frozen=True)
class Row:
    """One audit row as the log page shows it."""

    action: str
    actor: Target | None
    target: Target | None
    detail: str


# Status words in transition details ("pending -> approved"), per target table: registered by each domain (its
# panels module), since core may not import the domains.
STATUS_WORDS: dict[str, dict[str, object]] = {}
_TRANSITION = re.compile(r"\b([a-z_]+)\s*->\s*([a-z_]+)\b")


def register_status_labels(target_type: str, labels: dict[str, object]) -> None:
    """Let the audit log show a domain's status codes in transition details by their labels."""
    STATUS_WORDS.setdefault(target_type, {}).update(labels)


def _status_words(entry, detail: str) -> str:
    words = STATUS_WORDS.get(entry.target_type or "")
    if not words:
        return detail

    def label(match: re.Match) -> str:
        before, after = match.group(1), match.group(2)
        if before not in words and after not in words:
            return match.group(0)
        return f"{words.get(before, before)} -> {words.get(after, after)}"

    return _TRANSITION.sub(label, detail)


def describe(entries) -> dict[int, Row]:
    """The page's rows in people's words, keyed by audit row id: one query per target type on the page."""
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        if entry.target_type in _NAMERS or entry.target_type == "training_enrollments":
            wanted.setdefault(entry.target_type, set()).update(_ids([entry.target_id]))
        wanted.setdefault("users", set()).update(_ids([str(entry.actor_id) if entry.actor_id else None]))
        wanted["users"].update(_detail_user_ids(entry.detail or ""))
        if entry.action in ROLE_DETAIL_ACTIONS:
            wanted.setdefault("workshops", set()).update(int(m[1]) for m in _WORKSHOP_ROLE.findall(entry.detail or ""))
    names = {kind: _NAMERS[kind](ids) for kind, ids in wanted.items() if ids and kind in _NAMERS}
    enrollments = _enrollments(wanted["training_enrollments"]) if wanted.get("training_enrollments") else {}
    people = names.get("users", {})
    return {entry.id: Row(action=action_label(entry.action),
                          actor=_actor(entry, people),
                          target=_target(entry, names, enrollments),
                          detail=_detail(entry, people, names.get("workshops", {})))
            for entry in entries}


def _detail_user_ids(detail: str) -> set[int]:
    ids = {int(m) for m in _USER_REF.findall(detail)}
    for group in _USERS_LIST.findall(detail):
        ids.update(int(part) for part in group.split(",") if part)
    return ids


def _actor(entry, people: dict[int, str]) -> Target | None:
    if entry.actor_id is None:
        return None
    name = people.get(entry.actor_id)
    return Target(label=str(TARGET_LABELS["users"]), ident=entry.actor_label or str(entry.actor_id), name=name,
                  url=_URLS["users"](entry.actor_id) if name else None)


def _target(entry, names: dict[str, dict[int, str]], enrollments: dict[int, tuple[str, int]]) -> Target | None:
    kind = entry.target_type
    if not kind:
        return None
    label = TARGET_LABELS.get(kind)
    ident = entry.target_id or ""
    number = int(ident) if ident.isdigit() else None
    if kind == "training_enrollments" and number in enrollments:
        name, session_id = enrollments[number]
        return Target(str(label), ident, name, _URLS["training_sessions"](session_id))
    name = names.get(kind, {}).get(number) if number is not None else None
    # A deleted record keeps its label and number, without a link that would end in "not found".
    url = _URLS[kind](number) if name is not None and kind in _URLS else None
    return Target(str(label) if label is not None else kind, ident, name, url)


def _detail(entry, people: dict[int, str], workshops: dict[int, str]) -> str:
    """The detail text with people named instead of numbered, roles by their labels, and → for ->."""
    detail = entry.detail or ""
    if entry.action in ROLE_DETAIL_ACTIONS:
        detail = _roles_detail(detail, workshops)
    else:
        detail = _status_words(entry, detail)

    def one(match: re.Match) -> str:
        return people.get(int(match.group(1)), match.group(0))

    def many(match: re.Match) -> str:
        return _joined(people.get(int(part), part) for part in match.group(1).split(",") if part)

    return _USERS_LIST.sub(many, _USER_REF.sub(one, detail)).replace(" -> ", " → ")


def _joined(parts: Iterable[str]) -> str:
    """A list in the reader's punctuation: 、 in Chinese, a comma in English."""
    return ("、" if current_language() == "zh_CN" else ", ").join(parts)


def _roles_detail(detail: str, workshops: dict[int, str]) -> str:
    """"roles=worker" and "worker -> lead,worker (lead of workshop 5)" in role labels and the workshop's name."""
    def labels(match: re.Match) -> str:
        keys = match.group(0).split(",")
        if not all(key in ROLE_LABELS for key in keys):
            return match.group(0)
        return _joined(str(ROLE_LABELS[key]) for key in keys)

    def why(match: re.Match) -> str:
        name = workshops.get(int(match.group(2)), f"#{match.group(2)}")
        if match.group(1) == "lead":
            return _("（工作室“%(name)s”的负责人）", name=name)
        return _("（工作室“%(name)s”的副负责人）", name=name)

    head, _sep, tail = detail.partition(" (")
    tail = _WORKSHOP_ROLE.sub(why, f"({tail}") if tail else ""
    if head.startswith("roles="):
        return _("角色：%(roles)s", roles=_ROLE_KEYS.sub(labels, head.removeprefix("roles="))) + tail
    return _ROLE_KEYS.sub(labels, head) + tail
