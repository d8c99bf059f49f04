"""General word lists of retrieval and answering, as data files (newsbot/retrieval/data/*.txt:
one entry a line, `#` comments), read on first use."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def word_list(name: str) -> frozenset[str]:
    """The entries of data/<name>.txt, lower case."""
    text = resources.files("newsbot.retrieval").joinpath("data", f"{name}.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
    )


def stopwords() -> frozenset[str]:
    return word_list("stopwords")


def question_words() -> frozenset[str]:
    return word_list("question_words")
