"""Call-back requests: every open one heads the dashboard until a supervisor marks it done.

A supervisor takes a request ("I'm handling this") before ringing, so a colleague, and the duty
team opening its link, sees it is taken; one a duty team member took from the link is theirs, and
no supervisor can take it too. Marking it done needs a note of what was done, and asks for it on a
page of its own. The note is final once written: a later supervisor can only add to it, each
addition with who and when, so nobody's account of what was done is lost from the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import exists, func, not_, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from ivr import audit, db
from ivr.messaging import outbox
from ivr.messaging.models import CallbackRequest
from ivr.models import Call
from ivr.review.blueprint import bp
from ivr.review.claims import CallbackClaim
from ivr.review.display import when
from ivr.review.forms import ActionForm, CallbackForm
from ivr.review.local import now
from ivr.review.models import CallbackDone

PAGE = 25
ORDERS = ("oldest", "newest")
# Where a form may send the supervisor back to: a closed list, never a URL from the request.
BACK = ("dashboard", "call")
# Between a done note and what a later supervisor adds to it, in the one `note` column.
ADDED = "\n\nAdded by {who} on {at}:\n"


@dataclass(frozen=True)
class Queue:
    """One page of the open requests, with how many there are in all."""

    waiting: list[Call]
    claims: dict[int, CallbackClaim]
    # Each call's request: when the caller asked, and whether a duty team member took it from
    # the link (theirs then, not to be taken here too).
    requests: dict[int, CallbackRequest]
    total: int
    page: int
    pages: int
    order: str

    @property
    def taken(self) -> dict[int, CallbackRequest]:
        return {key: found for key, found in self.requests.items() if found.taken_at is not None}


def _open() -> object:
    return (
        Call.callback_requested.is_(True),
        not_(exists().where(CallbackDone.call_id == Call.id)),
    )


def queue(session: Session, order: str = "oldest", page: int = 1) -> Queue:
    """Open requests, oldest first (they have waited longest) or newest first, a page at a time."""
    order = order if order in ORDERS else "oldest"
    total = session.scalar(select(func.count()).select_from(Call).where(*_open())) or 0
    pages = max((total + PAGE - 1) // PAGE, 1)
    page = min(max(page, 1), pages)
    # By when the caller asked: the menus and a transfer that rang out can take minutes, so a
    # call begun earlier may have asked later. A call recorded before requests had rows of their
    # own goes by its start.
    asked_at = func.coalesce(CallbackRequest.requested_at, Call.started_at)
    sort = (asked_at, Call.id) if order == "oldest" else (asked_at.desc(), Call.id.desc())
    rows = list(
        session.scalars(
            select(Call)
            .outerjoin(CallbackRequest, CallbackRequest.call_id == Call.id)
            .where(*_open())
            .order_by(*sort)
            .offset((page - 1) * PAGE)
            .limit(PAGE)
        )
    )
    ids = [row.id for row in rows]
    return Queue(
        rows, claims_for(session, ids), requests_for(session, ids), total, page, pages, order
    )


def claims_for(session: Session, ids: list[int]) -> dict[int, CallbackClaim]:
    if not ids:
        return {}
    query = select(CallbackClaim).where(CallbackClaim.call_id.in_(ids))
    return {claim.call_id: claim for claim in session.scalars(query)}


def requests_for(session: Session, ids: list[int]) -> dict[int, CallbackRequest]:
    """The calls' requests; a call recorded before requests had rows of their own has none."""
    if not ids:
        return {}
    query = select(CallbackRequest).where(CallbackRequest.call_id.in_(ids))
    return {wanted.call_id: wanted for wanted in session.scalars(query)}


def _open_request(session: Session, call_id: int, *, lock: bool = False) -> Call:
    """The call; locked to change it, so two supervisors' claims or notes take turns."""
    found = session.get(Call, call_id, with_for_update=lock)
    if found is None or not found.callback_requested:
        abort(404)
    return found


def _back(call_id: int) -> Response:
    if request.form.get("back") == "call":
        return redirect(url_for("review.call", call_id=call_id))
    return redirect(url_for("review.dashboard", **_queue_args()))


