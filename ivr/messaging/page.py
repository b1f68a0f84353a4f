"""`/callbacks/<token>`: the one-time link in a call-back message, to see the request and take it.

No login: the signed token is the key, and it opens only its own request, for a day. Taking a
request records who (the name typed, or the address the message went to) and when, in the
audit trail too; a second use of any of its links says who took it, without the caller's number,
and so does any use while a supervisor handles the request in the review area (has taken it there,
"I'm handling this") or once one has marked it done: whoever has it rings the caller, nobody else.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, render_template, request
from flask_wtf import FlaskForm
from werkzeug.exceptions import InternalServerError
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import Length

from ivr import audit, db
from ivr.known import NoKnownLine
from ivr.messaging import tokens
from ivr.messaging.models import CallbackRequest, OutboxMessage
from ivr.messaging.outbox import event, outbox
from ivr.messaging.wording import as_dialled
from ivr.models import Call
from ivr.review.claims import CallbackClaim
from ivr.review.models import CallbackDone

PACKAGE = Path(__file__).resolve().parent.parent
bp = Blueprint(
    "callbacks",
    __name__,
    url_prefix="/callbacks",
    template_folder=str(PACKAGE / "templates"),
    static_folder=str(PACKAGE / "static"),
    static_url_path="/static",
)
CSP = (
    "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


class TakeForm(FlaskForm):
    name = StringField("Your name (optional)", validators=[Length(max=100)])

    class Meta:
        # As long as the link itself: a page opened from the message and left while the team
        # finishes another call must still take the request (the link expires after a day).
        csrf_time_limit = int(tokens.VALID_FOR.total_seconds())


@bp.after_request
def private(response: Response) -> Response:
    """The page holds a caller's number and its URL is a key: never cached, framed or referred."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Robots-Tag"] = "noindex"
    if request.endpoint != "callbacks.static":
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(NoKnownLine)
def unavailable(_error: NoKnownLine) -> tuple[str, int]:
    """The message sent already holds the number: the team can still call back without the page."""
    return render_template("callbacks/unavailable.html", settings_unreadable=True), 503


@bp.errorhandler(InternalServerError)
def failed(_error: InternalServerError) -> tuple[str, int]:
    """A database down or a fault: the same advice as `unavailable`, not a bare error page."""
    return render_template("callbacks/unavailable.html", settings_unreadable=False), 500


@bp.route("/<token>", methods=["GET", "POST"])
def take(token: str) -> tuple[str, int] | str:
    box = outbox()
    try:
        message_id = tokens.read(box.secret, box.clock, token)
    except tokens.Expired:
        return render_template("callbacks/expired.html"), 403
    if message_id is None:
        abort(404)
    form = TakeForm()
    # Refused (the form's key lapsed or missing, a name too long): the page again, saying why,
    # with a fresh key, so pressing the button again takes it; never a bare error page.
    refused = request.method == "POST" and not form.validate()
    with db.session() as session:
        message = session.get(OutboxMessage, message_id)
        if message is None or message.request_id is None:
            abort(404)
        wanted = session.get(CallbackRequest, message.request_id, with_for_update=True)
        call = session.get(Call, message.call_id)
        if wanted is None or call is None:
            abort(404)
        now = box.clock()
        taken_now = False
        # Handled or worked from the review area: nobody else should ring the caller, so no
        # number to ring. The review area's claim locks this request too, so the two cannot race.
        done = session.get(CallbackDone, call.id)
        claim = session.get(CallbackClaim, call.id)
        open_now = wanted.taken_at is None and done is None and claim is None
        if open_now and request.method == "POST" and not refused:
            who = (form.name.data or "").strip() or message.address
            wanted.taken_at, wanted.taken_by, taken_now = now, who[:320], True
            event(session, call.id, now, "taken", request=wanted, message=message, detail=who)
            audit.write(
                session,
                now,
                who,
                "callback_taken",
                reference=call.reference,
                via=message.address,
            )
        elif open_now:
            audit.write(session, now, message.address, "view_callback", reference=call.reference)
        page = render_template(
            "callbacks/take.html",
            form=form,
            refused=refused and open_now,
            call=call,
            wanted=wanted,
            done=done,
            claim=claim,
            taken_now=taken_now,
            number=as_dialled(call.caller),
            team=box.line.contact(wanted.team).name,
            asked_at=box.wording.office_time(wanted.requested_at),
            taken_at=box.wording.office_time(wanted.taken_at) if wanted.taken_at else "",
            done_at=box.wording.office_time(done.at) if done else "",
            claimed_at=box.wording.office_time(claim.at) if claim else "",
            reason=box.wording.why_they_rang(call),
        )
        return page, 400 if refused and open_now else 200
