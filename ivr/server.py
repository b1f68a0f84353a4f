"""The production WSGI server for `ivr serve`: gunicorn, each worker with its own app."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from ivr import create_app


class Server(BaseApplication):  # type: ignore[misc]
    """gunicorn driven from code, so `ivr serve` needs no separate config file."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return create_app()


# Threads per worker: a thread waiting on the database leaves the core to another.
THREADS = 8


def default_workers() -> int:
    """One gthread worker per core, each with THREADS threads: the fastest setting measured.

    On 2 cores, with the line's CPU per webhook at its lowest, gthread workers answered each
    webhook with about a third less server CPU than sync workers, and 5 sync workers (the
    former default, gunicorn's 2 x cores + 1) were the slowest (benchmarks/RESULTS.md).
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return cores or 1


def options(bind: str, workers: int) -> dict[str, Any]:
    """gunicorn's settings for the line."""
    return {
        "bind": bind,
        "workers": workers,
        "worker_class": "gthread",
        "threads": THREADS,
        # Each webhook on a connection of its own, as with sync workers: a connection kept open
        # to a worker that then dies or restarts would fail the next webhook sent on it.
        "keepalive": 0,
        "accesslog": "-",
        # Twilio gives up after 15 s; a worker stuck longer than that helps no caller.
        "timeout": 20,
        "graceful_timeout": 10,
    }


def run(bind: str, workers: int) -> None:
    Server(options(bind, workers)).run()
