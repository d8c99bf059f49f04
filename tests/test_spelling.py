"""Misspellings of the articles' words spelt as the articles spell them (newsbot.retrieval.spelling)."""

from __future__ import annotations

import pytest

from newsbot.retrieval.bm25 import BM25
from newsbot.retrieval.spelling import Speller, one_slip

VOCABULARY = {
    "corbyn", "labour", "definition", "goldstein", "board", "deputies", "kings", "winds", "periods",
    "beroids", "livingstone", "meeting", "commit", "antisemitism", "education", "formby", "government",
    "minister", "received",
}  # fmt: skip
NAMES = {"corbyn", "goldstein", "kings", "livingstone", "formby", "labour"}
# As the articles write them: names, and a word one of their sentences opens with (it stays lower case).
WRITTEN = {
    "corbyn": "Corbyn", "goldstein": "Goldstein", "livingstone": "Livingstone", "formby": "Formby",
    "definition": "Definition",
}  # fmt: skip


@pytest.fixture(scope="module")
def speller() -> Speller:
    return Speller(BM25([" ".join(sorted(VOCABULARY))]), NAMES, lambda word: WRITTEN.get(word, word))


@pytest.mark.parametrize(
    ("typed", "spelt"),
    [
        ("did corbin accept the ihra defintion", "did Corbyn accept the ihra definition"),
        ("what did goldstien say", "what did Goldstein say"),
        ("what did Goldstien say", "what did Goldstein say"),
        ("what about ken livingstne", "what about ken Livingstone"),
        ("corbin's team", "Corbyn's team"),
        ("what has corbyn tasked formbey with", "what has corbyn tasked Formby with"),
        ("did they commit to educaton on antisemitsm", "did they commit to education on antisemitism"),
        # Misspellings English word lists hold too, one slip from a word a hundred times as common:
        ("what did the goverment say", "what did the government say"),
        ("what did the minster say", "what did the minister say"),
        ("when was it recieved", "when was it received"),
    ],
)
def test_misspellings_of_the_articles_words_are_spelt_as_they_spell_them(
    speller: Speller, typed: str, spelt: str
) -> None:
    assert speller.corrected(typed) == spelt


@pytest.mark.parametrize(
    "question",
    [
        "what kinds of meeting",  # "kinds" is common English, not a slip for "Kings"
        "what do beriods use",  # as close to "periods" as to "beroids": unknown which
        "did the meetings commit",  # an inflection of the articles' word
        "what about livingston",  # as "livingstone" once stemmed: BM25 already matches it
        "what about brexit",  # nothing the articles write is close
        "the U.S. and the u.s. courts",
        "who is corbin's lawyer in the x-corbin case",  # hyphenated: part of another word
        "wat r u doing",  # too short to judge
    ],
)
def test_words_that_are_not_misspellings_of_the_articles_words_stay(speller: Speller, question: str) -> None:
    expected = question.replace("corbin's lawyer", "Corbyn's lawyer")
    assert speller.corrected(question) == expected


@pytest.mark.parametrize(
    ("typed", "word", "slip"),
    [
        ("corbin", "corbyn", True),
        ("livingston", "livingstone", True),
        ("goldstien", "goldstein", True),
        ("golstein", "goldstein", True),
        ("corbyn", "corbyn", False),
        ("loaned", "sloane", False),
        ("entity", "etty", False),
        ("crobyn", "corbyn", True),
        ("cobrin", "corbyn", False),
    ],
)
def test_one_slip_is_one_letter_changed_added_dropped_or_two_swapped(typed: str, word: str, slip: bool) -> None:
    assert one_slip(typed, word) is slip
