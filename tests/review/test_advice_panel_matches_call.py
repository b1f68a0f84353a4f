"""What a supervisor reads on a call's page is what happened on the call, whatever was pressed.

A call is played with keys drawn at random (going back with 9, repeating, silence, the operator,
transfers that connect or not), in office hours or out of hours; then the call's page must show
as "Advice given" exactly the advice sentences the caller heard for the advice on the record, and
beside the outcome only the agreement and family answers on the way to that advice.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ivr import db
from ivr.flow import ADVICE_OUTCOMES, INITIAL, QUESTIONS, STATES, State, prompt_keys
from ivr.models import Call
from ivr.phone import FlaskTransport, Phone
from ivr.phone.answerers import DIAL_STATUSES, GatherSpec
from ivr.phone.log import CallLog
from ivr.review import display
from ivr.review.advice import FRAMING
from tests.conftest import CALLER, INCOMING, TOKEN, WEDNESDAY_11AM, Clock, prompt_pattern

# Silence is an empty answer; None hangs up. The answers come up more often than the other keys,
# so that calls reach the advice deep in the decision route, and go back from it, often enough.
KEYS = ("1", "2", "3") * 4 + ("9", "9", "*", "0", "", None)
PRESSES = 12
# Before the supervisor's login at 11am, so reading the page never ends their session.
MOMENTS = {
    "office hours": datetime(2026, 11, 25, 10, 0, tzinfo=UTC),
    "out of hours": datetime(2026, 11, 25, 6, 30, tzinfo=UTC),
}
# The answers the Outcome row words, from the questions that ask them.
ANSWERED_BY = {"inform_family": "the family", "agreement": "agreement"}
QUESTION_NAMES = frozenset(q.name for q in QUESTIONS)
ASKING = QUESTION_NAMES | {INITIAL}
# Said before a prompt heard again.
NOTICES = frozenset({"didnt_hear", "not_a_choice"})
PANEL = re.compile(r'<div class="govuk-inset-text advice">(.*?)</div>', re.DOTALL)
OUTCOME_ROW = re.compile(r'Outcome</dt><dd class="govuk-summary-list__value">(.*?)</dd>', re.DOTALL)


class DrawnAnswerer:
    """A caller whose every key, and every transfer's result, hypothesis draws as the call goes."""

    def __init__(self, data: st.DataObject) -> None:
        self._data = data
        self._left = PRESSES

    def say(self, text: str) -> None:
        """The drawn caller does not listen."""

    def gather(self, gather: GatherSpec) -> str | None:
        if not self._left:
            return None
        self._left -= 1
        return self._data.draw(st.sampled_from(KEYS), label="key")

    def dial(self, number: str) -> str:
        return self._data.draw(st.sampled_from(DIAL_STATUSES), label="transfer")


def _literal(template: str) -> int:
    return len(re.sub(r"\{[^}]*\}", "", template))


@dataclass
class Response:
    """What one response of the line said (as prompt keys), and the key the caller answered it
    with: one state spoken, or None where the caller hung up or a transfer followed."""

    heard: list[str] = field(default_factory=list)
    key: str | None = None

    @property
    def asked(self) -> str | None:
        """The question or menu this response asked, by its own sentence."""
        return next((k for k in self.heard if k in ASKING), None)


def responses_of(app: Flask, log: CallLog) -> list[Response]:
    sentences = app.extensions["ivr.line"].prompts["sentences"]
    patterns = {key: prompt_pattern(sentences[key]) for key in prompt_keys()}
    responses: list[Response] = []
    for event in log.events:
        if event.kind == "request":
            responses.append(Response())
        elif event.kind == "say":
            # "Or press 0 for {duty_name}." matches its out-of-hours wording too: the longest wins.
            matching = [key for key, pattern in patterns.items() if pattern.match(event.text)]
            if matching:
                responses[-1].heard.append(max(matching, key=lambda k: _literal(sentences[k])))
        elif event.kind == "answer" and event.text != "hangup":
            responses[-1].key = event.text
    return responses


def standing_states(outcome: str | None, reason: str | None) -> list[State]:
    return [
        s
        for s in STATES.values()
        if s.kind in ("advice", "transfer") and (s.outcome, s.reason) == (outcome, reason)
    ]


def speaks(states: list[State], response: Response) -> bool:
    """Whether this response spoke one of these states: all it said, bar a notice, is theirs."""
    said = set(response.heard) - NOTICES
    return bool(said) and said <= {say.prompt for s in states for say in s.says}


def heard_for(states: list[State], responses: list[Response]) -> set[str]:
    """The advice sentences heard in the responses that spoke one of these states."""
    advice = {say.prompt for s in states for say in s.says} - FRAMING
    return {key for r in responses if speaks(states, r) for key in r.heard if key in advice}


def answers_on_the_way(states: list[State], responses: list[Response]) -> list[str]:
    """The agreement and family answers given on the way to each hearing of these states, in the
    Outcome row's words. A question stays on the way until 9 goes back from it, or the main menu
    starts the way again; going back from an advice leaves the way as it was."""
    way: list[str] = []
    given: dict[str, str] = {}
    shown: list[str] = []
    before = Response(["start"])
    for response in responses:
        asked = response.asked
        if asked == INITIAL:
            way = []
        elif asked in QUESTION_NAMES and asked != before.asked:
            if before.key != "9":
                way = [*way, asked]
            elif before.asked in QUESTION_NAMES:
                way = way[:-1]
        if speaks(states, response):
            shown += [f"{ANSWERED_BY[q]}: {given[q]}" for q in way if q in given]
        if asked in ANSWERED_BY and response.key in STATES[asked].keys:
            route = STATES[asked].keys[response.key][0]
            kept = route.consent or STATES[route.dest].family_informed
            given[asked] = display.phrase(kept).lower()
        if response.heard:
            before = response
    return list(dict.fromkeys(shown))


