"""Facts about an article that its text does not state in so many words: the sides of the dispute
it reports, what readers call its people, the words of the topics the bot recognises. They are
data, in a YAML file beside the article (`knowledge/<article>.yml`), never code:

    sides:                       # the sides of the dispute, each with the voices that speak for it
      - name: the council
        voices: [Harbour Council, Councillor Mary Price]
      - name: the residents
        voices: [Quayside Residents' Association, Tom Ellis]
    aliases:                     # what readers may call someone -> the article's own name
      the assoc: Quayside Residents' Association
    topics:                      # per intent of the bot: words that expand its query, voices it prefers
      ask_commitments:
        words: promised pledged committed
        prefer: [the council, the article]   # side names, voice names, or "the article" (narration)
    questions:                   # questions the article answers, offered to readers (after a decline)
      - How much will parking cost?

Every part is optional; an article without a facts file has none. A voice belongs to a side when
all the words of one of the side's voices are words of the speaker's label ("Labour" speaks in
"Labour sources"); a label matching two sides belongs to neither.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml

from newsbot.domain import NARRATOR, Speaker, SpeakerKind

FACTS_SUFFIX = ".yml"
WORD = re.compile(r"[\w’']+")
TOP_KEYS = frozenset({"sides", "aliases", "topics", "questions"})


@lru_cache(maxsize=16384)  # a search asks for every passage's speaker's side
def words_of(text: str) -> frozenset[str]:
    return frozenset(word.lower().replace("’", "'") for word in WORD.findall(text))


@dataclass(frozen=True)
class SideFacts:
    name: str
    voices: tuple[str, ...]

    def speaks_for(self, speaker: Speaker) -> bool:
        if not speaker.named and speaker.kind is not SpeakerKind.ANONYMOUS:
            return False  # the narration speaks for no side
        label = words_of(speaker.label)
        return any(words_of(voice) <= label for voice in self.voices)


@dataclass(frozen=True)
class TopicFacts:
    words: str = ""  # added to the lexical query of the topic's questions
    prefer: tuple[str, ...] = ()  # side names, voice names, or "the article"


@dataclass(frozen=True)
class ArticleFacts:
    sides: tuple[SideFacts, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)
    topics: dict[str, TopicFacts] = field(default_factory=dict)
    questions: tuple[str, ...] = ()  # questions the article answers, to suggest to readers

    def side_of(self, speaker: Speaker) -> str | None:
        """The name of the side the speaker speaks for, when exactly one side claims it."""
        matches = [side.name for side in self.sides if side.speaks_for(speaker)]
        return matches[0] if len(matches) == 1 else None

    def preferred(self, topic: TopicFacts, speaker: Speaker) -> bool:
        """Whether the topic prefers this speaker's passages."""
        label = words_of(speaker.label)
        for wanted in topic.prefer:
            if wanted == NARRATOR:
                if speaker.kind is SpeakerKind.NARRATION:
                    return True
                continue
            side = next((side for side in self.sides if side.name == wanted), None)
            if side is not None and side.speaks_for(speaker):
                return True
            if side is None and words_of(wanted) <= label:
                return True
        return False

    def to_json(self) -> dict[str, Any]:
        return {
            "sides": [{"name": side.name, "voices": list(side.voices)} for side in self.sides],
            "aliases": dict(self.aliases),
            "topics": {
                name: {"words": topic.words, "prefer": list(topic.prefer)} for name, topic in self.topics.items()
            },
            "questions": list(self.questions),
        }


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise ValueError(f"{where} must be a list of non-empty strings")
    return tuple(item.strip() for item in value)


def parse_facts(data: object) -> ArticleFacts:
    """The facts of a parsed YAML document; ValueError saying what is wrong."""
    if data is None:
        return ArticleFacts()
    if not isinstance(data, dict):
        raise ValueError("facts must be a mapping with sides, aliases and topics")
    unknown = sorted(set(map(str, data)) - TOP_KEYS)
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(TOP_KEYS))})")
    sides = []
    for number, side in enumerate(data.get("sides") or [], start=1):
        if not isinstance(side, dict) or not isinstance(side.get("name"), str) or not side["name"].strip():
            raise ValueError(f"side {number} needs a name and voices")
        sides.append(SideFacts(side["name"].strip(), _strings(side.get("voices"), f"side {side['name']!r} voices")))
    aliases = data.get("aliases") or {}
    if not isinstance(aliases, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in aliases.items()
    ):
        raise ValueError("aliases must map names to names")
    topics: dict[str, TopicFacts] = {}
    for name, topic in (data.get("topics") or {}).items():
        if not isinstance(topic, dict):
            raise ValueError(f"topic {name!r} must be a mapping with words and prefer")
        words = topic.get("words", "")
        if not isinstance(words, str):
            raise ValueError(f"topic {name!r} words must be a string")
        prefer = _strings(topic["prefer"], f"topic {name!r} prefer") if topic.get("prefer") else ()
        topics[str(name)] = TopicFacts(" ".join(words.split()), prefer)
    questions = _strings(data["questions"], "questions") if data.get("questions") else ()
    return ArticleFacts(tuple(sides), {k.strip(): v.strip() for k, v in aliases.items()}, topics, questions)


def load_facts(raw: bytes) -> ArticleFacts:
    """The facts of a facts file's bytes; ValueError saying what is wrong."""
    try:
        data = yaml.safe_load(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise ValueError(f"not valid UTF-8 (byte {error.start})") from None
    except yaml.YAMLError as error:
        raise ValueError(f"not valid YAML ({error.__class__.__name__})") from None
    return parse_facts(data)


def facts_from_json(row: dict[str, Any]) -> ArticleFacts:
    return parse_facts(row)
