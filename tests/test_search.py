"""Tests for retrieval: BM25, the acronym lexicon, answer types, and the Searcher on the seed index."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from conftest import MODEL, write_article

from newsbot.dialogue.topics import shaping_for
from newsbot.domain import Highlight, SpeakerKind
from newsbot.ingest.passages import sentence_spans
from newsbot.retrieval import search as search_module
from newsbot.retrieval.answer_types import (
    asks_amount,
    counted_stems,
    expected_answer_type,
    holds_amount,
    holds_answer_type,
    holds_count_of,
    without_asking_words,
)
from newsbot.retrieval.bm25 import BM25, COMMON_UNKNOWN_SHARE, FUZZY_WEIGHT, stem, unknown_word_share, words
from newsbot.retrieval.embeddings import encode_tokens
from newsbot.retrieval.index import build_index, load_index
from newsbot.retrieval.lexicon import Lexicon
from newsbot.retrieval.onnx_encoder import TokenStates
from newsbot.retrieval.search import (
    MAX_QUESTION_CHARS,
    Candidates,
    Hit,
    Mode,
    QuestionError,
    Searcher,
    SearchResult,
    Sentence,
    Shaping,
    anaphors,
    check_question,
    pooled,
    reported_names,
    source_of,
    unheld_kind,
)
from newsbot.retrieval.tokens import NO_MATCH
from newsbot.retrieval.wordlists import spelled_out
from newsbot.settings import PROJECT_ROOT

SEED_ARTICLE = "corbyn-jewish-leaders-talks"

# ---------------------------------------------------------------------------------------------
# BM25
# ---------------------------------------------------------------------------------------------

DOCUMENTS = [
    "Labour committed to tackling anti-Semitism in the party.",  # 0
    "Ken Livingstone was suspended from the party for his remarks.",  # 1
    "Jonathan Goldstein attacked a series of excuses after the meeting.",  # 2
    "The weather in Paris was mild and sunny all week.",  # 3
    "The leader made a commitment to education on antisemitism.",  # 4
    "Members of the council voted on the budget for next year.",  # 5
]


@pytest.fixture(scope="module")
def bm25() -> BM25:
    return BM25(DOCUMENTS)


def _holders(scores: list[float]) -> set[int]:
    return {i for i, score in enumerate(scores) if score > 0}


def test_stemming_conflates_inflections() -> None:
    assert stem("committed") == stem("commitment") == stem("commit")


@pytest.mark.parametrize("query", ["commit", "committed", "commitment", "commits"])
def test_inflections_match_the_same_documents(bm25: BM25, query: str) -> None:
    # Document 0 has "committed", document 4 "commitment": any inflection finds both, nothing else.
    assert _holders(bm25.scores(query).tolist()) == {0, 4}


def test_hyphenated_word_gives_its_parts_and_joined_form() -> None:
    assert words("anti-Semitism") == ["anti", "semitism", "antisemitism"]


@pytest.mark.parametrize("query", ["antisemitism", "anti-Semitism", "Anti-semitism"])
def test_hyphenated_and_joined_spellings_match_each_other(bm25: BM25, query: str) -> None:
    # Document 0 writes "anti-Semitism", document 4 "antisemitism".
    assert _holders(bm25.scores(query).tolist()) == {0, 4}


@pytest.mark.parametrize(("query", "document"), [("Livingston", 1), ("Goldstien", 2), ("Livingstne", 1)])
def test_misspelled_name_still_scores_the_right_document(bm25: BM25, query: str, document: int) -> None:
    scores = bm25.scores(query).tolist()
    assert scores[document] > 0
    assert _holders(scores) == {document}


def test_unknown_word_is_matched_through_close_spellings(bm25: BM25) -> None:
    assert bm25.close_terms("goldstien") == [stem("goldstein")]
    assert bm25.query_terms("Goldstien") == [(stem("goldstein"), FUZZY_WEIGHT)]
    assert bm25.query_terms("Goldstein") == [(stem("goldstein"), 1.0)]


@pytest.mark.parametrize("query", ["what was it that they did", "the and of a", "Who? Why? When?"])
def test_stopwords_only_query_scores_zero(bm25: BM25, query: str) -> None:
    assert not bm25.scores(query).any()
    assert not bm25.coverage(query).any()


@pytest.mark.parametrize(
    "query",
    [
        "Jonathan Goldstein attacked excuses",
        "labour antisemitism commitment",
        "weather Paris",
        "Goldstien excuses",
        "unknownword party",
        "commit committed commitment",
    ],
)
def test_coverage_is_a_share(bm25: BM25, query: str) -> None:
    coverage = bm25.coverage(query)
    assert coverage.shape == (len(DOCUMENTS),)
    assert float(coverage.min()) >= 0.0
    assert float(coverage.max()) <= 1.0


@pytest.mark.parametrize(
    ("query", "document"),
    [
        ("Jonathan Goldstein attacked excuses", 2),
        ("What did Jonathan Goldstein attack?", 2),
        ("weather in Paris", 3),
        ("Labour committed", 0),
    ],
)
def test_coverage_is_one_for_a_document_holding_every_query_word(bm25: BM25, query: str, document: int) -> None:
    coverage = bm25.coverage(query).tolist()
    assert coverage[document] == pytest.approx(1.0)
    assert all(value < 1.0 for i, value in enumerate(coverage) if i != document)


def test_coverage_is_partial_for_a_document_holding_some_query_words(bm25: BM25) -> None:
    coverage = bm25.coverage("Goldstein weather").tolist()
    assert 0.0 < coverage[2] < 1.0
    assert 0.0 < coverage[3] < 1.0
    assert coverage[0] == 0.0


@pytest.mark.parametrize(("common", "rare"), [("next", "brexit"), ("promise", "bitcoin"), ("purpose", "eiffel")])
def test_unknown_words_weigh_more_the_rarer_they_are_in_english(common: str, rare: str) -> None:
    assert COMMON_UNKNOWN_SHARE <= unknown_word_share(common) < unknown_word_share(rare) <= 1.0


def test_a_missing_common_word_costs_less_coverage_than_a_missing_rare_one(bm25: BM25) -> None:
    # Neither word is in the documents; document 1 holds the rest of both questions.
    common = bm25.coverage("when was Livingstone next suspended").tolist()
    rare = bm25.coverage("when was Livingstone suspended over brexit").tolist()
    assert 0.0 < rare[1] < common[1] < 1.0


def test_a_question_of_unknown_words_only_has_no_coverage(bm25: BM25) -> None:
    assert not bm25.coverage("what happens tomorrow").any()


def test_what_a_question_leans_on_weighs_less_than_its_own_words(bm25: BM25) -> None:
    # "what did goldstein say after the meeting" leaned on "the council's budget vote": the
    # meeting is what it asks about, the vote only where it came from.
    own, context = "goldstein meeting", "council budget voted"
    even = bm25.scores(own, context=context).tolist()
    leaning = bm25.scores(own, context=context, context_weight=0.5).tolist()
    assert leaning[2] == pytest.approx(even[2]) and leaning[5] == pytest.approx(even[5] / 2)
    covered_evenly = bm25.coverage(own, context=context).tolist()
    assert covered_evenly[5] > covered_evenly[2]  # three words of five against two
    covered = bm25.coverage(own, context=context, context_weight=0.5).tolist()
    assert covered[2] > covered[5]  # two words of its own against three at half their weight
    assert sum(weight for _, weight, _ in bm25.weighted_terms(own, context, 0.5)) < sum(
        weight for _, weight, _ in bm25.weighted_terms(f"{own} {context}")
    )


# ---------------------------------------------------------------------------------------------
# Lexicon
# ---------------------------------------------------------------------------------------------

LEXICON_TEXTS = [
    "Mr Corbyn met leaders of the Jewish Leadership Council at his office.",
    "Also in attendance was Mark Gardner, director of communications at the Community Security Trust.",
    "Jeremy Corbyn said the meeting had been positive.",
]


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon(LEXICON_TEXTS)


def test_acronym_expands_to_full_name(lexicon: Lexicon) -> None:
    assert "Jewish Leadership Council" in lexicon.alternatives("what does the JLC do")
    assert "Jewish Leadership Council" in lexicon.alternatives("what does the jlc do")


def test_full_name_gives_its_acronym(lexicon: Lexicon) -> None:
    assert "CST" in lexicon.alternatives("who runs the community security trust")
    assert "JLC" in lexicon.alternatives("What is the Jewish Leadership Council?")


def test_name_after_a_person_of_the_organisation_still_gives_its_acronym() -> None:
    # "<person> of the <organisation>" is how news text often names an organisation.
    lexicon = Lexicon(["Mark Gardner of the Community Security Trust attended the meeting."])
    assert "CST" in lexicon.alternatives("who runs the community security trust")
    assert "Community Security Trust" in lexicon.alternatives("what does the CST do")


def test_name_with_function_words_gives_its_acronym() -> None:
    lexicon = Lexicon(["The Board of Deputies issued a statement."])
    assert "Board of Deputies" in lexicon.alternatives("what did the BOD say")


def test_nothing_is_added_when_both_spellings_are_used(lexicon: Lexicon) -> None:
    assert lexicon.alternatives("is the JLC the Jewish Leadership Council?") == []


def test_two_letter_initials_are_not_expanded(lexicon: Lexicon) -> None:
    assert "jc" not in lexicon.expansions
    assert "mg" not in lexicon.expansions
    assert lexicon.alternatives("what did the JC say") == []
    assert lexicon.alternatives("what did Jeremy Corbyn say") == []


def test_unrelated_question_has_no_alternatives(lexicon: Lexicon) -> None:
    assert lexicon.alternatives("what is the capital of France") == []


# ---------------------------------------------------------------------------------------------
# Answer types
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("When did the meeting take place?", "time"),
        ("what day was the meeting", "day"),
        ("on which day of the week were the talks held", "weekday"),
        ("What was the date of the letter?", "date"),
        ("which year did Labour adopt the code", "date"),
        ("what time of day did they meet", "daytime"),
        ("How many local authorities accepted the definition?", "number"),
        ("how long was the meeting", "duration"),
        ("How many local authorities?", "number"),
        ("Where did Corbyn meet the leaders?", "place"),
        ("Who attended the meeting?", "person"),
        ("who is the JLC chair", "person"),
        ("by who", "person"),  # after "what was formby charged with"
        ("and charged by whom?", "person"),
        # The first asking words decide: a "when" later in the question qualifies the person asked.
        ("Who was the leader when the Franks entered the Euphrates valley?", "person"),
        ("how many people were there when it started", "number"),
        ("what day of the week was it", "weekday"),
        ("how old is he", "age"),
        ("at what age did she leave", "age"),
        ("Why was the meeting disappointing?", None),
        ("What did Labour commit to?", None),
    ],
)
def test_expected_answer_type(question: str, expected: str | None) -> None:
    assert expected_answer_type(question) == expected


@pytest.mark.parametrize(
    ("text", "answer_type"),
    [
        ("The talks were held on Tuesday night.", "time"),
        ("We wrote to him in our letter of 28th March.", "time"),
        ("It has been accepted by 120 local authorities.", "number"),
        ("He set out six areas of concrete action.", "number"),
        ("They met at his Westminster office.", "place"),
        ("The talks were attended by Mark Gardner.", "person"),
        ("They met on Tuesday night.", "weekday"),
        ("They met on Tuesday night.", "day"),
        ("We wrote on 28 March.", "day"),
        ("The letter of 28th March.", "date"),
        ("The formal meeting this afternoon.", "daytime"),
        ("Peter Vance, 58, of Elm Road, admitted four offences.", "age"),
        ("He is the oldest quarterback to play at age 39.", "age"),
        ("A 58-year-old man was arrested.", "age"),
        ("Fossils that represent 515 million years of history.", "age"),
        ("He joined the academy at the age of nine.", "age"),
        ("A new ward would open in the spring.", "time"),
    ],
)
def test_holds_answer_type(text: str, answer_type: str) -> None:
    assert holds_answer_type(text, answer_type)


def test_a_number_is_no_age(seed_searcher: Searcher) -> None:
    """ "how old is jeremy corbyn": the article gives numbers (120 local authorities), never his
    age; it was answered with its opening paragraph."""
    assert not holds_answer_type("A landlord has been fined £12,000 by 120 councils.", "age")
    result = seed_searcher.search("how old is jeremy corbyn")
    assert not result.answerable and result.unheld_kind == "age"


@pytest.mark.parametrize(
    ("text", "answer_type", "question"),
    [
        # What the question says already is no answer.
        ("We wrote to him on 28th March.", "date", "what was in the letter of 28th march"),
        ("our new general secretary Jennie Formby", "person", "who was general secretary before Jennie Formby"),
        ("Six areas of action were set out.", "number", "what were the six areas of action"),
    ],
)
def test_answer_type_in_the_question_words_only_does_not_count(text: str, answer_type: str, question: str) -> None:
    assert holds_answer_type(text, answer_type)
    assert not holds_answer_type(text, answer_type, question)


@pytest.mark.parametrize(
    ("text", "answer_type"),
    [
        ("The meeting was described as not good.", "time"),
        ("The meeting was described as not good.", "number"),
        ("words but no action", "place"),
        ("a further meeting in July", "place"),  # a month is no place
        ("They met on Tuesday night.", "date"),  # a weekday is no date
        ("We wrote on 28 March.", "weekday"),
        ("They met on Tuesday.", "daytime"),
    ],
)
def test_does_not_hold_answer_type(text: str, answer_type: str) -> None:
    assert not holds_answer_type(text, answer_type)


# ---------------------------------------------------------------------------------------------
# Searcher on the seed index
# ---------------------------------------------------------------------------------------------


def _paragraphs(result: SearchResult) -> list[int]:
    return [hit.passage.paragraph for hit in result.hits]


def test_labour_commitment_is_found(seed_searcher: Searcher) -> None:
    result = seed_searcher.search("What did Labour commit to?", k=5)
    assert result.answerable
    assert {24, 25, 28, 31} & set(_paragraphs(result)), _paragraphs(result)


def test_a_topics_words_shape_the_ranking_but_not_the_decision(seed_searcher: Searcher) -> None:
    shaping = shaping_for(seed_searcher, "ask_commitments")
    assert shaping is not None and shaping.topic == "ask_commitments"
    plain = seed_searcher.search("what did corbyn promise", k=5)
    shaped = seed_searcher.search("what did corbyn promise", k=5, shaping=shaping)
    assert (shaped.answerable, shaped.confidence) == (plain.answerable, plain.confidence)
    assert shaping_for(seed_searcher, "no_such_intent") is None


def test_attendees_are_found(seed_searcher: Searcher) -> None:
    result = seed_searcher.search("Who attended the meeting?", k=5)
    assert result.answerable
    assert {22, 23} & set(_paragraphs(result)[:3]), _paragraphs(result)


def test_named_speaker_is_the_top_hit(seed_searcher: Searcher) -> None:
    result = seed_searcher.search("What did Jonathan Goldstein say?", k=5)
    assert result.answerable
    assert result.hits[0].passage.speaker.label == "Jonathan Goldstein"


def test_named_group_of_speakers_is_found(seed_searcher: Searcher) -> None:
    result = seed_searcher.search("what did labour sources say about the meeting", k=5)
    assert result.answerable
    assert "Labour sources" in [hit.passage.speaker.label for hit in result.hits[:3]]


@pytest.mark.parametrize("question", ["What is the capital of France?", "How do I make chicken soup?"])
def test_off_topic_question_is_not_answerable(seed_searcher: Searcher, question: str) -> None:
    result = seed_searcher.search(question, k=5)
    assert not result.answerable
    assert result.confidence < seed_searcher.models.decline.threshold
    assert result.subject == ""  # words of its own, just not the article's: no subject to lean on


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("tell me a joke", "tell me a joke"),
        ("can you write me a poem please", "write me a poem"),
        ("ok recommend a good film", "recommend a good film"),
        ("tell me a joke about corbyn", "tell me a joke about Corbyn"),  # the articles tell no jokes
    ],
)
def test_a_request_for_a_thing_no_article_mentions_is_declined(
    seed_searcher: Searcher, question: str, asked: str
) -> None:
    # "tell me a joke" drew Labour's "good humoured" (MiniLM puts jokes near humour).
    result = seed_searcher.search(question)
    assert result.unrelated_request == asked
    assert not result.answerable


@pytest.mark.parametrize(
    "question", ["tell me a bit more", "tell me a fact about the meeting", "tell me a quote from corbyn"]
)
def test_a_request_for_what_the_article_holds_is_searched(seed_searcher: Searcher, question: str) -> None:
    assert seed_searcher.unrelated_request(question) == ""


@pytest.mark.parametrize("mode", list(Mode))
@pytest.mark.parametrize("k", [1, 3, 5, 10])
def test_hits_are_ranked_one_per_paragraph(seed_searcher: Searcher, mode: Mode, k: int) -> None:
    result = seed_searcher.search("how did labour describe the meeting", k=k, mode=mode)
    assert len(result.hits) == k
    keys = [(hit.passage.article, hit.passage.paragraph) for hit in result.hits]
    assert len(set(keys)) == len(keys)
    scores = [hit.score for hit in result.hits]
    assert scores == sorted(scores, reverse=True)


def test_k_larger_than_the_article_returns_every_paragraph_once(seed_searcher: Searcher) -> None:
    paragraphs = {p.paragraph for p in seed_searcher.index.passages}
    result = seed_searcher.search("the meeting", k=100)
    assert sorted(_paragraphs(result)) == sorted(paragraphs)


def test_hits_carry_title_paragraph_and_speaker(seed_searcher: Searcher) -> None:
    result = seed_searcher.search("Who attended the meeting?", k=5)
    for hit in result.hits:
        assert hit.passage.article == SEED_ARTICLE
        assert hit.passage.title == "Crunch talks between Jeremy Corbyn and Jewish community leaders"
        assert 1 <= hit.passage.paragraph <= 33
        assert hit.passage.speaker
        assert hit.passage.text


@pytest.mark.parametrize("mode", list(Mode))
def test_every_mode_returns_results(seed_searcher: Searcher, mode: Mode) -> None:
    result = seed_searcher.search("What did Jonathan Goldstein say?", k=5, mode=mode)
    assert len(result.hits) == 5
    assert result.hits[0].passage.paragraph == 7


def test_modes_rank_differently(seed_searcher: Searcher) -> None:
    rankings = {
        mode: [(h.passage.paragraph, h.score) for h in seed_searcher.search("Who attended the meeting?", 5, mode).hits]
        for mode in Mode
    }
    assert rankings[Mode.BM25] != rankings[Mode.DENSE]
    assert rankings[Mode.HYBRID] != rankings[Mode.BM25]
    assert rankings[Mode.HYBRID] != rankings[Mode.DENSE]


def test_search_many_matches_search_one_by_one(seed_searcher: Searcher) -> None:
    questions = [
        "Who attended the meeting?",
        "What did Jonathan Goldstein say?",
        "How do I make chicken soup?",
        "when did the meeting take place",
    ]
    for mode in Mode:
        together = seed_searcher.search_many(questions, k=5, mode=mode)
        assert len(together) == len(questions)
        for question, batched in zip(questions, together, strict=True):
            alone = seed_searcher.search(question, k=5, mode=mode)
            assert batched.question == alone.question
            assert batched.answerable == alone.answerable
            assert batched.confidence == pytest.approx(alone.confidence, abs=1e-3)
            assert _paragraphs(batched) == _paragraphs(alone)
            assert [h.score for h in batched.hits] == pytest.approx([h.score for h in alone.hits], abs=1e-3)


def test_search_many_of_nothing_is_nothing(seed_searcher: Searcher) -> None:
    assert seed_searcher.search_many([]) == []


@pytest.mark.parametrize("question", ["", "   ", "\n\t ", "a" * (MAX_QUESTION_CHARS + 1)])
def test_unsearchable_question_is_refused(seed_searcher: Searcher, question: str) -> None:
    with pytest.raises(QuestionError):
        seed_searcher.search(question)
    with pytest.raises(QuestionError):
        seed_searcher.search_many(["Who attended the meeting?", question])


def test_question_at_the_length_limit_is_searched(seed_searcher: Searcher) -> None:
    question = "a" * MAX_QUESTION_CHARS
    assert len(question) == 2000
    result = seed_searcher.search(question, k=3)
    assert len(result.hits) == 3


@pytest.mark.parametrize(
    "question",
    [
        "what is this article about",
        "whats this about",
        "What’s this story about?",
        "give me the gist",
        "can you summarize it",
        "Can you give me a quick summary of this article please?",
        "tl;dr",
        "tldr",
        "sum it up for me",
        "main points?",
        "wat is this abt",
        "in a nutshell?",
        "what does the article say?",
        "so what does the story tell us",
        "what are the articles about",  # with several articles it was searched (the seed's paragraph 15)
        "what r these stories about",
    ],
)
def test_a_request_for_the_gist_is_one(seed_searcher: Searcher, question: str) -> None:
    assert seed_searcher.asks_for_summary(question)


@pytest.mark.parametrize(
    "question",
    [
        "what is the ihra definition about",  # about something the article reports
        "what was the meeting about",
        "summarise what corbyn said",  # a request for the gist of something in particular
        "what were the main points of the letter",
        "what's the gist of the joint statement",
        "what did labour commit to",
        "what does the article say about ken livingstone",
        "what are the reports about the strike about",
    ],
)
def test_a_question_about_something_in_particular_is_no_request_for_the_gist(
    seed_searcher: Searcher, question: str
) -> None:
    assert not seed_searcher.asks_for_summary(question)


@pytest.mark.parametrize("message", ["?", "...", "🙂", "👍👍", "!?!", "— …", ":-)"])
def test_a_message_without_words_is_not_searched(message: str) -> None:
    with pytest.raises(QuestionError, match="no words"):
        check_question(message)


@pytest.mark.parametrize("message", ["5?", "3", "2017", "#2", "1,000"])
def test_a_message_of_numbers_alone_is_not_searched(message: str) -> None:
    # Searched, "3" drew a paragraph holding a number; in a chat it picks a suggestion.
    with pytest.raises(QuestionError, match="only numbers"):
        check_question(message)


@pytest.mark.parametrize("question", ["why", "5 areas?", "IHRA?", "מה קרה", "ça va ?", "🙂 who was there", "Q3?"])
def test_a_question_with_a_word_or_number_is_searched(question: str) -> None:
    assert check_question(question) == question


def test_check_question_strips_surrounding_whitespace() -> None:
    assert check_question("  who attended?  \n") == "who attended?"
    # Surrounding whitespace does not count towards the limit.
    assert check_question(" " + "a" * MAX_QUESTION_CHARS + " ") == "a" * MAX_QUESTION_CHARS


@pytest.mark.parametrize(
    ("question", "unknown"),
    [
        ("What did Theresa May say about the meeting?", ("Theresa May",)),
        ("What did Corbyn say about Israel?", ("Israel",)),
        ("What did Mr Golstein say?", ()),  # a close spelling of a name the article uses
        ("who is the president of the BoD", ()),  # an acronym the article defines
        ("which MPs shared a platform?", ()),  # the plural of a word the article uses
        ("Did the Anti-Semitism row start with Livingstone?", ()),  # part of a compound is known
        ("Brexit: what did Corbyn say?", ()),  # the first word is not taken for a name
        ("what did corbyn say about israel", ()),  # lower case: no names to check
    ],
)
def test_unknown_names(seed_searcher: Searcher, question: str, unknown: tuple[str, ...]) -> None:
    assert seed_searcher.unknown_names(question) == unknown


def test_a_question_about_an_unmentioned_name_is_declined(seed_searcher: Searcher) -> None:
    result = seed_searcher.search("What did Theresa May say about the meeting?")
    assert not result.answerable
    assert result.unknown_names == ("Theresa May",)


def test_shaping_excludes_paragraphs_and_never_changes_the_decision(seed_searcher: Searcher) -> None:
    plain = seed_searcher.search("How did the meeting go?", k=5)
    first = (plain.hits[0].passage.article, plain.hits[0].passage.paragraph)
    shaped = seed_searcher.search("How did the meeting go?", k=5, shaping=Shaping(exclude=frozenset({first})))
    assert first[1] not in _paragraphs(shaped)
    assert _paragraphs(shaped)[:4] == _paragraphs(plain)[1:5]
    assert (shaped.answerable, shaped.confidence) == (plain.answerable, plain.confidence)


@pytest.mark.parametrize(
    ("question", "expansion"),
    [
        ("what does CST stand for", "community security trust"),
        ("what does JLC stand for", "jewish leadership council"),
        ("what does XYZ stand for", None),  # not an acronym the articles define
        ("whats the cst", "community security trust"),  # what it is: what it stands for
        ("who are the JLC?", "jewish leadership council"),
        ("what is the meeting", None),  # a word the articles define as no acronym
        ("whats the cst doing about it", None),  # asks more than what it is
    ],
)
def test_the_meaning_of_an_acronym_the_articles_spell_out(
    seed_searcher: Searcher, question: str, expansion: str | None
) -> None:
    assert seed_searcher.asked_expansion(question) == expansion


@pytest.mark.parametrize(
    ("question", "unquoted"),
    [
        ("What did Mark Gardner say about the meeting?", ("Mark Gardner",)),  # named, never quoted
        ("what did jackie walker say", ("Jackie Walker",)),  # as the article spells the name
        ("what did the police say about the meeting", ("police",)),  # mentioned, never heard
        ("what did the lawyers say", ("lawyers",)),
        ("what did arkush say", ("Arkush",)),  # a voice of the Board's side in the facts, never heard
        ("what did the other side say?", ()),  # no one named
        ("what did they say", ()),
        ("What did Jonathan Goldstein say?", ()),  # a speaker
        ("what did jonathan goldstien say after the meeting", ()),  # a speaker, misspelt
        ("What did Mr Golstein say only Corbyn could do?", ()),  # reported by the narration: "Mr Golstein said"
        ("what did the jewish leaders say about lawyers", ()),  # no one in particular
        ("What did the Jewish Leadership Council say?", ()),  # a speaker, under its acronym
        ("what did labour sources say about the meeting", ()),
        ("What did Theresa May say?", ()),  # never named at all: unknown_names says so
        ("Who attended the meeting?", ()),  # not about anyone's words
    ],
)
def test_unquoted_names(seed_searcher: Searcher, question: str, unquoted: tuple[str, ...]) -> None:
    assert seed_searcher.unquoted_names(question) == unquoted


def test_a_question_about_the_words_of_someone_never_quoted_is_declined(seed_searcher: Searcher) -> None:
    result = seed_searcher.search("What did Mark Gardner say about the meeting?")
    assert not result.answerable
    assert result.unquoted_names == ("Mark Gardner",)
    assert result.hits  # the passages are still there, for a caller that wants them


@pytest.mark.parametrize(
    ("question", "unnamed"),
    [
        ("who was the source who said it wasnt a meeting of minds", "the source"),  # "One source added"
        ("whos the jlc representative", "the JLC representative"),  # "A JLC and Board representative"
        ("so who are the labour sources?", "the Labour sources"),  # as the article spells the name
        ("who was the source of", "the source"),  # no preposition left dangling
        ("who is the source 🙂", "the source"),
        ("who said it wasnt a meeting of minds", ""),  # the source's words: answered
        ("who is goldstein", ""),
        ("who is the general secretary", ""),  # a role a named person holds
        ("who is the spokesman", ""),  # no voice of the article is one
    ],
)
def test_who_an_unnamed_source_is(seed_searcher: Searcher, question: str, unnamed: str) -> None:
    assert seed_searcher.unnamed_source_asked(question) == unnamed


def test_a_question_asking_who_an_unnamed_source_is_is_declined(seed_searcher: Searcher) -> None:
    """It quoted "One source added: 'It was not a meeting of minds.'" (paragraph 6) at confidence 0.85."""
    result = seed_searcher.search("who was the source who said it wasnt a meeting of minds")
    assert not result.answerable and result.unnamed_source == "the source"


def test_the_evidence_of_a_hit_says_whether_its_sentence_lacks_the_kind_of_answer_asked_for(
    seed_searcher: Searcher,
) -> None:
    result = seed_searcher.search("What time of day was the formal meeting?", k=10)
    by_paragraph = {hit.passage.paragraph: hit for hit in result.hits}
    assert by_paragraph[22].evidence["lacks_kind"] == 0.0  # "this afternoon"
    assert any(hit.evidence["lacks_kind"] for hit in result.hits)
    untyped = seed_searcher.search("Why was the meeting disappointing?", k=10)
    assert not any(hit.evidence["lacks_kind"] for hit in untyped.hits)


@pytest.mark.parametrize(
    "question",
    [
        "how long has formby been general secretary",  # the article never says for how long
        "when was the demo in parliament square",  # nor when
    ],
)
def test_a_question_asking_for_a_kind_of_answer_no_best_passage_holds_is_declined(
    seed_searcher: Searcher, question: str
) -> None:
    result = seed_searcher.search(question)
    assert not result.answerable and result.confidence == 0.0
    assert result.asks_for is not None and result.unheld_kind == result.asks_for


@pytest.mark.parametrize(
    "question", ["How long did the meeting last?", "when is the next meeting", "who is the JLC chair"]
)
def test_a_question_asking_for_a_kind_of_answer_the_article_gives_is_answered(
    seed_searcher: Searcher, question: str
) -> None:
    result = seed_searcher.search(question)
    assert result.answerable and result.unheld_kind is None


def _candidates(kind: str | None, holds: list[bool], voiced: list[bool]) -> Candidates:
    """Candidates of one sentence each: whether it holds the kind asked, whether a voice speaks it."""
    count = len(holds)
    return Candidates(
        positions=np.arange(count),
        signals=np.zeros((count, 1)),
        sentences=[[Sentence(0, 10, NO_MATCH, 0.0, held)] for held in holds],
        dense=np.zeros(count, dtype=np.float32),
        coverage=np.zeros(count, dtype=np.float32),
        kind=kind,
        lexical="",
        subject="",
        keys=[("article", row) for row in range(count)],
        voiced=np.array(voiced),
    )


@pytest.mark.parametrize(
    ("kind", "holds", "voiced", "unheld"),
    [
        ("duration", [False, False], [False, False], "duration"),
        ("duration", [False, True], [False, False], None),  # one passage holds it
        ("duration", [False, False], [True, True], "duration"),  # a voice is no length of time
        ("person", [False, False], [False, False], "person"),
        ("person", [False, False], [False, True], None),  # its speaker says who said it
        (None, [False], [False], None),  # nothing asked for
        ("expansion", [False], [False], None),  # the acronym check decides
    ],
)
def test_the_kind_asked_for_is_unheld_only_when_no_passage_holds_it(
    kind: str | None, holds: list[bool], voiced: list[bool], unheld: str | None
) -> None:
    assert unheld_kind(_candidates(kind, holds, voiced), range(len(holds))) == unheld


@pytest.mark.parametrize(
    ("question", "counted"),
    [
        ("how many firefighters were there", {"firefight"}),
        ("how many of the volunteers got dementia", {"volunt", "got"}),
        ("How many 2015 season interceptions did they get?", {"season", "intercept"}),  # not the year
        ("how many times has Polonia won the cup", set()),  # how often: "twice"
        ("how much rent did reyes pay", {"rent"}),
        ("how much was he fined", set()),  # no thing named: any amount may answer
        ("how long did the meeting last", set()),
    ],
)
def test_what_a_how_many_question_counts(question: str, counted: set[str]) -> None:
    assert counted_stems(question) == counted


@pytest.mark.parametrize(
    ("text", "question", "holds"),
    [
        ("More than 2,000 patients waited over 12 hours.", "how many patients waited", True),
        ("From 2005 there were two Major League Soccer teams in Los Angeles.", "how many teams", True),
        ("Kawann Short led the team in sacks with 11.", "how many sacks did Short have", True),
        ("Thousands of British Jews did not demonstrate outside Parliament.", "how many demonstrated", True),
        ("Forty firefighters fought the blaze.", "how many firefighters were there", True),
        (
            "Firefighters worked through the night to pump water out of the flooded basements of 200 homes.",
            "how many firefighters were there",
            False,
        ),
        ("Firefighters were called to the blaze at 3am.", "how many firefighters were there", False),
    ],
)
def test_a_count_of_the_thing_asked_is_a_number_near_its_name(text: str, question: str, holds: bool) -> None:
    assert holds_count_of(text, counted_stems(question)) is holds


def test_a_how_many_question_the_passages_count_nothing_of_is_declined(seed_searcher: Searcher) -> None:
    """The article names the Jewish Labour Movement and gives numbers (120 local authorities,
    two years), but counts none of its members: it was answered with paragraph 24."""
    result = seed_searcher.search("How many members does the Jewish Labour Movement have?")
    assert not result.answerable and result.unheld_kind == "number"
    counted = seed_searcher.search("how many people demonstrated outside parliament")
    assert counted.answerable and counted.unheld_kind is None
    # "the Jewish Leadership Council" names no councils: "120 local authorities" may answer
    councils = seed_searcher.search("how many councils?")
    assert councils.answerable and councils.unheld_kind is None


@pytest.mark.parametrize(
    ("text", "holds"),
    [
        ("The repair bill has doubled to £46 million since the first survey.", True),
        ("Those who took 9,800 steps a day had a 21% lower risk of dementia.", True),
        ("Shares in Apex Foods fell by almost a fifth on Thursday.", True),
        ("A ctenophore can eat ten times its own weight in a day.", True),
        ("The 1.4-mile lane opened in March.", True),
        ("The union wants a rise of 6 per cent.", True),
        ("Brightwell Energy has apologised to 180,000 customers.", False),  # a count, not a sum
        ("The bridge was built in 1931 and will close for eight months.", False),  # a year, a length of time
        ("One source said the drivers were among the best paid in the region.", False),
    ],
)
def test_an_amount_is_money_a_share_a_multiple_or_a_measure(text: str, holds: bool) -> None:
    assert holds_amount(text) is holds


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("how much will the breach cost brightwell", True),
        ("how much was he fined", True),
        ("how much rent did reyes pay", True),
        ("How much time remained on the clock?", False),  # how long
        ("how many customers were affected", False),
    ],
)
def test_how_much_asks_for_an_amount(question: str, asks: bool) -> None:
    assert asks_amount(question) is asks


@pytest.fixture(scope="module")
def breach_searcher(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    """A short article about a breach that counts customers and gives one amount, of something else."""
    knowledge = tmp_path_factory.mktemp("breach-knowledge")
    write_article(
        knowledge,
        "energy-firm-breach",
        "Energy firm apologises after data breach",
        [
            "Brightwell Energy has apologised to 180,000 customers after hackers stole names, addresses and bank"
            " details from its billing system.",
            "The company said the breach was found on 3 November and that 12,000 customers had changed their"
            " passwords since.",
            "Its helpline for customers worried about the breach will stay open until 10pm every day this week.",
            "The Information Commissioner's Office said it was looking into the breach.",
            "The hackers got into the billing system through a supplier's account, Brightwell said.",
            "Customers have been told to watch for emails asking for their bank details.",
            '"We are deeply sorry," chief executive Laura Pike said in a statement.',
            "Winter gas prices rose 3% in October, the regulator said.",
        ],
    )
    index_dir = tmp_path_factory.mktemp("breach-index")
    build_index(knowledge, index_dir, MODEL, progress=False)
    return Searcher(load_index(index_dir, MODEL, knowledge), MODEL)


def test_a_how_much_question_the_passages_give_no_amount_for_is_declined(breach_searcher: Searcher) -> None:
    """Counts of customers do not say what the breach cost: it was answered with them."""
    cost = breach_searcher.search("how much will the breach cost brightwell")
    assert not cost.answerable and cost.unheld_kind == "amount"
    prices = breach_searcher.search("how much did gas prices rise")
    assert prices.answerable and prices.unheld_kind is None
    assert "3%" in prices.hits[0].passage.text


def test_each_hit_highlights_whole_sentences_of_its_text(seed_searcher: Searcher) -> None:
    for question in ("How long did the meeting last?", "What did Labour commit to?", "who was there"):
        for hit in seed_searcher.search(question, k=5).hits:
            text, mark = hit.passage.text, hit.highlight
            assert 0 <= mark.start < mark.end <= len(text)
            starts = {start for start, _ in sentence_spans(text)} | {0}
            ends = {end for _, end in sentence_spans(text)} | {len(text)}
            assert mark.start in starts and mark.end in ends


def test_the_answering_sentence_is_highlighted(seed_searcher: Searcher) -> None:
    top = seed_searcher.search("How long did the meeting last?", k=1).hits[0]
    assert top.passage.paragraph == 23
    assert "two hour" in top.passage.text[top.highlight.start : top.highlight.end]


def test_a_question_for_a_voices_words_highlights_them(seed_searcher: Searcher) -> None:
    # Paragraph 7 opens in the narration ("Jonathan Goldstein attacked a series of ...") before his
    # words ("He said: ..."): the answer holds his words and is his; what the narration says
    # about him is the article's.
    top = seed_searcher.search("What did Jonathan Goldstein say?", k=1).hits[0]
    assert top.passage.paragraph == 7
    assert "Every excuse" in top.passage.text[top.highlight.start : top.highlight.end]
    assert top.speaker.label == "Jonathan Goldstein" == source_of(top).speaker.label
    narration_only = Hit(top.passage, top.score, top.dense, top.coverage, Highlight(0, top.passage.voice_from))
    assert narration_only.speaker.kind is SpeakerKind.NARRATION
    assert source_of(narration_only).speaker.kind is SpeakerKind.NARRATION


def test_a_question_for_someones_words_highlights_words(seed_searcher: Searcher) -> None:
    # "he": whose words the passages say; paragraph 7's are Goldstein's, after the narration's sentence.
    hits = seed_searcher.search("what did he say Jonathan Goldstein", k=5).hits
    [goldstein] = [hit for hit in hits if hit.passage.paragraph == 7]
    assert "Every excuse" in goldstein.passage.text[goldstein.highlight.start : goldstein.highlight.end]
    assert goldstein.speaker.label == "Jonathan Goldstein"


def test_a_sentences_vector_is_its_pieces_states_pooled() -> None:
    states = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    assert pooled(states) == pytest.approx([2**-0.5, 2**-0.5])
    assert pooled(states[:1]) == pytest.approx([1.0, 0.0])
    assert pooled(states[:0]) == pytest.approx([0.0, 0.0])


def test_each_sentence_weighs_its_own_vector(seed_searcher: Searcher) -> None:
    """The highlight weighs each sentence's cosine with the question (bench/fit_models.py chose it)."""
    question = "How long did the meeting last?"
    vector, asked = seed_searcher.encode_question(question)
    candidates = seed_searcher.candidates(question, vector, asked)
    cosines = [sentence.dense for sentences in candidates.sentences for sentence in sentences]
    assert all(-1.0 <= cosine <= 1.0 for cosine in cosines) and len(set(cosines)) > 1


