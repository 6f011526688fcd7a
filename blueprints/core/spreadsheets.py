"""Reading uploaded .xlsx/.csv tables and writing .xlsx exports and download headers, shared by every domain."""
from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.exceptions import InvalidFileException

from blueprints.core.clock import to_local_naive
from blueprints.core.errors import DomainError
from blueprints.core.forms import clean_text as clean_input
from blueprints.core.i18n import N_

MAX_ROWS = 50000
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell_text(value) -> str:
    """A cell as text: 10023.0 from Excel becomes "10023", dates become ISO strings."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return clean_text(str(value)).strip()


# What a damaged .xlsx raises from inside openpyxl: a broken zip or deflate stream, malformed XML in any part
# (ElementTree's ParseError and lxml's XMLSyntaxError are SyntaxErrors), a missing part or sheet, a bad cell.
DAMAGED_XLSX = (zipfile.BadZipFile, zlib.error, InvalidFileException, SyntaxError, KeyError, IndexError, ValueError,
                TypeError, AttributeError, OSError, EOFError)


def _read_xlsx(data: bytes) -> list[list[str]]:
    """Rows of the first sheet of a workbook; a file that cannot be read at any point is one clear refusal."""
    unreadable = DomainError(N_("无法读取这个 Excel 文件，它可能已损坏或不是 .xlsx 格式。"))
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except DAMAGED_XLSX:
        raise unreadable from None
    try:
        if not book.worksheets:
            raise DomainError(N_("这个 Excel 文件里没有工作表。"))
        rows = []
        for row in book.worksheets[0].iter_rows(values_only=True):
            rows.append([_cell_text(v) for v in row])
            if len(rows) > MAX_ROWS + 1:
                raise DomainError(N_("文件行数过多（最多 %(n)s 行）。"), n=MAX_ROWS)
    except DAMAGED_XLSX:
        raise unreadable from None
    finally:
        book.close()
    return rows


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """Rows of an uploaded .xlsx or .csv (first sheet), every cell as stripped text; raise DomainError if unreadable."""
    name = (filename or "").lower()
    if not data:
        raise DomainError(N_("文件是空的。"))
    if name.endswith(".xlsx"):
        rows = _read_xlsx(data)
    elif name.endswith(".csv"):
        text = None
        # Excel on Chinese Windows saves CSV in GB18030; UTF-8 (with or without BOM) is tried first.
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        if text is None or "\x00" in text:
            raise DomainError(N_("无法识别 CSV 文件的编码，请另存为 UTF-8 编码的 CSV 或 .xlsx。"))
        try:
            rows = [[clean_text(cell).strip() for cell in row] for row in csv.reader(io.StringIO(text))]
        except csv.Error:
            raise DomainError(N_("CSV 文件格式有误，无法解析。")) from None
        if len(rows) > MAX_ROWS + 1:
            raise DomainError(N_("文件行数过多（最多 %(n)s 行）。"), n=MAX_ROWS)
    else:
        raise DomainError(N_("只支持 .xlsx 或 .csv 文件。"))
    rows = [row for row in rows if any(cell for cell in row)]
    if not rows:
        raise DomainError(N_("文件里没有数据。"))
    return rows


def map_columns(header: Sequence[str], columns: dict[str, Sequence[str]], required: Iterable[str]) -> dict[str, int]:
    """Find each wanted column by any of its accepted header names; raise listing the missing required ones."""
    normalised = [h.strip().lower() for h in header]
    found: dict[str, int] = {}
    for key, names in columns.items():
        for name in names:
            if name.lower() in normalised:
                found[key] = normalised.index(name.lower())
                break
    missing = [columns[key][0] for key in required if key not in found]
    if missing:
        raise DomainError(N_("缺少必需的列：%(cols)s。第一行应是列名：%(all)s。"), cols="、".join(missing),
                          all="、".join(names[0] for names in columns.values()))
    return found


def xlsx_response(filename: str, title: str, header: Sequence[str], rows: Iterable[Sequence], widths=None,
                  ascii_name: str | None = None):
    """Stream a one-sheet workbook built in openpyxl's write-only mode (constant memory) as a download."""
    from flask import Response

    data = build_workbook([(title, header, rows, widths)])
    return Response(data, mimetype=XLSX_MIME, headers=attachment_headers(filename, ascii_name))


# A header (or, in a two-column label/value sheet, a label) naming the currency unit marks money: every export
# already writes the unit in its headers, in both languages, so the format follows from what people read.
MONEY_UNITS = ("（元）", "(yuan)")
MONEY_FORMAT = "#,##0.00"
# Wider than this (in Excel character widths) does not fit an A4 portrait page at a readable scale.
PORTRAIT_MAX_WIDTH = 100
DEFAULT_WIDTH = 10
MAX_FITTED_WIDTH = 50  # longer text wraps


def build_workbook(sheets) -> bytes:
    """Bytes of a workbook with one sheet per (title, header, rows, widths) tuple (see save_workbook)."""
    out = io.BytesIO()
    save_workbook(out, sheets)
    return out.getvalue()


