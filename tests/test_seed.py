"""`ivr seed`: synthetic records that read like real ones, and a line that goes on working."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from sqlalchemy import select

from ivr import db, export
from ivr.cli import main
from ivr.flow import ADVICE_OUTCOMES, LESSER_OUTCOMES
from ivr.models import Call
from tests.conftest import PhoneCall


def test_seeded_records_are_whole_calls_and_the_line_goes_on(
    app: Flask, call: Callable[..., PhoneCall]
) -> None:
    result = app.test_cli_runner().invoke(main, args=["seed", "300", "--random-seed", "7"])
    assert result.exit_code == 0, result.output
    with app.app_context(), db.session() as session:
        seeded = [export.record(c) for c in export.calls(session)]
    assert len(seeded) == 300
    assert len({r["reference"] for r in seeded}) == 300
    assert all(len(r["reference"]) == 6 and r["reference"].isdigit() for r in seeded)
    assert {r["outcome"] for r in seeded} <= ADVICE_OUTCOMES | LESSER_OUTCOMES
    assert len({r["outcome"] for r in seeded}) >= 6
    assert all(r["status"] == "completed" and r["steps"] for r in seeded)
    for row in seeded:
        times = [step["at"] for step in row["steps"]]
        assert row["started_at"] <= times[0] and times == sorted(times)
        assert times[-1] <= row["ended_at"]
    assert call("2", "2", "2").record["outcome"] == "do_not_share"
    with app.app_context(), db.session() as session:
        assert len(session.scalars(select(Call.id)).all()) == 301


def test_seed_refuses_more_calls_than_references(app: Flask) -> None:
    result = app.test_cli_runner().invoke(main, args=["seed", "1000001"])
    assert result.exit_code != 0
