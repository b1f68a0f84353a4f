"""Logs an operator can search: one line per webhook and per error, never a caller's number.

JSON when stderr goes to a file or a log shipper, readable plain lines when a person watches a
terminal; `IVR_LOG_FORMAT=json|plain` decides instead, `IVR_LOG_LEVEL` sets the level (INFO).
Webhooks put what they know about the call on `flask.g.log_fields`; this module adds the rest.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TextIO
from urllib.parse import unquote

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from ivr.environment import Unusable
from ivr.terminal import shown
from ivr.voice import CALL_SID

LOGGER = "ivr"
# Form fields shorter than this are logged as they are; longer ones are cut, never speech in full.
MAX_FIELD = 64
# A call-back link (ivr.messaging.page), as a path, a request target or a URL: its token is a
# bearer key that shows the caller's number and takes the request. The page's styles, under
# /callbacks/static/, are no key.
CALLBACK_LINK = re.compile(
    r"(?P<kept>(?:[a-z][a-z0-9+.-]*:)?(?://[^/?#]*)?/+callbacks/+)(?!static/)[^/?#]",
    re.IGNORECASE,
)


def mask(number: str | None) -> str | None:
    """All but the last three digits hidden: enough to tell two callers apart in a log, no more."""
    if not number:
        return None
    return "*" * max(len(number) - 3, 0) + number[-3:]


def without_key(uri: str) -> str:
    """`uri` with a call-back link's token (and whatever follows it) written as `...`.

    Logs are read by more people, and kept and shipped further, than the duty team the link
    was sent to; a token copied from one would let its reader see the caller's number and stop
    the request's escalation by taking it. Percent-escapes are decoded first, as the app's
    routing decodes them, so an escaped token is hidden too.
    """
    found = CALLBACK_LINK.match(unquote(uri))
    return f"{found['kept']}..." if found else uri


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the record's `fields` merged in."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class PlainFormatter(logging.Formatter):
    """Time, level, message, then the fields as key=value: for a person at a terminal.

    A field's control characters are written as escapes (`\\n`, `\\x1b`): a value taken from a
    request could otherwise end the line and start one that looks like the line's own.
    """

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        fields: Mapping[str, Any] = getattr(record, "fields", {})
        pairs = " ".join(
            f"{key}={shown(str(value))}" for key, value in fields.items() if value is not None
        )
        text = super().format(record)
        return f"{text} {pairs}" if pairs else text


def formatter_for(stream: TextIO, choice: str | None) -> logging.Formatter:
    """The chosen format, else plain for a terminal and JSON for anything else."""
    wanted = (choice or "").lower()
    if wanted not in ("json", "plain"):
        wanted = "plain" if stream.isatty() else "json"
    return PlainFormatter() if wanted == "plain" else JsonFormatter()


def configure(stream: TextIO, level: str, choice: str | None) -> None:
    """Send the line's own loggers to `stream`, replacing whatever an earlier app set up."""
    logger = logging.getLogger(LOGGER)
    for handler in [h for h in logger.handlers if getattr(h, "ivr", False)]:
        logger.removeHandler(handler)
    handler = logging.StreamHandler(stream)
    handler.ivr = True  # type: ignore[attr-defined]
    handler.setFormatter(formatter_for(stream, choice))
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    # Our handler writes every line once; the root logger (gunicorn's, pytest's) need not repeat it.
    logger.propagate = False


def log_level(name: str) -> str:
    """IVR_LOG_LEVEL as `logging` names it; a level it does not know stops the line starting.

    Refused here rather than by `logging` itself, whose ValueError is a traceback at the shell.
    """
    level = name.strip().upper()
    if level not in logging.getLevelNamesMapping():
        raise Unusable(
            f"IVR_LOG_LEVEL {name!r} is not a log level: use DEBUG, INFO, WARNING or ERROR"
        )
    return level


def init_app(app: Flask) -> None:
    """Configure logging and log every request under /voice/ when it has been answered."""
    configure(
        app.config.get("LOG_STREAM") or sys.stderr,
        log_level(os.environ.get("IVR_LOG_LEVEL") or "INFO"),
        os.environ.get("IVR_LOG_FORMAT"),
    )
    app.before_request(start_clock)
    app.after_request(log_webhook)


def start_clock() -> None:
    g.started = time.perf_counter()


def form_field(name: str) -> str | None:
    """A form field, or None when the body could not be read (too large, malformed)."""
    try:
        value = request.form.get(name)
    except HTTPException:
        return None
    return value[:MAX_FIELD] if value else None


def logged_call_sid() -> str | None:
    """The request's CallSid when it has the shape the webhooks accept (ivr.voice), else None.

    A request refused for its signature, or an unsigned one to the fallback URL, may come from
    anyone: a CallSid of theirs is repeated only when it cannot be more than a SID.
    """
    sid = form_field("CallSid")
    return sid if sid and CALL_SID.fullmatch(sid) else None


def log_webhook(response: Response) -> Response:
    """The webhook's one log line: who, where in the flow, how it was answered, how fast."""
    if not request.path.startswith("/voice/"):
        return response
    latency = (time.perf_counter() - g.started) * 1000
    fields = {
        "endpoint": request.endpoint,
        "status": response.status_code,
        "latency_ms": round(latency, 1),
        "call_sid": logged_call_sid(),
        "caller": mask(form_field("From")),
        **g.get("log_fields", {}),
    }
    level = logging.INFO if response.status_code < 400 else logging.WARNING
    logging.getLogger("ivr.webhook").log(level, "webhook", extra={"fields": fields})
    return response
