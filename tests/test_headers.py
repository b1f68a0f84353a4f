"""Headers and proxies: HSTS and Permissions-Policy, static files with the review area's
headers, redirects that ignore the Host header, and ProxyFix only for configured proxies."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.conftest import AppFactory, signed_post

FORGED = {"X-Forwarded-For": "192.0.2.1", "X-Forwarded-Proto": "https"}


def test_permissions_policy_on_every_response_and_no_hsts_over_plain_http(client) -> None:
    for response in (client.get("/healthz"), client.get("/review/login")):
        assert "camera=()" in response.headers["Permissions-Policy"]
        assert "microphone=()" in response.headers["Permissions-Policy"]
        assert "Strict-Transport-Security" not in response.headers


def test_hsts_when_the_public_url_is_https(make_app: AppFactory) -> None:
    app = make_app({"PUBLIC_URL": "https://ivr.example.org", "SECRET_KEY": "k"})
    response = app.test_client().get("/review/login", base_url="https://ivr.example.org")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.parametrize("path", ["/static/review.css", "/review/static/review.css"])
def test_static_files_carry_the_same_security_headers(client, path: str) -> None:
    response = client.get(path)
    response.close()
    assert response.status_code == 200
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Permissions-Policy" in response.headers


def test_a_redirect_never_follows_a_forged_host(client) -> None:
    response = client.get("/review", headers={"Host": "evil.example"})
    assert response.status_code in (301, 302, 308)
    assert "evil.example" not in response.headers["Location"]
    assert response.headers["Location"].endswith("/review/")


def test_a_redirect_is_built_on_the_public_url(make_app: AppFactory) -> None:
    app = make_app({"PUBLIC_URL": "https://ivr.example.org", "SECRET_KEY": "k"})
    response = app.test_client().get("/review", headers={"Host": "evil.example"})
    assert response.headers["Location"] == "https://ivr.example.org/review/"


def remote_seen(app: Flask, headers: dict[str, str]) -> tuple[str, str]:
    seen: list[tuple[str, str]] = []

    @app.get("/probe")
    def probe() -> str:
        from flask import request

        seen.append((request.remote_addr or "", request.headers.get("X-Forwarded-For", "")))
        return ""

    app.test_client().get("/probe", headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    return seen[0]


def test_forwarded_headers_are_ignored_and_removed_by_default(make_app: AppFactory) -> None:
    assert remote_seen(make_app(), FORGED) == ("127.0.0.1", "")


def test_one_trusted_proxy_gives_the_address_it_appended(make_app: AppFactory) -> None:
    app = make_app({"TRUSTED_PROXIES": 1})
    headers = {"X-Forwarded-For": "198.51.100.7, 203.0.113.5"}
    assert remote_seen(app, headers) == ("203.0.113.5", "")


def test_the_trusted_proxies_come_from_the_environment(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IVR_TRUSTED_PROXIES", "1")
    assert remote_seen(make_app(), FORGED) == ("192.0.2.1", "")


def test_webhooks_still_validate_behind_the_proxy(make_app: AppFactory) -> None:
    app = make_app({"TRUSTED_PROXIES": 1})
    response = signed_post(app.test_client(), "/voice/incoming", CallSid="CA" + "ef" * 16)
    assert response.status_code == 200
