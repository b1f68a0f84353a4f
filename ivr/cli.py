"""The `ivr` command: serve the line, phone it, read its records, check it, draw it."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext
from sqlalchemy import select

from ivr import create_app, db, export, seed
from ivr.audit import command_line_actor, write
from ivr.graph import mermaid
from ivr.line import example_number, utc_now
from ivr.models import Call, iso
from ivr.phone import (
    CallLog,
    ConsoleAnswerer,
    FlaskTransport,
    GatherSpec,
    HttpTransport,
    Phone,
    ScriptedAnswerer,
    Transport,
)
from ivr.retention import purge_command
from ivr.review import users
from ivr.server import default_workers, run
from ivr.stale import close_stale_command


@click.group(cls=FlaskGroup, create_app=create_app, add_version_option=False, load_dotenv=False)
def main() -> None:
    """The information-sharing phone line for children's services practitioners."""


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--workers",
    default=default_workers,
    show_default="one per CPU core, 8 threads each",
    type=click.IntRange(1, 64),
    envvar="IVR_WORKERS",
)
@with_appcontext
def serve(host: str, port: int, workers: int) -> None:
    """Serve Twilio's webhooks with gunicorn, after creating or migrating the database."""
    db.upgrade(current_app.config["DATABASE_URL"])
    run(f"{host}:{port}", workers)


class Echo:
    """Prints what the caller hears and what they do, around any other answerer."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def say(self, text: str) -> None:
        click.echo(f"  line: {text}")

    def gather(self, gather: GatherSpec) -> str | None:
        answer = self.inner.gather(gather)
        shown = "(hangs up)" if answer is None else repr(answer) if answer else "(silence)"
        click.echo(f"caller: {shown}")
        return answer

    def dial(self, number: str) -> str | None:
        status = self.inner.dial(number)
        click.echo(f"  line: <transfer to {number}: {status or 'caller hangs up'}>")
        return status


@main.command("call")
@click.option("--url", help="A running line, e.g. http://127.0.0.1:5000; in-process if absent.")
@click.option("--keys", help="Script the call: 2,1,,h — empty = silence, h = hang up.")
@click.option(
    "--from",
    "caller",
    default=example_number,
    show_default="an example UK mobile",
    help="The caller's number.",
)
@with_appcontext
def call(url: str | None, keys: str | None, caller: str) -> None:
    """Phone the line from the terminal, the way Twilio would play it.

    \b
    ivr call                              talk to it: keys, words, Enter for silence
    ivr call --keys 2,1,1,1               a scripted call, played in-process
    ivr call --url http://127.0.0.1:5000  against a running `make run`
    """
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    transport: Transport
    if url:
        incoming = url if urlsplit(url).path not in ("", "/") else urljoin(url, "/voice/incoming")
        transport = HttpTransport()
    else:
        db.upgrade(app.config["DATABASE_URL"])
        base = app.config.get("PUBLIC_URL") or "http://localhost"
        incoming = urljoin(base, "/voice/incoming")
        transport = FlaskTransport(app)
    inner = ScriptedAnswerer(keys.split(",")) if keys is not None else ConsoleAnswerer()
    phone = Phone(transport, incoming, app.config["TWILIO_AUTH_TOKEN"], Echo(inner), caller=caller)
    with quiet_webhook_logs(in_process=not url):
        log = phone.call()
    click.echo(f"-- call ended ({ended(log)})")
    if not url:
        with db.session() as session:
            found = session.scalars(select(Call).where(Call.call_sid == log.call_sid)).first()
            if found is not None:
                click.echo(f"-- reference {found.reference}: outcome {found.outcome}")
    if log.ended_by in ("error", "limit"):
        sys.exit(1)


@contextmanager
def quiet_webhook_logs(*, in_process: bool) -> Iterator[None]:
    """In-process, the webhooks' own log lines would interleave with what the caller hears."""
    logger = logging.getLogger("ivr.webhook")
    level = logger.level
    if in_process:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def ended(log: CallLog) -> str:
    return {
        "caller": "the caller hung up",
        "line": "the line hung up",
        "end": "the line had nothing more to say",
        "error": "an application error",
        "limit": "too many requests",
    }.get(log.ended_by, log.ended_by)


@main.group("calls")
def calls() -> None:
    """Read the call records."""


@calls.command("list")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000))
@with_appcontext
def list_calls(limit: int) -> None:
    """The newest calls, newest first."""
    with db.reading() as session:
        newest = select(Call).order_by(Call.started_at.desc(), Call.id.desc()).limit(limit)
        rows = list(session.scalars(newest))
        # Six digits, unless the space filled up and some references are longer (ivr.references).
        ref = max([6, *(len(row.reference) for row in rows)])
        click.echo(f"{'ref':{ref}}  {'started (UTC)':19}  {'outcome':22}  {'transfer':18}  status")
        for row in rows:
            transfer = f"{row.transfer_to or '-'}:{row.transfer_status or '-'}"
            started = row.started_at.strftime("%Y-%m-%d %H:%M:%S")
            outcome = row.outcome or "-"
            click.echo(
                f"{row.reference:{ref}}  {started}  {outcome:22}  {transfer:18}  {row.status}"
            )


@calls.command("show")
@click.argument("reference")
@with_appcontext
def show_call(reference: str) -> None:
    """One call: what was asked, pressed and advised, and what happened to the transfer."""
    with db.session() as session:
        found = session.scalars(select(Call).where(Call.reference == reference)).first()
        if found is None:
            raise click.ClickException(f"no call with reference {reference}")
        data = export.record(found)
        write(session, utc_now(), command_line_actor(), "view_call", reference=reference)
    for name in export.FIELDS:
        if name != "steps":
            click.echo(f"{name:18} {'-' if data[name] is None else data[name]}")
    click.echo("steps:")
    for step in data["steps"]:
        click.echo(f"  {step['at']}  {step['step']:34} {step['input'] or '-':12} {step['kind']}")


@calls.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), required=True)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Calls started on or after.")
@with_appcontext
def export_calls(fmt: str, since: datetime | None) -> None:
    """Stream every call record to standard output."""
    lines = export.csv_lines if fmt == "csv" else export.jsonl
    start = since.replace(tzinfo=UTC) if since else None
    with db.session() as session:
        write(
            session, utc_now(), command_line_actor(), "export_calls", format=fmt, since=iso(start)
        )
    with db.reading() as session:
        records = (export.record(c) for c in export.calls(session, start))
        for text in lines(records):
            sys.stdout.write(text)


calls.add_command(close_stale_command)


@main.command("check")
@click.option("--config", "config_file", help="A config override to check (default: IVR_CONFIG).")
@click.option(
    "--live", is_flag=True, help="Also what a real deployment needs (docs/deployment.md)."
)
@click.pass_context
def check(ctx: click.Context, config_file: str | None, live: bool) -> None:
    """Check the config and the prompts; says what is wrong, file and line."""
    if live:
        from ivr.golive import live_problems

        problems: list[Any] = live_problems(ctx.ensure_object(ScriptInfo).load_app())
    else:
        from ivr.check import check as find_problems

        problems = find_problems(config_file)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) found")
    click.echo("config and prompts: OK")


main.add_command(purge_command)


@main.command("graph")
def graph() -> None:
    """Print the call flow as a Mermaid diagram, generated from the state machine."""
    click.echo(mermaid())


main.add_command(users)
main.add_command(seed.command)
