"""`ivr users`: add, list, disable, enable, new passwords; never a password on the command line."""

from __future__ import annotations

from flask import Flask

from ivr import db
from ivr.review import accounts
from ivr.review.cli import users
from tests.review.conftest import PASSWORDS, Audit, login


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


def test_enable_lets_a_disabled_account_back_in(app: Flask, audited: Audit) -> None:
    client = app.test_client()
    assert login(client, "old").status_code == 401
    result = app.test_cli_runner().invoke(users, ["enable", "old"])
    assert result.exit_code == 0, result.output
    assert login(client, "old").status_code == 302
    assert audited("user_enabled")[-1]["username"] == "old"
    listed = app.test_cli_runner().invoke(users, ["list"]).output.splitlines()
    assert next(row for row in listed if row.startswith("old")).endswith("active")


def test_a_new_password_replaces_the_old_one_and_lifts_a_lock(app: Flask, audited: Audit) -> None:
    client = app.test_client()
    for _ in range(6):
        login(client, "sam", "guess-guess-guess")
    assert login(client, "sam").status_code == 401, "locked after repeated failures"
    runner = app.test_cli_runner()
    typed = "sams-brand-new-password\nsams-brand-new-password\n"
    result = runner.invoke(users, ["password", "sam"], input=typed)
    assert result.exit_code == 0, result.output
    assert "sams-brand-new-password" not in result.output
    assert login(client, "sam", PASSWORDS["sam"]).status_code == 401
    assert login(client, "sam", "sams-brand-new-password").status_code == 302
    entry = audited("password_set")[-1]
    assert entry["username"] == "sam" and entry["actor"].startswith("cli:")


def test_a_new_password_must_be_long_and_for_someone(app: Flask) -> None:
    runner = app.test_cli_runner()
    short = runner.invoke(users, ["password", "sam", "--password-stdin"], input="short\n")
    assert short.exit_code != 0 and "at least" in short.output
    nobody = runner.invoke(
        users, ["password", "nobody", "--password-stdin"], input="a-long-enough-password\n"
    )
    assert nobody.exit_code != 0 and "no account named nobody" in nobody.output
    assert runner.invoke(users, ["enable", "nobody"]).exit_code != 0


def test_the_main_command_has_users() -> None:
    from ivr.cli import main

    assert "users" in main.commands
