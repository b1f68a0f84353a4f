"""The record of a call, as supervisors read it: one `Call` row and its ordered `Step` rows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """Store naive UTC, hand back aware UTC: SQLite keeps no zone, and records are read in UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("call record times must be timezone-aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class Call(Base):
    __tablename__ = "calls"
    __table_args__ = (
        Index("ix_calls_started_at", "started_at"),
        Index(
            "ix_calls_outcome_started",
            "outcome",
            "started_at",
            "id",
            "out_of_hours",
            "transfer_status",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    # Six digits, one more only when those run out (references.py); 12 leaves room to spare.
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    caller: Mapped[str | None] = mapped_column(String(32))
    out_of_hours: Mapped[bool] = mapped_column(Boolean)
    outcome: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(32))
    family_informed: Mapped[str | None] = mapped_column(String(32))
    # The person's agreement as the `agreement` question was answered: agreed, refused, not_asked.
    consent: Mapped[str | None] = mapped_column(String(16))
    transfer_to: Mapped[str | None] = mapped_column(String(32))
    transfer_status: Mapped[str | None] = mapped_column(String(16))
    # Why the transfer was made (its whisper: referral, adult_referral, advice, not_understood),
    # so a failed one tells the caller whether a referral has not been made, whatever the
    # outcome on the record (a less urgent advice given first stays there).
    transfer_reason: Mapped[str | None] = mapped_column(String(32))
    callback_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="in_progress")
    # Where the caller is in the flow, so any worker can answer the next webhook.
    state: Mapped[str] = mapped_column(String(64))
    trail: Mapped[list[str]] = mapped_column(JSON, default=list)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    step_count: Mapped[int] = mapped_column(Integer, default=0)

    steps: Mapped[list[Step]] = relationship(
        back_populates="call", order_by="Step.seq", cascade="all, delete-orphan"
    )


class Step(Base):
    __tablename__ = "steps"
    # One row per answer: a webhook delivered twice cannot record the same answer twice.
    __table_args__ = (UniqueConstraint("call_id", "seq", name="uq_steps_call_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    step: Mapped[str] = mapped_column(String(64))
    input: Mapped[str] = mapped_column(String(256), default="")
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    call: Mapped[Call] = relationship(back_populates="steps")

    def as_dict(self) -> dict[str, str | None]:
        return {"step": self.step, "input": self.input, "kind": self.kind, "at": iso(self.at)}


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, the form exports and logs use."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # SHA-256 over this entry and the hash of the one before it (ivr.audit).
    hash: Mapped[str | None] = mapped_column(String(64))
