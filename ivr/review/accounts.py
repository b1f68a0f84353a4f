"""Supervisor and admin accounts: create, disable, enable, set and check a password."""

from __future__ import annotations

from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr import audit
from ivr.review import throttle
from ivr.review.models import ROLES, User

_hasher = PasswordHasher()
# Checked when the name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password anyone has")
MIN_PASSWORD = 12


class AccountError(ValueError):
    """A request about accounts that cannot be carried out, said in words for the person."""


def find(db: Session, username: str) -> User | None:
    return db.scalars(select(User).where(User.username == username)).one_or_none()


def add(db: Session, at: datetime, actor: str, username: str, role: str, password: str) -> User:
    """Create an account; its password is stored only as an argon2id hash."""
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if not username or len(username) > 64 or not username.isprintable() or " " in username:
        raise AccountError("a name is 1 to 64 printable characters without spaces")
    _require_strong(password)
    if find(db, username) is not None:
        raise AccountError(f"{username} already exists")
    user = User(
        username=username,
        role=role,
        password_hash=_hasher.hash(password),
        disabled=False,
        created_at=at,
        session_generation=0,
    )
    db.add(user)
    audit.write(db, at, actor, "user_added", username=username, role=role)
    return user


def _require_strong(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")


def _existing(db: Session, username: str) -> User:
    user = find(db, username)
    if user is None:
        raise AccountError(f"no account named {username}")
    return user


def disable(db: Session, at: datetime, actor: str, username: str) -> None:
    """Disable an account; it is kept, so the audit log's names keep pointing at someone."""
    user = _existing(db, username)
    user.disabled = True
    user.end_sessions()
    audit.write(db, at, actor, "user_disabled", username=username)


def enable(db: Session, at: datetime, actor: str, username: str) -> None:
    """Let a disabled account log in again, and clear any lock its failed logins left.

    Sessions from before it was disabled stay ended: enabling is not a way back into them.
    """
    user = _existing(db, username)
    user.disabled = False
    user.end_sessions()
    throttle.forgive(db, username)
    audit.write(db, at, actor, "user_enabled", username=username)


def set_password(db: Session, at: datetime, actor: str, username: str, password: str) -> None:
    """A new password (forgotten, or possibly seen by someone else): the old one stops working.

    The failed-login count is cleared too, so the person can log in at once with the new one,
    and every open session ends: whoever knew the old password is logged out.
    """
    _require_strong(password)
    user = _existing(db, username)
    user.password_hash = _hasher.hash(password)
    user.end_sessions()
    throttle.forgive(db, username)
    audit.write(db, at, actor, "password_set", username=username)


def check_password(user: User | None, password: str) -> bool:
    """Whether the password is right; spends the same effort when there is no such user."""
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return user is not None
