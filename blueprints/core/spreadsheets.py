"""Reading uploaded .xlsx/.csv tables and writing .xlsx exports, shared by every domain."""
from __future__ import annotations

import csv
import io
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from blueprints.core.errors import DomainError
from blueprints.core.forms import clean_text
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


def xlsx_response(filename: str, title: str, header: Sequence[str], rows: Iterable[Sequence], widths=None):
    """Stream a one-sheet workbook built in openpyxl's write-only mode (constant memory) as a download."""
    from flask import Response

    data = build_workbook([(title, header, rows, widths)])
    return Response(data, mimetype=XLSX_MIME, headers=attachment_headers(filename))


def build_workbook(sheets) -> bytes:
    """Bytes of a workbook with one sheet per (title, header, rows, widths) tuple, written row by row."""
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, header, rows, widths in sheets:
        sheet = book.create_sheet(title=title[:31])
        for index, width in enumerate(widths or [], start=1):
            sheet.column_dimensions[_column_letter(index)].width = width
        from openpyxl.cell import WriteOnlyCell

        cells = []
        for name in header:
            cell = WriteOnlyCell(sheet, value=str(name))
            cell.font = bold
            cells.append(cell)
        sheet.append(cells)
        for row in rows:
            sheet.append([_excel_safe(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def _excel_safe(value):
    """Neutralise spreadsheet formulas in user text (CSV/formula injection): a leading = + - @ is quoted."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    if isinstance(value, datetime) and value.tzinfo is not None:
        from flask_babel import to_user_timezone

        return to_user_timezone(value).replace(tzinfo=None)
    return value


def attachment_headers(filename: str) -> dict[str, str]:
    """Content-Disposition for a download with a non-ASCII name (RFC 6266 filename*)."""
    from urllib.parse import quote

    ascii_name = filename.encode("ascii", "ignore").decode() or "download"
    return {"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"}
