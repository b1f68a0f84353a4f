"""`ivr check`: what is wrong with the config and prompts, by file and line, before a call.

Every file is read with the line each key came from, so council staff can go straight to the fix.
After merging an IVR_CONFIG override over the defaults, a value is reported where it was written.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
import string
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
import yaml

from ivr import hours
from ivr.config import DEFAULT_CONFIG, DEFAULT_PROMPTS, config_paths, merge
from ivr.flow import KEY_TRIGGERS, STATES, prompt_keys
from ivr.line import dialable, example_number, normalise

KeyPath = tuple[Any, ...]

CONFIG_KEYS = (
    "service_name",
    "voice",
    "office_hours",
    "duty",
    "contacts",
    "menus",
    "metrics",
    "retention",
)
PROMPT_KEYS = ("sentences", "speech", "hours")
VOICE_KEYS = ("language", "name")
DUTY_KEYS = ("in_hours", "out_of_hours")
CONTACT_KEYS = ("name", "number", "dial", "hours")
# Contacts the prompts speak whatever the deployment: 999, 101 and the NSPCC.
REQUIRED_CONTACTS = ("emergency", "police", "nspcc")
# Twilio's limits where it has them (Dial timeout 5-600 s), and sane bounds for a caller otherwise.
MENU_LIMITS: Mapping[str, tuple[int, int]] = {
    "max_tries": (1, 10),
    "gather_timeout_seconds": (1, 60),
    "transfer_timeout_seconds": (5, 600),
}
BRITISH_VOICE = re.compile(
    r"Polly\.(Amy|Brian|Emma|Arthur)(-Neural|-Generative)?|Google\.en-GB-[A-Za-z0-9-]+"
)
E164 = re.compile(r"\+[1-9][0-9]{1,14}")
SHORT_CODE = re.compile(r"[0-9]{3,6}")
# Sentences spoken outside the states of flow.py, and by what.
SPOKEN_ELSEWHERE: Mapping[str, str] = {
    "didnt_hear": "the notice after silence",
    "not_a_choice": "the notice after a key that is not a choice",
    "safe_guidance": "the safe guidance answer given when the line fails",
    "safe_if_not_connected": "the safe guidance answer given when the line fails",
    "other_options_police": "the safe guidance answer given when the line fails",
    "goodbye": "the safe guidance answer given when the line fails",
}
FIXED_PLACEHOLDERS = frozenset(
    {
        "service_name",
        "office_hours",
        "nspcc_hours",
        "reference",
        "caller_number",
        "transfer_name",
        "transfer_number",
    }
)
DUTY_ROLES = ("duty", "out_of_hours", "in_hours")
SPEECH_SCOPES = ("anywhere", "questions")
HOURS_WORDS = ("days", "day_span", "time_span", "join", "last_join", "time")
TIME_WORDS = ("hour", "minutes", "am", "pm", "midnight", "noon")


@dataclass(frozen=True)
class Problem:
    """One thing wrong, where to find it, and what to do, in words for council staff."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Located:
    """Parsed YAML with the file and line that supplied every key, so problems point at them."""

    data: dict[Any, Any]
    where: dict[KeyPath, tuple[str, int]]

    def get(self, path: KeyPath) -> Any:
        """The value at `path`, or None when any step is missing or not a mapping."""
        value: Any = self.data
        for part in path:
            if not isinstance(value, Mapping) or part not in value:
                return None
            value = value[part]
        return value

    def problem(self, path: KeyPath, message: str) -> Problem:
        """A problem at `path`, placed at the nearest enclosing key that exists in a file."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.where:
                file, line = self.where[path[:end]]
                break
        return Problem(file, line, f"{dotted(path)}: {message}" if path else message)


def dotted(path: KeyPath) -> str:
    """A path the way it reads in the YAML, e.g. office_hours.weekly.monday[0]."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def shown(path: Path) -> str:
    """The path as given, except the shipped defaults, shown relative to where we run."""
    if path not in (DEFAULT_CONFIG, DEFAULT_PROMPTS):
        return str(path)
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# --- Reading files with their lines -------------------------------------------------------


