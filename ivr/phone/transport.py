"""How the phone's requests reach the application: over the network or in-process.

The interpreter only needs a status, a content type and a body back, so a real server and a
Flask app under test can stand in for each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

import flask
import requests

TWILIO_TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class Reply:
    """What a server answered, reduced to the parts Twilio looks at."""

    status: int
    content_type: str
    body: str


class Transport(Protocol):
    """How a request reaches the application: over the network or in-process."""

    def post(self, url: str, params: dict[str, str], headers: dict[str, str]) -> Reply: ...


class HttpTransport:
    """Real HTTP; an unreachable server reads as 502 so the call takes Twilio's error path.

    `via` sends each request to another scheme and host than the URL signed: a line behind a
    proxy checks signatures against its public URL (IVR_PUBLIC_URL), as Twilio signs it, while
    an operator on the server reaches it at 127.0.0.1.
    """

    def __init__(self, session: requests.Session | None = None, via: str | None = None) -> None:
        self._session = session or requests.Session()
        self._owns_session = session is None
        self._via = urlsplit(via) if via else None

    def post(self, url: str, params: dict[str, str], headers: dict[str, str]) -> Reply:
        """POST form-encoded params with Twilio's 15 s timeout."""
        if self._via is not None:
            url = urlsplit(url)._replace(scheme=self._via.scheme, netloc=self._via.netloc).geturl()
        try:
            response = self._session.post(
                url, data=params, headers=headers, timeout=TWILIO_TIMEOUT_SECONDS
            )
        except requests.RequestException as exc:
            return Reply(502, "text/plain", f"could not reach {url}: {exc}")
        return Reply(response.status_code, response.headers.get("Content-Type", ""), response.text)

    def close(self) -> None:
        """Close the session if this transport made it, so no socket is left open."""
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> HttpTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class FlaskTransport:
    """In-process requests to a Flask app, so tests need no server yet sign the real URL."""

    def __init__(self, app: flask.Flask) -> None:
        self._client = app.test_client()

    def post(self, url: str, params: dict[str, str], headers: dict[str, str]) -> Reply:
        """Post to the URL's path and query, on the URL's own scheme and host."""
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        response = self._client.post(
            target, base_url=f"{parts.scheme}://{parts.netloc}", data=params, headers=headers
        )
        return Reply(
            response.status_code,
            response.headers.get("Content-Type", ""),
            response.get_data(as_text=True),
        )
