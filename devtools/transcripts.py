"""Conversation transcripts: scripted conversations with the bot and what each reply must show.

A transcript is a YAML file (tests/conversations/*.yml)::

    name: Labour's commitments, then follow-ups    # required, a non-empty string
    description: optional free text                 # optional
    article: corbyn-jewish-leaders-talks            # optional: asked about this article only, as the
                                                    # widget beside a story asks (its file name)
    turns:                                          # required, a non-empty list
      - user: What did Labour commit to?            # required, the message the user types
        expect:                                     # required, at least one check
          contains: ["end of July"]
          speakers: ["Labour sources"]
          paragraphs: [25]
          any_paragraphs: [24, 25, 28]
      - user: who said that?
        expect:
          contains: [["Labour sources", "Formby"]]  # an inner list: any one of these will do
      - user: What is the capital of France?
        expect:
          declines: true
          buttons: 3
      - user: "What did Labour commit to? "
        repeat: 100                                 # optional: send the text this many times over
        expect:
          contains: ["limit is 1,000"]              # 2,700 characters: the API's refusal is the reply

The checks of ``expect`` (every one given must hold):

``contains``: list
    Each item appears in the reply's text. Matching ignores case, runs of white space and the
    difference between typographic and straight quotes. An item may be a list of alternatives,
    one of which must appear.
``speakers``: list
    Each item is part of (a case-insensitive substring of) one of the speakers of the reply's
    sources; when the reply carries no sources, it appears in the reply's text instead.
    Items may be lists of alternatives, as for ``contains``.
``paragraphs``: list of paragraph numbers
    Each is among the sources' paragraph numbers (when the reply carries no sources: among the
    numbers the text cites as "paragraph 24" or "paragraphs 24 and 25"). Items may be lists of
    alternatives.
``any_paragraphs``: non-empty list of paragraph numbers
    At least one of them is among those paragraph numbers.
``declines``: true or false
    true: a message of the reply says ``answerable: false`` (the articles do not answer), or, when
    none says whether it answers, its text is a polite decline ("the articles don't say", "I can
    only answer ...", "sorry"). false: the reply is not such a decline.
``buttons``: a whole number
    The exact number of suggestion buttons in the whole reply.
``replies``: true or false
    true: the bot sends at least one message; false: it sends none.

Paragraphs are numbered from 1 in the article's text (blank lines separate them). Unknown keys,
wrong types and empty lists are errors (`TranscriptError`, naming the file and the turn).

The replies are the web app's (POST /api/chat): each turn's messages, summarised as a `BotTurn`.
A refusal by the API (a message over the length cap) is the reply the reader sees: a message of
kind "refused" with the API's explanation as its text.

`play(client, transcript)` sends the turns in order in one new conversation (a fresh uuid as the
session id, so no earlier conversation leaks in) and records, per turn, the reasons it failed.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from newsbot.channels.chat_client import REFUSED, ChatClient
from newsbot.channels.text import shorten

logger = logging.getLogger(__name__)

TRANSCRIPT_SUFFIXES = (".yml", ".yaml")
TOP_KEYS = ("name", "description", "article", "turns")
TURN_KEYS = ("user", "repeat", "expect")
EXPECT_KEYS = ("contains", "speakers", "paragraphs", "any_paragraphs", "declines", "buttons", "replies")
MAX_REPEAT = 100_000
REPLY_SNIPPET = 100

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'", "\u00a0": " "})
_CITED_PARAGRAPHS = re.compile(r"\bparagraphs?\s+(\d+(?:\s*(?:,|&|and|or|-|–|to)\s*\d+)*)", re.IGNORECASE)
_NUMBER = re.compile(r"\d+")
_DECLINE = re.compile(
    r"\b(?:do(?:es)?n'?t say|do(?:es)? not say|nothing (?:that|which) answers|found nothing|"
    r"(?:couldn'?t|could not|can'?t|cannot|unable to) (?:find|answer|help)|can only (?:answer|help|talk)|"
    r"only (?:answer|know about|talk about)|not (?:in|covered by|mentioned in) the articles?|"
    r"(?:don'?t|do not) know|no idea|not sure|(?:didn'?t|did not|don'?t|do not) understand|sorry)\b",
    re.IGNORECASE,
)


class TranscriptError(ValueError):
    """A transcript file that cannot be read or is not valid; the message names the file."""


class BadReply(ValueError):
    """The web app answered with messages that are not shaped as its API says; one line."""


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


def _field(message: dict[str, Any], key: str, kinds: tuple[type, ...], what: str) -> Any:
    value = message.get(key)
    if not isinstance(value, kinds):
        raise BadReply(f'a bot message\'s "{key}" is not {what}: {shorten(repr(value), 80)}')
    return value


def _buttons(message: dict[str, Any]) -> list[Button]:
    listed = _field(message, "buttons", (list, type(None)), "a list") or []
    buttons = []
    for item in listed:
        if not (isinstance(item, dict) and isinstance(item.get("title"), str) and isinstance(item.get("payload"), str)):
            raise BadReply(f'a button is not {{"title": ..., "payload": ...}}: {shorten(repr(item), 80)}')
        buttons.append(Button(item["title"], item["payload"]))
    return buttons


def _sources(message: dict[str, Any]) -> list[dict[str, Any]]:
    listed = _field(message, "sources", (list, type(None)), "a list") or []
    if not all(isinstance(source, dict) for source in listed):
        raise BadReply(f'a bot message\'s "sources" is not a list of objects: {shorten(repr(listed), 80)}')
    return listed


@dataclass(frozen=True)
class BotTurn:
    """What one reply of the bot amounts to: the messages of one POST /api/chat, summarised.

    `answerable` is True when a message answers from the articles, False when one says they do not
    answer and none answers, None when no message says either (chit-chat, a refusal). `refused`:
    the API refused the message (its explanation is the reply's text).
    """

    messages: tuple[dict[str, Any], ...]
    kinds: tuple[str, ...]
    texts: tuple[str, ...]
    buttons: tuple[Button, ...]
    sources: tuple[dict[str, Any], ...]
    answerable: bool | None
    contested: bool

    @property
    def declined(self) -> bool:
        return self.answerable is False

    @property
    def refused(self) -> bool:
        return REFUSED in self.kinds

    @property
    def text(self) -> str:
        """All the reply's texts, one after another."""
        return "\n".join(self.texts)

    @property
    def paragraphs(self) -> list[int]:
        """The sources' paragraph numbers, in order."""
        return [s["paragraph"] for s in self.sources if isinstance(s.get("paragraph"), int)]

    @property
    def speakers(self) -> list[str]:
        """The sources' speakers, in order, without repeats."""
        seen: dict[str, None] = {}
        for source in self.sources:
            if isinstance(source.get("speaker"), str):
                seen.setdefault(source["speaker"], None)
        return list(seen)

    @classmethod
    def of(cls, messages: Sequence[object]) -> BotTurn:
        """The summary of the API's messages; BadReply when one is not shaped as the API says."""
        checked: list[dict[str, Any]] = []
        for message in messages:
            if not isinstance(message, dict):
                raise BadReply(f"a bot message is not a JSON object: {shorten(repr(message), 80)}")
            checked.append(message)
        flags = [_field(m, "answerable", (bool, type(None)), "true, false or null") for m in checked]
        answered = [flag for flag in flags if flag is not None]
        return cls(
            messages=tuple(checked),
            kinds=tuple(str(_field(m, "kind", (str,), "a string")) for m in checked),
            texts=tuple(text for m in checked if (text := _field(m, "text", (str,), "a string"))),
            buttons=tuple(button for m in checked for button in _buttons(m)),
            sources=tuple(source for m in checked for source in _sources(m)),
            answerable=any(answered) if answered else None,
            contested=any(_field(m, "contested", (bool, type(None)), "true or false") for m in checked),
        )


# One expected item: a string or number, or a tuple of alternatives (any one will do).
Alternatives = tuple[str, ...]
ParagraphAlternatives = tuple[int, ...]


@dataclass(frozen=True)
class Expectation:
    contains: tuple[Alternatives, ...] = ()
    speakers: tuple[Alternatives, ...] = ()
    paragraphs: tuple[ParagraphAlternatives, ...] = ()
    any_paragraphs: ParagraphAlternatives = ()
    declines: bool | None = None
    buttons: int | None = None
    replies: bool | None = None


@dataclass(frozen=True)
class Turn:
    number: int
    user: str
    expect: Expectation


@dataclass(frozen=True)
class Transcript:
    path: Path
    name: str
    turns: tuple[Turn, ...]
    description: str = ""
    article: str | None = None  # asked about this article only


@dataclass(frozen=True)
class TurnResult:
    turn: Turn
    reply: BotTurn | None
    reasons: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.reasons


@dataclass(frozen=True)
class TranscriptResult:
    transcript: Transcript
    session_id: str
    turns: tuple[TurnResult, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return all(turn.passed for turn in self.turns)

    @property
    def failures(self) -> list[TurnResult]:
        return [turn for turn in self.turns if not turn.passed]


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses a key given twice in one mapping."""


def _mapping_without_repeats(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"the key {key!r} is given twice", key_node.start_mark)
        seen.add(key)
    return dict(loader.construct_mapping(node))


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_repeats)


def _yaml_problem(error: yaml.YAMLError) -> str:
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        where = f"line {error.problem_mark.line + 1}"
        what = error.problem or "not valid YAML"
        return f"not valid YAML ({what}, {where})"
    return "not valid YAML"


def _kind(value: object) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "true/false", type(None): "nothing"}.get(
        type(value), f"{shorten(repr(value), 40)}"
    )


def _is_number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Checker:
    """Validation of one file's content, with messages that name the file and turn."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, message: str, turn: int | None = None) -> TranscriptError:
        where = f"{self.path}: turn {turn}" if turn is not None else f"{self.path}"
        return TranscriptError(f"{where}: {message}")

    def known_keys(self, value: dict[Any, Any], known: Sequence[str], what: str, turn: int | None = None) -> None:
        for key in value:
            if key not in known:
                raise self.fail(f"unknown key {key!r} in {what} (known: {', '.join(known)})", turn)

    def texts(self, value: object, key: str, turn: int) -> tuple[Alternatives, ...]:
        message = f"expect.{key} must be a non-empty list of strings (or of lists of alternative strings)"
        if not isinstance(value, list) or not value:
            raise self.fail(f"{message}, got {_kind(value)}", turn)
        items: list[Alternatives] = []
        for item in value:
            options = item if isinstance(item, list) else [item]
            if not options or not all(isinstance(o, str) and o.strip() for o in options):
                raise self.fail(f"{message}; {shorten(repr(item), 40)} is not", turn)
            items.append(tuple(options))
        return tuple(items)

    def numbers(self, value: object, key: str, turn: int, alternatives: bool) -> tuple[ParagraphAlternatives, ...]:
        message = f"expect.{key} must be a non-empty list of paragraph numbers (whole numbers from 1)"
        if not isinstance(value, list) or not value:
            raise self.fail(f"{message}, got {_kind(value)}", turn)
        items: list[ParagraphAlternatives] = []
        for item in value:
            options = item if alternatives and isinstance(item, list) else [item]
            if not options or not all(_is_number(o) and o >= 1 for o in options):
                raise self.fail(f"{message}; {shorten(repr(item), 40)} is not", turn)
            items.append(tuple(options))
        return tuple(items)

    def flag(self, value: object, key: str, turn: int) -> bool:
        if not isinstance(value, bool):
            raise self.fail(f"expect.{key} must be true or false, got {_kind(value)}", turn)
        return value

    def expectation(self, value: object, turn: int) -> Expectation:
        if not isinstance(value, dict) or not value:
            raise self.fail(f"expect must be a mapping with at least one of: {', '.join(EXPECT_KEYS)}", turn)
        self.known_keys(value, EXPECT_KEYS, "expect", turn)
        buttons = value.get("buttons")
        if buttons is not None and not (_is_number(buttons) and buttons >= 0):
            raise self.fail(f"expect.buttons must be a whole number from 0, got {_kind(buttons)}", turn)
        return Expectation(
            contains=self.texts(value["contains"], "contains", turn) if "contains" in value else (),
            speakers=self.texts(value["speakers"], "speakers", turn) if "speakers" in value else (),
            paragraphs=self.numbers(value["paragraphs"], "paragraphs", turn, True) if "paragraphs" in value else (),
            any_paragraphs=tuple(n for (n,) in self.numbers(value["any_paragraphs"], "any_paragraphs", turn, False))
            if "any_paragraphs" in value
            else (),
            declines=self.flag(value["declines"], "declines", turn) if "declines" in value else None,
            buttons=buttons,
            replies=self.flag(value["replies"], "replies", turn) if "replies" in value else None,
        )

    def turn(self, value: object, number: int) -> Turn:
        if not isinstance(value, dict):
            raise self.fail(f"a turn must be a mapping with 'user' and 'expect', got {_kind(value)}", number)
        self.known_keys(value, TURN_KEYS, "the turn", number)
        user = value.get("user")
        if not isinstance(user, str) or not user:
            raise self.fail(f"'user' must be a non-empty string, got {_kind(user)}", number)
        repeat = value.get("repeat", 1)
        if not (_is_number(repeat) and 1 <= repeat <= MAX_REPEAT):
            raise self.fail(f"'repeat' must be a whole number from 1 to {MAX_REPEAT}, got {_kind(repeat)}", number)
        if "expect" not in value:
            raise self.fail("the turn has no 'expect' (use 'expect: {replies: true}' to only need a reply)", number)
        return Turn(number, user * repeat, self.expectation(value["expect"], number))

    def transcript(self, value: object) -> Transcript:
        if not isinstance(value, dict):
            raise self.fail(f"a transcript must be a mapping with 'name' and 'turns', got {_kind(value)}")
        self.known_keys(value, TOP_KEYS, "the transcript")
        name = value.get("name")
        if not isinstance(name, str) or not name.strip():
            raise self.fail(f"'name' must be a non-empty string, got {_kind(name)}")
        description = value.get("description", "")
        if not isinstance(description, str):
            raise self.fail(f"'description' must be a string, got {_kind(description)}")
        article = value.get("article")
        if article is not None and (not isinstance(article, str) or not article.strip()):
            raise self.fail(f"'article' must be an article's file name without its suffix, got {_kind(article)}")
        turns = value.get("turns")
        if not isinstance(turns, list) or not turns:
            raise self.fail(f"'turns' must be a non-empty list of turns, got {_kind(turns)}")
        return Transcript(
            self.path,
            name.strip(),
            tuple(self.turn(turn, number) for number, turn in enumerate(turns, start=1)),
            description.strip(),
            article.strip() if article else None,
        )


def load_transcript(path: Path | str) -> Transcript:
    """The transcript in `path`; TranscriptError (naming the file and turn) when it is not valid."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise TranscriptError(f"{path}: cannot read: not UTF-8 text") from None
    except OSError as error:
        raise TranscriptError(f"{path}: cannot read: {error.strerror or error}") from None
    try:
        content = yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass
    except yaml.YAMLError as error:
        raise TranscriptError(f"{path}: {_yaml_problem(error)}") from None
    return _Checker(path).transcript(content)


def transcript_files(paths: Sequence[Path | str]) -> list[Path]:
    """The given files, with each folder replaced by its *.yml / *.yaml files (sorted)."""
    files: list[Path] = []
    for given in map(Path, paths):
        if given.is_dir():
            files.extend(sorted(p for p in given.iterdir() if p.suffix in TRANSCRIPT_SUFFIXES and p.is_file()))
        else:
            files.append(given)
    return files


# ---------------------------------------------------------------------------------------------
# Checking replies
# ---------------------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """For matching: case folded, typographic quotes made straight, white space collapsed."""
    return " ".join(text.translate(_QUOTES).casefold().split())


def cited_paragraphs(text: str) -> list[int]:
    """Paragraph numbers a text cites: "paragraph 24", "paragraphs 24, 25 and 28"."""
    return [int(n) for match in _CITED_PARAGRAPHS.finditer(text) for n in _NUMBER.findall(match.group(1))]


def is_decline_text(text: str) -> bool:
    return bool(_DECLINE.search(text.translate(_QUOTES)))


def reply_declines(reply: BotTurn) -> bool:
    """A message says the articles do not answer; when none says whether it answers, the text is a polite decline."""
    if reply.answerable is not None:
        return reply.declined
    return is_decline_text(reply.text)


def _said(reply: BotTurn) -> str:
    """What came back, in brief: the paragraphs an answer cites and the start of the text."""
    text = f'"{shorten(reply.text, REPLY_SNIPPET)}"' if reply.text else "no text"
    if reply.refused:
        return f"a refusal: {text}"
    return f"an answer citing paragraphs {_listing(reply.paragraphs)}: {text}" if reply.sources else text


def _options(options: Sequence[object]) -> str:
    return " or ".join(f'"{o}"' if isinstance(o, str) else str(o) for o in options)


def _listing(items: Sequence[object]) -> str:
    return "[" + ", ".join(map(str, items)) + "]" if items else "none"


def check_reply(expect: Expectation, reply: BotTurn) -> list[str]:
    """Why `reply` does not meet `expect` (empty when it does), one readable reason per failed check."""
    reasons: list[str] = []
    if expect.replies is not None and expect.replies != bool(reply.messages):
        reasons.append(
            "expected a reply, got no bot messages"
            if expect.replies
            else f"expected no reply, got {len(reply.messages)} message(s): {_said(reply)}"
        )
    text = normalise(reply.text)
    for options in expect.contains:
        if not any(normalise(option) in text for option in options):
            reasons.append(f"expected the text to contain {_options(options)}; got {_said(reply)}")
    for options in expect.speakers:
        if reply.sources:
            speakers = [normalise(speaker) for speaker in reply.speakers]
            if not any(normalise(option) in speaker for option in options for speaker in speakers):
                reasons.append(f"expected a source from {_options(options)}; the speakers were {reply.speakers}")
        elif not any(normalise(option) in text for option in options):
            reasons.append(
                f"expected a speaker {_options(options)}; got no sources, and a text without it: {_said(reply)}"
            )
    paragraphs = reply.paragraphs if reply.sources else cited_paragraphs(reply.text)
    where = "the sources' paragraphs" if reply.sources else "the paragraphs the text cites (no sources)"
    for numbers in expect.paragraphs:
        if not set(numbers) & set(paragraphs):
            wanted = "paragraph " + " or ".join(map(str, numbers))
            reasons.append(f"expected {wanted} among {where}, got {_listing(paragraphs)}")
    if expect.any_paragraphs and not set(expect.any_paragraphs) & set(paragraphs):
        reasons.append(
            f"expected one of paragraphs {_listing(expect.any_paragraphs)} among {where}, got {_listing(paragraphs)}"
        )
    if expect.declines is not None:
        declined = reply_declines(reply)
        if expect.declines and not declined:
            reasons.append(f"expected a decline, got {_said(reply)}")
        elif not expect.declines and declined:
            reasons.append(f"expected an answer, got a decline: {_said(reply)}")
    if expect.buttons is not None and expect.buttons != len(reply.buttons):
        titles = _listing([f'"{shorten(b.title, 40)}"' for b in reply.buttons])
        reasons.append(f"expected {expect.buttons} button(s), got {len(reply.buttons)}: {titles}")
    return reasons


# ---------------------------------------------------------------------------------------------
# Playing
# ---------------------------------------------------------------------------------------------


def new_session_id() -> str:
    return f"transcript-{uuid.uuid4().hex}"


def play(client: ChatClient, transcript: Transcript) -> TranscriptResult:
    """Play the turns in order in one new conversation. ChatUnavailable when the bot cannot be reached."""
    session_id = new_session_id()
    logger.info("playing %s as %s", transcript.path, session_id)
    results: list[TurnResult] = []
    for turn in transcript.turns:
        try:
            reply = BotTurn.of(client.send(session_id, turn.user, transcript.article))
        except BadReply as error:
            results.append(TurnResult(turn, None, (str(error),)))
            continue
        results.append(TurnResult(turn, reply, tuple(check_reply(turn.expect, reply))))
    return TranscriptResult(transcript, session_id, tuple(results))
