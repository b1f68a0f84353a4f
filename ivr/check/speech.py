"""The speech vocabulary checks: what a caller may say instead of pressing a key.

A prompt the flow does not know is never listened with, a phrase under a key its prompt does not
take is never heard, and a phrase under two keys of one prompt would send the caller one way
while the prompt promises the other: each is found here, by file and line, before a call.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ivr.check.located import KeyPath, Located, Problem
from ivr.check.sections import required_mapping, text_problem, unknown_keys
from ivr.flow import KEY_TRIGGERS, STATES
from ivr.speech import ANSWER_KINDS, phrase_of

WORD_LISTS = (
    "hesitations",
    "asides",
    "negations",
    "negators",
    "hedges",
    "contrasts",
    "topics",
    "asking",
    "corrections",
    "named_answers",
    "naming",
    "question_words",
    "links",
    "requests",
)
SECTIONS = (
    *WORD_LISTS,
    "answers",
    "echoes",
    "commands",
    "alone",
    "prompts",
    "said_back",
    "hints",
)
PROMPT_SECTIONS = (
    "answers",
    "hedged",
    "hedges",
    "opposite",
    "phrases",
    "said_back",
    "not_alone",
    "asked_softens",
)
ECHO_SECTIONS = ("subjects", "yes", "no", "maybe")
# Keys every prompt that listens takes (call-flow.md, "Keys, the same on every prompt").
EVERYWHERE = frozenset({"*", "0"})


def keys_taken(name: str) -> frozenset[str] | None:
    """The keys a prompt takes; None for a name that is neither a step nor a kind of step."""
    if name in STATES:
        state = STATES[name]
        if not state.gathers:
            return frozenset(KEY_TRIGGERS)
        back = {"9"} if state.kind == "question" else set()
        again = {"1"} if state.kind == "advice" else set()
        return frozenset(state.keys) | EVERYWHERE | back | again
    # A kind ("advice") listens for the keys any step of that kind takes: on a step that does not
    # take one (2, the advice by text, is offered on some advice only), the phrase is not one of
    # the choices, as the key would not be.
    steps = [frozenset(s.keys) for s in STATES.values() if s.gathers and s.kind == name]
    if not steps:
        return None
    return frozenset.union(*steps) | EVERYWHERE | ({"1"} if name == "advice" else set())


def check_speech(speech: Located) -> Iterator[Problem]:
    """The vocabulary file: its sections, its keys and every prompt it names."""
    yield from unknown_keys(speech, (), SECTIONS)
    for name in WORD_LISTS:
        yield from check_phrases(speech, (name,))
    yield from required_mapping(speech, ("answers",), "kinds of answer to lists of phrases")
    yield from unknown_keys(speech, ("answers",), ANSWER_KINDS)
    for kind in mapping(speech, ("answers",)):
        yield from check_phrases(speech, ("answers", kind))
    yield from required_mapping(speech, ("echoes",), ", ".join(ECHO_SECTIONS))
    yield from unknown_keys(speech, ("echoes",), ECHO_SECTIONS)
    for part in mapping(speech, ("echoes",)):
        yield from check_phrases(speech, ("echoes", part))
    for section in ("commands", "alone"):
        yield from check_keyed(speech, (section,), frozenset(KEY_TRIGGERS))
    yield from check_said_back(speech)
    yield from required_mapping(speech, ("hints",), "answers and commands")
    yield from unknown_keys(speech, ("hints",), ("answers", "commands"))
    for part in mapping(speech, ("hints",)):
        yield from check_phrases(speech, ("hints", part))
    yield from required_mapping(speech, ("prompts",), "step names to their vocabulary")
    for name in mapping(speech, ("prompts",)):
        yield from check_prompt(speech, ("prompts", name))


def mapping(speech: Located, path: KeyPath) -> Mapping[Any, Any]:
    value = speech.get(path)
    return value if isinstance(value, Mapping) else {}


def check_phrases(speech: Located, path: KeyPath) -> Iterator[Problem]:
    """A list of words a caller can say."""
    phrases = speech.get(path)
    if not isinstance(phrases, list):
        yield speech.problem(path, f"must be a list of phrases, not {phrases!r}")
        return
    for index, phrase in enumerate(phrases):
        if not isinstance(phrase, str):
            yield speech.problem((*path, index), f"{phrase!r} must be words in quotes")
        elif not phrase_of(phrase):
            yield speech.problem((*path, index), f"{phrase!r} has no words to match")


def check_keyed(speech: Located, path: KeyPath, allowed: frozenset[str]) -> Iterator[Problem]:
    """Keys to lists of phrases; no phrase under two keys, the first key keeping it."""
    owner: dict[tuple[str, ...], Any] = {}
    for key in mapping(speech, path):
        if key not in allowed:
            keys = " ".join(f'"{k}"' for k in sorted(allowed))
            yield speech.problem((*path, key), f"{key!r} is not a key here; use one of {keys}")
        yield from check_phrases(speech, (*path, key))
        phrases = speech.get((*path, key))
        for index, phrase in enumerate(phrases if isinstance(phrases, list) else []):
            said = phrase_of(phrase) if isinstance(phrase, str) else ()
            if said and owner.setdefault(said, key) != key:
                yield speech.problem(
                    (*path, key, index),
                    f"{phrase!r} is also under {owner[said]!r}; keep it under one key",
                )


def check_said_back(speech: Located) -> Iterator[Problem]:
    yield from required_mapping(speech, ("said_back",), "answers and commands")
    yield from unknown_keys(speech, ("said_back",), ("answers", "commands"))
    for part in mapping(speech, ("said_back",)):
        yield from check_words_back(speech, ("said_back", part), frozenset(KEY_TRIGGERS))


def check_words_back(speech: Located, path: KeyPath, allowed: frozenset[str]) -> Iterator[Problem]:
    for key, text in mapping(speech, path).items():
        if key not in allowed:
            yield speech.problem((*path, key), f"{key!r} is not a key this prompt takes")
        elif reason := text_problem(text):
            yield speech.problem((*path, key), reason)


def check_prompt(speech: Located, path: KeyPath) -> Iterator[Problem]:
    """One prompt: a step the flow knows, and only the keys that step takes."""
    name = path[-1]
    allowed = keys_taken(str(name))
    if allowed is None:
        steps = ", ".join(sorted(n for n, s in STATES.items() if s.gathers))
        yield speech.problem(path, f"{name!r} is not a step of the flow; use one of {steps}")
        return
    yield from unknown_keys(speech, path, PROMPT_SECTIONS)
    yield from check_keyed(speech, (*path, "phrases"), allowed)
    for words in ("not_alone", "hedges"):
        if speech.get((*path, words)) is not None:
            yield from check_phrases(speech, (*path, words))
    yield from check_words_back(speech, (*path, "said_back"), allowed)
    for kind, keys in mapping(speech, (*path, "answers")).items():
        if kind not in ANSWER_KINDS:
            yield speech.problem((*path, "answers", kind), f"{kind!r} is not a kind of answer")
        yield from check_key_values(speech, (*path, "answers", kind), keys, allowed)
    for section in ("hedged", "opposite"):
        if speech.get((*path, section)) is not None:
            yield from required_mapping(speech, (*path, section), "keys to the keys they become")
        for key, keys in mapping(speech, (*path, section)).items():
            yield from check_key_values(speech, (*path, section, key), [key], allowed)
            yield from check_key_values(speech, (*path, section, key), keys, allowed)
            if section == "hedged" and isinstance(keys, list):
                # The matcher takes one key for a softened answer; a list would be no key at all.
                yield speech.problem((*path, section, key), f"{keys!r} must be one key, in quotes")
    yield from check_asked_softens(speech, path)


def check_asked_softens(speech: Located, path: KeyPath) -> Iterator[Problem]:
    """The matcher softens a choice asked only when the setting is exactly true, and
    softening does nothing without `hedged`: either mistake would leave "An adult?" taken as
    the adult team while the file seems to say otherwise."""
    at = (*path, "asked_softens")
    setting = speech.get(at)
    if setting is not None and not isinstance(setting, bool):
        yield speech.problem(at, f"{setting!r} must be true or false")
    elif setting and speech.get((*path, "hedged")) is None:
        yield speech.problem(at, "softens nothing without hedged; say what a softened key becomes")


def check_key_values(
    speech: Located, path: KeyPath, keys: Any, allowed: frozenset[str]
) -> Iterator[Problem]:
    for key in keys if isinstance(keys, list) else [keys]:
        if str(key) not in allowed or not isinstance(key, str):
            yield speech.problem(path, f"{key!r} is not a key this prompt takes, in quotes")


def check_confidence_floor(config: Located) -> Iterator[Problem]:
    """Twilio's Confidence runs from 0 to 1, so the floor a spoken answer must reach does too."""
    menus = config.get(("menus",))
    if not isinstance(menus, Mapping):
        return
    path = ("menus", "speech_min_confidence")
    value = menus.get(path[-1])
    if path[-1] not in menus:
        yield config.problem(path, "is missing: a number from 0 to 1, such as 0.5")
    elif isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        yield config.problem(path, f"{value!r} is not a number from 0 to 1, such as 0.5")
