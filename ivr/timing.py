"""How long a caller listens before each outcome's advice begins, for the script's sign-off.

A safeguarding lead signing off the line needs to know that a referral is reached quickly: this
walks the flow declaration from the start of a call, by the fewest key presses, and counts the
words of every prompt heard in full on the way, filled in from the configuration, at the pace
of the line's voice.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from ivr.flow import ADVICE_OUTCOMES, INITIAL, QUESTION_NAMES, ROUTE_STARTS, STATES, Say
from ivr.line import Line, Words

WORDS_PER_MINUTE = 150
# The questions of the call flow are short enough to hold in mind at a doorstep.
MOST_WORDS_IN_A_QUESTION = 25


@dataclass(frozen=True)
class Path:
    """The fewest key presses from the start to an outcome, and the speech heard before it."""

    state: str
    outcome: str
    reason: str | None
    keys: tuple[str, ...]
    words_before: int

    @property
    def seconds_before(self) -> float:
        return round(self.words_before * 60 / WORDS_PER_MINUTE, 1)


def _holds(
    line: Line, say: Say, state: str, first: bool, consent: str | None, now: Mapping[str, bool]
) -> bool:
    """Whether a sentence is spoken on this walk: at the moment `now` describes, first time
    through."""
    conditions = {
        None: True,
        **line.team_conditions(),
        **now,
        "first_time": first,
        "needs_key_help": state in ROUTE_STARTS,
        "consent_refused": consent == "refused",
        "consent_not_asked": consent == "not_asked",
    }
    return bool(conditions.get(say.when, False))


def words_heard(line: Line, at: datetime, state: str, first: bool, consent: str | None) -> int:
    """The words of a state's prompts as a caller hears them, placeholders filled."""
    words = Words(line, at, reference="1, 2, 3, 4, 5, 6")
    now = line.hour_conditions(at)
    spoken = [
        line.sentence(say.prompt).format_map(words)
        for say in STATES[state].says
        if _holds(line, say, state, first, consent, now)
    ]
    return sum(len(text.split()) for text in spoken)


def paths(line: Line, at: datetime) -> Iterator[Path]:
    """Every advice state with its quickest path from the start of a call, in office hours."""
    start = (INITIAL, None)
    # The keys are followed as in office hours, whatever `at` is.
    routes_now = {**line.hour_conditions(at), "office_is_open": True, "office_is_closed": False}
    seen, given = {start}, set()
    queue = deque([(start, (), 0)])
    while queue:
        (name, consent), keys, words = queue.popleft()
        state = STATES[name]
        if state.outcome in ADVICE_OUTCOMES and name not in given:
            given.add(name)
            yield Path(name, state.outcome, state.reason, keys, words)
        if state.kind not in ("menu", "question", "advice"):
            continue
        heard = words + words_heard(line, at, name, not keys, consent)
        for key, routes in state.keys.items():
            usable = [
                r
                for r in routes
                if not r.when or _holds(line, Say("", r.when), name, False, consent, routes_now)
            ]
            if not usable:
                continue
            route = usable[0]
            nxt = (route.dest, route.consent or consent)
            if nxt not in seen:
                seen.add(nxt)
                queue.append((nxt, (*keys, key), heard))


def long_questions(line: Line) -> list[tuple[str, int]]:
    """Questions whose own sentence is longer than a caller can hold: (name, words)."""
    counted = [(name, len(line.sentence(name).split())) for name in QUESTION_NAMES]
    return [(name, n) for name, n in counted if n > MOST_WORDS_IN_A_QUESTION]
