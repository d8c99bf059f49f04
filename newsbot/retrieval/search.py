"""Hybrid retrieval: dense (FAISS) and BM25 scores fused per paragraph, and the decline decision."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from newsbot.attribution import unnamed_words
from newsbot.domain import Passage, Speaker, SpeakerKind
from newsbot.retrieval.answer_types import expected_answer_type, holds_answer_type
from newsbot.retrieval.bm25 import FUZZY_CUTOFF, STOPWORDS, stem, tokenize
from newsbot.retrieval.bm25 import words as tokenize_words
from newsbot.retrieval.decline import EVIDENCE_HITS, DeclineModel, Evidence
from newsbot.retrieval.embeddings import embed
from newsbot.retrieval.index import LoadedIndex

MAX_QUESTION_CHARS = 2000
CANDIDATES = 100
# Weight of the dense score in the fusion of min-max normalized dense and BM25 scores,
# tuned on the XQuAD dev set (see the README's evaluation section).
DENSE_WEIGHT = 0.5
# Added to the fused score of a passage holding the kind of answer the question asks for
# (a time for "when", a number for "how many", ...). Chosen on the seed dev set: 0.30-0.35 give
# its best hit@3; XQuAD dev is the same from 0.1 to 0.4.
ANSWER_TYPE_BOOST = 0.3
# Added to the fused score of a passage spelling out the acronym a question asks the meaning of
# ("what does JLC stand for": the passage that says "Jewish Leadership Council").
EXPANSION_BOOST = 0.5
# Added, times the share of the speaker's name the question uses, to a passage whose speaker
# the question names ("what did Labour sources say ...").
SPEAKER_BOOST = 0.15
# Subtracted from the fused score of a passage in which another named voice talks about the one
# whose acts the question asks for ("what did Labour commit to": not the Board's "we will hold
# Labour to account ... we also commit"). See Searcher._other_voices.
OTHER_VOICE_PENALTY = 0.5


@lru_cache(maxsize=4096)
def speaker_terms(speaker: Speaker) -> tuple[str, ...]:
    """The words that identify a speaker: "Labour sources" -> ("labour",); "a source" -> (); the
    issuers of a joint statement, not the words "joint statement"."""
    label = speaker.label
    if speaker.kind is SpeakerKind.NARRATION:
        return ()
    if speaker.kind is SpeakerKind.JOINT_STATEMENT:
        label = re.sub(r"\(.*?\)", "", label)
    terms = tokenize(label)
    if speaker.kind is SpeakerKind.ANONYMOUS:
        unnamed = anonymous_terms()
        terms = [term for term in terms if term not in unnamed]
    return tuple(terms)


@lru_cache(maxsize=1)
def anonymous_terms() -> frozenset[str]:
    """Stems of the words of anonymous speakers' labels that name no one ("a source", "one official")."""
    return frozenset(tokenize(" ".join(unnamed_words())))


# "What did X say (about ...)": a question asking for someone's words.
SAID_QUESTION = re.compile(
    r"\bwhat (?:did|does|do|has|have|had|would|will) (.+?) (?:say|said|tell|told|think|thought|write|wrote|argue|"
    r"claim|reply|respond)\b",
    re.I,
)
# "What did X do (...)": a question about someone's acts or words; X is among the first words of group 1.
ACTOR_QUESTION = re.compile(
    r"\b(?:what|how|who|whom|why|when|where|which) (?:did|does|do|has|have|had|would|will) "
    r"(?:the )?((?:[\w'’-]+ ?){1,4})",
    re.I,
)
# Words of a voice speaking for itself: its own acts, not the ones it reports.
FIRST_PERSON = re.compile(r"\b(?:[Ww]e|[Oo]urs?|[Mm]y|[Mm]e|us|I)\b")
REPORTING_VERB = (
    r"(?:said|says|told|tells|added|adds|stated|argued|claimed|insisted|warned|wrote|explained|replied|commented|"
    r"declared|announced|confirmed|stressed|attacked|described|called|urged|asked|offered|suggested|promised|"
    r"pledged|committed|agreed|refused|rejected|accepted|admitted|denied|responded|complained|criticised|demanded)"
)
# A name whose words the narration reports ("Mr Golstein said that ...", "Ms Formby also committed to",
# "according to Mr X").
REPORTED_NAME = re.compile(
    rf"\b([A-Z][\w'’-]+)\s+(?:(?:has|had|have|also|then)\s+)?{REPORTING_VERB}\b"
    r"|\baccording to (?:[\w'’-]+\s+){0,3}?([A-Z][\w'’-]+)"
)
CASED_WORD = re.compile(r"\b[A-Za-z][\w'’-]*")
NAME_RUN = re.compile(r"\b[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*")


