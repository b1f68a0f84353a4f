"""The line under load beside an honest ceiling, in one run: throughput, latency and CPU.

1. The ceiling: the bare Flask app (`benchmarks.ceiling`) under every worker setting in
   `--ceiling-settings`, flat out; the fastest is the ceiling for the rest of the run.
2. The floor (`benchmarks.floor`: the least a webhook costs on the libraries the line is built
   on) under every setting in `--floor-settings`, then the line, `ivr serve`'s options under
   every setting in `--line-settings`, flat out, on each database, to find the fastest (what
   `ivr serve` should default to).
3. Side by side, on each database, alternating: the best ceiling, the floor and the line, both
   at `ivr serve`'s defaults, flat out (`--callers`) and paced
   (`--paced-callers`, a mean `--think` s pause before each answer, as people listen before
   they press).

Every level reports webhooks/s, latency (p50/p95/p99), errors, records lost (calls played whose
record is missing or not closed afterwards), and CPU per webhook: the server's (user+system time
of the gunicorn master and its workers, from /proc; the system part also apart), the load
generator's own, PostgreSQL's backends serving the line, and what the rest of the machine used
meanwhile.

    python -m benchmarks.load --database sqlite --database postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import random
import resource
import secrets
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
from typing import Any

from sqlalchemy import Engine, bindparam, create_engine, make_url, select, text
from sqlalchemy.pool import NullPool

from benchmarks.caller import TOKEN, Caller, Tally
from benchmarks.serve import Settings
from ivr import db
from ivr.models import Call
from ivr.server import options

ROOT = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")


# --- CPU accounting from /proc ---------------------------------------------------------------


def process_times(pid: int) -> tuple[float, float]:
    """User and system CPU seconds a process has used so far (all its threads); 0 once gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0, 0.0
    return int(fields[11]) / TICK, int(fields[12]) / TICK


