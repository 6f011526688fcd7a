"""User import from .xlsx/.csv: parse and check every row (preview), then apply all rows or none."""
from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, delete, func, or_, select, update

from blueprints.core import audit
from blueprints.core.errors import DomainError
from blueprints.core.i18n import N_
from blueprints.core.jobs import JobRun, enqueue, job_kind
from blueprints.core.models import SKILL_LEVELS, Department, ImportBatch, Job, User
from blueprints.core.passwords import check_password_policy, hash_password
from blueprints.core.people import check_employee_no, pinyin_key
from blueprints.core.scopes import Scope, scope_of
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
CHUNK = 500  # 工号 per IN (...) list: SQLite allows 999 bound parameters


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


def check_rows(rows: list[ImportRow], scope: Scope | None = None) -> ImportPreview:
    """Check every row against the rules and the database (in bulk), marking each as create or update; with a
    narrower admin `scope`, departments and existing people must lie inside it."""
    from flask_babel import gettext as _

    codes = set(db.session.scalars(_departments_in(scope, Department.code)))
    numbers = [row.values["employee_no"] for row in rows if row.values["employee_no"]]
    existing = _existing_nos(numbers)
    foreign = _outside_nos(numbers, scope) if scope is not None and not scope.everything else set()
    seen: dict[str, int] = {}
    for row in rows:
        _check_employee_no(row, seen)
        _check_values(row, codes)
        no = row.values["employee_no"].lower()
        row.action = "update" if no and no in existing else "create"
        if no in foreign:
            row.errors.append(_("工号“%(no)s”已被您管理范围以外的人员使用", no=row.values["employee_no"]))
    return ImportPreview(rows=rows)


def _departments_in(scope: Scope | None, *columns) -> Select:
    """The departments an import may place people in: all, or those inside the admin's scope."""
    stmt = select(*columns)
    if scope is not None:
        stmt = stmt.where(scope.path_clause(Department.path))
    return stmt


def _outside_nos(employee_nos, scope: Scope) -> set[str]:
    """Which of these 工号 (lower-cased) belong to people outside the scope (or without a department)."""
    found: set[str] = set()
    inside = scope.department_clause(User.department_id)
    for chunk in _chunks(employee_nos):
        found.update(db.session.scalars(select(func.lower(User.employee_no)).where(
            func.lower(User.employee_no).in_(chunk), or_(User.department_id.is_(None), ~inside))))
    return found


def _chunks(employee_nos) -> list[list[str]]:
    """The lower-cased 工号 without repeats, in lists short enough for one IN (...)."""
    numbers = list(dict.fromkeys(no.lower() for no in employee_nos))
    return [numbers[start:start + CHUNK] for start in range(0, len(numbers), CHUNK)]


def _existing_nos(employee_nos) -> set[str]:
    """Which of these 工号 (any case) are taken, lower-cased."""
    found: set[str] = set()
    for chunk in _chunks(employee_nos):
        found.update(db.session.scalars(select(func.lower(User.employee_no))
                                        .where(func.lower(User.employee_no).in_(chunk))))
    return found


def _users_by_no(employee_nos) -> dict[str, User]:
    """The users with these 工号 (any case), keyed by the lower-cased 工号."""
    found: dict[str, User] = {}
    for chunk in _chunks(employee_nos):
        stmt = select(User).where(func.lower(User.employee_no).in_(chunk))
        found.update((user.employee_no.lower(), user) for user in db.session.scalars(stmt))
    return found


def _check_employee_no(row: ImportRow, seen: dict[str, int]) -> None:
    """The 工号 rule of core.people, and no 工号 twice in one file (seen: 工号 → first line)."""
    from flask_babel import gettext as _

    no = row.values["employee_no"]
    if not no:
        row.errors.append(_("工号为空"))
        return
    try:
        check_employee_no(no)
    except DomainError as error:
        row.errors.append(_("工号“%(no)s”无效：%(reason)s", no=no, reason=str(error)))
        return
    if no.lower() in seen:
        row.errors.append(_("工号“%(no)s”与第 %(line)s 行重复", no=no, line=seen[no.lower()]))
    else:
        seen[no.lower()] = row.line


