"""A line whose config cannot be used still answers every call with the safe guidance, never 5xx."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner, Result
from flask import Flask
from werkzeug.test import TestResponse

from ivr.cli import main
from ivr.config import load_prompts
from ivr.line import speak_number
from tests.conftest import AppFactory, Clock, prompt_pattern, signed_post
from tests.servers import free_port

# The shipped defaults' duty team at the fixtures' Wednesday 11:00: the front door.
FRONT_DOOR = "+441189088002"
# Theirs out of office hours.
OUT_OF_HOURS = "+441344351999"
# Adult social care's, in the shipped config; also another valid number, to tell the config the
# line last knew.
ADULTS = "+441189746800"
BROKEN_HOURS = {"timezone": "Europe/Londn", "weekly": {"monday": ["9-5"]}}


def assert_safe_guidance(response: TestResponse, duty: str = FRONT_DOOR) -> None:
    """200 TwiML with the 999 message in the shipped words and a transfer to the duty team."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.get_data(as_text=True))
    said = [" ".join("".join(say.itertext()).split()) for say in root.iter("Say")]
    safe = prompt_pattern(load_prompts()["sentences"]["safe_guidance"])
    assert any(safe.match(text) for text in said), said
    assert [dial.text for dial in root.iter("Dial")] == [duty]


def every_voice_answer(app: Flask) -> list[TestResponse]:
    client = app.test_client()
    return [
        client.post("/voice/fallback", data={"CallSid": "CAbroken", "ErrorCode": "11200"}),
        signed_post(client, "/voice/incoming", CallSid="CAbroken", From="+447700900123"),
        signed_post(client, "/voice/gather?n=1", CallSid="CAbroken", Digits="2"),
    ]


def test_an_unreadable_config_still_gives_the_safe_guidance(
    make_app: AppFactory, tmp_path: Path
) -> None:
    unreadable = tmp_path / "council.yaml"
    unreadable.write_text("contacts: [front_door\n", encoding="utf-8")
    app = make_app({"IVR_CONFIG": str(unreadable)})
    for response in every_voice_answer(app):
        assert_safe_guidance(response)


def test_a_missing_config_file_still_gives_the_safe_guidance(
    make_app: AppFactory, tmp_path: Path
) -> None:
    app = make_app({"IVR_CONFIG": str(tmp_path / "not-there.yaml")})
    for response in every_voice_answer(app):
        assert_safe_guidance(response)


def test_broken_office_hours_never_make_a_call_fail(make_app: AppFactory) -> None:
    app = make_app(office_hours=BROKEN_HOURS)
    for response in every_voice_answer(app):
        assert_safe_guidance(response)


def test_an_unreadable_config_keeps_the_duty_numbers_last_checked(
    make_app: AppFactory, tmp_path: Path
) -> None:
    checked = make_app(contacts={"front_door": {"number": ADULTS}}).extensions["ivr.line"]
    app = make_app({"IVR_CONFIG": str(tmp_path / "gone.yaml"), "LAST_KNOWN_LINE": checked})
    for response in every_voice_answer(app):
        assert_safe_guidance(response, duty=ADULTS)


def test_metrics_are_read_with_the_line_last_checked_or_refused_with_503(
    make_app: AppFactory, tmp_path: Path
) -> None:
    checked = make_app().extensions["ivr.line"]
    gone = str(tmp_path / "gone.yaml")
    known = make_app({"IVR_CONFIG": gone, "LAST_KNOWN_LINE": checked}).test_client()
    assert known.get("/metrics").status_code == 200
    unknown = make_app({"IVR_CONFIG": gone}).test_client()
    assert unknown.get("/metrics").status_code == 503


def test_healthz_keeps_a_worker_with_an_unreadable_config_in_service_and_says_so(
    make_app: AppFactory, tmp_path: Path
) -> None:
    answer = make_app({"IVR_CONFIG": str(tmp_path / "gone.yaml")}).test_client().get("/healthz")
    assert answer.status_code == 200
    assert answer.json == {"status": "ok", "database": "ok", "config": "unreadable"}
    assert make_app().test_client().get("/healthz").json["config"] == "ok"


