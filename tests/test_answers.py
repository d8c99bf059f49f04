"""Tests for newsbot.answering.compose: composing an answer from hand-made search results (no model)."""

from __future__ import annotations

import pytest

from newsbot.answering import compose
from newsbot.answering.compose import MAX_PASSAGES, MAX_SIDES, SIDE_CUTOFF, side_names
from newsbot.channels.text import citation, render_text
from newsbot.domain import NARRATOR, Passage, Reply, ReplyKind, Side, Speaker, SpeakerKind
from newsbot.ingest.facts import ArticleFacts, SideFacts
from newsbot.retrieval.search import Hit, SearchResult

ARTICLE = "corbyn-jewish-leaders-talks"
TITLE = "Crunch talks between Jeremy Corbyn and Jewish community leaders"


# The kinds attribution gives the voices these tests use (anything else is a person's name).
KINDS = {
    NARRATOR: SpeakerKind.NARRATION,
    "the Board of Deputies and JLC": SpeakerKind.ORGANISATION,
    "the Board of Deputies": SpeakerKind.ORGANISATION,
    "the Board": SpeakerKind.ORGANISATION,
    "the JLC": SpeakerKind.ORGANISATION,
    "the Board of Deputies and JLC (joint statement)": SpeakerKind.JOINT_STATEMENT,
    "Labour sources": SpeakerKind.ANONYMOUS,
    "a Labour spokesman": SpeakerKind.ANONYMOUS,
    "a source": SpeakerKind.ANONYMOUS,
    "sources": SpeakerKind.ANONYMOUS,
    "one source": SpeakerKind.ANONYMOUS,
    "a representative": SpeakerKind.ANONYMOUS,
    "a JLC and Board representative": SpeakerKind.ANONYMOUS,
    "JLC and Board representatives": SpeakerKind.ANONYMOUS,
}
NO_FACTS = {ARTICLE: ArticleFacts()}


def voice(label: str) -> Speaker:
    return Speaker(label, KINDS.get(label, SpeakerKind.PERSON))


def compose_answer(result: SearchResult, facts: dict[str, ArticleFacts] | None = None) -> Reply:
    return compose.compose_answer(result, NO_FACTS if facts is None else facts)


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
        speaker=voice(speaker),
    )
    return Hit(passage=passage, score=score, dense=0.6, coverage=0.8)


def make_result(hits: list[Hit], answerable: bool = True) -> SearchResult:
    return SearchResult(question="How did the talks go?", answerable=answerable, confidence=0.9, hits=hits)


def shown_paragraphs(answer: Reply) -> list[int]:
    return [passage.paragraph for passage in answer.passages]


def test_unanswerable_result_is_declined() -> None:
    hits = [make_hit(3, 0.9, "Mr Corbyn met the leaders at his office.")]
    answer = compose_answer(make_result(hits, answerable=False))
    assert answer.answerable is False
    assert answer.contested is False
    assert answer.passages == ()
    assert answer.kind is ReplyKind.DECLINE
    assert answer.lead == "The article doesn't say. I found nothing that answers this question."
    assert answer.question == "How did the talks go?"


def test_a_decline_speaks_of_one_article_or_of_many() -> None:
    result = make_result([], answerable=False)
    many = compose.compose_answer(result, {ARTICLE: ArticleFacts(), "another": ArticleFacts()})
    assert many.lead == "The articles don't say. I found nothing that answers this question."
    unknown = SearchResult("What did Theresa May say?", False, 0.1, [], unknown_names=("Theresa May",))
    assert compose_answer(unknown).lead == "The article doesn't mention Theresa May, so I can't answer that from it."


def test_a_decline_carries_the_suggested_questions() -> None:
    reply = compose.compose_answer(make_result([], answerable=False), NO_FACTS, ["What did X say?"])
    assert reply.suggestions == ("What did X say?",)


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
    assert answer.passages == ()
    assert "Mark Gardner" in render_text(answer) and "quote" in render_text(answer)


