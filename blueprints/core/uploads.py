"""Attachments: check the type from the file's contents, store under a generated name, send back safely.

Allowed types are pdf, jpg, png, docx, xlsx and pptx (QUALITY §7). The extension must agree with the contents:
an HTML page renamed to .pdf, or a program renamed to .png, is refused. Files live in UPLOAD_FOLDER (outside
static/), named by a random key, and are only ever sent as downloads with nosniff.
"""
from __future__ import annotations

import hashlib
import io
import re
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from flask import abort, current_app, send_file

from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.models import StoredFile
from blueprints.core.spreadsheets import attachment_headers
from extensions import db

MAX_FILES = 5
MAX_NAME = 200  # characters of a display name kept (the length of stored_files.original_name)
OOXML_PARTS = {
    "docx": "word/document.xml",
    "xlsx": "xl/workbook.xml",
    "pptx": "ppt/presentation.xml",
}
MIME = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
ALLOWED_EXTENSIONS = {"pdf": "pdf", "jpg": "jpg", "jpeg": "jpg", "png": "png", "docx": "docx", "xlsx": "xlsx",
                      "pptx": "pptx"}
ACCEPT_ATTR = ".pdf,.jpg,.jpeg,.png,.docx,.xlsx,.pptx"
_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>:\"|?*]")


@dataclass
class CheckedUpload:
    """An upload that passed every check, ready to store."""

    name: str
    kind: str
    data: bytes


def clean_filename(raw: str | None) -> str:
    """The display name of an upload: no directories (../../x), no control or reserved characters."""
    name = PurePosixPath((raw or "").replace("\\", "/")).name
    name = _UNSAFE.sub("_", name).strip(" .")
    if len(name) > MAX_NAME:
        # Shorten the stem, not the extension, which the type check reads (a long name is still a .pdf).
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[:MAX_NAME - len(extension) - 1].rstrip(" .") + "." + extension
        else:
            name = name[:MAX_NAME]
    return name or "file"


def sniff(data: bytes) -> str | None:
    """The allowed type the bytes really are (pdf, jpg, png, docx, xlsx, pptx), or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
        if "[Content_Types].xml" not in names:
            return None
        for kind, part in OOXML_PARTS.items():
            if part in names:
                return kind
    return None


def check_upload(filename: str | None, data: bytes) -> CheckedUpload:
    """Refuse empty, oversized, unknown or mislabelled files with a message naming the file."""
    name = clean_filename(filename)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if not data:
        raise DomainError(N_("文件“%(name)s”是空的。"), name=name)
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    if len(data) > limit:
        raise DomainError(N_("文件“%(name)s”超过 %(mb)s MB，请压缩后再上传。"), name=name, mb=limit // (1024 * 1024))
    expected = ALLOWED_EXTENSIONS.get(extension)
    if expected is None:
        raise DomainError(N_("不支持“%(name)s”的文件类型，只能上传 PDF、JPG、PNG、DOCX、XLSX、PPTX。"), name=name)
    actual = sniff(data)
    if actual != expected:
        raise DomainError(N_("文件“%(name)s”的内容与扩展名不符（不是真正的 %(ext)s 文件），已拒绝。"), name=name,
                          ext=extension.upper())
    return CheckedUpload(name=name, kind=actual, data=data)


def read_uploads(files) -> list[CheckedUpload]:
    """Check a request's file fields (werkzeug FileStorage list), skipping empty inputs; all pass or none."""
    present = [f for f in files if f and f.filename]
    if len(present) > MAX_FILES:
        raise DomainError(N_("最多上传 %(n)s 个附件。"), n=MAX_FILES)
    return [check_upload(f.filename, f.read()) for f in present]


def _path_for(key: str) -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / key[:2] / key


def store(upload: CheckedUpload, uploaded_by_id: int | None) -> StoredFile:
    """Write the file under a random key and add its row (flushed by the caller's transaction)."""
    key = secrets.token_hex(16)
    path = _path_for(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(upload.data)
    row = StoredFile(storage_key=key, original_name=upload.name, content_type=MIME[upload.kind],
                     size=len(upload.data), sha256=hashlib.sha256(upload.data).hexdigest(),
                     uploaded_by_id=uploaded_by_id)
    db.session.add(row)
    return row


def delete_stored(row: StoredFile) -> None:
    """Remove a file's row now and its bytes from disk (a missing file is not an error)."""
    path = _path_for(row.storage_key)
    db.session.delete(row)
    path.unlink(missing_ok=True)


def send_stored(row: StoredFile):
    """Send a stored file as a download (never inline), under its original name."""
    response = send_file(_path_for(row.storage_key), mimetype=row.content_type, as_attachment=True,
                         download_name=row.original_name, max_age=0)
    # Werkzeug's ASCII fallback of "方案.pdf" is ".pdf", a hidden file for curl: name it after the row instead.
    extension = row.original_name.rpartition(".")[2] if "." in row.original_name else ""
    response.headers.update(attachment_headers(row.original_name, f"file-{row.id}.{extension}".rstrip(".")))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def send_inline_image(row: StoredFile):
    """Send an image the portal made itself (a thumbnail re-encoded from pixels) inline, never cached, nosniff. Only
    for files the portal generated: an upload as sent by a user is always a download (send_stored)."""
    path = _path_for(row.storage_key)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def is_stored(row: StoredFile) -> bool:
    """Whether the file's bytes are on disk (a restored database may point at files that are not)."""
    return _path_for(row.storage_key).is_file()
