"""Quotations: which text of a paragraph is quoted, across paragraphs too.

The rules look for reporting patterns outside quotations only, so a paragraph is scanned first
and its quoted words masked with "_".
"""

from __future__ import annotations

from dataclasses import dataclass

_QUOTE_CHARS = frozenset('"“”')
_OPENING_CONTEXT = frozenset("([{“\u2014\u2013")  # brackets, opening quote, dashes


@dataclass(frozen=True)
class QuoteScan:
    masked: str  # quotation content replaced by "_", quote marks made curly
    starts_with_open: bool
    has_marks: bool
    open_at_end: bool


def _is_opening(text: str, i: int) -> bool:
    ch = text[i]
    if ch == "“":
        return True
    if ch == "”":
        return False
    prev = text[i - 1] if i > 0 else ""
    return prev == "" or prev.isspace() or prev in _OPENING_CONTEXT


def scan_quotes(text: str, open_at_start: bool) -> QuoteScan:
    """Mask quotation content, given whether a quote is open from before.

    A paragraph that does not start with a quote mark while a quotation is
    still open starts inside that quotation if its first quote mark closes
    (or if it has no quote marks at all: a dropped opening mark).
    """
    stripped = text.lstrip()
    starts_with_open = stripped[:1] in ('"', "“")
    marks = [i for i, ch in enumerate(text) if ch in _QUOTE_CHARS]
    inside = False
    if open_at_start and not starts_with_open:
        inside = not marks or not _is_opening(text, marks[0])
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch in _QUOTE_CHARS:
            if _is_opening(text, i):
                inside = True
                out.append("“")
            else:
                inside = False
                out.append("”")
        else:
            out.append("_" if inside else ch)
    return QuoteScan("".join(out), starts_with_open, bool(marks), inside)


def closing_quote_before(masked: str, pos: int) -> bool:
    """Whether a closing quote mark stands right before ``pos`` (commas and spaces between)."""
    j = pos - 1
    while j >= 0 and (masked[j].isspace() or masked[j] == ","):
        j -= 1
    return j >= 0 and masked[j] == "”"
