"""The information-sharing phone line: a Flask app answering Twilio's voice webhooks."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any

from flask import Flask, request

from ivr import db, headers, health, logs, messaging, metrics, proxies, review, voice
from ivr.config import load_config, load_prompts, merge, prompts_dir
from ivr.line import Clock, Line, utc_now

log = logging.getLogger(__name__)


class CannotStart(RuntimeError):
    """A mistake in the set-up that no caller could be answered through, in an operator's words."""


class UnreadableLine:
    """Stands in for the line when its config or prompts cannot be read.

    Every other use raises, so each voice webhook falls through to the safe guidance (ivr.safe),
    which then speaks from the line last known to work (`ivr serve` passes its workers the one
    it checked) or else the shipped defaults; the app still starts, and no caller gets a 5xx.
    """

    def __init__(self, problem: str, clock: Clock, last_known: Line | None = None) -> None:
        self.problem = problem
        self.clock = clock
        self.last_known = last_known

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # what copy, pickle and hasattr probe: not the line's
            raise AttributeError(name)
        raise CannotStart(self.problem)


class App(Flask):
    """Flask, its line for an unhandled error keyless.

    Flask names the failing path, and a call-back link's path is a key to the caller's number
    (ivr.logs.without_key): a database down while the duty team opens links would otherwise
    put each link, whole, in the error log.
    """

    def log_exception(
        self, exc_info: tuple[type, BaseException, TracebackType] | tuple[None, None, None]
    ) -> None:
        path = logs.without_key(request.path)
        self.logger.error(f"Exception on {path} [{request.method}]", exc_info=exc_info)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the line; tests pass a mapping (settings, a `CONFIG` override, a `CLOCK`)."""
    app = App(__name__, instance_relative_config=True, instance_path=instance_path())
    app.config.from_mapping(
        DATABASE_URL=os.environ.get("IVR_DATABASE_URL")
        or f"sqlite:///{Path(app.instance_path) / 'ivr.sqlite3'}",
        PUBLIC_URL=os.environ.get("IVR_PUBLIC_URL"),
        TWILIO_AUTH_TOKEN=os.environ.get("TWILIO_AUTH_TOKEN"),
        TWILIO_AUTH_TOKEN_PREVIOUS=os.environ.get("TWILIO_AUTH_TOKEN_PREVIOUS"),
        IVR_CONFIG=os.environ.get("IVR_CONFIG"),
        SECRET_KEY=os.environ.get("IVR_SECRET_KEY"),
        CONFIG={},
        PROMPTS=os.environ.get("IVR_PROMPTS"),
        CLOCK=utc_now,
        # Twilio's webhooks are a few hundred bytes; anything near this is not from Twilio.
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    if test_config:
        app.config.from_mapping(test_config)
    logs.init_app(app)
    with writable_instance(app):
        if not app.config["TWILIO_AUTH_TOKEN"]:
            app.config["TWILIO_AUTH_TOKEN"] = local_auth_token(app)
            app.config["LOCAL_TOKEN"] = True
        if not app.config["SECRET_KEY"]:
            app.config["SECRET_KEY"] = instance_secret_key(app)
            app.config["LOCAL_SECRET_KEY"] = True
    app.extensions["ivr.line"] = the_line(app)
    metrics.init_app(app)
    db.init_app(app)
    app.register_blueprint(voice.bp)
    app.register_blueprint(health.bp)
    review.init_app(app)
    headers.init_app(app)
    proxies.init_app(app)
    messaging.init_app(app)
    return app


def instance_path() -> str | None:
    """IVR_INSTANCE_PATH, or Flask's own choice (`instance/` in a checkout, `var/` in a venv)."""
    chosen = os.environ.get("IVR_INSTANCE_PATH")
    return str(Path(chosen).resolve()) if chosen else None


@contextmanager
def writable_instance(app: Flask) -> Iterator[None]:
    """Turn a folder the line cannot write into one sentence an operator can act on."""
    try:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        yield
    except OSError as error:
        raise CannotStart(
            f"cannot write the instance folder {app.instance_path} ({error.strerror}): make it "
            "writable by the user running ivr, or set IVR_INSTANCE_PATH to a folder that is"
        ) from None


def the_line(app: Flask) -> Line | UnreadableLine:
    """The line as configured, or a stand-in naming what could not be read (UnreadableLine)."""
    try:
        config = merge(load_config(app.config["IVR_CONFIG"]), app.config["CONFIG"])
        return Line(config, load_prompts(prompts_dir(app.config["PROMPTS"])), app.config["CLOCK"])
    except Exception:
        return UnreadableLine(
            unreadable_problem(app), app.config["CLOCK"], app.config.get("LAST_KNOWN_LINE")
        )


def unreadable_problem(app: Flask) -> str:
    """The first thing `ivr check` finds, with where to look for the rest."""
    from ivr.check import check
    from ivr.config import PROMPTS_FILE, prompt_file

    prompts = prompt_file(PROMPTS_FILE, prompts_dir(app.config["PROMPTS"]))
    problems = check(app.config["IVR_CONFIG"], prompts)
    first = str(problems[0]) if problems else "the config or prompts cannot be read"
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{first}{more}; run `ivr check` for every problem"


def warn_local_token(app: Flask) -> None:
    """Said by the processes that answer or place calls with the local token, once each.

    `ivr serve` says it before its workers fork, so they inherit its having been said; the
    commands that only read records never say it.
    """
    if app.config.get("LOCAL_TOKEN"):
        said_once(str(local_token_path(app)))


@cache
def said_once(path: str) -> None:
    log.warning(
        "TWILIO_AUTH_TOKEN is not set: using a local token from %s, so only the local "
        "simulator (ivr call) can call in. Set TWILIO_AUTH_TOKEN before pointing a real "
        "Twilio number at this line.",
        path,
    )


def local_token_path(app: Flask) -> Path:
    return Path(app.instance_path) / "local_auth_token"


def local_auth_token(app: Flask) -> str:
    """A random token made once per instance folder, so no default secret ever exists."""
    return instance_secret(local_token_path(app), 16)


def instance_secret_key(app: Flask) -> str:
    """The key signing review-area sessions and call-back links: made once per instance folder,
    shared by that host's workers but by no other host (`ivr check --live` says so)."""
    return instance_secret(Path(app.instance_path) / "secret_key", 32)


def instance_secret(path: Path, size: int) -> str:
    """The secret kept at `path`, made there first if need be, readable by its owner only.

    Written whole to a file of this process's own, then linked into place, which fails if
    another process got there first: workers starting together on a new instance folder all
    read the one secret, never a file still empty.
    """
    if not path.exists():
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(size))
            with suppress(FileExistsError):
                os.link(draft, path)
        finally:
            draft.unlink()
    return path.read_text().strip()
