"""Retrieval: a few general signals of each passage fused by fitted weights, the sentence of each
passage that answers, and the decision whether the articles answer at all.

The signals of a passage (newsbot.retrieval.models names them; bench/fit_models.py fits them):
BM25, the dense cosine of question and passage, the share of the question's weight the passage
holds (coverage), the best sentence's match of the question's pieces in context (MaxSim, see
newsbot.retrieval.tokens), whether its best sentence holds the kind of answer asked for (a time,
a number, a person...), whether the question names the passage's speaker or side, and whether the
passage spells out an acronym the question asks the meaning of. One hit per paragraph.

The decision: a logistic model of the best passages' evidence at the level of their answering
sentence, and checks that need no model: a name the articles never mention, a voice whose words
the question asks for and that never speaks in them, who an unnamed source is, a question about
the article itself (its author, its date) that its metadata does not answer, a request for
something no article mentions.

A question that leans on its subject ("where did they meet?": too few words of its own that the
articles use) takes the subject a caller gives (the conversation's last question) or else the
title of the article it seems to be about, before it is searched and decided.
"""

from __future__ import annotations

import difflib
import re
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property, lru_cache
from importlib import resources

import numpy as np
import numpy.typing as npt
import yaml

from newsbot.attribution import unnamed_words
from newsbot.attribution.lexicon import lexicon as attribution_lexicon
from newsbot.attribution.speakers import SPOKEN_FOR
from newsbot.domain import Highlight, Passage, Source, Speaker, SpeakerKind
from newsbot.ingest.passages import sentence_spans
from newsbot.retrieval.answer_types import (
    answer_words,
    asks_amount,
    counted_stems,
    expected_answer_type,
    holds_amount,
    holds_answer_type,
    holds_count_of,
    without_asking_words,
)
from newsbot.retrieval.bm25 import FUZZY_CUTOFF, text_coverage, tokenize
from newsbot.retrieval.bm25 import words as tokenize_words
from newsbot.retrieval.embeddings import embed, encode_tokens, piece_texts
from newsbot.retrieval.index import LoadedIndex, article_subset
from newsbot.retrieval.models import RANKING_SIGNALS, SENTENCE_SIGNALS, Models, default_models
from newsbot.retrieval.onnx_encoder import TokenStates, unit_rows
from newsbot.retrieval.spelling import Speller
from newsbot.retrieval.tokens import NO_MATCH, Match, QuestionTokens, match, question_tokens
from newsbot.retrieval.wordlists import question_words, spelled_out, stopwords, word_list

MAX_QUESTION_CHARS = 2000
EXPANSION = "expansion"  # the kind of answer "what does X stand for" asks for
CANDIDATES = 100
# The searchers of single articles kept (Searcher.scoped), the least recently asked let go first.
SCOPED_SEARCHERS = 256
HANDED_ON_QUESTIONS = 512  # encodings Searcher.question_vector keeps for the searches that follow
# Encodings of the latest questions searched, kept for a follow-up that searches one again ("tell
# me more", "the other side"): about 15 kB each.
SEARCHED_AGAIN_QUESTIONS = 1024
# A question with fewer words of its own that the articles use leans on its subject.
ELLIPTIC_BELOW = 2
# What an elliptic question leans on (the last question, the article's title) weighs this much of
# its own words in the lexical signals and MaxSim: "when r they meeting again" after a question
# about the Board's view of Corbyn's proposals is about meeting again, not about the Board.
CONTEXT_WEIGHT = 0.5
# What an elliptic question asked first leans on, its article's title, weighs this much: a news
# title repeats its opening paragraph's words, which the title's full weight ranks first for every
# such question ("what time did it happen", "how far is it to ashby"). bench/lean_weight.py fits it.
TITLE_WEIGHT = 0.25
# A question that names someone only by one of these leans on the conversation's subject.
SUBJECT_PRONOUNS = frozenset({"he", "she", "they"})
OTHER_PRONOUNS = frozenset({"him", "her", "his", "hers", "them", "their"})
# "what else did corbyn say": the rest of his words.
WHAT_ELSE = re.compile(r"\bwhat else\b", re.I)
# What a question asks a voice about: "what did corbyn say about the strike".
ABOUT_TOPIC = re.compile(r"\babout\s+(.+)$", re.I)
# Words after "what did X say" that ask for nothing more ("what did corbyn say himself?").
OWN_WORDS_FILLER = frozenset({"himself", "herself", "themselves", "itself", "then", "exactly", "actually", "really"})


@lru_cache(maxsize=4096)
def speaker_terms(speaker: Speaker) -> tuple[str, ...]:
    """The words that identify a speaker: "Labour sources" -> ("labour",); "a source" -> (); the
    issuers of a joint statement, not the words "joint statement"."""
    label = speaker.label
    if speaker.kind is SpeakerKind.NARRATION:
        return ()
    if speaker.kind is SpeakerKind.JOINT_STATEMENT:
        label = re.sub(r"\(.*?\)", "", label)
    terms = tokenize(label)
    if speaker.kind is SpeakerKind.ANONYMOUS:
        unnamed = anonymous_terms()
        terms = [term for term in terms if term not in unnamed]
    return tuple(terms)


def named_share(speaker: Speaker, asked: set[str]) -> float:
    """How much of the speaker's name the question's terms use: all of it for a person named by
    the surname; 0 when none."""
    terms = speaker_terms(speaker)
    if not terms or not asked & set(terms):
        return 0.0
    if speaker.kind is SpeakerKind.PERSON and terms[-1] in asked:
        return 1.0
    return len(asked & set(terms)) / len(terms)


@lru_cache(maxsize=1)
def anonymous_terms() -> frozenset[str]:
    """Stems of the words of anonymous speakers' labels that name no one ("a source", "one official")."""
    return frozenset(tokenize(" ".join(unnamed_words())))


# "who was the source who said ...", "whos the jlc representative": who someone is.
WHO_IS = re.compile(
    r"^\W*(?:(?:so|and|ok|but|then)\W+)*who(?:['’]?s|\s+(?:is|was|are|were))\s+(?P<asked>[^?!.]+)", re.I
)
RELATIVE_WORDS = frozenset({"who", "whom", "whose", "that", "which", "when", "where"})

# "What did X say (about ...)": a question asking for someone's words.
SAID_QUESTION = re.compile(
    r"\bwhat (?:did|does|do|has|have|had|would|will|was|is|were|are) (.+?) "
    r"(?:say|said|saying|tell|told|think|thought|write|wrote|argue|claim|reply|respond|reaction|response|view)\b",
    re.I,
)


@lru_cache(maxsize=1)
def reported_voice() -> re.Pattern[str]:
    """Words the narration reports someone saying or doing: "Mr Golstein said that ...", "Jewish
    leaders had stressed", "Its leader, Tom Hadley, said", "according to Mr X", '," said Mr X' (the verbs:
    data/reporting_verbs.txt). `voice_reported` gives the voice of a match."""
    verbs = "|".join(sorted(word_list("reporting_verbs"), key=len, reverse=True))
    voice = r"(?:[\w'’-]+\s+){0,2}[\w'’-]+"
    auxiliary = r"(?:(?:has|had|have|also|then)\s+)?"
    return re.compile(
        rf"\b(?P<voice>{voice})\s+{auxiliary}(?:{verbs})\b"
        # Set off by commas, a voice of three words at most ("Its leader, Tom Hadley, said"; not
        # "Sarah Lind, who runs a café on Quay Street, said": that is no voice).
        rf"|,\s+(?P<apposed>{voice}),\s+{auxiliary}(?:{verbs})\b"
        r"|\baccording to (?P<according>(?:[\w'’-]+\s+){0,3}?[\w'’-]+)"
        # After the quote, the name after the verb ('," said Mohammed Rahman, 52').
        rf"|[,\"”’]\s+(?:{verbs})\s+(?P<after>(?:[a-z]+\s+)?(?:[A-Z][\w'’-]+\s+){{0,2}}[A-Z][\w'’-]+)"
    )


def voice_reported(found: re.Match[str]) -> str:
    """The voice of a `reported_voice` match."""
    return str(found.group("voice") or found.group("apposed") or found.group("according") or found.group("after"))


def said_voice(question: str) -> tuple[str, list[str]] | None:
    """Whom a question asks the words of ("what did the Board of Deputies say"), as written, and
    the words that name them ("Board", "Deputies"); None when it asks for no one's words, or for
    no one it names ("what did they say", "the other side")."""
    said = SAID_QUESTION.search(question)
    if said is None:
        return None
    phrasing = stopwords() | question_words()
    asked = [word for word in CASED_WORD.findall(said.group(1)) if word.lower() not in phrasing]
    terms = set(tokenize(" ".join(asked)))
    return None if not terms or terms & unnamed_asked() else (said.group(1).strip(), asked)


@lru_cache(maxsize=1)
def unnamed_asked() -> frozenset[str]:
    """Stems of whom a question may ask the words of without naming a voice ("the other side",
    "they"; data/unnamed_asked.txt)."""
    return frozenset(tokenize(" ".join(word_list("unnamed_asked"))))


# Prepositions that make the names after them a place, not a voice ("Parents in Little Carrow said").
PLACE_PREPOSITIONS = frozenset({"in", "from", "at", "near", "across", "around", "outside"})


def _in_a_place(before: str) -> bool:
    """Whether the name that follows `before` is a place's: a place preposition before it, or
    before the names it is listed with ("in Ashby and Little Carrow")."""
    words = re.findall(r"[\w'’.-]+|,", before)
    while words and (words[-1] in {"and", ","} or words[-1][:1].isupper()):
        words.pop()
    return bool(words) and words[-1].lower() in PLACE_PREPOSITIONS


@lru_cache(maxsize=1)
def generic_name_words() -> frozenset[str]:
    """Capitalised words that are no one's own name: titles, nationalities, the words of
    organisations' names ("Mr", "European", "Labour"), lower case."""
    lexicon = attribution_lexicon()
    return frozenset(
        word.lower() for word in (*lexicon.titles, *lexicon.demonyms, *lexicon.org_words, *lexicon.function_caps)
    )


def reported_names(text: str) -> tuple[str, ...]:
    """The named voices a text reports ("Ms Formby also committed ...", "Mr Golstein said that
    ..."): each reported voice that ends in a run of capitalised words ("The source said",
    "Jewish leaders had stressed" name no one)."""
    names: list[str] = []
    for found in reported_voice().finditer(text):
        voice = re.sub(r"(?:\s+(?:also|has|had|have|then))+$", "", voice_reported(found))
        run = re.search(rf"{NAME_RUN.pattern}$", voice)  # "Jewish leaders" names no one
        name = run.group(0) if run else ""
        if run and _in_a_place(text[: found.start() + voice.rfind(name)]):
            continue  # "Parents in Ashby and Little Carrow have vowed": the parents, not a place
        if re.fullmatch(r"The|A|An", name) or name.lower() in stopwords():
            continue  # "The source said", "It said": no one named
        name = re.sub(r"^(The|A|An)\s", lambda article: f"{article.group(1).lower()} ", name)  # "the Board"
        if name and name not in names:
            names.append(name)
    return tuple(names)


def reported_in_answer(hit: Hit) -> tuple[str, ...]:
    """Where the article itself speaks, the named voices it reports in the hit's answering
    sentences; none where another voice speaks ("The representative confirmed that Mr Corbyn ...")."""
    if hit.speaker.kind is not SpeakerKind.NARRATION:
        return ()
    return reported_names(hit.passage.text[hit.highlight.start : hit.highlight.end])


def source_of(hit: Hit) -> Source:
    """The hit as a reply cites it, with the voices the article reports in its answer."""
    return Source.of(hit.passage, hit.score, hit.highlight, reported_in_answer(hit))


CASED_WORD = re.compile(r"\b[A-Za-z][\w'’-]*")
# Where a sentence or a quotation starts, up to a word: its capital says nothing of a name,
# unless a capitalised word follows.
NAME_GOES_ON = re.compile(r" [A-Z]")
SENTENCE_START = re.compile(r"(?:^|[.!?:…]['\"“”‘’)\]]*\s+|\s['\"“‘(\[]|^['\"“‘(\[])['\"“‘(\[]*\Z")


