"""Who speaks in each paragraph of an article: general rules (rules.py) over word lists (data/).

The word lists are read on first use (lexicon.py), never at import.
"""

from newsbot.attribution.rules import (
    CONTINUATION,
    NARRATION,
    QUOTE,
    REPORTED,
    Attribution,
    attribute_paragraphs,
    unnamed_words,
)
from newsbot.domain import NARRATOR

__all__ = [
    "CONTINUATION",
    "NARRATION",
    "NARRATOR",
    "QUOTE",
    "REPORTED",
    "Attribution",
    "attribute_paragraphs",
    "unnamed_words",
]
