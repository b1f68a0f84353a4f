"""Fixtures for call-backs: a line whose duty teams have channels, Twilio and a mail server."""

from __future__ import annotations

import os
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from sqlalchemy import select

from ivr import db
from ivr.messaging import heartbeat
from ivr.messaging.models import CallbackRequest, OutboxEvent, OutboxMessage
from ivr.messaging.outbox import request_callback
from ivr.messaging.worker import Worker
from ivr.models import Call
from tests.callbacks.stand_ins import (
    ACCOUNT_SID,
    FakeTwilio,
    MailServer,
    TwilioServer,
    certificate,
)
from tests.conftest import TOKEN, AppFactory, Clock, PhoneCall, worker_seen
from tests.servers import ROOT

PUBLIC = "https://ivr.example.org"
FRONT_DOOR_SMS, FRONT_DOOR_EMAIL = "+447400123111", "front-door-duty@example.org"
EDS_SMS, EDS_EMAIL = "+447400123222", "eds-duty@example.org"
MANAGER_SMS, MANAGER_EMAIL = "+447400123999", "duty-manager@example.org"
SMS_FROM = "+441189000000"
CHANNELS: dict[str, Any] = {
    "contacts": {
        "front_door": {
            "callbacks": {
                "sms": [FRONT_DOOR_SMS],
                "email": [FRONT_DOOR_EMAIL],
                "escalate": {"sms": [MANAGER_SMS], "email": [MANAGER_EMAIL]},
            }
        },
        "emergency_duty": {"callbacks": {"sms": [EDS_SMS], "email": [EDS_EMAIL]}},
    },
    "callbacks": {
        "sms_from": SMS_FROM,
        "email_from": "ivr@example.org",
        "acknowledge_within_minutes": 15,
    },
}


@dataclass
class Deployment:
    """The deployment a test's `ivr` processes run in: their environment (the channels, sending
    to the stand-ins), their database, and the stand-ins, for the test to watch."""

    env: dict[str, str]
    database_url: str
    twilio: FakeTwilio
    mail: MailServer


@pytest.fixture
def deployment(
    database_url: str,
    tmp_path: Path,
    twilio: FakeTwilio,
    mail: MailServer,
    tls_files: tuple[Path, Path],
) -> Deployment:
    """One set-up for every real `ivr serve` and `ivr worker` a test starts, configured by the
    environment alone, so the processes see the deployment an operator would give them."""
    config = tmp_path / "callbacks.yaml"
    config.write_text(yaml.safe_dump(CHANNELS))
    env = os.environ | {
        "IVR_DATABASE_URL": database_url,
        "IVR_CONFIG": str(config),
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "IVR_TWILIO_API_URL": twilio.url,
        "IVR_SMTP_URL": mail.url,
        "SSL_CERT_FILE": str(tls_files[0]),
        "PYTHONPATH": str(ROOT),
    }
    return Deployment(env, database_url, twilio, mail)


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio()
    with TwilioServer(fake):
        yield fake


@pytest.fixture
def mail(tls_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[MailServer]:
    """The mail server, its certificate trusted the way a deployment trusts its CA bundle."""
    cert, key = tls_files
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = MailServer(context)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def line(make_app: AppFactory, twilio: FakeTwilio, mail: MailServer) -> Flask:
    """The line with call-back channels, sending to the stand-ins, and a worker running."""
    app = make_app(
        {
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_API_URL": twilio.url,
            "SMTP_URL": mail.url,
            # Login tries counted for this test alone, not in the instance folder across runs.
            "RATELIMIT_STORAGE_URI": "memory://",
        },
        **CHANNELS,
    )
    worker_seen(app)
    return app


def failed_transfer(app: Flask, *said: str) -> str:
    """A caller (saying `said` first) asks for someone, the duty team does not answer."""
    played = PhoneCall(app, [*said, "0", "no-answer", "h"])
    return played.log.call_sid


def ask_for_call_back(app: Flask, call_sid: str, clock: Clock) -> int | None:
    """Record the request as the not-connected menu's "2" does, in one transaction."""
    with app.app_context():

        def work(tx: db.Transaction) -> int | None:
            call = tx.session.scalars(select(Call).where(Call.call_sid == call_sid)).one()
            found = request_callback(tx.session, call, clock(), PUBLIC)
            return found.id if found else None

        return db.write(work)


@pytest.fixture
def requested(line: Flask, clock: Clock) -> Callable[[], int]:
    """A call-back request for a failed transfer to the duty team on call at the clock's time:
    the front door at the clock's default (office hours)."""

    def make() -> int:
        request_id = ask_for_call_back(line, failed_transfer(line), clock)
        assert request_id is not None
        return request_id

    return make


def duty_addresses(app: Flask, at: datetime) -> tuple[str, str]:
    """Where a request made at `at` goes (text, e-mail): the channels of the duty team on call
    then. Tests whose worker runs on the real clock need it."""
    team = CHANNELS["contacts"][app.extensions["ivr.line"].duty_now(at).key]["callbacks"]
    return team["sms"][0], team["email"][0]


def messages(app: Flask) -> list[OutboxMessage]:
    with app.app_context(), db.reading() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def events(app: Flask) -> list[tuple[str, str]]:
    with app.app_context(), db.reading() as session:
        rows = session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))
        return [(row.event, row.detail) for row in rows]


def request_row(app: Flask, request_id: int) -> CallbackRequest:
    with app.app_context(), db.reading() as session:
        found = session.get(CallbackRequest, request_id)
        assert found is not None
        return found


def seen(app: Flask) -> datetime | None:
    """When a call-back worker last said it was running; None if none is."""
    with app.app_context(), db.reading() as session:
        return heartbeat.last_seen(session.connection())


def deliver(app: Flask) -> int:
    """One pass of the worker, in-process, on the test's clock."""
    with app.app_context():
        return Worker(app, "test-worker").run_once()