def teller_pattern(publications: Sequence[str] = ()) -> re.Pattern[str]:
    """The article named as the teller of what the question asks about: "does the article say
    about", or the publication its front matter names as its source ("what does the JC say about")."""
    names = "|".join(["article", "story", "piece", "report", *map(re.escape, publications)])
    return re.compile(
        rf"\b(?:does|did|do)\s+(?:(?:the|this|that|your)\s+)?(?:{names})\s+"
        r"(?:say|tell(?:\s+(?:me|us))?|mention|write|report)\s+(?=about\b)",
        re.I,
    )


ROLE_BOUNDARY = re.compile(r"[.,;:!?()“”\"]|\b(?:the|a|an|and|by|with|from|to|of|said|says|told)\b", re.I)
ROLE_WORDS_MOST = 4  # words of a role before or beside a name: "JLC chief executive", "Mr Corbyn's key adviser"


@lru_cache(maxsize=1)
def role_participles() -> dict[str, list[str]]:
    """data/role_participles.yml: a role named by a participle ("Prosecuting, ...") -> the words
    readers use for it."""
    text = resources.files("newsbot.retrieval").joinpath("data", "role_participles.yml").read_text(encoding="utf-8")
    return {str(participle): [str(word) for word in words] for participle, words in yaml.safe_load(text).items()}


@lru_cache(maxsize=1)
def role_qualifiers() -> frozenset[str]:
    """Terms of the words that make a role another one ("shadow chancellor", "former leader",
    "deputy head"): a reader asking for "the chancellor" means one without them, if there is one."""
    return frozenset(tokenize("shadow former deputy vice acting assistant ex interim"))


@lru_cache(maxsize=1)
def organisation_words() -> tuple[frozenset[str], ...]:
    """The terms of the words for one kind of organisation ("company", "firm", "business"), a
    group each (attribution's data/organisation_words.yml)."""
    return tuple(frozenset(tokenize(" ".join(group))) for group in attribution_lexicon().organisation_words)


@lru_cache(maxsize=1)
def company_words() -> frozenset[str]:
    """The terms of the words for a company ("company", "firm", "business")."""
    return next((group for group in organisation_words() if set(tokenize("company")) <= group), frozenset())


def names_a_company(speaker: Speaker) -> bool:
    """Whether the speaker is a company by its name, or speaks for one: "Northshire Water", "a
    spokeswoman for Coastline Rail"; not "Northshire County Council" (its last word is another
    kind of organisation) nor "the firm" (no name)."""
    if speaker.kind is SpeakerKind.ORGANISATION:
        name = speaker.label
    elif speaker.kind is SpeakerKind.ANONYMOUS and (spoken_for := SPOKEN_FOR.search(speaker.label)):
        name = spoken_for.group(1)
    else:
        return False
    last = name.split()[-1].lower()
    return name[:1].isupper() and (
        last not in attribution_lexicon().org_nouns or bool(set(tokenize(last)) & company_words())
    )


@lru_cache(maxsize=1)
def role_readers_words() -> dict[str, list[str]]:
    """data/role_readers_words.yml: a role ("chief executive") -> the words readers use for it ("boss")."""
    text = resources.files("newsbot.retrieval").joinpath("data", "role_readers_words.yml").read_text(encoding="utf-8")
    return {str(role): [str(word) for word in words] for role, words in yaml.safe_load(text).items()}


# Appositions in a row read after a name for its role: "Priya Shah, 34, a nurse, said" has two.
APPOSITIONS_MOST = 3
# A relative clause that makes a person the voice of a group: "Ruth Adler, who founded the Lune
# Swimmers group", "Tom Hale, who chairs the residents' association".
LEADS_GROUP = re.compile(
    r",\s+who\s+(?:founded|co-founded|set up|runs|leads|chairs|heads|started)\s+(?:the|a|an)\s+"
    r"(?P<group>(?:[\w'’-]+\s*){1,5})"
)
# What a role is of: "the leader of the Conservative group", "a retail analyst at Peel Hunt".
AFFILIATION = re.compile(r"\s+(?:of|at|for)\s+")
# How a role set off at a sentence's end opens: "said Karen Doyle, the union's general secretary."
NOUN_PHRASE_OPENING = re.compile(r"(?:the|a|an|its|his|her|their)\s", re.IGNORECASE)


def roles_given(texts: Sequence[str], name: str) -> frozenset[str]:
    """The terms of the roles the texts give a named person, before the name ("Council leader
    Margaret Osei") or set off by commas beside it ("Its leader, Tom Hadley, said", "Seamus
    Milne, Mr Corbyn's key adviser, ...", "The hospital's chief executive, Dr Anjali Rao",
    "Unite, the union that ..."): a few words ending in a role, source or organisation noun
    (attribution's word lists: "leader", "adviser", "spokesperson", "union"), stopwords left out."""
    words = attribution_lexicon()
    role_nouns = {word.lower() for word in (*words.role_nouns, *words.source_nouns, *words.org_nouns)}
    terms: set[str] = set()

    def take(words: list[str]) -> bool:
        if len(words) == 1 and (readers_words := role_participles().get(words[0].lower())):
            terms.update(term for word in readers_words for term in tokenize(word))  # "Prosecuting, Amira Shah"
            return True
        # The role's noun ends it, next to the name: "Council leader", not "the union would ask".
        if 0 < len(words) <= ROLE_WORDS_MOST and words[-1].lower() in role_nouns:
            terms.update(term for word in words if word.lower() not in stopwords() for term in tokenize(word))
            said = " ".join(words).lower()
            for role, readers_words in role_readers_words().items():
                if said == role or said.endswith(f" {role}"):  # "the firm's chief executive": "boss"
                    terms.update(term for word in readers_words for term in tokenize(word))
            return True
        return False

    # A title before the name is part of it: "The hospital's chief executive, Dr Anjali Rao".
    titled = rf"(?:\b(?:{'|'.join(map(re.escape, answer_words()['titles']))})\.?\s+)?"
    for text in texts:
        for found in re.finditer(rf"{titled}\b{re.escape(name)}\b", text):
            before = text[: found.start()]
            boundaries = list(ROLE_BOUNDARY.finditer(before))
            last = boundaries[-1] if boundaries else None
            if last is None or last.end() < len(before.rstrip()):
                take(before[last.end() if last else 0 :].split())  # "Council leader Margaret Osei"
            elif last.group(0) == ",":  # "Its leader, Tom Hadley"
                opening = boundaries[-2].end() if len(boundaries) > 1 else 0
                take(before[opening : last.start()].split())
            rest = text[found.end() :]
            # "Ruth Adler, who founded the Lune Swimmers group ...": she speaks for the group.
            if leads := LEADS_GROUP.match(rest):
                group = leads.group("group").split()
                ends = [at for at, word in enumerate(group) if word.lower() in role_nouns]
                named = group[: ends[-1] + 1] if ends else []
                terms.update(term for word in named if word.lower() not in stopwords() for term in tokenize(word))
            # "Seamus Milne, Mr Corbyn's key adviser, ...", "Unite, the union that represents ...";
            # past an age or a place: "Priya Shah, 34, a nurse who ..., said", "Vance, of Elm Road, a landlord";
            # or at the sentence's end: "said Karen Doyle, the union's general secretary."
            for _ in range(APPOSITIONS_MOST):
                after = re.match(r",\s+([^.,;:!?()]+)(?:,|[.;](?=\s|$))", rest)
                if after is None:
                    break
                role, *affiliation = AFFILIATION.split(re.split(r"\s+(?:who|which|that)\b", after.group(1))[0], 1)
                sentence_ends = after.group(0)[-1] != ","
                if sentence_ends and not NOUN_PHRASE_OPENING.match(role):
                    break  # "Dr Anjali Rao, apologised to patients.": a verb, not her role
                affiliated = [word for word in " ".join(affiliation).split() if word.lower() not in stopwords()]
                of_only = re.match(r"(?:of|at|for)\s+(.*)", role)
                if of_only and (organisation := _organisation_named(of_only.group(1))):
                    terms.update(tokenize(organisation))  # "Mark Holloway, of Northshire Police's roads policing unit,"
                    break
                # "Helen Marsh, the leader of the Conservative group, ...": the group is part of her role.
                if take(role.split()):
                    if len(affiliated) <= ROLE_WORDS_MOST:
                        terms.update(term for word in affiliated for term in tokenize(word))
                    break
                if sentence_ends or not re.match(r"\d|[a-z]", after.group(1)):
                    break  # the sentence's end, or another name, as in a list: "Corbyn, Milne, Formby and ..."
                rest = rest[after.end() - 1 :]
    return frozenset(terms)


def _organisation_named(words: str) -> str:
    """The organisation an affiliation opens with ("Northshire Police's roads policing unit":
    "Northshire Police"): its capitalised words, up to and ending in an organisation noun."""
    run = re.match(r"(?:[A-Z][\w'’-]*\s+){0,3}[A-Z][\w'’-]*", words)
    if run is None:
        return ""
    names = [POSSESSIVE.sub("", word) for word in run.group(0).split()]
    nouns = attribution_lexicon().org_nouns
    ends = [at for at, word in enumerate(names) if word.lower() in nouns]
    return " ".join(names[: ends[-1] + 1]) if ends else ""


def group_introduced(passage: Passage) -> frozenset[str]:
    """The group a person quoted after the narration's word on it speaks as one of: "Commuters
    reacted with frustration. Priya Shah, 34, a nurse ..., said" (a commuter); the terms of the
    plural role noun the narration before the voice opens with, else none."""
    if passage.speaker.kind is not SpeakerKind.PERSON or passage.voice_from <= 0:
        return frozenset()
    opening = re.match(r"[\w'’-]+", passage.text[: passage.voice_from])
    if opening is None:
        return frozenset()
    noun = opening.group(0).lower()
    words = attribution_lexicon()
    if noun not in words.plural_nouns or noun not in words.role_nouns:
        return frozenset()
    return frozenset(tokenize(noun))


# Voices that name no one and stand for a group the narration has just named ("Parents packed the
# hall. Many said ..."), and the word that ends a voice whose verb shares the sentence's subject
# ("The parents' group has collected 900 signatures and says ...").
GROUP_VOICES = frozenset({"many", "some", "most", "others", "several", "all", "both", "they"})
GROUP_OPENING_WORDS = 3


def group_reported(text: str) -> list[str]:
    """The groups the narration reports speaking without naming them where it reports them: the
    plural role noun that opens the sentence before a "Many said", or the sentence of an "and
    says" (among its first few words: "The parents' group")."""
    words = attribution_lexicon()
    spans = sentence_spans(text) or [(0, len(text))]

    def opening_group(start: int, end: int) -> list[str]:
        for word in re.findall(r"[\w'’-]+", text[start:end])[:GROUP_OPENING_WORDS]:
            noun = re.sub(r"['’]s?$", "", word.lower())
            if noun in words.plural_nouns and (noun in words.role_nouns or noun in words.source_nouns):
                return [noun]
        return []

    groups: list[str] = []
    for found in reported_voice().finditer(text):
        voice = (found.group("voice") or "").lower().split()
        at = next((i for i, (_, end) in enumerate(spans) if found.start() < end), len(spans) - 1)
        if len(voice) == 1 and voice[0] in GROUP_VOICES and at > 0:
            groups += opening_group(*spans[at - 1])
        elif voice and voice[-1] == "and":
            groups += opening_group(*spans[at])
    return list(dict.fromkeys(groups))


CAPITALISED_RUN = re.compile(r"\b[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)+")
POSSESSIVE = re.compile(r"['’]s$")
NAMED_SUGGESTIONS = 4  # names offered: "What does the article say about ...?"


