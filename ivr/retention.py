"""`ivr purge`: delete call records once they are older than the retention period.

Callers' numbers and answers are personal data; the config's `retention.days` says how long they
are needed. Only finished calls go, whole (the call and its steps), in batches so a large purge
never holds a lock a live call is waiting for. A real purge leaves an audit entry; a dry run
changes nothing, so it leaves none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from ivr import audit, db
from ivr.models import Call, Step

BATCH = 500


@dataclass(frozen=True)
class Purged:
    """What a purge removed (or, in a dry run, would remove)."""

    count: int
    oldest: datetime | None
    newest: datetime | None

    def __str__(self) -> str:
        if not self.count:
            return "no call records"
        return (
            f"{self.count} call record(s) started {self.oldest:%Y-%m-%d} to {self.newest:%Y-%m-%d}"
        )


def expired(cutoff: datetime) -> ColumnElement[bool]:
    """Finished calls started before the cut-off; a call still in progress is never expired."""
    return (Call.started_at < cutoff) & (Call.status == "completed")


def survey(session: Session, cutoff: datetime) -> Purged:
    """Count the expired calls and the dates they span."""
    count, oldest, newest = session.execute(
        select(func.count(Call.id), func.min(Call.started_at), func.max(Call.started_at)).where(
            expired(cutoff)
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


def purge(cutoff: datetime, *, dry_run: bool = False, batch: int = BATCH) -> Purged:
    """Delete every expired call, a batch per transaction, then write the purge in the audit log."""
    with db.session() as session:
        found = survey(session, cutoff)
    if dry_run or not found.count:
        return found
    deleted, removed = batch, 0
    while deleted == batch:
        with db.session() as session:
            deleted = delete_batch(session, cutoff, batch)
        removed += deleted
    # A call that finished during the purge may have gone too; say how many really went.
    found = Purged(removed, found.oldest, found.newest)
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
        )
    return found


@click.command("purge")
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(1),
    help="Days to keep; default: retention.days in the config.",
)
@click.option("--dry-run", is_flag=True, help="Say what would go; delete nothing, audit nothing.")
@with_appcontext
def purge_command(days: int | None, dry_run: bool) -> None:
    """Delete finished call records started more than DAYS ago, with their steps."""
    line = current_app.extensions["ivr.line"]
    keep = days or int(line.config["retention"]["days"])
    cutoff = line.clock() - timedelta(days=keep)
    found = purge(cutoff, dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    click.echo(f"{verb} {found} (finished calls started before {cutoff:%Y-%m-%d %H:%M} UTC)")