def _check_values(row: ImportRow, codes: set[str]) -> None:
    """Name, department code, skill level, phone and job title of one row."""
    from flask_babel import gettext as _

    v = row.values
    if not v["name"]:
        row.errors.append(_("姓名为空"))
    elif len(v["name"]) > 50:
        row.errors.append(_("姓名超过 50 个字"))
    if not v["department_code"]:
        row.errors.append(_("部门编码为空"))
    elif v["department_code"] not in codes:
        row.errors.append(_("部门编码“%(code)s”不存在或不在您的管理范围内", code=v["department_code"]))
    if v["skill_level"] and v["skill_level"] not in SKILL_LEVELS:
        row.errors.append(_("技能等级“%(level)s”无效，应为：%(all)s", level=v["skill_level"],
                            all="、".join(SKILL_LEVELS)))
    if v["phone"] and not PHONE.match(v["phone"]):
        row.errors.append(_("手机号“%(phone)s”格式不对", phone=v["phone"]))
    if len(v["job_title"]) > 100:
        row.errors.append(_("岗位超过 100 个字"))


def preview_upload(filename: str, data: bytes, user) -> tuple[ImportPreview, str | None]:
    """Read and check an uploaded file; an error-free preview is stashed for the confirm step (its token)."""
    preview = check_rows(parse_file(filename, data), scope_of(user, "admin"))
    token = None if preview.bad_rows else stash(preview, filename, user)
    return preview, token


def stash(preview: ImportPreview, filename: str, user) -> str:
    """Keep a checked, error-free preview for the confirm step; returns its token."""
    db.session.execute(delete(ImportBatch).where(ImportBatch.created_at < utcnow() - timedelta(days=1)))
    token = secrets.token_urlsafe(24)
    db.session.add(ImportBatch(token=token, kind="users", created_by_id=user.id, filename=filename[:200],
                               payload=[{"line": r.line, "values": r.values} for r in preview.rows]))
    return token


def _batch(token: str, user) -> ImportBatch | None:
    """The stash of this token if this admin made it."""
    return db.session.scalar(select(ImportBatch).where(ImportBatch.token == token, ImportBatch.kind == "users",
                                                       ImportBatch.created_by_id == user.id))


def stashed_rows(token: str, user) -> list[ImportRow] | None:
    """The stashed rows of this admin's token (left in place), or None if unknown, foreign or already used."""
    batch = _batch(token, user)
    if batch is None:
        return None
    return [ImportRow(line=item["line"], values=item["values"]) for item in batch.payload]


STASH_GONE = N_("这个导入已经执行过或已过期，请重新上传文件。")
APPLIED = N_("导入完成：新建 %(c)s 人，更新 %(u)s 人。")


def apply_stash(token: str, initial_password: str | None, actor, *,
                password_hash: str | None = None) -> tuple[int, int]:
    """Apply this admin's stashed import (consuming the token): every row or none; returns (created, updated)."""
    rows = stashed_rows(token, actor)
    # Consuming the token is the conditional step: of two confirms sent at once (a double click, two tabs) only
    # the one whose DELETE removed the stash applies it and writes the audit row.
    if rows is None or db.session.execute(delete(ImportBatch).where(ImportBatch.token == token)).rowcount != 1:
        raise DomainError(STASH_GONE)
    return apply_rows(rows, initial_password, actor=actor, scope=scope_of(actor, "admin"),
                      password_hash=password_hash)


def queue_stash(token: str, initial_password: str | None, actor) -> Job:
    """Check this admin's stash and the initial password now, and queue the apply as a background job (which
    consumes the token, all rows or none). The password travels hashed, and the job forgets even the hash."""
    rows = stashed_rows(token, actor)
    if rows is None:
        raise DomainError(STASH_GONE)
    shared_hash = _shared_password_hash(check_rows(rows, scope_of(actor, "admin")), initial_password)
    return enqueue(IMPORT_JOB, actor, {"token": token, "rows": len(rows), "password_hash": shared_hash})


