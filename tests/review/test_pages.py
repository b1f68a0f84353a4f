"""The dashboard with its call-backs and counts, and the script page."""

from __future__ import annotations

import os
import re
import shutil
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivr import db
from ivr.flow import STATES
from ivr.review import stats
from tests.conftest import WEDNESDAY_11AM, Clock, worker_seen
from tests.review.conftest import Audit, inline_scripts, login, post


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
    assert "Done by sam" in call_page and "rang &lt;them&gt; back" in call_page


def test_the_dashboard_warns_while_no_call_back_worker_runs(
    supervisor: FlaskClient, clock: Clock
) -> None:
    assert "call-back worker" not in supervisor.get("/review/").get_data(as_text=True)
    clock.now += timedelta(minutes=5)
    page = supervisor.get("/review/").get_data(as_text=True)
    assert "No call-back worker has run since" in page
    assert "callers are not offered a call back or their advice by text" in page
    worker_seen(supervisor.application)
    assert "call-back worker" not in supervisor.get("/review/").get_data(as_text=True)


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
    assert "<svg" in page and "Calls by hour of day" in page and inline_scripts(page) == []
    assert "04:00 to 05:00" in page, "the hour chart has a table of its figures"


def test_the_script_lists_every_prompt_in_flow_order(app: Flask, supervisor: FlaskClient) -> None:
    page = supervisor.get("/review/script").get_data(as_text=True)
    positions = [page.index(f'id="state-{name}"') for name in STATES]
    assert positions == sorted(positions)
    sentences = app.extensions["ivr.line"].prompts["sentences"]
    for state in STATES.values():
        for say in state.says:
            assert say.prompt in page
    assert "mermaid" not in page
    # CI installs Graphviz and asks for it (IVR_REQUIRE_GRAPHVIZ=1): there the SVG must be drawn.
    if shutil.which("dot") or os.environ.get("IVR_REQUIRE_GRAPHVIZ") == "1":
        diagram = page.split('id="flow-diagram"')[1].split("</figure>")[0]
        assert "<svg" in diagram and ">1: yes</text>" in diagram, "arrows are labelled with keys"
    else:  # Graphviz missing (apt-get install graphviz): the page says so and lists every step
        assert "Graphviz is not installed" in page
    assert "{" not in page.split('id="every-prompt"')[1], "every placeholder is filled in"
    assert "0118 908 8002" in page and "the children&#39;s services front door" in page
    assert "Configuration version" in page and "Prompts version" in page
    assert len(sentences) > 10
    with supervisor.get("/review/static/review.css") as css:
        assert "@media print" in css.get_data(as_text=True)


def test_the_script_shows_how_long_each_path_takes(supervisor: FlaskClient) -> None:
    page = supervisor.get("/review/script").get_data(as_text=True)
    start = page.index('class="govuk-table app-table paths"')
    table = re.sub(r"<td[^>]*>", "<td>", page[start : page.index("</table>", start)])
    assert "<td>Referral</td><td>1, 2</td><td>34.4</td>" in table
    assert "<td>Seek agreement first</td>" in table
    assert "longer than 25 words" not in page


def test_without_graphviz_the_script_says_so_and_lists_every_step(
    supervisor: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ivr.review import script

    script._drawn.cache_clear()
    monkeypatch.setenv("PATH", "")
    page = supervisor.get("/review/script").get_data(as_text=True)
    script._drawn.cache_clear()
    assert "Graphviz is not installed" in page and "<svg" not in page.split("every-prompt")[0]
    assert page.count('class="app-script-state"') == len(STATES)
