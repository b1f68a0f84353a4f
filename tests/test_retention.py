"""`ivr purge`: old finished calls go whole, calls in progress stay, and the purge is audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import func, select

from ivr import db, retention
from ivr.cli import main
from ivr.models import AuditEntry, Call, Step
from tests.conftest import WEDNESDAY_11AM, AppFactory, Clock, PhoneCall, signed_post

Play = Callable[..., PhoneCall]


def ago(days: int) -> timedelta:
    return timedelta(days=days)


@pytest.fixture
def calls(app: Flask, call: Play, clock: Clock) -> dict[str, str]:
    """Call sids by name: two old finished calls, a recent one, and one ringing right now."""
    made = {}
    clock.now = WEDNESDAY_11AM - ago(500)
    made["oldest"] = call("2", "1", "2", "h").log.call_sid
    clock.now = WEDNESDAY_11AM - ago(401)
    made["old"] = call("3", "h").log.call_sid
    clock.now = WEDNESDAY_11AM - ago(10)
    made["recent"] = call("1", "1", "h").log.call_sid
    clock.now = WEDNESDAY_11AM - timedelta(minutes=1)
    signed_post(app.test_client(), "/voice/incoming", CallSid="CAstillringing", From="+4471")
    made["in_progress"] = "CAstillringing"
    clock.now = WEDNESDAY_11AM
    return made


def purge(app: Flask, *args: str) -> Result:
    result = app.test_cli_runner().invoke(main, ["purge", *args])
    assert result.exit_code == 0, result.output
    return result


def remaining(app: Flask) -> set[str]:
    with app.app_context(), db.session() as session:
        return set(session.scalars(select(Call.call_sid)))


def step_count(app: Flask) -> int:
    with app.app_context(), db.session() as session:
        return session.scalar(select(func.count(Step.id))) or 0


def audit_entries(app: Flask) -> list[AuditEntry]:
    with app.app_context(), db.session() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == "purge")))


def test_purge_removes_exactly_the_old_finished_calls(app: Flask, calls: dict[str, str]) -> None:
    steps_before = step_count(app)
    result = purge(app)
    assert remaining(app) == {calls["in_progress"], calls["recent"]}
    assert "deleted 2 call record(s) started 2025-07-13 to 2025-10-20" in result.output
    assert step_count(app) < steps_before
    with app.app_context(), db.session() as session:
        orphans = session.scalar(
            select(func.count(Step.id)).where(Step.call_id.not_in(select(Call.id)))
        )
    assert orphans == 0


def test_purge_writes_an_audit_entry(app: Flask, calls: dict[str, str]) -> None:
    purge(app)
    [entry] = audit_entries(app)
    assert (entry.actor, entry.at) == ("ivr purge", WEDNESDAY_11AM)
    assert entry.detail["count"] == 2
    assert entry.detail["oldest"].startswith("2025-07-13")


def test_a_dry_run_deletes_nothing_and_audits_nothing(app: Flask, calls: dict[str, str]) -> None:
    result = purge(app, "--dry-run")
    assert "would delete 2 call record(s)" in result.output
    assert remaining(app) == set(calls.values())
    assert audit_entries(app) == []


def test_older_than_overrides_the_configured_period(app: Flask, calls: dict[str, str]) -> None:
    purge(app, "--older-than", "5")
    assert remaining(app) == {calls["in_progress"]}


def test_the_period_comes_from_the_config(
    make_app: AppFactory, calls: dict[str, str], app: Flask
) -> None:
    shorter = make_app(retention={"days": 450})
    purge(shorter)
    assert remaining(app) == {calls["old"], calls["in_progress"], calls["recent"]}


def test_nothing_to_purge_says_so_and_audits_nothing(app: Flask) -> None:
    result = purge(app)
    assert "deleted no call records" in result.output
    assert audit_entries(app) == []


def test_purge_works_through_many_batches(app: Flask, calls: dict[str, str]) -> None:
    with app.app_context():
        found = retention.purge(WEDNESDAY_11AM - ago(5), WEDNESDAY_11AM - ago(1), batch=1)
    assert found.count == 3
    assert remaining(app) == {calls["in_progress"]}
