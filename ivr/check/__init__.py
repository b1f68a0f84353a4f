"""`ivr check`: what is wrong with the config and prompts, by file and line, before a call.

Every file is read with the line each key came from, so council staff can go straight to the fix.
After merging an IVR_CONFIG override over the defaults, a value is reported where it was written.
The prompts are checked against the config only when the config could be read at all.
"""

from __future__ import annotations

from importlib.resources.abc import Traversable

from ivr.check.config import check_config
from ivr.check.loading import load, load_config
from ivr.check.located import Problem
from ivr.check.prompts import check_prompts
from ivr.config import PROMPTS_FILE, prompt_file

__all__ = ["Problem", "check"]


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
    return problems
