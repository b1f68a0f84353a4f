"""The ceiling: a bare Flask app that answers every POST with one fixed <Gather>.

Served by gunicorn with exactly the line's settings (`ivr.server.options`), it measures what
the HTTP stack alone can do on this machine, so the line's throughput can be read as a share
of it. Run: `python -m benchmarks.ceiling --port 5056 --workers 2`.
"""

from __future__ import annotations

import argparse

from flask import Flask, Response

from ivr.server import Server, options

TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response>'
    '<Gather action="/voice/gather?n=0" input="dtmf speech" numDigits="1" timeout="6">'
    '<Say language="en-GB" voice="Polly.Amy">Press 1, 2 or 3.</Say></Gather>'
    '<Redirect method="POST">/voice/gather?n=0</Redirect></Response>'
)

app = Flask(__name__)


@app.post("/", defaults={"path": ""})
@app.post("/<path:path>")
def answer(path: str) -> Response:
    return Response(TWIML, mimetype="text/xml")


class Ceiling(Server):
    """The line's gunicorn setup serving the bare app instead of the line."""

    def load(self) -> Flask:
        return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=5056)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    Ceiling(options(f"127.0.0.1:{args.port}", args.workers)).run()


if __name__ == "__main__":
    main()
