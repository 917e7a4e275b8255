"""User accounts, roles and street scopes."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.coltypes import JSON, enum_type
from archive.extensions import db
from archive.roles import Role
from archive.timeutil import utcnow


class User(UserMixin, db.Model):
    """A person who logs in.  ``street`` is the scope: ``None`` means the whole district."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"))
    street: Mapped[str | None] = mapped_column(String(32))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"), index=True)
    locale: Mapped[str] = mapped_column(String(8), default="zh_CN", server_default="zh_CN")
    active: Mapped[bool] = mapped_column(default=True, server_default="1")
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default="0")
    # 三员分立: an account an administrator created or reset may not read personal data until an
    # approver (the security officer) activates it; see :mod:`archive.accounts.duties`.
    activation_pending: Mapped[bool] = mapped_column(default=False, server_default="0")
    last_login_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Bumped on log-out, password change or reset, disable and scope change: every session carries
    # the version it was issued with (see get_id) and stops working once it differs.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Staff declare their own ID number and their relatives' so that opening those files is flagged.
    id_number: Mapped[str | None] = mapped_column(String(18))

    person = relationship("Person", foreign_keys=[person_id])
    relatives: Mapped[list[UserRelative]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="UserRelative.id"
    )

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def is_active(self) -> bool:  # Flask-Login asks this
        return self.active

    @property
    def is_district_wide(self) -> bool:
        return self.street is None

    def get_id(self) -> str:
        # The session carries the version so a reset password logs out other sessions.
        return f"{self.id}:{self.session_version}"

    def may_see_street(self, street: str | None) -> bool:
        """Street scope: district-wide staff see everything, street staff only their street."""
        return self.street is None or street == self.street

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role} {self.street or 'district'}>"


class LoginFailure(db.Model):
    """One failed log-in, kept for the throttle window: throttling is per (IP, user name), not per account.

    Rows live in the database so that every server process sees the same counts.
    """

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_ip_username", "ip", "username"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ip: Mapped[str] = mapped_column(String(45))
    username: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(index=True, default=utcnow)

    def __repr__(self) -> str:
        return f"<LoginFailure {self.ip} {self.username}>"


class RequestAction(enum.StrEnum):
    """What an account request asks the second person to confirm."""

    ACTIVATE = "activate"
    DISABLE = "disable"
    ENABLE = "enable"
    RESET_PASSWORD = "reset_password"
    UPDATE = "update"


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"  # a newer request for the same account and action replaced it


class AccountRequest(db.Model):
    """An account change waiting for a second person (三员分立).

    ``action`` is ``activate`` (a new or reset account), or a change an administrator asked for on
    an auditor's account (``disable``, ``enable``, ``reset_password``, ``update``) with its
    ``payload`` (JSON; a reset carries the new password's hash, never the password).
    """

    __tablename__ = "account_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    action: Mapped[RequestAction] = mapped_column(enum_type(RequestAction, "request_action"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    status: Mapped[RequestStatus] = mapped_column(enum_type(RequestStatus, "request_status"),
                                                  default=RequestStatus.PENDING, server_default="pending", index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_by: Mapped[str] = mapped_column(String(64), default="", server_default="")
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str] = mapped_column(String(64), default="", server_default="")
    decided_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<AccountRequest {self.id} {self.action} user={self.user_id} {self.status}>"


class UserRelative(db.Model):
    """A relative declared by a staff member (亲属回避): their file is not for this user to open."""

    __tablename__ = "user_relatives"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    id_number: Mapped[str] = mapped_column(String(18))
    relation: Mapped[str] = mapped_column(String(32), default="", server_default="")

    user: Mapped[User] = relationship(back_populates="relatives")

    def __repr__(self) -> str:
        return f"<UserRelative {self.user_id} {self.relation}>"
