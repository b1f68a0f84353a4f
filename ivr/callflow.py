"""One call moving through the flow: the model the `transitions` machine drives.

Its state, trail and tries live on the call record, so the next webhook can be answered by any
worker: a `CallFlow` lasts for one webhook only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from transitions import EventData

from ivr import records
from ivr.flow import INITIAL, KEY_TRIGGERS, STATES, State
from ivr.line import Line, dialable
from ivr.machine import DIAL_TRIGGERS, call_machine
from ivr.models import Call

Notice = Literal["didnt_hear", "not_a_choice"] | None
NOTICES: dict[str, Notice] = {"silence": "didnt_hear", "invalid": "not_a_choice"}


class CallFlow:
    """The call record seen as a position in the flow, with the conditions the flow asks about."""

    def __init__(self, call: Call, line: Line, now: datetime) -> None:
        self.call = call
        self.line = line
        self.now = now
        # How the caller answered this webhook (key, speech, silence, invalid), for its log line.
        self.input_kind: str | None = None
        # What a spoken answer was understood as, said back before the next prompt ("No.").
        self.understood: str | None = None

    @property
    def state(self) -> str:
        return self.call.state

    @state.setter
    def state(self, value: str) -> None:
        self.call.state = value

    @property
    def declared(self) -> State:
        return STATES[self.call.state]

    # Conditions, named in flow.py and drawn by `ivr graph`.
    def has_tries_left(self, _event: EventData | None = None) -> bool:
        return self.call.tries < self.line.max_tries

    def nspcc_open(self, _event: EventData | None = None) -> bool:
        return self.line.contact_open("nspcc", self.now)

    def nspcc_closed(self, _event: EventData | None = None) -> bool:
        return not self.nspcc_open()

    def has_caller_number(self, _event: EventData | None = None) -> bool:
        return dialable(self.call.caller)

    def has_no_caller_number(self, _event: EventData | None = None) -> bool:
        return not self.has_caller_number()

    def tried_nspcc(self, _event: EventData | None = None) -> bool:
        return self.call.transfer_to == "nspcc"

    def came_from(self, question: str) -> bool:
        """Whether the question before this one was `question`: where "9" goes back to."""
        trail = self.call.trail
        return len(trail) >= 2 and trail[-2] == question

    def __getattr__(self, name: str) -> object:
        if name.startswith("came_from_"):
            question = name.removeprefix("came_from_")
            return lambda _event=None: self.came_from(question)
        raise AttributeError(name)

    # Callbacks.
    def count_try(self, _event: EventData) -> None:
        self.call.tries += 1

    def reset_tries(self, _event: EventData | None = None) -> None:
        self.call.tries = 0

    def entered(self, event: EventData) -> None:
        """Keep the record in step with the state just entered."""
        transition = event.transition
        if transition is None or transition.dest is None:
            return
        call, state = self.call, STATES[transition.dest]
        call.tries = 0
        if state.name == INITIAL:
            call.trail = []
        elif event.event.name == "back":
            call.trail = call.trail[:-1]
        elif state.kind == "question":
            call.trail = [*call.trail, state.name]
        if state.outcome:
            records.settle_outcome(call, state.outcome, state.reason, state.family_informed)
        if state.contact:
            call.transfer_to = (
                self.line.duty_now(self.now).key if state.contact == "duty" else state.contact
            )
            call.transfer_status = None
        if state.name == "callback":
            call.callback_requested = True
        if state.kind == "final":
            records.finish(call, self.now)

    # Driving the machine.
    def _fire(self, trigger: str) -> bool:
        """Fire one trigger on this call; False when it means nothing in the current state.

        The event is fired with this call as its model without adding it to the machine: the
        machine reads and writes the state through `state`, so nothing is bound per webhook.
        """
        machine = call_machine()
        if trigger not in machine.get_triggers(self.state):
            return False
        return bool(machine.events[trigger].trigger(self))

    def answer(
        self, digits: str | None, speech: str | None, confidence: float | None = None
    ) -> Notice:
        """The caller pressed a key, spoke, or said nothing: record it and move on."""
        step = self.call.state
        if not self.declared.gathers:
            return None
        if digits:
            given, kind = digits, "key"
            key = digits if digits in KEY_TRIGGERS else None
        elif speech and speech.strip():
            listens_as = self.line.speech.vocabulary_for(step, self.declared.kind)
            key = self.line.key_for_speech(listens_as, speech, confidence)
            understood = self.line.speech.said_back(listens_as, key) if key else None
            # The key the words stood for is recorded, never the words themselves.
            given, kind = key or "", "speech"
        else:
            given, kind, key = "", "silence", None
        if kind == "silence":
            self._fire("silence")
        elif key is None or not self._fire(KEY_TRIGGERS[key]):
            kind = "invalid"
            self._fire("invalid")
        records.add_step(self.call, step, given, kind, self.now)
        self.input_kind = kind
        if kind == "speech":
            self.understood = understood
        if self.call.state == step and self.call.tries:
            return NOTICES.get(kind)
        return None

    def replayed_notice(self) -> Notice:
        """The notice the last answer earned, so the same webhook delivered twice gets the same
        TwiML (Twilio retries a webhook whose answer it did not receive)."""
        last = records.last_step(self.call)
        if last is None or last.step != self.call.state or not self.call.tries:
            return None
        return NOTICES.get(last.kind)

    def dialled(self, status: str) -> None:
        """Twilio reports how a transfer went; every attempt is a step of the record."""
        records.add_step(self.call, "transfer", status, "dial", self.now)
        # A status Twilio does not document cannot be taken for a connection: offer the others.
        known = status if status in DIAL_TRIGGERS else "failed"
        self.call.transfer_status = known
        if self.declared.kind == "transfer":
            self._fire(DIAL_TRIGGERS[known])
