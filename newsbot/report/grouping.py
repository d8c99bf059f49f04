"""Declined questions grouped by meaning: similar questions together.

Each question is embedded with the project's MiniLM encoder; the mean embedding of the articles'
paragraphs is taken off first, since questions about one article share its names and would all
look alike; the rest is clustered by complete linkage (every pair in a group is within the
threshold's cosine distance). numpy suffices for the few hundred questions a report groups, so
scipy stays a dev-only dependency. The threshold is fitted on eval/declined-groups.jsonl
(bench/decline_grouping.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

# Cosine distance under which two questions may share a group. bench/decline_grouping.py on
# eval/declined-groups.jsonl (67 questions, 13 groups), pairwise F1 on its two halves: centred
# vectors 0.486 / 0.513 at 0.6, 0.444 / 0.552 at 0.5; uncentred at best 0.476 / 0.468 (0.65).
GROUP_DISTANCE = 0.6

Vectors = npt.NDArray[np.float32]
Embed = Callable[[list[str]], Vectors]


@dataclass(frozen=True)
class QuestionGroup:
    questions: tuple[str, ...]  # every question of the group, the most asked first
    count: int  # how often they were asked, repeats included

    @property
    def examples(self) -> tuple[str, ...]:
        return self.questions[:3]


def normalised(question: str) -> str:
    return " ".join(question.lower().split()).rstrip("?!. ")


def centred(vectors: Vectors, background: Vectors | None) -> Vectors:
    """Unit vectors with the background's mean taken off."""
    if background is not None and len(background):
        vectors = vectors - background.mean(axis=0, keepdims=True)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.maximum(norms, 1e-9), dtype=np.float32)


def complete_linkage(vectors: Vectors, threshold: float) -> list[list[int]]:
    """Agglomerative clustering, complete linkage, cosine distance: merge the two nearest clusters
    while their farthest members are closer than `threshold`. Returns clusters of row numbers."""
    count = len(vectors)
    if count == 0:
        return []
    distance = 1.0 - vectors @ vectors.T
    np.fill_diagonal(distance, np.inf)
    members: dict[int, list[int]] = {row: [row] for row in range(count)}
    alive = np.ones(count, dtype=bool)
    while len(members) > 1:
        masked = np.where(alive[:, None] & alive[None, :], distance, np.inf)
        flat = int(np.argmin(masked))
        first, second = divmod(flat, count)
        if masked[first, second] >= threshold:
            break
        # The merged cluster's distance to any other is its farther member's (complete linkage).
        merged = np.maximum(distance[first], distance[second])
        distance[first, :] = merged
        distance[:, first] = merged
        distance[first, first] = np.inf
        alive[second] = False
        distance[second, :] = np.inf
        distance[:, second] = np.inf
        members[first] += members.pop(second)
    return list(members.values())


def group_questions(
    questions: Sequence[str],
    embed: Embed,
    background: Vectors | None = None,
    threshold: float = GROUP_DISTANCE,
) -> list[QuestionGroup]:
    """The questions grouped by meaning, the most asked group first. The same question typed
    again (case, spacing, final punctuation aside) counts in its group, shown once."""
    tally: dict[str, tuple[str, int]] = {}
    for question in questions:
        key = normalised(question)
        if not key:
            continue
        shown, seen = tally.get(key, (question.strip(), 0))
        tally[key] = (shown, seen + 1)
    if not tally:
        return []
    distinct = list(tally.values())
    vectors = centred(embed([text for text, _ in distinct]), background)
    groups = []
    for rows in complete_linkage(vectors, threshold):
        ranked = sorted((distinct[row] for row in rows), key=lambda item: (-item[1], item[0]))
        groups.append(QuestionGroup(tuple(text for text, _ in ranked), sum(seen for _, seen in ranked)))
    return sorted(groups, key=lambda group: (-group.count, group.questions[0]))
