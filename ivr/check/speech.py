"""The speech vocabulary checks: what a caller may say instead of pressing a key.

A phrase under a key the flow does not know is never heard, and a phrase under two keys in one
scope would send the caller one way while the prompts promise the other.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ivr.check.located import KeyPath, Located, Problem
from ivr.check.sections import required_mapping, unknown_keys
from ivr.flow import KEY_TRIGGERS
from ivr.line import normalise

SPEECH_SCOPES = ("anywhere", "questions")


def check_speech(prompts: Located) -> Iterator[Problem]:
    """Speech maps to keys the flow knows, and no phrase means two keys in one scope."""
    yield from required_mapping(prompts, ("speech",), ", ".join(SPEECH_SCOPES))
    yield from unknown_keys(prompts, ("speech",), SPEECH_SCOPES)
    if not isinstance(prompts.get(("speech",)), Mapping):
        return
    for scope in SPEECH_SCOPES:
        yield from required_mapping(prompts, ("speech", scope), "keys to lists of phrases")
        if isinstance(prompts.get(("speech", scope)), Mapping):
            yield from check_scope(prompts, ("speech", scope))


def check_scope(prompts: Located, path: KeyPath) -> Iterator[Problem]:
    """One scope's keys and phrases; the first key to claim a phrase keeps it."""
    owner: dict[str, Any] = {}
    for key, phrases in prompts.get(path).items():
        if key not in KEY_TRIGGERS:
            keys = " ".join(f'"{k}"' for k in KEY_TRIGGERS)
            yield prompts.problem(
                (*path, key), f"{key!r} is not a key; use one of {keys} in quotes"
            )
        if not isinstance(phrases, list):
            yield prompts.problem((*path, key), f"must be a list of phrases, not {phrases!r}")
            continue
        for index, phrase in enumerate(phrases):
            yield from check_phrase(prompts, (*path, key, index), phrase, owner)


def check_phrase(
    prompts: Located, path: KeyPath, phrase: Any, owner: dict[str, Any]
) -> Iterator[Problem]:
    """One phrase is words a caller can say, not already standing for another key."""
    if not isinstance(phrase, str):
        yield prompts.problem(path, f"{phrase!r} must be words in quotes")
        return
    said, key = normalise(phrase), path[-2]
    if not said:
        yield prompts.problem(path, f"{phrase!r} has no words to match")
    elif owner.setdefault(said, key) != key:
        yield prompts.problem(
            path, f"{phrase!r} is also under {owner[said]!r} in the same scope; keep it under one"
        )


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
