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
  The earliest attribution in a paragraph governs the paragraph from its sentence on
  (``Attribution.at``; newsbot.ingest.passages gives the sentences before it, when they quote no
  one, to the narration: "In 1900, Tesla was granted patents ... The court declared that ...").
* Pronouns: *he*/*she* resolve to the most recent (gender-compatible) named
  person in the same or previous paragraph; *they*/*it* resolve to the most
  recent plural, organisational or statement speaker.
* Names: ``Mr Corbyn`` becomes the full name seen anywhere in the article,
  tolerating surname typos (difflib); misspelled source nouns (``souces``)
  are normalised against the source nouns of data/.
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

This module finds the reporting cues and walks the article; the rest of the package:
lexicon.py reads the word lists (data/: reporting verbs, source nouns, titles...), quotes.py masks
quotations, phrases.py tokenizes and parses speaker noun phrases, and speakers.py resolves a
phrase to a speaker (names, pronouns, definite references) over the article so far.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from newsbot.attribution.lexicon import lexicon
from newsbot.attribution.phrases import (
    CLAUSE_STOPS,
    Phrase,
    Tok,
    is_name_token,
    phrase_after,
    phrase_before,
    tokenize,
)
from newsbot.attribution.quotes import closing_quote_before, scan_quotes
from newsbot.attribution.speakers import NARRATOR_SPEAKER, Context, Mention
from newsbot.domain import NARRATION as NARRATION_SPEAKER
from newsbot.domain import NARRATOR as NARRATOR  # re-exported: the narration's label
from newsbot.domain import Speaker

NARRATION = "narration"
QUOTE = "quote"
REPORTED = "reported"
CONTINUATION = "continuation"


@dataclass(frozen=True)
class Attribution:
    """Who a paragraph is attributed to (the speaker and its kind), how (QUOTE, REPORTED,
    CONTINUATION or NARRATION), the text that justified it, and where that text starts in the
    paragraph (0 when there is none)."""

    speaker: Speaker
    how: str
    cue: str
    at: int = 0
    # Later voices quoted by name in the paragraph, each from where its words begin.
    voices: tuple[tuple[int, Speaker], ...] = ()


@dataclass(frozen=True)
class _Candidate:
    pos: int
    end: int
    phrase: Phrase
    kind: str  # QUOTE | REPORTED
    statement: str = ""  # "", "statement" or "joint statement"


# What follows a verb that reports speech only sometimes ("added", "wrote", "posted"): a colon, a
# comma, a full stop, "that", or where it wrote before a colon or "that" ("wrote on Telegram that",
# "posted on Facebook:"; not "added to the confusion.").
_STRICT_FOLLOW_RE = re.compile(r"\s*(?:[:,.“]|that\b|$|(?:on|in)\s+(?:[\w'’-]+\s+){0,2}?[\w'’-]+\s*(?::|that\b))")
_COLON_QUOTE_RE = re.compile(r"[^.!?;“”]{0,80}?:\s*“")
_DIRECT_QUOTE_RE = re.compile(r"\s*,?\s*“")
_SENTENCE_END_RE = re.compile(r"[.!?;]")
_BY_RE = re.compile(r"\bby\s+")
_ACCORDING_RE = re.compile(r"\b[Aa]ccording to\s+")
_INTERVIEW_ANSWER = re.compile(r"\s*A\s*:\s")

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
    if closing_quote_before(masked, start) or _DIRECT_QUOTE_RE.match(masked, verb_end):
        return QUOTE, verb_end
    return REPORTED, verb_end


