"""The domain's types: who speaks, the passages of articles, the sources a reply cites, and the
typed reply that every channel (widget, Slack, terminal, plain text) renders.

A reply is data, never text to be parsed again: the channels in `newsbot.channels` render it, and
it travels between the actions and the web app as JSON (`Reply.to_json` / `Reply.from_json`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

NARRATOR = "the article"


class SpeakerKind(StrEnum):
    PERSON = "person"  # a named person, or named people ("Jonathan Goldstein")
    ORGANISATION = "organisation"  # a named body speaking as such ("the Board of Deputies", "police")
    ANONYMOUS = "anonymous"  # an unnamed source ("Labour sources", "a JLC and Board representative")
    NARRATION = "narration"  # the article in its own voice
    JOINT_STATEMENT = "joint_statement"  # a statement issued jointly by named bodies


@dataclass(frozen=True)
class Speaker:
    label: str
    kind: SpeakerKind

    @property
    def named(self) -> bool:
        """A voice with a name: a person, an organisation or a joint statement. The narration and
        anonymous sources name no one, so they speak for no side."""
        return self.kind in (SpeakerKind.PERSON, SpeakerKind.ORGANISATION, SpeakerKind.JOINT_STATEMENT)

    def who(self) -> str:
        """How a reader is told who said it."""
        return "the article itself" if self.kind is SpeakerKind.NARRATION else self.label


NARRATION = Speaker(NARRATOR, SpeakerKind.NARRATION)


@dataclass(frozen=True)
class Passage:
    """A paragraph of an article, or a window of sentences of a long one, and who speaks in it."""

    id: str  # "<article>:p<paragraph>" or "<article>:p<paragraph>:s<first>-<last>"
    article: str
    title: str
    paragraph: int  # counted from 1
    sentences: tuple[int, int] | None  # 1-based inclusive range for a window, None for a paragraph
    start: int  # character offsets into the article body
    end: int
    text: str
    speaker: Speaker
    # Where in `text` the speaker's words begin: the sentences before are the narration's ("In
    # 1900, Tesla was granted patents ... The court declared that ...").
    voice_from: int = 0
    # Later voices quoted by name, each from where in `text` its words begin ('"We were told ...,"
    # said Mohammed Rahman' after "Residents said ..."): `speaker` speaks until the first.
    voices: tuple[tuple[int, Speaker], ...] = ()

    def speaker_of(self, start: int, end: int) -> Speaker:
        """Who speaks text[start:end] (an answer's sentences)."""
        if end <= self.voice_from:
            return NARRATION
        return next((voice for at, voice in reversed(self.voices) if at <= start), self.speaker)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "article": self.article,
            "title": self.title,
            "paragraph": self.paragraph,
            "sentences": list(self.sentences) if self.sentences else None,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "speaker": self.speaker.label,
            "speaker_kind": self.speaker.kind.value,
            "voice_from": self.voice_from,
            "voices": [[at, voice.label, voice.kind.value] for at, voice in self.voices],
        }

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> Passage:
        sentences = row.get("sentences")
        return cls(
            id=str(row["id"]),
            article=str(row["article"]),
            title=str(row["title"]),
            paragraph=int(row["paragraph"]),
            sentences=(int(sentences[0]), int(sentences[1])) if sentences else None,
            start=int(row["start"]),
            end=int(row["end"]),
            text=str(row["text"]),
            speaker=Speaker(str(row["speaker"]), SpeakerKind(row["speaker_kind"])),
            voice_from=int(row.get("voice_from", 0)),
            voices=tuple((int(at), Speaker(str(name), SpeakerKind(kind))) for at, name, kind in row.get("voices", [])),
        )


@dataclass(frozen=True)
class Highlight:
    """The sentence or sentences of a source's text that answer: character offsets into the text."""

    start: int
    end: int

    def to_json(self) -> dict[str, int]:
        return {"start": self.start, "end": self.end}


