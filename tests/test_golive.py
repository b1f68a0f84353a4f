"""`ivr check --live`: each gap a real deployment must close fails the check, one line each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result
from flask import Flask

from ivr.cli import main
from ivr.config import DEFAULT_PROMPTS, speech_path
from ivr.server import default_workers
from tests.conftest import CALLBACK_CHANNELS, AppFactory

COMPLETE: dict[str, Any] = {
    "TWILIO_AUTH_TOKEN": "a-real-account-token",
    "PUBLIC_URL": "https://ivr.example.org",
    "SECRET_KEY": "the-same-key-on-every-server",
}
# Several servers and a call-back worker on one PostgreSQL: how they all share one key matters.
SHARED_DATABASE = "postgresql://ivr@127.0.0.1:9/ivr"
CALL_BACKS_BY_EMAIL = {"SMTP_URL": "smtps://u:p@mail.example.org:465"}
SENT_FROM = {"email_from": "ivr@example.org"}


@pytest.fixture
def complete(database_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A set-up that passes, on the test's own (reachable) database: one worker on SQLite."""
    if database_url.startswith("sqlite"):
        monkeypatch.setenv("IVR_WORKERS", "1")
    else:
        monkeypatch.setenv("IVR_WORKERS", "4")
    return {**COMPLETE, "DATABASE_URL": database_url}


def override(tmp_path: Path, config: dict[str, Any]) -> dict[str, str]:
    """App settings naming an IVR_CONFIG file with `config`, as a deployment would."""
    path = tmp_path / "override.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return {"IVR_CONFIG": str(path)}


def check_live(app: Flask) -> Result:
    return app.test_cli_runner().invoke(main, ["check", "--live"])


def prompts_without(tmp_path: Path, key: str) -> str:
    prompts = yaml.safe_load(DEFAULT_PROMPTS.read_text(encoding="utf-8"))
    del prompts["sentences"][key]
    (tmp_path / "en-GB.yaml").write_text(yaml.safe_dump(prompts), encoding="utf-8")
    speech = speech_path(DEFAULT_PROMPTS).read_text("utf-8")
    (tmp_path / "speech.en-GB.yaml").write_text(speech, "utf-8")
    return str(tmp_path)


def test_a_complete_set_up_passes(make_app: AppFactory, complete: dict[str, Any]) -> None:
    result = check_live(make_app(complete))
    assert result.exit_code == 0, result.output


def test_one_worker_may_use_sqlite(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    monkeypatch.setenv("IVR_WORKERS", "1")
    result = check_live(make_app({**COMPLETE, "DATABASE_URL": database_url}))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("settings", "config", "workers", "expected"),
    [
        ({"TWILIO_AUTH_TOKEN": None}, {}, None, "TWILIO_AUTH_TOKEN is not set"),
        ({"PUBLIC_URL": None}, {}, None, "IVR_PUBLIC_URL is not set"),
        ({"PUBLIC_URL": "http://ivr.example.org"}, {}, None, "is not an https URL"),
        ({"PUBLIC_URL": "https://"}, {}, None, "is not an https URL"),
        (
            {"DATABASE_URL": "sqlite:///ivr.sqlite3"},
            {},
            "default",
            f"SQLite but {default_workers()} workers",
        ),
        ({"DATABASE_URL": "sqlite:///ivr.sqlite3"}, {}, "3", "SQLite but 3 workers"),
        ({}, {}, "many", "IVR_WORKERS 'many' is not a whole number"),
        (
            {"DATABASE_URL": "postgresql://ivr:secret@127.0.0.1:9/ivr"},
            {},
            None,
            "cannot reach the database at postgresql+psycopg://ivr:***@127.0.0.1:9/ivr",
        ),
        (
            {},
            {"contacts": {"front_door": {"number": "01189088002"}}},
            None,
            "contacts.front_door.number: '01189088002' is not an E.164 number",
        ),
        (
            {},
            {"contacts": {"nspcc": {"number": "+4412"}}},
            None,
            "contacts.nspcc.number: '+4412' is not a valid phone number",
        ),
        (
            {},
            {"metrics": {"allow": ["localhost"]}},
            None,
            "'localhost' is not an address or network",
        ),
        (
            {},
            {"retention": {"days": "a year"}},
            None,
            "retention.days: 'a year' is not a whole number",
        ),
        ({}, {"retention": {"days": 0}}, None, "retention.days: 0 is not a whole number"),
    ],
)
def test_each_missing_piece_fails_the_check(
    make_app: AppFactory,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    complete: dict[str, Any],
    settings: dict[str, Any],
    config: dict[str, Any],
    workers: str | None,
    expected: str,
) -> None:
    if workers == "default":
        monkeypatch.delenv("IVR_WORKERS", raising=False)
    elif workers is not None:
        monkeypatch.setenv("IVR_WORKERS", workers)
    result = check_live(make_app({**complete, **settings, **override(tmp_path, config)}))
    assert result.exit_code != 0
    problems = [line for line in result.output.splitlines() if not line.startswith("Error:")]
    assert len(problems) == 1, result.output
    assert expected in problems[0]