def test_a_sentence_that_refers_back_is_highlighted_with_the_one_before() -> None:
    assert {"it", "this", "they"} <= anaphors()


@pytest.mark.parametrize("question", ["where did they meet?", "who was there", "when was that?", "who else was there"])
def test_a_question_leaning_on_its_subject_takes_the_articles(seed_searcher: Searcher, question: str) -> None:
    result = seed_searcher.search(question, k=3)
    assert seed_searcher.elliptic(question)
    assert result.subject == "Crunch talks between Jeremy Corbyn and Jewish community leaders"


@pytest.fixture(scope="module")
def two_stories_searcher(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    """Two of the reader articles (eval/reader-articles), indexed together."""
    knowledge = tmp_path_factory.mktemp("two-stories")
    for name in ("school-merger.md", "cyclist-hit-and-run.md"):
        shutil.copy(PROJECT_ROOT / "eval" / "reader-articles" / "knowledge" / name, knowledge / name)
    index_dir = tmp_path_factory.mktemp("two-stories-index")
    build_index(knowledge, index_dir, MODEL, progress=False)
    return Searcher(load_index(index_dir, MODEL, knowledge), MODEL)


@pytest.mark.parametrize(
    ("article", "question", "answers"),
    [("school-merger", "how far is it to ashby", {3}), ("cyclist-hit-and-run", "what time did it happen", {2, 5})],
)
def test_a_question_leaning_on_the_title_is_not_drawn_to_the_opening_paragraph(
    two_stories_searcher: Searcher, article: str, question: str, answers: set[int]
) -> None:
    """A news title repeats its opening paragraph's words: leaning on it with the weight of the
    conversation's subject, these led with paragraph 1 (TITLE_WEIGHT)."""
    searcher = two_stories_searcher.scoped(article)
    result = searcher.search(question)
    assert searcher.elliptic(question)
    assert result.answerable and result.hits[0].passage.paragraph in answers


def test_a_question_of_its_own_leans_on_nothing(seed_searcher: Searcher) -> None:
    assert not seed_searcher.elliptic("Who attended the formal meeting with Corbyn?")
    assert seed_searcher.search("Who attended the formal meeting with Corbyn?").subject == ""


@pytest.mark.parametrize("question", ["where was the demo", "what is happening in july", "what does cst stand for"])
def test_one_word_of_its_own_names_the_subject_unless_another_word_refers_back(
    seed_searcher: Searcher, question: str
) -> None:
    """A question with one word the article uses is searched alone, unless it also refers back
    ("where did they meet?" leans; "where was the demo" is about the demo, and leaning on the
    conversation's last question, "who is X", it drew X's paragraph)."""
    assert not seed_searcher.elliptic(question)
    assert seed_searcher.elliptic("where was it held") and seed_searcher.elliptic("where did they meet?")


def test_a_word_the_articles_never_use_leans_only_as_the_one_word_of_a_question_referring_back(
    seed_searcher: Searcher,
) -> None:
    """ "was it a success?" was searched for "success", which the article never writes, and
    declined; its "it" refers back, so it leans on the article (Labour's "positive", the Board's
    "disappointing"). A question with another word of its own still does not lean."""
    assert seed_searcher.elliptic("was it a success?")
    assert seed_searcher.search("was it a success?").answerable
    assert not seed_searcher.elliptic("what's the ferry")
    assert not seed_searcher.elliptic("was the ferry a success")
    assert not seed_searcher.elliptic("was it a success for the ferry")


def test_the_words_asking_for_a_kind_of_answer_are_no_words_of_its_own(seed_searcher: Searcher) -> None:
    """ "how old is she": "old" asks for a number; the article never uses it, and such a word
    said the question was about something else, so it was searched alone and declined."""
    assert without_asking_words("how old is she").split() == ["is", "she"]
    assert seed_searcher.elliptic("how old is he") and seed_searcher.elliptic("what time was it")


def test_the_subject_a_caller_gives_is_the_one_taken(seed_searcher: Searcher) -> None:
    result = seed_searcher.search("when was that?", shaping=Shaping(subject="the further meeting in July"))
    assert result.subject == "the further meeting in July"
    assert 29 in _paragraphs(result)[:3], _paragraphs(result)


@pytest.mark.parametrize(
    "question",
    [
        "who wrote this article?",
        "when was the article published?",
        "who wrote it",
        "ok who wrote this?",
        "where was it published",
        "what paper is this from",
        "when did it come out",
    ],
)
def test_a_question_about_the_article_itself_is_declined(seed_searcher: Searcher, question: str) -> None:
    result = seed_searcher.search(question)
    assert result.about_the_article and not result.answerable


@pytest.mark.parametrize(
    "question", ["who wrote the letter", "who wrote to corbyn", "where was the meeting", "when was it"]
)
def test_a_question_about_what_the_article_reports_is_no_question_about_it(
    seed_searcher: Searcher, question: str
) -> None:
    assert not seed_searcher.about_the_article(question)


def test_a_question_about_someones_words_weighs_only_their_passages(seed_searcher: Searcher) -> None:
    ((vector, asked),) = seed_searcher.encode(["what did Corbyn say about the meeting"])
    candidates = seed_searcher.candidates("what did Corbyn say about the meeting", vector, asked)
    assert candidates.voice is not None
    voiced = {candidates.keys[row][1] for row in range(len(candidates.keys)) if candidates.voice[row]}
    assert {30, 31, 32, 33} <= voiced
    assert 7 not in voiced  # Goldstein's
    assert seed_searcher.candidates("Who attended the meeting?", vector, asked).voice is None


def test_word_lists_are_data_read_on_first_use_not_at_import() -> None:
    import subprocess
    import sys

    code = (
        "import newsbot.retrieval.search, newsbot.answering.compose, newsbot.ingest.passages\n"
        "from newsbot.retrieval.wordlists import word_list\n"
        "from newsbot.retrieval.answer_types import answer_patterns\n"
        "from newsbot.ingest.passages import abbreviations\n"
        "assert word_list.cache_info().currsize == 0, word_list.cache_info()\n"
        "assert answer_patterns.cache_info().currsize == 0 and abbreviations.cache_info().currsize == 0\n"
        "assert {'the', 'of'} <= word_list('stopwords') and 'rejected' in word_list('reporting_verbs')\n"
        "assert 'duration' in answer_patterns() and 'mr' in abbreviations()\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr


@pytest.mark.parametrize(
    ("question", "sides"),
    [
        ("What did Labour commit to?", {"Labour"}),
        ("did corbyn commit to education", {"Labour"}),
        ("why hasn't labour sped up the cases", {"Labour"}),
        ("what did the jlc and board say about labour controlled councils", {"the Board and the JLC"}),
        ("what did the Board of Deputies and Labour agree", {"the Board and the JLC", "Labour"}),
        # A voice the question only mentions, or that qualifies its subject, is not its subject.
        ("who chairs the JLC", set()),
        ("is arkush the chair of the jlc", set()),  # asks what someone is, not for a side's account
        ("where is corbyn's office", set()),
        ("did corbyn's proposals meet the community's expectations", set()),
        ("what kind of oversight of labour's process were they asking for", set()),
    ],
)
def test_the_sides_a_question_asks_about_as_its_subject(
    seed_searcher: Searcher, question: str, sides: set[str]
) -> None:
    assert {side for _, side in seed_searcher.subject_sides(question)} == sides


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Ms Formby also committed to dealing with the cases by the end of July.", ("Ms Formby",)),
        ("The representative confirmed that Mr Corbyn had suggested a further meeting.", ("Mr Corbyn",)),
        ("The Board said no, and Ms Formby said yes.", ("the Board", "Ms Formby")),
        # No one named: an unnamed source, a pronoun, a group described by an adjective.
        ("The source said that it was fine.", ()),
        ("It said so. They said it.", ()),
        ("Jewish leaders had stressed how urgent it was.", ()),
        ("The meeting did see Mr Corbyn make a commitment.", ()),
        # Places, not voices: the people in them speak ("reporting Little Carrow" was the label).
        ("Parents in Ashby and Little Carrow have vowed to fight a council plan.", ()),
        ("Shoppers at Harbour Road Market said prices were up.", ()),
        ("Head of Ofsted Amanda Spielman said so.", ("Ofsted Amanda Spielman",)),
    ],
)
def test_the_named_voices_a_text_reports(text: str, names: tuple[str, ...]) -> None:
    assert reported_names(text) == names


