"""Tests for newsbot.answering.compose: composing an answer from hand-made search results (no model)."""

from __future__ import annotations

import pytest

from newsbot.answering.compose import (
    DECLINE_TEXT,
    MAX_PASSAGES,
    MAX_SIDES,
    SIDE_CUTOFF,
    Answer,
    Citation,
    compose_answer,
    sides,
)
from newsbot.attribution.rules import NARRATOR
from newsbot.ingest.passages import Passage
from newsbot.retrieval.search import Hit, SearchResult

ARTICLE = "corbyn-jewish-leaders-talks"
TITLE = "Crunch talks between Jeremy Corbyn and Jewish community leaders"


def make_hit(paragraph: int, score: float, text: str, speaker: str = NARRATOR, start: int | None = None) -> Hit:
    offset = paragraph * 1000 if start is None else start
    passage = Passage(
        id=f"{ARTICLE}:p{paragraph}",
        article=ARTICLE,
        title=TITLE,
        paragraph=paragraph,
        sentences=None,
        start=offset,
        end=offset + len(text),
        text=text,
        speaker=speaker,
    )
    return Hit(passage=passage, score=score, dense=0.6, coverage=0.8)


def make_result(hits: list[Hit], answerable: bool = True) -> SearchResult:
    return SearchResult(question="How did the talks go?", answerable=answerable, confidence=0.9, hits=hits)


def shown_paragraphs(answer: Answer) -> list[int]:
    return [passage.citation.paragraph for passage in answer.passages]


def test_unanswerable_result_is_declined() -> None:
    hits = [make_hit(3, 0.9, "Mr Corbyn met the leaders at his office.")]
    answer = compose_answer(make_result(hits, answerable=False))
    assert answer.answerable is False
    assert answer.contested is False
    assert answer.passages == []
    assert answer.text == DECLINE_TEXT
    assert answer.question == "How did the talks go?"


def test_a_decline_names_whom_the_articles_never_quote() -> None:
    result = SearchResult(
        question="What did Mark Gardner say?",
        answerable=False,
        confidence=0.9,
        hits=[make_hit(23, 0.9, "Also in attendance was Mark Gardner.")],
        unquoted_names=("Mark Gardner",),
    )
    answer = compose_answer(result)
    assert answer.answerable is False
    assert answer.passages == []
    assert "Mark Gardner" in answer.text and "quote" in answer.text


def test_passages_are_shown_in_article_order() -> None:
    hits = [
        make_hit(20, 1.0, "Paragraph twenty."),
        make_hit(3, 0.9, "Paragraph three."),
        make_hit(11, 0.8, "Paragraph eleven."),
    ]
    answer = compose_answer(make_result(hits))
    assert answer.answerable
    assert shown_paragraphs(answer) == [3, 11, 20]
    assert answer.text.index("Paragraph three.") < answer.text.index("Paragraph eleven.")
    assert answer.text.index("Paragraph eleven.") < answer.text.index("Paragraph twenty.")


def test_windows_of_one_paragraph_are_in_text_order() -> None:
    hits = [make_hit(5, 1.0, "Later sentences.", start=5200), make_hit(5, 0.9, "Earlier sentences.", start=5000)]
    answer = compose_answer(make_result(hits))
    assert [p.text for p in answer.passages] == ["Earlier sentences.", "Later sentences."]


def test_at_most_max_passages_when_not_contested() -> None:
    hits = [make_hit(paragraph, 1.0 - paragraph / 100, f"Passage {paragraph}.") for paragraph in range(1, 8)]
    answer = compose_answer(make_result(hits))
    assert not answer.contested
    assert len(answer.passages) == MAX_PASSAGES
    # The best MAX_PASSAGES hits, not just any.
    assert shown_paragraphs(answer) == [1, 2, 3]


def test_hits_below_the_side_cutoff_are_left_out() -> None:
    hits = [
        make_hit(9, 1.0, "The best passage."),
        make_hit(2, SIDE_CUTOFF + 0.01, "Just above the cutoff."),
        make_hit(4, SIDE_CUTOFF - 0.01, "Just below the cutoff."),
    ]
    answer = compose_answer(make_result(hits))
    assert shown_paragraphs(answer) == [2, 9]
    assert "Just below the cutoff." not in answer.text


def test_cutoff_is_relative_to_the_top_score() -> None:
    hits = [make_hit(1, 0.4, "Top."), make_hit(2, 0.4 * SIDE_CUTOFF + 0.01, "Kept."), make_hit(3, 0.1, "Dropped.")]
    answer = compose_answer(make_result(hits))
    assert shown_paragraphs(answer) == [1, 2]


