"""Escalation: a request nobody took in time goes to the team's escalation contacts, once.

The request is locked while it is escalated and marked in the same transaction that queues the
escalation's messages, so two workers cannot both escalate it, and a crash escalates it whole
or not at all.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, not_, select
from sqlalchemy.orm import Session

from ivr import audit
from ivr.messaging.models import CallbackRequest
from ivr.messaging.outbox import addresses, event, outbox, queue
from ivr.models import Call
from ivr.review.claims import CallbackClaim
from ivr.review.models import CallbackDone

ACTOR = "ivr worker"
BATCH = 50


def unattended_after(now: datetime) -> ColumnElement[bool]:
    """Nobody has it (not taken from a link, nor handled or done in the review area), and it is
    older than the time allowed: due an escalation, and a handover (ivr.messaging.handover).

    A supervisor's "I'm handling this" counts as a take: the escalation tells the duty manager
    nobody has taken the call back, which would then be untrue. One handed back to the queue
    counts again, so a request held past the time and put back is escalated at once.
    """
    minutes = outbox().line.config["callbacks"]["acknowledge_within_minutes"]
    done = exists().where(CallbackDone.call_id == CallbackRequest.call_id)
    claimed = exists().where(CallbackClaim.call_id == CallbackRequest.call_id)
    return and_(
        CallbackRequest.taken_at.is_(None),
        CallbackRequest.requested_at <= now - timedelta(minutes=minutes),
        not_(done),
        not_(claimed),
    )


def waiting_too_long(now: datetime) -> ColumnElement[bool]:
    return and_(unattended_after(now), CallbackRequest.escalated_at.is_(None))


def any_overdue(session: Session, now: datetime) -> bool:
    found = session.scalar(select(CallbackRequest.id).where(waiting_too_long(now)).limit(1))
    return found is not None


def overdue(session: Session, now: datetime) -> list[CallbackRequest]:
    """The requests to escalate now, locked (skipping those another worker holds)."""
    query = (
        select(CallbackRequest)
        .where(waiting_too_long(now))
        .order_by(CallbackRequest.requested_at, CallbackRequest.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(query))


def escalate(session: Session, request: CallbackRequest, now: datetime) -> int:
    """Queue the escalation's messages and mark the request escalated; how many were queued."""
    call = session.get(Call, request.call_id)
    if call is None:
        return 0
    contacts = addresses(outbox().line.config, request.team, escalate=True)
    request.escalated_at = now
    queued = queue(session, call, request, "escalation", contacts, now)
    detail = (
        f"{queued} message(s) to the escalation contacts"
        if queued
        else ("no escalation contacts are configured for this team")
    )
    event(session, call.id, now, "escalated", request=request, detail=detail)
    audit.write(
        session,
        now,
        ACTOR,
        "callback_escalated",
        reference=call.reference,
        team=request.team,
        messages=queued,
    )
    return queued
