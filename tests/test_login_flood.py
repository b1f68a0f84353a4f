"""A flood of wrong passwords at the review login, against a real `ivr serve` on SQLite, while
calls come in: every call still gets its menu and its whole record, and /healthz stays 200.

The login limits are raised out of reach here, so every try costs a real argon2 check: what is
tested is that the check holds no lock a call needs, not only that the limits turn tries away.
"""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from flask import Flask

from ivr import db
from ivr.phone import HttpTransport
from ivr.review import accounts
from tests.conftest import WEDNESDAY_11AM, essence, record_of
from tests.servers import serving
from tests.test_servers import play

KEYS = ["2", "1", "2"]
FLOODERS, TRIES, CALLS = 6, 20, 8
TOKEN = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def flood(base: str, guesser: int, stop: threading.Event) -> list[int]:
    """One guesser: one CSRF token from the public login page, reused for every try.

    Every try names another account, as a guesser of names does: none is locked out, so each
    costs a full argon2 check.
    """
    answers = []
    with requests.Session() as browser:
        page = browser.get(f"{base}/review/login", timeout=15).text
        found = TOKEN.search(page)
        assert found
        token = found.group(1) or found.group(2)
        for n in range(TRIES):
            if stop.is_set():
                break
            name = "sam" if n % 5 == 0 else f"guess-{guesser}-{n}"
            form = {"username": name, "password": f"wrong-guess-{n}", "csrf_token": token}
            answers.append(browser.post(f"{base}/review/login", data=form, timeout=30).status_code)
    return answers


def test_a_login_flood_does_not_degrade_calls(
    app: Flask, database_url: str, tmp_path: Path
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the flood is about SQLite's database-wide write lock")
    with app.app_context(), db.session() as session:
        accounts.add(session, WEDNESDAY_11AM, "test", "sam", "supervisor", "sam-supervises-calls")
    override = tmp_path / "limits.yaml"
    override.write_text(
        "review:\n  login_limits:\n"
        + "".join(
            f"    {name}: '100000 per minute'\n"
            for name in ("per_address", "per_name", "overall", "unknown_name_audits")
        )
    )
    env = {
        "IVR_CONFIG": str(override),
        "IVR_RATELIMIT_STORAGE_URL": f"ivr-sqlite://{tmp_path / 'limits.sqlite3'}",
    }
    with serving(database_url, workers=3, env=env) as served, HttpTransport() as http:
        expected = essence(record_of(app, play(http, served.url, KEYS)))
        stop = threading.Event()
        with ThreadPoolExecutor(FLOODERS) as pool:
            floods = [pool.submit(flood, served.url, n, stop) for n in range(FLOODERS)]
            time.sleep(1)
            health, sids = [], []
            for _ in range(CALLS):
                sids.append(play(http, served.url, KEYS))
                health.append(requests.get(f"{served.url}/healthz", timeout=15).status_code)
            stop.set()
            answers = [code for future in floods for code in future.result()]
    assert answers and set(answers) == {401}, sorted(set(answers))
    assert health == [200] * CALLS
    for sid in sids:
        assert essence(record_of(app, sid)) == expected, sid
