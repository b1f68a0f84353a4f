"""A call's record in words a supervisor reads: the question asked, the answer, the outcome.

Nothing here lists steps or outcomes by name: the question is the state's own sentence from
prompts/, a key's meaning is read from the sentences that offer it ("press 2 if they refused",
"for contact numbers, press 3"), and names of outcomes and teams come from the flow and config.
A step added to ivr/flow.py and prompts/ gets its words without a change here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from ivr.flow import KEY_HELP, KEY_TRIGGERS, STATES, State
from ivr.line import Line
from ivr.review.placeholders import ScriptWords

# What the keys that work on every prompt do, in a supervisor's words.
EVERYWHERE = {
    "repeat": "asked to hear it again",
    "back": "went back",
    "operator": "asked for a person",
}
ANSWERS = {"1": "yes", "2": "no", "3": "not sure"}
DIAL = {
    "completed": "connected",
    "busy": "busy",
    "no-answer": "no answer",
    "failed": "failed",
    "canceled": "cancelled",
}
# "press 2 if they refused", "Press 1 for yes, 2 for no", "press 1 to try again, or 2 to ..."
_AFTER = re.compile(r"(?:\bpress|,|\bor)\s+(\d|star)\s+(?:if|for|to)\s+([^,.;]+)", re.IGNORECASE)
# "For contact numbers, press 3."
_BEFORE = re.compile(r"(?:^|[.?]\s+)([^.?]*?),?\s+press (\d|star)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Moment:
    """One line of the timeline: when, what the line asked, and what the caller did."""

    at: datetime
    asked: str
    answer: str
    how: str


def humanise(name: str | None) -> str:
    """An identifier from the flow or config as a phrase: "share_without_consent" → "Share..."."""
    if not name:
        return ""
    words = name.replace("_", " ").replace("-", " ")
    return words[0].upper() + words[1:]


def question(line: Line, state: State) -> str:
    """What the caller was asked at this state: its own sentence, or the sentence offering keys."""
    prompts = [say.prompt for say in state.says]
    if state.name in prompts:
        key = state.name
    elif state.kind == "menu":
        key = next((p for p in reversed(prompts) if "keys" in p), prompts[-1])
    else:
        key = prompts[0] if prompts else ""
    if not key:
        return humanise(state.name)
    return line.sentence(key).format_map(ScriptWords(line))


def _meanings(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, meaning in _AFTER.findall(text):
        found.setdefault("*" if key.lower() == "star" else key, meaning.strip())
    for meaning, key in _BEFORE.findall(text):
        found.setdefault("*" if key.lower() == "star" else key, meaning.strip())
    return found


def key_meaning(line: Line, state: State, key: str) -> str:
    """What pressing `key` meant at this state, in the words the caller heard."""
    trigger = KEY_TRIGGERS.get(key, "")
    if trigger in EVERYWHERE:
        return EVERYWHERE[trigger]
    says_key_help = any(say.prompt == KEY_HELP.prompt for say in state.says)
    if state.kind == "question" and says_key_help and key in ANSWERS:
        return ANSWERS[key]
    text = " ".join(line.sentence(say.prompt) for say in state.says)
    meaning = _meanings(text).get(key)
    if meaning:
        return _tidy(meaning.format_map(ScriptWords(line)))
    if state.kind == "question" and key in ANSWERS:
        return ANSWERS[key]
    routes = state.keys.get(key)
    if routes:
        return f"on to {humanise(routes[-1].dest).lower()}"
    return f"key {key}"


def _tidy(meaning: str) -> str:
    meaning = re.sub(r"^(?:if|for|to)\s+", "", meaning, flags=re.IGNORECASE)
    return meaning[0].lower() + meaning[1:] if meaning else meaning


def moment(line: Line, step_name: str, kind: str, pressed: str, at: datetime) -> Moment:
    """One recorded step in words."""
    state = STATES.get(step_name)
    if kind == "transfer" or (state is not None and state.kind == "transfer" and not pressed):
        return Moment(at, "Put through", DIAL.get(pressed, humanise(pressed) or "ringing"), "")
    asked = question(line, state) if state is not None else humanise(step_name)
    if kind == "silence":
        return Moment(at, asked, "no answer", "silence")
    meaning = key_meaning(line, state, pressed) if state is not None and pressed else ""
    if kind == "invalid":
        how = f"pressed {pressed}" if pressed else "words that meant nothing here"
        return Moment(at, asked, "not one of the choices", how)
    how = f"pressed {pressed}" if kind == "key" else "said"
    return Moment(at, asked, meaning or humanise(pressed), how)


def team(line: Line, key: str | None, *, starts: bool = True) -> str:
    """A contact key from config as the team's name: "The children's services front door" to
    start a sentence, as the config writes it inside one."""
    if not key:
        return ""
    contact = line.config.get("contacts", {}).get(key)
    if contact and not starts:
        return str(contact["name"])
    return humanise(contact["name"]) if contact else humanise(key)


def transfer(line: Line, key: str | None, status: str | None) -> str:
    """Whom the call was put through to and how it went; empty when it was not put through."""
    if not key:
        return ""
    return f"{team(line, key)}: {DIAL.get(status or '', status or 'still ringing')}"


def outcome(name: str | None, reason: str | None = None, status: str = "") -> str:
    """The outcome as a phrase, with its reason: "Share without consent (risk of harm)"."""
    if not name:
        return "Call in progress" if status == "in_progress" else "No outcome"
    text = humanise(name).replace(" 999", ": dial 999")
    return f"{text} ({humanise(reason).lower()})" if reason else text
