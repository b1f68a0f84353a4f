"""Fixtures: an app on a fresh database at a chosen moment, and calls played like Twilio would."""

from __future__ import annotations

import os
import re
import secrets
import string
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.pool import NullPool
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from ivr import create_app, db, export
from ivr.messaging.worker import Worker
from ivr.models import Call
from ivr.phone import CallLog, FlaskTransport, Phone, ScriptedAnswerer

TOKEN = "test-auth-token-not-a-secret"
INCOMING = "http://localhost/voice/incoming"
CALLER = "+447911123456"  # a well-formed UK mobile number, so call backs are offered
WEDNESDAY_11AM = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)
# Call-back channels for both duty teams: the shipped config has none, so no call back is offered
# until a deployment configures one. Addresses at example.org belong to no one.
CALLBACK_CHANNELS = {
    team: {"callbacks": {"email": [f"{team}@example.org"]}}
    for team in ("front_door", "emergency_duty")
}
# The mail server and sender those e-mails would go through: the line offers a call back only
# where a worker could send it. Tests that do send use tests.callbacks' stand-in mail server.
CALLBACK_SENDER = {"SMTP_URL": "smtp://mail.invalid:587"}
CALLBACK_CONFIG = {"contacts": CALLBACK_CHANNELS, "callbacks": {"email_from": "ivr@example.org"}}


class Clock:
    """A clock a test can stand at any moment."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(WEDNESDAY_11AM)


POSTGRES_URL = os.environ.get("IVR_TEST_POSTGRES_URL", "")
REQUIRE_POSTGRES = os.environ.get("IVR_REQUIRE_POSTGRES") == "1"
# Which database the whole suite runs on; `make test` runs it on SQLite, then on PostgreSQL
# when IVR_TEST_POSTGRES_URL says where one is.
ON_POSTGRES = os.environ.get("IVR_TEST_DATABASE", "sqlite") == "postgres"


def pytest_sessionstart(session: pytest.Session) -> None:
    """CI asks for PostgreSQL: an unreachable server must fail the run, never skip it."""
    if not (REQUIRE_POSTGRES or ON_POSTGRES):
        return
    if not POSTGRES_URL:
        pytest.exit("PostgreSQL is required but IVR_TEST_POSTGRES_URL is not set", returncode=1)
    try:
        with postgres_admin().connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        pytest.exit(f"IVR_REQUIRE_POSTGRES=1 but PostgreSQL is unreachable: {error}", returncode=1)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """PostgreSQL-only tests run in the PostgreSQL pass; without a server they skip."""
    if ON_POSTGRES:
        return
    only_postgres = [item for item in items if "postgres" in item.keywords]
    if POSTGRES_URL:
        # The PostgreSQL pass that follows (IVR_TEST_DATABASE=postgres) runs them, once.
        config.hook.pytest_deselected(items=only_postgres)
        items[:] = [item for item in items if "postgres" not in item.keywords]
        return
    skip = pytest.mark.skip(reason="set IVR_TEST_POSTGRES_URL to run PostgreSQL tests")
    for item in only_postgres:
        item.add_marker(skip)


def postgres_admin() -> Engine:
    """An engine on the test server outside any test's schema, to create and drop schemas."""
    return create_engine(
        db.normalise_url(POSTGRES_URL),
        poolclass=NullPool,
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 5},
    )


@pytest.fixture
def database_url(tmp_path: Any) -> Iterator[str]:
    """A fresh database per test: a SQLite file, or a schema of its own on PostgreSQL."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / 'ivr.sqlite3'}"
        return
    schema = f"test_{secrets.token_hex(6)}"
    admin = postgres_admin()
    with admin.connect() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(db.normalise_url(POSTGRES_URL))
    scoped = url.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


AppFactory = Callable[..., Flask]


def worker_seen(app: Flask) -> None:
    """A call-back worker says it is running, at the app's clock: the line may promise a call
    back or a text from now until `callbacks.worker_missing_after_seconds` have passed."""
    with app.app_context():
        Worker(app, "test-worker").beat()


@pytest.fixture
def make_app(database_url: str, clock: Clock) -> Iterator[AppFactory]:
    """Build apps on the test's database; keyword arguments override config/default.yaml."""
    db.upgrade(database_url)
    made: list[Flask] = []

    def factory(settings: Mapping[str, Any] | None = None, **config: Any) -> Flask:
        app = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": database_url,
                "TWILIO_AUTH_TOKEN": TOKEN,
                "CLOCK": clock,
                "CONFIG": config,
                **(settings or {}),
            }
        )
        made.append(app)
        return app

    yield factory
    for app in made:
        app.extensions["ivr.engine"].dispose()


@pytest.fixture
def app(make_app: AppFactory) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def sign(url: str, form: Mapping[str, str], token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, dict(form))


def signed_post(client: FlaskClient, path: str, **form: str) -> TestResponse:
    """POST as Twilio would: form fields, signed over the full URL."""
    headers = {"X-Twilio-Signature": sign(f"http://localhost{path}", form)}
    return client.post(path, data=form, headers=headers)


