"""Twilio's voice webhooks: check the signature, load the call, advance it, save, answer TwiML."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, g, request, url_for
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException

from ivr import db, early, records, signature
from ivr.callflow import CallFlow, Notice
from ivr.db import Transaction
from ivr.flow import WHISPERS
from ivr.line import Line
from ivr.models import Call
from ivr.render import render, whisper
from ivr.safe import safe_guidance
from ivr.speech import confidence_of
from ivr.terminal import shown
from ivr.twiml import to_text

bp = Blueprint("voice", __name__, url_prefix="/voice")
log = logging.getLogger(__name__)

CALL_SID = re.compile(r"[A-Za-z0-9]{2,64}")
REFERENCE = re.compile(r"[0-9]{6,12}")
TERMINAL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
T = TypeVar("T")


def the_line() -> Line:
    return current_app.extensions["ivr.line"]


def twiml(response: VoiceResponse) -> Response:
    return Response(to_text(response), mimetype="text/xml")


def note(call: Call, **more: str | bool | None) -> None:
    """What this webhook did to the call, for its log line (ivr.logs) and metrics (ivr.metrics)."""
    g.log_fields = {"state": call.state, "outcome": call.outcome, **more}


def nobody_on_the_line() -> Response:
    """The answer to a webhook handled after Twilio said the call is over (`records.closed`).

    Twilio does not promise the order of its requests, so a caller's last key, or a transfer's
    result, can come after the status callback; nobody hears a next prompt, so the call goes no
    further, and its log line says a webhook came late, for an operator reading it.
    """
    g.log_fields = {**g.get("log_fields", {}), "late": True, "answer": "hangup"}
    response = VoiceResponse()
    response.hangup()
    return twiml(response)


def recorded(work: Callable[[Transaction], T]) -> T:
    """A webhook's transaction: `work`, then what it changed written by `records.save`."""

    def run(tx: Transaction) -> T:
        done = work(tx)
        records.save(tx)
        return done

    return db.write(run)


def call_sid() -> str:
    """The call this webhook is about; Twilio always sends one, so its absence is a 400."""
    sid = request.form.get("CallSid", "")
    if not CALL_SID.fullmatch(sid):
        abort(400, "CallSid missing or malformed")
    return sid


def step_number() -> int:
    """The step the caller was answering, from the action URL the line itself gave Twilio."""
    n = request.args.get("n", "")
    if not ascii_number(n):
        abort(400, "step number missing or malformed")
    return int(n)


def ascii_number(text: str) -> bool:
    """Digits 0-9 only: `isdigit()` also takes "²", which `int()` then refuses."""
    return text.isascii() and text.isdigit() and len(text) < 10


@bp.before_request
def require_twilio() -> None:
    """Only Twilio, signing with this account's token, may drive a call."""
    if request.endpoint == "voice.fallback":
        return
    if not signature.is_valid(request):
        log.warning("rejected a request with a missing or invalid signature: %s", request.path)
        g.log_fields = {"answer": "signature_rejected"}
        abort(403)


@bp.errorhandler(Exception)
def answer_safely(error: Exception) -> Response | HTTPException:
    """Whatever broke, the caller hears 999 and is put through to the duty team.

    Except on the status callback, which comes after the call and has no caller to tell.
    """
    if isinstance(error, HTTPException):
        return error
    if request.endpoint == "voice.status":
        # No caller hears a status callback's answer, and Twilio ignores its body: the contract's
        # 204, so the failure is counted as what it was (a database error), not as a caller
        # given the safe guidance. `ivr purge` closes the call later (retention).
        log.exception("status callback failed; the call's record was not closed")
        g.log_fields, g.error = {"error": type(error).__name__}, error
        return Response(status=204)
    log.exception("voice webhook failed; the caller was given the safe guidance")
    g.log_fields, g.error = {"answer": "safe_guidance", "error": type(error).__name__}, error
    return twiml(safe_guidance(the_line()))


@bp.post("/incoming")
def incoming() -> Response:
    sid, line = call_sid(), the_line()
    now, caller = line.clock(), request.form.get("From")

    def open_call(tx: Transaction) -> CallFlow:
        office_open = line.office_open(now)
        call = records.open_call(tx, sid, caller, now, out_of_hours=not office_open)
        early.apply(tx, call, now)
        note(call)
        flow = CallFlow(call, line, now)
        flow.look_ahead()
        return flow

    return twiml(render(recorded(open_call), None, url_for))


