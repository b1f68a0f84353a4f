"""The dashboard's numbers, counted in the database so they stay quick with many calls."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ivr.models import Call


@dataclass
class Window:
    """The calls in one period: counts, and shares of the whole as percentages."""

    label: str
    calls: int = 0
    out_of_hours: int = 0
    transfers: int = 0
    connected: int = 0
    abandoned: int = 0
    no_response: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def share(self, part: int) -> str:
        return f"{100 * part / self.calls:.0f}%" if self.calls else "-"


def windows(session: Session, periods: list[tuple[str, datetime]]) -> list[Window]:
    """Counts for each (label, since) period, in one pass over the longest of them.

    The calls are grouped by outcome, hours and transfer result, each period counted by a
    condition on the start time; the columns are all in one index (migration 0008), so the
    database reads no row.
    """
    earliest = min(start for _, start in periods)
    counts = [func.sum(case((Call.started_at >= start, 1), else_=0)) for _, start in periods]
    groups = session.execute(
        select(Call.outcome, Call.out_of_hours, Call.transfer_status, *counts)
        .where(Call.started_at >= earliest)
        .group_by(Call.outcome, Call.out_of_hours, Call.transfer_status)
        # SQLite would rather walk the outcome index (no sort) than read a month's range.
        .with_hint(Call, "INDEXED BY ix_calls_glance", "sqlite")
    ).all()
    found = [Window(label) for label, _ in periods]
    for outcome, out_of_hours, transfer, *numbers in groups:
        for period, number in zip(found, numbers, strict=True):
            number = int(number or 0)
            period.calls += number
            period.out_of_hours += number if out_of_hours else 0
            period.transfers += number if transfer else 0
            period.connected += number if transfer == "completed" else 0
            name = outcome or "in_progress"
            period.outcomes[name] = period.outcomes.get(name, 0) + number
    for period in found:
        period.outcomes = dict(
            sorted(((k, v) for k, v in period.outcomes.items() if v), key=lambda item: -item[1])
        )
        period.abandoned = period.outcomes.get("abandoned", 0)
        period.no_response = period.outcomes.get("no_response", 0)
    return found


def window(session: Session, label: str, start: datetime) -> Window:
    """Counts for the calls started since `start`."""
    return windows(session, [(label, start)])[0]


def by_hour(session: Session, start: datetime, zone: ZoneInfo) -> list[int]:
    """Calls per hour of the day in the office's zone; only start times are read."""
    hours: Counter[int] = Counter()
    query = select(Call.started_at).where(Call.started_at >= start)
    for started in session.scalars(query.execution_options(yield_per=5000)):
        hours[started.astimezone(zone).hour] += 1
    return [hours[h] for h in range(24)]