def most_named(
    texts: Sequence[str], proper: frozenset[str], titles: Sequence[str] = (), most: int = NAMED_SUGGESTIONS
) -> list[str]:
    """The names of two words or more the texts mention at least twice, the most mentioned
    first: runs of words the texts only ever write capitalised (`proper`, lower case), without a
    leading title ("Mr Corbyn" is not a name of two words; "Jeremy Corbyn" is), and none an
    article's title starts with ("Super Bowl" of "Super Bowl 50": what happened in it is offered)."""
    person_titles = {title.lower() for title in answer_words()["titles"]}
    counts: dict[str, int] = {}
    for text in texts:
        for run in CAPITALISED_RUN.finditer(text):
            name: list[str] = []
            for word in [*run.group(0).split(), ""]:  # "" ends the last name
                bare = POSSESSIVE.sub("", word)
                if bare and bare.lower() in proper and (name or bare.lower() not in person_titles):
                    name.append(bare)
                    if bare == word:
                        continue  # the name goes on; a possessive ("Corbyn’s office") ends it
                if len(name) >= 2:
                    counts[" ".join(name)] = counts.get(" ".join(name), 0) + 1
                name = []
    lowered = [title.lower() for title in titles]
    named = [name for name, count in counts.items()
             if count >= 2 and not any(title.startswith(name.lower()) for title in lowered)]  # fmt: skip
    return sorted(named, key=lambda name: -counts[name])[:most]


NAME_RUN = re.compile(r"\b[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*")
# A question about the article itself, not about what it reports.
ARTICLE_QUESTION = re.compile(
    r"\b(?:who|which (?:journalist|reporter|writer|paper|newspaper))\b.*\b(?:wrote|write|writes|written|authored|"
    r"published|publish)\b.*\b(?:article|story|piece|report|this)\b"
    r"|\b(?:when|what date)\b.*\b(?:article|story|piece|report)\b.*\b(?:written|published|come out|posted)\b"
    r"|\bauthor of (?:the |this )?(?:article|story|piece|report)\b"
    r"|\bwhen was this (?:written|published|posted)\b"
    r"|\bwho(?:['’]?s| is) the (?:author|writer|journalist|reporter)(?: of (?:this|the article))?\s*\??\s*$"
    # As readers type them, the article as "it" or "this" and nothing else asked: "who wrote it",
    # "where was it published", "what paper is this from", "when did it come out".
    r"|^\W*(?:(?:so|ok|okay|and|but)\W+)?(?:"
    r"who\s+(?:wrote|authored|published)\s+(?:it|this)"
    r"|where\s+(?:was|is)\s+(?:it|this)\s+(?:published|from|posted)"
    r"|where['’]?s\s+(?:it|this)\s+from"
    r"|(?:what|which)\s+(?:paper|newspaper|publication|outlet|site|website)\s+(?:is|was)\s+(?:it|this)"
    r"(?:\s+(?:published|posted|printed))?(?:\s+(?:in|from|on|by))?"
    r"|when\s+(?:was|is)\s+(?:it|this)\s+(?:written|published|posted|from)"
    r"|when\s+did\s+(?:it|this)\s+(?:come\s+out|get\s+published|appear)"
    r")\s*[?.!]*\s*$",
    re.I,
)

# A request that the bot make or fetch something ("tell me a joke", "write me a poem", "can you
# recommend a good film"): asked for a thing no article mentions, it is no question about them.
UNRELATED_REQUEST = re.compile(
    r"^\W*(?:(?:so|ok|okay|hey|hi|and|now|just)\W+)*(?:(?:can|could|will|would)\s+(?:you|u)\s+|please\s+|pls\s+)?"
    r"(?P<request>(?:tell|write|sing|draw|compose|recommend|suggest|play|book|order)\s+"
    r"(?:(?:me|us)\s+)?(?:a|an|some|another)\s+(?P<thing>[^?.!,;]+?))\s*(?:\s(?:please|pls))?\s*[?.!]*\s*$",
    re.I,
)
# What a request may ask of the articles themselves: "tell me a bit more", "tell me a quote".
ARTICLE_MATERIAL = frozenset(
    "bit little lot more story summary quote quotation example line passage fact thing detail point".split()
)
# A question for the list of articles: "what articles do you have", "which stories can I ask about".
ARTICLES_QUESTION = re.compile(
    r"^\W*(?:(?:so|ok|okay|and|hi|hey)\W+)?(?:what|which)\s+(?:other\s+)?(?:articles|stories|news\s+stories|pieces|reports)"
    r"\s+(?:do|can|did|could)\s+(?:you|i)\b"
    r"|\b(?:list|show me|tell me)\s+(?:all\s+)?(?:the\s+|your\s+)?(?:articles|stories)\b"
    r"|\bhow many (?:articles|stories)\b",
    re.I,
)
# A request for the articles' gist: "what is this article about", "tldr", "can you summarise it".
SUMMARY_REQUEST = re.compile(
    r"\b(?:summ?ar(?:i[sz]e|i[sz]ing|y)|sum (?:it|this|that|them) up|tl;? ?dr|gist|nutshell|overview"
    r"|(?:main|key) points?"
    r"|what(?:['’]?s| is| was)? (?:this|the|that|it)(?: [\w'’-]+){0,5}? (?:article|story|piece|report|news) about"
    r"|what(?:['’]?s| is| was)? (?:this|the|that|it) about"
    r"|what(?:['’]re| are| were) (?:these|the|those|all the)(?: [\w'’-]+){0,5}?"
    r" (?:articles|stories|pieces|reports) about"
    r"|what (?:does|did) (?:this|the|that) (?:article|story|piece|report) (?:say|tell (?:me|us)))\b",
    re.I,
)

# What opens a question whose subject follows and acts: "what did", "why hasn't", "did", "has the";
# not "is" or "was": "is Arkush the chair of the JLC?" asks what someone is, not for a side's account.
SUBJECT_OPENING = re.compile(
    r"\s*(?:(?:what|how|why|when|where|who|which)\s+)?"
    r"(?:did|does|do|has|have|had|will|would|can|could|should)(?:n['’]?t)?\s+(?:the\s+|a\s+|an\s+)?",
    re.I,
)

# An article named by words of its title: "the tesla article", "this Quayside story".
NAMED_ARTICLE = re.compile(
    r"\b(?:the|this|that)\s+(?P<named>(?:(?!(?:the|this|that)\b)[\w'’-]+\s+){1,4}?)(?:article|story|piece|report)\b",
    re.I,
)

# A question asking what an acronym stands for.
ACRONYM_QUESTION = re.compile(
    r"\bwhat (?:does|do|did) (?:the )?([A-Za-z]{2,8}) stand for\b|\bwhat is (?:the )?([A-Za-z]{2,8}) short for\b"
    r"|\bfull (?:name|form) of (?:the )?([A-Za-z]{2,8})\b|\bwhat (?:does|do) (?:the )?(?:letters |initials )?"
    r"([A-Za-z]{2,8}) mean\b",
    re.I,
)
# A question asking what an acronym is, with nothing more ("whats the cst", "who are the JLC?"):
# asked of a word the articles define as an acronym, it asks what it stands for.
ACRONYM_ALONE = re.compile(
    r"^\s*(?:what|who)(?:'s|’s|s|\s+(?:is|are|was|were))\s+(?:the\s+)?([A-Za-z]{2,8})\s*\??\s*$", re.I
)


class Mode(StrEnum):
    HYBRID = "hybrid"
    BM25 = "bm25"
    DENSE = "dense"


class QuestionError(ValueError):
    """The question cannot be searched (empty or too long)."""


def check_question(question: str) -> str:
    text = question.strip()
    if not text:
        raise QuestionError("the question is empty")
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(f"the question is {len(text)} characters long; the limit is {MAX_QUESTION_CHARS}")
    if not any(character.isalnum() for character in text):
        # "?", "...", an emoji: searched, such a message drew the article's opening paragraph.
        raise QuestionError("the message has no words, only punctuation or emoji")
    if not any(character.isalpha() for character in text):
        # "3": searched, it drew a paragraph holding a number ("six areas of concrete action").
        raise QuestionError("the message has no words, only numbers")
    return text


@dataclass(frozen=True)
class Shaping:
    """How a caller shapes retrieval beyond the question."""

    subject: str = ""  # what the question is about when it leans on it (the conversation's last question)
    expansion: str = ""  # words added to the lexical query for ranking only (never to the decision)
    topic: str | None = None  # the bot's NLU intent: its facts' words and voices are ranking signals
    exclude: frozenset[tuple[str, int]] = frozenset()  # (article, paragraph) pairs to leave out
    voices_words: bool = False  # highlight the voices' own words, whatever the question (the other side's account)


@dataclass(frozen=True)
class SentencePart:
    """A sentence of a passage and what a search needs of it that no question changes."""

    start: int  # character offsets into the passage's text
    end: int
    words: str
    terms: frozenset[str]  # its BM25 terms
    pieces: slice | npt.NDArray[np.bool_]  # which of the passage's piece states lie inside it
    vector: npt.NDArray[np.float32]  # its piece states pooled, at unit length (zeros when it has none)


@dataclass(frozen=True)
class Sentence:
    """A sentence of a passage and its evidence for the question."""

    start: int  # character offsets into the passage's text
    end: int
    match: Match
    coverage: float
    answer_kind: bool  # holds the kind of answer asked for (False when none is asked)
    dense: float = 0.0  # cosine of the question's vector and the sentence's (its pieces' states pooled)


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float  # the ranking key
    dense: float  # cosine similarity of question and passage
    coverage: float  # share of the question's weight found in the passage
    highlight: Highlight  # the sentence that answers, as offsets into the passage's text
    evidence: dict[str, float] = field(default_factory=dict)  # the decline model's inputs (EVIDENCE_SIGNALS)
    answers: bool = True  # on its evidence alone, the decline model takes it for an answer

    @property
    def speaker(self) -> Speaker:
        """Who speaks the answering sentences."""
        return self.passage.speaker_of(self.highlight.start, self.highlight.end)


@dataclass(frozen=True)
class SearchResult:
    question: str
    answerable: bool
    confidence: float  # the decline model's probability that the articles answer the question
    hits: list[Hit]
    unknown_names: tuple[str, ...] = ()  # names in the question that the articles never mention
    unquoted_names: tuple[str, ...] = ()  # voices whose words the question asks for, never heard in the articles
    about_the_article: bool = False  # the question asks about the article itself (its author, its date)
    subject: str = ""  # the subject the question leaned on, when it did
    asks_for: str | None = None  # the kind of answer the question asks for (a time, a number, a person ...)
    # (article, side) pairs the question asks about as its subject ("What did Labour commit to?")
    subject_sides: frozenset[tuple[str, str]] = frozenset()
    unheld_kind: str | None = None  # the kind of answer asked for, when none of the best passages holds one
    # voices the question names that speak only in articles other than its best passages' ("Corbyn")
    voices_elsewhere: tuple[str, ...] = ()
    # what the question asks the bot to make, of a kind of thing no article mentions ("tell me a joke")
    unrelated_request: str = ""
    # who an unnamed source is, when the question asks it ("the source"): the articles never name one
    unnamed_source: str = ""


@dataclass
class Candidates:
    """The passages considered for a question and their raw signals (what the models weigh;
    bench/fit_models.py fits them on these)."""

    positions: npt.NDArray[np.int64]
    signals: npt.NDArray[np.float64]  # [candidates, RANKING_SIGNALS]
    sentences: list[list[Sentence]]
    dense: npt.NDArray[np.float32]
    coverage: npt.NDArray[np.float32]
    kind: str | None  # the kind of answer the question asks for
    lexical: str  # the question as searched lexically (with whom a pronoun of it names)
    subject: str  # the subject it leaned on, if it did
    keys: list[tuple[str, int]]  # each candidate's (article, paragraph)
    # When the question asks for a voice's words: the candidates where that voice speaks or is
    # reported; the decision weighs only those (None: the question asks for no one's words).
    voice: npt.NDArray[np.bool_] | None = None
    # Per candidate, whether a voice speaks it (not the narration): its speaker says who said it.
    voiced: npt.NDArray[np.bool_] | None = None
    # For a "how many" question: the stems of what it counts; for a "how much" one, that it asks
    # for an amount; and then each candidate's text (None: the question counts nothing).
    counted: frozenset[str] = frozenset()
    texts: list[str] | None = None
    amount: bool = False
    context: str = ""  # what an elliptic question leans on (the last question, or the article's title)
    context_weight: float = CONTEXT_WEIGHT  # how much that weighs of the question's own words


