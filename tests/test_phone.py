"""The terminal phone must play TwiML the way Twilio does, or tests built on it prove nothing."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import ClassVar

import flask
import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator
from werkzeug.serving import make_server

from ivr.phone import (
    GATHER_PROMPT,
    CallLog,
    ConsoleAnswerer,
    Event,
    FlaskTransport,
    GatherSpec,
    HttpTransport,
    Phone,
    Reply,
    ScriptedAnswerer,
)

TOKEN = "test-auth-token"
BASE = "http://localhost"
START = f"{BASE}/voice/incoming"
SPEC = GatherSpec("dtmf", None, 5, START, "POST", "", "en-US")


@dataclass
class Hit:
    """One request the test line received."""

    path: str
    query: dict[str, str]
    form: dict[str, str]
    signed: bool
    headers: dict[str, str]


class Line:
    """A tiny voice app serving fixed TwiML by path and remembering every request."""

    def __init__(self, docs: dict[str, str | Reply]) -> None:
        self.docs = docs
        self.hits: list[Hit] = []
        self.app = flask.Flask(__name__)
        self.app.add_url_rule("/<path:path>", view_func=self._serve, methods=["POST"])

    def _serve(self, path: str) -> flask.Response:
        form = flask.request.form.to_dict()
        signature = flask.request.headers.get("X-Twilio-Signature", "")
        signed = RequestValidator(TOKEN).validate(flask.request.url, form, signature)
        query = flask.request.args.to_dict()
        self.hits.append(Hit(f"/{path}", query, form, signed, dict(flask.request.headers)))
        doc = self.docs.get(f"/{path}")
        if doc is None:
            return flask.Response("", status=204 if path == "voice/status" else 404)
        if isinstance(doc, Reply):
            return flask.Response(doc.body, status=doc.status, content_type=doc.content_type)
        return flask.Response(f"<Response>{doc}</Response>", content_type="text/xml")

    def paths(self) -> list[str]:
        return [hit.path for hit in self.hits]

    def hit(self, path: str) -> Hit:
        (only,) = [hit for hit in self.hits if hit.path == path]
        return only


def ring(line: Line, entries: Sequence[str] = (), **options: object) -> CallLog:
    return Phone(
        FlaskTransport(line.app), START, TOKEN, ScriptedAnswerer(entries), **options
    ).call()


def kinds(log: CallLog) -> list[str]:
    return [event.kind for event in log.events]


class HangsUpOnDial(ScriptedAnswerer):
    """A caller who gives up while being transferred."""

    def dial(self, number: str) -> None:
        return None


MENU = '<Gather action="/voice/menu" numDigits="1"><Say>Press 1 for help.</Say></Gather>'


def test_key_posts_digits_to_the_action_signed_with_call_params() -> None:
    line = Line({"/voice/incoming": MENU, "/voice/menu": "<Say>You chose help.</Say>"})
    log = ring(line, ["1"], caller="+447700900999", call_sid="CA" + "1" * 32)
    assert line.paths() == ["/voice/incoming", "/voice/menu", "/voice/status"]
    assert all(hit.signed for hit in line.hits)
    first, menu = line.hits[0].form, line.hits[1].form
    assert first["CallStatus"] == "ringing"
    assert menu["CallStatus"] == "in-progress"
    assert menu["Digits"] == "1"
    assert menu["From"] == "+447700900999"
    assert menu["To"] == "+441212345678"  # phonenumbers' example UK landline
    assert menu["CallSid"] == "CA" + "1" * 32 == log.call_sid
    assert menu["AccountSid"] == first["AccountSid"]
    assert menu["AccountSid"].startswith("AC")
    assert len(menu["AccountSid"]) == 34
    assert (menu["Direction"], menu["ApiVersion"]) == ("inbound", "2010-04-01")
    assert log.said() == ["Press 1 for help.", "You chose help."]
    assert log.ended_by == "end"
    assert Event("answer", "1", {"Digits": "1"}) in log.events


def test_a_wrong_auth_token_gives_signatures_the_line_rejects() -> None:
    line = Line({"/voice/incoming": "<Say>Hello</Say>"})
    Phone(FlaskTransport(line.app), START, "other-token", ScriptedAnswerer([])).call()
    assert [hit.signed for hit in line.hits] == [False, False]


def test_generated_call_sid_is_twilio_shaped_and_kept_for_the_call() -> None:
    line = Line({"/voice/incoming": "<Say>Hello</Say>"})
    log = ring(line)
    assert log.call_sid.startswith("CA")
    assert len(log.call_sid) == 34
    assert set(log.call_sid[2:]) <= set("0123456789abcdef")
    assert {hit.form["CallSid"] for hit in line.hits} == {log.call_sid}


def test_events_record_verbs_in_order_with_their_attributes() -> None:
    line = Line(
        {
            "/voice/incoming": (
                '<Say language="en-GB" voice="Polly.Amy">Welcome</Say>'
                '<Play>https://example.com/tone.mp3</Play><Pause length="2"/>' + MENU
            ),
            "/voice/menu": "<Hangup/>",
        }
    )
    log = ring(line, ["1"])
    assert kinds(log) == [
        "request",
        "say",
        "play",
        "pause",
        "gather",
        "say",
        "answer",
        "request",
        "hangup",
        "request",
    ]
    assert log.events[1] == Event("say", "Welcome", {"language": "en-GB", "voice": "Polly.Amy"})
    assert log.events[2].text == "https://example.com/tone.mp3"
    assert log.events[3].attrs == {"length": "2"}
    assert log.events[4].attrs == {"action": "/voice/menu", "numDigits": "1"}
    assert log.requests()[0].attrs == {"url": START, "status": "200"}
    assert log.heard() == "Welcome Press 1 for help."


def test_say_reaches_the_answerer_as_it_is_reached() -> None:
    heard: list[str] = []
    line = Line({"/voice/incoming": "<Say>One</Say>" + MENU + "<Say>Two</Say>"})
    answerer = ConsoleAnswerer(read=lambda prompt: "h", write=heard.append)
    Phone(FlaskTransport(line.app), START, TOKEN, answerer).call()
    assert heard == ["One", "Press 1 for help."]


def test_silence_falls_through_to_the_next_verb() -> None:
    line = Line({"/voice/incoming": MENU + "<Say>We did not hear a choice.</Say>"})
    log = ring(line, [""])
    assert line.paths() == ["/voice/incoming", "/voice/status"]
    assert log.said() == ["Press 1 for help.", "We did not hear a choice."]
    assert Event("answer", "", {}) in log.events
    assert log.ended_by == "end"


def test_action_on_empty_result_posts_the_action_without_digits() -> None:
    line = Line(
        {
            "/voice/incoming": '<Gather action="/voice/menu" actionOnEmptyResult="true"/>'
            "<Say>Not reached</Say>",
            "/voice/menu": "<Say>Nothing pressed</Say>",
        }
    )
    log = ring(line, [""])
    assert "Digits" not in line.hit("/voice/menu").form
    assert log.said() == ["Nothing pressed"]


@pytest.mark.parametrize(
    ("action", "path", "query"),
    [
        ("/voice/gather?n=3", "/voice/gather", {"n": "3"}),
        ("gather?n=3&step=a", "/voice/gather", {"n": "3", "step": "a"}),
        ("http://localhost/other/place", "/other/place", {}),
    ],
)
def test_relative_actions_resolve_against_the_document_url(
    action: str, path: str, query: dict[str, str]
) -> None:
    line = Line({"/voice/incoming": f'<Gather action="{action.replace("&", "&amp;")}"/>'})
    log = ring(line, ["7"])
    assert line.hits[1].path == path
    assert line.hits[1].query == query
    assert line.hits[1].signed
    assert log.requests()[1].attrs["url"] == "http://localhost" + path + (
        "?" + action.split("?")[1] if query else ""
    )


def test_gather_without_action_posts_back_to_its_own_document() -> None:
    line = Line({"/voice/incoming": "<Gather/>"})
    ring(line, ["5"])
    assert line.paths()[:2] == ["/voice/incoming", "/voice/incoming"]
    assert line.hits[1].form["Digits"] == "5"


def test_gather_spec_carries_the_attributes_and_twilio_defaults() -> None:
    seen: list[GatherSpec] = []

    class Recording(ScriptedAnswerer):
        def gather(self, gather: GatherSpec) -> str | None:
            seen.append(gather)
            return super().gather(gather)

    line = Line(
        {
            "/voice/incoming": '<Gather input="dtmf speech" numDigits="4" timeout="9" '
            'action="next" method="post" hints="help, urgent" language="en-GB"/><Gather/>'
        }
    )
    Phone(FlaskTransport(line.app), START, TOKEN, Recording(["", ""])).call()
    assert seen == [
        GatherSpec("dtmf speech", 4, 9, f"{BASE}/voice/next", "POST", "help, urgent", "en-GB"),
        GatherSpec("dtmf", None, 5, START, "POST", "", "en-US"),
    ]


def test_speech_is_posted_when_the_gather_listens_for_it() -> None:
    line = Line(
        {
            "/voice/incoming": '<Gather input="dtmf speech" action="/voice/said"/>',
            "/voice/said": "<Say>Thanks</Say>",
        }
    )
    log = ring(line, ["I need advice"])
    form = line.hit("/voice/said").form
    assert (form["SpeechResult"], form["Confidence"]) == ("I need advice", "0.9")
    assert "Digits" not in form
    assert log.said() == ["Thanks"]


def test_keys_on_a_speech_and_dtmf_gather_are_digits() -> None:
    line = Line({"/voice/incoming": '<Gather input="speech dtmf" action="/voice/said"/>'})
    ring(line, ["3"])
    assert line.hit("/voice/said").form["Digits"] == "3"
    assert "SpeechResult" not in line.hit("/voice/said").form


@pytest.mark.parametrize(
    ("gather", "answer"),
    [
        ('<Gather action="/voice/next"/>', "I need advice"),
        ('<Gather input="dtmf" action="/voice/next"/>', "help"),
        ('<Gather input="speech" action="/voice/next"/>', "2"),
    ],
)
def test_input_the_gather_does_not_listen_for_counts_as_silence(gather: str, answer: str) -> None:
    line = Line({"/voice/incoming": gather + "<Say>Fell through</Say>"})
    log = ring(line, [answer])
    assert "/voice/next" not in line.paths()
    assert log.said() == ["Fell through"]
    assert log.ended_by == "end"


@pytest.mark.parametrize(
    ("attributes", "keys", "digits"),
    [
        ('numDigits="2"', "1234", "12"),
        ('numDigits="1"', "9", "9"),
        ("", "12#5", "12"),
        ('finishOnKey="*"', "12#*5", "12#"),
        ('finishOnKey=""', "12#5", "12#5"),
        ('numDigits="3"', "1#234", "1"),
    ],
)
def test_digits_stop_at_num_digits_or_finish_on_key(
    attributes: str, keys: str, digits: str
) -> None:
    line = Line({"/voice/incoming": f'<Gather action="/voice/next" {attributes}/>'})
    ring(line, [keys])
    assert line.hit("/voice/next").form["Digits"] == digits


def test_only_the_finish_key_is_silence() -> None:
    line = Line({"/voice/incoming": '<Gather action="/voice/next"/><Say>Again</Say>'})
    log = ring(line, ["#"])
    assert "/voice/next" not in line.paths()
    assert log.said() == ["Again"]


@settings(max_examples=40, deadline=None)
@given(keys=st.text(alphabet="0123456789*#", min_size=1), num_digits=st.integers(1, 6))
def test_posted_digits_are_a_finish_free_prefix_within_num_digits(
    keys: str, num_digits: int
) -> None:
    line = Line({"/voice/incoming": f'<Gather action="/voice/next" numDigits="{num_digits}"/>'})
    ring(line, [keys])
    posted = [hit.form["Digits"] for hit in line.hits if hit.path == "/voice/next"]
    expected = keys.split("#")[0][:num_digits]
    assert posted == ([expected] if expected else [])


def test_caller_hanging_up_at_a_gather_ends_the_call() -> None:
    line = Line({"/voice/incoming": MENU + "<Say>Not reached</Say>"})
    log = ring(line, ["h"])
    assert log.ended_by == "caller"
    assert log.said() == ["Press 1 for help."]
    assert log.events[-3:-1] == [Event("answer", "hangup"), Event("hangup", "caller")]
    assert line.paths() == ["/voice/incoming", "/voice/status"]


@pytest.mark.parametrize("status", ["completed", "busy", "no-answer", "failed", "canceled"])
def test_dial_with_action_posts_the_dial_call_status(status: str) -> None:
    line = Line(
        {
            "/voice/incoming": '<Dial action="/voice/after-dial?leg=1" timeout="20">'
            "<Number>+441632960000</Number></Dial><Say>Not reached</Say>",
            "/voice/after-dial": "<Say>Back from the transfer</Say>",
        }
    )
    answerer = ScriptedAnswerer([status])
    log = Phone(FlaskTransport(line.app), START, TOKEN, answerer).call()
    hit = line.hit("/voice/after-dial")
    assert hit.form["DialCallStatus"] == status
    assert hit.form["DialCallDuration"] == ("42" if status == "completed" else "0")
    assert hit.query == {"leg": "1"}
    assert hit.signed
    dial = next(event for event in log.events if event.kind == "dial")
    assert dial.text == "+441632960000"
    assert dial.attrs == {"action": "/voice/after-dial?leg=1", "timeout": "20", "status": status}
    assert log.said() == ["Back from the transfer"]
    assert answerer.remaining == []


def test_dial_without_action_continues_with_the_next_verb() -> None:
    line = Line({"/voice/incoming": "<Dial>+441632960001</Dial><Say>After the call</Say>"})
    answerer = ScriptedAnswerer(["busy"])
    log = Phone(FlaskTransport(line.app), START, TOKEN, answerer).call()
    assert Event("dial", "+441632960001", {"status": "busy"}) in log.events
    assert log.said() == ["After the call"]
    assert line.paths() == ["/voice/incoming", "/voice/status"]
    assert answerer.remaining == []


def test_caller_hanging_up_during_a_dial_posts_canceled_and_ends() -> None:
    line = Line(
        {
            "/voice/incoming": '<Dial action="/voice/after-dial"><Number>+441632960000</Number>'
            "</Dial><Say>Not reached</Say>",
            "/voice/after-dial": "<Say>Ignored</Say>",
        }
    )
    log = Phone(FlaskTransport(line.app), START, TOKEN, HangsUpOnDial([])).call()
    form = line.hit("/voice/after-dial").form
    assert (form["DialCallStatus"], form["DialCallDuration"]) == ("canceled", "0")
    assert form["CallStatus"] == "completed"
    assert log.said() == []
    assert log.ended_by == "caller"
    assert line.paths()[-1] == "/voice/status"


def test_redirect_follows_relative_urls_and_keeps_going() -> None:
    line = Line(
        {
            "/voice/incoming": "<Redirect>next?from=start</Redirect><Say>Not reached</Say>",
            "/voice/next": "<Say>Redirected</Say>",
        }
    )
    log = ring(line)
    assert line.paths() == ["/voice/incoming", "/voice/next", "/voice/status"]
    assert line.hits[1].query == {"from": "start"}
    assert log.said() == ["Redirected"]
    assert log.ended_by == "end"


def test_redirects_resolve_against_the_redirecting_document() -> None:
    line = Line(
        {
            "/voice/incoming": "<Redirect>/flows/a/start</Redirect>",
            "/flows/a/start": '<Redirect method="POST">next</Redirect>',
            "/flows/a/next": "<Say>Deep</Say>",
        }
    )
    log = ring(line)
    assert line.paths() == ["/voice/incoming", "/flows/a/start", "/flows/a/next", "/voice/status"]
    assert log.said() == ["Deep"]


@pytest.mark.parametrize("verb", ["<Hangup/>", '<Reject reason="busy"/>'])
def test_hangup_and_reject_end_the_call_from_the_line(verb: str) -> None:
    line = Line({"/voice/incoming": f"<Say>Goodbye</Say>{verb}<Say>Not reached</Say>"})
    log = ring(line)
    assert log.ended_by == "line"
    assert log.said() == ["Goodbye"]
    assert log.events[-2].kind == "hangup"
    assert log.events[-2].text == "line"


def test_running_out_of_verbs_ends_the_call() -> None:
    line = Line({"/voice/incoming": "<Say>Only this</Say>"})
    log = ring(line)
    assert log.ended_by == "end"
    assert kinds(log) == ["request", "say", "request"]


def test_unknown_verbs_are_reported_and_skipped() -> None:
    line = Line({"/voice/incoming": "<Record/><Say>Still here</Say>"})
    log = ring(line)
    assert log.events[1] == Event("error", "unsupported verb <Record> skipped")
    assert log.said() == ["Still here"]


def test_a_failing_answer_uses_the_fallback_with_error_code_and_url() -> None:
    line = Line(
        {
            "/voice/incoming": MENU,
            "/voice/menu": Reply(500, "text/html", "<h1>Internal Server Error</h1>"),
            "/voice/fallback": "<Say>Sorry, something went wrong.</Say>",
        }
    )
    log = ring(line, ["1"], fallback_url=f"{BASE}/voice/fallback")
    fallback = line.hit("/voice/fallback")
    assert fallback.form["ErrorCode"] == "11200"
    assert fallback.form["ErrorUrl"] == f"{BASE}/voice/menu"
    assert fallback.form["Digits"] == "1"
    assert fallback.signed
    error = next(event for event in log.events if event.kind == "error")
    assert error.attrs == {"url": f"{BASE}/voice/menu", "status": "500"}
    assert log.said() == ["Press 1 for help.", "Sorry, something went wrong."]
    assert log.ended_by == "end"


def test_a_failing_fallback_ends_the_call_with_an_error() -> None:
    line = Line({"/voice/incoming": "<Redirect>/voice/broken</Redirect>"})
    log = ring(line, fallback_url=f"{BASE}/voice/missing")
    assert line.paths() == ["/voice/incoming", "/voice/broken", "/voice/missing", "/voice/status"]
    assert kinds(log).count("error") == 2
    assert log.ended_by == "error"


def test_an_error_without_fallback_ends_the_call() -> None:
    line = Line({"/voice/incoming": "<Redirect>/voice/broken</Redirect>"})
    log = ring(line)
    assert log.ended_by == "error"
    assert line.paths() == ["/voice/incoming", "/voice/broken", "/voice/status"]


@pytest.mark.parametrize(
    ("reply", "code"),
    [
        (Reply(200, "text/plain", "<Response><Say>Hi</Say></Response>"), "12300"),
        (Reply(200, "text/html", "<html></html>"), "12300"),
        (Reply(200, "text/xml", "<Response><Say>unclosed</Response>"), "12100"),
        (Reply(200, "application/xml", "<Reply><Say>Hi</Say></Reply>"), "12100"),
        (Reply(204, "text/xml", ""), "11200"),
    ],
)
def test_answers_twilio_would_refuse_are_errors(reply: Reply, code: str) -> None:
    line = Line({"/voice/incoming": reply, "/voice/fallback": "<Say>Fallback</Say>"})
    log = ring(line, fallback_url=f"{BASE}/voice/fallback")
    assert log.events[1].kind == "error"
    assert log.said() == ["Fallback"]
    assert line.hit("/voice/fallback").form["ErrorCode"] == code
    assert line.hit("/voice/fallback").form["CallStatus"] == "ringing"


def test_xml_with_a_declaration_and_charset_is_accepted() -> None:
    body = '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Hi</Say></Response>'
    line = Line({"/voice/incoming": Reply(200, "application/xml; charset=utf-8", body)})
    assert ring(line).said() == ["Hi"]


def test_no_status_callback_when_no_request_ever_succeeded() -> None:
    line = Line({"/voice/incoming": Reply(200, "text/plain", "hello")})
    log = ring(line)
    assert log.ended_by == "error"
    assert line.paths() == ["/voice/incoming"]
    assert len(log.requests()) == 1


def test_a_redirect_loop_stops_at_the_request_limit() -> None:
    line = Line({"/voice/incoming": "<Say>Loop</Say><Redirect>/voice/incoming</Redirect>"})
    log = ring(line, max_requests=5)
    assert log.ended_by == "limit"
    assert line.paths() == ["/voice/incoming"] * 5 + ["/voice/status"]
    assert log.said() == ["Loop"] * 5
    assert log.events[-2] == Event("error", "stopped after 5 requests")


def test_status_callback_is_sent_once_at_the_end() -> None:
    line = Line({"/voice/incoming": MENU, "/voice/menu": "<Say>Done</Say>"})
    ring(line, ["1"])
    status = line.hit("/voice/status")
    assert line.hits[-1] is status
    assert status.form["CallStatus"] == "completed"
    assert int(status.form["CallDuration"]) > 0
    assert status.form["CallSid"] == line.hits[0].form["CallSid"]
    assert status.signed


def test_status_callback_goes_to_the_given_url() -> None:
    line = Line({"/voice/incoming": "<Say>Hi</Say>"})
    log = ring(line, status_url=f"{BASE}/hooks/status?x=1")
    assert line.paths() == ["/voice/incoming", "/hooks/status"]
    assert line.hits[1].query == {"x": "1"}
    assert line.hits[1].signed
    assert log.requests()[-1].attrs == {"url": f"{BASE}/hooks/status?x=1", "status": "404"}


def test_flask_transport_keeps_the_port_in_the_signed_url() -> None:
    line = Line({"/voice/incoming": "<Say>Hi</Say>"})
    url = "http://ivr.example:5000/voice/incoming"
    log = Phone(FlaskTransport(line.app), url, TOKEN, ScriptedAnswerer([])).call()
    assert log.said() == ["Hi"]
    assert [hit.signed for hit in line.hits] == [True, True]
    assert log.requests()[-1].attrs["url"] == "http://ivr.example:5000/voice/status"


def test_scripted_answerer_plays_entries_in_order() -> None:
    answerer = ScriptedAnswerer(["2", "", "help me", "busy", "*9#", "h", "1"])
    assert answerer.gather(SPEC) == "2"
    assert answerer.gather(SPEC) == ""
    assert answerer.gather(SPEC) == "help me"
    assert answerer.remaining == ["busy", "*9#", "h", "1"]
    assert answerer.dial("+441632960000") == "busy"
    assert answerer.dial("+441632960000") == "completed"
    assert answerer.remaining == ["*9#", "h", "1"]
    assert answerer.gather(SPEC) == "*9#"
    assert answerer.gather(SPEC) is None
    assert answerer.remaining == ["1"]


def test_scripted_answerer_hangs_up_when_the_script_runs_out() -> None:
    answerer = ScriptedAnswerer([])
    assert answerer.gather(SPEC) is None
    assert answerer.dial("+441632960000") == "completed"
    assert answerer.remaining == []


def test_scripted_answerer_refuses_a_dial_status_for_a_gather() -> None:
    answerer = ScriptedAnswerer(["no-answer"])
    with pytest.raises(ValueError, match="no-answer"):
        answerer.gather(SPEC)
    assert answerer.remaining == ["no-answer"]


def test_a_script_drives_a_whole_call_and_is_used_up() -> None:
    line = Line(
        {
            "/voice/incoming": MENU,
            "/voice/menu": '<Dial action="/voice/dialled">+441632960000</Dial>',
            "/voice/dialled": '<Gather action="/voice/last"/><Say>Bye</Say>',
        }
    )
    answerer = ScriptedAnswerer(["1", "failed", ""])
    log = Phone(FlaskTransport(line.app), START, TOKEN, answerer).call()
    assert answerer.remaining == []
    assert line.hit("/voice/dialled").form["DialCallStatus"] == "failed"
    assert log.said() == ["Press 1 for help.", "Bye"]


class Console:
    """Fake terminal: feeds typed lines and records prompts and output."""

    def __init__(self, typed: list[str]) -> None:
        self.typed = typed
        self.prompts: list[str] = []
        self.output: list[str] = []

    def read(self, prompt: str) -> str:
        self.prompts.append(prompt)
        if not self.typed:
            raise EOFError
        return self.typed.pop(0)

    def answerer(self) -> ConsoleAnswerer:
        return ConsoleAnswerer(read=self.read, write=self.output.append)


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("", ""),
        ("  ", ""),
        ("h", None),
        ("H", None),
        ("12#", "12#"),
        ("a social worker", "a social worker"),
    ],
)
def test_console_gather_reads_keys_words_silence_and_hang_up(
    typed: str, answer: str | None
) -> None:
    console = Console([typed])
    assert console.answerer().gather(SPEC) == answer
    assert console.prompts == [GATHER_PROMPT]


def test_console_gather_hangs_up_at_end_of_input() -> None:
    console = Console([])
    assert console.answerer().gather(SPEC) is None


def test_console_say_writes_the_words() -> None:
    console = Console([])
    console.answerer().say("Welcome to the line")
    assert console.output == ["Welcome to the line"]


@pytest.mark.parametrize(
    ("typed", "status"),
    [
        ([""], "completed"),
        (["c"], "completed"),
        (["b"], "busy"),
        (["n"], "no-answer"),
        (["f"], "failed"),
        (["a"], "canceled"),
        (["h"], None),
        ([], None),
    ],
)
def test_console_dial_asks_how_the_transfer_went(typed: list[str], status: str | None) -> None:
    console = Console(typed)
    assert console.answerer().dial("+441632960000") == status
    assert console.output == ["Transferring to +441632960000"]


def test_console_dial_asks_again_after_a_wrong_choice() -> None:
    console = Console(["x", "maybe", "b"])
    assert console.answerer().dial("+441632960000") == "busy"
    assert len(console.prompts) == 3
    assert len(set(console.prompts)) == 1
    assert len(console.output) == 3


@pytest.fixture
def served_line() -> Iterator[tuple[Line, str]]:
    line = Line({"/voice/incoming": MENU, "/voice/menu": "<Say>Over the wire</Say>"})
    server = make_server("127.0.0.1", 0, line.app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield line, f"http://127.0.0.1:{server.server_port}/voice/incoming"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_http_transport_calls_a_real_server(served_line: tuple[Line, str]) -> None:
    line, url = served_line
    with HttpTransport() as transport:
        log = Phone(transport, url, TOKEN, ScriptedAnswerer(["1"])).call()
    assert log.said() == ["Press 1 for help.", "Over the wire"]
    assert line.paths() == ["/voice/incoming", "/voice/menu", "/voice/status"]
    assert all(hit.signed for hit in line.hits)
    assert line.hit("/voice/menu").form["Digits"] == "1"


def test_http_transport_uses_the_given_session(served_line: tuple[Line, str]) -> None:
    line, url = served_line
    with requests.Session() as session:
        session.headers["X-Test"] = "yes"
        reply = HttpTransport(session).post(url, {"CallSid": "CA1"}, {})
    assert reply.status == 200
    assert reply.content_type.startswith("text/xml")
    assert reply.body.startswith("<Response><Gather")
    assert line.hits[0].form == {"CallSid": "CA1"}
    assert line.hits[0].headers["X-Test"] == "yes"


def test_http_transport_reports_an_unreachable_server_as_502() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/voice/incoming"
    with HttpTransport() as transport:
        reply = transport.post(url, {}, {})
        log = Phone(transport, url, TOKEN, ScriptedAnswerer([])).call()
    assert reply.status == 502
    assert url in reply.body
    assert log.ended_by == "error"
    assert [(event.kind, event.attrs["status"]) for event in log.events] == [
        ("request", "502"),
        ("error", "502"),
    ]


class CountingSession(requests.Session):
    """A session that counts how often it is closed."""

    made: ClassVar[list[CountingSession]] = []

    def __init__(self) -> None:
        super().__init__()
        self.closed = 0
        CountingSession.made.append(self)

    def close(self) -> None:
        self.closed += 1
        super().close()


def test_http_transport_closes_only_the_session_it_made(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CountingSession, "made", [])
    monkeypatch.setattr(requests, "Session", CountingSession)
    with HttpTransport():
        pass
    given = CountingSession()
    with HttpTransport(given):
        pass
    assert [session.closed for session in CountingSession.made] == [1, 0]
    given.close()
