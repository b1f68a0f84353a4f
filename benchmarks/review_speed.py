"""The review area at scale: page times (p50, p95) and the export of every call, with peak memory.

Run against a database seeded with `ivr seed 1000000` (migrated first):

    IVR_DATABASE_URL=sqlite:////tmp/1m.db python -m benchmarks.review_speed --requests 40
    IVR_DATABASE_URL=sqlite:////tmp/1m.db python -m benchmarks.review_speed --export

Pages are asked for in-process through Flask's test client, logged in as a supervisor, so the
figures are the application's and the database's time, without a network. The export runs as the
browser's does (POST, then the prepared file is fetched), in this process, whose peak resident
memory (ru_maxrss) is reported.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import re
import resource
import secrets
import statistics
import time
from typing import Any

from sqlalchemy import func, select

from ivr import create_app, db
from ivr.models import Call
from ivr.review import accounts
from ivr.review.filters import cursor

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _client(url: str) -> Any:
    """A supervisor logged in as `bench`, with a password made for this run alone and the
    account disabled again afterwards: the database may be a real one, and a benchmark must not
    leave a way in behind it."""
    app = create_app({"DATABASE_URL": url})
    db.upgrade(url)
    password = secrets.token_urlsafe(24)
    with app.app_context(), db.session() as session:
        now = app.config["CLOCK"]()
        if accounts.find(session, "bench") is None:
            accounts.add(session, now, "bench", "bench", "supervisor", password)
        else:
            accounts.enable(session, now, "bench", "bench")
            accounts.set_password(session, now, "bench", "bench", password)
    atexit.register(_disable, app)
    client = app.test_client()
    form = {
        "username": "bench",
        "password": password,
        "csrf_token": _token(client, "/review/login"),
    }
    answer = client.post("/review/login", data=form)
    assert answer.status_code == 302, answer.status_code
    return app, client


def _disable(app: Any) -> None:
    with app.app_context(), db.session() as session:
        accounts.disable(session, app.config["CLOCK"](), "bench", "bench")


def _token(client: Any, path: str) -> str:
    found = TOKEN.search(client.get(path).get_data(as_text=True))
    assert found, path
    return found.group(1)


def _times(client: Any, path: str, count: int) -> dict[str, float]:
    seconds = []
    for _ in range(count):
        started = time.perf_counter()
        answer = client.get(path)
        seconds.append(time.perf_counter() - started)
        assert answer.status_code == 200, (path, answer.status_code)
    seconds.sort()
    return {
        "p50_ms": round(1000 * statistics.median(seconds), 1),
        "p95_ms": round(1000 * seconds[max(int(len(seconds) * 0.95) - 1, 0)], 1),
        "max_ms": round(1000 * seconds[-1], 1),
    }


def pages(url: str, count: int) -> dict[str, Any]:
    app, client = _client(url)
    with app.app_context(), db.reading() as session:
        calls = session.scalar(select(func.count()).select_from(Call))
        middle = session.scalar(select(Call).order_by(Call.id).offset(calls // 2).limit(1))
        assert middle is not None
        reference, call_id = middle.reference, middle.id
    targets = {
        "dashboard": "/review/",
        "calls list": "/review/calls",
        "calls list, one day": f"/review/calls?since={middle.started_at.date()}"
        f"&until={middle.started_at.date()}",
        "calls list, a page in the middle": f"/review/calls?after={cursor(middle)}",
        "search by middle digits": f"/review/calls?q={reference[2:5]}",
        "search by two digits (no trigram: a scan)": f"/review/calls?q={reference[2:4]}",
        "search by whole reference": f"/review/calls?q={reference}",
        "a call's page": f"/review/calls/{call_id}",
    }
    client.get("/review/")  # warm the caches a supervisor's first page would
    return {"calls": calls, **{name: _times(client, path, count) for name, path in targets.items()}}


def export_all(url: str) -> dict[str, Any]:
    _, client = _client(url)
    started = time.perf_counter()
    answer = client.post("/review/calls/export", data={"csrf_token": _token(client, "/review/")})
    assert answer.status_code == 302, answer.status_code
    status = answer.headers["Location"]
    while True:
        state = client.get(status, headers={"Accept": "application/json"}).get_json()
        if state["ready"] or state["failed"]:
            break
        time.sleep(1)
    assert state["ready"], state
    prepared = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    seconds = time.perf_counter() - started
    rows = size = 0
    with client.get(state["download"]) as file:
        for chunk in file.response:  # read as a browser does, never whole into memory
            rows += chunk.count(b"\n")
            size += len(chunk)
    return {
        "rows": rows - 1,
        "megabytes": round(size / 1e6, 1),
        "seconds": round(seconds, 1),
        "peak_rss_mb_preparing": round(prepared, 1),
        "peak_rss_mb_end_to_end": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--export", action="store_true", help="export every call instead")
    parser.add_argument("--json", help="also write the figures to this file")
    options = parser.parse_args()
    url = os.environ["IVR_DATABASE_URL"]
    figures = export_all(url) if options.export else pages(url, options.requests)
    print(json.dumps(figures, indent=2))
    if options.json:
        with open(options.json, "w") as out:
            json.dump(figures, out, indent=2)


if __name__ == "__main__":
    main()
