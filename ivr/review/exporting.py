"""The filtered calls list as CSV, streamed, with the caller's number masked; audited."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, current_app, request, stream_with_context
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ivr import audit, db, export
from ivr.models import Call
from ivr.review.blueprint import bp
from ivr.review.filters import Filters
from ivr.review.local import masked, now


@bp.route("/calls/export", methods=["POST"])
def export_calls() -> Response:
    """Download the list as filtered: a POST with a CSRF token, and a line in the audit log."""
    filters = Filters.parse(request.args)
    with db.session() as session:
        audit.write(session, now(), current_user.username, "export_calls", **filters.args())
    rows = export.csv_lines(_records(filters))
    stamp = now().strftime("%Y%m%d-%H%M%S")
    return Response(
        stream_with_context(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="calls-{stamp}.csv"'},
    )


def _records(filters: Filters) -> Iterator[dict[str, object]]:
    """Records newest first, fetched in batches so memory stays flat."""
    factory = current_app.extensions["ivr.sessions"]
    session: Session
    with factory() as session:
        query = (
            filters.apply(select(Call))
            .options(selectinload(Call.steps))
            .order_by(Call.started_at.desc(), Call.id.desc())
            .execution_options(yield_per=export.BATCH)
        )
        for call in session.scalars(query):
            yield {**export.record(call), "caller": masked(call.caller)}
            session.expunge(call)
