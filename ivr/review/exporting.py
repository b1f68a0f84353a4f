"""The calls list as CSV, exactly as filtered on screen, with the caller's number masked (in the
call-back events too); audited.

A small export streams at once. A large one (a year of calls) would outlast the worker's
timeout, so it is written in the background to the instance folder, and the browser is shown
its progress and downloads it when ready; any worker can answer, the state is in the files.
Either way memory stays flat: calls are read in batches and written row by row.
"""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ivr import audit, db, export
from ivr.models import Call
from ivr.review.blueprint import bp
from ivr.review.claims import CallbackClaim
from ivr.review.filters import Filters
from ivr.review.forms import ActionForm
from ivr.review.local import masked, now, screened, zone
from ivr.review.models import CallbackDone, Review

# More calls than this are written in the background: at a few thousand rows a second, a
# streamed answer this size ends well inside the worker's timeout.
STREAM_AT_ONCE = 20_000
# How long a prepared file is kept for its download; it holds personal data, so not long.
KEEP_SECONDS = 3600
# A file that has not grown for this long was cut off (its worker restarted).
STALLED_SECONDS = 120
JOB = re.compile(r"^[A-Za-z0-9_-]{22}$")
FIELDS = (
    *export.FIELDS,
    "review_status",
    "review_by",
    "review_at",
    "review_note",
    "callback_handled_by",
    "callback_done_by",
    "callback_done_at",
    "callback_note",
)


@bp.route("/calls/export", methods=["POST"])
def export_calls() -> Response:
    """Export the calls the form on screen describes: a POST with a CSRF token, and audited."""
    filters = Filters.parse(request.form)
    with db.reading() as session:
        total = session.scalar(filters.apply(select(func.count()).select_from(Call))) or 0
    job = secrets.token_urlsafe(16)
    with db.session() as session:
        detail = {**filters.args(), "calls": total}
        audit.write(session, now(), current_user.username, "export_calls", **detail)
    name = f"calls-{now().astimezone(zone()).strftime('%Y%m%d-%H%M%S')}.csv"
    if total <= STREAM_AT_ONCE:
        rows = csv_text(records(current_app.extensions["ivr.sessions"], filters))
        return Response(
            stream_with_context(rows),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    folder = exports_folder(current_app)
    _forget_old(folder)
    _write_state(folder, job, owner=current_user.username, name=name, total=total, rows=0)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    threading.Thread(target=_prepare, args=(app, filters, folder, job), daemon=True).start()
    return redirect(url_for("review.export_status", job=job))


def exports_folder(app: Flask) -> Path:
    folder = Path(app.instance_path) / "exports"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _state_path(folder: Path, job: str) -> Path:
    return folder / f"{job}.json"


def _write_state(folder: Path, job: str, **state: Any) -> None:
    """Replace the job's state file whole, so a reader never sees half of it."""
    path = _state_path(folder, job)
    previous = json.loads(path.read_text()) if path.exists() else {}
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({**previous, **state, "touched": time.time()}))
    temporary.replace(path)


def _forget_old(folder: Path) -> None:
    cutoff = time.time() - KEEP_SECONDS
    for path in folder.iterdir():
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def _prepare(app: Flask, filters: Filters, folder: Path, job: str) -> None:
    """Write the file in the background; the state file says how far it got."""
    part = folder / f"{job}.csv.part"
    with app.app_context():
        try:
            with part.open("w", encoding="utf-8", newline="") as out:
                for count, text in enumerate(
                    csv_text(records(app.extensions["ivr.sessions"], filters))
                ):
                    out.write(text)
                    if count % 5000 == 0:
                        _write_state(folder, job, rows=max(count - 1, 0))
            part.replace(folder / f"{job}.csv")
            _write_state(folder, job, ready=True)
        except Exception:
            app.logger.exception("an export failed")
            _write_state(folder, job, failed=True)
            part.unlink(missing_ok=True)