def _queue_args() -> dict[str, str]:
    """The dashboard's queue order and page, carried through a form so the list stays put."""
    args = {}
    if request.form.get("order") in ORDERS:
        args["order"] = request.form["order"]
    if request.form.get("page", "").isdigit() and len(request.form["page"]) < 7:
        args["page"] = request.form["page"]
    return args


@bp.route("/callbacks/<int:call_id>/claim", methods=["POST"])
def claim(call_id: int) -> Response:
    """Take a request: "I'm handling this". One already taken by someone else stays theirs."""
    if not ActionForm().validate():
        abort(400)
    at = now()
    with db.session() as session:
        found = _open_request(session, call_id, lock=True)
        # Locked as the link's page locks it: a take from the link and a claim here take turns.
        wanted = session.scalars(
            select(CallbackRequest).where(CallbackRequest.call_id == call_id).with_for_update()
        ).one_or_none()
        held = session.get(CallbackClaim, call_id)
        if held is not None and held.by != current_user.username:
            flash(f"{held.by} is already handling the call-back for call {found.reference}.")
            return _back(call_id)
        if wanted is not None and wanted.taken_at is not None:
            flash(
                f"{wanted.taken_by} took the call-back for call {found.reference} from the link"
                f" on {when(wanted.taken_at)}."
            )
            return _back(call_id)
        if session.get(CallbackDone, call_id) is not None:
            flash(f"The call-back for call {found.reference} was already done.")
            return _back(call_id)
        if held is None:
            session.add(CallbackClaim(call_id=call_id, by=current_user.username, at=at))
            audit.write(
                session, at, current_user.username, "callback_claimed", reference=found.reference
            )
        flash(f"You are handling the call-back for call {found.reference}.", "success")
    return _back(call_id)


@bp.route("/callbacks/<int:call_id>/release", methods=["POST"])
def release(call_id: int) -> Response:
    """Hand a request back to the queue (only the one handling it can)."""
    if not ActionForm().validate():
        abort(400)
    at = now()
    with db.session() as session:
        found = _open_request(session, call_id)
        held = session.get(CallbackClaim, call_id)
        if held is not None and held.by == current_user.username:
            session.delete(held)
            audit.write(
                session, at, current_user.username, "callback_released", reference=found.reference
            )
            if session.get(CallbackDone, call_id) is None:
                outbox.queue_again(session, call_id, at)
            flash(f"The call-back for call {found.reference} is back in the queue.", "success")
    return _back(call_id)


@bp.route("/callbacks/<int:call_id>/done", methods=["GET", "POST"])
def callback_done(call_id: int) -> Response | str:
    """Confirm a request is done, with a note of what was done; who and when are kept, audited."""
    form = CallbackForm()
    with db.reading() as session:
        found = _open_request(session, call_id)
        held = session.get(CallbackClaim, call_id)
        asked = requests_for(session, [call_id]).get(call_id)
        done = session.get(CallbackDone, call_id)
    if request.method == "POST" and form.validate():
        return _mark_done(call_id, form.note.data or "")
    if request.method == "POST" and form.csrf_token.errors:
        abort(400)
    return render_template(
        "review/callback_done.html",
        call=found,
        claim=held,
        asked=asked,
        taken=asked if asked and asked.taken_at else None,
        done=done,
        form=form,
        back=request.values.get("back") if request.values.get("back") in BACK else "dashboard",
    )


def _mark_done(call_id: int, note: str) -> Response:
    """The first note marks the request done; a later one is added below it, never instead."""
    at = now()
    who = current_user.username
    with db.session() as session:
        found = _open_request(session, call_id, lock=True)
        row = session.get(CallbackDone, call_id)
        if row is None:
            session.add(CallbackDone(call_id=call_id, note=note, by=who, at=at))
            audit.write(session, at, who, "callback_done", reference=found.reference, note=note)
            flash(f"The call-back for call {found.reference} is marked done.", "success")
        else:
            row.note = added(row.note, who, at, note)
            audit.write(
                session, at, who, "callback_note_added", reference=found.reference, note=note
            )
            flash(f"Your note is added to the call-back for call {found.reference}.", "success")
    return _back(call_id)


def added(note: str, who: str, at: datetime, more: str) -> str:
    """A note with `more` below it, after a line saying who added it and when, in office time."""
    return f"{note}{ADDED.format(who=who, at=when(at))}{more}"
