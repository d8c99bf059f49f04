"""What kind of answer a question wants (a time, a place, a number, a person) and which passages hold one."""

from __future__ import annotations

import re

MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|"
    "million|billion|dozen|half|several"
)

QUESTION_TYPES: list[tuple[str, re.Pattern[str]]] = [
    (
        "number",
        re.compile(r"\bhow (many|much|long|old|often|far|big|large)\b|\bwhat (number|percentage|proportion)\b", re.I),
    ),
    (
        "time",
        re.compile(
            r"\bwhen\b|\bwhat (year|date|day|month|time)\b|\bwhich (year|date|day|month)\b"
            r"|\b(day|month|year) of\b",
            re.I,
        ),
    ),
    (
        "place",
        re.compile(
            r"\bwhere\b|\bwhich (place|city|country|town|building|room|venue)\b|\bin what (place|city|country)\b", re.I
        ),
    ),
    ("person", re.compile(r"^\s*(and\s+)?who\b|\bwhich (person|people|official|leader|minister)\b", re.I)),
]

ANSWER_PATTERNS: dict[str, re.Pattern[str]] = {
    "number": re.compile(rf"\b\d[\d,.]*\b|\b({NUMBER_WORDS})s?\b", re.I),
    "time": re.compile(
        rf"\b({MONTHS}|{DAYS})\b|\b(1[5-9]|20)\d\d\b|\b\d+(st|nd|rd|th)\b|\b(today|tonight|yesterday|tomorrow|"
        r"morning|afternoon|evening|night|week|month|year|decade|century)s?\b",
        re.I,
    ),
    "place": re.compile(
        r"\b(in|at|from|outside|inside|near)\s+(the\s+)?(?:[A-Z][a-z]+|(?:\w+\s+){0,2}(office|square|street|hall|house|"
        r"building|city|town|country|headquarters|parliament|court|capital))\b"
    ),
    "person": re.compile(r"\b(Mr|Ms|Mrs|Dr|Sir|Lord|Lady)\.?\s+[A-Z]|\b[A-Z][a-z]+\s+[A-Z][a-z]+\b"),
}


def expected_answer_type(question: str) -> str | None:
    for name, pattern in QUESTION_TYPES:
        if pattern.search(question):
            return name
    return None


def holds_answer_type(text: str, answer_type: str) -> bool:
    return bool(ANSWER_PATTERNS[answer_type].search(text))
