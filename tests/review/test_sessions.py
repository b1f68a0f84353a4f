"""Sessions end from the server: logout, a new password, disabling and enabling each end every
session opened before, and no session outlives `review.session_hours`, however it is replayed."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from ivr import db
from ivr.review import accounts
from ivr.review.cli import users
from tests.conftest import WEDNESDAY_11AM, AppFactory, Clock
from tests.review.conftest import PASSWORDS, Audit, login, post


def copy_of(app: Flask, browser: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of this one's session cookie."""
    cookie = browser.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def run(app: Flask, *args: str, input: str | None = None) -> None:
    result = app.test_cli_runner().invoke(users, list(args), input=input)
    assert result.exit_code == 0, result.output


def test_a_cookie_copied_before_logout_is_refused_after_it(
    app: Flask, supervisor: FlaskClient
) -> None:
    thief = copy_of(app, supervisor)
    assert thief.get("/review/").status_code == 200
    assert post(supervisor, "/review/logout").status_code == 302
    assert thief.get("/review/").status_code == 302


def test_logging_out_ends_the_accounts_other_sessions_too(
    app: Flask, supervisor: FlaskClient
) -> None:
    other = app.test_client()
    assert login(other, "sam").status_code == 302
    post(supervisor, "/review/logout")
    assert other.get("/review/").status_code == 302


def test_a_new_password_ends_every_open_session(app: Flask, supervisor: FlaskClient) -> None:
    thief = copy_of(app, supervisor)
    run(app, "password", "sam", "--password-stdin", input="a-brand-new-password\n")
    assert supervisor.get("/review/").status_code == 302
    assert thief.get("/review/").status_code == 302
    assert login(app.test_client(), "sam", "a-brand-new-password").status_code == 302


def test_enabling_a_disabled_account_does_not_revive_its_old_sessions(
    app: Flask, supervisor: FlaskClient
) -> None:
    thief = copy_of(app, supervisor)
    run(app, "disable", "sam")
    run(app, "enable", "sam")
    assert supervisor.get("/review/").status_code == 302
    assert thief.get("/review/").status_code == 302
    assert login(app.test_client(), "sam").status_code == 302


def test_a_session_ends_after_its_lifetime_however_often_it_is_used(
    app: Flask, supervisor: FlaskClient, clock: Clock, audited: Audit
) -> None:
    thief = copy_of(app, supervisor)
    for _ in range(20):  # every 29 minutes, inside the idle timeout, for 9 hours 40 minutes
        clock.now += timedelta(minutes=29)
        assert thief.get("/review/calls").status_code == 200
    clock.now += timedelta(minutes=29)
    ended = thief.get("/review/calls")
    assert ended.status_code == 302 and ended.headers["Location"].endswith("/review/login")
    told = thief.get("/review/login").get_data(as_text=True)
    assert "a session lasts at most 10 hours" in told
    assert audited("session_lifetime_ended") == [{"actor": "sam"}]
    assert supervisor.get("/review/").status_code == 302


def test_the_session_lifetime_is_configured(make_app: AppFactory, clock: Clock) -> None:
    app = make_app(
        {"SECRET_KEY": "k", "RATELIMIT_STORAGE_URI": "memory://"}, review={"session_hours": 1}
    )
    with app.app_context(), db.session() as session:
        accounts.add(session, WEDNESDAY_11AM, "test", "sam", "supervisor", PASSWORDS["sam"])
    browser = app.test_client()
    assert login(browser, "sam").status_code == 302
    clock.now += timedelta(minutes=29)
    assert browser.get("/review/").status_code == 200
    clock.now += timedelta(minutes=32)
    assert browser.get("/review/").status_code == 302
