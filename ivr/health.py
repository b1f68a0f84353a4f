"""`/healthz` for load balancers: 200 while the database answers, 503 when it does not."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, g, jsonify
from sqlalchemy.exc import SQLAlchemyError

from ivr import db

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    try:
        db.ping()
    except SQLAlchemyError:
        log.exception("health check: the database did not answer")
        g.database_down = True
        return jsonify(status="unavailable", database="down"), 503
    return jsonify(status="ok", database="ok"), 200
