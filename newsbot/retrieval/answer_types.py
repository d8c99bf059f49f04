"""What kind of answer a question wants (a time, a place, a number, a person) and which passages hold one.

Times are told apart where the question says which: a date ("what date", "which year"), a day
("which day": a weekday or a date; "which day of the week": a weekday), a time of day ("what time
of day"); "when" takes any of them. A passage
holds the answer only through words the question does not already use: "when was the 28 March
letter sent" is not answered by the "28th March" the question gives.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import yaml

from newsbot.retrieval.bm25 import stem, words

QUESTION_TYPES: list[tuple[str, re.Pattern[str]]] = [
    ("duration", re.compile(r"\bhow long\b|\bfor how (long|many (minutes|hours|days|weeks|months|years))\b", re.I)),
    ("age", re.compile(r"\bhow old\b|\bwhat age\b|\bat what age\b", re.I)),
    (
        "number",
        re.compile(r"\bhow (many|much|long|often|far|big|large)\b|\bwhat (number|percentage|proportion)\b", re.I),
    ),
    ("daytime", re.compile(r"\bwhat time of (the )?day\b|\b(at )?what time (was|is|did|does|will)\b", re.I)),
    ("weekday", re.compile(r"\b((what|which|on what) )?day of the week\b|\b(what|which) weekday\b", re.I)),
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
    (
        "person",
        re.compile(r"^\s*(and\s+)?who\b|\bby whom?\b|\bwhich (person|people|official|leader|minister)\b", re.I),
    ),
]


@lru_cache(maxsize=1)
def answer_words() -> dict[str, list[str]]:
    """The word lists of data/answer_kinds.yml (months, titles, place nouns...), by name."""
    text = resources.files("newsbot.retrieval").joinpath("data", "answer_kinds.yml").read_text(encoding="utf-8")
    return {name: [str(value) for value in values] for name, values in yaml.safe_load(text).items()}


@lru_cache(maxsize=1)
def answer_patterns() -> dict[str, re.Pattern[str]]:
    """Per kind, a pattern of the words that hold such an answer, from data/answer_kinds.yml."""
    words = {name: "|".join(values) for name, values in answer_words().items()}
    months, weekdays = words["months"], words["weekdays"]
    date = (
        rf"\b({months})\b|\b(1[5-9]|20)\d\d\b|\b\d+(st|nd|rd|th)\b|\b\d{{1,2}}/\d{{1,2}}(/\d{{2,4}})?\b"
        r"|\b(decade|century)s?\b"
    )
    day = rf"\b({weekdays})\b|\b({words['relative_days']})\b"
    daytime = rf"\b({words['parts_of_day']})s?\b|\b\d+(:\d\d)?\s*([ap]\.?m\b|o'clock)"
    unit = rf"({words['time_units']})s?"
    quantity = rf"(\d[\d,.]*|a|an|{words['number_words']}|few|many|couple of)"
    measure = rf"({words['amount_units']})(e?s)?"
    capitalised_months = "|".join(m.title() for m in months.split("|"))
    capitalised_days = "|".join(d.title() for d in weekdays.split("|"))
    return {
        # A length of time: "two hours", "near two hour long", "more than two years", "since 2015".
        "duration": re.compile(
            rf"\b{quantity}(\s+|-){unit}\b|\b(since|until|till)\s+(\d{{4}}|{months}|{weekdays})\b|\b{unit}\s+long\b",
            re.I,
        ),
        "number": re.compile(rf"\b\d[\d,.]*\b|\b({words['number_words']})s?\b", re.I),
        # An amount, not a count: money ("£46 million"), a share ("21%", "almost a fifth"), a
        # multiple ("ten times"), a measure ("1.4-mile"), a clock time ("3:08"). Not a length of time:
        # "for three days" says how long, not how much.
        "amount": re.compile(
            rf"[£$€¥]\s?\d|\b\d[\d,.]*\s*%|\b\d[\d,.]*\s*-?\s*{measure}\b"
            rf"|\b({words['number_words']}|an?|one|many|few)[\s-]+{measure}\b|\b({words['amount_words']})s?\b"
            r"|\b\d{1,2}:\d\d\b",
            re.I,
        ),
        # An age as news gives it: "Peter Vance, 58,", "aged 58", "at age 39", "a 58-year-old",
        # "58 years old"; of a thing, "515 million years".
        "age": re.compile(
            rf"\b[A-Z][\w'’-]+,\s+\d{{1,3}},|\bage(?:d|\s+of)?\s+(?:\d{{1,3}}|{words['number_words']}|one)\b"
            r"|\b\d{1,3}[- ]years?[- ]old\b"
            r"|\b\d[\d,.]*\s+(?:(?:million|billion|thousand)\s+)?years\b"
            rf"|\b({words['number_words']})[- ]years?[- ]old\b"
        ),
        "time": re.compile(rf"{date}|{day}|{daytime}|\b(week|month|year)s?\b|\b({words['seasons']})\b", re.I),
        "date": re.compile(date, re.I),
        "day": re.compile(rf"{day}|\b({months})\s+\d{{1,2}}\b|\b\d+(st|nd|rd|th)?\s+(of\s+)?({months})\b", re.I),
        "weekday": re.compile(rf"\b({weekdays})\b", re.I),
        "daytime": re.compile(daytime, re.I),
        "place": re.compile(
            rf"\b({words['place_prepositions']})\s+(the\s+)?(?:(?!(?:{capitalised_months}|{capitalised_days})\b)[A-Z][a-z]+"
            rf"|(?:\w+\s+){{0,2}}({words['place_nouns']}))\b"
        ),
        # A title and a name, or two capitalised words that are not a determiner and a name ("The Board").
        "person": re.compile(
            rf"\b({words['titles']})\.?\s+[A-Z]|\b(?!(?:{words['not_names']})\b)[A-Z][a-z]+\s+[A-Z][a-z]+\b"
        ),
    }


def expected_answer_type(question: str) -> str | None:
    """The kind the question's first asking words want: "who was the leader when the Franks
    entered ..." wants a person, not a time (at one place, the more specific kind in QUESTION_TYPES)."""
    found = [(match.start(), order, name) for order, (name, pattern) in enumerate(QUESTION_TYPES)
             if (match := pattern.search(question))]  # fmt: skip
    return min(found)[2] if found else None


