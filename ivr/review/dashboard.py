"""The dashboard: every open call-back first, then today, 7 and 30 days at a glance."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import render_template, request
from sqlalchemy.orm import Session

from ivr import db
from ivr.known import known_line
from ivr.messaging import heartbeat
from ivr.messaging.outbox import offers_messages
from ivr.review import charts, display, layout, stats  # noqa: F401  (filters and error pages)
from ivr.review.blueprint import bp
from ivr.review.callbacks import queue
from ivr.review.forms import ActionForm
from ivr.review.local import now, zone
from ivr.review.words import outcome


@bp.route("/")
def dashboard() -> str:
    at = now()
    office = zone()
    today = datetime.combine(at.astimezone(office).date(), time(), office)
    month = at - timedelta(days=30)
    page = request.args.get("page", "1")
    with db.reading() as session:
        waiting = queue(
            session,
            request.args.get("order", "oldest"),
            int(page) if page.isdigit() and len(page) < 7 else 1,
        )
        windows = stats.windows(
            session, [("Today", today), ("7 days", at - timedelta(days=7)), ("30 days", month)]
        )
        hours = stats.by_hour(session, month, office)
        missing, last_worker = worker_missing(session, at)
    outcomes = [(outcome(name), count) for name, count in windows[2].outcomes.items()]
    return render_template(
        "review/dashboard.html",
        queue=waiting,
        windows=windows,
        outcome_names={name: outcome(name) for name in windows[2].outcomes},
        outcome_chart=charts.rows(outcomes),
        hour_chart=charts.columns([(f"{h:02d}", n) for h, n in enumerate(hours)]),
        hours=hours,
        action_form=ActionForm(),
        worker_missing=missing,
        last_worker=last_worker,
    )


def worker_missing(session: Session, at: datetime) -> tuple[bool, datetime | None]:
    """Whether callers are going without a call back or a text the line would offer, because
    no worker runs to send it; and when one last ran."""
    if not offers_messages():
        return False, None
    config = known_line().config
    seen = heartbeat.last_seen(session.connection())
    return not heartbeat.recent(seen, at, config), seen
