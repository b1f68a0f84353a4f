"""Faults: the database down or locked, a worker killed mid-call. The caller always hears help."""

from __future__ import annotations

import fcntl
import io
import os
import signal
import sqlite3
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import make_url, text
from werkzeug.test import TestResponse

from ivr import db
from ivr.phone import GatherSpec, HttpTransport, Phone, ScriptedAnswerer
from tests.conftest import (
    CALLER,
    TOKEN,
    AppFactory,
    PhoneCall,
    essence,
    postgres_admin,
    prompt_pattern,
    record_of,
    signed_post,
)
from tests.servers import Relay, Served, free_port, serving
from tests.test_metrics import sample

FRONT_DOOR = "+441189088002"  # the duty team at the fixtures' Wednesday 11:00
DEADLINE_SECONDS = 10  # well inside the 15 s Twilio waits before giving up on a webhook


def timed(action: Any) -> tuple[TestResponse, float]:
    started = time.monotonic()
    response = action()
    return response, time.monotonic() - started


def assert_safe_guidance(app: Flask, response: TestResponse, seconds: float) -> None:
    """200, the 999 message, and a transfer to the duty team, in time."""
    assert response.status_code == 200
    root = ET.fromstring(response.get_data(as_text=True))
    said = [" ".join("".join(say.itertext()).split()) for say in root.iter("Say")]
    safe = prompt_pattern(app.extensions["ivr.line"].prompts["sentences"]["safe_guidance"])
    assert any(safe.match(text) for text in said), said
    assert [dial.text for dial in root.iter("Dial")] == [FRONT_DOOR]
    assert seconds < DEADLINE_SECONDS


def test_database_down_a_status_callback_is_answered_204_and_counted_as_a_database_error(
    make_app: AppFactory,
) -> None:
    nobody = f"postgresql://postgres@127.0.0.1:{free_port()}/test"
    logged = io.StringIO()
    app = make_app({"DATABASE_URL": nobody, "LOG_STREAM": logged})
    safe = sample(app, "ivr_safe_fallbacks_total", endpoint="voice.status")
    errors = sample(app, "ivr_database_errors_total")
    response = signed_post(
        app.test_client(), "/voice/status", CallSid="CAdown", CallStatus="completed"
    )
    assert (response.status_code, response.data) == (204, b"")
    assert "status callback failed" in logged.getvalue()
    assert sample(app, "ivr_safe_fallbacks_total", endpoint="voice.status") == safe
    assert sample(app, "ivr_database_errors_total") == errors + 1


def test_database_down_the_caller_hears_the_safe_guidance(make_app: AppFactory) -> None:
    nobody = f"postgresql://postgres@127.0.0.1:{free_port()}/test"
    logged = io.StringIO()
    app = make_app({"DATABASE_URL": nobody, "LOG_STREAM": logged})
    client = app.test_client()
    for path in ("/voice/incoming", "/voice/gather?n=0"):
        response, seconds = timed(
            lambda path=path: signed_post(client, path, CallSid="CAdown", Digits="2")
        )
        assert_safe_guidance(app, response, seconds)
    assert logged.getvalue().count("voice webhook failed") == 2
    assert client.get("/healthz").status_code == 503


@pytest.mark.postgres
def test_postgres_cut_then_restored(make_app: AppFactory, database_url: str) -> None:
    url = make_url(database_url)
    relay = Relay(url.host or "127.0.0.1", url.port or 5432)
    relay.start()
    app = make_app({"DATABASE_URL": url.set(port=relay.port).render_as_string(False)})
    client = app.test_client()
    assert PhoneCall(app, ["2", "2", "2"]).record["outcome"] == "do_not_share"
    relay.stop()
    response, seconds = timed(lambda: signed_post(client, "/voice/incoming", CallSid="CAcut"))
    assert_safe_guidance(app, response, seconds)
    assert client.get("/healthz").status_code == 503
    relay.start()
    try:
        assert client.get("/healthz").status_code == 200
        restored = PhoneCall(app, ["1", "2"])
        assert restored.record["outcome"] == "referral"
    finally:
        relay.stop()


@pytest.mark.postgres
def test_postgres_restarted_while_the_line_was_idle_costs_no_caller(app: Flask) -> None:
    """Connections the server dropped while idle (a restart, a failover) are replaced unheard."""
    assert PhoneCall(app, ["2", "2", "2"]).record["outcome"] == "do_not_share"
    engine = app.extensions["ivr.engine"]
    with engine.connect() as pooled:
        backend = pooled.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    with postgres_admin().connect() as admin:
        assert admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend}).scalar()
    after = PhoneCall(app, ["1", "2"]).never_hears("safe_guidance")
    assert after.record["outcome"] == "referral"
    assert [step["step"] for step in after.record["steps"]][:2] == ["main_menu", "danger_now"]


