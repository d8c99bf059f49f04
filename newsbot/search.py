"""Hybrid retrieval: dense (FAISS) and BM25 scores fused per paragraph, and the decline decision."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from newsbot.answer_types import expected_answer_type, holds_answer_type
from newsbot.attribution import NARRATOR
from newsbot.bm25 import tokenize
from newsbot.decline import EVIDENCE_HITS, DeclineModel
from newsbot.embeddings import embed
from newsbot.index import LoadedIndex
from newsbot.passages import Passage

MAX_QUESTION_CHARS = 2000
CANDIDATES = 100
# Weight of the dense score in the fusion of min-max normalized dense and BM25 scores,
# tuned on the XQuAD dev set (see the README's evaluation section).
DENSE_WEIGHT = 0.5
# Added to the fused score of a passage holding the kind of answer the question asks for
# (a time for "when", a number for "how many", ...).
ANSWER_TYPE_BOOST = 0.1
# Added, times the share of the speaker's name the question uses, to a passage whose speaker
# the question names ("what did Labour sources say ...").
SPEAKER_BOOST = 0.15


PERSON = re.compile(r"^(?:[A-Z][\w'’-]+ )+[A-Z][\w'’-]+$")


def is_person(speaker: str) -> bool:
    """A speaker label that is a personal name ("Jeremy Corbyn"), not a group ("Labour sources")."""
    return bool(PERSON.match(speaker))


# Words of anonymous speakers' labels that name no one ("a source", "a representative").
GENERIC_SPEAKER_TERMS = frozenset(
    tokenize("source sources representative representatives spokesman spokeswoman spokesperson official officials")
)


@lru_cache(maxsize=4096)
def speaker_terms(speaker: str) -> tuple[str, ...]:
    """The words that identify a speaker: "Labour sources" -> ("labour",); "a source" -> ()."""
    return tuple(term for term in tokenize(re.sub(r"\(.*?\)", "", speaker)) if term not in GENERIC_SPEAKER_TERMS)


NAME_RUN = re.compile(r"\b[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*")


class Mode(StrEnum):
    HYBRID = "hybrid"
    BM25 = "bm25"
    DENSE = "dense"


class QuestionError(ValueError):
    """The question cannot be searched (empty or too long)."""


def check_question(question: str) -> str:
    text = question.strip()
    if not text:
        raise QuestionError("the question is empty")
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(f"the question is {len(text)} characters long; the limit is {MAX_QUESTION_CHARS}")
    return text


# Added to the fused score of passages by speakers a caller prefers (see Shaping).
PREFERENCE_BOOST = 0.25


@dataclass(frozen=True)
class Shaping:
    """How a caller shapes retrieval beyond the question (a topic's words, whose voice it wants)."""

    expansion: str = ""  # words added to the lexical query
    prefer_speakers: tuple[str, ...] = ()  # lower-case parts of speaker labels to favour
    exclude: frozenset[tuple[str, int]] = frozenset()  # (article, paragraph) pairs to leave out

    def prefers(self, speaker: str) -> bool:
        label = speaker.lower()
        return any(part in label for part in self.prefer_speakers)


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float  # the ranking key: fused score in [0, 1] plus any boosts
    dense: float  # cosine similarity of question and passage
    coverage: float  # share of the question's IDF mass found in the passage


@dataclass(frozen=True)
class SearchResult:
    question: str
    answerable: bool
    confidence: float  # the decline model's probability that the articles answer the question
    hits: list[Hit]
    unknown_names: tuple[str, ...] = ()  # names in the question that the articles never mention


def _min_max(values: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-9:
        return np.zeros_like(values) if high <= 0 else np.ones_like(values)
    return (values - low) / (high - low)


class Searcher:
    def __init__(self, index: LoadedIndex, model: str, decline: DeclineModel | None = None) -> None:
        self.index = index
        self.model = model
        self.decline = decline or DeclineModel()
        speakers: dict[str, list[int]] = {}
        for position, passage in enumerate(index.passages):
            if passage.speaker != NARRATOR:
                speakers.setdefault(passage.speaker, []).append(position)
        self._speakers = {speaker: np.array(members) for speaker, members in speakers.items()}

    def _speaker_matches(self, question: str) -> npt.NDArray[np.float32]:
        """Per passage, how much of its speaker's name the question uses (a person's surname is enough)."""
        asked = {term for _, term in self.index.bm25.question_terms(question)}
        matches = np.zeros(len(self.index.passages), dtype=np.float32)
        for speaker, members in self._speakers.items():
            terms = speaker_terms(speaker)
            if not terms or not asked & set(terms):
                continue
            share = 1.0 if is_person(speaker) and terms[-1] in asked else len(asked & set(terms)) / len(terms)
            matches[members] = share
        return matches

    def search(
        self, question: str, k: int = 5, mode: Mode = Mode.HYBRID, shaping: Shaping | None = None
    ) -> SearchResult:
        text = check_question(question)
        query_vector = embed(self.model, [text])[0]
        return self.search_embedded(text, query_vector, k, mode, shaping)

    def search_many(self, questions: list[str], k: int = 5, mode: Mode = Mode.HYBRID) -> list[SearchResult]:
        texts = [check_question(q) for q in questions]
        vectors = embed(self.model, texts) if texts else np.zeros((0, 0), dtype=np.float32)
        return [self.search_embedded(t, v, k, mode) for t, v in zip(texts, vectors, strict=True)]

    def search_embedded(
        self,
        text: str,
        query_vector: npt.NDArray[np.float32],
        k: int,
        mode: Mode = Mode.HYBRID,
        shaping: Shaping | None = None,
    ) -> SearchResult:
        index = self.index
        alternatives = index.lexicon.alternatives(text)
        lexical_all = index.bm25.scores(text, alternatives)
        coverage_all = index.bm25.coverage(text, alternatives)
        candidates = self._candidates(query_vector, lexical_all)
        dense = index.vectors[candidates] @ query_vector
        fused = self._fused(text, candidates, dense, lexical_all[candidates], mode)
        # The decision to decline rests on the question alone, before any shaping.
        evidence = [int(p) for p in self._best_per_paragraph(candidates, fused, EVIDENCE_HITS)]
        confidence = self.decline.confidence([(float(dense[p]), float(coverage_all[candidates[p]])) for p in evidence])
        unknown = self.unknown_names(text)
        if shaping is not None:
            if shaping.expansion:
                expanded = index.bm25.scores(f"{text} {shaping.expansion}", alternatives)
                fused = self._fused(text, candidates, dense, expanded[candidates], mode)
            if shaping.prefer_speakers:
                preferred = [shaping.prefers(index.passages[int(c)].speaker) for c in candidates]
                fused = fused + np.float32(PREFERENCE_BOOST) * np.array(preferred, dtype=np.float32)
        excluded = shaping.exclude if shaping else frozenset()
        hits = [
            Hit(
                passage=index.passages[int(candidates[p])],
                score=round(float(fused[p]), 4),
                dense=round(float(dense[p]), 4),
                coverage=round(float(coverage_all[candidates[p]]), 4),
            )
            for p in self._best_per_paragraph(candidates, fused, k, excluded)
        ]
        answerable = confidence >= self.decline.threshold and not unknown
        return SearchResult(text, answerable, round(confidence, 4), hits, unknown)

    def unknown_names(self, question: str) -> tuple[str, ...]:
        """Names in the question that the articles never mention: runs of capitalised words (past
        the question's first word) whose last word (the family name, the head of a title: "Theresa
        May", "Chief Rabbi") the articles do not use, nor an acronym they define."""
        unknown: list[str] = []
        for run in NAME_RUN.finditer(question):
            words = run.group(0).split()
            if run.start() == 0:
                words = words[1:]
            if words and not self._knows(words[-1]):
                unknown.append(" ".join(words))
        return tuple(unknown)

    def _knows(self, word: str) -> bool:
        return self.index.bm25.knows(word) or word.lower() in self.index.lexicon.expansions

    def _candidates(
        self, query_vector: npt.NDArray[np.float32], lexical_all: npt.NDArray[np.float32]
    ) -> npt.NDArray[np.int64]:
        total = len(self.index.passages)
        if total <= CANDIDATES:
            return np.arange(total)
        _, dense_top = self.index.faiss_index.search(query_vector[None, :], CANDIDATES)
        lexical_top = np.argpartition(-lexical_all, CANDIDATES)[:CANDIDATES]
        return np.union1d(dense_top[0][dense_top[0] >= 0], lexical_top)

    def _fused(
        self,
        text: str,
        candidates: npt.NDArray[np.int64],
        dense: npt.NDArray[np.float32],
        lexical: npt.NDArray[np.float32],
        mode: Mode,
    ) -> npt.NDArray[np.float32]:
        if mode is Mode.DENSE:
            fused = _min_max(dense)
        elif mode is Mode.BM25:
            fused = _min_max(lexical)
        else:
            fused = DENSE_WEIGHT * _min_max(dense) + (1 - DENSE_WEIGHT) * _min_max(lexical)
        fused = fused + np.float32(SPEAKER_BOOST) * self._speaker_matches(text)[candidates]
        answer_type = expected_answer_type(text)
        if answer_type is not None:
            passages = self.index.passages
            holds = np.array(
                [holds_answer_type(passages[int(c)].text, answer_type) for c in candidates], dtype=np.float32
            )
            fused = fused + np.float32(ANSWER_TYPE_BOOST) * holds
        return fused

    def _best_per_paragraph(
        self,
        candidates: npt.NDArray[np.int64],
        fused: npt.NDArray[np.float32],
        k: int,
        excluded: frozenset[tuple[str, int]] = frozenset(),
    ) -> list[int]:
        """Positions of the k best candidates, one per paragraph (a long paragraph has several windows)."""
        best: dict[tuple[str, int], int] = {}
        for position in np.argsort(-fused, kind="stable"):
            passage = self.index.passages[int(candidates[position])]
            key = (passage.article, passage.paragraph)
            if key not in best and key not in excluded:
                best[key] = int(position)
                if len(best) >= k:
                    break
        return list(best.values())
