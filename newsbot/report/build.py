"""The editors' report, from the recorded turns and the readers' feedback: what readers asked, per
day; what the articles could not answer, grouped by meaning; which answers readers found wrong;
which paragraphs carry the story; and how long answers took. `Report.to_json` is what
`newsbot report --json` prints and /admin/report.json serves; the text and the page render it."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from newsbot.conversations.store import Judgement, RecordedReply
from newsbot.ingest.knowledge import Article
from newsbot.report.grouping import Embed, QuestionGroup, Vectors, group_questions

ANSWER_KINDS = frozenset({"answer"})
DECLINE_KINDS = frozenset({"decline"})
FOLLOW_UP_KINDS = frozenset({"more", "who_said", "where", "notice"})
PERCENTILES = (50, 90, 95, 99)
TOP_PARAGRAPHS = 5
STORY_DECLINES = 5  # the declined questions listed per story, most asked first


@dataclass(frozen=True)
class Day:
    day: date
    asked: int
    answered: int
    declined: int
    follow_ups: int

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "asked": self.asked,
            "answered": self.answered,
            "declined": self.declined,
            "follow_ups": self.follow_ups,
        }


@dataclass(frozen=True)
class Citation:
    article: str
    title: str
    paragraph: int

    def to_json(self) -> dict[str, Any]:
        return {"article": self.article, "title": self.title, "paragraph": self.paragraph}


@dataclass(frozen=True)
class Judged:
    """A message a reader judged: what they asked, what the bot said, and their judgement."""

    question: str
    kind: str
    lead: str
    rating: str
    comment: str | None
    cited: tuple[Citation, ...]
    at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "kind": self.kind,
            "answer": self.lead,
            "rating": self.rating,
            "comment": self.comment,
            "cited": [citation.to_json() for citation in self.cited],
            "at": self.at.isoformat(),
        }


@dataclass(frozen=True)
class ArticleCitations:
    article: str
    title: str
    counts: tuple[int, ...]  # citations of each paragraph, paragraph 1 first
    texts: tuple[str, ...]  # each paragraph's text (empty when the article is no longer in knowledge/)
    in_knowledge: bool = True  # False: answers cited it, but it has left knowledge/ (its title unknown)

    def top(self, limit: int = TOP_PARAGRAPHS) -> list[tuple[int, int]]:
        """(paragraph, citations) of the most cited paragraphs, most first."""
        ranked = sorted(((count, -number) for number, count in enumerate(self.counts, start=1) if count), reverse=True)
        return [(-number, count) for count, number in ranked[:limit]]

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "in_knowledge": self.in_knowledge,
            "paragraphs": len(self.counts),
            "citations": list(self.counts),
            "top": [
                {"paragraph": number, "citations": count, "text": self.texts[number - 1]}
                for number, count in self.top()
            ],
        }


@dataclass(frozen=True)
class Story:
    """The questions readers asked beside one story (the widget's data-newsbot-article)."""

    article: str
    title: str
    asked: int
    answered: int
    declined: int
    declined_questions: tuple[tuple[str, int], ...]  # (question, times asked), most asked first

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "asked": self.asked,
            "answered": self.answered,
            "declined": self.declined,
            "declined_questions": [{"question": q, "count": n} for q, n in self.declined_questions],
        }


@dataclass(frozen=True)
class Latency:
    count: int
    percentiles: dict[int, int]  # percentile -> milliseconds
    max: int

    def to_json(self) -> dict[str, Any]:
        figures: dict[str, Any] = {"count": self.count}
        figures.update({f"p{percentile}": value for percentile, value in self.percentiles.items()})
        figures["max"] = self.max if self.count else None
        return figures


@dataclass(frozen=True)
class Report:
    since: date | None
    generated_at: datetime
    days: tuple[Day, ...]
    declined: tuple[QuestionGroup, ...]
    up: int
    down: int
    judged: tuple[Judged, ...]  # thumbs-down and commented messages, latest first
    articles: tuple[ArticleCitations, ...]
    latency: Latency
    stories: tuple[Story, ...] = ()  # asked beside each story, most asked first

    @property
    def totals(self) -> Day:
        return Day(
            self.since or date.min,
            sum(day.asked for day in self.days),
            sum(day.answered for day in self.days),
            sum(day.declined for day in self.days),
            sum(day.follow_ups for day in self.days),
        )

    @property
    def thumbs_down(self) -> list[Judged]:
        return [judged for judged in self.judged if judged.rating == "down"]

    def to_json(self) -> dict[str, Any]:
        totals = self.totals.to_json()
        del totals["date"]
        return {
            "since": self.since.isoformat() if self.since else None,
            "generated_at": self.generated_at.isoformat(),
            "questions": {"total": totals, "per_day": [day.to_json() for day in self.days]},
            "declined": [
                {"count": group.count, "examples": list(group.examples), "questions": list(group.questions)}
                for group in self.declined
            ],
            "feedback": {
                "up": self.up,
                "down": self.down,
                "comments": [judged.to_json() for judged in self.judged if judged.comment],
                "thumbs_down": [judged.to_json() for judged in self.thumbs_down],
            },
            "stories": {story.article: story.to_json() for story in self.stories},
            "paragraphs": {citations.article: citations.to_json() for citations in self.articles},
            "latency_ms": self.latency.to_json(),
        }


