"""The dashboard: open call-backs first, then today, 7 and 30 days at a glance."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import render_template

from ivr import db
from ivr.messaging.review import open_count
from ivr.review import charts, stats
from ivr.review.blueprint import bp
from ivr.review.callbacks import open_requests
from ivr.review.forms import CallbackForm
from ivr.review.local import now, zone


@bp.route("/")
def dashboard() -> str:
    at = now()
    office = zone()
    today = datetime.combine(at.astimezone(office).date(), time(), office)
    month = at - timedelta(days=30)
    with db.reading() as session:
        waiting = open_requests(session)
        waiting_count = open_count(session)
        windows = [
            stats.window(session, "Today", today),
            stats.window(session, "7 days", at - timedelta(days=7)),
            stats.window(session, "30 days", month),
        ]
        hours = stats.by_hour(session, month, office)
    return render_template(
        "review/dashboard.html",
        waiting=waiting,
        waiting_count=waiting_count,
        windows=windows,
        outcome_chart=charts.rows(list(windows[2].outcomes.items())),
        hour_chart=charts.columns([(f"{h:02d}", n) for h, n in enumerate(hours)]),
        callback_form=CallbackForm(),
    )
