"""/metrics: counts that move with real calls, readable only from the allowed addresses."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.exc import OperationalError

from ivr import db, metrics, records
from ivr.messaging import heartbeat
from tests.conftest import (
    CALLBACK_CONFIG,
    CALLBACK_SENDER,
    TOKEN,
    AppFactory,
    Clock,
    PhoneCall,
    signed_post,
    worker_seen,
)

Play = Callable[..., PhoneCall]


def sample(app: Flask, name: str, **labels: str) -> float:
    """One sample's value as /metrics shows it, 0 when it has not been counted yet."""
    response = app.test_client().get("/metrics")
    assert response.status_code == 200, response.text
    for family in text_string_to_metric_families(response.text):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return found.value
    return 0.0


def test_a_closed_call_is_counted_by_outcome_once(app: Flask, call: Play) -> None:
    before = sample(app, "ivr_calls_total", outcome="emergency_999")
    played = call("1", "1", "h")
    assert played.record["outcome"] == "emergency_999"
    assert sample(app, "ivr_calls_total", outcome="emergency_999") == before + 1
    signed_post(
        app.test_client(), "/voice/status", CallSid=played.log.call_sid, CallStatus="completed"
    )
    assert sample(app, "ivr_calls_total", outcome="emergency_999") == before + 1


def test_a_call_abandoned_at_the_menu_is_counted_as_abandoned(app: Flask, call: Play) -> None:
    before = sample(app, "ivr_calls_total", outcome="abandoned")
    call("h")
    assert sample(app, "ivr_calls_total", outcome="abandoned") == before + 1


def test_transfers_are_counted_by_result(app: Flask, call: Play) -> None:
    busy = sample(app, "ivr_transfers_total", result="busy")
    completed = sample(app, "ivr_transfers_total", result="completed")
    call("0", "busy", "h")
    assert sample(app, "ivr_transfers_total", result="busy") == busy + 1
    assert sample(app, "ivr_transfers_total", result="completed") == completed


def test_a_transfer_result_delivered_twice_is_counted_once(app: Flask) -> None:
    client = app.test_client()
    sid = "CA" + "9a" * 16
    signed_post(client, "/voice/incoming", CallSid=sid)
    signed_post(client, "/voice/gather?n=0", CallSid=sid, Digits="0")
    before = sample(app, "ivr_transfers_total", result="no-answer")
    for _ in range(2):
        signed_post(client, "/voice/dial?n=1", CallSid=sid, DialCallStatus="no-answer")
    assert sample(app, "ivr_transfers_total", result="no-answer") == before + 1


def test_an_unsigned_request_is_a_signature_failure(app: Flask) -> None:
    before = sample(app, "ivr_signature_failures_total")
    response = app.test_client().post("/voice/incoming", data={"CallSid": "CA1"})
    assert response.status_code == 403
    assert sample(app, "ivr_signature_failures_total") == before + 1


def test_the_fallback_url_counts_a_safe_answer(app: Flask) -> None:
    before = sample(app, "ivr_safe_fallbacks_total", endpoint="voice.fallback")
    app.test_client().post("/voice/fallback", data={"ErrorCode": "11200"})
    assert sample(app, "ivr_safe_fallbacks_total", endpoint="voice.fallback") == before + 1


