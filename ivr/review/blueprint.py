"""The review area's blueprint, kept apart so every view module can import it.

Its templates see GOV.UK Frontend's Jinja macros (govuk-frontend-jinja) and WTForms widgets
(govuk-frontend-wtf) beside our own. Its static files include the vendored GOV.UK Frontend
stylesheet and script under `static/vendor/govuk-frontend/`: public, like our own stylesheet,
because the login and error pages need them before anyone has logged in, and they are the
published open-source library with nothing of ours or of any caller in them.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from flask import Blueprint, Response, send_from_directory
from jinja2 import BaseLoader, ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from ivr.config import shipped

PACKAGE = Path(__file__).resolve().parent.parent
# Third-party files shipped with the project, kept apart from its own code (see vendor/README):
# the checkout's vendor/, or the copy a wheel carries.
VENDOR = Path(str(shipped("vendor")))
VENDORED = "vendor/govuk-frontend/"


class ReviewBlueprint(Blueprint):
    """Templates that can import GOV.UK macros; static files that include GOV.UK's."""

    @cached_property
    def jinja_loader(self) -> BaseLoader:  # type: ignore[override]
        return ChoiceLoader(
            [
                FileSystemLoader(str(PACKAGE / "templates")),
                PrefixLoader(
                    {
                        "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                        "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                    }
                ),
            ]
        )

    def send_static_file(self, filename: str) -> Response:
        if filename.startswith(VENDORED):
            return send_from_directory(VENDOR, filename.removeprefix("vendor/"))
        return super().send_static_file(filename)


bp = ReviewBlueprint(
    "review",
    __name__,
    url_prefix="/review",
    static_folder=str(PACKAGE / "static"),
    static_url_path="/static",
)
