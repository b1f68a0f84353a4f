"""The review area's blueprint, kept apart so every view module can import it."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint

PACKAGE = Path(__file__).resolve().parent.parent

bp = Blueprint(
    "review",
    __name__,
    url_prefix="/review",
    template_folder=str(PACKAGE / "templates"),
    static_folder=str(PACKAGE / "static"),
    static_url_path="/static",
)