def tree(root: int) -> list[int]:
    """A process and all its descendants (a gunicorn master and its workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def cpu_of(pids: list[int]) -> dict[int, tuple[float, float]]:
    return {pid: process_times(pid) for pid in pids}


def used_since(before: dict[int, tuple[float, float]], pids: list[int]) -> tuple[float, float]:
    """User and system CPU used by `pids` since `before`; a process new since then counts in full.

    Kept apart because the kernel's share (accepting and closing connections, the database's
    files) and the Python's answer different questions about where a webhook's time goes.
    """
    user = system = 0.0
    for pid in pids:
        now, then = process_times(pid), before.get(pid, (0.0, 0.0))
        user += now[0] - then[0]
        system += now[1] - then[1]
    return user, system


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has been busy (every core, every process) since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle and iowait
    return (sum(values[:8]) - idle) / TICK


# --- The load --------------------------------------------------------------------------------


@dataclass
class Level:
    """One measured run: a server under one load."""

    server: str
    settings: str
    database: str | None
    callers: int
    think_seconds: float
    seconds: float
    webhooks: int
    calls: int
    webhooks_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    lost: int | None
    server_cpu_ms_per_webhook: float
    server_system_cpu_ms_per_webhook: float
    generator_cpu_ms_per_webhook: float
    database_cpu_ms_per_webhook: float | None
    server_cores: float
    generator_cores: float
    others_cores: float


def percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 if ordered else 0.0


def generate(port: int, callers: range, seconds: float, think: float, seed: int, out: Any) -> None:
    """One generator process: a thread per caller, each ringing again until time is up."""
    tally = Tally()
    deadline = time.monotonic() + seconds
    start = resource.getrusage(resource.RUSAGE_SELF)

    def ring(index: int) -> None:
        rng = random.Random(seed * 100_000 + index)
        caller = Caller(port, rng, think, tally)
        time.sleep(rng.uniform(0, 2 * think))  # paced callers ring at their own moments
        try:
            while time.monotonic() < deadline:
                caller.call()
        finally:
            caller.close()

    threads = [threading.Thread(target=ring, args=(i,)) for i in callers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    end = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (end.ru_utime - start.ru_utime) + (end.ru_stime - start.ru_stime)
    out.put((asdict(tally), cpu))


def play(
    port: int, callers: int, seconds: float, think: float, processes: int, seed: int
) -> tuple[Tally, float, float]:
    """The load from `processes` generator processes; their tally, CPU seconds and wall time."""
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    share = [range(i, callers, processes) for i in range(processes)]
    workers = [
        context.Process(target=generate, args=(port, part, seconds, think, seed, out))
        for part in share
        if part
    ]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    tally, cpu = Tally(), 0.0
    for _ in workers:
        part, part_cpu = out.get()
        tally.latencies += part["latencies"]
        tally.sids += part["sids"]
        tally.failures += part["failures"]
        cpu += part_cpu
    for worker in workers:
        worker.join()
    return tally, cpu, time.monotonic() - started


# --- Servers and databases --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Running:
    app: str
    settings: Settings
    port: int
    pid: int
    database: Database | None


@contextmanager
def server(app: str, settings: Settings, database: Database | None) -> Iterator[Running]:
    """A gunicorn server, ready once every worker answers, stopped however the run ends."""
    port = free_port()
    env = os.environ | {"PYTHONPATH": str(ROOT), "TWILIO_AUTH_TOKEN": TOKEN}
    if database is not None:
        env["IVR_DATABASE_URL"] = database.url
    command = [sys.executable, "-m", "benchmarks.serve", app, "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--settings", str(settings)], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{app} under {settings} did not start")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        while len(tree(process.pid)) < settings.workers + 1:
            time.sleep(0.2)
        running = Running(app, settings, port, process.pid, database)
        play(port, callers=8, seconds=2, think=0, processes=1, seed=0)  # warm every worker
        yield running
    finally:
        process.terminate()
        process.wait(timeout=30)


class Database:
    """A database of the benchmark's own: a fresh SQLite file or a fresh PostgreSQL schema."""

    def __init__(self, given: str) -> None:
        if given == "sqlite":
            self.name = "sqlite"
            self.url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
            self.schema: str | None = None
        else:
            self.name = "postgresql"
            self.schema = f"bench_{secrets.token_hex(4)}"
            self._admin = create_engine(
                db.normalise_url(given), poolclass=NullPool, isolation_level="AUTOCOMMIT"
            )
            with self._admin.connect() as connection:
                connection.execute(text(f"CREATE SCHEMA {self.schema}"))
            url = make_url(db.normalise_url(given)).update_query_dict(
                {"options": f"-csearch_path={self.schema}", "application_name": self.schema}
            )
            self.url = url.render_as_string(hide_password=False)
        db.upgrade(self.url)
        self.engine: Engine = db.make_engine(self.url)

    def backends(self) -> list[int]:
        """The PostgreSQL backends serving the line's connections (named for the schema)."""
        if self.schema is None:
            return []
        query = text("SELECT pid FROM pg_stat_activity WHERE application_name = :name")
        with self._admin.connect() as connection:
            return [int(pid) for pid in connection.execute(query, {"name": self.schema}).scalars()]

    def lost(self, sids: list[str]) -> int:
        """Calls played whose record is missing, or was never closed by the status callback."""
        query = select(Call.call_sid).where(
            Call.call_sid.in_(bindparam("sids", expanding=True)), Call.status == "completed"
        )
        found = 0
        with self.engine.connect() as connection:
            for start in range(0, len(sids), 500):
                found += len(connection.execute(query, {"sids": sids[start : start + 500]}).all())
        return len(sids) - found

    def drop(self) -> None:
        self.engine.dispose()
        if self.schema is not None:
            with self._admin.connect() as connection:
                connection.execute(text(f"DROP SCHEMA {self.schema} CASCADE"))
            self._admin.dispose()


