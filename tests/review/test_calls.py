"""The calls list, a call's page, revealing, reviewing and exporting, with hostile input too."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import escape

from ivr import db
from tests.conftest import CALLER, WEDNESDAY_11AM, Clock, finished_call
from tests.review.conftest import Audit, inline_scripts, login, post

HOSTILE = [
    "' OR '1'='1",
    '"; DROP TABLE calls; --',
    "<script>alert(1)</script>",
    "%_%",
    "\\",
    "x" * 10_000,
    "\x00",
    "😀",
    "2026-13-45",
    "-1",
]


def reference(call) -> str:
    return call.record["reference"]


def test_the_list_shows_calls_newest_first_and_what_is_to_review(
    supervisor: FlaskClient, call, clock: Clock
) -> None:
    first = call("2", "1", "")
    clock.now += timedelta(minutes=5)
    second = call("1", "1", "")
    page = supervisor.get("/review/calls").get_data(as_text=True)
    assert page.index(reference(second)) < page.index(reference(first))
    assert page.count(">To review</strong>") == 2
    assert CALLER not in page and CALLER[-3:] not in page.split("<tbody")[0]


def test_filters_narrow_the_list(client: FlaskClient, call, clock: Clock) -> None:
    emergency = reference(call("1", "1", ""))
    clock.now += timedelta(days=2)
    busy = reference(call("0", "busy", "2"))
    supervisor = client
    login(supervisor, "sam")

    def shown(**query: str) -> set[str]:
        page = supervisor.get("/review/calls", query_string=query).get_data(as_text=True)
        return {ref for ref in (emergency, busy) if f">{ref}</a>" in page}

    assert shown() == {emergency, busy}
    assert shown(outcome="emergency_999") == {emergency}
    assert shown(transfer="busy") == {busy}
    assert shown(transfer="none") == {emergency}
    assert shown(hours="in") == {emergency, busy}
    assert shown(hours="out") == set()
    assert shown(since="2026-11-26") == {busy}
    assert shown(until="2026-11-25") == {emergency}
    assert shown(q=emergency) == {emergency}
    assert shown(q=emergency[:3]) >= {emergency}
    assert shown(review="todo") == {emergency, busy}
    post(supervisor, "/review/calls/1/review", status="reviewed", note="")
    assert shown(review="todo") == {busy}
    assert shown(review="reviewed") == {emergency}
    assert shown(review="follow_up") == set()


def test_the_list_pages_by_keyset_newest_first(app: Flask, supervisor: FlaskClient) -> None:
    with app.app_context(), db.session() as session:
        for n in range(120):
            at = WEDNESDAY_11AM - timedelta(minutes=n // 2)  # pairs share a start time
            session.add(finished_call(f"CA{n:032d}", f"{n:06d}", at))
    seen: list[str] = []
    url = "/review/calls"
    while url:
        page = supervisor.get(url).get_data(as_text=True)
        seen += [
            line.split(">")[1].split("<")[0] for line in page.split('href="/review/calls/')[1:]
        ]
        found = re.search(r'href="([^"]+)" rel="next"', page)
        url = found.group(1).replace("&amp;", "&") if found else ""
    assert len(seen) == 120 and len(set(seen)) == 120
    assert "120 calls: 101 to 120 shown, newest first" in page
    back = re.search(r'href="([^"]+)" rel="prev"', page)
    assert back, "the last page links back"
    page = supervisor.get(back.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "120 calls: 51 to 100 shown" in page


@pytest.mark.parametrize("field", ["q", "since", "until", "outcome", "transfer", "hours", "review"])
def test_hostile_filters_cause_no_error_and_are_escaped(
    supervisor: FlaskClient, call, field: str
) -> None:
    call("2", "1", "")
    for value in HOSTILE:
        response = supervisor.get("/review/calls", query_string={field: value, "after": value})
        if "\x00" in value:
            # No browser sends a NUL byte, and PostgreSQL cannot store one: refused outright.
            assert response.status_code == 400
            continue
        assert response.status_code == 200, value
        page = response.get_data(as_text=True)
        assert "<script>alert" not in page
        assert CALLER not in page
        # No hostile search matches (LIKE wildcards included); other bad filters are ignored.
        assert ("No calls match" in page) == (field == "q"), value


def test_any_search_is_answered_escaped_and_leaks_nothing(supervisor: FlaskClient, call) -> None:
    call("2", "1", "")

    @settings(max_examples=80, deadline=None)
    @given(text=st.text(max_size=300))
    def search(text: str) -> None:
        response = supervisor.get("/review/calls", query_string={"q": text})
        if "\x00" in text:
            assert response.status_code == 400
            return
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        shown = text.strip()[:32]
        if shown:
            assert f'value="{escape(shown)}"' in page
        assert inline_scripts(page) == [] and "<script>" not in page
        assert CALLER not in page

    search()


def test_a_call_page_shows_the_timeline_advice_and_masks_the_number(
    supervisor: FlaskClient, call, audited: Audit
) -> None:
    played = call("2", "2", "1", "2")
    page = supervisor.get("/review/calls/1").get_data(as_text=True)
    assert reference(played) in page
    timeline = page.split('class="govuk-table app-table app-table--responsive timeline"')[1]
    timeline = timeline.split("</table>")[0]
    sentences = supervisor.application.extensions["ivr.line"].prompts["sentences"]
    assert escape(sentences["significant_harm"]) in timeline
    assert escape(sentences["purpose"]) in timeline
    assert escape(sentences["identifiable"]) in timeline
    assert "help sharing information" in timeline and "(pressed 2)" in timeline
    assert "<strong>yes</strong>" in timeline and "<strong>no</strong>" in timeline
    for internal in ("main_menu", "share_anonymised", "question_keys", ">key<", ">purpose<"):
        assert internal not in timeline
    assert "Share anonymised" in page and "Advice given" in page
    assert CALLER not in page and "456" in page
    assert audited("view_call") == [{"actor": "sam", "reference": reference(played)}]
    assert audited("reveal_number") == []


def test_revealing_the_number_is_a_post_and_audited(
    supervisor: FlaskClient, call, audited: Audit
) -> None:
    played = call("2", "1", "2")
    page = post(supervisor, "/review/calls/1/reveal").get_data(as_text=True)
    assert CALLER in page
    assert audited("reveal_number") == [{"actor": "sam", "reference": reference(played)}]
    assert supervisor.get("/review/calls/1/reveal").status_code == 405


def test_an_unknown_call_is_404(supervisor: FlaskClient) -> None:
    assert supervisor.get("/review/calls/999").status_code == 404
    assert post(supervisor, "/review/calls/999/review", status="reviewed").status_code == 404


def test_reviewing_keeps_who_when_and_the_note(
    supervisor: FlaskClient, call, audited: Audit
) -> None:
    played = call("2", "1", "2")
    note = "<b>Checked</b> with the team"
    assert (
        post(supervisor, "/review/calls/1/review", status="follow_up", note=note).status_code == 302
    )
    page = supervisor.get("/review/calls/1").get_data(as_text=True)
    assert "Follow up by sam" in page and "&lt;b&gt;Checked&lt;/b&gt;" in page
    assert post(supervisor, "/review/calls/1/review", status="bogus").status_code == 400
    assert audited("review_call") == [
        {"actor": "sam", "reference": reference(played), "status": "follow_up", "note": note}
    ]


def test_export_streams_the_filtered_list_as_csv_and_is_audited(
    supervisor: FlaskClient, call, audited: Audit
) -> None:
    emergency = reference(call("1", "1", ""))
    reference(call("2", "1", "2"))
    response = post(supervisor, "/review/calls/export", outcome="emergency_999", q="'")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.is_streamed
    assert response.get_data(as_text=True).startswith("\ufeffcall_sid,")
    assert list(csv.DictReader(io.StringIO(response.get_data(as_text=True)))) == []
    response = post(supervisor, "/review/calls/export", outcome="emergency_999")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row["reference"] for row in rows] == [emergency]
    assert rows[0]["caller"].endswith("456") and CALLER not in rows[0]["caller"]
    assert audited("export_calls") == [
        {"actor": "sam", "outcome": "emergency_999", "q": "'", "calls": 0},
        {"actor": "sam", "outcome": "emergency_999", "calls": 1},
    ]


def test_every_step_and_key_of_the_flow_reads_in_words(app: Flask) -> None:
    """New steps get their words from the flow and prompts/: none falls back to a bare key."""
    from ivr.flow import STATES
    from ivr.review import words

    line = app.extensions["ivr.line"]
    for state in STATES.values():
        asked = words.question(line, state)
        assert asked and "{" not in asked and "_" not in asked, state.name
        for key in state.keys:
            meaning = words.key_meaning(line, state, key)
            assert not meaning.startswith("key "), (state.name, key)
            assert "{" not in meaning and "_" not in meaning, (state.name, key, meaning)
        if state.outcome:
            assert "_" not in words.outcome(state.outcome, state.reason), state.name


def test_the_review_export_neutralises_a_short_number_that_is_a_formula(
    supervisor: FlaskClient, call
) -> None:
    call("1", "1", "", caller="=A1")
    exported = post(supervisor, "/review/calls/export").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [row["caller"] for row in rows] == ["'=A1"]


def test_the_999_advice_on_a_call_page_says_whom_to_refer_to_once_everyone_is_safe(
    supervisor: FlaskClient, call
) -> None:
    call("1", "1", "")
    page = supervisor.get("/review/calls/1").get_data(as_text=True)
    advice = page.split("Advice given")[1]
    assert "Hang up and dial 999 now." in advice
    assert "When everyone is safe, make a referral to" in advice
    assert "Record what you did and why." in advice


@pytest.mark.parametrize("app", [{"duty": {"adults_in_hours": "front_door"}}], indirect=True)
def test_the_999_advice_on_a_call_page_names_a_front_door_that_takes_adults_too_once(
    supervisor: FlaskClient, call
) -> None:
    """The page shows the referral sentence the caller heard, for a child or an adult, and no
    other wording of it."""
    call("1", "1", "")
    page = supervisor.get("/review/calls/1").get_data(as_text=True)
    advice = page.split("Advice given")[1].split("</div>")[0]
    assert str(
        escape("to the children's services front door, for a child or an adult; out of")
    ) in (advice)
    assert advice.count("When everyone is safe") == 1
    assert advice.count("front door") == 1


def test_a_referral_after_the_999_advice_leaves_the_999_advice_on_the_call_page(
    supervisor: FlaskClient, call
) -> None:
    """Back from the 999 advice to the decision route, a child at risk: the 999 advice stays
    the outcome, and the family answer given after it does not hide it from the page."""
    played = call("1", "1", "9", "9", "2", "1", "1", "completed")
    assert (played.record["outcome"], played.record["family_informed"]) == (
        "emergency_999",
        "not_first",
    )
    page = supervisor.get("/review/calls/1").get_data(as_text=True)
    assert "Hang up and dial 999 now." in page.split("Advice given")[1]


def test_an_advice_sentence_naming_what_only_the_call_knew_still_opens_the_call_page(
    app: Flask, supervisor: FlaskClient, call, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A council's own words may name the team a transfer rang ({transfer_name}), which the
    page cannot work out again: the sentence is shown as written, and the page still opens."""
    call("1", "2", "")
    sentences = app.extensions["ivr.line"].prompts["sentences"]
    monkeypatch.setitem(sentences, "advice_referral", "Make a referral now, to {transfer_name}.")
    page = supervisor.get("/review/calls/1")
    assert page.status_code == 200
    advice = page.get_data(as_text=True).split("Advice given")[1].split("</div>")[0]
    assert "Make a referral now, to {transfer_name}." in advice
