"""The calls: a filtered list, one call's page, revealing its number, reviewing it."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.wrappers import Response

from ivr import audit, db
from ivr.known import known_line
from ivr.messaging.review import callback_record
from ivr.models import AuditEntry, Call
from ivr.review import advice, words
from ivr.review.blueprint import bp
from ivr.review.callbacks import claims_for
from ivr.review.filters import (
    OUTCOMES,
    PAGE,
    TRANSFERS,
    Filters,
    beyond,
    cursor,
    page,
    preceding,
)
from ivr.review.forms import ActionForm, CallbackForm, ReviewForm
from ivr.review.local import now, zone
from ivr.review.models import CallbackDone, Review

# What the call's page lists under "History": the review area's own actions on the call.
HISTORY = (
    "review_call",
    "callback_claimed",
    "callback_released",
    "callback_done",
    "callback_note_added",
)


def shortcuts(today: date) -> list[tuple[str, str, str]]:
    """The date ranges a supervisor asks for most, as (label, from, to) in office days."""
    monday = today - timedelta(days=today.weekday())
    return [
        ("Today", today.isoformat(), today.isoformat()),
        (
            "Yesterday",
            (today - timedelta(days=1)).isoformat(),
            (today - timedelta(days=1)).isoformat(),
        ),
        ("This week", monday.isoformat(), today.isoformat()),
        (
            "Last week",
            (monday - timedelta(days=7)).isoformat(),
            (monday - timedelta(days=1)).isoformat(),
        ),
        ("Last 30 days", (today - timedelta(days=29)).isoformat(), today.isoformat()),
    ]


@bp.route("/calls")
def calls() -> str | Response:
    """The calls, newest or oldest first, with how many match and what is still to review."""
    if "csrf_token" in request.args:
        # The export button shares the form; a plain "Show" must not leave the token in a link.
        kept = {k: v for k, v in request.args.items() if k != "csrf_token"}
        return redirect(url_for("review.calls", **kept))
    filters = Filters.parse(request.args)
    query, backwards = page(filters, request.args.get("after", ""), request.args.get("before", ""))
    with db.reading() as session:
        rows = list(session.scalars(query))[:PAGE]
        if backwards:
            rows.reverse()
        total = session.scalar(filters.apply(select(func.count()).select_from(Call))) or 0
        start = (session.scalar(preceding(filters, rows[0])) or 0) if rows else 0
        reviews = _reviews(session, [row.id for row in rows])
    return render_template(
        "review/calls.html",
        calls=rows,
        reviews=reviews,
        filters=filters,
        total=total,
        first=start + 1,
        previous_before=cursor(rows[0]) if rows and start > 0 else None,
        next_after=cursor(rows[-1]) if rows and start + len(rows) < total else None,
        outcome_options=[(name, words.outcome(name)) for name in OUTCOMES],
        transfer_options=[(name, words.DIAL.get(name, "not put through")) for name in TRANSFERS],
        shortcuts=shortcuts(now().astimezone(zone()).date()),
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


def _neighbours(session: Session, found: Call) -> tuple[int | None, int | None]:
    """The calls just before and just after this one in time: the ids of previous and next."""
    position = (found.started_at, found.id)
    earlier = session.scalar(
        select(Call.id)
        .where(beyond(position, later=False))
        .order_by(Call.started_at.desc(), Call.id.desc())
        .limit(1)
    )
    later = session.scalar(
        select(Call.id)
        .where(beyond(position, later=True))
        .order_by(Call.started_at, Call.id)
        .limit(1)
    )
    return earlier, later


def _history(session: Session, reference: str) -> list[AuditEntry]:
    query = (
        select(AuditEntry)
        .where(AuditEntry.action.in_(HISTORY))
        .where(AuditEntry.detail["reference"].as_string() == reference)
        .order_by(AuditEntry.id.desc())
    )
    return list(session.scalars(query))


def _show(call_id: int, *, revealed: bool) -> str:
    """The call's page; opening it, and revealing the number, are both audited."""
    line = known_line()
    with db.session() as session:
        found = _load(session, call_id)
        action = "reveal_number" if revealed else "view_call"
        audit.write(session, now(), current_user.username, action, reference=found.reference)
        review = session.get(Review, call_id)
        callback = session.get(CallbackDone, call_id)
        claim = claims_for(session, [call_id]).get(call_id)
        history = _history(session, found.reference)
        previous_id, next_id = _neighbours(session, found)
        timeline = [words.moment(line, s.step, s.kind, s.input, s.at) for s in found.steps]
        messages = callback_record(session, call_id)
    return render_template(
        "review/call.html",
        call=found,
        advice=advice.given(found),
        timeline=timeline,
        review=review,
        callback=callback,
        claim=claim,
        history=history,
        previous_id=previous_id,
        next_id=next_id,
        callback_record=messages,
        revealed=revealed,
        action_form=ActionForm(),
        callback_form=CallbackForm(formdata=None),
        review_form=ReviewForm(formdata=None, status=review.status if review else None),
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
