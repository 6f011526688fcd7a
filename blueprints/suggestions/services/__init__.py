"""Business rules of suggestions, one module per concern; this package re-exports their public API, so callers in
the domain write `services.submit(...)`. Every function only flushes; the view commits once (core.web.action).
A refusal is a DomainError carrying a Chinese message id. Other domains read through suggestions.queries instead.
"""
from __future__ import annotations

from blueprints.suggestions.models import ADOPTED, SERIAL_SERIES
from blueprints.suggestions.queries import (
    admin_clause,
    approved_workshops,
    detail_link,
    has_endorsed,
    identity_hidden,
    in_admin_scope,
    is_participant,
    load_for_page,
    load_with_people,
    mark_participation,
    participant_expression,
    reviewed_workshop_ids,
    reviewed_workshops,
    reviews_workshop,
    visible_clause,
    workshop_name,
)
from blueprints.suggestions.services.answers import (
    BulkResult,
    bulk_decide,
    create_template,
    delete_template,
    templates_for,
    usable_template,
    visible_template,
)
from blueprints.suggestions.services.awards import (
    GRADE_THRESHOLDS,
    LEDGER_ORDER,
    MAX_REWARD,
    SHARE_TOTAL,
    LedgerFilters,
    amount_refusal,
    award,
    equal_shares,
    ledger_export_rows,
    ledger_statement,
    lines_out_of_scope,
    mark_paid,
    parse_share,
    percent,
    reward_for,
    split_reward,
    suggested_grade,
)
from blueprints.suggestions.services.conversation import add_comment, add_note, toggle_endorsement
from blueprints.suggestions.services.editing import (
    SuggestionInput,
    check_complete,
    created_from_form,
    read_attachments,
    resolve_coauthors,
    save_suggestion,
)
from blueprints.suggestions.services.inputs import parse_money
from blueprints.suggestions.services.lists import (
    SORTS,
    ListFilters,
    export_rows,
    filtered_statement,
    list_page,
    list_rows_statement,
    similar_suggestions,
)
from blueprints.suggestions.services.queue import (
    QUEUE_ORDER,
    QUEUE_STATUSES,
    QueueFilters,
    pending_review_count,
    queue_counts,
    queue_row,
    queue_statement,
    review_scope,
)
from blueprints.suggestions.services.recommendations import (
    can_recommend,
    decisions_for,
    recommend,
    recommendation_of,
    recommendation_with_steps,
    steps_of,
    waiting_count,
    waiting_statement,
)
from blueprints.suggestions.services.recommendations import decide as decide_recommendation
from blueprints.suggestions.services.rules import (
    DECISIONS,
    EDITABLE,
    ENDORSABLE,
    REASSIGNABLE,
    TRANSITIONS,
    allowed_actions,
    can,
    can_comment,
    can_edit,
    can_endorse,
    can_reassign,
    can_see_notes,
    can_see_reward,
    can_view,
    is_review_user,
    is_reviewer,
)
from blueprints.suggestions.services.serials import allocate_serial, competition_year
from blueprints.suggestions.services.transitions import (
    ARRIVAL_MESSAGE,
    AWARD_MESSAGES,
    MAX_BENEFIT,
    TRANSITION_MESSAGES,
    accept,
    check_scores,
    implement,
    reassign,
    reject,
    return_for_changes,
    submit,
    transition,
    withdraw,
)
from blueprints.suggestions.settings import BLIND_REVIEW, REWARD_DEFAULTS, REWARD_SETTING, blind_review

__all__ = [
    "ADOPTED", "ARRIVAL_MESSAGE", "AWARD_MESSAGES", "BLIND_REVIEW", "DECISIONS", "EDITABLE", "ENDORSABLE",
    "GRADE_THRESHOLDS", "LEDGER_ORDER", "MAX_BENEFIT", "MAX_REWARD", "QUEUE_ORDER", "QUEUE_STATUSES",
    "REASSIGNABLE", "REWARD_DEFAULTS", "REWARD_SETTING", "SERIAL_SERIES", "SHARE_TOTAL", "SORTS", "TRANSITIONS",
    "TRANSITION_MESSAGES", "BulkResult", "LedgerFilters", "ListFilters", "QueueFilters", "SuggestionInput",
    "accept", "add_comment", "admin_clause", "can_recommend", "decide_recommendation", "decisions_for",
    "in_admin_scope", "lines_out_of_scope", "recommend", "recommendation_of", "recommendation_with_steps",
    "steps_of", "waiting_count", "waiting_statement",
    "add_note", "allocate_serial", "allowed_actions", "amount_refusal", "annotations",
    "approved_workshops", "award", "blind_review", "bulk_decide", "can", "can_comment", "can_edit", "can_endorse",
    "can_reassign", "can_see_notes", "can_see_reward", "can_view", "check_complete", "check_scores",
    "competition_year", "create_template", "created_from_form", "delete_template", "detail_link", "equal_shares",
    "export_rows", "filtered_statement", "has_endorsed", "identity_hidden", "implement", "is_participant",
    "is_review_user", "is_reviewer", "ledger_export_rows", "ledger_statement", "list_page",
    "list_rows_statement", "load_for_page", "load_with_people", "mark_paid", "mark_participation", "parse_money",
    "parse_share", "participant_expression", "pending_review_count", "percent", "queue_counts", "queue_row",
    "queue_statement", "read_attachments", "reassign", "reject", "resolve_coauthors", "return_for_changes",
    "review_scope", "reviewed_workshop_ids", "reviewed_workshops", "reviews_workshop", "reward_for",
    "save_suggestion", "similar_suggestions", "split_reward", "submit", "suggested_grade", "templates_for",
    "toggle_endorsement", "transition", "usable_template", "visible_clause", "visible_template", "withdraw",
    "workshop_name",
]
