"""Answer templates (standard texts for returning or rejecting) and bulk decisions made with one of them."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.suggestions.models import AnswerTemplate, Suggestion
from blueprints.suggestions.queries import visible_clause
from blueprints.suggestions.services.inputs import clean_comment
from blueprints.suggestions.services.rules import can, is_reviewer
from blueprints.suggestions.services.transitions import refusal_for_state, reject, return_for_changes
from extensions import db

BULK_MAX = 200  # suggestions decided in one bulk action


def templates_for(user, kind: str | None = None) -> list[AnswerTemplate]:
    """The answer templates a reviewer can use: their own and the shared ones."""
    stmt = select(AnswerTemplate).where(or_(AnswerTemplate.owner_id == user.id, AnswerTemplate.shared.is_(True)))
    if kind:
        stmt = stmt.where(AnswerTemplate.kind == kind)
    return list(db.session.scalars(stmt.order_by(AnswerTemplate.kind, AnswerTemplate.title)))


def usable_template(user, template_id: int | None, kind: str) -> AnswerTemplate | None:
    """A template the user may use for `kind`, or None."""
    if not template_id:
        return None
    template = db.session.get(AnswerTemplate, template_id)
    if template is None or template.kind != kind or not (template.shared or template.owner_id == user.id):
        return None
    return template


def create_template(owner, kind: str, title: str, body: str, shared: bool = False) -> AnswerTemplate:
    """Save a standard answer; only admins share one with every reviewer."""
    if kind not in ("return", "reject"):
        raise DomainError(N_("请选择模板用途。"), field="kind")
    title = title.strip()
    if not title:
        raise DomainError(N_("请填写模板名称。"), field="title")
    text = clean_comment(body, N_("请填写模板内容。"), "body")
    if db.session.scalar(select(AnswerTemplate.id).where(AnswerTemplate.owner_id == owner.id,
                                                         AnswerTemplate.title == title)):
        raise DomainError(N_("您已经有一个叫“%(title)s”的模板了。"), field="title", title=title)
    template = AnswerTemplate(owner_id=owner.id, kind=kind, title=title[:50], body=text,
                              shared=bool(shared and owner.has_role("admin")))
    db.session.add(template)
    return template


def delete_template(template: AnswerTemplate, actor) -> None:
    """Delete a template: its owner may, and admins may delete shared ones."""
    if template.owner_id != actor.id and not (template.shared and actor.has_role("admin")):
        raise DomainError(N_("只能删除自己的模板。"))
    db.session.delete(template)


@dataclass
class BulkResult:
    """What a bulk decision did: serials done, and (serial, reason) skipped."""

    done: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def bulk_decide(ids: Iterable[int], actor, action: str, template: AnswerTemplate, extra: str = "") -> BulkResult:
    """Return or reject the selected suggestions with one template's text; those that cannot be are skipped with
    the reason, and the rest still go through."""
    if action not in ("return", "reject"):
        raise DomainError(N_("批量操作只能是退回或不予采纳。"), field="action")
    if template is None or template.kind != action:
        raise DomainError(N_("请选择一个与操作相符的答复模板。"), field="template_id")
    wanted = list(dict.fromkeys(int(i) for i in ids))[:BULK_MAX]
    if not wanted:
        raise DomainError(N_("请先勾选要处理的建议。"))
    comment = template.body + (("\n" + extra.strip()) if extra.strip() else "")
    # Suggestions the actor may not see are left out like unknown ids: a refusal would name them.
    rows = db.session.scalars(select(Suggestion).where(Suggestion.id.in_(wanted), visible_clause(actor))
                              .options(selectinload(Suggestion.coauthors))).all()
    outcomes: dict[int, str | None] = {}  # suggestion id -> why it was skipped (None: done)
    # Rows are changed in id order whatever order they were ticked in: two reviewers deciding the same
    # suggestions at once then wait for each other instead of deadlocking.
    for suggestion in sorted(rows, key=lambda row: row.id):
        outcomes[suggestion.id] = _decide_one(suggestion, actor, action, comment)
    result = BulkResult()
    for suggestion in sorted(rows, key=lambda row: wanted.index(row.id)):
        label = suggestion.serial or str(suggestion.id)
        reason = outcomes[suggestion.id]
        if reason is None:
            result.done.append(label)
        else:
            result.skipped.append((label, reason))
    return result


def _decide_one(suggestion: Suggestion, actor, action: str, comment: str) -> str | None:
    """Return or reject one suggestion of a bulk decision; the reason it was skipped, or None when done."""
    if not can(actor, action, suggestion):
        return (str(refusal_for_state(suggestion, action)) if is_reviewer(actor, suggestion)
                else str(DomainError(N_("您不是这条建议的审核人"))))
    try:
        if action == "return":
            return_for_changes(suggestion, actor, comment)
        else:
            reject(suggestion, actor, comment)
    except DomainError as error:
        return str(error)
    return None


def visible_template(user, template_id: int) -> AnswerTemplate | None:
    """A template the user sees in their list (their own, or a shared one), or None."""
    template = db.session.get(AnswerTemplate, template_id)
    if template is None or not (template.owner_id == user.id or template.shared):
        return None
    return template
