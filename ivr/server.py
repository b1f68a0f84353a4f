"""The production WSGI server for `ivr serve`: gunicorn, each worker with its own app."""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from ivr import UnreadableLine, create_app, db, logs, warn_local_token
from ivr.line import Line

log = logging.getLogger(__name__)


class Server(BaseApplication):  # type: ignore[misc]
    """gunicorn driven from code, so `ivr serve` needs no separate config file."""

    def __init__(self, options: dict[str, Any], checked: Line | None = None) -> None:
        self.options = options
        # The line as `ivr serve` checked it before forking: what the workers last knew.
        self.checked = checked
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        """Each worker's app.

        A config made unreadable since `ivr serve` checked it still starts the worker, because
        a worker that failed to boot would take gunicorn, and so the whole line, down. Every
        call then gets the safe guidance with the duty numbers `ivr serve` checked (ivr.safe).
        """
        # A pooled connection kept open for each of the worker's threads (ivr.db.make_engine).
        pool_size = max(self.cfg.threads, db.POOL_SIZE)
        app = create_app({"LAST_KNOWN_LINE": self.checked, "DATABASE_POOL_SIZE": pool_size})
        line = app.extensions["ivr.line"]
        if isinstance(line, UnreadableLine):
            log.error("every call gets the safe guidance: %s", line.problem)
        warn_local_token(app)
        return app


class AccessLog(Logger):  # type: ignore[misc]
    """gunicorn's logs: errors, and access lines for the review area, /healthz and call-back links.

    Each voice webhook already has its line in the line's own log (ivr.logs), with the call,
    the step and how it was answered; a second line for it in the access log said less and
    cost every webhook the time to format and write it.

    A call-back link's token is a key to the caller's number (ivr.logs.without_key), and these
    logs go to the journal and on to log shippers: every line shows such a link as
    `/callbacks/...`, its method and status still there to tell a look from a take.
    """

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not environ.get("PATH_INFO", "").startswith("/voice/"):
            super().access(resp, req, environ, request_time)

    def atoms(
        self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any
    ) -> dict[str, Any]:
        """gunicorn's fields for an access line, each path, URL and request line keyless.

        The request line is built again from its parts, as gunicorn builds it, so the target
        is hidden whichever atom (`%(r)s`, `%(U)s`, `%({raw_uri}e)s`, a Referer) shows it.
        """
        atoms = {
            name: logs.without_key(value) if isinstance(value, str) else value
            for name, value in super().atoms(resp, req, environ, request_time).items()
        }
        target = logs.without_key(environ["RAW_URI"])
        atoms["r"] = f"{environ['REQUEST_METHOD']} {target} {environ['SERVER_PROTOCOL']}"
        return atoms

    def exception(self, msg: str, *args: Any, **kwargs: Any) -> None:
        """An error, with a request's URI keyless: "Error handling request GET /callbacks/..."."""
        shown = [logs.without_key(arg) if isinstance(arg, str) else arg for arg in args]
        super().exception(msg, *shown, **kwargs)


def default_workers() -> int:
    """Two sync workers per core: the fastest setting measured, and the steadiest.

    On 2 cores, on SQLite and PostgreSQL (benchmarks/RESULTS.md): a threaded (gthread) worker
    spent more CPU per webhook, as each webhook's thread hands Python's GIL back and forth with
    the thread accepting connections at every database call; a sync worker answers one webhook
    at a time and hands nothing. Two per core keep a core busy while a worker waits on the
    database: with one per core, PostgreSQL's commits left callers queueing (p99 76 ms against
    43 ms at 200 callers).
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return 2 * (cores or 1)


def options(bind: str, workers: int) -> dict[str, Any]:
    """gunicorn's settings for the line."""
    return {
        "bind": bind,
        "workers": workers,
        "worker_class": "sync",
        "accesslog": "-",
        "logger_class": AccessLog,
        # Twilio gives up after 15 s; a worker stuck longer than that helps no caller.
        "timeout": 20,
        "graceful_timeout": 10,
    }


def run(bind: str, workers: int, checked: Line) -> None:
    Server(options(bind, workers), checked).run()
