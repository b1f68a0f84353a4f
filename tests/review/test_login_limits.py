"""A visitor to the login page cannot keep a supervisor out, hold the database, or grow it."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from ivr import db
from ivr.review import accounts
from ivr.review.models import LoginFailures
from tests.conftest import WEDNESDAY_11AM, AppFactory
from tests.review.conftest import PASSWORDS, Audit, csrf_token

GUESSER, OFFICE = "203.0.113.66", "198.51.100.10"


def at(app: Flask, address: str = GUESSER) -> FlaskClient:
    """A browser at this client address."""
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return browser


def try_login(browser: FlaskClient, username: str, password: str, address: str = "") -> int:
    """A login from the browser, from its own address unless another is given."""
    form = {"username": username, "password": password, "csrf_token": csrf_token(browser)}
    environ = {"REMOTE_ADDR": address or browser.environ_base["REMOTE_ADDR"]}
    return browser.post("/review/login", data=form, environ_base=environ).status_code


@pytest.fixture
def limited(make_app: AppFactory) -> Flask:
    """Tight limits, so a test reaches them in a few tries."""
    limits = {"per_address": "8 per hour", "per_name": "12 per hour", "overall": "40 per hour"}
    app = make_app(
        {"SECRET_KEY": "k", "RATELIMIT_STORAGE_URI": "memory://"},
        review={"login_limits": {**limits, "unknown_name_audits": "3 per hour"}},
    )
    with app.app_context(), db.session() as session:
        accounts.add(session, WEDNESDAY_11AM, "test", "sam", "supervisor", PASSWORDS["sam"])
    return app


def test_a_guesser_locks_only_their_own_tries(app: Flask) -> None:
    guesser = at(app)
    for _ in range(6):
        assert try_login(guesser, "sam", "guess-guess-guess") == 401
    assert try_login(guesser, "sam", PASSWORDS["sam"]) == 401, "the guesser's address is locked"
    assert try_login(at(app, OFFICE), "sam", PASSWORDS["sam"]) == 302


def test_one_address_is_rate_limited(limited: Flask) -> None:
    guesser = at(limited)
    answers = [try_login(guesser, f"name{n}", "guess-guess-guess") for n in range(10)]
    assert answers[:8] == [401] * 8 and answers[8:] == [429, 429]
    form = {"username": "sam", "password": "x", "csrf_token": csrf_token(guesser)}
    refused = guesser.post("/review/login", data=form)
    assert refused.status_code == 429
    assert "do not match, or there were too many tries" in refused.get_data(as_text=True)


def test_one_name_is_rate_limited_from_any_number_of_addresses(limited: Flask) -> None:
    guesser = at(limited)
    answers = [
        try_login(guesser, "sam", "guess-guess-guess", address=f"203.0.113.{n}") for n in range(14)
    ]
    assert answers[-1] == 429 and answers.count(429) == 2


def test_a_browser_that_logged_in_before_is_never_kept_out(limited: Flask) -> None:
    office = at(limited, OFFICE)
    assert try_login(office, "sam", PASSWORDS["sam"]) == 302
    office.post("/review/logout", data={"csrf_token": csrf_token(office, "/review/")})
    guesser = at(limited)
    for n in range(50):  # the same office address, the same name, every limit reached
        try_login(guesser, "sam", "guess-guess-guess", address=OFFICE if n % 2 else GUESSER)
    assert try_login(guesser, "sam", PASSWORDS["sam"], address=OFFICE) == 429
    assert try_login(office, "sam", PASSWORDS["sam"]) == 302


def test_unknown_names_grow_neither_table(limited: Flask) -> None:
    guesser = at(limited)
    for n in range(8):
        try_login(guesser, f"invented{n}", "guess-guess-guess")
    with limited.app_context(), db.reading() as session:
        assert session.scalar(select(func.count()).select_from(LoginFailures)) == 0
    failed = [e for e in audited_in(limited) if e == "login_failed"]
    assert len(failed) == 3


def audited_in(app: Flask) -> list[str]:
    from ivr.models import AuditEntry

    with app.app_context(), db.reading() as session:
        return list(session.scalars(select(AuditEntry.action)))


def test_the_password_is_checked_with_no_write_lock_held(
    app: Flask, database_url: str, monkeypatch: pytest.MonkeyPatch, audited: Audit
) -> None:
    """While argon2 works, a call's webhook must be able to take SQLite's write lock at once."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's database-wide write lock")
    path = database_url.removeprefix("sqlite:///")
    free: list[bool] = []
    check = accounts.check_password

    def checking(user: Any, password: str) -> bool:
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            free.append(True)
        except sqlite3.OperationalError:
            free.append(False)
        finally:
            other.close()
        return check(user, password)

    monkeypatch.setattr(accounts, "check_password", checking)
    browser = at(app)
    assert try_login(browser, "sam", "guess-guess-guess") == 401
    assert try_login(browser, "sam", PASSWORDS["sam"]) == 302
    assert free == [True, True]
    assert [e["reason"] for e in audited("login_failed")] == ["wrong_password"]
