"""The passages' word pieces in context: all-MiniLM-L6-v2's last-layer state of each piece, kept in
the index, and the evidence they give at the level of a sentence.

"MaxSim" (as in late-interaction retrieval, ColBERT): each content piece of the question is
matched to its most similar piece of a sentence; the sentence's score is the mean of those
similarities, each weighed by how rare its piece is in the articles. A piece's state carries its
context (the paragraph, the article's title), so "It was re-established in April 1991" matches a
question about the stock exchange that sentence is about. The share of the question's weight that
finds no close match says what the sentence does not cover.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import numpy.typing as npt

from newsbot.retrieval.onnx_encoder import TokenStates
from newsbot.retrieval.wordlists import stopwords

TOKENS = "tokens.npy"  # [pieces, dimension] float16, unit rows, every passage's pieces one after another
OFFSETS = "token_offsets.npy"  # [pieces, 2] int32: each piece's character span in its passage's text
PIECES = "token_pieces.npy"  # [pieces] int32: vocabulary ids
ROWS = "token_rows.npy"  # [passages + 1] int64: passage i's pieces are rows ROWS[i]:ROWS[i + 1]
FILES = (TOKENS, OFFSETS, PIECES, ROWS)
# A question piece whose best match in a sentence is below this similarity is not covered by it.
UNMATCHED_BELOW = 0.5


# Token states up to this size in float16 (about a thousand passages; twice that in float32) are
# widened at load.
WIDEN_AT_LOAD_BYTES = 128 * 1024 * 1024


@dataclass(frozen=True)
class PassageTokens:
    tokens: npt.NDArray[np.float32]
    offsets: npt.NDArray[np.int32]

    def pieces_within(self, start: int, end: int) -> slice | npt.NDArray[np.bool_]:
        """Which pieces lie inside the character span [start, end), to index `tokens` with: a
        slice (a view, not a copy) when they follow each other, as a sentence's do."""
        inside = (self.offsets[:, 0] >= start) & (self.offsets[:, 1] <= end)
        found = np.flatnonzero(inside)
        if len(found) and found[-1] - found[0] + 1 == len(found):
            return slice(int(found[0]), int(found[-1]) + 1)
        return inside


def text_part(
    state: TokenStates, prefix: int
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int32], npt.NDArray[np.int32]]:
    """The pieces of the text after a prefix of `prefix` characters (the title), offsets shifted."""
    keep = state.offsets[:, 0] >= prefix
    return state.tokens[keep], state.offsets[keep] - prefix, state.pieces[keep]


class TokenStore:
    """Every passage's piece states, in passage order."""

    def __init__(
        self,
        tokens: npt.NDArray[np.float16],
        offsets: npt.NDArray[np.int32],
        pieces: npt.NDArray[np.int32],
        rows: npt.NDArray[np.int64],
        widened: npt.NDArray[np.float32] | None = None,
        widen: bool = True,
    ) -> None:
        self.tokens = tokens
        # Kept in float16 on disk; widened once here when that is cheap (the same values: a search
        # compares the question with most passages, and widening each on every question cost a
        # quarter of a search), else widened passage by passage. `widened`: already done (a subset's
        # view of the whole store's); `widen` False: passage by passage (a subset of a store too
        # large to widen, which a newsroom's hundreds of stories would otherwise widen piecemeal).
        if widened is None and widen and tokens.nbytes <= WIDEN_AT_LOAD_BYTES:
            widened = tokens.astype(np.float32)
        self._widened = widened
        self.offsets = offsets
        self.pieces = pieces
        self.rows = rows
        # Rarity of each piece: in how many passages it occurs.
        frequency: Counter[int] = Counter()
        for passage in range(len(rows) - 1):
            frequency.update(set(pieces[rows[passage] : rows[passage + 1]].tolist()))
        self._frequency = frequency
        self._size = max(1, len(rows) - 1)

    @classmethod
    def of(
        cls, parts: list[tuple[npt.NDArray[np.float32], npt.NDArray[np.int32], npt.NDArray[np.int32]]]
    ) -> TokenStore:
        counts = [len(tokens) for tokens, _, _ in parts]
        dimension = parts[0][0].shape[1] if parts and counts[0] else 0
        rows = np.zeros(len(parts) + 1, dtype=np.int64)
        rows[1:] = np.cumsum(counts)
        tokens = (
            np.concatenate([t for t, _, _ in parts]).astype(np.float16)
            if parts
            else np.zeros((0, dimension), np.float16)
        )
        offsets = np.concatenate([o for _, o, _ in parts]).astype(np.int32) if parts else np.zeros((0, 2), np.int32)
        pieces = np.concatenate([p for _, _, p in parts]).astype(np.int32) if parts else np.zeros(0, np.int32)
        return cls(tokens, offsets.reshape(-1, 2), pieces, rows)

    def save(self, folder: Path) -> None:
        np.save(folder / TOKENS, self.tokens)
        np.save(folder / OFFSETS, self.offsets)
        np.save(folder / PIECES, self.pieces)
        np.save(folder / ROWS, self.rows)

    @classmethod
    def load(cls, folder: Path) -> TokenStore:
        return cls(
            np.load(folder / TOKENS),
            np.load(folder / OFFSETS),
            np.load(folder / PIECES),
            np.load(folder / ROWS),
        )

    @property
    def passages(self) -> int:
        return len(self.rows) - 1

    def passage(self, position: int) -> PassageTokens:
        start, end = int(self.rows[position]), int(self.rows[position + 1])
        states = self._widened[start:end] if self._widened is not None else self.tokens[start:end].astype(np.float32)
        return PassageTokens(states, self.offsets[start:end])

    def subset(self, first: int, last: int) -> TokenStore:
        """The store of passages first to last (inclusive) only, their rarities counted among them:
        views of this store's arrays, nothing copied (a searcher of one article of many; the
        passages of an article follow each other)."""
        start, end = int(self.rows[first]), int(self.rows[last + 1])
        rows = self.rows[first : last + 2] - start
        widened = None if self._widened is None else self._widened[start:end]
        return TokenStore(
            self.tokens[start:end],
            self.offsets[start:end],
            self.pieces[start:end],
            rows,
            widened=widened,
            widen=widened is not None,
        )

    def idf(self, piece: int) -> float:
        frequency = self._frequency.get(piece, 0)
        return math.log(1 + (self._size - frequency + 0.5) / (frequency + 0.5))


