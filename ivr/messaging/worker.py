"""`ivr worker`: send what the outbox holds, retry what failed, escalate and hand over what waited.

A message is claimed in one short transaction (locked, skipping rows another worker holds, on
PostgreSQL), sent outside any transaction, and its result recorded in another. A worker killed
between sending and recording leaves its one claimed message to be sent again once the claim
lapses: at most that message can go twice, and no message is ever lost.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import FrameType

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ivr import audit, db
from ivr.logs import mask
from ivr.messaging import escalation, handover, heartbeat, senders, tokens
from ivr.messaging.models import CallbackRequest, OutboxMessage
from ivr.messaging.outbox import event, outbox
from ivr.models import Call
from ivr.review.claims import CallbackClaim
from ivr.review.models import CallbackDone

log = logging.getLogger(__name__)
ACTOR = "ivr worker"
# Longer than the slowest send (senders.TIMEOUT, twice over), so a live worker keeps its claim.
CLAIM = timedelta(minutes=2)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(minutes=10)
POLL_SECONDS = 2.0


def backoff(attempts: int) -> timedelta:
    """30 s, 1, 2, 4, 8 minutes, then every 10: soon enough for a blip, gentle on an outage."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


@dataclass(frozen=True)
class Claimed:
    """A message this worker holds, copied out so it is sent with no transaction open."""

    id: int
    channel: str
    address: str
    subject: str
    body: str


def settings(app: Flask) -> senders.Settings:
    config = outbox().line.config.get("callbacks") or {}
    return senders.Settings(
        account_sid=app.config.get("TWILIO_ACCOUNT_SID"),
        auth_token=app.config.get("TWILIO_AUTH_TOKEN"),
        api_url=app.config.get("TWILIO_API_URL"),
        sms_from=config.get("sms_from"),
        smtp_url=app.config.get("SMTP_URL"),
        email_from=config.get("email_from"),
    )


def due(now: datetime) -> object:
    """Queued and due, or claimed by a worker that has not finished in time (it died)."""
    return or_(
        and_(OutboxMessage.status == "queued", OutboxMessage.due_at <= now),
        and_(OutboxMessage.status == "sending", OutboxMessage.claimed_until < now),
    )


