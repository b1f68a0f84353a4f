"""One call moving through the flow: the model the `transitions` machine drives.

Its state, trail and tries live on the call record, so the next webhook can be answered by any
worker: a `CallFlow` lasts for one webhook only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy.orm import Session
from transitions import EventData

from ivr import records
from ivr.flow import INITIAL, KEY_TRIGGERS, REFERRALS, ROUTE_STARTS, STATES, State
from ivr.hours import Contact
from ivr.line import TEAM_CONDITIONS, Line, dialable
from ivr.machine import DIAL_TRIGGERS, call_machine
from ivr.messaging import heartbeat, outbox
from ivr.models import Call

# What the line says before a prompt heard again: silence, a wrong answer, or "*" (nothing).
Notice = Literal["didnt_hear", "not_a_choice", "again"] | None
NOTICES: dict[str, Notice] = {"silence": "didnt_hear", "invalid": "not_a_choice"}
REPEAT = "*"
# The conditions that promise a message a worker must send (ivr.messaging.heartbeat).
NEEDS_WORKER = frozenset({"callback_offered", "advice_text_offered"})


class CallFlow:
    """The call record seen as a position in the flow, with the conditions the flow asks about."""

    def __init__(self, call: Call, line: Line, now: datetime) -> None:
        self.call = call
        self.line = line
        self.now = now
        # How the caller answered this webhook (key, speech, silence, invalid), for its log line.
        self.input_kind: str | None = None
        # Whether the prompt about to be spoken is heard again (render sets it from the notice).
        self.reprompt = False
        # What a spoken answer was understood as, said back before the next prompt ("No.").
        self.understood: str | None = None
        self._worker_running: bool | None = None

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
        return self.call.tries < int(self.line.config["menus"][self.declared.tries_setting])

    def first_time(self, _event: EventData | None = None) -> bool:
        """The start of the call: the service's name and "no names needed" are said once."""
        return self.call.step_count == 0

    def needs_key_help(self, _event: EventData | None = None) -> bool:
        return self.reprompt or self.call.state in ROUTE_STARTS

    def office_is_open(self, _event: EventData | None = None) -> bool:
        return self.line.office_open(self.now)

    def office_is_closed(self, _event: EventData | None = None) -> bool:
        return not self.office_is_open()

    def office_closed_today(self, _event: EventData | None = None) -> bool:
        return self.line.office_closed_today(self.now)

    def usual_hours_today(self, _event: EventData | None = None) -> bool:
        """Today the office keeps its weekly hours (a Saturday too: it keeps none)."""
        return not self.office_closed_today()

    def adults_same_team(self, _event: EventData | None = None) -> bool:
        """Whether the team on call for adults now is the children's one (out of hours)."""
        return self.line.adult_duty_now(self.now).key == self.line.duty_now(self.now).key

    def adults_elsewhere(self, _event: EventData | None = None) -> bool:
        return not self.adults_same_team()

    def nspcc_open(self, _event: EventData | None = None) -> bool:
        return self.line.contact_open("nspcc", self.now)

    def nspcc_closed(self, _event: EventData | None = None) -> bool:
        return not self.nspcc_open()

    def consent_refused(self, _event: EventData | None = None) -> bool:
        return self.call.consent == "refused"

    def consent_not_asked(self, _event: EventData | None = None) -> bool:
        return self.call.consent == "not_asked"

    def tried_nspcc(self, _event: EventData | None = None) -> bool:
        return self.call.transfer_to == "nspcc"

    def tried_duty(self, _event: EventData | None = None) -> bool:
        return not self.tried_nspcc()

    def nspcc_retry_offered(self, _event: EventData | None = None) -> bool:
        """The NSPCC is offered only while it is open, a second time as the first."""
        return self.tried_nspcc() and self.nspcc_open()

    def team_now(self) -> Contact | None:
        """Who answers now for what the failed transfer was for (the children's or the adult
        duty team, or the NSPCC): whom the not-connected menu names, 1 dials and 2 asks for a
        call back. The record keeps the team that was dialled."""
        return self.line.on_call_for(self.call.transfer_to, self.call.transfer_reason, self.now)

    def team_changed(self, _event: EventData | None = None) -> bool:
        """The team tried went off duty while it rang (the office closed, or opened): the
        caller must be sent to the one on duty now, not to a team gone until morning."""
        team = self.team_now()
        return team is not None and team.key != self.call.transfer_to

    def team_unchanged(self, _event: EventData | None = None) -> bool:
        return not self.team_changed()

    def retry_offered(self, _event: EventData | None = None) -> bool:
        """Whether "try again" is said, where 1 dials the same team again: not where the team
        went off duty (1 is then said to put the caller through to the one on duty now), and
        not for the NSPCC once it has closed."""
        return self.team_unchanged() and (self.tried_duty() or self.nspcc_open())

    def referral_pending(self, _event: EventData | None = None) -> bool:
        """A referral transfer is what did not connect: the caller must hear it was not made.

        The transfer's own reason decides, not the outcome: a less urgent advice given first
        stays on the record (share_anonymised's "press 0"), and the referral is one all the same.
        """
        return self.call.transfer_reason in REFERRALS

    def adult_referral_pending(self, _event: EventData | None = None) -> bool:
        return self.call.transfer_reason == "adult_referral"

    def callback_offered(self, _event: EventData | None = None) -> bool:
        """Only a duty team with a call-back channel (the one on call now: a front door gone
        until Monday keeps no promise), only to a number that can be rung, and only while a
        worker runs to send the request."""
        team = self.team_now()
        return (
            team is not None
            and outbox.can_call_back(self.line.config, team.key)
            and dialable(self.call.caller)
            and self.worker_running()
        )

    def advice_text_offered(self, _event: EventData | None = None) -> bool:
        """A mobile caller, advice given, texts that can be sent (ivr.messaging), and a worker
        running to send it."""
        advice = self.declared
        return (
            outbox.can_text_advice(self.call, advice.outcome, advice.reason)
            and self.worker_running()
        )

    def look_ahead(self) -> None:
        """Read now what the prompt about to be spoken asks of the database: it is rendered
        after the webhook's transaction has committed."""
        for item in self.declared.says:
            if item.when in NEEDS_WORKER:
                getattr(self, item.when)()

    def worker_running(self) -> bool:
        """Read once per webhook, and only where a message would be offered."""
        if self._worker_running is None:
            db = records.database_of(self.call)
            if db is None:
                raise RuntimeError("a call's flow needs the call loaded from the database")
            self._worker_running = heartbeat.running(db.connection(), self.now, self.line.config)
        return self._worker_running

    @property
    def session(self) -> Session:
        """The webhook's own transaction: messages are queued in it, or not at all."""
        found = records.session_of(self.call)
        if found is None:
            raise RuntimeError("a call's flow needs the call loaded from the database")
        return found

    def came_from(self, question: str) -> bool:
        """Whether the question before this one was `question`: where "9" goes back to."""
        trail = self.call.trail
        return len(trail) >= 2 and trail[-2] == question

    def answered_last(self, question: str) -> bool:
        """Whether `question` was the last one answered: where "9" on an advice goes back to."""
        trail = self.call.trail
        return bool(trail) and trail[-1] == question

    def __getattr__(self, name: str) -> object:
        if name.startswith("answered_last_"):
            question = name.removeprefix("answered_last_")
            return lambda _event=None: self.answered_last(question)
        if name.startswith("came_from_"):
            question = name.removeprefix("came_from_")
            return lambda _event=None: self.came_from(question)
        if name in TEAM_CONDITIONS:
            return lambda _event=None: self.line.team_conditions()[name]
        if name.startswith("record_consent_"):
            consent = name.removeprefix("record_consent_")
            return lambda _event=None: setattr(self.call, "consent", consent)
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
            # Back from an advice leaves the trail as it was: it ends with the question it led from.
            if STATES[transition.source].kind == "question":
                call.trail = call.trail[:-1]
        elif state.kind == "question":
            call.trail = [*call.trail, state.name]
        if state.outcome:
            records.settle_outcome(call, state.outcome, state.reason, state.family_informed)
        if state.family_informed:
            # The answer to inform_family, even where an earlier advice keeps the outcome.
            call.family_informed = state.family_informed
        if state.contact:
            call.transfer_to = self.line.contact_for(state.contact, self.now).key
            call.transfer_status, call.transfer_reason = None, state.whisper
        if state.name == "callback":
            call.callback_requested = True
            outbox.request_callback(self.session, call, self.now, outbox.public_link_base())
        if state.name == "advice_texted":
            # The advice the caller was hearing when they asked for it by text.
            heard = STATES[transition.source]
            outbox.queue_advice_text(self.session, call, self.now, heard.outcome, heard.reason)
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
        """The caller pressed a key, spoke, or said nothing: record it and move on.

        A spoken answer is recorded as the key it stood for, never as the words; `confidence`
        is Twilio's for the words, which the matcher may find too low to act on.
        """
        step = self.call.state
        if not self.declared.gathers:
            return None
        key: str | None
        if digits:
            kind, key = "key", digits if digits in KEY_TRIGGERS else None
        elif speech and speech.strip():
            listens_as = self.line.speech.vocabulary_for(step, self.declared.kind)
            kind, key = "speech", self.line.key_for_speech(listens_as, speech, confidence)
        else:
            kind, key = "silence", None
        if kind == "silence":
            self._fire("silence")
        elif key is None or not self._fire(KEY_TRIGGERS[key]):
            kind, key = "invalid", digits if kind == "key" else None
            self._fire("invalid")
        records.add_step(self.call, step, key or "", kind, self.now)
        self.input_kind = kind
        if kind == "speech" and key:
            self.understood = self.line.speech.said_back(listens_as, key)
        return self._notice(step, kind, key)

    def _notice(self, step: str, kind: str, key: str | None) -> Notice:
        if self.call.state != step:
            return None
        if key == REPEAT and kind != "invalid":
            return "again"
        return NOTICES.get(kind) if self.call.tries else None

    def replayed_notice(self) -> Notice:
        """The notice the last answer earned, so the same webhook delivered twice gets the same
        TwiML (Twilio retries a webhook whose answer it did not receive)."""
        last = records.last_step(self.call)
        if last is None or last.step != self.call.state:
            return None
        return self._notice(last.step, last.kind, last.input or None)

    def dialled(self, status: str) -> None:
        """Twilio reports how a transfer went; every attempt is a step of the record.

        Twilio requests the <Dial> action when the transfer ends, also when the caller hung up,
        so the result can come after its status callback closed the record: it is still what
        happened to the transfer, but the call goes no further (nobody hears a next prompt),
        and the transfer, which cannot outlast the call, is put at the call's end, not after.
        """
        over = records.closed(self.call)
        at = min(self.now, self.call.ended_at or self.now) if over else self.now
        records.add_step(self.call, "transfer", status, "dial", at)
        # A status Twilio does not document cannot be taken for a connection: offer the others.
        known = status if status in DIAL_TRIGGERS else "failed"
        self.call.transfer_status = known
        if self.declared.kind == "transfer" and not over:
            self._fire(DIAL_TRIGGERS[known])
