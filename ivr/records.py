"""Writing the record of a call: open it, add steps, settle its outcome, close it.

A webhook reads and writes its call with prebuilt SQLAlchemy Core statements (`load`,
`open_call`, `save`), not the ORM's query and unit of work, which cost most of a webhook's CPU:
the call is read with one SELECT, and `save` writes what the webhook changed with one UPDATE of
the changed columns and one INSERT of the new steps. The `Call` it hands out is an ordinary
persistent ORM object all the same, so code that does not call `save` (the seed, maintenance)
has its changes flushed by the session as before.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, make_transient_to_detached, object_session

from ivr import references
from ivr.flow import ADVICE_OUTCOMES, INITIAL
from ivr.models import Call, Step

MAX_INPUT = 256
# A free reference is lost to another server's new call between read and insert only rarely.
ATTEMPTS = 5

CALLS: Table = Call.__table__  # type: ignore[assignment]
STEPS: Table = Step.__table__  # type: ignore[assignment]
COLUMNS = tuple(column.key for column in CALLS.columns)
FIND = select(CALLS).where(CALLS.c.call_sid == bindparam("sid"))
FIND_LOCKED = FIND.with_for_update()
# Executed with the changed columns as parameters, so it sets those and no others.
UPDATE_CALL = CALLS.update().where(CALLS.c.id == bindparam("row_id"))
INSERT_STEP = STEPS.insert()
# A new call, unless its CallSid (a repeated first webhook) or its reference is taken already.
OPEN = {
    "postgresql": postgresql.insert(CALLS).on_conflict_do_nothing().returning(CALLS.c.id),
    "sqlite": sqlite.insert(CALLS).on_conflict_do_nothing().returning(CALLS.c.id),
}
# Session.info key: each call's columns as this webhook found them, by id.
FOUND = "ivr.records.found"


def clean(text: str | None, limit: int = MAX_INPUT) -> str:
    """What a caller sent, fit to store: no NUL bytes (PostgreSQL refuses them), bounded length."""
    return (text or "").replace("\x00", "")[:limit]


def load(db: Session, call_sid: str, *, lock: bool = False) -> Call | None:
    """The call with this CallSid; `lock` serialises two servers answering the same call."""
    statement = FIND_LOCKED if lock else FIND
    row = db.connection().execute(statement, {"sid": call_sid}).mappings().one_or_none()
    return None if row is None else _adopt(db, dict(row))


def _adopt(db: Session, columns: dict[str, Any]) -> Call:
    """The row as a persistent `Call` of this session, its columns noted for `save`."""
    already = db.identity_map.get(db.identity_key(Call, columns["id"]))
    if isinstance(already, Call):
        return already
    call = Call(**columns)
    make_transient_to_detached(call)
    db.add(call)
    # Lists copied, so that one changed in place still differs from what was found.
    found = {
        key: list(value) if isinstance(value, list) else value for key, value in columns.items()
    }
    db.info.setdefault(FOUND, {})[call.id] = found
    return call


def open_call(
    db: Session, call_sid: str, caller: str | None, at: datetime, out_of_hours: bool
) -> Call:
    """The call's record, created on its first webhook; a repeated first webhook finds it again."""
    insert = OPEN[db.connection().dialect.name]
    for _ in range(ATTEMPTS):
        columns = dict.fromkeys(COLUMNS) | {
            "call_sid": call_sid,
            "reference": references.free(db),
            "started_at": at,
            "caller": clean(caller, 32) or None,
            "out_of_hours": out_of_hours,
            "state": INITIAL,
            "trail": [],
            "tries": 0,
            "step_count": 0,
            "callback_requested": False,
            "status": "in_progress",
        }
        del columns["id"]
        row_id = db.connection().execute(insert, columns).scalar_one_or_none()
        if row_id is not None:
            return _adopt(db, {"id": row_id, **columns})
        found = load(db, call_sid, lock=True)
        if found is not None:
            return found
    raise RuntimeError("other new calls took each free reference first")


def save(db: Session) -> None:
    """Write what this webhook changed in the calls it loaded: one UPDATE, one INSERT of steps.

    The same statements, in the same order, as the session's flush would send, without its
    unit of work; what was written leaves the session, so its commit has nothing to flush.
    """
    found: dict[int, dict[str, Any]] = db.info.pop(FOUND, {})
    calls = [call for call in db.identity_map.values() if isinstance(call, Call)]
    steps = [step for step in db.new if isinstance(step, Step) and step.call_id in found]
    connection = db.connection()
    for call in calls:
        before = found.get(call.id)
        if before is None:
            continue
        changed = {k: v for k in COLUMNS if (v := getattr(call, k)) != before[k]}
        if changed:
            connection.execute(UPDATE_CALL, {"row_id": call.id, **changed})
        db.expunge(call)
    if steps:
        rows = [step_columns(step) for step in steps]
        connection.execute(INSERT_STEP, rows if len(rows) > 1 else rows[0])
        for step in steps:
            db.expunge(step)


def step_columns(step: Step) -> dict[str, Any]:
    return {
        "call_id": step.call_id,
        "seq": step.seq,
        "step": step.step,
        "input": step.input,
        "kind": step.kind,
        "at": step.at,
    }


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
    """Record an outcome unless a weightier one stands: the first advice given is never replaced."""
    if call.outcome in ADVICE_OUTCOMES:
        return
    if outcome == "abandoned" and call.outcome is not None:
        return
    call.outcome, call.reason, call.family_informed = outcome, reason, family_informed


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