def panel(app: Flask, page: str, log: CallLog | None = None) -> set[str]:
    """The prompt keys of the sentences the page shows as "Advice given"; given the call's log,
    each must be word for word a sentence the caller heard (its teams and numbers filled in)."""
    found = PANEL.search(page)
    if found is None:
        return set()
    shown = [html.unescape(p) for p in re.findall(r"<p[^>]*>(.*?)</p>", found.group(1))]
    assert not [text for text in shown if "{" in text], f"a placeholder left unfilled: {shown}"
    if log is not None:
        said = {event.text for event in log.events if event.kind == "say"}
        assert set(shown) <= said, f"the panel words it otherwise: {set(shown) - said}"
    sentences = app.extensions["ivr.line"].prompts["sentences"]
    keys = set()
    for text in shown:
        matching = [k for k in prompt_keys() if prompt_pattern(sentences[k]).match(text)]
        assert matching, f"the panel shows words the line never says: {text}"
        keys.add(max(matching, key=lambda k: _literal(sentences[k])))
    return keys


def outcome_answers(page: str) -> list[str]:
    """The answers the Outcome row gives beside the outcome, one "question: answer" each."""
    row = OUTCOME_ROW.search(page)
    assert row is not None, "the page has no Outcome row"
    shown = []
    for part in html.unescape(row.group(1)).split("; ")[1:]:
        question, answers = part.split(": ", 1)
        shown += [f"{question}: {answer}" for answer in answers.split(", then ")]
    return shown


def test_the_advice_panel_and_outcome_row_match_the_call(
    app: Flask, supervisor: FlaskClient, clock: Clock
) -> None:
    @settings(
        max_examples=200,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data(), hours=st.sampled_from(sorted(MOMENTS)))
    def play(data: st.DataObject, hours: str) -> None:
        clock.now = MOMENTS[hours]
        log = Phone(FlaskTransport(app), INCOMING, TOKEN, DrawnAnswerer(data), caller=CALLER).call()
        assert not [e for e in log.events if e.kind == "error"], log.events
        clock.now = WEDNESDAY_11AM + timedelta(seconds=1)
        with app.app_context(), db.session() as session:
            found = session.query(Call).filter_by(call_sid=log.call_sid).one()
            call_id, outcome, reason = found.id, found.outcome, found.reason
        page = supervisor.get(f"/review/calls/{call_id}").get_data(as_text=True)
        responses = responses_of(app, log)
        shown = panel(app, page, log)
        everything = {key for r in responses for key in r.heard}
        assert shown <= everything, f"the panel shows advice never said: {shown - everything}"
        states = standing_states(outcome, reason)
        if outcome in ADVICE_OUTCOMES:
            heard = heard_for(states, responses)
            assert shown <= heard, f"the panel shows {shown - heard}, not said for {outcome}"
            assert heard <= shown, f"the caller heard {heard - shown}, missing from the panel"
        assert outcome_answers(page) == answers_on_the_way(states, responses)

    play()


def test_lawful_basis_advice_is_worded_from_the_agreement_answer_it_was_given_on(
    supervisor: FlaskClient, call
) -> None:
    """Not asked, so may share anyway; then back past it with 9 to "they refused" and the respect
    wishes advice: the lawful-basis advice stands, as heard with "not asked", whatever the record's
    latest agreement answer."""
    played = call("2", "2", "1", "1", "3", "1", "9", "9", "2", "2", "")
    played.hears("lawful_basis_not_asked", "advice_respect_wishes").never_hears(
        "lawful_basis_refused"
    )
    assert (played.record["reason"], played.record["consent"]) == ("lawful_basis", "refused")
    page = supervisor.get("/review/calls/1").get_data(as_text=True)
    assert panel(supervisor.application, page) == {
        "advice_lawful_basis",
        "lawful_basis_not_asked",
        "checklist",
        "record_shared",
    }
    assert outcome_answers(page) == ["agreement: not asked"]


def test_a_family_answer_off_the_way_to_the_999_advice_is_not_shown_beside_it(
    supervisor: FlaskClient, call
) -> None:
    """Don't tell the family, a busy duty team, then the main menu and the 999 advice: the family
    answer stays on the record, but the 999 advice was not given on it."""
    played = call("2", "1", "1", "busy", "9", "1", "1", "")
    assert (played.record["outcome"], played.record["family_informed"]) == (
        "emergency_999",
        "not_first",
    )
    page = supervisor.get("/review/calls/1").get_data(as_text=True)
    assert "advice_emergency_999" in panel(supervisor.application, page)
    assert outcome_answers(page) == []


def test_a_call_taken_under_an_earlier_flow_still_opens_without_advice_claimed(
    app: Flask, supervisor: FlaskClient, call
) -> None:
    """A step naming a state this flow no longer has (a record kept from an earlier version):
    the page opens, and claims no advice it cannot know was said."""
    played = call("1", "2", "1", "")
    assert played.record["outcome"] == "referral"
    with app.app_context(), db.session() as session:
        found = session.query(Call).one()
        found.steps[0].step = "an_earlier_question"
    page = supervisor.get("/review/calls/1")
    assert page.status_code == 200
    assert panel(app, page.get_data(as_text=True)) == set()
