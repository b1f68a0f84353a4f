"""The ceiling: a bare Flask app that answers every POST with one fixed <Gather>.

It measures what gunicorn and Flask alone can do on this machine, served at their own best
settings (the benchmark searches worker count and class for them), not the line's: no access
log, no app of ours. Run: `python -m benchmarks.serve ceiling --port 5056 --settings gthread:2x8`.
"""

from __future__ import annotations

from flask import Flask, Response

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
