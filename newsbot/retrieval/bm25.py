"""A small Okapi BM25 index over passages, with stemming and typo-tolerant query terms."""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import snowballstemmer

from newsbot.retrieval.wordlists import question_words, stopwords

TOKEN = re.compile(r"[a-z0-9]+(?:[-'’][a-z0-9]+)*")
SPLIT = re.compile(r"[-'’]")
FUZZY_MIN_LENGTH = 4
FUZZY_CUTOFF = 0.8
FUZZY_WEIGHT = 0.7
CLOSE_CACHE_SIZE = 10_000
# A question word the articles never use weighs like the rarest term, scaled by how rare it is in
# English (Zipf frequency, log10 of uses per billion words: 7.7 "the", 5.7 "next", 3.8 "brexit"):
# all of it at RARE_ZIPF and below, falling linearly towards none at COMMON_ZIPF, never below
# COMMON_UNKNOWN_SHARE.
RARE_ZIPF = 4.0
COMMON_ZIPF = 7.0
COMMON_UNKNOWN_SHARE = 0.2

_stemmer = snowballstemmer.stemmer("english")


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    """How common the word is in English: log10 of its uses per billion words (0 when unknown)."""
    from wordfreq import zipf_frequency  # imported on first use: a tenth of a second most questions don't need

    return float(zipf_frequency(word, "en"))


@lru_cache(maxsize=65536)
def unknown_word_share(word: str) -> float:
    """How much a question word the articles never use says about what is asked, 0 to 1: that the
    articles lack "brexit" says they are about something else; that they lack "next" or "promise"
    says little (the question may be phrased in other words than the articles')."""
    rarity = (COMMON_ZIPF - zipf(word)) / (COMMON_ZIPF - RARE_ZIPF)
    return min(1.0, max(COMMON_UNKNOWN_SHARE, rarity))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return str(_stemmer.stemWord(word))


def words(text: str) -> list[str]:
    """Lower-case words without stopwords; a hyphenated word also gives its parts and its joined form."""
    return list(_words(text))


# A search reads the same passages' words again and again (about four times a passage a question).
@lru_cache(maxsize=16384)
def _words(text: str) -> tuple[str, ...]:
    found: list[str] = []
    for word in TOKEN.findall(fold(text)):
        parts = SPLIT.split(word)
        if len(parts) > 1:
            if parts[-1] in ("s", "t", "d", "ll", "re", "ve", "m"):  # possessives and contractions
                parts = parts[:-1]
            found.extend(p for p in parts if p not in stopwords())
            joined = "".join(parts)
            if len(parts) > 1 and joined not in stopwords():
                found.append(joined)
        elif word not in stopwords():
            found.append(word)
    return tuple(found)


def tokenize(text: str) -> list[str]:
    return list(_tokens(text))


@lru_cache(maxsize=16384)
def _tokens(text: str) -> tuple[str, ...]:
    return tuple(stem(word) for word in _words(text))


