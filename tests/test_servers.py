"""Stateless servers: whole calls across two `ivr serve` processes, and a crowd on one."""

from __future__ import annotations

import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests
from flask import Flask
from gunicorn.config import Config
from gunicorn.workers.base import Worker
from sqlalchemy import func, select

from ivr import db, server
from ivr.models import Call
from ivr.phone import HttpTransport, Phone, Reply, ScriptedAnswerer, Transport
from tests.conftest import CALLER, TOKEN, essence, record_of, sign
from tests.servers import AlternatingTransport, serving

SCRIPTS = [
    ["2", "1", "2"],
    ["1", "3", "1"],
    ["2", "1", "1", "2", "2", "1"],
    ["0", "busy", "2"],
    ["3", "9", "2", "3"],
    ["", "", "", "no-answer"],
    ["2", "1", "3", "1", "1", "0"],
]


def play(transport: Transport, base: str, keys: list[str]) -> str:
    """A whole call; the CallSid of the record it left."""
    answerer = ScriptedAnswerer(keys)
    log = Phone(transport, f"{base}/voice/incoming", TOKEN, answerer, caller=CALLER).call()
    assert not [event.text for event in log.events if event.kind == "error"]
    return log.call_sid


@pytest.mark.postgres
def test_calls_alternating_between_two_servers_leave_the_same_records(
    app: Flask, database_url: str
) -> None:
    with serving(database_url) as one, serving(database_url) as two, HttpTransport() as http:
        for keys in SCRIPTS:
            alone = play(http, one.url, keys)
            across = play(AlternatingTransport([one.url, two.url]), one.url, keys)
            assert essence(record_of(app, across)) == essence(record_of(app, alone))


@pytest.mark.postgres
def test_two_servers_given_the_same_answer_at_once_record_it_once(
    app: Flask, database_url: str
) -> None:
    with serving(database_url) as one, serving(database_url) as two, HttpTransport() as http:

        def post(base: str, path: str, form: dict[str, str]) -> Reply:
            url = f"{base}{path}"
            return http.post(url, form, {"X-Twilio-Signature": sign(url, form)})

        assert post(one.url, "/voice/incoming", {"CallSid": "CAboth"}).status == 200
        barrier = threading.Barrier(4)

        def deliver(base: str) -> Reply:
            barrier.wait()
            return post(base, "/voice/gather?n=0", {"CallSid": "CAboth", "Digits": "2"})

        with ThreadPoolExecutor(4) as pool:
            replies = list(pool.map(deliver, [one.url, two.url] * 2))
    assert {reply.status for reply in replies} == {200}
    assert len({reply.body for reply in replies}) == 1
    assert [step["step"] for step in record_of(app, "CAboth")["steps"]] == ["main_menu"]


def count_calls(app: Flask) -> int:
    with app.app_context(), db.session() as session:
        return session.scalar(select(func.count()).select_from(Call)) or 0


def test_many_calls_at_once_on_a_real_server(app: Flask, database_url: str) -> None:
    """200 callers at once on PostgreSQL; fewer on SQLite, whose writers take turns."""
    callers = 200 if database_url.startswith("postgresql") else 50
    scripts = [SCRIPTS[i % len(SCRIPTS)] for i in range(callers)]
    with serving(database_url) as served:
        with HttpTransport() as http:
            alone = [essence(record_of(app, play(http, served.url, keys))) for keys in SCRIPTS]

        def call(keys: list[str]) -> dict[str, Any]:
            with HttpTransport() as transport:
                return essence(record_of(app, play(transport, served.url, keys)))

        with ThreadPoolExecutor(callers) as pool:
            together = list(pool.map(call, scripts))
    assert together == [alone[i % len(SCRIPTS)] for i in range(callers)]
    assert count_calls(app) == callers + len(SCRIPTS)


def test_the_access_log_leaves_voice_webhooks_to_the_lines_own_log(tmp_path: Path) -> None:
    """A webhook is logged once, by the line (with its call and step); the rest by gunicorn."""
    url = f"sqlite:///{tmp_path / 'served.sqlite3'}"
    db.upgrade(url)
    access = tmp_path / "access.log"
    environment = {"IVR_INSTANCE_PATH": str(tmp_path)}
    with serving(url, workers=1, env=environment, stdout=access) as served, HttpTransport() as http:
        webhook = f"{served.url}/voice/incoming"
        form = {"CallSid": "CAlogged", "From": CALLER}
        assert http.post(webhook, form, {"X-Twilio-Signature": sign(webhook, form)}).status == 200
        assert requests.get(f"{served.url}/healthz", timeout=5).status_code == 200
    logged = access.read_text()
    assert "GET /healthz" in logged
    assert "/voice/" not in logged


def test_gunicorns_error_for_a_call_back_link_names_it_without_its_key(tmp_path: Path) -> None:
    """The app failing outside Flask's own handling: gunicorn's error and access lines."""
    errors, access = tmp_path / "errors.log", tmp_path / "access.log"
    settings = Config()
    for name, value in (server.options("127.0.0.1:0", 1) | {"accesslog": str(access)}).items():
        settings.set(name, value)
    settings.set("errorlog", str(errors))
    link = "/callbacks/MQ.aw-Rfw.OhMVEFsecret"
    # What gunicorn's worker had read of the request when the app failed.
    request = SimpleNamespace(method="GET", uri=link, version=(1, 1), query="", body=None)
    request.headers = []
    worker = SimpleNamespace(log=settings.logger_class(settings), cfg=settings)
    ours, theirs = socket.socketpair()
    with ours, theirs:
        try:
            raise RuntimeError("the app fell over")
        except RuntimeError as error:
            Worker.handle_error(worker, request, ours, ("127.0.0.1", 40000), error)
    assert "Error handling request GET /callbacks/...\n" in errors.read_text()
    assert '"GET /callbacks/... HTTP/1.1" 500' in access.read_text()
    assert "OhMVEF" not in errors.read_text() + access.read_text()
