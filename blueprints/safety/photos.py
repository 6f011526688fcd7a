"""Hazard photos: the type is what Pillow finds in the bytes (never the file name), the size and the pixel count are
bounded (a decompression bomb is refused before it is decoded), and a JPEG thumbnail is made from every photo.

The thumbnail is re-encoded from the pixels, so it carries no metadata (camera, owner, place) and may be shown
inline; the original is kept as uploaded and only ever sent as a download to those who may see the reporter.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.uploads import CheckedUpload, clean_filename, store
from blueprints.safety.models import MAX_PHOTOS, HazardPhoto

MAX_PIXELS = 40_000_000  # about a 48-megapixel phone photo; anything larger is refused unread
FORMATS = {"JPEG": "jpg", "PNG": "png"}  # what Pillow identified -> the stored type (core.uploads.MIME)
THUMB_SIZE = (480, 480)


@dataclass
class CheckedPhoto:
    """A photo that passed every check, with its thumbnail already made."""

    name: str
    kind: str
    data: bytes
    thumb: bytes
    width: int
    height: int


def _open(data: bytes) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return Image.open(io.BytesIO(data))


def check_photo(filename: str | None, data: bytes) -> CheckedPhoto:
    """Refuse an empty, oversized or non-image file and a decompression bomb, naming the file; else the photo and
    its thumbnail."""
    name = clean_filename(filename)
    if not data:
        raise DomainError(N_("文件“%(name)s”是空的。"), field="photos", name=name)
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    if len(data) > limit:
        raise DomainError(N_("照片“%(name)s”超过 %(mb)s MB，请压缩后再上传。"), field="photos", name=name,
                          mb=limit // (1024 * 1024))
    try:
        image = _open(data)
        kind = FORMATS.get(image.format or "")
        if kind is None:
            raise DomainError(N_("“%(name)s”不是 JPG 或 PNG 照片，已拒绝。"), field="photos", name=name)
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise DomainError(N_("照片“%(name)s”的像素过多（%(w)s×%(h)s），已拒绝。"), field="photos", name=name,
                              w=width, h=height)
        thumb = _thumbnail(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DomainError(N_("照片“%(name)s”的像素过多，已拒绝。"), field="photos", name=name) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise DomainError(N_("“%(name)s”不是有效的照片，已拒绝。"), field="photos", name=name) from None
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return CheckedPhoto(f"{stem}.{kind}", kind, data, thumb, width, height)


def _thumbnail(image: Image.Image) -> bytes:
    image = ImageOps.exif_transpose(image)
    image = image.convert("RGB")
    image.thumbnail(THUMB_SIZE)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82, optimize=True)
    return out.getvalue()


def read_photos(files, already: int = 0) -> list[CheckedPhoto]:
    """Check a request's photo fields (werkzeug FileStorage list), skipping empty inputs; all pass or none."""
    present = [f for f in files if f and f.filename]
    if len(present) + already > MAX_PHOTOS:
        raise DomainError(N_("最多上传 %(n)s 张照片。"), field="photos", n=MAX_PHOTOS)
    return [check_photo(f.filename, f.read()) for f in present]


def store_photo(photo: CheckedPhoto, hazard_id: int, role: str) -> HazardPhoto:
    """Store the original and the thumbnail and add the photo's row (flushed by the caller's transaction). No
    uploader is written on the files: the report row alone knows the reporter (whistle-blower protection)."""
    original = store(CheckedUpload(photo.name, photo.kind, photo.data), None)
    thumb = store(CheckedUpload(f"thumb-{hazard_id}.jpg", "jpg", photo.thumb), None)
    from extensions import db

    db.session.flush()
    row = HazardPhoto(hazard_id=hazard_id, role=role, file_id=original.id, thumb_id=thumb.id, width=photo.width,
                      height=photo.height)
    db.session.add(row)
    return row
