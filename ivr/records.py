"""Writing the record of a call: open it, add steps, settle its outcome, close it.

A webhook reads and writes its call with prebuilt SQLAlchemy Core statements (`load`,
`open_call`, `save`), not the ORM's query and unit of work, which cost most of a webhook's CPU:
the call is read with one SELECT, and `save` writes what the webhook changed with one UPDATE of
the changed columns and one INSERT of its new steps. The `Call` handed out is a plain `Call`
object outside any session, carrying what was found (`Found`); a session that would commit
with such a call changed but not saved fails instead, so no change is ever silently lost (a
webhook's own transaction, `ivr.db.Transaction`, always ends with `save`).

They work in a webhook's `Transaction` or in an ORM `Session` (the seed, maintenance, tests):
both answer `connection()` and `info`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, Update, bindparam, event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, configure_mappers, instrumentation, object_session

from ivr import references
from ivr.db import Database, Transaction
from ivr.flow import ADVICE_OUTCOMES, INITIAL, LESSER_RANK, REFINES, urgency
from ivr.models import Call, Step

MAX_INPUT = 256
# A free reference is lost to another server's new call between read and insert only rarely.
ATTEMPTS = 5

CALLS: Table = Call.__table__  # type: ignore[assignment]
STEPS: Table = Step.__table__  # type: ignore[assignment]
COLUMNS = tuple(column.key for column in CALLS.columns)
CALL_MAPPER = inspect(Call)
NEW_CALL = instrumentation.manager_of_class(Call).new_instance
FIND = select(CALLS).where(CALLS.c.call_sid == bindparam("sid"))
FIND_LOCKED = FIND.with_for_update()
LAST_STEP = select(STEPS).where(
    STEPS.c.call_id == bindparam("call"), STEPS.c.seq == bindparam("seq")
)
# Executed with the changed columns as parameters, so it sets those and no others.
UPDATE_CALL = CALLS.update().where(CALLS.c.id == bindparam("row_id"))
INSERT_STEP = STEPS.insert()
STEP_COLUMNS = tuple(column.key for column in STEPS.columns if column.key != "id")
# A new call, unless its CallSid (a repeated first webhook) or its reference is taken already.
OPEN = {
    "postgresql": postgresql.insert(CALLS).on_conflict_do_nothing().returning(CALLS.c.id),
    "sqlite": sqlite.insert(CALLS).on_conflict_do_nothing().returning(CALLS.c.id),
}
# Session.info: the calls this transaction loaded; a call's InstanceState.info: its `Found`.
LOADED = "ivr.records.loaded"
FOUND = "ivr.records.found"


@dataclass
class Found:
    """A loaded call's columns as read, and the steps this webhook added, not yet written."""

    db: Database
    columns: dict[str, Any]
    steps: list[dict[str, Any]] = field(default_factory=list)

    def changes(self, call: Call) -> dict[str, Any]:
        return {k: v for k in COLUMNS if (v := getattr(call, k)) != self.columns[k]}


def found(call: Call) -> Found | None:
    return inspect(call).info.get(FOUND)  # type: ignore[no-any-return]


def clean(text: str | None, limit: int = MAX_INPUT) -> str:
    """What a caller sent, fit to store: no NUL bytes (PostgreSQL refuses them), bounded length."""
    return (text or "").replace("\x00", "")[:limit]


def load(db: Database, call_sid: str, *, lock: bool = False) -> Call | None:
    """The call with this CallSid; `lock` serialises two servers answering the same call.

    What the webhook changes is written by `save` before the transaction commits.
    """
    statement = FIND_LOCKED if lock else FIND
    row = db.connection().execute(statement, {"sid": call_sid}).mappings().one_or_none()
    return None if row is None else _adopt(db, dict(row))


def _adopt(db: Database, columns: dict[str, Any]) -> Call:
    """The row as a `Call` this transaction loaded (the same object if loaded twice)."""
    loaded: list[Call] | None = db.info.get(LOADED)
    if loaded is None:
        loaded = db.info[LOADED] = []
        if isinstance(db, Transaction):
            db.checks.append(_refuse_unsaved)
    for call in loaded:
        if call.id == columns["id"]:
            return call
    # The columns put in place as the ORM's own loading does, without an attribute event per
    # column: a twentieth of the time of `Call(**columns)`, for the same object.
    if not CALL_MAPPER.configured:
        configure_mappers()
    call = NEW_CALL()
    call.__dict__.update(columns)
    # Lists copied, so that one changed in place still differs from what was found.
    copied = {
        key: list(value) if isinstance(value, list) else value for key, value in columns.items()
    }
    inspect(call).info[FOUND] = Found(db, copied)
    loaded.append(call)
    return call


