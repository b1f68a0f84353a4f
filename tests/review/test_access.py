"""Who may open what: logins, roles, disabled accounts, CSRF, cookies, headers, lockout."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivr import create_app, instance_secret_key
from tests.conftest import AppFactory, Clock
from tests.review.conftest import PASSWORDS, Audit, csrf_token, login, post

PUBLIC = {"review.login", "review.static"}


def review_requests(app: Flask) -> list[tuple[str, str, str]]:
    """(method, url, endpoint) for every rule under /review/, with made-up arguments."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/review/") or rule.endpoint in PUBLIC:
            continue
        url = rule.rule.replace("<int:call_id>", "1").replace("<job>", "A" * 22)
        assert "<" not in url, f"give {rule.rule} a sample argument in this test"
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, url, rule.endpoint))
    return found


def test_the_review_area_has_pages(app: Flask) -> None:
    endpoints = {endpoint for _, _, endpoint in review_requests(app)}
    assert {"review.dashboard", "review.calls", "review.call", "review.audit_log"} <= endpoints


def test_every_page_refuses_a_visitor_who_is_not_logged_in(
    app: Flask, client: FlaskClient, call
) -> None:
    call("0", "busy", "2")
    for method, url, _ in review_requests(app):
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url, response.status_code)
        assert response.location.startswith("/review/login"), (method, url)
        assert "+447911123456" not in response.get_data(as_text=True)


def admin_pages(app: Flask) -> list[tuple[str, str, str]]:
    return [
        request
        for request in review_requests(app)
        if getattr(app.view_functions[request[2]], "admin_only", False)
    ]


def test_a_supervisor_cannot_reach_admin_pages(app: Flask, supervisor: FlaskClient) -> None:
    pages = admin_pages(app)
    assert ("GET", "/review/audit", "review.audit_log") in pages
    for method, url, _ in pages:
        assert supervisor.open(url, method=method).status_code == 403, url
    assert "Audit log" not in supervisor.get("/review/").get_data(as_text=True)


def test_an_admin_reaches_admin_pages(app: Flask, admin: FlaskClient) -> None:
    for _method, url, _ in admin_pages(app):
        assert admin.get(url).status_code == 200, url


def test_a_disabled_account_cannot_log_in(client: FlaskClient, audited: Audit) -> None:
    response = login(client, "old")
    assert response.status_code == 401
    assert client.get("/review/").status_code == 302
    assert audited("login_failed")[-1] == {"actor": "old", "reason": "disabled", "failures": 1}


def test_disabling_an_account_ends_its_sessions(app: Flask, supervisor: FlaskClient) -> None:
    from ivr.review.cli import users

    assert supervisor.get("/review/").status_code == 200
    result = app.test_cli_runner().invoke(users, ["disable", "sam"])
    assert result.exit_code == 0, result.output
    assert supervisor.get("/review/").status_code == 302


def test_a_wrong_password_is_refused_and_audited(client: FlaskClient, audited: Audit) -> None:
    assert login(client, "sam", "not-the-password").status_code == 401
    assert login(client, "nobody", "not-the-password").status_code == 401
    assert client.get("/review/calls").status_code == 302
    assert [e["actor"] for e in audited("login_failed")] == ["sam", "nobody"]


def test_repeated_failures_lock_the_name_for_a_while(
    client: FlaskClient, clock: Clock, audited: Audit
) -> None:
    for _ in range(5):
        assert login(client, "sam", "guess-guess-guess").status_code == 401
    assert login(client, "sam").status_code == 401, "locked: even the right password waits"
    assert audited("login_locked") == [{"actor": "sam"}]
    clock.now += timedelta(seconds=31)
    assert login(client, "sam").status_code == 302
    assert audited("login")[-1]["actor"] == "sam"


def test_a_session_left_idle_is_logged_out(
    supervisor: FlaskClient, clock: Clock, audited: Audit
) -> None:
    for _ in range(3):  # reading pages keeps the session alive, however long it lasts in all
        clock.now += timedelta(minutes=29)
        assert supervisor.get("/review/calls").status_code == 200
    clock.now += timedelta(minutes=31)
    left = supervisor.get("/review/calls")
    assert left.status_code == 302 and left.headers["Location"].endswith("/review/login")
    told = supervisor.get("/review/login").get_data(as_text=True)
    assert "logged out after 30 minutes without activity" in told
    assert supervisor.get("/review/").status_code == 302, "the session is over, not paused"
    assert audited("session_expired") == [{"actor": "sam"}]
    assert login(supervisor, "sam").status_code == 302
    assert supervisor.get("/review/").status_code == 200


def test_an_old_session_cookie_replayed_later_is_refused(
    app: Flask, supervisor: FlaskClient, clock: Clock
) -> None:
    cookie = supervisor.get_cookie("session")
    assert cookie is not None
    clock.now += timedelta(hours=2)
    replayed = app.test_client()
    replayed.set_cookie("session", cookie.value)
    assert replayed.get("/review/calls").status_code == 302


def test_a_form_without_its_csrf_token_is_refused(
    app: Flask, supervisor: FlaskClient, call, audited: Audit
) -> None:
    assert app.config["WTF_CSRF_ENABLED"] is not False
    call("2", "1", "")
    for url in ("/review/calls/1/review", "/review/calls/1/reveal", "/review/calls/export"):
        response = supervisor.post(url, data={"status": "reviewed", "note": "x"})
        assert response.status_code == 400, url
    assert audited("review_call") == audited("reveal_number") == audited("export_calls") == []
    fresh = app.test_client()
    form = {"username": "sam", "password": PASSWORDS["sam"]}
    assert fresh.post("/review/login", data=form).status_code == 400
    assert audited("login") == [{"actor": "sam", "role": "supervisor"}]


def test_logging_out_needs_the_token_and_ends_the_session(
    supervisor: FlaskClient, audited: Audit
) -> None:
    supervisor.post("/review/logout")
    assert supervisor.get("/review/").status_code == 200
    assert post(supervisor, "/review/logout").status_code == 302
    assert supervisor.get("/review/").status_code == 302
    assert audited("logout") == [{"actor": "sam"}]


@pytest.mark.parametrize("path", ["/review/login", "/review/", "/review/script"])
def test_pages_carry_strict_security_headers(supervisor: FlaskClient, path: str) -> None:
    headers = supervisor.get(path).headers
    policy = headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    script_src = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
    assert script_src.strip() == "script-src 'self'"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "<script>" not in supervisor.get(path).get_data(as_text=True)


def test_the_session_cookie_is_httponly_and_samesite(client: FlaskClient) -> None:
    csrf_token(client)
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    assert not cookie.secure


def test_the_session_cookie_is_secure_behind_https(make_app: AppFactory) -> None:
    app = make_app({"SECRET_KEY": "k", "PUBLIC_URL": "https://ivr.example.org"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    client = app.test_client()
    response = client.get("/review/login", base_url="https://localhost")
    session_cookie = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert session_cookie and "Secure" in session_cookie[0], response.headers


def test_the_secret_key_is_made_once_per_instance_folder(tmp_path, monkeypatch) -> None:
    app = Flask("probe", instance_path=str(tmp_path))
    first = instance_secret_key(app)
    assert len(first) == 64 and instance_secret_key(app) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_the_secret_key_comes_from_the_environment(monkeypatch, database_url: str) -> None:
    monkeypatch.setenv("IVR_SECRET_KEY", "from-the-environment")
    app = create_app({"DATABASE_URL": database_url, "TWILIO_AUTH_TOKEN": "t"})
    assert app.config["SECRET_KEY"] == "from-the-environment"
    app.extensions["ivr.engine"].dispose()
