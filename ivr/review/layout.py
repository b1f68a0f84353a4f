"""What every review page shares: the service's name and menu, and error pages in the layout.

The error pages are the review area's own only under /review; the voice webhooks answer their
errors themselves (never with a 5xx page), and other paths keep Flask's plain answers.
"""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from werkzeug.exceptions import HTTPException, InternalServerError

from ivr.known import known_line_if_any
from ivr.review.blueprint import bp

ERRORS = {
    400: (
        "Sorry, there is a problem with that request",
        "The page could not use what was sent. "
        "If you were filling in a form, it may have expired: go back, reload it and try again.",
    ),
    403: (
        "You cannot see this page",
        "Your account does not have access to it. Ask an admin if you need it.",
    ),
    404: (
        "Page not found",
        "If you typed the web address, check it is correct. The call or page "
        "may also have been removed under the retention policy.",
    ),
    405: ("Sorry, there is a problem with that request", "That page cannot be used that way."),
    500: (
        "Sorry, there is a problem with the service",
        "Try again later. Nothing you did caused this; the error has been logged.",
    ),
    503: (
        "Sorry, the service is unavailable",
        "Its settings cannot be read just now, so this page cannot be shown. Calls to the line "
        "are still answered, with the safe guidance. Tell the team that runs the line, and try "
        "again later.",
    ),
}


@bp.app_context_processor
def service() -> dict[str, Any]:
    line = known_line_if_any()
    name = line.config.get("service_name", "") if line else ""
    office = line.config.get("office_hours", {}).get("timezone", "") if line else ""
    return {"service_name": name, "office_zone": office}


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> Any:
    if not request.path.startswith("/review") or error.code not in ERRORS:
        return error
    title, detail = ERRORS[error.code or 500]
    return render_template("review/error.html", title=title, detail=detail), error.code


@bp.app_errorhandler(InternalServerError)
def server_error(error: InternalServerError) -> Any:
    if not request.path.startswith("/review"):
        return error
    title, detail = ERRORS[500]
    return render_template("review/error.html", title=title, detail=detail), 500


@bp.app_template_global()
def pagination_items(page: int, pages: int, endpoint: str, **args: Any) -> list[dict[str, Any]]:
    """GOV.UK pagination's numbered items: the first, the last, and two either side of this one."""
    items: list[dict[str, Any]] = []
    for number in range(1, pages + 1):
        if number in (1, pages) or abs(number - page) <= 2:
            href = url_for(endpoint, page=number, **args)
            items.append({"number": number, "href": href, "current": number == page})
        elif items and not items[-1].get("ellipsis"):
            items.append({"ellipsis": True})
    return items
