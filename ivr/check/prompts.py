"""The prompts checks: exactly the sentences the line speaks, each one able to be filled in.

A missing sentence or a placeholder nothing supplies would fail in the middle of a call, so
both are found here against the flow and the contacts the config names.
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping

from ivr.check.contacts import contacts_of
from ivr.check.hours_words import check_hours_words
from ivr.check.located import Located, Problem
from ivr.check.sections import required_mapping, text_problem, unknown_keys
from ivr.flow import STATES, WHISPERS, prompt_keys

PROMPT_KEYS = ("sentences", "hours")
# Sentences spoken outside the states of flow.py, and by what.
SPOKEN_ELSEWHERE: Mapping[str, str] = {
    "didnt_hear": "the notice after silence",
    "not_a_choice": "the notice after a key that is not a choice",
    "safe_guidance": "the safe guidance answer given when the line fails",
    "safe_if_not_connected": "the safe guidance answer given when the line fails",
    "safe_out_of_hours_from": "the safe guidance answer given when the line fails",
    "safe_office_from": "the safe guidance answer given when the line fails",
    "other_options_police": "the safe guidance answer given when the line fails",
    "goodbye": "the safe guidance answer given when the line fails",
    **{
        key: "the static guidance for Twilio when the server is down"
        for key in (
            "static_call_duty",
            "static_in_hours",
            "static_in_hours_no_closures",
            "static_adults_in_hours",
            "static_out_of_hours",
            "static_out_of_hours_children",
            "static_adults_out_of_hours",
        )
    },
    "whisper": "the whisper to whoever answers a transfer",
    **{f"whisper_{why}": "the whisper to whoever answers a transfer" for why in WHISPERS},
}
FIXED_PLACEHOLDERS = frozenset(
    {
        "service_name",
        "office_hours",
        "closed_days",
        "closes_at",
        "opens_at",
        "nspcc_hours",
        "reference",
        "caller_number",
        "transfer_name",
        "transfer_number",
        "team_now_name",
        "team_now_number",
    }
)
# Placeholders only one answer fills, and the sentences it fills them in: anywhere else the
# sentence would fail as it is spoken (a webhook would give the safe guidance instead).
FILLED_ONLY_IN: Mapping[str, frozenset[str]] = {
    "closes_at": frozenset({"safe_out_of_hours_from"}),
    "opens_at": frozenset({"safe_office_from"}),
    "closed_days": frozenset(key for key in SPOKEN_ELSEWHERE if key.startswith("static_")),
}
DUTY_ROLES = (
    "duty",
    "adult_duty",
    "out_of_hours",
    "in_hours",
    "adults_in_hours",
    "adults_out_of_hours",
)


def check_prompts(prompts: Located, config: Located | None) -> list[Problem]:
    """Every problem with the prompts; config-dependent checks wait for a readable config."""
    return [
        *unknown_keys(prompts, (), PROMPT_KEYS),
        *check_sentences(prompts, config),
        *check_hours_words(prompts, config),
    ]


def speakers() -> dict[str, str]:
    """Who speaks each prompt: the first state that says it, or what speaks it outside states."""
    found: dict[str, str] = {}
    for state in STATES.values():
        for say in state.says:
            found.setdefault(say.prompt, f"spoken by state {state.name!r}")
    for key, what in SPOKEN_ELSEWHERE.items():
        found.setdefault(key, f"spoken by {what}")
    return found


def check_sentences(prompts: Located, config: Located | None) -> Iterator[Problem]:
    """Exactly the sentences the line speaks, each one fit to be filled in at call time."""
    yield from required_mapping(prompts, ("sentences",), "prompt names to sentences")
    sentences = prompts.get(("sentences",))
    if not isinstance(sentences, Mapping):
        return
    who, spoken = speakers(), prompt_keys() | SPOKEN_ELSEWHERE.keys()
    for key in sorted(spoken - sentences.keys()):
        yield prompts.problem(("sentences",), f"missing prompt {key!r}, {who[key]}")
    allowed = placeholders(config)
    for key, text in sentences.items():
        path = ("sentences", key)
        if key not in spoken:
            yield prompts.problem(path, f"prompt {key!r} is never spoken; remove it or rename it")
        if reason := text_problem(text):
            yield prompts.problem(path, reason)
        else:
            yield from (prompts.problem(path, reason) for reason in fields_problems(text, allowed))
            yield from (prompts.problem(path, reason) for reason in misplaced(key, text))


def misplaced(key: str, text: str) -> Iterator[str]:
    """Placeholders this sentence names that only another one is filled in with."""
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return  # fields_problems says why
    for name in sorted(fields & FILLED_ONLY_IN.keys()):
        if key not in FILLED_ONLY_IN[name]:
            where = ", ".join(sorted(FILLED_ONLY_IN[name]))
            yield f"{{{name}}} is filled in only in {where}"


def placeholders(config: Located | None) -> frozenset[str] | None:
    """Every {placeholder} a sentence may use; None when the config is unreadable."""
    if config is None:
        return None
    roles = (*DUTY_ROLES, *map(str, contacts_of(config)))
    return FIXED_PLACEHOLDERS | {f"{who}_{what}" for who in roles for what in ("name", "number")}


def fields_problems(text: str, allowed: frozenset[str] | None) -> Iterator[str]:
    """Why a sentence would fail to fill in: bad braces, or a placeholder nothing supplies."""
    try:
        parsed = [
            (name, spec, conversion)
            for _, name, spec, conversion in string.Formatter().parse(text)
            if name is not None
        ]
    except ValueError as error:
        yield f"the braces do not parse ({error}); write placeholders like {{duty_name}}"
        return
    fields = [name for name, _, _ in parsed]
    for name, spec, conversion in parsed:
        if spec or conversion:
            # "{duty_name!x}" parses, then fails as the sentence is filled in.
            yield f"{{{name}}} takes no ! or : in its braces; write it like {{duty_name}}"
    for name in fields:
        if allowed is not None and name not in allowed:
            yield f"{{{name}}} is not a known placeholder; use one of {', '.join(sorted(allowed))}"
