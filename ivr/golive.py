"""`ivr check --live`: what a real deployment needs beyond a valid config, one line per gap.

Each gap here lets the line run in a simulator yet fail a real caller: Twilio's signatures
refused, a URL Twilio cannot reach, workers fighting over one SQLite file, a number that
cannot be dialled, a prompt missing mid-call.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask

from ivr import local_token_path
from ivr.check import check
from ivr.check.callbacks import live_callback_problems
from ivr.server import default_workers


def live_problems(app: Flask) -> list[str]:
    """Everything that stops this app, as configured, from answering real calls."""
    return [
        *token_problems(app),
        *public_url_problems(app.config.get("PUBLIC_URL")),
        *database_problems(app.config["DATABASE_URL"], os.environ.get("IVR_WORKERS")),
        *config_problems(app),
        *live_callback_problems(app),
    ]


def token_problems(app: Flask) -> list[str]:
    """Twilio signs with the account's token; the generated local one only fits the simulator."""
    token = app.config.get("TWILIO_AUTH_TOKEN")
    local = local_token_path(app)
    if not token or (local.exists() and token == local.read_text().strip()):
        return ["TWILIO_AUTH_TOKEN is not set: Twilio's requests would all be refused (403)"]
    return []


def public_url_problems(url: str | None) -> list[str]:
    """Signatures are checked against the URL Twilio called, which must be public https."""
    if not url:
        return ["IVR_PUBLIC_URL is not set: set it to the https URL Twilio is given"]
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc:
        return [f"IVR_PUBLIC_URL {url!r} is not an https URL; Twilio must call the line over TLS"]
    return []


def database_problems(url: str, workers_setting: str | None) -> list[str]:
    """Several workers need a database server: SQLite has no row locks to share a call."""
    try:
        workers = int(workers_setting or default_workers())
    except ValueError:
        return [f"IVR_WORKERS {workers_setting!r} is not a whole number"]
    if workers > 1 and url.startswith("sqlite"):
        return [
            f"IVR_DATABASE_URL is SQLite but {workers} workers are configured: "
            "use PostgreSQL, or IVR_WORKERS=1"
        ]
    return []


def config_problems(app: Flask) -> list[str]:
    """Everything plain `ivr check` finds: numbers, hours, prompts, metrics, retention."""
    problems = check(app.config.get("IVR_CONFIG"), Path(app.config["PROMPTS"]))
    return [str(problem) for problem in problems]
