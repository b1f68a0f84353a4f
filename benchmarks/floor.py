"""The floor: the least a webhook can cost on the libraries the line must be built on.

The ceiling (`benchmarks.ceiling`) answers with a fixed text, so it says what gunicorn and
Flask alone can do. The line must also check twilio's signature, read the form, load the call
from the database and write it back with a step of its record, commit, build its answer with
twilio's `VoiceResponse` and log a line. This app does exactly that and nothing more, on the
line's own tables, engine (`ivr.db.make_engine`: WAL with `synchronous=NORMAL`, `BEGIN
IMMEDIATE` for a write) and serving options, in the line's cheapest forms of each step: the
signature as the line checks it (`ivr.signature.signed_with`: one HMAC for a genuine webhook to
a URL without a port, two where the served benchmark's URL has one, for both apps), prebuilt
SQLAlchemy Core statements (on PostgreSQL the step inside the UPDATE), the TwiML written out by
`ivr.twiml.to_text`. SQLite's writers wait for the write lock in SQLite's own busy handler,
which sleeps: the line's own queue (`ivr.db.writer_turn`) polls, and its CPU is the line's. No
flow, no prompts, no hours, no metrics, no review area; it also leaves out work the line must
do (finding a free reference, telling repeat deliveries apart), so it is, if anything, below a
true floor. Its cost less the ceiling's is what those libraries take for that work; the line's
less the floor's is what the line's own code takes, the only part tuning it can remove.

Its calls follow the caller's script as the line's do: a question, answers, a transfer when
0 is pressed, and the status callback closing the record, so `lost` counts for it too.

    python -m benchmarks.serve floor --port 5057 --settings sync:4

`benchmarks.profile` also plays it in-process beside the line and the ceiling, which leaves
gunicorn and HTTP out of the comparison.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import TextIO
from urllib.parse import urlparse

from flask import Flask, Response, request
from sqlalchemy import bindparam, insert, select, update
from twilio.twiml.voice_response import Gather, VoiceResponse

from ivr import db
from ivr.models import Call, Step
from ivr.signature import signed_with
from ivr.twiml import to_text

CALLS, STEPS = Call.__table__, Step.__table__
OPEN = insert(CALLS)
LOAD = select(CALLS).where(CALLS.c.call_sid == bindparam("sid"))
ADVANCE = (
    update(CALLS)
    .where(CALLS.c.id == bindparam("call_id"))
    .values(
        state=bindparam("now_at"),
        tries=bindparam("new_tries"),
        step_count=bindparam("steps"),
        transfer_status=bindparam("transferred"),
    )
)
RECORD = insert(STEPS)
# On PostgreSQL the step goes inside the UPDATE, one round trip for both, as the line sends it.
STEP_ROW = {
    key: bindparam(f"step_{key}", type_=STEPS.c[key].type)
    for key in ("call_id", "seq", "step", "input", "kind", "at")
}
ADVANCE_WITH_STEP = ADVANCE.add_cte(insert(STEPS).values(STEP_ROW).cte("steps_added"))
CLOSE = (
    update(CALLS)
    .where(CALLS.c.id == bindparam("call_id"))
    .values(status="completed", ended_at=bindparam("ended"), duration_seconds=bindparam("took"))
)
QUESTION = "Is a child at risk of significant harm right now? Press 1 for yes, 2 for no."
AGAIN = "Press 9 to hear this again, or 0 to speak to the duty team."

log = logging.getLogger("floor")


def question(step: int) -> Response:
    response = VoiceResponse()
    gather = Gather(
        action=f"/voice/gather?n={step}", input="dtmf speech", num_digits=1, timeout=6,
        language="en-GB", hints="yes, no",
    )  # fmt: skip
    gather.say(QUESTION, voice="Polly.Amy", language="en-GB")
    gather.say(AGAIN, voice="Polly.Amy", language="en-GB")
    response.append(gather)
    response.redirect(f"/voice/gather?n={step}", method="POST")
    return Response(to_text(response), mimetype="text/xml")


def transfer(step: int) -> Response:
    response = VoiceResponse()
    response.say("Putting you through to the duty team.", voice="Polly.Amy", language="en-GB")
    response.dial("+441189000001", action=f"/voice/dial?n={step}", timeout=25)
    return Response(to_text(response), mimetype="text/xml")


def logged(kind: str, sid: str, **fields: str | int | None) -> None:
    line = {"at": datetime.now(UTC).isoformat(), "webhook": kind, "call": sid} | fields
    log.info(json.dumps(line))


def make_app(
    database_url: str,
    auth_token: str,
    log_stream: TextIO = sys.stderr,
    pool_size: int = db.POOL_SIZE,
) -> Flask:
    """The floor on a database already migrated to the line's tables (`ivr.db.upgrade`), with a
    pooled connection for each of a worker's threads, as the line keeps."""
    app = Flask(__name__)
    engine = db.make_engine(database_url, pool_size)
    app.extensions["ivr.engine"] = engine
    writing = engine.execution_options(**{db.WRITES: True})
    postgresql = engine.dialect.name == "postgresql"
    lock = LOAD.with_for_update() if postgresql else LOAD
    log.handlers[:] = [logging.StreamHandler(log_stream)]
    log.setLevel(logging.INFO)
    log.propagate = False

    def signed() -> bool:
        """twilio's own signature, computed once for a genuine webhook, as the line does."""
        given = request.headers.get("X-Twilio-Signature", "").encode()
        return signed_with(auth_token, urlparse(request.url), request.form, given)

    @app.post("/voice/incoming")
    def incoming() -> Response | tuple[str, int]:
        if not signed():
            return "", 403
        sid, now = request.form["CallSid"], datetime.now(UTC)
        with writing.begin() as connection:
            connection.execute(
                OPEN,
                {
                    "call_sid": sid, "reference": sid[-12:], "started_at": now,
                    "out_of_hours": False, "state": "safety", "trail": [], "tries": 0,
                    "step_count": 0, "status": "in_progress", "callback_requested": False,
                },
            )  # fmt: skip
        logged("incoming", sid)
        return question(0)

    def advance(kind: str, answer: str) -> Response | tuple[str, int]:
        """A gather or a dial: the call loaded and locked, moved on, its step recorded."""
        if not signed():
            return "", 403
        sid, now = request.form["CallSid"], datetime.now(UTC)
        with writing.begin() as connection:
            call = connection.execute(lock, {"sid": sid}).one()
            step = call.step_count + 1
            transferred = answer if kind == "dial" else call.transfer_status
            moved = {
                "call_id": call.id, "now_at": "safety", "new_tries": call.tries + 1,
                "steps": step, "transferred": transferred,
            }  # fmt: skip
            recorded = {
                "call_id": call.id, "seq": step, "step": call.state, "input": answer,
                "kind": kind, "at": now,
            }  # fmt: skip
            if postgresql:
                steps = {f"step_{key}": value for key, value in recorded.items()}
                connection.execute(ADVANCE_WITH_STEP, moved | steps)
            else:
                connection.execute(ADVANCE, moved)
                connection.execute(RECORD, recorded)
        logged(kind, sid, step=step, input=answer)
        return transfer(step) if answer == "0" else question(step)

    @app.post("/voice/gather")
    def gathered() -> Response | tuple[str, int]:
        return advance("gather", request.form.get("Digits", ""))

    @app.post("/voice/dial")
    def dialled() -> Response | tuple[str, int]:
        return advance("dial", request.form.get("DialCallStatus", ""))

    @app.post("/voice/status")
    def status() -> tuple[str, int]:
        if not signed():
            return "", 403
        sid = request.form["CallSid"]
        took = int(request.form.get("CallDuration", "0"))
        with writing.begin() as connection:
            call = connection.execute(lock, {"sid": sid}).one()
            ended = datetime.now(UTC)
            connection.execute(CLOSE, {"call_id": call.id, "ended": ended, "took": took})
        logged("status", sid)
        return "", 204

    return app