def test_the_fallback_just_before_closing_also_names_who_answers_after_it(
    make_app: AppFactory, clock: Clock
) -> None:
    """A transfer to the front door at 16:59:50 may ring on past 5pm: the caller who was not
    put through is also told who answers from then, and on what number."""
    clock.now = datetime(2026, 11, 25, 16, 59, 50, tzinfo=UTC)
    app = make_app()
    heard = heard_from_the_fallback(app)
    assert (
        "If you weren't put through, the children's services front door is on"
        f" {speak_number(FRONT_DOOR)}. From 5pm today, the Berkshire emergency duty service"
        f" answers instead, for what can't wait, on {speak_number(OUT_OF_HOURS)}."
    ) in heard

    clock.now = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)
    heard = heard_from_the_fallback(app)
    assert "answers instead" not in heard
    assert f"the Berkshire emergency duty service is on {speak_number(OUT_OF_HOURS)}." in heard


def test_the_fallback_just_before_opening_also_names_who_answers_from_then(
    make_app: AppFactory, clock: Clock
) -> None:
    """A transfer to the emergency duty service at 08:59:50 may ring on past 9am, when it goes
    off duty: the caller who was not put through is also given the front door's number."""
    clock.now = datetime(2026, 11, 25, 8, 59, 50, tzinfo=UTC)
    app = make_app()
    heard = heard_from_the_fallback(app)
    assert (
        f"If you weren't put through, the Berkshire emergency duty service is on"
        f" {speak_number(OUT_OF_HOURS)}. From 9am today, the children's services front door"
        f" answers instead, on {speak_number(FRONT_DOOR)}."
    ) in heard

    clock.now = datetime(2026, 11, 25, 17, 30, tzinfo=UTC)
    assert "From 9am" not in heard_from_the_fallback(app), "no opening later today"
    clock.now = datetime(2026, 11, 28, 8, 59, 50, tzinfo=UTC)
    assert "answers instead" not in heard_from_the_fallback(app), "a Saturday"
    clock.now = datetime(2026, 12, 25, 8, 59, 50, tzinfo=UTC)
    assert "answers instead" not in heard_from_the_fallback(app), "Christmas Day"


def test_the_fallback_names_no_closing_time_for_hours_that_run_on_past_midnight(
    make_app: AppFactory, clock: Clock
) -> None:
    """An office open round the clock on weekdays closes at midnight on Friday, not before."""
    weekdays = ("monday", "tuesday", "wednesday", "thursday", "friday")
    app = make_app(office_hours={"weekly": {day: ["00:00-24:00"] for day in weekdays}})
    clock.now = datetime(2026, 11, 25, 23, 59, tzinfo=UTC)
    assert "answers instead" not in heard_from_the_fallback(app)
    clock.now = datetime(2026, 11, 27, 23, 59, tzinfo=UTC)
    assert "From midnight today, the Berkshire emergency duty service answers instead" in (
        heard_from_the_fallback(app)
    )


def heard_from_the_fallback(app: Flask) -> str:
    response = app.test_client().post("/voice/fallback", data={"CallSid": "CAfallback"})
    assert response.status_code == 200
    root = ET.fromstring(response.get_data(as_text=True))
    return " ".join(" ".join("".join(say.itertext()).split()) for say in root.iter("Say"))


# The static fallback: a TwiML Bin that Twilio serves itself when the server cannot answer at all.
ADULTS_NIGHT = "+441189000111"  # a number of a council's own, for a team of its own
COUNCIL = {
    "office_hours": {"weekly": {day: ["08:30-16:30"] for day in ("monday", "tuesday")}},
    "contacts": {"front_door": {"number": ADULTS}},
}


def fallback_twiml(tmp_path: Path, config: dict[str, Any]) -> Result:
    """`ivr fallback-twiml` as an operator runs it: IVR_CONFIG set, no database to be had."""
    override = tmp_path / "council.yaml"
    override.write_text(yaml.safe_dump(config), encoding="utf-8")
    env = {
        "IVR_CONFIG": str(override),
        "IVR_DATABASE_URL": f"postgresql://ivr@127.0.0.1:{free_port()}/ivr",
        "IVR_INSTANCE_PATH": str(tmp_path / "no-instance"),
    }
    return CliRunner().invoke(main, ["fallback-twiml"], env=env)


