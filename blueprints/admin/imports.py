"""User import from .xlsx/.csv: parse and check every row (preview), then apply all rows or none."""
from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete, func, select

from blueprints.core import audit
from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.models import SKILL_LEVELS, Department, ImportBatch, User
from blueprints.core.people import pinyin_key
from blueprints.core.spreadsheets import map_columns, read_table
from blueprints.core.types import utcnow
from extensions import db

COLUMNS = {
    "employee_no": ("工号", "employee_no", "employee no"),
    "name": ("姓名", "name"),
    "department_code": ("部门编码", "department_code", "department code"),
    "job_title": ("岗位", "job_title", "job title"),
    "skill_level": ("技能等级", "skill_level", "skill level"),
    "phone": ("手机", "phone", "mobile"),
}
REQUIRED = ("employee_no", "name", "department_code")
PHONE = re.compile(r"^\+?[0-9][0-9\- ]{4,19}$")
EMPLOYEE_NO = re.compile(r"^[A-Za-z0-9_\-]{1,32}$")


@dataclass
class ImportRow:
    """One data row of the file: its line number, values, what applying it would do, and any errors."""

    line: int
    values: dict
    action: str = "create"  # or "update"
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportPreview:
    """The checked file: rows, and counts for the summary."""

    rows: list[ImportRow]

    @property
    def bad_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.errors]

    @property
    def creates(self) -> int:
        return sum(1 for row in self.rows if row.action == "create")

    @property
    def updates(self) -> int:
        return sum(1 for row in self.rows if row.action == "update")


def parse_file(filename: str, data: bytes) -> list[ImportRow]:
    """Read the table and map its columns; the file as a whole is refused if unreadable or columns are missing."""
    table = read_table(filename, data)
    index = map_columns(table[0], COLUMNS, REQUIRED)
    rows = []
    for line, cells in enumerate(table[1:], start=2):
        values = {key: (cells[i] if i < len(cells) else "") for key, i in index.items()}
        for key in COLUMNS:
            values.setdefault(key, "")
        rows.append(ImportRow(line=line, values=values))
    if not rows:
        raise DomainError(N_("文件只有列名，没有人员数据。"))
    return rows


def check_rows(rows: list[ImportRow]) -> ImportPreview:
    """Check every row against the rules and the database (in bulk), marking each as create or update."""
    from flask_babel import gettext as _

    codes = {d.code: d.id for d in db.session.scalars(select(Department))}
    numbers = [row.values["employee_no"].lower() for row in rows if row.values["employee_no"]]
    existing = set()
    for chunk_start in range(0, len(numbers), 500):
        chunk = numbers[chunk_start:chunk_start + 500]
        existing.update(db.session.scalars(select(func.lower(User.employee_no))
                                           .where(func.lower(User.employee_no).in_(chunk))))
    seen: dict[str, int] = {}
    for row in rows:
        v = row.values
        no = v["employee_no"]
        if not no:
            row.errors.append(_("工号为空"))
        elif not EMPLOYEE_NO.match(no):
            row.errors.append(_("工号“%(no)s”只能包含字母、数字、下划线和横线", no=no))
        elif no.lower() in seen:
            row.errors.append(_("工号“%(no)s”与第 %(line)s 行重复", no=no, line=seen[no.lower()]))
        else:
            seen[no.lower()] = row.line
        if not v["name"]:
            row.errors.append(_("姓名为空"))
        elif len(v["name"]) > 50:
            row.errors.append(_("姓名超过 50 个字"))
        if not v["department_code"]:
            row.errors.append(_("部门编码为空"))
        elif v["department_code"] not in codes:
            row.errors.append(_("部门编码“%(code)s”不存在", code=v["department_code"]))
        if v["skill_level"] and v["skill_level"] not in SKILL_LEVELS:
            row.errors.append(_("技能等级“%(level)s”无效，应为：%(all)s", level=v["skill_level"],
                                all="、".join(SKILL_LEVELS)))
        if v["phone"] and not PHONE.match(v["phone"]):
            row.errors.append(_("手机号“%(phone)s”格式不对", phone=v["phone"]))
        if len(v["job_title"]) > 100:
            row.errors.append(_("岗位超过 100 个字"))
        row.action = "update" if no and no.lower() in existing else "create"
    return ImportPreview(rows=rows)


