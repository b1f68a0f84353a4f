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


def window(session: Session, label: str, start: datetime) -> Window:
    """Counts for the calls started since `start`."""
    since = Call.started_at >= start
    totals = session.execute(
        select(
            func.count(Call.id),
            func.coalesce(func.sum(case((Call.out_of_hours, 1), else_=0)), 0),
            func.count(Call.transfer_status),
            func.coalesce(func.sum(case((Call.transfer_status == "completed", 1), else_=0)), 0),
        ).where(since)
    ).one()
    outcomes = dict(
        session.execute(
            select(func.coalesce(Call.outcome, "in_progress"), func.count(Call.id))
            .where(since)
            .group_by(Call.outcome)
        ).all()
    )
    return Window(
        label,
        calls=totals[0],
        out_of_hours=int(totals[1]),
        transfers=totals[2],
        connected=int(totals[3]),
        abandoned=outcomes.get("abandoned", 0),
        no_response=outcomes.get("no_response", 0),
        outcomes=dict(sorted(outcomes.items(), key=lambda item: -item[1])),
    )


def by_hour(session: Session, start: datetime, zone: ZoneInfo) -> list[int]:
    """Calls per hour of the day in the office's zone; only start times are read."""
    hours: Counter[int] = Counter()
    query = select(Call.started_at).where(Call.started_at >= start)
    for started in session.scalars(query.execution_options(yield_per=5000)):
        hours[started.astimezone(zone).hour] += 1
    return [hours[h] for h in range(24)]