def nearest_rank(values: Sequence[int], percentile: int) -> int:
    """The nearest-rank percentile: the smallest value with at least `percentile`% at or below it."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(percentile / 100 * len(ordered))) - 1]


def latency_of(replies: Sequence[RecordedReply]) -> Latency:
    per_turn = {reply.turn_id: reply.latency_ms for reply in replies}
    values = list(per_turn.values())
    if not values:
        return Latency(0, dict.fromkeys(PERCENTILES, 0), 0)
    return Latency(len(values), {p: nearest_rank(values, p) for p in PERCENTILES}, max(values))


def tally_reply(tally: Counter[str], reply: RecordedReply) -> None:
    """Count the reply: a question asked and answered, asked and declined, or a follow-up."""
    if reply.kind in ANSWER_KINDS:
        tally["asked"] += 1
        tally["answered"] += 1
    elif reply.kind in DECLINE_KINDS:
        tally["asked"] += 1
        tally["declined"] += 1
    elif reply.kind in FOLLOW_UP_KINDS:
        tally["follow_ups"] += 1


def days_of(replies: Sequence[RecordedReply]) -> tuple[Day, ...]:
    counts: dict[date, Counter[str]] = defaultdict(Counter)
    for reply in replies:
        tally_reply(counts[reply.created_at.date()], reply)
    return tuple(
        Day(day, tally["asked"], tally["answered"], tally["declined"], tally["follow_ups"])
        for day, tally in sorted(counts.items())
    )


def citations_of(replies: Sequence[RecordedReply], articles: Sequence[Article]) -> tuple[ArticleCitations, ...]:
    """Citations of each paragraph of each article (the articles in knowledge/, and any other
    that recorded answers cite)."""
    counts: dict[str, Counter[int]] = defaultdict(Counter)
    for reply in replies:
        for article, paragraph in reply.cited:
            counts[article][paragraph] += 1
    known = {article.stem: article for article in articles}
    result = []
    for stem in [article.stem for article in articles] + sorted(set(counts) - set(known)):
        cited = counts.get(stem, Counter())
        if stem in known:
            texts = tuple(paragraph.text for paragraph in known[stem].paragraphs)
            title = known[stem].title
        else:
            texts = ("",) * max(cited, default=0)
            title = stem
        length = max(len(texts), max(cited, default=0))
        texts += ("",) * (length - len(texts))
        counted = tuple(cited.get(n, 0) for n in range(1, length + 1))
        result.append(ArticleCitations(stem, title, counted, texts, in_knowledge=stem in known))
    return tuple(result)


def stories_of(replies: Sequence[RecordedReply], articles: Sequence[Article]) -> tuple[Story, ...]:
    """Per story readers asked beside, what they asked: most asked first."""
    tallies: dict[str, Counter[str]] = defaultdict(Counter)
    declined: dict[str, Counter[str]] = defaultdict(Counter)
    wording: dict[str, str] = {}  # a declined question as first asked, by its folded form
    for reply in replies:
        if reply.article is None:
            continue
        tally_reply(tallies[reply.article], reply)
        if reply.kind in DECLINE_KINDS:
            folded = " ".join(reply.question.casefold().split())
            wording.setdefault(folded, reply.question)
            declined[reply.article][folded] += 1
    stories = [
        Story(
            article,
            title_of(article, articles),
            tally["asked"],
            tally["answered"],
            tally["declined"],
            tuple((wording[folded], count) for folded, count in declined[article].most_common(STORY_DECLINES)),
        )
        for article, tally in tallies.items()
    ]
    return tuple(sorted(stories, key=lambda story: (-story.asked, story.title)))


def title_of(article: str, articles: Sequence[Article]) -> str:
    return next((item.title for item in articles if item.stem == article), article)


def build_report(
    replies: Sequence[RecordedReply],
    judgements: Sequence[Judgement],
    articles: Sequence[Article],
    embed: Embed,
    background: Vectors | None,
    since: date | None,
    now: datetime,
) -> Report:
    """The report of the recorded replies (already limited to `since`) and their judgements."""
    by_id = {reply.id: reply for reply in replies}
    judged = []
    for judgement in sorted(judgements, key=lambda item: item.created_at, reverse=True):
        reply = by_id.get(judgement.message_id)
        if reply is None or not (judgement.rating == "down" or judgement.comment):
            continue
        cited = tuple(Citation(article, title_of(article, articles), number) for article, number in reply.cited)
        judged.append(
            Judged(
                reply.question, reply.kind, reply.lead, judgement.rating, judgement.comment, cited, judgement.created_at
            )
        )
    ratings = Counter(judgement.rating for judgement in judgements if judgement.message_id in by_id)
    declined = [reply.question for reply in replies if reply.kind in DECLINE_KINDS]
    return Report(
        since=since,
        generated_at=now,
        days=days_of(replies),
        declined=tuple(group_questions(declined, embed, background)),
        up=ratings["up"],
        down=ratings["down"],
        judged=tuple(judged),
        articles=citations_of(replies, articles),
        latency=latency_of(replies),
        stories=stories_of(replies, articles),
    )