@dataclass(frozen=True)
class QuestionTokens:
    """The question's content pieces (no stopwords, no punctuation) and their weights."""

    tokens: npt.NDArray[np.float32]  # [content pieces, dimension]
    weights: npt.NDArray[np.float32]  # [content pieces], sum 1

    @property
    def empty(self) -> bool:
        return len(self.weights) == 0

    @cached_property
    def rarest(self) -> npt.NDArray[np.int64]:
        """The positions of its RAREST rarest pieces (the highest weights), rarest first."""
        return np.argsort(-self.weights, kind="stable")[:RAREST]


def question_tokens(
    state: TokenStates,
    piece_texts: list[str],
    store: TokenStore,
    context_from: int | None = None,
    context_weight: float = 1.0,
) -> QuestionTokens:
    """The pieces of the question that say what it is about, weighed by their rarity in the
    articles; those from character `context_from` on (what an elliptic question leans on, encoded
    after it) by `context_weight` of that."""
    keep = [
        position
        for position, text in enumerate(piece_texts)
        if text.lstrip("#").isalnum() and text.lstrip("#").lower() not in stopwords()
    ]
    if not keep:
        return QuestionTokens(np.zeros((0, state.tokens.shape[1]), np.float32), np.zeros(0, np.float32))
    weights = np.array([store.idf(int(state.pieces[position])) for position in keep], dtype=np.float32)
    if context_from is not None:
        weights *= np.where(state.offsets[keep, 0] >= context_from, np.float32(context_weight), np.float32(1.0))
    weights = weights / weights.sum() if weights.sum() > 0 else np.full(len(keep), 1 / len(keep), np.float32)
    return QuestionTokens(state.tokens[keep], weights)


@dataclass(frozen=True)
class Match:
    """How well a sentence (or passage) matches the question's pieces."""

    maxsim: float  # weighted mean of each question piece's best similarity
    unmatched: float  # weighted share of question pieces with no match above UNMATCHED_BELOW
    weakest: float  # the worst best similarity among the question's RAREST pieces (what it is most about)


NO_MATCH = Match(0.0, 1.0, 0.0)
# How many of the question's rarest pieces `Match.weakest` looks at.
RAREST = 3


def match(question: QuestionTokens, states: npt.NDArray[np.float32]) -> Match:
    if question.empty or not len(states):
        return NO_MATCH
    best = (question.tokens @ states.T).max(axis=1)
    return Match(
        float(best @ question.weights),
        float(question.weights @ (best < UNMATCHED_BELOW)),
        float(best[question.rarest].min()),
    )
