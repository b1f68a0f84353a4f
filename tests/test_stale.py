"""Calls whose status callback never came: closed as abandoned once silent past the limit."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import select

from ivr import db, stale
from ivr.cli import main
from ivr.models import AuditEntry, Call, iso
from ivr.phone import FlaskTransport, GatherSpec, Phone, ScriptedAnswerer
from tests.conftest import (
    CALLER,
    INCOMING,
    TOKEN,
    WEDNESDAY_11AM,
    AppFactory,
    Clock,
    record_of,
    signed_post,
)

# The console's status callback URL mistyped: Twilio's word that the call ended goes nowhere.
MISTYPED_STATUS_URL = "http://localhost/voice/stauts"
SECONDS_20 = timedelta(seconds=20)
TWO_DAYS_AGO = WEDNESDAY_11AM - timedelta(days=2)


class Pondering(ScriptedAnswerer):
    """A caller who thinks before each answer, so every answer has a moment of its own."""

    def __init__(self, entries: Sequence[str], clock: Clock, pause: timedelta) -> None:
        super().__init__(entries)
        self.clock, self.pause = clock, pause

    def gather(self, gather: GatherSpec) -> str | None:
        self.clock.now += self.pause
        return super().gather(gather)


def unheard_call(
    app: Flask, clock: Clock, started: datetime, *keys: str, pause: timedelta = SECONDS_20
) -> str:
    """Play a call from `started` whose status callback is lost; its CallSid.

    The clock then stands at Wednesday 11am again, the morning the purge runs.
    """
    clock.now = started
    answerer = Pondering(keys, clock, pause)
    phone = Phone(
        FlaskTransport(app),
        INCOMING,
        TOKEN,
        answerer,
        caller=CALLER,
        status_url=MISTYPED_STATUS_URL,
    )
    sid = phone.call().call_sid
    clock.now = WEDNESDAY_11AM
    return sid


def run(app: Flask, *args: str) -> Result:
    result = app.test_cli_runner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result


def audited(app: Flask, action: str) -> list[AuditEntry]:
    with app.app_context(), db.session() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_a_caller_who_hung_up_mid_menu_is_abandoned_at_their_last_answer(
    app: Flask, clock: Clock
) -> None:
    sid = unheard_call(app, clock, TWO_DAYS_AGO, "2", "1", "h")
    before = record_of(app, sid)
    assert (before["status"], before["outcome"], before["ended_at"]) == ("in_progress", None, None)
    result = run(app, "purge")
    assert "closed 1 unfinished call(s) silent since before 2026-11-24 11:00 UTC" in result.output
    after = record_of(app, sid)
    assert (after["status"], after["outcome"]) == ("completed", "abandoned")
    assert (
        after["ended_at"] == after["steps"][-1]["at"] == iso(TWO_DAYS_AGO + timedelta(seconds=40))
    )
    assert after["duration_seconds"] == 40
    assert [s["step"] for s in after["steps"]] == [s["step"] for s in before["steps"]]


def test_advice_given_before_the_caller_hung_up_stands(app: Flask, clock: Clock) -> None:
    sid = unheard_call(app, clock, TWO_DAYS_AGO, "1", "1", "h")
    assert record_of(app, sid)["outcome"] == "emergency_999"
    run(app, "purge")
    record = record_of(app, sid)
    assert (record["status"], record["outcome"]) == ("completed", "emergency_999")


def test_a_call_within_the_limit_is_left_in_progress(app: Flask, clock: Clock) -> None:
    quiet_for_23_hours = unheard_call(app, clock, WEDNESDAY_11AM - timedelta(hours=23), "2", "h")
    signed_post(app.test_client(), "/voice/incoming", CallSid="CAringingnow", From=CALLER)
    result = run(app, "purge")
    assert "closed 0 unfinished call(s)" in result.output
    assert record_of(app, quiet_for_23_hours)["status"] == "in_progress"
    assert record_of(app, "CAringingnow")["status"] == "in_progress"


def test_the_limit_counts_from_the_last_answer_not_the_start(
    make_app: AppFactory, clock: Clock
) -> None:
    app = make_app(retention={"close_unfinished_after_hours": 4})
    five_hours_ago = WEDNESDAY_11AM - timedelta(hours=5)
    slow = unheard_call(app, clock, five_hours_ago, "2", "1", "h", pause=timedelta(hours=1.5))
    run(app, "purge")
    assert record_of(app, slow)["status"] == "in_progress"


def test_a_dry_run_says_what_would_close_and_go_and_changes_nothing(
    app: Flask, clock: Clock
) -> None:
    sid = unheard_call(app, clock, WEDNESDAY_11AM - timedelta(days=401), "2", "h")
    result = run(app, "purge", "--dry-run")
    assert "would close 1 unfinished call(s)" in result.output
    assert "would delete 1 call record(s) started 2025-10-20 to 2025-10-20" in result.output
    assert record_of(app, sid)["status"] == "in_progress"
    assert audited(app, "purge") == []


def test_the_purge_audit_says_how_many_calls_it_closed(app: Flask, clock: Clock) -> None:
    unheard_call(app, clock, WEDNESDAY_11AM - timedelta(days=3), "2", "h")
    unheard_call(app, clock, TWO_DAYS_AGO, "3", "h")
    run(app, "purge")
    [entry] = audited(app, "purge")
    assert (entry.detail["closed"], entry.detail["count"]) == (2, 0)


def test_an_old_call_never_closed_goes_in_the_same_purge(app: Flask, clock: Clock) -> None:
    sid = unheard_call(app, clock, WEDNESDAY_11AM - timedelta(days=401), "2", "1", "h")
    result = run(app, "purge")
    assert "closed 1 unfinished call(s)" in result.output
    assert "deleted 1 call record(s) started 2025-10-20 to 2025-10-20" in result.output
    [entry] = audited(app, "purge")
    assert (entry.detail["closed"], entry.detail["count"]) == (1, 1)
    with app.app_context(), db.session() as session:
        assert session.scalars(select(Call).where(Call.call_sid == sid)).first() is None


def test_calls_show_reads_a_closed_call_as_ended_and_abandoned(app: Flask, clock: Clock) -> None:
    sid = unheard_call(app, clock, TWO_DAYS_AGO, "2", "h")
    reference = record_of(app, sid)["reference"]
    result = run(app, "calls", "close-stale")
    assert "closed 1 unfinished call(s)" in result.output
    shown = run(app, "calls", "show", reference).output
    assert "outcome            abandoned" in shown
    assert "status             completed" in shown
    assert "ended_at           2026-11-23T11:00:20Z" in shown
    [entry] = audited(app, "close_stale")
    assert (entry.actor, entry.detail["count"]) == ("ivr calls close-stale", 1)


def test_close_stale_dry_run_closes_and_audits_nothing(app: Flask, clock: Clock) -> None:
    sid = unheard_call(app, clock, TWO_DAYS_AGO, "2", "h")
    result = run(app, "calls", "close-stale", "--dry-run")
    assert "would close 1 unfinished call(s)" in result.output
    assert record_of(app, sid)["status"] == "in_progress"
    assert audited(app, "close_stale") == []


def test_closing_works_through_many_batches(app: Flask, clock: Clock) -> None:
    sids = [
        unheard_call(app, clock, WEDNESDAY_11AM - timedelta(days=n), "2", "h") for n in (2, 3, 4)
    ]
    with app.app_context():
        closed = stale.close(WEDNESDAY_11AM - timedelta(days=1), batch=1)
    assert closed == 3
    assert {record_of(app, sid)["status"] for sid in sids} == {"completed"}


@pytest.mark.postgres
def test_a_call_a_webhook_holds_is_skipped_not_waited_for(
    app: Flask, clock: Clock, database_url: str
) -> None:
    held, free = (
        unheard_call(app, clock, WEDNESDAY_11AM - timedelta(days=n), "2", "h") for n in (2, 3)
    )
    holder = db.make_engine(database_url)
    try:
        with holder.begin() as webhook:
            webhook.execute(select(Call.id).where(Call.call_sid == held).with_for_update())
            started = time.perf_counter()
            with app.app_context():
                closed = stale.close(WEDNESDAY_11AM - timedelta(days=1))
            assert time.perf_counter() - started < 1
    finally:
        holder.dispose()
    assert closed == 1
    assert (record_of(app, held)["status"], record_of(app, free)["status"]) == (
        "in_progress",
        "completed",
    )
