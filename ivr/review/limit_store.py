"""Where login rate limits are counted when no Redis is configured: a SQLite file of its own.

`ivr serve` runs several gunicorn workers, so counts kept in each worker's memory would let a
guesser try the limit once per worker. A small SQLite file in the instance folder is shared by
every worker on the machine, needs no server, and is not the call database: counting a login
try never waits for, or holds, the lock a call's webhook needs. Several servers share counts
only through Redis (IVR_RATELIMIT_STORAGE_URL, docs/security.md).

A `limits` storage backend (the library under Flask-Limiter) for its fixed-window strategy.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from typing import Any

from limits.storage import Storage

SCHEME = "ivr-sqlite"
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS counters "
    "(key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS counters_expires ON counters (expires)",
)
# One statement, so atomic between workers: a window that has passed starts again at `amount`.
INCREMENT = (
    "INSERT INTO counters (key, count, expires) VALUES (:key, :amount, :expires) "
    "ON CONFLICT (key) DO UPDATE SET "
    "count = CASE WHEN expires <= :now THEN :amount ELSE count + :amount END, "
    "expires = CASE WHEN expires <= :now THEN :expires ELSE expires END "
    "RETURNING count"
)


class SQLiteStorage(Storage):
    """Counters in one SQLite file: `ivr-sqlite:///path/to/file`."""

    STORAGE_SCHEME = [SCHEME]  # noqa: RUF012 (the `limits` registry reads a list)

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: Any) -> None:
        super().__init__(uri, wrap_exceptions, **options)
        self.path = uri.removeprefix(f"{SCHEME}://")
        self._local = threading.local()

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _db(self) -> sqlite3.Connection:
        """A connection per thread and per process: gunicorn forks workers after import."""
        connection = getattr(self._local, "connection", None)
        if connection is None or self._local.pid != os.getpid():
            connection = sqlite3.connect(self.path, timeout=5, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            for statement in SCHEMA:
                connection.execute(statement)
            self._local.connection, self._local.pid = connection, os.getpid()
        return connection

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        db = self._db()
        # Forgetting windows that have passed keeps the file as small as the current minute.
        db.execute("DELETE FROM counters WHERE expires <= ?", (now,))
        values = {"key": key, "amount": amount, "expires": now + expiry, "now": now}
        return int(db.execute(INCREMENT, values).fetchone()[0])

    def get(self, key: str) -> int:
        row = (
            self._db()
            .execute("SELECT count FROM counters WHERE key = ? AND expires > ?", (key, time.time()))
            .fetchone()
        )
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._db().execute("SELECT expires FROM counters WHERE key = ?", (key,)).fetchone()
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        return self._db().execute("SELECT 1").fetchone() == (1,)

    def reset(self) -> int | None:
        return self._db().execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        self._db().execute("DELETE FROM counters WHERE key = ?", (key,))
