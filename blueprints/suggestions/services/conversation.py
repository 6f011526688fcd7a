"""The conversation around a suggestion: public comments, +1s from colleagues and private reviewer notes."""
from __future__ import annotations

from sqlalchemy import delete, func, select, update

from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.notify import notify
from blueprints.core.types import utcnow
from blueprints.suggestions.models import ReviewerNote, Suggestion, SuggestionComment, SuggestionEndorsement
from blueprints.suggestions.queries import detail_link
from blueprints.suggestions.services.inputs import clean_comment
from blueprints.suggestions.services.rules import can_comment, can_endorse, can_see_notes
from extensions import db


def dialect_insert(model):
    """INSERT for the database in use, which offers ON CONFLICT DO NOTHING on both SQLite and PostgreSQL."""
    name = db.session.get_bind().dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model)


def add_comment(suggestion: Suggestion, actor, body: str) -> SuggestionComment:
    """A public comment; the author hears about it (unless it is theirs)."""
    if not can_comment(actor, suggestion):
        raise DomainError(N_("这条建议现在不能评论。"))
    text = clean_comment(body, N_("请填写评论内容。"), "body")
    comment = SuggestionComment(suggestion_id=suggestion.id, author_id=actor.id, body=text)
    db.session.add(comment)
    if actor.id != suggestion.author_id:
        notify(suggestion.author_id, N_("%(name)s 评论了您的建议 %(serial)s《%(title)s》。"),
               link=detail_link(suggestion) + "#comments", name=actor.name, serial=suggestion.serial,
               title=suggestion.title)
    return comment


def toggle_endorsement(suggestion: Suggestion, actor) -> bool:
    """+1 or take the +1 back; returns whether the user now endorses it. The count is recounted from the rows, so
    two quick clicks or two tabs can never count a person twice."""
    endorsed = db.session.scalar(select(SuggestionEndorsement.user_id).where(
        SuggestionEndorsement.suggestion_id == suggestion.id, SuggestionEndorsement.user_id == actor.id))
    if endorsed is None:
        if not can_endorse(actor, suggestion):
            raise DomainError(N_("这条建议现在不能点赞。"))
        db.session.execute(dialect_insert(SuggestionEndorsement)
                           .values(suggestion_id=suggestion.id, user_id=actor.id, created_at=utcnow())
                           .on_conflict_do_nothing())
        now_endorsed = True
    else:
        db.session.execute(delete(SuggestionEndorsement).where(
            SuggestionEndorsement.suggestion_id == suggestion.id, SuggestionEndorsement.user_id == actor.id))
        now_endorsed = False
    recount = (select(func.count()).select_from(SuggestionEndorsement)
               .where(SuggestionEndorsement.suggestion_id == suggestion.id).scalar_subquery())
    db.session.execute(update(Suggestion).where(Suggestion.id == suggestion.id)
                       .values(endorsement_count=recount).execution_options(synchronize_session=False))
    db.session.expire(suggestion, ["endorsement_count"])
    return now_endorsed


def add_note(suggestion: Suggestion, actor, body: str) -> ReviewerNote:
    """A private note for the suggestion's reviewers."""
    if not can_see_notes(actor, suggestion):
        raise DomainError(N_("只有这条建议的审核人可以写审核备注。"))
    text = clean_comment(body, N_("请填写备注内容。"), "body")
    note = ReviewerNote(suggestion_id=suggestion.id, author_id=actor.id, body=text)
    db.session.add(note)
    return note
