"""People and organisation: departments, users, login sessions, notifications, audit log and settings."""
from __future__ import annotations

import enum
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blueprints.core.types import UTCDateTime, utcnow
from extensions import db


class Role(enum.IntFlag):
    """The four roles; a user holds any combination, stored as a bit mask."""

    WORKER = 1
    LEAD = 2
    HR = 4
    ADMIN = 8
    SAFETY = 16

    @property
    def key(self) -> str:
        return self.name.lower()


ROLE_KEYS = {role.key: role for role in Role}
# Roles granted with a scope (a node of the tree and everything below it); the bit on the user means "holds at least
# one grant of this role" and is kept in step by core.grants.
SCOPED_ROLES = ("admin", "hr", "safety")

# Organisation levels of the tree, top down (SPEC §7): the city federation, district and industry unions, then
# enterprises and their branches, floors and teams.
ORG_KINDS = ("federation", "district", "industry", "enterprise", "branch", "floor", "team")
UNION_KINDS = ("federation", "district", "industry")

SKILL_LEVELS = ("无", "初级工", "中级工", "高级工", "技师", "高级技师")


class Department(db.Model):
    """A node of the organisation tree (enterprise → plant → workshop floor → team)."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    # Materialised path of ids, e.g. "/1/4/17/": a subtree is every row whose path starts with its root's path.
    path: Mapped[str] = mapped_column(String(255), index=True, default="/")
    depth: Mapped[int] = mapped_column(Integer, default=0, index=True)  # filter boxes offer the top levels
    kind: Mapped[str] = mapped_column(String(16), default="enterprise", server_default="enterprise",
                                      index=True)  # one of ORG_KINDS (core.org's rules)
    industry: Mapped[str | None] = mapped_column(String(50))  # optional classification (行业) for city reports
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[Department | None] = relationship(remote_side=[id], lazy="raise")

    def __repr__(self) -> str:
        return f"<Department {self.code}>"


class User(UserMixin, db.Model):
    """An employee who can sign in; the 工号 (employee_no) is the login name."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_no: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    # Full pinyin and initials ("zhangsan zs"), so a type-ahead finds 张三 from "zs".
    name_pinyin: Mapped[str] = mapped_column(String(200), default="")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    job_title: Mapped[str] = mapped_column(String(100), default="")
    skill_level: Mapped[str] = mapped_column(String(10), default="无")
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(120))
    role_mask: Mapped[int] = mapped_column(Integer, default=int(Role.WORKER))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    locale: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    department: Mapped[Department | None] = relationship(lazy="raise")

    # Set by the user loader: the login session this request authenticated with (see auth.services), the path of
    # the user's own enterprise and whether the tree has a federation root (core.scopes), and the unread count
    # for the navbar (core.notify; not columns).
    session_token = None  # str | None
    home_path = None  # str | None
    in_federation = False
    unread_at_load = None  # int | None

    def get_id(self) -> str:
        """Flask-Login stores the login-session token, never the user id, so a session can be revoked alone."""
        if not self.session_token:
            raise RuntimeError("user has no login session")
        return self.session_token

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return bool(self.active)

    @property
    def roles(self) -> set[str]:
        return {role.key for role in Role if self.role_mask & role}

    def has_role(self, *keys: str) -> bool:
        """True when the user holds any of the given role keys."""
        return any(self.role_mask & ROLE_KEYS[key] for key in keys)

    def set_roles(self, keys) -> None:
        mask = 0
        for key in keys:
            mask |= ROLE_KEYS[key]
        self.role_mask = mask

    def __repr__(self) -> str:
        return f"<User {self.employee_no}>"


# The search key column compares code point by code point on both databases (SQLite's BINARY already does; the
# "C" collation on PostgreSQL), so a prefix is one index range: key >= q AND key < successor(q).
SEARCH_KEY = Text().with_variant(Text(collation="C"), "postgresql")


