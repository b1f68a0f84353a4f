"""An exhaustive walk of the machine: every input from every state, as deep as the longest path."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import count

import pytest
from flask import Flask
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from ivr import create_app
from ivr.callflow import CallFlow
from ivr.config import load_config, load_prompts, merge
from ivr.flow import INITIAL, STATES
from ivr.line import TEAM_CONDITIONS, Line
from ivr.messaging import heartbeat
from ivr.models import Base, Call

INPUTS: list[tuple[str | None, str | None]] = [
    *((key, None) for key in "0123456789*#"),
    (None, None),
    (None, "yes"),
    (None, "no"),
    (None, "not sure"),
    (None, "repeat"),
    (None, "back"),
    (None, "operator"),
    (None, "gibberish"),
]
DIAL = ["completed", "busy", "no-answer", "failed", "canceled"]
PEOPLE = {name for name, state in STATES.items() if state.kind == "transfer"}
DEPTH = 12
CALLER = "+447911123456"
SERIAL = count()


# The front door has a call-back channel and texts can be sent, so the walk reaches the call-back
# and the advice by text too.
CHANNEL = {
    "contacts": {"front_door": {"callbacks": {"sms": [CALLER]}}},
    "callbacks": {"sms_from": "+441189000000"},
}


@pytest.fixture(scope="module")
def line() -> Line:
    config = merge(load_config(), CHANNEL)
    return Line(config, load_prompts(), lambda: datetime(2026, 11, 25, 11, 0, tzinfo=UTC))


@pytest.fixture(scope="module")
def app(line: Line) -> Flask:
    """The app whose outbox (ivr.messaging) the call-back and the advice text are queued in."""
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": "sqlite://",
            "TWILIO_AUTH_TOKEN": "walk-token",
            "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
            "CONFIG": CHANNEL,
            "CLOCK": line.clock,
        }
    )


@pytest.fixture(autouse=True)
def in_a_webhook(app: Flask) -> Iterator[None]:
    with app.test_request_context():
        yield


@pytest.fixture
def session(line: Line) -> Iterator[Session]:
    """A database with a call-back worker running, so the walk reaches what one sends."""
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as db:
        heartbeat.beat(db, "test-worker", line.clock())
        yield db
    engine.dispose()


# state, trail, tries, (transfer_to, transfer_reason), consent, (outcome, reason): all the
# flow's conditions read.
Pair = tuple[str | None, str | None]
Position = tuple[str, tuple[str, ...], int, Pair, str | None, Pair]
NOTHING = (None, None)


def advance(session: Session, line: Line, at: Position, move: object) -> Position:
    """Put a call at `at`, make one move, and say where it ends up."""
    state, trail, tries, (transfer_to, transfer_reason), consent, (outcome, reason) = at
    call = Call(
        call_sid=f"CA{next(SERIAL):032d}",
        reference=f"{next(SERIAL) % 1_000_000:06d}",
        started_at=line.clock(),
        caller=CALLER,
        out_of_hours=False,
        state=state,
        trail=list(trail),
        tries=tries,
        step_count=0,
        callback_requested=False,
        status="in_progress",
        transfer_to=transfer_to,
        transfer_reason=transfer_reason,
        consent=consent,
        outcome=outcome,
        reason=reason,
    )
    session.add(call)
    session.flush()
    flow = CallFlow(call, line, line.clock())
    if isinstance(move, str):
        flow.dialled(move)
    else:
        flow.answer(*move)  # type: ignore[misc]
    return (
        call.state,
        tuple(call.trail),
        call.tries,
        (call.transfer_to, call.transfer_reason),
        call.consent,
        (call.outcome, call.reason),
    )


def moves(state: str) -> list[object]:
    kind = STATES[state].kind
    return list(DIAL) if kind == "transfer" else list(INPUTS) if STATES[state].gathers else []


def test_walk_every_input_from_every_state(session: Session, line: Line) -> None:
    start: Position = (INITIAL, (), 0, NOTHING, None, NOTHING)
    seen = {start}
    queue = deque([(start, 0)])
    reached = {INITIAL}
    while queue:
        at, depth = queue.popleft()
        if depth == DEPTH:
            continue
        for move in moves(at[0]):
            nxt = advance(session, line, at, move)
            assert nxt[0] in STATES
            reached.add(nxt[0])
            if nxt not in seen:
                seen.add(nxt)
                queue.append((nxt, depth + 1))
    assert reached == set(STATES), f"never reached: {set(STATES) - reached}"


@pytest.mark.parametrize("state", [n for n, s in STATES.items() if s.gathers])
@pytest.mark.parametrize("failure", [(None, None), ("7", None), (None, "gibberish")])
def test_silence_and_wrong_keys_never_leave_a_caller_stuck(
    session: Session, line: Line, state: str, failure: tuple[str | None, str | None]
) -> None:
    at: Position = (state, (state,), 0, ("front_door", "advice"), None, NOTHING)
    for _ in range(line.max_tries):
        at = advance(session, line, at, failure)
    kind = STATES[at[0]].kind
    # danger_now gives up sooner, to the 999 advice: a caller who can't answer may not talk.
    ended = kind in ("transfer", "final") or at[0] == STATES[state].give_up
    assert ended, f"{state} after {line.max_tries} failures is {at[0]}"


@pytest.mark.parametrize("state", [n for n, s in STATES.items() if s.gathers])
def test_zero_reaches_a_person_from_every_prompt(session: Session, line: Line, state: str) -> None:
    at: Position = (state, (state,), 0, NOTHING, None, NOTHING)
    assert advance(session, line, at, ("0", None))[0] in PEOPLE


def test_every_path_ends_in_an_outcome_or_a_transfer(session: Session, line: Line) -> None:
    """From every state, answering with silence alone reaches the end or a person."""
    for state in STATES:
        at: Position = (state, (state,), 0, ("front_door", "advice"), None, NOTHING)
        for _ in range(line.max_tries + 2):
            if not moves(at[0]):
                break
            if STATES[at[0]].kind == "transfer":
                break
            at = advance(session, line, at, (None, None))
        assert STATES[at[0]].kind in ("transfer", "final"), state


def test_the_999_guidance_is_at_most_two_key_presses_from_the_start(
    session: Session, line: Line
) -> None:
    assert any(say.prompt == "danger_999" for say in STATES[INITIAL].says)
    frontier: list[Position] = [(INITIAL, (), 0, NOTHING, None, NOTHING)]
    for _press in range(2):
        frontier = [advance(session, line, at, (k, None)) for at in frontier for k in "123"]
    assert any(at[0] == "emergency_999" for at in frontier)


def test_every_condition_the_flow_names_is_one_a_call_can_answer() -> None:
    """A sentence or a route whose condition the call cannot answer fails its prompt's webhook,
    and the caller gets the safe guidance instead of the menu: found here, not on a call."""
    named = {
        when
        for state in STATES.values()
        for when in [
            *(say.when for say in state.says),
            *(route.when for routes in state.keys.values() for route in routes),
        ]
        if when is not None
    }
    unknown = [when for when in sorted(named) if not callable(getattr(CallFlow, when, None))]
    assert [when for when in unknown if not _answered_by_name(when)] == []


def _answered_by_name(when: str) -> bool:
    """Conditions CallFlow makes from their names (`answered_last_<question>`, the teams')."""
    return when in TEAM_CONDITIONS or when.startswith(("answered_last_", "came_from_"))
