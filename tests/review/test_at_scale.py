"""The review area's queries at a million calls: exact answers, and no page reads every call.

Timing a million calls is the benchmark's job (benchmarks/review_speed.py); here the answers
are checked against plain Python on both databases, and on SQLite the plans are checked for
a walk of the whole calls table, which is what made pages slow at that size.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, delete, event, func, select, text, update
from werkzeug.datastructures import MultiDict

from ivr import db
from ivr.models import Call
from ivr.review import stats
from ivr.review.filters import Filters, page
from tests.conftest import ON_POSTGRES, WEDNESDAY_11AM, finished_call

REFERENCES = [
    "123456", "612345", "561234", "456123", "000123", "123000", "999999", "012301",
    "230123", "555555", "101010", "1234567", "9123456", "100%01", "12_340",
]  # fmt: skip
# Whole references, middle digits of every length, a widened reference's start, LIKE's
# wildcards, FTS5's own syntax, and text no reference holds.
SEARCHES = [
    "123", "2345", "23", "1", "0123", "123456", "1234567", "999", "9", "%", "_", "%0",
    '"12"', "12 OR 55", "NEAR(1 2)", "x", "555555", "01",
]  # fmt: skip
# Lord Howe Island moves half an hour for summer; Kathmandu is 5:45 from UTC.
ZONES = ["Europe/London", "UTC", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe"]


def add_calls(app: Flask, starts: list[datetime], references: list[str] | None = None) -> None:
    numbered = references or [f"{n:06d}" for n in range(len(starts))]
    with app.app_context(), db.session() as session:
        for n, (started, reference) in enumerate(zip(starts, numbered, strict=True)):
            session.add(finished_call(f"CAscale{n:025d}", reference, started))


def expected(search: str) -> set[str]:
    """What a search means: six digits or more are a reference's start, else any part of it."""
    if len(search) >= 6 and search.isdigit():
        return {r for r in REFERENCES if r.startswith(search)}
    return {r for r in REFERENCES if search in r}


def found(app: Flask, search: str) -> tuple[set[str], int]:
    filters = Filters.parse(MultiDict({"q": search}))
    query, _ = page(filters, "")
    with app.app_context(), db.reading() as session:
        shown = {call.reference for call in session.scalars(query)}
        total = session.scalar(filters.apply(select(func.count()).select_from(Call)))
    return shown, total or 0


@pytest.mark.parametrize("search", SEARCHES)
def test_a_search_finds_exactly_the_calls_whose_reference_holds_it(app: Flask, search: str) -> None:
    add_calls(app, [WEDNESDAY_11AM - timedelta(minutes=n) for n in range(15)], REFERENCES)
    shown, total = found(app, search)
    assert shown == expected(search) and total == len(shown), search


def test_a_search_follows_calls_deleted_and_references_changed(
    app: Flask, supervisor: FlaskClient
) -> None:
    add_calls(app, [WEDNESDAY_11AM - timedelta(minutes=n) for n in range(15)], REFERENCES)
    with app.app_context(), db.session() as session:
        session.execute(delete(Call).where(Call.reference == "612345"))
        session.execute(update(Call).where(Call.reference == "561234").values(reference="777888"))
    assert found(app, "123")[0] == expected("123") - {"612345", "561234"}
    assert found(app, "778")[0] == {"777888"}
    page = supervisor.get("/review/calls", query_string={"q": "2345"}).get_data(as_text=True)
    assert "3 calls match" in page, "123456, 1234567 and 9123456; 612345 is gone"


def test_the_hour_chart_is_exact_across_summer_time_in_every_kind_of_zone(app: Flask) -> None:
    """Calls every 17 minutes for two days over each of London's changes of clock."""
    starts = [
        change + timedelta(minutes=17 * n)
        for change in (datetime(2026, 3, 28, 1, tzinfo=UTC), datetime(2026, 10, 24, 1, tzinfo=UTC))
        for n in range(170)
    ]
    add_calls(app, starts)
    since = datetime(2026, 3, 28, 12, 30, tzinfo=UTC)
    for name in ZONES:
        zone = ZoneInfo(name)
        hours = Counter(start.astimezone(zone).hour for start in starts if start >= since)
        with app.app_context(), db.reading() as session:
            counted = stats.by_hour(session, since, zone)
        assert counted == [hours[h] for h in range(24)], name


@contextmanager
def statements(engine: Engine) -> Iterator[list[tuple[str, object]]]:
    """Every statement run on `engine` meanwhile, with its parameters."""
    seen: list[tuple[str, object]] = []

    def record(_conn: object, _cursor: object, sql: str, params: object, *_: object) -> None:
        seen.append((sql, params))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def whole_table_reads(app: Flask, ask: Callable[[], object]) -> list[str]:
    """The SQLite plans, among the statements `ask` runs, that walk every call.

    A count of all calls, with no condition, is left out: the unfiltered list says how many
    calls there are, and only a walk of an index can count them all.
    """
    engine = app.extensions["ivr.engine"]
    with statements(engine) as seen:
        ask()
    walks = []
    with engine.connect() as connection:
        for sql, params in seen:
            if not sql.lstrip().upper().startswith("SELECT") or "WHERE" not in sql:
                continue
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params).all()
            walks += [row[-1] for row in plan if re.match(r"SCAN calls\b", row[-1])]
    return walks


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's plans; PostgreSQL's index is checked below")
@pytest.mark.parametrize(
    "path",
    [
        "/review/",
        "/review/calls?q=234",
        "/review/calls?q=123456",
        "/review/calls/8",
        "/review/calls?after=20261125T105000000000.5",
        "/review/calls?before=20261125T105000000000.5",
    ],
)
def test_no_page_walks_every_call(app: Flask, supervisor: FlaskClient, path: str) -> None:
    add_calls(app, [WEDNESDAY_11AM - timedelta(minutes=n) for n in range(15)], REFERENCES)

    def ask() -> None:
        assert supervisor.get(path).status_code == 200

    assert whole_table_reads(app, ask) == []


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's trigram index")
def test_a_search_by_middle_digits_can_take_the_trigram_index(app: Flask) -> None:
    """A few calls are read quicker whole, so the planner is told not to; at a million calls it
    takes the index by itself (benchmarks/RESULTS.md)."""
    add_calls(app, [WEDNESDAY_11AM - timedelta(minutes=n) for n in range(15)], REFERENCES)
    filters = Filters.parse(MultiDict({"q": "234"}))
    compiled = filters.apply(select(func.count()).select_from(Call)).compile(
        app.extensions["ivr.engine"]
    )
    with app.extensions["ivr.engine"].connect() as connection:
        connection.execute(text("SET enable_seqscan = off"))
        plan = connection.exec_driver_sql(f"EXPLAIN {compiled.string}", compiled.params)
        lines = " ".join(row[0] for row in plan)
    assert "ix_calls_reference_trgm" in lines, lines