def _job_state(job: str) -> tuple[Path, dict[str, Any]]:
    """The job's folder and state, for its owner only: anyone else gets 404, as for no job."""
    if not JOB.match(job):
        abort(404)
    folder = exports_folder(current_app)
    path = _state_path(folder, job)
    if not path.exists():
        abort(404)
    state = json.loads(path.read_text())
    if state.get("owner") != current_user.username:
        abort(404)
    if not state.get("ready") and time.time() - state["touched"] > STALLED_SECONDS:
        state["failed"] = True
    return folder, state


@bp.route("/calls/export/<job>")
def export_status(job: str) -> Any:
    _, state = _job_state(job)
    download = url_for("review.export_file", job=job)
    if request.accept_mimetypes.best == "application/json":
        return jsonify(
            ready=bool(state.get("ready")),
            failed=bool(state.get("failed")),
            rows=state.get("rows", 0),
            download=download,
        )
    return render_template(
        "review/export.html", state=state, job=job, download=download, form=ActionForm()
    )


@bp.route("/calls/export/<job>/file")
def export_file(job: str) -> Response:
    folder, state = _job_state(job)
    if not state.get("ready"):
        abort(404)
    return send_file(
        folder / f"{job}.csv",
        mimetype="text/csv",
        as_attachment=True,
        download_name=state["name"],
        max_age=0,
    )


def records(factory: Any, filters: Filters) -> Iterator[dict[str, Any]]:
    """Records newest first, with their reviews and call-backs, fetched in batches."""
    office = zone()
    session: Session
    with factory() as session:
        query = (
            filters.apply(select(Call, Review, CallbackDone, CallbackClaim))
            .outerjoin(Review, Review.call_id == Call.id)
            .outerjoin(CallbackDone, CallbackDone.call_id == Call.id)
            .outerjoin(CallbackClaim, CallbackClaim.call_id == Call.id)
            .options(selectinload(Call.steps))
            .order_by(Call.started_at.desc(), Call.id.desc())
            .execution_options(yield_per=export.BATCH)
        )
        for call, review, done, claim in session.execute(query):
            row = export.record(call)
            yield {
                **row,
                "started_at": _office(call.started_at, office),
                "ended_at": _office(call.ended_at, office),
                "steps": [
                    {**step, "at": _office_text(step["at"], office)} for step in row["steps"]
                ],
                "caller": masked(call.caller),
                # A sent text's event names its address, and Twilio's refusals quote it.
                "callback": [
                    {
                        **event,
                        "at": _office_text(event["at"], office),
                        "detail": screened(event["detail"], call.caller),
                    }
                    for event in row["callback"]
                ],
                "review_status": review.status if review else "",
                "review_by": review.by if review else "",
                "review_at": _office(review.at, office) if review else "",
                "review_note": review.note if review else "",
                "callback_handled_by": claim.by if claim else "",
                "callback_done_by": done.by if done else "",
                "callback_done_at": _office(done.at, office) if done else "",
                "callback_note": done.note if done else "",
            }
            for loaded in (call, review, done, claim):
                if loaded is not None:
                    session.expunge(loaded)


def _office(moment: datetime | None, office: Any) -> str:
    """ISO 8601 in office time, with its offset: "2026-11-25T11:00:00+00:00"."""
    return "" if moment is None else moment.astimezone(office).isoformat(timespec="seconds")


def _office_text(text: str | None, office: Any) -> str:
    return _office(datetime.fromisoformat(text), office) if text else ""


def csv_text(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    """A UTF-8 byte-order mark first, so Excel reads it as UTF-8; no cell runs as a formula."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS)
    buffer.write("\ufeff")
    writer.writeheader()
    for row in rows:
        folded = {
            **row,
            "steps": export.fold_steps(row["steps"]),
            "callback": export.fold_events(row["callback"]),
        }
        writer.writerow({name: export.inert(value) for name, value in folded.items()})
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
