"""Tokens and the noun phrases that can be a speaker ("Labour sources", "Mr Corbyn", "they")."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from newsbot.attribution.lexicon import lexicon

POSSESSIVE_RE = re.compile(r"['\u2019]s?$")
CLAUSE_STOPS = frozenset(".!?;:“”()")
SENTENCE_OPENERS = frozenset('.!?:“"')  # what may come right before a sentence's first word
_FUZZY_CUTOFF = 0.85
# Prepositions of a post-modifier: "a spokeswoman for Acme Corp".
_POST_PREPOSITIONS = ("for", "at", "from", "of")
# Lower-case words inside a name, between two capitalised ones: "Newcastle upon Tyne", "Westport on Wheels".
_PLACE_CONNECTORS = ("on", "upon")
# "Residents of the estate", "workers at the plant", "staff in the ward".
_PLACE_PREPOSITIONS = ("of", "at", "in", "from", "on")
# At most this many lower-case words before an organisation's name: "the cycling group Westport on Wheels".
_ORG_MODIFIERS_MOST = 2
# An age before a name or a noun: "72-year-old Margaret Jones", "a 34-year-old nurse".
_AGE = re.compile(r"\d+-year-old")
# At most this many tokens in a "who" clause between a speaker and the verb: "A man who lives nearby said".
_RELATIVE_CLAUSE_MOST = 16
# A past participle that opens a reduced relative clause: "contacted", "interviewed", "spoken".
_PARTICIPLE = re.compile(r"[a-z]+(?:ed|en)")
# Appositions in a row between a speaker and the verb: "Priya Shah, 34, a nurse, said" has two.
_MAX_APPOSITIONS = 3


@dataclass(frozen=True)
class Tok:
    text: str
    start: int
    end: int

    @property
    def bare(self) -> str:
        return POSSESSIVE_RE.sub("", self.text)

    @property
    def low(self) -> str:
        return self.text.lower()


@dataclass(frozen=True)
class Phrase:
    """A parsed speaker noun phrase."""

    kind: str  # "pronoun" | "source" | "org_noun" | "doc" | "name"
    det: str  # lower-cased determiner, "" if none
    pre: tuple[str, ...]  # modifiers (for "name": the whole name run)
    head: str  # normalised head noun ("" for names)
    post: tuple[str, ...]  # post-modifier ("for Acme Corp")
    start: int
    end: int


# --------------------------------------------------------------------------
# Token helpers
# --------------------------------------------------------------------------


def tokenize(text: str) -> list[Tok]:
    return [Tok(m.group(), m.start(), m.end()) for m in lexicon().token_re.finditer(text)]


def title_of(word: str) -> str | None:
    bare = word.rstrip(".")
    return bare if bare in lexicon().titles else None


def is_name_token(tok: Tok) -> bool:
    bare = tok.bare
    lex = lexicon()
    return (
        bool(bare)
        and bare[0].isalpha()
        and bare[0].isupper()
        and title_of(bare) is None
        and bare not in lex.function_caps
        and bare.lower() not in lex.determiners
    )


def is_plain_name(word: str) -> bool:
    """A word that can be part of a personal name (not an org word/acronym)."""
    bare = POSSESSIVE_RE.sub("", word)
    lex = lexicon()
    return (
        len(bare) > 1
        and bare[0].isupper()
        and re.sub(r"['\u2019-]", "", bare).isalpha()
        and any(ch.islower() for ch in bare)
        and bare not in lex.org_words
        and bare not in lex.demonyms
        and bare not in lex.function_caps
        and title_of(bare) is None
    )


def source_noun(word: str) -> str | None:
    """Normalise ``word`` to a source noun of the lexicon (tolerating typos)."""
    lex = lexicon()
    low = word.lower()
    if low in lex.source_nouns or (low in lex.role_nouns and word.islower()):
        return low
    if len(low) < 5 or not low.isalpha() or low in lex.fuzzy_exclude or low.endswith(("ly", "ing", "ed")):
        return None
    close = difflib.get_close_matches(low, list(lex.source_nouns), n=1, cutoff=_FUZZY_CUTOFF)
    return close[0] if close else None


def noun_class(head: str) -> str:
    lex = lexicon()
    return lex.source_nouns.get(head) or lex.role_nouns.get(head, head)


def article_for(body: str) -> str:
    first = body.split()[0] if body.split() else ""
    if len(first) > 1 and first.isupper():
        return "an" if first[0] in "AEFHILMNORSX" else "a"
    return "an" if first[:1].lower() in ("a", "e", "i", "o", "u") else "a"


# --------------------------------------------------------------------------
# Noun-phrase parsing
# --------------------------------------------------------------------------


def _head_kind(tok: Tok) -> tuple[str, str]:
    """Classify a potential phrase head: (kind, normalised head)."""
    lex = lexicon()
    low = tok.low
    if low in lex.pronouns:
        return "pronoun", low
    if POSSESSIVE_RE.search(tok.text):
        return "", ""  # "Labour's claims": a possessive is never the subject
    source = source_noun(tok.text)
    if source is not None:
        return "source", source
    if tok.text.islower() and low in lex.org_nouns:
        return "org_noun", low
    if tok.text.islower() and low in lex.doc_nouns:
        return "doc", low
    if is_name_token(tok):
        return "name", ""
    return "", ""


def _is_back_connector(toks: list[Tok], j: int) -> bool:
    """Whether ``toks[j]`` joins two parts of a name run ("Board of Deputies")."""
    tok = toks[j]
    if j < 1:
        return False
    if tok.low == "the":
        return toks[j - 1].low in ("and", "of")
    if tok.low in _PLACE_CONNECTORS:
        return is_name_token(toks[j - 1]) and j + 1 < len(toks) and is_name_token(toks[j + 1])
    if tok.low == "for":  # "the Institute for Fiscal Studies", "the Department for Education"
        return toks[j - 1].text in lexicon().org_words and j + 1 < len(toks) and is_name_token(toks[j + 1])
    if tok.low not in ("and", "&", "of"):
        return False
    prev = toks[j - 1]
    return is_name_token(prev) or (prev.low == "the" and j >= 2 and toks[j - 2].low in ("and", "of"))


def _is_forward_connector(toks: list[Tok], i: int, words: list[Tok]) -> bool:
    """Whether ``toks[i]`` continues a name run collected in ``words``."""
    tok = toks[i]
    if not words:
        return False
    if tok.low == "the":
        return words[-1].low in ("and", "of")
    if tok.low in _PLACE_CONNECTORS:
        return is_name_token(words[-1]) and i + 1 < len(toks) and is_name_token(toks[i + 1])
    if tok.low == "for":  # "the Institute for Fiscal Studies", "the Department for Education"
        return words[-1].text in lexicon().org_words and i + 1 < len(toks) and is_name_token(toks[i + 1])
    if tok.low not in ("and", "&", "of") or i + 1 >= len(toks):
        return False
    nxt = toks[i + 1]
    return is_name_token(nxt) or (nxt.low == "the" and i + 2 < len(toks) and is_name_token(toks[i + 2]))


def starts_sentence(toks: list[Tok], i: int) -> bool:
    return i == 0 or toks[i - 1].text in SENTENCE_OPENERS


def _collect_name_run_back(toks: list[Tok], i: int) -> int:
    """Index of the first token of the name run (with connectors) ending at i."""
    first = i
    j = i - 1
    while j >= 0:
        tok = toks[j]
        if is_name_token(tok) or title_of(tok.text) is not None:
            first = j
        elif not _is_back_connector(toks, j):
            break
        j -= 1
    return first


def _org_ending(toks: list[Tok], i: int) -> int | None:
    """Where the organisation named from toks[i] (after its determiner) ends: a lower-case
    organisation noun after at most a few lower-case words, and the name that may follow it
    ("ministry", "housing charity Shelter", "cycling group Westport on Wheels"); None if none."""
    noun = i
    while noun < len(toks) and noun - i < _ORG_MODIFIERS_MOST and _head_kind(toks[noun])[0] != "org_noun" \
            and toks[noun].text.isalpha() and toks[noun].text.islower():  # fmt: skip
        noun += 1
    if noun >= len(toks) or _head_kind(toks[noun])[0] != "org_noun":
        return None
    end = noun
    while end + 1 < len(toks) and (
        is_name_token(toks[end + 1]) or (end > noun and _is_forward_connector(toks, end + 1, [toks[end]]))
    ):
        end += 1
    while end > noun and not is_name_token(toks[end]):
        end -= 1
    return end


def _post_modified(toks: list[Tok], preposition: int, last: int, kinds: tuple[str, ...] = ("source",)) -> Phrase | None:
    """The phrase ending before toks[preposition], of one of `kinds`, post-modified by
    toks[preposition..last] ("a spokeswoman" + "for the agency"), or None."""
    inner = phrase_ending_at(toks, preposition - 1) if preposition >= 1 else None
    if inner is None or inner.kind not in kinds:
        return None
    post = tuple(t.text for t in toks[preposition : last + 1])
    return Phrase(inner.kind, inner.det, inner.pre, inner.head, post, inner.start, toks[last].end)


def _close_to(toks: list[Tok], to: int, last: int) -> Phrase | None:
    """The unnamed source "close to" whom toks[to + 1..last] names ("Sources close to the
    minister", "a source close to Mr Johnson"): they speak, not the one they are close to."""
    if to < 2 or toks[to].low != "to" or toks[to - 1].low != "close":
        return None
    return _post_modified(toks, to - 1, last)


def _source_of_place(toks: list[Tok], last: int) -> Phrase | None:
    """Unnamed people of a place that is no speaker: "Residents of the estate", "Workers at the
    Calder plant", "Staff at the hospital" (the people speak, not the place)."""
    lex = lexicon()
    det = last - 1
    while det > last - 1 - _ORG_MODIFIERS_MOST and det >= 2 and toks[det].low not in lex.determiners \
            and toks[det].text.isalpha():  # fmt: skip
        det -= 1
    if det < 2 or toks[det].low not in lex.definite or toks[det - 1].low not in _PLACE_PREPOSITIONS:
        return None
    return _post_modified(toks, det - 1, last)


def _named_org_before(toks: list[Tok], first: int, last: int) -> Phrase | None:
    """The name run toks[first..last] after a lower-case organisation noun and a definite
    determiner ("the charity Shelter", "the cycling group Westport on Wheels"): that organisation,
    or the source that speaks for it ("a spokeswoman for the charity Shelter")."""
    lex = lexicon()
    noun = first - 1
    if noun < 1 or _head_kind(toks[noun])[0] != "org_noun":
        return None
    det = noun - 1
    while det >= 0 and noun - det <= _ORG_MODIFIERS_MOST and toks[det].text.isalpha() and toks[det].text.islower() \
            and toks[det].low not in lex.definite:  # fmt: skip
        det -= 1
    if det < 0 or toks[det].low not in lex.definite:
        return None
    names = tuple(t.text for t in toks[first : last + 1])
    org = Phrase("org_noun", toks[det].low, tuple(t.text for t in toks[det + 1 : noun]), toks[noun].low, names,
                 toks[det].start, toks[last].end)  # fmt: skip
    spoken_for = _post_modified(toks, det - 1, last) if det >= 2 and toks[det - 1].low in _POST_PREPOSITIONS else None
    return spoken_for or org


def phrase_ending_at(toks: list[Tok], last: int) -> Phrase | None:
    """Parse the noun phrase whose last token is ``toks[last]``."""
    lex = lexicon()
    tok = toks[last]
    kind, head = _head_kind(tok)
    if kind == "name" and tok.low in lex.plural_nouns and tok.low in lex.role_nouns and starts_sentence(toks, last):
        # "Residents said ...": the capital is the sentence's. Only a plural: a bare singular
        # ("Driver said") is a surname, its role would take a determiner ("A driver said").
        kind, head = "source", tok.low
    if kind == "":
        return _source_of_place(toks, last)
    if kind == "pronoun":
        return Phrase("pronoun", "", (), head, (), tok.start, tok.end)
    if (
        kind in ("org_noun", "source")
        and last >= 3
        and toks[last - 1].low in lex.definite
        and toks[last - 2].low in _POST_PREPOSITIONS
        # Post-modified source noun: "a spokeswoman for the agency", "Families of the victims".
        and (spoken_for := _post_modified(toks, last - 2, last)) is not None
    ):
        return spoken_for
    if kind in ("org_noun", "source") and last >= 4 and toks[last - 1].low in lex.definite \
            and (close := _close_to(toks, last - 2, last)) is not None:  # fmt: skip
        return close  # "Sources close to the minister"
    if kind == "name":
        first = _collect_name_run_back(toks, last)
        before = first - 1
        named_org = _named_org_before(toks, first, last)
        if named_org is not None:
            return named_org
        if (close := _close_to(toks, before, last)) is not None:
            return close  # "Sources close to Mr Johnson"
        # Post-modified source noun: "a spokeswoman for Acme Corp".
        if (
            before >= 1
            and toks[before].low in _POST_PREPOSITIONS
            and (spoken_for := _post_modified(toks, before, last, ("source", "org_noun"))) is not None
        ):
            return spoken_for
        words = tuple(t.text for t in toks[first : last + 1])
        start = toks[first].start
        det = ""
        if before >= 0 and toks[before].low == "the":
            det = "the"
            start = toks[before].start
        return Phrase("name", det, words, "", (), start, tok.end)
    # source / org_noun / doc: collect modifiers backwards.
    first = last
    j = last - 1
    while j >= 0:
        prev = toks[j]
        if is_name_token(prev) or title_of(prev.text) is not None or prev.low in lex.modifiers:
            first = j
        elif prev.low in ("and", "&") and j >= 1 and (is_name_token(toks[j - 1]) or toks[j - 1].low in lex.modifiers):
            pass
        elif prev.low in ("of", "for") and first < last and j >= 1 and toks[j - 1].text in lex.org_words:
            pass  # "a Department for Education spokesperson", "a Board of Deputies spokesman"
        else:
            break
        j -= 1
    pre = tuple(t.text for t in toks[first:last])
    start = toks[first].start
    det = ""
    if j >= 0 and toks[j].low in lex.determiners:
        det = toks[j].low
        start = toks[j].start
    elif j >= 1 and kind == "source" and _owner(toks[j]) and toks[j - 1].low in lex.definite:
        # Whose they are: "The man's wife said", "the victim's mother" (not just "wife").
        det = f"{toks[j - 1].low} {toks[j].text}"
        start = toks[j - 1].start
    return Phrase(kind, det, pre, head, (), start, tok.end)


def _owner(tok: Tok) -> bool:
    """Whether the token is a common noun's possessive ("man's", "victims'")."""
    return bool(POSSESSIVE_RE.search(tok.text)) and tok.text[:1].islower() and POSSESSIVE_RE.sub("", tok.text).isalpha()


def _relative_subject(toks: list[Tok], last: int) -> Phrase | None:
    """The person a "who" clause ending at toks[last] is about, right before the verb: "A man who
    lives nearby said", "Parents who spoke to the Courier said" (not the Courier); None when the
    clause is not there or is not about a person or an unnamed source."""
    k = last
    while k >= 1 and last - k < _RELATIVE_CLAUSE_MOST and toks[k].low not in ("who", "by") \
            and toks[k].text != "," and toks[k].text not in CLAUSE_STOPS:  # fmt: skip
        k -= 1
    if k < 1 or k == last:
        return None
    if toks[k].low == "by":
        # "Customers contacted by the Echo said", "Parents spoken to by the Courier said".
        participle = k - 2 if toks[k - 1].low == "to" else k - 1
        if participle < 1 or not _PARTICIPLE.fullmatch(toks[participle].text):
            return None
        k = participle
    elif toks[k].low != "who":
        return None
    inner = phrase_ending_at(toks, k - 1)
    return inner if inner is not None and inner.kind in ("name", "source") else None


def _apposition_start(toks: list[Tok], comma: int) -> int | None:
    """Where the apposition that ends at the comma `toks[comma]` opens: the comma before it, in
    the same clause and within 32 tokens, with at least one token between; None when there is none."""
    j = comma - 1
    while j >= 0 and comma - j < 32 and toks[j].text != "," and toks[j].text not in CLAUSE_STOPS:
        j -= 1
    return j if j >= 1 and toks[j].text == "," and j < comma - 1 else None


def phrase_before(toks: list[Tok], idx: int) -> tuple[Phrase | None, bool]:
    """The subject phrase right before ``toks[idx]`` and whether it is passive."""
    lex = lexicon()
    i = idx - 1
    passive = False
    while i >= 0 and toks[i].low in lex.skippable:
        passive = passive or toks[i].low in lex.be
        i -= 1
    if i < 0:
        return None, passive
    if (about := _relative_subject(toks, i)) is not None:
        return about, passive
    if toks[i].text == ",":
        # Apposition: "Jane Smith, the council's leader, said".
        if (j := _apposition_start(toks, i)) is not None:
            # '"...," the minister, Paul Adams, said': the apposition is the name.
            named = phrase_ending_at(toks, i - 1)
            if named is not None and named.kind == "name" and named.start == toks[j + 1].start:
                return named, passive
            # Appositions in a row: "Priya Shah, 34, a nurse from Eastbay, said".
            for _ in range(_MAX_APPOSITIONS):
                first = toks[j + 1].text
                if not (first[:1].islower() or first[:1].isdigit()):
                    break
                inner = phrase_ending_at(toks, j - 1)
                if inner is not None and inner.kind in ("name", "source", "org_noun"):
                    return inner, passive
                k = _apposition_start(toks, j)
                if k is None:
                    break
                j = k
        return None, passive
    return phrase_ending_at(toks, i), passive


def phrase_after(toks: list[Tok], idx: int) -> Phrase | None:
    """Parse the noun phrase starting at ``toks[idx]``."""
    lex = lexicon()
    n = len(toks)
    if idx >= n:
        return None
    i = idx
    det = ""
    start = toks[i].start
    if toks[i].low in lex.determiners:
        det = toks[i].low
        i += 1
    if i >= n:
        return None
    if det == "" and toks[i].low in lex.pronouns:
        return Phrase("pronoun", "", (), toks[i].low, (), toks[i].start, toks[i].end)
    while i + 1 < n and _AGE.fullmatch(toks[i].text):
        i += 1  # '"...," said 72-year-old Margaret Jones': her age is no part of her name
    words: list[Tok] = []
    while i < n:
        tok = toks[i]
        kind, head = _head_kind(tok)
        nxt = toks[i + 1] if i + 1 < n else None
        if kind == "source" and nxt is not None and is_name_token(nxt) and title_of(nxt.text) is None:
            named = phrase_after(toks, i + 1)  # "prosecutor Amira Shah", "spokesman John Hale": the name speaks
            if named is not None and named.kind == "name":
                return named
        if kind == "org_noun" and nxt is not None and _head_kind(nxt)[0] == "doc":
            words.append(tok)  # "a council report": the document speaks, the body is its modifier
            i += 1
            continue
        if kind in ("source", "org_noun", "doc"):
            end = tok.end
            post: tuple[str, ...] = ()
            if nxt is not None and nxt.low in _POST_PREPOSITIONS and i + 2 < n and is_name_token(toks[i + 2]):
                k = i + 2
                while k + 1 < n and (
                    is_name_token(toks[k + 1])
                    or (toks[k + 1].low in ("and", "of", "&") and k + 2 < n and is_name_token(toks[k + 2]))
                ):
                    k += 1
                post = tuple(t.text for t in toks[i + 1 : k + 1])
                end = toks[k].end
            elif (
                nxt is not None
                and nxt.low in _POST_PREPOSITIONS
                and i + 3 < n
                and toks[i + 2].low in lex.definite
                and (org_end := _org_ending(toks, i + 3)) is not None
            ):
                # "a spokesman for the ministry", "a spokeswoman for the housing charity Shelter"
                post = tuple(t.text for t in toks[i + 1 : org_end + 1])
                end = toks[org_end].end
            pre = tuple(t.text for t in words)
            return Phrase(kind, det, pre, head, post, start, end)
        if (
            is_name_token(tok)
            or title_of(tok.text) is not None
            or _is_forward_connector(toks, i, words)
            or (tok.text in lex.modifiers and nxt is not None)
        ):
            words.append(tok)
        else:
            break
        i += 1
    while words and (words[-1].low in ("and", "&", "of", "the") or words[-1].text in lex.modifiers):
        words.pop()
    if not any(is_name_token(t) for t in words):
        return None
    return Phrase("name", det, tuple(t.text for t in words), "", (), start, words[-1].end)
