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

from sqlalchemy import ColumnElement, and_, exists, func, not_, or_, select
from sqlalchemy.orm import Session

from ivr import audit
from ivr.flow import DUTY_ROLE_FOR, NAMED_CONTACTS
from ivr.line import Line
from ivr.messaging.escalation import BATCH, unattended_after
from ivr.messaging.models import CallbackRequest
from ivr.messaging.outbox import addresses, can_call_back, event, outbox, queue
from ivr.models import Call

ACTOR = "ivr worker"


def off_duty_for_its_role(line: Line, now: datetime) -> ColumnElement[bool]:
    """The request's team is not the one on call now for what the caller rang about (the role
    its transfer was dialled for, as ivr.flow.transfer_role reads it): per role, as a team on
    call round the clock for adults still goes off duty for children at 9."""
    adult_reasons = [reason for reason, role in DUTY_ROLE_FOR.items() if role == "adult_duty"]
    for_adult = func.coalesce(Call.transfer_reason, "").in_(adult_reasons)
    return exists().where(
        Call.id == CallbackRequest.call_id,
        Call.transfer_to.not_in(NAMED_CONTACTS),
        or_(
            and_(for_adult, CallbackRequest.team != line.adult_duty_now(now).key),
            and_(not_(for_adult), CallbackRequest.team != line.duty_now(now).key),
        ),
    )


def waiting_off_duty(line: Line, now: datetime) -> ColumnElement[bool]:
    return and_(
        unattended_after(now),
        CallbackRequest.handover_at.is_(None),
        off_duty_for_its_role(line, now),
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

    Settled even where nobody can be sent it (the team on now takes no call backs), so it is
    looked at once, and the call's page and the audit trail say why nobody else was told."""
    call = session.get(Call, request.call_id)
    if call is None:
        return 0
    line = outbox().line
    request.handover_at = now
    team = taking_over(line, call, request, now)
    request.handed_over_to = team
    queued = 0
    if team is None:
        on_call = line.on_call_for(call.transfer_to, call.transfer_reason, now)
        name = on_call.name if on_call else "nobody"
        detail = f"{name}, on duty now, cannot be sent call-back requests"
        event(session, call.id, now, "not handed over", request=request, detail=detail)
    else:
        queued = queue(session, call, request, "handover", addresses(line.config, team), now)
        detail = f"{queued} message(s) to {line.contact(team).name}, on duty now"
        event(session, call.id, now, "handed over", request=request, detail=detail)
    audit.write(
        session,
        now,
        ACTOR,
        "callback_handed_over" if team else "callback_not_handed_over",
        reference=call.reference,
        team=request.team,
        to=team,
        messages=queued,
    )
    return queued


def back_on_duty(line: Line, call: Call, request: CallbackRequest, now: datetime) -> str | None:
    """Why a handover message waiting to be sent (a mail server down, a supervisor who had the
    request) would now be untrue: the team asked is on call again, and the team it was for has
    gone off duty. None while the handover still holds."""
    on_call = line.on_call_for(call.transfer_to, call.transfer_reason, now)
    if on_call is None or on_call.key != request.team:
        return None
    return f"{on_call.name} was on duty again before it was sent"
