"""Whether a call-back worker is running now: the line promises only what someone will send.

"They will call you back" and "I've sent it to you by text" are kept by a worker, not by the
webhook that queues the message. A deployment whose servers all run `--no-worker`, with no
`ivr worker` beside them, would queue messages no one sends. So each worker writes when it
was last running (a row per worker, every third of `callbacks.worker_missing_after_seconds`),
and the line offers a call back or a text only while some worker was seen within that time.
A worker that stops cleanly takes its row away at once; one that dies is missed after it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from ivr.messaging.models import WorkerBeat

# Rows of workers that died without saying so are cleared once they are this old.
FORGOTTEN_AFTER = timedelta(days=1)

LAST_SEEN = select(func.max(WorkerBeat.seen_at))
SEEN = update(WorkerBeat).where(WorkerBeat.name == bindparam("who")).values(seen_at=bindparam("at"))


def missing_after(config: Mapping[str, Any]) -> timedelta:
    return timedelta(seconds=int(config["callbacks"]["worker_missing_after_seconds"]))


def every(config: Mapping[str, Any]) -> float:
    """Seconds between a worker's beats: three beats may pass unseen before it is missed."""
    return missing_after(config).total_seconds() / 3


def beat(session: Session, name: str, now: datetime) -> None:
    """Say this worker is running as of `now` (and forget workers long gone)."""
    if not session.execute(SEEN, {"who": name, "at": now}).rowcount:  # type: ignore[attr-defined]
        session.add(WorkerBeat(name=name, started_at=now, seen_at=now))
    session.execute(delete(WorkerBeat).where(WorkerBeat.seen_at < now - FORGOTTEN_AFTER))


def stopped(session: Session, name: str) -> None:
    """This worker has stopped: no promise may count on it from now on."""
    session.execute(delete(WorkerBeat).where(WorkerBeat.name == name))


def last_seen(connection: Connection) -> datetime | None:
    """When a worker was last seen running, by the newest beat of any worker."""
    return connection.execute(LAST_SEEN).scalar()  # type: ignore[no-any-return]


def running(connection: Connection, now: datetime, config: Mapping[str, Any]) -> bool:
    """A worker was seen within `callbacks.worker_missing_after_seconds` of `now`."""
    return recent(last_seen(connection), now, config)


def recent(seen: datetime | None, now: datetime, config: Mapping[str, Any]) -> bool:
    return seen is not None and now - seen <= missing_after(config)
