"""The information-sharing phone line: a Flask app answering Twilio's voice webhooks."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from ivr import db, health, logs, messaging, metrics, review, voice
from ivr.config import DEFAULT_PROMPTS, load_config, load_prompts, merge
from ivr.line import Line, utc_now

log = logging.getLogger(__name__)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the line; tests pass a mapping (settings, a `CONFIG` override, a `CLOCK`)."""
    app = Flask(__name__, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(
        DATABASE_URL=os.environ.get("IVR_DATABASE_URL")
        or f"sqlite:///{Path(app.instance_path) / 'ivr.sqlite3'}",
        PUBLIC_URL=os.environ.get("IVR_PUBLIC_URL"),
        TWILIO_AUTH_TOKEN=os.environ.get("TWILIO_AUTH_TOKEN"),
        IVR_CONFIG=os.environ.get("IVR_CONFIG"),
        SECRET_KEY=os.environ.get("IVR_SECRET_KEY"),
        CONFIG={},
        PROMPTS=DEFAULT_PROMPTS,
        CLOCK=utc_now,
        # Twilio's webhooks are a few hundred bytes; anything near this is not from Twilio.
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    if test_config:
        app.config.from_mapping(test_config)
    logs.init_app(app)
    if not app.config["TWILIO_AUTH_TOKEN"]:
        app.config["TWILIO_AUTH_TOKEN"] = local_auth_token(app)
        log.warning(
            "TWILIO_AUTH_TOKEN is not set: using a local token from %s, so only the local "
            "simulator (ivr call) can call in. Set TWILIO_AUTH_TOKEN before pointing a real "
            "Twilio number at this line.",
            local_token_path(app),
        )
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = instance_secret_key(app)
    config = merge(load_config(app.config["IVR_CONFIG"]), app.config["CONFIG"])
    app.extensions["ivr.line"] = Line(
        config, load_prompts(Path(app.config["PROMPTS"])), app.config["CLOCK"]
    )
    metrics.init_app(app)
    db.init_app(app)
    app.register_blueprint(voice.bp)
    app.register_blueprint(health.bp)
    review.init_app(app)
    messaging.init_app(app)
    return app


def local_token_path(app: Flask) -> Path:
    return Path(app.instance_path) / "local_auth_token"


def local_auth_token(app: Flask) -> str:
    """A random token made once per instance folder, so no default secret ever exists."""
    path = local_token_path(app)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(16))
    return path.read_text().strip()


def instance_secret_key(app: Flask) -> str:
    """The key signing review-area sessions: made once per instance folder, shared by workers."""
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()
