"""`ivr check --live`: what a real deployment needs beyond a valid config, one line per gap.

Each gap here lets the line run in a simulator yet fail a real caller: Twilio's signatures
refused, a URL Twilio cannot reach, workers fighting over one SQLite file, a number that
cannot be dialled, a prompt missing mid-call.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from ivr import db, local_token_path, metrics
from ivr.check import check, warnings
from ivr.check.callbacks import live_callback_problems, worker_warnings
from ivr.config import PROMPTS_FILE, prompt_file, prompts_dir
from ivr.messaging.outbox import offers_call_backs
from ivr.server import default_workers


def live_problems(app: Flask) -> list[str]:
    """Everything that stops this app, as configured, from answering real calls."""
    return [
        *token_problems(app),
        *public_url_problems(app.config.get("PUBLIC_URL")),
        *database_problems(app.config["DATABASE_URL"], os.environ.get("IVR_WORKERS")),
        *reachability_problems(app),
        *config_problems(app),
        *live_callback_problems(app),
        *secret_key_problems(app),
        *([metrics.SHARED_DIR_PROBLEM] if metrics.SHARED_DIR_PROBLEM else []),
    ]


def live_warnings(app: Flask) -> list[str]:
    """What callers would go without, though the line answers every call."""
    return [
        *[str(warning) for warning in warnings(app.config.get("IVR_CONFIG"))],
        *worker_warnings(app),
        *secret_key_warnings(app),
        *rotation_warnings(app),
    ]


def token_problems(app: Flask) -> list[str]:
    """Twilio signs with the account's token; the generated local one only fits the simulator."""
    token = app.config.get("TWILIO_AUTH_TOKEN")
    local = local_token_path(app)
    if not token or (local.exists() and token == local.read_text().strip()):
        return ["TWILIO_AUTH_TOKEN is not set: Twilio's requests would all be refused (403)"]
    return []


def rotation_warnings(app: Flask) -> list[str]:
    """The old token left set after a rotation would keep accepting what it signs: a leaked one
    stays a key to the line until it is unset."""
    if not app.config.get("TWILIO_AUTH_TOKEN_PREVIOUS"):
        return []
    return [
        "TWILIO_AUTH_TOKEN_PREVIOUS is set: webhooks signed with the old token are still "
        "accepted; unset it once the new token is promoted in Twilio's console and "
        "ivr_signatures_previous_token_total has stopped growing"
    ]


def own_secret_key(app: Flask) -> bool:
    """Whether this host signs with a key of its own where other hosts may share the database.

    Unset, IVR_SECRET_KEY is a random key made in each instance folder: one host's call-back
    links and sign-ins are refused by every other (404, signed out). SQLite means one host.
    """
    url = db.normalise_url(app.config["DATABASE_URL"])
    return bool(app.config.get("LOCAL_SECRET_KEY")) and not url.startswith("sqlite")


def secret_key_problems(app: Flask) -> list[str]:
    """Call-back links signed by one host's own key answer 404 on every other host."""
    with app.app_context():
        if not own_secret_key(app) or not offers_call_backs():
            return []
    return [
        "IVR_SECRET_KEY is not set: each server and call-back worker signs call-back links with "
        "a random key of its own instance folder, so a link sent from one answers 404 on "
        "another; set the same IVR_SECRET_KEY on all of them"
    ]


def secret_key_warnings(app: Flask) -> list[str]:
    """Without call backs, only the review area's sign-ins depend on one shared key."""
    with app.app_context():
        if not own_secret_key(app) or offers_call_backs():
            return []
    return [
        "IVR_SECRET_KEY is not set: each server signs with a random key of its own instance "
        "folder, so a review-area sign-in holds only on the server it was made on; set the same "
        "IVR_SECRET_KEY on every server"
    ]


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


def reachability_problems(app: Flask) -> list[str]:
    """The database server answers now; a SQLite file is simply made by `ivr serve`."""
    url = app.config["DATABASE_URL"]
    if db.normalise_url(url).startswith("sqlite"):
        return []
    try:
        with app.extensions["ivr.engine"].connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as error:
        return [unreachable(url, error)]
    return []


def unreachable(url: str, error: DBAPIError) -> str:
    """The database that cannot be used, named without its password, and the driver's reason."""
    reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
    if db.normalise_url(url).startswith("sqlite"):
        return (
            f"cannot open the SQLite database at {shown_url(url)}: {reason}; its folder must "
            "exist and be writable by the user running ivr"
        )
    return f"cannot reach the database at {shown_url(url)}: {reason}"


def shown_url(url: str) -> str:
    """A database URL fit for a message or a log: its password hidden."""
    try:
        return make_url(db.normalise_url(url)).render_as_string(hide_password=True)
    except ArgumentError:
        return "(IVR_DATABASE_URL does not parse as a URL)"


def config_problems(app: Flask) -> list[str]:
    """Everything plain `ivr check` finds: numbers, hours, prompts, metrics, retention."""
    prompts = prompt_file(PROMPTS_FILE, prompts_dir(app.config["PROMPTS"]))
    problems = check(app.config.get("IVR_CONFIG"), prompts)
    return [str(problem) for problem in problems]