def test_each_passage_is_cited() -> None:
    hits = [
        make_hit(7, 1.0, "Every excuse was wrapped up in process.", speaker="Jonathan Goldstein"),
        make_hit(3, 0.9, "Mr Corbyn met the leaders at his office."),
    ]
    answer = compose_answer(make_result(hits))
    by_paragraph = {p.citation.paragraph: p for p in answer.passages}
    goldstein = by_paragraph[7].citation
    assert goldstein == Citation(speaker="Jonathan Goldstein", article=ARTICLE, title=TITLE, paragraph=7)
    assert by_paragraph[7].score == 1.0
    assert str(goldstein) == f"Jonathan Goldstein, paragraph 7 of “{TITLE}”"
    narrator = by_paragraph[3].citation
    assert narrator.speaker == NARRATOR
    assert str(narrator).startswith("the article, paragraph 3 of ")
    assert TITLE in str(narrator)
    for passage in answer.passages:
        assert f"— {passage.citation}" in answer.text


def test_rendered_text_contains_every_passage_verbatim() -> None:
    texts = [
        'Labour souces rejected this, saying the meeting was "positive and constructive."',
        "They said: “He failed to agree to any of the concrete actions we asked for in our letter.",
        "The formal meeting this afternoon … took place in Mr Corbyn's office — in Parliament.",
    ]
    hits = [
        make_hit(paragraph, 1.0 - i / 10, text)
        for i, (paragraph, text) in enumerate(zip([2, 10, 22], texts, strict=True))
    ]
    answer = compose_answer(make_result(hits))
    assert [p.text for p in answer.passages] == texts
    for text in texts:
        assert text in answer.text
    assert answer.text.startswith("Here is what the article says:")


# Near-top hits: three narrator passages lead, two other speakers rank below MAX_PASSAGES.
CONTESTED_HITS = [
    (1, 1.0, "The talks were described as not good by the Board of Deputies.", "the Board of Deputies and JLC"),
    (3, 0.95, "Mr Corbyn had met with leaders at his Westminster office.", NARRATOR),
    (22, 0.9, "The formal meeting took place in Mr Corbyn's office in Parliament.", NARRATOR),
    (2, 0.8, "Labour sources rejected this, saying the meeting was positive.", "Labour sources"),
    (30, 0.7, "Mr Corbyn himself said the meeting had been positive and constructive.", "Jeremy Corbyn"),
    (20, SIDE_CUTOFF - 0.05, "A source said the meeting had been tense.", "a source"),
]


def test_contested_point_shows_each_speakers_best_passage() -> None:
    hits = [make_hit(paragraph, score, text, speaker) for paragraph, score, text, speaker in CONTESTED_HITS]
    answer = compose_answer(make_result(hits))
    assert answer.contested
    assert answer.text.startswith("The article gives different accounts")
    # Labour sources (4th) and Jeremy Corbyn (5th) ranked below the top MAX_PASSAGES yet are shown;
    # "a source" scored below the cutoff and is not.
    assert shown_paragraphs(answer) == [1, 2, 3, 22, 30]
    speakers = {p.citation.speaker for p in answer.passages}
    assert {"the Board of Deputies and JLC", "Labour sources", "Jeremy Corbyn"} <= speakers
    assert "a source" not in speakers
    for _, _, text, _ in CONTESTED_HITS[:5]:
        assert text in answer.text


def test_contested_point_shows_only_the_best_passage_of_each_extra_speaker() -> None:
    hits = [
        make_hit(1, 1.0, "The Board called the talks disappointing.", "the Board"),
        make_hit(3, 0.95, "Narration.", NARRATOR),
        make_hit(4, 0.9, "More narration.", NARRATOR),
        make_hit(24, 0.8, "Labour sources said the meeting had been positive.", "Labour sources"),
        make_hit(2, 0.7, "Labour sources rejected this.", "Labour sources"),
    ]
    answer = compose_answer(make_result(hits))
    assert answer.contested
    assert shown_paragraphs(answer) == [1, 3, 4, 24]


def test_contested_point_shows_at_most_max_sides_speakers() -> None:
    speakers = ["Ann Ash", "Bob Birch", "Cy Cedar", "Di Dogwood", "Ed Elm", "Flo Fir", "Gus Gum"]
    hits = [
        make_hit(index + 1, 1.0 - index / 20, f"{speaker} rejected this.", speaker)
        for index, speaker in enumerate(speakers)
    ]
    answer = compose_answer(make_result(hits))
    assert answer.contested
    shown = {p.citation.speaker for p in answer.passages}
    assert len(shown) == MAX_SIDES
    assert shown == set(speakers[:MAX_SIDES])


def test_different_speakers_without_a_disagreement_cue_are_not_contested() -> None:
    hits = [
        make_hit(paragraph, score, text.replace("rejected this, saying", "said"), speaker)
        for paragraph, score, text, speaker in CONTESTED_HITS
    ]
    answer = compose_answer(make_result(hits))
    assert not answer.contested
    assert answer.text.startswith("Here is what the article says:")
    assert shown_paragraphs(answer) == [1, 3, 22]