IMPORT_JOB = "admin.import_users"


@job_kind(IMPORT_JOB, _l("人员导入"), writes=True, result_endpoint="admin.users", result_label=_l("查看人员名单"))
def import_job(run: JobRun) -> None:
    """Apply a queued import as its admin: every row in one transaction, or none (the job then fails with the
    reason, e.g. a row that became invalid since the preview); its page then says what was created and updated."""
    run.set_total(int(run.params.get("rows") or 0))  # before the write transaction (SQLite: progress waits for it)
    forget = update(Job).where(Job.id == run.job_id).values(
        params={key: value for key, value in run.params.items() if key != "password_hash"})
    try:
        created, updated = apply_stash(run.params["token"], None, run.owner,
                                       password_hash=run.params.get("password_hash"))
    except DomainError:
        db.session.rollback()
        db.session.execute(forget)
        db.session.commit()
        raise
    db.session.execute(forget)
    db.session.commit()
    run.report(APPLIED, c=created, u=updated)


def apply_rows(rows: list[ImportRow], initial_password: str | None, actor=None,
               progress: Callable[[int], None] | None = None, scope: Scope | None = None, *,
               password_hash: str | None = None) -> tuple[int, int]:
    """Create or update every row, all or nothing (the caller commits once); returns (created, updated).

    New accounts share one initial password, hashed once (so 10,000 rows take seconds, not hours), and
    must change it at their first login; `password_hash` is that password already checked and hashed (a queued
    import's).
    """
    preview = check_rows(rows, scope)
    shared_hash = _shared_password_hash(preview, initial_password, password_hash)
    codes = {d.code: d.id for d in db.session.scalars(select(Department))}
    by_no = _users_by_no(r.values["employee_no"] for r in preview.rows if r.action == "update")
    now = utcnow()
    new_rows = []
    for done, row in enumerate(preview.rows, start=1):
        fields = _user_fields(row.values, codes)
        if row.action == "update":
            _update_user(by_no[row.values["employee_no"].lower()], row.values, fields)
        else:
            new_rows.append({**fields, "employee_no": row.values["employee_no"], "password_hash": shared_hash,
                             "must_change_password": True, "role_mask": 1, "active": True, "created_at": now})
        if progress:
            progress(done)
    if new_rows:
        db.session.execute(User.__table__.insert(), new_rows)
    db.session.flush()
    audit.record("user.import", actor=actor,
                 detail=f"created={preview.creates} updated={preview.updates} rows={len(preview.rows)}")
    return preview.creates, preview.updates


def _shared_password_hash(preview: ImportPreview, initial_password: str | None,
                          password_hash: str | None = None) -> str | None:
    """Refuse a file with bad rows, or new people without an acceptable initial password; hash that password once
    (or take `password_hash`, checked and hashed when the import was queued)."""
    if preview.bad_rows:
        raise DomainError(N_("有 %(n)s 行数据有错误，没有导入任何人员。"), n=len(preview.bad_rows))
    if not preview.creates:
        return None
    if password_hash:
        return password_hash
    if not initial_password:
        raise DomainError(N_("有新人员要创建，请填写初始密码。"), field="initial_password")
    check_password_policy(initial_password, field="initial_password")
    return hash_password(initial_password)


def _user_fields(values: dict, codes: dict[str, int]) -> dict:
    """The User columns a row sets."""
    return {
        "name": values["name"], "name_pinyin": pinyin_key(values["name"]),
        "department_id": codes[values["department_code"]], "job_title": values["job_title"],
        "skill_level": values["skill_level"] or "无", "phone": values["phone"] or None,
    }


def _update_user(user: User, values: dict, fields: dict) -> None:
    """Update an existing person; a blank skill level or phone cell keeps the stored value."""
    for key, value in fields.items():
        if key in ("skill_level", "phone") and not values[key]:
            continue
        setattr(user, key, value)
