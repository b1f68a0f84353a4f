"""`ivr check` finds call-back channels that could not reach anyone; `--live` the missing keys."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from flask import Flask

from ivr.check import check
from ivr.cli import main
from ivr.config import DEFAULT_PROMPTS, speech_path
from ivr.messaging.wording import FILE_NAME
from tests.callbacks.conftest import CHANNELS
from tests.conftest import AppFactory


def written(tmp_path: Path, config: dict[str, Any]) -> str:
    path = tmp_path / "override.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return str(path)


def changed(**at: Any) -> dict[str, Any]:
    """The test channels with values replaced at dotted paths."""
    config = copy.deepcopy(CHANNELS)
    for dotted, value in at.items():
        *parents, last = dotted.split("__")
        section = config
        for part in parents:
            section = section.setdefault(part, {})
        section[last] = value
    return config


def test_channels_as_documented_pass(tmp_path: Path) -> None:
    problems = check(written(tmp_path, CHANNELS))
    assert problems == [], "\n".join(map(str, problems))


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            changed(contacts__front_door__callbacks__sms=["07400 123111"]),
            "contacts.front_door.callbacks.sms[0]: '07400 123111' is not an E.164 number",
        ),
        (
            changed(contacts__front_door__callbacks__email=["duty at example.org"]),
            "contacts.front_door.callbacks.email[0]: 'duty at example.org' is not an e-mail",
        ),
        (
            changed(contacts__front_door__callbacks__escalate={"sms": ["+4474001"]}),
            "contacts.front_door.callbacks.escalate.sms[0]: '+4474001' is not a valid phone",
        ),
        (
            changed(contacts__front_door__callbacks__email="duty@example.org"),
            "contacts.front_door.callbacks.email: must be a list",
        ),
        (
            changed(contacts__front_door__callbacks__text=["+447400123111"]),
            "contacts.front_door.callbacks.text: is not a setting",
        ),
        (
            changed(contacts__nspcc__callbacks={"sms": ["+447400123111"]}),
            "contacts.nspcc.callbacks: only a duty team",
        ),
        (
            changed(callbacks__sms_from="01189000000"),
            "callbacks.sms_from: '01189000000' is not an E.164 number",
        ),
        (
            changed(callbacks__acknowledge_within_minutes=0),
            "callbacks.acknowledge_within_minutes: 0 is not a whole number of minutes",
        ),
        (
            changed(callbacks__worker_missing_after_seconds=10),
            "callbacks.worker_missing_after_seconds: 10 is not a whole number of seconds",
        ),
    ],
    ids=[
        "national number",
        "not an address",
        "short number",
        "not a list",
        "typo",
        "nspcc",
        "national sender",
        "zero minutes",
        "worker missed too soon",
    ],
)
def test_a_mistake_is_found_at_its_line(
    tmp_path: Path, config: dict[str, Any], expected: str
) -> None:
    problems = [str(p) for p in check(written(tmp_path, config))]
    assert len(problems) == 1 and expected in problems[0], problems
    assert problems[0].startswith(f"{tmp_path / 'override.yaml'}:")


def test_a_team_with_texts_needs_a_number_to_send_them_from(tmp_path: Path) -> None:
    config = copy.deepcopy(CHANNELS)
    del config["callbacks"]["sms_from"]
    [problem] = check(written(tmp_path, config))
    assert "callbacks.sms_from: is missing: a team has sms call backs" in str(problem)


def prompts_with_messages(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the shipped prompts whose messages have `old` (its first time) written `new`."""
    prompts = tmp_path / "en-GB.yaml"
    prompts.write_text(DEFAULT_PROMPTS.read_text(encoding="utf-8"), encoding="utf-8")
    vocabulary = speech_path(DEFAULT_PROMPTS)
    speech_path(prompts).write_text(vocabulary.read_text(encoding="utf-8"), encoding="utf-8")
    words = (DEFAULT_PROMPTS.parent / FILE_NAME).read_text(encoding="utf-8")
    (tmp_path / FILE_NAME).write_text(words.replace(old, new, 1), encoding="utf-8")
    return prompts


def test_a_message_asking_for_what_a_record_does_not_hold_is_found(tmp_path: Path) -> None:
    prompts = prompts_with_messages(
        tmp_path, "Why they rang: {reason}.", "They said: {what_they_said}."
    )
    [problem] = check(None, prompts)
    assert "messages.callback.sms: {what_they_said} is not known" in str(problem)


def test_a_time_without_its_zone_is_found(tmp_path: Path) -> None:
    """01:30 on the night the clocks go back is two moments: the zone tells them apart."""
    [problem] = check(None, prompts_with_messages(tmp_path, "%H:%M %Z on", "%H:%M on"))
    assert "messages.time_format: must say the time zone (%Z" in str(problem)


def test_a_team_taking_call_backs_without_escalation_contacts_is_warned_of(
    tmp_path: Path,
) -> None:
    """A request nobody takes then goes to no one else while the team is on duty: worth saying,
    not a reason to fail."""
    result = CliRunner().invoke(main, ["check", "--config", written(tmp_path, CHANNELS)])
    assert result.exit_code == 0, result.output
    [warning] = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert "contacts.emergency_duty.callbacks: has no escalation contact" in warning
    assert (
        "within 15 minutes goes to no one else until the team goes off duty, when a child's goes "
        "to front_door and an adult's only waits at the top of the review dashboard"
    ) in warning
    assert "config and prompts: OK" in result.output


def test_a_team_nobody_takes_over_from_is_warned_of_as_the_end_of_the_line(
    tmp_path: Path,
) -> None:
    settings = copy.deepcopy(CHANNELS)
    del settings["contacts"]["front_door"]["callbacks"]
    result = CliRunner().invoke(main, ["check", "--config", written(tmp_path, settings)])
    [warning] = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert (
        "within 15 minutes goes to no one else and only waits at the top of the review dashboard"
    ) in warning


def check_live(app: Flask) -> Result:
    return app.test_cli_runner().invoke(main, ["check", "--live"])


def test_live_a_text_channel_without_twilio_credentials_fails(make_app: AppFactory) -> None:
    result = check_live(make_app({"TWILIO_ACCOUNT_SID": None, "SMTP_URL": None}, **CHANNELS))
    assert result.exit_code != 0
    assert "sms call backs but TWILIO_ACCOUNT_SID is not set" in result.output
    assert "email call backs but IVR_SMTP_URL is not set" in result.output


def test_live_advice_texts_without_twilio_credentials_fail(make_app: AppFactory) -> None:
    texts_only = {"sms_from": CHANNELS["callbacks"]["sms_from"]}
    result = check_live(make_app({"TWILIO_ACCOUNT_SID": None}, callbacks=texts_only))
    assert result.exit_code != 0
    assert "callbacks.sms_from is set but TWILIO_ACCOUNT_SID is not" in result.output


def test_live_channels_with_their_credentials_pass_that_check(make_app: AppFactory) -> None:
    settings = {"TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "SMTP_URL": "smtps://u:p@mail:465"}
    result = check_live(make_app(settings, **CHANNELS))
    assert "call backs but" not in result.output
    assert "IVR_SMTP_URL" not in result.output


def test_live_a_malformed_mail_url_fails(make_app: AppFactory) -> None:
    result = check_live(make_app({"SMTP_URL": "mail.example.org:587"}, **CHANNELS))
    assert "IVR_SMTP_URL is not smtp://host:587" in result.output