class BM25:
    def __init__(self, documents: list[str], k1: float = 0.9, b: float = 0.5) -> None:
        self.k1 = k1
        self.b = b
        self.size = len(documents)
        term_counts = [Counter(tokenize(doc)) for doc in documents]
        lengths = np.array([sum(c.values()) for c in term_counts], dtype=np.float32)
        average = float(lengths.mean()) if self.size and lengths.mean() > 0 else 1.0
        self._norm = k1 * (1 - b + b * lengths / average)
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for doc, counts in enumerate(term_counts):
            for term, count in counts.items():
                ids, tfs = postings.setdefault(term, ([], []))
                ids.append(doc)
                tfs.append(count)
        self._postings = {
            term: (np.array(ids, dtype=np.int64), np.array(tfs, dtype=np.float32))
            for term, (ids, tfs) in postings.items()
        }
        # Unknown question words are matched to close spellings among the articles' own words.
        self._surface: dict[str, str] = {}
        for document in documents:
            for word in words(document):
                self._surface.setdefault(word, stem(word))
        self._surface_by_length: dict[int, list[str]] = {}
        for word in sorted(self._surface):
            self._surface_by_length.setdefault(len(word), []).append(word)
        self._close_cache: dict[str, list[str]] = {}
        self._max_idf = math.log(1 + (self.size + 0.5) / 0.5)

    def has_term(self, term: str) -> bool:
        """Whether a document holds the index term (a stemmed word)."""
        return term in self._postings

    def idf(self, term: str) -> float:
        posting = self._postings.get(term)
        frequency = len(posting[0]) if posting else 0
        return math.log(1 + (self.size - frequency + 0.5) / (frequency + 0.5))

    def close_terms(self, word: str) -> list[str]:
        """Index terms of words spelled like an unknown question word (typos, variant spellings of names)."""
        if len(word) < FUZZY_MIN_LENGTH:
            return []
        if word not in self._close_cache:
            matches = [match for _, match in self.close_words(word)[:2]]
            if len(self._close_cache) > CLOSE_CACHE_SIZE:
                self._close_cache.clear()
            self._close_cache[word] = list(dict.fromkeys(self._surface[match] for match in matches))
        return self._close_cache[word]

    def close_words(self, word: str) -> list[tuple[float, str]]:
        """The documents' words spelled like `word` (a `difflib` ratio of at least FUZZY_CUTOFF),
        with their ratios, the closest first (as `difflib.get_close_matches` orders them)."""
        # A ratio 2M/(a+b) of at least FUZZY_CUTOFF needs lengths within this range.
        shortest = len(word) * FUZZY_CUTOFF / (2 - FUZZY_CUTOFF)
        longest = len(word) * (2 - FUZZY_CUTOFF) / FUZZY_CUTOFF
        matcher = difflib.SequenceMatcher()
        matcher.set_seq2(word)
        close: list[tuple[float, str]] = []
        for length, words_of_length in self._surface_by_length.items():
            if not shortest <= length <= longest:
                continue
            for candidate in words_of_length:
                matcher.set_seq1(candidate)
                if (
                    matcher.real_quick_ratio() >= FUZZY_CUTOFF
                    and matcher.quick_ratio() >= FUZZY_CUTOFF
                    and (ratio := matcher.ratio()) >= FUZZY_CUTOFF
                ):
                    close.append((ratio, candidate))
        return sorted(close, reverse=True)

    def knows(self, word: str) -> bool:
        """Whether the documents use the word (or a part of a compound), a plural or inflection
        of it, or a close spelling; words of no weight (stopwords, initials) count as known."""
        parts = [part for part in words(word) if len(part) > 1 and part not in question_words()]
        return not parts or any(
            part in self._surface
            or stem(part) in self._postings
            or (part.endswith("s") and part[:-1] in self._surface)
            or bool(self.close_terms(part))
            for part in parts
        )

    def question_terms(self, query: str) -> list[tuple[str, str]]:
        """(word, term) pairs of a question, without the words of its phrasing."""
        return [(w, stem(w)) for w in words(query) if w not in question_words()]

    def query_terms(self, query: str) -> list[tuple[str, float]]:
        """(index term, weight) pairs: known terms as they are, unknown ones matched to close spellings."""
        weighted: list[tuple[str, float]] = []
        for word, term in self.question_terms(query):
            if term in self._postings:
                weighted.append((term, 1.0))
            else:
                weighted.extend((close, FUZZY_WEIGHT) for close in self.close_terms(word))
        return weighted

    def scores(
        self, query: str, alternatives: Sequence[str] = (), context: str = "", context_weight: float = 1.0
    ) -> npt.NDArray[np.float32]:
        """BM25 scores of every document; each alternative spelling of a name in the query (a full
        name for an acronym) scores like one more query word: the mean of its words' scores. The
        words of `context` (what an elliptic question leans on) score `context_weight` of theirs."""
        totals = self._scores(self.query_terms(query))
        if context:
            totals += context_weight * self._scores(self.query_terms(context))
        for alternative in alternatives:
            terms = self.query_terms(alternative)
            if terms:
                totals += self._scores(terms) / len(terms)
        return totals

    def _scores(self, terms: list[tuple[str, float]]) -> npt.NDArray[np.float32]:
        totals = np.zeros(self.size, dtype=np.float32)
        for term, weight in terms:
            ids, tfs = self._postings[term]
            totals[ids] += weight * self.idf(term) * tfs * (self.k1 + 1) / (tfs + self._norm[ids])
        return totals

    def coverage(
        self, query: str, alternatives: Sequence[str] = (), context: str = "", context_weight: float = 1.0
    ) -> npt.NDArray[np.float32]:
        """Per document, the share of the query's IDF mass it holds (an unknown word weighs up to
        the most, the more the rarer it is in English, see `unknown_word_share`; one close spelling
        of it counts for FUZZY_WEIGHT of it). With alternative spellings of names, the best of the
        query as it is and the query with each alternative. The words of `context` weigh
        `context_weight` of theirs."""
        best = self._coverage(query, context, context_weight)
        for alternative in alternatives:
            best = np.maximum(best, self._coverage(f"{query} {alternative}", context, context_weight))
        return best

    def _weighed_words(self, query: str, context: str, context_weight: float) -> dict[tuple[str, str], float]:
        """(word, term) -> how much it weighs: the query's fully, the context's words it lacks less."""
        weighed = dict.fromkeys(dict(self.question_terms(query)).items(), 1.0)
        own = {term for _, term in weighed}
        for word, term in dict(self.question_terms(context)).items() if context else ():
            if term not in own:
                weighed[(word, term)] = context_weight
        return weighed

    def _coverage(self, query: str, context: str = "", context_weight: float = 1.0) -> npt.NDArray[np.float32]:
        found = np.zeros(self.size, dtype=np.float32)
        total = 0.0
        for (word, term), share in self._weighed_words(query, context, context_weight).items():
            if term in self._postings:
                weight = share * self.idf(term)
                found[self._postings[term][0]] += weight
            else:
                weight = share * self._max_idf * unknown_word_share(word)
                holders = np.zeros(self.size, dtype=bool)
                for close in self.close_terms(word):
                    holders[self._postings[close][0]] = True
                found += FUZZY_WEIGHT * weight * holders
            total += weight
        # Clipped: float32 sums of the same weights can exceed the float64 total by a rounding error.
        return np.minimum(found / total, np.float32(1.0)) if total else found

    def weighted_terms(
        self, query: str, context: str = "", context_weight: float = 1.0
    ) -> list[tuple[frozenset[str], float, float]]:
        """The question's terms as (index terms that match it, weight, credit): a known term is
        matched by itself with full credit; an unknown word by its close spellings, with
        FUZZY_WEIGHT of the credit, and weighs by its rarity in English (see `coverage`); the
        words of `context`, `context_weight` of that."""
        weighted: list[tuple[frozenset[str], float, float]] = []
        for (word, term), share in self._weighed_words(query, context, context_weight).items():
            if term in self._postings:
                weighted.append((frozenset({term}), share * self.idf(term), 1.0))
            else:
                weight = share * self._max_idf * unknown_word_share(word)
                weighted.append((frozenset(self.close_terms(word)), weight, FUZZY_WEIGHT))
        return weighted


def text_coverage(weighted: list[tuple[frozenset[str], float, float]], terms: set[str] | frozenset[str]) -> float:
    """The share of a question's weight (BM25.weighted_terms) that a text's terms (tokenize) hold."""
    total = sum(weight for _, weight, _ in weighted)
    if not total:
        return 0.0
    found = sum(weight * credit for matches, weight, credit in weighted if matches & terms)
    return min(1.0, found / total)