def test_sqlite_locked_then_released(make_app: AppFactory, tmp_path: Any) -> None:
    path = tmp_path / "locked.sqlite3"
    sqlite_url = f"sqlite:///{path}"
    db.upgrade(sqlite_url)
    app = make_app({"DATABASE_URL": sqlite_url})
    client = app.test_client()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        response, seconds = timed(lambda: signed_post(client, "/voice/incoming", CallSid="CAlock"))
        assert_safe_guidance(app, response, seconds)
        assert client.get("/healthz").status_code == 503
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert client.get("/healthz").status_code == 200
    assert PhoneCall(app, ["2", "3"]).record["outcome"] == "seek_advice"
    assert signed_post(client, "/voice/incoming", CallSid="CAlock").status_code == 200
    assert record_of(app, "CAlock")["status"] == "in_progress"


@contextmanager
def another_process_writing(database: Path) -> Iterator[int]:
    """The write turn held as another worker process of the line holds it (ivr.db.WriterTurn).

    flock is per open file, so a descriptor of this test's own stands for the other process.
    """
    fd = os.open(f"{database}-writer", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield fd
    finally:
        os.close(fd)


def test_sqlite_a_webhook_waits_for_another_workers_write(
    make_app: AppFactory, tmp_path: Any
) -> None:
    path = tmp_path / "turns.sqlite3"
    db.upgrade(f"sqlite:///{path}")
    app = make_app({"DATABASE_URL": f"sqlite:///{path}"})
    with another_process_writing(path) as fd:
        threading.Timer(0.5, fcntl.flock, (fd, fcntl.LOCK_UN)).start()
        response, seconds = timed(
            lambda: signed_post(app.test_client(), "/voice/incoming", CallSid="CAturn")
        )
    assert response.status_code == 200
    assert seconds >= 0.5
    assert record_of(app, "CAturn")["status"] == "in_progress"
    assert PhoneCall(app, ["2", "3"]).never_hears("safe_guidance").record["outcome"] == (
        "seek_advice"
    )


def test_sqlite_a_write_turn_that_never_comes_gives_the_safe_guidance(
    make_app: AppFactory, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "BUSY_SECONDS", 0.3)
    path = tmp_path / "stuck.sqlite3"
    db.upgrade(f"sqlite:///{path}")
    app = make_app({"DATABASE_URL": f"sqlite:///{path}"})
    client = app.test_client()
    with another_process_writing(path):
        response, seconds = timed(lambda: signed_post(client, "/voice/incoming", CallSid="CAx"))
        assert_safe_guidance(app, response, seconds)
    assert PhoneCall(app, ["2", "3"]).never_hears("safe_guidance").record["outcome"] == (
        "seek_advice"
    )


def test_sqlite_threads_of_one_worker_write_in_turn(make_app: AppFactory, tmp_path: Any) -> None:
    """Sixteen calls answered at once by one process: every one recorded, none given 999 advice."""
    path = tmp_path / "threads.sqlite3"
    db.upgrade(f"sqlite:///{path}")
    app = make_app({"DATABASE_URL": f"sqlite:///{path}"})
    with ThreadPoolExecutor(16) as pool:
        calls = list(pool.map(lambda _: PhoneCall(app, ["2", "3"]), range(16)))
    assert [call.never_hears("safe_guidance").record["outcome"] for call in calls] == (
        ["seek_advice"] * 16
    )


class KillsWorkers(ScriptedAnswerer):
    """A caller during whose call the server loses a worker before each of the first answers."""

    def __init__(self, keys: list[str], victims: list[int]) -> None:
        super().__init__(keys)
        self.victims = list(victims)

    def gather(self, gather: GatherSpec) -> str | None:
        if self.victims:
            os.kill(self.victims.pop(0), signal.SIGKILL)
        return super().gather(gather)


def play(served: Served, answerer: ScriptedAnswerer) -> str:
    with HttpTransport() as transport:
        phone = Phone(transport, f"{served.url}/voice/incoming", TOKEN, answerer, caller=CALLER)
        log = phone.call()
    assert not [event.text for event in log.events if event.kind == "error"]
    return log.call_sid


def test_a_worker_killed_mid_call_the_call_carries_on(app: Flask, database_url: str) -> None:
    keys = ["2", "2", "1", "1", "1"]
    with serving(database_url, workers=2) as served:
        calm = play(served, ScriptedAnswerer(keys))
        first = served.workers()
        killed = play(served, KillsWorkers(keys, first))
        assert not set(first) & set(served.workers())
    assert essence(record_of(app, killed)) == essence(record_of(app, calm))
    assert record_of(app, killed)["outcome"] == "share_with_consent"


@pytest.mark.postgres
def test_postgres_call_row_held_by_a_stuck_transaction(app: Flask, database_url: str) -> None:
    client = app.test_client()
    assert signed_post(client, "/voice/incoming", CallSid="CAheld").status_code == 200
    holder = db.make_engine(database_url)
    try:
        with holder.begin() as stuck:
            stuck.execute(text("SELECT id FROM calls WHERE call_sid = 'CAheld' FOR UPDATE"))
            response, seconds = timed(
                lambda: signed_post(client, "/voice/gather?n=0", CallSid="CAheld", Digits="2")
            )
            assert_safe_guidance(app, response, seconds)
    finally:
        holder.dispose()
    assert signed_post(client, "/voice/gather?n=0", CallSid="CAheld", Digits="2").status_code == 200
    assert [step["step"] for step in record_of(app, "CAheld")["steps"]] == ["main_menu"]
