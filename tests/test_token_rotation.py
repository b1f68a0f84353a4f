"""Rotating Twilio's auth token: no call refused between the restart and the promotion."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from ivr.cli import main
from tests.conftest import AppFactory, sign
from tests.test_metrics import sample

NEW, OLD = "the-new-secondary-token", "the-old-primary-token"
SID = "CA" + "cd" * 16
FORM = {"CallSid": SID, "From": "+447911123456"}
URL = "http://localhost/voice/incoming"


def ring(app: Flask, token: str) -> int:
    """A first webhook signed with `token`, as Twilio signs with its primary token."""
    headers = {"X-Twilio-Signature": sign(URL, FORM, token=token)}
    return app.test_client().post("/voice/incoming", data=FORM, headers=headers).status_code


@pytest.fixture
def rotating(make_app: AppFactory) -> Flask:
    """The line restarted with the new token, the old one kept until Twilio signs with the new."""
    return make_app({"TWILIO_AUTH_TOKEN": NEW, "TWILIO_AUTH_TOKEN_PREVIOUS": OLD})


def test_calls_signed_with_the_old_token_are_answered_until_the_promotion(
    rotating: Flask,
) -> None:
    before = sample(rotating, "ivr_signatures_previous_token_total")
    assert ring(rotating, OLD) == 200
    assert sample(rotating, "ivr_signatures_previous_token_total") == before + 1


def test_calls_signed_with_the_new_token_are_answered_and_not_counted_as_old(
    rotating: Flask,
) -> None:
    before = sample(rotating, "ivr_signatures_previous_token_total")
    assert ring(rotating, NEW) == 200
    assert sample(rotating, "ivr_signatures_previous_token_total") == before


def test_a_third_token_is_still_refused_while_rotating(rotating: Flask) -> None:
    assert ring(rotating, "someone-elses-token") == 403


def test_without_a_previous_token_the_old_one_is_refused(make_app: AppFactory) -> None:
    assert ring(make_app({"TWILIO_AUTH_TOKEN": NEW}), OLD) == 403


def live_check_of(make_app: AppFactory, database_url: str, **settings: Any) -> str:
    app = make_app(
        {
            "TWILIO_AUTH_TOKEN": NEW,
            "PUBLIC_URL": "https://ivr.example.org",
            "SECRET_KEY": "the-same-key-on-every-server",
            "DATABASE_URL": database_url,
            **settings,
        }
    )
    return app.test_cli_runner().invoke(main, ["check", "--live"]).output


def test_the_live_check_reminds_the_operator_to_unset_the_old_token(
    make_app: AppFactory, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IVR_WORKERS", "1" if database_url.startswith("sqlite") else "4")
    assert "TWILIO_AUTH_TOKEN_PREVIOUS" not in live_check_of(make_app, database_url)
    output = live_check_of(make_app, database_url, TWILIO_AUTH_TOKEN_PREVIOUS=OLD)
    assert "warning: TWILIO_AUTH_TOKEN_PREVIOUS is set" in output, output
