"""Reading a spoken answer: the one key a caller's words stand for on a prompt, or none.

The phrases are data (`prompts/speech.en-GB.yaml`); this module is the reading: it finds the
prompt's phrases in what Twilio heard, works out what each negation and hedge applies to, and
takes an answer only when every part of what was said points to the same key. Words that could
mean two answers, a negation it cannot place, or a lone yes or no asked as a question ("Yes?")
give no key: the caller is asked again, because an unclear answer must never become a yes or a no.
Where a prompt says so (`asked_softens`), a choice asked ("An adult?", "Is it only an adult?")
is softened, as a hedged one is: a caller who asks it back is as unsure as one who says "maybe".
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

from ivr.config import read_yaml, speech_path

Keys = frozenset[str]
COMMAND_KEYS = ("*", "9", "0")
ANSWER_KINDS = ("yes", "no", "unsure", "maybe", "likely", "unlikely")
# Already-softened kinds, and the plain kind each softens.
SOFTENED = {"likely": "yes", "unlikely": "no", "maybe": "maybe"}
# The kinds that are a yes or a no, firm or softened: said alone as a question, not an answer.
YES_OR_NO = ("yes", "no", "likely", "unlikely")
_BOUNDARY = re.compile(r"([.,;:!?])")
SENTENCE_ENDS = frozenset(".;!?")
_WORD = re.compile(r"[a-z0-9%]+")


class Part(NamedTuple):
    """A part of what was said, between punctuation Twilio put in; `asked` when it ended in a
    question mark ("Is anyone in danger? No."); `sentence`, which sentence it is in (a comma
    does not end one: "Is it the adult team, do you think?" is one)."""

    words: list[str]
    asked: bool
    sentence: int


def _pieces(text: str) -> list[str]:
    """Words and the punctuation between them; apostrophes are dropped, so "don't" and "dont"
    read the same."""
    return _BOUNDARY.split(re.sub(r"['\u2018\u2019`]", "", text.lower()).replace("-", " "))


def parts_of(text: str) -> list[Part]:
    """What was said as parts of its sentences."""
    pieces = _pieces(text)
    parts: list[Part] = []
    sentence = 0
    for i in range(0, len(pieces), 2):
        mark = pieces[i + 1] if i + 1 < len(pieces) else "."
        parts.append(Part(_WORD.findall(pieces[i]), mark == "?", sentence))
        if mark in SENTENCE_ENDS:
            sentence += 1
    return parts


def sentences_of(parts: Sequence[Part]) -> dict[int, tuple[list[str], bool]]:
    """The words of each sentence, by its number, and whether it ended in a question mark:
    "Should I say, yes?" and "Is that a yes, then?" are each one question."""
    sentences: dict[int, tuple[list[str], bool]] = {}
    for part in parts:
        words, _asked = sentences.get(part.sentence, ([], False))
        sentences[part.sentence] = ([*words, *part.words], part.asked)
    return sentences


def phrase_of(text: str) -> tuple[str, ...]:
    return tuple(word for part in parts_of(text) for word in part.words)


@dataclass(frozen=True)
class Entry:
    """Everything one phrase can be on one prompt; a phrase can be several things at once
    ("nobody" answers no on danger_now, and turns round what follows it)."""

    keys: Keys | None = None  # the keys it stands for, when it is an answer or a command
    kind: str | None = None  # yes, no, unsure, maybe, likely, unlikely: a shared answer
    statement: bool = False  # the prompt's own words, which a negation before them turns round
    echo: bool = False  # "it would", "there isn't": an answer only at the end of a part
    negator: bool = False
    hedge: bool = False
    contrast: bool = False
    topic: bool = False
    aside: bool = False
    asking: bool = False  # "I want to know": the "if" after it starts the question asked
    negative: bool = False  # "unsafe", "not safe": turning it round again is a double negation


@dataclass
class Reading:
    """What has been understood so far of one answer."""

    signals: list[tuple[Keys, Entry]] = field(default_factory=list)
    softened: bool = False
    unclear: bool = False


@dataclass(frozen=True)
class Prompt:
    """One prompt's compiled vocabulary."""

    phrases: Mapping[tuple[str, ...], Entry]
    by_first: Mapping[str, tuple[tuple[str, ...], ...]]
    answers: Mapping[str, Keys]
    hedged: Mapping[str, str]
    opposite: Mapping[str, Keys]
    alone: Mapping[tuple[str, ...], str]
    asked_softens: bool  # a choice asked ("An adult?", "Is it an adult?") is softened

    @property
    def question(self) -> bool:
        return bool(self.answers)


