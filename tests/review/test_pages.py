"""The dashboard with its call-backs and counts, and the script page."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from ivr import db
from ivr.flow import STATES
from ivr.review import stats
from tests.conftest import WEDNESDAY_11AM, Clock
from tests.review.conftest import Audit, login, post


def test_open_callbacks_head_the_dashboard_until_done(
    supervisor: FlaskClient, call, audited: Audit
) -> None:
    waiting = call("0", "busy", "2").record
    assert waiting["callback_requested"] is True
    page = supervisor.get("/review/").get_data(as_text=True)
    assert "Call-back requests waiting: 1" in page
    assert page.index(waiting["reference"]) < page.index("At a glance")
    assert post(supervisor, "/review/callbacks/1/done", note="rang <them> back").status_code == 302
    assert "Call-back requests waiting: 0" in supervisor.get("/review/").get_data(as_text=True)
    call_page = supervisor.get("/review/calls/1").get_data(as_text=True)
    assert "done by sam" in call_page and "rang &lt;them&gt; back" in call_page


def test_a_call_without_a_request_cannot_be_marked_done(supervisor: FlaskClient, call) -> None:
    call("2", "1", "2")
    assert post(supervisor, "/review/callbacks/1/done", note="x").status_code == 404


def test_the_dashboard_counts(app: Flask, client: FlaskClient, call, clock: Clock) -> None:
    call("0", "busy", "2")
    call("0")
    call("1", "1", "")
    clock.now = WEDNESDAY_11AM + timedelta(days=3)
    call("", "", "", "")
    with app.app_context(), db.session() as session:
        month = stats.window(session, "30 days", WEDNESDAY_11AM - timedelta(days=1))
        today = stats.window(session, "Today", clock.now - timedelta(hours=1))
        hours = stats.by_hour(session, WEDNESDAY_11AM - timedelta(days=1), stats.ZoneInfo("UTC"))
    assert (month.calls, month.transfers, month.connected) == (4, 3, 2)  # one busy
    assert month.outcomes["emergency_999"] == 1 and month.no_response == 1
    assert month.out_of_hours == 1, "the last call was on a Saturday"
    assert today.calls == 1 and today.share(today.no_response) == "100%"
    assert hours[11] == 4 and sum(hours) == 4
    login(client, "sam")  # three days on: a session opened before the calls would have gone idle
    page = client.get("/review/").get_data(as_text=True)
    assert "<svg" in page and "Calls by hour of day" in page and "<script" not in page


def test_the_script_lists_every_prompt_in_flow_order(app: Flask, supervisor: FlaskClient) -> None:
    page = supervisor.get("/review/script").get_data(as_text=True)
    positions = [page.index(f'id="state-{name}"') for name in STATES]
    assert positions == sorted(positions)
    sentences = app.extensions["ivr.line"].prompts["sentences"]
    for state in STATES.values():
        for say in state.says:
            assert say.prompt in page
    assert "stateDiagram-v2" in page
    assert 'src="/review/vendor/mermaid.min.js"' in page
    with supervisor.get("/review/vendor/mermaid.min.js") as script:
        assert script.status_code == 200
        assert "mermaid" in script.get_data(as_text=True)[:5000]
    assert len(sentences) > 10
    with supervisor.get("/review/static/review.css") as css:
        assert "@media print" in css.get_data(as_text=True)


def test_the_script_shows_how_long_each_path_takes(supervisor: FlaskClient) -> None:
    page = supervisor.get("/review/script").get_data(as_text=True)
    table = page[page.index('<table class="paths">') : page.index("</table>")]
    assert "<td>referral</td><td></td><td>1, 2</td><td>34.4</td>" in table
    assert "<td>seek agreement first</td>" in table
    assert "longer than 25 words" not in page