def without_asking_words(question: str) -> str:
    """The question without the words that ask for a kind of answer ("how old is she" -> " is
    she"): "old" is not something the question is about."""
    for _, pattern in QUESTION_TYPES:
        question = pattern.sub(" ", question)
    return question


WORD = re.compile(r"\w+")
PLACE_FUNCTION_WORDS = frozenset({"in", "at", "from", "outside", "inside", "near", "the"})


def holds_answer_type(text: str, answer_type: str, question: str = "") -> bool:
    """Whether the text holds an answer of the type, in words the question does not use itself."""
    asked = {word.lower() for word in WORD.findall(question)}
    return any(not told <= asked for told in answer_mentions(text, answer_type))


@lru_cache(maxsize=65536)  # a search asks it of every sentence of every candidate passage
def answer_mentions(text: str, answer_type: str) -> tuple[frozenset[str], ...]:
    """The words of each answer of the type that the text holds, in order."""
    mentions = []
    for match in answer_patterns()[answer_type].finditer(text):
        told = frozenset(word.lower() for word in WORD.findall(match.group(0)))
        mentions.append(told - PLACE_FUNCTION_WORDS if answer_type == "place" else told)
    return tuple(mentions)


# "how many firefighters were there", "how much rent did he pay": the words after "how many" or
# "how much" name what is counted.
COUNTED = re.compile(
    r"\bhow (?:many|much)\s+(?:of\s+(?:the|their|its|his|her|those|these)\s+)?((?:[\w'’-]+\s*){1,3})", re.I
)
# Words either side of a number, not counting stopwords, that may name what it counts ("320
# jobs", "two Major League Soccer teams", "sacks with 11", "Thousands of British Jews did not
# demonstrate").
COUNT_WINDOW = 4
# "how many times" asks how often ("twice"), not for a count of a thing.
NOT_COUNTED = frozenset({"time"})


def counted_stems(question: str) -> frozenset[str]:
    """The stems of what a "how many" question counts: up to two words of its own before the first
    stopword ("how many firefighters were there": firefight; "how many different species are
    there": differ, speci; not "how many balls did Josh Norman intercept": ball); empty for any
    other question."""
    found = COUNTED.search(question)
    own_words: list[str] = []
    for token in found.group(1).split() if found else []:
        token_words = words(token)
        if not token_words:  # "did", "were", "are": what is counted ends at a stopword
            break
        own_words += [word for word in token_words if not word.isdigit()]
    counted = frozenset(stem(word) for word in own_words[:2])
    return frozenset() if counted & NOT_COUNTED else counted


# "how much did it cost", "how much was he fined": an amount ("how much time was left" asks how
# long).
ASKS_AMOUNT = re.compile(r"\bhow much\b(?!\s+(?:time|longer)\b)", re.I)


def asks_amount(question: str) -> bool:
    """Whether the question asks for an amount (money, a share, a measure), not a count."""
    return bool(ASKS_AMOUNT.search(question))


def holds_amount(text: str) -> bool:
    """Whether the text gives an amount: "£12,000", "a 21% lower risk", "almost a fifth", "ten times
    their own weight"; not a count of things ("180,000 customers") or a year ("in 2024")."""
    return bool(answer_patterns()["amount"].search(text))


def holds_count_of(text: str, counted: frozenset[str]) -> bool:
    """Whether a number in the text counts one of the `counted` stems: the stem is among the few
    words either side of it ("more than 2,000 patients waited", "sacks with 11")."""
    tokens = words(text)
    number = answer_patterns()["number"]
    for position, token in enumerate(tokens):
        near = tokens[max(0, position - COUNT_WINDOW) : position + 1 + COUNT_WINDOW]
        if number.fullmatch(token) and any(stem(word) in counted for word in near):
            return True
    return False
