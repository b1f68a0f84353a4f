"""What the review area shows of call-backs: each message's state and history, and the queue.

Kept here, beside the outbox, so the review pages need one call and one partial template
(`review/_callback_messages.html`) however they are laid out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.messaging.models import CallbackRequest, OutboxEvent, OutboxMessage


@dataclass
class CallbackRecord:
    """A call's request (if any), its messages, and every event, oldest first."""

    request: CallbackRequest | None
    messages: list[OutboxMessage]
    events: dict[int | None, list[OutboxEvent]] = field(default_factory=dict)

    def events_of(self, message: OutboxMessage | None) -> list[OutboxEvent]:
        return self.events.get(message.id if message else None, [])

    def undelivered(self, purpose: str) -> str | None:
        """Why the request, its escalation or its handover (`purpose`), which was made, has
        reached nobody, or None once one of its messages was sent.

        The summary above the messages says a request was made, escalated or handed over; a
        supervisor reading "Escalated" or "Handed over to the emergency duty service" must not
        take it that someone was told when the mail server was down all night, every message
        failed, the team has nobody to send it to, or a supervisor held it back.
        """
        sent_for = [message for message in self.messages if message.purpose == purpose]
        if not sent_for:
            return "nobody to send it to"
        # A message whose link was used reached its reader, whatever its state says (a worker
        # that died between sending and recording leaves it to be set aside later).
        if any(message.status == "sent" or self._taken_from(message) for message in sent_for):
            return None
        waiting = [m for m in sent_for if m.status in ("queued", "sending")]
        wanted = self.request
        if waiting and wanted is not None and wanted.taken_at is not None:
            return f"not sent (taken by {wanted.taken_by} before it was sent)"
        if waiting:
            return "not sent yet"
        set_aside = [m for m in sent_for if m.status == "not needed"]
        why = max(
            (
                (item.id, item.detail)
                for message in set_aside
                for item in self.events_of(message)[-1:]
                if item.event == "not needed" and item.detail
            ),
            default=(0, ""),
        )[1]
        reason = f" ({why})" if why else ""
        if not set_aside:
            return "none of its messages could be sent"
        failed = len(sent_for) - len(set_aside)
        if not failed:
            return f"not sent{reason}"
        others = "the other was" if len(set_aside) == 1 else "the others were"
        return f"{failed} of its {len(sent_for)} messages failed and {others} not sent{reason}"

    def _taken_from(self, message: OutboxMessage) -> bool:
        return any(item.event == "taken" for item in self.events_of(message))


def callback_record(session: Session, call_id: int) -> CallbackRecord | None:
    """None for a call that sent no message and asked for no call back."""
    request = session.scalars(
        select(CallbackRequest).where(CallbackRequest.call_id == call_id)
    ).one_or_none()
    messages = list(
        session.scalars(
            select(OutboxMessage).where(OutboxMessage.call_id == call_id).order_by(OutboxMessage.id)
        )
    )
    if request is None and not messages:
        return None
    record = CallbackRecord(request, messages)
    query = select(OutboxEvent).where(OutboxEvent.call_id == call_id).order_by(OutboxEvent.id)
    for item in session.scalars(query):
        record.events.setdefault(item.message_id, []).append(item)
    return record
