"""Tests for newsbot.ingest.passages: sentence splitting, paragraph passages and sentence windows."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from conftest import KNOWLEDGE, SEED_ARTICLE

from newsbot.domain import NARRATION, NARRATOR, Highlight, Passage, Source, SpeakerKind
from newsbot.ingest.knowledge import Article, parse_article
from newsbot.ingest.passages import LONG_PARAGRAPH_WORDS, WINDOW_SENTENCES, passages_of, sentence_spans

SEED_FILE = KNOWLEDGE / f"{SEED_ARTICLE}.md"


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in sentence_spans(text)]


# --- sentence_spans ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It rained. Then it stopped.", ["It rained.", "Then it stopped."]),
        ("Stop! Who goes there? Nobody.", ["Stop!", "Who goes there?", "Nobody."]),
        ("Really?! Yes.", ["Really?!", "Yes."]),
        ("Mr. Smith arrived. He sat down.", ["Mr. Smith arrived.", "He sat down."]),
        ("Dr. Jones and Mrs. Brown met. They talked.", ["Dr. Jones and Mrs. Brown met.", "They talked."]),
        ("The report by J. Smith was late. It came.", ["The report by J. Smith was late.", "It came."]),
        ("J. R. R. Tolkien wrote it. Fans agree.", ["J. R. R. Tolkien wrote it.", "Fans agree."]),
        ("The U.S. Senate voted. It passed.", ["The U.S. Senate voted.", "It passed."]),
        ("He said “that is the end.” Next came lunch.", ["He said “that is the end.”", "Next came lunch."]),
        ('He said "that is the end." Next came lunch.', ['He said "that is the end."', "Next came lunch."]),
        ("It was over. “Never again,” he said.", ["It was over.", "“Never again,” he said."]),
        ("In 2018 it grew. 2019 was worse.", ["In 2018 it grew.", "2019 was worse."]),
        ("It cost 3.5 million. that is lower case.", ["It cost 3.5 million. that is lower case."]),
        ("No full stop at the end", ["No full stop at the end"]),
    ],
)
def test_sentence_spans(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_sentence_spans_cover_text_without_gaps_but_whitespace() -> None:
    text = "First one.   Second one!\nThird one? Fourth."
    spans = sentence_spans(text)
    assert len(spans) == 4
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert text[end:start].strip() == ""
        assert end < start


# --- the seed article --------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_article() -> Article:
    if not SEED_FILE.exists():
        pytest.skip(f"{SEED_FILE} is missing")
    return parse_article(SEED_FILE, SEED_FILE.read_bytes())


def test_seed_passages(seed_article: Article) -> None:
    passages = passages_of(seed_article)
    assert len(passages) == 33
    assert [p.id for p in passages] == [f"{SEED_ARTICLE}:p{n}" for n in range(1, 34)]
    assert [p.paragraph for p in passages] == list(range(1, 34))
    assert all(p.sentences is None for p in passages)
    assert all(p.article == SEED_ARTICLE and p.title == seed_article.title for p in passages)
    for passage, paragraph in zip(passages, seed_article.paragraphs, strict=True):
        assert passage.text == paragraph.text
        assert seed_article.body[passage.start : passage.end] == passage.text
    assert passages[30].speaker.label == "Jeremy Corbyn"
    assert passages[2].speaker.label == NARRATOR


# --- long paragraphs become sentence windows ---------------------------------------------

LONG_SENTENCES = [
    f"Jane Smith said that the council had voted on item {n} of the plan for the new road and the "
    f"bridge across the river{'!' if n == 3 else '.'}"
    for n in range(1, 8)
]
LONG_SENTENCES[4] = "Mr. Brown, who chairs the committee, agreed with the vote on the road and the bridge."
LONG_PARAGRAPH = " ".join(LONG_SENTENCES)


@pytest.fixture(scope="module")
def long_article() -> Article:
    raw = "---\ntitle: Road and bridge\n---\n\nA short opening paragraph.\n\n" + LONG_PARAGRAPH + "\n\nThe end.\n"
    return parse_article(Path("road-bridge.md"), raw.encode("utf-8"))


def test_long_paragraph_fixture_is_long() -> None:
    assert len(LONG_PARAGRAPH.split()) > LONG_PARAGRAPH_WORDS
    assert len(LONG_SENTENCES) > WINDOW_SENTENCES
    assert sentences(LONG_PARAGRAPH) == LONG_SENTENCES


def test_long_paragraph_becomes_windows(long_article: Article) -> None:
    passages = passages_of(long_article)
    assert [p.id for p in passages if p.paragraph != 2] == ["road-bridge:p1", "road-bridge:p3"]
    windows = [p for p in passages if p.paragraph == 2]
    ranges = [p.sentences for p in windows]
    assert ranges == [(1, 3), (3, 5), (5, 7)]
    assert [p.id for p in windows] == ["road-bridge:p2:s1-3", "road-bridge:p2:s3-5", "road-bridge:p2:s5-7"]
    covered: set[int] = set()
    for window in windows:
        assert window.sentences is not None
        first, last = window.sentences
        covered.update(range(first, last + 1))
        assert window.text == " ".join(LONG_SENTENCES[first - 1 : last])
        assert long_article.body[window.start : window.end] == window.text
        assert window.paragraph == 2
        assert window.speaker.label == "Jane Smith"
        assert window.title == "Road and bridge"
    assert covered == set(range(1, len(LONG_SENTENCES) + 1))
    paragraph = long_article.paragraphs[1]
    assert windows[0].start == paragraph.start
    assert windows[-1].end == paragraph.end
    # Consecutive windows overlap by one sentence.
    for previous, following in itertools.pairwise(ranges):
        assert previous is not None and following is not None
        assert following[0] == previous[1]


def test_long_paragraph_with_few_sentences_stays_whole() -> None:
    words = " ".join(["word"] * (LONG_PARAGRAPH_WORDS + 10))
    text = f"One {words}. Two more. Three."
    raw = f"---\ntitle: T\n---\n\n{text}\n"
    passages = passages_of(parse_article(Path("few.md"), raw.encode()))
    assert [(p.id, p.sentences, p.text) for p in passages] == [("few:p1", None, text)]


def test_passage_json_round_trip(long_article: Article) -> None:
    passages = passages_of(long_article)
    assert any(p.sentences is None for p in passages)
    assert any(p.sentences is not None for p in passages)
    for passage in passages:
        row = json.loads(json.dumps(passage.to_json(), ensure_ascii=False))
        assert Passage.from_json(row) == passage


# --- whose words: the narration's sentences before a voice's cue ---------------------------


def _passages(*paragraphs: str) -> list[Passage]:
    raw = "---\ntitle: T\n---\n\n" + "\n\n".join(paragraphs) + "\n"
    return passages_of(parse_article(Path("voices.md"), raw.encode()))


def test_sentences_before_a_reported_voice_are_the_narrations() -> None:
    text = (
        'In 1900, Tesla was granted patents for a "transmitter". The patents were upheld in 1903. '
        "The court declared that its decision had no bearing on the claim."
    )
    (passage,) = _passages(text)
    assert passage.speaker.label == "the court"
    assert passage.voice_from == text.index("The court")
    first = text.index(".") + 1
    assert passage.speaker_of(0, first).kind is SpeakerKind.NARRATION
    assert passage.speaker_of(0, len(text)).label == "the court"  # the cue's sentence among them
    assert passage.speaker_of(text.index("The court"), len(text)).label == "the court"
    assert Source.of(passage, highlight=Highlight(0, first)).speaker == NARRATION
    assert Source.of(passage).speaker.label == "the court"  # no highlight: the paragraph's voice


@pytest.mark.parametrize(
    "text",
    [
        'Anna Berg said that the bridge would reopen. "It is safe," she added.',  # the cue opens it
        "“We met. It went well,” said Anna Berg.",  # a quotation the cue closes
        '"We met. It went well," said Anna Berg.',  # the same, in straight quotes
    ],
)
def test_a_voice_speaks_from_its_quotation_or_its_cues_sentence(text: str) -> None:
    (passage,) = _passages(text)
    assert passage.speaker.label == "Anna Berg"
    assert passage.voice_from == 0
    assert passage.speaker_of(0, 5).label == "Anna Berg"


def test_windows_before_the_cue_are_the_narrations() -> None:
    narration = [
        f"The council met on day {n} to discuss the road and the old bridge across the wide river." for n in range(6)
    ]
    text = " ".join([*narration, "Jane Smith said that the bridge would be rebuilt by the end of the year."])
    assert len(text.split()) > LONG_PARAGRAPH_WORDS
    windows = _passages(text)
    assert [w.sentences for w in windows] == [(1, 3), (3, 5), (5, 7)]
    assert [w.speaker.label for w in windows] == [NARRATOR, NARRATOR, "Jane Smith"]
    assert [w.voice_from for w in windows] == [0, 0, windows[2].text.index("Jane Smith")]
    for window in windows:
        assert Passage.from_json(json.loads(json.dumps(window.to_json()))) == window


def test_a_voice_quoted_by_name_later_in_a_paragraph_speaks_its_quote() -> None:
    """ "Residents said ..." then '"...," said Mohammed Rahman': his quote is his, not the
    residents' (the one speaker of the paragraph was cited for it); in a window the voice that began
    before it speaks from its start; both survive the index's JSON."""
    text = (
        "Residents said the flood defences had never been built. "
        '"We were told the wall would be finished by 2024. It has not even started," said Mohammed Rahman, 52.'
    )
    (passage,) = _passages(text)
    quote = text.index('"We were')
    assert [(at, voice.label) for at, voice in passage.voices] == [(quote, "Mohammed Rahman")]
    assert passage.speaker_of(0, quote - 1).label == "residents"
    assert passage.speaker_of(quote, len(text)).label == "Mohammed Rahman"
    assert passage.speaker_of(text.index("It has"), len(text)).label == "Mohammed Rahman"
    assert Passage.from_json(json.loads(json.dumps(passage.to_json()))) == passage
    filler = [f"The river rose on day {n} and the council opened a rest centre in the old town hall." for n in range(6)]
    long_text = " ".join([text, *filler])
    assert len(long_text.split()) > LONG_PARAGRAPH_WORDS
    windows = _passages(long_text)
    assert windows[0].voices[0][1].label == "Mohammed Rahman"
    assert (
        windows[1].voices == ((0, windows[0].voices[0][1]),) and windows[1].speaker_of(0, 10).label == "Mohammed Rahman"
    )
    same = _passages('Mr Corbyn said the talks were good. "We are committed," said Mr Corbyn.')
    assert same[0].voices == ()  # the same voice again is no later voice


def test_a_long_apposition_still_names_the_voice() -> None:
    """'Dr Sam Patel, an expert in brain health at King's College London who was not involved in
    the research, said ...': his sentence is his (the apposition was too long to read, so his
    voice began at "But he warned" and this sentence was cited as the article's)."""
    text = (
        "Dr Sam Patel, an expert in brain health at King's College London who was not involved in the research, "
        "said the study was large and well designed. But he warned that it showed a link rather than proof."
    )
    (passage,) = _passages(text)
    assert passage.speaker.label == "Sam Patel" and passage.voice_from == 0
