"""The script's timings: how soon each path's advice begins, and how long the questions are."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ivr.config import load_config, load_prompts
from ivr.flow import ADVICE_OUTCOMES, STATES
from ivr.line import Line
from ivr.timing import long_questions, paths

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
