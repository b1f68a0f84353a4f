"""The review area's own records: accounts, reviews of calls, worked call-backs, failed logins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ivr.models import Base, UTCDateTime

ROLES = ("supervisor", "admin")
REVIEW_STATUSES = ("reviewed", "follow_up")


class User(Base):
    """A supervisor or admin; never deleted, only disabled, so the audit log's names stay true."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(256))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Part of every session's id (get_id): raising it ends every session opened before
    # (logout, a new password, disabling or enabling the account).
    session_generation: Mapped[int] = mapped_column(Integer, default=0)

    # Flask-Login's user interface.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return not self.disabled

    @property
    def is_anonymous(self) -> bool:
        return False

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def get_id(self) -> str:
        """Flask-Login's "alternative token": the id with the account's session generation."""
        return f"{self.id}.{self.session_generation}"

    def end_sessions(self) -> None:
        """Every session opened before now stops working at its next request."""
        self.session_generation += 1


class Review(Base):
    """Where a call stands with the supervisors: its latest review; the audit log keeps the rest."""

    __tablename__ = "reviews"

    call_id: Mapped[int] = mapped_column(
        ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class CallbackDone(Base):
    """A call-back request worked by a supervisor; a request without one is still open."""

    __tablename__ = "callbacks_done"

    call_id: Mapped[int] = mapped_column(
        ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True
    )
    note: Mapped[str] = mapped_column(Text, default="")
    by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class LoginFailures(Base):
    """Failed logins per account and source, kept in the database so every worker agrees.

    The source is where the tries come from (an address, or a browser the account logged in
    from before), so a guesser locks only their own tries, never the account's owner.
    """

    __tablename__ = "login_failures"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_at: Mapped[datetime] = mapped_column(UTCDateTime())
