"""Exports as real clients use them: printed workbooks, stored control characters, download names, calendar files."""
from __future__ import annotations

import io
import re

import pytest
from icalendar import Calendar
from openpyxl import load_workbook
from sqlalchemy import select

from blueprints.core.spreadsheets import attachment_headers, build_workbook
from extensions import db
from tests.fixtures_suggestions import PDF_BYTES
from tests.jobs_helpers import export_file

MONEY_FORMAT = "#,##0.00"
FALLBACK = re.compile(r'filename="([^"]*)"')


def _book(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return load_workbook(io.BytesIO(response.data))


def _fallback(response) -> str:
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''" in disposition
    return FALLBACK.search(disposition).group(1)


def assert_prints_one_page_wide(sheet, landscape: bool) -> None:
    """Fit to one page wide, as many tall as needed, the header row on every page, the whole table bordered."""
    assert sheet.page_setup.orientation == ("landscape" if landscape else "portrait"), sheet.title
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
    assert sheet.print_title_rows == "$1:$1"
    for row in sheet.iter_rows(min_row=1, max_row=sheet.max_row, max_col=sheet.max_column):
        for cell in row:
            sides = (cell.border.left, cell.border.right, cell.border.top, cell.border.bottom)
            assert all(side.style == "thin" for side in sides), (sheet.title, cell.coordinate)


# --- Printing -----------------------------------------------------------------------------------------------------


def test_the_roster_prints_landscape_on_one_page_wide_with_a_bordered_signature_column(client, login_as,
                                                                                    make_session, session_people,
                                                                                    session_enroll):
    session = make_session(capacity=2, title="焊工培训")
    session_enroll(session.id, *session_people(3))
    login_as("hr")
    book = _book(client.get(f"/training/{session.id}/roster.xlsx"))
    roster, meta = book.worksheets
    assert_prints_one_page_wide(roster, landscape=True)
    assert_prints_one_page_wide(meta, landscape=False)
    signature = [row[-1] for row in roster.iter_rows(min_row=2)]
    assert len(signature) == 3 and all(cell.value is None and cell.border.right.style == "thin" for cell in signature)


def test_the_import_template_fits_one_portrait_page(client, login_as):
    login_as("admin")
    book = _book(client.get("/admin/import/template.xlsx"))
    sheet = book.active
    assert sheet.max_column == 6 and sheet.cell(row=1, column=6).value == "手机"
    assert_prints_one_page_wide(sheet, landscape=False)


def test_suggestion_export_prints_and_formats_money(client, login_as, make_user, make_suggestion):
    login_as("admin")
    make_suggestion(make_user(), status="implemented", title="冷却液回收")
    sheet = _book(export_file(client, "/suggestions/export")).active
    assert_prints_one_page_wide(sheet, landscape=True)
    header = [cell.value for cell in sheet[1]]
    benefit = sheet.cell(row=2, column=header.index("年经济效益（元）") + 1)
    assert float(benefit.value) == pytest.approx(12345.67) and benefit.number_format == MONEY_FORMAT
    assert sheet.cell(row=2, column=header.index("评分") + 1).number_format == "General"


def test_stats_workbook_prints_every_sheet_and_formats_money(client, auth, stats_org):
    auth.login("st-admin")
    book = _book(export_file(client, "/stats/export?year=2025"))
    for sheet in book.worksheets:
        widths = sum(sheet.column_dimensions[c.column_letter].width for c in sheet[1])
        assert_prints_one_page_wide(sheet, landscape=widths > 100)
    departments = book["各单位参与情况"]
    header = [cell.value for cell in departments[1]]
    source = header.index("目标来源") + 1
    # "沿用 滨江重工集团有限公司" is 13 characters of double width: the column holds it, and longer names wrap.
    assert departments.column_dimensions[departments.cell(row=1, column=source).column_letter].width >= 28
    assert departments.cell(row=2, column=source).alignment.wrap_text
    benefit = departments.cell(row=2, column=header.index("年经济效益（元）") + 1)
    assert benefit.number_format == MONEY_FORMAT
    overview = {row[0].value: row[1] for row in book["概览"].iter_rows(min_row=2)}
    assert overview["奖励金额（元）"].number_format == MONEY_FORMAT
    assert overview["人数"].number_format == "General"


def test_money_follows_the_unit_in_either_language():
    data = build_workbook([("s", ["Name", "Amount (yuan)", "Rate (%)"], [["a", 1234.5, 12.5], ["b", "", 1]], None)])
    sheet = load_workbook(io.BytesIO(data)).active
    assert [c.number_format for c in sheet[2]] == ["General", MONEY_FORMAT, "General"]
    assert sheet.cell(row=3, column=2).number_format == "General"  # text in a money column is left alone


def test_columns_widen_to_their_longest_text_unless_the_rows_are_streamed():
    long_name = "合计（滨江重工集团有限公司）"  # 14 characters of double width
    listed = load_workbook(io.BytesIO(build_workbook([("s", ["部门", "人数"], [[long_name, 3]], [22, 8])]))).active
    assert listed.column_dimensions["A"].width >= 28 and listed.column_dimensions["B"].width == 8
    streamed = load_workbook(io.BytesIO(build_workbook([("s", ["部门", "人数"], iter([[long_name, 3]]), [22, 8])])))
    assert streamed.active.column_dimensions["A"].width == 22  # a large export is never read twice


# --- Stored control characters ------------------------------------------------------------------------------------


@pytest.mark.parametrize("app", ["sqlite", "postgres"], indirect=True)
def test_a_title_with_control_characters_still_exports(app, client, login_as, make_user, make_suggestion):
    """Word's Shift+Enter stores \\x0b; openpyxl refuses it (IllegalCharacterError), which answered 500 for all."""
    login_as()
    make_suggestion(make_user(), title="第一行\x0b第二行\x01")
    response = export_file(client, "/suggestions/export")
    sheet = _book(response).active
    assert sheet.cell(row=2, column=2).value == "第一行第二行"


def test_the_builder_strips_control_characters_from_every_string_cell():
    data = build_workbook([("表\x0b", ["名称\x00"], [["a\x00b\x1fc"], ["=cmd\x0b"]], None)])
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == "表"
    assert [row[0] for row in sheet.iter_rows(values_only=True)] == ["名称", "abc", "'=cmd"]


def test_a_roster_of_a_session_titled_with_a_control_character_exports(client, login_as, make_session):
    session = make_session(title="叉车\x0b培训", location="3 号库\x0b东")
    login_as("hr")
    response = client.get(f"/training/{session.id}/roster.xlsx")
    meta = _book(response)["场次信息"]
    assert meta.cell(row=2, column=2).value == "叉车培训"
    assert _fallback(response) == f"roster-{session.id}.xlsx"


# --- Download names -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "roles", "expected"), [
    ("/suggestions/export", ("worker",), r"suggestions-export-\d{8}\.xlsx"),
    ("/suggestions/rewards/export", ("admin",), r"suggestions-rewards-export-\d{8}\.xlsx"),
    ("/workshops/export.xlsx", ("admin",), r"workshops-export\.xlsx"),
    ("/admin/import/template.xlsx", ("admin",), r"admin-user-import-template\.xlsx"),
    ("/training/roster-template.xlsx", ("hr",), r"training-signup-template\.xlsx"),
    ("/stats/export?year=2026", ("admin",), r"stats-export-2026\.xlsx"),
    ("/training/my.ics", ("worker",), r"my-trainings\.ics"),
])
def test_every_download_has_a_real_ascii_fallback_name(client, login_as, url, roles, expected):
    login_as(*roles)
    # The large exports run as background jobs: their file comes from the job's download link.
    response = export_file(client, url) if "export" in url and ".xlsx" not in url else client.get(url)
    assert response.status_code == 200
    assert re.fullmatch(expected, _fallback(response)), response.headers["Content-Disposition"]


