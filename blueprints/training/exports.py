"""Training exports: iCalendar files (per session and per person) and the roster / sign-in sheet as .xlsx."""
from __future__ import annotations

from flask import Response, current_app, url_for
from flask_babel import gettext as _
from icalendar import Calendar, Event

from blueprints.core import audit
from blueprints.core.database import begin_write
from blueprints.core.spreadsheets import XLSX_MIME, attachment_headers, build_workbook, clean_text, xlsx_response
from blueprints.core.types import utcnow
from blueprints.core.web import commit_read_side_effect
from blueprints.training import queries
from blueprints.training.labels import ATTENDANCE_LABELS, ENROLLMENT_BADGES, KIND_LABELS, RESULT_LABELS
from blueprints.training.models import TrainingSession
from extensions import db

ICS_MIME = "text/calendar; charset=utf-8"
# A calendar program knows an event by its UID alone: a draft is only pencilled in, a cancelled one is removed.
EVENT_STATUS = {"draft": "TENTATIVE", "cancelled": "CANCELLED"}


def build_calendar(sessions, name: str) -> bytes:
    """An iCalendar document with one event per session; all times in UTC (the 'Z' form)."""
    cal = Calendar()
    cal.add("prodid", "-//Worker Innovation & Skills Competition Portal//Training//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    # icalendar does not escape an X- property: a newline in a session title would break (assert on) the file.
    cal.add("x-wr-calname", " ".join(clean_text(name).split()))
    cal.add("x-wr-timezone", "UTC")
    now = utcnow()
    for training_session in sessions:
        event = Event()
        event.add("uid", event_uid(training_session.id))
        event.add("dtstamp", now)
        event.add("dtstart", training_session.starts_at)
        event.add("dtend", training_session.ends_at)
        # Stored text may hold control characters (Word's Shift+Enter is \x0b) that iCalendar forbids.
        event.add("summary", clean_text(training_session.title))
        event.add("location", clean_text(training_session.location or ""))
        text = training_session.description or ""
        if training_session.instructor:
            text = _("讲师 / 师傅：%(name)s", name=training_session.instructor) + "\n" + text
        event.add("description", clean_text(f"{KIND_LABELS.get(training_session.kind, '')}\n{text}".strip()))
        event.add("url", url_for("training.detail", session_id=training_session.id, _external=True))
        event.add("status", EVENT_STATUS.get(training_session.status, "CONFIRMED"))
        event.add("last-modified", training_session.updated_at)
        # Calendar programs replace an event when its sequence grows; edits bump updated_at.
        event.add("sequence", int(training_session.updated_at.timestamp()) // 60 % 2_000_000_000)
        cal.add_component(event)
    return cal.to_ical()


def event_uid(session_id: int) -> str:
    """The same UID whichever host name served the file, so one session never becomes two events."""
    return f"training-{session_id}@{current_app.config['CALENDAR_UID_DOMAIN']}"


def ics_response(sessions, filename: str, name: str, attachment: bool = True) -> Response:
    """Send sessions as an .ics download (or inline for a calendar subscription)."""
    response = Response(build_calendar(sessions, name), mimetype="text/calendar")
    response.headers["Content-Type"] = ICS_MIME
    if attachment:
        response.headers.update(attachment_headers(filename))
    return response


def _audit_export(training_session: TrainingSession, action: str, rows: int) -> None:
    """Exports of personal data are audited, in their own write transaction."""
    begin_write()
    audit.record(action, target=training_session, detail=f"rows={rows}")
    commit_read_side_effect()


def audit_print(session_id: int) -> None:
    """Record that the sign-in sheet was printed (it carries personal data)."""
    begin_write()
    audit.record("training.signin_printed", target=db.session.get(TrainingSession, session_id))
    commit_read_side_effect()


def roster_xlsx(training_session: TrainingSession) -> Response:
    """The active roster (confirmed, then the waitlist) with an empty signature column for the sign-in sheet."""
    session_id, title = training_session.id, training_session.title
    starts, location = training_session.starts_at, training_session.location
    rows = queries.full_roster(session_id)
    header = [_("序号"), _("工号"), _("姓名"), _("部门"), _("岗位"), _("技能等级"), _("状态"), _("候补位次"),
              _("考勤"), _("结果"), _("成绩"), _("证书编号"), _("签名")]
    data = []
    for n, (enrollment, user, department) in enumerate(rows, start=1):
        data.append([
            n, user.employee_no, user.name, department or "", user.job_title or "", user.skill_level,
            str(ENROLLMENT_BADGES[enrollment.status][0]), enrollment.waitlist_position or "",
            str(ATTENDANCE_LABELS.get(enrollment.attendance, "")), str(RESULT_LABELS.get(enrollment.result, "")),
            enrollment.score if enrollment.score is not None else "", enrollment.certificate_no or "", "",
        ])
    meta = [[_("培训"), title], [_("开始时间"), starts], [_("地点"), location or ""],
            [_("导出时间"), utcnow()]]
    body = build_workbook([
        (_("签到表"), header, data, [6, 12, 10, 16, 12, 10, 10, 9, 8, 8, 7, 16, 18]),
        (_("场次信息"), [_("项目"), _("内容")], meta, [12, 40]),
    ])
    _audit_export(db.session.get(TrainingSession, session_id), "training.roster_exported", len(data))
    return Response(body, mimetype=XLSX_MIME,
                    headers=attachment_headers(f"{title}-名单.xlsx", f"roster-{session_id}.xlsx"))


def template_xlsx() -> Response:
    """The file HR fills in to sign people up: a 工号 column (姓名 only to help reading it)."""
    example = [["worker2", _("（示例，可删除）")]]
    return xlsx_response("培训报名模板.xlsx", _("报名名单"), ["工号", "姓名"], example, [14, 20],
                         ascii_name="training-signup-template.xlsx")