# A question asking what an acronym stands for.
ACRONYM_QUESTION = re.compile(
    r"\bwhat (?:does|do|did) (?:the )?([A-Za-z]{2,8}) stand for\b|\bwhat is (?:the )?([A-Za-z]{2,8}) short for\b"
    r"|\bfull (?:name|form) of (?:the )?([A-Za-z]{2,8})\b|\bwhat (?:does|do) (?:the )?(?:letters |initials )?"
    r"([A-Za-z]{2,8}) mean\b",
    re.I,
)


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
    prefer_speakers: frozenset[Speaker] = frozenset()  # speakers whose passages to favour
    exclude: frozenset[tuple[str, int]] = frozenset()  # (article, paragraph) pairs to leave out
    # The expansion names a topic the articles cover (the bot's NLU recognised it): question words
    # it holds need no passage of their own before the question is answered ("what did Corbyn
    # promise" asks about commitments; "who was there?" about attendance). Never declines more.
    vouches: bool = False

    def prefers(self, speaker: Speaker) -> bool:
        return speaker in self.prefer_speakers


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float  # the ranking key: fused score in [0, 1] plus any boosts
    dense: float  # cosine similarity of question and passage
    coverage: float  # share of the question's IDF mass found in the passage
    lacks_answer_type: bool = False  # the question asks for a kind of answer (a time, a number) the passage lacks