def load(path: Path) -> Located | Problem:
    """One YAML mapping with the line of every key, or the Problem that stops it being read."""
    name = shown(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Problem(name, 1, "the file does not exist")
    except (OSError, UnicodeDecodeError) as error:
        return Problem(name, 1, f"the file cannot be read: {error}")
    try:
        return _parse(text, name)
    except yaml.YAMLError as error:
        return _yaml_problem(name, error)


def _parse(text: str, name: str) -> Located | Problem:
    """Compose and construct with one loader, then walk the nodes to record each key's line."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Located({}, {(): (name, 1)})
        data = loader.construct_document(node)
        if not isinstance(data, dict):
            return Problem(name, node.start_mark.line + 1, "the top level must be a mapping")
        lines: dict[KeyPath, int] = {(): node.start_mark.line + 1}
        _walk(node, (), lines, loader.construct_object, set())
    finally:
        loader.dispose()
    return Located(data, {path: (name, line) for path, line in lines.items()})


def _walk(
    node: yaml.Node,
    path: KeyPath,
    lines: dict[KeyPath, int],
    key_of: Callable[[yaml.Node], Any],
    seen: set[int],
) -> None:
    """Record the line of every mapping key and list item below `node`; aliases walked once."""
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        children = [(key_of(key), key, value) for key, value in node.value]
    elif isinstance(node, yaml.SequenceNode):
        children = [(index, item, item) for index, item in enumerate(node.value)]
    else:
        return
    for part, marked, child in children:
        lines[(*path, part)] = marked.start_mark.line + 1
        _walk(child, (*path, part), lines, key_of, seen)


def _yaml_problem(name: str, error: yaml.YAMLError) -> Problem:
    """A YAML error at the line its mark gives, in the parser's own words."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line = mark.line + 1 if mark is not None else 1
    detail = getattr(error, "problem", None) or str(error)
    return Problem(name, line, f"not valid YAML: {detail}")


def overlay(base: Located, over: Located) -> Located:
    """Merge as ivr.config does, each key keeping the file and line that supplied its value.

    Lines left from a value the override replaced are never asked for: a problem names a value
    that exists, and every value under a replaced one came from the override.
    """
    over_where = {path: source for path, source in over.where.items() if path}
    return Located(merge(base.data, over.data), base.where | over_where)


def load_config(override: str | None) -> Located | list[Problem]:
    """The merged config with its sources, or the problems that stop any file being read."""
    loaded = [load(path) for path in config_paths(override)]
    failed = [item for item in loaded if isinstance(item, Problem)]
    if failed:
        return failed
    merged = loaded[0]
    for item in loaded[1:]:
        merged = overlay(merged, item)
    return merged


# --- The checks ---------------------------------------------------------------------------


def check(
    config_override: str | None = None, prompts_path: Path = DEFAULT_PROMPTS
) -> list[Problem]:
    """Every problem with the config (defaults merged with the override) and the prompts."""
    problems: list[Problem] = []
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


def check_config(config: Located) -> list[Problem]:
    """Every problem with the merged config."""
    return [
        *unknown_keys(config, (), CONFIG_KEYS),
        *check_service_name(config),
        *check_voice(config),
        *check_schedule(config, ("office_hours",), "Europe/London"),
        *check_contacts(config),
        *check_duty(config),
        *check_menus(config),
        *check_operations(config),
    ]


def unknown_keys(located: Located, path: KeyPath, known: tuple[str, ...]) -> Iterator[Problem]:
    """Keys nothing reads, most likely typos, with the nearest real setting when there is one."""
    section = located.get(path)
    if not isinstance(section, Mapping):
        return
    for key in section:
        if key not in known:
            near = difflib.get_close_matches(str(key), known, n=1)
            hint = f"did you mean {near[0]!r}?" if near else f"the settings are {', '.join(known)}"
            yield located.problem((*path, key), f"is not a setting, perhaps a typo; {hint}")


def required_mapping(located: Located, path: KeyPath, what: str) -> Iterator[Problem]:
    """A problem when the section at `path` is missing or is not a mapping."""
    value = located.get(path[:-1])
    if not isinstance(value, Mapping) or path[-1] not in value:
        yield located.problem(path, f"is missing: add {what}")
    elif not isinstance(value[path[-1]], Mapping):
        yield located.problem(path, f"must be a mapping of {what}, not {value[path[-1]]!r}")


def text_problem(value: Any) -> str | None:
    """Why `value` is not non-empty text, or None when it is."""
    if not isinstance(value, str):
        return f"must be text in quotes, not {value!r}"
    if not value.strip():
        return "must not be empty"
    return None


def check_text(located: Located, path: KeyPath) -> Iterator[Problem]:
    """A problem when the setting at `path` is missing or not non-empty text."""
    parent = located.get(path[:-1])
    if not isinstance(parent, Mapping):
        return
    if path[-1] not in parent:
        yield located.problem(path, "is missing")
    elif reason := text_problem(parent[path[-1]]):
        yield located.problem(path, reason)


def check_service_name(config: Located) -> Iterator[Problem]:
    """The name the line greets callers with."""
    yield from check_text(config, ("service_name",))


def check_voice(config: Located) -> Iterator[Problem]:
    """British English in a British voice: callers should hear the council, not an American."""
    yield from required_mapping(config, ("voice",), "language and name")
    yield from unknown_keys(config, ("voice",), VOICE_KEYS)
    voice = config.get(("voice",))
    if not isinstance(voice, Mapping):
        return
    if voice.get("language") != "en-GB":
        language = voice.get("language")
        yield config.problem(
            ("voice", "language"), f"must be 'en-GB' (British English), not {language!r}"
        )
    name = voice.get("name")
    if text_problem(name):
        yield from check_text(config, ("voice", "name"))
    elif not BRITISH_VOICE.fullmatch(name):
        yield config.problem(
            ("voice", "name"),
            f"{name!r} is not a British English voice; use one such as Polly.Amy, Polly.Brian, "
            "Polly.Emma, Polly.Arthur, their -Neural versions, or a Google.en-GB- voice",
        )


def check_schedule(config: Located, path: KeyPath, default_timezone: str) -> Iterator[Problem]:
    """Opening hours that hours.Schedule can use, the error placed at the offending setting."""
    try:
        hours.Schedule.from_config(config.get(path), default_timezone=default_timezone)
    except hours.HoursError as error:
        yield config.problem((*path, *error.path), error.problem)


def office_timezone(config: Located) -> str:
    """The office's time zone, the default for contacts' hours; London when it is unusable."""
    name = config.get(("office_hours", "timezone"))
    try:
        return ZoneInfo(name).key if isinstance(name, str) else "Europe/London"
    except (ZoneInfoNotFoundError, ValueError):
        return "Europe/London"


def contacts_of(config: Located | None) -> Mapping[Any, Any]:
    """The contacts mapping, or empty when there is none to read."""
    contacts = config.get(("contacts",)) if config else None
    return contacts if isinstance(contacts, Mapping) else {}


def check_contacts(config: Located) -> Iterator[Problem]:
    """Every contact can be read out, and dialled where the line puts callers through."""
    yield from required_mapping(config, ("contacts",), "contacts, each with name and number")
    contacts = contacts_of(config)
    for key in REQUIRED_CONTACTS:
        if contacts and key not in contacts:
            yield config.problem(("contacts", key), "is missing; the prompts speak this contact")
    for key in contacts:
        yield from check_contact(config, key)
    nspcc = contacts.get("nspcc")
    if isinstance(nspcc, Mapping) and "hours" not in nspcc:
        yield config.problem(("contacts", "nspcc"), "needs hours: the contacts menu reads them")
    for key in {s.contact for s in STATES.values() if s.contact not in (None, "duty")}:
        if isinstance(contacts.get(key), Mapping) and contacts[key].get("dial") is False:
            yield config.problem(
                ("contacts", key, "dial"), "must not be false: the line puts callers through"
            )


def check_contact(config: Located, key: Any) -> Iterator[Problem]:
    """One contact: its name, its number as it will be dialled or read, and its hours."""
    path = ("contacts", key)
    entry = config.get(path)
    if not isinstance(entry, Mapping):
        yield config.problem(path, f"must be a mapping with name and number, not {entry!r}")
        return
    yield from unknown_keys(config, path, CONTACT_KEYS)
    yield from check_text(config, (*path, "name"))
    dial = entry.get("dial", True)
    if not isinstance(dial, bool):
        yield config.problem((*path, "dial"), f"must be true or false, not {dial!r}")
    number = entry.get("number")
    if text_problem(number):
        yield from check_text(config, (*path, "number"))
    elif reason := number_problem(number, dial=dial is not False):
        yield config.problem((*path, "number"), reason)
    if "hours" in entry:
        yield from check_schedule(config, (*path, "hours"), office_timezone(config))


def number_problem(number: str, *, dial: bool) -> str | None:
    """Why a number cannot be dialled (or, with dial false, read out), or None when it can."""
    if not dial and SHORT_CODE.fullmatch(number):
        return None
    if not E164.fullmatch(number):
        codes = "" if dial else ", or a short code such as 101 (digits only)"
        return f"{number!r} is not an E.164 number such as {e164_example(number)}{codes}"
    if not dialable(number):
        return f"{number!r} is not a valid phone number; check the digits"
    return None


def e164_example(number: str) -> str:
    """The number itself in E.164 when it reads as a UK number, else a sample."""
    try:
        parsed = phonenumbers.parse(number, "GB")
    except phonenumbers.NumberParseException:
        return example_number(phonenumbers.PhoneNumberType.FIXED_LINE)
    if not phonenumbers.is_valid_number(parsed):
        return example_number(phonenumbers.PhoneNumberType.FIXED_LINE)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def check_duty(config: Located) -> Iterator[Problem]:
    """Both duty contacts exist and can be put through to: every caller may be transferred."""
    yield from required_mapping(config, ("duty",), "in_hours and out_of_hours contacts")
    yield from unknown_keys(config, ("duty",), DUTY_KEYS)
    if not isinstance(config.get(("duty",)), Mapping):
        return
    contacts = contacts_of(config)
    for role in DUTY_KEYS:
        yield from check_duty_contact(config, ("duty", role), contacts)


def check_duty_contact(
    config: Located, path: KeyPath, contacts: Mapping[Any, Any]
) -> Iterator[Problem]:
    """One duty role names a contact the line may dial; its number is checked with the contact."""
    key = config.get(path)
    if key is None:
        yield config.problem(path, "is missing: name a contact under contacts")
        return
    if not isinstance(key, str) or key not in contacts:
        known = ", ".join(map(str, contacts)) or "none"
        yield config.problem(path, f"{key!r} is not a contact; the contacts are: {known}")
        return
    if isinstance(contacts[key], Mapping) and contacts[key].get("dial") is False:
        yield config.problem(path, f"{key!r} has dial: false, so callers cannot be put through")


def check_menus(config: Located) -> Iterator[Problem]:
    """Tries and timeouts are whole numbers in range: Twilio refuses Dial timeouts outside 5-600."""
    yield from required_mapping(config, ("menus",), ", ".join(MENU_LIMITS))
    yield from unknown_keys(config, ("menus",), tuple(MENU_LIMITS))
    menus = config.get(("menus",))
    if not isinstance(menus, Mapping):
        return
    for key, (low, high) in MENU_LIMITS.items():
        value = menus.get(key)
        if key not in menus:
            yield config.problem(("menus", key), f"is missing: a whole number from {low} to {high}")
        elif isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            yield config.problem(
                ("menus", key), f"{value!r} is not a whole number from {low} to {high}"
            )


def check_operations(config: Located) -> Iterator[Problem]:
    """Who may read /metrics, and how long records are kept: both must be usable as written."""
    yield from unknown_keys(config, ("metrics",), ("allow",))
    yield from unknown_keys(config, ("retention",), ("days",))
    allow = config.get(("metrics", "allow"))
    for index, network in enumerate(allow if isinstance(allow, list) else []):
        try:
            ipaddress.ip_network(str(network), strict=False)
        except ValueError:
            yield config.problem(
                ("metrics", "allow", index), f"{network!r} is not an address or network"
            )
    days = config.get(("retention", "days"))
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        yield config.problem(("retention", "days"), f"{days!r} is not a whole number of days")


# --- Prompts ------------------------------------------------------------------------------


def check_prompts(prompts: Located, config: Located | None) -> list[Problem]:
    """Every problem with the prompts; config-dependent checks wait for a readable config."""
    return [
        *unknown_keys(prompts, (), PROMPT_KEYS),
        *check_sentences(prompts, config),
        *check_speech(prompts),
        *check_hours_words(prompts, config),
    ]


def speakers() -> dict[str, str]:
    """Who speaks each prompt: the first state that says it, or what speaks it outside states."""
    found: dict[str, str] = {}
    for state in STATES.values():
        for say in state.says:
            found.setdefault(say.prompt, f"spoken by state {state.name!r}")
    for key, what in SPOKEN_ELSEWHERE.items():
        found.setdefault(key, f"spoken by {what}")
    return found


def check_sentences(prompts: Located, config: Located | None) -> Iterator[Problem]:
    """Exactly the sentences the line speaks, each one fit to be filled in at call time."""
    yield from required_mapping(prompts, ("sentences",), "prompt names to sentences")
    sentences = prompts.get(("sentences",))
    if not isinstance(sentences, Mapping):
        return
    who, spoken = speakers(), prompt_keys() | SPOKEN_ELSEWHERE.keys()
    for key in sorted(spoken - sentences.keys()):
        yield prompts.problem(("sentences",), f"missing prompt {key!r}, {who[key]}")
    allowed = placeholders(config)
    for key, text in sentences.items():
        path = ("sentences", key)
        if key not in spoken:
            yield prompts.problem(path, f"prompt {key!r} is never spoken; remove it or rename it")
        if reason := text_problem(text):
            yield prompts.problem(path, reason)
        else:
            yield from (prompts.problem(path, reason) for reason in fields_problems(text, allowed))


def placeholders(config: Located | None) -> frozenset[str] | None:
    """Every {placeholder} a sentence may use; None when the config is unreadable."""
    if config is None:
        return None
    roles = (*DUTY_ROLES, *map(str, contacts_of(config)))
    return FIXED_PLACEHOLDERS | {f"{who}_{what}" for who in roles for what in ("name", "number")}


def fields_problems(text: str, allowed: frozenset[str] | None) -> Iterator[str]:
    """Why a sentence would fail to fill in: bad braces, or a placeholder nothing supplies."""
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as error:
        yield f"the braces do not parse ({error}); write placeholders like {{duty_name}}"
        return
    for name in fields:
        if allowed is not None and name not in allowed:
            yield f"{{{name}}} is not a known placeholder; use one of {', '.join(sorted(allowed))}"


def check_speech(prompts: Located) -> Iterator[Problem]:
    """Speech maps to keys the flow knows, and no phrase means two keys in one scope."""
    yield from required_mapping(prompts, ("speech",), ", ".join(SPEECH_SCOPES))
    yield from unknown_keys(prompts, ("speech",), SPEECH_SCOPES)
    if not isinstance(prompts.get(("speech",)), Mapping):
        return
    for scope in SPEECH_SCOPES:
        yield from required_mapping(prompts, ("speech", scope), "keys to lists of phrases")
        if isinstance(prompts.get(("speech", scope)), Mapping):
            yield from check_scope(prompts, ("speech", scope))


def check_scope(prompts: Located, path: KeyPath) -> Iterator[Problem]:
    """One scope's keys and phrases; the first key to claim a phrase keeps it."""
    owner: dict[str, Any] = {}
    for key, phrases in prompts.get(path).items():
        if key not in KEY_TRIGGERS:
            keys = " ".join(f'"{k}"' for k in KEY_TRIGGERS)
            yield prompts.problem(
                (*path, key), f"{key!r} is not a key; use one of {keys} in quotes"
            )
        if not isinstance(phrases, list):
            yield prompts.problem((*path, key), f"must be a list of phrases, not {phrases!r}")
            continue
        for index, phrase in enumerate(phrases):
            yield from check_phrase(prompts, (*path, key, index), phrase, owner)


def check_phrase(
    prompts: Located, path: KeyPath, phrase: Any, owner: dict[str, Any]
) -> Iterator[Problem]:
    """One phrase is words a caller can say, not already standing for another key."""
    if not isinstance(phrase, str):
        yield prompts.problem(path, f"{phrase!r} must be words in quotes")
        return
    said, key = normalise(phrase), path[-2]
    if not said:
        yield prompts.problem(path, f"{phrase!r} has no words to match")
    elif owner.setdefault(said, key) != key:
        yield prompts.problem(
            path, f"{phrase!r} is also under {owner[said]!r} in the same scope; keep it under one"
        )


def check_hours_words(prompts: Located, config: Located | None) -> Iterator[Problem]:
    """The words read every configured schedule aloud; a missing word would fail mid-call."""
    found = list(missing_words(prompts))
    yield from found
    if found or config is None:
        return
    for path in schedule_paths(config):
        if reason := reading_problem(config.get(path), prompts.get(("hours",))):
            yield prompts.problem(("hours",), f"cannot read {dotted(path)} aloud: {reason}")
            return


def reading_problem(section: Any, words: Any) -> str | None:
    """Why describe_weekly fails on a section with these words, or None when it reads."""
    try:
        hours.describe_weekly(section, words)
    except hours.HoursError:
        return None  # the config checks report the section itself
    except KeyError as error:
        return f"no word or placeholder {error.args[0]!r}"
    except (ValueError, IndexError, TypeError, AttributeError) as error:
        return str(error)
    return None


def missing_words(prompts: Located) -> Iterator[Problem]:
    """Every word describe_weekly may need, whether or not today's hours need it."""
    yield from required_mapping(prompts, ("hours",), ", ".join(HOURS_WORDS))
    words = prompts.get(("hours",))
    if not isinstance(words, Mapping):
        return
    for key in HOURS_WORDS:
        if key not in words:
            yield prompts.problem(("hours", key), "is missing")
    for section, needed in (("days", hours.WEEKDAYS), ("time", TIME_WORDS)):
        table = words.get(section)
        if section in words and not isinstance(table, Mapping):
            yield prompts.problem(("hours", section), f"must be a mapping of {', '.join(needed)}")
        elif isinstance(table, Mapping):
            for key in needed:
                if key not in table:
                    yield prompts.problem(("hours", section, key), "is missing")


def schedule_paths(config: Located) -> Iterator[KeyPath]:
    """Where the prompts read hours from: the office and every contact with hours."""
    yield ("office_hours",)
    for key, entry in contacts_of(config).items():
        if isinstance(entry, Mapping) and "hours" in entry:
            yield ("contacts", key, "hours")
