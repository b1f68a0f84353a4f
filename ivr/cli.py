"""The `ivr` command: serve the line, phone it, read its records, check it, draw it."""

from __future__ import annotations

import logging
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import click
import requests
from alembic.util import CommandError
from flask import Flask, current_app
from flask.cli import ScriptInfo, with_appcontext
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from ivr import (
    CannotStart,
    UnreadableLine,
    create_app,
    db,
    environment,
    export,
    seed,
    warn_local_token,
)
from ivr.audit import command_line_actor, write
from ivr.audit_verify import audit_command
from ivr.config import PROMPTS_FILE, load_config, load_prompts, prompt_file, prompts_dir
from ivr.golive import live_problems, live_warnings, shown_url, unreachable
from ivr.graph import mermaid
from ivr.line import Line, example_number, utc_now
from ivr.messaging.worker import beside_server, worker_command
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
from ivr.safe import static_guidance
from ivr.server import default_workers, run
from ivr.stale import close_stale_command
from ivr.terminal import escaped, shown
from ivr.twiml import to_text


def database_error(url: str, error: DBAPIError) -> click.ClickException:
    """One sentence for a database that cannot be reached or opened, and what to check."""
    return click.ClickException(
        f"{unreachable(url, error)}\n"
        "Check IVR_DATABASE_URL (and IVR_INSTANCE_PATH, where SQLite is the default)."
    )


def line_app() -> Flask:
    """The app for a command run by hand, refusing an unreadable line, its database ready.

    Commands create or migrate the database themselves, so `ivr calls list` works on a new
    server before the first `ivr serve`.
    """
    app = create_app()
    # The command's connections go with it, whether it succeeds or stops on a mistake.
    click.get_current_context().call_on_close(app.extensions["ivr.engine"].dispose)
    line = app.extensions["ivr.line"]
    if isinstance(line, UnreadableLine):
        raise click.ClickException(line.problem)
    url = app.config["DATABASE_URL"]
    try:
        db.upgrade(url)
    except DBAPIError as error:
        raise database_error(url, error) from None
    except CommandError as error:
        # A newer release migrated it: only that release can take it back (a rollback's order).
        raise click.ClickException(
            f"{error}: the database is ahead of this release; with the newer release installed, "
            "run `ivr db downgrade` to this release's revision first (docs/deployment.md, "
            "Upgrading)"
        ) from None
    return app


class LineCommands(click.Group):
    """The `ivr` command: the line's own commands (none of Flask's), mistakes in one sentence."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        extra.setdefault("obj", ScriptInfo(create_app=line_app, set_debug_flag=False))
        return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (CannotStart, environment.Unusable) as error:
            raise click.ClickException(str(error)) from None
        except DBAPIError as error:
            app = ctx.ensure_object(ScriptInfo).load_app()
            raise database_error(app.config["DATABASE_URL"], error) from None


@click.group(cls=LineCommands)
@click.version_option(package_name="ivr-information-sharing-line", prog_name="ivr")
def main() -> None:
    """The information-sharing phone line for children's services practitioners."""


@main.command("serve", epilog=environment.help_text())
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers",
    default=default_workers,
    show_default="two per CPU core",
    type=click.IntRange(1, 64),
    envvar="IVR_WORKERS",
    # A mistake in IVR_WORKERS is then named as the variable, not only as the flag.
    show_envvar=True,
    help="gunicorn workers; more than one needs PostgreSQL.",
)
@click.option("--no-worker", is_flag=True, help="Leave call-back messages to `ivr worker`.")
def serve(host: str, port: int, workers: int, no_worker: bool) -> None:
    """Serve Twilio's webhooks with gunicorn.

    First every check of `ivr check`: a line that starts can answer every call, so a mistake in
    the config or the prompts stops it here, with its file and line. Then the database is
    created or migrated, and the workers start.
    """
    from ivr.check import check as find_problems

    problems = find_problems()
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        raise click.ClickException(
            f"{len(problems)} problem(s) in the config or prompts: not starting"
        )
    app = line_app()
    warn_local_token(app)
    ensure_free(host, port)
    with beside_server(enabled=not no_worker):
        run(f"{host}:{port}", workers, app.extensions["ivr.line"])