def test_session_calendar_and_roster_downloads_are_named_by_id(client, login_as, make_session):
    session = make_session(title="叉车培训")
    login_as("hr")
    assert _fallback(client.get(f"/training/{session.id}.ics")) == f"training-{session.id}.ics"
    assert _fallback(client.get(f"/training/{session.id}/roster.xlsx")) == f"roster-{session.id}.xlsx"


def test_an_attachment_with_a_chinese_name_downloads_under_a_real_fallback(app, client, auth, suggestion_setup,
                                                                          suggestion_form_data):
    w = suggestion_setup
    auth.login(w.author.employee_no)
    data = {**suggestion_form_data(action="draft"), "files": [(io.BytesIO(PDF_BYTES), "改进方案.pdf")]}
    response = client.post("/suggestions/new", data=data, content_type="multipart/form-data")
    suggestion_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        from blueprints.suggestions.models import SuggestionAttachment

        attachment = db.session.scalars(select(SuggestionAttachment)).one()
        attachment_id, file_id = attachment.id, attachment.file_id
    response = client.get(f"/suggestions/{suggestion_id}/files/{attachment_id}")
    assert response.data == PDF_BYTES
    assert _fallback(response) == f"file-{file_id}.pdf"
    assert "filename*=UTF-8''%E6%94%B9%E8%BF%9B%E6%96%B9%E6%A1%88.pdf" in response.headers["Content-Disposition"]


