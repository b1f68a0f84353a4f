"""Fixtures for the review area: accounts, a logged-in browser-like client, CSRF tokens."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from ivr import db
from ivr.models import AuditEntry
from ivr.review import accounts
from tests.conftest import CALLBACK_CONFIG, CALLBACK_SENDER, WEDNESDAY_11AM, AppFactory, worker_seen

PASSWORDS = {"sam": "sam-supervises-calls", "ada": "ada-administers-it", "old": "old-account-pw"}
TOKEN = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 settings in tests only: the real ones are slow on purpose."""
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(accounts, "_hasher", hasher)
    monkeypatch.setattr(accounts, "_DUMMY_HASH", hasher.hash("dummy"))


@pytest.fixture
def app(make_app: AppFactory, request: pytest.FixtureRequest) -> Flask:
    """The line with the review area, a supervisor `sam`, an admin `ada` and a disabled `old`;
    its duty teams take call-back requests. A test parametrizing `app` indirectly passes config
    of its own (other duty teams), merged over that."""
    made = make_app(
        {
            "SECRET_KEY": "test-secret-key-not-a-secret",
            "RATELIMIT_STORAGE_URI": "memory://",
            **CALLBACK_SENDER,
        },
        **CALLBACK_CONFIG,
        **getattr(request, "param", {}),
    )
    with made.app_context(), db.session() as session:
        accounts.add(session, WEDNESDAY_11AM, "test", "sam", "supervisor", PASSWORDS["sam"])
        accounts.add(session, WEDNESDAY_11AM, "test", "ada", "admin", PASSWORDS["ada"])
        accounts.add(session, WEDNESDAY_11AM, "test", "old", "supervisor", PASSWORDS["old"])
    with made.app_context(), db.session() as session:
        accounts.disable(session, WEDNESDAY_11AM, "test", "old")
    worker_seen(made)
    return made


def csrf_token(client: FlaskClient, path: str = "/review/login") -> str:
    """The CSRF token a page's forms carry, as a browser would find it."""
    page = client.get(path).get_data(as_text=True)
    found = TOKEN.search(page)
    assert found, f"no CSRF token on {path}"
    return found.group(1) or found.group(2)


def login(client: FlaskClient, username: str, password: str | None = None) -> TestResponse:
    token = csrf_token(client)
    form = {"username": username, "password": password or PASSWORDS[username], "csrf_token": token}
    return client.post("/review/login", data=form)


def inline_scripts(page: str) -> list[str]:
    """Every <script> that runs code from the page itself: the CSP forbids them all."""
    found = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.DOTALL)
    return [attrs + body for attrs, body in found if "src=" not in attrs or body.strip()]


def post(client: FlaskClient, path: str, **form: str) -> TestResponse:
    """POST a review-area form with the session's CSRF token."""
    return client.post(path, data={"csrf_token": csrf_token(client, "/review/"), **form})


@pytest.fixture
def supervisor(client: FlaskClient) -> FlaskClient:
    assert login(client, "sam").status_code == 302
    return client


@pytest.fixture
def admin(client: FlaskClient) -> FlaskClient:
    assert login(client, "ada").status_code == 302
    return client


def audit_entries(app: Flask, action: str) -> list[dict[str, Any]]:
    with app.app_context(), db.session() as session:
        rows = session.query(AuditEntry).filter_by(action=action).order_by(AuditEntry.id)
        return [{"actor": r.actor, **r.detail} for r in rows]


Audit = Callable[[str], list[dict[str, Any]]]


@pytest.fixture
def audited(app: Flask) -> Audit:
    return lambda action: audit_entries(app, action)
