"""`ivr worker` as a real process: killed mid-send it loses nothing; two share the queue.

Run in both passes of `make test`, so the two workers share SQLite, then PostgreSQL (where they
skip each other's locked rows).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from flask import Flask

from ivr.messaging.worker import CLAIM
from tests.callbacks.conftest import Deployment, deliver, duty_addresses, events
from tests.callbacks.conftest import messages as queued
from tests.conftest import Clock
from tests.servers import ROOT

WAIT_SECONDS = 60


@contextmanager
def worker_process(deployment: Deployment) -> Iterator[subprocess.Popen[bytes]]:
    """`ivr worker` in its own process, configured by the environment as a deployment is."""
    command = [sys.executable, "-m", "ivr", "worker", "--poll-seconds", "0.1"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=deployment.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def test_a_worker_killed_mid_send_repeats_at_most_that_message_and_loses_none(
    line: Flask, requested: Callable[[], int], clock: Clock, deployment: Deployment
) -> None:
    clock.now = datetime.now(UTC)
    sms, email = duty_addresses(line, clock.now)
    requested()
    requested()
    deployment.twilio.delay = 2
    with worker_process(deployment) as process:
        wait_for(lambda: deployment.twilio.requests >= 1, "the worker to start sending")
        process.kill()
        process.wait()
    wait_for(lambda: len(deployment.twilio.texts) == 1, "Twilio to finish the text it was given")
    first = queued(line)[0]
    assert first.status == "sending", "the dead worker never recorded the text Twilio sent"
    assert [m.status for m in queued(line)[1:]] == ["queued"] * 3
    deployment.twilio.delay = 0
    clock.now = datetime.now(UTC) + CLAIM + timedelta(seconds=1)
    deliver(line)
    assert [m.status for m in queued(line)] == ["sent"] * 4
    bodies = [t.body for t in deployment.twilio.texts]
    assert bodies.count(first.body) == 2, "the one message in flight went again"
    assert len(bodies) == 3 and [t.to for t in deployment.twilio.texts] == [sms] * 3
    assert [m["To"] for m in deployment.mail.mailbox.mails] == [email] * 2
    assert any("stopped while sending" in detail for _, detail in events(line))


def test_two_workers_send_every_message_exactly_once(
    line: Flask, requested: Callable[[], int], clock: Clock, deployment: Deployment
) -> None:
    clock.now = datetime.now(UTC)
    for _ in range(12):
        requested()
    deployment.twilio.delay = 0.05

    def all_sent() -> bool:
        return all(m.status == "sent" for m in queued(line))

    with (
        worker_process(deployment),
        worker_process(deployment),
    ):
        wait_for(all_sent, "every message to be sent")
    sent = [t.body for t in deployment.twilio.texts] + [
        m.get_content().replace("\r\n", "\n").strip() for m in deployment.mail.mailbox.mails
    ]
    expected = [m.body for m in queued(line)]
    assert sorted(sent) == sorted(expected), "every message once, none twice"
    assert len({m.claimed_by for m in queued(line)}) == 2, "both workers took a share"
