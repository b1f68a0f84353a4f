"""The calls list's filters and keyset pages, read from the query string.

Every value is checked against a closed list or parsed strictly; anything else is ignored, so
hostile input can only ever narrow the list to nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import abort
from sqlalchemy import Select, and_, exists, func, not_, or_, select
from werkzeug.datastructures import MultiDict

from ivr.flow import ADVICE_OUTCOMES, DIAL_STATUSES, LESSER_OUTCOMES
from ivr.models import Call
from ivr.review.local import zone
from ivr.review.models import Review
from ivr.review.reference_search import PartOfReference

OUTCOMES = tuple(sorted(ADVICE_OUTCOMES | LESSER_OUTCOMES))
TRANSFERS = (*DIAL_STATUSES, "none")
HOURS = ("in", "out")
REVIEWS = ("todo", "reviewed", "follow_up")
ORDERS = ("newest", "oldest")
PAGE = 50
WHOLE_REFERENCE = 6
# The days a filter may name: every call the line can have taken lies between these.
EARLIEST, LATEST = date(1970, 1, 1), date(9998, 12, 31)


@dataclass(frozen=True)
class Filters:
    """What the supervisor asked to see; empty strings mean "any"."""

    since: str = ""
    until: str = ""
    outcome: str = ""
    transfer: str = ""
    hours: str = ""
    review: str = ""
    q: str = ""
    order: str = ""

    @classmethod
    def parse(cls, args: MultiDict[str, str]) -> Filters:
        def pick(name: str, allowed: tuple[str, ...]) -> str:
            value = args.get(name, "")
            return value if value in allowed else ""

        return cls(
            since=iso_date(args.get("since", "")),
            until=iso_date(args.get("until", "")),
            outcome=pick("outcome", OUTCOMES),
            transfer=pick("transfer", TRANSFERS),
            hours=pick("hours", HOURS),
            review=pick("review", REVIEWS),
            q=args.get("q", "").strip()[:32],
            order=pick("order", ORDERS[1:]),
        )

    def args(self) -> dict[str, str]:
        """The filters that are set, for links and the export form."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}

    def apply(self, query: Select[Any]) -> Select[Any]:
        if self.since:
            query = query.where(Call.started_at >= local_midnight(self.since))
        if self.until:
            query = query.where(Call.started_at < local_midnight(self.until, days=1))
        if self.outcome:
            query = query.where(Call.outcome == self.outcome)
        if self.transfer == "none":
            query = query.where(Call.transfer_status.is_(None))
        elif self.transfer:
            query = query.where(Call.transfer_status == self.transfer)
        if self.hours:
            query = query.where(Call.out_of_hours == (self.hours == "out"))
        if len(self.q) >= WHOLE_REFERENCE and self.q.isdigit():
            # A whole reference (or the start of a widened one): the unique index finds it.
            query = query.where(Call.reference >= self.q, Call.reference < self.q + ":")
        elif self.q:
            # Any part of a reference: people remember the middle digits as often as the first.
            query = query.where(PartOfReference(self.q))
        return self._apply_review(query)

    def _apply_review(self, query: Select[Any]) -> Select[Any]:
        reviewed = exists().where(Review.call_id == Call.id)
        if self.review == "todo":
            return query.where(not_(reviewed))
        if self.review:
            return query.where(reviewed.where(Review.status == self.review))
        return query


def iso_date(text: str) -> str:
    """A day as YYYY-MM-DD, or "" when the text is no such day (the filter is then ignored).

    A real day outside the years a call can have (`9999-12-31`) is refused with 400: the day
    after it, which the filters need, does not exist, and no supervisor means it.
    """
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return ""
    if day is None:
        return ""
    if not EARLIEST <= day <= LATEST:
        abort(400, "that date is out of range")
    return day.isoformat()


def local_midnight(day: str, days: int = 0) -> datetime:
    """The start of a day in the office's zone, in UTC."""
    start = datetime.combine(date.fromisoformat(day) + timedelta(days=days), time(), zone())
    return start.astimezone(UTC)


def cursor(call: Call) -> str:
    """A place in the list: just beside this call."""
    return f"{call.started_at.strftime('%Y%m%dT%H%M%S%f')}.{call.id}"


def beyond(position: tuple[datetime, int], later: bool) -> Any:
    """Calls after (later=True) or before this place in time, ties broken by id.

    The bound on started_at alone says nothing the OR does not, but it is what lets the
    database read (started_at, id) as a range from here: without it SQLite, given the time as a
    parameter, walks the index from its far end, half a million entries to a call's neighbour.
    """
    started, call_id = position
    if later:
        return and_(Call.started_at >= started, or_(Call.started_at > started, Call.id > call_id))
    return and_(Call.started_at <= started, or_(Call.started_at < started, Call.id < call_id))


def page(filters: Filters, after: str, before: str = "") -> tuple[Select[Any], bool]:
    """One page of calls by (started_at, id), in either order, either way from a cursor.

    Keyset pages are as quick on page 2,000 as on page 1. Going back (`before`), the query
    runs the other way and the caller reverses the rows: the second value says so.
    """
    oldest_first = filters.order == "oldest"
    position = _parse_cursor(before)
    backwards = position is not None
    if position is None:
        position = _parse_cursor(after)
    forwards_later = oldest_first != backwards
    order = (
        (Call.started_at, Call.id) if forwards_later else (Call.started_at.desc(), Call.id.desc())
    )
    query = filters.apply(select(Call)).order_by(*order)
    if position is not None:
        query = query.where(beyond(position, later=forwards_later))
    return query.limit(PAGE + 1), backwards


def preceding(filters: Filters, first: Call) -> Select[Any]:
    """How many calls come before this one in the list's order: where this page starts."""
    position = (first.started_at, first.id)
    earlier = beyond(position, later=filters.order != "oldest")
    return filters.apply(select(func.count()).select_from(Call)).where(earlier)


def _parse_cursor(text: str) -> tuple[datetime, int] | None:
    stamp, _, call_id = text.partition(".")
    try:
        started = datetime.strptime(stamp, "%Y%m%dT%H%M%S%f").replace(tzinfo=UTC)
    except ValueError:
        return None
    return (started, int(call_id)) if call_id.isdigit() and len(call_id) < 19 else None
