"""`ivr check`: what is wrong with the config and prompts, by file and line, before a call.

Every file is read with the line each key came from, so council staff can go straight to the fix.
After merging an IVR_CONFIG override over the defaults, a value is reported where it was written.
The prompts are checked against the config only when the config could be read at all.
"""

from __future__ import annotations

from importlib.resources.abc import Traversable

from ivr.check.callbacks import check_messages, escalation_warnings
from ivr.check.config import check_config
from ivr.check.loading import load, load_config
from ivr.check.located import Problem
from ivr.check.prompts import check_prompts
from ivr.check.speech import check_speech
from ivr.config import PROMPTS_FILE, prompt_file, speech_path

__all__ = ["Problem", "check", "warnings"]


def check(
    config_override: str | None = None, prompts_path: Traversable | None = None
) -> list[Problem]:
    """Every problem with the config (defaults merged with the override) and the prompts.

    The prompts are the file in the prompts directory in use (IVR_PROMPTS, or the shipped one)
    unless `prompts_path` names another.
    """
    problems: list[Problem] = []
    prompts_path = prompts_path if prompts_path is not None else prompt_file(PROMPTS_FILE)
    config = load_config(config_override)
    if isinstance(config, list):
        problems += config
    else:
        problems += check_config(config)
    prompts = load(prompts_path)
    if isinstance(prompts, Problem):
        problems.append(prompts)
    else:
        problems += check_prompts(prompts, None if isinstance(config, list) else config)
        # The vocabulary sits beside the sentences: a missing prompts file is one problem.
        speech = load(speech_path(prompts_path))
        problems += [speech] if isinstance(speech, Problem) else check_speech(speech)
    problems += check_messages(prompts_path)
    return problems


def warnings(config_override: str | None = None) -> list[Problem]:
    """What the config allows but a caller may go without: said, never failed on. None for a
    config that cannot be read, whose problems `check` reports."""
    config = load_config(config_override)
    return [] if isinstance(config, list) else list(escalation_warnings(config))
