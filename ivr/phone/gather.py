"""<Gather>: play its prompts, take the caller's keys or words, and post what Twilio would.

Twilio's rules for digits (finishOnKey, numDigits) and for silence decide whether the action
URL is fetched at all, so they are followed here exactly.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import urljoin

from ivr.phone.answerers import GatherSpec
from ivr.phone.call import Call
from ivr.phone.document import Document, int_attr
from ivr.phone.log import Event
from ivr.phone.verbs import PROMPTS

_KEYS = re.compile(r"[0-9*#]+")


def gather(call: Call, verb: ET.Element, url: str) -> Document | None:
    """Ask the caller; an answer (or actionOnEmptyResult) fetches the action, else time passes."""
    spec = _gather_spec(verb, url)
    call.events.append(Event("gather", attrs=dict(verb.attrib)))
    for prompt in verb:
        handler = PROMPTS.get(prompt.tag)
        if handler is not None:
            handler(call, prompt, url)
        else:
            call.events.append(Event("error", f"<{prompt.tag}> inside <Gather> skipped"))
    answer = call.answerer.gather(spec)
    if answer is None:
        call.events.append(Event("answer", "hangup"))
        call.end_by_caller()
    result = _gather_result(answer, spec, verb.get("finishOnKey", "#"))
    call.events.append(Event("answer", answer, result))
    if result or verb.get("actionOnEmptyResult", "").lower() == "true":
        return call.fetch(spec.action, result)
    call.seconds += spec.timeout
    return None


def _gather_spec(verb: ET.Element, url: str) -> GatherSpec:
    timeout = int_attr(verb.get("timeout"))
    return GatherSpec(
        input=verb.get("input", "dtmf"),
        num_digits=int_attr(verb.get("numDigits")),
        timeout=5 if timeout is None else timeout,
        action=urljoin(url, verb.get("action", "")),
        method=verb.get("method", "POST").upper(),
        hints=verb.get("hints", ""),
        language=verb.get("language", "en-US"),
    )


def _gather_result(answer: str, spec: GatherSpec, finish_on_key: str) -> dict[str, str]:
    """The params Twilio would post for an answer; empty when it counts as silence."""
    inputs = spec.input.lower().split()
    if _KEYS.fullmatch(answer):
        digits = _collect_digits(answer, spec.num_digits, finish_on_key)
        return {"Digits": digits} if digits and "dtmf" in inputs else {}
    if answer and "speech" in inputs:
        return {"SpeechResult": answer, "Confidence": "0.9"}
    return {}


def _collect_digits(keys: str, num_digits: int | None, finish_on_key: str) -> str:
    """Keys up to finishOnKey or numDigits, whichever comes first, as Twilio collects them."""
    digits = ""
    for key in keys:
        if key == finish_on_key:
            break
        digits += key
        if len(digits) == num_digits:
            break
    return digits