def _keys(value: Any) -> Keys:
    return frozenset(str(v) for v in value) if isinstance(value, list) else frozenset({str(value)})


class SpeechMatcher:
    """The vocabulary of every prompt, ready to read transcripts against."""

    def __init__(
        self, vocabulary: Mapping[str, Any], min_confidence: float, max_words: int
    ) -> None:
        self.vocabulary = vocabulary
        self.min_confidence = min_confidence
        self.max_words = max_words
        self.asides = sorted((phrase_of(t) for t in vocabulary["asides"]), key=len, reverse=True)
        single = [phrase_of(t) for t in [*vocabulary["hesitations"], *vocabulary["asides"]]]
        self.skippable = frozenset(phrase[0] for phrase in single if len(phrase) == 1)
        self.hesitations = frozenset(w for t in vocabulary["hesitations"] for w in phrase_of(t))
        self.negations = frozenset(w for t in vocabulary["negations"] for w in phrase_of(t))
        self.corrections = frozenset(w for t in vocabulary["corrections"] for w in phrase_of(t))
        self.named_answers = [phrase_of(t) for t in vocabulary["named_answers"]]
        self.naming = frozenset(w for t in vocabulary["naming"] for w in phrase_of(t))
        self.question_words = frozenset(
            w for t in vocabulary["question_words"] for w in phrase_of(t)
        )
        self.links = frozenset(w for t in vocabulary["links"] for w in phrase_of(t))
        self.requests = [phrase_of(t) for t in vocabulary["requests"]]
        self.alone = {
            phrase_of(text): key for key, texts in vocabulary["alone"].items() for text in texts
        }
        self.prompts = {
            name: self._compile(section or {}) for name, section in vocabulary["prompts"].items()
        }
        self.commands_only = self._compile({})

    def _compile(self, section: Mapping[str, Any]) -> Prompt:
        answers = {kind: _keys(key) for kind, key in (section.get("answers") or {}).items()}
        for kind, plain in SOFTENED.items():
            if plain in answers:
                answers.setdefault(kind, answers[plain])
        table: dict[tuple[str, ...], Entry] = {}

        def add(texts: Iterable[str], **roles: Any) -> None:
            for text in texts:
                phrase = phrase_of(text)
                if not phrase:
                    continue
                known = table.get(phrase, Entry(negative=bool(self.negations & set(phrase))))
                meaning = ("keys", "kind", "statement", "echo")
                answer = {k: v for k, v in roles.items() if k in meaning}
                if known.keys is not None:  # the first (strongest) meaning of a phrase stands,
                    # but stays known as a plain answer ("I don't know if nothing like that").
                    answer = {"kind": known.kind or roles.get("kind")}
                flags = {k: v or getattr(known, k) for k, v in roles.items() if k not in meaning}
                table[phrase] = replace(known, **{**flags, **answer})

        vocabulary = self.vocabulary
        for key, texts in (section.get("phrases") or {}).items():
            add(texts, keys=_keys(key), statement=True)
        for key, texts in vocabulary["commands"].items():
            add(texts, keys=_keys(key))
        for kind in ANSWER_KINDS:
            if kind in answers:
                add(vocabulary["answers"].get(kind, []), keys=answers[kind], kind=kind)
        echoes = vocabulary["echoes"]
        for kind in ("yes", "no", "maybe"):
            if kind in answers:
                said = [f"{s} {v}" for s in echoes["subjects"] for v in echoes[kind]]
                add(said, keys=answers[kind], kind=kind, echo=True)
        add(vocabulary["negators"], negator=True)
        add(vocabulary["hedges"], hedge=True)
        add(section.get("hedges") or [], hedge=True)  # the prompt's own: "no names"
        add(vocabulary["contrasts"], contrast=True)
        add(vocabulary["topics"], topic=True)
        add(vocabulary["asking"], asking=True)
        if not answers:  # on a menu, "I'm not sure if I can share" asks about an option;
            # there, as "maybe", it softens the choice said with it: "not sure, maybe an adult"
            add(vocabulary["answers"]["unsure"], asking=True, hedge=True)
            add(vocabulary["answers"]["maybe"], hedge=True)
        add((t for t in vocabulary["asides"] if len(phrase_of(t)) > 1), aside=True)
        by_first: dict[str, list[tuple[str, ...]]] = {}
        for phrase in sorted(table, key=len, reverse=True):
            by_first.setdefault(phrase[0], []).append(phrase)
        return Prompt(
            table,
            {first: tuple(found) for first, found in by_first.items()},
            answers,
            {str(k): str(v) for k, v in (section.get("hedged") or {}).items()},
            {str(k): _keys(v) for k, v in (section.get("opposite") or {}).items()},
            self._alone_on(section),
            section.get("asked_softens") is True,
        )

    def _alone_on(self, section: Mapping[str, Any]) -> dict[tuple[str, ...], str]:
        """The words said alone that stand for a key on this prompt: all of them, less those
        the prompt turns down because there they would answer it ("Someone." to "Is anyone
        in danger?" is not a wish to speak to someone)."""
        refused = {phrase_of(text) for text in section.get("not_alone") or []}
        return {phrase: key for phrase, key in self.alone.items() if phrase not in refused}

    def said_back(self, name: str, key: str) -> str | None:
        """What the line says to show it understood `key` on prompt `name`: the prompt's own
        words for it, else the words for a yes, no, not sure or command."""
        section = self.vocabulary["prompts"].get(name) or {}
        shared = self.vocabulary["said_back"]
        own = (section.get("said_back") or {}).get(key)
        if own is not None or key in COMMAND_KEYS:
            return own or shared["commands"].get(key)
        return shared["answers"].get(key) if self.prompt(name).question else None

    def vocabulary_for(self, step: str, kind: str) -> str:
        """The vocabulary a step listens with: its own, or its kind's ("advice")."""
        return step if step in self.prompts else kind

    def prompt(self, name: str) -> Prompt:
        return self.prompts.get(name, self.commands_only)

    def hints(self, name: str) -> list[str]:
        """The phrases worth telling Twilio's recogniser about on this prompt: its own words,
        and the few commonest answers and commands that work there (every phrase of every
        kind would only blur what it listens for)."""
        section = self.vocabulary["prompts"].get(name) or {}
        own = [text for texts in (section.get("phrases") or {}).values() for text in texts]
        hints = self.vocabulary["hints"]
        answers = hints["answers"] if self.prompt(name).question else []
        return list(dict.fromkeys([*own, *answers, *hints["commands"]]))

    def key_for(self, name: str, transcript: str, confidence: float | None = None) -> str | None:
        """The key the words stand for on prompt `name`, or None to ask again.

        On a question, a transcript Twilio itself doubts (Confidence under the configured
        minimum) is asked again whatever it says: a misheard "no" must not become a yes. So is
        one longer than any answer (`menus.speech_max_words`): it is an account, not an answer,
        and reading it would hold the call's webhook (and on SQLite every other call's) for as
        long as its words take to match.
        """
        prompt = self.prompt(name)
        if prompt.question and confidence is not None and confidence < self.min_confidence:
            return None
        if len(transcript.split(maxsplit=self.max_words)) > self.max_words:
            return None
        parts = self._joined(prompt, parts_of(transcript))
        alone = self._alone(prompt, [w for part in parts for w in part.words])
        if alone is not None:
            asked_alone = all(part.asked for part in parts)
            if prompt.asked_softens and asked_alone:
                return prompt.hedged.get(alone, alone)  # "Two?"
            if prompt.question and asked_alone and self._yes_or_no_key(prompt, alone):
                return None  # "Two?" on a question: a no asked back, as "No?" is
            return alone
        matched = [(part, self._matches(prompt, part.words)) for part in parts]
        asked = self._asked_alone(matched)
        if prompt.question and asked is not None and asked.kind in YES_OR_NO:
            return None
        sentences = sentences_of(parts)
        if prompt.question and (
            self._only_asks_back(matched) or self._names_an_answer(prompt, matched, sentences)
        ):
            return None
        openings = {n: self._opening(words) for n, (words, _asked) in sentences.items()}
        requested = {n for n, said in openings.items() if self._opens_a_request(said)}
        worded = {
            n for n, said in openings.items() if n not in requested and self._opens_a_question(said)
        }
        softened = prompt.asked_softens and (
            asked is not None or self._choice_asked(matched, worded, requested)
        )
        reading = Reading(softened=softened)
        answered = False  # an answer read before this part
        for at, (part, items) in enumerate(matched):
            if not prompt.question and part.words and self.corrections.issuperset(part.words):
                continue  # "No, the NSPCC": a menu answer corrected, not a negation
            if prompt.question and part.asked and self._says_back(matched, at, worded, answered):
                kept = [i for i in items if not self._restated(i)]
                if len(kept) < len(items):
                    # The question said back ("Do I think it's safe?"): its hedge is the
                    # question's; a hedge asked alone ("They agreed, I think?") still softens.
                    kept = [
                        i for i in kept if not (isinstance(i, Entry) and i.hedge and i.keys is None)
                    ]
                    # Said back before the answer, it is what the answer answers: the other way
                    # round ("Are they safe? No."), answering it would turn the answer round.
                    # After one ("No. Should I tell them?") it is the caller's own next question.
                    restating = any(isinstance(i, Entry) and i.statement for i in items)
                    if restating and not answered and not self._asks_the_yes(prompt, items):
                        return None
                items = kept
            answered = answered or any(isinstance(i, Entry) and i.keys is not None for i in items)
            self._read_part(prompt, items, reading)
            if reading.unclear:
                return None
        return self._decide(prompt, reading)

    def _joined(self, prompt: Prompt, parts: list[Part]) -> list[Part]:
        """Parts rejoined across a hesitation Twilio set apart: "I, um, don't think so"; a
        question mark Twilio put after the hesitation stays the sentence's ("Yes, um?")."""
        joined: list[Part] = []
        bridge = False
        for part in parts:
            said = tuple(part.words)
            if said and self.hesitations.issuperset(said) and said not in prompt.phrases:
                # Only a fragment is rejoined: "Definitely, er, not really" stays two answers.
                before = prompt.phrases.get(tuple(joined[-1].words)) if joined else None
                bridge = bool(joined) and (before is None or before.keys is None)
                if joined and part.asked and part.sentence == joined[-1].sentence:
                    joined[-1] = joined[-1]._replace(asked=True)  # "Should I say yes, um?"
                continue
            if bridge and part.words:
                # The sentence it began in: "Is it, like, er. The adult team." stays a question.
                joined[-1] = Part([*joined[-1].words, *part.words], part.asked, joined[-1].sentence)
            elif part.words:
                joined.append(part)
            bridge = False
        return joined

    def _asked_alone(self, matched: Sequence[tuple[Part, list[Entry | str]]]) -> Entry | None:
        """The answer, when all that was said, fillers and asides aside, is that one answer asked
        as a question ("Yes?", "I think so?", "An adult?"): a caller who says that is more often
        asking "sorry, what?" or unsure than answering. On a question a yes or no so said is
        asked again, never taken as the yes or the no; words that say not knowing ("Not sure?",
        "Maybe?") still mean not sure, and anything said with it ("Yes, there is?", "No, I
        think?") is read as usual. On a prompt with `asked_softens` any answer so said is
        softened."""
        said = [
            (item, part.asked)
            for part, items in matched
            for item in items
            if not (
                item in self.skippable
                if isinstance(item, str)
                else item.aside and item.keys is None
            )
        ]
        if len(said) != 1:
            return None
        item, asked = said[0]
        return item if asked and isinstance(item, Entry) and item.keys is not None else None

    def _only_asks_back(self, matched: Sequence[tuple[Part, list[Entry | str]]]) -> bool:
        """A yes or a no inside a question of the caller's own ("Should I say yes?", "Is it
        no?"), and no answer said outright beside it: asking the line what to answer. A yes
        or no said first stands ("Yes, what do I do now?"), and a question's "I do", "I can"
        ("What do I do?") is no yes."""

        def answers(items: list[Entry | str]) -> bool:
            return any(isinstance(i, Entry) and i.kind in YES_OR_NO and not i.echo for i in items)

        def unknown(items: list[Entry | str]) -> bool:
            return any(isinstance(i, str) and i not in self.skippable for i in items)

        asks_back = any(part.asked and unknown(items) and answers(items) for part, items in matched)
        said_outright = any(not part.asked and answers(items) for part, items in matched)
        return asks_back and not said_outright

    @staticmethod
    def _choice_asked(
        matched: Sequence[tuple[Part, list[Entry | str]]], worded: set[int], requested: set[int]
    ) -> bool:
        """Every choice said was asked: in a part ending in a question mark ("Is it only an
        adult?"), or in a sentence worded as a question, whatever Twilio's punctuation ("Is it
        the adult team, do you think?", "Is it, only an adult."). The caller is asking which it
        is, as unsure as one asking "An adult?" alone. A choice said flatly beside a question
        ("It's an adult, not a child?") is not, nor one asked for ("Can I have the adult
        team?")."""
        choosing = [
            (part.asked or part.sentence in worded) and part.sentence not in requested
            for part, items in matched
            if any(_is_choice(i) for i in items)
        ]
        return bool(choosing) and all(choosing)

    def _opens_a_question(self, said: tuple[str, ...]) -> bool:
        """Worded as a question: its first word (`_opening`: "Or is it ...") asks one."""
        return bool(said) and said[0] in self.question_words

    def _opens_a_request(self, said: tuple[str, ...]) -> bool:
        """Worded as asking for something ("Can I have the adult team"), not asking which."""
        return any(said[: len(request)] == request for request in self.requests)

    def _opening(self, words: Sequence[str]) -> tuple[str, ...]:
        """The words from the first that says something: fillers, asides and links dropped."""
        plain = self._without_asides(tuple(w for w in words if w not in self.hesitations))
        start = next((at for at, w in enumerate(plain) if w not in self.links), len(plain))
        return plain[start:]

    def _names_an_answer(
        self,
        prompt: Prompt,
        matched: Sequence[tuple[Part, list[Entry | str]]],
        sentences: Mapping[int, tuple[list[str], bool]],
    ) -> bool:
        """A question of the caller's own that names an answer ("Is that a no, then?", "Should
        I say, yes?", "Should I say that they agreed?"): the caller is asking which to give, so
        a "sure" or "yes" said before it is an "all right", not the answer; taking it as one
        would turn a question about consent into consent. A naming word inside a phrase of its
        own ("I'd say", "can't say for sure") names nothing."""
        for number, (words, asked) in sentences.items():
            if not asked:
                continue
            if any(
                self._match_at(words, at, named) is not None
                for at in range(len(words))
                for named in self.named_answers
            ):
                return True
            named = False
            for item in (i for part, items in matched if part.sentence == number for i in items):
                if named and self._an_answer(prompt, item):
                    return True
                named = named or item in self.naming
        return False

    def _an_answer(self, prompt: Prompt, item: Entry | str) -> bool:
        """One of the prompt's answers, not a command: a phrase, or a word that stands alone."""
        if isinstance(item, str):
            return prompt.alone.get((item,)) not in (None, *COMMAND_KEYS)
        return bool(item.keys and item.keys - set(COMMAND_KEYS))

    @staticmethod
    def _yes_or_no_key(prompt: Prompt, key: str) -> bool:
        """Whether a key is the question's yes or its no, firm or softened, and not also one
        that says not knowing: "One?" asked alone is asked again as "Yes?" is."""
        unsure = prompt.answers.get("unsure", frozenset())
        return key not in unsure and any(
            key in prompt.answers.get(kind, frozenset()) for kind in YES_OR_NO
        )

    @staticmethod
    def _says_back(
        matched: Sequence[tuple[Part, list[Entry | str]]],
        at: int,
        worded: set[int],
        answered: bool,
    ) -> bool:
        """Whether the asked part `at` is the question said back: worded as one ("Is anyone
        in danger? No."), or the prompt's words asked before an answer ("Refused? No.") or
        with none ("They refused?", "Did they agree? They agreed?"). Asked after an answer
        (`answered`: read from a part not itself said back) it is part of the answer ("Yes,
        they refused?" contradicts itself, and is not a plain yes)."""
        part = matched[at][0]
        after = [i for _p, items in matched[at + 1 :] for i in items]
        answer_follows = any(isinstance(i, Entry) and i.keys is not None for i in after)
        return part.sentence in worded or answer_follows or not answered

    def _asks_the_yes(self, prompt: Prompt, items: list[Entry | str]) -> bool:
        """Whether the question said back asks what the prompt asks, so that its yes is the
        prompt's yes: "Is anyone in danger?" does on danger_now, "Are they safe?" and "Did they
        refuse?" ask the opposite, and answering them would turn the answer round."""
        said_back = [
            i
            for i in items
            if not (
                isinstance(i, Entry)
                and ((i.hedge and i.keys is None) or (i.kind in ANSWER_KINDS and not i.echo))
            )
        ]
        reading = Reading()
        self._read_part(prompt, said_back, reading)
        yes = prompt.answers.get("yes", frozenset())
        return not reading.unclear and self._decide(prompt, reading) in yes

    @staticmethod
    def _restated(item: Entry | str) -> bool:
        """The question's own words asked back ("Is anyone in danger? No."): not an answer."""
        if not isinstance(item, Entry) or (item.kind in ANSWER_KINDS and not item.echo):
            return False
        return item.echo or (item.statement and not (item.keys or set()) & set(COMMAND_KEYS))

    def _alone(self, prompt: Prompt, words: Sequence[str]) -> str | None:
        """A key said on its own ("Two.", "Sorry?"), fillers and asides aside."""
        plain = tuple(w for w in words if w not in self.hesitations)
        return prompt.alone.get(plain) or prompt.alone.get(self._without_asides(plain))

    def _without_asides(self, words: tuple[str, ...]) -> tuple[str, ...]:
        kept: list[str] = []
        at = 0
        while at < len(words):
            aside = next((a for a in self.asides if words[at : at + len(a)] == a), None)
            if aside is None:
                kept.append(words[at])
            at += len(aside or (words[at],))
        return tuple(kept)

    def _matches(self, prompt: Prompt, words: Sequence[str]) -> list[Entry | str]:
        """The part as phrases and the words between them, the longest phrase found first
        wherever it is: "No, I haven't had a chance" is "haven't had a chance", not "I haven't"."""
        best: tuple[int, int, int, tuple[str, ...]] | None = None
        for at, word in enumerate(words):
            for phrase in prompt.by_first.get(word, ()):
                if best is not None and len(phrase) <= best[0]:
                    break  # longest first: nothing shorter here can beat what was found
                end = self._match_at(words, at, phrase)
                if end is not None:
                    best = (len(phrase), at, end, phrase)
                    break
        if best is None:
            return list(words)
        _length, at, end, phrase = best
        before, after = self._matches(prompt, words[:at]), self._matches(prompt, words[end:])
        return [*before, prompt.phrases[phrase], *after]

    def _match_at(self, words: Sequence[str], at: int, phrase: tuple[str, ...]) -> int | None:
        """Where `phrase` ends if it starts at `at`; fillers inside it are skipped."""
        for wanted in phrase:
            while at < len(words) and words[at] != wanted and words[at] in self.skippable:
                at += 1
            if at >= len(words) or words[at] != wanted:
                return None
            at += 1
        return at

    def _read_part(self, prompt: Prompt, items: list[Entry | str], reading: Reading) -> None:
        """One part of the sentence: each negation and hedge applied to what it governs."""
        negated = topic = contrasted = unsure_before = asking = False
        for index, item in enumerate(items):
            rest = items[index + 1 :]
            after_asking, asking = asking, isinstance(item, Entry) and item.asking
            if isinstance(item, str):
                if topic or item in self.skippable:
                    continue
                if item in self.negations or contrasted:
                    reading.unclear = True
                    return
                continue
            if topic:
                if item.kind in ("yes", "no") and not item.echo:
                    reading.unclear = True
                    return
                continue
            if item.contrast and item.keys is None:
                if after_asking or not prompt.question:
                    continue
                if item.topic and unsure_before:
                    topic = True
                else:
                    contrasted = True
                continue
            answer_after = any(isinstance(i, Entry) and i.keys is not None for i in rest)
            if item.hedge and (item.keys is None or answer_after):
                # Wherever it comes it softens the answer: "I think so", "they agreed, I think",
                # and "I don't think" as it turns what follows round.
                reading.softened = True
                if not item.negator:
                    continue
            if (item.aside or item.asking) and item.keys is None:
                continue
            signal = item.keys is not None and (not item.echo or self._ends(rest))
            turns = self._governs(rest)
            if item.echo and not signal and not (item.negator and turns):
                # "Yes, they don't know about it": a negation the matcher cannot place.
                if item.kind == "no":
                    reading.unclear = True
                    return
                continue
            if item.negator and turns:
                if negated:
                    reading.unclear = True
                    return
                negated = True
                continue
            if not signal:
                if item.negator:
                    reading.unclear = True
                    return
                continue
            keys = item.keys or frozenset()
            if negated:
                flipped = self._turned(prompt, item)
                if flipped is None:
                    reading.unclear = True
                    return
                keys, negated = flipped, False
            if item.hedge or item.kind in SOFTENED:
                reading.softened = True
            reading.signals.append((keys, item))
            unsure_before = item.kind == "unsure" or keys == prompt.answers.get("unsure")

    def _ends(self, rest: Sequence[Entry | str]) -> bool:
        """Whether nothing but asides and plain answers follows: "it would, yes", not "it
        would be fine"."""
        return all(
            (isinstance(i, str) and i in self.skippable)
            or (isinstance(i, Entry) and (i.aside or (i.kind is not None and not i.echo)))
            for i in rest
        )

    def _governs(self, rest: Sequence[Entry | str]) -> bool:
        """Whether a statement a negation can turn round follows in this part."""
        return any(
            isinstance(item, Entry)
            and item.keys is not None
            and (item.statement or (item.echo and self._ends(rest[index + 1 :])))
            for index, item in enumerate(rest)
        )

    def _turned(self, prompt: Prompt, item: Entry) -> Keys | None:
        """The keys a statement stands for once a negation turns it round; None when a
        negation lands on a plain answer ("not yes") or on words with no opposite."""
        if item.echo and item.kind in ("yes", "no"):
            other = "no" if item.kind == "yes" else "yes"
            return prompt.answers.get(other)
        if not item.statement or item.negative or item.keys is None or len(item.keys) != 1:
            return None
        return prompt.opposite.get(next(iter(item.keys)))

    def _decide(self, prompt: Prompt, reading: Reading) -> str | None:
        """One key when everything said agrees on it; a "no" before a command corrects."""
        signals = reading.signals
        commands = [i for i, (keys, _e) in enumerate(signals) if keys & set(COMMAND_KEYS)]
        if commands:
            first = commands[0]
            signals = [
                s
                for i, s in enumerate(signals)
                if not (i < first and s[1].kind == "no" and not s[1].echo)
            ]
        if not signals:
            return None
        hedged = prompt.hedged if reading.softened else {}
        agreed: set[str] | None = None
        for keys, _entry in signals:
            mapped = {hedged.get(k, k) for k in keys}
            agreed = mapped if agreed is None else agreed & mapped
        return next(iter(agreed)) if agreed and len(agreed) == 1 else None


def _is_choice(item: Entry | str) -> bool:
    """A phrase of the prompt's own words: one of its choices, not a shared word."""
    return isinstance(item, Entry) and item.statement and item.keys is not None


def load_matcher(prompts: Path, config: Mapping[str, Any]) -> SpeechMatcher:
    """The matcher for the prompts at `prompts`, with the configured confidence floor."""
    return matcher_for(read_yaml(speech_path(prompts)), config)


def matcher_for(vocabulary: Mapping[str, Any], config: Mapping[str, Any]) -> SpeechMatcher:
    menus = config["menus"]
    return SpeechMatcher(
        vocabulary, float(menus["speech_min_confidence"]), int(menus["speech_max_words"])
    )


def confidence_of(value: str | None) -> float | None:
    """Twilio's Confidence field as a number; None when it was not sent or is not a number.

    A value that is a number but not a finite one ("nan", "inf") is taken as no confidence at
    all (0): it passes no floor, where "nan" would otherwise pass every one.
    """
    try:
        number = float(value) if value else None
    except ValueError:
        return None
    return number if number is None or math.isfinite(number) else 0.0
