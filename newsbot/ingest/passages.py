"""Splitting articles into passages: a paragraph, or sentence windows of a long one."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from newsbot.attribution import QUOTE, REPORTED, Attribution, attribute_paragraphs
from newsbot.domain import NARRATION, Passage
from newsbot.ingest.knowledge import Article, Paragraph

# A sentence ends at . ! ? (optionally followed by closing quotes or brackets) before
# whitespace and an upper-case letter, digit or opening quote, unless the word before is
# a common abbreviation or a single initial.
SENTENCE_END = re.compile(r"""[.!?]+["'”’)\]]*(?=\s+["'“‘(\[]?[A-Z0-9])""")


@lru_cache(maxsize=1)
def abbreviations() -> frozenset[str]:
    """Words that end with a full stop without ending a sentence (data/abbreviations.txt)."""
    text = resources.files("newsbot.ingest").joinpath("data", "abbreviations.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


LONG_PARAGRAPH_WORDS = 120
WINDOW_SENTENCES = 3


def sentence_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for match in SENTENCE_END.finditer(text):
        before = text[start : match.start()].split()
        last_word = before[-1].lower().rstrip(".") if before else ""
        if last_word in abbreviations() or (len(last_word) == 1 and last_word.isalpha()):
            continue
        spans.append((start, match.end()))
        start = match.end()
        while start < len(text) and text[start].isspace():
            start += 1
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def voice_start(text: str, attribution: Attribution, spans: list[tuple[int, int]]) -> int:
    """Where the attributed voice's words begin in a paragraph: at the sentence that holds the
    attribution's cue ("In 1900, Tesla was granted patents ... The court declared that ..."): the
    sentences before it are the narration's, unless one opens a quotation that it does not
    close ("“We met. It went well,” she said."), which the voice then speaks from. A quotation
    closed in its sentence ("a series of “excuses”") leaves the sentence to the narration."""
    if attribution.how not in (QUOTE, REPORTED):
        return 0
    for start, end in spans:
        if attribution.at < end or _opens_quotation(text[start:end]):
            return start
    return 0


def _opens_quotation(sentence: str) -> bool:
    return sentence.count("“") > sentence.count("”") or sentence.count('"') % 2 == 1


def _passage(
    article: Article,
    paragraph: Paragraph,
    attribution: Attribution,
    span: tuple[int, int],
    sentences: tuple[int, int] | None,
    voice_from: int = 0,
) -> Passage:
    start, end = span
    suffix = f":s{sentences[0]}-{sentences[1]}" if sentences else ""
    speaker = attribution.speaker
    # A later voice that begins before the window speaks from its start.
    voices = tuple((max(0, at - start), voice) for at, voice in attribution.voices if at < end)
    if voice_from >= end:
        speaker, voice_from, voices = NARRATION, 0, ()  # a window of the narration's sentences only
    return Passage(
        id=f"{article.stem}:p{paragraph.number}{suffix}",
        article=article.stem,
        title=article.title,
        paragraph=paragraph.number,
        sentences=sentences,
        start=paragraph.start + start,
        end=paragraph.start + end,
        text=paragraph.text[start:end],
        speaker=speaker,
        voice_from=max(0, voice_from - start),
        voices=voices,
    )


def passages_of(article: Article) -> list[Passage]:
    speakers = attribute_paragraphs([p.text for p in article.paragraphs])
    passages: list[Passage] = []
    for paragraph, attribution in zip(article.paragraphs, speakers, strict=True):
        spans = sentence_spans(paragraph.text)
        voice = voice_start(paragraph.text, attribution, spans)
        if len(paragraph.text.split()) <= LONG_PARAGRAPH_WORDS or len(spans) <= WINDOW_SENTENCES:
            passages.append(_passage(article, paragraph, attribution, (0, len(paragraph.text)), None, voice))
            continue
        # Overlapping windows (stride one sentence less than the window) so that no
        # sentence pair that belongs together is cut apart.
        stride = max(1, WINDOW_SENTENCES - 1)
        first = 0
        while True:
            last = min(first + WINDOW_SENTENCES, len(spans)) - 1
            span = (spans[first][0], spans[last][1])
            passages.append(_passage(article, paragraph, attribution, span, (first + 1, last + 1), voice))
            if last == len(spans) - 1:
                break
            first += stride
    return passages
