"""Load on the line: signed whole calls on random paths, many callers at once, for a set time.

Starts `ivr serve` on the given database and the bare ceiling app (`benchmarks.ceiling`) under
the same gunicorn settings, plays the same load against each at every level of concurrent
callers, and reports webhooks/s, calls/s, webhook latency (p50/p95/p99), errors, and records
lost (calls played whose record is missing or not closed in the database afterwards).

    python -m benchmarks.load --database-url sqlite:////tmp/bench.sqlite3 --callers 1,10,50
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from ivr import db
from ivr.models import Call
from ivr.phone import DIAL_STATUSES, GatherSpec, HttpTransport, Phone, Reply
from ivr.server import default_workers

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "benchmark-token-not-a-secret"
CALLER = "+447911123456"
# Mostly real choices, some silence, "back", "again" and wrong keys, as people press them.
KEYS = ["1", "2", "3", "1", "2", "3", "0", "9", "*", "", "7"]


class RandomCaller:
    """A caller pressing random keys after listening a while, hanging up after a few answers."""

    def __init__(self, rng: random.Random, think: float) -> None:
        self._rng = rng
        self._left = rng.randint(2, 10)
        self._think = think

    def say(self, text: str) -> None:
        """Nobody listens in a benchmark."""

    def gather(self, gather: GatherSpec) -> str | None:
        if self._left == 0:
            return None
        self._left -= 1
        if self._think:
            time.sleep(self._rng.uniform(0, 2 * self._think))
        return self._rng.choice(KEYS)

    def dial(self, number: str) -> str:
        return self._rng.choice(DIAL_STATUSES)


class TimedTransport:
    """HTTP that notes each webhook's latency and any answer Twilio would count as a failure."""

    def __init__(self, latencies: list[float], failures: list[str]) -> None:
        self._http = HttpTransport()
        self._latencies = latencies
        self._failures = failures

    def post(self, url: str, params: dict[str, str], headers: dict[str, str]) -> Reply:
        started = time.perf_counter()
        reply = self._http.post(url, params, headers)
        self._latencies.append(time.perf_counter() - started)
        if reply.status not in (200, 204):
            self._failures.append(f"{reply.status} from {url}")
        return reply

    def close(self) -> None:
        self._http.close()


@dataclass
class Level:
    """One run at one level of concurrent callers."""

    callers: int
    seconds: float
    webhooks: int
    calls: int
    webhooks_per_second: float
    calls_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    lost: int | None


def percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 if ordered else 0.0


