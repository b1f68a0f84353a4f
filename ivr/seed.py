"""`ivr seed N`: N synthetic call records, to measure the line and its reports at scale.

The records are true to the flow: a few hundred distinct calls are played through the real
state machine (on an in-memory database), then sampled N times with fresh SIDs, references
and times. Rows go in by bulk insert, or COPY on PostgreSQL, so a million takes minutes.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import Connection, Engine, create_engine, func, select, text
from sqlalchemy.orm import Session

from ivr import db, records, references
from ivr.callflow import CallFlow
from ivr.flow import DIAL_STATUSES
from ivr.line import Line, example_number
from ivr.models import Base, Call, Step

# Seeded calls take six-digit references only: the space a live line widens past (references.py).
REFERENCES = 10**references.DIGITS
PATHS = 400
BATCH = 10_000
# Mostly real answers; now and then silence, a wrong key, "again", "back" or "operator".
KEYS = ["1"] * 30 + ["2"] * 30 + ["3"] * 15 + ["", "7", "*", "9", "0"] * 2
CALL_COLUMNS = (
    "id", "call_sid", "reference", "started_at", "ended_at", "duration_seconds", "caller",
    "out_of_hours", "outcome", "reason", "family_informed", "transfer_to", "transfer_status",
    "callback_requested", "status", "state", "trail", "tries", "step_count",
)  # fmt: skip
STEP_COLUMNS = ("call_id", "seq", "step", "input", "kind", "at")


@dataclass(frozen=True)
class Path:
    """One call as the flow played it: its fields, and its steps as offsets in seconds."""

    fields: dict[str, Any]
    steps: list[tuple[str, str, str, int]]
    seconds: int


def play_paths(line: Line, rng: random.Random, count: int) -> list[Path]:
    """Distinct-enough calls, each answered at random the way people press keys."""
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    start = datetime(2026, 1, 7, 11, tzinfo=UTC)
    paths = []
    with Session(engine) as session:
        for number in range(count):
            call = records.open_call(session, f"CApath{number}", example_number(), start, False)
            flow, offset, offsets = CallFlow(call, line, start), 0, []
            for _ in range(rng.randint(1, 9)):
                offset += rng.randint(4, 25)
                flow.now = start + timedelta(seconds=offset)
                if flow.declared.kind == "transfer":
                    flow.dialled(rng.choice(DIAL_STATUSES))
                elif flow.declared.gathers:
                    flow.answer(rng.choice(KEYS), None)
                else:
                    break
                offsets.append(offset)
            records.close(call, start + timedelta(seconds=offset + 5), None)
            records.save(session)
            steps = [
                (s.step, s.input, s.kind, offsets[s.seq])
                for s in session.scalars(select(Step).where(Step.call_id == call.id))
            ]
            fields = {name: getattr(call, name) for name in CALL_COLUMNS}
            paths.append(Path(fields, steps, offset + 5))
    engine.dispose()
    return paths


def rows(
    paths: list[Path], rng: random.Random, count: int, first_id: int, free: list[int], days: int
) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    """Batches of call rows and step rows: times naive UTC, as the database keeps them."""
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    calls: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    for index in range(count):
        path = rng.choice(paths)
        started = now - timedelta(seconds=rng.randrange(days * 86_400))
        call_id = first_id + index
        calls.append(
            path.fields
            | {
                "id": call_id,
                "call_sid": f"CA{rng.getrandbits(128):032x}",
                "reference": f"{free[index]:0{references.DIGITS}d}",
                "started_at": started,
                "ended_at": started + timedelta(seconds=path.seconds),
                "duration_seconds": path.seconds,
                "caller": f"+447{rng.randrange(10**9):09d}",
                "out_of_hours": started.weekday() >= 5 or not 9 <= started.hour < 17,
            }
        )
        for seq, (step, given, kind, offset) in enumerate(path.steps):
            at = started + timedelta(seconds=offset)
            steps.append(
                {
                    "call_id": call_id,
                    "seq": seq,
                    "step": step,
                    "input": given,
                    "kind": kind,
                    "at": at,
                }
            )
        if len(calls) == BATCH:
            yield calls, steps
            calls, steps = [], []
    if calls:
        yield calls, steps


def write(connection: Connection, calls: list[dict[str, Any]], steps: list[dict[str, Any]]) -> None:
    """COPY on PostgreSQL, one executemany per table elsewhere: below the ORM, for speed."""
    tables = (("calls", CALL_COLUMNS, calls), ("steps", STEP_COLUMNS, steps))
    if connection.dialect.name == "postgresql":
        with connection.connection.dbapi_connection.cursor() as cursor:  # type: ignore[union-attr]
            for table, columns, batch in tables:
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row([stored(row[column], text=False) for column in columns])
        return
    for table, columns, batch in tables:
        marks = ", ".join("?" * len(columns))
        connection.exec_driver_sql(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
            [tuple(stored(row[column], text=True) for column in columns) for row in batch],
        )


def stored(value: Any, *, text: bool) -> Any:
    """A value as the column keeps it: JSON as text; on SQLite, times as SQLAlchemy writes them."""
    if isinstance(value, list):
        return json.dumps(value)
    if text and isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def seed(engine: Engine, line: Line, count: int, days: int, rng: random.Random) -> None:
    with engine.connect() as connection:
        six = select(Call.reference).where(func.length(Call.reference) == references.DIGITS)
        taken = {int(ref) for ref in connection.scalars(six)}
        first_id = (connection.scalar(select(func.max(Call.id))) or 0) + 1
    if count + len(taken) > REFERENCES:
        raise click.ClickException(
            f"references are six digits: room for {REFERENCES - len(taken)} more calls"
        )
    free = [ref for ref in rng.sample(range(REFERENCES), count + len(taken)) if ref not in taken]
    paths = play_paths(line, rng, PATHS)
    for calls, steps in rows(paths, rng, count, first_id, free, days):
        with engine.begin() as connection:
            write(connection, calls, steps)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(
                text("SELECT setval(pg_get_serial_sequence('calls', 'id'), max(id)) FROM calls")
            )


@click.command("seed")
@click.argument("count", type=click.IntRange(1, REFERENCES))
@click.option("--days", default=365, show_default=True, help="Spread over this many past days.")
@click.option("--random-seed", type=int, help="The same seed makes the same records.")
@with_appcontext
def command(count: int, days: int, random_seed: int | None) -> None:
    """Insert COUNT synthetic call records (for measuring, never on a live line)."""
    db.upgrade(current_app.config["DATABASE_URL"])
    started = time.monotonic()
    seed(
        current_app.extensions["ivr.engine"],
        current_app.extensions["ivr.line"],
        count,
        days,
        random.Random(random_seed),
    )
    click.echo(f"seeded {count} calls in {time.monotonic() - started:.1f} s")
