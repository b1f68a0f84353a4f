"""`ivr check`: the shipped files pass, and each kind of mistake is found at its file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ivr.check import Problem, check
from ivr.config import DEFAULT_CONFIG, DEFAULT_PROMPTS, speech_path

CONFIG_TEXT = DEFAULT_CONFIG.read_text(encoding="utf-8")
PROMPTS_TEXT = DEFAULT_PROMPTS.read_text(encoding="utf-8")
SPEECH_TEXT = speech_path(DEFAULT_PROMPTS).read_text(encoding="utf-8")


def write_prompts(path: Path, text: str, speech: str = SPEECH_TEXT) -> Path:
    """Prompts written as the line reads them: the sentences with their speech file beside."""
    path.write_text(text, encoding="utf-8")
    speech_path(path).write_text(speech, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    """The 1-based line where `needle` starts in `text`."""
    assert needle in text, f"{needle!r} is not in the text"
    return text[: text.index(needle)].count("\n") + 1


def broken(text: str, old: str, new: str) -> str:
    """`text` with its one `old` replaced, so every other line keeps its number."""
    assert text.count(old) == 1, f"{old!r} must occur exactly once"
    return text.replace(old, new)


def only(problems: list[Problem]) -> Problem:
    """The single problem found, failing with all of them listed otherwise."""
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def test_shipped_files_pass() -> None:
    problems = check()
    assert problems == [], "\n".join(map(str, problems))


def test_problem_reads_as_file_line_message() -> None:
    problem = Problem("config/default.yaml", 37, "contacts.front_door.number: wrong")
    assert str(problem) == "config/default.yaml:37: contacts.front_door.number: wrong"


# A full copy of default.yaml as the override: every value it holds comes from the copy.
CONFIG_CASES = [
    pytest.param(
        'number: "+441189088002"',
        'number: "0118 908 8002"',
        "contacts.front_door.number: '0118 908 8002' is not an E.164 number such as +441189088002",
        id="malformed number",
    ),
    pytest.param(
        'number: "+448088005000"',
        'number: "+44808800500"',
        "'+44808800500' is not a valid phone number",
        id="invalid E.164 number",
    ),
    pytest.param(
        'monday: ["09:00-17:00"]',
        'monday: ["9-5"]',
        "office_hours.weekly.monday[0]: '9-5' is not a time range",
        id="unparseable hours",
    ),
    pytest.param(
        'monday: ["09:00-17:00"]',
        'monday: ["17:00-09:00"]',
        "'17:00-09:00' does not end after it starts",
        id="end before start",
    ),
    pytest.param(
        'monday: ["08:00-22:00"]',
        'munday: ["08:00-22:00"]',
        "contacts.nspcc.hours.weekly.munday: 'munday' is not a day of the week",
        id="unknown day",
    ),
    pytest.param(
        "timezone: Europe/London",
        "timezone: Europe/Londres",
        "office_hours.timezone: 'Europe/Londres' is not a known time zone",
        id="unknown timezone",
    ),
    pytest.param(
        "in_hours: front_door",
        "in_hours: front_dor",
        "duty.in_hours: 'front_dor' is not a contact",
        id="unknown duty contact",
    ),
    pytest.param(
        "out_of_hours: emergency_duty # who",
        "out_of_hours: police # who",
        "duty.out_of_hours: 'police' has dial: false",
        id="duty contact not dialled",
    ),
    pytest.param(
        "max_tries: 3",
        "max_tries: 0",
        "menus.max_tries: 0 is not a whole number from 1 to 10",
        id="max_tries 0",
    ),
    pytest.param(
        "transfer_timeout_seconds: 25",
        "transfer_timeout_seconds: 601",
        "menus.transfer_timeout_seconds: 601 is not a whole number from 5 to 600",
        id="transfer timeout too long",
    ),
    pytest.param(
        "close_unfinished_after_hours: 24",
        "close_unfinished_after_hours: 2",
        "retention.close_unfinished_after_hours: 2 is not a whole number of hours, at least 4",
        id="stale calls closed while they may be live",
    ),
    pytest.param(
        "idle_minutes: 30",
        "idle_minutes: 0",
        "review.idle_minutes: 0 is not a whole number from 1 to 600",
        id="review sessions that end at once",
    ),
    pytest.param(
        "name: Polly.Amy}",
        "name: Polly.Joanna}",
        "voice.name: 'Polly.Joanna' is not a British English voice",
        id="American voice",
    ),
    pytest.param(
        "service_name: Wokingham",
        "service_nam: Wokingham",
        "service_nam: is not a setting, perhaps a typo; did you mean 'service_name'?",
        id="misspelt top-level key",
    ),
]


@pytest.mark.parametrize(("old", "new", "message"), CONFIG_CASES)
def test_config_mistake_found_at_its_line(tmp_path: Path, old: str, new: str, message: str) -> None:
    text = broken(CONFIG_TEXT, old, new)
    override = tmp_path / "override.yaml"
    override.write_text(text, encoding="utf-8")
    problem = only(check(str(override)))
    assert (problem.file, problem.line) == (str(override), line_of(text, new))
    assert message in problem.message


PROMPT_CASES = [
    pytest.param(
        '  question_keys: "Press 1 for yes, 2 for no, 3 if you\'re not sure."\n',
        "",
        "sentences:",
        "missing prompt 'question_keys', spoken by state 'danger_now'",
        id="missing prompt in a state",
    ),
    pytest.param(
        '  didnt_hear: "I didn\'t hear a choice."\n',
        "",
        "sentences:",
        "missing prompt 'didnt_hear', spoken by the notice after silence",
        id="missing prompt outside the states",
    ),
    pytest.param(
        '  welcome: "{service_name}."\n',
        '  welcome: "{service_name}."\n  welcome_back: "Hello again."\n',
        "welcome_back:",
        "sentences.welcome_back: prompt 'welcome_back' is never spoken",
        id="unused prompt",
    ),
    pytest.param(
        'welcome: "{service_name}."',
        'welcome: "{service}."',
        "welcome:",
        "sentences.welcome: {service} is not a known placeholder",
        id="unknown placeholder",
    ),
    pytest.param(
        'seek_advice_press_0: "Or press 0 for {duty_name}."',
        'seek_advice_press_0: "Or press 0 for {duty_nme}."',
        "seek_advice_press_0:",
        "{duty_nme} is not a known placeholder",
        id="misspelt contact placeholder",
    ),
    pytest.param(
        'goodbye: "Thank you. Goodbye."',
        'goodbye: "Thank you. We open at {opens_at}. Goodbye."',
        "goodbye:",
        "sentences.goodbye: {opens_at} is filled in only in safe_office_from",
        id="a placeholder only the safe guidance fills",
    ),
    pytest.param(
        'seek_advice_press_0: "Or press 0 for {duty_name}."',
        'seek_advice_press_0: "Or press 0 for {duty_name!x}."',
        "seek_advice_press_0:",
        "{duty_name} takes no ! or : in its braces",
        id="a conversion that fails as the sentence is filled in",
    ),
    pytest.param(
        'goodbye: "Thank you. Goodbye."',
        'goodbye: "Thank you. Goodbye.}"',
        "goodbye:",
        "sentences.goodbye: the braces do not parse",
        id="stray brace",
    ),
    pytest.param(
        "midnight: midnight, noon: midday}",
        "midnight: midnight}",
        "time: {hour:",
        "hours.time.noon: is missing",
        id="missing hours word",
    ),
    pytest.param(
        'time_span: "{start} to {end}"',
        'time_span: "{start} to {finish}"',
        "hours:\n  days:",
        "hours: cannot read office_hours aloud: no word or placeholder 'finish'",
        id="unknown hours placeholder",
    ),
]


SPEECH_CASES = [
    pytest.param(
        '"1": [put me through, the duty team,',
        '"1": [nspcc, put me through, the duty team,',
        '"2": [nspcc,',
        "prompts.contacts.phrases.2[0]: 'nspcc' is also under '1'",
        id="phrase under two keys",
    ),
    pytest.param(
        "  danger_now:\n",
        "  danger_nov:\n",
        "  danger_nov:",
        "prompts.danger_nov: 'danger_nov' is not a step of the flow",
        id="misspelt step",
    ),
    pytest.param(
        '"9": [main menu,',
        '"3": [main menu,',
        '"3": [main menu,',
        "prompts.not_connected.phrases.3: '3' is not a key here",
        id="a key the step does not take",
    ),
    pytest.param(
        'answers: {"yes": "1", "no": "2", unsure: "3", maybe: "3"}\n    hedged',
        'answers: {"yes": "1", "no": "2", unsure: "7", maybe: "3"}\n    hedged',
        'answers: {"yes": "1", "no": "2", unsure: "7"',
        "prompts.danger_now.answers.unsure: '7' is not a key this prompt takes",
        id="an answer to a key that does not exist",
    ),
    pytest.param(
        "hesitations: [um,",
        "hesitations: [yes, um,",
        "hesitations: [yes, um,",
        "hesitations[0]: True must be words in quotes",
        id="unquoted yes",
    ),
    pytest.param(
        "not_alone: [help, someone,",
        "not_alone: [help, 7, someone,",
        "not_alone: [help, 7, someone,",
        "prompts.danger_now.not_alone[1]: 7 must be words in quotes",
        id="a number among the words not taken alone",
    ),
    pytest.param(
        'protective reading.\n    hedged: {"2": "3"}',
        'protective reading.\n    hedged: {"2": ["1", "3"]}',
        'hedged: {"2": ["1", "3"]}',
        "prompts.significant_harm.hedged.2: ['1', '3'] must be one key",
        id="a softened answer to two keys",
    ),
    pytest.param(
        'hedged: {"2": "1"}',
        'hedged: ["2", "1"]',
        'hedged: ["2", "1"]',
        "prompts.referral.hedged: must be a mapping of keys to the keys they become",
        id="softened answers as a list",
    ),
    pytest.param(
        "it has names, it names them]",
        "it has names, 7]",
        "it has names, 7]",
        "prompts.identifiable.hedges[28]: 7 must be words in quotes",
        id="a number among a prompt's hedges",
    ),
    pytest.param(
        "asked_softens: true",
        'asked_softens: "true"',
        'asked_softens: "true"',
        "prompts.referral.asked_softens: 'true' must be true or false",
        id="a choice asked alone softened by words, not true",
    ),
    pytest.param(
        'hedged: {"2": "1"}\n    # So is',
        '# hedged: {"2": "1"}\n    # So is',
        "asked_softens: true",
        "prompts.referral.asked_softens: softens nothing without hedged",
        id="a choice asked alone softened with nothing to become",
    ),
]


@pytest.mark.parametrize(("old", "new", "at", "message"), SPEECH_CASES)
def test_speech_mistake_found_at_its_line(
    tmp_path: Path, old: str, new: str, at: str, message: str
) -> None:
    speech = broken(SPEECH_TEXT, old, new)
    prompts = write_prompts(tmp_path / "en-GB.yaml", PROMPTS_TEXT, speech)
    problem = only(check(prompts_path=prompts))
    assert (problem.file, problem.line) == (str(speech_path(prompts)), line_of(speech, at))
    assert message in problem.message


@pytest.mark.parametrize(("old", "new", "at", "message"), PROMPT_CASES)
def test_prompt_mistake_found_at_its_line(
    tmp_path: Path, old: str, new: str, at: str, message: str
) -> None:
    text = broken(PROMPTS_TEXT, old, new)
    prompts = write_prompts(tmp_path / "en-GB.yaml", text)
    problem = only(check(prompts_path=prompts))
    assert (problem.file, problem.line) == (str(prompts), line_of(text, at))
    assert message in problem.message


def test_missing_day_word_found_by_reading_the_hours(tmp_path: Path) -> None:
    text = broken(PROMPTS_TEXT, "friday: Friday, ", "")
    prompts = write_prompts(tmp_path / "en-GB.yaml", text)
    problem = only(check(prompts_path=prompts))
    expected = (line_of(text, "days:"), "hours.days.friday: is missing")
    assert (problem.line, problem.message) == expected


@pytest.mark.parametrize(
    ("which", "old", "new"),
    [
        pytest.param("config", "  in_hours: front_door", "\tin_hours: front_door", id="config tab"),
        pytest.param(
            "prompts", 'welcome: "{service_name}."', 'welcome: "{service_name}."x', id="prompts"
        ),
    ],
)
def test_yaml_syntax_error_at_the_marked_line(
    tmp_path: Path, which: str, old: str, new: str
) -> None:
    source = CONFIG_TEXT if which == "config" else PROMPTS_TEXT
    text = broken(source, old, new)
    path = write_prompts(tmp_path / f"{which}.yaml", text)
    problems = check(str(path)) if which == "config" else check(prompts_path=path)
    problem = only(problems)
    assert (problem.file, problem.line) == (str(path), line_of(text, new))
    assert problem.message.startswith("not valid YAML: ")


def test_missing_override_file_is_a_problem(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    assert check(str(missing)) == [Problem(str(missing), 1, "the file does not exist")]


def test_missing_prompts_file_is_a_problem(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    assert check(prompts_path=missing) == [Problem(str(missing), 1, "the file does not exist")]


@pytest.mark.parametrize(
    ("override", "at", "message"),
    [
        pytest.param(
            "menus:\n  max_tries: 11\n", "max_tries", "menus.max_tries: 11 is not", id="menus"
        ),
        pytest.param(
            "office_hours:\n  weekly:\n    saturday: [10-12]\n",
            "saturday",
            "office_hours.weekly.saturday[0]: '10-12' is not a time range",
            id="added day",
        ),
        pytest.param(
            "voice:\n  name: Polly.Joanna\n", "name", "voice.name: 'Polly.Joanna'", id="voice"
        ),
        pytest.param(
            "retention:\n  close_unfinished_after_hours: a day\n",
            "close_unfinished_after_hours",
            "retention.close_unfinished_after_hours: 'a day' is not a whole number of hours",
            id="stale call limit",
        ),
    ],
)
def test_override_problem_reported_in_the_override(
    tmp_path: Path, override: str, at: str, message: str
) -> None:
    path = tmp_path / "override.yaml"
    path.write_text(override, encoding="utf-8")
    problem = only(check(str(path)))
    assert (problem.file, problem.line) == (str(path), line_of(override, at))
    assert message in problem.message


def test_value_kept_from_defaults_is_reported_in_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "override.yaml"
    path.write_text("contacts:\n  front_door:\n    dial: false\n", encoding="utf-8")
    problem = only(check(str(path)))
    assert problem.file.endswith("default.yaml")
    assert problem.line == line_of(CONFIG_TEXT, "in_hours: front_door")
    assert "duty.in_hours: 'front_door' has dial: false" in problem.message


def test_override_replacing_a_list_forgets_the_default_lines(tmp_path: Path) -> None:
    path = tmp_path / "override.yaml"
    path.write_text("\n\ncontacts:\n  nspcc:\n    number: [1]\n", encoding="utf-8")
    problem = only(check(str(path)))
    assert (problem.file, problem.line) == (str(path), 5)
    assert problem.message == "contacts.nspcc.number: must be text in quotes, not [1]"


def paths_in(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a key or list item in parsed YAML."""
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = list(enumerate(value))
    else:
        return []
    return [p for key, item in items for p in [(*prefix, key), *paths_in(item, (*prefix, key))]]