def test_passages_are_shown_in_article_order() -> None:
    hits = [
        make_hit(20, 1.0, "Paragraph twenty."),
        make_hit(3, 0.9, "Paragraph three."),
        make_hit(11, 0.8, "Paragraph eleven."),
    ]
    answer = compose_answer(make_result(hits))
    assert answer.answerable
    assert shown_paragraphs(answer) == [3, 11, 20]
    assert render_text(answer).index("Paragraph three.") < render_text(answer).index("Paragraph eleven.")
    assert render_text(answer).index("Paragraph eleven.") < render_text(answer).index("Paragraph twenty.")


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
    assert "Just below the cutoff." not in render_text(answer)


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
    by_paragraph = {p.paragraph: p for p in answer.passages}
    goldstein = by_paragraph[7]
    assert (goldstein.speaker, goldstein.article, goldstein.title) == (voice("Jonathan Goldstein"), ARTICLE, TITLE)
    assert goldstein.score == 1.0
    assert citation(goldstein) == f"Jonathan Goldstein, paragraph 7 of “{TITLE}”"
    narrator = by_paragraph[3]
    assert narrator.speaker.kind is SpeakerKind.NARRATION
    assert citation(narrator) == f"the article itself, paragraph 3 of “{TITLE}”"
    for passage in answer.passages:
        assert f"— {citation(passage)}" in render_text(answer)


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
        assert text in render_text(answer)
    assert render_text(answer).startswith("Here is what the article says:")


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
    assert render_text(answer).startswith("The article gives different accounts")
    # Labour sources (4th) and Jeremy Corbyn (5th) ranked below the top MAX_PASSAGES yet are shown;
    # "a source" scored below the cutoff and is not.
    assert shown_paragraphs(answer) == [1, 2, 3, 22, 30]
    speakers = {p.speaker.label for p in answer.passages}
    assert {"the Board of Deputies and JLC", "Labour sources", "Jeremy Corbyn"} <= speakers
    assert "a source" not in speakers
    for _, _, text, _ in CONTESTED_HITS[:5]:
        assert text in render_text(answer)


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
    shown = {p.speaker.label for p in answer.passages}
    assert len(shown) == MAX_SIDES
    assert shown == set(speakers[:MAX_SIDES])


def test_different_speakers_without_a_disagreement_cue_are_not_contested() -> None:
    hits = [
        make_hit(paragraph, score, text.replace("rejected this, saying", "said"), speaker)
        for paragraph, score, text, speaker in CONTESTED_HITS
    ]
    answer = compose_answer(make_result(hits))
    assert not answer.contested
    assert render_text(answer).startswith("Here is what the article says:")
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
    assert answer.passages == ()
    assert not answer.contested


def derived_sides(labels: list[str]) -> list[list[str]]:
    """The sides side_names derives for voices of an article without facts, as sorted label lists."""
    named = side_names([(ARTICLE, voice(label)) for label in labels], NO_FACTS)
    groups: dict[str, list[str]] = {}
    for (_, speaker), side in named.items():
        groups.setdefault(side, []).append(speaker.label)
    return sorted(sorted(group) for group in groups.values())


def test_voices_whose_names_share_a_word_speak_for_one_side() -> None:
    found = derived_sides(
        [
            "the Board of Deputies and JLC (joint statement)",
            "a JLC and Board representative",
            "JLC and Board representatives",
            "Labour sources",
            "a Labour spokesman",
            "Jeremy Corbyn",
        ]
    )
    assert found == [
        [
            "JLC and Board representatives",
            "a JLC and Board representative",
            "the Board of Deputies and JLC (joint statement)",
        ],
        ["Jeremy Corbyn"],
        ["Labour sources", "a Labour spokesman"],
    ]


def test_a_voice_joining_two_sides_merges_them() -> None:
    assert derived_sides(["the Board", "the JLC", "JLC and Board representatives"]) == [
        ["JLC and Board representatives", "the Board", "the JLC"]
    ]


def test_the_narration_and_anonymous_sources_speak_for_no_side() -> None:
    assert derived_sides([NARRATOR, "a source", "sources", "one source", "a representative"]) == []


def test_an_articles_facts_name_its_sides() -> None:
    facts = {
        ARTICLE: ArticleFacts(
            sides=(
                SideFacts("Labour", ("Labour", "Jeremy Corbyn")),
                SideFacts("the community", ("Board", "JLC", "Jonathan Goldstein")),
            )
        )
    }
    labels = ["Jeremy Corbyn", "Labour sources", "Jonathan Goldstein", "a JLC and Board representative", "a source"]
    named = side_names([(ARTICLE, voice(label)) for label in labels], facts)
    assert {speaker.label: side for (_, speaker), side in named.items()} == {
        "Jeremy Corbyn": "Labour",
        "Labour sources": "Labour",
        "Jonathan Goldstein": "the community",
        "a JLC and Board representative": "the community",
    }
    hits = [
        make_hit(30, 1.0, "Mr Corbyn said the meeting had been positive.", "Jeremy Corbyn"),
        make_hit(7, 0.9, "Jonathan Goldstein attacked a series of excuses.", "Jonathan Goldstein"),
    ]
    reply = compose_answer(make_result(hits), facts)
    assert reply.contested
    assert reply.sides == (Side("the community", ("Jonathan Goldstein",)), Side("Labour", ("Jeremy Corbyn",)))


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
