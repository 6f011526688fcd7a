"""Business rules of training signups, along their seams: the status machine (rules), seats and the waitlist under
the session lock (seats), one person's enrolment (enrolment), bulk signup (bulk), a session's life (lifecycle),
attendance, results, certificates and reminders (records), calendar feeds (feeds). Functions only flush; the view's
request pipeline commits once. Seats are the rule that must never break: see seats.
"""
from blueprints.training.services.bulk import MAX_BULK, BulkLine, bulk_enroll, parse_roster_file
from blueprints.training.services.enrolment import (
    Eligibility,
    SignupResult,
    active_enrollment,
    eligibility_of,
    move_in_waitlist,
    new_enrollment,
    overlapping_sessions,
    remove_trainee,
    signup,
    signup_problem,
    withdraw,
    withdraw_problem,
)
from blueprints.training.services.feeds import feed_token, subscribe_feed, user_for_feed
from blueprints.training.services.lifecycle import (
    SessionData,
    change_capacity,
    create_session,
    transition,
    update_session,
)
from blueprints.training.services.records import (
    issue_certificates,
    mark_all_present,
    next_certificate_numbers,
    send_reminders,
    set_attendance,
    set_result,
)
from blueprints.training.services.rules import (
    EDITABLE,
    RECORDING,
    ROSTER_OPEN,
    TRANSITIONS,
    allowed_actions,
    can_transition,
    is_editable,
    is_recording,
    is_roster_open,
    local_text,
    recording_problem,
    records_later,
    session_link,
    start_has_passed,
)
from blueprints.training.services.seats import lock_session, promote_waitlist, take_seats

__all__ = [
    "EDITABLE", "MAX_BULK", "RECORDING", "ROSTER_OPEN", "TRANSITIONS", "BulkLine", "Eligibility", "SessionData",
    "SignupResult", "active_enrollment", "allowed_actions", "bulk_enroll", "can_transition", "change_capacity",
    "create_session", "eligibility_of", "feed_token", "is_editable", "is_recording", "is_roster_open",
    "issue_certificates", "local_text", "lock_session", "mark_all_present", "move_in_waitlist", "new_enrollment",
    "next_certificate_numbers", "overlapping_sessions", "parse_roster_file", "promote_waitlist", "recording_problem",
    "records_later", "remove_trainee", "send_reminders", "session_link", "set_attendance", "set_result", "signup",
    "signup_problem", "start_has_passed", "subscribe_feed", "take_seats", "transition", "update_session",
    "user_for_feed", "withdraw", "withdraw_problem",
]
