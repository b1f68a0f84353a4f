"""The outbox's tables: call-back requests, the messages queued for them, and what happened.

Messages hang off the call (and its request, when they belong to one), so purging a call
record removes its messages too: they carry the caller's number.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from ivr.models import Base, Call, UTCDateTime, iso

CHANNELS = ("sms", "email")


class CallbackRequest(Base):
    """A caller asked the team a transfer was for to call them back: one per call."""

    __tablename__ = "callback_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), unique=True)
    team: Mapped[str] = mapped_column(String(32))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The line's public address when it was requested: the escalation's link goes there too.
    link_base: Mapped[str] = mapped_column(String(512))
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    taken_by: Mapped[str | None] = mapped_column(String(320))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # When the handover to the duty team that came on after `team` was settled, once: made, or
    # found to have nobody to go to (ivr.messaging.handover); and to whom, if anyone.
    handover_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handed_over_to: Mapped[str | None] = mapped_column(String(32))

    messages: Mapped[list[OutboxMessage]] = relationship(
        back_populates="request", order_by="OutboxMessage.id"
    )


class OutboxMessage(Base):
    """One text or e-mail to one address, written whole when queued so a worker only sends it."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("callback_requests.id", ondelete="CASCADE"), index=True
    )
    # callback (a request sent to a team), escalation, or advice (texted to the caller)
    purpose: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    # queued: waiting for a worker (again, after a failure that may pass); sending: claimed by a
    # worker until claimed_until; sent; failed: refused for good, with why; not needed: someone
    # had the request before it could go (ivr.messaging.worker.not_needed)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Twilio's message SID, or the e-mail's Message-ID: what the provider knows it by.
    provider_ref: Mapped[str | None] = mapped_column(String(256))
    last_error: Mapped[str | None] = mapped_column(String(500))

    request: Mapped[CallbackRequest | None] = relationship(back_populates="messages")


class OutboxEvent(Base):
    """What happened to a request or a message, and when: the call's record shows these."""

    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("callback_requests.id", ondelete="CASCADE")
    )
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="CASCADE")
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    # requested, queued, sent, retry, failed, not needed, taken, escalated
    event: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(String(500), default="")

    # `Call.outbox_events`, for the record of a call; the database deletes them with the call.
    call: Mapped[Call] = relationship(
        backref=backref("outbox_events", order_by="OutboxEvent.id", passive_deletes=True)
    )

    def as_dict(self) -> dict[str, str | None]:
        return {"event": self.event, "at": iso(self.at), "detail": self.detail}


class WorkerBeat(Base):
    """A call-back worker that is running, as of when it last said so (ivr.messaging.heartbeat)."""

    __tablename__ = "callback_workers"

    # host:pid, as the worker names itself when it claims a message.
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
