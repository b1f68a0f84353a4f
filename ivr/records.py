"""Writing the record of a call: open it, add steps, settle its outcome, close it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session

from ivr import references
from ivr.flow import ADVICE_OUTCOMES, INITIAL, LESSER_RANK, REFINES
from ivr.models import Call, Step

MAX_INPUT = 256
# A free reference is lost to another server's new call between read and insert only rarely.
ATTEMPTS = 5


def clean(text: str | None, limit: int = MAX_INPUT) -> str:
    """What a caller sent, fit to store: no NUL bytes (PostgreSQL refuses them), bounded length."""
    return (text or "").replace("\x00", "")[:limit]


def load(db: Session, call_sid: str, *, lock: bool = False) -> Call | None:
    """The call with this CallSid; `lock` serialises two servers answering the same call."""
    query = select(Call).where(Call.call_sid == call_sid)
    return db.scalars(query.with_for_update() if lock else query).one_or_none()


def open_call(
    db: Session, call_sid: str, caller: str | None, at: datetime, out_of_hours: bool
) -> Call:
    """The call's record, created on its first webhook; a repeated first webhook finds it again."""
    existing = load(db, call_sid, lock=True)
    if existing is not None:
        return existing
    for _ in range(ATTEMPTS):
        call = Call(
            call_sid=call_sid,
            reference=references.free(db),
            started_at=at,
            caller=clean(caller, 32) or None,
            out_of_hours=out_of_hours,
            state=INITIAL,
            trail=[],
            tries=0,
            step_count=0,
            callback_requested=False,
            status="in_progress",
        )
        try:
            with db.begin_nested():
                db.add(call)
        except IntegrityError:
            found = load(db, call_sid)
            if found is not None:
                return found
            continue
        return call
    raise RuntimeError("other new calls took each free reference first")


def add_step(call: Call, step: str, given: str, kind: str, at: datetime) -> None:
    """Append one answered prompt; its sequence number makes a repeated webhook harmless."""
    session = object_session(call)
    if session is None:
        raise RuntimeError("a step can only be added to a call loaded from the database")
    # Added by id, not through call.steps, so a webhook never loads the steps before it.
    session.add(
        Step(
            call_id=call.id,
            seq=call.step_count,
            step=step,
            input=clean(given),
            kind=kind,
            at=at,
        )
    )
    call.step_count += 1


def last_step(call: Call) -> Step | None:
    """The latest answer recorded, read alone so a webhook never loads the whole list."""
    session = object_session(call)
    if session is None or not call.step_count:
        return None
    query = select(Step).where(Step.call_id == call.id, Step.seq == call.step_count - 1)
    return session.scalars(query).one_or_none()


def settle_outcome(
    call: Call, outcome: str, reason: str | None = None, family_informed: str | None = None
) -> None:
    """Record an outcome unless a weightier one stands: the first advice given is never replaced
    (but a referral is refined to an adult referral), and a lesser outcome only by a higher one."""
    if not outranks(outcome, call.outcome):
        return
    call.outcome, call.reason, call.family_informed = outcome, reason, family_informed


def outranks(new: str, standing: str | None) -> bool:
    """Whether outcome `new` replaces the `standing` one on the record."""
    if standing is None:
        return True
    if standing in ADVICE_OUTCOMES:
        return REFINES.get(new) == standing
    if new in ADVICE_OUTCOMES:
        return True
    return LESSER_RANK.index(new) > LESSER_RANK.index(standing)


def finish(call: Call, at: datetime) -> None:
    """The line itself ended the call (a goodbye): close the record even if no callback comes."""
    if call.status != "completed":
        call.status = "completed"
        call.ended_at = at
        settle_outcome(call, "abandoned")


def close(call: Call, at: datetime, duration: int | None) -> None:
    """Twilio says the call is over: end it once; a repeated callback changes nothing.

    Twilio's own duration is kept when it comes; otherwise the time from start to end.
    """
    finish(call, at)
    if call.duration_seconds is None:
        ended = call.ended_at or at
        elapsed = max(int((ended - call.started_at).total_seconds()), 0)
        call.duration_seconds = duration if duration is not None else elapsed
