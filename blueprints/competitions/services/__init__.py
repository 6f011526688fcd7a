"""Business rules of competitions (SPEC §8): lifecycle and enrolment, progress reports, assessment. Views call
these; each raises core.errors.DomainError to refuse and only flushes (core.web.action commits)."""
from blueprints.competitions.services.assessment import (  # noqa: F401
    answer_objection,
    finalise,
    publish_provisional,
    raise_objection,
    results_table,
    save_scores,
)
from blueprints.competitions.services.lifecycle import (  # noqa: F401
    TRANSITIONS,
    CompetitionData,
    IndicatorData,
    allowed_actions,
    create_competition,
    enrol,
    is_editable,
    transition,
    update_competition,
    withdraw,
)
from blueprints.competitions.services.reports import (  # noqa: F401
    REPORT_TRANSITIONS,
    decide_report,
    parse_figure,
    remind_overdue,
    save_report,
)
