"""What went wrong with the shared stores during the turn being handled, so the REST channel can
answer 503 instead of a reply made from an empty conversation.

Rasa wraps the tracker store in its FailSafeTrackerStore, which swallows a database error and
carries on with an empty conversation kept in memory: the reader would get an answer that forgot
the conversation, and the turn would be lost. The stores report their failures here; the channel
reads them once the turn is handled. A context variable keeps concurrent turns apart.
"""

from __future__ import annotations

from contextvars import ContextVar

CONVERSATIONS_UNAVAILABLE = "conversations_unavailable"
LOCKS_UNAVAILABLE = "locks_unavailable"

_problems: ContextVar[set[str] | None] = ContextVar("newsbot_turn_problems", default=None)


def begin_turn() -> set[str]:
    """A fresh record for the turn this task handles; the stores add to it."""
    problems: set[str] = set()
    _problems.set(problems)
    return problems


def report(problem: str) -> None:
    problems = _problems.get()
    if problems is not None:
        problems.add(problem)
