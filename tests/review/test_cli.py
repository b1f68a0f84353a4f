"""`ivr users`: add, list and disable accounts, passwords never on the command line."""

from __future__ import annotations

from flask import Flask

from ivr import db
from ivr.review import accounts
from ivr.review.cli import users
from tests.review.conftest import Audit


def test_add_asks_for_the_password_twice(app: Flask, audited: Audit) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        users, ["add", "kim", "--role", "admin"], input="kims-long-password\nkims-long-password\n"
    )
    assert result.exit_code == 0, result.output
    assert "kims-long-password" not in result.output
    with app.app_context(), db.session() as session:
        user = accounts.find(session, "kim")
        assert user is not None and user.role == "admin"
        assert user.password_hash.startswith("$argon2id$")
        assert accounts.check_password(user, "kims-long-password")
    assert audited("user_added")[-1]["username"] == "kim"
    assert audited("user_added")[-1]["actor"].startswith("cli:")


def test_add_reads_the_password_from_stdin(app: Flask) -> None:
    runner = app.test_cli_runner()
    args = ["add", "lee", "--role", "supervisor", "--password-stdin"]
    result = runner.invoke(users, args, input="lees-long-password\n")
    assert result.exit_code == 0, result.output
    with app.app_context(), db.session() as session:
        assert accounts.check_password(accounts.find(session, "lee"), "lees-long-password")


def test_add_refuses_bad_requests(app: Flask) -> None:
    runner = app.test_cli_runner()
    short = runner.invoke(users, ["add", "x", "--role", "admin", "--password-stdin"], input="x\n")
    assert short.exit_code != 0 and "at least" in short.output
    taken = runner.invoke(
        users, ["add", "sam", "--role", "admin", "--password-stdin"], input="another-long-one\n"
    )
    assert taken.exit_code != 0 and "already exists" in taken.output
    argv = runner.invoke(users, ["add", "y", "--role", "admin", "--password", "p"])
    assert argv.exit_code != 0, "there is no way to give a password on the command line"
    role = runner.invoke(users, ["add", "z", "--role", "root", "--password-stdin"], input="x\n")
    assert role.exit_code != 0


def test_list_and_disable(app: Flask, audited: Audit) -> None:
    runner = app.test_cli_runner()
    listed = runner.invoke(users, ["list"]).output
    assert "sam" in listed and "old" in listed and "disabled" in listed
    assert runner.invoke(users, ["disable", "sam"]).exit_code == 0
    assert "nobody" in runner.invoke(users, ["disable", "nobody"]).output
    assert audited("user_disabled")[-1]["username"] == "sam"


def test_the_main_command_has_users() -> None:
    from ivr.cli import main

    assert "users" in main.commands
