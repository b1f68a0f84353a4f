"""Call records as supervisors' scripts read them: one JSON object or CSV row per call, streamed."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ivr.messaging.models import OutboxEvent
from ivr.models import Call, iso

FIELDS = (
    "call_sid",
    "reference",
    "started_at",
    "ended_at",
    "duration_seconds",
    "caller",
    "out_of_hours",
    "steps",
    "outcome",
    "reason",
    "family_informed",
    "consent",
    "transfer_to",
    "transfer_status",
    "transfer_reason",
    "callback_requested",
    "callback",
    "status",
)
BATCH = 500
# What a spreadsheet takes for the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def record(call: Call) -> dict[str, Any]:
    """The fields of "The record of a call", times in ISO 8601 UTC."""
    return {
        "call_sid": call.call_sid,
        "reference": call.reference,
        "started_at": iso(call.started_at),
        "ended_at": iso(call.ended_at),
        "duration_seconds": call.duration_seconds,
        "caller": call.caller,
        "out_of_hours": call.out_of_hours,
        "steps": [step.as_dict() for step in call.steps],
        "outcome": call.outcome,
        "reason": call.reason,
        "family_informed": call.family_informed,
        "consent": call.consent,
        "transfer_to": call.transfer_to,
        "transfer_status": call.transfer_status,
        "transfer_reason": call.transfer_reason,
        "callback_requested": call.callback_requested,
        "callback": [event.as_dict() for event in callback_events(call)],
        "status": call.status,
    }


def callback_events(call: Call) -> list[OutboxEvent]:
    """Each call-back request's and message's events (ivr.messaging), oldest first."""
    return list(call.outbox_events)  # type: ignore[attr-defined]


def calls(db: Session, since: datetime | None = None) -> Iterator[Call]:
    """Every call, oldest first, fetched in batches so memory stays flat however many there are."""
    events = selectinload(Call.outbox_events)  # type: ignore[attr-defined]
    query = select(Call).options(selectinload(Call.steps), events).order_by(Call.id)
    if since is not None:
        query = query.where(Call.started_at >= since)
    result = db.scalars(query.execution_options(yield_per=BATCH))
    for call in result:
        yield call
        db.expunge(call)


def jsonl(records: Iterator[dict[str, Any]]) -> Iterator[str]:
    for row in records:
        yield json.dumps(row, ensure_ascii=False) + "\n"


def fold_steps(steps: list[dict[str, Any]]) -> str:
    """Steps in one readable cell: "12:01:05 purpose 1 (key); ..."."""
    return "; ".join(
        f"{(s['at'] or '')[11:19]} {s['step']} {s['input'] or '-'} ({s['kind']})" for s in steps
    )


def inert(value: Any) -> Any:
    """A cell a spreadsheet shows as text, never runs: a caller chooses their number's text.

    OWASP's advice: a cell that starts like a formula gets a leading apostrophe, which Excel and
    LibreOffice read as "this is text" (so an E.164 caller number also keeps its plus sign).
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def fold_events(events: list[dict[str, Any]]) -> str:
    """Call-back events in one readable cell: "12:01:05 sent sms to +44...; ..."."""
    return "; ".join(f"{(e['at'] or '')[11:19]} {e['event']} {e['detail']}".strip() for e in events)


def csv_lines(records: Iterator[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS)
    writer.writeheader()
    for row in records:
        cells = {**row, "steps": fold_steps(row["steps"]), "callback": fold_events(row["callback"])}
        writer.writerow({name: inert(value) for name, value in cells.items()})
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
