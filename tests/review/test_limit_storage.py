"""Login tries are counted where every worker and every server sees the same count."""

from __future__ import annotations

import os
import secrets
import socket
from pathlib import Path

import pytest
from flask import Flask

from ivr import db
from ivr.review import accounts
from tests.conftest import WEDNESDAY_11AM, AppFactory
from tests.review.conftest import PASSWORDS
from tests.review.test_login_limits import at, try_login

REDIS = ("127.0.0.1", 6379)


def two_workers(make_app: AppFactory, storage: str) -> list[Flask]:
    """Two apps, as two gunicorn workers (or two servers) are, counting in one storage."""
    apps = []
    prefix = f"ivr-test-{secrets.token_hex(4)}"
    for _ in range(2):
        app = make_app(
            # A prefix of the test's own: a shared Redis keeps counts between runs.
            {
                "SECRET_KEY": "k",
                "RATELIMIT_STORAGE_URI": storage,
                "RATELIMIT_KEY_PREFIX": prefix,
            },
            review={"login_limits": {"per_address": "4 per hour"}},
        )
        apps.append(app)
    with apps[0].app_context(), db.session() as session:
        accounts.add(session, WEDNESDAY_11AM, "test", "sam", "supervisor", PASSWORDS["sam"])
    return apps


def alternate(apps: list[Flask]) -> list[int]:
    browsers = [at(app) for app in apps]
    return [try_login(browsers[n % 2], f"name{n}", "guess-guess-guess") for n in range(6)]


def test_workers_on_one_machine_share_the_sqlite_count(
    make_app: AppFactory, tmp_path: Path
) -> None:
    apps = two_workers(make_app, f"ivr-sqlite://{tmp_path / 'limits.sqlite3'}")
    assert alternate(apps) == [401, 401, 401, 401, 429, 429]


def test_the_default_count_is_a_file_in_the_instance_folder(make_app: AppFactory) -> None:
    app = make_app({"SECRET_KEY": "k"})
    storage = app.config["RATELIMIT_STORAGE_URI"]
    assert storage == f"ivr-sqlite://{Path(app.instance_path) / 'ratelimits.sqlite3'}"


def test_the_storage_comes_from_the_environment(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IVR_RATELIMIT_STORAGE_URL", "redis://127.0.0.1:6379")
    assert make_app({"SECRET_KEY": "k"}).config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379"


def redis_reachable() -> bool:
    try:
        socket.create_connection(REDIS, timeout=1).close()
    except OSError:
        return False
    return True


def test_servers_share_the_count_through_redis(make_app: AppFactory) -> None:
    if not redis_reachable():
        # CI starts Redis and asks for it: there the test must run, never skip.
        if os.environ.get("IVR_REQUIRE_REDIS") == "1":
            pytest.fail("IVR_REQUIRE_REDIS=1 but no Redis answers at 127.0.0.1:6379")
        pytest.skip("no Redis at 127.0.0.1:6379")
    apps = two_workers(make_app, "redis://127.0.0.1:6379")
    assert alternate(apps) == [401, 401, 401, 401, 429, 429]