def test_a_database_failure_counts_a_safe_answer_and_a_database_error(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(*_args: Any, **_kwargs: Any) -> None:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    safe = sample(app, "ivr_safe_fallbacks_total", endpoint="voice.incoming")
    errors = sample(app, "ivr_database_errors_total")
    monkeypatch.setattr(records, "open_call", down)
    response = signed_post(app.test_client(), "/voice/incoming", CallSid="CA1")
    assert response.status_code == 200
    assert sample(app, "ivr_safe_fallbacks_total", endpoint="voice.incoming") == safe + 1
    assert sample(app, "ivr_database_errors_total") == errors + 1


def test_a_failed_health_check_counts_a_database_error(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down() -> None:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    errors = sample(app, "ivr_database_errors_total")
    monkeypatch.setattr(db, "ping", down)
    assert app.test_client().get("/healthz").status_code == 503
    assert sample(app, "ivr_database_errors_total") == errors + 1


def test_webhook_latency_is_observed_per_endpoint(app: Flask, call: Play) -> None:
    name = "ivr_webhook_latency_seconds_count"
    before = sample(app, name, endpoint="voice.gather")
    call("2", "h")
    assert sample(app, name, endpoint="voice.gather") == before + 1


WORKER_SEEN = "ivr_callback_worker_last_seen_timestamp_seconds"


def worker_gauge(app: Flask) -> float | None:
    """When /metrics says a call-back worker last ran; None when it does not say."""
    response = app.test_client().get("/metrics")
    assert response.status_code == 200, response.text
    for family in text_string_to_metric_families(response.text):
        if family.name == WORKER_SEEN:
            return family.samples[0].value
    return None


def test_when_a_call_back_worker_last_ran_is_on_the_metrics(
    make_app: AppFactory, clock: Clock
) -> None:
    """An alert can ask `time() - ivr_callback_worker_last_seen_timestamp_seconds > 90`."""
    app = make_app(CALLBACK_SENDER, **CALLBACK_CONFIG)
    assert worker_gauge(app) == 0, "no worker has run yet"
    worker_seen(app)
    assert worker_gauge(app) == clock.now.timestamp()


def test_no_worker_gauge_where_nothing_would_be_sent(app: Flask) -> None:
    assert worker_gauge(app) is None


def test_a_database_down_at_a_scrape_leaves_out_the_worker_gauge(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(*_args: Any) -> None:
        raise OperationalError("SELECT max(seen_at)", {}, Exception("connection refused"))

    app = make_app(CALLBACK_SENDER, **CALLBACK_CONFIG)
    errors = sample(app, "ivr_database_errors_total")
    monkeypatch.setattr(heartbeat, "last_seen", down)
    assert worker_gauge(app) is None
    assert sample(app, "ivr_database_errors_total") == errors + 1


def test_metrics_are_refused_to_an_address_not_allowed(app: Flask) -> None:
    response = app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert response.status_code == 403
    assert "ivr_" not in response.text


@pytest.mark.parametrize(
    ("address", "status"), [("10.1.2.3", 200), ("::1", 200), ("192.168.0.1", 403)]
)
def test_metrics_allow_addresses_and_networks(
    make_app: AppFactory, address: str, status: int
) -> None:
    app = make_app(metrics={"allow": ["10.0.0.0/8", "::1"]})
    response = app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": address})
    assert response.status_code == status


MULTIPROCESS_SCRIPT = """
import sys
from ivr import create_app
app = create_app({"TESTING": True, "DATABASE_URL": sys.argv[1], "TWILIO_AUTH_TOKEN": sys.argv[2]})
for _ in range(int(sys.argv[3])):
    app.test_client().post("/voice/incoming", data={"CallSid": "CA1"})
print(app.test_client().get("/metrics").text)
"""


def test_multiprocess_mode_adds_up_every_process(tmp_path: Path, database_url: str) -> None:
    shared = tmp_path / "prometheus"
    shared.mkdir()
    env = {
        "PROMETHEUS_MULTIPROC_DIR": str(shared),
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }
    outputs = [
        subprocess.run(
            [sys.executable, "-c", MULTIPROCESS_SCRIPT, database_url, TOKEN, str(times)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for times in (2, 3)
    ]
    assert "ivr_signature_failures_total 5.0" in outputs[-1]
    assert any(shared.iterdir())


UNSHARED_SCRIPT = """
import sys
from ivr import create_app, golive
app = create_app({"TESTING": True, "DATABASE_URL": sys.argv[1], "TWILIO_AUTH_TOKEN": sys.argv[2]})
client = app.test_client()
answered = client.post("/voice/incoming", data={"CallSid": "CA1"})
print(answered.status_code, client.get("/metrics").status_code)
print(client.get("/metrics").text)
print("\\n".join(golive.live_problems(app)))
"""


def test_a_missing_metrics_directory_still_answers_every_webhook(
    tmp_path: Path, database_url: str
) -> None:
    """A directory lost at a reboot (/run is emptied) must not take the line down."""
    shared = tmp_path / "prometheus"
    env = {
        "PROMETHEUS_MULTIPROC_DIR": str(shared),
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }
    ran = subprocess.run(
        [sys.executable, "-c", UNSHARED_SCRIPT, database_url, TOKEN],
        env=env,
        capture_output=True,
        text=True,
    )
    assert ran.returncode == 0, ran.stderr
    statuses, *rest = ran.stdout.splitlines()
    assert statuses == "403 200"  # an unsigned webhook refused as ever, /metrics served
    assert "ivr_signature_failures_total 1.0" in rest
    assert any(line.startswith("PROMETHEUS_MULTIPROC_DIR") for line in rest), ran.stdout
    assert "each worker counts its own metrics" in ran.stderr
    assert "Traceback" not in ran.stderr


def test_a_count_that_fails_does_not_fail_the_webhook(
    app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def lost(*_args: Any) -> Any:
        raise OSError("the metrics directory went away")

    monkeypatch.setattr(metrics.LATENCY, "labels", lost)
    response = signed_post(app.test_client(), "/voice/incoming", CallSid="CA" + "7b" * 16)
    assert response.status_code == 200
    assert b"<Gather" in response.data
    assert "could not be counted in the metrics" in caplog.text