def ensure_free(host: str, port: int) -> None:
    """Refuse a port in use at once, rather than after gunicorn's half-minute of retries."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise click.ClickException(
                f"cannot listen on {host}:{port}: {error.strerror}; choose another --port or "
                "stop what is using it"
            ) from None


class Echo:
    """Prints what the caller hears and what they do, around any other answerer."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def say(self, text: str) -> None:
        click.echo(f"  line: {text}")

    def gather(self, gather: GatherSpec) -> str | None:
        answer = self.inner.gather(gather)
        said = "(hangs up)" if answer is None else repr(answer) if answer else "(silence)"
        click.echo(f"caller: {said}")
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
@click.pass_context
def call(ctx: click.Context, url: str | None, keys: str | None, caller: str) -> None:
    """Phone the line from the terminal, the way Twilio would play it.

    \b
    ivr call                              talk to it: keys, words, Enter for silence
    ivr call --keys 2,1,1,1               a scripted call, played in-process
    ivr call --url http://127.0.0.1:5000  against a running `make run`
    """
    info = ctx.ensure_object(ScriptInfo)
    # Against a server, only the token is needed here: its database is the server's business.
    app = create_app() if url and info.create_app is line_app else info.load_app()
    transport: Transport
    if url:
        incoming = url if urlsplit(url).path not in ("", "/") else urljoin(url, "/voice/incoming")
        reachable(url)
        # A line with IVR_PUBLIC_URL checks signatures against it: sign that, send to `url`.
        public = app.config.get("PUBLIC_URL")
        if public:
            incoming = urljoin(public, urlsplit(incoming).path)
        transport = HttpTransport(via=url if public else None)
    else:
        base = app.config.get("PUBLIC_URL") or "http://localhost"
        incoming = urljoin(base, "/voice/incoming")
        transport = FlaskTransport(app)
    warn_local_token(app)
    inner = ScriptedAnswerer(keys.split(",")) if keys is not None else ConsoleAnswerer()
    phone = Phone(transport, incoming, app.config["TWILIO_AUTH_TOKEN"], Echo(inner), caller=caller)
    with app.app_context(), quiet_webhook_logs(in_process=not url):
        log = phone.call()
    click.echo(f"-- call ended ({ended(log)})")
    for event in log.events:
        if event.kind == "whisper":
            # Said to the person who answered a transfer, before the caller was put through.
            click.echo(f"-- whispered to whoever answered: {shown(event.text)}")
        if event.kind == "error":
            click.echo(f"-- {event.text}", err=True)
    if not url:
        with app.app_context(), db.session() as session:
            found = session.scalars(select(Call).where(Call.call_sid == log.call_sid)).first()
            if found is not None:
                click.echo(f"-- reference {found.reference}: outcome {found.outcome}")
    if log.ended_by in ("error", "limit"):
        sys.exit(1)