class Searcher:
    def __init__(self, index: LoadedIndex, model: str, models: Models | None = None) -> None:
        self.index = index
        self.model = model
        self.models = models or default_models()
        self._pool: list[str] | None = None
        # Encodings handed on: the web app encodes a chat message before Rasa sees it (Rasa's NLU
        # takes its sentence vector from there), and the action's search of it takes the encoding.
        # One per message, oldest first: readers sending the same words at once each get theirs.
        # Kept unweighed: a searcher scoped to one article (`scoped`) weighs its pieces by its rarities.
        self._handed: deque[tuple[str, TokenStates]] = deque()
        self._handed_lock = threading.Lock()
        # The latest questions searched (guarded by the same lock), for `search(..., again=True)`.
        self._searched: OrderedDict[str, TokenStates] = OrderedDict()
        self._scoped: OrderedDict[str, Searcher] = OrderedDict()  # the most recently asked last
        self._scoped_lock = threading.Lock()
        # How the other articles of the index write names, for a searcher of one of them: a voice
        # its story never mentions is named as they spell it ("Corbyn", asked as "corbyn").
        self._spelled_elsewhere: dict[str, str] = {}
        self._pool_vectors: npt.NDArray[np.float32] | None = None
        self._sentence_parts: dict[int, list[SentencePart]] = {}  # by passage position, filled as searched
        speakers: dict[Speaker, list[int]] = {}
        for position, passage in enumerate(index.passages):
            if passage.speaker.kind is not SpeakerKind.NARRATION:
                speakers.setdefault(passage.speaker, []).append(position)
        self._speakers = {speaker: np.array(members) for speaker, members in speakers.items()}
        # What readers call the articles' people (facts beside each article): "jezza" -> "Jeremy Corbyn".
        self._aliases = {alias.lower(): name for facts in index.facts.values() for alias, name in facts.aliases.items()}
        # The roles the articles give the people who speak ("Council leader Margaret Osei").
        texts = [passage.text for passage in index.passages]
        self._roles = {speaker: roles_given(texts, speaker.label) for speaker in self._speakers
                       if speaker.kind in (SpeakerKind.PERSON, SpeakerKind.ORGANISATION)}  # fmt: skip
        for passage in index.passages:
            if (group := group_introduced(passage)) and passage.speaker in self._roles:
                self._roles[passage.speaker] |= group
        # What the unnamed speakers are, by every word of their label ("a worker": "what did the workers say").
        self._what_they_are = {speaker: frozenset(tokenize(speaker.label)) for speaker in self._speakers
                               if speaker.kind is SpeakerKind.ANONYMOUS}  # fmt: skip
        # Who is heard in the articles: every speaker, by name and by role (and the other spelling
        # of an acronym in the label), the voices the facts name for each side, and those the
        # narration reports.
        heard: set[str] = set()
        for speaker in self._speakers:
            heard.update(speaker_terms(speaker))
            heard.update(self._roles.get(speaker, frozenset()))  # "what did the prosecutor say"
            heard.update(self._what_they_are.get(speaker, frozenset()))
            for alternative in index.lexicon.alternatives(speaker.label):
                heard.update(tokenize(alternative))
        # The later voices a passage quotes by name, by name and by role ("Its regional organiser,
        # Sam Okafor, said": "what did the organiser say" was declined, "never quotes them").
        for quoted in self._quoted_later:
            heard.update(term for terms, _ in quoted for term in terms)
        # A side the facts name speaks when one of its voices does ("what did the residents say").
        for article, facts in index.facts.items():
            for side in facts.sides:
                if any(facts.side_of(s) == side.name for s in self._speakers if self._speaks_in(s, article)):
                    heard.update(tokenize(side.name))
        lower: set[str] = set()
        capitalised: set[str] = set()
        self._spelling: dict[str, str] = {}  # lower case -> as the articles write it
        # Per passage, the voices the narration reports in it ("Ms Formby also committed to ...").
        self._reported: list[list[str]] = []
        # Per article, every word it uses (a question naming one article's voice is not answered by another).
        self._article_words: dict[str, set[str]] = {}
        for passage in index.passages:
            self._article_words.setdefault(passage.article, set()).update(
                word.lower() for word in CASED_WORD.findall(passage.title)
            )
            voices = [voice_reported(reported) for reported in reported_voice().finditer(passage.text)]
            voices += group_reported(passage.text)  # "Parents packed the hall. Many said ..."
            self._reported.append(voices)
            for voice in voices:
                heard.update(tokenize(voice))
            for found in CASED_WORD.finditer(passage.text):
                word = found.group(0)
                self._article_words[passage.article].add(word.lower())
                if not word[0].isupper():
                    lower.add(word.lower())
                elif (
                    SENTENCE_START.search(passage.text, max(0, found.start() - 8), found.start()) is None
                    or NAME_GOES_ON.match(passage.text, found.end()) is not None  # "Maya Okafor scored"
                ):
                    # "Police's" is "Police" too: a reader asking "what did police say" is echoed without it.
                    for spelled in dict.fromkeys((word, POSSESSIVE.sub("", word))):
                        capitalised.add(spelled.lower())
                        self._spelling.setdefault(spelled.lower(), spelled)
        for group in organisation_words():  # "The firm said": "what did the company say"
            if group & heard:
                heard |= group
        if any(self._a_company(speaker, int(members[0])) for speaker, members in self._speakers.items()):
            heard |= company_words()  # "Northshire Water said", of a story that calls it "the firm"
        self._heard = frozenset(heard)
        # The words of the voices' names: speakers and the sides and voices the facts name.
        voice_terms = {term for speaker in self._speakers for term in speaker_terms(speaker)}
        for facts in index.facts.values():
            for side in facts.sides:
                voice_terms.update(tokenize(" ".join([side.name, *side.voices])))
        self._voice_terms = frozenset(voice_terms)
        # Words the articles only ever write capitalised, and not only where a sentence starts: names
        # ("Walker", "Labour"), not "leaders" nor "Local businesses".
        self._proper = frozenset(capitalised - lower)
        self._spelling = {word: spelt for word, spelt in self._spelling.items() if word in self._proper}
        self._speller = Speller(index.bm25, self._proper, lambda word: self._spelling.get(word, word))
        # Per article, the names of the voices it lets speak ("osei"; "corbyn"). Titles,
        # nationalities and the words of organisations' names ("Mr", "European", "Labour") are no
        # one's own name.
        generic = generic_name_words()
        self._voice_names: dict[str, set[str]] = {}
        for speaker, members in self._speakers.items():
            names = {word.lower() for word in CASED_WORD.findall(speaker.label)} & self._proper - generic
            for article in {self.index.passages[int(member)].article for member in members}:
                self._voice_names.setdefault(article, set()).update(names)

    @cached_property
    def _company_articles(self) -> frozenset[str]:
        """The articles that call someone a company, a firm or a business (in their title or text)."""
        words = company_words()
        _, texts = self._article_terms
        return frozenset(article for article, terms in texts.items() if words & terms)

    def _a_company(self, speaker: Speaker, position: int) -> bool:
        """Whether the speaker of the passage at `position` is a company its article calls one
        ("A spokeswoman for Northshire Water said ... The firm said"): not Labour, of an article
        that calls nobody a company."""
        return self.index.passages[position].article in self._company_articles and names_a_company(speaker)

    def _speaks_in(self, speaker: Speaker, article: str) -> bool:
        return any(self.index.passages[int(p)].article == article for p in self._speakers[speaker])

    # --- the question -----------------------------------------------------------------------

    def alternatives(self, question: str) -> list[str]:
        """Other spellings of names in the question: acronyms and their full names, and the
        article's names for what readers call its people."""
        found = self.index.lexicon.alternatives(question)
        lowered = f" {' '.join(tokenize_words(question))} "
        for alias, name in self._aliases.items():
            if f" {' '.join(tokenize_words(alias))} " in lowered and name.lower() not in question.lower():
                found.append(name)
        for word in dict.fromkeys(tokenize_words(question)):
            found += [role for role in self._roles_readers_call.get(word, ()) if role not in question.lower()]
        return found

    @cached_property
    def _roles_readers_call(self) -> dict[str, list[str]]:
        """A reader's word for a role -> the roles the articles name that it stands for ("boss":
        "chief executive", "manager"), so that "what did the boss say" is searched with them."""
        texts = " ".join(passage.text.lower() for passage in self.index.passages)
        called: dict[str, list[str]] = {}
        for role, readers_words in role_readers_words().items():
            if re.search(rf"\b{re.escape(role)}\b", texts):
                for word in readers_words:
                    called.setdefault(word.lower(), []).append(role)
        return called

    def as_searched(self, question: str) -> str:
        """The question as it is searched: chat shorthand spelled out, the article named as the
        teller left out ("what does the article say about Walker", "what does the JC say about
        Walker" -> "what about Walker": the article is no voice asked for, and its words are not
        the question's), and misspellings of
        the articles' words spelt as they spell them (`spelling.Speller`)."""
        return self._speller.corrected(self._teller.sub("", spelled_out(question)))

    @cached_property
    def _teller(self) -> re.Pattern[str]:
        """`teller_pattern` with the articles' publications ("The JC": "JC")."""
        sources = {details.get("source", "") for details in self.article_details().values()}
        names = {re.sub(r"^the\s+", "", source.strip(), flags=re.I) for source in sources}
        return teller_pattern(sorted(name for name in names if name))

    def elliptic(self, question: str) -> bool:
        """Whether the question has too few words of its own to be searched alone ("where did
        they meet?", "who was there?", "when was that?"): fewer than ELLIPTIC_BELOW words the
        articles use, and none they do not (those say it is about something else), but for a
        question that refers back with its one word ("was it a success?")."""
        bm25 = self.index.bm25
        searched = self.as_searched(question)
        terms = bm25.question_terms(without_asking_words(searched))  # "how old is she": no "old"
        known = {term for word, term in terms if bm25.knows(word)}
        every = {term for _, term in terms}
        referring = {word.lower() for word in CASED_WORD.findall(searched)} & anaphors()
        if len(known) >= ELLIPTIC_BELOW:
            return False
        if len(known) != len(every):
            # A word they never use says it is about something else, unless it is the one word
            # of a question that refers back to a thing ("was it a success?" of talks called
            # "positive"); one referring to a person is about them ("what was her job").
            return bool(referring - SUBJECT_PRONOUNS - OTHER_PRONOUNS) and len(every) < ELLIPTIC_BELOW
        # A word of its own names its subject, unless a word refers back to another ("where did
        # they meet?"): "what's the ferry" is about the ferry, not about the question before.
        return not known or bool(referring)

    def pronoun_antecedent(self, question: str, subject: str) -> str:
        """Whom a question names only by a pronoun refers to ("what did he want from corbyn",
        "what was her job"): the names its subject, the conversation's last question, uses and it
        does not, as the articles spell them ("what did formby commit to" -> "Formby"); "" when it
        has no such pronoun or the subject names no one. The pronouns: "he", "she" or "they", or
        "him", "her", "his", "them" or "their" when the question names no one itself ("what did
        corbyn say about his party" is about Corbyn)."""
        if not subject:
            return ""
        said = {word.lower() for word in re.findall(r"[^\W\d_]+", self.as_searched(question))}
        if not (said & SUBJECT_PRONOUNS or (said & OTHER_PRONOUNS and not said & self._proper)):
            return ""
        names = []
        for word in re.findall(r"[^\W\d_]+", self.as_searched(subject)):
            name = word.lower()
            if name not in self._proper and name.endswith("s") and name[:-1] in self._proper:
                name = name[:-1]  # "goldsteins parents"
            if name in self._proper and name not in said and name not in names:
                names.append(name)
        return self.as_spelled(" ".join(names))

    def person_antecedent(self, question: str, subject: str) -> str:
        """The one person a question's pronoun refers to, as the articles spell them: the words of
        `pronoun_antecedent` that are a name's own (not a title, nationality, organisation word or
        acronym: "Corbyn", not "Corbyn Jewish" of "so corbyn met jewish leaders?"), when they are
        one run of words in the subject; "" otherwise."""
        names = self.pronoun_antecedent(question, subject).split()
        own = [word for word in names if word.lower() not in generic_name_words() and not word.isupper()]
        run = " ".join(own)
        return run if own and re.search(rf"\b{re.escape(run)}\b", self.as_searched(subject), re.I) else ""

    def names_in(self, text: str) -> list[str]:
        """The runs of names the text writes ("I have charged our new general secretary Jennie
        Formby" -> ["Jennie Formby"]): capitalised words the articles only write capitalised."""
        runs = []
        for run in NAME_RUN.finditer(text):
            words = [word for word in run.group(0).split() if POSSESSIVE.sub("", word).lower() in self._proper]
            if words:
                runs.append(" ".join(POSSESSIVE.sub("", word) for word in words))
        return list(dict.fromkeys(runs))

    def uses_every_word(self, question: str) -> bool:
        """Whether the articles use every word of the question that says what it is about (its
        asking words aside): "how many jobs" of a report of job cuts, not "why is the bridge
        closing" of a rail strike's."""
        bm25 = self.index.bm25
        terms = bm25.question_terms(without_asking_words(self.as_searched(question)))
        return all(bm25.knows(word) for word, _ in terms)

    @cached_property
    def articles(self) -> list[str]:
        """The articles' names (their files' stems), in index order."""
        return list(dict.fromkeys(passage.article for passage in self.index.passages))

    def scoped(self, article: str) -> Searcher:
        """This searcher over one of its articles only, as if the knowledge held no other (the
        widget beside a story asks about that story): built from the loaded index on first use,
        nothing encoded or copied (its word pieces are views of this one's), and kept while this
        searcher serves, the SCOPED_SEARCHERS most recently asked. It takes the encodings handed
        on to this one. KeyError for an article it does not have."""
        if article not in self.articles:
            raise KeyError(article)
        if len(self.articles) == 1:
            return self
        with self._scoped_lock:
            scoped = self._scoped.get(article)
            if scoped is None:
                scoped = Searcher(article_subset(self.index, article), self.model, self.models)
                scoped._handed, scoped._handed_lock = self._handed, self._handed_lock
                scoped._searched = self._searched
                scoped._spelled_elsewhere = self._spelling
                self._scoped[article] = scoped
            self._scoped.move_to_end(article)
            while len(self._scoped) > SCOPED_SEARCHERS:
                self._scoped.popitem(last=False)
            return scoped

    def titles(self) -> list[str]:
        """The articles' titles, in alphabetical order."""
        return sorted({passage.title for passage in self.index.passages})

    def suggestion_pool(self) -> list[str]:
        """Questions the articles answer, to offer readers: those their facts give, then what
        their most quoted named voices said, what happened in each, and about the names they
        mention most (no repeats)."""
        if self._pool is None:
            offered = [question for facts in self.index.facts.values() for question in facts.questions]
            quoted: dict[str, int] = {}
            for passage in self.index.passages:
                if passage.speaker.named:
                    name = passage.speaker.label.split(" (")[0]  # a joint statement's issuers
                    quoted[name] = quoted.get(name, 0) + 1
            offered += [f"What did {name} say?" for name in sorted(quoted, key=lambda n: (-quoted[n], n))]
            offered += [f"What happened in “{title}”?" for title in self.titles()]
            # Any article has names: after a declined question, the one it named comes first.
            named = most_named([passage.text for passage in self.index.passages], self._proper, self.titles())
            offered += [f"What does the article say about {name}?" for name in named]
            self._pool = list(dict.fromkeys(offered))
        return self._pool

    def nearest_suggestions(self, question: str) -> list[str]:
        """The suggestion pool, the questions nearest in meaning to `question` first."""
        pool = self.suggestion_pool()
        if self._pool_vectors is None:
            self._pool_vectors = embed(self.model, pool)
        nearest = self._pool_vectors @ embed(self.model, [question])[0]
        return [pool[i] for i in np.argsort(-nearest, kind="stable")]

    def voice_span(self, question: str) -> tuple[int, int] | None:
        """Where the question names a voice of the articles ("What did Labour sources say?" ->
        "Labour sources"; "what did the judge say" -> "the judge", by the role the articles give
        her): the first run of words that name speakers, sides or speakers' roles (with the
        function words and source nouns between and after them), as character offsets."""
        names = self._voice_and_role_terms
        unnamed = anonymous_terms()
        run: tuple[int, int] | None = None
        for found in re.finditer(r"[\w'’-]+", question):
            word = found.group(0).lower()
            terms = set(tokenize(word))
            if terms and terms <= names:
                run = (run[0] if run else found.start(), found.end())
            elif run and (word in stopwords() or (terms and terms <= unnamed)):
                if terms and terms <= unnamed:
                    run = (run[0], found.end())
            elif run:
                break
        if run is not None:
            article = re.search(r"\b(?:the|a|an)\s+$", question[: run[0]], re.I)
            if article:
                run = (article.start(), run[1])
        return run

    @cached_property
    def _voice_and_role_terms(self) -> frozenset[str]:
        """The words of the voices' names, and of what the articles call them ("judge", "worker"),
        the later voices of a paragraph's too ("the swimmers": Ruth Adler, "who founded the Lune
        Swimmers group", after "Campaigners say")."""
        roles = [*self._roles.values(), *self._what_they_are.values()]
        later = [terms for row in self._quoted_later for terms, _ in row]
        return self._voice_terms.union(*roles, *later)

    def as_spelled(self, words: str) -> str:
        """Words as the articles write them ("simon johnson" -> "Simon Johnson")."""
        return " ".join(self._spelling.get(word.lower(), word) for word in words.split())

    # --- searching --------------------------------------------------------------------------

    def search(
        self,
        question: str,
        k: int = 5,
        mode: Mode = Mode.HYBRID,
        shaping: Shaping | None = None,
        again: bool = False,
    ) -> SearchResult:
        """`again`: a follow-up searches a question of its conversation once more ("tell me
        more"); its encoding is taken from that search when still kept."""
        asked_text = check_question(question)
        text = self.as_searched(asked_text)
        vector, asked = self.encode_question(text, again)
        # A question leaning on the conversation that it does not answer is declined, not searched
        # again with the article's title as its subject: "who's going" after "when's the next
        # meeting" was then answered with the talks' opening paragraph, not about that meeting.
        result = self.search_encoded(text, vector, asked, k, mode, shaping)
        return replace(result, question=asked_text)

    def search_many(self, questions: list[str], k: int = 5, mode: Mode = Mode.HYBRID) -> list[SearchResult]:
        asked_texts = [check_question(q) for q in questions]
        texts = [self.as_searched(text) for text in asked_texts]
        encoded = self.encode(texts) if texts else []
        return [
            replace(self.search_encoded(text, vector, asked, k, mode), question=asked_text)
            for asked_text, text, (vector, asked) in zip(asked_texts, texts, encoded, strict=True)
        ]

    def encode(self, texts: list[str]) -> list[tuple[npt.NDArray[np.float32], QuestionTokens]]:
        """Each question's vector and its content pieces."""
        return [self._weighed(state) for state in encode_tokens(self.model, texts)]

    def _weighed(
        self, state: TokenStates, context_from: int | None = None, context_weight: float = CONTEXT_WEIGHT
    ) -> tuple[npt.NDArray[np.float32], QuestionTokens]:
        """The vector and content pieces of an encoding; the pieces from character `context_from`
        on (what an elliptic question leans on) weigh `context_weight` of theirs."""
        pieces = piece_texts(self.model, state.pieces)
        return state.vector, question_tokens(state, pieces, self.index.tokens, context_from, context_weight)

    def encode_question(self, text: str, again: bool = False) -> tuple[npt.NDArray[np.float32], QuestionTokens]:
        """The question's vector and content pieces, as `encode` gives them: the encoding
        `question_vector` handed on for this text, taken (once), or else a new one. `again`: the
        text was searched before (a follow-up), and that search's encoding serves when kept. Only
        a follow-up looks there, so another reader's same question is encoded anew."""
        with self._handed_lock:
            states = self._searched.get(text) if again else None
            if states is None:
                position = next((i for i, (handed_text, _) in enumerate(self._handed) if handed_text == text), None)
                if position is not None:
                    states = self._handed[position][1]
                    del self._handed[position]
        if states is None:
            (states,) = encode_tokens(self.model, [text])
        with self._handed_lock:
            self._searched[text] = states
            self._searched.move_to_end(text)
            while len(self._searched) > SEARCHED_AGAIN_QUESTIONS:
                self._searched.popitem(last=False)
        return self._weighed(states)

    def question_vector(self, question: str) -> npt.NDArray[np.float32] | None:
        """The sentence vector of a question as `search` will encode it (None for text it refuses:
        QuestionError). Its encoding is handed on to the next search of the same text, the bot's
        action answering the message; the latest HANDED_ON_QUESTIONS wait for theirs. Taken once, it
        is never a cache of repeated questions."""
        return self.question_vectors([question])[0]

    def question_vectors(self, questions: list[str]) -> list[npt.NDArray[np.float32] | None]:
        """`question_vector` of each question, the model run once for them all (as `search_many`
        encodes): questions that arrive together cost less each than one by one."""
        texts: list[str | None] = []
        for question in questions:
            try:
                texts.append(self.as_searched(check_question(question)))
            except QuestionError:
                texts.append(None)
        searched = [text for text in texts if text is not None]
        encodings = encode_tokens(self.model, searched) if searched else []
        for encoding in encodings:
            encoding.vector.setflags(write=False)
        with self._handed_lock:
            self._handed.extend(zip(searched, encodings, strict=True))
            while len(self._handed) > HANDED_ON_QUESTIONS:
                self._handed.popleft()
        vectors = iter([encoding.vector for encoding in encodings])
        return [None if text is None else next(vectors) for text in texts]

    def search_encoded(
        self,
        text: str,
        query_vector: npt.NDArray[np.float32],
        asked: QuestionTokens,
        k: int,
        mode: Mode = Mode.HYBRID,
        shaping: Shaping | None = None,
    ) -> SearchResult:
        shaping = shaping or Shaping()
        candidates = self.candidates(text, query_vector, asked, shaping.subject, shaping.topic)
        lexical = candidates.lexical
        ranked = self.ranked(candidates, mode, f"{lexical} {shaping.expansion}" if shaping.expansion else "")
        hits = [
            self._hit(candidates, row, float(ranked[row]), shaping.voices_words)
            for row in ranked_rows(candidates.keys, ranked, k, shaping.exclude)
        ]
        # The decision rests on the question alone, as plain search ranks it: a caller's words
        # shape what is shown, never whether the articles answer.
        plain = ranked if not (shaping.expansion or shaping.topic) else self.ranked(candidates, mode, "", False)
        confidence = decision_confidence(candidates, plain, self.models)
        decided_on = decision_rows(candidates, plain, self.models)
        unknown = self.unknown_names(text)
        unquoted = self.unquoted_names(text)
        about_article = self.about_the_article(text)
        request = self.unrelated_request(text)
        best = self.index.passages[int(candidates.positions[decided_on[0]])].article if decided_on else None
        elsewhere = self.voices_elsewhere(text, best)
        unnamed_source = self.unnamed_source_asked(text)
        answerable = (
            confidence >= self.models.decline.threshold
            and not unknown
            and not unquoted
            and not about_article
            and not elsewhere
            and not request
            and not unnamed_source
        )
        return SearchResult(
            text,
            answerable,
            round(confidence, 4),
            hits,
            unknown,
            unquoted,
            about_article,
            candidates.subject,
            candidates.kind,
            self.subject_sides(text),
            unheld_kind(candidates, decided_on),
            elsewhere,
            request,
            unnamed_source,
        )

    def _article_subject(self, text: str, query_vector: npt.NDArray[np.float32]) -> str:
        """The title of the article the question seems to be about (the only one, or the one of
        the passage nearest the question)."""
        passages = self.index.passages
        titles = {passage.title for passage in passages}
        if len(titles) <= 1:
            return next(iter(titles), "")
        nearest = int(np.argmax(self.index.vectors @ query_vector))
        return passages[nearest].title

    def candidates(
        self,
        text: str,
        query_vector: npt.NDArray[np.float32],
        asked: QuestionTokens,
        subject: str = "",
        topic: str | None = None,
    ) -> Candidates:
        """The question's candidate passages and their signals; an elliptic question is searched
        with `subject`, or else with the title of the article it seems to be about. `topic` is
        the bot's NLU intent, when it is one of the articles' facts' topics."""
        # The last question as it was searched ("whens the next meeting": "when's"), not as typed.
        subject = self.as_searched(subject) if subject else subject
        context = ""
        context_weight = CONTEXT_WEIGHT
        if self.elliptic(text):
            if not subject:
                subject, context_weight = self._article_subject(text, query_vector), TITLE_WEIGHT
            context = subject
            lexical = text
        else:
            subject = self.pronoun_antecedent(text, subject)  # "what was her job": whose, not the last topic
            lexical = f"{text} {subject}".strip()
        leaning = f"{lexical} {context}".strip()
        if subject:
            # Its own pieces say too little: the subject's pieces are matched too (what it leans on,
            # `context_weight` of its own).
            (state,) = encode_tokens(self.model, [leaning])
            _, asked = self._weighed(state, len(lexical) if context else None, context_weight)
        index = self.index
        alternatives = self.alternatives(leaning)
        bm25_all = index.bm25.scores(lexical, alternatives, context, context_weight)
        coverage_all = index.bm25.coverage(lexical, alternatives, context, context_weight)
        total = len(index.passages)
        if total <= CANDIDATES:
            positions = np.arange(total)
        else:
            _, dense_top = index.faiss_index.search(query_vector[None, :], CANDIDATES)
            lexical_top = np.argpartition(-bm25_all, CANDIDATES)[:CANDIDATES]
            positions = np.union1d(dense_top[0][dense_top[0] >= 0], lexical_top)
        dense = index.vectors[positions] @ query_vector
        weighted = index.bm25.weighted_terms(lexical, context, context_weight)
        for alternative in alternatives:
            weighted += [
                (terms, weight, credit * 0.5) for terms, weight, credit in index.bm25.weighted_terms(alternative)
            ]
        speakers = self._speaker_matches(text)
        # "What does JLC stand for?" asks for a kind of answer too: the name the initials stand for.
        expansion = self.asked_expansion(text)
        kind = EXPANSION if expansion else expected_answer_type(text)
        topic_voice, topic_words = self._topic_signals(topic)
        signals = np.zeros((len(positions), len(RANKING_SIGNALS)), dtype=np.float64)
        sentences: list[list[Sentence]] = []
        for row, position in enumerate(positions):
            passage = index.passages[int(position)]
            states = index.tokens.passage(int(position)).tokens
            found = [
                Sentence(
                    part.start,
                    part.end,
                    match(asked, states[part.pieces]),
                    text_coverage(weighted, part.terms),
                    expansion in part.words.lower()
                    if expansion
                    else kind is not None and holds_answer_type(part.words, kind, text),
                    float(part.vector @ query_vector),
                )
                for part in self.sentence_parts(int(position))
            ]
            sentences.append(found)
            values = {
                "bm25": float(bm25_all[position]),
                "dense": float(dense[row]),
                "coverage": float(coverage_all[position]),
                "maxsim": max(sentence.match.maxsim for sentence in found),
                # The sentence that best matches the question holds the kind of answer it asks for.
                "answer_kind": float(max(found, key=lambda sentence: sentence.match.maxsim).answer_kind),
                "speaker": float(speakers[position]),
                "acronym": float(expansion is not None and expansion in passage.text.lower()),
                "topic_voice": float(topic_voice(passage)),
                "topic_words": float(topic_words[position]),
            }
            signals[row] = [values[name] for name in RANKING_SIGNALS]
        keys = [(index.passages[int(p)].article, index.passages[int(p)].paragraph) for p in positions]
        voice = self._voice_rows(text, positions, speakers)
        voiced = np.array([index.passages[int(p)].speaker.kind is not SpeakerKind.NARRATION for p in positions])
        counted = counted_stems(text) if kind == "number" else frozenset()
        amount = kind == "number" and asks_amount(text)
        texts = [index.passages[int(p)].text for p in positions] if counted or amount else None
        return Candidates(
            positions,
            signals,
            sentences,
            dense,
            coverage_all[positions],
            kind,
            lexical,
            subject,
            keys,
            voice,
            voiced,
            counted,
            texts,
            amount,
            context,
            context_weight,
        )

    def sentence_parts(self, position: int) -> list[SentencePart]:
        """The passage's sentences (the whole passage when it has none), computed once."""
        if (parts := self._sentence_parts.get(position)) is None:
            text = self.index.passages[position].text
            tokens = self.index.tokens.passage(position)
            parts = []
            for start, end in sentence_spans(text) or [(0, len(text))]:
                words = text[start:end]
                pieces = tokens.pieces_within(start, end)
                vector = pooled(tokens.tokens[pieces])
                parts.append(SentencePart(start, end, words, frozenset(tokenize(words)), pieces, vector))
            self._sentence_parts[position] = parts
        return parts

    def _voice_rows(
        self, text: str, positions: npt.NDArray[np.int64], speakers: npt.NDArray[np.float32]
    ) -> npt.NDArray[np.bool_] | None:
        """The candidates by the voice whose words the question asks for, or reporting it."""
        said = SAID_QUESTION.search(text)
        if said is None:
            return None
        asked = set(tokenize(said.group(1))) - unnamed_asked()
        if not asked:
            return None
        # "the company" is heard as "the firm" too (data/organisation_words.yml).
        alike = set().union(*(group for group in organisation_words() if group & asked))
        a_company = bool(asked & company_words())
        rows = np.zeros(len(positions), dtype=bool)
        for row, position in enumerate(positions):
            speaker = self.index.passages[int(position)].speaker
            rows[row] = bool(
                speakers[position] > 0
                or alike & set(speaker_terms(speaker))
                or (a_company and self._a_company(speaker, int(position)))
                or asked & self._roles.get(speaker, frozenset())  # by role ("the local mp")
                or asked & self._what_they_are.get(speaker, frozenset())  # "a worker"
                or any(asked & set(tokenize(voice)) for voice in self._reported[int(position)])
                or any(asked & terms for terms, _ in self._quoted_later[int(position)])  # "the organiser"
            )
        return rows

    def _topic_signals(self, topic: str | None) -> tuple[Callable[[Passage], bool], npt.NDArray[np.float32]]:
        """Per passage, whether the topic prefers its voice, and the share of the topic's words it holds."""
        index = self.index
        topics = {a: facts.topics[topic] for a, facts in index.facts.items() if topic and topic in facts.topics}
        if not topics:
            return (lambda passage: False), np.zeros(len(index.passages), dtype=np.float32)
        words = " ".join(dict.fromkeys(t.words for t in topics.values() if t.words))

        def prefers(passage: Passage) -> bool:
            chosen = topics.get(passage.article)
            return chosen is not None and index.facts[passage.article].preferred(chosen, passage.speaker)

        return prefers, index.bm25.coverage(words) if words else np.zeros(len(index.passages), dtype=np.float32)

    def ranked(
        self, candidates: Candidates, mode: Mode, expanded: str, with_topic: bool = True
    ) -> npt.NDArray[np.float64]:
        """The candidates' scores; `expanded`, when given, is the lexical query with a caller's
        words; without the topic's signals, the question's alone (what the decision weighs)."""
        signals = candidates.signals
        if not with_topic:
            signals = signals.copy()
            signals[:, [RANKING_SIGNALS.index("topic_voice"), RANKING_SIGNALS.index("topic_words")]] = 0.0
        if mode is Mode.BM25:
            return signals[:, RANKING_SIGNALS.index("bm25")]
        if mode is Mode.DENSE:
            return signals[:, RANKING_SIGNALS.index("dense")]
        if expanded:
            # A caller's words (a topic's) count in the lexical signals of the ranking.
            alternatives = self.alternatives(f"{expanded} {candidates.context}")
            signals = signals.copy()
            context = candidates.context
            bm25 = self.index.bm25
            weight = candidates.context_weight
            signals[:, RANKING_SIGNALS.index("bm25")] = bm25.scores(expanded, alternatives, context, weight)[
                candidates.positions
            ]
            coverage = bm25.coverage(expanded, alternatives, context, weight)[candidates.positions]
            signals[:, RANKING_SIGNALS.index("coverage")] = coverage
        return self.models.ranking.scores(signals)

    def _hit(self, candidates: Candidates, row: int, score: float, voices_words: bool = False) -> Hit:
        passage = self.index.passages[int(candidates.positions[row])]
        # A question for a voice's words ("what did Goldstein say?", "what did he say?") is
        # answered by them, not by the narration's sentences before them ("Goldstein attacked ...").
        if voices_words:
            asks_its_words = True
        elif candidates.voice is not None:
            asks_its_words = bool(candidates.voice[row])
        else:
            asks_its_words = SAID_QUESTION.search(candidates.lexical) is not None
        words_from = passage.voice_from if asks_its_words else 0
        span = highlight_span(candidates, row, self.models, passage.text, words_from)
        sentences = candidates.sentences[row]
        highlight = (
            Highlight(sentences[span[0]].start, sentences[span[1]].end) if span else Highlight(0, len(passage.text))
        )
        evidence = evidence_of(candidates, row, self.models)
        dense = round(float(candidates.dense[row]), 4)
        decline = self.models.decline
        answers = decline.probability(evidence) >= decline.threshold
        return Hit(passage, round(score, 4), dense, evidence["coverage"], highlight, evidence, answers)

    # --- the checks that need no model ------------------------------------------------------

    def _speaker_matches(self, question: str) -> npt.NDArray[np.float32]:
        """Per passage, how much of its speaker's name the question uses (a person's surname is
        enough); all of it when the question names the side the speaker speaks for, or a voice the
        passage reports ("Ms Formby also committed") or that voice's side."""
        asked = {term for _, term in self.index.bm25.question_terms(question)}
        matches = np.zeros(len(self.index.passages), dtype=np.float32)
        for speaker, members in self._speakers.items():
            if share := named_share(speaker, asked):
                matches[members] = share
        sides = self.asked_sides(question)
        for position, (article, side, reported) in enumerate(self._passage_sides):
            asked_sides = sides.get(article, set())
            if side is not None and side in asked_sides:
                matches[position] = 1.0
            for named, voice_side in reported:
                if (named and named & asked) or (voice_side is not None and voice_side in asked_sides):
                    matches[position] = 1.0
        return matches

    @cached_property
    def _passage_sides(self) -> list[tuple[str, str | None, list[tuple[frozenset[str], str | None]]]]:
        """Per passage: its article, the side its speaker speaks for, and each voice the narration
        reports in it, as the words that name it and the side it speaks for (read once, not per
        question), and each voice it quotes after its speaker (`_quoted_later`)."""
        rows: list[tuple[str, str | None, list[tuple[frozenset[str], str | None]]]] = []
        for passage, voices, quoted_later in zip(self.index.passages, self._reported, self._quoted_later, strict=True):
            facts = self.index.facts.get(passage.article)
            side = facts.side_of(passage.speaker) if facts is not None else None
            reported = [
                (
                    frozenset(tokenize(voice)) - anonymous_terms(),
                    facts.side_of(Speaker(voice, SpeakerKind.PERSON)) if facts is not None else None,
                )
                for voice in voices
            ]
            rows.append((passage.article, side, [*reported, *quoted_later]))
        return rows

    @cached_property
    def _quoted_later(self) -> list[list[tuple[frozenset[str], str | None]]]:
        """Per passage, each voice it quotes after its speaker ("The GMB union ... said it would
        fight the cuts. Its regional organiser, Sam Okafor, said: ..."), as the words of its name and
        of the roles the articles give it, and the side it speaks for."""
        texts = [passage.text for passage in self.index.passages]
        roles: dict[Speaker, frozenset[str]] = {}
        rows: list[list[tuple[frozenset[str], str | None]]] = []
        for passage in self.index.passages:
            facts = self.index.facts.get(passage.article)
            row = []
            for _, voice in passage.voices:
                if voice not in roles:
                    roles[voice] = roles_given(texts, voice.label)
                terms = (frozenset(tokenize(voice.label)) - anonymous_terms()) | roles[voice]
                row.append((terms, facts.side_of(voice) if facts is not None else None))
            rows.append(row)
        return rows

    def own_words(self, question: str) -> list[Passage] | None:
        """The passages spoken by whom a question asks the words of, in the articles' order, when
        it asks for nothing more ("What did Jeremy Corbyn say?"):
        searched, such a question matches the passages that name the voice most ("Crunch talks
        between Jeremy Corbyn and ..."), not those where it speaks. The passages of the speakers
        the question names in full (a person by the surname), else of those it names in part ("the
        board": the Board of Deputies and JLC, a JLC and Board representative). None when the
        question asks about something ("what did corbyn say about israel") or names no speaker
        (the search answers, from the voices the narration reports, or its checks decline)."""
        # As searched ("wat did corbin say": "what did Corbyn say"); "what else did corbyn say": the rest.
        question = WHAT_ELSE.sub("what", self.as_searched(question))
        said = SAID_QUESTION.search(question)
        if said is None or set(tokenize_words(question[said.end() :])) - OWN_WORDS_FILLER:
            return None
        voice = said.group(1)
        if not any(self.index.bm25.knows(word) for word in tokenize_words(voice)):
            # An acronym the articles never write, of a name they do ("the ifs": the Institute for Fiscal Studies).
            voice = " ".join([voice, *(alt for alt in self.index.lexicon.alternatives(voice) if " " in alt)])
        asked = set(tokenize(voice)) - unnamed_asked()
        if not asked:
            return None
        full: list[Passage] = []
        partial: list[Passage] = []
        by_role: list[Passage] = []
        qualified: list[Passage] = []  # "the shadow chancellor" for "the chancellor": only if no one else
        for speaker, members in self._speakers.items():
            passages = [self.index.passages[int(p)] for p in members]
            if share := named_share(speaker, asked):
                (full if share == 1.0 else partial).extend(passages)
            # A person asked for by the role the articles give them ("what did the council leader
            # say": Margaret Osei), when their role says more of the question than any name does.
            named = set(speaker_terms(speaker))
            roles = self._roles.get(speaker, frozenset())
            if asked <= roles | named and asked - named:
                (qualified if roles & role_qualifiers() - asked else by_role).extend(passages)
        by_role = by_role or qualified
        by_what_they_are = bool(by_role) and not any(asked <= set(speaker_terms(s)) for s in self._speakers)
        if by_what_they_are:
            full = by_role
        if sided := self._side_passages(asked):
            # "what did the council say": every voice of the side the facts call "the council"
            full, by_what_they_are = sided, False
        if not (full or partial) or by_what_they_are:
            # Unnamed voices asked for by what they are ("what did the residents say": "residents"),
            # with the named ones ("what did the analysts say": Jane Roe, "a retail analyst", and
            # "another analyst").
            full = full + [self.index.passages[int(p)] for speaker, terms in self._what_they_are.items()
                           if asked <= terms for p in self._speakers[speaker]]  # fmt: skip
        own = sorted(full or partial, key=lambda passage: (passage.article, passage.paragraph))
        return own or None

    def _side_passages(self, asked: set[str]) -> list[Passage]:
        """The passages of the voices of each side whose name the asked words are, as the facts
        beside its article name it ("the council": Daniel Osei, "a council report")."""
        found: list[Passage] = []
        for article, facts in self.index.facts.items():
            for side in facts.sides:
                if set(tokenize(side.name)) - unnamed_asked() != asked:
                    continue
                for speaker, members in self._speakers.items():
                    if facts.side_of(speaker) == side.name:
                        found.extend(p for m in members if (p := self.index.passages[int(m)]).article == article)
        return found

    def asked_voice(self, question: str) -> str | None:
        """Whose words the question asks for ("what did the JLC and BoD say about Corbyn's
        proposals" -> "the JLC and BoD"), or None."""
        said = SAID_QUESTION.search(question)
        return said.group(1) if said else None

    def asked_sides(self, question: str) -> dict[str, set[str]]:
        """Per article, the sides of its facts that the question names by one of their voices
        ("what did the residents say" names the residents' side)."""
        asked = {term for _, term in self.index.bm25.question_terms(question)}
        named: dict[str, set[str]] = {}
        for article, facts in self.index.facts.items():
            for side in facts.sides:
                if any(set(tokenize(voice)) and set(tokenize(voice)) <= asked for voice in side.voices):
                    named.setdefault(article, set()).add(side.name)
        return named

    def subject_sides(self, question: str) -> frozenset[tuple[str, str]]:
        """The (article, side) pairs the question asks about as its subject: a voice of the side
        straight after the question's opening ("What did Labour commit to?", "did Corbyn accept
        ..."), not a voice it merely mentions ("who chairs the JLC", "where is Corbyn's office")."""
        opening = SUBJECT_OPENING.match(question)
        if opening is None:
            return frozenset()
        subject: list[str] = []
        for word in re.findall(r"[\w'’-]+", question[opening.end() :]):
            terms = set(tokenize(word))
            if terms and terms <= self._voice_terms:
                subject.append(word)
            elif not (subject and word.lower() in {"and", "the", "of"}):
                break
        if not subject or re.search(r"['’]s$", subject[-1]):
            return frozenset()  # none, or a possessive ("did Corbyn's proposals ..."): the voice qualifies the subject
        voices = " ".join(subject)
        return frozenset((article, side) for article, sides in self.asked_sides(voices).items() for side in sides)

    def voices_elsewhere(self, question: str, article: str | None) -> tuple[str, ...]:
        """The voices the question names ("did corbyn say anything about the cycle lane") that
        speak in another article than `article`, that of its best passage, which never mentions
        them; as the articles spell them ("Corbyn"). None with one article."""
        if len(self._article_words) <= 1 or article is None:
            return ()
        found: list[str] = []
        words = list(dict.fromkeys(word.lower() for word in CASED_WORD.findall(question)))
        for word in words:
            if word in self._article_words[article]:
                continue
            if any(word in names for other, names in self._voice_names.items() if other != article):
                found.append(self._spelling.get(word, word))
        # And the other way round: a voice of `article` asked about what another article speaks
        # of ("what did corbyn say about the strike" of the talks and a rail strike).
        if not found and (about := ABOUT_TOPIC.search(question)) is not None:
            topic = set(tokenize(about.group(1))) - set(tokenize(" ".join(question_words())))
            _, texts = self._article_terms
            # Another article speaks of all of it, and `article` not ("the parking charges": the
            # talks speak of charges, not of parking).
            if not topic <= texts[article] and any(
                topic <= terms for other, terms in texts.items() if other != article
            ):
                asked = set(words) & self._voice_names.get(article, set())
                found = list(dict.fromkeys(  # as the article names them: "Karen Doyle", not "Karen and Doyle"
                    speaker.label for speaker in self._speakers
                    if speaker.kind is SpeakerKind.PERSON and self._speaks_in(speaker, article)
                    and asked & {word.lower() for word in CASED_WORD.findall(speaker.label)}
                ))  # fmt: skip
        return tuple(found)

    def unknown_names(self, question: str) -> tuple[str, ...]:
        """Names in the question that the articles never mention: runs of capitalised words (past
        the question's first word) whose last word (the family name, the head of a title: "Theresa
        May", "Chief Rabbi") the articles do not use, nor an acronym they define."""
        unknown: list[str] = []
        for run in NAME_RUN.finditer(question):
            words = run.group(0).split()
            if run.start() == 0:
                words = words[1:]
            if words and not self._knows(words[-1]):
                unknown.append(" ".join(words))
        if not unknown and (voice := self._unknown_voice(question)):
            unknown.append(voice)
        return tuple(unknown)

    def _unknown_voice(self, question: str) -> str | None:
        """Whom the question asks the words of, when the articles use none of its words ("what did
        the police say" of a flood report that never mentions them), as the reader wrote it, or,
        of one story of several, as the others spell it."""
        voice = said_voice(question)
        if voice is None:
            return None
        written, asked = voice
        if any(self._knows(word) for word in asked):  # "the ifs": an acronym of a name
            return None
        if any(set(tokenize(word)) & self._heard for word in asked):
            return None  # a reader's word for a role the articles hear ("the boss": "chief executive Laura Pike")
        return " ".join(self._spelled_elsewhere.get(word.lower(), word) for word in written.split())

    def unquoted_names(self, question: str) -> tuple[str, ...]:
        """Whom the question asks the words of ("what did Simon Johnson say ...", "what did the
        police say"), when the articles mention them but never let them speak: no passage is
        theirs, the facts name them as no side's voice, and the narration never reports them.
        Named as the articles spell them."""
        voice = said_voice(question)
        if voice is None:
            return ()
        _, asked = voice
        terms = set(tokenize(" ".join(asked)))
        bm25 = self.index.bm25
        if not all(bm25.knows(word) for word in asked):
            return ()  # not something the articles mention: the evidence decides
        # The voice is its head word ("Jennie Formby", "the Board of Deputies", "Labour sources":
        # Formby, Deputies, Labour): a source noun names no one.
        named_words = [word for word in asked if not set(tokenize(word)) <= anonymous_terms()]
        if terms & anonymous_terms() & self._heard and not {word.lower() for word in named_words} & self._proper:
            return ()  # a role the articles hear, told apart by common words only ("the local mp")
        head = re.sub(r"['’]s$", "", (named_words or asked)[-1].lower())
        head_terms = set(tokenize(head))
        if head_terms & self._heard or set(bm25.close_terms(head)) & self._heard:
            return ()
        last = re.sub(r"['’]s$", "", asked[-1].lower())
        closest = difflib.get_close_matches(last, self._proper, n=1, cutoff=FUZZY_CUTOFF)
        named = [*asked[:-1], closest[0] if closest else asked[-1]]
        return (self.as_spelled(" ".join(named)),)

    def unnamed_source_asked(self, question: str) -> str:
        """Whom a question asks the identity of, when that is an unnamed source of the articles
        ("who was the source who said it wasnt a meeting of minds": "One source added"; "who is
        the spokesman" of "A spokesman for the company said"): the words up to the source noun,
        as written, when every voice the articles call by that noun goes unnamed, and no named
        person holds it as a role; "" else (a spokesman the narration names, "council spokesman
        Tim Jones", is answered)."""
        found = WHO_IS.search(self.as_searched(question))
        if found is None:
            return ""
        words = found.group("asked").split()
        nouns = attribution_lexicon().source_nouns
        at = next((i for i, word in enumerate(words) if word.lower() in nouns), None)
        if at is None:
            return ""
        noun = set(tokenize(words[at]))
        called = [speaker for speaker in self._speakers if noun & set(tokenize(speaker.label))]
        roles = [speaker for speaker, held in self._roles.items() if noun & held]
        if not called or roles or any(speaker.kind is not SpeakerKind.ANONYMOUS for speaker in called):
            return ""
        # "the spokesman for the company", not "who said ..." after it, nor a word of no letters or
        # a preposition left dangling ("who was the source of"; "who is the source 🙂").
        shown = words[: at + 1]
        for word in words[at + 1 :]:
            if word.lower() in RELATIVE_WORDS or not re.search(r"[^\W\d_]", word):
                break
            shown.append(word)
        while shown[-1].lower() in stopwords():
            shown.pop()
        return self.as_spelled(" ".join(shown))

    def asks_for_summary(self, question: str) -> bool:
        return self.summary_articles(question) is not None

    def summary_articles(self, question: str) -> tuple[str, ...] | None:
        """Whether the question asks for an article's gist and for nothing in particular, and of
        which: besides the request, only asking words ("can you give me a quick summary?": every
        article, ()), or words naming articles ("what's the tesla article about": those whose
        title has them, or else those that use them). None for no request, a request for the gist
        of something in particular ("summarise what Corbyn said", "the main points of the
        letter"), or one naming no article (`unknown_article`)."""
        named = self._gist_words(question)
        if named is None:
            return None
        return (self._articles_named(named) or None) if named else ()

    def unknown_article(self, question: str) -> str | None:
        """The words of a request for an article's gist that name none of the articles ("what's
        the bitcoin article about": "bitcoin"), as the reader wrote them."""
        named = self._gist_words(question)
        return " ".join(named) if named and not self._articles_named(named) else None

    def _gist_words(self, question: str) -> list[str] | None:
        """The words naming an article in a request for the gist ([]: none), or None when the
        question is no such request or asks about something in particular."""
        text = self.as_searched(question)
        found = SUMMARY_REQUEST.search(text)
        if found is None:
            return None
        fillers = stopwords() | question_words() | word_list("summary_words")

        def words(part: str) -> list[str]:
            return [w for w in re.findall(r"[\w'’]+", part) if re.sub(r"['’]", "", w.lower()) not in fillers]

        article = NAMED_ARTICLE.search(text)
        spans = sorted([found.span(), *([article.span()] if article else [])])
        kept, start = [], 0
        for left, right in spans:
            kept.append(text[start:left])
            start = max(start, right)
        if words(" ".join([*kept, text[start:]])):
            return None
        return words(article.group("named")) if article else []

    @cached_property
    def _article_terms(self) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        """Per article, the terms of its title (and file name), and those with its text's."""
        titles: dict[str, set[str]] = {}
        texts: dict[str, set[str]] = {}
        for passage in self.index.passages:
            titles[passage.article] = set(tokenize(f"{passage.title} {re.sub(r'[_-]+', ' ', passage.article)}"))
            texts.setdefault(passage.article, set(titles[passage.article])).update(tokenize(passage.text))
        return titles, texts

    def _articles_named(self, words: list[str]) -> tuple[str, ...]:
        """The articles whose titles have all of `words`, or else those whose text uses them all."""
        asked = set(tokenize(" ".join(words)))
        if not asked:
            return ()
        titles, texts = self._article_terms
        titled = tuple(sorted(article for article, terms in titles.items() if asked <= terms))
        return titled or tuple(sorted(article for article, terms in texts.items() if asked <= terms))

    def article_details(self) -> dict[str, dict[str, str]]:
        """Per article, what its front matter gives besides the title: source, url, date, author
        (the manifest's "about"; an entry that is not a mapping is left out)."""
        about = self.index.manifest.get("about")
        if not isinstance(about, dict):
            return {}
        return {str(a): {str(k): str(v) for k, v in d.items()} for a, d in about.items() if isinstance(d, dict)}

    def asks_for_the_articles(self, question: str) -> bool:
        """Whether the question asks which articles the bot answers from."""
        return bool(ARTICLES_QUESTION.search(self.as_searched(question)))

    def about_the_article(self, question: str) -> bool:
        """Whether the question asks about the article itself (who wrote it, when it came out)."""
        return bool(ARTICLE_QUESTION.search(question))

    def unrelated_request(self, question: str) -> str:
        """The request, as the reader wrote it, when the question asks the bot to make or fetch a
        kind of thing no article mentions ("tell me a joke", "write me a poem about corbyn"); ""
        otherwise ("tell me a bit more", "tell me a fact about the meeting")."""
        found = UNRELATED_REQUEST.search(question)
        if found is None:
            return ""
        # The thing is the last word before what it is about: "a good film", "a joke about corbyn"
        # (the articles tell no jokes, whoever they are about).
        thing = re.split(r"\b(?:about|on|of|from|by|with|for|in)\b", found.group("thing"), maxsplit=1)[0]
        words = tokenize_words(thing)
        if not words or ARTICLE_MATERIAL & set(words) or self._knows(words[-1]):
            return ""
        return self.as_spelled(found.group("request"))

    def asked_expansion(self, question: str) -> str | None:
        """The full name (lower case) of the acronym a question asks the meaning of ("what does JLC
        stand for" -> "jewish leadership council"), when the articles define it."""
        span = self.acronym_span(question)
        if span is None:
            return None
        phrase = self.index.lexicon.expansions.get(question[span[0] : span[1]].lower())
        return phrase.lower() if phrase else None

    def acronym_span(self, question: str) -> tuple[int, int] | None:
        """Where the question writes the acronym whose meaning it asks ("what does cst stand for",
        "whats the cst" when the articles define "CST")."""
        found = ACRONYM_QUESTION.search(question)
        if found is None:
            alone = ACRONYM_ALONE.match(question)
            return alone.span(1) if alone and alone.group(1).lower() in self.index.lexicon.expansions else None
        group = next(number for number, written in enumerate(found.groups(), start=1) if written)
        return found.span(group)

    def _knows(self, word: str) -> bool:
        return self.index.bm25.knows(word) or word.lower() in self.index.lexicon.expansions


