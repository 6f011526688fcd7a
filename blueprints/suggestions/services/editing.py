"""Writing a suggestion: the author's text, co-authors and files, saved as a draft or edited after a return."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from blueprints.core import audit
from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.models import User
from blueprints.core.people import resolve_people
from blueprints.core.types import utcnow
from blueprints.core.uploads import CheckedUpload, delete_stored, read_uploads, store
from blueprints.suggestions.labels import STATUS_LABELS
from blueprints.suggestions.models import (
    BENEFIT_MAX,
    CATEGORIES,
    MAX_ATTACHMENTS,
    MAX_COAUTHORS,
    PROBLEM_MAX,
    PROPOSAL_MAX,
    TITLE_MAX,
    Suggestion,
    SuggestionAttachment,
    SuggestionCoauthor,
)
from blueprints.suggestions.services.events import record_event
from blueprints.suggestions.services.rules import can_edit
from blueprints.suggestions.services.serials import competition_year
from blueprints.workshops.models import Workshop
from extensions import db


@dataclass
class SuggestionInput:
    """What the author typed in the form."""

    title: str
    category: str
    problem: str = ""
    proposal: str = ""
    expected_benefit: str = ""
    workshop_id: int | None = None
    coauthor_nos: Sequence[str] = ()
    client_token: str | None = None
    competition_id: int | None = None  # filed under a running competition (SPEC §8)


def _check_text(data: SuggestionInput) -> None:
    """A title, a known category, and every text within its length."""
    if not data.title.strip():
        raise DomainError(N_("请填写标题。"), field="title")
    limits = (("title", TITLE_MAX), ("problem", PROBLEM_MAX), ("proposal", PROPOSAL_MAX),
              ("expected_benefit", BENEFIT_MAX))
    for name, limit in limits:
        if len(getattr(data, name) or "") > limit:
            raise DomainError(N_("内容过长：最多 %(n)s 个字。"), field=name, n=limit)
    if data.category not in CATEGORIES:
        raise DomainError(N_("请选择类别。"), field="category")


def check_complete(suggestion: Suggestion) -> None:
    """A suggestion needs its problem, proposal and expected benefit before it can be submitted."""
    for name, message in (("problem", N_("提交前请填写现状与问题。")),
                          ("proposal", N_("提交前请填写改进措施。")),
                          ("expected_benefit", N_("提交前请填写预期效益。"))):
        if not (getattr(suggestion, name) or "").strip():
            raise DomainError(message, field=name)


def check_workshop(workshop_id: int | None) -> None:
    """Only an approved workshop receives suggestions (None: the union reviews it)."""
    if workshop_id is None:
        return
    status = db.session.scalar(select(Workshop.status).where(Workshop.id == workshop_id))
    if status != "approved":
        raise DomainError(N_("只有已批准的创新工作室可以接收建议，请重新选择。"), field="workshop_id")


def resolve_coauthors(author, employee_nos: Sequence[str]) -> list[User]:
    """Co-authors by 工号: at most five, all existing and active, and not the author."""
    nos = list(dict.fromkeys(no.strip() for no in employee_nos if no.strip()))
    if len(nos) > MAX_COAUTHORS:
        raise DomainError(N_("合作者最多 %(n)s 人。"), field="coauthors", n=MAX_COAUTHORS)
    users, missing, inactive = resolve_people(nos)
    if missing:
        raise DomainError(N_("找不到这些工号：%(nos)s。"), field="coauthors", nos="、".join(missing))
    if inactive:
        raise DomainError(N_("这些人员的账号已停用，不能作为合作者：%(nos)s。"), field="coauthors",
                          nos="、".join(inactive))
    if any(user.id == author.id for user in users):
        raise DomainError(N_("您是作者，不必再把自己列为合作者。"), field="coauthors")
    return users


def read_attachments(files) -> list[CheckedUpload]:
    """The uploaded files checked (type, size, count); a refusal is shown next to the form's files field."""
    try:
        return read_uploads(files)
    except DomainError as error:
        raise DomainError(error.message, field="files", **error.params) from None