class Worker:
    """One delivery loop; several may run against one PostgreSQL database."""

    def __init__(self, app: Flask, name: str | None = None) -> None:
        self.app = app
        self.name = (name or f"{socket.gethostname()}:{os.getpid()}")[:64]
        # When this worker next says it is running (time.monotonic); None: it never says so,
        # as a pass run from a test or a timer says it itself.
        self.next_beat: float | None = None

    def now(self) -> datetime:
        return outbox().clock()

    def claim(self) -> Claimed | None:
        with db.session() as session:
            now = self.now()
            query = (
                select(OutboxMessage)
                .where(due(now))
                .order_by(OutboxMessage.due_at, OutboxMessage.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            message = session.scalars(query).first()
            while message is not None and (why := not_needed(session, message, now)):
                set_aside(session, message, now, why)
                message = session.scalars(query).first()
            if message is None:
                return None
            if message.status == "sending":
                event(
                    session,
                    message.call_id,
                    now,
                    "retry",
                    message=message,
                    detail=f"{message.claimed_by} stopped while sending; sending again",
                )
            message.status, message.attempts = "sending", message.attempts + 1
            message.claimed_until, message.claimed_by = now + CLAIM, self.name
            return Claimed(
                message.id, message.channel, message.address, message.subject, message.body
            )

    def send(self, claimed: Claimed) -> str:
        chosen = settings(self.app)
        if claimed.channel == "sms":
            return senders.send_sms(chosen, claimed.address, claimed.body)
        return senders.send_email(chosen, claimed.address, claimed.subject, claimed.body)

    def record(
        self, claimed: Claimed, sent: str | None, failure: senders.SendFailed | None
    ) -> None:
        with db.session() as session:
            now = self.now()
            message = session.get(OutboxMessage, claimed.id, with_for_update=True)
            if message is None or message.status == "sent":
                return
            call = session.get(Call, message.call_id)
            reference = call.reference if call else ""
            message.claimed_until = None
            if failure is None:
                sent_now(session, message, reference, now, sent)
            elif failure.permanent or now - message.queued_at >= tokens.VALID_FOR:
                failed(session, message, reference, now, failure)
            else:
                retry_later(session, message, reference, now, failure)

    def deliver_one(self) -> bool:
        """Claim, send and record one message; False when none is due."""
        claimed = self.claim()
        if claimed is None:
            return False
        try:
            ref = self.send(claimed)
        except senders.SendFailed as failure:
            self.record(claimed, None, failure)
        else:
            self.record(claimed, ref, None)
        return True

    def escalate_due(self) -> int:
        """Escalate what waited too long, then hand over what waits on a team gone off duty:
        one request can be due both at once (asked at 16:55, overdue at 17:10)."""
        with db.session() as session:
            now = self.now()
            escalated = sum(
                escalation.escalate(session, request, now)
                for request in escalation.overdue(session, now)
            )
        with db.session() as session:
            now = self.now()
            return escalated + sum(
                handover.hand_over(session, request, now) for request in handover.due(session, now)
            )

    def idle(self) -> bool:
        """Nothing due and nothing overdue, found by reading: on SQLite an idle worker's poll
        never takes the write lock the webhooks queue for (only its beat does, every 30 s)."""
        with db.reading() as session:
            now = self.now()
            waiting = session.scalar(select(OutboxMessage.id).where(due(now)).limit(1))
            overdue = escalation.any_overdue(session, now) or handover.any_due(session, now)
            return waiting is None and not overdue

    def beat(self) -> None:
        """Say this worker is running, so the line may promise what it will send."""
        with db.session() as session:
            heartbeat.beat(session, self.name, self.now())

    def beat_if_due(self) -> None:
        """Between sends too: a backlog of slow sends must not make a busy worker look dead."""
        if self.next_beat is not None and time.monotonic() >= self.next_beat:
            self.beat()
            self.next_beat = time.monotonic() + heartbeat.every(outbox().line.config)

    def stopped(self) -> None:
        with db.session() as session:
            heartbeat.stopped(session, self.name)

    def run_once(self, stop: threading.Event | None = None) -> int:
        """Escalate what is overdue, then send every message due now; how many were handled."""
        if self.idle():
            return 0
        self.escalate_due()
        handled = 0
        while not (stop and stop.is_set()) and self.deliver_one():
            handled += 1
            self.beat_if_due()
        return handled

    def run(self, stop: threading.Event, poll_seconds: float, parent: int | None = None) -> None:
        """Until stopped (or the server that started it has gone): a database outage is waited
        out, never fatal, so messages queued meanwhile still go once it is back."""
        log.info("call-back worker %s started", self.name)
        self.next_beat = time.monotonic()
        # Never so long between polls that the line would take this worker for gone.
        wait = min(poll_seconds, heartbeat.every(outbox().line.config))
        while not stop.is_set():
            if parent is not None and os.getppid() != parent:
                log.info("the server that started this worker has stopped; stopping too")
                break
            try:
                self.beat_if_due()
                self.run_once(stop)
            except Exception:
                log.exception("the call-back worker hit an error; trying again shortly")
            stop.wait(wait)
        try:
            self.stopped()
        except Exception:
            log.exception("the call-back worker could not say it stopped; it will be missed")
        log.info("call-back worker %s stopped", self.name)


def not_needed(session: Session, message: OutboxMessage, now: datetime) -> str | None:
    """Why a request's message would now tell its reader something untrue, or None to send it.

    Messages wait (a mail server down, a retry) while the request is handled: once someone has
    it, an escalation's "NOBODY HAS TAKEN" is false, and a team member's first message only sends
    them to a link that says someone else has it; once the team asked is on duty again, a
    handover's "now off duty" is false. The advice text is the caller's own record.
    """
    if message.request_id is None:
        return None
    call_id = message.call_id
    wanted = session.get(CallbackRequest, message.request_id)
    if wanted is not None and wanted.taken_at is not None:
        return f"taken by {wanted.taken_by} before it was sent"
    if session.get(CallbackClaim, call_id) is not None:
        return "a supervisor was handling the request before it was sent"
    if session.get(CallbackDone, call_id) is not None:
        return "the request was marked done before it was sent"
    if message.purpose == "handover" and wanted is not None:
        call = session.get(Call, call_id)
        return handover.back_on_duty(outbox().line, call, wanted, now) if call else None
    return None


def set_aside(session: Session, message: OutboxMessage, now: datetime, why: str) -> None:
    """Never to be sent: kept on the call's record, saying why, as sent and failed ones are."""
    message.status, message.claimed_until, message.last_error = "not needed", None, None
    event(session, message.call_id, now, "not needed", message=message, detail=why)
    call = session.get(Call, message.call_id)
    audit.write(
        session,
        now,
        ACTOR,
        "callback_message_not_needed",
        reference=call.reference if call else "",
        purpose=message.purpose,
        channel=message.channel,
        to=recipient(message),
    )


def recipient(message: OutboxMessage) -> str:
    """Who a message went to, as the audit log and the log keep it: never a caller's number,
    which would outlive the call's record there."""
    return "the caller" if message.purpose == "advice" else message.address


def loggable(message: OutboxMessage, why: str) -> str:
    """A failure as the log may say it: Twilio's words can quote the number."""
    return why.replace(message.address, mask(message.address) or "")


def sent_now(
    session: Session, message: OutboxMessage, reference: str, now: datetime, ref: str | None
) -> None:
    message.status, message.sent_at, message.provider_ref = "sent", now, ref
    message.last_error = None
    where = f"{message.channel} to {message.address}"
    event(session, message.call_id, now, "sent", message=message, detail=where)
    audit.write(
        session,
        now,
        ACTOR,
        "callback_message_sent",
        reference=reference,
        purpose=message.purpose,
        channel=message.channel,
        to=recipient(message),
    )


def failed(
    session: Session,
    message: OutboxMessage,
    reference: str,
    now: datetime,
    failure: senders.SendFailed,
) -> None:
    """Refused for good, or still not sent after a day (its link has expired): say why."""
    why = failure.why if failure.permanent else f"not sent within a day: {failure.why}"
    message.status, message.last_error = "failed", why[:500]
    event(session, message.call_id, now, "failed", message=message, detail=why)
    audit.write(
        session,
        now,
        ACTOR,
        "callback_message_failed",
        reference=reference,
        purpose=message.purpose,
        channel=message.channel,
        to=recipient(message),
        why=loggable(message, why),
    )
    log.error(
        "a %s message for call %s failed: %s", message.channel, reference, loggable(message, why)
    )


def retry_later(
    session: Session,
    message: OutboxMessage,
    reference: str,
    now: datetime,
    failure: senders.SendFailed,
) -> None:
    message.status, message.last_error = "queued", failure.why
    message.due_at = now + backoff(message.attempts)
    detail = f"{failure.why}; trying again after {message.due_at:%H:%M:%S} UTC"
    event(session, message.call_id, now, "retry", message=message, detail=detail)
    log.warning(
        "a %s message for call %s will be retried: %s",
        message.channel,
        reference,
        loggable(message, failure.why),
    )


@click.command("worker")
@click.option("--once", is_flag=True, help="Send what is due now, then exit.")
@click.option("--poll-seconds", default=POLL_SECONDS, show_default=True, type=float)
@click.option("--parent", type=int, hidden=True, help="Stop when this process has gone.")
@with_appcontext
def worker_command(once: bool, poll_seconds: float, parent: int | None) -> None:
    """Send call-back messages, escalations and handovers; several may share one PostgreSQL."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    worker = Worker(app)
    if once:
        # Run from a timer, it counts as running until `worker_missing_after_seconds` pass
        # after it finished.
        worker.beat()
        handled = worker.run_once()
        worker.beat()
        click.echo(f"{handled} message(s) handled")
        return
    stop = threading.Event()

    def stop_on(_signal: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, stop_on)
    signal.signal(signal.SIGINT, stop_on)
    worker.run(stop, poll_seconds, parent)


@contextmanager
def beside_server(enabled: bool) -> Iterator[None]:
    """`ivr serve`'s own worker: a child process, stopped with the server (or if it dies)."""
    if not enabled:
        yield
        return
    command = [sys.executable, "-m", "ivr", "worker", "--parent", str(os.getpid())]
    process = subprocess.Popen(command)
    try:
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
