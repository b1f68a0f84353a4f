"""The dashboard's numbers, counted in the database so they stay quick with many calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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

    The calls are grouped by hours, transfer result and outcome, each period counted by a
    condition on the start time; the columns are all in one index (migration 0008), so the
    database reads no row. The grouping starts with a column no index starts with on purpose:
    grouped by outcome first, SQLite walks the outcome index, all million calls, to save
    sorting a month's.
    """
    earliest = min(start for _, start in periods)
    counts = [func.sum(case((Call.started_at >= start, 1), else_=0)) for _, start in periods]
    groups = session.execute(
        select(Call.outcome, Call.out_of_hours, Call.transfer_status, *counts)
        .where(Call.started_at >= earliest)
        .group_by(Call.out_of_hours, Call.transfer_status, Call.outcome)
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
    """Calls per hour of the day in the office's zone, counted by the database.

    The database counts the calls in each UTC hour (a few hundred rows for a month) and each
    hour's count goes to the office hour it lies in: exact, summer time or not, as long as a
    UTC hour lies within one office hour, which holds for a zone a whole number of hours from
    UTC that changes on the hour. Where any hour with calls does not (India's half hour), the
    calls are counted by the minute instead, which every zone's offsets are whole numbers of.
    """
    counts = _counts(session, start, "hour")
    if not all(_within_an_hour(begins, zone) for begins, _ in counts):
        counts = _counts(session, start, "minute")
    hours = [0] * 24
    for begins, count in counts:
        hours[begins.astimezone(zone).hour] += count
    return hours


# The text each database cuts a start time to, for each grain: SQLite's, then PostgreSQL's.
GRAINS = {
    "hour": ("%Y-%m-%d %H", "YYYY-MM-DD HH24"),
    "minute": ("%Y-%m-%d %H:%M", "YYYY-MM-DD HH24:MI"),
}


def _counts(session: Session, start: datetime, grain: str) -> list[tuple[datetime, int]]:
    """Calls since `start` per UTC hour or minute, each as (its first moment, how many)."""
    sqlite, postgresql = GRAINS[grain]
    if session.get_bind().dialect.name == "sqlite":
        bucket = func.strftime(sqlite, Call.started_at)
    else:
        bucket = func.to_char(Call.started_at, postgresql)
    query = select(bucket, func.count()).where(Call.started_at >= start).group_by(bucket)
    return [
        (datetime.fromisoformat(begins).replace(tzinfo=UTC), count)
        for begins, count in session.execute(query)
    ]


def _within_an_hour(begins: datetime, zone: ZoneInfo) -> bool:
    """Whether the UTC hour from `begins` is all in one hour of the office's day."""
    last = begins + timedelta(hours=1) - timedelta(microseconds=1)
    return begins.astimezone(zone).hour == last.astimezone(zone).hour
