"""The call flow as a `transitions` machine, built from the declaration in `flow.py`.

One machine is built per process and holds no call: each webhook fires one event with its
call's `CallFlow` as the model, whose state lives on the call record, so any worker can answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

from transitions import Machine

from ivr.flow import (
    INITIAL,
    KEY_TRIGGERS,
    ROUTE_STARTS,
    STATES,
    State,
    question_predecessors,
)

DIAL_TRIGGERS = {
    "completed": "dial_completed",
    "busy": "dial_busy",
    "no-answer": "dial_no_answer",
    "failed": "dial_failed",
    "canceled": "dial_canceled",
}


def transitions() -> Iterator[dict[str, Any]]:
    """Every transition of the flow, in the form `transitions.Machine` takes."""
    predecessors = question_predecessors()
    for state in STATES.values():
        yield from _state_transitions(state, predecessors.get(state.name, []))


def _state_transitions(state: State, previous: list[str]) -> Iterator[dict[str, Any]]:
    source = state.name
    if state.kind == "transfer":
        for status, trigger in DIAL_TRIGGERS.items():
            dest = state.after_connect if status == "completed" else "not_connected"
            yield {"trigger": trigger, "source": source, "dest": dest}
        return
    if not state.gathers:
        return
    for key, routes in state.keys.items():
        for route in routes:
            yield {
                "trigger": KEY_TRIGGERS[key],
                "source": source,
                "dest": route.dest,
                **({"conditions": route.when} if route.when else {}),
                **({"after": f"record_consent_{route.consent}"} if route.consent else {}),
            }
    yield {"trigger": "repeat", "source": source, "dest": None, "after": "reset_tries"}
    if "0" not in state.keys:
        yield {"trigger": "operator", "source": source, "dest": "transfer"}
    if state.kind == "advice" and "1" not in state.keys:
        yield {"trigger": "press_1", "source": source, "dest": None, "after": "reset_tries"}
    if state.kind == "advice":
        # "9 back to the previous question" on every prompt: the advice of a wrong last answer
        # can be put right (the record keeps every step; records.outranks says which advice
        # stands as the outcome).
        for before in previous:
            condition = {"conditions": f"answered_last_{before}"} if len(previous) > 1 else {}
            yield {"trigger": "back", "source": source, "dest": before, **condition}
    if state.kind == "question":
        if source in ROUTE_STARTS:
            yield {"trigger": "back", "source": source, "dest": INITIAL}
        for before in previous:
            condition = {"conditions": f"came_from_{before}"} if len(previous) > 1 else {}
            yield {"trigger": "back", "source": source, "dest": before, **condition}
    failures = ["silence", "invalid"]
    if state.on_silence:
        yield {"trigger": "silence", "source": source, "dest": state.on_silence}
        failures = ["invalid"]
    for trigger in failures:
        yield {
            "trigger": trigger,
            "source": source,
            "dest": None,
            "prepare": "count_try",
            "conditions": "has_tries_left",
        }
        yield {"trigger": trigger, "source": source, "dest": state.give_up}


def machine_arguments() -> dict[str, Any]:
    """The arguments both the call machine and `ivr graph`'s diagram machine are built from."""
    return {
        "states": list(STATES),
        "transitions": list(transitions()),
        "initial": INITIAL,
        "auto_transitions": False,
        "send_event": True,
        "after_state_change": "entered",
    }


@cache
def call_machine() -> Machine:
    """The one machine this process drives every call with."""
    return Machine(model=None, **machine_arguments())