def reachable(url: str) -> None:
    """Say plainly when nothing answers at `url`, instead of playing Twilio's error message."""
    parts = urlsplit(url)
    try:
        requests.get(f"{parts.scheme}://{parts.netloc}/healthz", timeout=5)
    except requests.RequestException:
        raise click.ClickException(
            f"cannot reach the line at {url}: nothing answers there. "
            "Start it first (`ivr serve`, or `make run` in a checkout)."
        ) from None


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
        data = escaped(export.record(found))
        write(session, utc_now(), command_line_actor(), "view_call", reference=reference)
    for name in export.FIELDS:
        if name not in ("steps", "callback"):
            click.echo(f"{name:18} {'-' if data[name] is None else data[name]}")
    click.echo("steps:")
    for step in data["steps"]:
        click.echo(f"  {step['at']}  {step['step']:34} {step['input'] or '-':12} {step['kind']}")
    for event in data["callback"]:
        click.echo(f"  {event['at']}  call back: {event['event']} {event['detail']}")


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
    "--prompts",
    "prompts_directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="A copy of prompts/ to check (default: IVR_PROMPTS, else the shipped prompts).",
)
@click.option(
    "--live", is_flag=True, help="Also what a real deployment needs (docs/deployment.md)."
)
@click.pass_context
def check(
    ctx: click.Context, config_file: str | None, prompts_directory: Path | None, live: bool
) -> None:
    """Check the config and the prompts; says what is wrong, file and line, every one."""
    if live:
        info = ctx.ensure_object(ScriptInfo)
        app = create_app() if info.create_app is line_app else info.load_app()
        problems: list[Any] = live_problems(app)
        warnings: list[Any] = live_warnings(app)
    else:
        from ivr.check import check as find_problems
        from ivr.check import warnings as find_warnings

        prompts = prompt_file(PROMPTS_FILE, prompts_dir(prompts_directory))
        problems, warnings = find_problems(config_file, prompts), find_warnings(config_file)
    for problem in problems:
        click.echo(str(problem))
    for warning in warnings:
        click.echo(f"warning: {warning}")
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) found")
    click.echo("config and prompts: OK")


main.add_command(purge_command)


@main.group("db")
def database() -> None:
    """The call-record database."""


@database.command("upgrade")
@with_appcontext
def upgrade_database() -> None:
    """Create or migrate the database now (every command does it first; this does only that).

    With several servers on one database, run it once before restarting them, so no worker
    answers with new code against the old schema.
    """
    revision = db.current_revision(current_app.extensions["ivr.engine"])
    click.echo(
        f"database at {shown_url(current_app.config['DATABASE_URL'])}: up to date, "
        f"revision {revision}"
    )


@database.command("downgrade")
@click.argument("revision")
@click.confirmation_option(
    prompt="Take the database back to that revision, dropping what later migrations added?"
)
@click.pass_context
def downgrade_database(ctx: click.Context, revision: str) -> None:
    """Take the database back to REVISION, the one an older release was at (a rollback).

    Run it with the newer release still installed, every server and worker stopped: only the
    newer release has the migrations to undo; the older one, started against a newer database,
    cannot find its revision and does not start. Then install the older release.
    """
    info = ctx.ensure_object(ScriptInfo)
    # Not line_app: that would migrate the database forward first.
    app = create_app() if info.create_app is line_app else info.load_app()
    ctx.call_on_close(app.extensions["ivr.engine"].dispose)
    url = app.config["DATABASE_URL"]
    try:
        db.downgrade(url, revision)
        now = db.current_revision(app.extensions["ivr.engine"])
    except DBAPIError as error:
        raise database_error(url, error) from None
    except CommandError as error:
        raise click.ClickException(f"{error}; the revisions are the migrations' numbers") from None
    click.echo(f"database at {shown_url(url)}: revision {now}")


@main.command("fallback-twiml")
def fallback_twiml() -> None:
    """Print the static guidance to paste into a Twilio TwiML Bin, the number's fallback URL.

    When the server itself is down (a reboot, a deploy, no database), Twilio's fallback request
    to it fails too; a TwiML Bin is served by Twilio and still gives 999 and every team's number.
    Run it again whenever the numbers, the hours, the closed dates or the prompts change. It
    needs no database, and refuses a config or prompts that `ivr check` finds wrong.
    """
    from ivr.check import check as find_problems

    problems = find_problems()
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) in the config or prompts")
    line = Line(load_config(), load_prompts(prompts_dir()))
    click.echo(to_text(static_guidance(line)))


@main.command("graph")
def graph() -> None:
    """Print the call flow as a Mermaid diagram, generated from the state machine."""
    click.echo(mermaid())


main.add_command(users)
main.add_command(audit_command)
main.add_command(seed.command)
main.add_command(worker_command)
