"""`ivr users`: accounts for the review area, made from the command line only."""

from __future__ import annotations

import sys

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


@users.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (for scripts)."
)
@with_appcontext
def add_user(username: str, role: str, password_stdin: bool) -> None:
    """Create an account; the password is typed twice, never given on the command line.

    \b
    ivr users add alice --role supervisor
    printf '%s\\n' "$PASSWORD" | ivr users add bob --role admin --password-stdin
    """
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    clock = current_app.config["CLOCK"]
    db.upgrade(current_app.config["DATABASE_URL"])
    try:
        with db.session() as session:
            accounts.add(session, clock(), command_line_actor(), username, role, password)
    except accounts.AccountError as problem:
        raise click.ClickException(str(problem)) from None
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
    db.upgrade(current_app.config["DATABASE_URL"])
    try:
        with db.session() as session:
            accounts.disable(session, current_app.config["CLOCK"](), command_line_actor(), username)
    except accounts.AccountError as problem:
        raise click.ClickException(str(problem)) from None
    click.echo(f"{username} disabled")
