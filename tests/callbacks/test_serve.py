"""`ivr serve` runs a call-back worker of its own, and stops it when it stops."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import yaml
from flask import Flask

from tests.callbacks.conftest import CHANNELS, duty_addresses, seen
from tests.callbacks.stand_ins import ACCOUNT_SID, FakeTwilio, MailServer
from tests.callbacks.test_workers import wait_for
from tests.conftest import TOKEN, Clock
from tests.servers import ROOT, Served, free_port, wait_until_healthy


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    return state == "Z"


def test_serve_sends_call_back_messages_itself_and_stops_its_worker(
    line: Flask,
    requested: Callable[[], int],
    clock: Clock,
    twilio: FakeTwilio,
    mail: MailServer,
    database_url: str,
    tmp_path: Path,
    tls_files: tuple[Path, Path],
) -> None:
    config = tmp_path / "callbacks.yaml"
    config.write_text(yaml.safe_dump(CHANNELS))
    env = os.environ | {
        "IVR_DATABASE_URL": database_url,
        "IVR_CONFIG": str(config),
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "IVR_TWILIO_API_URL": twilio.url,
        "IVR_SMTP_URL": mail.url,
        "SSL_CERT_FILE": str(tls_files[0]),
        "PYTHONPATH": str(ROOT),
    }
    port = free_port()
    command = [sys.executable, "-m", "ivr", "serve", "--port", str(port), "--workers", "1"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_until_healthy(Served(f"http://127.0.0.1:{port}", process))
        # Its worker says it is running, so the line may offer call backs.
        wait_for(lambda: seen(line) is not None, "the server's worker to say it runs")
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        clock.now = datetime.now(UTC)
        requested()
        sms, _email = duty_addresses(line, clock.now)
        wait_for(lambda: [t.to for t in twilio.texts] == [sms], "the text")
        wait_for(lambda: len(mail.mailbox.mails) == 1, "the e-mail")
    finally:
        process.terminate()
        process.wait(timeout=30)
    wait_for(lambda: all(gone(int(pid)) for pid in children), "the server's worker to stop")
    assert seen(line) is None, "a stopped worker still counts as running"
