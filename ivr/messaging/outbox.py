"""Recording a call-back request with its messages, in the transaction of the webhook itself.

The request and one message per configured address are written in the caller's own session:
either the caller's press of 2 is recorded with every message it promises, or nothing is, so
the line never says "sent" about a message that does not exist (call-flow.md, "Call-backs").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import flask
import phonenumbers
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr import audit
from ivr.config import prompts_dir
from ivr.flow import transfer_role
from ivr.known import known_line
from ivr.line import Clock, Line
from ivr.messaging import tokens
from ivr.messaging.models import CHANNELS, CallbackRequest, OutboxEvent, OutboxMessage
from ivr.messaging.wording import Wording, as_dialled, load
from ivr.models import Call

ACTOR = "line"
# Contacts a call back is never offered for: only a duty team can keep the promise.
NEVER_CALLS_BACK = frozenset({"nspcc"})


@dataclass(frozen=True)
class Outbox:
    """What queuing a message needs besides the database: words, the link's key, the clock."""

    wording: Wording
    secret: str
    clock: Clock
    # The channels this deployment can send on: texts need a Twilio account and a number to send
    # from, e-mails a mail server and an address to send from. A team's address on any other
    # channel would queue a message no worker can send, so nothing is promised through it.
    channels: frozenset[str]

    @property
    def line(self) -> Line:
        return self.wording.line

    @property
    def texts(self) -> bool:
        return "sms" in self.channels


def outbox() -> Outbox:
    """This app's outbox, made once from its line, its prompts directory and its secret."""
    found: Outbox | None = current_app.extensions.get("ivr.outbox")
    if found is None:
        config = current_app.config
        line = known_line()
        words = Wording(load(prompts_dir(config["PROMPTS"])), line)
        senders = line.config["callbacks"]
        ready = {
            "sms": config["TWILIO_ACCOUNT_SID"] and senders.get("sms_from"),
            "email": config.get("SMTP_URL") and senders.get("email_from"),
        }
        channels = frozenset(channel for channel, can in ready.items() if can)
        found = Outbox(words, config["SECRET_KEY"], line.clock, channels)
        current_app.extensions["ivr.outbox"] = found
    return found


def addresses(config: Mapping[str, Any], team: str, *, escalate: bool = False) -> dict[str, list]:
    """The team's call-back addresses (or its escalation contacts') on the channels this
    deployment can send on; none if unset."""
    contact = config.get("contacts", {}).get(team)
    section = contact.get("callbacks") if isinstance(contact, Mapping) else None
    if escalate and isinstance(section, Mapping):
        section = section.get("escalate")
    if not isinstance(section, Mapping):
        return {}
    sendable = outbox().channels
    return {
        channel: list(section.get(channel) or []) for channel in CHANNELS if channel in sendable
    }


def duty_teams(config: Mapping[str, Any]) -> set[str]:
    return {str(team) for team in config.get("duty", {}).values()}


def can_call_back(config: Mapping[str, Any], team: str | None) -> bool:
    """Whether a call back to `team` can be promised: a duty team with somewhere to send it."""
    if team is None or team in NEVER_CALLS_BACK or team not in duty_teams(config):
        return False
    return any(addresses(config, team).values())


def offers_call_backs() -> bool:
    """Whether some duty team can be asked for a call back: the messages that carry a link."""
    config = outbox().line.config
    return any(can_call_back(config, team) for team in duty_teams(config))


def offers_messages() -> bool:
    """Whether the line would offer anything a worker sends: a call back to some duty team,
    or advice by text."""
    return outbox().texts or offers_call_backs()


def is_mobile(number: str | None) -> bool:
    """A number a text can reach: a mobile, never a landline, a withheld or a short number."""
    try:
        parsed = phonenumbers.parse(number or "")
    except phonenumbers.NumberParseException:
        return False
    mobile = phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE
    return mobile and phonenumbers.is_valid_number(parsed)


def can_text_advice(call: Call, outcome: str | None, reason: str | None) -> bool:
    """Whether "press 2 to get this advice by text" can be offered on this call, truthfully.

    `outcome` and `reason` are those of the advice the caller is hearing, which may not be the
    call's outcome: the first advice given stands on the record unless a more urgent one
    follows, and a caller who went back and answered again hears another.
    """
    box = outbox()
    advice = box.wording.advice(outcome, reason)
    return box.texts and is_mobile(call.caller) and advice is not None


def queue_advice_text(
    session: Session, call: Call, at: datetime, outcome: str | None, reason: str | None
) -> OutboxMessage | None:
    """Queue the advice just heard for the caller's notes, once; None where it cannot be sent.

    The text holds the line's name, the reference, the time, the advice and what to record:
    that advice in words, never an identity or anything the caller said. The same advice asked
    for again (a repeated webhook) finds the text already queued; another advice is another.
    """
    box = outbox()
    advice = box.wording.advice(outcome, reason)
    if advice is None or not can_text_advice(call, outcome, reason):
        return None
    _, body = box.wording.compose(
        "advice",
        "sms",
        reference=call.reference,
        time=box.wording.office_time(call.started_at),
        outcome=advice[0],
        record=advice[1],
    )
    found = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.call_id == call.id,
            OutboxMessage.purpose == "advice",
            OutboxMessage.body == body,
        )
    ).first()
    if found is not None:
        return found
    message = _queued(
        session,
        at,
        body,
        call_id=call.id,
        purpose="advice",
        channel="sms",
        address=call.caller or "",
    )
    event(session, call.id, at, "queued", message=message, detail="the advice, to the caller")
    audit.write(session, at, ACTOR, "advice_text_queued", reference=call.reference)
    return message


