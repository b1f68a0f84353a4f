"""gunicorn for the benchmark: the line, the bare ceiling app or the floor, under chosen settings.

The line runs with `ivr serve`'s own options (`ivr.server.options`) and only the worker count
and class replaced, so a setting the sweep finds is exactly what `ivr serve` would run; the
floor (`benchmarks.floor`) runs with the same options, so the two differ only in the app; the
ceiling runs with gunicorn's defaults, no access log and connections kept alive, as a bare app
would be served at its fastest.

    python -m benchmarks.serve line --port 5055 --settings sync:3
    python -m benchmarks.serve ceiling --port 5056 --settings gthread:2x8
    python -m benchmarks.serve floor --port 5057 --settings sync:4
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from typing import Any

from flask import Flask

from ivr import db
from ivr.server import Server, options


@dataclass(frozen=True)
class Settings:
    """A worker class and count, written `sync:3` or `gthread:2x8` (workers x threads)."""

    worker_class: str
    workers: int
    threads: int = 1

    @classmethod
    def parse(cls, text: str) -> Settings:
        worker_class, _, size = text.partition(":")
        workers, _, threads = size.partition("x")
        if worker_class not in ("sync", "gthread") or not workers.isdigit():
            raise ValueError(f"{text!r}: use sync:N or gthread:NxT")
        return cls(worker_class, int(workers), int(threads or 1))

    @classmethod
    def of(cls, gunicorn_options: dict[str, Any]) -> Settings:
        """The settings a set of gunicorn options amounts to (gunicorn's defaults filled in)."""
        return cls(
            gunicorn_options.get("worker_class", "sync"),
            int(gunicorn_options["workers"]),
            int(gunicorn_options.get("threads", 1)),
        )

    def __str__(self) -> str:
        if self.worker_class == "sync":
            return f"sync:{self.workers}"
        return f"{self.worker_class}:{self.workers}x{self.threads}"

    def gunicorn(self) -> dict[str, Any]:
        return {"workers": self.workers, "worker_class": self.worker_class, "threads": self.threads}


class Ceiling(Server):
    """gunicorn serving the bare app instead of the line."""

    def load(self) -> Flask:
        from benchmarks.ceiling import app

        return app


class Floor(Server):
    """gunicorn serving the floor, under the line's own options."""

    def load(self) -> Flask:
        from benchmarks.floor import make_app

        url, token = os.environ["IVR_DATABASE_URL"], os.environ["TWILIO_AUTH_TOKEN"]
        return make_app(url, token, pool_size=max(self.cfg.threads, db.POOL_SIZE))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("app", choices=["line", "ceiling", "floor"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--settings", type=Settings.parse, required=True)
    args = parser.parse_args()
    bind = f"127.0.0.1:{args.port}"
    if args.app in ("line", "floor"):
        served = Server if args.app == "line" else Floor
        served(options(bind, args.settings.workers) | args.settings.gunicorn()).run()
    else:
        # Idle connections kept longer than a paced caller's longest pause (2 s), so none is
        # closed by the server just as its caller sends the next webhook.
        Ceiling({"bind": bind, "keepalive": 5, **args.settings.gunicorn()}).run()


if __name__ == "__main__":
    main()
