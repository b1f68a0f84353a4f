"""Handover: a request still not taken when its team goes off duty goes to the team on now.

Escalation tells the team's own escalation contacts, who go home with it: a front door asked
at 16:40 and escalated at 16:55 has nobody reading its messages from 17:00, and the emergency
duty service, who answer from then, would never know a caller is waiting. A request is handed
over once it is overdue (a team is given its minutes to take it first) and its team is no
longer the one on call for what the caller rang about; once, as escalation is, and locked and
marked in the transaction that queues its messages.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from ivr import audit
from ivr.line import Line
from ivr.messaging.escalation import BATCH, unattended_after
from ivr.messaging.models import CallbackRequest
from ivr.messaging.outbox import addresses, can_call_back, event, outbox, queue
from ivr.models import Call

ACTOR = "ivr worker"


def off_duty_teams(line: Line, now: datetime) -> set[str]:
    """The duty teams not on call now: only their requests can be due a handover."""
    duty = {str(team) for team in line.config["duty"].values()}
    return duty - {line.duty_now(now).key, line.adult_duty_now(now).key}


def waiting_off_duty(line: Line, now: datetime) -> ColumnElement[bool]:
    return and_(
        unattended_after(now),
        CallbackRequest.handed_over_at.is_(None),
        CallbackRequest.team.in_(off_duty_teams(line, now)),
    )


def any_due(session: Session, now: datetime) -> bool:
    query = select(CallbackRequest.id).where(waiting_off_duty(outbox().line, now)).limit(1)
    return session.scalar(query) is not None


def due(session: Session, now: datetime) -> list[CallbackRequest]:
    """The requests to hand over now, locked (skipping those another worker holds)."""
    query = (
        select(CallbackRequest)
        .where(waiting_off_duty(outbox().line, now))
        .order_by(CallbackRequest.requested_at, CallbackRequest.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(query))


def taking_over(line: Line, call: Call, request: CallbackRequest, at: datetime) -> str | None:
    """The team on call at `at` for what the caller rang about, where it is not the team
    asked and can be asked for a call back."""
    on_call = line.on_call_for(call.transfer_to, call.transfer_reason, at)
    if on_call is None or on_call.key == request.team:
        return None
    return on_call.key if can_call_back(line.config, on_call.key) else None


def hand_over(session: Session, request: CallbackRequest, now: datetime) -> int:
    """Queue the handover's messages and mark the request handed over; how many were queued.

    Marked even where nobody can be sent it (the team on now takes no call backs), so it is
    looked at once, and the call's page says why nobody else was told."""
    call = session.get(Call, request.call_id)
    if call is None:
        return 0
    line = outbox().line
    request.handed_over_at = now
    team = taking_over(line, call, request, now)
    if team is None:
        on_call = line.on_call_for(call.transfer_to, call.transfer_reason, now)
        name = on_call.name if on_call else "nobody"
        event(
            session,
            call.id,
            now,
            "not handed over",
            request=request,
            detail=f"{name}, on duty now, cannot be sent call-back requests",
        )
        return 0
    queued = queue(session, call, request, "handover", addresses(line.config, team), now)
    detail = f"{queued} message(s) to {line.contact(team).name}, on duty now"
    event(session, call.id, now, "handed over", request=request, detail=detail)
    audit.write(
        session,
        now,
        ACTOR,
        "callback_handed_over",
        reference=call.reference,
        team=request.team,
        to=team,
        messages=queued,
    )
    return queued
