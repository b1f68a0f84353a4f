"""The script: the flow diagram and every prompt in flow order, printable for sign-off."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Response, current_app, g, render_template, send_from_directory

from ivr.flow import STATES
from ivr.graph import mermaid
from ivr.review.blueprint import bp
from ivr.timing import WORDS_PER_MINUTE, long_questions, paths


@dataclass(frozen=True)
class Sentence:
    prompt: str
    when: str | None
    text: str


# Third-party files shipped with the project, kept apart from its own code (see vendor/README).
VENDOR = Path(__file__).resolve().parents[2] / "vendor"


@bp.route("/vendor/<path:filename>")
def vendor(filename: str) -> Response:
    """Mermaid's script, served by the line itself: council networks block CDNs."""
    return send_from_directory(VENDOR, filename)


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