class PersonSearchKey(db.Model):
    """One look-up key of a person (core.person_index): every suffix of the name, the pinyin from each word on and
    the 工号, ASCII lower-cased. A search for q reads the keys that start with q, never every user."""

    __tablename__ = "person_search_keys"

    key: Mapped[str] = mapped_column(SEARCH_KEY, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_person_search_keys_user", "user_id", "key"),)


class LoginSession(db.Model):
    """One signed-in browser; deleting the row ends that session everywhere, even for a replayed cookie."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # sha256 of the token kept in the cookie, so a leaked database does not hand out live sessions.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))

    user: Mapped[User] = relationship(lazy="raise")


class Notification(db.Model):
    """An in-app message to one user; the text is a message id rendered in the reader's language."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(String(500))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditLog(db.Model):
    """Who did what to which record, when and from where; rows are only ever added."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # What the actor typed or was known as (a failed login has no user, only the 工号 typed).
    actor_label: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")
    ip: Mapped[str | None] = mapped_column(String(45))
    # Whose part of the tree the entry concerns, recorded at write time (no foreign key: the log outlives nodes):
    # the actor's department, and the target person's department or the target node. A scoped admin's log is
    # the entries with either inside their scope.
    department_id: Mapped[int | None] = mapped_column(Integer, index=True)
    target_department_id: Mapped[int | None] = mapped_column(Integer, index=True)

    actor: Mapped[User | None] = relationship(lazy="raise")


class Setting(db.Model):
    """A value the admin can edit without a deploy (eligibility rules, reward amounts, blind review)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SettingOverride(db.Model):
    """An enterprise's own value of a setting registered as overridable (reward amounts, workshop rules)."""

    __tablename__ = "setting_overrides"

    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ImportBatch(db.Model):
    """A parsed upload waiting for the admin's confirmation (preview, then apply), kept in the database so any
    worker process can apply it."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    filename: Mapped[str] = mapped_column(String(200), default="")
    payload: Mapped[list] = mapped_column(JSON, default=list)


class StoredFile(db.Model):
    """An uploaded file kept outside static/ under a generated name; domains link to it and check access."""

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class YearlyCounter(db.Model):
    """The last number handed out per series and year (WX- suggestion serials, PX- certificates); never reused."""

    __tablename__ = "yearly_counters"

    series: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class RoleGrant(db.Model):
    """A scoped role: `user` holds `role` (admin, hr, safety) over `department` and everything below it.

    A grant without a department covers the whole tree: the migration gives one to every admin and HR user of an
    existing installation, so it behaves as before until someone narrows them.
    """

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "role", "department_id", name="uq_role_grants_user_role_dept"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# Where a skill-level change came from (SkillLevelChange.source): an admin editing the person, a completed
# master–apprentice pair, a contest's upgrade recommendation (other domains add theirs as they land).
SKILL_SOURCES = ("admin", "mentoring", "contest", "import")


class SkillLevelChange(db.Model):
    """One dated change of a person's skill level (技能等级), with why and from where; rows are only ever added."""

    __tablename__ = "skill_level_changes"
    __table_args__ = (Index("ix_skill_level_changes_user_changed", "user_id", "changed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    from_level: Mapped[str] = mapped_column(String(10))
    to_level: Mapped[str] = mapped_column(String(10))
    changed_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16))  # one of SKILL_SOURCES
    source_id: Mapped[int | None] = mapped_column(Integer)  # the record of that source (a pair's id), if any
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Job(db.Model):
    """A background job (SPEC §12): what to run for whom, where it stands, and what it produced or why it failed.

    The status moves only through core.jobs.TRANSITIONS; the failure reason is a message id and its parameters,
    translated when shown (like notifications), never a traceback.
    """

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_owner_created", "owner_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # a key of the core.jobs registry
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))  # None: the system's
    params: Mapped[dict] = mapped_column(JSON, default=dict)  # what the kind needs (an export's filters)
    locale: Mapped[str] = mapped_column(String(10), default="zh_CN")  # the owner's language when it was started
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int | None] = mapped_column(Integer)
    failure: Mapped[str | None] = mapped_column(String(500))  # a message id
    failure_params: Mapped[dict] = mapped_column(JSON, default=dict)
    outcome: Mapped[str | None] = mapped_column(String(500))  # what a done job did, a message id (an import's counts)
    outcome_params: Mapped[dict | None] = mapped_column(JSON)
    result_path: Mapped[str | None] = mapped_column(String(255))  # relative to JOBS_FOLDER
    result_name: Mapped[str | None] = mapped_column(String(200))  # the download name shown to the owner
    result_ascii: Mapped[str | None] = mapped_column(String(200))  # its ASCII fallback
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
