"""Call-backs that reach a person now: an outbox of texts and e-mails, a worker, a page to take one.

A call-back request is a promise to a caller, so it is recorded together with its messages in the
webhook's own transaction (`outbox`), delivered by `ivr worker` (`worker`, `senders`) and taken
from a one-time link (`page`); one not taken in time is escalated (`escalation`).
"""

from __future__ import annotations

import os

from flask import Flask

ENVIRONMENT = {
    "TWILIO_ACCOUNT_SID": "TWILIO_ACCOUNT_SID",
    "TWILIO_API_URL": "IVR_TWILIO_API_URL",
    "SMTP_URL": "IVR_SMTP_URL",
}


def init_app(app: Flask) -> None:
    """The senders' settings from the environment (tests pass them instead), and the page.

    The outbox itself is built on first use (`outbox.outbox`), so an app whose config cannot be
    read still starts and answers callers with the safe guidance.
    """
    from ivr.messaging import page

    for setting, variable in ENVIRONMENT.items():
        app.config.setdefault(setting, os.environ.get(variable))
    app.register_blueprint(page.bp)
