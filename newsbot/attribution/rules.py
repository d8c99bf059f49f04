"""Attribute every paragraph of a news article to whoever is speaking in it.

The entry point is :func:`attribute_paragraphs`.  It returns one
:class:`Attribution` per paragraph: the speaker (a named person, an anonymous
source, an organisation or statement, or :data:`NARRATOR` for the article's
own narration), the kind of attribution and the cue text that justified it.

The rules are general journalistic conventions, not a table for one article:

* Reporting patterns, found outside quotations only: ``X said: "..."``,
  ``"...," X said``, ``"...," said X``, ``X said (that) ...``,
  ``according to X, ...``, ``X told the BBC that ...``, passive
  ``described as "..." by X``, ``X issued a (joint) statement ...``,
  ``X rejected this, saying ...`` and ``The statement continued: "..."``.
  The earliest attribution in a paragraph governs the whole paragraph.
* Pronouns: *he*/*she* resolve to the most recent (gender-compatible) named
  person in the same or previous paragraph; *they*/*it* resolve to the most
  recent plural, organisational or statement speaker.
* Names: ``Mr Corbyn`` becomes the full name seen anywhere in the article,
  tolerating surname typos (difflib); misspelled source nouns (``souces``)
  are normalised against a small lexicon.
* Anonymous speakers keep their modifiers (``Labour sources``,
  ``a JLC and Board representative``); a later definite reference (``the
  representative``) resolves to the most recent speaker with that head noun,
  else (for source nouns) to the previous paragraph's anonymous speaker.
  Common role nouns (``a police officer``, ``the Labour leader``) are
  recognised exactly, never fuzzily.
* Joint statements become ``<entity> (joint statement)`` with short names
  expanded from the article (``the Board`` -> ``the Board of Deputies``).
* Multi-paragraph quotations (each quoted paragraph opens with a quote mark,
  only the last one closes) and paragraphs that open a quote without an
  attribution right after a quoted speaker are continuations of that speaker.
* Anything else is narration by the article.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from newsbot.domain import NARRATION as NARRATION_SPEAKER
from newsbot.domain import NARRATOR as NARRATOR  # re-exported: the package and its tests name it from here
from newsbot.domain import Speaker, SpeakerKind

NARRATION = "narration"
QUOTE = "quote"
REPORTED = "reported"
CONTINUATION = "continuation"


@dataclass(frozen=True)
class Attribution:
    """Who a paragraph is attributed to (the speaker and its kind), how (QUOTE, REPORTED,
    CONTINUATION or NARRATION), and the text that justified it."""

    speaker: Speaker
    how: str
    cue: str


# --------------------------------------------------------------------------
# Lexicons
# --------------------------------------------------------------------------

# Source nouns used for anonymous speakers: surface form -> class used when a
# definite reference ("the spokesperson") looks for its antecedent.
_SOURCE_NOUNS: dict[str, str] = {
    "source": "source",
    "sources": "source",
    "spokesman": "spokesperson",
    "spokesmen": "spokesperson",
    "spokeswoman": "spokesperson",
    "spokeswomen": "spokesperson",
    "spokesperson": "spokesperson",
    "spokespersons": "spokesperson",
    "spokespeople": "spokesperson",
    "representative": "representative",
    "representatives": "representative",
    "official": "official",
    "officials": "official",
    "insider": "insider",
    "insiders": "insider",
    "aide": "aide",
    "aides": "aide",
}
# Common role nouns for unnamed speakers; matched exactly (never fuzzily) and
# never resolved to a different kind of source.
_ROLE_NOUNS: dict[str, str] = {
    form: singular
    for singular, plural in (
        ("officer", "officers"),
        ("witness", "witnesses"),
        ("resident", "residents"),
        ("protester", "protesters"),
        ("campaigner", "campaigners"),
        ("analyst", "analysts"),
        ("expert", "experts"),
        ("economist", "economists"),
        ("lawyer", "lawyers"),
        ("minister", "ministers"),
        ("activist", "activists"),
        ("leader", "leaders"),
        ("chairman", "chairmen"),
        ("chairwoman", "chairwomen"),
        ("president", "presidents"),
        ("director", "directors"),
        ("mayor", "mayors"),
        ("adviser", "advisers"),
        ("secretary", "secretaries"),
    )
    for form in (singular, plural)
}
_PLURAL_SOURCE_NOUNS = frozenset(
    {
        "sources",
        "spokesmen",
        "spokeswomen",
        "spokespersons",
        "spokespeople",
        "representatives",
        "officials",
        "insiders",
        "aides",
        *(form for form, singular in _ROLE_NOUNS.items() if form != singular),
    }
)
# Real words that are spelled close to a source noun but are not one.
_FUZZY_EXCLUDE = frozenset({"resource", "resources", "course", "courses", "sauces", "forces", "sides", "aided"})
_FUZZY_CUTOFF = 0.85
_SURNAME_CUTOFF = 0.8

# Lower-case organisational head nouns ("the council said").
_ORG_NOUNS = frozenset(
    {
        "agency",
        "association",
        "authority",
        "bank",
        "board",
        "campaign",
        "charity",
        "club",
        "commission",
        "committee",
        "company",
        "council",
        "court",
        "department",
        "federation",
        "firm",
        "government",
        "group",
        "hospital",
        "ministry",
        "organisation",
        "organization",
        "party",
        "police",
        "regulator",
        "school",
        "team",
        "trust",
        "union",
        "university",
        "watchdog",
    }
)
# Documents that can "say" things ("The statement continued").
_DOC_NOUNS = frozenset({"statement", "letter", "report", "document", "memo", "release"})

_PRONOUNS = frozenset({"he", "she", "they", "it"})
_BE = frozenset({"was", "were", "is", "are", "been", "being", "be"})
# Words that may sit between a subject and its reporting verb.
_SKIPPABLE = _BE | frozenset(
    {
        "has",
        "have",
        "had",
        "also",
        "later",
        "previously",
        "then",
        "today",
        "yesterday",
        "earlier",
        "himself",
        "herself",
        "themselves",
        "itself",
        "subsequently",
        "again",
        "reportedly",
        "repeatedly",
        "recently",
        "publicly",
        "privately",
        "separately",
        "would",
        "will",
        "could",
        "may",
        "might",
        "did",
        "does",
        "do",
    }
)
_DETERMINERS = frozenset(
    {
        "the",
        "a",
        "an",
        "one",
        "this",
        "that",
        "these",
        "those",
        "two",
        "three",
        "four",
        "five",
        "several",
        "some",
        "many",
        "other",
        "another",
        "both",
        "various",
        "multiple",
    }
)
_DEFINITE = frozenset({"the", "this", "that", "these", "those"})
_INDEFINITE_SINGULAR = frozenset({"a", "an", "one"})
# Lower-case modifiers allowed before a source noun ("senior party sources").
_MOD_ADJ = frozenset(
    {
        "senior",
        "junior",
        "party",
        "government",
        "union",
        "council",
        "company",
        "close",
        "anonymous",
        "unnamed",
        "independent",
        "former",
        "local",
        "police",
        "military",
        "diplomatic",
        "official",
        "campaign",
        "family",
        "press",
    }
)
_TITLES: dict[str, str] = {  # title -> gender ("" if unknown)
    "Mr": "m",
    "Mrs": "f",
    "Ms": "f",
    "Miss": "f",
    "Mx": "",
    "Dr": "",
    "Prof": "",
    "Professor": "",
    "Sir": "m",
    "Dame": "f",
    "Lord": "m",
    "Lady": "f",
    "Rev": "",
    "Baroness": "f",
    "Baron": "m",
}
# Capitalised words that are not parts of personal names.
_FUNCTION_CAPS = frozenset(
    {
        "The",
        "A",
        "An",
        "One",
        "But",
        "And",
        "Or",
        "So",
        "Yet",
        "However",
        "Meanwhile",
        "After",
        "Before",
        "During",
        "While",
        "When",
        "Also",
        "Then",
        "Today",
        "Yesterday",
        "Tomorrow",
        "Earlier",
        "Later",
        "Last",
        "Next",
        "This",
        "That",
        "These",
        "Those",
        "It",
        "He",
        "She",
        "They",
        "We",
        "I",
        "His",
        "Her",
        "Their",
        "Our",
        "Its",
        "My",
        "Your",
        "You",
        "In",
        "On",
        "At",
        "For",
        "From",
        "With",
        "By",
        "Of",
        "To",
        "As",
        "If",
        "Although",
        "Though",
        "Since",
        "Until",
        "Because",
        "Despite",
        "Following",
        "Under",
        "Over",
        "According",
        "Asked",
        "Speaking",
        "There",
        "Here",
        "Now",
        "Some",
        "Many",
        "Several",
        "Other",
        "Another",
        "Both",
        "All",
        "Each",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    }
)
# Words that mark a capitalised run as an organisation, place or role.
_ORG_WORDS = frozenset(
    {
        "Party",
        "Council",
        "Board",
        "Government",
        "Trust",
        "Movement",
        "Alliance",
        "Square",
        "Parliament",
        "Labour",
        "Conservative",
        "Conservatives",
        "Union",
        "Committee",
        "Ministry",
        "Department",
        "Office",
        "Street",
        "Road",
        "Court",
        "House",
        "Church",
        "University",
        "College",
        "School",
        "Association",
        "Federation",
        "Commission",
        "Agency",
        "Company",
        "Group",
        "Bank",
        "Police",
        "Service",
        "Services",
        "Foundation",
        "Institute",
        "Society",
        "League",
        "Club",
        "Corp",
        "Corporation",
        "Inc",
        "Ltd",
        "News",
        "Times",
        "Post",
        "Secretary",
        "President",
        "Minister",
        "Chancellor",
        "Leader",
        "Chair",
        "Chairman",
        "General",
        "Chief",
        "Executive",
        "Director",
        "Deputies",
        "Assembly",
        "Senate",
        "Congress",
        "Army",
        "Navy",
        "International",
        "National",
        "Royal",
        "United",
        "Kingdom",
        "States",
        "City",
        "County",
        "Centre",
        "Center",
        "Hall",
        "Airport",
        "Station",
        "Hospital",
        "Network",
        "Forum",
        "Council's",
        "Democrats",
        "Greens",
        "Green",
        "Liberal",
        "Republican",
        "Republicans",
        "Democratic",
        "Holocaust",
        "Remembrance",
        "Security",
        "Community",
        "Leadership",
    }
)
_DEMONYMS = frozenset(
    {
        "Jewish",
        "Jews",
        "British",
        "Welsh",
        "Scottish",
        "English",
        "Irish",
        "American",
        "European",
        "French",
        "German",
        "Israeli",
        "Palestinian",
        "Muslim",
        "Muslims",
        "Christian",
        "Christians",
        "Catholic",
        "Arab",
        "Russian",
        "Chinese",
        "Indian",
        "Spanish",
        "Italian",
    }
)

# --------------------------------------------------------------------------
# Regular expressions (compiled at import; nothing else runs at import)
# --------------------------------------------------------------------------

_QUOTE_CHARS = frozenset('"“”')
_OPENING_CONTEXT = frozenset("([{“\u2014\u2013")  # brackets, opening quote, dashes

_TOKEN_RE = re.compile(
    r"(?:Mrs|Mr|Ms|Dr|Prof|Rev|Mx|St)\.(?=\s)"
    r"|[A-Za-z0-9]+(?:['\u2019][A-Za-z]+)*(?:-[A-Za-z0-9]+)*(?:['\u2019](?![A-Za-z]))?"
    r"|_+"
    r"|[^\sA-Za-z0-9_]"
)
_POSSESSIVE_RE = re.compile(r"['\u2019]s?$")

_GENERAL_VERBS = (
    "said",
    "says",
    "say",
    "told",
    "tells",
    "stressed",
    "stresses",
    "confirmed",
    "confirms",
    "insisted",
    "insists",
    "claimed",
    "claims",
    "warned",
    "warns",
    "argued",
    "argues",
    "stated",
    "declared",
    "declares",
    "admitted",
    "admits",
    "acknowledged",
    "acknowledges",
    "announced",
    "announces",
    "commented",
    "maintained",
    "maintains",
    "asserted",
    "asserts",
    "replied",
    "replies",
    "responded",
    "remarked",
    "revealed",
    "reveals",
    "denied",
    "denies",
    "conceded",
    "concedes",
    "alleged",
    "alleges",
    "emphasised",
    "emphasized",
    "noted",
    "pointed out",
    "tweeted",
)
# Verbs that only report speech when followed by ":", ",", ".", a quote or
# "that", or when they follow a closing quote ("continued to rise" is not).
_STRICT_VERBS = (
    "added",
    "adds",
    "continued",
    "continues",
    "explained",
    "explains",
    "wrote",
    "writes",
    "shouted",
    "asked",
    "posted",
)
# Verbs that only report speech when the sentence quotes the words used.
_EVALUATIVE_VERBS = (
    "called",
    "calls",
    "described",
    "describes",
    "branded",
    "brands",
    "labelled",
    "labeled",
    "dubbed",
    "termed",
    "hailed",
)
_VERB_RE = re.compile(
    r"\b(?:"
    + "|".join(
        sorted(
            (re.escape(v) for v in _GENERAL_VERBS + _STRICT_VERBS + _EVALUATIVE_VERBS),
            key=len,
            reverse=True,
        )
    )
    + r")\b"
)
_STRICT_FOLLOW_RE = re.compile(r"\s*(?:[:,.“]|that\b|$)")
_COLON_QUOTE_RE = re.compile(r"[^.!?;“”]{0,80}?:\s*“")
_DIRECT_QUOTE_RE = re.compile(r"\s*,?\s*“")
_SENTENCE_END_RE = re.compile(r"[.!?;]")
_BY_RE = re.compile(r"\bby\s+")
_ACCORDING_RE = re.compile(r"\b[Aa]ccording to\s+")
_STATEMENT_RE = re.compile(
    r"\b(?:issued|released|published|put out|made|gave)\s+(?:a|an)\s+"
    r"(?:(?P<joint>joint)\s+)?statement\b"
)
_PARTICIPLE_RE = re.compile(
    r",\s+(?:saying|adding|insisting|claiming|arguing|stressing|warning|"
    r"explaining|noting)\b"
)
_OF_NAME_RE = re.compile(r"\b([A-Z][a-z]+) of (?:the )?([A-Z][a-z]+(?: [A-Z][a-z]+)*)")

_CLAUSE_STOPS = frozenset(".!?;:“”()")
_OPENERS = frozenset(
    {
        "but",
        "and",
        "however",
        "meanwhile",
        "yet",
        "so",
        "then",
        "also",
        "today",
        "yesterday",
        "later",
        "earlier",
        "now",
        ",",
    }
)

# --------------------------------------------------------------------------
# Small data types
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tok:
    text: str
    start: int
    end: int

    @property
    def bare(self) -> str:
        return _POSSESSIVE_RE.sub("", self.text)

    @property
    def low(self) -> str:
        return self.text.lower()


@dataclass(frozen=True)
class _Phrase:
    """A parsed speaker noun phrase."""

    kind: str  # "pronoun" | "source" | "org_noun" | "doc" | "name"
    det: str  # lower-cased determiner, "" if none
    pre: tuple[str, ...]  # modifiers (for "name": the whole name run)
    head: str  # normalised head noun ("" for names)
    post: tuple[str, ...]  # post-modifier ("for Acme Corp")
    start: int
    end: int


@dataclass(frozen=True)
class _Candidate:
    pos: int
    end: int
    phrase: _Phrase
    kind: str  # QUOTE | REPORTED
    statement: str = ""  # "", "statement" or "joint statement"


@dataclass(frozen=True)
class _Speaker:
    label: str
    category: str  # person | group | anonymous | org | statement | narrator | unknown
    head: str = ""  # source-noun class of an anonymous speaker
    plural: bool = False
    gender: str = ""  # "m", "f" or ""
    joint: bool = False  # a statement issued jointly

    def public(self) -> Speaker:
        """The speaker as the rest of newsbot knows it: its label and its kind."""
        return Speaker(self.label, _KINDS[self.category] if not self.joint else SpeakerKind.JOINT_STATEMENT)


@dataclass(frozen=True)
class _QuoteScan:
    masked: str  # quotation content replaced by "_", quote marks made curly
    starts_with_open: bool
    has_marks: bool
    open_at_end: bool


_NARRATOR_SPEAKER = _Speaker(NARRATOR, "narrator")
_KINDS = {
    "person": SpeakerKind.PERSON,
    "group": SpeakerKind.PERSON,  # named people ("Anna Berg and Tom Lee")
    "org": SpeakerKind.ORGANISATION,
    "statement": SpeakerKind.ORGANISATION,  # a body's own statement, letter or report
    "anonymous": SpeakerKind.ANONYMOUS,
    "unknown": SpeakerKind.ANONYMOUS,  # "an unnamed speaker"
    "narrator": SpeakerKind.NARRATION,
}
_Mention = tuple[int, _Speaker]

# --------------------------------------------------------------------------
# Token helpers
# --------------------------------------------------------------------------


def _tokenize(text: str) -> list[_Tok]:
    return [_Tok(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]


def _title_of(word: str) -> str | None:
    bare = word.rstrip(".")
    return bare if bare in _TITLES else None


def _is_name_token(tok: _Tok) -> bool:
    bare = tok.bare
    return (
        bool(bare)
        and bare[0].isalpha()
        and bare[0].isupper()
        and _title_of(bare) is None
        and bare not in _FUNCTION_CAPS
        and bare.lower() not in _DETERMINERS
    )


def _is_plain_name(word: str) -> bool:
    """A word that can be part of a personal name (not an org word/acronym)."""
    bare = _POSSESSIVE_RE.sub("", word)
    return (
        len(bare) > 1
        and bare[0].isupper()
        and re.sub(r"['\u2019-]", "", bare).isalpha()
        and any(ch.islower() for ch in bare)
        and bare not in _ORG_WORDS
        and bare not in _DEMONYMS
        and bare not in _FUNCTION_CAPS
        and _title_of(bare) is None
    )


def _source_noun(word: str) -> str | None:
    """Normalise ``word`` to a source noun of the lexicon (tolerating typos)."""
    low = word.lower()
    if low in _SOURCE_NOUNS or (low in _ROLE_NOUNS and word.islower()):
        return low
    if len(low) < 5 or not low.isalpha() or low in _FUZZY_EXCLUDE or low.endswith(("ly", "ing", "ed")):
        return None
    close = difflib.get_close_matches(low, list(_SOURCE_NOUNS), n=1, cutoff=_FUZZY_CUTOFF)
    return close[0] if close else None


def _noun_class(head: str) -> str:
    return _SOURCE_NOUNS.get(head) or _ROLE_NOUNS.get(head, head)


def _article_for(body: str) -> str:
    first = body.split()[0] if body.split() else ""
    if len(first) > 1 and first.isupper():
        return "an" if first[0] in "AEFHILMNORSX" else "a"
    return "an" if first[:1].lower() in ("a", "e", "i", "o", "u") else "a"


# --------------------------------------------------------------------------
# Quotations
# --------------------------------------------------------------------------


def _is_opening(text: str, i: int) -> bool:
    ch = text[i]
    if ch == "“":
        return True
    if ch == "”":
        return False
    prev = text[i - 1] if i > 0 else ""
    return prev == "" or prev.isspace() or prev in _OPENING_CONTEXT


def _scan_quotes(text: str, open_at_start: bool) -> _QuoteScan:
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
    return _QuoteScan("".join(out), starts_with_open, bool(marks), inside)


def _closing_quote_before(masked: str, pos: int) -> bool:
    j = pos - 1
    while j >= 0 and (masked[j].isspace() or masked[j] == ","):
        j -= 1
    return j >= 0 and masked[j] == "”"


# --------------------------------------------------------------------------
# Noun-phrase parsing
# --------------------------------------------------------------------------


def _head_kind(tok: _Tok) -> tuple[str, str]:
    """Classify a potential phrase head: (kind, normalised head)."""
    low = tok.low
    if low in _PRONOUNS:
        return "pronoun", low
    if _POSSESSIVE_RE.search(tok.text):
        return "", ""  # "Labour's claims": a possessive is never the subject
    source = _source_noun(tok.text)
    if source is not None:
        return "source", source
    if tok.text.islower() and low in _ORG_NOUNS:
        return "org_noun", low
    if tok.text.islower() and low in _DOC_NOUNS:
        return "doc", low
    if _is_name_token(tok):
        return "name", ""
    return "", ""


def _is_back_connector(toks: list[_Tok], j: int) -> bool:
    """Whether ``toks[j]`` joins two parts of a name run ("Board of Deputies")."""
    tok = toks[j]
    if j < 1:
        return False
    if tok.low == "the":
        return toks[j - 1].low in ("and", "of")
    if tok.low not in ("and", "&", "of"):
        return False
    prev = toks[j - 1]
    return _is_name_token(prev) or (prev.low == "the" and j >= 2 and toks[j - 2].low in ("and", "of"))


def _is_forward_connector(toks: list[_Tok], i: int, words: list[_Tok]) -> bool:
    """Whether ``toks[i]`` continues a name run collected in ``words``."""
    tok = toks[i]
    if not words:
        return False
    if tok.low == "the":
        return words[-1].low in ("and", "of")
    if tok.low not in ("and", "&", "of") or i + 1 >= len(toks):
        return False
    nxt = toks[i + 1]
    return _is_name_token(nxt) or (nxt.low == "the" and i + 2 < len(toks) and _is_name_token(toks[i + 2]))


def _collect_name_run_back(toks: list[_Tok], i: int) -> int:
    """Index of the first token of the name run (with connectors) ending at i."""
    first = i
    j = i - 1
    while j >= 0:
        tok = toks[j]
        if _is_name_token(tok) or _title_of(tok.text) is not None:
            first = j
        elif not _is_back_connector(toks, j):
            break
        j -= 1
    return first


def _phrase_ending_at(toks: list[_Tok], last: int) -> _Phrase | None:
    """Parse the noun phrase whose last token is ``toks[last]``."""
    tok = toks[last]
    kind, head = _head_kind(tok)
    if kind == "":
        return None
    if kind == "pronoun":
        return _Phrase("pronoun", "", (), head, (), tok.start, tok.end)
    if kind == "name":
        first = _collect_name_run_back(toks, last)
        before = first - 1
        # Post-modified source noun: "a spokeswoman for Acme Corp".
        if before >= 1 and toks[before].low in ("for", "at", "from", "of"):
            inner = _phrase_ending_at(toks, before - 1)
            if inner is not None and inner.kind in ("source", "org_noun"):
                post = tuple(t.text for t in toks[before : last + 1])
                return _Phrase(inner.kind, inner.det, inner.pre, inner.head, post, inner.start, tok.end)
        words = tuple(t.text for t in toks[first : last + 1])
        start = toks[first].start
        det = ""
        if before >= 0 and toks[before].low == "the":
            det = "the"
            start = toks[before].start
        return _Phrase("name", det, words, "", (), start, tok.end)
    # source / org_noun / doc: collect modifiers backwards.
    first = last
    j = last - 1
    while j >= 0:
        prev = toks[j]
        if _is_name_token(prev) or _title_of(prev.text) is not None or prev.low in _MOD_ADJ:
            first = j
        elif prev.low in ("and", "&") and j >= 1 and (_is_name_token(toks[j - 1]) or toks[j - 1].low in _MOD_ADJ):
            pass
        else:
            break
        j -= 1
    pre = tuple(t.text for t in toks[first:last])
    start = toks[first].start
    det = ""
    if j >= 0 and toks[j].low in _DETERMINERS:
        det = toks[j].low
        start = toks[j].start
    return _Phrase(kind, det, pre, head, (), start, tok.end)


def _phrase_before(toks: list[_Tok], idx: int) -> tuple[_Phrase | None, bool]:
    """The subject phrase right before ``toks[idx]`` and whether it is passive."""
    i = idx - 1
    passive = False
    while i >= 0 and toks[i].low in _SKIPPABLE:
        passive = passive or toks[i].low in _BE
        i -= 1
    if i < 0:
        return None, passive
    if toks[i].text == ",":
        # Apposition: "Jane Smith, the council's leader, said".
        j = i - 1
        while j >= 0 and i - j < 16 and toks[j].text != "," and toks[j].text not in _CLAUSE_STOPS:
            j -= 1
        if j >= 1 and toks[j].text == "," and j < i - 1:
            # '"...," the minister, Paul Adams, said': the apposition is the name.
            named = _phrase_ending_at(toks, i - 1)
            if named is not None and named.kind == "name" and named.start == toks[j + 1].start:
                return named, passive
            first = toks[j + 1].text
            if first[:1].islower() or first[:1].isdigit():
                inner = _phrase_ending_at(toks, j - 1)
                if inner is not None and inner.kind in ("name", "source", "org_noun"):
                    return inner, passive
        return None, passive
    return _phrase_ending_at(toks, i), passive


def _phrase_after(toks: list[_Tok], idx: int) -> _Phrase | None:
    """Parse the noun phrase starting at ``toks[idx]``."""
    n = len(toks)
    if idx >= n:
        return None
    i = idx
    det = ""
    start = toks[i].start
    if toks[i].low in _DETERMINERS:
        det = toks[i].low
        i += 1
    if i >= n:
        return None
    if det == "" and toks[i].low in _PRONOUNS:
        return _Phrase("pronoun", "", (), toks[i].low, (), toks[i].start, toks[i].end)
    words: list[_Tok] = []
    while i < n:
        tok = toks[i]
        kind, head = _head_kind(tok)
        nxt = toks[i + 1] if i + 1 < n else None
        if kind in ("source", "org_noun", "doc"):
            end = tok.end
            post: tuple[str, ...] = ()
            if nxt is not None and nxt.low in ("for", "at", "from", "of") and i + 2 < n and _is_name_token(toks[i + 2]):
                k = i + 2
                while k + 1 < n and (
                    _is_name_token(toks[k + 1])
                    or (toks[k + 1].low in ("and", "of", "&") and k + 2 < n and _is_name_token(toks[k + 2]))
                ):
                    k += 1
                post = tuple(t.text for t in toks[i + 1 : k + 1])
                end = toks[k].end
            pre = tuple(t.text for t in words)
            return _Phrase(kind, det, pre, head, post, start, end)
        if (
            _is_name_token(tok)
            or _title_of(tok.text) is not None
            or _is_forward_connector(toks, i, words)
            or (tok.text in _MOD_ADJ and nxt is not None)
        ):
            words.append(tok)
        else:
            break
        i += 1
    while words and (words[-1].low in ("and", "&", "of", "the") or words[-1].text in _MOD_ADJ):
        words.pop()
    if not any(_is_name_token(t) for t in words):
        return None
    return _Phrase("name", det, tuple(t.text for t in words), "", (), start, words[-1].end)


# --------------------------------------------------------------------------
# Candidate attributions
# --------------------------------------------------------------------------


def _sentence_rest(masked: str, pos: int) -> str:
    m = _SENTENCE_END_RE.search(masked, pos)
    return masked[pos : m.start() if m else len(masked)]


def _speech_kind(masked: str, start: int, verb_end: int) -> tuple[str, int]:
    """QUOTE or REPORTED, and where the cue ends (after a colon if any)."""
    colon = _COLON_QUOTE_RE.match(masked, verb_end)
    if colon is not None:
        return QUOTE, masked.index(":", verb_end) + 1
    if _closing_quote_before(masked, start) or _DIRECT_QUOTE_RE.match(masked, verb_end):
        return QUOTE, verb_end
    return REPORTED, verb_end


def _verb_candidates(masked: str, toks: list[_Tok]) -> list[_Candidate]:
    index = {t.start: i for i, t in enumerate(toks)}
    ends = {t.end: i for i, t in enumerate(toks)}
    found: list[_Candidate] = []
    for m in _VERB_RE.finditer(masked):
        vi = index.get(m.start())
        last = ends.get(m.end())
        if vi is None or last is None:
            continue
        verb = m.group()
        after_quote = _closing_quote_before(masked, m.start())
        phrase, passive = _phrase_before(toks, vi)
        rest = _sentence_rest(masked, m.end())
        if (
            verb in _EVALUATIVE_VERBS
            and "“" not in rest
            and not (verb.startswith(("describ", "brand", "label")) and re.search(r"\bas\b", rest))
        ):
            continue
        if (
            verb in _STRICT_VERBS
            and not after_quote
            and phrase is not None
            and not _STRICT_FOLLOW_RE.match(masked, m.end())
            and not _closing_quote_before(masked, phrase.start)
        ):
            continue
        if passive or (phrase is None and not after_quote):
            # Passive with an agent: "was confirmed by X", "described as "..." by X".
            by = _BY_RE.search(rest)
            if by is None:
                continue
            between = rest[: by.start()]
            if verb in _EVALUATIVE_VERBS:
                if "“" not in between and not between.lstrip().startswith("as "):
                    continue
            elif between.strip():
                continue
            agent_idx = index.get(m.end() + by.end())
            agent = _phrase_after(toks, agent_idx) if agent_idx is not None else None
            if agent is None or agent.kind == "pronoun":
                continue
            found.append(_Candidate(m.start(), agent.end, agent, REPORTED))
            continue
        if phrase is None:
            # Inverted: '"...," said Dr Jane Smith' / 'added the representative'.
            phrase = _phrase_after(toks, last + 1)
            if phrase is None:
                continue
            found.append(_Candidate(m.start(), phrase.end, phrase, QUOTE))
            continue
        kind, cue_end = _speech_kind(masked, phrase.start, m.end())
        clause = _clause_start(toks, vi)
        if (
            kind == REPORTED
            and 0 < index[phrase.start] - clause <= 6
            and _closing_quote_before(masked, toks[clause].start)
        ):
            kind = QUOTE  # '"...," the minister, Paul Adams, said'
        found.append(_Candidate(phrase.start, cue_end, phrase, kind))
    return found


def _clause_start(toks: list[_Tok], before: int) -> int:
    i = before
    while i > 0 and toks[i - 1].text not in _CLAUSE_STOPS and not toks[i - 1].text.startswith("_"):
        i -= 1
    return i


def _other_candidates(masked: str, toks: list[_Tok]) -> list[_Candidate]:
    index = {t.start: i for i, t in enumerate(toks)}
    found: list[_Candidate] = []
    for m in _ACCORDING_RE.finditer(masked):
        idx = index.get(m.end())
        phrase = _phrase_after(toks, idx) if idx is not None else None
        if phrase is not None and phrase.kind != "pronoun":
            found.append(_Candidate(m.start(), phrase.end, phrase, REPORTED))
    for m in _STATEMENT_RE.finditer(masked):
        idx = index.get(m.start())
        if idx is None:
            continue
        phrase, passive = _phrase_before(toks, idx)
        if phrase is None or passive:
            continue
        kind = QUOTE if "“" in _sentence_rest(masked, m.end()) else REPORTED
        label = "joint statement" if m.group("joint") else "statement"
        found.append(_Candidate(phrase.start, m.end(), phrase, kind, label))
    for m in _PARTICIPLE_RE.finditer(masked):
        comma = index.get(m.start())
        if comma is None:
            continue
        start = _clause_start(toks, comma)
        while start < comma and toks[start].low in _OPENERS:
            start += 1
        phrase = _phrase_after(toks, start)
        if phrase is None:
            commas = [i for i in range(start, comma) if toks[i].text == ","]
            if commas:
                phrase = _phrase_after(toks, commas[0] + 1)
        if phrase is None or phrase.end > m.start():
            continue
        found.append(_Candidate(phrase.start, m.end(), phrase, REPORTED))
    return found


# --------------------------------------------------------------------------
# Article context: names, expansions, speaker history and resolution
# --------------------------------------------------------------------------


def _name_mentions(toks: list[_Tok]) -> list[tuple[int, str, tuple[str, ...]]]:
    """Personal-name mentions: (position, title or "", name words)."""
    found: list[tuple[int, str, tuple[str, ...]]] = []
    n = len(toks)

    def flush(seg: list[int]) -> None:
        cut = 0
        for k, ti in enumerate(seg):
            if not _is_plain_name(toks[ti].text):
                cut = k + 1
        tail = seg[cut:]
        if not tail:
            return
        at_sentence_start = tail[0] == 0 or toks[tail[0] - 1].text in _CLAUSE_STOPS
        if at_sentence_start and len(tail) == 3:
            tail = tail[1:]
        follows = toks[tail[-1] + 1].low if tail[-1] + 1 < n else ""
        if 2 <= len(tail) <= 3 and follows != "of":
            found.append((toks[tail[0]].start, "", tuple(toks[t].bare for t in tail)))

    i = 0
    while i < n:
        if not (_is_name_token(toks[i]) or _title_of(toks[i].text) is not None):
            i += 1
            continue
        run: list[int] = []
        while i < n and (_is_name_token(toks[i]) or _title_of(toks[i].text) is not None):
            run.append(i)
            i += 1
        seg: list[int] = []
        k = 0
        while k < len(run):
            title = _title_of(toks[run[k]].text)
            if title is None:
                seg.append(run[k])
                k += 1
                continue
            flush(seg)
            seg = []
            names: list[str] = []
            k += 1
            while (
                k < len(run)
                and len(names) < 3
                and _title_of(toks[run[k]].text) is None
                and _is_plain_name(toks[run[k]].text)
            ):
                names.append(toks[run[k]].bare)
                k += 1
            if names:
                found.append((toks[run[k - len(names) - 1]].start, title, tuple(names)))
        flush(seg)
    return found


class _Context:
    """Article-wide knowledge plus the running speaker history."""

    def __init__(self, paragraphs: Sequence[str]) -> None:
        self.surnames: dict[str, str] = {}
        self.genders: dict[str, str] = {}
        self.expansions: dict[str, str] = {}
        self.history: list[_Speaker] = []
        self.mentions: list[list[_Mention]] = []
        titled: list[tuple[str, tuple[str, ...]]] = []
        for para in paragraphs:
            for _, title, names in _name_mentions(_tokenize(para)):
                if len(names) >= 2:
                    self.surnames.setdefault(names[-1], " ".join(names))
                if title:
                    titled.append((title, names))
        for title, names in titled:
            gender = _TITLES[title]
            if gender:
                self.genders.setdefault(self.person_label(title, names), gender)
        ambiguous: set[str] = set()
        for para in paragraphs:
            for m in _OF_NAME_RE.finditer(para):
                short = m.group(1)
                if short in _FUNCTION_CAPS or short in _TITLES:
                    continue
                full = f"{short} of {m.group(2)}"
                if self.expansions.setdefault(short, full) != full:
                    ambiguous.add(short)
        for short in ambiguous:
            del self.expansions[short]

    # -- labels ------------------------------------------------------------

    def person_label(self, title: str, names: tuple[str, ...]) -> str:
        if len(names) >= 2:
            return " ".join(names)
        surname = names[0]
        full = self.surnames.get(surname)
        if full is None:
            close = difflib.get_close_matches(surname, list(self.surnames), n=1, cutoff=_SURNAME_CUTOFF)
            if close:
                full = self.surnames[close[0]]
        if full is not None:
            return full
        return f"{title} {surname}" if title else surname

    def person(self, title: str, names: tuple[str, ...]) -> _Speaker:
        label = self.person_label(title, names)
        gender = _TITLES.get(title, "") or self.genders.get(label, "")
        return _Speaker(label, "person", gender=gender)

    def org_label(self, det: str, words: Sequence[str]) -> str:
        out: list[str] = []
        for i, word in enumerate(words):
            nxt = words[i + 1].lower() if i + 1 < len(words) else ""
            out.append(self.expansions.get(word, word) if nxt != "of" else word)
        body = " ".join(out)
        return f"{det} {body}" if det else body

    def _person_from_words(self, det: str, words: Sequence[str]) -> _Speaker | None:
        if det:
            return None
        titles = [i for i, w in enumerate(words) if _title_of(w) is not None]
        if titles:
            t = titles[-1]
            names = tuple(_POSSESSIVE_RE.sub("", w) for w in words[t + 1 :] if _is_plain_name(w))
            if names:
                return self.person(_title_of(words[t]) or "", names)
        tail: list[str] = []
        for word in reversed(words):
            if not _is_plain_name(word):
                break
            tail.insert(0, _POSSESSIVE_RE.sub("", word))
        if 2 <= len(tail) <= 3:
            return self.person("", tuple(tail))
        if len(words) == 1 and len(tail) == 1:
            surname = tail[0]
            if surname in self.surnames or difflib.get_close_matches(
                surname, list(self.surnames), n=1, cutoff=_SURNAME_CUTOFF
            ):
                return self.person("", (surname,))
        return None

    def name_speaker(self, phrase: _Phrase) -> _Speaker:
        words = list(phrase.pre)
        if not phrase.det and any(w.lower() == "and" for w in words):
            parts: list[list[str]] = [[]]
            for word in words:
                if word.lower() == "and":
                    parts.append([])
                else:
                    parts[-1].append(word)
            people = [self._person_from_words("", part) for part in parts]
            if all(p is not None for p in people):
                label = " and ".join(p.label for p in people if p is not None)
                return _Speaker(label, "group", plural=True)
        person = self._person_from_words(phrase.det, words)
        if person is not None:
            return person
        if len(words) == 1 and words[0].lower() in _ORG_NOUNS and not phrase.det:
            return _Speaker(words[0].lower(), "org", plural=True)  # "Police said"
        if len(words) == 1 and _is_plain_name(words[0]) and not phrase.det:
            return _Speaker(_POSSESSIVE_RE.sub("", words[0]), "person")
        return _Speaker(self.org_label(phrase.det, words), "org", plural=True)

    @staticmethod
    def anonymous_label(phrase: _Phrase) -> str:
        mods = [m.lower() if m.lower() in _MOD_ADJ else m for m in phrase.pre]
        body = " ".join([*mods, phrase.head, *phrase.post])
        if phrase.det in _INDEFINITE_SINGULAR:
            return f"{_article_for(body)} {body}"
        if phrase.det:
            return f"{phrase.det} {body}"
        return body

    # -- resolution --------------------------------------------------------

    def _latest(self, pred: Callable[[_Speaker], bool]) -> _Speaker | None:
        for speaker in reversed(self.history):
            if pred(speaker):
                return speaker
        return None

    def resolve_pronoun(self, pronoun: str, cue_pos: int, here: list[_Mention]) -> _Speaker:
        if pronoun in ("he", "she"):
            gender = "m" if pronoun == "he" else "f"

            def compatible(s: _Speaker) -> bool:
                known = s.gender or self.genders.get(s.label, "")
                return s.category == "person" and known in ("", gender)

            found = self._resolve_person(compatible, cue_pos, here)
            if found is None:
                return _Speaker("an unnamed speaker", "unknown", gender=gender)
            # Remember the gender the pronoun revealed for later pronouns.
            self.genders.setdefault(found.label, gender)
            return found
        plural = pronoun == "they"
        found = self._latest(
            lambda s: s.category in ("statement", "org", "group") or (plural and s.plural and s.category != "narrator")
        )
        if found is not None:
            return found
        if plural:
            return _Speaker("unnamed speakers", "unknown", plural=True)
        return _Speaker("an unnamed speaker", "unknown")

    def _resolve_person(
        self, compatible: Callable[[_Speaker], bool], cue_pos: int, here: list[_Mention]
    ) -> _Speaker | None:
        """Most recent compatible person: same paragraph before the cue, the
        previous paragraph's speaker, the previous paragraph's mentions, then
        earlier speakers and earlier mentions."""
        for pos, speaker in reversed(here):
            if pos < cue_pos and compatible(speaker):
                return speaker
        if self.history and compatible(self.history[-1]):
            return self.history[-1]
        if self.mentions:
            for _, speaker in reversed(self.mentions[-1]):
                if compatible(speaker):
                    return speaker
        earlier = self._latest(compatible)
        if earlier is not None:
            return earlier
        for mentions in reversed(self.mentions[:-1]):
            for _, speaker in reversed(mentions):
                if compatible(speaker):
                    return speaker
        return None

    def resolve_definite(self, phrase: _Phrase) -> _Speaker:
        cls = _noun_class(phrase.head)
        plural = phrase.head in _PLURAL_SOURCE_NOUNS
        found = self._latest(lambda s: s.category == "anonymous" and s.head == cls and s.plural == plural)
        if found is not None:
            return found
        prev = self.history[-1] if self.history else None
        if prev is not None and prev.category == "anonymous" and phrase.head in _SOURCE_NOUNS:
            # Journalistic second reference to the previous anonymous speaker.
            return prev
        return _Speaker(self.anonymous_label(phrase), "anonymous", cls, plural)

    def speaker(self, cand: _Candidate, here: list[_Mention]) -> _Speaker:
        base = self.phrase_speaker(cand.phrase, cand.pos, here)
        if cand.statement:
            joint = cand.statement == "joint statement"
            return _Speaker(f"{base.label} ({cand.statement})", "statement", plural=True, joint=joint)
        return base

    def phrase_speaker(self, phrase: _Phrase, cue_pos: int, here: list[_Mention]) -> _Speaker:
        if phrase.kind == "pronoun":
            return self.resolve_pronoun(phrase.head, cue_pos, here)
        if phrase.kind == "source":
            if phrase.det in _DEFINITE:
                return self.resolve_definite(phrase)
            return _Speaker(
                self.anonymous_label(phrase),
                "anonymous",
                _noun_class(phrase.head),
                phrase.head in _PLURAL_SOURCE_NOUNS,
            )
        if phrase.kind == "doc":
            if phrase.head == "statement" and (phrase.det in _DEFINITE or not phrase.det):
                found = self._latest(lambda s: s.category == "statement")
                if found is not None:
                    return found
            body = " ".join([*phrase.pre, phrase.head, *phrase.post])
            return _Speaker(f"{phrase.det or 'the'} {body}", "statement", plural=True)
        if phrase.kind == "org_noun":
            body = " ".join(
                [*(w.lower() if w.lower() in _MOD_ADJ else w for w in phrase.pre), phrase.head, *phrase.post]
            )
            return _Speaker(f"{phrase.det or 'the'} {body}", "org", plural=True)
        return self.name_speaker(phrase)

    def mentions_in(self, toks: list[_Tok]) -> list[_Mention]:
        return [(pos, self.person(title, names)) for pos, title, names in _name_mentions(toks)]


# --------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------


def unnamed_words() -> frozenset[str]:
    """The words of an anonymous speaker's label that name no one: source and role nouns and
    determiners ("a source", "one official", "the representatives"), not the affiliation
    ("Labour" in "Labour sources")."""
    return frozenset(_SOURCE_NOUNS) | frozenset(_ROLE_NOUNS) | _DETERMINERS


def attribute_paragraphs(paragraphs: Sequence[str]) -> list[Attribution]:
    """One Attribution per paragraph of one article, in order."""
    ctx = _Context(paragraphs)
    result: list[Attribution] = []
    open_quote = False
    for para in paragraphs:
        scan = _scan_quotes(para, open_quote)
        toks = _tokenize(scan.masked)
        here = ctx.mentions_in(toks)
        cands = _verb_candidates(scan.masked, toks) + _other_candidates(scan.masked, toks)
        prev = ctx.history[-1] if ctx.history else _NARRATOR_SPEAKER
        if cands:
            cand = min(cands, key=lambda c: (c.pos, -c.end))
            speaker = ctx.speaker(cand, here)
            attribution = Attribution(speaker.public(), cand.kind, para[cand.pos : cand.end])
        elif prev.category != "narrator" and (
            (open_quote and (scan.starts_with_open or not scan.has_marks)) or scan.starts_with_open
        ):
            speaker = prev
            cue = para.lstrip()[:1] if scan.starts_with_open else ""
            attribution = Attribution(speaker.public(), CONTINUATION, cue)
        else:
            speaker = _NARRATOR_SPEAKER
            attribution = Attribution(NARRATION_SPEAKER, NARRATION, "")
        ctx.history.append(speaker)
        ctx.mentions.append(here)
        result.append(attribution)
        open_quote = scan.open_at_end
    return result
