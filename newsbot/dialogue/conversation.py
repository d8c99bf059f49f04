"""What the bot says: replies composed from retrieval and from the last answer (follow-ups).

Everything here is a function of a Searcher and the conversation's state; the rasa-sdk actions
only translate between a tracker and these functions. Every function returns a typed Reply.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from newsbot.answering.compose import compose_answer, side_names
from newsbot.dialogue.topics import shaping_for
from newsbot.domain import Reply, ReplyKind, Source, Speaker, SpeakerKind
from newsbot.retrieval.bm25 import tokenize
from newsbot.retrieval.search import QuestionError, Searcher, Shaping, speaker_terms

# Hits an answer is composed from (it shows the best few, and the other sides of a dispute).
ANSWER_CANDIDATES = 8
MORE_CANDIDATES = 3
SUGGESTIONS = 3
NO_ANSWER_YET = "I haven't answered anything yet. Ask me about the article, for example:"
NOTHING_MORE = "That's all the article says about it."
NO_OTHER_SIDE = "The article gives no other side on this: everything it says about it is above."


@dataclass
class State:
    """What a conversation remembers between turns (kept in Rasa slots)."""

    last_question: str | None = None
    last_topic: str | None = None
    last_sources: list[Source] = field(default_factory=list)
    shown: set[tuple[str, int]] = field(default_factory=set)


def suggestions(searcher: Searcher, count: int = SUGGESTIONS) -> list[str]:
    """Questions the articles answer: what their most quoted named voices said."""
    quoted: dict[str, int] = {}
    for passage in searcher.index.passages:
        if passage.speaker.named:
            name = passage.speaker.label.split(" (")[0]  # a joint statement's issuers
            quoted[name] = quoted.get(name, 0) + 1
    ranked = sorted(quoted, key=lambda name: (-quoted[name], name))[:count]
    questions = [f"What did {name} say?" for name in ranked]
    titles = sorted({passage.title for passage in searcher.index.passages})
    questions += [f"What happened in “{title}”?" for title in titles][: count - len(questions)]
    return questions


def ask(searcher: Searcher, question: str, shaping: Shaping | None = None) -> Reply:
    """The reply to a question on its own, as plain search (`newsbot ask`, /api/ask) and the bot
    give it: the passages that answer, or a decline with questions the articles do answer. Raises
    QuestionError for a question that cannot be searched."""
    result = searcher.search(question, k=ANSWER_CANDIDATES, shaping=shaping)
    reply = compose_answer(result, searcher.index.facts, suggestions(searcher))
    if reply.kind is ReplyKind.DECLINE:
        where = "the article" if len(searcher.index.facts) == 1 else "the articles"
        return replace(reply, lead=f"{reply.lead} Here are questions {where} can answer:")
    return reply


def answer(searcher: Searcher, state: State, question: str, topic: str | None, shaping: Shaping | None) -> Reply:
    """Answer a question in a conversation; a topic's shaping biases retrieval, and the decline
    rests on the question (a topic's own words, when the NLU recognised it, count as answered:
    Shaping.vouches)."""
    try:
        reply = ask(searcher, question, shaping)
    except QuestionError as error:
        lead = f"I can't search for that: {error}. Ask me about the article, for example:"
        return Reply(ReplyKind.NOTICE, lead, suggestions=tuple(suggestions(searcher)))
    state.last_question, state.last_topic = question, topic
    if reply.kind is ReplyKind.DECLINE:
        state.last_sources, state.shown = [], set()
        return reply
    state.last_sources = list(reply.passages)
    state.shown = {source.key for source in reply.passages}
    return reply


def _needs_answer(searcher: Searcher) -> Reply:
    return Reply(ReplyKind.NOTICE, NO_ANSWER_YET, suggestions=tuple(suggestions(searcher)))


def who_said(searcher: Searcher, state: State) -> Reply:
    if not state.last_sources:
        return _needs_answer(searcher)
    named = any(source.speaker.kind is not SpeakerKind.NARRATION for source in state.last_sources)
    lead = "Who said it:" if named else "The article says it in its own voice:"
    return Reply(ReplyKind.WHO_SAID, lead, tuple(state.last_sources), question=state.last_question or "")


def show_source(searcher: Searcher, state: State) -> Reply:
    if not state.last_sources:
        return _needs_answer(searcher)
    return Reply(ReplyKind.WHERE, "Where it says so:", tuple(state.last_sources), question=state.last_question or "")


def tell_more(searcher: Searcher, state: State) -> Reply:
    if not state.last_question:
        return _needs_answer(searcher)
    topic = shaping_for(searcher, state.last_topic)
    shaping = Shaping(
        expansion=topic.expansion if topic else "",
        prefer_speakers=topic.prefer_speakers if topic else frozenset(),
        exclude=frozenset(state.shown),
    )
    result = searcher.search(state.last_question, k=MORE_CANDIDATES, shaping=shaping)
    if not result.hits:
        return Reply(ReplyKind.NOTICE, NOTHING_MORE, question=state.last_question)
    hits = sorted(result.hits, key=lambda hit: (hit.passage.article, hit.passage.paragraph))
    sources = [Source.of(hit.passage, hit.score) for hit in hits]
    state.last_sources = sources
    state.shown |= {source.key for source in sources}
    return Reply(ReplyKind.MORE, "The article also says:", tuple(sources), question=state.last_question)


def other_side(searcher: Searcher, state: State) -> Reply:
    """The other side of the dispute on the last question: the side heard is the one the question
    named ("what did the residents say?"), or else the side of the last answer's best sourced
    voice; the other sides are those of the articles' facts, or voices grouped by their names.
    Where no side was heard, any named voice not heard yet."""
    if not state.last_question:
        return _needs_answer(searcher)
    voices = list(dict.fromkeys((passage.article, passage.speaker) for passage in searcher.index.passages))
    side_of = {voice: (voice[0], side) for voice, side in side_names(voices, searcher.index.facts).items()}
    heard = {(source.article, source.speaker) for source in state.last_sources}
    asked = searcher.asked_sides(state.last_question)
    heard_sides = {(article, side) for article, sides in asked.items() for side in sides}
    if not heard_sides:
        ranked = sorted(state.last_sources, key=lambda source: -source.score)
        first = next((side_of[voice] for s in ranked if (voice := (s.article, s.speaker)) in side_of), None)
        heard_sides = {first} if first else set()
    # The other sides of the same article(s): (article, side name) pairs.
    articles = {article for article, _ in heard_sides}
    wanted = list(dict.fromkeys(side for side in side_of.values() if side[0] in articles and side not in heard_sides))

    def belongs(voice: tuple[str, Speaker]) -> bool:
        if voice[1].kind is SpeakerKind.NARRATION:
            return False
        return side_of.get(voice) in wanted if wanted else voice not in heard

    prefer = frozenset(speaker for article, speaker in voices if belongs((article, speaker)))
    shaping = Shaping(prefer_speakers=prefer, exclude=frozenset(state.shown))
    result = searcher.search(state.last_question, k=ANSWER_CANDIDATES * 2, shaping=shaping)
    best: dict[tuple[str, int], Source] = {}
    for hit in result.hits:
        if belongs((hit.passage.article, hit.passage.speaker)):
            best.setdefault((hit.passage.article, hit.passage.paragraph), Source.of(hit.passage, hit.score))
    sources = sorted(list(best.values())[:MORE_CANDIDATES], key=lambda source: (source.article, source.paragraph))
    if not sources:
        return Reply(ReplyKind.NOTICE, NO_OTHER_SIDE, question=state.last_question)
    names = list(dict.fromkeys(name for _, name in wanted))
    lead = f"What {' and '.join(names)} said:" if names else "The other voices in the article:"
    state.last_sources = sources
    state.shown |= {source.key for source in sources}
    return Reply(ReplyKind.MORE, lead, tuple(sources), question=state.last_question)


def about_entity(searcher: Searcher, state: State, entity: str | None, text: str) -> Reply:
    """A follow-up naming someone ("and Formby?"): the last question, asked about them."""
    if not entity:
        return answer(searcher, state, text, None, None)
    base = state.last_question or f"What did {entity} say?"
    reply = answer(searcher, state, f"{base} ({entity})", state.last_topic, entity_shaping(searcher, entity))
    state.last_question = base
    return reply


def entity_shaping(searcher: Searcher, entity: str) -> Shaping:
    """Retrieval about someone: their name in the query, their own words preferred."""
    asked = set(tokenize(entity))
    preferred = frozenset(
        passage.speaker for passage in searcher.index.passages if asked & set(speaker_terms(passage.speaker))
    )
    return Shaping(expansion=entity, prefer_speakers=preferred)