def _verb_candidates(masked: str, toks: list[Tok]) -> list[_Candidate]:
    lex = lexicon()
    index = {t.start: i for i, t in enumerate(toks)}
    ends = {t.end: i for i, t in enumerate(toks)}
    found: list[_Candidate] = []
    for m in lex.verb_re.finditer(masked):
        vi = index.get(m.start())
        last = ends.get(m.end())
        if vi is None or last is None:
            continue
        verb = m.group()
        after_quote = closing_quote_before(masked, m.start())
        phrase, passive = phrase_before(toks, vi)
        rest = _sentence_rest(masked, m.end())
        if (
            verb in lex.evaluative_verbs
            and "“" not in rest
            and not (verb.startswith(("describ", "brand", "label")) and re.search(r"\bas\b", rest))
        ):
            continue
        if (
            verb in lex.strict_verbs
            and not after_quote
            and phrase is not None
            and not _STRICT_FOLLOW_RE.match(masked, m.end())
            and not closing_quote_before(masked, phrase.start)
        ):
            continue
        if passive or (phrase is None and not after_quote):
            # Passive with an agent: "was confirmed by X", "described as "..." by X".
            by = _BY_RE.search(rest)
            if by is None:
                continue
            between = rest[: by.start()]
            if verb in lex.evaluative_verbs:
                if "“" not in between and not between.lstrip().startswith("as "):
                    continue
            elif between.strip():
                continue
            agent_idx = index.get(m.end() + by.end())
            agent = phrase_after(toks, agent_idx) if agent_idx is not None else None
            if agent is None or agent.kind == "pronoun":
                continue
            found.append(_Candidate(m.start(), agent.end, agent, REPORTED))
            continue
        if phrase is None:
            # Inverted: '"...," said Dr Jane Smith' / 'added the representative'.
            # '"...," said police spokesman Tom Reed': the name after the role's words speaks.
            phrase = (_named_after_role(toks, last + 1) if after_quote else None) or phrase_after(toks, last + 1)
            if phrase is None and after_quote:
                phrase = _someone_after(toks, last + 1)  # '"...," said one worker, who ...'
            if phrase is None:
                continue
            found.append(_Candidate(m.start(), phrase.end, phrase, QUOTE))
            continue
        kind, cue_end = _speech_kind(masked, phrase.start, m.end())
        clause = _clause_start(toks, vi)
        if (
            kind == REPORTED
            and 0 < index[phrase.start] - clause <= 6
            and closing_quote_before(masked, toks[clause].start)
        ):
            kind = QUOTE  # '"...," the minister, Paul Adams, said'
        found.append(_Candidate(phrase.start, cue_end, phrase, kind))
    return found


SOMEONE_WORDS_MOST = 3  # "a local shopkeeper"
RELATIVE_PRONOUNS = frozenset({"who", "whose", "whom", "which", "that"})


def _named_after_role(toks: list[Tok], idx: int) -> Phrase | None:
    """After a quote and its verb, a name after a few lower-case words of its role, no determiner
    or preposition among them ('"...," said prosecutor Amira Shah', 'said police spokesman Tom
    Reed', 'said defence barrister John Hale'; not 'said a spokesman for Acme Corp')."""
    lex = lexicon()
    i = idx
    while (
        i < len(toks)
        and i - idx < SOMEONE_WORDS_MOST
        and toks[i].text.isalpha()
        and toks[i].text.islower()
        and toks[i].low not in lex.determiners  # "a spokesman for Acme Corp" is the spokesman
        and toks[i].low not in ("for", "of", "at", "from", "and", "to", "in", "on", "with")
    ):
        i += 1
    if i == idx or i >= len(toks) or not is_name_token(toks[i]):
        return None
    return phrase_after(toks, i)


def _someone_after(toks: list[Tok], idx: int) -> Phrase | None:
    """After a quote and its verb, an unnamed speaker the word lists do not know: an indefinite
    determiner and a few lower-case words up to the end of the clause or a relative pronoun
    ('"...," said one worker, who ...', 'said a man who ...', 'said a local shopkeeper.'); the last
    word is the head."""
    lex = lexicon()
    if idx >= len(toks) or toks[idx].low not in lex.indefinite_singular:
        return None
    words: list[Tok] = []
    i = idx + 1
    while (
        i < len(toks)
        and toks[i].text.isalpha()
        and toks[i].text.islower()
        and toks[i].low not in RELATIVE_PRONOUNS
        and len(words) <= SOMEONE_WORDS_MOST
    ):
        words.append(toks[i])
        i += 1
    ends_clause = (
        i == len(toks) or toks[i].text in CLAUSE_STOPS or toks[i].text == "," or toks[i].low in RELATIVE_PRONOUNS
    )
    if not words or len(words) > SOMEONE_WORDS_MOST or not ends_clause:
        return None
    return Phrase("source", toks[idx].low, tuple(t.text for t in words[:-1]), words[-1].low, (), toks[idx].start,
                  words[-1].end)  # fmt: skip


def _clause_start(toks: list[Tok], before: int) -> int:
    i = before
    while i > 0 and toks[i - 1].text not in CLAUSE_STOPS and not toks[i - 1].text.startswith("_"):
        i -= 1
    return i