def save_workbook(target, sheets) -> None:
    """Write a workbook with one sheet per (title, header, rows, widths) tuple, row by row, to a path or file.

    Every sheet prints the same way: fit to one page wide (landscape when wide), the header row repeated on every
    page, thin borders around the table, page numbers in the footer, money in #,##0.00. Rows may be a generator:
    openpyxl's write-only mode keeps memory flat however many there are (a background export of 100,000 rows).
    """
    book = Workbook(write_only=True)
    styles = None
    for title, header, rows, widths in sheets:
        sheet = book.create_sheet(title=clean_text(title)[:31])
        styles = styles or _Styles(sheet)
        widths = _fitted_widths(header, rows, widths)
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[_column_letter(index)].width = width
        _print_setup(sheet, sum(widths))
        sheet.append([styles.cell(sheet, "header", clean_text(str(name))) for name in header])
        money_columns = {i for i, name in enumerate(header) if _names_money(str(name))}
        label_sheet = len(header) == 2
        for row in rows:
            money_row = label_sheet and _names_money(row[0] if row else None)
            cells = []
            for i, value in enumerate(row):
                is_money = _is_number(value) and (i in money_columns or (money_row and i > 0))
                cells.append(styles.cell(sheet, "money" if is_money else "body", _excel_safe(value)))
            sheet.append(cells)
    book.save(target)


def _fitted_widths(header, rows, widths) -> list[float]:
    """Column widths: the given ones (or a default), widened to the longest text when the rows are already in
    memory, so "沿用 滨江重工集团有限公司" is not cut; streamed rows (large exports) keep the given widths."""
    given = list(widths or [])
    result = [given[i] if i < len(given) else DEFAULT_WIDTH for i in range(len(header))]
    if isinstance(rows, (list, tuple)):
        for row in [header, *rows]:
            for i, value in enumerate(row[:len(result)]):
                if isinstance(value, str) or _is_number(value):
                    result[i] = max(result[i], min(_display_width(str(value)) + 2, MAX_FITTED_WIDTH))
    return result


def _display_width(text: str) -> int:
    """Width in Excel character units: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _print_setup(sheet, total_width: float) -> None:
    """Fit to one page wide (landscape when wide), repeat the header row, number the pages."""
    sheet.page_setup.paperSize = "9"  # A4
    sheet.page_setup.orientation = "landscape" if total_width > PORTRAIT_MAX_WIDTH else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages tall as needed
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.oddFooter.center.text = "&P / &N"
    sheet.freeze_panes = "A2"


class _Styles:
    """The three cell styles of every sheet, built once and copied onto each cell (styling cell by cell is slow)."""

    def __init__(self, sheet):
        from copy import copy

        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        self._copy, self._cell_class = copy, WriteOnlyCell
        thin = Side(style="thin", color="808080")
        border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self._styles = {}
        for name, font, fill, fmt in (("header", Font(bold=True), PatternFill("solid", fgColor="E7E6E6"), None),
                                      ("body", None, None, None), ("money", None, None, MONEY_FORMAT)):
            cell = WriteOnlyCell(sheet)  # a prototype, never appended
            cell.border = border
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            if font is not None:
                cell.font = font
            if fill is not None:
                cell.fill = fill
            if fmt is not None:
                cell.number_format = fmt
            self._styles[name] = cell._style

    def cell(self, sheet, style: str, value):
        cell = self._cell_class(sheet)
        cell._style = self._copy(self._styles[style])
        cell.value = value  # after the style: a date sets its own number format
        return cell


def _names_money(name) -> bool:
    return isinstance(name, str) and name.rstrip().endswith(MONEY_UNITS)


def _is_number(value) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def clean_text(value: str) -> str:
    """Text as the portal stores it (core.forms.clean_text) and without the control characters that XML 1.0 (xlsx)
    and iCalendar refuse, for what was stored before input was cleaned (Word's \\x0b, a stored NUL)."""
    return ILLEGAL_CHARACTERS_RE.sub("", clean_input(value))


def _excel_safe(value):
    """A value as it may go into a cell: refused control characters dropped, formulas neutralised (a leading
    = + - @ in user text is quoted against CSV/formula injection), aware times in the user's zone."""
    if isinstance(value, str):
        value = clean_text(value)
        if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
            return "'" + value
        return value
    if isinstance(value, datetime) and value.tzinfo is not None:
        return to_local_naive(value)
    return value


def attachment_headers(filename: str, ascii_name: str | None = None) -> dict[str, str]:
    """Content-Disposition of every download: the UTF-8 name (RFC 6266 filename*) and a real ASCII fallback.

    Without `ascii_name` the fallback keeps the ASCII words of the name ("training-12.ics"); a name without any
    ASCII letters ("五小建议-20261204.xlsx") is named after the endpoint instead ("suggestions-export-20261204.xlsx"),
    never ".xlsx" or "-2026-.xlsx", which curl and some browsers save as a hidden or nameless file.
    """
    from urllib.parse import quote

    filename = clean_text(filename).replace("\n", " ").replace("\r", " ").replace("\t", " ")
    fallback = _ascii_fallback(ascii_name or filename, named=ascii_name is not None)
    return {"Content-Disposition": f"attachment; filename=\"{fallback}\"; "
                                   f"filename*=UTF-8''{quote(filename, safe='')}"}


def _ascii_fallback(filename: str, named: bool) -> str:
    stem, dot, extension = filename.rpartition(".")
    if not dot:
        stem, extension = filename, ""
    extension = "".join(re.findall(r"[A-Za-z0-9]", extension))
    words = re.findall(r"[A-Za-z0-9]+(?:[._][A-Za-z0-9]+)*", stem)
    if not named and not any(re.search(r"[A-Za-z]", word) for word in words):
        words = [*_endpoint_words(), *words]
    base = "-".join(words) or "download"
    return f"{base}.{extension}" if extension else base


def _endpoint_words() -> list[str]:
    """The request's endpoint as ASCII words ("suggestions.rewards_export" -> suggestions, rewards, export)."""
    from flask import has_request_context, request

    endpoint = request.endpoint if has_request_context() else None
    return re.findall(r"[A-Za-z0-9]+", endpoint or "") or ["download"]
