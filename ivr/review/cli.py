"""`ivr users`: accounts for the review area, made and changed from the command line only."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from ivr import db
from ivr.audit import command_line_actor
from ivr.review import accounts
from ivr.review.models import ROLES, User


@click.group("users")
def users() -> None:
    """Accounts for the supervisors' review area."""


def _read_password(from_stdin: bool) -> str:
    """Typed twice at a hidden prompt, or one line of standard input for scripts."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


def _change(action: Callable[..., object], username: str, *more: str) -> None:
    """Run one change to an account, audited as the person at the terminal."""
    db.upgrade(current_app.config["DATABASE_URL"])
    try:
        with db.session() as session:
            action(session, current_app.config["CLOCK"](), command_line_actor(), username, *more)
    except accounts.AccountError as problem:
        raise click.ClickException(str(problem)) from None


password_stdin = click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (for scripts)."
)


@users.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@password_stdin
@with_appcontext
def add_user(username: str, role: str, password_stdin: bool) -> None:
    """Create an account; the password is typed twice, never given on the command line.

    \b
    ivr users add alice --role supervisor
    printf '%s\\n' "$PASSWORD" | ivr users add bob --role admin --password-stdin
    """
    _change(accounts.add, username, role, _read_password(password_stdin))
    click.echo(f"{username} added ({role})")


@users.command("list")
@with_appcontext
def list_users() -> None:
    """Every account, with its role and whether it is disabled."""
    db.upgrade(current_app.config["DATABASE_URL"])
    with db.session() as session:
        for user in session.scalars(select(User).order_by(User.username)):
            state = "disabled" if user.disabled else "active"
            click.echo(f"{user.username:24} {user.role:10} {state}")


@users.command("disable")
@click.argument("username")
@with_appcontext
def disable_user(username: str) -> None:
    """Disable an account: it can no longer log in, and open sessions end."""
    _change(accounts.disable, username)
    click.echo(f"{username} disabled")


@users.command("enable")
@click.argument("username")
@with_appcontext
def enable_user(username: str) -> None:
    """Let a disabled account log in again (and lift a lock from failed logins)."""
    _change(accounts.enable, username)
    click.echo(f"{username} enabled")


@users.command("password")
@click.argument("username")
@password_stdin
@with_appcontext
def set_password(username: str, password_stdin: bool) -> None:
    """Give an account a new password; the old one stops working at once.

    \b
    ivr users password alice
    printf '%s\\n' "$PASSWORD" | ivr users password alice --password-stdin
    """
    _change(accounts.set_password, username, _read_password(password_stdin))
    click.echo(f"{username}: password changed")
