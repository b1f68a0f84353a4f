"""Office hours, duty and contact opening, checked against known dates in 2026."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ivr.hours import Contact, contact, contact_open, duty_now, office_open
from ivr.schedule import WEEKDAYS, HoursError, Schedule
from ivr.spoken_hours import describe_weekly

LONDON = ZoneInfo("Europe/London")

# Unquoted 2026-06-15 becomes a date when YAML parses it; the quoted one stays text.
CONFIG_YAML = """
office_hours:
  timezone: Europe/London
  weekly:
    monday: ["09:00-17:00"]
    tuesday: ["09:00-17:00"]
    wednesday: ["09:00-17:00"]
    thursday: ["09:00-17:00"]
    friday: ["09:00-17:00"]
  bank_holidays: england
  closed_dates: [2026-06-15, "2026-06-16"]
duty:
  in_hours: front_door
  out_of_hours: emergency_duty
contacts:
  front_door: {name: "the children's services front door", number: "+441189088002"}
  emergency_duty: {name: "the emergency duty service", number: "+441344351999"}
  police: {name: "Thames Valley Police", number: "101", dial: false}
  nspcc:
    name: "the NSPCC helpline"
    number: "+448088005000"
    hours:
      weekly:
        monday: ["08:00-22:00"]
        tuesday: ["08:00-22:00"]
        wednesday: ["08:00-22:00"]
        thursday: ["08:00-22:00"]
        friday: ["08:00-22:00"]
        saturday: ["09:00-18:00"]
        sunday: ["09:00-18:00"]
"""

WORDS_YAML = """
days: {monday: Monday, tuesday: Tuesday, wednesday: Wednesday, thursday: Thursday,
       friday: Friday, saturday: Saturday, sunday: Sunday}
day_span: "{first} to {last}"
time_span: "{start} to {end}"
join: ", "
last_join: " and "
time: {hour: "{h12}{ampm}", minutes: "{h12}:{mm}{ampm}", am: "am", pm: "pm",
       midnight: midnight, noon: midday}
