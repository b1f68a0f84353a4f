"""`/metrics` for Prometheus: how fast the line answers and how calls, transfers and failures go.

Counted from one after-request hook reading what the webhooks noted on `flask.g`, so the webhooks
carry no metrics code. Under gunicorn every worker counts for itself: set
`PROMETHEUS_MULTIPROC_DIR` to an empty directory the workers share and `/metrics` adds them up
(prometheus-client's multiprocess mode); without it each process reports only its own counts.
One figure is not counted but read at each scrape: when a call-back worker last ran (`WorkerSeen`).
Only the addresses in the config's `metrics.allow` (addresses or CIDR networks) may read it.

Metrics never keep a call from being answered: a `PROMETHEUS_MULTIPROC_DIR` that is not a
writable directory leaves each worker counting for itself (logged as an error, and listed by
`ivr check --live`), and a count that fails is logged, not turned into a 500 for Twilio.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import time
from collections.abc import Iterator

from flask import Blueprint, Flask, Response, abort, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    values,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy.exc import SQLAlchemyError

from ivr import db
from ivr.known import known_line
from ivr.messaging import heartbeat
from ivr.messaging.outbox import offers_messages

bp = Blueprint("metrics", __name__)
log = logging.getLogger(__name__)


def shared_dir_problem() -> str | None:
    """What stops the workers sharing their counts in PROMETHEUS_MULTIPROC_DIR, if it is set."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not path:
        return None
    if not os.path.isdir(path):
        return f"PROMETHEUS_MULTIPROC_DIR {path!r} is not a directory: create it, empty"
    if not os.access(path, os.W_OK | os.X_OK):
        return f"PROMETHEUS_MULTIPROC_DIR {path!r} is not writable by the user running ivr"
    return None


# Decided before any metric below is made, as prometheus-client opens a file in that directory
# for each one: without a usable directory every metric counts in this process's memory.
SHARED_DIR_PROBLEM = shared_dir_problem()
if SHARED_DIR_PROBLEM:
    values.ValueClass = values.MutexValue

# Twilio waits 15 s for a webhook; the buckets resolve the range a caller would notice.
LATENCY = Histogram(
    "ivr_webhook_latency_seconds",
    "Time to answer a Twilio webhook",
    ["endpoint"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15),
)
CALLS = Counter("ivr_calls", "Calls closed by Twilio's status callback, by outcome", ["outcome"])
TRANSFERS = Counter(
    "ivr_transfers", "Transfers to a person, by Twilio's DialCallStatus", ["result"]
)
SIGNATURE_FAILURES = Counter(
    "ivr_signature_failures", "Voice requests refused for a missing or invalid signature"
)
PREVIOUS_TOKEN = Counter(
    "ivr_signatures_previous_token",
    "Voice requests accepted only with TWILIO_AUTH_TOKEN_PREVIOUS: Twilio still signs with it",
)
SAFE_FALLBACKS = Counter(
    "ivr_safe_fallbacks", "Callers given the safe guidance because the line failed", ["endpoint"]
)
DATABASE_ERRORS = Counter("ivr_database_errors", "Requests that failed on the database")


class WorkerSeen:
    """When a call-back worker last said it was running, read from the database at each scrape:
    no worker process counts it, and a dead one cannot. Only where the line offers what a
    worker sends; 0 there means no worker has run (ivr.messaging.heartbeat)."""

    def collect(self) -> Iterator[Metric]:
        if not offers_messages():
            return
        with db.reading() as session:
            seen = heartbeat.last_seen(session.connection())
        yield GaugeMetricFamily(
            "ivr_callback_worker_last_seen_timestamp_seconds",
            "When a call-back worker last said it was running (Unix time); 0 if none has",
            value=seen.timestamp() if seen else 0,
        )


def init_app(app: Flask) -> None:
    """Serve /metrics and count every answered request."""
    if SHARED_DIR_PROBLEM:
        log.error("each worker counts its own metrics: %s", SHARED_DIR_PROBLEM)
    app.register_blueprint(bp)
    app.before_request(start_timer)
    app.after_request(count)


def start_timer() -> None:
    g.metrics_started = time.perf_counter()


def count(response: Response) -> Response:
    """Turn what the request noted on `g` into counts; never fail the answer for them."""
    try:
        _count(response)
    except Exception:
        log.exception("a request was answered but could not be counted in the metrics")
    return response


def _count(response: Response) -> None:
    endpoint = request.endpoint or "unknown"
    fields = g.get("log_fields", {})
    if request.path.startswith("/voice/"):
        LATENCY.labels(endpoint).observe(time.perf_counter() - g.metrics_started)
    if fields.get("closed"):
        CALLS.labels(fields["outcome"]).inc()
    if fields.get("transfer"):
        TRANSFERS.labels(fields["transfer"]).inc()
    if fields.get("answer") == "signature_rejected":
        SIGNATURE_FAILURES.inc()
    if g.get("signed_with_previous_token"):
        PREVIOUS_TOKEN.inc()
    if fields.get("answer") == "safe_guidance":
        SAFE_FALLBACKS.labels(endpoint).inc()
    if isinstance(g.get("error"), SQLAlchemyError) or g.get("database_down"):
        DATABASE_ERRORS.inc()


def allowed(address: str | None) -> bool:
    """Whether `address` is in one of the configured networks; unparsable means no."""
    networks = known_line().config.get("metrics", {}).get("allow", [])
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net, strict=False) for net in networks)


@bp.get("/metrics")
def metrics() -> Response:
    """Every metric, summed over all workers in multiprocess mode."""
    if not allowed(request.remote_addr):
        abort(403)
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR") and not SHARED_DIR_PROBLEM:
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    body = generate_latest(registry)
    read = CollectorRegistry()
    read.register(WorkerSeen())
    try:
        body += generate_latest(read)
    except SQLAlchemyError:
        log.exception("/metrics: when a call-back worker last ran could not be read")
        g.database_down = True
    return Response(body, content_type=CONTENT_TYPE_LATEST)
