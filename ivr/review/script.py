"""The script: the flow diagram and every prompt in flow order, printable for sign-off."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import as_file

from flask import Response, abort, current_app, g, render_template, send_file

from ivr.config import shipped
from ivr.flow import STATES
from ivr.graph import mermaid
from ivr.review.blueprint import bp
from ivr.timing import WORDS_PER_MINUTE, long_questions, paths


@dataclass(frozen=True)
class Sentence:
    prompt: str
    when: str | None
    text: str


@bp.route("/vendor/<path:filename>")
def vendor(filename: str) -> Response:
    """Mermaid's script, served by the line itself: council networks block CDNs.

    Third-party files are shipped apart from the line's own code (vendor/README); only a name
    listed there is served, so no path can reach outside it.
    """
    entries = {entry.name: entry for entry in shipped("vendor").iterdir() if entry.is_file()}
    if filename not in entries:
        abort(404)
    # A real file already in an installed package; extracted for the response from a zip.
    with as_file(entries[filename]) as path:
        return send_file(path)


@bp.route("/script")
def script() -> str:
    """Every state in flow order with what it says, and the diagram `ivr graph` draws."""
    line = current_app.extensions["ivr.line"]
    states = [
        (state, [Sentence(s.prompt, s.when, line.sentence(s.prompt)) for s in state.says])
        for state in STATES.values()
    ]
    # Mermaid styles its drawing with <style> elements; scripts stay 'self' only.
    g.inline_styles = True
    return render_template(
        "review/script.html",
        diagram=mermaid(),
        states=states,
        paths=list(paths(line, line.clock())),
        long_questions=long_questions(line),
        words_per_minute=WORDS_PER_MINUTE,
    )
