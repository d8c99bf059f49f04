"""Tests for newsbot.answering.compose: composing an answer from hand-made search results (no model)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from newsbot.answering import compose
from newsbot.answering.compose import ANOTHER_FACT_WITHIN, MAX_MORE, side_names
from newsbot.channels.text import citation, render_text
from newsbot.domain import NARRATOR, Highlight, Passage, Reply, ReplyKind, Side, Speaker, SpeakerKind
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


def make_hit(
    paragraph: int, score: float, text: str, speaker: str = NARRATOR, start: int | None = None, answers: bool = True
) -> Hit:
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
    return Hit(passage, score, 0.6, 0.8, Highlight(0, len(text)), {}, answers)


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


@pytest.mark.parametrize(
    ("kind", "lead"),
    [
        ("duration", "The article doesn't say for how long, so I can't answer that from it."),
        ("time", "The article doesn't say when, so I can't answer that from it."),
        ("person", "The article doesn't say who, so I can't answer that from it."),
        ("number", "The article doesn't say how many or how much, so I can't answer that from it."),
        ("amount", "The article doesn't say how much, so I can't answer that from it."),
    ],
)
def test_a_decline_says_which_kind_of_answer_the_article_never_gives(kind: str, lead: str) -> None:
    result = SearchResult("how long has she been in post", False, 0.0, [], asks_for=kind, unheld_kind=kind)
    assert compose_answer(result).lead == lead
    many = compose.compose_answer(result, {ARTICLE: ArticleFacts(), "another": ArticleFacts()})
    assert many.lead.startswith("The articles don't say ") and many.lead.endswith("from them.")


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


def test_a_decline_says_the_article_does_not_name_its_source() -> None:
    declined = make_result([make_hit(6, 0.85, "One source added: “It was not a meeting of minds.”")], answerable=False)
    result = replace(declined, unnamed_source="the source")
    assert compose_answer(result).lead == "The article doesn't name the source, so I can't answer that from it."


def test_a_decline_names_the_voices_of_another_article() -> None:
    declined = make_result([make_hit(2, 0.7, "The charges will apply to all 600 spaces.")], answerable=False)
    result = replace(declined, voices_elsewhere=("Corbyn", "Goldstein"))
    answer = compose.compose_answer(result, {ARTICLE: ArticleFacts(), "another": ArticleFacts()})
    assert answer.kind is ReplyKind.DECLINE and answer.passages == ()
    assert answer.lead == (
        "The articles don't say that about Corbyn and Goldstein: where they mention Corbyn and Goldstein, "
        "I found nothing that answers it."
    )


# Scores are log-odds: a hit within ANOTHER_FACT_WITHIN of the lead is at least half as likely.
NEAR = ANOTHER_FACT_WITHIN / 2
FAR = ANOTHER_FACT_WITHIN * 2


def test_passages_are_shown_best_first() -> None:
    hits = [
        make_hit(20, 5.0, "Twenty: the formal talks took place in Parliament."),
        make_hit(3, 5.0 - NEAR, "Three: Corbyn had met the leaders."),
        make_hit(11, 5.0 - NEAR / 2, "Eleven: a letter set out six areas of action."),
    ]
    answer = compose_answer(make_result(hits))
    assert answer.answerable
    assert shown_paragraphs(answer) == [20, 11, 3]
    assert (
        render_text(answer).index("Twenty:")
        < render_text(answer).index("Eleven:")
        < render_text(answer).index("Three:")
    )


def test_windows_of_one_paragraph_are_in_text_order() -> None:
    later, earlier = "The cases will be dealt with by July.", "Formby is looking into expediting them."
    hits = [make_hit(5, 1.0, later, start=5200), make_hit(5, 1.0 - NEAR, earlier, start=5000)]
    answer = compose_answer(make_result(hits))
    assert [p.text for p in answer.passages] == [earlier, later]


def test_the_best_passage_leads_and_at_most_two_more_follow() -> None:
    facts = ["talks", "letter", "July", "Parliament", "education", "timetable", "Walker"]
    hits = [make_hit(p, 5.0 - p / 1000, f"{facts[p - 1]}.") for p in range(1, 8)]
    answer = compose_answer(make_result(hits))
    assert not answer.contested
    assert len(answer.passages) == 1 + MAX_MORE
    assert shown_paragraphs(answer) == [1, 2, 3]  # the best ones, not just any


def test_a_passage_far_less_likely_than_the_lead_adds_nothing() -> None:
    hits = [make_hit(9, 5.0, "The best passage."), make_hit(2, 5.0 - FAR, "A far weaker one.")]
    answer = compose_answer(make_result(hits))
    assert shown_paragraphs(answer) == [9]
    assert "A far weaker one." not in render_text(answer)


def test_a_passage_that_does_not_answer_on_its_own_adds_nothing() -> None:
    hits = [make_hit(9, 5.0, "The best passage."), make_hit(2, 5.0, "As likely, no answer.", answers=False)]
    assert shown_paragraphs(compose_answer(make_result(hits))) == [9]


def test_a_passage_repeating_the_lead_adds_nothing() -> None:
    hits = [
        make_hit(9, 5.0, "Corbyn met the Jewish leaders at his Westminster office."),
        make_hit(3, 5.0, "Mr Corbyn had met with the Jewish leaders at his Westminster office on Tuesday."),
        make_hit(12, 5.0, "The Board called the meeting a missed opportunity."),
    ]
    assert shown_paragraphs(compose_answer(make_result(hits))) == [9, 12]


def test_each_passage_is_cited() -> None:
    hits = [
        make_hit(7, 1.0, "Every excuse was wrapped up in process.", speaker="Jonathan Goldstein"),
        make_hit(3, 1.0 - NEAR, "Mr Corbyn met the leaders at his office."),
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


def test_rendered_text_quotes_every_passages_answer_verbatim() -> None:
    texts = [
        'Labour souces rejected this, saying the meeting was "positive and constructive."',
        "They said: “He failed to agree to any of the concrete actions we asked for in our letter.",
        "The formal meeting this afternoon … took place in Mr Corbyn's office — in Parliament.",
    ]
    hits = [
        make_hit(paragraph, 1.0 - i * NEAR / 2, text)
        for i, (paragraph, text) in enumerate(zip([2, 10, 22], texts, strict=True))
    ]
    answer = compose_answer(make_result(hits))
    assert [p.text for p in answer.passages] == texts
    for text in texts:
        assert text in render_text(answer)
    assert render_text(answer).startswith("Here is what the article says:")


# The lead is the Board's; Labour's voices answer too, further down, one of them disputing.
CONTESTED_HITS = [
    (1, 5.0, "The talks were described as not good by the Board of Deputies.", "the Board of Deputies and JLC"),
    (3, 5.0 - NEAR, "Mr Corbyn had met with leaders at his Westminster office.", NARRATOR),
    (22, 5.0 - NEAR, "The formal meeting took place in Mr Corbyn's office in Parliament.", NARRATOR),
    (2, 5.0 - FAR, "Labour sources rejected this, saying the meeting was positive.", "Labour sources"),
    (30, 5.0 - FAR, "Mr Corbyn himself said the meeting had been positive and constructive.", "Jeremy Corbyn"),
    (20, 5.0 - FAR, "A source said the meeting had been tense.", "a source"),
]


def test_a_contested_point_shows_the_other_sides_answer() -> None:
    # Labour's voices answer nearly as well as the lead (at least half as likely), one disputing.
    near = [
        (paragraph, 5.0 - NEAR if paragraph in (2, 30) else score, text, who)
        for paragraph, score, text, who in CONTESTED_HITS
    ]
    hits = sorted((make_hit(*row) for row in near), key=lambda hit: -hit.score)
    answer = compose_answer(make_result(hits))
    assert answer.contested
    assert render_text(answer).startswith("The article gives different accounts")
    # Without facts, voices whose names share no word are sides of their own; "a source" speaks
    # for no side.
    assert shown_paragraphs(answer) == [1, 2, 30]
    assert [side.name for side in answer.sides] == ["the Board of Deputies and JLC", "Labour sources", "Jeremy Corbyn"]


def test_under_the_sides_accounts_a_voice_of_neither_side_is_not_shown() -> None:
    # "how did the meeting go": Corbyn's "positive", the Board's "disappointing", and an
    # anonymous source's "tense" (of another meeting) as likely; shown third, under the sides'
    # labels, the source's words read as the Board's.
    facts = {
        ARTICLE: ArticleFacts(
            sides=(SideFacts("Labour", ("Labour", "Jeremy Corbyn")), SideFacts("the Board and the JLC", ("Board",)))
        )
    }
    hits = [
        make_hit(30, 5.0, "Mr Corbyn himself said the meeting had been positive and constructive.", "Jeremy Corbyn"),
        make_hit(9, 5.0 - NEAR, "The Board called the meeting a disappointing missed opportunity.", "the Board"),
        make_hit(20, 5.0 - NEAR, "A source said Monday's meeting had been tense.", "a source"),
    ]
    answer = compose_answer(make_result(hits), facts)
    assert answer.contested
    assert shown_paragraphs(answer) == [30, 9]
    # Not contested, the source's words are another fact, shown.
    calm = [replace(hits[1], passage=replace(hits[1].passage, text="The Board called the meeting long."))]
    assert shown_paragraphs(compose_answer(make_result([hits[0], *calm, hits[2]]), facts)) == [30, 9, 20]


def test_voices_of_two_stories_are_no_dispute() -> None:
    # "tell me a joke" over many stories drew Labour's "good humoured" and another story's
    # family calling a victim "funny", headed "The articles give different accounts".
    other = "guest-house-fire"
    family = make_hit(7, 5.0 - NEAR, "The Reyes family rejected this, saying Daniel was funny.", "the Reyes family")
    family = replace(family, passage=replace(family.passage, id=f"{other}:p7", article=other, title="Fire"))
    hits = [make_hit(2, 5.0, "Labour sources rejected this, saying it was good humoured.", "Labour sources"), family]
    answer = compose_answer(make_result(hits), {**NO_FACTS, other: ArticleFacts()})
    assert not answer.contested
    assert answer.sides == ()
    assert render_text(answer).startswith("Here is what the articles say:")
    assert shown_paragraphs(answer) == [2, 7]


def test_a_side_far_below_the_lead_does_not_answer_the_same_question() -> None:
    # Labour's voices dispute, but rank far below the lead: they answer something else, so the
    # answer is no dispute ("what did the Board call the talks?"); "the other side" still brings them.
    hits = [make_hit(paragraph, score, text, speaker) for paragraph, score, text, speaker in CONTESTED_HITS]
    answer = compose_answer(make_result(hits))
    assert not answer.contested
    assert render_text(answer).startswith("Here is what the article says:")
    assert shown_paragraphs(answer) == [1, 3]


def test_different_sides_without_a_disagreement_cue_are_not_contested() -> None:
    hits = [
        make_hit(paragraph, score, text.replace("rejected this, saying", "said"), speaker)
        for paragraph, score, text, speaker in CONTESTED_HITS
    ]
    answer = compose_answer(make_result(hits))
    assert not answer.contested
    assert answer.sides == ()
    assert render_text(answer).startswith("Here is what the article says:")
    assert shown_paragraphs(answer) == [1, 3]  # 22 says again where they met: no new fact


def test_disagreement_cue_from_a_single_side_is_not_contested() -> None:
    hits = [
        make_hit(2, 1.0, "Labour sources rejected this.", "Labour sources"),
        make_hit(3, 1.0 - NEAR, "The meeting was disputed and criticised.", NARRATOR),
        make_hit(24, 1.0 - NEAR, "Labour sources said it was positive.", "Labour sources"),
    ]
    assert not compose_answer(make_result(hits)).contested


def test_disagreement_cue_from_no_side_is_not_contested() -> None:
    # Two sides answer, but the only word of disagreement is an anonymous source's.
    hits = [
        make_hit(21, 1.0, "Nothing came as a surprise; the end result is so disappointing.", "a source"),
        make_hit(
            29, 1.0 - NEAR, "The representative confirmed a further meeting in July.", "a JLC and Board representative"
        ),
        make_hit(30, 1.0 - NEAR, "Mr Corbyn himself said the meeting had been positive.", "Jeremy Corbyn"),
    ]
    answer = compose_answer(make_result(hits))
    assert not answer.contested
    assert shown_paragraphs(answer) == [21, 29, 30]


def test_a_side_that_does_not_answer_makes_nothing_contested() -> None:
    hits = [
        make_hit(1, 1.0, "The Board called the talks poor.", "the Board"),
        make_hit(2, 1.0 - NEAR, "Labour sources rejected the claims.", "Labour sources", answers=False),
    ]
    assert not compose_answer(make_result(hits)).contested


def test_a_disagreement_outside_the_answering_sentences_makes_nothing_contested() -> None:
    # The reader asked about the CST; Labour's paragraph disagrees, but not in the sentence that answers.
    text = "The requests had not been rejected. The Labour leader asked the CST to help with education."
    labour = make_hit(24, 1.0 - NEAR, text, "Labour sources")
    labour = replace(labour, highlight=Highlight(text.index("The Labour"), len(text)))
    hits = [make_hit(1, 1.0, "The Board said the CST attended the talks.", "the Board"), labour]
    answer = compose_answer(make_result(hits))
    assert not answer.contested
    assert render_text(answer).startswith("Here is what the article says:")
    # The same disagreement in the answering sentence is contested.
    assert compose_answer(make_result([hits[0], replace(labour, highlight=Highlight(0, len(text)))])).contested


def test_a_question_asking_for_a_fact_is_never_contested() -> None:
    hits = [
        make_hit(23, 1.0, "The Board said the meeting lasted nearly two hours.", "the Board"),
        make_hit(2, 1.0 - NEAR, "Labour sources rejected this, saying it was an hour.", "Labour sources"),
    ]
    result = replace(make_result(hits), question="How long did the meeting last?", asks_for="duration")
    answer = compose_answer(result)
    assert not answer.contested
    assert shown_paragraphs(answer) == [23, 2]  # both facts, the likelier first, with no heading of accounts
    assert compose_answer(replace(result, asks_for=None)).contested


def test_a_question_naming_a_side_led_by_another_voice_also_shows_the_subject_sides_answer() -> None:
    facts = {
        ARTICLE: ArticleFacts(
            sides=(
                SideFacts("Labour", ("Labour", "Jeremy Corbyn")),
                SideFacts("the community", ("Board", "JLC")),
            )
        )
    }
    hits = [
        make_hit(18, 5.0, "We also commit to work with all those within Labour.", "the Board"),
        make_hit(20, 5.0 - FAR, "A source said the talks were tense.", "a source"),
        make_hit(24, 5.0 - FAR, "Labour sources said Mr Corbyn offered a personal lead.", "Labour sources"),
        make_hit(30, 5.0 - FAR, "Mr Corbyn said he would lead on education.", "Jeremy Corbyn"),
    ]
    result = replace(make_result(hits), question="What did Labour commit to?")
    named = replace(result, subject_sides=frozenset({(ARTICLE, "Labour")}))
    assert shown_paragraphs(compose.compose_answer(result, facts)) == [18]
    answer = compose.compose_answer(named, facts)
    assert shown_paragraphs(answer) == [18, 24]  # Labour's best answer, far below the lead; once
    assert not answer.contested
    # Led by the named side's own voice, nothing is added.
    led = replace(named, hits=[replace(hits[3], score=6.0), *hits[1:3]])
    assert shown_paragraphs(compose.compose_answer(led, facts)) == [30]
    # A named side with no answering hit adds nothing.
    silent = replace(named, hits=[*hits[:2], replace(hits[2], answers=False), replace(hits[3], answers=False)])
    assert shown_paragraphs(compose.compose_answer(silent, facts)) == [18]


def test_the_narration_reporting_a_subject_sides_voice_gives_that_sides_account() -> None:
    facts = {
        ARTICLE: ArticleFacts(
            sides=(
                SideFacts("Labour", ("Labour", "Jennie Formby", "Formby")),
                SideFacts("the community", ("Board", "JLC")),
            )
        )
    }
    hits = [
        make_hit(18, 5.0, "We also commit to work with all those within Labour.", "the Board"),
        make_hit(24, 5.0 - FAR, "Labour sources said the talks went well.", "Labour sources"),
        make_hit(25, 5.0 - FAR, "Ms Formby also committed to dealing with the cases by July.", NARRATOR),
    ]
    named = replace(
        make_result(hits), question="What did Labour commit to?", subject_sides=frozenset({(ARTICLE, "Labour")})
    )
    # The narration reporting Ms Formby outranks Labour sources' own words: it is Labour's best account.
    reported_first = replace(named, hits=[hits[0], hits[2], hits[1]])
    assert shown_paragraphs(compose.compose_answer(reported_first, facts)) == [18, 25]
    # Led by the narration reporting her, nothing is added.
    led = replace(named, hits=[replace(hits[2], score=6.0), hits[0], hits[1]])
    assert shown_paragraphs(compose.compose_answer(led, facts)) == [25]
    # A voice reported outside the answering sentences is no account of the side.
    elsewhere = make_hit(25, 5.0 - FAR, "It was agreed. Ms Formby also committed to it.", NARRATOR)
    elsewhere = replace(elsewhere, highlight=Highlight(0, len("It was agreed.")))
    assert shown_paragraphs(compose.compose_answer(replace(named, hits=[hits[0], elsewhere, hits[1]]), facts)) == [
        18,
        24,
    ]


@pytest.mark.parametrize("cue", ["rejected", "denied", "disputes", "dismissed", "refused", "However,"])
def test_disagreement_cues(cue: str) -> None:
    hits = [
        make_hit(1, 1.0, "The Board called the talks poor.", "the Board"),
        make_hit(24, 1.0 - NEAR, f"Labour sources {cue} the claims.", "Labour sources"),
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


def test_voices_of_two_stories_never_share_a_side() -> None:
    speakers = [(ARTICLE, voice("Labour sources")), ("rail-strike", voice("a Labour spokesman"))]
    named = side_names(speakers, {ARTICLE: ArticleFacts(), "rail-strike": ArticleFacts()})
    assert named == {speakers[0]: "Labour sources", speakers[1]: "a Labour spokesman"}


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
    assert reply.sides == (Side("Labour", ("Jeremy Corbyn",)), Side("the community", ("Jonathan Goldstein",)))


def test_voices_of_one_side_are_not_contested() -> None:
    hits = [
        make_hit(14, 1.0, "They did not agree with our proposals.", "the Board of Deputies and JLC (joint statement)"),
        make_hit(5, 0.9, "The IHRA definition was made clear.", NARRATOR),
        make_hit(27, 0.8, "They would not commit to adopting it.", "a JLC and Board representative"),
        make_hit(26, 0.7, "The Labour leader couldn't quite get there.", "JLC and Board representatives"),
    ]
    answer = compose_answer(make_result(hits))
    assert not answer.contested
    assert shown_paragraphs(answer) == [14, 5, 27]


def test_an_anonymous_source_is_not_added_as_a_side() -> None:
    hits = [
        make_hit(18, 1.0, "We also commit to work with Labour.", "the Board of Deputies and JLC (joint statement)"),
        make_hit(24, 0.95, "The requests had not been rejected.", "Labour sources"),
        make_hit(27, 0.9, "The leader would not adopt the definition in full.", "a JLC and Board representative"),
        make_hit(8, 0.8, "Mr Goldstein told the Labour leader about his parents.", "a source"),
    ]
    answer = compose_answer(make_result(hits))
    assert answer.contested
    assert shown_paragraphs(answer) == [18, 24, 27]