def load_flow(tx: Transaction, sid: str, line: Line, now: datetime) -> CallFlow | None:
    """The call an answer belongs to, locked for this webhook; None if the line never saw it."""
    call = records.load(tx, sid, lock=True)
    if call is None:
        log.warning("a webhook for an unknown call %s", sid)
        return None
    return CallFlow(call, line, now)


@bp.post("/gather")
def gather() -> Response:
    sid, n, line = call_sid(), step_number(), the_line()
    digits, speech = request.form.get("Digits"), request.form.get("SpeechResult")
    confidence = confidence_of(request.form.get("Confidence"))

    def answer(tx: Transaction) -> tuple[CallFlow | None, Notice]:
        flow = load_flow(tx, sid, line, line.clock())
        if flow is None:
            return None, None
        if records.closed(flow.call):
            note(flow.call)
            return flow, None
        notice: Notice = None
        if n == flow.call.step_count:
            notice = flow.answer(digits, speech, confidence)
        elif n == flow.call.step_count - 1:
            notice = flow.replayed_notice()
        flow.look_ahead()
        note(flow.call, input=flow.input_kind)
        return flow, notice

    flow, notice = recorded(answer)
    if flow is None:
        return twiml(safe_guidance(line))
    if records.closed(flow.call):
        return nobody_on_the_line()
    return twiml(render(flow, notice, url_for))


@bp.post("/dial")
def dial() -> Response:
    sid, n, line = call_sid(), step_number(), the_line()
    result = request.form.get("DialCallStatus", "")

    def record_transfer(tx: Transaction) -> CallFlow | None:
        flow = load_flow(tx, sid, line, line.clock())
        if flow is None:
            return None
        # Only the delivery that records the result counts it; a repeat is answered, not counted.
        # ...and only while the call is in a transfer: any other dial result is not the line's.
        recorded = n == flow.call.step_count and flow.declared.kind == "transfer"
        if recorded:
            flow.dialled(result)
        if not records.closed(flow.call):
            flow.look_ahead()
        note(flow.call, input="dial", transfer=flow.call.transfer_status if recorded else None)
        return flow

    flow = recorded(record_transfer)
    if flow is None:
        return twiml(safe_guidance(line))
    if records.closed(flow.call):
        return nobody_on_the_line()
    return twiml(render(flow, None, url_for))


@bp.post("/status")
def status() -> tuple[str, int]:
    """Twilio's word that the call has ended: close the record, once."""
    sid, line = call_sid(), the_line()
    if request.form.get("CallStatus") not in TERMINAL_STATUSES:
        return "", 204
    duration = request.form.get("CallDuration", "")
    seconds = int(duration) if ascii_number(duration) else None
    ended = request.form["CallStatus"]

    def close(tx: Transaction) -> None:
        call = records.load(tx, sid, lock=True)
        if call is None:
            log.warning("a status callback before the first webhook of %s: kept for it", sid)
            early.keep(tx, sid, ended, seconds, line.clock())
            return
        # The first callback for a call, whether or not the line's goodbye already closed it.
        first = not records.closed(call)
        records.close(call, line.clock(), seconds)
        note(call, closed=first)

    recorded(close)
    return "", 204


@bp.post("/whisper", endpoint="whisper")
def whispered() -> Response:
    """Said to whoever answers a transfer, from the URL the line's own <Dial> gave Twilio."""
    reference, why = request.args.get("ref", ""), request.args.get("why", "")
    if not REFERENCE.fullmatch(reference) or why not in WHISPERS:
        abort(400, "whisper reference or reason missing or malformed")
    g.log_fields = {"answer": "whisper", "whisper": why}
    return twiml(whisper(the_line(), reference, why))


@bp.post("/fallback")
def fallback() -> Response:
    """Twilio's "primary handler failed" URL: static guidance, no database.

    Anyone may post here, so only a request signed by Twilio is logged as the error it reports,
    and only with what Twilio sends (an error number, one of the line's own URLs); an unsigned
    one is a warning that says nothing its sender chose.
    """
    if signature.is_valid(request):
        code = request.form.get("ErrorCode", "")
        log.error(
            "Twilio used the fallback URL: ErrorCode=%s ErrorUrl=%s",
            code if ascii_number(code) else "(not a number)",
            shown(urlsplit(request.form.get("ErrorUrl", "")[:256]).path),
        )
    else:
        log.warning("an unsigned request to the fallback URL was given the safe guidance")
    g.log_fields = {"answer": "safe_guidance"}
    return twiml(safe_guidance(the_line()))
