"""Where a webhook's CPU goes, by component, over whole calls played in-process.

Plays `--calls` whole calls on random paths (seeded) through the Flask test client with
signatures on, and charges the CPU time (this thread's, `time.thread_time_ns`) spent inside the
app to components: each listed function's time, less the listed functions it calls, goes to its
component; the rest of the app's time is Flask and Werkzeug themselves. A first pass times only
the whole app, for a total free of the probes' own cost; a second pass splits it. The database
statements each kind of webhook sends are counted too. The floor (`benchmarks.floor`) and the
ceiling (`benchmarks.ceiling`) play as many calls the same way, so the three compare with
gunicorn and HTTP left out.

    python -m benchmarks.profile --calls 400
    python -m benchmarks.profile --calls 400 --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import importlib
import json
import random
import secrets
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.pool import NullPool

from benchmarks.caller import CALLER, KEYS, TOKEN
from benchmarks.ceiling import app as ceiling
from benchmarks.floor import make_app
from ivr import create_app, db
from ivr.phone import DIAL_STATUSES, FlaskTransport, GatherSpec, Phone

OTHER = "Flask and Werkzeug (routing, request and response objects, url_for)"
# Component, then the functions whose own time is charged to it ("module:Class.function").
COMPONENTS: dict[str, list[str]] = {
    "signature": ["ivr.signature:is_valid"],
    "request parsing (form)": ["flask.wrappers:Request._load_form_data"],
    "loading the call": ["ivr.records:load", "ivr.records:last_step", "ivr.records:_adopt"],
    "state machine": [
        "ivr.callflow:CallFlow.answer",
        "ivr.callflow:CallFlow.dialled",
        "ivr.callflow:CallFlow.replayed_notice",
        "ivr.callflow:CallFlow.__init__",
    ],
    "rendering TwiML": ["ivr.voice:render", "ivr.voice:twiml", "ivr.safe:safe_guidance"],
    "hours and holidays": [
        "ivr.line:Line.duty_now",
        "ivr.line:Line.contact",
        "ivr.line:Line.contact_open",
        "ivr.line:Line.office_open",
        "ivr.spoken_hours:describe_weekly",
    ],
    "prompts (sentences, words)": [
        "ivr.render:sentences",
        "ivr.render:words_for",
        "ivr.line:Words.__missing__",
        "ivr.line:Line.sentence",
    ],
    "phone numbers (phonenumbers)": [
        "ivr.line:speak_number",
        "ivr.callflow:dialable",
    ],
    "writing the record (ORM objects)": [
        "ivr.records:open_call",
        "ivr.records:add_step",
        "ivr.records:settle_outcome",
        "ivr.records:finish",
        "ivr.records:close",
        "ivr.references:free",
    ],
    "writing the record (UPDATE, INSERT: ORM flush, or Core in records.save)": [
        "sqlalchemy.orm.session:Session.flush",
        "ivr.records:save",
    ],
    "commit": [
        "sqlalchemy.orm.session:SessionTransaction.commit",
        "sqlalchemy.engine.base:Transaction.commit",
    ],
    # A webhook's own transaction is Core (ivr.db.Transaction); an ORM session where one is used.
    "transaction set-up and close": [
        "sqlalchemy.orm.session:sessionmaker.__call__",
        "sqlalchemy.orm.session:Session.begin",
        "sqlalchemy.orm.session:Session.close",
        "sqlalchemy.orm.session:SessionTransaction._connection_for_bind",
        "sqlalchemy.engine.base:Engine.connect",
        "sqlalchemy.engine.base:Connection.begin",
        "sqlalchemy.engine.base:Connection.close",
        "ivr.db:Transaction.before_commit",
    ],
}
# Request hooks are charged by the module that registered them.
HOOK_COMPONENTS = {
    "ivr.logs": "logging",
    "ivr.metrics": "metrics",
    "ivr.review": "review area hooks on /voice/ (session, login, CSRF, headers)",
    "flask_login": "review area hooks on /voice/ (session, login, CSRF, headers)",
    "flask_wtf": "review area hooks on /voice/ (session, login, CSRF, headers)",
}
SESSION = [
    "flask.sessions:SecureCookieSessionInterface.open_session",
    "flask.sessions:SecureCookieSessionInterface.save_session",
]


class Meter:
    """Exclusive CPU time per component: a component's time stops while a nested one runs."""

    def __init__(self) -> None:
        self.spent: Counter[str] = Counter()
        self._stack: list[str] = []
        self._mark = 0

    def enter(self, component: str) -> None:
        now = time.thread_time_ns()
        if self._stack:
            self.spent[self._stack[-1]] += now - self._mark
        self._stack.append(component)
        self._mark = now

    def leave(self) -> None:
        now = time.thread_time_ns()
        self.spent[self._stack.pop()] += now - self._mark
        self._mark = now

    def wrap(self, component: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            self.enter(component)
            try:
                return function(*args, **kwargs)
            finally:
                self.leave()

        return timed


def resolve(target: str) -> tuple[Any, str]:
    """The object holding a "module:Class.function" target, and the attribute's name."""
    module, _, path = target.partition(":")
    owner: Any = importlib.import_module(module)
    *parents, name = path.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    return owner, name


@contextmanager
def probes(meter: Meter, app: Flask) -> Iterator[list[str]]:
    """Every component's functions and the app's hooks wrapped; the targets not found listed."""
    undo: list[tuple[Any, str, Any]] = []
    missing: list[str] = []
    review = HOOK_COMPONENTS["ivr.review"]
    targets = [(c, t) for c, ts in COMPONENTS.items() for t in ts] + [(review, t) for t in SESSION]
    for component, target in targets:
        try:
            owner, name = resolve(target)
            original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
        except (AttributeError, KeyError, ImportError):
            missing.append(target)
            continue
        undo.append((owner, name, original))
        setattr(owner, name, meter.wrap(component, original))
    hooks = [app.before_request_funcs, app.after_request_funcs]
    saved = [{key: list(funcs) for key, funcs in table.items()} for table in hooks]
    for table in hooks:
        for funcs in table.values():
            for index, function in enumerate(funcs):
                module = getattr(function, "__module__", "") or ""
                component = next(
                    (c for prefix, c in HOOK_COMPONENTS.items() if module.startswith(prefix)), None
                )
                if component:
                    funcs[index] = meter.wrap(component, function)
    try:
        yield missing
    finally:
        for owner, name, original in reversed(undo):
            setattr(owner, name, original)
        for table, before in zip(hooks, saved, strict=True):
            table.clear()
            table.update(before)


class RandomAnswerer:
    """Random keys from the load benchmark's mix, a hang-up after 2 to 10 answers."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._left = rng.randint(2, 10)

    def say(self, text: str) -> None:
        """Nobody listens in a benchmark."""

    def gather(self, gather: GatherSpec) -> str | None:
        if self._left == 0:
            return None
        self._left -= 1
        return self._rng.choice(KEYS)

    def dial(self, number: str) -> str:
        return self._rng.choice(DIAL_STATUSES)


def kind(path: str) -> str:
    return path.split("?")[0].rsplit("/", 1)[-1]


def play(app: Flask, calls: int, seed: int, meter: Meter | None) -> tuple[int, float, Counter]:
    """Play whole calls; webhooks answered, app CPU seconds, and webhooks by kind."""
    inner = app.wsgi_app
    spent = [0]
    kinds: Counter[str] = Counter()

    def timed(environ: dict[str, Any], start_response: Any) -> Any:
        kinds[kind(environ["PATH_INFO"])] += 1
        started = time.thread_time_ns()
        if meter is not None:
            meter.enter(OTHER)
        try:
            return inner(environ, start_response)
        finally:
            if meter is not None:
                meter.leave()
            spent[0] += time.thread_time_ns() - started

    app.wsgi_app = timed  # type: ignore[method-assign]
    rng = random.Random(seed)
    transport = FlaskTransport(app)
    try:
        for _ in range(calls):
            Phone(
                transport, "http://localhost/voice/incoming", TOKEN, RandomAnswerer(rng),
                caller=CALLER,
            ).call()  # fmt: skip
    finally:
        app.wsgi_app = inner  # type: ignore[method-assign]
    return sum(kinds.values()), spent[0] / 1e9, kinds


def statements(app: Flask, calls: int, seed: int) -> dict[str, float]:
    """Statements sent to the database per webhook, by kind of webhook."""
    engine = app.extensions["ivr.engine"]
    sent: Counter[str] = Counter()
    current = [""]

    def count(*_args: Any) -> None:
        sent[current[0]] += 1

    inner = app.wsgi_app

    def noted(environ: dict[str, Any], start_response: Any) -> Any:
        current[0] = kind(environ["PATH_INFO"])
        return inner(environ, start_response)

    event.listen(engine, "before_cursor_execute", count)
    app.wsgi_app = noted  # type: ignore[method-assign]
    try:
        _, _, kinds = play(app, calls, seed, None)
    finally:
        app.wsgi_app = inner  # type: ignore[method-assign]
        event.remove(engine, "before_cursor_execute", count)
    return {name: round(sent[name] / kinds[name], 2) for name in sorted(kinds)}


@contextmanager
def database(given: str | None) -> Iterator[str]:
    """A fresh SQLite file, or a fresh schema on the PostgreSQL server given."""
    if not given:
        yield f"sqlite:///{Path(tempfile.mkdtemp()) / 'profile.sqlite3'}"
        return
    admin = create_engine(db.normalise_url(given), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    schema = f"profile_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(db.normalise_url(given)).update_query_dict(
        {"options": f"-csearch_path={schema}"}
    )
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL; SQLite in a temporary file if not")
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with database(args.database_url) as url:
        db.upgrade(url)
        app = create_app(
            {"DATABASE_URL": url, "TWILIO_AUTH_TOKEN": TOKEN, "LOG_STREAM": open("/dev/null", "w")}  # noqa: SIM115
        )
        floor = make_app(url, TOKEN, open("/dev/null", "w"))  # noqa: SIM115
        for warmed in (app, floor, ceiling):
            play(warmed, 50, seed=0, meter=None)  # warm: imports, caches, the pool's connection
        webhooks, seconds, kinds = play(app, args.calls, seed=1, meter=None)
        bare = {name: play(other, args.calls, seed=1, meter=None) for name, other in
                (("floor", floor), ("ceiling", ceiling))}  # fmt: skip
        floor.extensions["ivr.engine"].dispose()
        meter = Meter()
        with probes(meter, app) as missing:
            probed, probed_seconds, _ = play(app, args.calls, seed=1, meter=meter)
        per_kind = statements(app, args.calls // 4 or 1, seed=2)
        dialect = app.extensions["ivr.engine"].dialect.name
        app.extensions["ivr.engine"].dispose()
    total_ms = seconds * 1000 / webhooks
    probed_ms = probed_seconds * 1000 / probed
    rows = sorted(meter.spent.items(), key=lambda item: -item[1])
    print(f"{dialect}: {webhooks} webhooks ({dict(kinds)}) in {args.calls} calls")
    print(f"app CPU per webhook: {total_ms:.3f} ms unprobed, {probed_ms:.3f} ms probed")
    others = {name: spent * 1000 / count for name, (count, spent, _) in bare.items()}
    floor_ms, ceiling_ms = others["floor"], others["ceiling"]
    print(
        f"as many calls in-process: the floor {floor_ms:.3f} ms, the ceiling {ceiling_ms:.3f} ms "
        f"per webhook; the floor is {floor_ms / ceiling_ms:.1f} times the ceiling, the line "
        f"{total_ms / floor_ms:.2f} times the floor\n"
    )
    print("| component | ms per webhook | share |\n|---|---|---|")
    for component, spent in rows:
        share = spent / probed_seconds / 1e9
        print(f"| {component} | {spent / 1e6 / probed:.3f} | {share:.1%} |")
    print(f"| **total (probed)** | **{probed_ms:.3f}** | 100% |")
    print(f"\nstatements per webhook, by kind: {per_kind}")
    if missing:
        print(f"not found, so not probed: {', '.join(missing)}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "database": dialect,
                    "webhooks": webhooks,
                    "cpu_ms_per_webhook": round(total_ms, 3),
                    "probed_cpu_ms_per_webhook": round(probed_ms, 3),
                    "floor_cpu_ms_per_webhook": round(others["floor"], 3),
                    "ceiling_cpu_ms_per_webhook": round(others["ceiling"], 3),
                    "components_ms": {c: round(s / 1e6 / probed, 4) for c, s in rows},
                    "statements_per_webhook": per_kind,
                },
                indent=2,
            )
            + "\n"
        )


if __name__ == "__main__":
    main()