@dataclass(frozen=True)
class Source:
    """A passage as a reply cites it."""

    article: str
    title: str
    paragraph: int
    speaker: Speaker
    text: str
    score: float = 0.0
    highlight: Highlight | None = None
    # Named voices the narration reports in the answering sentences ("Ms Formby also committed ...").
    reports: tuple[str, ...] = ()

    @classmethod
    def of(
        cls, passage: Passage, score: float = 0.0, highlight: Highlight | None = None, reports: tuple[str, ...] = ()
    ) -> Source:
        speaker = passage.speaker_of(highlight.start, highlight.end) if highlight else passage.speaker
        return cls(passage.article, passage.title, passage.paragraph, speaker, passage.text, score, highlight, reports)

    @property
    def key(self) -> tuple[str, int]:
        return (self.article, self.paragraph)

    def who(self) -> str:
        """How a reader is told who said it: the speaker, and whom the narration reports."""
        if self.speaker.kind is SpeakerKind.NARRATION and self.reports:
            return f"{self.speaker.who()}, reporting {' and '.join(self.reports)}"
        return self.speaker.who()

    def to_json(self) -> dict[str, Any]:
        """The public shape (API, slots, payloads): the speaker's label, and its kind beside it."""
        return {
            "article": self.article,
            "title": self.title,
            "paragraph": self.paragraph,
            "speaker": self.speaker.label,
            "speaker_kind": self.speaker.kind.value,
            "text": self.text,
            "score": round(self.score, 4),
            "highlight": self.highlight.to_json() if self.highlight else None,
            "reports": list(self.reports),
        }

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> Source:
        """Raises KeyError, TypeError or ValueError on a malformed row."""
        mark = row.get("highlight")
        highlight = Highlight(int(mark["start"]), int(mark["end"])) if isinstance(mark, dict) else None
        return cls(
            article=str(row["article"]),
            title=str(row["title"]),
            paragraph=int(row["paragraph"]),
            speaker=Speaker(str(row["speaker"]), SpeakerKind(row["speaker_kind"])),
            text=str(row["text"]),
            score=float(row.get("score", 0.0)),
            highlight=highlight,
            reports=tuple(str(name) for name in row.get("reports") or ()),
        )


class ReplyKind(StrEnum):
    ANSWER = "answer"  # passages that answer the question
    MORE = "more"  # more passages on the last question ("tell me more", "the other side")
    WHO_SAID = "who_said"  # who said the last answer's passages
    WHERE = "where"  # where the last answer's passages are
    DECLINE = "decline"  # the articles do not answer: why, and questions they do answer
    NOTICE = "notice"  # nothing to show: no answer yet, nothing more, a question that cannot be searched


@dataclass(frozen=True)
class Side:
    """One side of a dispute, as heard in a reply: its name and the voices of it that speak there."""

    name: str
    speakers: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "speakers": list(self.speakers)}


@dataclass(frozen=True)
class Reply:
    """What the bot says, in parts: a lead line, the passages it quotes with their sources, the
    sides when the passages disagree, and questions it suggests (after a decline, for instance)."""

    kind: ReplyKind
    lead: str
    passages: tuple[Source, ...] = ()
    sides: tuple[Side, ...] = ()
    suggestions: tuple[str, ...] = ()
    question: str = ""  # the question answered (for a follow-up: the question it follows)

    @property
    def answerable(self) -> bool | None:
        """True: it answers from the articles; False: the articles do not answer; None: neither."""
        if self.kind is ReplyKind.DECLINE:
            return False
        if self.kind is ReplyKind.NOTICE:
            return None
        return True

    @property
    def contested(self) -> bool:
        """The passages come from sides that disagree: each side is shown."""
        return len(self.sides) > 1

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "lead": self.lead,
            "question": self.question,
            "answerable": self.answerable,
            "contested": self.contested,
            "sources": [source.to_json() for source in self.passages],
            "sides": [side.to_json() for side in self.sides],
            "suggestions": list(self.suggestions),
        }

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> Reply:
        """Raises KeyError, TypeError or ValueError on a malformed reply."""
        return cls(
            kind=ReplyKind(row["kind"]),
            lead=str(row["lead"]),
            passages=tuple(Source.from_json(source) for source in row.get("sources") or []),
            sides=tuple(
                Side(str(side["name"]), tuple(str(s) for s in side["speakers"])) for side in row.get("sides") or []
            ),
            suggestions=tuple(str(question) for question in row.get("suggestions") or []),
            question=str(row.get("question") or ""),
        )
