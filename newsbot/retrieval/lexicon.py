"""Acronyms the articles define by use: "JLC" <-> "Jewish Leadership Council".

A capitalised name of two or more words ("Community Security Trust", "Board of Deputies")
gives the acronym of its initials ("cst", "bod" and "bd"); where that acronym also occurs
in the articles, or a question uses it, the two spellings expand each other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

NAME = re.compile(r"\b[A-Z][a-z][\w'’-]*(?:\s+(?:(?:of|for|the|de|du)\s+)*[A-Z][a-z][\w'’-]*)+")
MIN_ACRONYM = 3
FUNCTION_WORDS = frozenset({"of", "for", "the", "de", "du"})
LEADING_DROP = frozenset({"The", "A", "An", "In", "At", "On", "But", "And", "Also", "After", "Mr", "Ms", "Mrs", "Dr"})


def _initials(words: list[str], with_function_words: bool) -> str:
    return "".join(w[0].lower() for w in words if with_function_words or w not in FUNCTION_WORDS)


class Lexicon:
    def __init__(self, texts: Iterable[str]) -> None:
        self.expansions: dict[str, str] = {}
        for text in texts:
            for match in NAME.finditer(text):
                words = match.group(0).split()
                while words and words[0] in LEADING_DROP:
                    words = words[1:]
                self._add(words)
                # A match joined over function words may be two names ("Mark Gardner of the
                # Community Security Trust"): each run of capitalised words is a name as well.
                if any(w in FUNCTION_WORDS for w in words):
                    run: list[str] = []
                    for word in [*words, "of"]:
                        if word in FUNCTION_WORDS:
                            self._add(run)
                            run = []
                        else:
                            run.append(word)

    def _add(self, words: list[str]) -> None:
        capitalised = [w for w in words if w not in FUNCTION_WORDS]
        if len(capitalised) < 2:
            return
        phrase = " ".join(words)
        for acronym in {_initials(words, False), _initials(words, True)}:
            # Two-letter initials are too ambiguous ("JC": a person, or the newspaper).
            if len(acronym) >= MIN_ACRONYM:
                self.expansions.setdefault(acronym, phrase)

    def alternatives(self, question: str) -> list[str]:
        """Other spellings of names in the question: full names of its acronyms, acronyms of its full names."""
        found: list[str] = []
        lowered = question.lower()
        for token in re.findall(r"\b[A-Za-z]{3,8}\b", question):
            phrase = self.expansions.get(token.lower())
            if phrase and phrase.lower() not in lowered:
                found.append(phrase)
        for acronym, phrase in self.expansions.items():
            if phrase.lower() in lowered and not re.search(rf"\b{acronym}\b", lowered):
                found.append(acronym.upper())
        return list(dict.fromkeys(found))
