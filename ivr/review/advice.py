"""The advice a call was given, in the line's own words, found from the flow declaration."""

from __future__ import annotations

from ivr.flow import STATES, Say
from ivr.known import known_line
from ivr.line import Line
from ivr.models import Call

# Prompts that frame the advice rather than give it.
FRAMING = frozenset(
    {
        "reference",
        "advice_keys",
        "advice_keys_out_of_hours",
        "emergency_keys",
        "connecting",
        "referral_connecting",
        "referral_choice",
        "referral_now",
    }
)


def _given(say: Say, call: Call, line: Line) -> bool:
    """Whether this call heard the sentence: its consent answer, its hours and the teams decide."""
    conditions = {
        None: True,
        "consent_refused": call.consent == "refused",
        "consent_not_asked": call.consent == "not_asked",
        "office_is_open": not call.out_of_hours,
        "office_is_closed": call.out_of_hours,
        **line.adult_teams(),
    }
    return conditions.get(say.when, False)


def sentences(call: Call) -> list[str]:
    """The advice sentences of the state that gave this call its outcome, placeholders unfilled."""
    line = known_line()
    for state in STATES.values():
        if (
            state.kind in ("advice", "transfer")
            and state.outcome == call.outcome
            and state.reason == call.reason
            # An inform_family answer given after another advice does not change that advice.
            and state.family_informed in (None, call.family_informed)
        ):
            return [
                line.sentence(s.prompt)
                for s in state.says
                if s.prompt not in FRAMING and _given(s, call, line)
            ]
    return []
