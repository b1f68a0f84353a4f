"""A supervisor's Monday morning in a real browser, on a laptop and on a phone.

Log in, find the newest call-back among 150 open ones, take it, mark it done from the call's
page, find a call by the middle digits of its reference, read its timeline in words, export
exactly the dates typed, print the script. axe-core checks every page on the way.
"""

from __future__ import annotations

import csv
import re
import shutil
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from ivr import db
from ivr.models import Call
from tests.browser.conftest import ARTIFACTS, accessibility_violations, wider_than_screen
from tests.conftest import CALLER, WEDNESDAY_11AM
from tests.review.conftest import PASSWORDS

pytestmark = pytest.mark.browser


def log_in(page: Any, username: str) -> None:
    page.goto("/review/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORDS[username])
    page.click("button:has-text('Log in')")
    page.wait_for_url(re.compile(r"/review/$"))


def looks_right(page: Any, screens: Any, name: str) -> None:
    """No accessibility violation, nothing wider than the screen, and a picture to look at."""
    assert accessibility_violations(page) == [], name
    assert wider_than_screen(page) <= 0, f"{name} scrolls sideways"
    screens.shot(name)


def open_callbacks(app: Flask, count: int) -> str:
    """`count` open call-back requests, one an hour back from Wednesday 10:00; the newest's ref."""
    with app.app_context(), db.session() as session:
        for n in range(count):
            session.add(
                Call(
                    call_sid=f"CB{n:032d}",
                    reference=f"9{n:05d}",
                    started_at=WEDNESDAY_11AM - timedelta(hours=1 + n),
                    ended_at=WEDNESDAY_11AM - timedelta(hours=1 + n) + timedelta(minutes=2),
                    duration_seconds=120,
                    caller=CALLER,
                    out_of_hours=False,
                    outcome="speak_to_someone",
                    transfer_to="front_door",
                    transfer_status="busy",
                    callback_requested=True,
                    status="completed",
                    state="callback",
                    trail=[],
                )
            )
    return "900000"


def test_a_supervisors_morning(app: Flask, page: Any, screens: Any, call) -> None:
    advice = call("2", "2", "1", "2").record["reference"]
    newest = open_callbacks(app, 150)

    page.goto("/review/")
    assert "/review/login" in page.url
    looks_right(page, screens, "login")
    log_in(page, "sam")
    assert page.locator("h2", has_text="Call-back requests waiting: 150").is_visible()
    looks_right(page, screens, "dashboard")

    page.click("a:has-text('newest first')")
    first_row = page.locator("table.app-queue tbody tr").first
    assert newest in first_row.inner_text()
    assert "1 hour" in first_row.inner_text()
    first_row.locator("button:has-text('Take it')").click()
    assert (
        "You are handling the call-back" in page.locator(".govuk-notification-banner").inner_text()
    )
    assert "You are handling this" in page.locator("table.app-queue tbody tr").first.inner_text()

    page.click(f"table.app-queue a:has-text('{newest}')")
    assert page.locator("h1").inner_text() == f"Call {newest}"
    page.click("button:has-text('Mark call-back done')")
    assert "Write what was done" in page.locator(".govuk-error-summary").inner_text()
    looks_right(page, screens, "callback-note-required")
    page.fill("textarea[name=note]", "Rang back at 09:10; spoke to the caller, no referral.")
    page.click("button:has-text('Confirm: call-back done')")
    assert page.locator(".callback-state").inner_text().startswith("Done by sam")
    looks_right(page, screens, "call-callback-done")
    page.goto("/review/")
    assert page.locator("h2", has_text="Call-back requests waiting: 149").is_visible()

    page.goto("/review/calls")
    page.fill("input[name=q]", advice[2:5])
    page.click("button:has-text('Show calls')")
    assert "csrf_token" not in page.url
    assert page.locator(f"table.calls a:has-text('{advice}')").count() == 1
    looks_right(page, screens, "calls")
    page.click(f"table.calls a:has-text('{advice}')")
    timeline = page.locator("table.timeline").inner_text()
    sentences = app.extensions["ivr.line"].prompts["sentences"]
    assert sentences["significant_harm"] in timeline and sentences["purpose"] in timeline
    assert "help sharing information" in timeline and "(pressed 2)" in timeline
    assert "significant_harm" not in timeline and "main_menu" not in timeline
    assert CALLER not in page.content()
    looks_right(page, screens, "call")
    page.click("button:has-text('Reveal number')")
    number = page.locator("a.number.revealed")
    assert number.get_attribute("href") == f"tel:{CALLER}"
    looks_right(page, screens, "call-revealed")
    page.check("input[value=reviewed]")
    page.fill("textarea[name=note]", "Advice was right; no follow-up.")
    page.click("button:has-text('Save review')")
    assert "Reviewed by sam" in page.locator(".review-state").inner_text()
    assert "marked it reviewed" in page.locator(".app-history").inner_text()

    # Dates typed but never shown are the ones exported: 24 calls on Tuesday 24 November.
    page.goto("/review/calls")
    page.fill("input[name=since]", "2026-11-24")
    page.fill("input[name=until]", "2026-11-24")
    with page.expect_download() as download:
        page.click("button:has-text('Export these calls as CSV')")
    with open(download.value.path(), encoding="utf-8-sig") as exported:
        rows = list(csv.DictReader(exported))
    assert len(rows) == 24
    assert all(row["started_at"].startswith("2026-11-24T") for row in rows)
    assert all(row["started_at"].endswith("+00:00") for row in rows)
    assert all(CALLER not in row["caller"] for row in rows)

    page.goto("/review/script")
    drawn = shutil.which("dot") is not None  # Debian's graphviz draws the diagram
    assert page.locator("#flow-diagram svg").count() == (1 if drawn else 0)
    assert page.locator("ol.script > li").count() > 20
    looks_right(page, screens, "script")
    page.emulate_media(media="print")
    assert not page.locator(".app-header").is_visible()
    assert page.locator("#flow-diagram svg").is_visible() or not drawn
    page.emulate_media(media="screen")
    page.pdf(path=str(ARTIFACTS / f"script-{screens.size}.pdf"), format="A4")

    response = page.goto("/review/calls/999999")
    assert response is not None and response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    looks_right(page, screens, "not-found")
    page.errors[:] = [e for e in page.errors if "404 (NOT FOUND)" not in e]


def test_an_admin_reads_the_audit_log(page: Any, screens: Any, call) -> None:
    call("2", "1", "2")
    log_in(page, "ada")
    page.goto("/review/calls/1")
    if screens.size == "phone":
        page.click("button.govuk-service-navigation__toggle")
    page.click("nav >> text=Audit log")
    table = page.locator("table.audit").inner_text()
    assert "view_call" in table and "login" in table and "user_added" in table
    page.select_option("select[name=action]", "view_call")
    page.click("button:has-text('Show')")
    assert page.locator("table.audit tbody tr").count() == 1
    looks_right(page, screens, "audit")


def test_a_supervisor_does_not_see_the_audit_log(page: Any, screens: Any) -> None:
    log_in(page, "sam")
    assert page.locator("nav >> text=Audit log").count() == 0
    response = page.goto("/review/audit")
    assert response is not None and response.status == 403
    assert page.locator("h1").inner_text() == "You cannot see this page"
    looks_right(page, screens, "forbidden")
    page.errors[:] = [e for e in page.errors if "403 (FORBIDDEN)" not in e]
