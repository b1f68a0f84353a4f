"""`ivr purge`: delete call records once they are older than the retention period.

Callers' numbers and answers are personal data; the config's `retention.days` says how long they
are needed. Only finished calls go, whole (the call and its steps), in batches so a large purge
never holds a lock a live call is waiting for. Calls Twilio never closed are closed first
(`ivr.stale`), so a call abandoned long ago goes in the same run instead of staying for ever.
A real purge leaves an audit entry; a dry run changes nothing, so it leaves none.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from ivr import audit, db, stale
from ivr.models import Call, Step


@dataclass(frozen=True)
class Purged:
    """What a purge removed (or, in a dry run, would remove), and how many stale calls it closed."""

    count: int
    oldest: datetime | None
    newest: datetime | None
    closed: int = 0

    def __str__(self) -> str:
        if not self.count:
            return "no call records"
        return (
            f"{self.count} call record(s) started {self.oldest:%Y-%m-%d} to {self.newest:%Y-%m-%d}"
        )


def expired(cutoff: datetime, closing_before: datetime | None = None) -> ColumnElement[bool]:
    """Finished calls started before the cut-off; a call still in progress is never expired.

    With `closing_before`, also the stale calls a real run would close first: a dry run closes
    none, yet must say what the real run would delete.
    """
    finished = Call.status == "completed"
    if closing_before is not None:
        finished = finished | stale.unfinished(closing_before)
    return (Call.started_at < cutoff) & finished


def survey(session: Session, cutoff: datetime, closing_before: datetime | None = None) -> Purged:
    """Count the expired calls and the dates they span."""
    count, oldest, newest = session.execute(
        select(func.count(Call.id), func.min(Call.started_at), func.max(Call.started_at)).where(
            expired(cutoff, closing_before)
        )
    ).one()
    return Purged(count, oldest, newest)


def delete_batch(session: Session, cutoff: datetime, size: int) -> int:
    """Delete up to `size` expired calls and their steps; how many calls went."""
    ids = list(session.scalars(select(Call.id).where(expired(cutoff)).limit(size)))
    if ids:
        session.execute(delete(Step).where(Step.call_id.in_(ids)))
        session.execute(delete(Call).where(Call.id.in_(ids)))
    return len(ids)


def purge(
    cutoff: datetime, silent_before: datetime, *, dry_run: bool = False, batch: int = db.BATCH
) -> Purged:
    """Close stale calls, delete every expired call, a batch per transaction, then audit both."""
    closed = stale.close(silent_before, dry_run=dry_run, batch=batch)
    with db.session() as session:
        found = replace(survey(session, cutoff, silent_before if dry_run else None), closed=closed)
    if dry_run or not (found.count or closed):
        return found
    deleted, removed = batch, 0
    while deleted == batch:
        with db.session() as session:
            deleted = delete_batch(session, cutoff, batch)
        removed += deleted
    # A call that finished during the purge may have gone too; say how many really went.
    found = Purged(removed, found.oldest, found.newest, closed)
    with db.session() as session:
        audit.write(
            session,
            current_app.extensions["ivr.line"].clock(),
            actor="ivr purge",
            action="purge",
            cutoff=cutoff.isoformat(),
            count=found.count,
            oldest=found.oldest.isoformat() if found.oldest else None,
            newest=found.newest.isoformat() if found.newest else None,
            closed=closed,
            silent_before=silent_before.isoformat(),
        )
    return found


@click.command("purge")
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(1),
    help="Days to keep; default: retention.days in the config.",
)
@click.option(
    "--dry-run", is_flag=True, help="Say what would close and go; change nothing, audit nothing."
)
@with_appcontext
def purge_command(days: int | None, dry_run: bool) -> None:
    """Delete finished call records started more than DAYS ago, with their steps.

    Calls left in progress past retention.close_unfinished_after_hours are closed first.
    """
    line = current_app.extensions["ivr.line"]
    keep = days or int(line.config["retention"]["days"])
    cutoff = line.clock() - timedelta(days=keep)
    silent_before = stale.silent_since(line)
    found = purge(cutoff, silent_before, dry_run=dry_run)
    click.echo(stale.report(found.closed, silent_before, dry_run=dry_run))
    verb = "would delete" if dry_run else "deleted"
    click.echo(f"{verb} {found} (finished calls started before {cutoff:%Y-%m-%d %H:%M} UTC)")