def open_call(
    db: Database, call_sid: str, caller: str | None, at: datetime, out_of_hours: bool
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


def save(db: Database) -> None:
    """Write what this transaction changed in the calls it loaded: an UPDATE, an INSERT of steps.

    The statements, in the order, that the session's flush would send for the same changes; on
    PostgreSQL a webhook's one step goes inside the UPDATE (a data-modifying WITH), one round
    trip for both, as each costs a webhook more there than the work it asks for.
    """
    connection = db.connection()
    combine = connection.dialect.name == "postgresql"
    for call in db.info.pop(LOADED, []):
        record = inspect(call).info.pop(FOUND)
        changed, steps = record.changes(call), record.steps
        if combine and changed and len(steps) == 1:
            parameters = {f"set_{key}": value for key, value in changed.items()}
            parameters |= {f"step_{key}": value for key, value in steps[0].items()}
            statement = _update_with_step(tuple(changed))
            connection.execute(statement, {"row_id": call.id, **parameters})
            continue
        if changed:
            connection.execute(UPDATE_CALL, {"row_id": call.id, **changed})
        if steps:
            connection.execute(INSERT_STEP, steps if len(steps) > 1 else steps[0])


@lru_cache(maxsize=256)
def _update_with_step(columns: tuple[str, ...]) -> Update:
    """`WITH added AS (INSERT INTO steps …) UPDATE calls SET …`, built once for each set of
    columns a webhook changes, and so compiled once by SQLAlchemy (a multi-row INSERT would be
    compiled every time: SQLAlchemy does not cache it)."""
    row = {key: bindparam(f"step_{key}", type_=STEPS.c[key].type) for key in STEP_COLUMNS}
    added = STEPS.insert().values(row).cte("steps_added")
    values = {key: bindparam(f"set_{key}", type_=CALLS.c[key].type) for key in columns}
    return UPDATE_CALL.values(values).add_cte(added)


@event.listens_for(Session, "before_commit")
def _refuse_unsaved(db: Database) -> None:
    """A loaded call changed and never saved would lose its change: fail the transaction."""
    for call in db.info.get(LOADED, []):
        record = found(call)
        if record is not None and (record.steps or record.changes(call)):
            raise RuntimeError(f"call {call.call_sid} was changed but not saved (records.save)")


def add_step(call: Call, step: str, given: str, kind: str, at: datetime) -> None:
    """Append one answered prompt; its sequence number makes a repeated webhook harmless."""
    columns = {
        "call_id": call.id,
        "seq": call.step_count,
        "step": step,
        "input": clean(given),
        "kind": kind,
        "at": at,
    }
    record, session = found(call), object_session(call)
    if record is not None:
        record.steps.append(columns)
    elif session is not None:
        # Added by id, not through call.steps, so a webhook never loads the steps before it.
        session.add(Step(**columns))
    else:
        raise RuntimeError("a step can only be added to a call loaded from the database")
    call.step_count += 1


def database_of(call: Call) -> Database | None:
    """The transaction (or session) the call was loaded in, for a read beside its record."""
    record = found(call)
    return record.db if record is not None else object_session(call)


def session_of(call: Call) -> Session | None:
    """The ORM session of the transaction a call was loaded in, by a prebuilt read or the ORM."""
    record = found(call)
    if record is None:
        return object_session(call)
    return record.db.session if isinstance(record.db, Transaction) else record.db


def last_step(call: Call) -> Step | None:
    """The latest answer recorded, read alone so a webhook never loads the whole list."""
    record = found(call)
    if record is not None and record.steps:
        return Step(**record.steps[-1])
    db = database_of(call)
    if db is None or not call.step_count:
        return None
    parameters = {"call": call.id, "seq": call.step_count - 1}
    row = db.connection().execute(LAST_STEP, parameters).mappings().one_or_none()
    return None if row is None else Step(**row)


def settle_outcome(
    call: Call, outcome: str, reason: str | None = None, family_informed: str | None = None
) -> None:
    """Record an outcome unless a weightier one stands: the first advice given is replaced only
    by a more urgent one (a referral is also refined to an adult referral), and a lesser outcome
    only by a higher one."""
    if not outranks((outcome, reason), (call.outcome, call.reason)):
        return
    call.outcome, call.reason = outcome, reason
    if family_informed:
        # The inform_family answer stays on the record whichever advice follows it.
        call.family_informed = family_informed


def outranks(new: tuple[str, str | None], standing: tuple[str | None, str | None]) -> bool:
    """Whether outcome `new` (with its reason) replaces the `standing` one on the record."""
    outcome, was = new[0], standing[0]
    if was is None:
        return True
    if was in ADVICE_OUTCOMES:
        return REFINES.get(outcome) == was or urgency(new) > urgency(standing)
    if outcome in ADVICE_OUTCOMES:
        return True
    return LESSER_RANK.index(outcome) > LESSER_RANK.index(was)


def finish(call: Call, at: datetime) -> None:
    """The line itself ended the call (a goodbye): close the record even if no callback comes."""
    if call.status != "completed":
        call.status = "completed"
        call.ended_at = at
        settle_outcome(call, "abandoned")


def closed(call: Call) -> bool:
    """Whether Twilio said the call is over (`close`), which only a duration on the record shows.

    The line's own goodbye (`finish`) also completes the record while the caller is still on the
    line hearing it, and may have a webhook retried; after `close` nobody is there.
    """
    return call.duration_seconds is not None


def close(call: Call, at: datetime, duration: int | None) -> None:
    """Twilio says the call is over: end it once; a repeated callback changes nothing.

    Twilio's own duration is kept when it comes; otherwise the time from start to end.
    """
    finish(call, at)
    if not closed(call):
        ended = call.ended_at or at
        elapsed = max(int((ended - call.started_at).total_seconds()), 0)
        call.duration_seconds = duration if duration is not None else elapsed
