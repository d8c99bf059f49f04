"""Readers' misspellings of the articles' own words, spelt as the articles spell them before a
question is encoded and searched ("did corbin accept the ihra defintion" -> "did corbyn accept the
ihra definition").

BM25 already matches an unknown question word to close spellings, but the sentence encoder reads
"corbin" as other word pieces than "corbyn", so a misspelt name weakened every signal that rests
on the encoder, and the question was declined. Only two kinds of word are changed:

- a word that is not English (rarer than NOT_ENGLISH_ZIPF in English, e.g. "goldstien",
  "defintion", "parliment") to the articles' closest word by `difflib` ratio, when one is as alike
  as BM25's close spellings (`BM25.close_words`) and no other word as close means something else;
- a word that is English but uncommon (rarer than COMMON_ZIPF) and one typing slip (a letter
  changed, added, dropped or two swapped) from a name the articles use, when only one name is:
  "corbin" -> "Corbyn". "kinds" (common) is never taken for "Kings";
- such a word one slip from a word of the articles a hundred times as common (COMMONER_BY), when
  only one is: word lists hold common misspellings too ("goverment" -> "government", "recieved"
  -> "received").

A word the articles use, or one with the same stem ("livingston", "meetings"), is left as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from newsbot.retrieval.bm25 import BM25, FUZZY_MIN_LENGTH, stem, zipf
from newsbot.retrieval.wordlists import question_words, stopwords

NOT_ENGLISH_ZIPF = 2.5  # fewer than about 3 uses in 10 million words
COMMON_ZIPF = 4.0  # about 1 use in 10 thousand words
SHORTEST_NAME_SLIP = 5
COMMONER_BY = 2.0  # Zipf: a hundred times as common
WORD = re.compile(r"(?<![\w'’.-])[A-Za-z]+(?=['’]s\b|(?![\w'’-]))")  # a word, or a possessive's word


def one_slip(typed: str, word: str) -> bool:
    """Whether `typed` is `word` with one letter changed, added or dropped, or two neighbours swapped."""
    if typed == word or abs(len(typed) - len(word)) > 1:
        return False
    if len(typed) == len(word):
        differ = [i for i, (a, b) in enumerate(zip(typed, word, strict=True)) if a != b]
        return len(differ) == 1 or (
            len(differ) == 2 and differ[1] == differ[0] + 1 and typed[differ[0]] == word[differ[1]]
            and typed[differ[1]] == word[differ[0]]
        )  # fmt: skip
    shorter, longer = sorted((typed, word), key=len)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


class Speller:
    """Spells a question's misspelt words as the articles do (see the module's docstring)."""

    def __init__(self, index: BM25, names: Iterable[str], spelling: Callable[[str], str]) -> None:
        """`index`: the articles' BM25 index (their words); `names`: the words they only write
        capitalised, lower case; `spelling`: a lower-case name as the articles write it."""
        self._index = index
        self._names = frozenset(names)
        self._spelling = spelling
        self._corrections: dict[str, str | None] = {}

    def corrected(self, text: str) -> str:
        """The text with each misspelt word replaced (its capital kept)."""
        return WORD.sub(self._replacement, text)

    def _replacement(self, found: re.Match[str]) -> str:
        typed = found.group(0)
        correction = self.correction(typed.lower())
        if correction is None:
            return typed
        spelt = self._spelling(correction) if correction in self._names else correction
        return spelt[0].upper() + spelt[1:] if typed[0].isupper() else spelt

    def correction(self, word: str) -> str | None:
        """The articles' word a lower-case word misspells, or None."""
        if word not in self._corrections:
            if len(self._corrections) > 65536:
                self._corrections.clear()
            self._corrections[word] = self._find(word)
        return self._corrections[word]

    def _find(self, word: str) -> str | None:
        if (
            len(word) < FUZZY_MIN_LENGTH
            or word in stopwords()
            or word in question_words()
            or self._index.has_term(stem(word))  # the articles' word, or one of its inflections
        ):
            return None
        frequency = zipf(word)
        if frequency < NOT_ENGLISH_ZIPF:
            return self._closest(word)
        if frequency < COMMON_ZIPF and len(word) >= SHORTEST_NAME_SLIP:
            slips = [name for name in self._names if one_slip(word, name)]
            if len(slips) == 1:
                return slips[0]
            # A common misspelling is in English word lists too: "goverment" is one slip from
            # the articles' "government", a word hundreds of times more common.
            commoner = {candidate for _, candidate in self._index.close_words(word)
                        if one_slip(word, candidate) and zipf(candidate) >= frequency + COMMONER_BY}  # fmt: skip
            if len({stem(candidate) for candidate in commoner}) == 1:
                return min(commoner)
        return None

    def _closest(self, word: str) -> str | None:
        close = self._index.close_words(word)
        if not close:
            return None
        best = [candidate for ratio, candidate in close if ratio == close[0][0]]
        return min(best) if len({stem(candidate) for candidate in best}) == 1 else None