def _other_candidates(masked: str, toks: list[Tok]) -> list[_Candidate]:
    lex = lexicon()
    index = {t.start: i for i, t in enumerate(toks)}
    found: list[_Candidate] = []
    for m in _ACCORDING_RE.finditer(masked):
        idx = index.get(m.end())
        phrase = phrase_after(toks, idx) if idx is not None else None
        if phrase is not None and phrase.kind != "pronoun":
            found.append(_Candidate(m.start(), phrase.end, phrase, REPORTED))
    for m in lex.statement_re.finditer(masked):
        idx = index.get(m.start())
        if idx is None:
            continue
        phrase, passive = phrase_before(toks, idx)
        if phrase is None or passive:
            continue
        kind = QUOTE if "“" in _sentence_rest(masked, m.end()) else REPORTED
        label = "joint statement" if m.group("joint") else "statement"
        found.append(_Candidate(phrase.start, m.end(), phrase, kind, label))
    for m in lex.participle_re.finditer(masked):
        comma = index.get(m.start())
        if comma is None:
            continue
        start = _clause_start(toks, comma)
        while start < comma and toks[start].low in lex.openers:
            start += 1
        phrase = phrase_after(toks, start)
        if phrase is None:
            commas = [i for i in range(start, comma) if toks[i].text == ","]
            if commas:
                phrase = phrase_after(toks, commas[0] + 1)
        if phrase is None or phrase.end > m.start():
            continue
        found.append(_Candidate(phrase.start, m.end(), phrase, REPORTED))
    return found


# --------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------


def unnamed_words() -> frozenset[str]:
    """The words of an anonymous speaker's label that name no one: source and role nouns and
    determiners ("a source", "one official", "the representatives"), not the affiliation
    ("Labour" in "Labour sources")."""
    lex = lexicon()
    return frozenset(lex.source_nouns) | frozenset(lex.role_nouns) | lex.determiners


def _later_voices(
    ctx: Context, masked: str, cands: list[_Candidate], first: _Candidate, speaker: Speaker, here: list[Mention]
) -> tuple[tuple[int, Speaker], ...]:
    """The voices a paragraph quotes by name after its first ('"...," said Mohammed Rahman' after
    "Residents said ..."), each from the quotation's opening mark, or else from its cue."""
    voices: list[tuple[int, Speaker]] = []
    current = speaker
    for cand in sorted(cands, key=lambda c: c.pos):
        if cand.pos <= first.pos or cand.kind not in (QUOTE, REPORTED) or cand.phrase.kind != "name":
            continue
        voice = ctx.speaker(cand.phrase, cand.pos, here, cand.statement).public()
        if voice == current:
            continue
        start = masked.rfind("“", first.end, cand.pos) if closing_quote_before(masked, cand.pos) else cand.pos
        voices.append((start if start >= 0 else cand.pos, voice))
        current = voice
    return tuple(voices)


def attribute_paragraphs(paragraphs: Sequence[str]) -> list[Attribution]:
    """One Attribution per paragraph of one article, in order."""
    ctx = Context(paragraphs)
    result: list[Attribution] = []
    open_quote = False
    for para in paragraphs:
        scan = scan_quotes(para, open_quote)
        toks = tokenize(scan.masked)
        here = ctx.mentions_in(toks)
        cands = _verb_candidates(scan.masked, toks) + _other_candidates(scan.masked, toks)
        prev = ctx.history[-1] if ctx.history else NARRATOR_SPEAKER
        if _INTERVIEW_ANSWER.match(para) and (interviewee := ctx.interviewee()) is not None:
            # An interview's answer ("Q: Why did you resign?" / "A: I had no choice."): the
            # interviewee's words, whatever they report; the questions are the narration's.
            speaker = interviewee
            attribution = Attribution(speaker.public(), QUOTE, para.lstrip()[:2])
        elif cands:
            cand = min(cands, key=lambda c: (c.pos, -c.end))
            speaker = ctx.speaker(cand.phrase, cand.pos, here, cand.statement)
            voices = _later_voices(ctx, scan.masked, cands, cand, speaker.public(), here)
            attribution = Attribution(speaker.public(), cand.kind, para[cand.pos : cand.end], cand.pos, voices)
        elif prev.category != "narrator" and (
            (open_quote and (scan.starts_with_open or not scan.has_marks)) or scan.starts_with_open
        ):
            speaker = prev
            cue = para.lstrip()[:1] if scan.starts_with_open else ""
            attribution = Attribution(speaker.public(), CONTINUATION, cue)
        else:
            speaker = NARRATOR_SPEAKER
            attribution = Attribution(NARRATION_SPEAKER, NARRATION, "")
        ctx.history.append(speaker)
        ctx.mentions.append(here)
        result.append(attribution)
        open_quote = scan.open_at_end
    return result