@dataclass(frozen=True)
class SearchResult:
    question: str
    answerable: bool
    confidence: float  # the decline model's probability that the articles answer the question
    hits: list[Hit]
    unknown_names: tuple[str, ...] = ()  # names in the question that the articles never mention
    unquoted_names: tuple[str, ...] = ()  # people whose words the question asks for, never quoted in the articles


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
        speakers: dict[Speaker, list[int]] = {}
        for position, passage in enumerate(index.passages):
            if passage.speaker.kind is not SpeakerKind.NARRATION:
                speakers.setdefault(passage.speaker, []).append(position)
        self._speakers = {speaker: np.array(members) for speaker, members in speakers.items()}
        # What readers call the articles' people (facts beside each article): "jezza" -> "Jeremy Corbyn".
        self._aliases = {alias.lower(): name for facts in index.facts.values() for alias, name in facts.aliases.items()}
        # Who is heard in the articles: every speaker (and the other spelling of an acronym in the
        # label), and names the narration reports ("Mr Golstein said that ...").
        heard: set[str] = set()
        for speaker in self._speakers:
            heard.update(speaker_terms(speaker))
            for alternative in index.lexicon.alternatives(speaker.label):
                heard.update(tokenize(alternative))
        lower: set[str] = set()
        capitalised: set[str] = set()
        for passage in index.passages:
            for match in REPORTED_NAME.finditer(passage.text):
                heard.update(tokenize(match.group(1) or match.group(2)))
            for word in CASED_WORD.findall(passage.text):
                (capitalised if word[0].isupper() else lower).add(word.lower())
        # The voices the articles' facts name for each side speak in them too ("the residents").
        for facts in index.facts.values():
            for side in facts.sides:
                for voice in side.voices:
                    heard.update(tokenize(voice))
        self._heard = frozenset(heard)
        # Words the articles only ever write capitalised: names ("Walker", "Labour"), not "leaders".
        self._proper = frozenset(capitalised - lower)

    def alternatives(self, question: str) -> list[str]:
        """Other spellings of names in the question: acronyms and their full names, and the
        article's names for what readers call its people."""
        found = self.index.lexicon.alternatives(question)
        lowered = f" {' '.join(tokenize_words(question))} "
        for alias, name in self._aliases.items():
            if f" {' '.join(tokenize_words(alias))} " in lowered and name.lower() not in question.lower():
                found.append(name)
        return found

    def asked_sides(self, question: str) -> dict[str, set[str]]:
        """Per article, the sides of its facts that the question names by one of their voices
        ("what did the residents say" names the residents' side)."""
        asked = {term for _, term in self.index.bm25.question_terms(question)}
        named: dict[str, set[str]] = {}
        for article, facts in self.index.facts.items():
            for side in facts.sides:
                if any(set(tokenize(voice)) and set(tokenize(voice)) <= asked for voice in side.voices):
                    named.setdefault(article, set()).add(side.name)
        return named

    def _speaker_matches(self, question: str) -> npt.NDArray[np.float32]:
        """Per passage, how much of its speaker's name the question uses (a person's surname is
        enough); all of it when the question names the side the speaker speaks for."""
        asked = {term for _, term in self.index.bm25.question_terms(question)}
        matches = np.zeros(len(self.index.passages), dtype=np.float32)
        for speaker, members in self._speakers.items():
            terms = speaker_terms(speaker)
            if not terms or not asked & set(terms):
                continue
            is_person = speaker.kind is SpeakerKind.PERSON
            share = 1.0 if is_person and terms[-1] in asked else len(asked & set(terms)) / len(terms)
            matches[members] = share
        sides = self.asked_sides(question)
        if sides:
            for position, passage in enumerate(self.index.passages):
                facts = self.index.facts.get(passage.article)
                if facts is not None and facts.side_of(passage.speaker) in sides.get(passage.article, ()):
                    matches[position] = 1.0
        return matches

    def _other_voices(self, question: str) -> npt.NDArray[np.float32]:
        """Per passage, 1 where another named voice, speaking for itself, talks about the one whose
        acts the question asks for: the question asks what X did or said, X is a voice of the
        articles (a speaker's name holds X's words), and the passage's speaker is named, is not X,
        says "we", "our" or "I", and mentions X ("We will hold the Labour Party to account ... We
        also commit" is the Board's commitment, not Labour's). Anonymous sources, the narration and
        reports in the third person are never demoted: they report X's acts."""
        voices = np.zeros(len(self.index.passages), dtype=np.float32)
        match = ACTOR_QUESTION.search(question)
        if match is None:
            return voices
        actor = self._asked_voice(match.group(1).split())
        if not actor:
            return voices
        for speaker, members in self._speakers.items():
            terms = set(speaker_terms(speaker))
            if not terms or terms & actor:
                continue
            for position in members:
                text = self.index.passages[int(position)].text
                if FIRST_PERSON.search(text) and actor <= set(tokenize(text)):
                    voices[position] = 1.0
        return voices

    def _asked_voice(self, words: list[str]) -> set[str]:
        """The terms of the longest run of the first words that names a voice of the articles."""
        for length in range(len(words), 0, -1):
            terms = set(tokenize(" ".join(words[:length]))) - anonymous_terms()
            if terms and any(terms <= set(speaker_terms(speaker)) for speaker in self._speakers):
                return terms
        return set()

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
        alternatives = self.alternatives(text)
        lexical_all = index.bm25.scores(text, alternatives)
        coverage_all = index.bm25.coverage(text, alternatives)
        candidates = self._candidates(query_vector, lexical_all)
        dense = index.vectors[candidates] @ query_vector
        holds = self._answer_types(text, candidates)
        fused = self._fused(text, candidates, dense, lexical_all[candidates], mode, holds)
        # The decision to decline rests on the question, before any shaping; only a topic that
        # vouches for some of its words can turn a decline into an answer (see Shaping.vouches).
        evidence = self._best_per_paragraph(candidates, fused, EVIDENCE_HITS)
        confidence = self._confidence(evidence, dense, coverage_all[candidates], holds)
        unknown = self.unknown_names(text)
        unquoted = self.unquoted_names(text)
        if shaping is not None:
            if shaping.expansion:
                expanded = index.bm25.scores(f"{text} {shaping.expansion}", alternatives)
                fused = self._fused(text, candidates, dense, expanded[candidates], mode, holds)
            if shaping.prefer_speakers:
                preferred = [shaping.prefers(index.passages[int(c)].speaker) for c in candidates]
                fused = fused + np.float32(PREFERENCE_BOOST) * np.array(preferred, dtype=np.float32)
            if shaping.vouches:
                shown = self._best_per_paragraph(candidates, fused, EVIDENCE_HITS)
                vouched = self._vouched_confidence(text, shaping.expansion, candidates, shown, dense, holds)
                confidence = max(confidence, vouched)
        excluded = shaping.exclude if shaping else frozenset()
        hits = [
            Hit(
                passage=index.passages[int(candidates[p])],
                score=round(float(fused[p]), 4),
                dense=round(float(dense[p]), 4),
                coverage=round(float(coverage_all[candidates[p]]), 4),
                lacks_answer_type=holds is not None and not holds[p],
            )
            for p in self._best_per_paragraph(candidates, fused, k, excluded)
        ]
        answerable = confidence >= self.decline.threshold and not unknown and not unquoted
        return SearchResult(text, answerable, round(confidence, 4), hits, unknown, unquoted)

    def _confidence(
        self,
        positions: list[int],
        dense: npt.NDArray[np.float32],
        coverage: npt.NDArray[np.float32],
        holds: npt.NDArray[np.float32] | None,
    ) -> float:
        """The decline model's confidence from the candidates at `positions`; `dense`, `coverage`
        and `holds` are per candidate."""
        return self.decline.confidence(
            [Evidence(float(dense[p]), float(coverage[p]), holds is not None and not holds[p]) for p in positions]
        )

    def _vouched_confidence(
        self,
        text: str,
        topic: str,
        candidates: npt.NDArray[np.int64],
        shown: list[int],
        dense: npt.NDArray[np.float32],
        holds: npt.NDArray[np.float32] | None,
    ) -> float:
        """The decline model's confidence in the candidates `shown` when the question words a topic
        holds count as answered: the coverage is that of the question's other words, all of it when
        none is left. 0 when the topic holds none of the question's words."""
        bm25 = self.index.bm25
        topic_terms = set(tokenize(topic))
        asked = bm25.question_terms(text)
        own = [word for word, term in asked if term not in topic_terms]
        if len(own) == len(asked) and asked:
            return 0.0
        if own:
            rest = " ".join(own)
            coverage = bm25.coverage(rest, self.alternatives(rest))[candidates]
        else:
            coverage = np.ones(len(candidates), dtype=np.float32)
        return self._confidence(shown, dense, coverage, holds)

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

    def unquoted_names(self, question: str) -> tuple[str, ...]:
        """Whom the question asks the words of ("what did Jackie Walker say ..."), when the articles
        name them but never quote them: no passage is theirs and the narration never reports them.
        Only names count (words the articles write capitalised only): "what did the leaders say" asks
        about no one in particular."""
        match = SAID_QUESTION.search(question)
        if match is None:
            return ()
        asked = [word for word in CASED_WORD.findall(match.group(1)) if word.lower() not in STOPWORDS]
        if not asked:
            return ()
        last = re.sub(r"['’]s$", "", asked[-1].lower())
        spellings = {last, *difflib.get_close_matches(last, self._proper, n=3, cutoff=FUZZY_CUTOFF)}
        if not spellings & self._proper:
            return ()  # not a name the articles use (or not a name at all)
        terms = {stem(word) for word in spellings} | set(self.index.bm25.close_terms(last))
        if terms & self._heard:
            return ()
        return (" ".join(asked),)

    def asked_expansion(self, question: str) -> str | None:
        """The full name (lower case) of the acronym a question asks the meaning of ("what does JLC
        stand for" -> "jewish leadership council"), when the articles define it."""
        match = ACRONYM_QUESTION.search(question)
        if match is None:
            return None
        phrase = self.index.lexicon.expansions.get(next(g for g in match.groups() if g).lower())
        return phrase.lower() if phrase else None

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

    def _answer_types(self, text: str, candidates: npt.NDArray[np.int64]) -> npt.NDArray[np.float32] | None:
        """Per candidate, whether it holds the kind of answer the question asks for (None: no kind asked)."""
        answer_type = expected_answer_type(text)
        if answer_type is None:
            return None
        passages = self.index.passages
        return np.array(
            [holds_answer_type(passages[int(c)].text, answer_type, text) for c in candidates], dtype=np.float32
        )

    def _fused(
        self,
        text: str,
        candidates: npt.NDArray[np.int64],
        dense: npt.NDArray[np.float32],
        lexical: npt.NDArray[np.float32],
        mode: Mode,
        holds: npt.NDArray[np.float32] | None,
    ) -> npt.NDArray[np.float32]:
        if mode is Mode.DENSE:
            fused = _min_max(dense)
        elif mode is Mode.BM25:
            fused = _min_max(lexical)
        else:
            fused = DENSE_WEIGHT * _min_max(dense) + (1 - DENSE_WEIGHT) * _min_max(lexical)
        fused = fused + np.float32(SPEAKER_BOOST) * self._speaker_matches(text)[candidates]
        fused = fused - np.float32(OTHER_VOICE_PENALTY) * self._other_voices(text)[candidates]
        if holds is not None:
            fused = fused + np.float32(ANSWER_TYPE_BOOST) * holds
        expansion = self.asked_expansion(text)
        if expansion is not None:
            passages = self.index.passages
            spelled = np.array([expansion in passages[int(c)].text.lower() for c in candidates], dtype=np.float32)
            fused = fused + np.float32(EXPANSION_BOOST) * spelled
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