def public_link_base() -> str:
    """Where links point: IVR_PUBLIC_URL (behind a proxy the request's own host is not the
    public one), else the address this webhook came in on."""
    return (current_app.config.get("PUBLIC_URL") or flask.request.url_root).rstrip("/")


def request_callback(
    session: Session, call: Call, at: datetime, link_base: str
) -> CallbackRequest | None:
    """Record the request and queue its messages; a repeated webhook finds the same request.

    The request goes to the team on call now for what the transfer was for, not to the one
    dialled if it went off duty while it rang: a front door that closed at 5pm keeps no promise
    until Monday. None, with nothing written, when that team cannot be asked.
    """
    found = session.scalars(
        select(CallbackRequest).where(CallbackRequest.call_id == call.id)
    ).one_or_none()
    if found is not None:
        return found
    box = outbox()
    on_call = box.line.on_call_for(call.transfer_to, call.transfer_reason, at)
    team = on_call.key if on_call else None
    if team is None or not can_call_back(box.line.config, team):
        return None
    request = CallbackRequest(call_id=call.id, team=team, requested_at=at, link_base=link_base)
    session.add(request)
    session.flush()
    call.callback_requested = True
    event(session, call.id, at, "requested", request=request, detail=team)
    queued = queue(session, call, request, "callback", addresses(box.line.config, team), at)
    audit.write(
        session,
        at,
        ACTOR,
        "callback_requested",
        reference=call.reference,
        team=team,
        messages=queued,
    )
    return request


def _queued(session: Session, at: datetime, body: str = "", **what: Any) -> OutboxMessage:
    """A message due now, written at once, so a link in its body can carry its id."""
    message = OutboxMessage(body=body, status="queued", attempts=0, queued_at=at, due_at=at, **what)
    session.add(message)
    session.flush()
    return message


def queue(
    session: Session,
    call: Call,
    request: CallbackRequest,
    kind: str,
    by_channel: Mapping[str, list],
    at: datetime,
) -> int:
    """One message per address, each with its own link (so taking it says who it went to)."""
    box = outbox()
    count = 0
    for channel, address in _each(by_channel):
        message = _queued(
            session,
            at,
            call_id=call.id,
            request_id=request.id,
            purpose=kind,
            channel=channel,
            address=address,
        )
        link = f"{request.link_base}/callbacks/{tokens.issue(box.secret, box.clock, message.id)}"
        message.subject, message.body = box.wording.compose(
            kind, channel, **fields(box, call, request, link)
        )
        event(session, call.id, at, "queued", request=request, message=message, detail=address)
        count += 1
    return count


def queue_again(session: Session, call_id: int, at: datetime) -> int:
    """A request's messages set aside while a supervisor had it, due again when they hand it
    back: the team was told nothing and nobody has it now, so what each message says is true
    again (the worker sets aside only while a request is in hand). How many are due again."""
    found = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.call_id == call_id,
            OutboxMessage.request_id.is_not(None),
            OutboxMessage.status == "not needed",
        )
    ).all()
    for message in found:
        message.status, message.due_at = "queued", at
        event(
            session,
            call_id,
            at,
            "queued again",
            message=message,
            detail="the request was handed back before it was sent",
        )
    return len(found)


def _each(by_channel: Mapping[str, list]) -> Iterator[tuple[str, str]]:
    for channel in CHANNELS:
        for address in by_channel.get(channel, []):
            yield channel, str(address)


def fields(box: Outbox, call: Call, request: CallbackRequest, link: str) -> dict[str, str]:
    """A message's facts, all from the call's record and the config."""
    config = box.line.config
    minutes = str(config["callbacks"]["acknowledge_within_minutes"])
    escalates = any(addresses(config, request.team, escalate=True).values())
    relief = relief_name(box.line, call, request)
    return {
        "caller_number": as_dialled(call.caller),
        "reference": call.reference,
        # When they asked, not when the call began: the menus and a transfer that rang out can
        # take minutes, and the team judges how long the caller has waited from this.
        "time": box.wording.office_time(request.requested_at),
        "team_name": box.line.contact(request.team).name,
        "dialled_name": box.line.contact(call.transfer_to or request.team).name,
        "reason": box.wording.why_they_rang(call),
        "link": link,
        "minutes": minutes,
        "if_not_taken": box.wording.if_not_taken(escalates, minutes, relief),
    }


def relief_name(line: Line, call: Call, request: CallbackRequest) -> str | None:
    """Who the request will be handed over to if its team goes off duty with it not taken: the
    request's own e-mail promises it only where it will happen."""
    role = transfer_role(call.transfer_to, call.transfer_reason)
    team = line.relief_for(role, request.team)
    if team is None or not can_call_back(line.config, team):
        return None
    return line.contact(team).name


def event(
    session: Session,
    call_id: int,
    at: datetime,
    name: str,
    *,
    request: CallbackRequest | None = None,
    message: OutboxMessage | None = None,
    detail: str = "",
) -> None:
    session.add(
        OutboxEvent(
            call_id=call_id,
            request_id=request.id if request else message.request_id if message else None,
            message_id=message.id if message else None,
            at=at,
            event=name,
            detail=detail[:500],
        )
    )
