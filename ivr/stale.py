"""Closing the calls Twilio never said were over.

A record is closed by the line's goodbye or by Twilio's status callback. When a caller hangs up
mid-menu and the callback is lost (the server down at that moment, a network error, a mistyped
status URL), the record would stay in progress for ever: supervisors would see a call running
for months, and `ivr purge`, which deletes only finished calls, would keep the caller's number
past the retention period. A call silent for longer than any real call lasts is therefore closed
as Twilio would have closed it, ending at its last sign of life.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from ivr import audit, db, records
from ivr.line import Line
from ivr.models import Call, Step


def last_sign_of_life() -> ColumnElement[datetime]:
    """The call's latest answer, or its start when it has none: the last moment it was live."""
    latest = select(func.max(Step.at)).where(Step.call_id == Call.id).scalar_subquery()
    return func.coalesce(latest, Call.started_at)


def unfinished(before: datetime) -> ColumnElement[bool]:
    """In progress, and silent since before `before`.

    A call cannot have been heard from after it started, so the start bounds the search first
    and the index on it spares the daily run a look at every call's steps.
    """
    return (
        (Call.status == "in_progress") & (Call.started_at < before) & (last_sign_of_life() < before)
    )


def silent_since(line: Line) -> datetime:
    """The moment before which an unfinished call is taken for over, from the configured limit."""
    hours = int(line.config["retention"]["close_unfinished_after_hours"])
    return line.clock() - timedelta(hours=hours)


def count(session: Session, before: datetime) -> int:
    """How many calls a close would finish now."""
    return session.scalar(select(func.count(Call.id)).where(unfinished(before))) or 0


def close_batch(session: Session, before: datetime, size: int) -> int:
    """Close up to `size` stale calls; how many were closed.

    A call a webhook holds right now is skipped rather than waited for: it is plainly alive.
    """
    query = (
        select(Call, last_sign_of_life())
        .where(unfinished(before))
        .limit(size)
        .with_for_update(of=Call, skip_locked=True)
    )
    rows = session.execute(query).all()
    for call, last_seen in rows:
        # No callback, so no duration from Twilio: the record counts from start to last answer.
        records.close(call, last_seen, None)
    return len(rows)


def close(before: datetime, *, dry_run: bool = False, batch: int = db.BATCH) -> int:
    """Close every stale call, a batch per transaction; a dry run only counts them."""
    if dry_run:
        with db.reading() as session:
            return count(session, before)
    closed, done = batch, 0
    while closed == batch:
        with db.session() as session:
            closed = close_batch(session, before, batch)
        done += closed
    return done


@click.command("close-stale")
@click.option("--dry-run", is_flag=True, help="Say how many would close; change nothing.")
@with_appcontext
def close_stale_command(dry_run: bool) -> None:
    """Close calls left in progress with no sign of life for retention.close_unfinished_after_hours.

    `ivr purge` does this first anyway; this closes them without deleting anything.
    """
    line = current_app.extensions["ivr.line"]
    before = silent_since(line)
    closed = close(before, dry_run=dry_run)
    if closed and not dry_run:
        with db.session() as session:
            audit.write(
                session,
                line.clock(),
                actor="ivr calls close-stale",
                action="close_stale",
                before=before.isoformat(),
                count=closed,
            )
    click.echo(report(closed, before, dry_run=dry_run))


def report(closed: int, before: datetime, *, dry_run: bool) -> str:
    """One line for the operator, the same from `ivr purge` and `ivr calls close-stale`."""
    verb = "would close" if dry_run else "closed"
    return (
        f"{verb} {closed} unfinished call(s) silent since before {before:%Y-%m-%d %H:%M} UTC"
        " (abandoned unless advice was given)"
    )
