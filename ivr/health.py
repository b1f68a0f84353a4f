"""`/healthz` for load balancers: 200 while the database answers, 503 when it does not.

It also says whether this worker could read the config. A worker that could not still answers
every call with the safe guidance (ivr.safe), so it stays in service: a load balancer taking it
out would leave no worker at all when every server has the same mistaken file. Monitoring can
alert on `"config": "unreadable"` instead (`ivr check` says what to fix).
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, g, jsonify
from sqlalchemy.exc import SQLAlchemyError

from ivr import db
from ivr.line import Line

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    readable = isinstance(current_app.extensions["ivr.line"], Line)
    config = "ok" if readable else "unreadable"
    try:
        db.ping()
    except SQLAlchemyError:
        log.exception("health check: the database did not answer")
        g.database_down = True
        return jsonify(status="unavailable", database="down", config=config), 503
    return jsonify(status="ok", database="ok", config=config), 200
