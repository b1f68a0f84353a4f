"""Spoken answers read as a caller meant them, or asked again: never taken as another answer."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from ivr.config import DEFAULT_PROMPTS, load_config, read_yaml, speech_path
from ivr.speech import load_matcher

CORPUS = Path(__file__).with_name("corpus.yaml")
VOCABULARY = read_yaml(speech_path(DEFAULT_PROMPTS))
MATCHER = load_matcher(DEFAULT_PROMPTS, load_config())
QUESTIONS = [name for name, section in VOCABULARY["prompts"].items() if section.get("answers")]
# Twilio's Confidence for a clearly heard answer.
CLEAR = 0.9


def corpus() -> list[tuple[str, str, str]]:
    """(prompt, transcript, the key it means or "ambiguous") for every transcript."""
    with CORPUS.open(encoding="utf-8") as handle:
        data: dict[str, list[list[str]]] = yaml.safe_load(handle)
    return [(prompt, said, means) for prompt, items in data.items() for said, means in items]


def handled(prompt: str, got: str | None) -> bool:
    """An ambiguous answer is asked again, or on danger_now taken as not sure (the 999 advice)."""
    return got is None or (prompt == "danger_now" and got == "3")


def test_the_corpus_is_big_enough_to_measure() -> None:
    entries = corpus()
    assert len(entries) >= 300
    assert {prompt for prompt, _s, _m in entries} >= {*QUESTIONS, "main_menu", "contacts"}


def test_at_least_95_percent_of_answers_are_understood() -> None:
    meant = [(p, s, m) for p, s, m in corpus() if m != "ambiguous"]
    missed = [(p, s) for p, s, m in meant if MATCHER.key_for(p, s, CLEAR) != m]
    assert len(missed) / len(meant) <= 0.05, missed


def test_no_answer_is_ever_taken_as_a_different_one() -> None:
    misheard = [
        (p, s, m, got)
        for p, s, m in corpus()
        if m != "ambiguous" and (got := MATCHER.key_for(p, s, CLEAR)) not in (None, m)
    ]
    assert misheard == []


def test_every_ambiguous_answer_is_asked_again_or_not_sure() -> None:
    guessed = [
        (p, s, got)
        for p, s, m in corpus()
        if m == "ambiguous" and not handled(p, got := MATCHER.key_for(p, s, CLEAR))
    ]
    assert guessed == []


@pytest.mark.parametrize(
    ("prompt", "said", "key"),
    [
        ("agreement", "They refused.", "2"),
        ("purpose", "They refused.", None),
        ("danger_now", "They refused.", None),
        ("agreement", "I haven't asked yet.", "3"),
        ("safe_to_ask", "I haven't asked yet.", None),
        ("inform_family", "It's safe to tell them.", "2"),
        ("inform_family", "It could.", "1"),
        ("main_menu", "Yes.", None),
        ("contacts", "NSPCC.", "2"),
        ("main_menu", "NSPCC.", None),
    ],
)
def test_a_phrase_means_an_answer_only_where_it_does(prompt: str, said: str, key: str) -> None:
    assert MATCHER.key_for(prompt, said, CLEAR) == key


@pytest.mark.parametrize("said", ["I think so.", "Maybe.", "Possibly.", "Yes, I think there is."])
def test_a_hedge_on_danger_now_is_not_sure(said: str) -> None:
    assert MATCHER.key_for("danger_now", said, CLEAR) == "3"
    assert MATCHER.key_for("significant_harm", said, CLEAR) != "2"


@pytest.mark.parametrize(
    ("prompt", "said", "key"),
    [
        ("significant_harm", "Erm, I don't think so.", "3"),
        ("significant_harm", "No, I don't think so.", "3"),
        ("significant_harm", "Yes I think so.", "1"),
        ("purpose", "Probably not, no.", "3"),
        ("purpose", "Not really.", "3"),
        ("identifiable", "I don't think it would identify them.", "3"),
        ("identifiable", "No, there's no names on it.", "3"),
        ("identifiable", "It's anonymised.", "2"),
        ("inform_family", "I think it's safe to tell them.", "3"),
        ("inform_family", "I think it could.", "1"),
        ("agreement", "They agreed, I think.", "3"),
        ("other_lawful_reason", "I'd say probably not.", "3"),
        ("safe_to_ask", "It should be fine, I think.", "3"),
        ("safe_to_ask", "I don't think it's safe.", "2"),
        ("referral", "Maybe an adult.", "1"),
        ("referral", "I'm not sure if it's only an adult.", "1"),
        ("referral", "Only an adult.", "2"),
    ],
)
def test_a_softened_answer_takes_the_protective_way(prompt: str, said: str, key: str) -> None:
    assert MATCHER.key_for(prompt, said, CLEAR) == key


# Each prompt's firm answers that a softened one must not be: the keys its `hedged` maps away.
SOFTENED_AWAY = [
    (name, str(key), text)
    for name, section in VOCABULARY["prompts"].items()
    for key in section.get("hedged") or {}
    for text in [
        *(section.get("phrases") or {}).get(key, []),
        *(
            said
            for kind, answer in (section.get("answers") or {}).items()
            if kind in ("yes", "no") and key in (answer if isinstance(answer, list) else [answer])
            for said in VOCABULARY["answers"][kind]
        ),
    ]
]
SOFTENERS = st.sampled_from(
    ["{}, I think.", "I think {}.", "Erm, {}, I reckon.", "I'd say {}.", "{}, I'd have thought."]
)


@given(st.sampled_from(SOFTENED_AWAY), SOFTENERS)
def test_a_softened_answer_is_never_the_less_protective_firm_one(
    firm: tuple[str, str, str], softener: str
) -> None:
    prompt, key, text = firm
    said = softener.format(text).capitalize()
    assert MATCHER.key_for(prompt, said, CLEAR) != key, said


def test_an_answer_twilio_doubts_is_asked_again_on_a_question_only() -> None:
    floor = MATCHER.min_confidence
    assert MATCHER.key_for("purpose", "No.", floor) == "2"
    assert MATCHER.key_for("purpose", "No.", floor - 0.01) is None
    assert MATCHER.key_for("purpose", "No.", None) == "2"
    assert MATCHER.key_for("main_menu", "Contact numbers.", floor - 0.01) == "3"


def test_the_floor_comes_from_the_config(tmp_path: Path) -> None:
    prompts = tmp_path / DEFAULT_PROMPTS.name
    speech_path(prompts).write_text(yaml.safe_dump(VOCABULARY), encoding="utf-8")
    matcher = load_matcher(
        prompts, {"menus": {"speech_min_confidence": 0.8, "speech_max_words": 40}}
    )
    assert matcher.key_for("purpose", "Yes.", 0.7) is None
    assert matcher.key_for("purpose", "Yes.", 0.85) == "1"


def phrases(kind: str) -> list[str]:
    return list(VOCABULARY["answers"][kind])


# Joined so that each keeps its own words ("definitely" then "not really", not "definitely not").
JOINS = st.sampled_from([", ", ". ", " and ", "... ", ", er, ", "? "])
YES_NO = st.tuples(st.sampled_from(phrases("yes")), st.sampled_from(phrases("no")))


@given(YES_NO, JOINS, st.booleans(), st.sampled_from(QUESTIONS))
def test_a_yes_joined_to_a_no_is_never_a_yes_or_a_no(
    pair: tuple[str, str], join: str, no_first: bool, prompt: str
) -> None:
    yes, no = pair
    said = f"{no}{join}{yes}" if no_first else f"{yes}{join}{no}"
    assert MATCHER.key_for(prompt, said.capitalize() + ".", CLEAR) not in ("1", "2"), said


@given(st.sampled_from(phrases("yes") + phrases("no")), st.sampled_from(QUESTIONS))
def test_not_knowing_whether_yes_or_no_is_never_an_answer(answer: str, prompt: str) -> None:
    said = f"I don't know if {answer}."
    assert handled(prompt, MATCHER.key_for(prompt, said, CLEAR)), said


@given(
    st.sampled_from(phrases("yes")),
    st.lists(st.sampled_from(VOCABULARY["hesitations"] + ["well", "I mean"]), max_size=3),
    st.sampled_from(QUESTIONS),
)
def test_fillers_never_change_a_yes(yes: str, fillers: list[str], prompt: str) -> None:
    said = ", ".join([*fillers, yes]).capitalize() + "."
    plain = MATCHER.key_for(prompt, yes, CLEAR)
    assert MATCHER.key_for(prompt, said, CLEAR) == plain, said


@given(st.text(alphabet="abcdefghij klmnopqrstuvwxyz',.?", max_size=60))
def test_any_words_give_one_key_or_none(said: str) -> None:
    for prompt in ("danger_now", "agreement", "main_menu"):
        assert MATCHER.key_for(prompt, said, CLEAR) in (None, "1", "2", "3", "*", "9", "0")


def test_every_prompt_of_the_flow_has_a_vocabulary() -> None:
    assert set(MATCHER.prompts) >= {
        "main_menu",
        "contacts",
        "danger_now",
        "significant_harm",
        "inform_family",
        "purpose",
        "identifiable",
        "agreement",
        "other_lawful_reason",
        "safe_to_ask",
        "referral",
        "advice",
        "not_connected",
    }


def test_an_answer_is_read_up_to_the_configured_length_and_no_further() -> None:
    limit = load_config()["menus"]["speech_max_words"]
    assert MATCHER.key_for("danger_now", "um " * (limit - 1) + "no", CLEAR) == "2"
    assert MATCHER.key_for("danger_now", "um " * limit + "no", CLEAR) is None