"""


@pytest.fixture
def config() -> dict[str, Any]:
    return yaml.safe_load(CONFIG_YAML)


def london(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=LONDON, fold=fold)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def schedule(weekly: dict[str, list[str]], **settings_: Any) -> Schedule:
    return Schedule.from_config({"weekly": weekly, **settings_})


# --- Office hours -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        pytest.param(london(2026, 6, 12, 16, 59), True, id="friday 16:59"),
        pytest.param(london(2026, 6, 12, 16, 59, 59, 999999), True, id="friday 16:59:59.999999"),
        pytest.param(london(2026, 6, 12, 17, 0), False, id="friday 17:00 end is exclusive"),
        pytest.param(london(2026, 6, 12, 9, 0), True, id="friday 09:00 start is inclusive"),
        pytest.param(london(2026, 6, 12, 8, 59, 59), False, id="friday 08:59:59"),
        pytest.param(london(2026, 6, 13, 12, 0), False, id="saturday noon"),
        pytest.param(london(2026, 6, 14, 12, 0), False, id="sunday noon"),
        pytest.param(london(2026, 8, 31, 10, 0), False, id="summer bank holiday monday"),
        pytest.param(london(2026, 12, 28, 10, 0), False, id="substitute boxing day monday"),
        pytest.param(london(2026, 12, 25, 10, 0), False, id="christmas day friday"),
        pytest.param(london(2026, 12, 29, 10, 0), True, id="tuesday after christmas"),
        pytest.param(london(2026, 4, 3, 10, 0), False, id="good friday"),
        pytest.param(london(2026, 6, 15, 10, 0), False, id="closed date from a YAML date"),
        pytest.param(london(2026, 6, 16, 10, 0), False, id="closed date from quoted text"),
        pytest.param(london(2026, 6, 17, 10, 0), True, id="day after the closed dates"),
        # Spring forward, Sunday 29 March 2026: UTC+0 before, UTC+1 after.
        pytest.param(utc(2026, 3, 30, 8, 30), True, id="08:30 UTC is 09:30 BST after spring"),
        pytest.param(utc(2026, 3, 30, 7, 59), False, id="07:59 UTC is 08:59 BST"),
        pytest.param(utc(2026, 3, 30, 8, 0), True, id="08:00 UTC is 09:00 BST"),
        pytest.param(utc(2026, 3, 30, 15, 59), True, id="15:59 UTC is 16:59 BST"),
        pytest.param(utc(2026, 3, 30, 16, 0), False, id="16:00 UTC is 17:00 BST"),
        pytest.param(utc(2026, 3, 23, 8, 30), False, id="08:30 UTC is 08:30 GMT before spring"),
        pytest.param(utc(2026, 3, 27, 16, 30), True, id="16:30 UTC is 16:30 GMT before spring"),
        # Fall back, Sunday 25 October 2026.
        pytest.param(utc(2026, 10, 23, 8, 30), True, id="08:30 UTC is 09:30 BST before autumn"),
        pytest.param(utc(2026, 10, 23, 16, 30), False, id="16:30 UTC is 17:30 BST"),
        pytest.param(utc(2026, 10, 26, 8, 30), False, id="08:30 UTC is 08:30 GMT after autumn"),
        pytest.param(utc(2026, 10, 26, 16, 30), True, id="16:30 UTC is 16:30 GMT"),
        # Any aware zone is converted to London first.
        pytest.param(
            datetime(2026, 6, 12, 11, 59, tzinfo=ZoneInfo("America/New_York")), True, id="new york"
        ),
        pytest.param(
            datetime(2026, 6, 12, 12, 0, tzinfo=ZoneInfo("America/New_York")),
            False,
            id="new york 2",
        ),
        pytest.param(
            datetime(2026, 6, 13, 1, 0, tzinfo=ZoneInfo("Pacific/Auckland")),
            True,
            id="auckland saturday is london friday",
        ),
    ],
)
def test_office_open(config: dict[str, Any], at: datetime, expected: bool) -> None:
    assert office_open(config, at) is expected


@pytest.mark.parametrize(
    ("calendar", "day", "closed"),
    [
        ("none", date(2026, 8, 31), False),
        ("none", date(2026, 12, 25), False),
        ("england", date(2026, 8, 31), True),
        ("wales", date(2026, 8, 31), True),
        ("scotland", date(2026, 8, 31), False),
        ("scotland", date(2026, 8, 3), True),
        ("scotland", date(2026, 1, 2), True),
        ("england", date(2026, 1, 2), False),
        ("northern_ireland", date(2026, 3, 17), True),
        ("england", date(2026, 3, 17), False),
        ("northern_ireland", date(2026, 7, 13), True),
        # Years far from today are covered too.
        ("england", date(1995, 5, 8), True),  # the VE Day May bank holiday
        ("england", date(2090, 12, 25), True),
        ("england", date(2090, 12, 27), False),
    ],
)
def test_bank_holiday_calendars(
    config: dict[str, Any], calendar: str, day: date, closed: bool
) -> None:
    config["office_hours"]["bank_holidays"] = calendar
    config["office_hours"]["closed_dates"] = []
    config["office_hours"]["weekly"] = {name: ["00:00-24:00"] for name in WEEKDAYS}
    at = datetime.combine(day, datetime.min.time(), LONDON) + timedelta(hours=12)
    assert office_open(config, at) is not closed
    assert Schedule.from_config(config["office_hours"]).is_closed_day(day) is closed


def test_bank_holidays_default_to_none() -> None:
    assert not schedule({"monday": ["09:00-17:00"]}).is_closed_day(date(2026, 8, 31))
    assert schedule({}, bank_holidays="england").is_closed_day(date(2026, 8, 31))
    overridden = Schedule.from_config({"weekly": {}}, default_bank_holidays="england")
    assert overridden.is_closed_day(date(2026, 8, 31))


def test_is_closed_day_refuses_a_datetime() -> None:
    with pytest.raises(TypeError):
        schedule({}, bank_holidays="england").is_closed_day(datetime(2026, 8, 31, 10))


def test_config_changes_are_seen_despite_caching(config: dict[str, Any]) -> None:
    at = london(2026, 6, 17, 10, 0)
    assert office_open(config, at)
    config["office_hours"]["closed_dates"].append("2026-06-17")
    assert not office_open(config, at)
    config["office_hours"]["closed_dates"].pop()
    assert office_open(config, at)


def test_cache_tells_a_mapping_from_a_list_of_pairs(config: dict[str, Any]) -> None:
    at = london(2026, 6, 17, 10, 0)
    assert office_open(config, at)
    config["office_hours"]["weekly"] = [
        list(item) for item in config["office_hours"]["weekly"].items()
    ]
    with pytest.raises(HoursError) as caught:
        office_open(config, at)
    assert caught.value.path == ("office_hours", "weekly")


def test_unhashable_config_is_parsed_without_the_cache(config: dict[str, Any]) -> None:
    config["office_hours"]["closed_dates"] = {"2026-06-15"}
    with pytest.raises(HoursError, match="list of dates") as caught:
        office_open(config, london(2026, 6, 17, 10, 0))
    assert caught.value.path == ("office_hours", "closed_dates")


# --- Clock changes, midnight and several ranges --------------------------------------------

AUTUMN_ONE_TO_TWO = {"sunday": ["01:00-02:00"]}
AUTUMN_TO_HALF_ONE = {"sunday": ["00:00-01:30"]}
SPRING_AROUND_GAP = {"sunday": ["00:30-01:00", "02:00-02:30"]}


@pytest.mark.parametrize(
    ("weekly", "at", "expected"),
    [
        # 25 October 2026: 01:00 UTC is 02:00 BST becoming 01:00 GMT, so 01:xx happens twice.
        (AUTUMN_ONE_TO_TWO, utc(2026, 10, 24, 23, 59), False),  # 00:59 BST
        (AUTUMN_ONE_TO_TWO, utc(2026, 10, 25, 0, 0), True),  # 01:00 BST
        (AUTUMN_ONE_TO_TWO, utc(2026, 10, 25, 0, 59), True),  # 01:59 BST
        (AUTUMN_ONE_TO_TWO, utc(2026, 10, 25, 1, 0), True),  # 01:00 GMT
        (AUTUMN_ONE_TO_TWO, utc(2026, 10, 25, 1, 59), True),  # 01:59 GMT
        (AUTUMN_ONE_TO_TWO, utc(2026, 10, 25, 2, 0), False),  # 02:00 GMT
        (AUTUMN_ONE_TO_TWO, london(2026, 10, 25, 1, 30, fold=0), True),
        (AUTUMN_ONE_TO_TWO, london(2026, 10, 25, 1, 30, fold=1), True),
        (AUTUMN_TO_HALF_ONE, utc(2026, 10, 25, 0, 15), True),  # 01:15 BST
        (AUTUMN_TO_HALF_ONE, utc(2026, 10, 25, 0, 45), False),  # 01:45 BST
        (AUTUMN_TO_HALF_ONE, utc(2026, 10, 25, 1, 15), True),  # 01:15 GMT
        (AUTUMN_TO_HALF_ONE, utc(2026, 10, 25, 1, 45), False),  # 01:45 GMT
        # 29 March 2026: 01:00 UTC is 01:00 GMT becoming 02:00 BST.
        (SPRING_AROUND_GAP, utc(2026, 3, 29, 0, 29), False),  # 00:29 GMT
        (SPRING_AROUND_GAP, utc(2026, 3, 29, 0, 30), True),  # 00:30 GMT
        (SPRING_AROUND_GAP, utc(2026, 3, 29, 0, 59), True),  # 00:59 GMT
        (SPRING_AROUND_GAP, utc(2026, 3, 29, 1, 0), True),  # 02:00 BST
        (SPRING_AROUND_GAP, utc(2026, 3, 29, 1, 29), True),  # 02:29 BST
        (SPRING_AROUND_GAP, utc(2026, 3, 29, 1, 30), False),  # 02:30 BST
        # Midnight: 24:00 ends the day, and an unlisted next day is closed from 00:00.
        ({"wednesday": ["00:00-24:00"]}, london(2026, 6, 17, 0, 0), True),
        ({"wednesday": ["00:00-24:00"]}, london(2026, 6, 17, 23, 59, 59), True),
        ({"wednesday": ["00:00-24:00"]}, london(2026, 6, 17, 23, 59, 59, 999999), True),
        ({"wednesday": ["00:00-24:00"]}, london(2026, 6, 18, 0, 0), False),
        ({"wednesday": ["00:00-24:00"]}, london(2026, 6, 16, 23, 59, 59), False),
        ({"wednesday": ["20:00-24:00"]}, london(2026, 6, 17, 19, 59), False),
        ({"wednesday": ["20:00-24:00"]}, london(2026, 6, 17, 20, 0), True),
        # Several ranges in a day, given in any order.
        ({"monday": ["13:00-17:00", "08:00-12:00"]}, london(2026, 6, 8, 7, 59), False),
        ({"monday": ["13:00-17:00", "08:00-12:00"]}, london(2026, 6, 8, 8, 0), True),
        ({"monday": ["13:00-17:00", "08:00-12:00"]}, london(2026, 6, 8, 11, 59), True),
        ({"monday": ["13:00-17:00", "08:00-12:00"]}, london(2026, 6, 8, 12, 0), False),
        ({"monday": ["13:00-17:00", "08:00-12:00"]}, london(2026, 6, 8, 12, 59), False),
        ({"monday": ["13:00-17:00", "08:00-12:00"]}, london(2026, 6, 8, 13, 0), True),
        ({"monday": ["13:00-17:00", "08:00-12:00"]}, london(2026, 6, 8, 17, 0), False),
        ({"monday": ["08:00-12:00", "12:00-13:00"]}, london(2026, 6, 8, 12, 0), True),
        ({"monday": []}, london(2026, 6, 8, 12, 0), False),
    ],
)
def test_schedule_is_open(weekly: dict[str, list[str]], at: datetime, expected: bool) -> None:
    assert schedule(weekly).is_open(at) is expected


def test_schedule_uses_its_own_time_zone() -> None:
    tokyo = schedule({"monday": ["09:00-17:00"]}, timezone="Asia/Tokyo")
    assert tokyo.is_open(utc(2026, 6, 8, 0, 0))  # 09:00 in Tokyo
    assert not tokyo.is_open(utc(2026, 6, 8, 8, 0))  # 17:00 in Tokyo
    assert not schedule({"monday": ["09:00-17:00"]}).is_open(utc(2026, 6, 8, 0, 0))


def test_default_timezone_applies_when_none_is_set() -> None:
    section = {"weekly": {"monday": ["09:00-17:00"]}}
    tokyo = Schedule.from_config(section, default_timezone="Asia/Tokyo")
    assert tokyo.timezone == ZoneInfo("Asia/Tokyo")
    assert Schedule.from_config(section).timezone == LONDON


# --- Duty and contacts --------------------------------------------------------------------


FRONT_DOOR = Contact(
    key="front_door", name="the children's services front door", number="+441189088002"
)
EMERGENCY_DUTY = Contact(
    key="emergency_duty", name="the emergency duty service", number="+441344351999"
)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (london(2026, 6, 12, 10, 0), FRONT_DOOR),
        (london(2026, 6, 12, 17, 0), EMERGENCY_DUTY),
        (london(2026, 6, 12, 8, 59), EMERGENCY_DUTY),
        (london(2026, 6, 13, 10, 0), EMERGENCY_DUTY),  # Saturday
        (london(2026, 8, 31, 10, 0), EMERGENCY_DUTY),  # bank holiday Monday
        (london(2026, 12, 28, 10, 0), EMERGENCY_DUTY),  # substitute bank holiday
        (london(2026, 6, 15, 10, 0), EMERGENCY_DUTY),  # closed date
        (utc(2026, 3, 30, 8, 30), FRONT_DOOR),  # 09:30 BST
    ],
)
def test_duty_now(config: dict[str, Any], at: datetime, expected: Contact) -> None:
    assert duty_now(config, at) == expected


def test_duty_follows_the_config(config: dict[str, Any]) -> None:
    config["duty"] = {"in_hours": "police", "out_of_hours": "nspcc"}
    assert duty_now(config, london(2026, 6, 12, 10, 0)).key == "police"
    assert duty_now(config, london(2026, 6, 13, 10, 0)).key == "nspcc"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("front_door", FRONT_DOOR),
        ("police", Contact(key="police", name="Thames Valley Police", number="101", dial=False)),
        ("nspcc", Contact(key="nspcc", name="the NSPCC helpline", number="+448088005000")),
    ],
)
def test_contact(config: dict[str, Any], key: str, expected: Contact) -> None:
    assert contact(config, key) == expected
    assert contact(config, key).dial is expected.dial


@pytest.mark.parametrize("lookup", [contact, lambda c, k: contact_open(c, k, utc(2026, 1, 1))])
def test_unknown_contact_is_a_clear_key_error(config: dict[str, Any], lookup: Any) -> None:
    with pytest.raises(KeyError, match=r"no contact 'samaritans'.*front_door"):
        lookup(config, "samaritans")


@pytest.mark.parametrize(
    ("key", "at", "expected"),
    [
        ("nspcc", london(2026, 6, 17, 21, 59), True),  # Wednesday
        ("nspcc", london(2026, 6, 17, 22, 0), False),
        ("nspcc", london(2026, 6, 17, 7, 59), False),
        ("nspcc", london(2026, 6, 17, 8, 0), True),
        ("nspcc", london(2026, 6, 14, 8, 59), False),  # Sunday
        ("nspcc", london(2026, 6, 14, 9, 0), True),
        ("nspcc", london(2026, 6, 14, 17, 59), True),
        ("nspcc", london(2026, 6, 14, 18, 0), False),
        ("nspcc", london(2026, 8, 31, 10, 0), True),  # own hours ignore bank holidays by default
        ("nspcc", utc(2026, 6, 17, 20, 59), True),  # 21:59 BST, in office_hours' zone
        ("nspcc", utc(2026, 6, 17, 21, 0), False),  # 22:00 BST
        ("police", london(2026, 6, 14, 3, 0), True),  # no hours: always open
        ("front_door", london(2026, 12, 25, 3, 0), True),
    ],
)
def test_contact_open(config: dict[str, Any], key: str, at: datetime, expected: bool) -> None:
    assert contact_open(config, key, at) is expected


def test_contact_hours_take_office_timezone_by_default(config: dict[str, Any]) -> None:
    config["office_hours"]["timezone"] = "Asia/Tokyo"
    assert contact_open(config, "nspcc", utc(2026, 6, 17, 12, 59))  # 21:59 in Tokyo
    assert not contact_open(config, "nspcc", utc(2026, 6, 17, 13, 0))
    config["contacts"]["nspcc"]["hours"]["timezone"] = "Europe/London"
    assert contact_open(config, "nspcc", utc(2026, 6, 17, 13, 0))


@pytest.mark.parametrize(
    "check",
    [
        pytest.param(lambda c, at: office_open(c, at), id="office_open"),
        pytest.param(lambda c, at: duty_now(c, at), id="duty_now"),
        pytest.param(lambda c, at: contact_open(c, "nspcc", at), id="contact_open hours"),
        pytest.param(lambda c, at: contact_open(c, "police", at), id="contact_open always"),
        pytest.param(
            lambda c, at: Schedule.from_config(c["office_hours"]).is_open(at), id="is_open"
        ),
    ],
)
def test_naive_datetime_is_rejected(config: dict[str, Any], check: Any) -> None:
    with pytest.raises(ValueError, match="time zone"):
        check(config, datetime(2026, 6, 12, 10, 0))


# --- Malformed config ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "path", "words"),
    [
        ({"weekly": {"monday": ["9:00-17:00"]}}, ("weekly", "monday", 0), "HH:MM-HH:MM"),
        ({"weekly": {"monday": ["09:00 - 17:00"]}}, ("weekly", "monday", 0), "HH:MM-HH:MM"),
        ({"weekly": {"monday": ["09:00-17:00 "]}}, ("weekly", "monday", 0), "HH:MM-HH:MM"),
        ({"weekly": {"monday": ["09.00-17.00"]}}, ("weekly", "monday", 0), "HH:MM-HH:MM"),
        ({"weekly": {"monday": ["09:00"]}}, ("weekly", "monday", 0), "HH:MM-HH:MM"),
        ({"weekly": {"monday": ["\u0660\u0669:00-17:00"]}}, ("weekly", "monday", 0), "HH:MM"),
        ({"weekly": {"monday": [900]}}, ("weekly", "monday", 0), "HH:MM-HH:MM"),
        ({"weekly": {"monday": [None]}}, ("weekly", "monday", 0), "HH:MM-HH:MM"),
        ({"weekly": {"monday": ["09:60-17:00"]}}, ("weekly", "monday", 0), "minutes"),
        ({"weekly": {"monday": ["09:00-17:75"]}}, ("weekly", "monday", 0), "minutes"),
        ({"weekly": {"monday": ["09:00-25:00"]}}, ("weekly", "monday", 0), "after 24:00"),
        ({"weekly": {"monday": ["09:00-24:01"]}}, ("weekly", "monday", 0), "after 24:00"),
        ({"weekly": {"monday": ["24:00-24:00"]}}, ("weekly", "monday", 0), "end after it starts"),
        ({"weekly": {"monday": ["17:00-09:00"]}}, ("weekly", "monday", 0), "cross midnight"),
        ({"weekly": {"monday": ["09:00-09:00"]}}, ("weekly", "monday", 0), "end after it starts"),
        ({"weekly": {"monday": ["22:00-00:00"]}}, ("weekly", "monday", 0), "24:00"),
        (
            {"weekly": {"friday": ["08:00-12:00", "11:00-13:00"]}},
            ("weekly", "friday", 1),
            "overlaps '08:00-12:00'",
        ),
        (
            {"weekly": {"friday": ["13:00-17:00", "08:00-14:00"]}},
            ("weekly", "friday", 1),
            "overlaps",
        ),
        (
            {"weekly": {"friday": ["08:00-18:00", "09:00-10:00"]}},
            ("weekly", "friday", 1),
            "overlaps",
        ),
        (
            {"weekly": {"friday": ["08:00-12:00", "08:00-12:00"]}},
            ("weekly", "friday", 1),
            "overlaps",
        ),
        (
            {"weekly": {"friday": ["08:00-10:00", "12:00-14:00", "09:00-13:00"]}},
            ("weekly", "friday", 2),
            "overlaps",
        ),
        ({"weekly": {"monday": "09:00-17:00"}}, ("weekly", "monday"), "list of times"),
        ({"weekly": {"monday": None}}, ("weekly", "monday"), "list of times"),
        ({"weekly": {"Monday": ["09:00-17:00"]}}, ("weekly", "Monday"), "not a day of the week"),
        ({"weekly": {"mon": ["09:00-17:00"]}}, ("weekly", "mon"), "not a day of the week"),
        ({"weekly": {1: ["09:00-17:00"]}}, ("weekly", "1"), "not a day of the week"),
        ({"weekly": ["09:00-17:00"]}, ("weekly",), "must map days of the week"),
        ({"weekly": None}, ("weekly",), "must map days of the week"),
        ({}, ("weekly",), "missing"),
        ({"timezone": "UTC"}, ("weekly",), "missing"),
        ({"weekly": {}, "timezone": "Europe/Londn"}, ("timezone",), "not a known time zone"),
        ({"weekly": {}, "timezone": "europe/london"}, ("timezone",), "not a known time zone"),
        ({"weekly": {}, "timezone": "Europe"}, ("timezone",), "not a known time zone"),
        ({"weekly": {}, "timezone": ""}, ("timezone",), "not a known time zone"),
        ({"weekly": {}, "timezone": "../etc/passwd"}, ("timezone",), "not a known time zone"),
        ({"weekly": {}, "timezone": "/etc/passwd"}, ("timezone",), "not a known time zone"),
        ({"weekly": {}, "timezone": 0}, ("timezone",), "not a known time zone"),
        ({"weekly": {}, "bank_holidays": "englnd"}, ("bank_holidays",), "scotland"),
        ({"weekly": {}, "bank_holidays": "ENG"}, ("bank_holidays",), "bank holiday calendar"),
        ({"weekly": {}, "bank_holidays": None}, ("bank_holidays",), "bank holiday calendar"),
        ({"weekly": {}, "bank_holidays": False}, ("bank_holidays",), "bank holiday calendar"),
        ({"weekly": {}, "closed_dates": ["2026-13-01"]}, ("closed_dates", 0), "YYYY-MM-DD"),
        ({"weekly": {}, "closed_dates": ["2026-02-30"]}, ("closed_dates", 0), "YYYY-MM-DD"),
        (
            {"weekly": {}, "closed_dates": ["2026-12-24", "24/12/2026"]},
            ("closed_dates", 1),
            "YYYY-MM-DD",
        ),
        ({"weekly": {}, "closed_dates": ["20261224"]}, ("closed_dates", 0), "YYYY-MM-DD"),
        ({"weekly": {}, "closed_dates": ["2026-W52-4"]}, ("closed_dates", 0), "YYYY-MM-DD"),
        ({"weekly": {}, "closed_dates": [20261224]}, ("closed_dates", 0), "YYYY-MM-DD"),
        (
            {"weekly": {}, "closed_dates": [datetime(2026, 12, 24, 9, 0)]},
            ("closed_dates", 0),
            "YYYY-MM-DD",
        ),
        ({"weekly": {}, "closed_dates": "2026-12-24"}, ("closed_dates",), "list of dates"),
        ({"weekly": {}, "closed_dates": None}, ("closed_dates",), "list of dates"),
        ({"weekly": {}, "closed_date": []}, ("closed_date",), "not a setting here"),
        (["09:00-17:00"], (), "must be a mapping"),
        (None, (), "must be a mapping"),
    ],
)
def test_malformed_schedule(section: Any, path: tuple[str | int, ...], words: str) -> None:
    with pytest.raises(HoursError, match=words) as caught:
        Schedule.from_config(section)
    assert caught.value.path == path
    assert isinstance(caught.value, ValueError)


def test_error_message_names_the_path() -> None:
    with pytest.raises(HoursError) as caught:
        Schedule.from_config({"weekly": {"monday": ["09:00-17:00", "16:00-18:00"]}})
    assert (
        str(caught.value)
        == "weekly.monday[1]: '16:00-18:00' overlaps '09:00-17:00' on the same day"
    )


def test_yaml_shaped_config_parses(config: dict[str, Any]) -> None:
    parsed = Schedule.from_config(config["office_hours"])
    assert parsed.weekly[0] == ((9 * 60, 17 * 60),)
    assert parsed.weekly[5:] == ((), ())
    assert parsed.closed_dates == {date(2026, 6, 15), date(2026, 6, 16)}
    assert parsed.bank_holidays == "ENG"
    assert parsed.timezone == LONDON


def _break(config: dict[str, Any], where: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    broken = copy.deepcopy(config)
    target = broken
    for part in where[:-1]:
        target = target[part]
    target[where[-1]] = value
    return broken


@pytest.mark.parametrize(
    ("where", "value", "call", "path"),
    [
        (
            ("office_hours", "weekly", "monday", 0),
            "9-5",
            lambda c: office_open(c, utc(2026, 1, 1)),
            ("office_hours", "weekly", "monday", 0),
        ),
        (
            ("office_hours", "timezone"),
            "London",
            lambda c: duty_now(c, utc(2026, 1, 1)),
            ("office_hours", "timezone"),
        ),
        (
            ("contacts", "nspcc", "hours", "weekly", "sunday", 0),
            "09:00-18:00pm",
            lambda c: contact_open(c, "nspcc", utc(2026, 1, 1)),
            ("contacts", "nspcc", "hours", "weekly", "sunday", 0),
        ),
        (
            ("contacts", "nspcc", "hours", "bank_holidays"),
            "wales and england",
            lambda c: contact_open(c, "nspcc", utc(2026, 1, 1)),
            ("contacts", "nspcc", "hours", "bank_holidays"),
        ),
        (
            ("contacts", "nspcc", "hours"),
            None,
            lambda c: contact_open(c, "nspcc", utc(2026, 1, 1)),
            ("contacts", "nspcc", "hours"),
        ),
        (
            ("contacts", "police", "number"),
            101,
            lambda c: contact(c, "police"),
            ("contacts", "police", "number"),
        ),
        (
            ("contacts", "police", "dial"),
            "no",
            lambda c: contact(c, "police"),
            ("contacts", "police", "dial"),
        ),
        (
            ("contacts", "police"),
            {"name": "Thames Valley Police"},
            lambda c: contact(c, "police"),
            ("contacts", "police", "number"),
        ),
        (
            ("contacts", "police"),
            "101",
            lambda c: contact(c, "police"),
            ("contacts", "police"),
        ),
        (
            ("duty",),
            {"in_hours": "front_door"},
            lambda c: duty_now(c, utc(2026, 1, 3, 12)),
            ("duty", "out_of_hours"),
        ),
    ],
)
def test_malformed_config_error_paths_start_at_the_root(
    config: dict[str, Any], where: tuple[str | int, ...], value: Any, call: Any, path: tuple
) -> None:
    with pytest.raises(HoursError) as caught:
        call(_break(config, where, value))
    assert caught.value.path == path


@pytest.mark.parametrize("missing", ["office_hours", "contacts", "duty"])
def test_missing_sections(config: dict[str, Any], missing: str) -> None:
    del config[missing]
    with pytest.raises(HoursError, match="missing") as caught:
        duty_now(config, london(2026, 6, 12, 10, 0))
    assert caught.value.path == (missing,)


def test_duty_naming_an_unknown_contact(config: dict[str, Any]) -> None:
    config["duty"]["in_hours"] = "front_dor"
    with pytest.raises(KeyError, match="front_dor"):
        duty_now(config, london(2026, 6, 12, 10, 0))


# --- Saying the hours ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weekly", "spoken"),
    [
        pytest.param(
            {day: ["08:00-22:00"] for day in WEEKDAYS[:5]}
            | {"saturday": ["09:00-18:00"], "sunday": ["09:00-18:00"]},
            "Monday to Friday 8am to 10pm and Saturday to Sunday 9am to 6pm",
            id="nspcc",
        ),
        pytest.param(
            {day: ["09:00-17:00"] for day in WEEKDAYS[:5]},
            "Monday to Friday 9am to 5pm",
            id="office",
        ),
        pytest.param(
            {"monday": ["08:30-12:00", "13:00-16:45"], "tuesday": ["13:00-16:45", "08:30-12:00"]},
            "Monday to Tuesday 8:30am to midday and 1pm to 4:45pm",
            id="several ranges, given in any order",
        ),
        pytest.param(
            {"monday": ["09:00-17:00"], "wednesday": ["09:00-17:00"], "thursday": ["09:00-17:00"]},
            "Monday 9am to 5pm and Wednesday to Thursday 9am to 5pm",
            id="a gap splits a run",
        ),
        pytest.param(
            {"friday": ["09:00-17:00"], "saturday": ["10:00-14:00"], "sunday": ["00:00-24:00"]},
            "Friday 9am to 5pm, Saturday 10am to 2pm and Sunday midnight to midnight",
            id="three groups",
        ),
        pytest.param(
            {"monday": ["00:05-00:59", "12:01-12:59", "23:00-24:00"]},
            "Monday 12:05am to 12:59am, 12:01pm to 12:59pm and 11pm to midnight",
            id="hours next to midnight and midday",
        ),
        pytest.param({"monday": []}, "", id="never open"),
    ],
)
def test_describe_weekly(weekly: dict[str, list[str]], spoken: str) -> None:
    assert describe_weekly({"weekly": weekly}, yaml.safe_load(WORDS_YAML)) == spoken


def test_describe_weekly_on_the_config_sections(config: dict[str, Any]) -> None:
    words = yaml.safe_load(WORDS_YAML)
    assert describe_weekly(config["office_hours"], words) == "Monday to Friday 9am to 5pm"
    assert (
        describe_weekly(config["contacts"]["nspcc"]["hours"], words)
        == "Monday to Friday 8am to 10pm and Saturday to Sunday 9am to 6pm"
    )


def test_describe_weekly_takes_every_word_from_words() -> None:
    words = {
        "days": {day: day[:2].upper() for day in WEEKDAYS},
        "day_span": "<{first}..{last}>",
        "time_span": "[{start}|{end}]",
        "join": " ; ",
        "last_join": " & ",
        "time": {
            "hour": "{h24}h",
            "minutes": "{h24}h{mm}",
            "am": "A",
            "pm": "P",
            "midnight": "MN",
            "noon": "NN",
        },
    }
    weekly = {
        "monday": ["00:00-12:00", "13:15-24:00"],
        "tuesday": ["00:00-12:00", "13:15-24:00"],
        "saturday": ["09:00-17:30"],
    }
    assert (
        describe_weekly({"weekly": weekly}, words)
        == "<MO..TU> [MN|NN] & [13h15|MN] & SA [9h|17h30]"
    )


def test_describe_weekly_checks_the_schedule() -> None:
    with pytest.raises(HoursError) as caught:
        describe_weekly({"weekly": {"monday": ["9-5"]}}, yaml.safe_load(WORDS_YAML))
    assert caught.value.path == ("weekly", "monday", 0)


# --- Properties ---------------------------------------------------------------------------


@st.composite
def day_ranges(draw: st.DrawFn) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) minute pairs in any order, ending at most at 24:00."""
    cuts = sorted(draw(st.sets(st.integers(0, 24 * 60), max_size=8)))
    pairs = list(zip(cuts[::2], cuts[1::2], strict=False))
    return draw(st.permutations(pairs))


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


