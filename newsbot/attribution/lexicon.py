"""The word lists the attribution rules use, read from ``data/`` on first use and kept.

Each list is a file in ``newsbot/attribution/data/``: plain text with one entry a line, or YAML
where words map to values (titles to genders, source nouns to their class); the comments at the
top of each file say what the list is for. Nothing is read at import: :func:`lexicon` reads every
file on its first call, compiles the regular expressions built from the lists, and caches the
result for the life of the process.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import TypeGuard

import yaml

PACKAGE = "newsbot.attribution"
DATA = "data"

GENDERS = frozenset({"m", "f", ""})
DETERMINER_KINDS = frozenset({"definite", "indefinite", "other"})

# The tokenizer: an abbreviation with its full stop (abbreviations.txt) comes first, then
# words (with inner apostrophes and hyphens, and a trailing possessive apostrophe), runs of
# "_" (masked quotations) and single punctuation marks.
_TOKEN_PATTERN = (
    r"(?:{abbreviations})\.(?=\s)"
    r"|[A-Za-z0-9]+(?:['\u2019][A-Za-z]+)*(?:-[A-Za-z0-9]+)*(?:['\u2019](?![A-Za-z]))?"
    r"|_+"
    r"|[^\sA-Za-z0-9_]"
)


class LexiconError(ValueError):
    """A data file that is not a well-formed word list."""


@dataclass(frozen=True)
class Lexicon:
    """Every word list of data/, and the regular expressions built from them."""

    source_nouns: Mapping[str, str]  # form -> class ("spokeswomen" -> "spokesperson")
    role_nouns: Mapping[str, str]  # form -> singular ("officers" -> "officer")
    plural_nouns: frozenset[str]  # the plural forms of source and role nouns
    fuzzy_exclude: frozenset[str]
    org_nouns: frozenset[str]
    doc_nouns: frozenset[str]
    pronouns: frozenset[str]
    be: frozenset[str]
    skippable: frozenset[str]  # skippable.txt and be.txt
    determiners: frozenset[str]
    definite: frozenset[str]
    indefinite_singular: frozenset[str]
    modifiers: frozenset[str]
    titles: Mapping[str, str]  # title -> gender: "m", "f" or ""
    noun_genders: Mapping[str, str]  # a noun for a person -> the gender it tells: "wife" -> "f"
    organisation_words: tuple[frozenset[str], ...]  # words for one kind of organisation: company, firm, business
    function_caps: frozenset[str]
    org_words: frozenset[str]
    demonyms: frozenset[str]
    openers: frozenset[str]
    general_verbs: frozenset[str]
    strict_verbs: frozenset[str]
    evaluative_verbs: frozenset[str]
    token_re: re.Pattern[str]  # the tokenizer (see _TOKEN_PATTERN)
    verb_re: re.Pattern[str]  # any reporting verb: general, strict or evaluative
    statement_re: re.Pattern[str]  # "issued a (joint) statement"
    participle_re: re.Pattern[str]  # ", saying"


@functools.cache
def lexicon() -> Lexicon:
    """All word lists, read from data/ on the first call; later calls return the same object."""
    sources = _source_nouns("source_nouns.yml")
    roles = _string_mapping("role_nouns.yml")
    source_nouns = {form: cls for cls, (singular, plural) in sources.items() for form in (*singular, *plural)}
    role_nouns = {form: singular for singular, plural in roles.items() for form in (singular, plural)}
    plural_nouns = frozenset([form for _, plural in sources.values() for form in plural] + list(roles.values()))
    determiners = _string_mapping("determiners.yml", DETERMINER_KINDS)
    titles = _string_mapping("titles.yml", GENDERS)
    be = frozenset(_words("be.txt"))
    general_verbs = _words("general_verbs.txt")
    strict_verbs = _words("strict_verbs.txt")
    evaluative_verbs = _words("evaluative_verbs.txt")
    # Longest first, so that a verb is never cut short by a shorter one it starts with.
    verbs = sorted((re.escape(v) for v in general_verbs + strict_verbs + evaluative_verbs), key=len, reverse=True)
    return Lexicon(
        source_nouns=MappingProxyType(source_nouns),
        role_nouns=MappingProxyType(role_nouns),
        plural_nouns=plural_nouns,
        fuzzy_exclude=frozenset(_words("fuzzy_exclude.txt")),
        org_nouns=frozenset(_words("org_nouns.txt")),
        doc_nouns=frozenset(_words("doc_nouns.txt")),
        pronouns=frozenset(_words("pronouns.txt")),
        be=be,
        skippable=be | frozenset(_words("skippable.txt")),
        determiners=frozenset(determiners),
        definite=frozenset(word for word, kind in determiners.items() if kind == "definite"),
        indefinite_singular=frozenset(word for word, kind in determiners.items() if kind == "indefinite"),
        modifiers=frozenset(_words("modifiers.txt")),
        titles=MappingProxyType(titles),
        noun_genders=MappingProxyType(_string_mapping("gendered_nouns.yml", GENDERS)),
        organisation_words=_word_groups("organisation_words.yml"),
        function_caps=frozenset(_words("function_caps.txt")),
        org_words=frozenset(_words("org_words.txt")),
        demonyms=frozenset(_words("demonyms.txt")),
        openers=frozenset(_words("openers.txt")),
        general_verbs=frozenset(general_verbs),
        strict_verbs=frozenset(strict_verbs),
        evaluative_verbs=frozenset(evaluative_verbs),
        token_re=re.compile(_TOKEN_PATTERN.format(abbreviations=_alternation(_words("abbreviations.txt")))),
        verb_re=re.compile(r"\b(?:" + "|".join(verbs) + r")\b"),
        statement_re=re.compile(
            r"\b(?:" + _alternation(_words("statement_verbs.txt")) + r")\s+(?:a|an)\s+"
            r"(?:(?P<joint>joint)\s+)?statement\b"
        ),
        participle_re=re.compile(
            r",\s+(?!(?:" + _phrases(_words("participles_not_speech.txt")) + r")\b)"
            r"(?:" + _alternation(_words("participles.txt")) + r")\b"
        ),
    )


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(word) for word in words)


def _phrases(phrases: Iterable[str]) -> str:
    """An alternation of phrases whose words any run of white space may part."""
    return "|".join(r"\s+".join(map(re.escape, phrase.split())) for phrase in phrases)


# --------------------------------------------------------------------------
# Reading the files
# --------------------------------------------------------------------------


def _read(name: str) -> str:
    """The text of data/<name>, from the installed package (a wheel ships data/ with the code)."""
    return resources.files(PACKAGE).joinpath(DATA, name).read_text(encoding="utf-8")


def _words(name: str) -> tuple[str, ...]:
    """A plain-text list: one entry a line, in file order; blank lines and "#" comment lines skipped."""
    entries: list[str] = []
    for number, line in enumerate(_read(name).splitlines(), start=1):
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        if entry in entries:
            raise LexiconError(f"{name}:{number}: {entry!r} is listed twice")
        entries.append(entry)
    if not entries:
        raise LexiconError(f"{name}: no entries")
    return tuple(entries)


def _yaml(name: str) -> dict[object, object]:
    data = yaml.safe_load(_read(name))
    if not isinstance(data, dict) or not data:
        raise LexiconError(f"{name}: expected a mapping of words")
    return data


def _word_groups(name: str) -> tuple[frozenset[str], ...]:
    """A YAML list of groups of words (lower case), each a list."""
    data = yaml.safe_load(_read(name))
    if not isinstance(data, list) or not all(isinstance(group, list) and group for group in data):
        raise LexiconError(f"{name}: expected a list of groups of words")
    return tuple(frozenset(str(word).lower() for word in group) for group in data)


def _string_mapping(name: str, values: frozenset[str] | None = None) -> dict[str, str]:
    """A YAML mapping of words to words (to one of ``values`` when given), in file order."""
    out: dict[str, str] = {}
    for key, value in _yaml(name).items():
        if not isinstance(key, str) or not isinstance(value, str):
            # YAML reads some bare words as other types (no, on, 1): quote them.
            raise LexiconError(f"{name}: {key!r}: {value!r}: both sides must be words (quote them)")
        if values is not None and value not in values:
            raise LexiconError(f"{name}: {key!r}: {value!r} is none of {sorted(values)}")
        out[key] = value
    return out


def _source_nouns(name: str) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """source_nouns.yml: class -> (singular forms, plural forms)."""
    out: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for cls, entry in _yaml(name).items():
        if not isinstance(cls, str) or not isinstance(entry, dict) or set(entry) != {"singular", "plural"}:
            raise LexiconError(f"{name}: {cls!r}: expected a class with a singular and a plural list")
        singular, plural = entry["singular"], entry["plural"]
        if not (_is_word_list(singular) and _is_word_list(plural)):
            raise LexiconError(f"{name}: {cls!r}: singular and plural must be lists of words")
        out[cls] = (tuple(singular), tuple(plural))
    return out


def _is_word_list(value: object) -> TypeGuard[list[str]]:
    return isinstance(value, list) and bool(value) and all(isinstance(word, str) for word in value)