def play(
    base: str, callers: int, seconds: float, think: float, seed: int
) -> tuple[Level, list[str]]:
    """`callers` threads, each calling again as soon as its call ends, until time is up.

    With `think` 0 every caller answers at once, which measures throughput; a real caller
    listens for seconds between webhooks, which `think` (the mean pause) stands for.
    """
    latencies: list[float] = []
    failures: list[str] = []
    sids: list[str] = []
    deadline = time.monotonic() + seconds

    def caller(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        transport = TimedTransport(latencies, failures)
        # Paced callers ring at their own moments, as people do, not all in the same instant.
        time.sleep(rng.uniform(0, 2 * think))
        try:
            while time.monotonic() < deadline:
                log = Phone(
                    transport,
                    f"{base}/voice/incoming",
                    TOKEN,
                    RandomCaller(rng, think),
                    caller=CALLER,
                ).call()
                sids.append(log.call_sid)
                failures.extend(e.text for e in log.events if e.kind == "error")
        finally:
            transport.close()

    started = time.monotonic()
    threads = [threading.Thread(target=caller, args=(i,)) for i in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    ordered = sorted(latencies)
    level = Level(
        callers=callers,
        seconds=round(elapsed, 2),
        webhooks=len(latencies),
        calls=len(sids),
        webhooks_per_second=round(len(latencies) / elapsed, 1),
        calls_per_second=round(len(sids) / elapsed, 1),
        p50_ms=round(percentile(ordered, 0.50), 1),
        p95_ms=round(percentile(ordered, 0.95), 1),
        p99_ms=round(percentile(ordered, 0.99), 1),
        errors=len(failures),
        lost=None,
    )
    for failure in failures[:5]:
        print(f"  error: {failure}", file=sys.stderr)
    return level, sids


def warm_up(base: str) -> None:
    """A few unmeasured calls, so each worker's first connection and imports are not timed."""
    play(base, callers=4, seconds=2, think=0, seed=-1)


def lost(database_url: str, sids: list[str]) -> int:
    """Calls played whose record is missing, or was never closed by the status callback."""
    engine = db.make_engine(database_url)
    found = 0
    try:
        with engine.connect() as connection:
            for start in range(0, len(sids), 500):
                batch = sids[start : start + 500]
                query = select(Call.call_sid).where(
                    Call.call_sid.in_(batch), Call.status == "completed"
                )
                found += len(connection.execute(query).all())
    finally:
        engine.dispose()
    return len(sids) - found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(command: list[str], env: dict[str, str], port: int) -> Iterator[str]:
    """A server process, ready once its port accepts, stopped however the run ends."""
    process = subprocess.Popen(
        command, cwd=ROOT, env=os.environ | env | {"PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{command} did not start")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        time.sleep(1)  # the port opens before every worker has booted
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def run(args: argparse.Namespace) -> dict[str, object]:
    levels = [int(n) for n in args.callers.split(",")]
    workers = ["--workers", str(args.workers)]
    ours: list[Level] = []
    ceiling: list[Level] = []
    port = free_port()
    line = [sys.executable, "-m", "ivr", "serve", "--port", str(port), *workers]
    env = {"IVR_DATABASE_URL": args.database_url, "TWILIO_AUTH_TOKEN": TOKEN}
    with server(line, env, port) as base:
        warm_up(base)
        for seed, callers in enumerate(levels):
            level, sids = play(base, callers, args.seconds, args.think, seed)
            level.lost = lost(args.database_url, sids)
            ours.append(level)
            print(f"line     {asdict(level)}", flush=True)
    port = free_port()
    bare = [sys.executable, "-m", "benchmarks.ceiling", "--port", str(port), *workers]
    with server(bare, {}, port) as base:
        warm_up(base)
        for seed, callers in enumerate(levels):
            level, _ = play(base, callers, args.seconds, args.think, seed)
            ceiling.append(level)
            print(f"ceiling  {asdict(level)}", flush=True)
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.platform()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "command": " ".join(["python -m benchmarks.load", *sys.argv[1:]]),
        "database": db.make_engine(args.database_url).dialect.name,
        "workers": args.workers,
        "think_seconds": args.think,
        "line": [asdict(level) for level in ours],
        "ceiling": [asdict(level) for level in ceiling],
    }


def report(result: dict[str, object]) -> str:
    """A Markdown table: the line beside the ceiling at each level, and the ratio."""
    rows = [
        f"{result['database']}, {result['workers']} gunicorn workers, "
        f"callers pause {result['think_seconds']} s on average before each answer",
        "",
        "| callers | webhooks/s | ceiling/s | ratio | calls/s | p50 ms | p95 ms | p99 ms "
        "| ceiling p99 ms | errors | lost |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for ours, bare in zip(result["line"], result["ceiling"], strict=True):  # type: ignore[call-overload]
        ratio = ours["webhooks_per_second"] / bare["webhooks_per_second"]
        rows.append(
            f"| {ours['callers']} | {ours['webhooks_per_second']} | {bare['webhooks_per_second']} "
            f"| {ratio:.2f} | {ours['calls_per_second']} | {ours['p50_ms']} | {ours['p95_ms']} "
            f"| {ours['p99_ms']} | {bare['p99_ms']} | {ours['errors']} | {ours['lost']} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_db = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    parser.add_argument("--database-url", default=default_db)
    parser.add_argument(
        "--workers", type=int, default=default_workers(), help="as `ivr serve` (2 x cores + 1)"
    )
    parser.add_argument("--callers", default="1,10,25,50,100", help="levels, comma-separated")
    parser.add_argument("--seconds", type=float, default=10.0, help="per level")
    parser.add_argument("--think", type=float, default=0.0, help="mean pause before answering")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()
    result = run(args)
    print(report(result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
