"""Who speaks in each paragraph of an article: general rules (rules.py) over word lists (data/)."""

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
