"""`ivr audit verify`: walk the audit log's hash chain and say where, if anywhere, it breaks.

Recomputing each entry's hash from its content and the hash stored on the entry before it finds
an entry changed (its own hash no longer matches), and one removed or replaced (the entry after
it no longer follows on). Removing the newest entries leaves no later entry to notice: the head
this command prints, written down somewhere else (a daily mail, the log server), catches that
with `--head`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr import db
from ivr.audit import GENESIS, digest
from ivr.models import AuditEntry, iso

BATCH = 1000


@dataclass(frozen=True)
class Break:
    """The first entry that does not follow from the one before it."""

    entry: AuditEntry

    def __str__(self) -> str:
        e = self.entry
        return (
            f"entry {e.id} ({iso(e.at)}, {e.action} by {e.actor}) does not match its hash: it was "
            "changed, or an entry before it was removed or replaced"
        )


@dataclass(frozen=True)
class Walked:
    count: int
    head: str
    breaks: list[Break]
    # Whether the head asked about (--head) is still an entry's hash.
    kept: bool


def entries(session: Session) -> Iterator[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=BATCH)
    for entry in session.scalars(query):
        yield entry
        session.expunge(entry)


def walk(session: Session, *, keep: str | None = None) -> Walked:
    """Every entry checked against the stored hash of the one before it."""
    before, count, breaks, kept = GENESIS, 0, [], False
    for entry in entries(session):
        count += 1
        expected = digest(before, entry.at, entry.actor, entry.action, entry.detail)
        if entry.hash != expected:
            breaks.append(Break(entry))
        before = entry.hash or ""
        kept = kept or entry.hash == keep
    return Walked(count, before, breaks, kept)


@click.group("audit")
def audit_command() -> None:
    """The audit trail."""


@audit_command.command("verify")
@click.option("--head", help="A head printed by an earlier run: it must still be in the chain.")
@with_appcontext
def verify(head: str | None) -> None:
    """Check that no audit entry was changed, removed or replaced since it was written.

    \b
    ivr audit verify                 every entry follows from the one before it
    ivr audit verify --head 3f2a...  and the head written down yesterday is still there
    """
    with db.reading() as session:
        walked = walk(session, keep=head)
    for problem in walked.breaks:
        click.echo(str(problem))
    if head is not None and not walked.kept:
        click.echo(f"the head {head} is no longer in the chain: entries were removed or replaced")
        raise click.ClickException("the audit log was tampered with")
    if walked.breaks:
        raise click.ClickException(f"{len(walked.breaks)} broken link(s) in the audit log")
    click.echo(f"{walked.count} audit entries, the chain is intact; head {walked.head}")