@pytest.mark.parametrize(
    ("typed", "spelled"),
    [
        ("when r they meeting again", "when are they meeting again"),
        ("wat did u think of it?", "what did you think of it?"),
        ("y did corbyn refuse", "why did corbyn refuse"),
        ("what did ur party say b4 the meeting", "what did your party say before the meeting"),
        ("ok thx", "ok thanks"),
        ("who said it wasnt a meeting of minds", "who said it wasn't a meeting of minds"),
        ("where was the demo", "where was the demonstration"),
        ("whens that letter from", "when's that letter from"),
        ("whos goldstein", "who's goldstein"),
        ("wat happend", "what happened"),  # declined of a hit-and-run report, which never says "happened"
        ("is it proven tho", "is it proven though"),  # declined of a study that "showed a link rather than proof"
        ("how many steps shud i do", "how many steps should i do"),
        ("who was ther", "who was there"),  # declined: "ther" is no word of the article
        ("waht did teh board want", "what did the board want"),
    ],
)
def test_chat_shorthand_is_spelled_out(typed: str, spelled: str) -> None:
    assert spelled_out(typed) == spelled


@pytest.mark.parametrize(
    "written",
    [
        "What U.S. entity said it?",
        "in the u.s. courts",
        "strains of y. pestis",
        "R v Smith",
        "Ur of the Chaldees",
        "u-turn",
        "r's",
    ],
)
def test_names_and_abbreviations_are_not_shorthand(written: str) -> None:
    assert spelled_out(written) == written