def measure(
    running: Running, callers: int, seconds: float, think: float, processes: int, seed: int
) -> Level:
    """One level against a running server, with every process's CPU counted around it."""
    database = running.database
    servers = tree(running.pid)
    backends = database.backends() if database else []
    server_before, backends_before = cpu_of(servers), cpu_of(backends)
    machine_before = machine_busy_seconds()
    tally, generator_cpu, elapsed = play(running.port, callers, seconds, think, processes, seed)
    machine = machine_busy_seconds() - machine_before
    server_user, server_system = used_since(server_before, tree(running.pid))
    server_cpu = server_user + server_system
    backends_cpu = sum(used_since(backends_before, database.backends())) if database else 0.0
    webhooks = max(len(tally.latencies), 1)
    ordered = sorted(tally.latencies)
    others = machine - server_cpu - generator_cpu - backends_cpu
    level = Level(
        server=running.app,
        settings=str(running.settings),
        database=database.name if database else None,
        callers=callers,
        think_seconds=think,
        seconds=round(elapsed, 2),
        webhooks=len(tally.latencies),
        calls=len(tally.sids),
        webhooks_per_second=round(len(tally.latencies) / elapsed, 1),
        p50_ms=round(percentile(ordered, 0.50), 1),
        p95_ms=round(percentile(ordered, 0.95), 1),
        p99_ms=round(percentile(ordered, 0.99), 1),
        errors=len(tally.failures),
        lost=database.lost(tally.sids) if database else None,
        server_cpu_ms_per_webhook=round(server_cpu * 1000 / webhooks, 3),
        server_system_cpu_ms_per_webhook=round(server_system * 1000 / webhooks, 3),
        generator_cpu_ms_per_webhook=round(generator_cpu * 1000 / webhooks, 3),
        database_cpu_ms_per_webhook=(
            round(backends_cpu * 1000 / webhooks, 3) if database and database.schema else None
        ),
        server_cores=round(server_cpu / elapsed, 2),
        generator_cores=round(generator_cpu / elapsed, 2),
        others_cores=round(max(others, 0.0) / elapsed, 2),
    )
    for failure in tally.failures[:5]:
        print(f"  error: {failure}", file=sys.stderr)
    print(json.dumps(asdict(level)), flush=True)
    return level


# --- The run ---------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    flat = {"callers": args.callers, "seconds": args.seconds, "think": 0.0}
    paced = {"callers": args.paced_callers, "seconds": args.paced_seconds, "think": args.think}
    processes = args.processes
    defaults = Settings.of(options("127.0.0.1:0", 1) | {"workers": args.workers})
    search: list[Level] = []
    for settings in args.ceiling_settings:
        with server("ceiling", settings, None) as running:
            search.append(measure(running, **flat, processes=processes, seed=1))
    best = max(search, key=lambda level: level.webhooks_per_second)
    ceiling = Settings.parse(best.settings)
    floors: list[Level] = []
    sweep: list[Level] = []
    side_by_side: list[Level] = []
    databases = [Database(given) for given in args.database]
    try:
        for database in databases:
            for settings in args.floor_settings:
                with server("floor", settings, database) as running:
                    floors.append(measure(running, **flat, processes=processes, seed=2))
        for database in databases:
            for settings in args.line_settings:
                with server("line", settings, database) as running:
                    sweep.append(measure(running, **flat, processes=processes, seed=2))
        for database in databases:
            for load in (flat, paced):
                with server("ceiling", ceiling, None) as running:
                    side_by_side.append(measure(running, **load, processes=processes, seed=3))
                for app in ("floor", "line"):
                    with server(app, defaults, database) as running:
                        side_by_side.append(measure(running, **load, processes=processes, seed=3))
    finally:
        for database in databases:
            database.drop()
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.platform()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "command": " ".join(["python -m benchmarks.load", *sys.argv[1:]]),
        "ceiling_settings": str(ceiling),
        "line_defaults": str(defaults),
        "search": [asdict(level) for level in search],
        "floor_search": [asdict(level) for level in floors],
        "sweep": [asdict(level) for level in sweep],
        "side_by_side": [asdict(level) for level in side_by_side],
    }


