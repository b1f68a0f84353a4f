"""The script's timings: how soon each path's advice begins, and how long the questions are."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ivr.config import load_config, load_prompts
from ivr.flow import ADVICE_OUTCOMES, STATES
from ivr.line import Line, Words
from ivr.timing import long_questions, paths, words_heard
from tests.conftest import AppFactory, Clock, PhoneCall, prompt_pattern

WEDNESDAY_11AM = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def line() -> Line:
    return Line(load_config(), load_prompts(), lambda: WEDNESDAY_11AM)


def test_every_advice_state_has_a_path_from_the_start(line: Line) -> None:
    found = {path.state for path in paths(line, WEDNESDAY_11AM)}
    advice = {n for n, s in STATES.items() if s.outcome in ADVICE_OUTCOMES}
    assert found == advice


def test_the_referral_advice_begins_within_35_seconds(line: Line) -> None:
    referral = next(p for p in paths(line, WEDNESDAY_11AM) if p.state == "referral")
    assert referral.keys == ("1", "2")
    assert 10 < referral.seconds_before <= 35


def test_paths_count_the_words_of_every_prompt_heard_in_full(line: Line) -> None:
    emergency = next(p for p in paths(line, WEDNESDAY_11AM) if p.state == "emergency_999")
    referral = next(p for p in paths(line, WEDNESDAY_11AM) if p.state == "referral")
    # Both are heard after the same two prompts.
    assert emergency.words_before == referral.words_before
    harm = next(p for p in paths(line, WEDNESDAY_11AM) if p.state == "seek_advice_harm_unsure")
    assert harm.keys == ("2", "3")


def test_no_question_is_longer_than_25_words(line: Line) -> None:
    assert long_questions(line) == []


def test_a_long_question_is_found(line: Line) -> None:
    sentences = {**line.prompts["sentences"], "purpose": " ".join(["word"] * 26)}
    longer = Line(line.config, {**line.prompts, "sentences": sentences}, line.clock)
    assert long_questions(longer) == [("purpose", 26)]


def test_the_999_advice_counts_the_referral_sentence_a_front_door_taking_adults_says(
    line: Line,
) -> None:
    """The front door taking adults too is named once, and the timings count those words."""
    duty = {**line.config["duty"], "adults_in_hours": line.config["duty"]["in_hours"]}
    front_door = Line({**line.config, "duty": duty}, line.prompts, line.clock)
    heard = ("advice_emergency_999", "emergency_referral_one_team", "reference", "emergency_keys")
    words = Words(front_door, WEDNESDAY_11AM, reference="1, 2, 3, 4, 5, 6")
    spoken = [front_door.sentence(key).format_map(words) for key in heard]
    expected = sum(len(text.split()) for text in spoken)
    assert words_heard(front_door, WEDNESDAY_11AM, "emergency_999", False, None) == expected


def test_the_contacts_menu_counts_the_adults_out_of_hours_team_as_it_is_named(
    line: Line,
) -> None:
    """Where adults have an out-of-hours team of their own the menu names it; where the
    children's takes adults too, it says so: the timings count whichever is said."""
    duty = {**line.config["duty"], "adults_out_of_hours": "adult_social_care"}
    apart = Line({**line.config, "duty": duty}, line.prompts, line.clock)

    def said(on: Line, key: str) -> int:
        return len(on.sentence(key).format_map(Words(on, WEDNESDAY_11AM)).split())

    own = said(apart, "contacts_adults_out_of_hours")
    shared = said(line, "contacts_adults_out_of_hours_shared")
    difference = words_heard(apart, WEDNESDAY_11AM, "contacts", False, None) - words_heard(
        line, WEDNESDAY_11AM, "contacts", False, None
    )
    assert difference == own - shared != 0


@pytest.mark.parametrize(
    "at",
    [
        WEDNESDAY_11AM,
        datetime(2026, 12, 25, 11, 0, tzinfo=UTC),  # Christmas Day: closed today
        datetime(2026, 11, 28, 23, 30, tzinfo=UTC),  # a Saturday night: the NSPCC closed
    ],
)
def test_the_contacts_menu_is_counted_as_the_caller_hears_it(
    make_app: AppFactory, clock: Clock, at: datetime
) -> None:
    clock.now = at
    app = make_app()
    line = app.extensions["ivr.line"]
    sentences = line.prompts["sentences"]
    patterns = [prompt_pattern(sentences[say.prompt]) for say in STATES["contacts"].says]
    said = PhoneCall(app, ["3", "h"]).said()
    heard = [text for text in said if any(p.match(text) for p in patterns)]
    assert words_heard(line, at, "contacts", False, None) == sum(len(t.split()) for t in heard)