def test_a_missing_prompt_fails_the_check(
    make_app: AppFactory, tmp_path: Path, complete: dict[str, Any]
) -> None:
    prompts = prompts_without(tmp_path, "danger_now")
    result = check_live(make_app({**complete, "PROMPTS": prompts}))
    assert result.exit_code != 0
    assert "missing prompt 'danger_now'" in result.output


def test_a_number_not_dialled_may_be_a_short_code(
    make_app: AppFactory, tmp_path: Path, complete: dict[str, Any]
) -> None:
    police = {"contacts": {"police": {"number": "101", "dial": False}}}
    app = make_app({**complete, **override(tmp_path, police)})
    result = check_live(app)
    assert result.exit_code == 0, result.output


def test_servers_on_postgresql_without_one_secret_key_fail_where_links_are_sent(
    make_app: AppFactory, complete: dict[str, Any]
) -> None:
    """Each host's own random key: a call-back link from one answers 404 on another."""
    settings = {**complete, **CALL_BACKS_BY_EMAIL, "SECRET_KEY": None}
    app = make_app(
        {**settings, "DATABASE_URL": SHARED_DATABASE},
        callbacks=SENT_FROM,
        contacts=CALLBACK_CHANNELS,
    )
    result = check_live(app)
    assert result.exit_code != 0
    assert "\nIVR_SECRET_KEY is not set" in f"\n{result.output}", result.output
    assert "answers 404" in result.output


def test_servers_on_postgresql_without_one_secret_key_are_warned_of_sign_ins(
    make_app: AppFactory, complete: dict[str, Any]
) -> None:
    app = make_app({**complete, "SECRET_KEY": None, "DATABASE_URL": SHARED_DATABASE})
    result = check_live(app)
    assert "warning: IVR_SECRET_KEY is not set" in result.output
    assert "sign-in holds only on the server it was made on" in result.output


@pytest.mark.parametrize(
    "settings", [{"DATABASE_URL": SHARED_DATABASE}, {"SECRET_KEY": None}], ids=["set", "sqlite"]
)
def test_one_secret_key_or_one_host_is_not_flagged(
    make_app: AppFactory, complete: dict[str, Any], settings: dict[str, Any]
) -> None:
    """Set, every host shares it; unset on SQLite, there is one host and its workers share it."""
    if "DATABASE_URL" not in settings and not complete["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("one host is SQLite's case")
    app = make_app(
        {**complete, **CALL_BACKS_BY_EMAIL, **settings},
        callbacks=SENT_FROM,
        contacts=CALLBACK_CHANNELS,
    )
    assert "IVR_SECRET_KEY" not in check_live(app).output