aware_datetimes = st.datetimes(
    min_value=datetime(1900, 1, 2),
    max_value=datetime(2200, 12, 30),
    timezones=st.one_of(st.timezones(), st.just(UTC)),
)


@settings(deadline=None, max_examples=300)
@given(
    weekly=st.fixed_dictionaries({}, optional={day: day_ranges() for day in WEEKDAYS}),
    zone=st.sampled_from(["Europe/London", "America/New_York", "Australia/Lord_Howe", "UTC"]),
    at=aware_datetimes,
    data=st.data(),
)
def test_is_open_matches_brute_force(
    weekly: dict[str, list[tuple[int, int]]], zone: str, at: datetime, data: st.DataObject
) -> None:
    tz = ZoneInfo(zone)
    # Often move to a minute either side of one of that day's boundaries, where off-by-one
    # mistakes show.
    wall = datetime.fromtimestamp(at.timestamp(), tz)
    spans = weekly.get(WEEKDAYS[wall.weekday()], [])
    edges = sorted({m for span in spans for edge in span for m in (edge - 1, edge)} - {-1, 1440})
    if edges and data.draw(st.booleans(), label="at an edge"):
        minute = data.draw(st.sampled_from(edges), label="edge")
        at = wall.replace(hour=minute // 60, minute=minute % 60, second=59, microsecond=999999)
    local = datetime.fromtimestamp(at.timestamp(), tz)
    closed = data.draw(st.sets(st.dates(date(1900, 1, 1), date(2200, 12, 31)), max_size=3))
    if data.draw(st.integers(0, 3), label="close that day") == 0:
        closed.add(local.date())
    section = {
        "timezone": zone,
        "weekly": {
            day: [f"{hhmm(s)}-{hhmm(e)}" for s, e in spans] for day, spans in weekly.items()
        },
        "closed_dates": [day.isoformat() for day in closed],
    }
    open_minutes = {
        minute
        for start, end in weekly.get(WEEKDAYS[local.weekday()], [])
        for minute in range(start, end)
    }
    expected = local.date() not in closed and local.hour * 60 + local.minute in open_minutes
    assert Schedule.from_config(section).is_open(at) is expected


@settings(deadline=None)
@given(at=aware_datetimes)
def test_office_open_matches_brute_force(at: datetime) -> None:
    config = yaml.safe_load(CONFIG_YAML)
    local = datetime.fromtimestamp(at.timestamp(), LONDON)
    bank_holidays = holidays.country_holidays("GB", subdiv="ENG", years=local.year)
    expected = (
        local.weekday() < 5
        and 9 <= local.hour < 17
        and local.date() not in bank_holidays
        and local.date() not in {date(2026, 6, 15), date(2026, 6, 16)}
    )
    assert office_open(config, at) is expected


def test_a_wall_time_the_clocks_skipped_counts_as_its_instant() -> None:
    """01:30 on the night the clocks go forward does not exist: it is 02:30 BST."""
    schedule = Schedule.from_config(
        {"timezone": "Europe/London", "weekly": {"sunday": ["02:00-03:00"]}}
    )
    skipped = datetime(2026, 3, 29, 1, 30, tzinfo=ZoneInfo("Europe/London"))
    assert schedule.is_open(skipped) is True