def test_a_question_in_chat_shorthand_is_searched_and_decided_as_spelled_out(seed_searcher: Searcher) -> None:
    typed = seed_searcher.search("when r they meeting again", k=3)
    spelled = seed_searcher.search("when are they meeting again", k=3)
    assert typed.answerable and typed.answerable == spelled.answerable
    assert typed.confidence == pytest.approx(spelled.confidence, abs=1e-3)
    assert _paragraphs(typed) == _paragraphs(spelled)
    # The result keeps the reader's own words.
    assert typed.question == "when r they meeting again"
    (batched,) = seed_searcher.search_many(["when r they meeting again"], k=3)
    assert batched.question == typed.question and _paragraphs(batched) == _paragraphs(typed)
    mistyped = seed_searcher.search("who was ther", k=3)
    assert mistyped.answerable and _paragraphs(mistyped) == _paragraphs(seed_searcher.search("who was there", k=3))


@pytest.mark.parametrize(
    ("typed", "spelt"),
    [
        ("did corbin accept the ihra defintion", "did corbyn accept the ihra definition"),
        ("what did jonathan goldstien say after the meeting", "what did jonathan goldstein say after the meeting"),
        ("who said it wasnt a meeting of minds", "who said it wasn't a meeting of minds"),
    ],
)
def test_a_misspelt_question_is_searched_and_decided_as_the_articles_spell_it(
    seed_searcher: Searcher, typed: str, spelt: str
) -> None:
    misspelt = seed_searcher.search(typed, k=3)
    spelled = seed_searcher.search(spelt, k=3)
    assert misspelt.answerable and spelled.answerable
    assert misspelt.confidence == pytest.approx(spelled.confidence, abs=1e-3)
    assert _paragraphs(misspelt) == _paragraphs(spelled)
    assert misspelt.question == typed