def replaced(data: Any, path: tuple[Any, ...], new: Any) -> Any:
    """A copy of `data` with the value at `path` replaced."""
    if not path:
        return new
    copy = dict(data) if isinstance(data, dict) else list(data)
    copy[path[0]] = replaced(data[path[0]], path[1:], new)
    return copy


CONFIG_DATA = yaml.safe_load(CONFIG_TEXT)
PROMPTS_DATA = yaml.safe_load(PROMPTS_TEXT)
ODD_VALUES = st.sampled_from([None, 0, -1, True, "", "x", [], [None], {}, {"x": 1}, 2.5])


@settings(max_examples=150, database=None, deadline=None)
@given(
    which=st.sampled_from(["config", "prompts"]),
    pick=st.integers(min_value=0),
    new=ODD_VALUES,
)
def test_any_odd_value_anywhere_never_raises(
    tmp_path_factory: pytest.TempPathFactory, which: str, pick: int, new: Any
) -> None:
    data = CONFIG_DATA if which == "config" else PROMPTS_DATA
    paths = paths_in(data)
    path = tmp_path_factory.mktemp("odd") / f"{which}.yaml"
    write_prompts(path, yaml.safe_dump(replaced(data, paths[pick % len(paths)], new)))
    problems = check(str(path)) if which == "config" else check(prompts_path=path)
    assert all(isinstance(p, Problem) and p.line >= 1 and p.message for p in problems)


def test_nspcc_without_hours_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nspcc_hours = '    hours:\n      weekly:\n        monday: ["08:00-22:00"]'
    text = broken(CONFIG_TEXT, nspcc_hours, "    x:")
    # The NSPCC's days are the only lines indented this deep; drop them with its hours.
    text = "\n".join(line for line in text.splitlines() if not line.startswith("        ")) + "\n"
    text = text.replace("    x:\n", "")
    default = tmp_path / "default.yaml"
    default.write_text(text, encoding="utf-8")
    monkeypatch.setattr("ivr.config.DEFAULT_CONFIG", default)
    problem = only(check())
    assert (problem.line, problem.message) == (
        line_of(text, "  nspcc:"),
        "contacts.nspcc: needs hours: the contacts menu reads them",
    )
