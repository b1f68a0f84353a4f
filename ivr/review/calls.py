"""The calls: a filtered list, one call's page, revealing its number, reviewing it, exporting."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from werkzeug.wrappers import Response

from ivr import audit, db
from ivr.messaging.review import callback_record
from ivr.models import Call
from ivr.review import advice
from ivr.review.blueprint import bp
from ivr.review.filters import OUTCOMES, PAGE, REVIEWS, TRANSFERS, Filters, cursor, page
from ivr.review.forms import ActionForm, ReviewForm
from ivr.review.local import now
from ivr.review.models import CallbackDone, Review


@bp.route("/calls")
def calls() -> str:
    """The calls, newest first, with what is still to review."""
    filters = Filters.parse(request.args)
    with db.reading() as session:
        rows = list(session.scalars(page(filters, request.args.get("after", ""))))
        more = len(rows) > PAGE
        rows = rows[:PAGE]
        reviews = _reviews(session, [row.id for row in rows])
    return render_template(
        "review/calls.html",
        calls=rows,
        reviews=reviews,
        filters=filters,
        next_after=cursor(rows[-1]) if more else None,
        outcomes=OUTCOMES,
        transfers=TRANSFERS,
        review_states=REVIEWS,
        export_form=ActionForm(),
    )


def _reviews(session: Session, ids: list[int]) -> dict[int, Review]:
    if not ids:
        return {}
    return {r.call_id: r for r in session.scalars(select(Review).where(Review.call_id.in_(ids)))}


def _load(session: Session, call_id: int) -> Call:
    found = session.scalars(
        select(Call).where(Call.id == call_id).options(selectinload(Call.steps))
    ).one_or_none()
    if found is None:
        abort(404)
    return found


def _show(call_id: int, *, revealed: bool) -> str:
    """The call's page; opening it, and revealing the number, are both audited."""
    with db.session() as session:
        found = _load(session, call_id)
        action = "reveal_number" if revealed else "view_call"
        audit.write(session, now(), current_user.username, action, reference=found.reference)
        review = session.get(Review, call_id)
        callback = session.get(CallbackDone, call_id)
        messages = callback_record(session, call_id)
    return render_template(
        "review/call.html",
        call=found,
        advice=advice.sentences(found),
        review=review,
        callback=callback,
        callback_record=messages,
        revealed=revealed,
        action_form=ActionForm(),
        review_form=ReviewForm(status=review.status if review else None),
    )


@bp.route("/calls/<int:call_id>")
def call(call_id: int) -> str:
    return _show(call_id, revealed=False)


@bp.route("/calls/<int:call_id>/reveal", methods=["POST"])
def reveal(call_id: int) -> str:
    """Show the caller's whole number: a POST, so it is never in a link, history or log."""
    return _show(call_id, revealed=True)


@bp.route("/calls/<int:call_id>/review", methods=["POST"])
def review(call_id: int) -> Response:
    """Mark the call reviewed or needing follow-up, with a note; who and when are kept."""
    form = ReviewForm()
    if not form.validate():
        abort(400)
    at = now()
    with db.session() as session:
        found = _load(session, call_id)
        row = session.get(Review, call_id) or Review(call_id=call_id)
        row.status, row.note, row.by, row.at = (
            form.status.data,
            form.note.data or "",
            current_user.username,
            at,
        )
        session.add(row)
        audit.write(
            session,
            at,
            current_user.username,
            "review_call",
            reference=found.reference,
            status=row.status,
            note=row.note,
        )
    return redirect(url_for("review.call", call_id=call_id))
