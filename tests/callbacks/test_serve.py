"""`ivr serve` runs a call-back worker of its own and stops it when it stops; logs no link's key."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import requests
from flask import Flask

from tests.callbacks.conftest import Deployment, duty_addresses, seen
from tests.callbacks.test_page import csrf, links
from tests.callbacks.test_workers import wait_for
from tests.conftest import Clock
from tests.servers import serving


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    return state == "Z"


def test_serve_sends_call_back_messages_itself_and_stops_its_worker(
    line: Flask, requested: Callable[[], int], clock: Clock, deployment: Deployment
) -> None:
    twilio, mail = deployment.twilio, deployment.mail
    with serving(deployment.database_url, workers=1, env=deployment.env) as served:
        # Its worker says it is running, so the line may offer call backs.
        wait_for(lambda: seen(line) is not None, "the server's worker to say it runs")
        children = served.children()
        clock.now = datetime.now(UTC)
        requested()
        sms, _email = duty_addresses(line, clock.now)
        wait_for(lambda: [t.to for t in twilio.texts] == [sms], "the text")
        wait_for(lambda: len(mail.mailbox.mails) == 1, "the e-mail")
    wait_for(lambda: all(gone(pid) for pid in children), "the server's worker to stop")
    assert seen(line) is None, "a stopped worker still counts as running"


def test_the_served_logs_show_a_call_back_link_without_its_key(
    line: Flask, requested: Callable[[], int], clock: Clock, deployment: Deployment, tmp_path: Path
) -> None:
    """A duty team opens a link and takes the request: the logs say so, and hold no token."""
    clock.now = datetime.now(UTC)
    requested()
    link = links(line)[0]
    token = link.removeprefix("/callbacks/")
    env = deployment.env | {
        "IVR_INSTANCE_PATH": str(tmp_path),
        "IVR_SECRET_KEY": line.config["SECRET_KEY"],
    }
    access, errors = tmp_path / "access.log", tmp_path / "errors.log"
    with serving(
        deployment.database_url, workers=1, env=env, stdout=access, stderr=errors
    ) as served:
        browser = requests.Session()
        page = browser.get(served.url + link, timeout=10)
        assert page.status_code == 200
        form = {"csrf_token": csrf(page.text), "name": "Sam"}
        taken = browser.post(served.url + link, data=form, timeout=10)
        assert "taken by <strong>Sam</strong>" in taken.text
        assert browser.get(f"{served.url}/callbacks/{token[:-3]}xyz", timeout=10).status_code == 404
        styles = browser.get(f"{served.url}/callbacks/static/callbacks.css", timeout=10)
        assert styles.status_code == 200
    logged = access.read_text() + errors.read_text()
    assert token.split(".")[-1] not in logged
    assert token[:-3] not in logged
    requests_logged = re.findall(r'"(\w+ /callbacks\S*) HTTP/1.1" (\d+)', access.read_text())
    assert requests_logged == [
        ("GET /callbacks/...", "200"),
        ("POST /callbacks/...", "200"),
        ("GET /callbacks/...", "404"),
        ("GET /callbacks/static/callbacks.css", "200"),
    ]