def stash(preview: ImportPreview, filename: str, user) -> str:
    """Keep a checked, error-free preview for the confirm step; returns its token."""
    db.session.execute(delete(ImportBatch).where(ImportBatch.created_at < utcnow() - timedelta(days=1)))
    token = secrets.token_urlsafe(24)
    db.session.add(ImportBatch(token=token, kind="users", created_by_id=user.id, filename=filename[:200],
                               payload=[{"line": r.line, "values": r.values} for r in preview.rows]))
    return token


def take_stash(token: str, user) -> tuple[list[ImportRow], str] | None:
    """The stashed rows for this admin's token (consumed), or None if unknown, foreign or already used."""
    batch = db.session.scalar(select(ImportBatch).where(ImportBatch.token == token, ImportBatch.kind == "users",
                                                         ImportBatch.created_by_id == user.id))
    if batch is None:
        return None
    rows = [ImportRow(line=item["line"], values=item["values"]) for item in batch.payload]
    filename = batch.filename
    db.session.delete(batch)
    return rows, filename


def apply_rows(rows: list[ImportRow], initial_password: str | None, actor=None,
               progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Create or update every row, all or nothing (the caller commits once); returns (created, updated).

    New accounts share one initial password, hashed once (so 10,000 rows take seconds, not hours), and
    must change it at their first login.
    """
    from blueprints.auth.services import check_password_policy, hash_password

    preview = check_rows(rows)
    if preview.bad_rows:
        raise DomainError(N_("有 %(n)s 行数据有错误，没有导入任何人员。"), n=len(preview.bad_rows))
    if preview.creates and not initial_password:
        raise DomainError(N_("有新人员要创建，请填写初始密码。"), field="initial_password")
    shared_hash = None
    if preview.creates:
        check_password_policy(initial_password)
        shared_hash = hash_password(initial_password)
    codes = {d.code: d.id for d in db.session.scalars(select(Department))}
    by_no = {}
    update_nos = [r.values["employee_no"].lower() for r in preview.rows if r.action == "update"]
    for chunk_start in range(0, len(update_nos), 500):
        chunk = update_nos[chunk_start:chunk_start + 500]
        for user in db.session.scalars(select(User).where(func.lower(User.employee_no).in_(chunk))):
            by_no[user.employee_no.lower()] = user
    now = utcnow()
    new_rows = []
    for done, row in enumerate(preview.rows, start=1):
        v = row.values
        fields = {
            "name": v["name"], "name_pinyin": pinyin_key(v["name"]),
            "department_id": codes[v["department_code"]], "job_title": v["job_title"],
            "skill_level": v["skill_level"] or "无", "phone": v["phone"] or None,
        }
        if row.action == "update":
            user = by_no[v["employee_no"].lower()]
            for key, value in fields.items():
                if key == "skill_level" and not v["skill_level"]:
                    continue  # a blank cell keeps the stored level
                if key == "phone" and not v["phone"]:
                    continue
                setattr(user, key, value)
        else:
            new_rows.append({**fields, "employee_no": v["employee_no"], "password_hash": shared_hash,
                             "must_change_password": True, "role_mask": 1, "active": True, "created_at": now})
        if progress:
            progress(done)
    if new_rows:
        db.session.execute(User.__table__.insert(), new_rows)
    db.session.flush()
    audit.record("user.import", actor=actor,
                 detail=f"created={preview.creates} updated={preview.updates} rows={len(preview.rows)}")
    return preview.creates, preview.updates
