"""The whisper: whoever answers a transfer hears the line's name, the reference and why."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.conftest import signed_post


def says(body: bytes) -> list[str]:
    return [" ".join("".join(s.itertext()).split()) for s in ET.fromstring(body).iter("Say")]


def test_every_transfer_names_a_whisper_url_the_line_validates(call) -> None:
    played = call("0", "completed")
    dial = next(e for e in played.log.events if e.kind == "dial")
    assert dial.attrs["status"] == "completed"
    whisper_requests = [e for e in played.log.requests() if "/voice/whisper" in e.attrs["url"]]
    assert [e.attrs["status"] for e in whisper_requests] == ["200"]
    reference = ", ".join(played.record["reference"])
    assert played.whispers() == [
        f"Wokingham Children's Services information sharing line. Call reference {reference}.",
        "The caller has asked to speak to someone.",
    ]


def test_a_caller_the_line_could_not_understand_is_whispered_as_such(call) -> None:
    played = call("7", "7", "7", "completed")
    assert played.whispers()[-1] == "The line could not understand the caller's answers."


def test_no_whisper_when_the_transfer_does_not_connect(call) -> None:
    assert call("0", "busy", "h").whispers() == []


def test_an_unsigned_whisper_is_refused(client) -> None:
    response = client.post("/voice/whisper?ref=123456&why=referral", data={"CallSid": "CAx"})
    assert response.status_code == 403


@pytest.mark.parametrize(
    "query", ["ref=12345&why=referral", "ref=123456&why=gossip", "why=referral", "ref=abcdef"]
)
def test_a_malformed_whisper_url_is_a_400(client, query: str) -> None:
    assert signed_post(client, f"/voice/whisper?{query}", CallSid="CAx").status_code == 400


def test_a_signed_whisper_reads_the_reference_digit_by_digit(client) -> None:
    response = signed_post(client, "/voice/whisper?ref=048213&why=adult_referral", CallSid="CAx")
    assert response.status_code == 200 and response.mimetype == "text/xml"
    assert says(response.data) == [
        "Wokingham Children's Services information sharing line. Call reference 0, 4, 8, 2, 1, 3.",
        "The caller is making a referral about an adult at risk.",
    ]