# --- ranking, highlight and decision as functions of the candidates (bench/fit_models.py fits them) ---


def ranked_rows(
    keys: list[tuple[str, int]],
    scores: npt.NDArray[np.float64],
    k: int,
    excluded: frozenset[tuple[str, int]] = frozenset(),
    allowed: npt.NDArray[np.bool_] | None = None,
) -> list[int]:
    """The rows of the k best candidates, one per paragraph (a long paragraph has several windows)."""
    rows: list[int] = []
    seen: set[tuple[str, int]] = set()
    for row in np.argsort(-scores, kind="stable"):
        key = keys[row]
        if key in seen or key in excluded or (allowed is not None and not allowed[row]):
            continue
        seen.add(key)
        rows.append(int(row))
        if len(rows) >= k:
            break
    return rows


def pooled(states: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """The mean of some piece states (a sentence's, in its passage) at unit length: its cosine with
    a question's vector is the sentence's `dense`. Zeros when there are none."""
    if not len(states):
        return np.zeros(states.shape[1], dtype=np.float32)
    return unit_rows(states.mean(axis=0, dtype=np.float32))


@lru_cache(maxsize=1)
def anaphors() -> frozenset[str]:
    """Words that, opening a sentence, refer back to the one before (data/anaphors.txt)."""
    text = resources.files("newsbot.retrieval").joinpath("data", "anaphors.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def highlight_span(
    candidates: Candidates, row: int, models: Models, text: str, words_from: int = 0
) -> tuple[int, int] | None:
    """The first and last sentence (indices into the candidate's sentences) the highlight covers:
    the answering sentence (one that ends past `words_from`, when there is one), and the one
    before it when it opens by referring back to it."""
    best = best_sentence(candidates, row, models, words_from)
    if best is None:
        return None
    chosen = candidates.sentences[row].index(best)
    opening = re.match(r"\W*([A-Za-z]+)", text[best.start : best.end])
    if chosen > 0 and opening and opening.group(1).lower() in anaphors():
        return chosen - 1, chosen
    return chosen, chosen


def best_sentence(candidates: Candidates, row: int, models: Models, words_from: int = 0) -> Sentence | None:
    """The sentence of a candidate that answers: the highlight model's best of those that end
    past `words_from` (all of them when none does)."""
    sentences = [sentence for sentence in candidates.sentences[row] if sentence.end > words_from]
    sentences = sentences or candidates.sentences[row]
    if not sentences:
        return None
    return sentences[int(np.argmax(models.highlight.scores(sentence_signals(sentences))))]


def sentence_signals(sentences: Sequence[Sentence]) -> npt.NDArray[np.float64]:
    """Each sentence's SENTENCE_SIGNALS, in rows (what the highlight model weighs)."""

    def signals(sentence: Sentence) -> dict[str, float]:
        found = sentence.match
        return {
            "maxsim": found.maxsim,
            "coverage": sentence.coverage,
            "answer_kind": float(sentence.answer_kind),
            "weakest": found.weakest,
            "unmatched": found.unmatched,
            "dense": sentence.dense,
        }

    rows = [[signals(sentence)[name] for name in SENTENCE_SIGNALS] for sentence in sentences]
    return np.array(rows, dtype=np.float64).reshape(-1, len(SENTENCE_SIGNALS))


def evidence_of(candidates: Candidates, row: int, models: Models) -> dict[str, float]:
    """What the decline model weighs of a candidate (EVIDENCE_SIGNALS)."""
    best = best_sentence(candidates, row, models)
    chosen = best.match if best else NO_MATCH
    return {
        "maxsim": chosen.maxsim,
        "unmatched": chosen.unmatched,
        "weakest": chosen.weakest,
        "coverage": float(candidates.coverage[row]),
        "dense": float(candidates.dense[row]),
        # The question asks for a kind of answer (a time, a number) its answering sentence lacks.
        "lacks_kind": float(candidates.kind is not None and not (best is not None and best.answer_kind)),
    }


def decision_rows(
    candidates: Candidates,
    scores: npt.NDArray[np.float64],
    models: Models,
    excluded: frozenset[tuple[str, int]] = frozenset(),
) -> list[int]:
    """The passages the decision weighs: the best few, or the asked voice's best few."""
    return ranked_rows(candidates.keys, scores, models.decline.evidence_hits, excluded, candidates.voice)


def decision_confidence(
    candidates: Candidates,
    scores: npt.NDArray[np.float64],
    models: Models,
    excluded: frozenset[tuple[str, int]] = frozenset(),
) -> float:
    """The decline model's confidence that the articles answer: over the best passages, or, when
    the question asks for a voice's words, over the best passages of that voice (none: 0); the
    `excluded` paragraphs left out. A question asking for a kind of answer (a time, a number, a
    person) that none of those passages holds is not answered (0)."""
    rows = decision_rows(candidates, scores, models, excluded)
    if unheld_kind(candidates, rows):
        return 0.0
    return models.decline.confidence([evidence_of(candidates, row, models) for row in rows])


def names_as_thing(text: str, stems: frozenset[str]) -> bool:
    """Whether the text names one of the stems as a thing, in lower case, not in a name: "the
    Jewish Leadership Council" names no councils."""
    return bool(stems & set(tokenize(" ".join(word for word in CASED_WORD.findall(text) if word[0].islower()))))


def unheld_kind(candidates: Candidates, rows: Sequence[int]) -> str | None:
    """The kind of answer the question asks for (a time, a number, a person), when none of the
    passages of `rows` holds one: "how long has Formby been general secretary" of an article that
    never says for how long. A passage a voice speaks holds a person: "who said it was not a
    meeting of minds" is answered by its speaker ("One source added: …")."""
    kind = candidates.kind
    if kind in (None, EXPANSION):
        return None
    if any(s.answer_kind for row in rows for s in candidates.sentences[row]):
        if candidates.texts is None:
            return None
        texts = [candidates.texts[row] for row in rows]
        # "how much will the breach cost" of passages that count customers but give no sum
        if candidates.amount and not any(holds_amount(text) for text in texts):
            return "amount"
        # "how many firefighters were there" of passages that name firefighters but count none
        named = [text for text in texts if names_as_thing(text, candidates.counted)]
        return kind if named and not any(holds_count_of(text, candidates.counted) for text in named) else None
    if kind == "person" and candidates.voiced is not None and any(candidates.voiced[row] for row in rows):
        return None
    return "amount" if candidates.amount else kind
