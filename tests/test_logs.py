"""Structured logs: one JSON line per webhook and per error, and never a caller's number."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pytest

from ivr import logs, records
from tests.conftest import CALLER, AppFactory, PhoneCall, signed_post


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as stderr does when a person runs `ivr serve`."""

    def isatty(self) -> bool:
        return True


Play = Callable[..., PhoneCall]


def logged(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def webhooks(stream: io.StringIO) -> list[dict[str, Any]]:
    return [line for line in logged(stream) if line["logger"] == "ivr.webhook"]


@pytest.fixture
def stream() -> io.StringIO:
    return io.StringIO()


def test_every_webhook_of_a_call_logs_one_json_line(
    make_app: AppFactory, call: Play, stream: io.StringIO
) -> None:
    app = make_app({"LOG_STREAM": stream})
    played = call("2", "1", "", "h", on=app)
    lines = webhooks(stream)
    requests = [e for e in played.log.events if e.kind == "request"]
    assert len(lines) == len(requests)
    assert {line["call_sid"] for line in lines} == {played.log.call_sid}
    for line in lines:
        assert line["status"] == 200 or line["endpoint"] == "voice.status"
        assert line["latency_ms"] >= 0
        assert isinstance(line["pid"], int)


def test_the_log_says_where_the_call_is_and_how_the_caller_answered(
    make_app: AppFactory, call: Play, stream: io.StringIO
) -> None:
    app = make_app({"LOG_STREAM": stream})
    call("2", "", "h", on=app)
    gathers = [line for line in webhooks(stream) if line["endpoint"] == "voice.gather"]
    assert [(line["input"], line["state"]) for line in gathers[:2]] == [
        ("key", "significant_harm"),
        ("silence", "significant_harm"),
    ]
    closing = [line for line in webhooks(stream) if line["endpoint"] == "voice.status"]
    assert closing[0]["outcome"] == "abandoned"
    assert closing[0]["closed"] is True


def test_no_log_line_carries_the_callers_number_or_their_words(
    make_app: AppFactory, call: Play, stream: io.StringIO
) -> None:
    app = make_app({"LOG_STREAM": stream})
    call("my name is Jane Smith", "2", "h", on=app)
    text = stream.getvalue()
    assert CALLER not in text
    assert CALLER[1:] not in text
    assert "Jane Smith" not in text
    assert {line["caller"] for line in webhooks(stream) if line["caller"]} == {"*" * 10 + "456"}


def test_a_failing_webhook_logs_the_error_as_json(
    make_app: AppFactory, stream: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("the database fell over")

    monkeypatch.setattr(records, "open_call", broken)
    app = make_app({"LOG_STREAM": stream})
    signed_post(app.test_client(), "/voice/incoming", CallSid="CA123", From=CALLER)
    error = next(line for line in logged(stream) if line["level"] == "ERROR")
    assert "RuntimeError: the database fell over" in error["error"]
    webhook = webhooks(stream)[0]
    assert (webhook["answer"], webhook["error"], webhook["status"]) == (
        "safe_guidance",
        "RuntimeError",
        200,
    )
    assert CALLER not in stream.getvalue()


def test_a_rejected_signature_is_logged_as_a_warning(
    make_app: AppFactory, stream: io.StringIO
) -> None:
    app = make_app({"LOG_STREAM": stream})
    app.test_client().post("/voice/incoming", data={"CallSid": "CA1", "From": CALLER})
    line = webhooks(stream)[0]
    assert (line["level"], line["status"], line["answer"]) == ("WARNING", 403, "signature_rejected")
    assert line["caller"] == "*" * 10 + "456"


def test_a_terminal_gets_plain_lines(make_app: AppFactory, call: Play) -> None:
    terminal = Terminal()
    call("h", on=make_app({"LOG_STREAM": terminal}))
    first = terminal.getvalue().splitlines()[0]
    assert first.startswith("20") and " INFO " in first and "endpoint=voice.incoming" in first
    with pytest.raises(json.JSONDecodeError):
        json.loads(first)


@pytest.mark.parametrize(
    ("choice", "stream_type", "is_json"),
    [("json", Terminal, True), ("plain", io.StringIO, False), ("JSON", io.StringIO, True)],
)
def test_ivr_log_format_overrides_the_terminal_test(
    make_app: AppFactory,
    call: Play,
    monkeypatch: pytest.MonkeyPatch,
    choice: str,
    stream_type: type[io.StringIO],
    is_json: bool,
) -> None:
    monkeypatch.setenv("IVR_LOG_FORMAT", choice)
    out = stream_type()
    call("h", on=make_app({"LOG_STREAM": out}))
    first = out.getvalue().splitlines()[0]
    assert first.startswith("{") is is_json


def test_ivr_log_level_silences_routine_lines(
    make_app: AppFactory, call: Play, stream: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IVR_LOG_LEVEL", "warning")
    app = make_app({"LOG_STREAM": stream})
    call("h", on=app)
    app.test_client().post("/voice/incoming", data={"CallSid": "CA1"})
    assert [line["level"] for line in logged(stream)] == ["WARNING", "WARNING"]


@pytest.mark.parametrize(
    ("number", "shown"),
    [("+447911123456", "**********456"), ("101", "101"), ("12", "12"), ("", None), (None, None)],
)
def test_mask_keeps_only_the_last_three_digits(number: str | None, shown: str | None) -> None:
    assert logs.mask(number) == shown


FORGED = "x\n2026-12-02 03:40:00 ERROR   ivr.voice: forged"


@pytest.mark.parametrize("path", ["/voice/fallback", "/voice/incoming"])
def test_a_callsid_from_anyone_cannot_write_a_plain_log_line(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    """Unsigned to the fallback URL, or refused for its signature: the sender's words stay out."""
    monkeypatch.setenv("IVR_LOG_FORMAT", "plain")
    out = io.StringIO()
    make_app({"LOG_STREAM": out}).test_client().post(path, data={"CallSid": FORGED})
    text = out.getvalue()
    assert "forged" not in text
    assert not [line for line in text.splitlines() if line.startswith("2026-12-02 03:40:00")]
    assert "call_sid=" not in text


def test_a_callsid_of_twilios_shape_is_still_logged_when_refused(
    make_app: AppFactory, stream: io.StringIO
) -> None:
    sid = "CA" + "0123456789abcdef" * 2
    make_app({"LOG_STREAM": stream}).test_client().post("/voice/incoming", data={"CallSid": sid})
    assert webhooks(stream)[0]["call_sid"] == sid


def test_a_plain_line_writes_control_characters_in_a_field_as_escapes(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A number ending in a newline and an escape: masked to its last three, still one line."""
    monkeypatch.setenv("IVR_LOG_FORMAT", "plain")
    out = io.StringIO()
    app = make_app({"LOG_STREAM": out})
    app.test_client().post("/voice/fallback", data={"CallSid": "CA1", "From": "+4479111234\n\x1b"})
    lines = out.getvalue().splitlines()
    assert all(line.startswith("20") for line in lines), lines
    assert "caller=" + "*" * 10 + "4\\n\\x1b" in lines[-1]