def _file_under(suggestion: Suggestion, author, competition_id: int | None) -> None:
    """File the suggestion under a running competition its author's unit (or a unit above) is enrolled in."""
    from blueprints.competitions.queries import department_path, may_file

    if competition_id is not None and competition_id != suggestion.competition_id:
        department_id = suggestion.department_id or author.department_id
        if not may_file(competition_id, department_path(department_id)):
            raise DomainError(N_("您的单位没有参加这项竞赛（或竞赛不在进行中），不能归入。"), field="competition_id")
    suggestion.competition_id = competition_id


def created_from_form(author, client_token: str | None) -> Suggestion | None:
    """The suggestion this author already created from the same opened form (a double submit), if any."""
    if not client_token:
        return None
    return db.session.scalar(select(Suggestion).where(Suggestion.author_id == author.id,
                                                      Suggestion.client_token == client_token))


def save_suggestion(suggestion: Suggestion | None, author, data: SuggestionInput, uploads: Sequence[CheckedUpload],
                    remove_attachment_ids: Iterable[int] = ()) -> Suggestion:
    """Create a draft, or edit a draft or returned suggestion; the author's files are added or removed too."""
    _check_text(data)
    check_workshop(data.workshop_id)
    coauthors = resolve_coauthors(author, data.coauthor_nos)
    if suggestion is None:
        now = utcnow()
        suggestion = Suggestion(author_id=author.id, department_id=author.department_id, status="draft",
                                year=competition_year(now), created_at=now, listed_at=now, title="",
                                category=data.category, client_token=(data.client_token or None))
        suggestion.coauthors = []
        suggestion.attachments = []
        db.session.add(suggestion)
        created = True
    else:
        if not can_edit(author, suggestion):
            raise DomainError(N_("这条建议当前是“%(status)s”状态，不能修改。"),
                              status=STATUS_LABELS[suggestion.status])
        created = False
    removing = [attachment for attachment in suggestion.attachments if attachment.id in set(remove_attachment_ids)]
    if len(suggestion.attachments) - len(removing) + len(uploads) > MAX_ATTACHMENTS:
        raise DomainError(N_("附件最多 %(n)s 个，请先删除一些再上传。"), field="files", n=MAX_ATTACHMENTS)

    suggestion.title = data.title.strip()
    suggestion.category = data.category
    suggestion.problem = data.problem.strip()
    suggestion.proposal = data.proposal.strip()
    suggestion.expected_benefit = data.expected_benefit.strip()
    suggestion.workshop_id = data.workshop_id
    _file_under(suggestion, author, data.competition_id)
    _set_coauthors(suggestion, coauthors)
    for attachment in removing:
        suggestion.attachments.remove(attachment)
        delete_stored(attachment.file)
    for upload in uploads:
        stored = store(upload, author.id)
        suggestion.attachments.append(SuggestionAttachment(file=stored))
    db.session.flush()
    if created:
        record_event(suggestion, author, "create", None, "draft")
        audit.record("suggestion.created", target=suggestion, actor=author, detail=suggestion.title)
    else:
        audit.record("suggestion.edited", target=suggestion, actor=author,
                     detail=f"removed={len(removing)} added={len(uploads)}")
    return suggestion


def _set_coauthors(suggestion: Suggestion, users: Sequence[User]) -> None:
    wanted = [user.id for user in users]
    keep = {coauthor.user_id: coauthor for coauthor in suggestion.coauthors if coauthor.user_id in wanted}
    for coauthor in list(suggestion.coauthors):
        if coauthor.user_id not in keep:
            suggestion.coauthors.remove(coauthor)
    for position, user_id in enumerate(wanted):
        if user_id in keep:
            keep[user_id].position = position
        else:
            suggestion.coauthors.append(SuggestionCoauthor(user_id=user_id, position=position))

