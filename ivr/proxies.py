"""Who the client is behind nginx: Werkzeug's ProxyFix, trusting exactly the configured proxies.

Off by default (IVR_TRUSTED_PROXIES=0): with no proxy in front, X-Forwarded-For is whatever the
client wrote. Behind one nginx, IVR_TRUSTED_PROXIES=1 takes the client's address and scheme
from the one value nginx itself appends. Either way the forwarding headers are then removed, so
nothing later (Flask-Login's session protection reads the first X-Forwarded-For value, whoever
sent it) can be fooled by a value no trusted proxy set.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from ivr.environment import whole_number

FORWARDED = ("HTTP_FORWARDED", "HTTP_X_FORWARDED_")


class WithoutForwardedHeaders:
    """The app, given requests without the forwarding headers ProxyFix has already read."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        for key in [k for k in environ if k.startswith(FORWARDED)]:
            del environ[key]
        return self.app(environ, start_response)


def init_app(app: Flask) -> None:
    """Trust `TRUSTED_PROXIES` proxies (IVR_TRUSTED_PROXIES), none unless told."""
    app.config.setdefault("TRUSTED_PROXIES", whole_number("IVR_TRUSTED_PROXIES", 0))
    proxies = int(app.config["TRUSTED_PROXIES"])
    inner = WithoutForwardedHeaders(app.wsgi_app)
    app.wsgi_app = ProxyFix(inner, x_for=proxies, x_proto=proxies) if proxies else inner  # type: ignore[method-assign]