def report(result: dict[str, Any]) -> str:
    """Markdown tables: the ceiling's and the floor's searches, the line's sweep, the
    side-by-side runs, and the ratios against the ceiling."""
    columns = (
        "| server | settings | db | callers | pause s | webhooks/s | p50 ms | p99 ms | errors "
        "| lost | server CPU ms/webhook (of it system) | generator CPU ms/webhook "
        "| PostgreSQL CPU ms/webhook "
        "| cores: server / generator / others |\n|" + "---|" * 14
    )

    def row(level: dict[str, Any]) -> str:
        return (
            f"| {level['server']} | {level['settings']} | {level['database'] or '-'} "
            f"| {level['callers']} | {level['think_seconds']} | {level['webhooks_per_second']} "
            f"| {level['p50_ms']} | {level['p99_ms']} | {level['errors']} "
            f"| {'-' if level['lost'] is None else level['lost']} "
            f"| {level['server_cpu_ms_per_webhook']} ({level['server_system_cpu_ms_per_webhook']}) "
            f"| {level['generator_cpu_ms_per_webhook']} "
            f"| {level['database_cpu_ms_per_webhook'] or '-'} | {level['server_cores']} / "
            f"{level['generator_cores']} / {level['others_cores']} |"
        )

    parts = [f"Ceiling search (best: {result['ceiling_settings']})", "", columns]
    parts += [row(level) for level in result["search"]]
    parts += ["", "The floor's worker settings, flat out", "", columns]
    parts += [row(level) for level in result["floor_search"]]
    parts += ["", "The line's worker settings, flat out", "", columns]
    parts += [row(level) for level in result["sweep"]]
    parts += ["", f"Side by side (line: `ivr serve` defaults, {result['line_defaults']})", ""]
    parts += [columns] + [row(level) for level in result["side_by_side"]]
    parts += ["", "Against the ceiling (and the floor's own, to show what the libraries take)", ""]
    parts.append(
        "| db | pause s | line: throughput ratio | line: server CPU ratio | line p99 ms "
        "| floor: throughput ratio | floor: server CPU ratio | line CPU / floor CPU |"
    )
    parts.append("|---|---|---|---|---|---|---|---|")
    levels = result["side_by_side"]
    cpu = "server_cpu_ms_per_webhook"

    def ratio(of: dict[str, Any], to: dict[str, Any], key: str) -> str:
        return f"{of[key] / to[key]:.2f}"

    for bare, floor, line in zip(levels[::3], levels[1::3], levels[2::3], strict=True):
        parts.append(
            f"| {line['database']} | {line['think_seconds']} "
            f"| {ratio(line, bare, 'webhooks_per_second')} | {ratio(line, bare, cpu)} "
            f"| {line['p99_ms']} | {ratio(floor, bare, 'webhooks_per_second')} "
            f"| {ratio(floor, bare, cpu)} | {ratio(line, floor, cpu)} |"
        )
    # Each at its best, from the searches: fastest against fastest, leanest against leanest.
    # The searches run minutes apart, so the side-by-side table above is the steadier figure.
    fastest_ceiling = max(result["search"], key=lambda level: level["webhooks_per_second"])
    leanest_ceiling = min(result["search"], key=lambda level: level[cpu])
    parts += ["", "The floor at its best settings against the ceiling at its best, flat out", ""]
    parts += ["| db | settings | throughput ratio | server CPU ratio |", "|---|---|---|---|"]
    for name in dict.fromkeys(level["database"] for level in result["floor_search"]):
        of_db = [level for level in result["floor_search"] if level["database"] == name]
        fastest = max(of_db, key=lambda level: level["webhooks_per_second"])
        leanest = min(of_db, key=lambda level: level["server_cpu_ms_per_webhook"])
        parts.append(
            f"| {name} | {fastest['settings']} (fastest), {leanest['settings']} (leanest) "
            f"| {ratio(fastest, fastest_ceiling, 'webhooks_per_second')} "
            f"| {ratio(leanest, leanest_ceiling, cpu)} |"
        )
    return "\n".join(parts)


def settings_list(text: str) -> list[Settings]:
    return [Settings.parse(part) for part in text.split(",")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database", action="append", help="sqlite, or a PostgreSQL URL; repeat for both"
    )
    parser.add_argument(
        "--ceiling-settings",
        type=settings_list,
        default=settings_list("sync:2,sync:4,gthread:1x8,gthread:2x4,gthread:2x8"),
    )
    parser.add_argument(
        "--floor-settings",
        type=settings_list,
        default=settings_list("sync:2,sync:4,gthread:2x8"),
    )
    parser.add_argument(
        "--line-settings",
        type=settings_list,
        default=settings_list("sync:2,sync:4,sync:6,gthread:2x4,gthread:2x8"),
    )
    parser.add_argument("--workers", type=int, help="the line's worker count (`ivr serve`'s)")
    parser.add_argument("--callers", type=int, default=50, help="flat-out callers")
    parser.add_argument("--seconds", type=float, default=6.0, help="per flat-out level")
    parser.add_argument("--paced-callers", type=int, default=200)
    parser.add_argument("--paced-seconds", type=float, default=15.0)
    parser.add_argument("--think", type=float, default=1.0, help="paced callers' mean pause")
    parser.add_argument("--processes", type=int, default=2, help="load generator processes")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()
    args.database = args.database or ["sqlite"]
    if args.workers is None:
        from ivr.server import default_workers

        args.workers = default_workers()
    result = run(args)
    print(report(result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