def test_the_encoding_handed_on_is_the_spelled_out_questions(seed_searcher: Searcher) -> None:
    handed = seed_searcher.question_vector("wen r they meeting again")
    ((spelled, _),) = seed_searcher.encode(["when are they meeting again"])
    assert handed is not None and np.allclose(handed, spelled, atol=1e-5)
    result = seed_searcher.search("wen r they meeting again", k=3)
    assert result.question == "wen r they meeting again" and result.answerable


@pytest.mark.parametrize(
    ("question", "paragraph"), [("what does JLC stand for", 3), ("what does cst stand for", 23), ("whats the cst", 23)]
)
def test_an_acronym_asked_about_is_answered_where_its_name_is_written_out(
    seed_searcher: Searcher, question: str, paragraph: int
) -> None:
    """Seven passages writing "JLC" came before the one writing "Jewish Leadership Council"."""
    assert seed_searcher.search(question, k=3).hits[0].passage.paragraph == paragraph


def test_a_follow_up_searches_again_with_the_encoding_of_the_first_search(
    seed_searcher: Searcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "tell me more" searches the last question again: the model does not run for it twice;
    another reader's same words (no follow-up) are encoded anew."""
    runs: list[list[str]] = []

    def counted(model: str, texts: list[str]) -> list[TokenStates]:
        runs.append(list(texts))
        return encode_tokens(model, texts)

    monkeypatch.setattr(search_module, "encode_tokens", counted)
    question = "who turned up to the talks with corbyn on tuesday"
    first = seed_searcher.search(question, k=3)
    again = seed_searcher.search(question, k=3, again=True)
    assert runs == [[question]]
    assert _paragraphs(again) == _paragraphs(first) and again.confidence == first.confidence
    seed_searcher.search(question, k=3)
    assert runs == [[question], [question]]
    seed_searcher.search("and what happened next after the talks", k=3, again=True)  # never searched: encoded
    assert len(runs) == 3


def test_a_question_in_chat_shorthand_is_as_elliptic_as_spelled_out(seed_searcher: Searcher) -> None:
    assert seed_searcher.elliptic("when r they meeting again") == seed_searcher.elliptic("when are they meeting again")
    assert seed_searcher.elliptic("wen was that") and not seed_searcher.elliptic("wat did u think of corbyns proposals")


@pytest.mark.parametrize(
    "question",
    [
        "What does the article say about Ken Livingstone?",
        "what did the story say about the ihra definition",
        "what does the article tell us about jackie walker",
        "what does the jc say about ken livingstone",  # the publication its front matter names
    ],
)
def test_the_article_named_as_the_teller_is_no_voice_asked_for(seed_searcher: Searcher, question: str) -> None:
    """The reader's "the article" (or its publication, "the JC") tells; it is not someone whose
    words are asked for (it never speaks, so such questions were all declined)."""
    assert seed_searcher.unquoted_names(seed_searcher.as_searched(question)) == ()
    assert seed_searcher.search(question).answerable