def heard_from_the_bin(result: Result) -> str:
    """What a caller hears from the printed TwiML Bin, checked to be one that dials no one."""
    assert result.exit_code == 0, result.output
    root = ET.fromstring(result.output.strip().encode())
    assert root.tag == "Response"
    assert {verb.tag for verb in root} == {"Say", "Hangup"}
    assert all(say.get("language") == "en-GB" for say in root.iter("Say"))
    said = [" ".join("".join(say.itertext()).split()) for say in root.iter("Say")]
    assert said[0] == "If anyone is in immediate danger, hang up and dial 9, 9, 9."
    return " ".join(said)


def test_the_twiml_bin_says_999_then_both_duty_teams_with_their_hours_no_database(
    tmp_path: Path,
) -> None:
    heard = heard_from_the_bin(fallback_twiml(tmp_path, COUNCIL))
    hours = "Monday to Tuesday 8:30am to 4:30pm and Wednesday to Friday 9am to 5pm"
    assert f"{hours}, except bank holidays, on {speak_number(ADULTS)}." in heard
    assert "At all other times, " in heard
    assert speak_number(OUT_OF_HOURS) in heard
    assert not (tmp_path / "no-instance").exists()


# Closed dates in years to come, and one long past. 2099-06-13 is a Saturday, closed anyway;
# 2099-12-25 is Christmas Day, a bank holiday already said; between 2099-12-24 and 2099-12-29,
# and between 2099-12-31 and 2100-01-04, every day is a weekend day or a bank holiday.
CLOSED_DATES = [
    "2020-12-24",
    "2099-06-10",
    "2099-06-13",
    "2099-12-24",
    "2099-12-25",
    "2099-12-29",
    "2099-12-30",
    "2099-12-31",
    "2100-01-04",
]


def test_the_twiml_bin_tells_no_one_the_front_door_is_open_on_a_day_it_is_closed(
    tmp_path: Path,
) -> None:
    """A caller on a bank holiday or a closed date hears that those days are the emergency duty
    service's, not the front door's office hours."""
    heard = heard_from_the_bin(
        fallback_twiml(tmp_path, {"office_hours": {"closed_dates": CLOSED_DATES}})
    )
    assert (
        "the children's services front door: Monday to Friday 9am to 5pm, except bank holidays,"
        " 10 June 2099 and 24 December 2099 to 4 January 2100, on "
    ) in heard
    assert "2020" not in heard, "a closed date gone by is not read out"
    assert "At all other times, the Berkshire emergency duty service, for children and adults" in (
        heard
    )


def test_the_twiml_bin_without_closed_days_says_the_hours_alone(tmp_path: Path) -> None:
    heard = heard_from_the_bin(
        fallback_twiml(tmp_path, {"office_hours": {"bank_holidays": "none"}})
    )
    assert "Monday to Friday 9am to 5pm, on " in heard
    assert "except" not in heard


def test_the_twiml_bin_names_the_adult_teams_in_and_out_of_hours(tmp_path: Path) -> None:
    """As the live line puts an adult at risk through: adult social care in office hours, and
    out of hours the team duty.adults_out_of_hours names, said apart when it is not the
    children's."""
    heard = heard_from_the_bin(fallback_twiml(tmp_path, {}))
    assert (
        f"For adults, Wokingham adult social care: the same hours, on {speak_number(ADULTS)}."
    ) in heard
    apart = {
        "contacts": {"adults_at_night": {"name": "the adults' night team", "number": ADULTS_NIGHT}},
        "duty": {"adults_out_of_hours": "adults_at_night"},
    }
    heard = heard_from_the_bin(fallback_twiml(tmp_path, apart))
    assert (
        f"At all other times, for children, the Berkshire emergency duty service, for what can't"
        f" wait, on {speak_number(OUT_OF_HOURS)}. For adults at those times, the adults' night"
        f" team, on {speak_number(ADULTS_NIGHT)}."
    ) in heard


def test_the_twiml_bin_is_refused_from_a_config_ivr_check_finds_wrong(tmp_path: Path) -> None:
    result = fallback_twiml(tmp_path, {"contacts": {"front_door": {"number": "01189088002"}}})
    assert result.exit_code != 0
    assert "is not an E.164 number" in result.output
    assert "<Response" not in result.output