def test_attachment_headers_never_leave_an_empty_or_hidden_name(app):
    with app.test_request_context("/x"):
        for name in (".xlsx", "-20261204.xlsx", "-2026-.xlsx", "名单", '"引号"\r\n.xlsx'):
            disposition = attachment_headers(name)["Content-Disposition"]
            fallback = FALLBACK.search(disposition).group(1)
            assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", fallback), (name, fallback)
            assert "\n" not in disposition and "\r" not in disposition
    assert FALLBACK.search(attachment_headers("Roster list.xlsx")["Content-Disposition"]).group(1) == \
        "Roster-list.xlsx"


# --- iCalendar ----------------------------------------------------------------------------------------------------


def _event(response):
    assert response.status_code == 200
    (event,) = Calendar.from_ical(response.data).walk("VEVENT")
    return event


@pytest.mark.parametrize(("status", "expected"), [
    ("draft", "TENTATIVE"), ("open", "CONFIRMED"), ("closed", "CONFIRMED"), ("completed", "CONFIRMED"),
    ("cancelled", "CANCELLED")])
def test_the_event_status_follows_the_session(client, login_as, make_session, status, expected):
    session = make_session(status=status)
    login_as("hr")
    assert str(_event(client.get(f"/training/{session.id}.ics"))["STATUS"]) == expected


def test_newlines_and_control_characters_in_title_and_location_keep_the_file_valid(app, client, login_as,
                                                                                   make_session):
    session = make_session(title="叉车培训\n第二期\x0b", location="3 号库;东门\r\n二楼\x00" if
                           app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") else "3 号库;东门\r\n二楼")
    login_as()
    response = client.get(f"/training/{session.id}.ics")
    assert b"\x0b" not in response.data and b"\x00" not in response.data
    event = _event(response)
    assert str(event["SUMMARY"]) == "叉车培训\n第二期"
    assert str(event["LOCATION"]).replace("\r\n", "\n") == "3 号库;东门\n二楼"
    # Every content line is a property or a folded continuation: the newline did not start a line of its own.
    for line in response.data.decode().split("\r\n"):
        assert not line or line[0] == " " or re.match(r"[A-Z-]+[;:]", line), line


def test_the_uid_does_not_depend_on_the_host_name(app, client, login_as, make_session, session_enroll):
    """A calendar subscribed under two host names (intranet name and IP) must not show each session twice."""
    from blueprints.training import services

    user = login_as()
    session = make_session()
    assert session_enroll(session.id, user.id) == ["confirmed"]
    client.post("/training/my/feed")
    with app.app_context():
        token = services.feed_token(user.id)
    events = [e for host in ("portal.example.com", "10.0.0.5:8000")
              for e in Calendar.from_ical(client.get(f"/training/feed/{token}.ics", headers={"Host": host}).data)
              .walk("VEVENT")]
    assert "portal.example.com" in str(events[0]["URL"]) and "10.0.0.5" in str(events[1]["URL"])
    assert {str(e["UID"]) for e in events} == {f"training-{session.id}@{app.config['CALENDAR_UID_DOMAIN']}"}