def prompt_pattern(template: str) -> re.Pattern[str]:
    """A prompt's sentence as a pattern: its placeholders match whatever they were filled with."""
    parts = []
    for literal, field, _spec, _conv in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if field is not None:
            parts.append(".+?")
    return re.compile("^" + "".join(parts) + "$")


class RingsUntil(ScriptedAnswerer):
    """A caller whose transfer rings until `until` (past 5pm, say): the line hears how it went
    at that moment, and the caller answers from then on."""

    def __init__(self, entries: list[str], clock: Clock, until: datetime) -> None:
        super().__init__(entries)
        self.clock, self.until = clock, until

    def dial(self, number: str) -> str:
        self.clock.now = max(self.clock.now, self.until)
        return super().dial(number)


class PhoneCall:
    """One whole call played through the terminal phone's TwiML interpreter, over HTTP."""

    def __init__(
        self, app: Flask, keys: list[str] | ScriptedAnswerer, caller: str = CALLER
    ) -> None:
        self.app = app
        answerer = keys if isinstance(keys, ScriptedAnswerer) else ScriptedAnswerer(keys)
        phone = Phone(FlaskTransport(app), INCOMING, TOKEN, answerer, caller=caller)
        self.log: CallLog = phone.call()
        self.unused = answerer.remaining

    @property
    def transcript(self) -> str:
        return "\n".join(f"{e.kind}: {e.text} {e.attrs or ''}" for e in self.log.events)

    def said(self) -> list[str]:
        return self.log.said()

    def hears(self, *prompts: str) -> PhoneCall:
        """Assert the caller heard these prompts, in this order (others may come between)."""
        sentences = self.app.extensions["ivr.line"].prompts["sentences"]
        said = iter(self.said())
        for key in prompts:
            pattern = prompt_pattern(sentences[key])
            assert any(pattern.match(text) for text in said), (
                f"the caller did not hear {key!r} (in order); the call went:\n{self.transcript}"
            )
        return self

    def heard(self, prompt: str) -> bool:
        pattern = prompt_pattern(self.app.extensions["ivr.line"].prompts["sentences"][prompt])
        return any(pattern.match(t) for t in self.said())

    def never_hears(self, prompt: str) -> PhoneCall:
        assert not self.heard(prompt), self.transcript
        return self

    def whispers(self) -> list[str]:
        """What the person answering each transfer heard before the caller was put through."""
        return [e.text for e in self.log.events if e.kind == "whisper"]

    def dialled(self) -> list[tuple[str, str]]:
        return [(e.text, e.attrs.get("status", "")) for e in self.log.events if e.kind == "dial"]

    @property
    def record(self) -> dict[str, Any]:
        with self.app.app_context(), db.session() as session:
            call = session.query(Call).filter_by(call_sid=self.log.call_sid).one()
            return export.record(call)

    def steps(self) -> list[tuple[str, str, str]]:
        return [(s["step"], s["input"], s["kind"]) for s in self.record["steps"]]


def finished_call(call_sid: str, reference: str, started_at: datetime) -> Call:
    """A call record as a finished call leaves it, with only what the schema requires."""
    return Call(
        call_sid=call_sid,
        reference=reference,
        started_at=started_at,
        out_of_hours=False,
        state="goodbye",
        trail=[],
    )


def restarted(
    make_app: AppFactory, app: Flask, gone: Path, *, checked: bool, **settings: Any
) -> Flask:
    """A worker of `app`'s line, restarted after its config file (`gone`) was lost; `ivr serve`
    hands its workers the line it checked before they started (`checked`)."""
    return make_app(
        {
            "IVR_CONFIG": str(gone),
            "SECRET_KEY": app.config["SECRET_KEY"],
            "LAST_KNOWN_LINE": app.extensions["ivr.line"] if checked else None,
            **settings,
        }
    )


def record_of(app: Flask, call_sid: str) -> dict[str, Any]:
    """The stored record of a call, as `ivr calls export` gives it."""
    with app.app_context(), db.session() as session:
        return export.record(session.query(Call).filter_by(call_sid=call_sid).one())


def essence(record: dict[str, Any]) -> dict[str, Any]:
    """What a call's record says, without what differs between two plays of the same keys."""
    kept = {k: v for k, v in record.items() if k not in ("call_sid", "reference", "steps")}
    for moment in ("started_at", "ended_at", "duration_seconds"):
        kept.pop(moment)
    kept["steps"] = [(s["step"], s["input"], s["kind"]) for s in record["steps"]]
    return kept


@pytest.fixture
def call(app: Flask, clock: Clock) -> Callable[..., PhoneCall]:
    """Play a call: `call("2", "1", "", "h")`, each entry answering the next prompt; with
    `rings_until`, its transfer rings until then (the clock moves there)."""

    def play(
        *keys: str,
        caller: str = CALLER,
        on: Flask | None = None,
        rings_until: datetime | None = None,
    ) -> PhoneCall:
        answerer = ScriptedAnswerer(list(keys))
        if rings_until is not None:
            answerer = RingsUntil(list(keys), clock, rings_until)
        played = PhoneCall(on or app, answerer, caller)
        assert not any(e.kind == "error" for e in played.log.events), (
            f"the call hit an application error:\n{played.transcript}"
        )
        return played

    return play
