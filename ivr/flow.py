"""The call flow, declared once as data: every state, what it says, its keys and its outcome.

`machine.py` builds the `transitions` machine from this declaration, `render.py` speaks it,
`ivr graph` draws it and `ivr check` checks the prompts against it. Keys, outcomes and step
names here are the vocabulary of the call flow (version 2) in `docs/call-flow.md`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["menu", "question", "advice", "transfer", "not_connected", "final"]
Contact = Literal["duty", "adult_duty", "nspcc"]
# Why a transfer comes through, said to whoever answers it before the caller is connected.
Whisper = Literal["referral", "adult_referral", "advice", "not_understood"]

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

# Advice outcomes outrank the lesser ones; the first advice given stands ("The record of a call"),
# except that a referral becomes an adult referral when the caller says only an adult is at risk,
# and a more urgent advice replaces a less urgent one (URGENCY).
ADVICE_OUTCOMES = frozenset(
    {
        "emergency_999",
        "referral",
        "adult_referral",
        "share_with_consent",
        "share_without_consent",
        "share_anonymised",
        "seek_agreement_first",
        "do_not_share",
        "seek_advice",
    }
)
REFINES: Mapping[str, str] = {"adult_referral": "referral"}
# Advice a later, weightier answer must not be hidden behind, most urgent first: a caller who puts
# a wrong answer right with 9 and is then told to dial 999, or to make a referral, is recorded
# (and described to the team who calls back) as that, not as the advice they went back from.
URGENCY: tuple[frozenset[tuple[str, str | None]], ...] = (
    frozenset({("emergency_999", None)}),
    frozenset(
        {
            ("referral", None),
            ("adult_referral", None),
            ("share_without_consent", "risk_of_harm"),
        }
    ),
)
# The transfers made to make a referral: what a failed one says, and why the caller rang.
REFERRALS = frozenset({"referral", "adult_referral"})


def rang_for(
    outcome: str | None, reason: str | None, transfer_reason: str | None
) -> tuple[str | None, str | None]:
    """Why the caller rang, as the team calling back must be told (the request, its link, the
    review area): a transfer made to make a referral is that referral, a child's or an adult's,
    whatever advice is on the record ("press 0 to make a referral" after the anonymised advice,
    a referral after going back from the 999 advice, a child's after an adult's)."""
    if transfer_reason in REFERRALS:
        return transfer_reason, None
    return outcome, reason


def urgency(advice: tuple[str | None, str | None]) -> int:
    """How urgent an advice (outcome, reason) is: 0 for advice that may wait, higher for what
    must not."""
    for rank, urgent in enumerate(URGENCY):
        if advice in urgent:
            return len(URGENCY) - rank
    return 0


# Lesser outcomes, weakest first: a later one replaces an earlier one only if it ranks higher.
LESSER_RANK: tuple[str, ...] = ("abandoned", "contacts_given", "speak_to_someone", "no_response")
LESSER_OUTCOMES = frozenset(LESSER_RANK)
CONSENT_VALUES = ("agreed", "refused", "not_asked")


@dataclass(frozen=True)
class Say:
    """One prompt key, spoken only when `when` (a condition of the call) holds."""

    prompt: str
    when: str | None = None


@dataclass(frozen=True)
class Route:
    """A destination taken only when a condition of the call holds; the last is the default.

    `consent` is what the answer says about the person's agreement, kept on the record.
    """

    dest: str
    when: str | None = None
    consent: str | None = None


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
    # Where silence goes on a prompt that listens only briefly (advice: the goodbye).
    on_silence: str | None = None
    # Where failed tries end, and the `menus` setting that says how many there may be.
    give_up: str = "no_response"
    tries_setting: str = "max_tries"
    # The `menus` setting for how long the prompt listens, when not the usual gather timeout.
    listen_setting: str | None = None
    # Transfers: whom to dial, what the person answering hears, where a connected call goes.
    contact: Contact | None = None
    whisper: Whisper | None = None
    after_connect: str = "goodbye"

    @property
    def gathers(self) -> bool:
        """Whether the caller answers this state with a key or words."""
        return self.kind in ("menu", "question", "advice", "not_connected")


def _say(*items: str | tuple[str, str]) -> tuple[Say, ...]:
    return tuple(Say(i) if isinstance(i, str) else Say(i[0], i[1]) for i in items)


def _keys(**by_key: str | Route | tuple[Route, ...]) -> dict[str, tuple[Route, ...]]:
    """Keys are written k1, k2, k3, k9, k0 so the table reads like the keypad."""
    return {
        name[1:]: (dest,)
        if isinstance(dest, Route)
        else dest
        if isinstance(dest, tuple)
        else (Route(dest),)
        for name, dest in by_key.items()
    }


# The key help ("Press 1 for yes, ...") is said on the first question of a route and on every
# re-prompt; questions with keys of their own always say them, since they carry the meaning.
KEY_HELP = Say("question_keys", "needs_key_help")

# The questions, in the order of the call-flow's table.
QUESTIONS: tuple[State, ...] = (
    State(
        "danger_now",
        "question",
        (Say("danger_now"), KEY_HELP),
        _keys(k1="emergency_999", k2="referral", k3="emergency_999"),
        # A caller who cannot answer this may not be able to talk: after two failed tries the
        # line takes it as "not sure", which is the 999 advice.
        give_up="emergency_999",
        tries_setting="danger_now_tries",
    ),
    State(
        "significant_harm",
        "question",
        (Say("significant_harm"), KEY_HELP),
        _keys(k1="inform_family", k2="purpose", k3="seek_advice_harm_unsure"),
    ),
    State(
        "inform_family",
        "question",
        _say("inform_family", "inform_family_keys"),
        _keys(
            k1="share_without_consent_not_first",
            k2="share_without_consent_where_safe",
            k3="share_without_consent_seek_advice",
        ),
    ),
    State(
        "purpose",
        "question",
        (Say("purpose"), KEY_HELP),
        _keys(k1="identifiable", k2="do_not_share_no_purpose", k3="seek_advice_unsure"),
    ),
    State(
        "identifiable",
        "question",
        (Say("identifiable"), KEY_HELP),
        _keys(k1="agreement", k2="share_anonymised", k3="agreement"),
    ),
    State(
        "agreement",
        "question",
        _say("agreement", "agreement_keys"),
        _keys(
            k1=Route("share_with_consent", consent="agreed"),
            k2=Route("other_lawful_reason", consent="refused"),
            k3=Route("other_lawful_reason", consent="not_asked"),
        ),
    ),
    State(
        "other_lawful_reason",
        "question",
        (Say("other_lawful_reason"), KEY_HELP),
        _keys(
            k1="share_without_consent_lawful_basis",
            # One question in two situations: its "no" depends on the consent answer given.
            k2=(
                Route("do_not_share_respect_wishes", "consent_refused"),
                Route("safe_to_ask"),
            ),
            k3="seek_advice_unsure",
        ),
    ),
    State(
        "safe_to_ask",
        "question",
        (Say("safe_to_ask"), KEY_HELP),
        _keys(k1="seek_agreement_first", k2="seek_advice_not_safe_to_ask", k3="seek_advice_unsure"),
    ),
)

# The first question of each route: "9" there goes back to the main menu.
ROUTE_STARTS = frozenset({"danger_now", "significant_harm"})

# What every advice outcome ends with before its keys.
_RECORD_SHARED = "record_shared"
_RECORD_NOT_SHARED = "record_not_shared"
_RECORD_ADVICE = "record_advice"
_PRESS_0_FOR_ADVICE = (
    ("seek_advice_press_0", "office_is_open"),
    ("seek_advice_press_0_out_of_hours", "office_is_closed"),
)
_ADVICE_KEYS = (("advice_keys", "office_is_open"), ("advice_keys_out_of_hours", "office_is_closed"))
_BY_TEXT = ("advice_text_key", "advice_text_offered")


def _advice(
    name: str,
    outcome: str,
    *says: str | tuple[str, str],
    reason: str | None = None,
    keys: tuple[str | tuple[str, str], ...] = (*_ADVICE_KEYS, _BY_TEXT),
    zero: str | None = None,
) -> State:
    """An outcome the caller hears, then the reference read twice, then 1 again, 0 a person
    (or `zero`, where the advice itself says what 0 is for), and on a mobile 2 for the advice
    by text (ivr.messaging)."""
    routes = _keys(k2=Route("advice_texted", _BY_TEXT[1])) if _BY_TEXT in keys else {}
    if zero is not None:
        routes |= _keys(k0=zero)
    return State(
        name,
        "advice",
        _say(*says, "reference", *keys),
        routes,
        outcome=outcome,
        reason=reason,
        on_silence="goodbye",
    )


def _risk_of_harm(family: str) -> State:
    """`share_without_consent` for a child at risk: a referral, put through without a key press."""
    return State(
        f"share_without_consent_{family}",
        "transfer",
        _say("advice_risk_of_harm", f"family_{family}", "reference", "referral_connecting"),
        outcome="share_without_consent",
        reason="risk_of_harm",
        family_informed=family,
        contact="duty",
        whisper="referral",
        after_connect="after_referral",
    )


ADVICE: tuple[State, ...] = (
    _advice(
        "emergency_999",
        "emergency_999",
        "advice_emergency_999",
        ("emergency_referral_one_team", "adults_share_in_and_out_of_hours"),
        ("emergency_referral_one_team_in_hours", "adults_share_in_hours_only"),
        ("emergency_referral", "adults_share_out_of_hours_only"),
        ("emergency_referral_two_teams", "adults_apart_in_and_out_of_hours"),
        # 0 still works here, unannounced: the caller is told to hang up and dial 999.
        keys=("emergency_keys",),
    ),
    _advice(
        "share_with_consent",
        "share_with_consent",
        "advice_share_with_consent",
        "checklist",
        _RECORD_SHARED,
    ),
    _advice(
        "share_without_consent_lawful_basis",
        "share_without_consent",
        "advice_lawful_basis",
        ("lawful_basis_refused", "consent_refused"),
        ("lawful_basis_not_asked", "consent_not_asked"),
        "checklist",
        _RECORD_SHARED,
        reason="lawful_basis",
    ),
    _advice(
        "share_anonymised",
        "share_anonymised",
        "advice_share_anonymised",
        _RECORD_SHARED,
        # "Anonymous information is not enough: press 0 to make a referral": a referral transfer,
        # so a failed one says the referral has not been made.
        zero="referral_transfer",
    ),
    _advice(
        "seek_agreement_first",
        "seek_agreement_first",
        "advice_seek_agreement_first",
        _RECORD_ADVICE,
    ),
    _advice(
        "do_not_share_no_purpose",
        "do_not_share",
        "advice_no_purpose",
        _RECORD_NOT_SHARED,
        reason="no_purpose",
    ),
    _advice(
        "do_not_share_respect_wishes",
        "do_not_share",
        "advice_respect_wishes",
        _RECORD_NOT_SHARED,
        reason="respect_wishes",
    ),
    _advice(
        "seek_advice_unsure",
        "seek_advice",
        "advice_seek_advice_unsure",
        *_PRESS_0_FOR_ADVICE,
        "advice_without_names",
        _RECORD_ADVICE,
        reason="unsure",
    ),
    _advice(
        "seek_advice_harm_unsure",
        "seek_advice",
        "advice_seek_advice_harm_unsure",
        *_PRESS_0_FOR_ADVICE,
        "advice_harm_unsure_consent",
        _RECORD_ADVICE,
        reason="harm_unsure",
    ),
    _advice(
        "seek_advice_not_safe_to_ask",
        "seek_advice",
        "advice_seek_advice_not_safe_to_ask",
        *_PRESS_0_FOR_ADVICE,
        _RECORD_ADVICE,
        reason="not_safe_to_ask",
    ),
    *(_risk_of_harm(family) for family in ("not_first", "where_safe", "seek_advice")),
)


# What a failed transfer says first: the team tried and its number, or, where that team has gone
# off duty while it rang (the office closed or opened), the team on call now instead and theirs.
_NOT_CONNECTED = (
    ("not_connected", "team_unchanged"),
    ("not_connected_team_closed", "team_changed"),
)


def _declare() -> dict[str, State]:
    states: list[State] = [
        State(
            "main_menu",
            "menu",
            _say(
                ("welcome", "first_time"),
                "danger_999",
                ("guidance_only", "first_time"),
                "main_menu",
            ),
            _keys(k1="danger_now", k2="significant_harm", k3="contacts"),
        ),
        State(
            "contacts",
            "menu",
            _say(
                # On a weekday it does not keep (a bank holiday, a closed date): closed today,
                # and who answers today instead.
                ("contacts_front_door", "usual_hours_today"),
                ("contacts_front_door_closed_today", "office_closed_today"),
                ("contacts_out_of_hours", "usual_hours_today"),
                ("contacts_out_of_hours_closed_today", "office_closed_today"),
                ("contacts_adults", "usual_hours_today"),
                ("contacts_adults_closed_today", "office_closed_today"),
                ("contacts_adults_out_of_hours", "adults_apart_out_of_hours"),
                ("contacts_adults_out_of_hours_shared", "adults_with_children_out_of_hours"),
                "contacts_police",
                ("contacts_nspcc_open", "nspcc_open"),
                ("contacts_nspcc_closed", "nspcc_closed"),
                "contacts_keys",
                ("contacts_nspcc_key", "nspcc_open"),
                "contacts_back_key",
            ),
            _keys(k1="transfer", k2=Route("transfer_nspcc", "nspcc_open"), k9="main_menu"),
            outcome="contacts_given",
        ),
        *QUESTIONS,
        # The risk route's referral listens briefly for "only an adult", then puts the caller
        # through whatever they do: silence or 1 is the children's team.
        State(
            "referral",
            "advice",
            _say(
                "advice_referral",
                "reference",
                ("referral_choice", "adults_elsewhere"),
                # Out of hours one service takes both: 2 still means the adult advice.
                ("referral_choice_one_team", "adults_same_team"),
            ),
            _keys(
                k1="referral_transfer",
                k2="adult_referral",
                k9="danger_now",
                k0="referral_transfer",
            ),
            outcome="referral",
            on_silence="referral_transfer",
            give_up="referral_transfer",
            listen_setting="referral_choice_seconds",
        ),
        State(
            "referral_transfer",
            "transfer",
            # The choice before it has named the team ("In a moment I'll put you through to").
            _say("referral_now"),
            contact="duty",
            whisper="referral",
            after_connect="after_referral",
        ),
        State(
            "adult_referral",
            "transfer",
            _say("advice_adult_referral", "reference", "connecting"),
            outcome="adult_referral",
            contact="adult_duty",
            whisper="adult_referral",
            after_connect="after_referral",
        ),
        State(
            "adult_transfer",
            "transfer",
            _say("connecting"),
            contact="adult_duty",
            whisper="adult_referral",
            after_connect="after_referral",
        ),
        *ADVICE,
        State(
            "transfer",
            "transfer",
            _say(("connecting", "office_is_open"), ("connecting_out_of_hours", "office_is_closed")),
            outcome="speak_to_someone",
            contact="duty",
            whisper="advice",
        ),
        State("transfer_nspcc", "transfer", _say("connecting"), contact="nspcc", whisper="advice"),
        State(
            "no_response",
            "transfer",
            _say("gave_up", "danger_999", "gave_up_connecting"),
            outcome="no_response",
            contact="duty",
            whisper="not_understood",
        ),
        State(
            "not_connected",
            "not_connected",
            _say(
                *_NOT_CONNECTED,
                ("referral_not_made", "referral_pending"),
                ("other_options_nspcc", "nspcc_open"),
                "other_options_police",
                ("not_connected_retry_key", "retry_offered"),
                ("not_connected_team_now_key", "team_changed"),
                ("not_connected_duty_key", "tried_nspcc"),
                ("not_connected_callback_key", "callback_offered"),
                "not_connected_menu_key",
            ),
            _keys(
                # 1 dials the team on call now for what the transfer was for; the NSPCC only
                # while it is open (closed, 1 is not one of the choices: 2 is the duty team).
                k1=(
                    Route("transfer_nspcc", "nspcc_retry_offered"),
                    Route("adult_transfer", "adult_referral_pending"),
                    Route("referral_transfer", "referral_pending"),
                    Route("transfer", "tried_duty"),
                ),
                k2=(Route("transfer", "tried_nspcc"), Route("callback", "callback_offered")),
                k9="main_menu",
            ),
            give_up="closing",
        ),
        State("goodbye", "final", _say("goodbye")),
        State("after_referral", "final", _say("record_after_referral", "reference", "goodbye")),
        State("callback", "final", _say("callback_confirmed", "goodbye")),
        State("advice_texted", "final", _say("advice_text_sent", "goodbye")),
        State(
            "closing",
            "final",
            _say(
                *_NOT_CONNECTED,
                ("referral_not_made", "referral_pending"),
                ("other_options_nspcc", "nspcc_open"),
                "other_options_police",
                "goodbye",
            ),
        ),
    ]
    return {s.name: s for s in states}


STATES: Mapping[str, State] = _declare()
INITIAL = "main_menu"
QUESTION_NAMES = tuple(q.name for q in QUESTIONS)
WHISPERS: tuple[Whisper, ...] = ("referral", "adult_referral", "advice", "not_understood")


# The roles Line.contact_for answers with whoever is on call at the moment asked.
DUTY_ROLES: frozenset[str] = frozenset({"duty", "adult_duty"})
# The transfers made to a contact by its own name (the NSPCC): the contact is the role.
NAMED_CONTACTS: frozenset[str] = frozenset(
    s.contact for s in STATES.values() if s.contact and s.contact not in DUTY_ROLES
)
# Which duty role each transfer reason is dialled for: one per reason, read off the transfers
# above (an adult referral is for the adult duty team, every other reason for the children's).
DUTY_ROLE_FOR: Mapping[str, str] = {
    s.whisper: s.contact
    for s in STATES.values()
    if s.whisper is not None and s.contact in DUTY_ROLES
}


def transfer_role(transfer_to: str | None, transfer_reason: str | None) -> str | None:
    """The role a transfer was dialled for, from what the record already holds.

    The contact dialled cannot say it alone: out of hours the emergency duty service answers
    for children and adults, and which team takes over at 9am depends on which it was
    answering for. The transfer's reason, set with it, does; so a failed transfer's menu can
    name the team on call now without another column or another query.
    """
    if transfer_to is None:
        return None
    if transfer_to in NAMED_CONTACTS:
        return transfer_to
    return DUTY_ROLE_FOR.get(transfer_reason or "", "duty")


def question_predecessors() -> dict[str, list[str]]:
    """For each question, and each advice a question leads to, the questions whose answers lead
    to it: where "9" goes back to."""
    found: dict[str, list[str]] = {}
    for question in QUESTIONS:
        for routes in question.keys.values():
            for route in routes:
                dest = STATES[route.dest]
                if dest.kind not in ("question", "advice") or "9" in dest.keys:
                    continue
                if question.name not in found.setdefault(dest.name, []):
                    found[dest.name].append(question.name)
    return found


def prompt_keys() -> set[str]:
    """Every prompt key the states speak; `ivr check` adds the few spoken outside any state."""
    return {say.prompt for state in STATES.values() for say in state.says}
