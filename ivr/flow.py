"""The call flow, declared once as data: every state, what it says, its keys and its outcome.

`machine.py` builds the `transitions` machine from this declaration, `render.py` speaks it,
`ivr graph` draws it and `ivr check` checks the prompts against it. Keys, outcomes and step
names here are the vocabulary of `shared/product/call-flow.md`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["menu", "question", "advice", "transfer", "not_connected", "final"]

# What each key means on every prompt; speech is mapped onto the same triggers.
KEY_TRIGGERS: Mapping[str, str] = {
    "1": "press_1",
    "2": "press_2",
    "3": "press_3",
    "*": "repeat",
    "9": "back",
    "0": "operator",
}
DIAL_STATUSES = ("completed", "busy", "no-answer", "failed", "canceled")

# Advice outcomes outrank these; the first advice given stands (call-flow.md, "The record").
ADVICE_OUTCOMES = frozenset(
    {
        "emergency_999",
        "referral",
        "share_with_consent",
        "share_without_consent",
        "share_anonymised",
        "seek_agreement_first",
        "do_not_share",
        "seek_advice",
    }
)
LESSER_OUTCOMES = frozenset({"contacts_given", "speak_to_someone", "no_response", "abandoned"})


@dataclass(frozen=True)
class Say:
    """One prompt key, spoken only when `when` (a condition of the call) holds."""

    prompt: str
    when: str | None = None


@dataclass(frozen=True)
class Route:
    """A destination taken only when a condition of the call holds; the last is the default."""

    dest: str
    when: str | None = None


@dataclass(frozen=True)
class State:
    """A prompt the caller hears, or a transfer, or the end of the call."""

    name: str
    kind: Kind
    says: tuple[Say, ...]
    keys: Mapping[str, tuple[Route, ...]] = field(default_factory=dict)
    outcome: str | None = None
    reason: str | None = None
    family_informed: str | None = None
    contact: Literal["duty", "nspcc"] | None = None  # for transfers: whom to dial

    @property
    def gathers(self) -> bool:
        """Whether the caller answers this state with a key or words."""
        return self.kind in ("menu", "question", "advice", "not_connected")


def _say(*items: str | tuple[str, str]) -> tuple[Say, ...]:
    return tuple(Say(i) if isinstance(i, str) else Say(i[0], i[1]) for i in items)


def _keys(**by_key: str | tuple[Route, ...]) -> dict[str, tuple[Route, ...]]:
    """Keys are written k1, k2, k3, k9, k0 so the table reads like the keypad."""
    return {
        name[1:]: (dest,)
        if isinstance(dest, Route)
        else dest
        if isinstance(dest, tuple)
        else (Route(dest),)
        for name, dest in by_key.items()
    }


# Questions: (step name, route, yes, no, not sure). A destination is a state name below.
QUESTIONS: tuple[tuple[str, str, str, str, str], ...] = (
    ("danger_now", "risk", "emergency_999", "referral", "emergency_999"),
    ("purpose", "decision", "identifiable", "do_not_share_no_purpose", "seek_advice"),
    ("identifiable", "decision", "significant_harm", "share_anonymised", "significant_harm"),
    ("significant_harm", "decision", "inform_family", "agreement", "seek_advice"),
    (
        "inform_family",
        "decision",
        "share_without_consent_not_first",
        "share_without_consent_where_safe",
        "share_without_consent_seek_advice",
    ),
    ("agreement", "decision", "share_with_consent", "other_lawful_reason", "safe_to_ask"),
    ("safe_to_ask", "decision", "seek_agreement_first", "other_lawful_reason", "seek_advice"),
    (
        "other_lawful_reason",
        "decision",
        "share_without_consent_lawful_basis",
        "do_not_share_respect_wishes",
        "seek_advice",
    ),
)

# Questions whose own prompt names their keys (agreement: 2 = refused, 3 = not asked yet).
OWN_KEY_WORDS = frozenset({"agreement"})

_SHARE = ("checklist", "record_reminder")

# Advice: (state, outcome, reason, family_informed, what it says before the reference).
ADVICE: tuple[tuple[str, str, str | None, str | None, tuple[str, ...]], ...] = (
    ("emergency_999", "emergency_999", None, None, ("advice_emergency_999",)),
    (
        "share_with_consent",
        "share_with_consent",
        None,
        None,
        ("advice_share_with_consent", *_SHARE),
    ),
    (
        "share_without_consent_not_first",
        "share_without_consent",
        "risk_of_harm",
        "not_first",
        (
            "advice_share_without_consent",
            "reason_risk_of_harm",
            "family_not_first",
            *_SHARE,
            "make_referral",
        ),
    ),
    (
        "share_without_consent_where_safe",
        "share_without_consent",
        "risk_of_harm",
        "where_safe",
        (
            "advice_share_without_consent",
            "reason_risk_of_harm",
            "family_where_safe",
            *_SHARE,
            "make_referral",
        ),
    ),
    (
        "share_without_consent_seek_advice",
        "share_without_consent",
        "risk_of_harm",
        "seek_advice",
        (
            "advice_share_without_consent",
            "reason_risk_of_harm",
            "family_seek_advice",
            *_SHARE,
            "make_referral",
        ),
    ),
    (
        "share_without_consent_lawful_basis",
        "share_without_consent",
        "lawful_basis",
        None,
        ("advice_share_without_consent", "reason_lawful_basis", "family_where_safe", *_SHARE),
    ),
    (
        "share_anonymised",
        "share_anonymised",
        None,
        None,
        ("advice_share_anonymised", "record_reminder"),
    ),
    ("seek_agreement_first", "seek_agreement_first", None, None, ("advice_seek_agreement_first",)),
    (
        "do_not_share_no_purpose",
        "do_not_share",
        "no_purpose",
        None,
        ("advice_do_not_share", "reason_no_purpose", "record_reminder"),
    ),
    (
        "do_not_share_respect_wishes",
        "do_not_share",
        "respect_wishes",
        None,
        ("advice_do_not_share", "reason_respect_wishes", "record_reminder"),
    ),
    ("seek_advice", "seek_advice", None, None, ("advice_seek_advice",)),
)


def _declare() -> dict[str, State]:
    states: list[State] = [
        State(
            "main_menu",
            "menu",
            _say("welcome", "danger_999", "main_menu"),
            _keys(k1="danger_now", k2="purpose", k3="contacts"),
        ),
        State(
            "contacts",
            "menu",
            _say(
                "contacts_duty_now",
                "contacts_out_of_hours",
                "contacts_police",
                ("contacts_nspcc_open", "nspcc_open"),
                ("contacts_nspcc_closed", "nspcc_closed"),
                "contacts_keys",
                ("contacts_nspcc_key", "nspcc_open"),
                "contacts_back_key",
            ),
            _keys(k1="transfer", k2=(Route("transfer_nspcc", "nspcc_open"),), k9="main_menu"),
            outcome="contacts_given",
        ),
    ]
    for name, _route, yes, no, unsure in QUESTIONS:
        says = (name,) if name in OWN_KEY_WORDS else (name, "question_keys")
        states.append(State(name, "question", _say(*says), _keys(k1=yes, k2=no, k3=unsure)))
    for name, outcome, reason, family, says in ADVICE:
        states.append(
            State(
                name,
                "advice",
                _say(*says, "reference", "advice_keys"),
                outcome=outcome,
                reason=reason,
                family_informed=family,
            )
        )
    states += [
        State(
            "referral",
            "transfer",
            _say("advice_referral", "reference", "connecting"),
            outcome="referral",
            contact="duty",
        ),
        State(
            "transfer", "transfer", _say("connecting"), outcome="speak_to_someone", contact="duty"
        ),
        State("transfer_nspcc", "transfer", _say("connecting"), contact="nspcc"),
        State(
            "no_response",
            "transfer",
            _say("gave_up", "danger_999", "connecting"),
            outcome="no_response",
            contact="duty",
        ),
        State(
            "not_connected",
            "not_connected",
            _say(
                "not_connected",
                ("other_options_nspcc", "nspcc_open"),
                "other_options_police",
                ("not_connected_keys", "has_caller_number"),
                ("not_connected_keys_no_callback", "has_no_caller_number"),
            ),
            _keys(
                k1=(Route("transfer_nspcc", "tried_nspcc"), Route("transfer")),
                k2=(Route("callback", "has_caller_number"),),
                k9="main_menu",
            ),
        ),
        State("goodbye", "final", _say("goodbye")),
        State("callback", "final", _say("callback_confirmed", "goodbye")),
        State(
            "closing",
            "final",
            _say(
                "not_connected",
                ("other_options_nspcc", "nspcc_open"),
                "other_options_police",
                "goodbye",
            ),
        ),
    ]
    return {s.name: s for s in states}


STATES: Mapping[str, State] = _declare()
INITIAL = "main_menu"

# The first question of each route: "9" there goes back to the main menu.
ROUTE_STARTS = frozenset({route: name for name, route, *_ in reversed(QUESTIONS)}.values())


def question_predecessors() -> dict[str, list[str]]:
    """For each question, the questions whose answers lead to it: where "9" goes back to."""
    found: dict[str, list[str]] = {}
    for name, _route, *answers in QUESTIONS:
        for dest in answers:
            if STATES[dest].kind == "question" and name not in found.setdefault(dest, []):
                found[dest].append(name)
    return found


def prompt_keys() -> set[str]:
    """Every prompt key the states speak; `ivr check` adds the few spoken outside any state."""
    return {say.prompt for state in STATES.values() for say in state.says}
