"""The audit log, for admins: read and filter only; no page changes or deletes an entry."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select

from ivr import db
from ivr.models import AuditEntry
from ivr.review.auth import admin_required
from ivr.review.blueprint import bp
from ivr.review.filters import iso_date, local_midnight

PAGE = 100


@bp.route("/audit")
@admin_required
def audit_log() -> str:
    """Newest first, filtered by action, person and day; paged by id."""
    action = request.args.get("action", "")[:64]
    actor = request.args.get("actor", "")[:64]
    day = iso_date(request.args.get("day", ""))
    before = request.args.get("before", "")
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if action:
        query = query.where(AuditEntry.action == action)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if day:
        query = query.where(
            AuditEntry.at >= local_midnight(day), AuditEntry.at < local_midnight(day, days=1)
        )
    if before.isdigit() and len(before) < 19:
        query = query.where(AuditEntry.id < int(before))
    with db.reading() as session:
        entries = list(session.scalars(query.limit(PAGE + 1)))
        actions = list(session.scalars(select(AuditEntry.action).distinct()))
    more = len(entries) > PAGE
    entries = entries[:PAGE]
    return render_template(
        "review/audit.html",
        entries=entries,
        actions=sorted(actions),
        chosen={"action": action, "actor": actor, "day": day},
        next_before=entries[-1].id if more else None,
    )
