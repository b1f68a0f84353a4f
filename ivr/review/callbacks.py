"""Call-back requests: open ones head the dashboard until a supervisor marks them done."""

from __future__ import annotations

from flask import abort, redirect, url_for
from flask_login import current_user
from sqlalchemy import exists, not_, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from ivr import audit, db
from ivr.models import Call
from ivr.review.blueprint import bp
from ivr.review.forms import CallbackForm
from ivr.review.local import now
from ivr.review.models import CallbackDone


def open_requests(session: Session, limit: int = 100) -> list[Call]:
    """Callers still waiting for a call back, oldest first: they have waited longest."""
    done = exists().where(CallbackDone.call_id == Call.id)
    query = (
        select(Call)
        .where(Call.callback_requested.is_(True), not_(done))
        .order_by(Call.started_at, Call.id)
        .limit(limit)
    )
    return list(session.scalars(query))


@bp.route("/callbacks/<int:call_id>/done", methods=["POST"])
def callback_done(call_id: int) -> Response:
    """Mark a call-back request done, with a note; who and when are kept, and audited."""
    form = CallbackForm()
    if not form.validate():
        abort(400)
    at = now()
    with db.session() as session:
        found = session.get(Call, call_id)
        if found is None or not found.callback_requested:
            abort(404)
        row = session.get(CallbackDone, call_id) or CallbackDone(call_id=call_id)
        row.note, row.by, row.at = form.note.data or "", current_user.username, at
        session.add(row)
        audit.write(
            session,
            at,
            current_user.username,
            "callback_done",
            reference=found.reference,
            note=row.note,
        )
    return redirect(url_for("review.dashboard"))
