"""The audit log: every action leaves an entry, admins can read it, nothing can change it."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DatabaseError

from ivr import db
from ivr.models import AuditEntry
from ivr.review.guard import AuditLogIsAppendOnly
from tests.review.conftest import Audit, login, post


def test_each_action_is_recorded(app: Flask, client: FlaskClient, call, audited: Audit) -> None:
    played = call("0", "busy", "2")
    ref = played.record["reference"]
    login(client, "sam", "wrong-password-here")
    login(client, "sam")
    client.get("/review/calls/1")
    post(client, "/review/calls/1/reveal")
    post(client, "/review/calls/1/review", status="reviewed", note="fine")
    post(client, "/review/callbacks/1/done", note="rang back")
    post(client, "/review/calls/export")
    post(client, "/review/logout")
    assert audited("login_failed") == [{"actor": "sam", "reason": "wrong_password", "failures": 1}]
    assert audited("login") == [{"actor": "sam", "role": "supervisor"}]
    assert {"actor": "sam", "reference": ref} in audited("view_call")
    assert audited("reveal_number") == [{"actor": "sam", "reference": ref}]
    assert audited("review_call")[0]["status"] == "reviewed"
    assert audited("callback_done") == [{"actor": "sam", "reference": ref, "note": "rang back"}]
    assert audited("export_calls") == [{"actor": "sam", "calls": 1}]
    assert audited("logout") == [{"actor": "sam"}]
    assert [e["username"] for e in audited("user_added")] == ["sam", "ada", "old"]
    assert audited("user_disabled") == [{"actor": "test", "username": "old"}]


def test_admins_read_and_filter_the_log(admin: FlaskClient) -> None:
    page = admin.get("/review/audit").get_data(as_text=True)
    assert "user_added" in page and "login" in page
    filtered = admin.get("/review/audit?action=user_disabled").get_data(as_text=True)
    assert "username=old" in filtered and "username=ada" not in filtered
    hostile = admin.get("/review/audit?actor=<script>x</script>&day='&before=9" + "9" * 40)
    assert hostile.status_code == 200 and "<script>x" not in hostile.get_data(as_text=True)


def test_no_route_can_change_the_audit_log(app: Flask) -> None:
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/review/audit"):
            assert (rule.methods or set()) <= {"GET", "HEAD", "OPTIONS"}, rule
        assert not ({"DELETE", "PUT", "PATCH"} & (rule.methods or set())), rule


def first_entry(session) -> AuditEntry:
    return session.query(AuditEntry).order_by(AuditEntry.id).first()


def test_the_orm_refuses_to_change_or_delete_an_entry(app: Flask) -> None:
    with app.app_context():
        with pytest.raises(AuditLogIsAppendOnly), db.session() as session:
            first_entry(session).actor = "someone else"
        with pytest.raises(AuditLogIsAppendOnly), db.session() as session:
            session.delete(first_entry(session))
        with pytest.raises(AuditLogIsAppendOnly), db.session() as session:
            session.execute(delete(AuditEntry))
        with pytest.raises(AuditLogIsAppendOnly), db.session() as session:
            session.execute(update(AuditEntry).values(actor="x"))
        with db.session() as session:
            assert first_entry(session).actor == "test"


def test_the_database_refuses_too(app: Flask) -> None:
    with app.app_context():
        with pytest.raises(DatabaseError, match="append-only"), db.session() as session:
            session.execute(text("DELETE FROM audit_log"))
        with pytest.raises(DatabaseError, match="append-only"), db.session() as session:
            session.execute(text("UPDATE audit_log SET actor = 'x'"))