def test_disagreement_cue_from_a_single_speaker_is_not_contested() -> None:
    hits = [
        make_hit(2, 1.0, "Labour sources rejected this.", "Labour sources"),
        make_hit(3, 0.9, "The meeting was disputed and criticised.", NARRATOR),
        make_hit(24, 0.8, "Labour sources said it was positive.", "Labour sources"),
    ]
    answer = compose_answer(make_result(hits))
    assert not answer.contested


def test_disagreement_cue_from_no_side_is_not_contested() -> None:
    # Two sides near the top, but the only word of disagreement is an anonymous source's.
    hits = [
        make_hit(21, 1.0, "Nothing came as a surprise; the end result is so disappointing.", "a source"),
        make_hit(29, 0.9, "The representative confirmed a further meeting in July.", "a JLC and Board representative"),
        make_hit(30, 0.8, "Mr Corbyn himself said the meeting had been positive.", "Jeremy Corbyn"),
        make_hit(3, 0.7, "The talks were criticised.", NARRATOR),
    ]
    answer = compose_answer(make_result(hits))
    assert not answer.contested
    assert shown_paragraphs(answer) == [21, 29, 30]


def test_disagreement_cue_below_the_cutoff_does_not_make_it_contested() -> None:
    hits = [
        make_hit(1, 1.0, "The Board called the talks poor.", "the Board"),
        make_hit(24, 0.9, "Labour sources said it was positive.", "Labour sources"),
        make_hit(2, SIDE_CUTOFF - 0.1, "Labour sources rejected this.", "Labour sources"),
    ]
    answer = compose_answer(make_result(hits))
    assert not answer.contested


@pytest.mark.parametrize("cue", ["rejected", "denied", "disputes", "dismissed", "refused", "However,"])
def test_disagreement_cues(cue: str) -> None:
    hits = [
        make_hit(1, 1.0, "The Board called the talks poor.", "the Board"),
        make_hit(24, 0.9, f"Labour sources {cue} the claims.", "Labour sources"),
    ]
    assert compose_answer(make_result(hits)).contested


def test_answerable_result_without_hits_has_no_passages() -> None:
    answer = compose_answer(make_result([]))
    assert answer.answerable
    assert answer.passages == []
    assert not answer.contested


def test_voices_whose_names_share_a_word_speak_for_one_side() -> None:
    found = sides(
        {
            "the Board of Deputies and JLC (joint statement)",
            "a JLC and Board representative",
            "JLC and Board representatives",
            "Labour sources",
            "a Labour spokesman",
            "Jeremy Corbyn",
        }
    )
    assert sorted(sorted(side) for side in found) == [
        [
            "JLC and Board representatives",
            "a JLC and Board representative",
            "the Board of Deputies and JLC (joint statement)",
        ],
        ["Jeremy Corbyn"],
        ["Labour sources", "a Labour spokesman"],
    ]


def test_a_voice_joining_two_sides_merges_them() -> None:
    assert sides({"the Board", "the JLC", "JLC and Board representatives"}) == [
        frozenset({"the Board", "the JLC", "JLC and Board representatives"})
    ]


def test_the_narration_and_anonymous_sources_speak_for_no_side() -> None:
    assert sides({NARRATOR, "a source", "sources", "one source", "a representative"}) == []


def test_voices_of_one_side_are_not_contested() -> None:
    hits = [
        make_hit(14, 1.0, "They did not agree with our proposals.", "the Board of Deputies and JLC (joint statement)"),
        make_hit(5, 0.9, "The IHRA definition was made clear.", NARRATOR),
        make_hit(27, 0.8, "They would not commit to adopting it.", "a JLC and Board representative"),
        make_hit(26, 0.7, "The Labour leader couldn't quite get there.", "JLC and Board representatives"),
    ]
    answer = compose_answer(make_result(hits))
    assert not answer.contested
    assert shown_paragraphs(answer) == [5, 14, 27]


def test_an_anonymous_source_is_not_added_as_a_side() -> None:
    hits = [
        make_hit(18, 1.0, "We also commit to work with Labour.", "the Board of Deputies and JLC (joint statement)"),
        make_hit(24, 0.95, "The requests had not been rejected.", "Labour sources"),
        make_hit(27, 0.9, "They would not commit.", "a JLC and Board representative"),
        make_hit(8, 0.8, "Mr Goldstein told the Labour leader about his parents.", "a source"),
    ]
    answer = compose_answer(make_result(hits))
    assert answer.contested
    assert shown_paragraphs(answer) == [18, 24, 27]
