"""What the bot says: replies composed from retrieval and from the last answer (follow-ups).

Everything here is a function of a Searcher and the conversation's state; the rasa-sdk actions
only translate between a tracker and these functions.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from newsbot.answering.compose import compose_answer
from newsbot.attribution.rules import NARRATOR
from newsbot.dialogue.topics import SIDES, shaping_for, side_of
from newsbot.ingest.passages import Passage
from newsbot.retrieval.search import QuestionError, Searcher, Shaping

ANSWER_CANDIDATES = 8
MORE_CANDIDATES = 3
SUGGESTIONS = 3
NO_ANSWER_YET = "I haven't answered anything yet. Ask me about the article, for example:"
NOTHING_MORE = "That's all the article says about it."
NO_OTHER_SIDE = "The article gives no other side on this: everything it says about it is above."


@dataclass(frozen=True)
class Source:
    article: str
    title: str
    paragraph: int
    speaker: str
    text: str
    score: float

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> Source:
        return cls(
            str(row["article"]),
            str(row["title"]),
            int(row["paragraph"]),
            str(row["speaker"]),
            str(row["text"]),
            float(row.get("score", 0.0)),
        )

    @property
    def key(self) -> tuple[str, int]:
        return (self.article, self.paragraph)

    def who(self) -> str:
        return "the article itself" if self.speaker == NARRATOR else self.speaker


@dataclass
class State:
    """What a conversation remembers between turns (kept in Rasa slots)."""

    last_question: str | None = None
    last_topic: str | None = None
    last_sources: list[Source] = field(default_factory=list)
    shown: set[tuple[str, int]] = field(default_factory=set)


@dataclass(frozen=True)
class Reply:
    text: str
    sources: list[Source] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)  # questions offered as buttons
    answerable: bool | None = None  # None: not an answer (a follow-up with nothing to show)
    contested: bool = False
    question: str = ""

    def payload(self) -> dict[str, Any]:
        """The structured sources, for the widget and Slack to render."""
        return {
            "type": "answer",
            "question": self.question,
            "answerable": bool(self.answerable),
            "contested": self.contested,
            "sources": [asdict(source) for source in self.sources],
        }


def citation(source: Source) -> str:
    return f"{source.who()}, paragraph {source.paragraph} of “{source.title}”"


def render(sources: list[Source], heading: str) -> str:
    lines = [heading]
    for source in sources:
        lines += ["", f"> {source.text}", f"  — {citation(source)}"]
    return "\n".join(lines)


ANONYMOUS = re.compile(r"^(a|an|one|some)\s|sources?$|unnamed", re.IGNORECASE)


def suggestions(searcher: Searcher, count: int = SUGGESTIONS) -> list[str]:
    """Questions the articles answer: what their most quoted named speakers said."""
    quoted: dict[str, int] = {}
    for passage in searcher.index.passages:
        speaker = re.sub(r"\s*\(.*?\)", "", passage.speaker).strip()
        if passage.speaker != NARRATOR and not ANONYMOUS.search(speaker):
            quoted[speaker] = quoted.get(speaker, 0) + 1
    ranked = sorted(quoted, key=lambda speaker: (-quoted[speaker], speaker))[:count]
    questions = [f"What did {speaker} say?" for speaker in ranked]
    titles = sorted({passage.title for passage in searcher.index.passages})
    questions += [f"What happened in “{title}”?" for title in titles][: count - len(questions)]
    return questions


def answer(searcher: Searcher, state: State, question: str, topic: str | None, shaping: Shaping | None) -> Reply:
    """Answer a question; a topic's shaping biases retrieval, and the decline rests on the question
    (a topic's own words, when the NLU recognised it, count as answered: Shaping.vouches)."""
    try:
        result = searcher.search(question, k=ANSWER_CANDIDATES, shaping=shaping)
    except QuestionError as error:
        text = f"I can't search for that: {error}. Ask me about the article, for example:"
        return Reply(text, [], suggestions(searcher))
    composed = compose_answer(result)
    state.last_question, state.last_topic = question, topic
    if not composed.answerable:
        state.last_sources, state.shown = [], set()
        return Reply(
            f"{composed.text} Here are questions the article can answer:",
            [],
            suggestions(searcher),
            answerable=False,
            question=question,
        )
    sources = [
        Source(p.citation.article, p.citation.title, p.citation.paragraph, p.citation.speaker, p.text, p.score)
        for p in composed.passages
    ]
    state.last_sources = sources
    state.shown = {source.key for source in sources}
    return Reply(composed.text, sources, [], True, composed.contested, question)


def _needs_answer(searcher: Searcher) -> Reply:
    return Reply(NO_ANSWER_YET, [], suggestions(searcher))


def who_said(searcher: Searcher, state: State) -> Reply:
    if not state.last_sources:
        return _needs_answer(searcher)
    lines = [f"Paragraph {source.paragraph}: {source.who()}." for source in state.last_sources]
    speakers = {source.speaker for source in state.last_sources} - {NARRATOR}
    heading = "Who said it:" if speakers else "The article says it in its own voice:"
    return Reply("\n".join([heading, *lines]), state.last_sources, [], True, question=state.last_question or "")


def show_source(searcher: Searcher, state: State) -> Reply:
    if not state.last_sources:
        return _needs_answer(searcher)
    lines = ["Where it says so:"]
    for source in state.last_sources:
        lines.append(f"- {citation(source)}: “{shorten(source.text)}”")
    return Reply("\n".join(lines), state.last_sources, [], True, question=state.last_question or "")


def tell_more(searcher: Searcher, state: State) -> Reply:
    if not state.last_question:
        return _needs_answer(searcher)
    topic = shaping_for(state.last_topic)
    shaping = Shaping(
        expansion=topic.expansion if topic else "",
        prefer_speakers=topic.prefer_speakers if topic else (),
        exclude=frozenset(state.shown),
    )
    result = searcher.search(state.last_question, k=MORE_CANDIDATES, shaping=shaping)
    if not result.hits:
        return Reply(NOTHING_MORE, [], [], None, question=state.last_question)
    sources = [_source(hit.passage, hit.score) for hit in sorted(result.hits, key=lambda h: h.passage.paragraph)]
    state.last_sources = sources
    state.shown |= {source.key for source in sources}
    return Reply(render(sources, "The article also says:"), sources, [], True, question=state.last_question)


def other_side(searcher: Searcher, state: State) -> Reply:
    """The voices not heard in the last answer: the other side of the dispute when the speakers
    heard belong to one, otherwise any speaker not heard yet."""
    if not state.last_question:
        return _needs_answer(searcher)
    heard = {source.speaker for source in state.last_sources}
    heard_sides = {side_of(speaker) for speaker in heard} - {None}
    wanted = [side for side in SIDES if side not in heard_sides] if heard_sides else []
    prefer = tuple(part for side in wanted for part in SIDES[side])
    result = searcher.search(state.last_question, k=ANSWER_CANDIDATES * 2, shaping=Shaping(prefer_speakers=prefer))

    def belongs(speaker: str) -> bool:
        if speaker in heard or speaker == NARRATOR:
            return False
        return side_of(speaker) in wanted if wanted else True

    best: dict[str, Source] = {}
    for hit in result.hits:
        if belongs(hit.passage.speaker):
            best.setdefault(hit.passage.speaker, _source(hit.passage, hit.score))
    sources = sorted(list(best.values())[:MORE_CANDIDATES], key=lambda s: s.paragraph)
    if not sources:
        return Reply(NO_OTHER_SIDE, [], [], None, question=state.last_question)
    heading = f"What {' and '.join(wanted)} said:" if wanted else "The other voices in the article:"
    state.last_sources = sources
    state.shown |= {source.key for source in sources}
    return Reply(render(sources, heading), sources, [], True, True, state.last_question)


def about_entity(searcher: Searcher, state: State, entity: str | None, text: str) -> Reply:
    """A follow-up naming someone ("and Formby?"): the last question, asked about them."""
    if not entity:
        return answer(searcher, state, text, None, None)
    base = state.last_question or f"What did {entity} say?"
    reply = answer(searcher, state, f"{base} ({entity})", state.last_topic, entity_shaping(entity))
    state.last_question = base
    return reply


def entity_shaping(entity: str) -> Shaping:
    """Retrieval about someone: their name in the query, their own words preferred."""
    return Shaping(expansion=entity, prefer_speakers=tuple(part.lower() for part in entity.split() if len(part) > 2))


def _source(passage: Passage, score: float) -> Source:
    return Source(passage.article, passage.title, passage.paragraph, passage.speaker, passage.text, score)


def shorten(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
