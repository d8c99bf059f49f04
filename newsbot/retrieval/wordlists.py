"""General word lists of retrieval and answering, as data files (newsbot/retrieval/data/*.txt:
one entry a line, `#` comments), read on first use."""

from __future__ import annotations

import re
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


@cache
def chat_shorthand() -> dict[str, str]:
    """Shorthand -> the word it stands for (data/chat_shorthand.txt: "r are" a line)."""
    pairs = (line.split() for line in word_list("chat_shorthand"))
    return {pair[0]: pair[1] for pair in pairs if len(pair) == 2}


SHORTHAND_WORD = re.compile(r"(?<![\w.'’-])[a-z0-9]+(?![\w.'’-])")


def spelled_out(text: str) -> str:
    """The text with readers' chat shorthand spelled out ("when r they meeting" -> "when are they
    meeting"); whole lower-case words not next to a full stop, so "U.S.", "y. pestis" or "R v Smith"
    stay as written."""
    shorthand = chat_shorthand()
    return SHORTHAND_WORD.sub(lambda word: shorthand.get(word.group(0), word.group(0)), text)
