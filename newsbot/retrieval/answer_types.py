"""What kind of answer a question wants (a time, a place, a number, a person) and which passages hold one.

Times are told apart where the question says which: a date ("what date", "which year"), a day
("which day": a weekday or a date; "which day of the week": a weekday), a time of day ("what time
of day"); "when" takes any of them. A passage
holds the answer only through words the question does not already use: "when was the 28 March
letter sent" is not answered by the "28th March" the question gives.
"""

from __future__ import annotations

import re

MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
NUMBER_WORDS = (
    "two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|"
    "million|billion|dozen|several"
)

QUESTION_TYPES: list[tuple[str, re.Pattern[str]]] = [
    ("duration", re.compile(r"\bhow long\b|\bfor how (long|many (minutes|hours|days|weeks|months|years))\b", re.I)),
    (
        "number",
        re.compile(r"\bhow (many|much|long|old|often|far|big|large)\b|\bwhat (number|percentage|proportion)\b", re.I),
    ),
    ("daytime", re.compile(r"\bwhat time of (the )?day\b|\b(at )?what time (was|is|did|does|will)\b", re.I)),
    ("weekday", re.compile(r"\bday of the week\b|\b(what|which) weekday\b", re.I)),
    ("day", re.compile(r"\b(what|which) day\b|\bon what day\b", re.I)),
    (
        "date",
        re.compile(r"\b(what|which) (year|date|month)\b|\b(the|its) (date|year|month) of\b|\bin what year\b", re.I),
    ),
    (
        "time",
        re.compile(r"\bwhen\b|\bwhat time\b|\b(day|month|year) of\b", re.I),
    ),
    (
        "place",
        re.compile(
            r"\bwhere\b|\bwhich (place|city|country|town|building|room|venue)\b|\bin what (place|city|country)\b", re.I
        ),
    ),
    ("person", re.compile(r"^\s*(and\s+)?who\b|\bwhich (person|people|official|leader|minister)\b", re.I)),
]

DATE = (
    rf"\b({MONTHS})\b|\b(1[5-9]|20)\d\d\b|\b\d+(st|nd|rd|th)\b|\b\d{{1,2}}/\d{{1,2}}(/\d{{2,4}})?\b"
    r"|\b(decade|century)s?\b"
)
DAY = rf"\b({DAYS})\b|\b(today|tonight|yesterday|tomorrow)\b"
DAYTIME = (
    r"\b(morning|afternoon|evening|night|noon|midday|midnight|tonight|dawn|dusk)s?\b"
    r"|\b\d+(:\d\d)?\s*([ap]\.?m\b|o'clock)"
)

TIME_UNIT = r"(second|minute|hour|day|night|week|fortnight|month|year|decade|century|centurie)s?"
QUANTITY = rf"(\d[\d,.]*|a|an|{NUMBER_WORDS}|few|many|several|couple of)"

ANSWER_PATTERNS: dict[str, re.Pattern[str]] = {
    # A length of time: "two hours", "near two hour long", "more than two years", "since 2015".
    "duration": re.compile(
        rf"\b{QUANTITY}(\s+|-){TIME_UNIT}\b|\b(since|until|till)\s+(\d{{4}}|{MONTHS}|{DAYS})\b|\b{TIME_UNIT}\s+long\b",
        re.I,
    ),
    "number": re.compile(rf"\b\d[\d,.]*\b|\b({NUMBER_WORDS})s?\b", re.I),
    "time": re.compile(rf"{DATE}|{DAY}|{DAYTIME}|\b(week|month|year)s?\b", re.I),
    "date": re.compile(DATE, re.I),
    "day": re.compile(rf"{DAY}|\b({MONTHS})\s+\d{{1,2}}\b|\b\d+(st|nd|rd|th)?\s+(of\s+)?({MONTHS})\b", re.I),
    "weekday": re.compile(rf"\b({DAYS})\b", re.I),
    "daytime": re.compile(DAYTIME, re.I),
    "place": re.compile(
        rf"\b(in|at|from|outside|inside|near)\s+(the\s+)?(?:(?!(?:{MONTHS.title()}|{DAYS.title()})\b)[A-Z][a-z]+"
        r"|(?:\w+\s+){0,2}(office|square|street|hall|house|building|city|town|country|headquarters|parliament|court|capital))\b"
    ),
    # A title and a name, or two capitalised words that are not a determiner and a name ("The Board").
    "person": re.compile(
        r"\b(Mr|Ms|Mrs|Dr|Sir|Lord|Lady)\.?\s+[A-Z]"
        r"|\b(?!(?:The|A|An|This|That|These|Those|Our|His|Her|Their|Its|In|On|At|But|And|After|Also|According)\b)"
        r"[A-Z][a-z]+\s+[A-Z][a-z]+\b"
    ),
}


def expected_answer_type(question: str) -> str | None:
    for name, pattern in QUESTION_TYPES:
        if pattern.search(question):
            return name
    return None


WORD = re.compile(r"\w+")


def holds_answer_type(text: str, answer_type: str, question: str = "") -> bool:
    """Whether the text holds an answer of the type, in words the question does not use itself."""
    asked = {word.lower() for word in WORD.findall(question)}
    for match in ANSWER_PATTERNS[answer_type].finditer(text):
        told = {word.lower() for word in WORD.findall(match.group(0))}
        if answer_type == "place":
            told -= {"in", "at", "from", "outside", "inside", "near", "the"}
        if not told <= asked:
            return True
    return False
